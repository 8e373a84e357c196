//! Turns messages and replies into text, Dutch or English, within a platform's length limit.
//! Text that came from people is defused so it can never ping a room (`@everyone`, `@here`).

use chrono::{DateTime, Datelike, Utc, Weekday};
use chrono_tz::Tz;

use crate::app::inbox::{EscalationAction, Reply, UserError};
use crate::app::messages::{EscalationSummary, Message};
use crate::domain::intervisie::Phase;
use crate::domain::klik::{KlikValue, SignalSource};
use crate::domain::language::Language;
use crate::store::{EscalationStatus, OpenEscalation, OverviewCounts};

/// Discord's message limit; the smallest of the platforms we serve.
pub const DEFAULT_MAX_CHARS: usize = 2000;

#[derive(Debug, Clone, Copy)]
pub struct RenderContext {
    pub language: Language,
    pub tz: Tz,
    pub max_chars: usize,
}

impl RenderContext {
    fn nl(&self) -> bool {
        self.language == Language::Nl
    }

    fn pick<'a>(&self, nl: &'a str, en: &'a str) -> &'a str {
        if self.nl() { nl } else { en }
    }
}

/// Breaks `@` so a mention in people's text stays plain text on every platform.
pub fn defuse_mentions(text: &str) -> String {
    text.replace('@', "@\u{200B}")
}

/// Cuts at a character boundary and marks the cut.
pub fn fit(text: String, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text;
    }
    let mut cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

pub fn local_time(at: DateTime<Utc>, ctx: &RenderContext) -> String {
    let local = at.with_timezone(&ctx.tz);
    let day = weekday(local.weekday(), ctx.language);
    format!(
        "{day} {} {}",
        local.format("%d-%m-%Y"),
        local.format("%H:%M")
    )
}

fn weekday(d: Weekday, language: Language) -> &'static str {
    let i = d.num_days_from_monday() as usize;
    match language {
        Language::Nl => ["ma", "di", "wo", "do", "vr", "za", "zo"][i],
        Language::En => ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][i],
    }
}

fn klik_label(v: KlikValue, ctx: &RenderContext) -> &'static str {
    v.label(ctx.nl())
}

pub fn message(msg: &Message, ctx: &RenderContext) -> String {
    let text = match msg {
        Message::Prompt { text, students, .. } => {
            let mut out = text.clone();
            if !students.is_empty() {
                let names: Vec<String> = students.iter().map(|s| defuse_mentions(&s.name)).collect();
                out.push_str(&format!(
                    "\n{} {}",
                    ctx.pick("Hoe is de klik met", "How is the klik with"),
                    names.join(ctx.pick(" en ", " and "))
                ));
                out.push_str(ctx.pick("? (goed / twijfel / geen klik)", "? (good / doubt / no klik)"));
            }
            out
        }
        Message::Reminder { text } => format!(
            "{} {text}",
            ctx.pick("Nog even hierop terugkomen, als je wilt:", "Coming back to this, if you like:")
        ),
        Message::KlikFollowUp { student } => format!(
            "{} {}{}",
            ctx.pick("Je twijfelt over de klik met", "You have doubts about the klik with"),
            defuse_mentions(student),
            ctx.pick(
                ". Wat merk je op dit moment in jullie samenwerking, en wat zou je willen proberen?",
                ". What do you notice in your collaboration right now, and what would you like to try?"
            )
        ),
        Message::Escalation(summary) => escalation(summary, ctx),
        Message::EscalationReminder { escalation_id, wpb, student } => format!(
            "{} #{escalation_id} ({} – {}) {}",
            ctx.pick("Herinnering: escalatie", "Reminder: escalation"),
            defuse_mentions(wpb),
            defuse_mentions(student),
            ctx.pick(
                "is nog niet opgepakt. Wil je laten weten dat je het oppakt?",
                "has not been picked up yet. Would you let us know you are on it?"
            )
        ),
        Message::WpbEscalationNotice { student } => format!(
            "{} {}{}",
            ctx.pick("Dank je voor je eerlijke signalen over de klik met", "Thank you for your honest signals about the klik with"),
            defuse_mentions(student),
            ctx.pick(
                ". De schoolopleider neemt contact met je op om samen te kijken wat kan helpen.",
                ". The schoolopleider will reach out to look together at what could help."
            )
        ),
        Message::Unreachable { wpb } => format!(
            "{} {} {}",
            ctx.pick("Wandelgang kan", "Wandelgang cannot reach"),
            defuse_mentions(wpb),
            ctx.pick(
                "geen privéberichten sturen (DM's staan uit). Wil je dit even navragen?",
                "by direct message (DMs are closed). Would you check with them?"
            )
        ),
        Message::IntervisiePhase {
            thread,
            phase,
            due,
            case,
            owner,
        } => {
            let mut out = format!(
                "{} #{thread} · {}: {}",
                ctx.pick("Intervisie", "Intervisie"),
                phase.label(ctx.nl()),
                phase.purpose(ctx.nl())
            );
            if let Some(case) = case {
                out.push_str(&format!(
                    "\n{} {}: “{}”",
                    defuse_mentions(owner),
                    ctx.pick("brengt een casus in", "brings in a case"),
                    defuse_mentions(case)
                ));
            }
            let next = match phase {
                Phase::Inbreng | Phase::Vragen | Phase::Ervaringen => Some(ctx.pick(
                    "Je kunt hier reageren tot ongeveer",
                    "You can reply here until about",
                )),
                Phase::Opbrengst => Some(ctx.pick(
                    "De inbrenger kan dit opschrijven tot ongeveer",
                    "The case owner can write this until about",
                )),
                Phase::Afgesloten => None,
            };
            if let Some(next) = next {
                out.push_str(&format!("\n{next} {}.", local_time(*due, ctx)));
            }
            out
        }
        Message::IntervisieReminder {
            thread,
            phase,
            to_owner,
        } => {
            let body = if *to_owner {
                ctx.pick(
                    "wil je nog opschrijven wat je uit deze intervisie meeneemt? Eén zin is genoeg.",
                    "would you like to write down what you take away from this intervisie? One sentence is enough.",
                )
            } else {
                ctx.pick(
                    "het is nog stil in deze fase. Wie wil er iets delen? Een korte reactie helpt al.",
                    "this phase is still quiet. Who would like to share something? A short reply already helps.",
                )
            };
            format!(
                "{} #{thread} · {}: {body}",
                ctx.pick("Intervisie", "Intervisie"),
                phase.label(ctx.nl())
            )
        }
        Message::IntervisieHint { thread, suggestion } => format!(
            "{} #{thread}: {} {}",
            ctx.pick("Intervisie", "Intervisie"),
            ctx.pick("Dank je voor je vraag!", "Thank you for your question!"),
            suggestion
        ),
        Message::IntervisiePointer { thread, phase } => format!(
            "{} #{thread}: {}",
            ctx.pick("Intervisie", "Intervisie"),
            phase.pointer(ctx.nl())
        ),
        Message::IntervisieCall { team } => {
            let team = defuse_mentions(team);
            if ctx.nl() {
                format!(
                    "Hallo {team}! Het is weer tijd voor intervisie. Wie van jullie wil deze keer een casus inbrengen? \
                     Iets waar je mee zit of over twijfelt is van harte welkom; een eigen reflectie kan ook. \
                     Laat het hier weten, of start de intervisie gewoon met je casus."
                )
            } else {
                format!(
                    "Hello {team}! It's time for intervisie again. Who would like to bring in a case this time? \
                     Something you are pondering or unsure about is very welcome; one of your own reflections can be too. \
                     Let us know here, or simply start the intervisie with your case."
                )
            }
        }
        Message::IntervisieClosed {
            thread,
            participants,
            posts,
            takeaway,
            owner_left,
        } => {
            let mut out = format!(
                "{} #{thread} · {}: ",
                ctx.pick("Intervisie", "Intervisie"),
                Phase::Afgesloten.label(ctx.nl())
            );
            if *owner_left {
                out.push_str(ctx.pick(
                    "de inbrenger is niet meer in dit team, dus we ronden deze intervisie hier af. ",
                    "the case owner is no longer in this team, so we close this intervisie here. ",
                ));
            }
            out.push_str(&if ctx.nl() {
                format!("{participants} deelnemer(s), {posts} bijdrage(n).")
            } else {
                format!("{participants} participant(s), {posts} contribution(s).")
            });
            match takeaway {
                Some(t) => out.push_str(&format!(
                    " {} “{}”",
                    ctx.pick("De inbrenger neemt mee:", "The case owner takes away:"),
                    defuse_mentions(t)
                )),
                None => out.push_str(ctx.pick(
                    " Er is geen opbrengst opgeschreven.",
                    " No takeaway was written down.",
                )),
            }
            out.push(' ');
            out.push_str(Phase::Afgesloten.purpose(ctx.nl()));
            out
        }
    };
    fit(text, ctx.max_chars)
}

fn escalation(s: &EscalationSummary, ctx: &RenderContext) -> String {
    let mut out = format!(
        "{} #{}: {} – {} ({})\n",
        ctx.pick("Escalatie klik", "Klik escalation"),
        s.escalation_id,
        defuse_mentions(&s.wpb),
        defuse_mentions(&s.student),
        defuse_mentions(&s.school)
    );
    out.push_str(&format!(
        "{} {} · {} {}\n",
        ctx.pick("Koppeling sinds", "Paired since"),
        s.pairing_start.format("%d-%m-%Y"),
        ctx.pick("signalen sinds", "signals since"),
        local_time(s.since, ctx)
    ));
    let triggers: Vec<String> = s.triggers.iter().map(|t| t.describe(ctx.nl())).collect();
    out.push_str(&format!(
        "{}: {}\n",
        ctx.pick("Patroon", "Pattern"),
        triggers.join(" ")
    ));
    out.push_str(ctx.pick("Tijdlijn:\n", "Timeline:\n"));
    for e in &s.timeline {
        let who = match e.source {
            SignalSource::Wpb => "wpb",
            SignalSource::Student => "student",
        };
        out.push_str(&format!(
            "  {} · {who} · {}\n",
            local_time(e.at, ctx),
            klik_label(e.value, ctx)
        ));
    }
    if s.shared_reflections.is_empty() {
        out.push_str(ctx.pick("Gedeelde reflecties: geen\n", "Shared reflections: none\n"));
    } else {
        out.push_str(ctx.pick("Gedeelde reflecties:\n", "Shared reflections:\n"));
        for r in &s.shared_reflections {
            out.push_str(&format!(
                "  {} · “{}”\n",
                local_time(r.at, ctx),
                defuse_mentions(&r.text)
            ));
        }
    }
    out.push_str(ctx.pick(
        "Mogelijke volgende stappen: een informeel gesprek met de wpb; een gesprek met de student; een driegesprek; overweeg overplaatsing.\n",
        "Possible next steps: an informal talk with the wpb; a talk with the student; a three-way talk; consider moving the student.\n",
    ));
    out.push_str(ctx.pick(
        "Acties: ik pak het op · opgelost · overplaatsing",
        "Actions: I'll pick it up · resolved · move",
    ));
    out
}

pub fn reply(r: &Reply, ctx: &RenderContext) -> String {
    match r {
        Reply::ReflectionSaved { linked, shared, .. } => {
            let mut out = ctx
                .pick(
                    "Dank je, je reflectie is bewaard",
                    "Thanks, your reflection is saved",
                )
                .to_string();
            if !linked {
                out.push_str(ctx.pick(" (los, zonder vraag)", " (free-standing)"));
            }
            if *shared {
                out.push_str(ctx.pick(
                    " en gedeeld met de schoolopleider",
                    " and shared with the schoolopleider",
                ));
            }
            out.push('.');
            out
        }
        Reply::KlikSaved {
            with,
            value,
            confidential: false,
        } => format!(
            "{} {}: {}.",
            ctx.pick("Genoteerd, klik met", "Noted, klik with"),
            defuse_mentions(with),
            klik_label(*value, ctx)
        ),
        Reply::KlikSaved {
            with,
            value,
            confidential: true,
        } => format!(
            "{} {}: {}. {}",
            ctx.pick(
                "Vertrouwelijk genoteerd, je klik met",
                "Noted in confidence, your klik with"
            ),
            defuse_mentions(with),
            klik_label(*value, ctx),
            ctx.pick(
                "Je werkplekbegeleider ziet jouw signaal nooit.",
                "Your werkplekbegeleider never sees your signal."
            )
        ),
        Reply::ReflectionShared { id } => format!(
            "{} #{id} {}",
            ctx.pick("Reflectie", "Reflection"),
            ctx.pick(
                "is gedeeld met de schoolopleider.",
                "is shared with the schoolopleider."
            )
        ),
        Reply::Paused { until } => format!(
            "{} {}.",
            ctx.pick("Gepauzeerd tot en met", "Paused up to and including"),
            until.format("%d-%m-%Y")
        ),
        Reply::Resumed => ctx
            .pick(
                "Welkom terug, de vragen komen weer.",
                "Welcome back, the prompts resume.",
            )
            .to_string(),
        Reply::EscalationUpdated { id, action } => {
            let what = match action {
                EscalationAction::Acknowledge => ctx.pick("opgepakt", "picked up"),
                EscalationAction::Resolve => ctx.pick("opgelost", "resolved"),
                EscalationAction::Move => {
                    ctx.pick("afgesloten met overplaatsing", "closed with a move")
                }
            };
            format!("{} #{id}: {what}.", ctx.pick("Escalatie", "Escalation"))
        }
        Reply::Exported { file_name, .. } => format!(
            "{} {file_name}.",
            ctx.pick(
                "Hier is alles wat Wandelgang over je bewaart, in het bestand",
                "Here is everything Wandelgang keeps about you, in the file"
            )
        ),
        Reply::ForgetConfirm {
            reflections,
            signals,
            prompts,
        } => {
            if ctx.nl() {
                format!(
                    "Weet je het zeker? Dan verwijdert Wandelgang je profiel, {reflections} reflectie(s), {signals} klik-signaal/signalen en {prompts} vraag/vragen, en je koppelingen. Dit kan niet ongedaan worden gemaakt. Bevestig om alles te verwijderen."
                )
            } else {
                format!(
                    "Are you sure? Wandelgang will then delete your profile, {reflections} reflection(s), {signals} klik signal(s) and {prompts} prompt(s), and your pairings. This cannot be undone. Confirm to delete everything."
                )
            }
        }
        Reply::Forgotten => ctx
            .pick(
                "Je gegevens zijn verwijderd. Alleen aantallen zonder namen of teksten blijven bewaard.",
                "Your data has been deleted. Only counts without names or texts are kept.",
            )
            .to_string(),
        Reply::IntervisieStarted { thread } => format!(
            "{} #{thread} {}",
            ctx.pick("Dank je! Intervisie", "Thank you! Intervisie"),
            ctx.pick(
                "is gestart in het teamkanaal.",
                "has started in the team channel."
            )
        ),
        Reply::IntervisiePosted => ctx
            .pick("Dank je, je bijdrage staat erbij.", "Thank you, your contribution is in.")
            .to_string(),
        Reply::IntervisieAdvanced { phase } => format!(
            "{} {}.",
            ctx.pick("De intervisie gaat verder:", "The intervisie moves on:"),
            phase.label(ctx.nl())
        ),
        Reply::IntervisieTakeawaySaved => ctx
            .pick(
                "Dank je, je opbrengst is bewaard.",
                "Thank you, your takeaway is saved.",
            )
            .to_string(),
        Reply::RhythmSet {
            per_week,
            school_default,
        } => {
            let mut out = if ctx.nl() {
                format!("Genoteerd: je krijgt nu {per_week} vraag/vragen per week")
            } else {
                format!("Noted: you now get {per_week} prompt(s) a week")
            };
            if *school_default {
                out.push_str(ctx.pick(", het ritme van je school", ", your school's rhythm"));
            }
            out.push_str(ctx.pick(
                ". Je kunt het altijd weer aanpassen.",
                ". You can change it again any time.",
            ));
            out
        }
        Reply::Paired {
            wpb,
            student,
            start,
            end,
        } => format!(
            "{} {} {} {} {} {} {} {}.",
            ctx.pick("Gekoppeld:", "Paired:"),
            defuse_mentions(wpb),
            ctx.pick("en", "and"),
            defuse_mentions(student),
            ctx.pick("van", "from"),
            start.format("%d-%m-%Y"),
            ctx.pick("tot en met", "up to and including"),
            end.format("%d-%m-%Y")
        ),
        Reply::Unpaired { wpb, student, end } => format!(
            "{} {} {} {} {} {}.",
            ctx.pick("De koppeling van", "The pairing of"),
            defuse_mentions(wpb),
            ctx.pick("en", "and"),
            defuse_mentions(student),
            ctx.pick("loopt tot en met", "runs up to and including"),
            end.format("%d-%m-%Y")
        ),
        Reply::Escalations(list) => escalation_list(list, ctx),
        Reply::Overview { weeks, counts } => overview(*weeks, counts, ctx),
        Reply::SchoolSettings {
            per_week,
            reminder,
            changed,
        } => {
            let head = if *changed {
                ctx.pick("De instellingen zijn aangepast.", "The settings are changed.")
            } else {
                ctx.pick("De instellingen van je school:", "Your school's settings:")
            };
            let reminder = match (*reminder, ctx.nl()) {
                (true, true) => "aan",
                (false, true) => "uit",
                (true, false) => "on",
                (false, false) => "off",
            };
            format!(
                "{head} {} {per_week}; {} {reminder}. {}",
                ctx.pick("Vragen per week:", "Prompts a week:"),
                ctx.pick("herinnering:", "reminder:"),
                ctx.pick(
                    "Andere instellingen staan in het configuratiebestand.",
                    "Other settings live in the configuration file."
                )
            )
        }
        Reply::RosterImported(summary) => format!(
            "{} {} {}, {} {}, {} {}, {} {}.",
            ctx.pick("Rooster ingelezen:", "Roster imported:"),
            summary.schools,
            ctx.pick("school/scholen", "school(s)"),
            summary.teams,
            ctx.pick("team(s)", "team(s)"),
            summary.people,
            ctx.pick("persoon/personen", "person(s)"),
            summary.pairings,
            ctx.pick("koppeling(en)", "pairing(s)")
        ),
        Reply::PersonExported { file_name, .. } => format!(
            "{} {file_name}.",
            ctx.pick(
                "Hier is de export, in het bestand",
                "Here is the export, in the file"
            )
        ),
        Reply::PersonForgotten(report) => {
            if ctx.nl() {
                format!(
                    "Verwijderd (of bij een proefrun: zou verdwijnen): {} reflectie(s), {} klik-signaal/signalen, {} vraag/vragen, {} koppeling(en).",
                    report.reflections, report.signals, report.prompts, report.pairings
                )
            } else {
                format!(
                    "Deleted (or in a dry run: would go): {} reflection(s), {} klik signal(s), {} prompt(s), {} pairing(s).",
                    report.reflections, report.signals, report.prompts, report.pairings
                )
            }
        }
        Reply::RetentionDone(report) => format!(
            "{} {}.",
            ctx.pick("Bewaartermijnen toegepast, totaal:", "Retention applied, total:"),
            report.total()
        ),
        Reply::AuditLog(entries) => {
            let mut out = format!(
                "{} ({}):",
                ctx.pick("Auditlog", "Audit log"),
                entries.len()
            );
            for e in entries {
                out.push_str(&format!(
                    "\n{} · {} · {} · {}",
                    local_time(e.at, ctx),
                    defuse_mentions(&e.actor),
                    e.action,
                    defuse_mentions(&e.subject)
                ));
            }
            fit(out, ctx.max_chars)
        }
    }
}

fn escalation_status(status: EscalationStatus, ctx: &RenderContext) -> &'static str {
    match status {
        EscalationStatus::Open => ctx.pick("open", "open"),
        EscalationStatus::Acknowledged => ctx.pick("opgepakt", "picked up"),
        EscalationStatus::Resolved => ctx.pick("opgelost", "resolved"),
        EscalationStatus::Moved => ctx.pick("overplaatsing", "moved"),
    }
}

/// The school's open escalations: who, since when, where it stands. No signal wording.
fn escalation_list(list: &[OpenEscalation], ctx: &RenderContext) -> String {
    if list.is_empty() {
        return ctx
            .pick(
                "Er staan geen escalaties open. Fijn!",
                "There are no open escalations. Good!",
            )
            .to_string();
    }
    let mut out = ctx
        .pick("Openstaande escalaties:", "Open escalations:")
        .to_string();
    for e in list {
        out.push_str(&format!(
            "\n#{} · {} · {} · {} · {} {}",
            e.id,
            defuse_mentions(&e.wpb),
            defuse_mentions(&e.student),
            escalation_status(e.status, ctx),
            ctx.pick("sinds", "since"),
            local_time(e.since, ctx)
        ));
    }
    fit(out, ctx.max_chars)
}

/// The school's figures: counts only.
fn overview(weeks: u32, c: &OverviewCounts, ctx: &RenderContext) -> String {
    let rows: [(&str, &str, u64); 8] = [
        ("vragen verstuurd", "prompts sent", c.prompts_sent),
        ("vragen beantwoord", "prompts answered", c.prompts_answered),
        ("reflecties", "reflections", c.reflections),
        ("klik goed", "klik good", c.klik_goed),
        ("klik twijfel", "klik doubt", c.klik_twijfel),
        ("geen klik", "no klik", c.klik_geen),
        ("open escalaties", "open escalations", c.open_escalations),
        ("intervisies", "intervisies", c.intervisies),
    ];
    let mut out = if ctx.nl() {
        format!("Overzicht van de afgelopen {weeks} weken:")
    } else {
        format!("Overview of the last {weeks} weeks:")
    };
    for (nl, en, n) in rows {
        out.push_str(&format!("\n{}: {n}", ctx.pick(nl, en)));
    }
    out
}

/// A refusal in the user's language only (the error's Display carries both languages).
pub fn user_error(e: &UserError, ctx: &RenderContext) -> String {
    let both = match e {
        UserError::WhichStudent(names) => format!(
            "{} {} / {} {}",
            "Voor welke student?",
            names.join(", "),
            "For which student?",
            names.join(", ")
        ),
        other => other.to_string(),
    };
    pick_language(&both, ctx.language)
}

/// Our bilingual texts read "Nederlands / English"; keep the half for this language.
/// Said when an event could not be handled for a reason of ours (the database was away, say).
pub fn fault(language: Language) -> String {
    pick_language(
        "Dat lukte nu niet door een storing; er is niets opgeslagen. Probeer het zo nog eens. / That did not work because of a fault; nothing was saved. Please try again shortly.",
        language,
    )
}

pub fn pick_language(both: &str, language: Language) -> String {
    match both.split_once(" / ") {
        Some((nl, en)) => match language {
            Language::Nl => nl.trim().to_string(),
            Language::En => en.trim().to_string(),
        },
        None => both.to_string(),
    }
}
