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
        Reply::PromptQueued { in_place_of } => format!(
            "{} {}",
            ctx.pick(
                "Er komt zo een vraag aan, binnen een halve minuut.",
                "A prompt is on its way, within half a minute."
            ),
            match in_place_of {
                Some(_) => ctx.pick(
                    "Die telt als een van je vragen van deze week.",
                    "It counts as one of this week's prompts."
                ),
                None => ctx.pick(
                    "Die komt bovenop je vragen van deze week.",
                    "It comes on top of this week's prompts."
                ),
            }
        ),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::messages::{SharedReflection, StudentRef, TimelineEntry};
    use crate::app::on_demand::PromptRefusal;
    use crate::domain::addressing::NamingError;
    use crate::domain::authz::Denied;
    use crate::domain::escalation::Trigger;
    use crate::domain::intervisie::RefuseReason;
    use crate::domain::klik::KlikError;
    use crate::domain::language::assert_only;
    use crate::domain::reflection::ReflectionError;
    use crate::domain::roster::{PersonId, Role, RosterConflict, SchoolId};
    use crate::store::{ForgetReport, ImportSummary, RetentionReport};
    use chrono::{NaiveDate, TimeZone};

    const BOTH: [Language; 2] = [Language::Nl, Language::En];

    fn ctx(language: Language, max_chars: usize) -> RenderContext {
        RenderContext {
            language,
            tz: chrono_tz::Europe::Amsterdam,
            max_chars,
        }
    }

    fn at(day: u32, hour: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 10, day, hour, 0, 0).unwrap()
    }

    fn date(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, day).unwrap()
    }

    fn summary(reflections: Vec<SharedReflection>) -> EscalationSummary {
        EscalationSummary {
            escalation_id: 7,
            school: "Lyceum".into(),
            wpb: "Anna".into(),
            student: "Bram".into(),
            pairing_start: date(1),
            since: at(5, 9),
            triggers: vec![
                Trigger::ConsecutiveGeenKlik {
                    source: Some(SignalSource::Wpb),
                },
                Trigger::ConsecutiveGeenKlik {
                    source: Some(SignalSource::Student),
                },
                Trigger::ConsecutiveGeenKlik { source: None },
                Trigger::NegativeMajority { negative: 3, of: 4 },
                Trigger::StudentAndWpb { days: 0 },
                Trigger::StudentAndWpb { days: 1 },
                Trigger::StudentAndWpb { days: 2 },
            ],
            timeline: vec![
                TimelineEntry {
                    at: at(5, 9),
                    source: SignalSource::Wpb,
                    value: KlikValue::Twijfel,
                },
                TimelineEntry {
                    at: at(6, 9),
                    source: SignalSource::Student,
                    value: KlikValue::GeenKlik,
                },
                TimelineEntry {
                    at: at(7, 9),
                    source: SignalSource::Wpb,
                    value: KlikValue::Goed,
                },
            ],
            shared_reflections: reflections,
        }
    }

    fn reflection(day: u32, text: String) -> SharedReflection {
        SharedReflection {
            at: at(day, 10),
            text,
        }
    }

    /// One sample of every message kind (every phase where a phase changes the words).
    fn every_message() -> Vec<Message> {
        let mut all = vec![
            Message::Prompt {
                prompt_id: "p1".into(),
                text: "Q1?".into(),
                students: vec![
                    StudentRef {
                        id: PersonId::from_trusted("s1"),
                        name: "Bram".into(),
                    },
                    StudentRef {
                        id: PersonId::from_trusted("s2"),
                        name: "Sam".into(),
                    },
                ],
            },
            Message::Reminder { text: "Q1?".into() },
            Message::KlikFollowUp {
                student: "Bram".into(),
            },
            Message::Escalation(summary(vec![reflection(6, "X1".into())])),
            Message::Escalation(summary(vec![])),
            Message::EscalationReminder {
                escalation_id: 7,
                wpb: "Anna".into(),
                student: "Bram".into(),
            },
            Message::WpbEscalationNotice {
                student: "Bram".into(),
            },
            Message::Unreachable { wpb: "Anna".into() },
            Message::IntervisieCall {
                team: "Team A".into(),
            },
            // Without the question's language recorded, the recipient's language is used.
            Message::IntervisieHint {
                thread: 3,
                suggestion: "H1".into(),
                language: None,
            },
        ];
        for phase in Phase::ALL {
            all.push(Message::IntervisiePhase {
                thread: 3,
                phase,
                due: at(9, 15),
                case: (phase == Phase::Inbreng).then(|| "C1".into()),
                owner: "Anna".into(),
            });
            for to_owner in [false, true] {
                all.push(Message::IntervisieReminder {
                    thread: 3,
                    phase,
                    to_owner,
                });
            }
            all.push(Message::IntervisiePointer { thread: 3, phase });
        }
        for (takeaway, owner_left) in [(Some("T1".to_string()), false), (None, true)] {
            all.push(Message::IntervisieClosed {
                thread: 3,
                participants: 4,
                posts: 9,
                takeaway,
                owner_left,
            });
        }
        all
    }

    /// Fails to compile when a message kind is added, so `every_message` is kept complete.
    fn message_kind(m: &Message) -> usize {
        match m {
            Message::Prompt { .. } => 0,
            Message::Reminder { .. } => 1,
            Message::KlikFollowUp { .. } => 2,
            Message::Escalation(_) => 3,
            Message::EscalationReminder { .. } => 4,
            Message::WpbEscalationNotice { .. } => 5,
            Message::Unreachable { .. } => 6,
            Message::IntervisiePhase { .. } => 7,
            Message::IntervisieReminder { .. } => 8,
            Message::IntervisieHint { .. } => 9,
            Message::IntervisiePointer { .. } => 10,
            Message::IntervisieCall { .. } => 11,
            Message::IntervisieClosed { .. } => 12,
        }
    }
    const MESSAGE_KINDS: usize = 13;

    fn every_reply() -> Vec<Reply> {
        let mut all = vec![];
        for (linked, shared) in [(true, false), (false, true)] {
            all.push(Reply::ReflectionSaved {
                id: 1,
                linked,
                shared,
            });
        }
        for value in [KlikValue::Goed, KlikValue::Twijfel, KlikValue::GeenKlik] {
            for confidential in [false, true] {
                all.push(Reply::KlikSaved {
                    with: "Bram".into(),
                    value,
                    confidential,
                });
            }
        }
        all.extend([
            Reply::ReflectionShared { id: 1 },
            Reply::Paused { until: date(20) },
            Reply::Resumed,
            Reply::Exported {
                file_name: "x1.json".into(),
                json: "{}".into(),
            },
            Reply::ForgetConfirm {
                reflections: 1,
                signals: 2,
                prompts: 3,
            },
            Reply::Forgotten,
            Reply::IntervisieStarted { thread: 3 },
            Reply::IntervisiePosted,
            Reply::IntervisieTakeawaySaved,
            Reply::Paired {
                wpb: "Anna".into(),
                student: "Bram".into(),
                start: date(1),
                end: date(30),
            },
            Reply::Unpaired {
                wpb: "Anna".into(),
                student: "Bram".into(),
                end: date(30),
            },
            Reply::Escalations(vec![]),
            Reply::Overview {
                weeks: 4,
                counts: OverviewCounts::default(),
            },
            Reply::RosterImported(ImportSummary {
                schools: 1,
                teams: 2,
                people: 3,
                pairings: 4,
            }),
            Reply::PersonExported {
                file_name: "x1.json".into(),
                json: "{}".into(),
            },
            Reply::PersonForgotten(ForgetReport::default()),
            Reply::RetentionDone(RetentionReport::default()),
            Reply::AuditLog(vec![AuditEntry {
                id: 1,
                at: at(5, 9),
                actor: "a1".into(),
                action: "export".into(),
                subject: "s1".into(),
                school: None,
                detail: None,
            }]),
            Reply::PromptQueued {
                in_place_of: Some(at(5, 9)),
            },
            Reply::PromptQueued { in_place_of: None },
        ]);
        for action in [
            EscalationAction::Acknowledge,
            EscalationAction::Resolve,
            EscalationAction::Move,
        ] {
            all.push(Reply::EscalationUpdated { id: 7, action });
        }
        for phase in Phase::ALL {
            all.push(Reply::IntervisieAdvanced { phase });
        }
        for school_default in [false, true] {
            all.push(Reply::RhythmSet {
                per_week: 2,
                school_default,
            });
        }
        for (reminder, changed) in [(true, false), (false, true)] {
            all.push(Reply::SchoolSettings {
                per_week: 2,
                reminder,
                changed,
            });
        }
        for status in [
            EscalationStatus::Open,
            EscalationStatus::Acknowledged,
            EscalationStatus::Resolved,
            EscalationStatus::Moved,
        ] {
            all.push(Reply::Escalations(vec![OpenEscalation {
                id: 7,
                wpb: "Anna".into(),
                student: "Bram".into(),
                status,
                since: at(5, 9),
            }]));
        }
        all
    }

    fn reply_kind(r: &Reply) -> usize {
        match r {
            Reply::ReflectionSaved { .. } => 0,
            Reply::KlikSaved { .. } => 1,
            Reply::ReflectionShared { .. } => 2,
            Reply::Paused { .. } => 3,
            Reply::Resumed => 4,
            Reply::EscalationUpdated { .. } => 5,
            Reply::Exported { .. } => 6,
            Reply::ForgetConfirm { .. } => 7,
            Reply::Forgotten => 8,
            Reply::IntervisieStarted { .. } => 9,
            Reply::IntervisiePosted => 10,
            Reply::IntervisieAdvanced { .. } => 11,
            Reply::IntervisieTakeawaySaved => 12,
            Reply::RhythmSet { .. } => 13,
            Reply::Paired { .. } => 14,
            Reply::Unpaired { .. } => 15,
            Reply::Escalations(_) => 16,
            Reply::Overview { .. } => 17,
            Reply::SchoolSettings { .. } => 18,
            Reply::RosterImported(_) => 19,
            Reply::PersonExported { .. } => 20,
            Reply::PersonForgotten(_) => 21,
            Reply::RetentionDone(_) => 22,
            Reply::AuditLog(_) => 23,
            Reply::PromptQueued { .. } => 24,
        }
    }
    const REPLY_KINDS: usize = 25;

    fn every_user_error() -> Vec<UserError> {
        let mut all = vec![
            UserError::UnknownSender,
            UserError::NoActivePairing,
            UserError::WhichStudent(vec!["Bram".into(), "Sam".into()]),
            UserError::ReflectionNotFound,
            UserError::EscalationNotFound,
            UserError::EscalationClosed,
            UserError::DateInPast,
            UserError::PersonNotFound,
            UserError::NoOpenIntervisie,
            UserError::IntervisieAlreadyOpen,
            UserError::RhythmOutOfRange,
            UserError::NotAPairing,
            UserError::PairingOverlaps,
            UserError::EndBeforeStart,
            UserError::PairingEnded {
                end: NaiveDate::from_ymd_opt(2027, 7, 10).expect("date"),
            },
            UserError::EscalationOfOtherSchool,
            UserError::RosterRefused(vec![RosterConflict::NoSchoolopleider {
                school: SchoolId::parse("x1").expect("id"),
                moved: None,
            }]),
            UserError::Reflection(ReflectionError::Empty),
            UserError::Reflection(ReflectionError::TooLong {
                limit: 280,
                length: 300,
            }),
            UserError::Klik(KlikError::NotYourPairing),
            UserError::Klik(KlikError::PairingInactive),
            UserError::Klik(KlikError::UnknownValue("x1".into())),
            UserError::PromptNow(PromptRefusal::NotAWpb),
            UserError::PromptNow(PromptRefusal::NoChatAddress),
            UserError::PromptNow(PromptRefusal::Paused { until: date(20) }),
            UserError::PromptNow(PromptRefusal::NoSchoolDay),
            UserError::PromptNow(PromptRefusal::AlreadyToday { again: date(6) }),
            UserError::Naming(NamingError::NotInSchool("x1".into())),
            UserError::Naming(NamingError::Ambiguous {
                named: "Sam".into(),
                ids: vec!["s1".into(), "s2".into()],
            }),
            UserError::Naming(NamingError::NoChatAddress {
                name: "Fatima".into(),
            }),
        ];
        for reason in [
            RefuseReason::Closed,
            RefuseReason::NotInTeam,
            RefuseReason::NotCaseOwner,
            RefuseReason::NotTakeawayPhase,
            RefuseReason::EmptyText,
        ] {
            all.push(UserError::Intervisie(reason));
        }
        for denied in [
            Denied::OtherSchool,
            Denied::NotYours,
            Denied::NotYourPairing,
            Denied::NotInTeam,
            Denied::NotCaseOwner,
            Denied::WrongTarget,
        ] {
            all.push(UserError::Denied(denied));
        }
        for meant_for in [
            None,
            Some(Role::Admin),
            Some(Role::Schoolopleider),
            Some(Role::Wpb),
            Some(Role::Student),
        ] {
            all.push(UserError::Denied(Denied::NotForRole { meant_for }));
        }
        all
    }

    /// Every variant, nested ones included, mapped to a distinct number; adding a variant
    /// anywhere stops this compiling until the list above has a sample of it.
    fn user_error_kind(e: &UserError) -> usize {
        match e {
            UserError::UnknownSender => 0,
            UserError::NoActivePairing => 1,
            UserError::WhichStudent(_) => 2,
            UserError::ReflectionNotFound => 3,
            UserError::EscalationNotFound => 4,
            UserError::EscalationClosed => 5,
            UserError::DateInPast => 6,
            UserError::PersonNotFound => 7,
            UserError::NoOpenIntervisie => 8,
            UserError::IntervisieAlreadyOpen => 9,
            UserError::RhythmOutOfRange => 10,
            UserError::NotAPairing => 11,
            UserError::PairingOverlaps => 12,
            UserError::EndBeforeStart => 13,
            UserError::Reflection(ReflectionError::Empty) => 14,
            UserError::Reflection(ReflectionError::TooLong { .. }) => 15,
            UserError::Klik(KlikError::NotYourPairing) => 16,
            UserError::Klik(KlikError::PairingInactive) => 17,
            UserError::Klik(KlikError::UnknownValue(_)) => 18,
            UserError::Intervisie(RefuseReason::Closed) => 19,
            UserError::Intervisie(RefuseReason::NotInTeam) => 20,
            UserError::Intervisie(RefuseReason::NotCaseOwner) => 21,
            UserError::Intervisie(RefuseReason::NotTakeawayPhase) => 22,
            UserError::Intervisie(RefuseReason::EmptyText) => 23,
            UserError::Denied(Denied::OtherSchool) => 24,
            UserError::Denied(Denied::NotYours) => 25,
            UserError::Denied(Denied::NotYourPairing) => 26,
            UserError::Denied(Denied::NotInTeam) => 27,
            UserError::Denied(Denied::NotCaseOwner) => 28,
            UserError::Denied(Denied::WrongTarget) => 29,
            UserError::Denied(Denied::NotForRole { .. }) => 30,
            UserError::PairingEnded { .. } => 31,
            UserError::EscalationOfOtherSchool => 32,
            UserError::RosterRefused(_) => 33,
            UserError::PromptNow(PromptRefusal::NotAWpb) => 34,
            UserError::PromptNow(PromptRefusal::NoChatAddress) => 35,
            UserError::PromptNow(PromptRefusal::Paused { .. }) => 36,
            UserError::PromptNow(PromptRefusal::NoSchoolDay) => 37,
            UserError::PromptNow(PromptRefusal::AlreadyToday { .. }) => 38,
            UserError::Naming(NamingError::NotInSchool(_)) => 39,
            UserError::Naming(NamingError::Ambiguous { .. }) => 40,
            UserError::Naming(NamingError::NoChatAddress { .. }) => 41,
        }
    }
    const USER_ERROR_KINDS: usize = 42;

    fn covers<T>(samples: &[T], kind: impl Fn(&T) -> usize, kinds: usize) {
        let mut seen = vec![false; kinds];
        for s in samples {
            seen[kind(s)] = true;
        }
        let missing: Vec<usize> = (0..kinds).filter(|k| !seen[*k]).collect();
        assert!(missing.is_empty(), "no sample for kind(s) {missing:?}");
    }

    #[test]
    fn every_message_reply_and_refusal_is_in_one_language_only() {
        let (messages, replies, errors) = (every_message(), every_reply(), every_user_error());
        covers(&messages, message_kind, MESSAGE_KINDS);
        covers(&replies, reply_kind, REPLY_KINDS);
        covers(&errors, user_error_kind, USER_ERROR_KINDS);
        for language in BOTH {
            let c = ctx(language, DEFAULT_MAX_CHARS);
            for m in &messages {
                assert_only(language, &message(m, &c));
            }
            for r in &replies {
                assert_only(language, &reply(r, &c));
            }
            for e in &errors {
                assert_only(language, &user_error(e, &c));
            }
            assert_only(language, &fault(language));
        }
    }

    #[test]
    fn a_hint_is_wholly_in_the_language_of_the_question() {
        for (recipient, question) in [(Language::Nl, Language::En), (Language::En, Language::Nl)] {
            let text = message(
                &Message::IntervisieHint {
                    thread: 3,
                    suggestion: "H1".into(),
                    language: Some(question),
                },
                &ctx(recipient, DEFAULT_MAX_CHARS),
            );
            assert_only(question, &text);
        }
    }

    /// Outbox rows written before the hint's language was recorded still read and render.
    #[test]
    fn an_older_hint_row_renders_in_the_recipients_language() {
        let old: Message =
            serde_json::from_str(r#"{"type":"intervisie_hint","thread":3,"suggestion":"H1"}"#)
                .unwrap();
        assert!(matches!(
            old,
            Message::IntervisieHint { language: None, .. }
        ));
        let text = message(&old, &ctx(Language::En, DEFAULT_MAX_CHARS));
        assert_eq!(text, "Intervisie #3: Thank you for your question! H1");
    }

    /// What people typed can hold " / " and `@everyone`; a refusal shows it whole and defused.
    #[test]
    fn a_refusal_quoting_what_was_typed_is_never_split() {
        let e = UserError::Klik(KlikError::UnknownValue("goed / @everyone".into()));
        let nl = user_error(&e, &ctx(Language::Nl, DEFAULT_MAX_CHARS));
        let en = user_error(&e, &ctx(Language::En, DEFAULT_MAX_CHARS));
        assert_eq!(
            nl,
            "Onbekende klik `goed / @\u{200B}everyone`: kies goed, twijfel of geen klik."
        );
        assert_eq!(
            en,
            "Unknown klik `goed / @\u{200B}everyone`: choose good, doubt or no click."
        );
    }

    fn long_reflections(n: u32) -> Vec<SharedReflection> {
        (0..n)
            .map(|i| reflection(1 + i % 28, format!("r{i:02} {}", "x".repeat(270))))
            .collect()
    }

    fn action_line(language: Language) -> &'static str {
        match language {
            Language::Nl => "Acties: ik pak het op · opgelost · overplaatsing",
            Language::En => "Actions: I'll pick it up · resolved · move",
        }
    }

    /// Small, exactly at the limit, one past it and far past it: the header, pattern, timeline,
    /// next steps and action line stay; the oldest shared reflections go, and the note says so.
    #[test]
    fn an_escalation_keeps_what_to_act_on_and_drops_the_oldest_reflections() {
        for language in BOTH {
            let c = ctx(language, DEFAULT_MAX_CHARS);
            let without = message(&Message::Escalation(summary(vec![])), &c);
            let one = message(
                &Message::Escalation(summary(vec![reflection(6, "a".into())])),
                &c,
            );
            // Pad the single reflection so the whole message is exactly at the limit.
            let pad = DEFAULT_MAX_CHARS - char_count(&one);
            let exact = summary(vec![
                reflection(2, format!("older{}", "o".repeat(95))),
                reflection(6, format!("a{}", "b".repeat(pad - 140))),
            ]);
            let mut exact_len = char_count(&message(&Message::Escalation(exact.clone()), &c));
            let mut exact = exact;
            // Adjust to land exactly on the limit whatever the date line's length.
            while exact_len != DEFAULT_MAX_CHARS {
                let r = &mut exact.shared_reflections[1].text;
                if exact_len < DEFAULT_MAX_CHARS {
                    r.push('b');
                } else {
                    r.pop();
                }
                exact_len = char_count(&message(&Message::Escalation(exact.clone()), &c));
            }
            let mut past = exact.clone();
            past.shared_reflections[1].text.push('b');
            let far = summary(long_reflections(40));
            let note = |n: usize| match language {
                Language::Nl => format!("(+{n} eerdere gedeelde reflecties)"),
                Language::En => format!("(+{n} earlier shared reflections)"),
            };
            let cases: [(&str, EscalationSummary, Option<usize>); 4] = [
                ("small", summary(vec![reflection(6, "a".into())]), None),
                ("exact", exact, None),
                ("one past", past, Some(1)),
                ("far past", far, Some(0)),
            ];
            for (name, s, dropped) in cases {
                let text = message(&Message::Escalation(s.clone()), &c);
                assert!(
                    char_count(&text) <= DEFAULT_MAX_CHARS,
                    "{name}: {}",
                    char_count(&text)
                );
                // Everything of the message without reflections is there, line for line.
                for line in without.lines() {
                    if !line.contains(":") || !line.starts_with(['G', 'S']) {
                        assert!(text.contains(line), "{name}: lost `{line}`");
                    }
                }
                assert!(text.ends_with(action_line(language)), "{name}: {text}");
                let newest = s.shared_reflections.last().unwrap();
                match dropped {
                    None => {
                        assert!(!text.contains("(+"), "{name}");
                        for r in &s.shared_reflections {
                            assert!(text.contains(&r.text), "{name}");
                        }
                    }
                    Some(expected) => {
                        assert!(text.contains(&newest.text), "{name}: newest kept");
                        assert!(!text.contains(&s.shared_reflections[0].text), "{name}");
                        let shown = s
                            .shared_reflections
                            .iter()
                            .filter(|r| text.contains(&r.text))
                            .count();
                        let left_out = s.shared_reflections.len() - shown;
                        assert!(left_out >= expected.max(1));
                        assert!(text.contains(&note(left_out)), "{name}: {text}");
                    }
                }
            }
            // Far past: kept reflections stay in order, oldest first, right after the note.
            let text = message(&Message::Escalation(summary(long_reflections(40))), &c);
            let positions: Vec<usize> = (0..40)
                .filter_map(|i| text.find(&format!("r{i:02} ")))
                .collect();
            assert!(positions.len() >= 2 && positions.windows(2).all(|w| w[0] < w[1]));
            assert!(text.contains("r39 "), "the newest stays");
        }
    }

    #[test]
    fn an_escalation_with_huge_names_still_keeps_its_action_line() {
        let mut s = summary(long_reflections(5));
        s.wpb = "W".repeat(5000);
        s.student = "S".repeat(5000);
        s.school = "L".repeat(5000);
        for language in BOTH {
            for max in [DEFAULT_MAX_CHARS, 600] {
                let text = message(&Message::Escalation(s.clone()), &ctx(language, max));
                assert!(char_count(&text) <= max, "{max}: {}", char_count(&text));
                assert!(text.ends_with(action_line(language)), "{text}");
            }
        }
    }

    fn open_escalation(id: i64) -> OpenEscalation {
        OpenEscalation {
            id,
            wpb: format!("Anna {id}"),
            student: format!("Bram {id}"),
            status: EscalationStatus::Open,
            since: at(5, 9),
        }
    }

    /// Lists keep their head and as many entries as fit, then say how many more there are.
    #[test]
    fn lists_keep_their_head_and_say_how_many_more() {
        for language in BOTH {
            for max in [DEFAULT_MAX_CHARS, 300] {
                let c = ctx(language, max);
                let (head, more) = match language {
                    Language::Nl => ("Openstaande escalaties:", "meer)"),
                    Language::En => ("Open escalations:", "more)"),
                };
                let line_len =
                    char_count(&reply(&Reply::Escalations(vec![open_escalation(10)]), &c))
                        - char_count(head)
                        - 1;
                let fitting = (max - char_count(head)) / (line_len + 1);
                for (name, n, cut) in [
                    ("small", 2, false),
                    ("at the limit", fitting, false),
                    ("far past", 500, true),
                ] {
                    let list: Vec<OpenEscalation> =
                        (10..10 + n as i64).map(open_escalation).collect();
                    let text = reply(&Reply::Escalations(list), &c);
                    assert!(char_count(&text) <= max, "{name}: {}", char_count(&text));
                    assert!(text.starts_with(head), "{name}");
                    assert!(text.contains("#10 "), "{name}: the first entry stays");
                    assert_eq!(text.ends_with(more), cut, "{name}: {text}");
                    if cut {
                        let shown = text.lines().count() - 2;
                        assert!(text.ends_with(&format!("+{} {more}", n - shown)), "{text}");
                    }
                }

                let entries: Vec<AuditEntry> = (0..500)
                    .map(|i| AuditEntry {
                        id: i,
                        at: at(5, 9),
                        actor: format!("a{i}"),
                        action: "export".into(),
                        subject: format!("s{i}"),
                        school: None,
                        detail: None,
                    })
                    .collect();
                let text = reply(&Reply::AuditLog(entries), &c);
                assert!(char_count(&text) <= max);
                assert!(text.starts_with(match language {
                    Language::Nl => "Auditlog (500):",
                    Language::En => "Audit log (500):",
                }));
                assert!(text.ends_with(more), "{text}");
            }
        }
    }

    /// People's text in an intervisie message is shortened; the instruction never is.
    #[test]
    fn intervisie_messages_shorten_peoples_text_never_the_instruction() {
        for language in BOTH {
            for case_len in [10, 1500, 1950, 100_000] {
                let c = ctx(language, DEFAULT_MAX_CHARS);
                let phase = message(
                    &Message::IntervisiePhase {
                        thread: 3,
                        phase: Phase::Inbreng,
                        due: at(9, 15),
                        case: Some("c".repeat(case_len)),
                        owner: "Anna".into(),
                    },
                    &c,
                );
                assert!(char_count(&phase) <= DEFAULT_MAX_CHARS, "{case_len}");
                let instruction = match language {
                    Language::Nl => "Je kunt hier reageren tot ongeveer",
                    Language::En => "You can reply here until about",
                };
                let last = phase.lines().last().unwrap();
                assert!(
                    last.starts_with(instruction) && last.ends_with("17:00."),
                    "{phase}"
                );
                assert!(phase.contains(Phase::Inbreng.purpose(language == Language::Nl)));

                let closed = message(
                    &Message::IntervisieClosed {
                        thread: 3,
                        participants: 4,
                        posts: 9,
                        takeaway: Some("t".repeat(case_len)),
                        owner_left: true,
                    },
                    &c,
                );
                assert!(char_count(&closed) <= DEFAULT_MAX_CHARS, "{case_len}");
                assert!(
                    closed.ends_with(Phase::Afgesloten.purpose(language == Language::Nl)),
                    "{closed}"
                );
                assert!(closed.contains("4 "), "{closed}");
                if case_len <= 1500 {
                    assert!(phase.contains(&"c".repeat(case_len)), "short enough: whole");
                    assert!(closed.contains(&"t".repeat(case_len)));
                } else {
                    assert!(phase.contains("c…”"), "{phase}");
                    assert!(closed.contains("t…”"), "{closed}");
                }
            }
        }
    }

    #[test]
    fn a_prompt_to_a_wpb_with_many_students_keeps_the_klik_question() {
        let students: Vec<StudentRef> = (0..60)
            .map(|i| StudentRef {
                id: PersonId::from_trusted(format!("s{i}")),
                name: format!("Student-{i}-{}", "n".repeat(40)),
            })
            .collect();
        for language in BOTH {
            let text = message(
                &Message::Prompt {
                    prompt_id: "p1".into(),
                    text: "Q1?".into(),
                    students: students.clone(),
                },
                &ctx(language, DEFAULT_MAX_CHARS),
            );
            assert!(char_count(&text) <= DEFAULT_MAX_CHARS);
            assert!(text.starts_with("Q1?\n"), "{text}");
            assert!(text.ends_with(match language {
                Language::Nl => "? (goed, twijfel of geen klik)",
                Language::En => "? (good, doubt or no klik)",
            }));
        }
    }

    #[test]
    fn which_student_with_many_names_stays_within_the_limit() {
        let names: Vec<String> = (0..400).map(|i| format!("Student {i}")).collect();
        for language in BOTH {
            let text = user_error(
                &UserError::WhichStudent(names.clone()),
                &ctx(language, DEFAULT_MAX_CHARS),
            );
            assert!(char_count(&text) <= DEFAULT_MAX_CHARS);
            assert!(text.starts_with(match language {
                Language::Nl => "Voor welke student? Student 0, ",
                Language::En => "For which student? Student 0, ",
            }));
        }
    }

    #[test]
    fn every_rendering_stays_within_the_limit_at_any_budget() {
        let mut messages = every_message();
        messages.push(Message::Escalation(summary(long_reflections(30))));
        for language in BOTH {
            for max in [120, 500, DEFAULT_MAX_CHARS] {
                let c = ctx(language, max);
                for m in &messages {
                    assert!(char_count(&message(m, &c)) <= max, "{m:?}");
                }
                for r in every_reply() {
                    assert!(char_count(&reply(&r, &c)) <= max, "{r:?}");
                }
            }
        }
    }

    #[test]
    fn fit_never_breaks_a_grapheme_or_a_separator() {
        // A family emoji is one grapheme of seven code points; an accent may be a second one.
        let family = "👨\u{200D}👩\u{200D}👧\u{200D}👦";
        let text = format!("ab{family}cd");
        for max in 3..=10 {
            let cut = fit(text.clone(), max);
            assert!(char_count(&cut) <= max, "{max}: {cut}");
            assert!(cut == text || cut == "ab…" || cut.starts_with(&format!("ab{family}")));
        }
        assert_eq!(fit("cafe\u{301}!".into(), 5), "caf…");
        assert_eq!(fit("cafe\u{301}!".into(), 6), "cafe\u{301}!");
        for max in 3..=9 {
            let cut = fit("een / two words".into(), max);
            let kept = cut.trim_end_matches('…');
            assert!(!kept.ends_with([' ', '/']), "{max}: `{cut}`");
        }
        assert_eq!(fit("een / two".into(), 6), "een…");
        assert_eq!(fit("abc".into(), 0), "");
        assert_eq!(fit("abc".into(), 1), "…");
        assert_eq!(fit("abc".into(), 3), "abc");
    }
}
