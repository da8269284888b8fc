//! Finding identifiers in a text: names and places from a supplied list,
//! e-mail addresses, UK phone numbers, NHS numbers (check digit verified),
//! UK postcodes, dates of birth near a cue word, and capitalised words that
//! may be names (low confidence, for review).
//!
//! Everything here is a proposal: nothing is replaced. Positions are code
//! points `[start, end)`; overlapping finds are resolved longest first, then
//! by confidence, then leftmost.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use regex::{Regex, RegexBuilder};
use serde::{Deserialize, Serialize};

/// What kind of identifier a find is; it decides the replacement label.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    Person,
    Place,
    Email,
    Phone,
    NhsNumber,
    Postcode,
    DateOfBirth,
}

impl Category {
    pub const ALL: [Category; 7] = [
        Category::Person,
        Category::Place,
        Category::Email,
        Category::Phone,
        Category::NhsNumber,
        Category::Postcode,
        Category::DateOfBirth,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::Person => "person",
            Category::Place => "place",
            Category::Email => "email",
            Category::Phone => "phone",
            Category::NhsNumber => "nhs_number",
            Category::Postcode => "postcode",
            Category::DateOfBirth => "date_of_birth",
        }
    }

    /// Whether replacements of this category are told apart by letters
    /// ("[Person A]", "[Person B]") rather than all sharing one label.
    pub fn is_lettered(self) -> bool {
        matches!(self, Category::Person | Category::Place)
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s || (s == "nhs" && *c == Category::NhsNumber))
            .ok_or_else(|| {
                format!(
                    "unknown category '{s}'; use one of: {}",
                    Category::ALL.map(|c| c.as_str()).join(", ")
                )
            })
    }
}

/// How sure a detector is that a find identifies someone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    Low,
    Medium,
    High,
}

impl Confidence {
    pub fn as_str(self) -> &'static str {
        match self {
            Confidence::Low => "low",
            Confidence::Medium => "medium",
            Confidence::High => "high",
        }
    }
}

impl fmt::Display for Confidence {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which detector made a find.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// A name or place from the supplied list (or already in the key).
    NameList,
    /// One word of a listed person's full name ("Jones" of "Sarah Jones").
    NamePart,
    /// A capitalised word after a title ("Dr Patel").
    Title,
    /// A capitalised word or two not at the start of a sentence.
    Capitalised,
    Email,
    Phone,
    NhsNumber,
    Postcode,
    DateOfBirth,
}

impl Rule {
    pub fn as_str(self) -> &'static str {
        match self {
            Rule::NameList => "name_list",
            Rule::NamePart => "name_part",
            Rule::Title => "title",
            Rule::Capitalised => "capitalised",
            Rule::Email => "email",
            Rule::Phone => "phone",
            Rule::NhsNumber => "nhs_number",
            Rule::Postcode => "postcode",
            Rule::DateOfBirth => "date_of_birth",
        }
    }
}

/// A name or place the researcher knows is identifying.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownName {
    pub name: String,
    /// Person or place (other categories work too, for originals already in
    /// the key).
    pub kind: Category,
}

/// What the detectors are told besides the text.
#[derive(Debug, Clone, Default)]
pub struct Vocabulary {
    /// Identifying names (found case-insensitively as whole words).
    pub names: Vec<KnownName>,
    /// Words and phrases that are never identifiers here (e.g. the
    /// participant register's pseudonymous labels).
    pub safe: Vec<String>,
}

/// One proposed identifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    /// Code points `[start, end)`.
    pub start: u32,
    pub end: u32,
    /// The text as it appears.
    pub text: String,
    pub category: Category,
    pub confidence: Confidence,
    pub rule: Rule,
    /// What the replacement is chosen by: the same key gets the same
    /// replacement everywhere (see [`normalise`]). Parts of a listed full
    /// name share the full name's key.
    pub key: String,
}

impl Detection {
    pub fn len(&self) -> u32 {
        self.end - self.start
    }
    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// The identity of an original for consistent replacement: lower case with
/// runs of white space as one space.
pub fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Byte ↔ code point conversion for one text.
pub(crate) struct Positions {
    /// Byte offset of every code point, plus the text length at the end.
    starts: Vec<usize>,
}

impl Positions {
    pub(crate) fn new(text: &str) -> Positions {
        let mut starts: Vec<usize> = text.char_indices().map(|(b, _)| b).collect();
        starts.push(text.len());
        Positions { starts }
    }
    /// The code point at byte `b` (a char boundary).
    pub(crate) fn char_of(&self, b: usize) -> u32 {
        match self.starts.binary_search(&b) {
            Ok(i) | Err(i) => i as u32,
        }
    }
}

/// Proposes identifiers in `text`, ordered by position, never overlapping.
pub fn detect(text: &str, vocab: &Vocabulary) -> Vec<Detection> {
    let pos = Positions::new(text);
    let mut found = Vec::new();
    let mut add = |b0: usize, b1: usize, category, confidence, rule, key: Option<String>| {
        let t = &text[b0..b1];
        found.push(Detection {
            start: pos.char_of(b0),
            end: pos.char_of(b1),
            text: t.to_string(),
            category,
            confidence,
            rule,
            key: key.unwrap_or_else(|| normalise(t)),
        });
    };
    let list = NameMatcher::new(&vocab.names);
    for (b0, b1, entry) in list.find(text) {
        add(
            b0,
            b1,
            entry.category,
            entry.confidence,
            entry.rule,
            Some(entry.key.clone()),
        );
    }
    for m in EMAIL.find_iter(text) {
        if boundary_before(text, m.start(), |c| {
            c.is_alphanumeric() || ".-_+".contains(c)
        }) {
            add(
                m.start(),
                m.end(),
                Category::Email,
                Confidence::High,
                Rule::Email,
                None,
            );
        }
    }
    for (b0, b1) in phones(text) {
        add(b0, b1, Category::Phone, Confidence::High, Rule::Phone, None);
    }
    for (b0, b1) in nhs_numbers(text) {
        add(
            b0,
            b1,
            Category::NhsNumber,
            Confidence::High,
            Rule::NhsNumber,
            None,
        );
    }
    for m in POSTCODE.find_iter(text) {
        let t = m.as_str();
        let confidence = if t.chars().any(|c| c.is_ascii_lowercase()) || !t.contains(' ') {
            Confidence::Medium
        } else {
            Confidence::High
        };
        add(
            m.start(),
            m.end(),
            Category::Postcode,
            confidence,
            Rule::Postcode,
            None,
        );
    }
    for (b0, b1) in dates_of_birth(text, &pos) {
        add(
            b0,
            b1,
            Category::DateOfBirth,
            Confidence::High,
            Rule::DateOfBirth,
            None,
        );
    }
    for (b0, b1, rule) in capitalised(text, &vocab.safe) {
        let confidence = if rule == Rule::Title {
            Confidence::Medium
        } else {
            Confidence::Low
        };
        add(b0, b1, Category::Person, confidence, rule, None);
    }
    resolve_overlaps(found)
}

/// Keeps the longest of overlapping finds (then the surest, then the first).
/// Low-confidence guesses only fill the gaps the other detectors leave, so
/// a capitalised run never swallows a listed name.
fn resolve_overlaps(mut found: Vec<Detection>) -> Vec<Detection> {
    let guess = |d: &Detection| d.confidence == Confidence::Low;
    found.sort_by(|a, b| {
        guess(a)
            .cmp(&guess(b))
            .then(b.len().cmp(&a.len()))
            .then(b.confidence.cmp(&a.confidence))
            .then(a.start.cmp(&b.start))
    });
    let mut kept: Vec<Detection> = Vec::new();
    for d in found {
        if d.is_empty() {
            continue;
        }
        if kept.iter().all(|k| d.end <= k.start || k.end <= d.start) {
            kept.push(d);
        }
    }
    kept.sort_by_key(|d| d.start);
    kept
}

fn boundary_before(text: &str, b: usize, is_word: impl Fn(char) -> bool) -> bool {
    text[..b].chars().next_back().is_none_or(|c| !is_word(c))
}

fn boundary_after(text: &str, b: usize, is_word: impl Fn(char) -> bool) -> bool {
    text[b..].chars().next().is_none_or(|c| !is_word(c))
}

// ---- names from a list ----

struct NameEntry {
    key: String,
    category: Category,
    confidence: Confidence,
    rule: Rule,
}

/// Finds listed names as whole words, ignoring case, allowing any run of
/// white space between words and a possessive after ("Smith's").
pub(crate) struct NameMatcher {
    regex: Option<Regex>,
    entries: HashMap<String, NameEntry>,
}

/// `\b` where the text edge is a word character, so a name ending in a full
/// stop ("St.") still matches.
pub(crate) fn word_pattern(phrase: &str) -> String {
    let words: Vec<String> = phrase.split_whitespace().map(regex::escape).collect();
    let body = words.join(r"\s+");
    let is_word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
    let lead = if is_word(phrase.trim().chars().next()) {
        r"\b"
    } else {
        ""
    };
    let tail = if is_word(phrase.trim().chars().next_back()) {
        r"\b"
    } else {
        ""
    };
    format!("{lead}{body}{tail}")
}

/// One case-insensitive alternation of phrases, longest first.
pub(crate) fn phrase_regex<'a>(phrases: impl Iterator<Item = &'a str>) -> Option<Regex> {
    let mut list: Vec<&str> = phrases.filter(|p| !p.trim().is_empty()).collect();
    if list.is_empty() {
        return None;
    }
    list.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
    list.dedup();
    let pattern = list
        .iter()
        .map(|p| format!("(?:{})", word_pattern(p)))
        .collect::<Vec<_>>()
        .join("|");
    RegexBuilder::new(&pattern)
        .case_insensitive(true)
        .size_limit(1 << 26)
        .build()
        .ok()
}

impl NameMatcher {
    fn new(names: &[KnownName]) -> NameMatcher {
        let mut entries: HashMap<String, NameEntry> = HashMap::new();
        // Listed names first, so a part never overrides a whole entry.
        for n in names {
            let key = normalise(&n.name);
            if key.is_empty() {
                continue;
            }
            entries.entry(key.clone()).or_insert(NameEntry {
                key,
                category: n.kind,
                confidence: Confidence::High,
                rule: Rule::NameList,
            });
        }
        for n in names.iter().filter(|n| n.kind == Category::Person) {
            let key = normalise(&n.name);
            let parts: Vec<&str> = n.name.split_whitespace().collect();
            if parts.len() < 2 {
                continue;
            }
            for part in parts {
                let p = normalise(part);
                if p.chars().count() < 2 || STOP_WORDS.contains(p.as_str()) {
                    continue;
                }
                entries.entry(p).or_insert(NameEntry {
                    key: key.clone(),
                    category: Category::Person,
                    confidence: Confidence::Medium,
                    rule: Rule::NamePart,
                });
            }
        }
        let regex = phrase_regex(entries.keys().map(String::as_str));
        NameMatcher { regex, entries }
    }

    fn find<'s>(&'s self, text: &'s str) -> impl Iterator<Item = (usize, usize, &'s NameEntry)> {
        self.regex.iter().flat_map(move |re| {
            re.find_iter(text).filter_map(|m| {
                Some((
                    m.start(),
                    m.end(),
                    self.entries.get(&normalise(m.as_str()))?,
                ))
            })
        })
    }
}

// ---- e-mail addresses ----

static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"[A-Za-z0-9](?:[A-Za-z0-9._%+\-]*[A-Za-z0-9_%+\-])?@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,}\b",
    )
    .expect("the e-mail pattern compiles")
});

// ---- UK phone numbers ----

static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    // National prefix "0" (optionally in a bracket) or "+44" (optionally
    // with "(0)"), then a mobile (7), geographic (1, 2) or non-geographic
    // (3) number grouped the usual ways.
    let prefix = r"(?:\+44[ \-]?(?:\(0\)[ \-]?)?|\(?0)";
    let body = [
        r"7\d{3}\)?[ \-]?\d{3}[ \-]?\d{3}",
        r"1\d{3}\)?[ \-]?\d{3}[ \-]?\d{3}",
        r"1\d{2}\)?[ \-]?\d{3}[ \-]?\d{4}",
        r"1\d{3}\)?[ \-]?\d{5}",
        r"2\d\)?[ \-]?\d{4}[ \-]?\d{4}",
        r"3\d{2}\)?[ \-]?\d{3}[ \-]?\d{4}",
    ]
    .join("|");
    Regex::new(&format!("{prefix}(?:{body})")).expect("the phone pattern compiles")
});

fn phones(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(m) = PHONE.find_at(text, at) {
        let ok = boundary_before(text, m.start(), |c| c.is_alphanumeric() || c == '+')
            && boundary_after(text, m.end(), |c| c.is_ascii_digit())
            && !followed_by_digit_group(text, m.end());
        if ok {
            out.push((m.start(), m.end()));
            at = m.end();
        } else {
            // Try again one character on: a longer number is not a phone.
            at = m.start() + text[m.start()..].chars().next().map_or(1, char::len_utf8);
        }
    }
    out
}

/// "07700 900123 4": a separator then more digits means a longer number.
fn followed_by_digit_group(text: &str, b: usize) -> bool {
    let mut it = text[b..].chars();
    matches!((it.next(), it.next()), (Some(' ' | '-'), Some(d)) if d.is_ascii_digit())
}

// ---- NHS numbers ----

static NHS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(\d{3})([ \-]?)(\d{3})([ \-]?)(\d{4})\b").expect("the NHS pattern compiles")
});

/// Whether ten digits form a valid NHS number (modulus 11: weights 10 to 2,
/// check digit 11 − (sum mod 11), 11 counting as 0 and 10 as invalid).
pub fn nhs_check_digit_ok(digits: &[u8]) -> bool {
    if digits.len() != 10 || digits.iter().any(|d| *d > 9) {
        return false;
    }
    let sum: u32 = digits[..9]
        .iter()
        .zip((2..=10u32).rev())
        .map(|(d, w)| u32::from(*d) * w)
        .sum();
    let check = match 11 - (sum % 11) {
        11 => 0,
        10 => return false,
        c => c,
    };
    check == u32::from(digits[9])
}

fn nhs_numbers(text: &str) -> Vec<(usize, usize)> {
    NHS.captures_iter(text)
        .filter(|c| c[2] == c[4])
        .filter_map(|c| {
            let m = c.get(0)?;
            let digits: Vec<u8> = m
                .as_str()
                .bytes()
                .filter(u8::is_ascii_digit)
                .map(|b| b - b'0')
                .collect();
            (nhs_check_digit_ok(&digits)
                && boundary_before(text, m.start(), |c| c == '+' || c.is_ascii_digit())
                && !followed_by_digit_group(text, m.end()))
            .then_some((m.start(), m.end()))
        })
        .collect()
}

// ---- UK postcodes ----

static POSTCODE: LazyLock<Regex> = LazyLock::new(|| {
    RegexBuilder::new(
        r"\b(?:GIR ?0AA|[A-PR-UWYZ](?:\d{1,2}|[A-HK-Y]\d{1,2}|\d[A-HJKPSTUW]|[A-HK-Y]\d[ABEHMNPRVWXY]) ?\d[ABD-HJLNP-UW-Z]{2})\b",
    )
    .case_insensitive(true)
    .build()
    .expect("the postcode pattern compiles")
});

// ---- dates of birth ----

const MONTHS: &str = "january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec";

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    let month = format!(r"(?:{MONTHS})\b\.?");
    let day = r"\d{1,2}(?:st|nd|rd|th)?";
    let pattern = [
        r"\b\d{4}-\d{1,2}-\d{1,2}\b".to_string(),
        r"\b\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})\b".to_string(),
        format!(r"\b{day}(?:\s+of)?\s+{month}(?:,?\s+\d{{4}}\b)?"),
        format!(r"\b{month}\s+{day}\b(?:,?\s+\d{{4}}\b)?"),
        format!(r"\b{month}\s+\d{{4}}\b"),
    ]
    .join("|");
    RegexBuilder::new(&pattern)
        .case_insensitive(true)
        .build()
        .expect("the date pattern compiles")
});

static BIRTH_CUE: LazyLock<Regex> = LazyLock::new(|| {
    RegexBuilder::new(r"\b(?:born|d\.?o\.?b\b\.?|date\s+of\s+birth|birth\s*date|birthday)")
        .case_insensitive(true)
        .build()
        .expect("the birth cue pattern compiles")
});

/// How far (in code points) a cue may stand before a date, or after it.
const CUE_BEFORE: u32 = 40;
const CUE_AFTER: u32 = 20;

fn numeric_date_ok(t: &str) -> bool {
    let parts: Vec<u32> = t
        .split(['/', '.', '-'])
        .filter_map(|p| p.parse().ok())
        .collect();
    match parts.as_slice() {
        [y, m, d] if *y >= 1000 => (1..=12).contains(m) && (1..=31).contains(d),
        [a, b, _] => {
            let dm = (1..=31).contains(a) && (1..=12).contains(b);
            let md = (1..=12).contains(a) && (1..=31).contains(b);
            dm || md
        }
        _ => false,
    }
}

fn dates_of_birth(text: &str, pos: &Positions) -> Vec<(usize, usize)> {
    let cues: Vec<(u32, u32)> = BIRTH_CUE
        .find_iter(text)
        .map(|m| (pos.char_of(m.start()), pos.char_of(m.end())))
        .collect();
    if cues.is_empty() {
        return Vec::new();
    }
    DATE.find_iter(text)
        .filter(|m| {
            let t = m.as_str();
            let numeric = t.chars().all(|c| c.is_ascii_digit() || "/.-".contains(c));
            if numeric && !numeric_date_ok(t) {
                return false;
            }
            if !numeric {
                // Day numbers must be real days.
                let day: Option<u32> = t
                    .split(|c: char| !c.is_ascii_digit())
                    .find(|p| !p.is_empty() && p.len() <= 2)
                    .and_then(|p| p.parse().ok());
                if day.is_some_and(|d| !(1..=31).contains(&d)) {
                    return false;
                }
            }
            let (s, e) = (pos.char_of(m.start()), pos.char_of(m.end()));
            cues.iter().any(|&(cs, ce)| {
                (ce <= s && s - ce <= CUE_BEFORE) || (e <= cs && cs - e <= CUE_AFTER)
            })
        })
        .map(|m| (m.start(), m.end()))
        .collect()
}

// ---- capitalised words ----

static WORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[\p{L}\p{M}][\p{L}\p{M}'’\-]*").expect("the word pattern compiles")
});

/// Bracketed labels ("[Person A]", "[inaudible]"): never name candidates.
static BRACKETED: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[[^\[\]\n]{1,80}\]").expect("the label pattern compiles"));

/// Titles that make the next capitalised word a likely name.
const TITLES: &[&str] = &[
    "mr",
    "mrs",
    "ms",
    "miss",
    "mx",
    "dr",
    "prof",
    "professor",
    "sir",
    "dame",
    "lady",
    "lord",
    "sister",
    "nurse",
    "matron",
    "father",
    "rev",
    "reverend",
    "councillor",
    "cllr",
];

/// Capitalised words that are almost never names: pronouns, function
/// words and common sentence openers, months, days, titles, and words of
/// the health service.
pub(crate) static STOP_WORDS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    let words = "i i'm i've i'd i'll im ive id a an the and but or so then than when while where what which who whom whose why how \
        if because as at by for from in into of on onto to up with without within about above after again against all also am \
        any are aren't be been before being below between both can can't could couldn't did didn't do does doesn't doing don't \
        down during each few further had hadn't has hasn't have haven't having he he'd he'll he's her here here's hers herself him \
        himself his i'd it it's its itself let's me more most mustn't my myself no nor not now off once only other ought our ours \
        ourselves out over own same she she'd she'll she's should shouldn't some such that that's their theirs them themselves \
        there there's these they they'd they'll they're they've this those through too under until very was wasn't we we'd we'll \
        we're we've were weren't what's when's where's who's why's will won't would wouldn't you you'd you'll you're you've your \
        yours yourself yourselves yes yeah yep no nope ok okay oh um umm uh er erm ah hmm mm well right sure so just like really \
        actually basically anyway maybe perhaps please thanks thank hello hi hey dear later earlier afterwards yesterday today tomorrow tonight morning \
        afternoon evening night sometimes often always never usually still even though although however also first second third \
        next last one two three four five six seven eight nine ten every everyone everybody everything someone somebody something \
        nothing nobody anyone anybody anything interviewer interviewee participant respondent facilitator moderator speaker \
        january february march april may june july august september october november december jan feb mar apr jun jul aug sep \
        sept oct nov dec monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat sun \
        christmas easter nhs gp gps a&e ae icu itu hdu ed ward trust hospital clinic surgery practice doctor nurse consultant \
        registrar covid coronavirus english british scottish welsh irish uk england scotland wales britain european internet \
        mr mrs ms miss mx dr prof professor sir dame lady lord sister matron father rev reverend councillor cllr god lord jesus \
        q a p r";
    words.split_whitespace().collect()
});

fn is_sentence_start(text: &str, b: usize) -> bool {
    for c in text[..b].chars().rev() {
        match c {
            ' ' | '\t' | '\u{a0}' => continue,
            '\n' | '\r' => return true,
            '.' | '!' | '?' | ':' | ';' | '…' | '"' | '“' | '”' | '‘' | '(' | '-' | '–' | '—'
            | '•' | '*' | '>' => return true,
            _ => return false,
        }
    }
    true
}

fn is_capitalised(word: &str) -> bool {
    word.chars().next().is_some_and(char::is_uppercase)
}

fn is_acronym(word: &str) -> bool {
    let letters: Vec<char> = word.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 2 && letters.iter().all(|c| c.is_uppercase())
}

/// Possessive endings are not part of a name.
fn strip_possessive(word: &str) -> &str {
    for end in ["'s", "’s", "'", "’"] {
        if let Some(w) = word.strip_suffix(end) {
            if !w.is_empty() {
                return w;
            }
        }
    }
    word
}

/// Capitalised words and runs of up to three of them that may be names.
fn capitalised(text: &str, safe: &[String]) -> Vec<(usize, usize, Rule)> {
    let safe_words: HashSet<String> = safe
        .iter()
        .flat_map(|s| s.split_whitespace().map(normalise))
        .collect();
    let labels: Vec<(usize, usize)> = BRACKETED
        .find_iter(text)
        .map(|m| (m.start(), m.end()))
        .collect();
    let in_label = |b: usize| labels.iter().any(|&(s, e)| s <= b && b < e);
    // Words with their byte range (possessive removed).
    let words: Vec<(usize, usize, &str)> = WORD
        .find_iter(text)
        .map(|m| {
            let w = strip_possessive(m.as_str().trim_end_matches(['-', '\'']));
            (m.start(), m.start() + w.len(), w)
        })
        .filter(|(s, e, _)| e > s)
        .collect();
    let stop = |w: &str| {
        let n = normalise(w);
        STOP_WORDS.contains(n.as_str()) || safe_words.contains(&n) || is_acronym(w)
    };
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let (s, _, w) = words[i];
        if !is_capitalised(w) || in_label(s) {
            i += 1;
            continue;
        }
        // A run of capitalised words separated by single spaces.
        let mut j = i + 1;
        while j < words.len()
            && j - i < 3
            && is_capitalised(words[j].2)
            && &text[words[j - 1].1..words[j].0] == " "
        {
            j += 1;
        }
        let after_title = i > 0 && {
            let (_, pe, pw) = words[i - 1];
            TITLES.contains(&normalise(pw).as_str())
                && matches!(&text[pe..s], " " | ". ")
                && is_capitalised(pw)
        };
        let run = &words[i..j];
        let title_here = TITLES.contains(&normalise(run[0].2).as_str());
        // Split the run at stop words; each piece of real words is a candidate.
        let mut pieces: Vec<&[(usize, usize, &str)]> = Vec::new();
        let mut k = 0;
        while k < run.len() {
            if stop(run[k].2) {
                k += 1;
                continue;
            }
            let mut l = k;
            while l < run.len() && !stop(run[l].2) {
                l += 1;
            }
            pieces.push(&run[k..l]);
            k = l;
        }
        for piece in pieces {
            let first = piece[0].0;
            let at_start = first == s && !after_title && is_sentence_start(text, first);
            let rule = if after_title || (title_here && first != s) {
                Rule::Title
            } else {
                Rule::Capitalised
            };
            // A single word opening a sentence says nothing.
            if at_start && piece.len() == 1 {
                continue;
            }
            out.push((first, piece[piece.len() - 1].1, rule));
        }
        i = j;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vocab(names: &[(&str, Category)]) -> Vocabulary {
        Vocabulary {
            names: names
                .iter()
                .map(|(n, k)| KnownName {
                    name: n.to_string(),
                    kind: *k,
                })
                .collect(),
            safe: vec!["Interviewee 07".into()],
        }
    }

    /// The finds of one category as (text, start, end).
    fn finds(text: &str, v: &Vocabulary, cat: Category) -> Vec<(String, u32, u32)> {
        detect(text, v)
            .into_iter()
            .filter(|d| d.category == cat)
            .map(|d| (d.text, d.start, d.end))
            .collect()
    }

    fn texts(text: &str, cat: Category) -> Vec<String> {
        finds(text, &Vocabulary::default(), cat)
            .into_iter()
            .map(|f| f.0)
            .collect()
    }

    fn check(text: &str, cat: Category, expect: &[&str]) {
        assert_eq!(texts(text, cat), expect, "in {text:?}");
    }

    #[test]
    fn listed_names_are_whole_words_ignoring_case_with_possessives() {
        let v = vocab(&[
            ("Smith", Category::Person),
            ("Leeds", Category::Place),
            ("Ann", Category::Person),
        ]);
        assert_eq!(
            finds(
                "Smith's car; SMITH and smithy. Annual Ann.",
                &v,
                Category::Person
            ),
            vec![
                ("Smith".into(), 0, 5),
                ("SMITH".into(), 13, 18),
                ("Ann".into(), 38, 41)
            ]
        );
        assert_eq!(
            finds("moved to leeds, then Leeds’s north", &v, Category::Place),
            vec![("leeds".into(), 9, 14), ("Leeds".into(), 21, 26)]
        );
    }

    #[test]
    fn a_full_name_beats_its_parts_and_parts_share_its_key() {
        let v = vocab(&[("Sarah Jones", Category::Person)]);
        let d = detect("Sarah  Jones came. Later Jones left, and sarah too.", &v);
        let got: Vec<(&str, Rule, &str)> = d
            .iter()
            .map(|d| (d.text.as_str(), d.rule, d.key.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("Sarah  Jones", Rule::NameList, "sarah jones"),
                ("Jones", Rule::NamePart, "sarah jones"),
                ("sarah", Rule::NamePart, "sarah jones"),
            ]
        );
    }

    #[test]
    fn non_ascii_names_have_code_point_offsets() {
        let v = vocab(&[("Zoë Ó Súilleabháin", Category::Person)]);
        let text = "Café chat — Zoë Ó Súilleabháin’s idea.";
        let f = finds(text, &v, Category::Person);
        assert_eq!(f, vec![("Zoë Ó Súilleabháin".into(), 12, 30)]);
        let chars: Vec<char> = text.chars().collect();
        assert_eq!(
            chars[12..30].iter().collect::<String>(),
            "Zoë Ó Súilleabháin"
        );
        // Case-insensitive beyond ASCII.
        let f = finds("ZOË Ó SÚILLEABHÁIN said", &v, Category::Person);
        assert_eq!(f.len(), 1);
    }

    #[test]
    fn emails_inside_punctuation() {
        check(
            "Write to (jo.bloggs@example.org), or <a_b+c@mail.nhs.uk>. Also x@y.io.",
            Category::Email,
            &["jo.bloggs@example.org", "a_b+c@mail.nhs.uk", "x@y.io"],
        );
        check(
            "Her email: \"Sam.O-Neil@uni.ac.uk\"; mine's j@k.",
            Category::Email,
            &["Sam.O-Neil@uni.ac.uk"],
        );
        check("no at sign here, nor @handle or a@b", Category::Email, &[]);
    }

    #[test]
    fn uk_phone_numbers() {
        check("call 07700 900123 now", Category::Phone, &["07700 900123"]);
        check("call 07700900123.", Category::Phone, &["07700900123"]);
        check("07700-900-123", Category::Phone, &["07700-900-123"]);
        check("+44 7700 900123", Category::Phone, &["+44 7700 900123"]);
        check("+447700900123", Category::Phone, &["+447700900123"]);
        check(
            "+44 (0)7700 900 123",
            Category::Phone,
            &["+44 (0)7700 900 123"],
        );
        check(
            "ring 0113 496 0000 or (01632) 960001",
            Category::Phone,
            &["0113 496 0000", "(01632) 960001"],
        );
        check(
            "London 020 7946 0018; 0161-496-0123",
            Category::Phone,
            &["020 7946 0018", "0161-496-0123"],
        );
        check("0300 123 4567", Category::Phone, &["0300 123 4567"]);
        // Too short, too long, not UK, or inside a longer number.
        check("0770 090 012", Category::Phone, &[]);
        check("077009001234", Category::Phone, &[]);
        check("07700 900123 4", Category::Phone, &[]);
        check("+33 6 12 34 56 78", Category::Phone, &[]);
        check("ref A07700900123", Category::Phone, &[]);
    }

    #[test]
    fn nhs_check_digit() {
        let d = |s: &str| s.bytes().map(|b| b - b'0').collect::<Vec<u8>>();
        assert!(nhs_check_digit_ok(&d("9434765919")));
        assert!(nhs_check_digit_ok(&d("4010232137")));
        assert!(!nhs_check_digit_ok(&d("9434765918")));
        assert!(!nhs_check_digit_ok(&d("1234567890")));
        // Remainder 1 gives check 10: never valid.
        assert!(!nhs_check_digit_ok(&d("0000000060")));
        // Check digit 11 counts as 0.
        assert!(nhs_check_digit_ok(&d("0000000000")));
        assert!(!nhs_check_digit_ok(&d("943476591")));
    }

    #[test]
    fn nhs_numbers_plain_or_spaced() {
        check(
            "NHS no. 943 476 5919.",
            Category::NhsNumber,
            &["943 476 5919"],
        );
        check("number 9434765919", Category::NhsNumber, &["9434765919"]);
        check("401-023-2137", Category::NhsNumber, &["401-023-2137"]);
        // Wrong check digit, mixed separators, longer numbers.
        check("943 476 5918", Category::NhsNumber, &[]);
        check("943 476-5919", Category::NhsNumber, &[]);
        check("19434765919", Category::NhsNumber, &[]);
        check("943 476 5919 12", Category::NhsNumber, &[]);
    }

    #[test]
    fn uk_postcodes() {
        check("lives at LS1 4AP now", Category::Postcode, &["LS1 4AP"]);
        check(
            "SW1A 1AA, M1 1AE, B33 8TH, CR2 6XH, DN55 1PT",
            Category::Postcode,
            &["SW1A 1AA", "M1 1AE", "B33 8TH", "CR2 6XH", "DN55 1PT"],
        );
        check(
            "W1A 0AX and EC1A 1BB",
            Category::Postcode,
            &["W1A 0AX", "EC1A 1BB"],
        );
        check("GIR 0AA", Category::Postcode, &["GIR 0AA"]);
        check("send to ls14ap please", Category::Postcode, &["ls14ap"]);
        check("sw1a 1aa", Category::Postcode, &["sw1a 1aa"]);
        // Q is never a first letter; C, I, K, M, O, V never end the inward code.
        check("QA1 1AA", Category::Postcode, &[]);
        check("LS1 4AC", Category::Postcode, &[]);
        check("LS1 4APX", Category::Postcode, &[]);
    }

    #[test]
    fn dates_near_a_birth_cue() {
        check(
            "She was born on 12/03/1985 in May.",
            Category::DateOfBirth,
            &["12/03/1985"],
        );
        check("DOB: 1985-03-12", Category::DateOfBirth, &["1985-03-12"]);
        check(
            "D.O.B. 3rd of May 1990",
            Category::DateOfBirth,
            &["3rd of May 1990"],
        );
        check(
            "date of birth March 12, 1985.",
            Category::DateOfBirth,
            &["March 12, 1985"],
        );
        check(
            "my birthday is 3 Sept.",
            Category::DateOfBirth,
            &["3 Sept."],
        );
        check("born in June 1971", Category::DateOfBirth, &["June 1971"]);
        check(
            "12.3.85 (date of birth)",
            Category::DateOfBirth,
            &["12.3.85"],
        );
        // No cue, a cue too far away, or not a date.
        check("interviewed on 12/03/2024", Category::DateOfBirth, &[]);
        check(
            "born and raised there; many years later, on the 4 June 2001, things changed",
            Category::DateOfBirth,
            &[],
        );
        check("born 45/13/1985", Category::DateOfBirth, &[]);
    }

    #[test]
    fn capitalised_candidates_skip_sentence_starts_and_common_words() {
        let v = vocab(&[]);
        let got = |t: &str| -> Vec<(String, Confidence)> {
            detect(t, &v)
                .into_iter()
                .filter(|d| d.category == Category::Person)
                .map(|d| (d.text, d.confidence))
                .collect()
        };
        assert_eq!(
            got("Yesterday I met Priya Shah at the NHS clinic in March. Then Monday came."),
            vec![("Priya Shah".into(), Confidence::Low)]
        );
        assert_eq!(got("Priya said so."), vec![]);
        assert_eq!(
            got("Priya Shah said so."),
            vec![("Priya Shah".into(), Confidence::Low)]
        );
        assert_eq!(
            got("I asked Dr. Patel and Mrs Okafor."),
            vec![
                ("Patel".into(), Confidence::Medium),
                ("Okafor".into(), Confidence::Medium)
            ]
        );
        assert_eq!(
            got("we told the GP, then Gemma’s mum"),
            vec![("Gemma".into(), Confidence::Low)]
        );
        // Labels and the register's pseudonyms are not names.
        assert_eq!(got("so [Person A] told Interviewee 07 that"), vec![]);
        assert_eq!(got("Interviewer: Okay. Well, yes."), vec![]);
        assert_eq!(
            got("Interviewer: Well, Tom: yes."),
            vec![("Tom".into(), Confidence::Low)]
        );
    }

    #[test]
    fn overlaps_keep_the_longest() {
        let v = vocab(&[("Park", Category::Place), ("Jo Park", Category::Person)]);
        let d = detect("I saw Jo Park near Park Lane.", &v);
        let got: Vec<(&str, Category)> = d.iter().map(|d| (d.text.as_str(), d.category)).collect();
        assert_eq!(
            got,
            vec![("Jo Park", Category::Person), ("Park", Category::Place)]
        );
    }

    #[test]
    fn categories_parse() {
        assert_eq!("person".parse::<Category>(), Ok(Category::Person));
        assert_eq!("NHS".parse::<Category>(), Ok(Category::NhsNumber));
        assert_eq!(
            "date of birth".parse::<Category>(),
            Ok(Category::DateOfBirth)
        );
        assert!("animal".parse::<Category>().is_err());
    }
}
