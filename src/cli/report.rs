//! `wandelgang report --school ID [--weeks N] --out FILE`: the figures of the weekly digest for
//! a meeting, as a PNG chart, a CSV table or one self-contained HTML page (chart inlined).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail};
use base64::Engine as _;

use super::{offline, school_id};
use crate::app::digest::{DIGEST_WEEKS, MAX_OVERVIEW_WEEKS};
use crate::chat::pictures;
use crate::chat::render::{self, DEFAULT_MAX_CHARS, Occasion, RenderContext};
use crate::domain::digest::{Cell, DigestFigures, TeamFigures};
use crate::domain::language::Language;

/// The file kinds `report` writes, by extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Png,
    Csv,
    Html,
}

fn format_of(out: &Path) -> Result<Format> {
    let ext = out
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    Ok(match ext.as_str() {
        "png" => Format::Png,
        "csv" => Format::Csv,
        "html" | "htm" => Format::Html,
        other => bail!(
            "onbekende bestandssoort `.{other}`: kies .png, .csv of .html / unknown file kind `.{other}`: choose .png, .csv or .html"
        ),
    })
}

/// Writes the school's figures over `weeks` school weeks up to today to `out`.
pub async fn report(
    config: Option<&Path>,
    school: &str,
    weeks: Option<u32>,
    out: &Path,
) -> Result<()> {
    let format = format_of(out)?;
    let weeks = weeks.map_or(DIGEST_WEEKS, |w| w as usize);
    if !(1..=MAX_OVERVIEW_WEEKS).contains(&weeks) {
        bail!(
            "--weeks moet 1 tot {MAX_OVERVIEW_WEEKS} zijn / --weeks must be 1 to {MAX_OVERVIEW_WEEKS}"
        );
    }
    let school = school_id(school)?;
    let (figures, language, tz) = offline(config, async |engine| {
        let settings = engine.config.school(school.as_str());
        let today = settings.calendar.local_date(chrono::Utc::now());
        let figures = engine
            .school_figures(&school, today, today, weeks)
            .await?
            .with_context(|| {
                format!("school `{school}` staat niet in het rooster / is not in the roster")
            })?;
        Ok((figures, settings.language, settings.calendar.tz))
    })
    .await?;
    let ctx = RenderContext {
        language,
        tz,
        max_chars: usize::MAX,
    };
    let bytes = match format {
        Format::Png => pictures::digest(&figures, &ctx)?.picture.png,
        Format::Csv => csv_table(&figures)?.into_bytes(),
        Format::Html => html_page(&figures, &ctx)?.into_bytes(),
    };
    std::fs::write(out, bytes)
        .with_context(|| format!("kan {} niet schrijven / cannot write it", out.display()))?;
    eprintln!(
        "Geschreven / written: {} ({} schoolweken / school weeks, {} teams)",
        out.display(),
        figures.weeks.len(),
        figures.teams.len()
    );
    Ok(())
}

/// One row per team (the school first) and school week.
fn csv_table(f: &DigestFigures) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "team",
        "week",
        "monday",
        "prompts_sent",
        "prompts_answered",
        "response_rate",
        "reflections",
        "shared",
        "klik_goed",
        "klik_twijfel",
        "klik_geen",
    ])?;
    for team in std::iter::once(&f.school_total).chain(&f.teams) {
        for (week, figures) in f.weeks.iter().zip(&team.weeks) {
            let (goed, twijfel, geen) = match figures.klik {
                Cell::Shown(k) => (
                    k.goed.to_string(),
                    k.twijfel.to_string(),
                    k.geen.to_string(),
                ),
                Cell::Suppressed => {
                    let hidden = format!("< {}", f.min_students);
                    (hidden.clone(), hidden.clone(), hidden)
                }
            };
            w.write_record([
                team.name.clone(),
                week.number().to_string(),
                week.monday.to_string(),
                figures.prompts_sent.to_string(),
                figures.prompts_answered.to_string(),
                figures
                    .response_rate()
                    .map_or_else(String::new, |r| format!("{r:.3}")),
                figures.reflections.to_string(),
                figures.shared.to_string(),
                goed,
                twijfel,
                geen,
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn team_rows(out: &mut String, team: &TeamFigures, min: u32) {
    let _ = write!(out, "<tr><th scope=\"row\">{}</th>", escape(&team.name));
    for w in &team.weeks {
        let klik = match w.klik {
            Cell::Shown(k) => format!("{} / {} / {}", k.goed, k.twijfel, k.geen),
            Cell::Suppressed => format!("&lt; {min}"),
        };
        let rate = w
            .response_rate()
            .map_or_else(|| "–".to_string(), |r| format!("{:.0}%", r * 100.0));
        let _ = write!(out, "<td>{klik}<br><small>{rate}</small></td>");
    }
    out.push_str("</tr>\n");
}

/// One page with no outside references: the digest's text, the chart as a data URL with its
/// text alternative, and the weekly table.
fn html_page(f: &DigestFigures, ctx: &RenderContext) -> Result<String> {
    let picture = pictures::digest(f, ctx)?;
    let png = base64::engine::general_purpose::STANDARD.encode(&picture.picture.png);
    let text = render::digest_text(
        f,
        Occasion::Asked,
        &RenderContext {
            max_chars: DEFAULT_MAX_CHARS.max(100_000),
            ..*ctx
        },
    );
    let nl = ctx.language == Language::Nl;
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>{}</title>\n<style>body{{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}}img{{max-width:100%;height:auto}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.3rem;text-align:center}}</style>\n</head>\n<body>\n",
        if nl { "nl" } else { "en" },
        escape(&format!("Wandelgang · {}", f.school))
    );
    for (i, line) in text.lines().enumerate() {
        let tag = if i == 0 { "h1" } else { "p" };
        let _ = writeln!(out, "<{tag}>{}</{tag}>", escape(line));
    }
    let _ = writeln!(
        out,
        "<img src=\"data:image/png;base64,{png}\" width=\"{}\" height=\"{}\" alt=\"{}\">",
        picture.picture.width,
        picture.picture.height,
        escape(&picture.alt)
    );
    let _ = write!(
        out,
        "<table>\n<caption>{}</caption>\n<tr><th scope=\"col\">team</th>",
        if nl {
            "Klik per week (goed / twijfel / geen klik) en respons"
        } else {
            "Klik per week (good / doubt / no klik) and response rate"
        }
    );
    for w in &f.weeks {
        let _ = write!(out, "<th scope=\"col\">{}</th>", w.number());
    }
    out.push_str("</tr>\n");
    for team in std::iter::once(&f.school_total).chain(&f.teams) {
        team_rows(&mut out, team, f.min_students);
    }
    out.push_str("</table>\n</body>\n</html>\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_format_follows_the_extension_and_refuses_others() {
        assert_eq!(format_of(Path::new("x.PNG")).ok(), Some(Format::Png));
        assert_eq!(format_of(Path::new("a/b.csv")).ok(), Some(Format::Csv));
        assert_eq!(format_of(Path::new("r.html")).ok(), Some(Format::Html));
        let e = format_of(Path::new("r.pdf")).err().map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains(".pdf") && e.contains(".csv")));
        assert!(format_of(Path::new("noext")).is_err());
    }
}
