//! What each scripted action and each planned answer does: one transcript line and the
//! inbound message the engine is handed, one small function per action.

use chrono::{DateTime, Utc};

use super::clock::{Answer, Planned};
use super::scenario::{Cast, Event};
use super::{ScenarioError, Sim, transcript};
use crate::app::inbox::{EscalationAction, Inbound, ReflectionTarget, Sender};
use crate::app::ports::Clock;
use crate::chat::render;
use crate::domain::roster::{PersonId, Role};
use crate::store::Store;

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
        Planned::Answer(a) => a.wpb.as_str(),
        Planned::Script(e) => e.who.as_str(),
    };
    let ctx = sim.ctx_for(sender);
    let when = render::local_time(sim.clock.now(), &ctx);
    let sends = match item {
        Planned::Answer(a) => answer(&sim.cast, a),
        Planned::Script(e) => match script(sim, &e).await? {
            Acted::Send(line, inbound) => vec![(line, inbound)],
            Acted::Nothing(line) => {
                sim.console.note(&format!("[{when}] {line}"));
                return Ok(());
            }
        },
    };
    for (line, inbound) in sends {
        sim.console.note(&format!("[{when}] {line}"));
        let text = transcript::reply(&sim.engine, inbound, &ctx).await?;
        sim.console
            .note(&format!("      ← {}", text.replace('\n', "\n        ")));
        // Follow-ups and escalation notices go out right away, as in the real bot.
        sim.engine.tick().await?;
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
    Ok(match e.action.as_str() {
        "klik" => klik(act, &sim.cast),
        "reflectie" => reflection(act),
        "pauze" => pause(act),
        "hervat" => resume(act),
        "oppakken" => escalation(sim, act, EscalationAction::Acknowledge).await?,
        "oplossen" => escalation(sim, act, EscalationAction::Resolve).await?,
        "overplaatsen" => escalation(sim, act, EscalationAction::Move).await?,
        "intervisie" => intervisie_start(act),
        "intervisie-reflectie" => intervisie_from_reflection(sim, act).await?,
        "ritme" => rhythm(act),
        "escalaties" => list_escalations(act),
        "overzicht" => school_overview(act),
        "mijngegevens" => export_own(act),
        "vergeet-mij" => forget_self(act),
        "intervisie-post" => intervisie_post(act),
        "intervisie-door" => intervisie_advance(act),
        "opbrengst" => intervisie_takeaway(act),
        other => {
            return Err(ScenarioError::Invalid {
                file: "scenario".into(),
                message: format!("onbekende actie / unknown action `{other}`"),
            });
        }
    })
}

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
fn pause(a: Act<'_>) -> Acted {
    let until = a.event.until.unwrap_or_default();
    Acted::Send(
        format!("{} → pauze tot en met {until}", a.who),
        Inbound::Pause {
            from: a.from,
            until,
        },
    )
}

/// The end of a pause.
fn resume(a: Act<'_>) -> Acted {
    Acted::Send(
        format!("{} → hervat", a.who),
        Inbound::Resume { from: a.from },
    )
}

/// Acts on the newest open escalation (of the pairing of `wpb` when the event names one).
async fn escalation(
    sim: &Sim,
    a: Act<'_>,
    action: EscalationAction,
) -> Result<Acted, ScenarioError> {
    let e = a.event;
    let Some(id) = newest_open_escalation(&sim.engine.store, e.wpb.as_deref()).await? else {
        return Ok(Acted::Nothing(format!(
            "{} → {}: (geen open escalatie)",
            a.who, e.action
        )));
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
        .engine
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

/// The school overview.
fn school_overview(a: Act<'_>) -> Acted {
    Acted::Send(
        format!("{} → overzicht", a.who),
        Inbound::SchoolOverview { from: a.from },
    )
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
