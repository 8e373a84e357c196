//! The shared command table: every command a person can give, whatever the platform, and the
//! one translation into the core's `Inbound` event. Discord's slash commands and Matrix's `!`
//! commands only fill in a `Command`; people named in it are looked up here, once.

use chrono::NaiveDate;

use crate::app::inbox::{EscalationAction, Inbound, ReflectionTarget, Refusal, Sender};
use crate::app::ports::Inbox;
use crate::domain::addressing::Wanted;
use crate::domain::roster::Role;

/// Reads a person as typed on a platform: what to look up, and the chat address when the
/// platform's own form of naming someone (a mention, a user id) was used.
pub type ReadPerson = fn(&str) -> (String, Option<String>);

/// A command as given, before the core has seen it. People are named as typed (roster id, name
/// or the platform's mention); they are looked up when the command becomes an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// What the commands are (the platform says it in its own words).
    Help,
    /// A one-line reflection for the latest open prompt.
    Reflect {
        /// The reflection.
        text: String,
        /// Shared with the schoolopleider.
        share: bool,
    },
    /// A klik; `student` names the student as typed when a wpb guides several.
    Klik {
        /// The value as typed (`goed`, `twijfel`, `geen klik` or an English one).
        value: String,
        /// The student as typed.
        student: Option<String>,
    },
    /// Pause the prompts until a day.
    Pause {
        /// The last day of the pause.
        until: NaiveDate,
    },
    /// Resume the prompts now.
    Resume,
    /// A prompt now, at most once a day.
    AskPrompt,
    /// How often a wpb gets a prompt; `None` for the school's rhythm.
    Rhythm {
        /// Prompts per week.
        per_week: Option<u8>,
    },
    /// Everything stored about the sender, as a file.
    ExportOwn,
    /// Forget the sender; without `confirm` only says what would go.
    Forget {
        /// The person confirmed.
        confirm: bool,
    },
    /// Bring in an intervisie case, typed or one of the sender's reflections.
    IntervisieStart {
        /// The case as typed (may be empty with a reflection).
        case: String,
        /// The number of one of the sender's reflections.
        reflection: Option<i64>,
    },
    /// A post in the team's open intervisie thread.
    IntervisiePost {
        /// The post.
        text: String,
    },
    /// The case owner moves the thread on.
    IntervisieAdvance,
    /// The case owner's takeaway.
    IntervisieTakeaway {
        /// The takeaway.
        text: String,
    },
    /// Pair a wpb and a student, both as typed.
    Pair {
        /// The wpb as typed.
        wpb: String,
        /// The student as typed.
        student: String,
        /// The first day (else today).
        start: Option<NaiveDate>,
        /// The last day (else the end of the school year).
        end: Option<NaiveDate>,
    },
    /// End the pairing of a wpb and a student, both as typed.
    Unpair {
        /// The wpb as typed.
        wpb: String,
        /// The student as typed.
        student: String,
        /// The last day (else today).
        end: Option<NaiveDate>,
    },
    /// The school's open escalations.
    Escalations,
    /// The school in figures, over this many school weeks (else the digest's ten).
    Overview {
        /// School weeks, 1 to 52.
        weeks: Option<u32>,
    },
    /// The sender's own weekly digest on or off.
    WeeklyDigest {
        /// On or off.
        on: bool,
    },
    /// The wpb's own look back.
    Terugblik,
    /// The school's settings; with values, a change.
    Settings {
        /// Prompts per week.
        per_week: Option<u8>,
        /// One reminder after an unanswered prompt.
        reminder: Option<bool>,
    },
    /// Acknowledge, resolve or move an escalation.
    Escalation {
        /// The escalation's number.
        id: i64,
        /// What to do with it.
        action: EscalationAction,
    },
}

/// The event a command stands for, from `from`; `None` for `Help`, which the core never sees.
/// A person who cannot be told from what was typed is the refusal.
pub async fn inbound(
    core: &(impl Inbox + ?Sized),
    from: Sender,
    command: Command,
    read: ReadPerson,
) -> Result<Option<Inbound>, Refusal> {
    let named = |typed: String, role: Role| {
        let from = from.clone();
        async move {
            let (name, address) = read(&typed);
            core.named_person(&from, &name, address.as_deref(), Wanted::role(role))
                .await
        }
    };
    Ok(Some(match command {
        Command::Help => return Ok(None),
        Command::Reflect { text, share } => Inbound::Reflection {
            from,
            text,
            target: ReflectionTarget::LatestOpenPrompt,
            share,
        },
        Command::Klik { value, student } => {
            let student = match student {
                Some(typed) => Some(named(typed, Role::Student).await?),
                None => None,
            };
            Inbound::Klik {
                from,
                student,
                value,
            }
        }
        Command::Pause { until } => Inbound::Pause { from, until },
        Command::Resume => Inbound::Resume { from },
        Command::AskPrompt => Inbound::AskPrompt { from },
        Command::Rhythm { per_week } => Inbound::SetRhythm { from, per_week },
        Command::ExportOwn => Inbound::ExportOwn { from },
        Command::Forget { confirm } => Inbound::ForgetSelf { from, confirm },
        Command::IntervisieStart { case, reflection } => Inbound::IntervisieStart {
            from,
            case,
            reflection_id: reflection,
        },
        Command::IntervisiePost { text } => Inbound::IntervisiePost { from, text },
        Command::IntervisieAdvance => Inbound::IntervisieAdvance { from },
        Command::IntervisieTakeaway { text } => Inbound::IntervisieTakeaway { from, text },
        Command::Pair {
            wpb,
            student,
            start,
            end,
        } => {
            let wpb = named(wpb, Role::Wpb).await?;
            let student = named(student, Role::Student).await?;
            Inbound::Pair {
                from,
                wpb,
                student,
                start,
                end,
            }
        }
        Command::Unpair { wpb, student, end } => {
            let wpb = named(wpb, Role::Wpb).await?;
            let student = named(student, Role::Student).await?;
            Inbound::Unpair {
                from,
                wpb,
                student,
                end,
            }
        }
        Command::Escalations => Inbound::ListEscalations { from },
        Command::Overview { weeks } => Inbound::SchoolOverview { from, weeks },
        Command::WeeklyDigest { on } => Inbound::SwitchDigest { from, on },
        Command::Terugblik => Inbound::Terugblik { from },
        Command::Settings { per_week, reminder } => Inbound::SchoolSettings {
            from,
            per_week,
            reminder,
        },
        Command::Escalation { id, action } => Inbound::Escalation {
            from,
            escalation_id: id,
            action,
        },
    }))
}

#[cfg(test)]
mod tests {
    use crate::chat::answer::Surface;
    use crate::chat::discord::DISCORD;
    use crate::chat::matrix::MATRIX;

    /// Only a platform's own way of naming someone is read as a chat address; everything else
    /// is a roster id or a name.
    #[test]
    fn a_typed_person_is_an_address_only_in_the_platforms_own_form() {
        let cases: [(&Surface, &str, Option<&str>); 14] = [
            (&DISCORD, "<@42>", Some("discord:42")),
            (&DISCORD, " <@!42> ", Some("discord:42")),
            (&DISCORD, "<@&42>", None),
            (&DISCORD, "<#42>", None),
            (&DISCORD, "@fatima", None),
            (&DISCORD, "Fatima El Amrani", None),
            (&DISCORD, "42", None),
            (&MATRIX, "@sam:school.nl", Some("matrix:@sam:school.nl")),
            (
                &MATRIX,
                "https://matrix.to/#/@sam:school.nl",
                Some("matrix:@sam:school.nl"),
            ),
            (&MATRIX, "@fatima", None),
            (&MATRIX, "fatima", None),
            (&MATRIX, "Fatima El Amrani", None),
            (&MATRIX, "<@42>", None),
            (&DISCORD, "@sam:school.nl", None),
        ];
        for (surface, typed, expected) in cases {
            let (_, address) = (surface.read_person)(typed);
            assert_eq!(address.as_deref(), expected, "{} {typed}", surface.platform);
        }
    }
}
