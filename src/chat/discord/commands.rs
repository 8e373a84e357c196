//! Slash commands. Names and descriptions are Dutch, with English localizations added from one
//! table, so the two languages are kept side by side. Each command only fills in a command of
//! the shared table (`chat::command`); the one answering path and the core do the rest.

use chrono::NaiveDate;
use poise::CreateReply;
use serenity::all::CreateAttachment;
use std::sync::Arc;

use super::bot::{Data, Error};
use super::localize::localize;
use super::outbound::{choice_rows, ephemeral_with_file, no_mentions};
use super::people::DISCORD;
use super::wire::user_address;
use crate::app::inbox::Sender;
use crate::chat::answer;
use crate::chat::command::Command;
use crate::chat::input::parse_date;
use crate::chat::render;
use crate::domain::language::{Language, Text};

/// poise's context of a slash command.
pub type PoiseCtx<'a> = poise::Context<'a, Arc<Data>, Error>;
pub(super) type PoiseCommand = poise::Command<Arc<Data>, Error>;

/// Every slash command, with its English names.
pub fn all() -> Vec<PoiseCommand> {
    let mut commands = vec![
        reflectie(),
        klik(),
        pauze(),
        hervat(),
        ritme(),
        mijngegevens(),
        vergeet_mij(),
        intervisie(),
        koppel(),
        ontkoppel(),
        escalaties(),
        overzicht(),
        weekoverzicht(),
        terugblik(),
        instellingen(),
        vraag(),
    ];
    for c in &mut commands {
        localize(c);
    }
    commands
}

fn me(ctx: &PoiseCtx<'_>) -> Sender {
    Sender::Chat(user_address(ctx.author().id.get()))
}

async fn language(ctx: &PoiseCtx<'_>) -> Language {
    ctx.data().language(ctx.author().id, ctx.locale()).await
}

/// Answers a command of the shared table, to the person who asked only.
async fn respond(ctx: PoiseCtx<'_>, command: Command) -> Result<(), Error> {
    let language = language(&ctx).await;
    let data = ctx.data();
    if let Some(refusal) = data.unknown_guild(ctx.guild_id(), language) {
        return say(ctx, refusal).await;
    }
    let answer = answer::answer_command(&*data.engine, me(&ctx), command, language, &DISCORD).await;
    if let (Some(file), poise::Context::Application(app)) = (answer.file, ctx) {
        let body = ephemeral_with_file(&answer.text, &file.name, &file.description);
        let file = CreateAttachment::bytes(file.bytes, file.name);
        ctx.http()
            .create_interaction_response(
                app.interaction.id,
                &app.interaction.token,
                &body,
                vec![file],
            )
            .await?;
        return Ok(());
    }
    ctx.send(
        CreateReply::default()
            .content(render::fit(answer.text, render::DEFAULT_MAX_CHARS))
            .ephemeral(true)
            .allowed_mentions(no_mentions())
            .components(choice_rows(&answer.choices, language)),
    )
    .await?;
    Ok(())
}

async fn say(ctx: PoiseCtx<'_>, text: String) -> Result<(), Error> {
    ctx.send(
        CreateReply::default()
            .content(text)
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
    .await?;
    Ok(())
}

/// An optional date option: absent, a date, or (as the error) the text that is not a date.
fn optional_date(raw: Option<&str>) -> Result<Option<NaiveDate>, &str> {
    raw.map(|r| parse_date(r).ok_or(r)).transpose()
}

async fn bad_date(ctx: PoiseCtx<'_>, raw: &str) -> Result<(), Error> {
    let language = language(&ctx).await;
    say(ctx, not_a_date(raw).get(language).to_string()).await
}

fn not_a_date(raw: &str) -> Text {
    let raw = render::defuse_mentions(raw);
    Text::owned(
        format!("'{raw}' is geen datum; schrijf bijvoorbeeld 2026-12-24 of 24-12-2026."),
        format!("'{raw}' is not a date; write e.g. 2026-12-24 or 24-12-2026."),
    )
}

/// The core may have taken it before the answer failed: this does not claim nothing was saved.
const COMMAND_FAULT: Text = Text::new(
    "Dat lukte nu niet door een storing; probeer het zo nog eens.",
    "That did not work because of a fault; please try again shortly.",
);

/// Je reflectie van één regel (hoort bij je laatste vraag)
#[poise::command(slash_command)]
pub(crate) async fn reflectie(
    ctx: PoiseCtx<'_>,
    #[description = "Wat je meeneemt, in één regel"]
    #[max_length = 280]
    tekst: String,
    #[description = "Deel hem met de schoolopleider"] delen: Option<bool>,
) -> Result<(), Error> {
    let share = delen.unwrap_or(false);
    respond(ctx, Command::Reflect { text: tekst, share }).await
}

/// The klik values as the choices of `/klik`, named in Dutch with English localizations.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum KlikChoice {
    /// The rapport feels good.
    #[name = "goed"]
    #[name_localized("en-US", "good")]
    #[name_localized("en-GB", "good")]
    Goed,
    /// In doubt about the rapport.
    #[name = "twijfel"]
    #[name_localized("en-US", "doubt")]
    #[name_localized("en-GB", "doubt")]
    Twijfel,
    /// No klik: the rapport is not there.
    #[name = "geen klik"]
    #[name_localized("en-US", "no klik")]
    #[name_localized("en-GB", "no klik")]
    GeenKlik,
}

/// Hoe is de klik? Wpb's over hun student; studenten vertrouwelijk
#[poise::command(slash_command)]
pub(crate) async fn klik(
    ctx: PoiseCtx<'_>,
    #[description = "goed, twijfel of geen klik"] waarde: KlikChoice,
    #[description = "Welke student, als je er meer begeleidt: rooster-id, naam of @vermelding"]
    #[max_length = 100]
    student: Option<String>,
) -> Result<(), Error> {
    let value = match waarde {
        KlikChoice::Goed => "goed",
        KlikChoice::Twijfel => "twijfel",
        KlikChoice::GeenKlik => "geen klik",
    };
    // Without a named student the core looks at the sender's role: a student's klik is their
    // own confidential signal about their wpb.
    let value = value.into();
    respond(ctx, Command::Klik { value, student }).await
}

/// Pauzeer je vragen tot een datum
#[poise::command(slash_command)]
pub(crate) async fn pauze(
    ctx: PoiseCtx<'_>,
    #[description = "Laatste dag van de pauze (JJJJ-MM-DD of DD-MM-JJJJ)"] tot: String,
) -> Result<(), Error> {
    let Some(until) = parse_date(&tot) else {
        return bad_date(ctx, &tot).await;
    };
    respond(ctx, Command::Pause { until }).await
}

/// Ontvang je vragen weer vanaf nu
#[poise::command(slash_command)]
pub(crate) async fn hervat(ctx: PoiseCtx<'_>) -> Result<(), Error> {
    respond(ctx, Command::Resume).await
}

/// Een vraag nu (hooguit één keer per dag; telt mee voor je week)
#[poise::command(slash_command)]
pub(crate) async fn vraag(ctx: PoiseCtx<'_>) -> Result<(), Error> {
    respond(ctx, Command::AskPrompt).await
}

/// Hoe vaak je een vraag krijgt
#[poise::command(slash_command)]
pub(crate) async fn ritme(
    ctx: PoiseCtx<'_>,
    #[description = "1, 2 of 3 keer per week; leeg laten voor het ritme van de school"]
    #[min = 1]
    #[max = 3]
    keer: Option<u8>,
) -> Result<(), Error> {
    respond(ctx, Command::Rhythm { per_week: keer }).await
}

/// Alles wat over jou bewaard is, als bestand
#[poise::command(slash_command)]
pub(crate) async fn mijngegevens(ctx: PoiseCtx<'_>) -> Result<(), Error> {
    respond(ctx, Command::ExportOwn).await
}

/// Verwijder alles wat over jou bewaard is (vraagt om bevestiging)
#[poise::command(slash_command, rename = "vergeet-mij")]
pub(crate) async fn vergeet_mij(ctx: PoiseCtx<'_>) -> Result<(), Error> {
    respond(ctx, Command::Forget { confirm: false }).await
}

/// Intervisie in je team
#[poise::command(
    slash_command,
    subcommands("start", "bijdrage", "door", "opbrengst"),
    subcommand_required
)]
pub(crate) async fn intervisie(_ctx: PoiseCtx<'_>) -> Result<(), Error> {
    Ok(())
}

/// Breng een casus in
#[poise::command(slash_command)]
pub(crate) async fn start(
    ctx: PoiseCtx<'_>,
    #[description = "Je casus, in een paar zinnen"]
    #[max_length = 1500]
    casus: Option<String>,
    #[description = "Of het nummer van een van je reflecties"] reflectie: Option<i64>,
) -> Result<(), Error> {
    let case = casus.unwrap_or_default();
    let reflection = reflectie;
    respond(ctx, Command::IntervisieStart { case, reflection }).await
}

/// Draag bij aan de fase die nu loopt
#[poise::command(slash_command)]
pub(crate) async fn bijdrage(
    ctx: PoiseCtx<'_>,
    #[description = "Je vraag, ervaring of gedachte"]
    #[max_length = 1500]
    tekst: String,
) -> Result<(), Error> {
    respond(ctx, Command::IntervisiePost { text: tekst }).await
}

/// Zet je casus door naar de volgende fase
#[poise::command(slash_command)]
pub(crate) async fn door(ctx: PoiseCtx<'_>) -> Result<(), Error> {
    respond(ctx, Command::IntervisieAdvance).await
}

/// Wat je meeneemt uit je casus
#[poise::command(slash_command)]
pub(crate) async fn opbrengst(
    ctx: PoiseCtx<'_>,
    #[description = "Je opbrengst"]
    #[max_length = 1500]
    tekst: String,
) -> Result<(), Error> {
    respond(ctx, Command::IntervisieTakeaway { text: tekst }).await
}

/// Koppel een wpb en een student
#[poise::command(slash_command)]
pub(crate) async fn koppel(
    ctx: PoiseCtx<'_>,
    #[description = "De werkplekbegeleider: rooster-id, naam of @vermelding"]
    #[max_length = 100]
    wpb: String,
    #[description = "De student: rooster-id, naam of @vermelding"]
    #[max_length = 100]
    student: String,
    #[description = "Eerste dag (standaard vandaag)"] start: Option<String>,
    #[description = "Laatste dag (standaard 31 juli)"] eind: Option<String>,
) -> Result<(), Error> {
    let start = match optional_date(start.as_deref()) {
        Ok(d) => d,
        Err(raw) => return bad_date(ctx, raw).await,
    };
    let end = match optional_date(eind.as_deref()) {
        Ok(d) => d,
        Err(raw) => return bad_date(ctx, raw).await,
    };
    let pair = Command::Pair {
        wpb,
        student,
        start,
        end,
    };
    respond(ctx, pair).await
}

/// Beëindig een koppeling
#[poise::command(slash_command)]
pub(crate) async fn ontkoppel(
    ctx: PoiseCtx<'_>,
    #[description = "De werkplekbegeleider: rooster-id, naam of @vermelding"]
    #[max_length = 100]
    wpb: String,
    #[description = "De student: rooster-id, naam of @vermelding"]
    #[max_length = 100]
    student: String,
    #[description = "Laatste dag (standaard vandaag)"] eind: Option<String>,
) -> Result<(), Error> {
    let end = match optional_date(eind.as_deref()) {
        Ok(d) => d,
        Err(raw) => return bad_date(ctx, raw).await,
    };
    respond(ctx, Command::Unpair { wpb, student, end }).await
}

/// Open escalaties van je school
#[poise::command(slash_command)]
pub(crate) async fn escalaties(ctx: PoiseCtx<'_>) -> Result<(), Error> {
    respond(ctx, Command::Escalations).await
}

/// Je school in cijfers, met een grafiek per team
#[poise::command(slash_command)]
pub(crate) async fn overzicht(
    ctx: PoiseCtx<'_>,
    #[description = "Hoeveel schoolweken terug (standaard 10)"]
    #[min = 1]
    #[max = 52]
    weken: Option<u32>,
) -> Result<(), Error> {
    respond(ctx, Command::Overview { weeks: weken }).await
}

/// Je eigen weekoverzicht aan of uit
#[poise::command(slash_command)]
pub(crate) async fn weekoverzicht(
    ctx: PoiseCtx<'_>,
    #[description = "Aan: elke week het overzicht; uit: niet meer"] aan: bool,
) -> Result<(), Error> {
    respond(ctx, Command::WeeklyDigest { on: aan }).await
}

/// Je eigen terugblik op deze stage: reflecties en klik, alleen voor jou
#[poise::command(slash_command)]
pub(crate) async fn terugblik(ctx: PoiseCtx<'_>) -> Result<(), Error> {
    respond(ctx, Command::Terugblik).await
}

/// De instellingen van je school; geef waarden om ze te wijzigen
#[poise::command(slash_command)]
pub(crate) async fn instellingen(
    ctx: PoiseCtx<'_>,
    #[description = "Vragen per week (1 tot 3)"]
    #[min = 1]
    #[max = 3]
    keer: Option<u8>,
    #[description = "Eén vriendelijke herinnering na een onbeantwoorde vraag"] herinnering: Option<
        bool,
    >,
) -> Result<(), Error> {
    let (per_week, reminder) = (keer, herinnering);
    respond(ctx, Command::Settings { per_week, reminder }).await
}

/// A command that failed for a reason of ours: log it, and tell the person kindly.
pub async fn on_error(error: poise::FrameworkError<'_, Arc<Data>, Error>) {
    match error {
        poise::FrameworkError::Command { error, ctx, .. } => {
            tracing::error!(command = %ctx.command().qualified_name, %error, "command failed");
            let language = language(&ctx).await;
            let _ = say(ctx, COMMAND_FAULT.get(language).to_string()).await;
        }
        other => {
            if let Err(e) = poise::builtins::on_error(other).await {
                tracing::error!(%e, "error while handling an error");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_of_the_commands_are_in_one_language_each() {
        use crate::domain::language::assert_only;
        for language in [Language::Nl, Language::En] {
            for text in [not_a_date("x1"), COMMAND_FAULT] {
                assert_only(language, text.get(language));
            }
        }
    }

    #[test]
    fn every_command_and_option_has_english() {
        for c in all() {
            let mut stack = vec![c];
            while let Some(c) = stack.pop() {
                assert!(
                    c.name_localizations.iter().any(|(l, _)| l == "en-US"),
                    "{} lacks English",
                    c.name
                );
                for p in &c.parameters {
                    assert!(
                        p.name_localizations.iter().any(|(l, _)| l == "en-US"),
                        "{}.{} lacks English",
                        c.name,
                        p.name
                    );
                }
                stack.extend(c.subcommands);
            }
        }
    }
}
