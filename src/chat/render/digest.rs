//! The weekly digest and `/overzicht` for the schoolopleider, and the wpb's terugblik: figures
//! first, then the quiet risks with one kind suggestion each. A klik figure resting on too few
//! students reads "< 3"; no student's own signal is ever named.

use super::RenderContext;
use super::layout::{Keep, assemble, fit};
use super::words::{more, name};
use crate::app::messages::Terugblik;
use crate::domain::digest::{Cell, DigestFigures, KlikCounts, RISK_LIST_LEN, Totals};

/// Entries per risk list, tried in this order until the message fits.
const LIST_CAPS: [usize; 4] = [RISK_LIST_LEN, 3, 2, 1];

/// Why the figures are being shown: the Monday digest, or an overview asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Occasion {
    /// The weekly digest.
    Weekly,
    /// `/overzicht` or the operator's report.
    Asked,
}

/// The digest's text: headline, risks (what to act on), then the teams as room allows.
pub(super) fn digest(f: &DigestFigures, occasion: Occasion, ctx: &RenderContext) -> String {
    let weeks = week_span(f, ctx);
    let title = match (occasion, ctx.nl()) {
        (Occasion::Weekly, true) => format!("Weekoverzicht {} · {weeks}", name(&f.school)),
        (Occasion::Weekly, false) => format!("Weekly digest {} · {weeks}", name(&f.school)),
        (Occasion::Asked, true) => format!("Overzicht {} · {weeks}", name(&f.school)),
        (Occasion::Asked, false) => format!("Overview {} · {weeks}", name(&f.school)),
    };
    let mut head = vec![title, headline(f, ctx)];
    let period = &f.school_total.period;
    if period.threads > 0 {
        head.push(if ctx.nl() {
            format!(
                "Intervisie: {} draad/draden met samen {} deelnemers.",
                period.threads, period.participants
            )
        } else {
            format!(
                "Intervisie: {} thread(s) with {} participants in all.",
                period.threads, period.participants
            )
        });
    }
    let teams: Vec<String> = f
        .teams
        .iter()
        .map(|t| {
            team_line(
                t.name.as_str(),
                &t.last,
                t.weeks.last().map(|w| w.klik),
                f.min_students,
                ctx,
            )
        })
        .collect();
    let teams_head = ctx
        .pick("Per team, de laatste week:", "Per team, the last week:")
        .to_string();
    let tail = vec![
        ctx.pick(
            "Namen van studenten staan hier alleen bij koppelingen; hun eigen klik nooit.",
            "Students are named only with their pairing; their own klik never is.",
        )
        .to_string(),
    ];
    // The risks are what a schoolopleider acts on: they stay, with fewer entries if need be.
    let mut text = String::new();
    for cap in LIST_CAPS {
        let mut must = head.clone();
        must.extend(risks(f, cap, ctx));
        must.push(teams_head.clone());
        text = assemble(
            &must,
            &teams,
            Keep::First,
            |n| more(n, ctx),
            &tail,
            ctx.max_chars,
        );
        let whole = must
            .iter()
            .chain(&tail)
            .map(|l| l.chars().count() + 1)
            .sum::<usize>();
        if whole <= ctx.max_chars {
            break;
        }
    }
    text
}

/// "week 39–48", or the one week.
fn week_span(f: &DigestFigures, ctx: &RenderContext) -> String {
    match (f.weeks.first(), f.weeks.last()) {
        (Some(a), Some(b)) if a != b => format!("week {}–{}", a.number(), b.number()),
        (Some(a), _) => format!("week {}", a.number()),
        _ => ctx.pick("geen schoolweken", "no school weeks").to_string(),
    }
}

/// "1 schoolweek", "3 schoolweken"; "1 school week", "3 school weeks".
fn school_weeks(n: u32, ctx: &RenderContext) -> String {
    match (n == 1, ctx.nl()) {
        (true, true) => "1 schoolweek".to_string(),
        (false, true) => format!("{n} schoolweken"),
        (true, false) => "1 school week".to_string(),
        (false, false) => format!("{n} school weeks"),
    }
}

/// "1 dag", "3 dagen"; "1 day", "3 days".
fn days(n: i64, ctx: &RenderContext) -> String {
    match (n == 1, ctx.nl()) {
        (true, true) => "1 dag".to_string(),
        (false, true) => format!("{n} dagen"),
        (true, false) => "1 day".to_string(),
        (false, false) => format!("{n} days"),
    }
}

fn percent(share: Option<f64>) -> String {
    share.map_or_else(|| "–".to_string(), |s| format!("{:.0}%", s * 100.0))
}

fn klik_text(cell: Option<Cell<KlikCounts>>, min: u32, ctx: &RenderContext) -> String {
    match cell {
        Some(Cell::Shown(k)) if ctx.nl() => {
            format!(
                "{} goed, {} twijfel, {} geen klik",
                k.goed, k.twijfel, k.geen
            )
        }
        Some(Cell::Shown(k)) => format!("{} good, {} doubt, {} no klik", k.goed, k.twijfel, k.geen),
        Some(Cell::Suppressed) if ctx.nl() => format!("< {min} studenten, niet getoond"),
        Some(Cell::Suppressed) => format!("< {min} students, not shown"),
        None => "–".to_string(),
    }
}

/// The school's last week against the four before it.
fn headline(f: &DigestFigures, ctx: &RenderContext) -> String {
    let t = &f.school_total;
    let last = &t.last;
    let klik = klik_text(t.weeks.last().map(|w| w.klik), f.min_students, ctx);
    let week = f.weeks.last().map_or(0, |w| w.number());
    if ctx.nl() {
        format!(
            "Week {week}: {} van {} vragen beantwoord ({}; de vier weken ervoor {}). {} reflecties, {} gedeeld. Klik: {klik}.",
            last.prompts_answered,
            last.prompts_sent,
            percent(last.response_rate()),
            percent(t.before.response_rate()),
            last.reflections,
            last.shared,
        )
    } else {
        format!(
            "Week {week}: {} of {} prompts answered ({}; the four weeks before {}). {} reflections, {} shared. Klik: {klik}.",
            last.prompts_answered,
            last.prompts_sent,
            percent(last.response_rate()),
            percent(t.before.response_rate()),
            last.reflections,
            last.shared,
        )
    }
}

fn team_line(
    team: &str,
    last: &Totals,
    klik: Option<Cell<KlikCounts>>,
    min: u32,
    ctx: &RenderContext,
) -> String {
    format!(
        "• {}: {}/{} {} ({}), klik {}",
        name(team),
        last.prompts_answered,
        last.prompts_sent,
        ctx.pick("beantwoord", "answered"),
        percent(last.response_rate()),
        klik_text(klik, min, ctx)
    )
}

/// The risk lists, each with at most `cap` entries and a kind suggestion per entry.
fn risks(f: &DigestFigures, cap: usize, ctx: &RenderContext) -> Vec<String> {
    let mut out = Vec::new();
    // `left_out`: entries the figures counted but did not keep (see `LeftOut`).
    let mut list = |title: String, entries: Vec<String>, left_out: u32| {
        if entries.is_empty() {
            return;
        }
        out.push(title);
        let n = entries
            .len()
            .saturating_add(usize::try_from(left_out).unwrap_or(usize::MAX));
        out.extend(entries.into_iter().take(cap));
        if n > cap {
            out.push(more(n - cap, ctx));
        }
    };
    list(
        ctx.pick(
            "Stille koppelingen (geen klik van de wpb):",
            "Quiet pairings (no klik from the wpb):",
        )
        .to_string(),
        f.quiet_pairings
            .iter()
            .map(|q| {
                let (w, s) = (name(&q.wpb), name(&q.student));
                if ctx.nl() {
                    format!("• {w} – {s}: {} stil. Misschien een kop koffie met {w}, over hoe het met {s} gaat?", school_weeks(q.weeks, ctx))
                } else {
                    format!("• {w} – {s}: quiet for {}. Perhaps a coffee with {w} about how {s} is doing?", school_weeks(q.weeks, ctx))
                }
            })
            .collect(),
        f.left_out.quiet_pairings,
    );
    list(
        ctx.pick("Stille wpbs:", "Quiet wpbs:").to_string(),
        f.quiet_wpbs
            .iter()
            .map(|q| {
                let w = name(&q.wpb);
                if ctx.nl() {
                    format!("• {w}: de laatste {} vragen onbeantwoord. Misschien even bij {w} langs: past het ritme nog?", q.unanswered)
                } else {
                    format!("• {w}: the last {} prompts unanswered. Perhaps drop by {w}: does the rhythm still suit them?", q.unanswered)
                }
            })
            .collect(),
        f.left_out.quiet_wpbs,
    );
    list(
        ctx.pick("Stages die binnenkort eindigen:", "Placements ending soon:")
            .to_string(),
        f.ending
            .iter()
            .map(|e| {
                let (w, s) = (name(&e.wpb), name(&e.student));
                let end = e.end.format("%d-%m");
                if ctx.nl() {
                    format!(
                        "• {w} – {s}, tot en met {end}. Een mooi moment voor een afrondend gesprek."
                    )
                } else {
                    format!(
                        "• {w} – {s}, up to and including {end}. A good moment for a closing talk."
                    )
                }
            })
            .collect(),
        f.left_out.ending,
    );
    list(
        ctx.pick("Escalaties:", "Escalations:").to_string(),
        f.escalations
            .iter()
            .map(|e| {
                let (w, s) = (name(&e.wpb), name(&e.student));
                match (e.picked_up, ctx.nl()) {
                    (false, true) => format!("• #{} {w} – {s}: {} open, nog niet opgepakt.", e.id, days(e.days, ctx)),
                    (true, true) => format!("• #{} {w} – {s}: opgepakt, {} geleden geopend. Misschien even navragen hoe het nu gaat.", e.id, days(e.days, ctx)),
                    (false, false) => format!("• #{} {w} – {s}: open for {}, not picked up yet.", e.id, days(e.days, ctx)),
                    (true, false) => format!("• #{} {w} – {s}: picked up, opened {} ago. Perhaps ask how it is going now.", e.id, days(e.days, ctx)),
                }
            })
            .collect(),
        f.left_out.escalations,
    );
    if out.is_empty() {
        out.push(
            ctx.pick(
                "Geen stille koppelingen, stille wpbs, aflopende stages of open escalaties.",
                "No quiet pairings, quiet wpbs, ending placements or open escalations.",
            )
            .to_string(),
        );
    }
    out
}

/// The one sentence a picture's text alternative says: the main finding.
pub fn digest_alt(f: &DigestFigures, ctx: &RenderContext) -> String {
    let t = &f.school_total;
    let risks = f.quiet_pairings.len()
        + f.quiet_wpbs.len()
        + usize::try_from(
            f.left_out
                .quiet_pairings
                .saturating_add(f.left_out.quiet_wpbs),
        )
        .unwrap_or(usize::MAX);
    let text = if ctx.nl() {
        format!(
            "Grafiek per team over {}: klik per week (goed, twijfel, geen klik) en de respons; vorige week {} beantwoord (de vier weken ervoor {}), {} stille koppeling(en) of wpb('s).",
            week_span(f, ctx),
            percent(t.last.response_rate()),
            percent(t.before.response_rate()),
            risks
        )
    } else {
        format!(
            "Chart per team over {}: klik per week (good, doubt, no klik) and the response rate; last week {} answered (the four weeks before {}), {} quiet pairing(s) or wpb(s).",
            week_span(f, ctx),
            percent(t.last.response_rate()),
            percent(t.before.response_rate()),
            risks
        )
    };
    // Discord allows 1,024 characters for an attachment's description.
    fit(text, 1024)
}

/// The terugblik picture's text alternative.
pub fn terugblik_alt(t: &Terugblik, ctx: &RenderContext) -> String {
    let given: usize = t.klik.iter().map(|k| k.signals.len()).sum();
    let text = if ctx.nl() {
        format!(
            "Lijngrafiek van je eigen klik per week met {} student(en), {given} keer gegeven, van {} tot en met {}.",
            t.klik.len(),
            t.from.format("%d-%m-%Y"),
            t.until.format("%d-%m-%Y")
        )
    } else {
        format!(
            "Line chart of your own klik per week with {} student(s), given {given} times, from {} up to and including {}.",
            t.klik.len(),
            t.from.format("%d-%m-%Y"),
            t.until.format("%d-%m-%Y")
        )
    };
    fit(text, 1024)
}

/// The wpb's terugblik: their reflections in order, their own klik, one open question.
pub(super) fn terugblik(t: &Terugblik, ctx: &RenderContext) -> String {
    let head = vec![if ctx.nl() {
        format!(
            "Je terugblik van {} tot en met {}. Alleen jij ziet dit.",
            t.from.format("%d-%m-%Y"),
            t.until.format("%d-%m-%Y")
        )
    } else {
        format!(
            "Your look back from {} up to and including {}. Only you see this.",
            t.from.format("%d-%m-%Y"),
            t.until.format("%d-%m-%Y")
        )
    }];
    let mut lines: Vec<String> = t
        .klik
        .iter()
        .map(|k| {
            let last = k.signals.last().map(|(_, v)| v.label(ctx.nl()));
            match (last, ctx.nl()) {
                (Some(v), true) => format!(
                    "Klik met {}: {} keer gegeven, de laatste: {v}.",
                    name(&k.student),
                    k.signals.len()
                ),
                (Some(v), false) => format!(
                    "Klik with {}: given {} times, the latest: {v}.",
                    name(&k.student),
                    k.signals.len()
                ),
                (None, true) => format!("Klik met {}: nog niet gegeven.", name(&k.student)),
                (None, false) => format!("Klik with {}: not given yet.", name(&k.student)),
            }
        })
        .collect();
    if t.reflections.is_empty() {
        lines.push(
            ctx.pick(
                "Je schreef nog geen reflecties.",
                "You wrote no reflections yet.",
            )
            .to_string(),
        );
    }
    let reflections: Vec<String> = t
        .reflections
        .iter()
        .map(|r| {
            format!(
                "{} · {}",
                r.at.with_timezone(&ctx.tz).format("%d-%m"),
                super::words::defuse_mentions(&r.text)
            )
        })
        .collect();
    let question =
        vec![ctx
        .pick(
            "Als je terugkijkt: wat zou je een volgende student vanaf dag één anders laten merken?",
            "Looking back: what would you let a next student notice differently from day one?",
        )
        .to_string()];
    let head: Vec<String> = head.into_iter().chain(lines).collect();
    // The oldest reflections give way first; the question always stays.
    assemble(
        &head,
        &reflections,
        Keep::Newest,
        |n| {
            if ctx.nl() {
                format!("(+{n} eerdere reflecties)")
            } else {
                format!("(+{n} earlier reflections)")
            }
        },
        &question,
        ctx.max_chars,
    )
}

/// The sender's weekly digest was switched on or off.
pub(super) fn switched(on: bool, ctx: &RenderContext) -> String {
    match on {
        true => ctx.pick(
            "Je krijgt het weekoverzicht weer, elke week op het vaste moment.",
            "You get the weekly digest again, every week at the usual moment.",
        ),
        false => ctx.pick(
            "Het weekoverzicht staat uit. Met /weekoverzicht aan komt het terug; /overzicht werkt altijd.",
            "The weekly digest is off. /weekoverzicht aan brings it back; /overzicht always works.",
        ),
    }
    .to_string()
}
