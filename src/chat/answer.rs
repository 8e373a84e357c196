//! The one answering path for every chat platform. An adapter turns a platform event into the
//! core's `Inbound` (or a command of the shared table, `chat::command`) and hands it here; this
//! module picks the language by one rule, asks the core through the `Inbox` port and turns the
//! outcome into platform-neutral parts. The adapter only shows those parts in its own idiom,
//! always to the asker alone (ephemeral on Discord, the DM or the same room on Matrix).

use super::command::{Command, ReadPerson, inbound};
use super::pictures;
use super::render::{self, DEFAULT_MAX_CHARS, RenderContext};
use crate::app::inbox::{Handled, Inbound, Refusal, Reply, Sender};
use crate::app::messages::Message;
use crate::app::ports::Inbox;
use crate::domain::language::{Language, Text};
use crate::store::StoreError;

/// How a platform shows an answer: what it can offer and how it reads a typed person.
pub struct Surface {
    /// The platform's name, for the logs.
    pub platform: &'static str,
    /// The platform has buttons; without them the answer says what to type next.
    pub buttons: bool,
    /// Reads a person as typed in a command.
    pub read_person: ReadPerson,
    /// What `Command::Help` answers on this platform, if it has such a command.
    pub help: Option<Text>,
}

/// An answer in platform-neutral parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The words, in the asker's language and within the platform's default limit.
    pub text: String,
    /// A file that goes along.
    pub file: Option<Attachment>,
    /// What the asker can choose next (shown as buttons where the platform has them).
    pub choices: Vec<Choice>,
}

/// A file an answer carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file's name.
    pub name: String,
    /// One line about the file, in the asker's language.
    pub description: String,
    /// The contents.
    pub bytes: Vec<u8>,
    /// For a PNG picture its width and height in pixels; `None` for the JSON export.
    pub image: Option<(u32, u32)>,
}

impl Attachment {
    /// A picture as an attachment, its text alternative as the description.
    pub fn picture(p: super::pictures::MessagePicture) -> Self {
        Attachment {
            name: p.file_name,
            description: p.alt,
            image: Some((p.picture.width, p.picture.height)),
            bytes: p.picture.png,
        }
    }
}

/// A next step offered with an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    /// Yes, forget me: deletes everything.
    ConfirmForget,
}

/// What became of a post in a place that may be an intervisie thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ThreadPost {
    /// The place is no thread; the message is something else.
    NotAThread,
    /// The post is in the thread: it is its own visible result and needs no answer.
    Taken,
    /// Refused; the answer goes to the poster privately.
    Refused(Answer),
}

/// A button the bot cannot act on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaleButton {
    /// Made by an older version of the bot.
    OlderVersion,
    /// Not one of the bot's buttons, or one that does nothing here.
    Unknown,
}

/// The one language rule: the roster's language for the person, else the platform's locale
/// (Dutch or English), else the deployment's default.
pub async fn language(
    core: &(impl Inbox + ?Sized),
    address: &str,
    locale: Option<&str>,
) -> Language {
    if let Some(language) = core.language_at(address).await {
        return language;
    }
    match locale {
        Some(l) if l.starts_with("nl") => Language::Nl,
        Some(l) if l.starts_with("en") => Language::En,
        _ => core.defaults().0,
    }
}

/// How answers are written for someone speaking `language`.
pub fn context(core: &(impl Inbox + ?Sized), language: Language) -> RenderContext {
    RenderContext {
        language,
        tz: core.defaults().1,
        max_chars: DEFAULT_MAX_CHARS,
    }
}

/// Handles `event` and answers in `language`.
pub async fn answer(
    core: &(impl Inbox + ?Sized),
    event: Inbound,
    language: Language,
    surface: &Surface,
) -> Answer {
    parts(core.handle(event).await, &context(core, language), surface)
}

/// Handles a command of the shared table from `from`: the people it names are looked up
/// first, and one who cannot be told is the answer.
pub async fn answer_command(
    core: &(impl Inbox + ?Sized),
    from: Sender,
    command: Command,
    language: Language,
    surface: &Surface,
) -> Answer {
    let ctx = context(core, language);
    match inbound(core, from, command, surface.read_person).await {
        Ok(Some(event)) => parts(core.handle(event).await, &ctx, surface),
        Ok(None) => Answer::text(
            surface
                .help
                .as_ref()
                .map_or_else(String::new, |h| h.get(language).to_string()),
        ),
        Err(refusal) => parts(Err(refusal), &ctx, surface),
    }
}

/// A message from `from` (a chat address) in `place`: a post when the place is an intervisie
/// thread. Only a refusal needs words.
pub async fn thread_post(
    core: &(impl Inbox + ?Sized),
    from: &str,
    place: &str,
    text: String,
    surface: &Surface,
) -> Result<ThreadPost, StoreError> {
    if !core.is_thread(place).await? {
        return Ok(ThreadPost::NotAThread);
    }
    let event = Inbound::IntervisiePost {
        from: Sender::Chat(from.to_string()),
        text,
    };
    let handled = core.handle(event).await;
    if handled.is_ok() {
        return Ok(ThreadPost::Taken);
    }
    let language = language(core, from, None).await;
    Ok(ThreadPost::Refused(parts(
        handled,
        &context(core, language),
        surface,
    )))
}

/// The parts of the answer to what the core made of an event. An internal fault is logged
/// here and answered with the one fault reply.
pub fn parts(handled: Handled, ctx: &RenderContext, surface: &Surface) -> Answer {
    match handled {
        Ok(reply @ Reply::ForgetConfirm { .. }) if !surface.buttons => {
            // What to type next must always fit.
            let how = FORGET_CONFIRM_HOW;
            let how = how.get(ctx.language);
            let room = RenderContext {
                max_chars: ctx.max_chars.saturating_sub(render::char_count(how) + 1),
                ..*ctx
            };
            Answer::text(format!("{}\n{how}", render::reply(&reply, &room)))
        }
        Ok(reply @ Reply::ForgetConfirm { .. }) => Answer {
            choices: vec![Choice::ConfirmForget],
            ..Answer::text(render::reply(&reply, ctx))
        },
        Ok(reply) => {
            let mut answer = Answer::text(render::reply(&reply, ctx));
            answer.file = match reply {
                Reply::Exported { file_name, json } => Some(Attachment {
                    name: file_name,
                    description: EXPORT_DESCRIPTION.get(ctx.language).to_string(),
                    bytes: json.into_bytes(),
                    image: None,
                }),
                Reply::Overview(figures) => {
                    pictures::of_message(&Message::Digest(figures), ctx).map(Attachment::picture)
                }
                Reply::Terugblik(t) => {
                    pictures::of_message(&Message::Terugblik(t), ctx).map(Attachment::picture)
                }
                _ => None,
            };
            answer
        }
        Err(Refusal::User(e)) => Answer::text(render::user_error(&e, ctx)),
        Err(Refusal::Internal(e)) => {
            tracing::error!(%e, "handling a {} event failed", surface.platform);
            Answer::text(render::fault(ctx.language))
        }
    }
}

impl Answer {
    /// An answer of words only.
    pub fn text(text: String) -> Answer {
        Answer {
            text,
            file: None,
            choices: vec![],
        }
    }
}

/// The answer to a button the bot cannot act on.
pub fn stale(button: StaleButton) -> Text {
    match button {
        // The Dutch text names the Dutch slash commands, the English one the English names.
        StaleButton::OlderVersion => Text::new(
            "Deze knop hoort bij een oudere versie van de bot. Gebruik het nieuwste bericht of een /commando.",
            "This button belongs to an older version of the bot. Use the latest message or a /command.",
        ),
        StaleButton::Unknown => Text::new(
            "Deze knop ken ik niet; er is niets veranderd.",
            "I do not know this button; nothing was changed.",
        ),
    }
}

/// How to confirm a forget where there is no button.
const FORGET_CONFIRM_HOW: Text = Text::new(
    "Typ !vergeet-mij bevestig om alles te verwijderen.",
    "Type !forget-me confirm to delete everything.",
);

const EXPORT_DESCRIPTION: Text = Text::new(
    "Alles wat Wandelgang over je bewaart",
    "Everything Wandelgang stores about you",
);

/// Asserts that each text is whole in each language (for the adapters' own texts too).
#[cfg(test)]
pub(crate) fn assert_in_one_language_each(texts: &[Text]) {
    for language in [Language::Nl, Language::En] {
        for text in texts {
            crate::domain::language::assert_only(language, text.get(language));
        }
    }
}

#[cfg(test)]
mod tests;
