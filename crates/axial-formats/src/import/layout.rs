//! Layout found in plain text: paragraphs and speaker turns.
//!
//! Both work on the normalised text (lines end at `\n`) and return spans in
//! code points. They are heuristics over what researchers write; they never
//! change the text and never fail, at worst they find nothing.

use axial_core::{Span, Turn};

/// One line of a text: where it starts and ends (without its `\n`), in code
/// points and in bytes.
#[derive(Debug, Clone, Copy)]
struct Line<'t> {
    text: &'t str,
    start: u32,
    end: u32,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut start = 0u32;
    let mut pos = 0u32;
    let mut byte_start = 0usize;
    for (b, c) in text.char_indices() {
        if c == '\n' {
            out.push(Line {
                text: &text[byte_start..b],
                start,
                end: pos,
            });
            start = pos + 1;
            byte_start = b + 1;
        }
        pos += 1;
    }
    if byte_start < text.len() {
        out.push(Line {
            text: &text[byte_start..],
            start,
            end: pos,
        });
    }
    out
}

/// The span of a line run without its leading and trailing whitespace.
fn trimmed_span(first: &Line<'_>, last: &Line<'_>) -> Option<Span> {
    let lead = first.text.chars().take_while(|c| c.is_whitespace()).count() as u32;
    let trail = last
        .text
        .chars()
        .rev()
        .take_while(|c| c.is_whitespace())
        .count() as u32;
    Span::unbounded(first.start + lead, last.end - trail).ok()
}

fn is_blank(line: &Line<'_>) -> bool {
    line.text.trim().is_empty()
}

/// Paragraphs: non-empty blocks separated by blank lines, each span without
/// its surrounding whitespace. A text with no blank line between its lines
/// (a transcript typed line by line) has one paragraph per line.
pub fn paragraphs(text: &str) -> Vec<Span> {
    let lines = lines(text);
    let first = lines.iter().position(|l| !is_blank(l));
    let last = lines.iter().rposition(|l| !is_blank(l));
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    let inner = &lines[first..=last];
    let has_blank = inner.iter().any(is_blank);
    if !has_blank {
        return inner.iter().filter_map(|l| trimmed_span(l, l)).collect();
    }
    let mut out = Vec::new();
    let mut block: Option<(Line<'_>, Line<'_>)> = None;
    for line in inner {
        if is_blank(line) {
            if let Some((a, b)) = block.take() {
                out.extend(trimmed_span(&a, &b));
            }
        } else {
            block = Some(match block {
                Some((a, _)) => (a, *line),
                None => (*line, *line),
            });
        }
    }
    if let Some((a, b)) = block {
        out.extend(trimmed_span(&a, &b));
    }
    out
}

/// Longest speaker label, in code points.
const MAX_LABEL_CHARS: usize = 40;
/// Most words a speaker label may have.
const MAX_LABEL_WORDS: usize = 5;

/// Words that start prose lines ("Note: …", "Date: …") rather than turns.
const PROSE_LABELS: &[&str] = &[
    "note",
    "notes",
    "nb",
    "n.b.",
    "n.b",
    "example",
    "examples",
    "source",
    "sources",
    "update",
    "edit",
    "warning",
    "tip",
    "summary",
    "see",
    "ps",
    "p.s.",
    "p.s",
    "date",
    "time",
    "location",
    "place",
    "duration",
    "transcript",
    "title",
    "subject",
    "re",
    "todo",
    "fyi",
    "http",
    "https",
    "ftp",
    "mailto",
    "file",
    "definition",
    "keywords",
    "tags",
    "attendees",
    "present",
];

/// Stems of labels that name an interview role ("Interviewer", "P07",
/// "Speaker 2", "R"); such a label counts even when it appears once.
const ROLE_LABELS: &[&str] = &[
    "interviewer",
    "interviewee",
    "participant",
    "respondent",
    "moderator",
    "facilitator",
    "researcher",
    "speaker",
    "int",
    "iv",
    "ie",
    "resp",
    "part",
    "mod",
    "i",
    "r",
    "p",
    "q",
    "a",
];

/// The speaker label at the start of a line, if the line looks like
/// `Label: words`.
pub(crate) fn label_of(line: &str) -> Option<&str> {
    // Markdown emphasis around the label: "**Interviewer**:" or "**P07:**".
    let marker = ["**", "__"]
        .into_iter()
        .find(|m| line.starts_with(m))
        .unwrap_or("");
    let body = &line[marker.len()..];
    let (colon, _) = body
        .char_indices()
        .take(MAX_LABEL_CHARS + 2)
        .find(|&(_, c)| c == ':' || c == '：')?;
    let ascii_colon = body[colon..].starts_with(':');
    let after = &body[colon + if ascii_colon { 1 } else { '：'.len_utf8() }..];
    let after = after.strip_prefix(marker).unwrap_or(after);
    // "10:30" and "http://" are not labels; after a full-width colon (CJK
    // text) no space is expected.
    if ascii_colon && !(after.is_empty() || after.starts_with(char::is_whitespace)) {
        return None;
    }
    let label = body[..colon].trim_end();
    let label = label.strip_suffix(marker).unwrap_or(label).trim_end();
    let n = label.chars().count();
    if n == 0 || n > MAX_LABEL_CHARS {
        return None;
    }
    let first = label.chars().next()?;
    if !first.is_alphanumeric() || first.is_lowercase() {
        return None;
    }
    let allowed = |c: char| {
        c.is_alphanumeric()
            || matches!(
                c,
                ' ' | '.' | '-' | '_' | '\'' | '\u{2019}' | '#' | '(' | ')' | '&' | '/'
            )
    };
    if !label.chars().all(allowed) || !label.chars().any(char::is_alphabetic) {
        return None;
    }
    if label.split_whitespace().count() > MAX_LABEL_WORDS {
        return None;
    }
    if PROSE_LABELS.contains(&label.to_lowercase().as_str()) {
        return None;
    }
    Some(label)
}

/// Name-like: no word starts with a lower-case letter ("Dr Smith", "Zoë",
/// "SPEAKER 1"), so "and then she said:" is not a label.
pub(crate) fn name_like(label: &str) -> bool {
    label
        .split_whitespace()
        .all(|w| w.chars().next().is_some_and(|c| !c.is_lowercase()))
}

/// A role label such as "Interviewer", "Interviewee 07", "P07", "R",
/// "Speaker A", "Participant #3".
fn role_like(label: &str) -> bool {
    let lower = label.to_lowercase();
    ROLE_LABELS.iter().any(|stem| {
        let Some(rest) = lower.strip_prefix(stem) else {
            return false;
        };
        let id = rest.trim_start_matches([' ', '-', '_', '#', '.']);
        if id.is_empty() {
            return true;
        }
        let separated = id.len() < rest.len();
        let digits = id.chars().take_while(char::is_ascii_digit).count();
        let tail: Vec<char> = id.chars().skip(digits).collect();
        // "P07", "P07a", "Speaker 2"; or one letter after a space: "Speaker A".
        (digits > 0 && tail.len() <= 1 && tail.iter().all(char::is_ascii_alphabetic))
            || (digits == 0 && separated && tail.len() == 1 && tail[0].is_alphabetic())
    })
}

/// Speaker turns: lines starting with a label and a colon ("Interviewer:",
/// "I:", "P07:", "Dr Smith:"). A label counts when it names an interview
/// role or recurs at least twice as a name-like label. Each turn runs from
/// its label to the end of its last non-blank line before the next turn.
pub fn detect_turns(text: &str) -> Vec<Turn> {
    let lines = lines(text);
    let labelled: Vec<(usize, &str)> = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| label_of(l.text).map(|lab| (i, lab)))
        .collect();
    let mut counts: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (_, label) in &labelled {
        *counts.entry(label).or_default() += 1;
    }
    let recurs = |label: &str| counts.get(label).is_some_and(|&n| n >= 2);
    let starts: Vec<(usize, &str)> = labelled
        .iter()
        .copied()
        .filter(|(_, label)| role_like(label) || (name_like(label) && recurs(label)))
        .collect();
    let mut turns = Vec::with_capacity(starts.len());
    for (k, &(i, label)) in starts.iter().enumerate() {
        let next = starts.get(k + 1).map_or(lines.len(), |&(j, _)| j);
        let Some(last) = lines[i..next]
            .iter()
            .rposition(|l| !is_blank(l))
            .map(|r| i + r)
        else {
            continue;
        };
        if let Some(span) = trimmed_span(&lines[i], &lines[last]) {
            turns.push(Turn {
                span,
                speaker: label.to_string(),
                start_ms: None,
                end_ms: None,
            });
        }
    }
    turns
}

#[cfg(test)]
mod tests {
    use axial_core::TextIndex;

    use super::*;

    fn slices(text: &str, spans: &[Span]) -> Vec<String> {
        let ix = TextIndex::new(text);
        spans
            .iter()
            .map(|s| ix.slice(text, *s).to_string())
            .collect()
    }

    fn check_paragraphs(text: &str, expected: &[&str]) {
        assert_eq!(slices(text, &paragraphs(text)), expected);
    }

    #[test]
    fn paragraphs_from_blank_lines_or_lines() {
        check_paragraphs("", &[]);
        check_paragraphs(" \n\t\n", &[]);
        check_paragraphs("one\ntwo 😀\n\n  \nthree\n", &["one\ntwo 😀", "three"]);
        check_paragraphs(
            "\n\n  Zoë\t\n\nnaïve e\u{301}  \n\n",
            &["Zoë", "naïve e\u{301}"],
        );
        check_paragraphs(
            "I: hello\nP07: שלום\nI: bye",
            &["I: hello", "P07: שלום", "I: bye"],
        );
    }

    fn check_turns(text: &str, expected: &[(&str, &str)]) {
        let turns = detect_turns(text);
        let ix = TextIndex::new(text);
        let got: Vec<(String, String)> = turns
            .iter()
            .map(|t| (t.speaker.clone(), ix.slice(text, t.span).to_string()))
            .collect();
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(s, t)| (s.to_string(), t.to_string()))
            .collect();
        assert_eq!(got, expected);
    }

    #[test]
    fn role_labels_count_once() {
        check_turns(
            "Interview with Zoë, 3 May\n\nInterviewer: How did it start?\n\nInterviewee 07: It was naïve 😀\nreally.\n\n",
            &[
                ("Interviewer", "Interviewer: How did it start?"),
                ("Interviewee 07", "Interviewee 07: It was naïve 😀\nreally."),
            ],
        );
        check_turns(
            "I: one\nR: two\nP07: three\nSPEAKER 1: four\nSpeaker A: five",
            &[
                ("I", "I: one"),
                ("R", "R: two"),
                ("P07", "P07: three"),
                ("SPEAKER 1", "SPEAKER 1: four"),
                ("Speaker A", "Speaker A: five"),
            ],
        );
    }

    #[test]
    fn names_count_when_they_recur() {
        check_turns(
            "Dr Smith: hello\nمريم: مرحبا\nDr Smith: again\nمريم: نعم",
            &[
                ("Dr Smith", "Dr Smith: hello"),
                ("مريم", "مريم: مرحبا"),
                ("Dr Smith", "Dr Smith: again"),
                ("مريم", "مريم: نعم"),
            ],
        );
        check_turns("Dr Smith: only once here", &[]);
    }

    #[test]
    fn prose_is_not_a_turn() {
        check_turns(
            "Note: this was recorded outside.\nNote: the noise is loud.\nand then she said: no\nand then she said: yes\nAt 10:30 we met\nSee http://example.org: twice\nWhy? Because: reasons\nWhy? Because: reasons",
            &[],
        );
    }

    #[test]
    fn label_rules() {
        assert_eq!(label_of("Interviewer: hi"), Some("Interviewer"));
        assert_eq!(label_of("Interviewer:"), Some("Interviewer"));
        assert_eq!(label_of("Time 10:30 here"), None);
        assert_eq!(label_of(" Indented: no"), None);
        assert_eq!(
            label_of("A very long label that goes on and on past the limit: x"),
            None
        );
        assert_eq!(label_of("Zoë：全角"), Some("Zoë"));
        assert_eq!(label_of("**Interviewer**: hi"), Some("Interviewer"));
        assert_eq!(label_of("__P07:__ hi"), Some("P07"));
        assert_eq!(label_of("**Bold** text: no"), None);
        assert!(role_like("P07") && role_like("Participant #3") && role_like("I"));
        assert!(
            !role_like("Pam") && !role_like("Intake") && !role_like("Alice") && !role_like("Al")
        );
    }
}
