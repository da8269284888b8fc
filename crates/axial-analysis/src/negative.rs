//! Negative cases: sources and cases where a code (or any code under a
//! category) is absent, and where a contradicting code appears, so that a
//! developing category can be tested against the data that do not fit it.
//!
//! Which codes contradict which is the researcher's call; this module only
//! finds where they occur.

use std::collections::HashSet;

use axial_core::{CaseId, CodeId, CodingId, SourceId};
use serde::Serialize;

use crate::corpus::SourceEntry;
use crate::{AnalysisError, Corpus};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NegativeParams {
    /// The code or category looked for.
    pub code: CodeId,
    /// Count codings of any code below `code` as the code itself.
    pub include_descendants: bool,
    /// Codes whose presence contradicts `code`.
    pub contradicting: Vec<CodeId>,
}

/// A source where a contradicting code appears.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Contradiction {
    pub source: SourceId,
    pub case: Option<CaseId>,
    /// The contradicting codings.
    pub codings: Vec<CodingId>,
    /// Whether the code looked for also appears in this source.
    pub with_code: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NegativeCases {
    pub params: NegativeParams,
    pub sources_searched: u64,
    /// Sources with no coding of the code.
    pub sources_without: Vec<SourceId>,
    /// Cases none of whose searched sources has a coding of the code.
    pub cases_without: Vec<CaseId>,
    pub contradictions: Vec<Contradiction>,
}

/// Finds negative cases among the sources that pass `scope`.
pub fn negative_cases(
    corpus: &Corpus<'_>,
    params: &NegativeParams,
    scope: &dyn Fn(&SourceEntry<'_>) -> bool,
) -> Result<NegativeCases, AnalysisError> {
    for &c in std::iter::once(&params.code).chain(&params.contradicting) {
        if corpus.codes.get(c).is_none() {
            return Err(AnalysisError::UnknownCode { code: c });
        }
    }
    let wanted: HashSet<CodeId> = if params.include_descendants {
        corpus
            .codes
            .with_descendants(params.code)
            .into_iter()
            .collect()
    } else {
        HashSet::from([params.code])
    };
    let mut searched = 0;
    let mut sources_without = Vec::new();
    let mut contradictions = Vec::new();
    let mut case_order: Vec<CaseId> = Vec::new();
    let mut cases_with: HashSet<CaseId> = HashSet::new();
    for s in corpus.sources.iter().filter(|s| scope(s)) {
        searched += 1;
        let has = s.codings.iter().any(|c| wanted.contains(&c.code));
        if !has {
            sources_without.push(s.id());
        }
        if let Some(case) = s.case() {
            if !case_order.contains(&case) {
                case_order.push(case);
            }
            if has {
                cases_with.insert(case);
            }
        }
        let contra: Vec<CodingId> = s
            .codings
            .iter()
            .filter(|c| params.contradicting.contains(&c.code))
            .map(|c| c.id)
            .collect();
        if !contra.is_empty() {
            contradictions.push(Contradiction {
                source: s.id(),
                case: s.case(),
                codings: contra,
                with_code: has,
            });
        }
    }
    Ok(NegativeCases {
        params: params.clone(),
        sources_searched: searched,
        sources_without,
        cases_without: case_order
            .into_iter()
            .filter(|c| !cases_with.contains(c))
            .collect(),
        contradictions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::sample::Sample;

    fn check(
        code: fn(&Sample) -> CodeId,
        descendants: bool,
        without: &[usize],
        cases_without: &[&str],
    ) {
        let s = Sample::new();
        let corpus = s.corpus();
        let params = NegativeParams {
            code: code(&s),
            include_descendants: descendants,
            contradicting: vec![],
        };
        let r = negative_cases(&corpus, &params, &|_| true).expect("known code");
        let want: Vec<SourceId> = without.iter().map(|&i| s.sources[i].id).collect();
        assert_eq!(r.sources_without, want);
        let want_cases: Vec<CaseId> = cases_without
            .iter()
            .map(|n| {
                s.cases
                    .iter()
                    .find(|c| c.name == *n)
                    .map(|c| c.id)
                    .expect("sample case")
            })
            .collect();
        assert_eq!(r.cases_without, want_cases);
    }

    #[test]
    fn absent_codes_and_categories() {
        check(|s| s.coping, false, &[0, 2, 3], &["Manager M1"]);
        check(|s| s.standards, false, &[1, 3], &[]);
        // The category itself is never coded; its children are, except in none.
        check(
            |s| s.pressure,
            false,
            &[0, 1, 2, 3],
            &["Manager M1", "Nurse N1"],
        );
        check(|s| s.pressure, true, &[], &[]);
        check(|s| s.time, true, &[0, 1, 2, 3], &["Manager M1", "Nurse N1"]);
    }

    #[test]
    fn contradicting_codes() {
        let s = Sample::new();
        let corpus = s.corpus();
        let params = NegativeParams {
            code: s.standards,
            include_descendants: false,
            contradicting: vec![s.coping],
        };
        let r = negative_cases(&corpus, &params, &|_| true).expect("known codes");
        assert_eq!(r.contradictions.len(), 1);
        let c = &r.contradictions[0];
        assert_eq!(
            (c.source, c.case, c.with_code, c.codings.len()),
            (s.sources[1].id, Some(s.nurse), false, 1)
        );
        let bad = NegativeParams {
            code: CodeId::new(),
            include_descendants: false,
            contradicting: vec![],
        };
        assert!(negative_cases(&corpus, &bad, &|_| true).is_err());
    }
}
