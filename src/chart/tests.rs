//! Tests for the chart module: decode the PNGs with the `png` crate and look at pixels.
//!
//! Set `WANDELGANG_CHART_SAMPLES=/some/dir` to also write sample PNGs there.

use super::digest::{WIDTH, bar_column_x, panel_plot_y, week_column_x};
use super::terugblik::line_colour;
use super::*;

struct Decoded {
    width: u32,
    height: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    pixels: Vec<u8>,
}

impl Decoded {
    fn pixel(&self, x: u32, y: u32) -> (u8, u8, u8) {
        let i = (y as usize * self.width as usize + x as usize) * 3;
        (self.pixels[i], self.pixels[i + 1], self.pixels[i + 2])
    }

    /// Whether the colour occurs exactly in the given rectangle.
    fn contains(
        &self,
        xs: std::ops::Range<u32>,
        ys: std::ops::Range<u32>,
        colour: (u8, u8, u8),
    ) -> bool {
        ys.clone()
            .any(|y| xs.clone().any(|x| self.pixel(x, y) == colour))
    }
}

fn decode(picture: &Picture) -> Decoded {
    let decoder = png::Decoder::new(picture.png.as_slice());
    let mut reader = decoder.read_info().expect("png header");
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).expect("png frame");
    pixels.truncate(info.buffer_size());
    Decoded {
        width: info.width,
        height: info.height,
        color: info.color_type,
        depth: info.bit_depth,
        pixels,
    }
}

fn legend() -> Legend {
    Legend {
        goed: "goed".into(),
        twijfel: "twijfel".into(),
        geen: "geen klik".into(),
        response: "respons".into(),
        suppressed: "< 3".into(),
        week: "week".into(),
    }
}

fn bars(goed: u32, twijfel: u32, geen: u32) -> Option<KlikBars> {
    Some(KlikBars {
        goed,
        twijfel,
        geen,
    })
}

/// Ten weeks (38..=47); week index 4 has goed 6, twijfel 3, geen 2; index 7 is suppressed.
fn known_panel(title: &str) -> Panel {
    let weeks = (0..10)
        .map(|i| WeekColumn {
            label: (38 + i).to_string(),
            klik: match i {
                4 => bars(6, 3, 2),
                7 => None,
                _ => bars(3 + i % 3, 1 + i % 2, i % 2),
            },
            response_rate: if i == 2 {
                None
            } else {
                Some(0.45 + 0.05 * f64::from(i))
            },
        })
        .collect();
    Panel {
        title: title.into(),
        weeks,
    }
}

fn digest(panels: &[Panel], legend: &Legend) -> Picture {
    digest_png(&DigestChart {
        title: "Wandelgang · weekoverzicht De Linde, week 38–47".into(),
        panels,
        legend,
    })
    .expect("digest")
}

#[test]
fn digest_png_decodes_with_size_and_grows_per_panel() {
    let legend = legend();
    let mut last_height = 0;
    for n in 1..=3 {
        let panels: Vec<Panel> = (0..n).map(|i| known_panel(&format!("Team {i}"))).collect();
        let picture = digest(&panels, &legend);
        let d = decode(&picture);
        assert_eq!(d.color, png::ColorType::Rgb);
        assert_eq!(d.depth, png::BitDepth::Eight);
        assert_eq!((d.width, d.height), (picture.width, picture.height));
        assert_eq!(picture.width, 800);
        assert!(picture.height > last_height, "height must grow with panels");
        assert_eq!(d.pixels.len(), (d.width * d.height * 3) as usize);
        last_height = picture.height;
    }
}

#[test]
fn bar_columns_hold_the_bar_colours_and_suppressed_weeks_none() {
    let legend = legend();
    let panels = [known_panel("Team Zorg"), known_panel("Team Bouw")];
    let d = decode(&digest(&panels, &legend));
    for p in 0..panels.len() {
        let ys = panel_plot_y(p);
        assert!(ys.end <= d.height);
        let bar = bar_column_x(WIDTH, 10, 4);
        assert!(!bar.is_empty());
        for colour in [GOED, TWIJFEL, GEEN] {
            assert!(
                d.contains(bar.clone(), ys.clone(), colour),
                "panel {p}: week 5 lacks {colour:?}"
            );
        }
        // Bottom to top: goed, twijfel, geen klik.
        let x = (bar.start + bar.end) / 2;
        let first_row = |c| ys.clone().find(|&y| d.pixel(x, y) == c);
        let (g, t, n) = (first_row(GOED), first_row(TWIJFEL), first_row(GEEN));
        assert!(
            n < t && t < g,
            "stack order: geen {n:?} < twijfel {t:?} < goed {g:?}"
        );
        // The slot around the bar is free of bar colours: layout and drawing agree.
        let slot = week_column_x(WIDTH, 10, 4);
        for xs in [slot.start..bar.start, bar.end..slot.end] {
            for colour in [GOED, TWIJFEL, GEEN] {
                assert!(!d.contains(xs.clone(), ys.clone(), colour));
            }
        }
        // The suppressed week shows no bars at all.
        let suppressed = week_column_x(WIDTH, 10, 7);
        for colour in [GOED, TWIJFEL, GEEN] {
            assert!(
                !d.contains(suppressed.clone(), ys.clone(), colour),
                "panel {p}: suppressed week shows {colour:?}"
            );
        }
        // The response line is there.
        assert!(d.contains(super::digest::plot_x(WIDTH), ys.clone(), RESPONSE));
    }
}

#[test]
fn same_input_gives_identical_bytes() {
    let legend = legend();
    let panels = [known_panel("Team A"), known_panel("Team B")];
    assert_eq!(digest(&panels, &legend).png, digest(&panels, &legend).png);
    let weeks: Vec<String> = (38..48).map(|w| w.to_string()).collect();
    let lines = sample_lines(3, 10);
    let chart = terugblik(&weeks, &lines);
    assert_eq!(
        terugblik_png(&chart).expect("terugblik").png,
        terugblik_png(&chart).expect("terugblik").png
    );
}

fn sample_lines(students: usize, weeks: usize) -> Vec<KlikLine> {
    let names = [
        "Sanne de Vries",
        "Mohammed El Amrani",
        "Lotte Jansen",
        "Daan Bakker",
        "Noa Visser",
        "Finn Smit",
        "Yara Meijer",
        "Sem de Boer",
        "Julia Mulder",
    ];
    (0..students)
        .map(|s| KlikLine {
            student: names[s % names.len()].into(),
            points: (0..weeks)
                .map(|w| {
                    if (w + s) % 4 == 3 {
                        None
                    } else {
                        Some((((w * 7 + s * 3) % 5) as f64 - 2.0) / 2.0)
                    }
                })
                .collect(),
        })
        .collect()
}

fn terugblik<'a>(weeks: &'a [String], lines: &'a [KlikLine]) -> TerugblikChart<'a> {
    TerugblikChart {
        title: "Terugblik: jouw klik per student".into(),
        weeks,
        lines,
        levels: ["geen klik", "twijfel", "goed"],
    }
}

#[test]
fn terugblik_png_decodes_and_shows_the_first_line() {
    let weeks: Vec<String> = (38..48).map(|w| w.to_string()).collect();
    let lines = sample_lines(3, 10);
    let picture = terugblik_png(&terugblik(&weeks, &lines)).expect("terugblik");
    let d = decode(&picture);
    assert_eq!(d.color, png::ColorType::Rgb);
    assert_eq!(d.depth, png::BitDepth::Eight);
    assert_eq!((d.width, d.height), (picture.width, picture.height));
    assert_eq!(picture.width, 800);
    assert!((340..=380).contains(&picture.height));
    assert!(d.contains(0..d.width, 0..d.height, line_colour(0)));
    assert_eq!(line_colour(0), RESPONSE);
    // Many students: colours cycle and the legend wraps onto more rows.
    let many = sample_lines(12, 10);
    let tall = terugblik_png(&terugblik(&weeks, &many)).expect("terugblik");
    assert!(tall.height > picture.height);
    assert_eq!(line_colour(8), line_colour(0));
}

#[test]
fn odd_inputs_do_not_panic() {
    let legend = legend();
    let none_week = |label: &str| WeekColumn {
        label: label.into(),
        klik: None,
        response_rate: None,
    };
    let cases: Vec<Vec<Panel>> = vec![
        vec![],
        vec![Panel {
            title: String::new(),
            weeks: vec![],
        }],
        vec![Panel {
            title: "Alles leeg".into(),
            weeks: (38..48).map(|w| none_week(&w.to_string())).collect(),
        }],
        vec![Panel {
            title: "Eén week".into(),
            weeks: vec![WeekColumn {
                label: "47".into(),
                klik: bars(0, 0, 0),
                response_rate: Some(1.0),
            }],
        }],
        vec![Panel {
            title: "Vreemde waarden ".repeat(20),
            weeks: vec![
                WeekColumn {
                    label: "een heel lang weeklabel".into(),
                    klik: bars(u32::MAX, 5, 1_000_000),
                    response_rate: Some(f64::NAN),
                },
                WeekColumn {
                    label: "2".into(),
                    klik: bars(0, 0, 1),
                    response_rate: Some(-3.0),
                },
            ],
        }],
        vec![Panel {
            title: "Veertig weken".into(),
            weeks: (0..40)
                .map(|w| WeekColumn {
                    label: w.to_string(),
                    klik: bars(w, 1, 2),
                    response_rate: Some(2.0),
                })
                .collect(),
        }],
    ];
    for panels in &cases {
        let picture = digest(panels, &legend);
        let d = decode(&picture);
        assert_eq!((d.width, d.height), (picture.width, picture.height));
    }

    let no_weeks: Vec<String> = vec![];
    let one_week = vec!["47".to_string()];
    let ten: Vec<String> = (38..48).map(|w| w.to_string()).collect();
    let all_none = vec![KlikLine {
        student: "Niemand".into(),
        points: vec![None; 10],
    }];
    let ragged = vec![
        KlikLine {
            student: "Te kort".into(),
            points: vec![Some(1.0)],
        },
        KlikLine {
            student: "Te lang".into(),
            points: vec![Some(0.0); 30],
        },
        KlikLine {
            student: "Vreemd".into(),
            points: vec![Some(f64::NAN), Some(f64::INFINITY), Some(-7.0)],
        },
    ];
    for (weeks, lines) in [
        (&no_weeks, &vec![]),
        (&no_weeks, &ragged),
        (&one_week, &sample_lines(2, 1)),
        (&ten, &vec![]),
        (&ten, &all_none),
        (&ten, &ragged),
    ] {
        let picture = terugblik_png(&terugblik(weeks, lines)).expect("terugblik");
        let d = decode(&picture);
        assert_eq!((d.width, d.height), (picture.width, picture.height));
    }
}

/// Writes sample pictures when `WANDELGANG_CHART_SAMPLES` names a directory.
#[test]
fn write_samples_when_asked() {
    let Some(dir) = std::env::var_os("WANDELGANG_CHART_SAMPLES") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    let legend = legend();
    let mut school = known_panel("De Linde (hele school)");
    for (i, w) in school.weeks.iter_mut().enumerate() {
        w.klik = bars(20 + i as u32 * 2, 8 + i as u32 % 4, 3 + i as u32 % 3);
    }
    let mut small = known_panel("Team Techniek");
    for i in [1, 5, 6] {
        small.weeks[i].klik = None;
    }
    small.weeks[6].response_rate = None;
    let panels = [school, known_panel("Team Zorg & Welzijn"), small];
    std::fs::write(dir.join("sample_digest.png"), digest(&panels, &legend).png)
        .expect("write digest");

    let weeks: Vec<String> = (38..48).map(|w| w.to_string()).collect();
    let lines = sample_lines(5, 10);
    let picture = terugblik_png(&TerugblikChart {
        title: "Terugblik · jouw klik per student, week 38–47".into(),
        weeks: &weeks,
        lines: &lines,
        levels: ["geen klik", "twijfel", "goed"],
    })
    .expect("terugblik");
    std::fs::write(dir.join("sample_terugblik.png"), picture.png).expect("write terugblik");
}

#[test]
fn font_bearings_come_from_the_embedded_font() {
    // DejaVu Sans: "j" hangs left of its pen position, "i" starts right of it.
    assert!(super::metrics::left_bearing('j', 100) < 0);
    assert!(super::metrics::left_bearing('i', 100) > 0);
    assert_eq!(super::metrics::left_bearing('\u{E000}', 100), 0);
}
