//! The second coder: an independent coding of four interviews that mostly
//! agrees with the researcher, with the disagreements real double coding
//! produces — a segment missed, a neighbouring code chosen, a boundary a few
//! words off, now and then an extra code.
//!
//! It derives its codings from the researcher's, so it knows nothing about
//! the wording of the transcripts beyond where sentences and words begin.

use crate::codebook;
use crate::rng::Rng;
use crate::{CodingDef, Document};

pub(crate) const SECOND_CODER: &str = "second coder";

/// The interviews (0-based) the second coder coded: one from each of four
/// staff groups, spread over the fieldwork.
pub(crate) const SECOND_CODED: [usize; 4] = [2, 5, 10, 16];

/// The second coder's codings of `doc`, given the researcher's codings of it.
pub(crate) fn second_coding(doc: &Document, researcher: &[CodingDef]) -> Vec<CodingDef> {
    let chars: Vec<char> = doc.text.chars().collect();
    let seed = 0x5EC0_2D00 ^ ((doc.participant.unwrap_or(0) as u64) << 16);
    let mut rng = Rng::new(seed);
    let mut out = Vec::new();
    for c in researcher.iter().filter(|c| c.document == doc.file_name) {
        let roll = rng.unit();
        let mut mine = CodingDef {
            coder: SECOND_CODER.to_string(),
            ..c.clone()
        };
        if roll < 0.70 {
            // agrees
        } else if roll < 0.79 {
            continue; // missed
        } else if roll < 0.89 {
            let siblings = codebook::siblings(&c.code);
            if !siblings.is_empty() {
                mine.code = rng.pick(&siblings).to_string();
            }
        } else if let Some((start, end)) = shift(&chars, c.start, c.end, &mut rng) {
            mine.start = start;
            mine.end = end;
        }
        let extra = rng.chance(0.05);
        if extra {
            let siblings = codebook::siblings(&c.code);
            if !siblings.is_empty() {
                let code = rng.pick(&siblings).to_string();
                out.push(CodingDef {
                    code,
                    ..mine.clone()
                });
            }
        }
        out.push(mine);
    }
    out.sort_by(|a, b| (a.start, a.end, &a.code).cmp(&(b.start, b.end, &b.code)));
    out.dedup();
    out
}

fn ends_sentence(chars: &[char], p: usize) -> bool {
    match chars.get(p) {
        Some('.' | '?' | '!' | '…') => true,
        Some('”') => p > 0 && matches!(chars.get(p - 1), Some('.' | '?' | '!')),
        _ => false,
    }
}

/// Moves one boundary of `[start, end)` by a sentence or a few words,
/// keeping both ends on non-space characters. `None` when it cannot.
fn shift(chars: &[char], start: u32, end: u32, rng: &mut Rng) -> Option<(u32, u32)> {
    let (s, e) = (start as usize, end as usize);
    let span = chars.get(s..e)?;
    let breaks: Vec<usize> = (0..span.len().saturating_sub(1))
        .filter(|&p| ends_sentence(span, p) && span[p + 1] == ' ')
        .collect();
    if let Some(&last) = breaks.last() {
        if rng.chance(0.5) {
            return Some((start, start + last as u32 + 1));
        }
    }
    let mut pos = 0;
    for _ in 0..rng.range(1, 3) {
        while pos < span.len() && !span[pos].is_whitespace() {
            pos += 1;
        }
        while pos < span.len() && span[pos].is_whitespace() {
            pos += 1;
        }
    }
    if pos == 0 || pos + 1 >= span.len() {
        return None;
    }
    Some((start + pos as u32, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, seed: u64, expect: Option<&str>) {
        let chars: Vec<char> = text.chars().collect();
        let got = shift(&chars, 0, chars.len() as u32, &mut Rng::new(seed))
            .map(|(s, e)| chars[s as usize..e as usize].iter().collect::<String>());
        assert_eq!(got.as_deref(), expect);
    }

    #[test]
    fn shifting_keeps_a_sentence_or_drops_leading_words() {
        let text = "Zoë said “fine.” Then it went wrong.";
        let mut seen = Vec::new();
        for seed in 0..40 {
            let chars: Vec<char> = text.chars().collect();
            let (s, e) =
                shift(&chars, 0, chars.len() as u32, &mut Rng::new(seed)).unwrap_or((0, 0));
            let got: String = chars[s as usize..e as usize].iter().collect();
            assert!(
                !got.starts_with(' ') && !got.ends_with(' ') && !got.is_empty(),
                "{got:?}"
            );
            seen.push(got);
        }
        assert!(seen.iter().any(|g| g == "Zoë said “fine.”"));
        assert!(seen
            .iter()
            .any(|g| g.ends_with("went wrong.") && g.len() < text.len()));
    }

    #[test]
    fn a_single_word_cannot_be_shifted() {
        check("Fine.", 1, None);
    }
}
