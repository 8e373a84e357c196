//! Discord shapes for what the core says: the text from `render`, plus buttons where a message
//! asks for an answer. Every message carries empty `allowed_mentions`, so nothing people wrote
//! can ping anyone, whatever `render` left in the text.

use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateButton, CreateInputText,
    CreateInteractionResponse, CreateInteractionResponseMessage, CreateMessage, CreateModal,
    InputTextStyle, Nonce,
};

use super::wire::{Component, MODAL_TEXT_ID, nonce};
use crate::app::inbox::EscalationAction;
use crate::app::messages::{Message, OutboundMessage};
use crate::chat::answer::Choice;
use crate::chat::render::{self, RenderContext};
use crate::domain::klik::KlikValue;
use crate::domain::language::Language;
use crate::domain::reflection::REFLECTION_MAX_CHARS;

/// Discord allows five rows of buttons; the last one holds the reflection button.
const MAX_STUDENT_ROWS: usize = 4;
/// Discord's limit for a button label.
const LABEL_MAX: usize = 80;

/// Allows no mentions at all, so nothing the bot sends pings anyone.
pub fn no_mentions() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
}

/// The message for an outbox row, with the row's key as an enforced nonce.
pub fn create_message(message: &OutboundMessage, ctx: &RenderContext) -> CreateMessage {
    CreateMessage::new()
        .content(render::message(&message.body, ctx))
        .components(components(message, ctx.language))
        .allowed_mentions(no_mentions())
        .nonce(Nonce::String(nonce(&message.key)))
        .enforce_nonce(true)
}

fn components(message: &OutboundMessage, language: Language) -> Vec<CreateActionRow> {
    let nl = language == Language::Nl;
    match &message.body {
        Message::Prompt { students, .. } => {
            let mut rows: Vec<CreateActionRow> = students
                .iter()
                .take(MAX_STUDENT_ROWS)
                .map(|s| {
                    let buttons = [KlikValue::Goed, KlikValue::Twijfel, KlikValue::GeenKlik]
                        .into_iter()
                        .filter_map(|value| {
                            let id = Component::Klik {
                                value,
                                student: s.id.clone(),
                            }
                            .custom_id()?;
                            let label = label(&format!("{} · {}", value.label(nl), s.name));
                            Some(CreateButton::new(id).label(label).style(klik_style(value)))
                        })
                        .collect();
                    CreateActionRow::Buttons(buttons)
                })
                .collect();
            if let Some(id) = (Component::ReflectButton {
                prompt_key: message.key.clone(),
            })
            .custom_id()
            {
                rows.push(CreateActionRow::Buttons(vec![
                    CreateButton::new(id)
                        .label(if nl { "Reflectie" } else { "Reflection" })
                        .style(ButtonStyle::Primary),
                ]));
            }
            rows
        }
        Message::Escalation(summary) => escalation_row(summary.escalation_id, nl),
        Message::EscalationReminder { escalation_id, .. } => escalation_row(*escalation_id, nl),
        _ => vec![],
    }
}

fn escalation_row(id: i64, nl: bool) -> Vec<CreateActionRow> {
    let buttons = [
        (
            EscalationAction::Acknowledge,
            "Ik pak het op",
            "I'm on it",
            ButtonStyle::Primary,
        ),
        (
            EscalationAction::Resolve,
            "Opgelost",
            "Resolved",
            ButtonStyle::Success,
        ),
        (
            EscalationAction::Move,
            "Overplaatsing",
            "Move the student",
            ButtonStyle::Secondary,
        ),
    ]
    .into_iter()
    .filter_map(|(action, nl_label, en_label, style)| {
        let id = Component::Escalation { id, action }.custom_id()?;
        Some(
            CreateButton::new(id)
                .label(if nl { nl_label } else { en_label })
                .style(style),
        )
    })
    .collect();
    vec![CreateActionRow::Buttons(buttons)]
}

fn klik_style(value: KlikValue) -> ButtonStyle {
    match value {
        KlikValue::Goed => ButtonStyle::Success,
        KlikValue::Twijfel => ButtonStyle::Secondary,
        KlikValue::GeenKlik => ButtonStyle::Danger,
    }
}

/// Button labels are plain text (no mentions there), but Discord caps their length.
fn label(text: &str) -> String {
    render::fit(text.to_string(), LABEL_MAX)
}

/// A short answer only the person who clicked or typed the command sees.
pub fn ephemeral(text: String) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(ephemeral_message(text))
}

/// The body of `ephemeral`, also for updating the message a button was pressed on.
pub fn ephemeral_message(text: String) -> CreateInteractionResponseMessage {
    CreateInteractionResponseMessage::new()
        .content(render::fit(text, render::DEFAULT_MAX_CHARS))
        .ephemeral(true)
        .allowed_mentions(no_mentions())
}

/// A message for an outbox row with one file (`files[0]`), as the raw request body: serenity
/// numbers new attachments as the integer 0, while Discord's OpenAPI description wants a
/// snowflake string. The row's key goes along as an enforced nonce, as in [`create_message`].
pub fn message_with_file(
    message: &OutboundMessage,
    ctx: &RenderContext,
    file_name: &str,
    description: &str,
) -> serde_json::Value {
    serde_json::json!({
        "content": render::message(&message.body, ctx),
        "allowed_mentions": no_mentions(),
        "nonce": nonce(&message.key),
        "enforce_nonce": true,
        "attachments": [{"id": "0", "filename": file_name, "description": description}],
    })
}

/// A private answer with one file, as the raw interaction callback. serenity numbers new
/// attachments as the integer 0, while Discord's OpenAPI description wants a snowflake string,
/// so this body is written by hand; the file goes along as `files[0]`.
pub fn ephemeral_with_file(text: &str, file_name: &str, description: &str) -> serde_json::Value {
    serde_json::json!({
        "type": 4,
        "data": {
            "content": render::fit(text.to_string(), render::DEFAULT_MAX_CHARS),
            "flags": 64,
            "allowed_mentions": no_mentions(),
            "attachments": [{"id": "0", "filename": file_name, "description": description}],
        }
    })
}

/// The one-line reflection form, linked to its prompt.
pub fn reflection_modal(prompt_key: &str, language: Language) -> Option<CreateInteractionResponse> {
    let nl = language == Language::Nl;
    let id = Component::ReflectModal {
        prompt_key: prompt_key.to_string(),
    }
    .custom_id()?;
    let input = CreateInputText::new(
        InputTextStyle::Paragraph,
        if nl {
            "Wat neem je mee?"
        } else {
            "What do you take away?"
        },
        MODAL_TEXT_ID,
    )
    .max_length(REFLECTION_MAX_CHARS as u16)
    .required(true);
    Some(CreateInteractionResponse::Modal(
        CreateModal::new(id, if nl { "Reflectie" } else { "Reflection" })
            .components(vec![CreateActionRow::InputText(input)]),
    ))
}

/// The "yes, delete everything" button after `/vergeet-mij`.
/// The buttons for the choices an answer offers.
pub fn choice_rows(choices: &[Choice], language: Language) -> Vec<CreateActionRow> {
    choices
        .iter()
        .flat_map(|c| match c {
            Choice::ConfirmForget => forget_confirm_row(language),
        })
        .collect()
}

fn forget_confirm_row(language: Language) -> Vec<CreateActionRow> {
    let nl = language == Language::Nl;
    Component::ForgetConfirm
        .custom_id()
        .map(|id| {
            vec![CreateActionRow::Buttons(vec![
                CreateButton::new(id)
                    .label(if nl {
                        "Ja, verwijder alles"
                    } else {
                        "Yes, delete everything"
                    })
                    .style(ButtonStyle::Danger),
            ])]
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::messages::{Recipient, StudentRef};
    use crate::domain::roster::PersonId;
    use serde_json::Value;

    fn ctx(language: Language) -> RenderContext {
        RenderContext {
            language,
            tz: chrono_tz::Europe::Amsterdam,
            max_chars: render::DEFAULT_MAX_CHARS,
        }
    }

    fn prompt(students: &[(&str, &str)]) -> OutboundMessage {
        OutboundMessage {
            key: "2026-W48-1:prompt:wpb-1".into(),
            to: Recipient {
                person: PersonId::from_trusted("wpb-1"),
                name: "Anna".into(),
                address: Some("discord:1".into()),
                language: Language::Nl,
                team_channel: false,
                admin_contact: false,
            },
            body: Message::Prompt {
                prompt_id: "p1".into(),
                text: "Wat viel je op vandaag?".into(),
                students: students
                    .iter()
                    .map(|(id, name)| StudentRef {
                        id: PersonId::from_trusted(*id),
                        name: name.to_string(),
                    })
                    .collect(),
            },
        }
    }

    fn json(m: &CreateMessage) -> Value {
        serde_json::to_value(m).expect("serialises")
    }

    #[test]
    fn prompt_has_one_klik_row_per_student_and_a_reflection_button() {
        let m = json(&create_message(
            &prompt(&[("s1", "Sam"), ("s2", "@everyone")]),
            &ctx(Language::Nl),
        ));
        let rows = m["components"].as_array().expect("rows");
        assert_eq!(rows.len(), 3);
        let ids: Vec<&str> = rows[0]["components"]
            .as_array()
            .expect("buttons")
            .iter()
            .map(|b| b["custom_id"].as_str().expect("id"))
            .collect();
        assert_eq!(
            ids,
            [
                "wg1:klik:goed:s1",
                "wg1:klik:twijfel:s1",
                "wg1:klik:geen:s1"
            ]
        );
        assert_eq!(
            rows[2]["components"][0]["custom_id"],
            "wg1:refl:2026-W48-1:prompt:wpb-1"
        );
        assert_eq!(m["allowed_mentions"]["parse"], serde_json::json!([]));
        assert_eq!(m["enforce_nonce"], true);
        let nonce = m["nonce"].as_str().expect("nonce");
        assert!(nonce.len() <= 25);
        assert!(
            !m["content"]
                .as_str()
                .expect("content")
                .contains("@everyone")
        );
    }

    #[test]
    fn many_students_stay_within_five_rows() {
        let students: Vec<(String, String)> =
            (0..7).map(|i| (format!("s{i}"), format!("S{i}"))).collect();
        let refs: Vec<(&str, &str)> = students
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let m = json(&create_message(&prompt(&refs), &ctx(Language::En)));
        assert_eq!(m["components"].as_array().expect("rows").len(), 5);
    }

    #[test]
    fn modal_caps_the_text_at_the_reflection_limit() {
        let modal = reflection_modal("2026-W48-1:prompt:wpb-1", Language::Nl).expect("fits");
        let v = serde_json::to_value(&modal).expect("serialises");
        assert_eq!(v["type"], 9);
        assert_eq!(v["data"]["custom_id"], "wg1:reflm:2026-W48-1:prompt:wpb-1");
        let input = &v["data"]["components"][0]["components"][0];
        assert_eq!(input["max_length"], REFLECTION_MAX_CHARS as u64);
        assert_eq!(input["custom_id"], MODAL_TEXT_ID);
    }
}
