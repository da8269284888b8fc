//! Timed transcripts: WebVTT and SRT subtitle files.
//!
//! Cue texts become a transcript that reads like one: a paragraph per turn,
//! `Speaker: words` when the speaker is known (from a VTT `<v Name>` voice
//! tag or a `Name:` prefix in the cue), with consecutive cues of the same
//! speaker merged into one turn. Every turn keeps its times in
//! `Turn::start_ms` / `end_ms`; a cue that names no speaker becomes a turn
//! whose speaker is the empty string. Markup tags are removed and VTT
//! character references decoded.
//!
//! It does not keep cue settings, styles, regions, notes or positions.

use axial_core::{SourceKind, Turn};

use super::layout::{label_of, name_like};
use super::text::{decode, normalise, Decoded};
use super::{DocumentBuilder, ImportError, ImportedDocument};

pub(crate) fn import(
    file: &str,
    bytes: &[u8],
    kind: SourceKind,
) -> Result<ImportedDocument, ImportError> {
    let Decoded { text, mut warnings } = decode(file, bytes)?;
    let (text, removed) = normalise(&text);
    if removed > 0 {
        warnings.push(super::text::controls_warning(removed));
    }
    if text.trim().is_empty() {
        return Err(ImportError::Empty {
            file: file.to_string(),
        });
    }
    let mut title = None;
    let mut body = text.as_str();
    if kind == SourceKind::Vtt {
        let first = text.lines().next().unwrap_or_default();
        let rest = first
            .strip_prefix("WEBVTT")
            .filter(|r| r.is_empty() || r.starts_with([' ', '\t']));
        let Some(rest) = rest else {
            return Err(ImportError::corrupt(
                file,
                kind,
                "it does not start with the line WEBVTT",
            ));
        };
        title =
            Some(rest.trim().trim_start_matches('-').trim().to_string()).filter(|t| !t.is_empty());
        body = &text[first.len()..];
    }
    let cues = cues(body, kind, &mut warnings);
    if cues.is_empty() {
        return Err(ImportError::corrupt(
            file,
            kind,
            "no cues found (expected timing lines such as 00:00:01.000 --> 00:00:04.000)",
        ));
    }
    let mut doc = DocumentBuilder::default();
    let mut turns = Vec::new();
    for cue in merge(cues) {
        let line = if cue.speaker.is_empty() {
            cue.text.clone()
        } else {
            format!("{}: {}", cue.speaker, cue.text)
        };
        if let Some(span) = doc.push_paragraph(&line) {
            turns.push(Turn {
                span,
                speaker: cue.speaker,
                start_ms: Some(cue.start_ms),
                end_ms: Some(cue.end_ms),
            });
        }
    }
    let mut imported = doc.finish(kind, warnings, title);
    imported.structure.turns = turns;
    Ok(imported)
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Cue {
    start_ms: u64,
    end_ms: u64,
    speaker: String,
    text: String,
}

/// The cues of a subtitle body, in order; blocks that are not cues are
/// skipped (VTT notes, styles and regions silently, anything else with a
/// warning).
fn cues(body: &str, kind: SourceKind, warnings: &mut Vec<String>) -> Vec<Cue> {
    let mut out = Vec::new();
    let mut skipped = 0usize;
    for block in blocks(body) {
        let first = block[0];
        if kind == SourceKind::Vtt
            && ["NOTE", "STYLE", "REGION"]
                .iter()
                .any(|w| starts_with_word(first, w))
        {
            continue;
        }
        let Some(t) = block.iter().take(2).position(|l| l.contains("-->")) else {
            skipped += 1;
            continue;
        };
        let Some((start_ms, end_ms)) = timing(block[t]) else {
            skipped += 1;
            continue;
        };
        let payload = &block[t + 1..];
        let (speaker, text) = match kind {
            SourceKind::Vtt => vtt_payload(payload),
            _ => srt_payload(payload),
        };
        if !text.is_empty() {
            out.push(Cue {
                start_ms,
                end_ms,
                speaker,
                text,
            });
        }
    }
    if skipped > 0 {
        warnings.push(format!(
            "skipped {skipped} block(s) without a valid timing line such as 00:00:01.000 --> 00:00:04.000"
        ));
    }
    out
}

fn starts_with_word(line: &str, word: &str) -> bool {
    line.strip_prefix(word)
        .is_some_and(|r| r.is_empty() || r.starts_with([' ', '\t']))
}

/// Runs of non-blank lines.
fn blocks(text: &str) -> Vec<Vec<&str>> {
    let mut out = Vec::new();
    let mut block = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !block.is_empty() {
                out.push(std::mem::take(&mut block));
            }
        } else {
            block.push(line);
        }
    }
    if !block.is_empty() {
        out.push(block);
    }
    out
}

/// `00:01:02.500 --> 00:01:04.000 align:start` → (62500, 64000).
fn timing(line: &str) -> Option<(u64, u64)> {
    let (a, b) = line.split_once("-->")?;
    let start = timestamp(a.trim())?;
    let end = timestamp(b.split_whitespace().next()?)?;
    (end >= start).then_some((start, end))
}

/// `hh:mm:ss.mmm`, `mm:ss.mmm`, with `.` or `,` before the milliseconds.
fn timestamp(s: &str) -> Option<u64> {
    let (clock, millis) = s.split_once(['.', ','])?;
    if millis.len() != 3 || !millis.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let parts: Vec<&str> = clock.split(':').collect();
    let number = |p: &str| {
        (!p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
            .then(|| p.parse::<u64>().ok())
            .flatten()
    };
    let (h, m, sec) = match parts.as_slice() {
        [h, m, s] => (number(h)?, number(m)?, number(s)?),
        [m, s] => (0, number(m)?, number(s)?),
        _ => return None,
    };
    if m > 59 || sec > 59 {
        return None;
    }
    Some(((h * 60 + m) * 60 + sec) * 1000 + millis.parse::<u64>().ok()?)
}

/// Speaker and text of a VTT cue: the first `<v Name>` names the speaker,
/// all tags are removed, references decoded, lines joined with spaces.
fn vtt_payload(lines: &[&str]) -> (String, String) {
    let raw = lines.join(" ");
    let mut speaker = String::new();
    let mut text = String::new();
    let mut rest = raw.as_str();
    while let Some(open) = rest.find('<') {
        text.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('>') else {
            text.push_str(&rest[open..]);
            rest = "";
            break;
        };
        let tag = &rest[open + 1..open + close];
        if speaker.is_empty() && (tag.starts_with("v ") || tag.starts_with("v.")) {
            if let Some((_, name)) = tag.split_once([' ', '\t']) {
                speaker = decode_references(name.trim());
            }
        }
        rest = &rest[open + close + 1..];
    }
    text.push_str(rest);
    let text = collapse(&decode_references(&text));
    if speaker.is_empty() {
        return prefixed_speaker(text);
    }
    (speaker, text)
}

/// Speaker and text of an SRT cue: HTML-like tags and `{\…}` overrides
/// removed, lines joined with spaces, a `Name:` prefix taken as the speaker.
fn srt_payload(lines: &[&str]) -> (String, String) {
    let raw = lines.join(" ");
    let mut text = String::new();
    let mut chars = raw.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let closer = match c {
            '<' if raw[i + 1..].starts_with(|n: char| n.is_ascii_alphabetic() || n == '/') => '>',
            '{' if raw[i + 1..].starts_with('\\') => '}',
            _ => {
                text.push(c);
                continue;
            }
        };
        if !raw[i..].contains(closer) {
            text.push(c);
            continue;
        }
        for (_, n) in chars.by_ref() {
            if n == closer {
                break;
            }
        }
    }
    prefixed_speaker(collapse(&text))
}

/// "Zoë: words" → ("Zoë", "words") when the prefix looks like a name.
fn prefixed_speaker(text: String) -> (String, String) {
    if let Some(label) = label_of(&text).filter(|l| name_like(l)) {
        // The label is a slice of `text`; the words start after its colon.
        let label_end = label.as_ptr() as usize - text.as_ptr() as usize + label.len();
        let rest = &text[label_end..];
        let words = rest
            .find([':', '：'])
            .map(|i| &rest[i..])
            .unwrap_or(rest)
            .trim_start_matches([':', '：', '*', '_'])
            .trim()
            .to_string();
        if !words.is_empty() {
            return (label.to_string(), words);
        }
    }
    (String::new(), text)
}

fn collapse(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The character references WebVTT allows: named ones for markup characters
/// and spaces/marks, and numeric ones.
fn decode_references(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let decoded = after.find(';').filter(|&semi| semi <= 10).and_then(|semi| {
            let name = &after[..semi];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                "lrm" => Some('\u{200e}'),
                "rlm" => Some('\u{200f}'),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Consecutive cues of one named speaker become one turn.
fn merge(cues: Vec<Cue>) -> Vec<Cue> {
    let mut out: Vec<Cue> = Vec::with_capacity(cues.len());
    for cue in cues {
        match out.last_mut() {
            Some(last) if !cue.speaker.is_empty() && last.speaker == cue.speaker => {
                last.text.push(' ');
                last.text.push_str(&cue.text);
                last.end_ms = last.end_ms.max(cue.end_ms);
            }
            _ => out.push(cue),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp("00:00:01.000"), Some(1000));
        assert_eq!(timestamp("01:02:03,045"), Some(3_723_045));
        assert_eq!(timestamp("02:03.5"), None);
        assert_eq!(timestamp("02:03.500"), Some(123_500));
        assert_eq!(timestamp("00:61:00.000"), None);
        assert_eq!(
            timing("00:00:01.000 --> 00:00:02.500 align:start line:0"),
            Some((1000, 2500))
        );
        assert_eq!(timing("00:00:03.000 --> 00:00:02.500"), None);
    }

    fn check_vtt(payload: &[&str], speaker: &str, text: &str) {
        assert_eq!(
            vtt_payload(payload),
            (speaker.to_string(), text.to_string())
        );
    }

    #[test]
    fn vtt_voices_tags_and_references() {
        check_vtt(
            &["<v Zoë Martin>It was <i>naïve</i> &amp; fun", "😀</v>"],
            "Zoë Martin",
            "It was naïve & fun 😀",
        );
        check_vtt(&["<v.loud Interviewer>Why?"], "Interviewer", "Why?");
        check_vtt(
            &["P07: e\u{301}&lt;3 <00:00:05.000>later"],
            "P07",
            "e\u{301}<3 later",
        );
        check_vtt(
            &["no speaker &unknown; here"],
            "",
            "no speaker &unknown; here",
        );
    }

    #[test]
    fn srt_tags_and_prefixes() {
        assert_eq!(
            srt_payload(&["<i>Interviewer:</i> So,", "{\\an8}tell me"]),
            ("Interviewer".into(), "So, tell me".into())
        );
        assert_eq!(
            srt_payload(&["a < b and c > d"]),
            (String::new(), "a < b and c > d".into())
        );
    }

    #[test]
    fn merges_one_speaker_runs() {
        let cue = |s: u64, speaker: &str, text: &str| Cue {
            start_ms: s,
            end_ms: s + 1000,
            speaker: speaker.into(),
            text: text.into(),
        };
        let merged = merge(vec![
            cue(0, "A1", "one"),
            cue(1000, "A1", "two"),
            cue(2000, "", "x"),
            cue(3000, "", "y"),
        ]);
        assert_eq!(
            merged,
            vec![
                Cue {
                    start_ms: 0,
                    end_ms: 2000,
                    speaker: "A1".into(),
                    text: "one two".into()
                },
                cue(2000, "", "x"),
                cue(3000, "", "y"),
            ]
        );
    }
}
