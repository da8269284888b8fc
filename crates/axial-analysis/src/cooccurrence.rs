//! Code × code co-occurrence: how often codings of two different codes
//! overlap, fall in the same paragraph or speaker turn (from the source's
//! recorded `Structure`), or lie within N characters of each other. Every
//! cell keeps the coding-id pairs behind it.
//!
//! Each source is swept once with its codings sorted by start, so the cost is
//! the number of codings plus the number of pairs found, never all codings
//! squared. Codings of the same code are not paired with each other.

use std::collections::HashMap;

use axial_core::{CodeId, CodingId, Span};
use serde::Serialize;

use crate::corpus::SourceEntry;
use crate::{AnalysisError, Corpus};

/// When two codings count as occurring together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "chars")]
pub enum Proximity {
    /// They share at least one character.
    Overlap,
    /// They touch a common paragraph.
    SameParagraph,
    /// They touch a common speaker turn.
    SameTurn,
    /// At most this many characters lie between them (0: overlap or touch).
    Within(u32),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CooccurrenceParams {
    pub codes: Vec<CodeId>,
    pub proximity: Proximity,
}

/// One pair of codes that occur together.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CooccurrenceCell {
    /// Indices into `codes`, `first < second`.
    pub first: usize,
    pub second: usize,
    /// Coding pairs found.
    pub pairs: u64,
    /// Sources with at least one pair.
    pub sources: u64,
    /// `(coding of first, coding of second)`.
    pub coding_pairs: Vec<(CodingId, CodingId)>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cooccurrence {
    pub params: CooccurrenceParams,
    pub names: Vec<String>,
    /// Codings of each code (the diagonal).
    pub segments: Vec<u64>,
    /// `counts[a][b]` = coding pairs of codes a and b (symmetric; 0 on the diagonal).
    pub counts: Vec<Vec<u64>>,
    /// The non-empty cells, `first < second`, in row order.
    pub cells: Vec<CooccurrenceCell>,
    /// Sources without the recorded paragraphs or turns the mode needs.
    pub sources_without_structure: u64,
}

impl Cooccurrence {
    pub fn cell(&self, a: CodeId, b: CodeId) -> Option<&CooccurrenceCell> {
        let i = self.params.codes.iter().position(|c| *c == a)?;
        let j = self.params.codes.iter().position(|c| *c == b)?;
        let (x, y) = (i.min(j), i.max(j));
        self.cells.iter().find(|c| c.first == x && c.second == y)
    }
}

/// Counts co-occurrences over the sources that pass `scope`.
pub fn cooccurrence(
    corpus: &Corpus<'_>,
    params: &CooccurrenceParams,
    scope: &dyn Fn(&SourceEntry<'_>) -> bool,
) -> Result<Cooccurrence, AnalysisError> {
    let k = params.codes.len();
    let mut names = Vec::with_capacity(k);
    let mut index: HashMap<CodeId, usize> = HashMap::new();
    for (i, &c) in params.codes.iter().enumerate() {
        names.push(
            corpus
                .codes
                .get(c)
                .ok_or(AnalysisError::UnknownCode { code: c })?
                .name
                .clone(),
        );
        index.insert(c, i);
    }
    let mut segments = vec![0u64; k];
    let mut cells: HashMap<(usize, usize), CooccurrenceCell> = HashMap::new();
    let mut without = 0;
    for s in corpus.sources.iter().filter(|s| scope(s)) {
        let units: Option<Vec<Span>> = match params.proximity {
            Proximity::SameParagraph => Some(s.source.structure.paragraphs.clone()),
            Proximity::SameTurn => Some(s.source.structure.turns.iter().map(|t| t.span).collect()),
            _ => None,
        };
        // Each coding as an interval to sweep: characters, or unit indices.
        let mut items: Vec<(u64, u64, usize, CodingId)> = Vec::new();
        match &units {
            Some(u) if u.is_empty() => {
                without += 1;
            }
            Some(u) => {
                let mut u = u.clone();
                u.sort();
                for c in &s.codings {
                    let Some(&ci) = index.get(&c.code) else {
                        continue;
                    };
                    segments[ci] += 1;
                    let first = u.partition_point(|x| x.end() <= c.span.start());
                    let mut last = first;
                    while last < u.len() && u[last].start() < c.span.end() {
                        last += 1;
                    }
                    if last > first {
                        items.push((first as u64, last as u64, ci, c.id));
                    }
                }
            }
            None => {
                let slack = match params.proximity {
                    Proximity::Within(n) => u64::from(n),
                    _ => 0,
                };
                for c in &s.codings {
                    let Some(&ci) = index.get(&c.code) else {
                        continue;
                    };
                    segments[ci] += 1;
                    // Extending the end by n+1 turns "gap ≤ n" into "overlap".
                    let extra = if matches!(params.proximity, Proximity::Within(_)) {
                        slack + 1
                    } else {
                        0
                    };
                    items.push((
                        u64::from(c.span.start().0),
                        u64::from(c.span.end().0) + extra,
                        ci,
                        c.id,
                    ));
                }
            }
        }
        items.sort_unstable();
        let mut active: Vec<(u64, u64, usize, CodingId)> = Vec::new();
        let mut touched: Vec<(usize, usize)> = Vec::new();
        for item in items {
            active.retain(|a| a.1 > item.0);
            for a in &active {
                if a.2 == item.2 {
                    continue;
                }
                let (first, second, pair) = if a.2 < item.2 {
                    (a.2, item.2, (a.3, item.3))
                } else {
                    (item.2, a.2, (item.3, a.3))
                };
                let cell = cells
                    .entry((first, second))
                    .or_insert_with(|| CooccurrenceCell {
                        first,
                        second,
                        pairs: 0,
                        sources: 0,
                        coding_pairs: Vec::new(),
                    });
                cell.pairs += 1;
                cell.coding_pairs.push(pair);
                touched.push((first, second));
            }
            active.push(item);
        }
        touched.sort_unstable();
        touched.dedup();
        for key in touched {
            if let Some(c) = cells.get_mut(&key) {
                c.sources += 1;
            }
        }
    }
    let mut counts = vec![vec![0u64; k]; k];
    let mut cells: Vec<CooccurrenceCell> = cells.into_values().collect();
    cells.sort_by_key(|c| (c.first, c.second));
    for c in &cells {
        counts[c.first][c.second] = c.pairs;
        counts[c.second][c.first] = c.pairs;
    }
    Ok(Cooccurrence {
        params: params.clone(),
        names,
        segments,
        counts,
        cells,
        sources_without_structure: without,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::sample::Sample;

    /// Pairs (efficiency, standards) and (efficiency, coping) under a mode.
    fn check(proximity: Proximity, expect: (u64, u64)) {
        let s = Sample::new();
        let corpus = s.corpus();
        let params = CooccurrenceParams {
            codes: vec![s.efficiency, s.standards, s.coping],
            proximity,
        };
        let c = cooccurrence(&corpus, &params, &|_| true).expect("known codes");
        assert_eq!((c.counts[0][1], c.counts[0][2]), expect, "{proximity:?}");
        assert_eq!(c.counts[1][0], c.counts[0][1], "symmetric");
        assert_eq!(c.segments, vec![4, 2, 1]);
        if let Some(cell) = c.cell(s.standards, s.efficiency) {
            assert_eq!(cell.coding_pairs.len() as u64, cell.pairs);
        }
    }

    #[test]
    fn modes() {
        check(Proximity::Overlap, (1, 0));
        check(Proximity::SameParagraph, (2, 1));
        check(Proximity::SameTurn, (2, 1));
        check(Proximity::Within(0), (1, 0));
        check(Proximity::Within(1), (1, 1));
        check(Proximity::Within(12), (1, 1));
        check(Proximity::Within(13), (2, 1));
    }

    #[test]
    fn scope_restricts_sources() {
        let s = Sample::new();
        let corpus = s.corpus();
        let params = CooccurrenceParams {
            codes: vec![s.efficiency, s.coping],
            proximity: Proximity::SameParagraph,
        };
        let nurse = s.nurse;
        let c = cooccurrence(&corpus, &params, &|e| e.case() != Some(nurse)).expect("known codes");
        assert!(c.cells.is_empty());
    }
}
