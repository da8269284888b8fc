//! Word frequencies (with stop words for English, German, French, Spanish
//! and Dutch) and keyword-in-context lines.
//!
//! Words are Unicode word segments (UAX #29, via `unicode-segmentation`)
//! holding at least one letter or digit, compared in lower case. Positions
//! are code points, like every span in Axial. This module does no stemming
//! and no language detection: the caller picks the stop-word list.

use std::collections::{HashMap, HashSet};

use axial_core::{CodeId, SourceId, Span};
use serde::Serialize;
use unicode_segmentation::UnicodeSegmentation;

use crate::corpus::{merge_ranges, SourceEntry};
use crate::Corpus;

/// One word of a text: where it starts and ends (code points) and its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Word<'t> {
    pub start: u32,
    pub end: u32,
    pub text: &'t str,
}

/// The words of a text, in order.
pub fn words(text: &str) -> Vec<Word<'_>> {
    let mut out = Vec::new();
    let mut chars = 0u32;
    let mut last_byte = 0usize;
    for (byte, w) in text.split_word_bound_indices() {
        chars += text[last_byte..byte].chars().count() as u32;
        last_byte = byte;
        if w.chars().any(char::is_alphanumeric) {
            let n = w.chars().count() as u32;
            out.push(Word {
                start: chars,
                end: chars + n,
                text: w,
            });
        }
    }
    out
}

/// Code-point offsets where words start, sorted.
pub fn word_starts(text: &str) -> Vec<u32> {
    words(text).into_iter().map(|w| w.start).collect()
}

/// Which stop words to leave out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopWords {
    None,
    English,
    German,
    French,
    Spanish,
    Dutch,
}

const ENGLISH: &str = "a about above after again against all am an and any are as at be because been before being below between both but by can could did do does doing down during each few for from further had has have having he her here hers herself him himself his how i if in into is it its itself just me more most my myself no nor not now of off on once only or other our ours ourselves out over own same she should so some such than that the their theirs them themselves then there these they this those through to too under until up very was we were what when where which while who whom why will with would you your yours yourself yourselves i'm it's don't that's they're we're you're i've can't didn't isn't yeah um uh";
const GERMAN: &str = "aber alle als also am an auch auf aus bei bin bis da dann das dass dem den der des die dies doch du ein eine einem einen einer es für hat hatte ich ihr im in ist ja kann mit nach nicht noch nur oder schon sehr sich sie sind so um und uns von war was wenn wie wir wird zu zum zur";
const FRENCH: &str = "à au aux avec ce ces c'est dans de des du elle en est et il ils je la le les leur lui ma mais me mes moi mon ne nous on ou par pas pour qu que qui sa se ses son sur ta te tes toi ton tu un une vous y été être avoir";
const SPANISH: &str = "a al algo como con de del el ella en entre es esta este fue ha la las le les lo los más me mi muy no nos o para pero por que se si sin su sus también te tu un una y ya yo";
const DUTCH: &str = "aan al als bij dan dat de der die dit door een en er had heb heeft hem het hij hoe ik in is je kan maar me met mij na naar niet nog nu of om omdat ook op over te tot uit van voor was wat we wel werd wij worden zal ze zich zijn zo";

impl StopWords {
    fn list(self) -> &'static str {
        match self {
            StopWords::None => "",
            StopWords::English => ENGLISH,
            StopWords::German => GERMAN,
            StopWords::French => FRENCH,
            StopWords::Spanish => SPANISH,
            StopWords::Dutch => DUTCH,
        }
    }
    pub fn set(self) -> HashSet<&'static str> {
        self.list().split_whitespace().collect()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FrequencyParams {
    pub stop_words: StopWords,
    /// Words shorter than this (in characters) are left out.
    pub min_length: usize,
    /// Keep the most frequent `top` words (0 keeps all).
    pub top: usize,
    /// Count only text coded with this code, when given.
    pub within: Option<CodeId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WordCount {
    pub word: String,
    pub count: u64,
    /// Share of all counted words, in percent.
    pub percent: f64,
    /// Sources the word occurs in.
    pub sources: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WordFrequencies {
    pub params: FrequencyParams,
    /// Words counted (after stop words and minimum length).
    pub total_words: u64,
    /// Most frequent first; ties in alphabetical order.
    pub words: Vec<WordCount>,
}

/// Word frequencies over the sources that pass `scope` and have text.
pub fn word_frequencies(
    corpus: &Corpus<'_>,
    params: &FrequencyParams,
    scope: &dyn Fn(&SourceEntry<'_>) -> bool,
) -> WordFrequencies {
    let stop = params.stop_words.set();
    let mut counts: HashMap<String, (u64, u64)> = HashMap::new();
    let mut total = 0u64;
    for s in corpus.sources.iter().filter(|s| scope(s)) {
        let Some(text) = s.text else { continue };
        let ranges = params.within.map(|code| {
            merge_ranges(
                s.codings
                    .iter()
                    .filter(|c| c.code == code)
                    .map(|c| (c.span.start().0, c.span.end().0))
                    .collect(),
            )
        });
        let mut seen_here: HashSet<String> = HashSet::new();
        for w in words(text) {
            if let Some(r) = &ranges {
                let i = r.partition_point(|&(_, e)| e <= w.start);
                if !matches!(r.get(i), Some(&(a, _)) if a <= w.start) {
                    continue;
                }
            }
            let lower = w.text.to_lowercase();
            if lower.chars().count() < params.min_length || stop.contains(lower.as_str()) {
                continue;
            }
            total += 1;
            let e = counts.entry(lower.clone()).or_default();
            e.0 += 1;
            if seen_here.insert(lower) {
                e.1 += 1;
            }
        }
    }
    let mut rows: Vec<WordCount> = counts
        .into_iter()
        .map(|(word, (count, sources))| WordCount {
            word,
            count,
            percent: if total > 0 {
                100.0 * count as f64 / total as f64
            } else {
                0.0
            },
            sources,
        })
        .collect();
    rows.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.word.cmp(&b.word)));
    if params.top > 0 {
        rows.truncate(params.top);
    }
    WordFrequencies {
        params: params.clone(),
        total_words: total,
        words: rows,
    }
}

/// One keyword-in-context line.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct KwicLine {
    pub source: SourceId,
    /// Where the keyword (all its words) stands.
    pub span: Span,
    /// Up to N words before, as in the text (line breaks become spaces).
    pub left: String,
    pub keyword: String,
    pub right: String,
}

/// Every occurrence of `term` (one or more words, case-insensitive) with
/// `context` words either side, in source order.
pub fn keyword_in_context(
    corpus: &Corpus<'_>,
    term: &str,
    context: usize,
    scope: &dyn Fn(&SourceEntry<'_>) -> bool,
) -> Vec<KwicLine> {
    let needle: Vec<String> = words(term).iter().map(|w| w.text.to_lowercase()).collect();
    if needle.is_empty() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for s in corpus.sources.iter().filter(|s| scope(s)) {
        let Some(text) = s.text else { continue };
        let ws = words(text);
        let lower: Vec<String> = ws.iter().map(|w| w.text.to_lowercase()).collect();
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let byte = |c: u32| chars.get(c as usize).map(|x| x.0).unwrap_or(text.len());
        let slice = |a: u32, b: u32| {
            text[byte(a)..byte(b)]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        };
        let n = needle.len();
        let mut i = 0;
        while i + n <= ws.len() {
            if lower[i..i + n] == needle[..] {
                let (a, b) = (ws[i].start, ws[i + n - 1].end);
                let left_from = ws[i.saturating_sub(context)].start;
                let right_to = if context == 0 {
                    b
                } else {
                    ws[(i + n - 1 + context).min(ws.len() - 1)].end
                };
                if let Ok(span) = Span::unbounded(a, b) {
                    out.push(KwicLine {
                        source: s.id(),
                        span,
                        left: if context == 0 {
                            String::new()
                        } else {
                            slice(left_from, a)
                        },
                        keyword: slice(a, b),
                        right: slice(b, right_to),
                    });
                }
                i += n;
            } else {
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::sample::Sample;

    #[test]
    fn words_are_unicode_aware() {
        let got: Vec<(u32, &str)> = words("Zoë's café, 😀 naïve—done.")
            .iter()
            .map(|w| (w.start, w.text))
            .collect();
        assert_eq!(
            got,
            vec![(0, "Zoë's"), (6, "café"), (14, "naïve"), (20, "done")]
        );
    }

    fn check_kwic(term: &str, context: usize, expect: &[(&str, &str, &str)]) {
        let s = Sample::new();
        let corpus = s.corpus();
        let got: Vec<(String, String, String)> =
            keyword_in_context(&corpus, term, context, &|_| true)
                .into_iter()
                .map(|l| (l.left, l.keyword, l.right))
                .collect();
        let want: Vec<(String, String, String)> = expect
            .iter()
            .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
            .collect();
        assert_eq!(got, want, "{term}");
    }

    #[test]
    fn keyword_in_context_lines() {
        check_kwic(
            "again",
            2,
            &[
                ("is cut", "again", "and again"),
                ("again and", "again", ". I take"),
            ],
        );
        check_kwic("HIGH standards", 1, &[("to", "high standards", "anyway")]);
        check_kwic("patient", 0, &[("", "patient", "")]);
        check_kwic("nothing here", 3, &[]);
    }

    #[test]
    fn frequencies_skip_stop_words() {
        let s = Sample::new();
        let corpus = s.corpus();
        let top = |min_length, top| {
            let params = FrequencyParams {
                stop_words: StopWords::English,
                min_length,
                top,
                within: None,
            };
            word_frequencies(&corpus, &params, &|_| true)
                .words
                .into_iter()
                .map(|w| (w.word, w.count, w.sources))
                .collect::<Vec<_>>()
        };
        let names = |v: Vec<(String, u64, u64)>| v.into_iter().map(|x| x.0).collect::<Vec<_>>();
        // "again" (twice in one source) is an English stop word.
        assert_eq!(names(top(1, 3)), ["q", "work", "anyway"]);
        assert_eq!(
            top(2, 2),
            vec![("work".to_string(), 2, 2), ("anyway".to_string(), 1, 1)]
        );
        let params = FrequencyParams {
            stop_words: StopWords::None,
            min_length: 1,
            top: 0,
            within: Some(s.coping),
        };
        let f = word_frequencies(&corpus, &params, &|_| true);
        assert_eq!(f.total_words, 8, "I take a walk at lunch to cope");
    }
}
