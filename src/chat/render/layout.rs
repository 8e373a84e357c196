//! Fitting text into a platform's length limit: what a person acts on stays whole, people's
//! own text and the oldest list entries give way first.

use unicode_segmentation::UnicodeSegmentation;

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
pub(super) fn shorten_quotes(
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
pub(super) enum Keep {
    /// The last ones (the newest); the note about the rest comes before them.
    Newest,
    /// The first ones; the note about the rest comes after them.
    First,
}

/// Lines of a message: `head` and `tail` must stay (the tail holds what a person acts on),
/// `optional` fills what room is left, and `note(n)` says how many optional lines were left out.
pub(super) fn assemble(
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
