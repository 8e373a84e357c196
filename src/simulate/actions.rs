//! What each scripted action and each planned answer does: one transcript line and the
//! inbound message the engine is handed, one small function per action.

use chrono::{DateTime, Utc};

use super::clock::{Answer, Planned};
use super::record::Shown;
use super::scenario::{Cast, Event, invalid, moment};
use super::{ScenarioError, Sim, transcript};
use crate::app::inbox::{EscalationAction, Inbound, ReflectionTarget, Refusal, Reply, Sender};
use crate::app::privacy::Operator;
use crate::chat::render;
use crate::domain::roster::Roster;
use crate::domain::roster::{PersonId, Role};
use crate::roster_import::{RosterFormat, parse_roster_bytes};
use crate::store::Store;
use std::path::Path;

/// What an action comes to.
enum Acted {
    /// A transcript line and the message the engine is handed.
    Send(String, Inbound),
    /// A transcript line only: there was nothing to hand the engine.
    Nothing(String),
}

/// A scripted event with its actor, as the engine and the transcript name them.
struct Act<'a> {
    event: &'a Event,
    from: Sender,
    /// The actor's name.
    who: String,
}

/// Performs one planned item at the current virtual time: writes its line(s), hands the
/// engine each message, writes the reply and lets the engine tick right away.
pub(super) async fn perform(sim: &Sim, item: Planned) -> Result<(), ScenarioError> {
    let sender = match &item {
        Planned::Answer(a) => a.wpb.clone(),
        Planned::Script(e) => e.who.clone(),
    };
    let ctx = sim.ctx_for(&sender);
    let when = render::local_time(sim.clock_now(), &ctx);
    let sends = match item {
        Planned::Answer(a) => answer(&sim.cast, a),
        Planned::Script(e) => match script(sim, &e).await? {
            Acted::Send(line, inbound) => vec![(line, inbound)],
            Acted::Nothing(line) => {
                sim.note(&format!("[{when}] {line}"));
                return Ok(());
            }
        },
    };
    for (line, inbound) in sends {
        sim.note(&format!("[{when}] {line}"));
        let at = sim.transcript.len();
        let text = transcript::reply(&sim.engine(), inbound, &ctx).await?;
        sim.note(&format!("      ← {}", text.replace('\n', "\n        ")));
        sim.shown.push(Shown {
            at: sim.clock_now(),
            seen_by: vec![sender.clone()],
            kind: "antwoord".into(),
            text,
            line: at,
        });
        // Follow-ups and escalation notices go out right away, as in the real bot.
        sim.tick().await?;
        if sim.is_down(sim.clock_now()) {
            break;
        }
    }
    Ok(())
}

/// A responder's answer: the reflection first, then one klik tap per student on the prompt.
fn answer(cast: &Cast, a: Answer) -> Vec<(String, Inbound)> {
    let from = Sender::Person(PersonId::from_trusted(a.wpb.clone()));
    let wpb = cast.name(&a.wpb);
    let mut sends = Vec::new();
    if let Some(text) = a.text {
        let label = if a.share {
            "reflectie (gedeeld)"
        } else {
            "reflectie"
        };
        sends.push((
            format!("{wpb} → {label}: “{text}”"),
            Inbound::Reflection {
                from: from.clone(),
                text,
                target: ReflectionTarget::Prompt(a.key),
                share: a.share,
            },
        ));
    }
    if let Some(value) = a.klik {
        for s in a.students {
            sends.push((
                format!("{wpb} → klik {}: {value}", cast.name(&s)),
                Inbound::Klik {
                    from: from.clone(),
                    student: Some(PersonId::from_trusted(s)),
                    value: value.clone(),
                },
            ));
        }
    }
    sends
}

/// Dispatches a scripted event on its `action`.
async fn script(sim: &Sim, e: &Event) -> Result<Acted, ScenarioError> {
    let act = Act {
        event: e,
        from: Sender::Person(PersonId::from_trusted(e.who.clone())),
        who: sim.cast.name(&e.who),
    };
    if e.who.is_empty() && !RUNNER_ACTIONS.contains(&e.action.as_str()) {
        return Err(invalid(
            &sim.file,
            format!(
                "actie / action `{}` op {}: `who` ontbreekt / is missing",
                e.action, e.at
            ),
        ));
    }
    Ok(match e.action.as_str() {
        "klik" => klik(act, &sim.cast),
        "reflectie" => reflection(act),
        "deel" => share(sim, act)?,
        "pauze" => pause(sim, act)?,
        "hervat" => resume(act),
        "vraag" => ask_prompt(act),
        "oppakken" => escalation(sim, act, EscalationAction::Acknowledge).await?,
        "oplossen" => escalation(sim, act, EscalationAction::Resolve).await?,
        "overplaatsen" => escalation(sim, act, EscalationAction::Move).await?,
        "intervisie" => intervisie_start(act),
        "intervisie-reflectie" => intervisie_from_reflection(sim, act).await?,
        "ritme" => rhythm(act),
        "escalaties" => list_escalations(act),
        "overzicht" => school_overview(act),
        "weekoverzicht" => weekly_digest(sim, act)?,
        "terugblik" => Acted::Send(
            format!("{} → terugblik", act.who),
            Inbound::Terugblik { from: act.from },
        ),
        "instellingen" => school_settings(act),
        "koppel" => pair(sim, act)?,
        "ontkoppel" => unpair(sim, act)?,
        "mijngegevens" => export_own(act),
        "vergeet-mij" => forget_self(act),
        "intervisie-post" => intervisie_post(act),
        "intervisie-door" => intervisie_advance(act),
        "opbrengst" => intervisie_takeaway(act),
        "onbereikbaar" => reachable(sim, act, false),
        "bereikbaar" => reachable(sim, act, true),
        "offline" => offline(sim, e)?,
        "crash" => crash(sim, e)?,
        "rooster" => roster_import(sim, e).await?,
        other => {
            return Err(invalid(
                &sim.file,
                format!("onbekende actie / unknown action `{other}` op {}", e.at),
            ));
        }
    })
}

/// The actions of the runner itself, which need no `who`.
const RUNNER_ACTIONS: [&str; 3] = ["offline", "crash", "rooster"];

/// A klik tap, about a named student or none; a student's own tap is confidential.
fn klik(a: Act<'_>, cast: &Cast) -> Acted {
    let e = a.event;
    let value = e.value.clone().unwrap_or_default();
    let about = e
        .student
        .as_deref()
        .map(|s| format!(" {}", cast.name(s)))
        .unwrap_or_default();
    let label = if cast.role(&e.who) == Some(Role::Student) {
        "vertrouwelijke klik"
    } else {
        "klik"
    };
    Acted::Send(
        format!("{} → {label}{about}: {value}", a.who),
        Inbound::Klik {
            from: a.from,
            student: e.student.clone().map(PersonId::from_trusted),
            value,
        },
    )
}

/// A reflection on the latest open prompt.
fn reflection(a: Act<'_>) -> Acted {
    let text = a.event.text.clone().unwrap_or_default();
    Acted::Send(
        format!("{} → reflectie: “{text}”", a.who),
        Inbound::Reflection {
            from: a.from,
            text,
            target: ReflectionTarget::LatestOpenPrompt,
            share: a.event.share,
        },
    )
}

/// A pause up to and including `until`.
fn pause(sim: &Sim, a: Act<'_>) -> Result<Acted, ScenarioError> {
    let until = day(sim, a.event, a.event.until.as_deref(), "until")?;
    Ok(Acted::Send(
        format!("{} → pauze tot en met {until}", a.who),
        Inbound::Pause {
            from: a.from,
            until,
        },
    ))
}

/// A day the action needs, as written in its field `name`.
fn day(
    sim: &Sim,
    e: &Event,
    text: Option<&str>,
    name: &str,
) -> Result<chrono::NaiveDate, ScenarioError> {
    text.and_then(|t| chrono::NaiveDate::parse_from_str(t.trim(), "%Y-%m-%d").ok())
        .ok_or_else(|| {
            invalid(
                &sim.file,
                format!(
                    "actie / action `{}` op {}: `{name}` moet een dag zijn (YYYY-MM-DD) / must be a day",
                    e.action, e.at
                ),
            )
        })
}

/// The person an action names in a field (`wpb`, `student`), who must be in the roster.
fn named(
    sim: &Sim,
    e: &Event,
    value: Option<&String>,
    name: &str,
) -> Result<PersonId, ScenarioError> {
    match value {
        Some(id) if sim.cast.contains(id) => Ok(PersonId::from_trusted(id.clone())),
        _ => Err(invalid(
            &sim.file,
            format!(
                "actie / action `{}` op {}: `{name}` moet iemand uit het rooster zijn / must name someone in the roster",
                e.action, e.at
            ),
        )),
    }
}

/// Shares one of the actor's reflections: `value` is its number.
fn share(sim: &Sim, a: Act<'_>) -> Result<Acted, ScenarioError> {
    let e = a.event;
    let id = e.value.as_deref().and_then(|v| v.trim().parse().ok()).ok_or_else(|| {
        invalid(&sim.file, format!("actie `deel` op {}: `value` is het nummer van de reflectie / the reflection's number", e.at))
    })?;
    Ok(Acted::Send(
        format!("{} → deel reflectie #{id}", a.who),
        Inbound::ShareReflection {
            from: a.from,
            reflection_id: id,
        },
    ))
}

/// `/vraag`: a prompt now.
fn ask_prompt(a: Act<'_>) -> Acted {
    Acted::Send(
        format!("{} → vraag", a.who),
        Inbound::AskPrompt { from: a.from },
    )
}

/// `/instellingen`, showing the school's settings or changing them.
fn school_settings(a: Act<'_>) -> Acted {
    let e = a.event;
    let mut change = Vec::new();
    if let Some(n) = e.per_week {
        change.push(format!("ritme {n}"));
    }
    if let Some(r) = e.reminder {
        change.push(format!("herinnering {}", if r { "aan" } else { "uit" }));
    }
    Acted::Send(
        format!("{} → instellingen {}", a.who, change.join(", "))
            .trim_end()
            .to_string(),
        Inbound::SchoolSettings {
            from: a.from,
            per_week: e.per_week,
            reminder: e.reminder,
        },
    )
}

/// `/koppel`: a pairing of `wpb` and `student`, from `start` until `end` when given.
fn pair(sim: &Sim, a: Act<'_>) -> Result<Acted, ScenarioError> {
    let e = a.event;
    let wpb = named(sim, e, e.wpb.as_ref(), "wpb")?;
    let student = named(sim, e, e.student.as_ref(), "student")?;
    Ok(Acted::Send(
        format!(
            "{} → koppel {} aan {}",
            a.who,
            sim.cast.name(wpb.as_str()),
            sim.cast.name(student.as_str())
        ),
        Inbound::Pair {
            from: a.from,
            wpb,
            student,
            start: e.start,
            end: e.end,
        },
    ))
}

/// `/ontkoppel`: the pairing of `wpb` and `student` ends (on `end` when given).
fn unpair(sim: &Sim, a: Act<'_>) -> Result<Acted, ScenarioError> {
    let e = a.event;
    let wpb = named(sim, e, e.wpb.as_ref(), "wpb")?;
    let student = named(sim, e, e.student.as_ref(), "student")?;
    Ok(Acted::Send(
        format!(
            "{} → ontkoppel {} en {}",
            a.who,
            sim.cast.name(wpb.as_str()),
            sim.cast.name(student.as_str())
        ),
        Inbound::Unpair {
            from: a.from,
            wpb,
            student,
            end: e.end,
        },
    ))
}

/// The actor closes (or opens again) their DMs: the platform refuses messages to them.
fn reachable(sim: &Sim, a: Act<'_>, open: bool) -> Acted {
    let mut machine = sim.machine();
    let line = if open {
        machine.unreachable.remove(&a.event.who);
        format!("{} zet DM's weer open", a.who)
    } else {
        machine.unreachable.insert(a.event.who.clone());
        format!(
            "{} sluit DM's: de bot kan deze persoon niet meer bereiken",
            a.who
        )
    };
    Acted::Nothing(line)
}

/// The bot goes down now until `until`; then a new engine starts on the same database.
fn offline(sim: &Sim, e: &Event) -> Result<Acted, ScenarioError> {
    let until = until_moment(sim, e)?.ok_or_else(|| {
        invalid(
            &sim.file,
            format!(
                "actie `offline` op {}: `until` ontbreekt / is missing",
                e.at
            ),
        )
    })?;
    sim.machine().down_until = Some(until);
    Ok(Acted::Nothing(format!(
        "⏸ bot offline tot {} (geen ticks; daarna een nieuwe start op dezelfde database)",
        render::local_time(until, &sim.ctx)
    )))
}

/// The bot crashes in its next tick that sends something, after that message went out and
/// before its outcome is recorded; it stays down until `until` when given.
fn crash(sim: &Sim, e: &Event) -> Result<Acted, ScenarioError> {
    let until = until_moment(sim, e)?;
    let mut machine = sim.machine();
    machine.crash_armed = true;
    machine.crash_until = until;
    Ok(Acted::Nothing(
        "💥 crash gepland: midden in de volgende tick die iets verstuurt".into(),
    ))
}

/// `until` as a moment.
fn until_moment(
    sim: &Sim,
    e: &Event,
) -> Result<Option<chrono::DateTime<chrono::Utc>>, ScenarioError> {
    e.until
        .as_deref()
        .map(|u| {
            moment(sim.ctx.tz, u, false).ok_or_else(|| {
                invalid(
                    &sim.file,
                    format!(
                        "actie `{}` op {}: `until` `{u}` is geen YYYY-MM-DD HH:MM / not a moment",
                        e.action, e.at
                    ),
                )
            })
        })
        .transpose()
}

/// The roster file a `rooster` event names, beside the scenario file, read and parsed; the
/// inner error is the file's own (a refused import the run goes on after).
pub(super) fn roster_file(
    dir: &Path,
    e: &Event,
    file: &str,
) -> Result<Result<Roster, String>, ScenarioError> {
    let path = dir.join(e.file.as_deref().unwrap_or_default());
    let unreadable = |why: String| {
        invalid(
            file,
            format!("actie `rooster` op {}: {}: {why}", e.at, path.display()),
        )
    };
    let format = RosterFormat::from_path(&path)
        .ok_or_else(|| unreadable("gebruik .csv of .toml / use .csv or .toml".into()))?;
    let bytes = std::fs::read(&path).map_err(|err| unreadable(err.to_string()))?;
    Ok(parse_roster_bytes(&bytes, format)
        .map(|(roster, _)| roster)
        .map_err(|errors| errors.to_string()))
}

/// A roster import by the operator, from `file` beside the scenario, all or nothing.
async fn roster_import(sim: &Sim, e: &Event) -> Result<Acted, ScenarioError> {
    let name = e.file.clone().unwrap_or_default();
    let roster = match roster_file(&sim.dir, e, &sim.file)? {
        Ok(roster) => roster,
        Err(errors) => {
            return Ok(Acted::Nothing(format!(
                "rooster {name}: niets geïmporteerd / nothing imported\n{errors}"
            )));
        }
    };
    let line = match sim.engine().import_roster_as(&Operator::Cli, &roster).await {
        Ok(Reply::RosterImported(s)) => {
            format!(
                "rooster {name} geïmporteerd: {} school/scholen, {} team(s), {} personen, {} koppeling(en)",
                s.schools, s.teams, s.people, s.pairings
            )
        }
        Ok(other) => format!("rooster {name}: {}", render::reply(&other, &sim.ctx)),
        Err(Refusal::User(err)) => format!(
            "rooster {name}: geweigerd: {}",
            render::user_error(&err, &sim.ctx)
        ),
        Err(Refusal::Internal(err)) => return Err(err.into()),
    };
    // Pairings may have changed: what is due now goes out, as after an import in a running bot.
    sim.tick().await?;
    Ok(Acted::Nothing(line))
}

/// The end of a pause.
fn resume(a: Act<'_>) -> Acted {
    Acted::Send(
        format!("{} → hervat", a.who),
        Inbound::Resume { from: a.from },
    )
}

/// Acts on escalation number `escalation` when the event names one, else on the newest open
/// escalation (of the pairing of `wpb` when the event names one).
async fn escalation(
    sim: &Sim,
    a: Act<'_>,
    action: EscalationAction,
) -> Result<Acted, ScenarioError> {
    let e = a.event;
    let id = match e.escalation {
        Some(id) => id,
        None => match newest_open_escalation(&sim.engine().store, e.wpb.as_deref()).await? {
            Some(id) => id,
            None => {
                return Ok(Acted::Nothing(format!(
                    "{} → {}: (geen open escalatie)",
                    a.who, e.action
                )));
            }
        },
    };
    Ok(Acted::Send(
        format!("{} → {} escalatie #{id}", a.who, e.action),
        Inbound::Escalation {
            from: a.from,
            escalation_id: id,
            action,
        },
    ))
}

/// The id of the newest escalation not yet closed, of a pairing with `wpb` if one is named.
async fn newest_open_escalation(
    store: &Store,
    wpb: Option<&str>,
) -> Result<Option<i64>, ScenarioError> {
    let escalations = store.escalations().await?;
    for x in escalations
        .into_iter()
        .rev()
        .filter(|x| !x.status.is_closed())
    {
        let of = store
            .pairing(x.pairing.clone())
            .await?
            .map(|p| p.wpb.to_string());
        if wpb.is_none() || of.as_deref() == wpb {
            return Ok(Some(x.id));
        }
    }
    Ok(None)
}

/// An intervisie with the event's text as the case.
fn intervisie_start(a: Act<'_>) -> Acted {
    let case = a.event.text.clone().unwrap_or_default();
    Acted::Send(
        format!("{} → intervisie, casus: “{case}”", a.who),
        Inbound::IntervisieStart {
            from: a.from,
            case,
            reflection_id: None,
        },
    )
}

/// A wpb turns their latest reflection into the case (reflection 0 when they have none).
async fn intervisie_from_reflection(sim: &Sim, a: Act<'_>) -> Result<Acted, ScenarioError> {
    let own = sim
        .engine()
        .store
        .reflections_of(
            &PersonId::from_trusted(a.event.who.clone()),
            false,
            DateTime::<Utc>::MIN_UTC,
        )
        .await?;
    Ok(Acted::Send(
        format!(
            "{} → intervisie met de laatste eigen reflectie als casus",
            a.who
        ),
        Inbound::IntervisieStart {
            from: a.from,
            case: String::new(),
            reflection_id: Some(own.last().map_or(0, |r| r.id)),
        },
    ))
}

/// Prompts per week; a value that is not a number is handed on as none.
fn rhythm(a: Act<'_>) -> Acted {
    let value = a.event.value.clone().unwrap_or_default();
    Acted::Send(
        format!("{} → ritme: {value}", a.who),
        Inbound::SetRhythm {
            from: a.from,
            per_week: value.parse().ok(),
        },
    )
}

/// The list of escalations the actor may see.
fn list_escalations(a: Act<'_>) -> Acted {
    Acted::Send(
        format!("{} → escalaties", a.who),
        Inbound::ListEscalations { from: a.from },
    )
}

/// The school overview, over `value` school weeks when given.
fn school_overview(a: Act<'_>) -> Acted {
    let weeks = a.event.value.as_deref().and_then(|v| v.trim().parse().ok());
    Acted::Send(
        format!(
            "{} → overzicht{}",
            a.who,
            weeks.map(|w| format!(" {w}")).unwrap_or_default()
        ),
        Inbound::SchoolOverview {
            from: a.from,
            weeks,
        },
    )
}

/// `/weekoverzicht aan|uit` (`value`).
fn weekly_digest(sim: &Sim, a: Act<'_>) -> Result<Acted, ScenarioError> {
    let on = match a.event.value.as_deref().map(str::trim) {
        Some("aan" | "on") => true,
        Some("uit" | "off") => false,
        _ => {
            return Err(invalid(
                &sim.file,
                format!(
                    "actie `weekoverzicht` op {}: `value` is \"aan\" of \"uit\" / \"on\" or \"off\"",
                    a.event.at
                ),
            ));
        }
    };
    Ok(Acted::Send(
        format!(
            "{} → weekoverzicht {}",
            a.who,
            if on { "aan" } else { "uit" }
        ),
        Inbound::SwitchDigest { from: a.from, on },
    ))
}

/// The export of the actor's own data.
fn export_own(a: Act<'_>) -> Acted {
    Acted::Send(
        format!("{} → mijngegevens", a.who),
        Inbound::ExportOwn { from: a.from },
    )
}

/// Forget me; confirmed only with `value = "bevestig"`.
fn forget_self(a: Act<'_>) -> Acted {
    let confirm = a.event.value.as_deref() == Some("bevestig");
    let label = if confirm {
        "vergeet-mij (bevestigd)"
    } else {
        "vergeet-mij"
    };
    Acted::Send(
        format!("{} → {label}", a.who),
        Inbound::ForgetSelf {
            from: a.from,
            confirm,
        },
    )
}

/// A post in the actor's team's intervisie thread.
fn intervisie_post(a: Act<'_>) -> Acted {
    let text = a.event.text.clone().unwrap_or_default();
    Acted::Send(
        format!("{} → intervisie: “{text}”", a.who),
        Inbound::IntervisiePost { from: a.from, text },
    )
}

/// The case owner moves the intervisie on to its next phase.
fn intervisie_advance(a: Act<'_>) -> Acted {
    Acted::Send(
        format!("{} → intervisie naar de volgende fase", a.who),
        Inbound::IntervisieAdvance { from: a.from },
    )
}

/// The case owner's takeaway.
fn intervisie_takeaway(a: Act<'_>) -> Acted {
    let text = a.event.text.clone().unwrap_or_default();
    Acted::Send(
        format!("{} → opbrengst: “{text}”", a.who),
        Inbound::IntervisieTakeaway { from: a.from, text },
    )
}
