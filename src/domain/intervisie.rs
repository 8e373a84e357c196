//! Asynchronous intervisie (incident method) as a durable state machine.
//!
//! A thread in the team channel moves through [`Phase`]s: a wpb brings in a case, the team
//! asks open clarifying questions, then shares experiences and advice, the case owner writes
//! what they take away, and the thread closes with a short summary. A [`Thread`] is plain data
//! (serialisable, so the store can persist it and a restart loses nothing); [`Thread::apply`]
//! turns an [`Event`] into [`Effect`]s for the app to render and send.
//!
//! Time is counted in school days through an injected [`AddSchoolDays`] function, so this
//! module does not depend on the calendar type. Pure: no clock, no storage, no chat types.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::language::{Language, Localize, Text};
use super::roster::{PersonId, TeamId};

/// Adds `n` school days to an instant (in the app: `SchoolCalendar::add_school_days`).
pub type AddSchoolDays<'a> = &'a dyn Fn(DateTime<Utc>, u32) -> DateTime<Utc>;

/// The phases of one intervisie thread, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// The case owner brings in the case.
    Inbreng,
    /// Open clarifying questions only.
    Vragen,
    /// Experiences and advice.
    Ervaringen,
    /// The case owner writes what they take away.
    Opbrengst,
    Afgesloten,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Inbreng,
        Phase::Vragen,
        Phase::Ervaringen,
        Phase::Opbrengst,
        Phase::Afgesloten,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Inbreng => "inbreng",
            Phase::Vragen => "vragen",
            Phase::Ervaringen => "ervaringen",
            Phase::Opbrengst => "opbrengst",
            Phase::Afgesloten => "afgesloten",
        }
    }

    /// Accepts the stored names and the English labels.
    pub fn parse(s: &str) -> Option<Phase> {
        match s.trim().to_lowercase().as_str() {
            "inbreng" | "case" => Some(Phase::Inbreng),
            "vragen" | "questions" => Some(Phase::Vragen),
            "ervaringen" | "experiences" => Some(Phase::Ervaringen),
            "opbrengst" | "takeaway" => Some(Phase::Opbrengst),
            "afgesloten" | "closed" => Some(Phase::Afgesloten),
            _ => None,
        }
    }

    pub fn label(self, dutch: bool) -> &'static str {
        match (self, dutch) {
            (Phase::Inbreng, true) => "Inbreng",
            (Phase::Inbreng, false) => "Case",
            (Phase::Vragen, true) => "Vragen",
            (Phase::Vragen, false) => "Questions",
            (Phase::Ervaringen, true) => "Ervaringen en advies",
            (Phase::Ervaringen, false) => "Experiences and advice",
            (Phase::Opbrengst, true) => "Opbrengst",
            (Phase::Opbrengst, false) => "Takeaway",
            (Phase::Afgesloten, true) => "Afgesloten",
            (Phase::Afgesloten, false) => "Closed",
        }
    }

    /// One short sentence for the message that opens the phase.
    pub fn purpose(self, dutch: bool) -> &'static str {
        match (self, dutch) {
            (Phase::Inbreng, true) => "De inbrenger vertelt over de casus; de rest leest mee.",
            (Phase::Inbreng, false) => "The case owner describes the case; the others read along.",
            (Phase::Vragen, true) => {
                "Stel open vragen om de casus beter te begrijpen; advies komt straks."
            }
            (Phase::Vragen, false) => {
                "Ask open questions to understand the case better; advice comes later."
            }
            (Phase::Ervaringen, true) => "Deel je eigen ervaringen en je advies.",
            (Phase::Ervaringen, false) => "Share your own experiences and your advice.",
            (Phase::Opbrengst, true) => "De inbrenger schrijft op wat hij of zij meeneemt.",
            (Phase::Opbrengst, false) => "The case owner writes down what they take away.",
            (Phase::Afgesloten, true) => "Dank je wel allemaal, deze intervisie is afgerond.",
            (Phase::Afgesloten, false) => "Thank you all, this intervisie is finished.",
        }
    }

    /// A gentle pointer for a post outside this phase's purpose (the post stays).
    pub fn pointer(self, dutch: bool) -> &'static str {
        match (self, dutch) {
            (Phase::Inbreng, true) => "Fijn dat je meeleest! Straks is er ruimte voor je vragen.",
            (Phase::Inbreng, false) => {
                "Glad you're reading along! There will be room for your questions next."
            }
            (Phase::Vragen, true) => {
                "Dank je! Bewaar je advies voor de volgende fase; nu zijn open vragen welkom."
            }
            (Phase::Vragen, false) => {
                "Thank you! Keep your advice for the next phase; open questions are welcome now."
            }
            (Phase::Opbrengst, true) => {
                "Dank je! Deze fase is voor de inbrenger; je reactie blijft gewoon staan."
            }
            (Phase::Opbrengst, false) => {
                "Thank you! This phase is for the case owner; your reply simply stays."
            }
            (_, true) => "Dank je voor je bijdrage!",
            (_, false) => "Thank you for your contribution!",
        }
    }

    /// The phase after this one; `None` after [`Phase::Afgesloten`].
    pub fn next(self) -> Option<Phase> {
        match self {
            Phase::Inbreng => Some(Phase::Vragen),
            Phase::Vragen => Some(Phase::Ervaringen),
            Phase::Ervaringen => Some(Phase::Opbrengst),
            Phase::Opbrengst => Some(Phase::Afgesloten),
            Phase::Afgesloten => None,
        }
    }
}

/// What stands in for a forgotten person in a thread: as case owner, as a post's author and
/// as the text of their case and posts. Never a valid person id (ids hold no parentheses),
/// so nobody can act as it.
pub const FORGOTTEN: &str = "(verwijderd)";

/// [`FORGOTTEN`] as a person id.
pub fn forgotten_id() -> PersonId {
    PersonId::from_trusted(FORGOTTEN)
}

/// A team's intervisie settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct IntervisieSettings {
    /// School days for Inbreng, Vragen, Ervaringen and Opbrengst.
    pub phase_school_days: [u32; 4],
    /// How often the bot asks the team who brings in a case; `None` = never.
    pub every_weeks: Option<u32>,
}

impl Default for IntervisieSettings {
    fn default() -> Self {
        Self {
            phase_school_days: [1, 2, 2, 1],
            every_weeks: Some(2),
        }
    }
}

/// Why intervisie settings were refused. Dutch first, then English.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SettingsError {
    PhaseDays { phase: Phase, days: u32 },
    EveryWeeks(u32),
}

impl Localize for SettingsError {
    fn text(&self) -> Text {
        match self {
            SettingsError::PhaseDays { phase, days } => Text::owned(
                format!(
                    "de fase {} kan 1 tot 10 schooldagen duren (nu {days})",
                    phase.label(true)
                ),
                format!(
                    "the phase {} can last 1 to 10 school days (now {days})",
                    phase.label(false)
                ),
            ),
            SettingsError::EveryWeeks(n) => Text::owned(
                format!("om de {n} weken kan niet, kies 1 tot 12 of zet het uit"),
                format!("every {n} weeks is not possible, choose 1 to 12 or turn it off"),
            ),
        }
    }
}

/// Both languages, for logs and the configuration check.
impl std::fmt::Display for SettingsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.text())
    }
}

impl std::error::Error for SettingsError {}

impl IntervisieSettings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        for (phase, days) in Phase::ALL.into_iter().zip(self.phase_school_days) {
            if !(1..=10).contains(&days) {
                return Err(SettingsError::PhaseDays { phase, days });
            }
        }
        match self.every_weeks {
            Some(w) if !(1..=12).contains(&w) => Err(SettingsError::EveryWeeks(w)),
            _ => Ok(()),
        }
    }

    /// School days a phase lasts (at least 1, even with unvalidated settings).
    pub fn days_for(&self, phase: Phase) -> u32 {
        let i = match phase {
            Phase::Inbreng => 0,
            Phase::Vragen => 1,
            Phase::Ervaringen => 2,
            Phase::Opbrengst => 3,
            Phase::Afgesloten => return 0,
        };
        self.phase_school_days[i].max(1)
    }

    /// Whether the team schedule should ask who brings in a case now, given the last call.
    pub fn call_is_due(&self, last_call: Option<DateTime<Utc>>, now: DateTime<Utc>) -> bool {
        match (self.every_weeks, last_call) {
            (None, _) => false,
            (Some(_), None) => true,
            (Some(w), Some(last)) => now >= last + TimeDelta::weeks(i64::from(w.max(1))),
        }
    }
}

/// What a recorded post was, given who wrote it and in which phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PostKind {
    /// The case owner adds to the case (Inbreng).
    Case,
    /// An open question (Vragen).
    Question,
    /// A closed or suggestive question: it counts, with a hint (Vragen).
    HintedQuestion,
    /// The case owner answers or reacts (Vragen, Ervaringen).
    Answer,
    /// An experience or advice (Ervaringen).
    Experience,
    /// The case owner's takeaway (Opbrengst).
    Takeaway,
    /// Outside the phase's purpose: kept, with a pointer.
    OffPhase,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    pub author: PersonId,
    pub phase: Phase,
    pub at: DateTime<Utc>,
    pub kind: PostKind,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CloseReason {
    /// All phases done (or the case owner moved on from Opbrengst).
    Completed,
    /// The case owner left the team.
    OwnerLeft,
}

/// Why an action was not taken. Dutch first, then English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefuseReason {
    Closed,
    NotInTeam,
    NotCaseOwner,
    NotTakeawayPhase,
    EmptyText,
}

impl Localize for RefuseReason {
    fn text(&self) -> Text {
        match self {
            RefuseReason::Closed => Text::new(
                "Deze intervisie is al afgerond; je kunt een nieuwe starten.",
                "This intervisie has finished; you can start a new one.",
            ),
            RefuseReason::NotInTeam => Text::new(
                "Deze intervisie is van een ander team.",
                "This intervisie belongs to another team.",
            ),
            RefuseReason::NotCaseOwner => Text::new(
                "Alleen de inbrenger kan de intervisie verder zetten of afronden.",
                "Only the case owner can move the intervisie on or finish it.",
            ),
            RefuseReason::NotTakeawayPhase => Text::new(
                "Wat je meeneemt kun je in de fase Opbrengst schrijven.",
                "You can write your takeaway in the Takeaway phase.",
            ),
            RefuseReason::EmptyText => Text::new("Je tekst is leeg.", "Your text is empty."),
        }
    }
}

/// Both languages, for logs; a person sees [`Localize::text`] in their own language.
impl std::fmt::Display for RefuseReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.text())
    }
}

impl std::error::Error for RefuseReason {}

/// The short summary when a thread closes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Distinct authors, the case owner included.
    pub participants: usize,
    pub posts: usize,
    pub takeaway: Option<String>,
    pub reason: CloseReason,
}

/// Something that happened to a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    Post {
        author: PersonId,
        text: String,
        at: DateTime<Utc>,
        author_in_team: bool,
    },
    /// Move on to the next phase now (only the case owner).
    Advance {
        by: PersonId,
        at: DateTime<Utc>,
    },
    /// The case owner's takeaway, replacing an earlier one (only in Opbrengst).
    Takeaway {
        by: PersonId,
        text: String,
        at: DateTime<Utc>,
    },
    /// Time passed.
    Tick {
        now: DateTime<Utc>,
    },
    OwnerLeftTeam {
        at: DateTime<Utc>,
    },
}

/// What the app should render and send.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "effect", rename_all = "snake_case")]
pub enum Effect {
    AnnouncePhase {
        phase: Phase,
        due: DateTime<Utc>,
    },
    /// `to: None` = the team.
    Remind {
        phase: Phase,
        to: Option<PersonId>,
    },
    QuestionHint {
        to: PersonId,
        suggestion: String,
        /// The language of the question, which the suggestion is written in.
        language: Language,
    },
    /// A gentle pointer; the post is recorded all the same.
    OffPhasePointer {
        to: PersonId,
        phase: Phase,
    },
    Refused {
        to: PersonId,
        reason: RefuseReason,
    },
    Closed(Summary),
}

/// One intervisie thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    pub id: i64,
    pub team: TeamId,
    /// [`FORGOTTEN`] once the case owner has been forgotten.
    pub case_owner: PersonId,
    pub case: String,
    pub phase: Phase,
    pub phase_started: DateTime<Utc>,
    pub phase_due: DateTime<Utc>,
    /// The one reminder of this phase has been sent.
    pub reminded: bool,
    pub posts: Vec<Post>,
    pub takeaway: Option<String>,
    pub closed_reason: Option<CloseReason>,
}

impl Thread {
    /// Starts a thread in Inbreng. The case text may come from one of the owner's reflections.
    pub fn open(
        id: i64,
        team: TeamId,
        case_owner: PersonId,
        case_text: &str,
        now: DateTime<Utc>,
        settings: &IntervisieSettings,
        add_days: AddSchoolDays<'_>,
    ) -> (Thread, Vec<Effect>) {
        let due = add_days(now, settings.days_for(Phase::Inbreng));
        let thread = Thread {
            id,
            team,
            case_owner,
            case: case_text.trim().to_string(),
            phase: Phase::Inbreng,
            phase_started: now,
            phase_due: due,
            reminded: false,
            posts: Vec::new(),
            takeaway: None,
            closed_reason: None,
        };
        let effects = vec![Effect::AnnouncePhase {
            phase: Phase::Inbreng,
            due,
        }];
        (thread, effects)
    }

    pub fn is_closed(&self) -> bool {
        self.phase == Phase::Afgesloten
    }

    pub fn summary(&self) -> Summary {
        let mut authors: Vec<&PersonId> = self.posts.iter().map(|p| &p.author).collect();
        authors.push(&self.case_owner);
        authors.sort();
        authors.dedup();
        Summary {
            participants: authors.len(),
            posts: self.posts.len(),
            takeaway: self.takeaway.clone(),
            reason: self.closed_reason.unwrap_or(CloseReason::Completed),
        }
    }

    pub fn apply(
        &mut self,
        event: Event,
        settings: &IntervisieSettings,
        add_days: AddSchoolDays<'_>,
    ) -> Vec<Effect> {
        match event {
            Event::Post {
                author,
                text,
                at,
                author_in_team,
            } => self.post(author, text, at, author_in_team),
            Event::Advance { by, at } => {
                if let Some(reason) = self.owner_action_refused(&by) {
                    return vec![Effect::Refused { to: by, reason }];
                }
                self.advance(at, settings, add_days)
            }
            Event::Takeaway { by, text, at } => {
                if let Some(reason) = self.owner_action_refused(&by) {
                    return vec![Effect::Refused { to: by, reason }];
                }
                let reason = if self.phase != Phase::Opbrengst {
                    RefuseReason::NotTakeawayPhase
                } else if text.trim().is_empty() {
                    RefuseReason::EmptyText
                } else {
                    self.takeaway = Some(text.trim().to_string());
                    self.record(by, text, at, PostKind::Takeaway);
                    return Vec::new();
                };
                vec![Effect::Refused { to: by, reason }]
            }
            Event::Tick { now } => self.tick(now, settings, add_days),
            Event::OwnerLeftTeam { at } => {
                if self.is_closed() {
                    return Vec::new();
                }
                vec![self.close(CloseReason::OwnerLeft, at)]
            }
        }
    }

    fn owner_action_refused(&self, by: &PersonId) -> Option<RefuseReason> {
        if self.is_closed() {
            Some(RefuseReason::Closed)
        } else if *by != self.case_owner || self.owner_forgotten() {
            Some(RefuseReason::NotCaseOwner)
        } else {
            None
        }
    }

    fn post(
        &mut self,
        author: PersonId,
        text: String,
        at: DateTime<Utc>,
        author_in_team: bool,
    ) -> Vec<Effect> {
        let refuse = if self.is_closed() {
            Some(RefuseReason::Closed)
        } else if !author_in_team {
            Some(RefuseReason::NotInTeam)
        } else {
            None
        };
        if let Some(reason) = refuse {
            return vec![Effect::Refused { to: author, reason }];
        }
        let owner = author == self.case_owner;
        let mut effects = Vec::new();
        let kind = match (self.phase, owner) {
            (Phase::Inbreng, true) => PostKind::Case,
            (Phase::Vragen | Phase::Ervaringen, true) => PostKind::Answer,
            (Phase::Opbrengst, true) => {
                let piece = text.trim();
                self.takeaway = match self.takeaway.take() {
                    Some(before) if !piece.is_empty() => Some(format!("{before}\n{piece}")),
                    None if !piece.is_empty() => Some(piece.to_string()),
                    kept => kept,
                };
                PostKind::Takeaway
            }
            (Phase::Vragen, false) if is_question(&text) => match hint(&text) {
                Some((suggestion, language)) => {
                    effects.push(Effect::QuestionHint {
                        to: author.clone(),
                        suggestion: suggestion.to_string(),
                        language,
                    });
                    PostKind::HintedQuestion
                }
                None => PostKind::Question,
            },
            (Phase::Ervaringen, false) => PostKind::Experience,
            (phase, _) => {
                effects.push(Effect::OffPhasePointer {
                    to: author.clone(),
                    phase,
                });
                PostKind::OffPhase
            }
        };
        self.record(author, text, at, kind);
        effects
    }

    fn record(&mut self, author: PersonId, text: String, at: DateTime<Utc>, kind: PostKind) {
        self.posts.push(Post {
            author,
            phase: self.phase,
            at,
            kind,
            text,
        });
    }

    fn tick(
        &mut self,
        now: DateTime<Utc>,
        settings: &IntervisieSettings,
        add_days: AddSchoolDays<'_>,
    ) -> Vec<Effect> {
        if self.is_closed() || now < self.phase_due {
            return Vec::new();
        }
        if !self.reminded {
            let to = match self.phase {
                Phase::Vragen | Phase::Ervaringen if !self.others_posted_in_phase() => Some(None),
                Phase::Opbrengst if self.takeaway.is_none() => Some(Some(self.case_owner.clone())),
                _ => None,
            };
            if let Some(to) = to {
                self.reminded = true;
                self.phase_due = add_days(now, 1);
                return vec![Effect::Remind {
                    phase: self.phase,
                    to,
                }];
            }
        }
        self.advance(now, settings, add_days)
    }

    fn others_posted_in_phase(&self) -> bool {
        self.posts
            .iter()
            .any(|p| p.phase == self.phase && p.author != self.case_owner)
    }

    fn advance(
        &mut self,
        at: DateTime<Utc>,
        settings: &IntervisieSettings,
        add_days: AddSchoolDays<'_>,
    ) -> Vec<Effect> {
        match self.phase.next() {
            None | Some(Phase::Afgesloten) => vec![self.close(CloseReason::Completed, at)],
            Some(next) => {
                let due = add_days(at, settings.days_for(next));
                self.phase = next;
                self.phase_started = at;
                self.phase_due = due;
                self.reminded = false;
                vec![Effect::AnnouncePhase { phase: next, due }]
            }
        }
    }

    /// Whether the person who brought in the case has been forgotten.
    pub fn owner_forgotten(&self) -> bool {
        self.case_owner.as_str() == FORGOTTEN
    }

    /// Takes a forgotten person out of the thread and keeps its structure: their posts stay
    /// as placeholders without author or text, everyone else's posts stay theirs. If they
    /// brought in the case, the case and takeaway go too and an open thread becomes due at
    /// `at`, so the next tick closes it as if its owner left the team (without naming them).
    /// Returns whether anything changed.
    pub fn forget(&mut self, who: &PersonId, at: DateTime<Utc>) -> bool {
        let mut changed = false;
        for post in self.posts.iter_mut().filter(|p| p.author == *who) {
            post.author = forgotten_id();
            post.text = FORGOTTEN.to_string();
            changed = true;
        }
        if self.case_owner == *who {
            self.case_owner = forgotten_id();
            self.case = FORGOTTEN.to_string();
            self.takeaway = None;
            if !self.is_closed() {
                self.phase_due = at;
            }
            changed = true;
        }
        changed
    }

    fn close(&mut self, reason: CloseReason, at: DateTime<Utc>) -> Effect {
        self.phase = Phase::Afgesloten;
        self.phase_started = at;
        self.phase_due = at;
        self.reminded = false;
        self.closed_reason = Some(reason);
        Effect::Closed(self.summary())
    }
}

const NL_CLOSED: &[&str] = &[
    "heb je", "heb jij", "heeft u", "ben je", "ben jij", "bent u", "kun je", "kun jij", "kunt u",
    "kan je", "kan jij", "wil je", "wil jij", "wilt u", "weet je", "vond je", "was je", "is het",
];
const NL_SUGGESTIVE: &[&str] = &[
    "zou je niet",
    "zou jij niet",
    "had je niet",
    "waarom niet",
    "waarom heb je niet",
    "is het niet",
    "vind je niet",
    "moet je niet",
    "denk je niet",
];
const EN_CLOSED: &[&str] = &[
    "did you",
    "didn't you",
    "have you",
    "haven't you",
    "are you",
    "aren't you",
    "do you",
    "can you",
    "could you",
    "is it",
    "was it",
    "were you",
];
const EN_SUGGESTIVE: &[&str] = &[
    "why didn't you",
    "why don't you",
    "why not",
    "shouldn't you",
    "wouldn't it",
    "don't you think",
    "isn't it",
];
/// Word stems that, after "kun je …" / "can you …", make a polite open request
/// ("Kun je vertellen wat …?", "Could you describe …?").
const TELL_STEMS: &[&str] = &[
    "vertel",
    "beschrijf",
    "beschrijv",
    "uitleg",
    "toelicht",
    "tell",
    "describe",
    "explain",
    "walk",
];
const QUESTION_WORDS: &[&str] = &[
    "wat", "hoe", "waarom", "waardoor", "welke", "welk", "wanneer", "wie", "waar", "waarover",
    "vertel", "what", "how", "why", "which", "when", "who", "where", "tell me",
];

const NL_CLOSED_HINT: &str = "Misschien kun je het open vragen: begin met ‘wat’, ‘hoe’ of ‘waardoor’, bijvoorbeeld ‘Wat maakte dat je …?’";
const NL_SUGGESTIVE_HINT: &str = "Er zit misschien al een advies in je vraag; dat krijgt straks een plek. Nu kun je open vragen, bijvoorbeeld ‘Wat heb je al geprobeerd?’";
const EN_CLOSED_HINT: &str =
    "You could ask it openly: start with ‘what’, ‘how’ or ‘what made’, e.g. ‘What made you …?’";
const EN_SUGGESTIVE_HINT: &str = "There may be some advice in your question; it gets its own place soon. For now you could ask openly, e.g. ‘What have you tried so far?’";

/// Lowercased, trimmed, leading quotes/markers removed, curly apostrophes made straight.
fn normalise(text: &str) -> String {
    text.trim()
        .trim_start_matches(['"', '\'', '‘', '“', '>', '-', '*', ' '])
        .to_lowercase()
        .replace('’', "'")
}

/// `s` starts with `prefix` as whole words.
fn opens_with(s: &str, prefix: &str) -> bool {
    s.strip_prefix(prefix)
        .is_some_and(|rest| !rest.starts_with(|c: char| c.is_alphanumeric() || c == '\''))
}

/// A kind suggestion for a closed or suggestive question, in the question's language;
/// `None` for open questions (and for anything that does not open like a closed question).
pub fn question_hint(text: &str) -> Option<String> {
    hint(text).map(|(suggestion, _)| suggestion.to_string())
}

/// The suggestion for a question and the language it is written in.
fn hint(text: &str) -> Option<(&'static str, Language)> {
    let s = normalise(text);
    let any = |list: &[&str]| list.iter().any(|p| opens_with(&s, p));
    let words: Vec<&str> = s
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\''))
        .collect();
    // "Waarom heb je dat niet …", "Why did you not …": a why-question carrying a negation.
    let dutch_why = opens_with(&s, "waarom") && words.contains(&"niet");
    let english_why =
        opens_with(&s, "why") && words.iter().any(|w| *w == "not" || w.ends_with("n't"));
    let hint = if any(NL_SUGGESTIVE) || dutch_why {
        (NL_SUGGESTIVE_HINT, Language::Nl)
    } else if any(EN_SUGGESTIVE) || english_why {
        (EN_SUGGESTIVE_HINT, Language::En)
    } else if any(NL_CLOSED) {
        (NL_CLOSED_HINT, Language::Nl)
    } else if any(EN_CLOSED) {
        (EN_CLOSED_HINT, Language::En)
    } else {
        return None;
    };
    let ability = ["kun", "kunt", "kan", "can you", "could you"]
        .iter()
        .any(|p| opens_with(&s, p));
    let tells = words
        .iter()
        .any(|w| TELL_STEMS.iter().any(|stem| w.starts_with(stem)));
    if ability && tells {
        return None;
    }
    Some(hint)
}

/// Ends with a question mark, or (without closing `.`/`!`) opens like a question.
fn is_question(text: &str) -> bool {
    let t = text.trim();
    if t.ends_with(['?', '？']) {
        return true;
    }
    if t.ends_with(['.', '!']) {
        return false;
    }
    let s = normalise(t);
    QUESTION_WORDS.iter().any(|w| opens_with(&s, w)) || question_hint(t).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, TimeZone, Weekday};

    const S: IntervisieSettings = IntervisieSettings {
        phase_school_days: [1, 2, 2, 1],
        every_weeks: Some(2),
    };

    /// A Monday.
    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0).unwrap()
    }
    fn h(hours: i64) -> DateTime<Utc> {
        t0() + TimeDelta::hours(hours)
    }
    fn plus_days(t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        t + TimeDelta::hours(24 * i64::from(n))
    }
    fn weekdays_only(mut t: DateTime<Utc>, n: u32) -> DateTime<Utc> {
        for _ in 0..n {
            t += TimeDelta::days(1);
            while matches!(t.weekday(), Weekday::Sat | Weekday::Sun) {
                t += TimeDelta::days(1);
            }
        }
        t
    }
    fn p(s: &str) -> PersonId {
        PersonId::from_trusted(s)
    }
    fn open_at(at: DateTime<Utc>, s: &IntervisieSettings, add: AddSchoolDays<'_>) -> Thread {
        let team = TeamId::from_trusted("zorg");
        Thread::open(7, team, p("owner"), " Mijn casus. ", at, s, add).0
    }

    /// Steps separated by `;`: `tick H`, `post WHO H TEXT`, `adv WHO H`, `take WHO H TEXT`,
    /// `left H` (H = hours after t0); `@V`, `@E`, `@O` reach Vragen, Ervaringen, Opbrengst.
    /// The author `outsider` is not in the team.
    fn events(script: &str) -> Vec<Event> {
        let hours = |s: &str| h(s.parse().unwrap());
        let script = script
            .replace("@O", OPB)
            .replace("@E", ERV)
            .replace("@V", VRAGEN);
        let mut out = Vec::new();
        for step in script.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let w: Vec<&str> = step.splitn(4, ' ').collect();
            let text = w.get(3).copied().unwrap_or("").to_string();
            out.push(match w[0] {
                "tick" => Event::Tick { now: hours(w[1]) },
                "left" => Event::OwnerLeftTeam { at: hours(w[1]) },
                "adv" => Event::Advance {
                    by: p(w[1]),
                    at: hours(w[2]),
                },
                "take" => Event::Takeaway {
                    by: p(w[1]),
                    text,
                    at: hours(w[2]),
                },
                "post" => Event::Post {
                    author: p(w[1]),
                    author_in_team: w[1] != "outsider",
                    text,
                    at: hours(w[2]),
                },
                other => panic!("bad step {other}"),
            });
        }
        out
    }

    /// Compact rendering of effects for the tables.
    fn show(effects: &[Effect]) -> String {
        let hours = |t: DateTime<Utc>| (t - t0()).num_hours();
        let one = |e: &Effect| match e {
            Effect::AnnouncePhase { phase, due } => format!("announce {phase:?} {}", hours(*due)),
            Effect::Remind { phase, to: None } => format!("remind {phase:?} team"),
            Effect::Remind {
                phase,
                to: Some(to),
            } => format!("remind {phase:?} {to}"),
            Effect::QuestionHint { to, .. } => format!("hint {to}"),
            Effect::OffPhasePointer { to, phase } => format!("pointer {to} {phase:?}"),
            Effect::Refused { to, reason } => format!("refused {to} {reason:?}"),
            Effect::Closed(s) => format!(
                "closed {}p {}posts {:?} {:?}",
                s.participants, s.posts, s.takeaway, s.reason
            ),
        };
        effects.iter().map(one).collect::<Vec<_>>().join(", ")
    }

    /// Applies the script to a fresh thread; returns it, the last event's effects and the
    /// number of posts before that event.
    fn run(script: &str) -> (Thread, Vec<Effect>, usize) {
        let mut th = open_at(t0(), &S, &plus_days);
        let (mut last, mut before) = (Vec::new(), 0);
        for e in events(script) {
            before = th.posts.len();
            last = th.apply(e, &S, &plus_days);
        }
        (th, last, before)
    }

    // Default days with plus_days: Inbreng due 24, Vragen 72, Ervaringen 120, Opbrengst 144.
    const VRAGEN: &str = "tick 24";
    const ERV: &str = "tick 24; post anna 30 Wat deed je toen?; tick 72";
    const OPB: &str =
        "tick 24; post anna 30 Wat deed je toen?; tick 72; post bo 80 Ik herken dit.; tick 120";

    #[test]
    fn open_starts_in_inbreng() {
        let team = TeamId::from_trusted("zorg");
        let (th, fx) = Thread::open(1, team, p("owner"), " Een reflectie ", t0(), &S, &plus_days);
        assert_eq!(
            (th.phase, th.case.as_str()),
            (Phase::Inbreng, "Een reflectie")
        );
        assert_eq!((th.phase_started, th.phase_due), (t0(), h(24)));
        assert!(!th.reminded && th.posts.is_empty() && th.takeaway.is_none());
        assert_eq!(th.closed_reason, None);
        assert_eq!(
            fx,
            vec![Effect::AnnouncePhase {
                phase: Phase::Inbreng,
                due: h(24)
            }]
        );
    }

    #[test]
    fn transitions_table() {
        // "script => phase afterwards | effects of the last event"
        let cases = [
            "tick 23 => Inbreng | ",
            "@V => Vragen | announce Vragen 72",
            "@E => Ervaringen | announce Ervaringen 120",
            "@O => Opbrengst | announce Opbrengst 144",
            // Nobody asks: one reminder, then on at the next due, still silent.
            "@V; tick 72 => Vragen | remind Vragen team",
            "@V; post owner 40 Nog iets.; tick 72 => Vragen | remind Vragen team",
            "@V; tick 72; tick 95 => Vragen | ",
            "@V; tick 72; tick 96 => Ervaringen | announce Ervaringen 144",
            "@V; tick 72; post anna 80 Hoe?; tick 96 => Ervaringen | announce Ervaringen 144",
            "@E; tick 120 => Ervaringen | remind Ervaringen team",
            // After downtime: one phase per tick, and the reminder still leaves a school day.
            "tick 500 => Vragen | announce Vragen 548",
            "@V; tick 100 => Vragen | remind Vragen team",
            "@V; tick 100; tick 110 => Vragen | ",
            "@V; tick 100; tick 124 => Ervaringen | announce Ervaringen 172",
            "@E; tick 120; tick 144 => Opbrengst | announce Opbrengst 168",
            // Opbrengst: with a takeaway, or one reminder to the owner without.
            r#"@O; take owner 130 Ik vraag door.; tick 144 => Afgesloten | closed 3p 3posts Some("Ik vraag door.") Completed"#,
            "@O; tick 144 => Opbrengst | remind Opbrengst owner",
            "@O; tick 144; tick 167 => Opbrengst | ",
            "@O; tick 144; tick 168 => Afgesloten | closed 3p 2posts None Completed",
            // The case owner moves on early; nobody else can.
            "adv owner 2 => Vragen | announce Vragen 50",
            "@V; adv owner 30 => Ervaringen | announce Ervaringen 78",
            "@E; adv owner 75 => Opbrengst | announce Opbrengst 99",
            "@O; adv owner 121 => Afgesloten | closed 3p 2posts None Completed",
            "adv anna 2 => Inbreng | refused anna NotCaseOwner",
            "@V; adv anna 30 => Vragen | refused anna NotCaseOwner",
            "@E; adv bo 75 => Ervaringen | refused bo NotCaseOwner",
            "@O; adv bo 121 => Opbrengst | refused bo NotCaseOwner",
            "@O; take anna 121 x => Opbrengst | refused anna NotCaseOwner",
            "@E; take owner 75 x => Ervaringen | refused owner NotTakeawayPhase",
            "@O; take owner 121 => Opbrengst | refused owner EmptyText",
            // The case owner leaves the team.
            "left 3 => Afgesloten | closed 1p 0posts None OwnerLeft",
            "@V; post anna 30 Wat?; left 31 => Afgesloten | closed 2p 1posts None OwnerLeft",
            "@E; left 73 => Afgesloten | closed 2p 1posts None OwnerLeft",
            "@O; left 121 => Afgesloten | closed 3p 2posts None OwnerLeft",
            // After close.
            "left 3; left 4 => Afgesloten | ",
            "left 3; post anna 4 Wat? => Afgesloten | refused anna Closed",
            "left 3; adv owner 4 => Afgesloten | refused owner Closed",
            "left 3; take owner 4 x => Afgesloten | refused owner Closed",
            "left 3; tick 500 => Afgesloten | ",
            "@O; tick 144; tick 168; post anna 170 Wat? => Afgesloten | refused anna Closed",
        ];
        for case in cases {
            let (script, want) = case.split_once(" => ").unwrap();
            let (th, fx, _) = run(script);
            assert_eq!(format!("{:?} | {}", th.phase, show(&fx)), want, "{script}");
            assert_eq!(th.is_closed(), th.closed_reason.is_some(), "{script}");
        }
    }

    #[test]
    fn post_purpose_per_phase() {
        // "script whose last step is the post => kind recorded (- = none) | effects"
        let cases = [
            "post owner 1 Nog een detail. => Case | ",
            "post anna 1 Wat deed je? => OffPhase | pointer anna Inbreng",
            "@V; post anna 30 Wat maakte dat je twijfelde? => Question | ",
            "@V; post anna 30 hoe reageerde ze => Question | ",
            "@V; post anna 30 Heb je al met haar gepraat? => HintedQuestion | hint anna",
            "@V; post bo 30 Why not just ask her? => HintedQuestion | hint bo",
            "@V; post anna 30 Ik zou gewoon bellen. => OffPhase | pointer anna Vragen",
            "@V; post owner 30 Ja, vorige week. => Answer | ",
            "@E; post anna 80 Ik deed ooit hetzelfde. => Experience | ",
            "@E; post anna 80 Heb je X geprobeerd? => Experience | ",
            "@E; post owner 80 Dank jullie! => Answer | ",
            "@O; post anna 130 Succes! => OffPhase | pointer anna Opbrengst",
            "@O; post owner 130 Ik neem mee: vragen. => Takeaway | ",
            "@V; post outsider 30 Wat deed je? => - | refused outsider NotInTeam",
            "left 1; post anna 2 Wat deed je? => - | refused anna Closed",
            "left 1; post outsider 2 Wat? => - | refused outsider Closed",
        ];
        for case in cases {
            let (script, want) = case.split_once(" => ").unwrap();
            let (th, fx, before) = run(script);
            let recorded = th.posts.get(before);
            let kind = recorded.map_or("-".to_string(), |p| format!("{:?}", p.kind));
            assert_eq!(format!("{kind} | {}", show(&fx)), want, "{script}");
            let Some(Event::Post {
                author, text, at, ..
            }) = events(script).pop()
            else {
                panic!("{script}: the last step is not a post");
            };
            if let Some(Effect::QuestionHint { suggestion, .. }) = fx.first() {
                assert_eq!(Some(suggestion), question_hint(&text).as_ref(), "{script}");
            }
            if let Some(post) = recorded {
                assert_eq!((&post.author, &post.text, post.at), (&author, &text, at));
                assert_eq!(post.phase, th.phase, "{script}");
            }
        }
    }

    #[test]
    fn forget_keeps_the_thread_and_everyone_elses_posts() {
        // A colleague is forgotten: their post becomes a placeholder, the rest is untouched.
        let (mut th, _, _) =
            run("tick 24; post anna 30 Wat deed je toen?; post bo 31 Hoe voelde dat?");
        let before = th.clone();
        assert!(th.forget(&p("anna"), h(40)));
        assert_eq!(th.posts.len(), 2);
        assert_eq!(
            (th.posts[0].author.as_str(), th.posts[0].text.as_str()),
            (FORGOTTEN, FORGOTTEN)
        );
        assert_eq!(
            (th.posts[0].phase, th.posts[0].kind),
            (before.posts[0].phase, before.posts[0].kind)
        );
        assert_eq!(th.posts[1], before.posts[1]);
        assert_eq!(
            (th.case_owner.as_str(), th.case.as_str(), th.phase_due),
            ("owner", "Mijn casus.", before.phase_due)
        );
        assert!(!th.forget(&p("anna"), h(41)), "nothing of anna is left");

        // The case owner is forgotten: case, takeaway and their posts go, the thread is due
        // now, and the next tick closes it as the owner having left, without their takeaway.
        let (mut th, _, _) = run("@O; post owner 121 Ik neem mee dat ik doorvraag.");
        assert!(th.takeaway.is_some());
        assert!(th.forget(&p("owner"), h(125)));
        assert!(th.owner_forgotten());
        assert_eq!(
            (th.case.as_str(), th.takeaway.as_deref(), th.phase_due),
            (FORGOTTEN, None, h(125))
        );
        assert!(th.posts.iter().all(|p| p.author.as_str() != "owner"));
        assert_eq!(
            th.posts
                .iter()
                .filter(|p| p.author.as_str() == FORGOTTEN)
                .count(),
            1
        );
        assert!(
            th.posts
                .iter()
                .any(|p| p.author.as_str() == "anna" && p.text == "Wat deed je toen?")
        );
        // The owner is no one, so nobody can act as the owner.
        let fx = th.apply(
            Event::Advance {
                by: forgotten_id(),
                at: h(126),
            },
            &S,
            &plus_days,
        );
        assert!(
            matches!(
                fx[..],
                [Effect::Refused {
                    reason: RefuseReason::NotCaseOwner,
                    ..
                }]
            ),
            "{fx:?}"
        );
        assert!(PersonId::parse(FORGOTTEN).is_err());
        let fx = th.apply(Event::OwnerLeftTeam { at: h(126) }, &S, &plus_days);
        let [Effect::Closed(summary)] = &fx[..] else {
            panic!("{fx:?}")
        };
        assert_eq!(
            (summary.reason, summary.takeaway.as_deref()),
            (CloseReason::OwnerLeft, None)
        );
    }

    #[test]
    fn owner_posts_in_opbrengst_build_the_takeaway_and_the_summary_counts() {
        let (th, fx, _) = run(
            "post owner 1 Aanvulling.; tick 24; post anna 30 Wat maakte dat?; \
             post bo 31 Heb je het gevraagd?; post owner 32 Nee.; tick 72; \
             post anna 80 Ik herken het.; post outsider 81 Hallo; tick 120; \
             post owner 121 Ik ga open vragen stellen.; post owner 122 En ik plan een gesprek.; \
             post cas 123 Mooi!; tick 144",
        );
        let takeaway = "Ik ga open vragen stellen.\nEn ik plan een gesprek.";
        assert_eq!(th.takeaway.as_deref(), Some(takeaway));
        // owner, anna, bo and cas; the outsider's post is not recorded.
        let want = Summary {
            participants: 4,
            posts: 8,
            takeaway: Some(takeaway.to_string()),
            reason: CloseReason::Completed,
        };
        assert_eq!(fx, vec![Effect::Closed(want.clone())]);
        assert_eq!(th.summary(), want);
        // An explicit takeaway replaces what the posts built up.
        let (th, _, _) = run("@O; post owner 121 Eerste.; take owner 122 Beter.");
        assert_eq!(th.takeaway.as_deref(), Some("Beter."));
    }

    #[test]
    fn restart_mid_phase_gives_the_same_outcome() {
        let events = events(
            "post owner 1 Meer context.; tick 24; post anna 30 Heb je het gevraagd?; tick 72; \
             tick 73; post bo 80 Ik deed het zo.; adv anna 81; tick 120; post anna 121 Succes!; \
             tick 144; take owner 150 Ik vraag meer door.; tick 168; post anna 169 Nog iets?",
        );
        for cut in 0..=events.len() {
            let mut plain = open_at(t0(), &S, &plus_days);
            let mut restored = plain.clone();
            let (mut fx_plain, mut fx_restored) = (Vec::new(), Vec::new());
            for (i, e) in events.iter().enumerate() {
                if i == cut {
                    let json = serde_json::to_string(&restored).unwrap();
                    restored = serde_json::from_str(&json).unwrap();
                }
                fx_plain.push(plain.apply(e.clone(), &S, &plus_days));
                fx_restored.push(restored.apply(e.clone(), &S, &plus_days));
            }
            assert_eq!(plain, restored, "cut at {cut}");
            assert_eq!(fx_plain, fx_restored, "cut at {cut}");
            assert!(plain.is_closed());
        }
        let json = serde_json::to_value(open_at(t0(), &S, &plus_days)).unwrap();
        assert_eq!(
            (json["phase"].as_str(), json["id"].as_i64()),
            (Some("inbreng"), Some(7))
        );
    }

    #[test]
    fn phase_days_move_due_dates() {
        let s = IntervisieSettings {
            phase_school_days: [2, 1, 1, 1],
            ..S
        };
        let mut th = open_at(t0(), &s, &plus_days);
        let mut dues = vec![th.phase_due];
        for e in events("adv owner 48; adv owner 50; adv owner 51") {
            th.apply(e, &s, &plus_days);
            dues.push(th.phase_due);
        }
        assert_eq!(dues, [h(48), h(72), h(74), h(75)]);

        // Weekends skipped, opened on Thursday 5 March with the default days.
        let day = |d: u32| Utc.with_ymd_and_hms(2026, 3, d, 9, 0, 0).unwrap();
        let mut th = open_at(day(5), &S, &weekdays_only);
        let mut seen = vec![(th.phase, th.reminded, th.phase_due)];
        for d in [6, 10, 11, 13, 16] {
            th.apply(Event::Tick { now: day(d) }, &S, &weekdays_only);
            seen.push((th.phase, th.reminded, th.phase_due));
        }
        use Phase::*;
        let want = [
            (Inbreng, false, day(5 + 1)), // Friday
            (Vragen, false, day(10)),     // Tuesday, over the weekend
            (Vragen, true, day(11)),      // silent: reminder, one school day more
            (Ervaringen, false, day(13)), // Friday
            (Ervaringen, true, day(16)),  // silent: reminder, Monday
            (Opbrengst, false, day(17)),  // Tuesday
        ];
        assert_eq!(seen, want);
    }

    #[test]
    fn question_hint_table() {
        // o = open (None); nc/ns = Dutch closed/suggestive; ec/es = English closed/suggestive.
        let cases = [
            ("Wat maakte dat je dat zo deed?", "o"),
            ("Hoe heb je dat aangepakt?", "o"),
            ("Waardoor koos je daarvoor?", "o"),
            ("Welke reactie kreeg je?", "o"),
            ("Wanneer merkte je het voor het eerst?", "o"),
            ("Wat heb je al geprobeerd?", "o"),
            ("Kun je vertellen wat er gebeurde?", "o"),
            ("Hebben we tijd?", "o"),
            ("Heb je al met haar gepraat?", "nc"),
            ("  heb JE al gevraagd?", "nc"),
            ("Ben je daar tevreden over?", "nc"),
            ("Kan je dat niet laten?", "nc"),
            ("Kun jij haar meer ruimte geven?", "nc"),
            ("Kun je daar grenzen stellen?", "nc"),
            ("Kunt u dat toelichten?", "o"),
            ("Wil je dat nog eens doen?", "nc"),
            ("“Heb je de opleider gebeld?”", "nc"),
            ("Waarom niet gewoon een gesprek?", "ns"),
            ("Waarom heb je niet eerder ingegrepen?", "ns"),
            ("Waarom heb je dat niet gezegd?", "ns"),
            ("Waarom deed je dat niet?", "ns"),
            ("Waarom koos je daarvoor?", "o"),
            ("Zou je niet beter eerst luisteren?", "ns"),
            ("Had je niet eerder kunnen ingrijpen?", "ns"),
            ("Is het niet beter om te wachten?", "ns"),
            ("Vind je niet dat ze te weinig doet?", "ns"),
            ("Moet je niet strenger zijn?", "ns"),
            ("Denk je niet dat het aan de klik ligt?", "ns"),
            ("What made you choose that?", "o"),
            ("How did she respond?", "o"),
            ("Which moment stood out?", "o"),
            ("When did you notice?", "o"),
            ("Tell me more about the lesson.", "o"),
            ("Could you describe the moment?", "o"),
            ("Doing fine?", "o"),
            ("Did you talk to her?", "ec"),
            ("Didn't you talk to her first?", "ec"),
            ("Didn’t you see it coming?", "ec"),
            ("Have you tried a three-way talk?", "ec"),
            ("Are you happy with it?", "ec"),
            ("Do you plan lessons together?", "ec"),
            ("Can you give her more room?", "ec"),
            ("Why didn't you step in?", "es"),
            ("Why not just ask her?", "es"),
            ("Why did you not tell her?", "es"),
            ("Why did you choose that?", "o"),
            ("Shouldn't you be stricter?", "es"),
            ("Wouldn't it help to wait?", "es"),
            ("Don't you think she needs room?", "es"),
            ("Isn't it too early?", "es"),
        ];
        for (text, want) in cases {
            let got = match question_hint(text).as_deref() {
                None => "o",
                Some(NL_CLOSED_HINT) => "nc",
                Some(NL_SUGGESTIVE_HINT) => "ns",
                Some(EN_CLOSED_HINT) => "ec",
                Some(EN_SUGGESTIVE_HINT) => "es",
                Some(other) => panic!("unknown hint {other}"),
            };
            assert_eq!(got, want, "{text}");
        }
    }

    #[test]
    fn is_question_table() {
        let cases = [
            ("Wat deed je?", true),
            ("  hoe ging dat  ", true),
            ("Heb je het gevraagd", true),
            ("Tell me more", true),
            ("Ik snap het. Wat deed je toen?", true),
            ("Wat ik deed was praten.", false),
            ("Wat deed je? Ik zou zelf bellen.", false),
            ("Ik zou bellen", false),
            ("Watergeven helpt", false),
            ("", false),
        ];
        for (text, want) in cases {
            assert_eq!(is_question(text), want, "{text:?}");
        }
    }

    #[test]
    fn settings_defaults_validation_and_schedule() {
        assert_eq!(IntervisieSettings::default(), S);
        assert_eq!(S.validate(), Ok(()));
        let bad = [
            ([0, 2, 2, 1], Some(2), "Inbreng"),
            ([1, 11, 2, 1], Some(2), "Vragen"),
            ([1, 2, 2, 0], None, "Opbrengst"),
            ([1, 2, 2, 1], Some(0), "om de 0 weken"),
            ([1, 2, 2, 1], Some(13), "every 13 weeks"),
        ];
        for (days, every, mentions) in bad {
            let s = IntervisieSettings {
                phase_school_days: days,
                every_weeks: every,
            };
            let err = s.validate().expect_err(mentions).to_string();
            assert!(err.contains(mentions) && err.contains(" / "), "{err}");
        }
        let off = IntervisieSettings {
            every_weeks: None,
            ..S
        };
        assert_eq!(off.validate(), Ok(()));
        let parsed: IntervisieSettings = serde_json::from_str(r#"{"every_weeks":null}"#).unwrap();
        assert_eq!(parsed, off);
        let zero = IntervisieSettings {
            phase_school_days: [0; 4],
            ..S
        };
        assert_eq!(
            (zero.days_for(Phase::Vragen), S.days_for(Phase::Ervaringen)),
            (1, 2)
        );

        let calls = [
            (S, None, 0, true),
            (S, Some(0), 24 * 13, false),
            (S, Some(0), 24 * 14, true),
            (off, None, 0, false),
            (off, Some(0), 24 * 100, false),
        ];
        for (s, last, now, want) in calls {
            assert_eq!(
                s.call_is_due(last.map(h), h(now)),
                want,
                "{s:?} {last:?} {now}"
            );
        }
    }

    #[test]
    fn phases_round_trip_and_read_kindly() {
        let mut chain = vec![Phase::Inbreng];
        while let Some(next) = chain.last().and_then(|p| p.next()) {
            chain.push(next);
        }
        assert_eq!(chain, Phase::ALL);
        for phase in Phase::ALL {
            assert_eq!(Phase::parse(phase.as_str()), Some(phase));
            let json = serde_json::to_string(&phase).unwrap();
            assert_eq!(json, format!("\"{}\"", phase.as_str()));
            for dutch in [true, false] {
                assert!(!phase.label(dutch).is_empty() && phase.purpose(dutch).ends_with('.'));
            }
        }
        assert_eq!(Phase::parse(" Experiences "), Some(Phase::Ervaringen));
        assert_eq!(Phase::parse("Takeaway"), Some(Phase::Opbrengst));
        assert_eq!(Phase::parse("nope"), None);
    }

    #[test]
    fn dutch_texts_are_warm_and_messages_bilingual() {
        use RefuseReason::*;
        let mut dutch: Vec<String> = Phase::ALL
            .iter()
            .flat_map(|p| [p.purpose(true), p.pointer(true)])
            .chain([NL_CLOSED_HINT, NL_SUGGESTIVE_HINT])
            .map(str::to_string)
            .collect();
        for r in [Closed, NotInTeam, NotCaseOwner, NotTakeawayPhase, EmptyText] {
            let msg = r.to_string();
            assert!(msg.contains(" / "), "{msg}");
            dutch.push(msg);
        }
        for text in dutch {
            assert!(!text.to_lowercase().contains("moet"), "{text}");
        }
    }
}
