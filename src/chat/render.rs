//! Turns messages and replies into text, Dutch or English, within a platform's length limit.
//! Text that came from people is defused so it can never ping a room (`@everyone`, `@here`).
//!
//! Within the limit, what a person must act on (the question, the action line, the
//! instruction) always stays whole: long lists keep their head and say how many entries were
//! left out, and people's own text is shortened before any of the bot's words are.

use chrono::{DateTime, Datelike, Utc, Weekday};
use chrono_tz::Tz;
use unicode_segmentation::UnicodeSegmentation;

use crate::app::inbox::{EscalationAction, Reply, UserError};
use crate::app::messages::{EscalationSummary, Message};
use crate::domain::intervisie::Phase;
use crate::domain::klik::{KlikValue, SignalSource};
use crate::domain::language::{Language, Localize, Text};
use crate::store::{AuditEntry, EscalationStatus, OpenEscalation, OverviewCounts};

/// Discord's message limit (in characters: Unicode code points); the same budget everywhere.
pub const DEFAULT_MAX_CHARS: usize = 2000;

/// The most of one name a message shows, so names alone can never crowd out the words around.
const NAME_MAX_CHARS: usize = 100;

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

/// A person's name as a message shows it: defused and of bounded length.
fn name(text: &str) -> String {
    fit(defuse_mentions(text), NAME_MAX_CHARS)
}

/// Length as the platforms count it: Unicode code points.
pub fn char_count(text: &str) -> usize {
    text.chars().count()
}

/// The last resort: cuts between graphemes, never inside a " / ", and marks the cut with `…`.
/// The result is at most `max_chars` long.
pub fn fit(text: String, max_chars: usize) -> String {
    if char_count(&text) <= max_chars {
        return text;
    }
    let Some(budget) = max_chars.checked_sub(1) else {
        return String::new();
    };
    let mut cut = String::new();
    let mut used = 0;
    for grapheme in text.graphemes(true) {
        let n = char_count(grapheme);
        if used + n > budget {
            break;
        }
        cut.push_str(grapheme);
        used += n;
    }
    let mut cut = cut.trim_end();
    if let Some(before) = cut.strip_suffix(" /") {
        cut = before.trim_end();
    }
    format!("{cut}…")
}

/// Renders with people's text (`quotes`) shortened, each to the same length, until the whole
/// fits in `max_chars`; the bot's own words, which say what to do, stay whole.
fn shorten_quotes(
    max_chars: usize,
    quotes: &[&str],
    render: impl Fn(&[String]) -> String,
) -> String {
    let whole: Vec<String> = quotes.iter().map(|q| q.to_string()).collect();
    let text = render(&whole);
    if char_count(&text) <= max_chars {
        return text;
    }
    let capped = |cap: usize| -> String {
        let short: Vec<String> = quotes.iter().map(|q| fit(q.to_string(), cap)).collect();
        render(&short)
    };
    // The longest cap that fits: a binary search, as shorter quotes never make a longer text.
    let (mut lo, mut hi) = (0, quotes.iter().map(|q| char_count(q)).max().unwrap_or(0));
    let mut best = None;
    while lo <= hi {
        let mid = lo + (hi - lo) / 2;
        let text = capped(mid);
        if char_count(&text) <= max_chars {
            best = Some(text);
            lo = mid + 1;
        } else if mid == 0 {
            break;
        } else {
            hi = mid - 1;
        }
    }
    best.unwrap_or_else(|| fit(capped(0), max_chars))
}

/// Which optional lines a message keeps when not all fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Keep {
    /// The last ones (the newest); the note about the rest comes before them.
    Newest,
    /// The first ones; the note about the rest comes after them.
    First,
}

/// Lines of a message: `head` and `tail` must stay (the tail holds what a person acts on),
/// `optional` fills what room is left, and `note(n)` says how many optional lines were left out.
fn assemble(
    head: &[String],
    optional: &[String],
    keep: Keep,
    note: impl Fn(usize) -> String,
    tail: &[String],
    max_chars: usize,
) -> String {
    let all: Vec<&str> = head
        .iter()
        .chain(optional)
        .chain(tail)
        .map(String::as_str)
        .collect();
    let text = all.join("\n");
    if char_count(&text) <= max_chars {
        return text;
    }
    // Room for optional lines once the must-keep lines and the longest note are in.
    let fixed: usize = head
        .iter()
        .chain(tail)
        .map(|l| char_count(l) + 1)
        .sum::<usize>()
        + char_count(&note(optional.len()));
    let mut room = max_chars.saturating_sub(fixed);
    let mut kept = 0;
    let order: Box<dyn Iterator<Item = &String>> = match keep {
        Keep::Newest => Box::new(optional.iter().rev()),
        Keep::First => Box::new(optional.iter()),
    };
    for line in order {
        let need = char_count(line) + 1;
        if need > room {
            break;
        }
        room -= need;
        kept += 1;
    }
    let left_out = optional.len() - kept;
    let note_line = (left_out > 0).then(|| note(left_out));
    let middle: Vec<&str> = match keep {
        Keep::Newest => note_line
            .iter()
            .chain(&optional[left_out..])
            .map(String::as_str)
            .collect(),
        Keep::First => optional[..kept]
            .iter()
            .chain(note_line.iter())
            .map(String::as_str)
            .collect(),
    };
    let rest = middle
        .into_iter()
        .chain(tail.iter().map(String::as_str))
        .collect::<Vec<_>>()
        .join("\n");
    let head = head.join("\n");
    let join = |head: &str| match (head.is_empty(), rest.is_empty()) {
        (true, _) => rest.clone(),
        (false, true) => head.to_string(),
        (false, false) => format!("{head}\n{rest}"),
    };
    let text = join(&head);
    if char_count(&text) <= max_chars {
        return text;
    }
    // Even the must-keep lines are too long: shorten the head, keep the tail whole.
    match max_chars.checked_sub(char_count(&rest) + 1) {
        Some(room) if room > 0 => join(&fit(head, room)),
        _ => fit(text, max_chars),
    }
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
    let max = ctx.max_chars;
    let text = match msg {
        Message::Prompt { text, students, .. } => {
            let names: Vec<String> = students.iter().map(|s| name(&s.name)).collect();
            let names = names.join(ctx.pick(" en ", " and "));
            shorten_quotes(max, &[text, &names], |q| {
                let mut out = q[0].clone();
                if !students.is_empty() {
                    out.push_str(&format!(
                        "\n{} {}{}",
                        ctx.pick("Hoe is de klik met", "How is the klik with"),
                        q[1],
                        ctx.pick(
                            "? (goed, twijfel of geen klik)",
                            "? (good, doubt or no klik)"
                        )
                    ));
                }
                out
            })
        }
        Message::Reminder { text } => shorten_quotes(max, &[text], |q| {
            format!(
                "{} {}",
                ctx.pick(
                    "Nog even hierop terugkomen, als je wilt:",
                    "Coming back to this, if you like:"
                ),
                q[0]
            )
        }),
        Message::KlikFollowUp { student } => format!(
            "{} {}{}",
            ctx.pick(
                "Je twijfelt over de klik met",
                "You have doubts about the klik with"
            ),
            name(student),
            ctx.pick(
                ". Wat merk je op dit moment in jullie samenwerking, en wat zou je willen proberen?",
                ". What do you notice in your collaboration right now, and what would you like to try?"
            )
        ),
        Message::Escalation(summary) => escalation(summary, ctx),
        Message::EscalationReminder {
            escalation_id,
            wpb,
            student,
        } => format!(
            "{} #{escalation_id} ({} – {}) {}",
            ctx.pick("Herinnering: escalatie", "Reminder: escalation"),
            name(wpb),
            name(student),
            ctx.pick(
                "is nog niet opgepakt. Wil je laten weten dat je het oppakt?",
                "has not been picked up yet. Would you let us know you are on it?"
            )
        ),
        Message::WpbEscalationNotice { student } => format!(
            "{} {}{}",
            ctx.pick(
                "Dank je voor je eerlijke signalen over de klik met",
                "Thank you for your honest signals about the klik with"
            ),
            name(student),
            ctx.pick(
                ". De schoolopleider neemt contact met je op om samen te kijken wat kan helpen.",
                ". The schoolopleider will reach out to look together at what could help."
            )
        ),
        Message::Unreachable { wpb } => format!(
            "{} {} {}",
            ctx.pick("Wandelgang kan", "Wandelgang cannot reach"),
            name(wpb),
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
            let case = case.as_deref().map(defuse_mentions);
            let quotes: Vec<&str> = case.iter().map(String::as_str).collect();
            shorten_quotes(max, &quotes, |q| {
                let mut out = format!(
                    "Intervisie #{thread} · {}: {}",
                    phase.label(ctx.nl()),
                    phase.purpose(ctx.nl())
                );
                if let Some(case) = q.first() {
                    out.push_str(&format!(
                        "\n{} {}: “{case}”",
                        name(owner),
                        ctx.pick("brengt een casus in", "brings in a case"),
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
            })
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
            format!("Intervisie #{thread} · {}: {body}", phase.label(ctx.nl()))
        }
        Message::IntervisieHint {
            thread,
            suggestion,
            language,
        } => {
            // The suggestion speaks the question's language; the whole message follows it.
            let ctx = RenderContext {
                language: language.unwrap_or(ctx.language),
                ..*ctx
            };
            format!(
                "Intervisie #{thread}: {} {suggestion}",
                ctx.pick("Dank je voor je vraag!", "Thank you for your question!"),
            )
        }
        Message::IntervisiePointer { thread, phase } => {
            format!("Intervisie #{thread}: {}", phase.pointer(ctx.nl()))
        }
        Message::IntervisieCall { team } => {
            let team = name(team);
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
            let takeaway = takeaway.as_deref().map(defuse_mentions);
            let quotes: Vec<&str> = takeaway.iter().map(String::as_str).collect();
            shorten_quotes(max, &quotes, |q| {
                let mut out = format!(
                    "Intervisie #{thread} · {}: ",
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
                match q.first() {
                    Some(t) => out.push_str(&format!(
                        " {} “{t}”",
                        ctx.pick("De inbrenger neemt mee:", "The case owner takes away:"),
                    )),
                    None => out.push_str(ctx.pick(
                        " Er is geen opbrengst opgeschreven.",
                        " No takeaway was written down.",
                    )),
                }
                out.push(' ');
                out.push_str(Phase::Afgesloten.purpose(ctx.nl()));
                out
            })
        }
    };
    fit(text, max)
}

/// Must keep: who, the pattern, the timeline, the next steps and the action line. Left out
/// first: the oldest shared reflections.
fn escalation(s: &EscalationSummary, ctx: &RenderContext) -> String {
    let mut head = vec![
        format!(
            "{} #{}: {} – {} ({})",
            ctx.pick("Escalatie klik", "Klik escalation"),
            s.escalation_id,
            name(&s.wpb),
            name(&s.student),
            name(&s.school)
        ),
        format!(
            "{} {} · {} {}",
            ctx.pick("Koppeling sinds", "Paired since"),
            s.pairing_start.format("%d-%m-%Y"),
            ctx.pick("signalen sinds", "signals since"),
            local_time(s.since, ctx)
        ),
    ];
    let triggers: Vec<String> = s.triggers.iter().map(|t| t.describe(ctx.nl())).collect();
    head.push(format!(
        "{}: {}",
        ctx.pick("Patroon", "Pattern"),
        triggers.join(" ")
    ));
    head.push(ctx.pick("Tijdlijn:", "Timeline:").to_string());
    for e in &s.timeline {
        let who = match e.source {
            SignalSource::Wpb => "wpb",
            SignalSource::Student => "student",
        };
        head.push(format!(
            "  {} · {who} · {}",
            local_time(e.at, ctx),
            klik_label(e.value, ctx)
        ));
    }
    if s.shared_reflections.is_empty() {
        head.push(
            ctx.pick("Gedeelde reflecties: geen", "Shared reflections: none")
                .to_string(),
        );
    } else {
        head.push(
            ctx.pick("Gedeelde reflecties:", "Shared reflections:")
                .to_string(),
        );
    }
    let reflections: Vec<String> = s
        .shared_reflections
        .iter()
        .map(|r| {
            format!(
                "  {} · “{}”",
                local_time(r.at, ctx),
                defuse_mentions(&r.text)
            )
        })
        .collect();
    let tail = [
        ctx.pick(
            "Mogelijke volgende stappen: een informeel gesprek met de wpb; een gesprek met de student; een driegesprek; overweeg overplaatsing.",
            "Possible next steps: an informal talk with the wpb; a talk with the student; a three-way talk; consider moving the student.",
        )
        .to_string(),
        ctx.pick(
            "Acties: ik pak het op · opgelost · overplaatsing",
            "Actions: I'll pick it up · resolved · move",
        )
        .to_string(),
    ];
    assemble(
        &head,
        &reflections,
        Keep::Newest,
        |n| {
            if ctx.nl() {
                format!("  (+{n} eerdere gedeelde reflecties)")
            } else {
                format!("  (+{n} earlier shared reflections)")
            }
        },
        &tail,
        ctx.max_chars,
    )
}

pub fn reply(r: &Reply, ctx: &RenderContext) -> String {
    fit(reply_text(r, ctx), ctx.max_chars)
}

fn reply_text(r: &Reply, ctx: &RenderContext) -> String {
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
            name(with),
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
            name(with),
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
            name(wpb),
            ctx.pick("en", "and"),
            name(student),
            ctx.pick("van", "from"),
            start.format("%d-%m-%Y"),
            ctx.pick("tot en met", "up to and including"),
            end.format("%d-%m-%Y")
        ),
        Reply::Unpaired { wpb, student, end } => format!(
            "{} {} {} {} {} {}.",
            ctx.pick("De koppeling van", "The pairing of"),
            name(wpb),
            ctx.pick("en", "and"),
            name(student),
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
        Reply::AuditLog(entries) => audit_log(entries, ctx),
    }
}

/// The audit log: its head and as many entries as fit, then how many more there are.
fn audit_log(entries: &[AuditEntry], ctx: &RenderContext) -> String {
    let head = [format!(
        "{} ({}):",
        ctx.pick("Auditlog", "Audit log"),
        entries.len()
    )];
    let lines: Vec<String> = entries
        .iter()
        .map(|e| {
            format!(
                "{} · {} · {} · {}",
                local_time(e.at, ctx),
                name(&e.actor),
                e.action,
                name(&e.subject)
            )
        })
        .collect();
    assemble(
        &head,
        &lines,
        Keep::First,
        |n| more(n, ctx),
        &[],
        ctx.max_chars,
    )
}

/// The note under a list that did not fit whole.
fn more(n: usize, ctx: &RenderContext) -> String {
    if ctx.nl() {
        format!("(+{n} meer)")
    } else {
        format!("(+{n} more)")
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
    let head = [ctx
        .pick("Openstaande escalaties:", "Open escalations:")
        .to_string()];
    let lines: Vec<String> = list
        .iter()
        .map(|e| {
            format!(
                "#{} · {} · {} · {} {} {}",
                e.id,
                name(&e.wpb),
                name(&e.student),
                escalation_status(e.status, ctx),
                ctx.pick("sinds", "since"),
                local_time(e.since, ctx)
            )
        })
        .collect();
    assemble(
        &head,
        &lines,
        Keep::First,
        |n| more(n, ctx),
        &[],
        ctx.max_chars,
    )
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

/// A refusal in the user's language only; what a person typed is defused.
pub fn user_error(e: &UserError, ctx: &RenderContext) -> String {
    let text = match e {
        UserError::WhichStudent(names) => {
            let names: Vec<String> = names.iter().map(|n| name(n)).collect();
            let names = names.join(", ");
            shorten_quotes(ctx.max_chars, &[&names], |q| {
                format!(
                    "{} {}",
                    ctx.pick("Voor welke student?", "For which student?"),
                    q[0]
                )
            })
        }
        other => defuse_mentions(other.text().get(ctx.language)),
    };
    fit(text, ctx.max_chars)
}

/// Said when an event could not be handled for a reason of ours (the database was away, say).
pub const FAULT: Text = Text::new(
    "Dat lukte nu niet door een storing; er is niets opgeslagen. Probeer het zo nog eens.",
    "That did not work because of a fault; nothing was saved. Please try again shortly.",
);

pub fn fault(language: Language) -> String {
    FAULT.get(language).to_string()
}
