//! Choosing replacements and rewriting text with them.
//!
//! [`Labeller`] hands out labels by category ("[Person A]", "[Place B]",
//! "[email]") so that the same original gets the same label everywhere.
//! [`rewrite`] builds the new text from non-overlapping replacements and an
//! [`OffsetMap`] that moves old code-point positions to new ones.
//! [`Scrubber`] replaces originals inside any string (names, descriptions,
//! logged changes, JSON). None of it knows where texts are stored.

use std::collections::{HashMap, HashSet};

use regex::Regex;

use crate::detect::{normalise, phrase_regex, Category};

/// The fixed label of a category that is not lettered.
pub fn fixed_label(category: Category) -> Option<&'static str> {
    match category {
        Category::Person | Category::Place => None,
        Category::Email => Some("[email]"),
        Category::Phone => Some("[phone]"),
        Category::NhsNumber => Some("[NHS number]"),
        Category::Postcode => Some("[postcode]"),
        Category::DateOfBirth => Some("[date of birth]"),
    }
}

/// "A", "B", … "Z", "AA", "AB", … for 0, 1, … 25, 26, 27, ….
pub fn letters(mut n: usize) -> String {
    let mut out = Vec::new();
    loop {
        out.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    out.reverse();
    String::from_utf8(out).expect("ASCII letters")
}

/// Why a replacement label cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LabelError {
    #[error("the replacement for '{original}' is empty; give a label such as \"[Person A]\"")]
    Empty { original: String },
    #[error("the replacement '{label}' contains the original '{original}' it is meant to hide; choose a label without it")]
    ContainsOriginal { label: String, original: String },
    #[error("the replacement '{label}' is longer than {max} characters; use a short label")]
    TooLong { label: String, max: usize },
    #[error("the replacement '{label}' contains a line break or control character; use a one-line label")]
    Control { label: String },
}

/// Longest accepted label, in code points.
pub const MAX_LABEL_CHARS: usize = 60;

/// Checks a researcher's label for an original.
pub fn check_label(original: &str, label: &str) -> Result<String, LabelError> {
    let label = label.trim();
    if label.is_empty() {
        return Err(LabelError::Empty {
            original: original.to_string(),
        });
    }
    if label.chars().any(char::is_control) {
        return Err(LabelError::Control {
            label: label.to_string(),
        });
    }
    if label.chars().count() > MAX_LABEL_CHARS {
        return Err(LabelError::TooLong {
            label: label.to_string(),
            max: MAX_LABEL_CHARS,
        });
    }
    let hides = phrase_regex(std::iter::once(original)).is_some_and(|re| re.is_match(label));
    if hides {
        return Err(LabelError::ContainsOriginal {
            label: label.to_string(),
            original: original.to_string(),
        });
    }
    Ok(label.to_string())
}

/// Hands out replacement labels: an original's key keeps its label, a new
/// person or place gets the next free letter of its category.
#[derive(Debug, Clone, Default)]
pub struct Labeller {
    /// Original key → label.
    chosen: HashMap<String, String>,
    /// Labels in use (lower case), so a new letter never repeats one.
    taken: HashSet<String>,
    next: HashMap<Category, usize>,
}

impl Labeller {
    /// A labeller that knows the labels already given (`key → label`) and
    /// other labels in use (e.g. those recorded in the project).
    pub fn new<'a>(
        known: impl IntoIterator<Item = (&'a str, &'a str)>,
        in_use: impl IntoIterator<Item = &'a str>,
    ) -> Labeller {
        let mut l = Labeller::default();
        for (key, label) in known {
            l.chosen.insert(normalise(key), label.to_string());
            l.taken.insert(label.to_lowercase());
        }
        for label in in_use {
            l.taken.insert(label.to_lowercase());
        }
        l
    }

    /// The label already chosen for an original's key, if any.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.chosen.get(&normalise(key)).map(String::as_str)
    }

    /// The label for an original's key, choosing a new one if needed.
    pub fn label(&mut self, key: &str, category: Category) -> String {
        let key = normalise(key);
        if let Some(l) = self.chosen.get(&key) {
            return l.clone();
        }
        let label = match fixed_label(category) {
            Some(l) => l.to_string(),
            None => self.fresh(category),
        };
        self.chosen.insert(key, label.clone());
        label
    }

    /// Sets the label of a key (a researcher's edit); later uses reuse it.
    pub fn set(&mut self, key: &str, label: &str) {
        self.taken.insert(label.to_lowercase());
        self.chosen.insert(normalise(key), label.to_string());
    }

    /// The next unused "[Person X]" or "[Place X]".
    fn fresh(&mut self, category: Category) -> String {
        let word = match category {
            Category::Place => "Place",
            _ => "Person",
        };
        let n = self.next.entry(category).or_insert(0);
        loop {
            let label = format!("[{word} {}]", letters(*n));
            *n += 1;
            if self.taken.insert(label.to_lowercase()) {
                return label;
            }
        }
    }
}

/// One replacement in a text: code points `[start, end)` become `label`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Replacement {
    pub start: u32,
    pub end: u32,
    pub label: String,
}

/// Why replacements cannot be applied to a text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RewriteError {
    #[error("replacement {start}..{end} is empty or reversed")]
    Empty { start: u32, end: u32 },
    #[error("replacement {start}..{end} ends after the end of the text ({len} characters)")]
    OutOfRange { start: u32, end: u32, len: u32 },
    #[error("replacements {a} and {b} overlap; keep one of them")]
    Overlap { a: String, b: String },
}

/// Where old positions land in the rewritten text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetMap {
    /// (old start, old end, new start, new end) of each replacement, in order.
    spans: Vec<(u32, u32, u32, u32)>,
}

impl OffsetMap {
    fn shift_before(&self, p: u32) -> i64 {
        // Total growth of the replacements that end at or before p.
        self.spans
            .iter()
            .take_while(|r| r.1 <= p)
            .map(|r| (r.3 - r.2) as i64 - (r.1 - r.0) as i64)
            .sum()
    }

    /// The new position of a start boundary: inside a replacement it moves
    /// to the replacement's start.
    pub fn start(&self, p: u32) -> u32 {
        if let Some(r) = self.spans.iter().find(|r| r.0 <= p && p < r.1) {
            return r.2;
        }
        (p as i64 + self.shift_before(p)) as u32
    }

    /// The new position of an end boundary: inside a replacement it moves
    /// to the replacement's end.
    pub fn end(&self, p: u32) -> u32 {
        if let Some(r) = self.spans.iter().find(|r| r.0 < p && p <= r.1) {
            return r.3;
        }
        (p as i64 + self.shift_before(p)) as u32
    }

    /// The new `[start, end)` of an old span, or `None` if it becomes empty.
    /// A span inside a replaced part covers the whole replacement.
    pub fn span(&self, start: u32, end: u32) -> Option<(u32, u32)> {
        let (s, e) = (self.start(start), self.end(end));
        (s < e).then_some((s, e))
    }
}

/// The rewritten text and where old positions went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewritten {
    pub text: String,
    pub map: OffsetMap,
}

/// Applies replacements (sorted or not; they must not overlap) to `text`.
pub fn rewrite(text: &str, replacements: &[Replacement]) -> Result<Rewritten, RewriteError> {
    let mut reps: Vec<&Replacement> = replacements.iter().collect();
    reps.sort_by_key(|r| (r.start, r.end));
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let len = chars.len() as u32;
    let byte = |c: u32| chars.get(c as usize).map_or(text.len(), |(b, _)| *b);
    for w in reps.windows(2) {
        if w[1].start < w[0].end {
            return Err(RewriteError::Overlap {
                a: format!("{}..{}", w[0].start, w[0].end),
                b: format!("{}..{}", w[1].start, w[1].end),
            });
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut spans = Vec::with_capacity(reps.len());
    let mut at = 0u32;
    let mut new_len = 0u32;
    for r in reps {
        if r.start >= r.end {
            return Err(RewriteError::Empty {
                start: r.start,
                end: r.end,
            });
        }
        if r.end > len {
            return Err(RewriteError::OutOfRange {
                start: r.start,
                end: r.end,
                len,
            });
        }
        out.push_str(&text[byte(at)..byte(r.start)]);
        new_len += r.start - at;
        let label_len = r.label.chars().count() as u32;
        spans.push((r.start, r.end, new_len, new_len + label_len));
        out.push_str(&r.label);
        new_len += label_len;
        at = r.end;
    }
    out.push_str(&text[byte(at)..]);
    Ok(Rewritten {
        text: out,
        map: OffsetMap { spans },
    })
}

/// Replaces originals in any string: whole words, ignoring case, longest
/// first, each by its label.
#[derive(Debug, Clone)]
pub struct Scrubber {
    regex: Option<Regex>,
    labels: HashMap<String, String>,
}

impl Scrubber {
    /// From `(original, label)` pairs.
    pub fn new<'a>(pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> Scrubber {
        let mut labels = HashMap::new();
        let mut originals = Vec::new();
        for (o, l) in pairs {
            let k = normalise(o);
            if k.is_empty() {
                continue;
            }
            labels.entry(k).or_insert_with(|| l.to_string());
            originals.push(o.to_string());
        }
        Scrubber {
            regex: phrase_regex(originals.iter().map(String::as_str)),
            labels,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.regex.is_none()
    }

    /// The string with every original replaced, or `None` if none occurs.
    pub fn scrub(&self, s: &str) -> Option<String> {
        let re = self.regex.as_ref()?;
        if !re.is_match(s) {
            return None;
        }
        Some(
            re.replace_all(s, |c: &regex::Captures<'_>| {
                self.labels
                    .get(&normalise(&c[0]))
                    .cloned()
                    .unwrap_or_else(|| "[redacted]".to_string())
            })
            .into_owned(),
        )
    }

    /// Replaces originals in every string of a JSON value (not in object
    /// keys, which are field names); returns whether anything changed.
    /// Strings that are ids (UUIDs, content hashes) are left alone.
    pub fn scrub_json(&self, v: &mut serde_json::Value) -> bool {
        use serde_json::Value;
        match v {
            Value::String(s) => {
                if looks_like_id(s) {
                    return false;
                }
                match self.scrub(s) {
                    Some(n) => {
                        *s = n;
                        true
                    }
                    None => false,
                }
            }
            Value::Array(a) => a
                .iter_mut()
                .fold(false, |changed, x| self.scrub_json(x) | changed),
            Value::Object(o) => o
                .values_mut()
                .fold(false, |changed, x| self.scrub_json(x) | changed),
            _ => false,
        }
    }
}

fn looks_like_id(s: &str) -> bool {
    let hexish = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    (s.len() == 36 && hexish(s) && s.matches('-').count() == 4)
        || (s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_count_like_spreadsheet_columns() {
        let got: Vec<String> = [0, 1, 25, 26, 27, 51, 52, 701, 702]
            .into_iter()
            .map(letters)
            .collect();
        assert_eq!(got, ["A", "B", "Z", "AA", "AB", "AZ", "BA", "ZZ", "AAA"]);
    }

    #[test]
    fn same_key_same_label_and_edits_are_reused() {
        let mut l = Labeller::new([("sarah jones", "[Person A]")], ["[Place A]"]);
        assert_eq!(l.label("Sarah  JONES", Category::Person), "[Person A]");
        assert_eq!(l.label("Tom", Category::Person), "[Person B]");
        assert_eq!(l.label("tom", Category::Person), "[Person B]");
        assert_eq!(l.label("Leeds", Category::Place), "[Place B]");
        assert_eq!(l.label("a@b.org", Category::Email), "[email]");
        assert_eq!(l.label("x@y.org", Category::Email), "[email]");
        l.set("Priya", "[Colleague A]");
        assert_eq!(l.label("priya", Category::Person), "[Colleague A]");
        assert_eq!(l.label("Sam", Category::Person), "[Person C]");
        assert_eq!(l.get("PRIYA"), Some("[Colleague A]"));
    }

    #[test]
    fn labels_are_checked() {
        assert_eq!(
            check_label("Tom", " [Colleague A] "),
            Ok("[Colleague A]".into())
        );
        assert!(matches!(
            check_label("Tom", "  "),
            Err(LabelError::Empty { .. })
        ));
        assert!(matches!(
            check_label("Tom", "[tom's friend]"),
            Err(LabelError::ContainsOriginal { .. })
        ));
        assert!(matches!(
            check_label("Tom", "a\nb"),
            Err(LabelError::Control { .. })
        ));
        assert_eq!(check_label("Ann", "[Planner A]"), Ok("[Planner A]".into()));
        assert!(matches!(
            check_label("Tom", &"x".repeat(61)),
            Err(LabelError::TooLong { .. })
        ));
    }

    fn rep(start: u32, end: u32, label: &str) -> Replacement {
        Replacement {
            start,
            end,
            label: label.into(),
        }
    }

    #[test]
    fn rewrite_maps_positions_around_and_inside_replacements() {
        // "Zoë met Sam at LS1 4AP." → "[Person A] met [Person B] at [postcode]."
        let text = "Zoë met Sam at LS1 4AP.";
        let r = rewrite(
            text,
            &[
                rep(15, 22, "[postcode]"),
                rep(0, 3, "[Person A]"),
                rep(8, 11, "[Person B]"),
            ],
        )
        .unwrap();
        assert_eq!(r.text, "[Person A] met [Person B] at [postcode].");
        let m = &r.map;
        // "met" keeps covering the same word.
        assert_eq!(m.span(4, 7), Some((11, 14)));
        let chars: Vec<char> = r.text.chars().collect();
        assert_eq!(chars[11..14].iter().collect::<String>(), "met");
        // Inside a replacement: clipped to the whole label.
        assert_eq!(m.span(1, 2), Some((0, 10)));
        // Across a replacement's edge: grows to cover the label.
        assert_eq!(m.span(9, 14), Some((15, 28)));
        // The whole text.
        assert_eq!(m.span(0, 23), Some((0, 40)));
        assert_eq!(m.span(22, 23), Some((39, 40)));
    }

    #[test]
    fn rewrite_rejects_overlaps_and_out_of_range() {
        assert!(matches!(
            rewrite("abcdef", &[rep(0, 3, "x"), rep(2, 4, "y")]),
            Err(RewriteError::Overlap { .. })
        ));
        assert!(matches!(
            rewrite("abc", &[rep(1, 9, "x")]),
            Err(RewriteError::OutOfRange { .. })
        ));
        assert!(matches!(
            rewrite("abc", &[rep(2, 2, "x")]),
            Err(RewriteError::Empty { .. })
        ));
    }

    #[test]
    fn scrubber_replaces_whole_words_longest_first() {
        let s = Scrubber::new([
            ("Sarah Jones", "[Person A]"),
            ("Sarah", "[Person A]"),
            ("Ann", "[Person B]"),
            ("jo@x.org", "[email]"),
        ]);
        assert_eq!(
            s.scrub("SARAH  jones's memo: Annual note by Ann, mail jo@x.org.")
                .as_deref(),
            Some("[Person A]'s memo: Annual note by [Person B], mail [email].")
        );
        assert_eq!(s.scrub("nothing here"), None);
        let mut v = serde_json::json!({
            "name": "Sarah's interview",
            "id": "0b5e1a52-6f0e-4c8e-9e62-6a8f1f3b9a10",
            "list": ["Ann", 3, {"deep": "ann and sarah"}],
            "Sarah": "keys stay"
        });
        assert!(s.scrub_json(&mut v));
        assert_eq!(
            v,
            serde_json::json!({
                "name": "[Person A]'s interview",
                "id": "0b5e1a52-6f0e-4c8e-9e62-6a8f1f3b9a10",
                "list": ["[Person B]", 3, {"deep": "[Person B] and [Person A]"}],
                "Sarah": "keys stay"
            })
        );
    }
}
