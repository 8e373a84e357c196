//! The pictures some messages carry: the digest's chart for the schoolopleider, the klik line
//! for the wpb's terugblik. Drawn from the message's own data when it is sent, so a retry
//! sends the same bytes; each with a text alternative that says the main finding.

use chrono::Datelike;

use crate::app::messages::{Message, Terugblik};
use crate::chart::{
    self, DigestChart, KlikBars, KlikLine, Legend, Panel, Picture, TerugblikChart, WeekColumn,
};
use crate::chat::render::{self, RenderContext};
use crate::domain::digest::{
    Cell, DigestFigures, SchoolWeek, TeamFigures, weekly_klik, weeks_between,
};
use crate::domain::language::Language;

/// Teams drawn besides the school as a whole; the text lists them all.
const MAX_TEAM_PANELS: usize = 6;

/// A picture ready to go along with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessagePicture {
    /// The file name (`weekoverzicht-2026-W48.png`).
    pub file_name: String,
    /// The text alternative: the main finding in one sentence.
    pub alt: String,
    /// The PNG and its size.
    pub picture: Picture,
}

/// The picture a message carries, if its kind has one. A picture that cannot be drawn is
/// logged and left out: the text says everything the picture shows.
pub fn of_message(message: &Message, ctx: &RenderContext) -> Option<MessagePicture> {
    let drawn = match message {
        Message::Digest(f) => digest(f, ctx),
        Message::Terugblik(t) => terugblik(t, ctx),
        _ => return None,
    };
    drawn
        .map_err(
            |e| tracing::error!(%e, "a message's picture could not be drawn; the text goes alone"),
        )
        .ok()
}

fn legend(ctx: &RenderContext) -> Legend {
    let nl = ctx.language == Language::Nl;
    let pick = |a: &str, b: &str| if nl { a } else { b }.to_string();
    Legend {
        goed: pick("goed", "good"),
        twijfel: pick("twijfel", "doubt"),
        geen: pick("geen klik", "no klik"),
        response: pick("respons", "response"),
        suppressed: "< 3".to_string(),
        week: "week".to_string(),
    }
}

fn panel(name: &str, weeks: &[SchoolWeek], figures: &TeamFigures) -> Panel {
    Panel {
        title: name.to_string(),
        weeks: weeks
            .iter()
            .zip(&figures.weeks)
            .map(|(w, f)| WeekColumn {
                label: w.number().to_string(),
                klik: match f.klik {
                    Cell::Shown(k) => Some(KlikBars {
                        goed: k.goed,
                        twijfel: k.twijfel,
                        geen: k.geen,
                    }),
                    Cell::Suppressed => None,
                },
                response_rate: f.response_rate(),
            })
            .collect(),
    }
}

/// The digest's chart: the school, then its busiest teams, with the figures of the text.
pub fn digest(f: &DigestFigures, ctx: &RenderContext) -> Result<MessagePicture, chart::ChartError> {
    let mut teams: Vec<&TeamFigures> = f.teams.iter().collect();
    // The teams with the most prompts go first; the order is stable for equal counts.
    teams.sort_by_key(|t| std::cmp::Reverse(t.period.prompts_sent));
    let mut panels = vec![panel(&f.school, &f.weeks, &f.school_total)];
    panels.extend(
        teams
            .iter()
            .take(MAX_TEAM_PANELS)
            .map(|t| panel(&t.name, &f.weeks, t)),
    );
    let legend = legend(ctx);
    let span = match (f.weeks.first(), f.weeks.last()) {
        (Some(a), Some(b)) => format!("week {}–{}", a.number(), b.number()),
        _ => String::new(),
    };
    let title = match ctx.language {
        Language::Nl => format!("Wandelgang · weekoverzicht {}, {span}", f.school),
        Language::En => format!("Wandelgang · weekly digest {}, {span}", f.school),
    };
    let picture = chart::digest_png(&DigestChart {
        title,
        panels: &panels,
        legend: &legend,
    })?;
    let week = f.weeks.last().map(|w| w.monday.iso_week());
    let file_name = week.map_or_else(
        || "weekoverzicht.png".to_string(),
        |w| format!("weekoverzicht-{}-W{:02}.png", w.year(), w.week()),
    );
    Ok(MessagePicture {
        file_name,
        alt: render::digest_alt(f, ctx),
        picture,
    })
}

/// The terugblik's chart: the wpb's own klik per student per school week.
pub fn terugblik(t: &Terugblik, ctx: &RenderContext) -> Result<MessagePicture, chart::ChartError> {
    let weeks = weeks_between(t.from, t.until);
    let labels: Vec<String> = weeks.iter().map(|w| w.number().to_string()).collect();
    let lines: Vec<KlikLine> = t
        .klik
        .iter()
        .map(|k| KlikLine {
            student: k.student.clone(),
            points: weekly_klik(&k.signals, &weeks),
        })
        .collect();
    let nl = ctx.language == Language::Nl;
    let title = if nl {
        "Jouw klik per week".to_string()
    } else {
        "Your klik per week".to_string()
    };
    let levels = if nl {
        ["geen klik", "twijfel", "goed"]
    } else {
        ["no klik", "doubt", "good"]
    };
    let picture = chart::terugblik_png(&TerugblikChart {
        title,
        weeks: &labels,
        lines: &lines,
        levels,
    })?;
    Ok(MessagePicture {
        file_name: "terugblik.png".to_string(),
        alt: render::terugblik_alt(t, ctx),
        picture,
    })
}
