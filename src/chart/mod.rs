//! PNG charts for the weekly digest and the wpb's terugblik, drawn with plotters.
//!
//! Everything is drawn into an in-memory RGB buffer with the embedded DejaVu Sans font
//! (registered once with plotters under the family name `"sans-serif"`; no system fonts
//! or fontconfig are needed) and encoded with the `png` crate using fixed settings, so
//! the same input always yields the same bytes.
//!
//! * [`digest_png`] draws the digest chart: a title, a legend row and one panel per team
//!   with stacked klik bars per week and the response rate as a line on a 0–100 % axis.
//! * [`terugblik_png`] draws one line per student with the wpb's mean klik per week.
//!
//! All words on the charts come from the caller, in the reader's language.

mod digest;
mod terugblik;

#[cfg(test)]
mod tests;

use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{FontStyle, register_font};

/// A drawn picture: PNG bytes and the pixel size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Picture {
    /// The encoded PNG file (RGB, 8 bits per channel).
    pub png: Vec<u8>,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// Why a chart could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    /// Plotters (or the font) failed while drawing.
    #[error("tekenen mislukt / drawing failed: {0}")]
    Draw(String),
    /// The PNG encoder failed.
    #[error("PNG maken mislukt / PNG encoding failed: {0}")]
    Encode(String),
}

/// One week's klik bars (counts of signals per value).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KlikBars {
    /// Number of "goed" signals.
    pub goed: u32,
    /// Number of "twijfel" signals.
    pub twijfel: u32,
    /// Number of "geen klik" signals.
    pub geen: u32,
}

impl KlikBars {
    /// The height of the stacked bar: all signals of the week.
    pub fn total(&self) -> u32 {
        self.goed
            .saturating_add(self.twijfel)
            .saturating_add(self.geen)
    }
}

/// One school week column.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekColumn {
    /// The week label under the column, e.g. `"47"`.
    pub label: String,
    /// The klik bars; `None`: the figure rests on fewer than 3 students and is suppressed.
    pub klik: Option<KlikBars>,
    /// Share of prompts answered, `0.0..=1.0`; `None`: no prompts that week.
    pub response_rate: Option<f64>,
}

/// One team (or the school as a whole).
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    /// The panel's title, e.g. the team name.
    pub title: String,
    /// The weeks, oldest first.
    pub weeks: Vec<WeekColumn>,
}

/// The words on the chart, in the reader's language.
#[derive(Debug, Clone, PartialEq)]
pub struct Legend {
    /// Legend text for the "goed" bars.
    pub goed: String,
    /// Legend text for the "twijfel" bars.
    pub twijfel: String,
    /// Legend text for the "geen klik" bars.
    pub geen: String,
    /// Legend text for the response-rate line.
    pub response: String,
    /// Shown in a suppressed week's column, e.g. `"< 3"`.
    pub suppressed: String,
    /// The word for the x axis, e.g. `"week"`.
    pub week: String,
}

/// The digest chart: a title and one panel per team, stacked vertically.
#[derive(Debug, Clone)]
pub struct DigestChart<'a> {
    /// The title at the top of the picture.
    pub title: String,
    /// One panel per team, drawn top to bottom.
    pub panels: &'a [Panel],
    /// The words on the chart.
    pub legend: &'a Legend,
}

/// Draws the digest chart (800 px wide, about 240 px per panel) as a PNG.
pub fn digest_png(chart: &DigestChart) -> Result<Picture, ChartError> {
    ensure_font()?;
    digest::draw(chart)
}

/// One student's line in the wpb's terugblik: the wpb's own mean klik per week
/// (-1.0 geen klik .. +1.0 goed), `None` where there was no signal.
#[derive(Debug, Clone, PartialEq)]
pub struct KlikLine {
    /// The student's name, shown in the legend.
    pub student: String,
    /// One value per week (same order as [`TerugblikChart::weeks`]).
    pub points: Vec<Option<f64>>,
}

/// The terugblik chart: week labels along x, one line per student, y = geen klik / twijfel / goed.
#[derive(Debug, Clone)]
pub struct TerugblikChart<'a> {
    /// The title at the top of the picture.
    pub title: String,
    /// The week labels along the x axis.
    pub weeks: &'a [String],
    /// One line per student.
    pub lines: &'a [KlikLine],
    /// Labels for the levels -1, 0 and +1 (geen klik, twijfel, goed).
    pub levels: [&'a str; 3],
}

/// Draws the terugblik chart (800 px wide, about 360 px high) as a PNG.
pub fn terugblik_png(chart: &TerugblikChart) -> Result<Picture, ChartError> {
    ensure_font()?;
    terugblik::draw(chart)
}

/// Colour of the "goed" bars (Okabe–Ito bluish green).
pub const GOED: (u8, u8, u8) = (0, 158, 115);
/// Colour of the "twijfel" bars (Okabe–Ito orange).
pub const TWIJFEL: (u8, u8, u8) = (230, 159, 0);
/// Colour of the "geen klik" bars (Okabe–Ito vermillion).
pub const GEEN: (u8, u8, u8) = (213, 94, 0);
/// Colour of the response-rate line (Okabe–Ito blue).
pub const RESPONSE: (u8, u8, u8) = (0, 114, 178);

/// Colours for the student lines in the terugblik, cycled (Okabe–Ito order).
const LINE_COLOURS: [(u8, u8, u8); 8] = [
    RESPONSE,
    GEEN,
    GOED,
    TWIJFEL,
    (0, 0, 0),
    (86, 180, 233),
    (204, 121, 167),
    (240, 228, 66),
];

/// The embedded font (DejaVu Sans, see `assets/fonts/DejaVuSans-LICENSE.txt`).
const FONT_BYTES: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/assets/fonts/DejaVuSans.ttf"
));

/// Registers the embedded font with plotters as `"sans-serif"`, once per process.
fn ensure_font() -> Result<(), ChartError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| register_font("sans-serif", FontStyle::Normal, FONT_BYTES).is_ok());
    if ok {
        Ok(())
    } else {
        Err(ChartError::Draw("embedded font is invalid".to_owned()))
    }
}

/// Maps any plotters error to [`ChartError::Draw`].
fn draw_err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError::Draw(e.to_string())
}

fn rgb(c: (u8, u8, u8)) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// Dark grey for text.
const INK: RGBColor = RGBColor(34, 34, 34);
/// Mid grey for axes and muted text (the suppressed mark, the word "week").
const MUTED: RGBColor = RGBColor(110, 110, 110);
/// Light grey for grid lines.
const GRID: RGBColor = RGBColor(225, 225, 225);

/// The drawing area over the whole RGB buffer (pixel coordinates).
type Canvas<'a> = DrawingArea<BitMapBackend<'a>, plotters::coord::Shift>;

/// A text style in the embedded font.
fn font(size: u32, colour: RGBColor, h: HPos) -> TextStyle<'static> {
    ("sans-serif", f64::from(size))
        .into_font()
        .color(&colour)
        .pos(Pos::new(h, VPos::Top))
}

/// Draws `text` with its baseline at `baseline`, anchored at `x` as `h` says.
///
/// Two quirks of plotters 0.3.7's ab_glyph text path are corrected here: the baseline
/// lands half a font size below a top-anchored position (plotters' own anchors ignore
/// that), and every glyph loses its left side bearing, which opens visible gaps before
/// glyphs like "j" ("twi jfel"). So each character is drawn on its own, at the pen
/// position plotters measures for the text before it plus its bearing from the font.
fn text_at(
    area: &Canvas,
    text: &str,
    (x, baseline): (i32, i32),
    size: u32,
    colour: RGBColor,
    h: HPos,
) -> Result<(), ChartError> {
    let top = baseline - (size as i32) / 2;
    let style = font(size, colour, HPos::Left);
    let left = match h {
        HPos::Left => x,
        HPos::Center => x - text_width(area, text, size)? / 2,
        HPos::Right => x - text_width(area, text, size)?,
    };
    for (at, c) in text.char_indices() {
        if c.is_whitespace() {
            continue;
        }
        // Measure up to and including `c` (so the kerning pair before it counts), minus `c`.
        let through = &text[..at + c.len_utf8()];
        let pen = text_width(area, through, size)? - text_width(area, &through[at..], size)?;
        let bearing = metrics::left_bearing(c, size);
        let mut glyph = [0u8; 4];
        area.draw_text(
            c.encode_utf8(&mut glyph),
            &style,
            (left + pen + bearing, top),
        )
        .map_err(draw_err)?;
    }
    Ok(())
}

/// Glyph metrics read straight from the embedded TrueType font (`hhea`, `hmtx`, `cmap`).
mod metrics {
    use std::sync::OnceLock;

    use super::FONT_BYTES;

    struct Tables {
        /// Offset of the format 4 (BMP) cmap subtable.
        cmap4: usize,
        hmtx: usize,
        n_hmetrics: usize,
        /// ascender - descender in font units; ab_glyph scales the font to this height.
        height: f64,
    }

    fn u16_at(d: &[u8], at: usize) -> Option<u16> {
        Some(u16::from_be_bytes([*d.get(at)?, *d.get(at + 1)?]))
    }

    fn u32_at(d: &[u8], at: usize) -> Option<u32> {
        Some(u32::from_be_bytes([
            *d.get(at)?,
            *d.get(at + 1)?,
            *d.get(at + 2)?,
            *d.get(at + 3)?,
        ]))
    }

    fn table(d: &[u8], tag: &[u8; 4]) -> Option<usize> {
        let n = usize::from(u16_at(d, 4)?);
        (0..n).find_map(|i| {
            let rec = 12 + 16 * i;
            (d.get(rec..rec + 4)? == tag).then_some(u32_at(d, rec + 8)? as usize)
        })
    }

    fn parse(d: &[u8]) -> Option<Tables> {
        let hhea = table(d, b"hhea")?;
        let ascender = f64::from(u16_at(d, hhea + 4)? as i16);
        let descender = f64::from(u16_at(d, hhea + 6)? as i16);
        let n_hmetrics = usize::from(u16_at(d, hhea + 34)?);
        let hmtx = table(d, b"hmtx")?;
        let cmap = table(d, b"cmap")?;
        let n_sub = usize::from(u16_at(d, cmap + 2)?);
        let cmap4 = (0..n_sub).find_map(|i| {
            let rec = cmap + 4 + 8 * i;
            let (platform, encoding) = (u16_at(d, rec)?, u16_at(d, rec + 2)?);
            let sub = cmap + u32_at(d, rec + 4)? as usize;
            (platform == 3 && encoding == 1 && u16_at(d, sub)? == 4).then_some(sub)
        })?;
        let height = ascender - descender;
        (height > 0.0).then_some(Tables {
            cmap4,
            hmtx,
            n_hmetrics,
            height,
        })
    }

    fn glyph_id(d: &[u8], sub: usize, c: char) -> Option<u16> {
        let c = u16::try_from(u32::from(c)).ok()?;
        let seg_x2 = usize::from(u16_at(d, sub + 6)?);
        let ends = sub + 14;
        let starts = ends + seg_x2 + 2;
        let deltas = starts + seg_x2;
        let range_offsets = deltas + seg_x2;
        let seg = (0..seg_x2 / 2).find(|&i| u16_at(d, ends + 2 * i).is_some_and(|e| e >= c))?;
        let start = u16_at(d, starts + 2 * seg)?;
        if c < start {
            return None;
        }
        let delta = u16_at(d, deltas + 2 * seg)?;
        let range_offset = usize::from(u16_at(d, range_offsets + 2 * seg)?);
        let id = if range_offset == 0 {
            c.wrapping_add(delta)
        } else {
            let at = range_offsets + 2 * seg + range_offset + 2 * usize::from(c - start);
            match u16_at(d, at)? {
                0 => 0,
                g => g.wrapping_add(delta),
            }
        };
        (id != 0).then_some(id)
    }

    /// The left side bearing of `c` in whole pixels at plotters font size `size`
    /// (0 when the font has no such glyph).
    pub(super) fn left_bearing(c: char, size: u32) -> i32 {
        static TABLES: OnceLock<Option<Tables>> = OnceLock::new();
        let Some(t) = TABLES.get_or_init(|| parse(FONT_BYTES)) else {
            return 0;
        };
        let lsb = glyph_id(FONT_BYTES, t.cmap4, c).and_then(|g| {
            let g = usize::from(g);
            let at = if g < t.n_hmetrics {
                t.hmtx + 4 * g + 2
            } else {
                t.hmtx + 4 * t.n_hmetrics + 2 * (g - t.n_hmetrics)
            };
            u16_at(FONT_BYTES, at)
        });
        lsb.map_or(0, |l| {
            (f64::from(l as i16) * f64::from(size) / t.height).floor() as i32
        })
    }
}

/// Estimated width of `text` in pixels.
fn text_width(area: &Canvas, text: &str, size: u32) -> Result<i32, ChartError> {
    let (w, _) = area
        .estimate_text_size(text, &font(size, INK, HPos::Left))
        .map_err(draw_err)?;
    Ok(w as i32)
}

/// Shortens `text` with "…" until it fits in `max_width` pixels.
fn fit_text(area: &Canvas, text: &str, size: u32, max_width: i32) -> Result<String, ChartError> {
    if text_width(area, text, size)? <= max_width {
        return Ok(text.to_owned());
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let candidate: String = chars.iter().collect::<String>() + "…";
        if text_width(area, &candidate, size)? <= max_width {
            return Ok(candidate);
        }
    }
    Ok(String::new())
}

/// Allocates a white RGB buffer, lets `paint` draw on it and encodes it as PNG.
fn render(
    width: u32,
    height: u32,
    paint: impl FnOnce(&Canvas) -> Result<(), ChartError>,
) -> Result<Picture, ChartError> {
    let mut buf = vec![255u8; width as usize * height as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(draw_err)?;
        paint(&root)?;
        root.present().map_err(draw_err)?;
    }
    let png = encode_png(&buf, width, height)?;
    Ok(Picture { png, width, height })
}

/// Encodes an RGB8 buffer with fixed settings (deterministic output).
fn encode_png(rgb: &[u8], width: u32, height: u32) -> Result<Vec<u8>, ChartError> {
    let enc_err = |e: png::EncodingError| ChartError::Encode(e.to_string());
    let mut out = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut out, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Default);
        encoder.set_filter(png::FilterType::Sub);
        encoder.set_adaptive_filter(png::AdaptiveFilterType::Adaptive);
        let mut writer = encoder.write_header().map_err(enc_err)?;
        writer.write_image_data(rgb).map_err(enc_err)?;
        writer.finish().map_err(enc_err)?;
    }
    Ok(out)
}
