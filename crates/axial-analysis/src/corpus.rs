//! The shared read-only view every analysis works on: sources in the order
//! given, each with its case, its attribute values, the sets it belongs to and
//! its codings sorted by start; and the code tree.
//!
//! The app builds a [`Corpus`] once from slices of core values and hands it to
//! any number of analyses. This module checks the input (every coding names a
//! known source and fits in it) but never reads storage or files.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axial_core::{
    Case, CaseId, Code, CodeId, Coding, CodingId, Set, SetId, SetMember, Source, SourceId, Subject,
    Value, VariableId, VariableValue,
};

use crate::AnalysisError;

/// Everything a [`Corpus`] is built from. Texts are optional: only word
/// counts and keyword-in-context need them.
#[derive(Debug, Clone, Copy, Default)]
pub struct CorpusInput<'a> {
    pub sources: &'a [Source],
    pub cases: &'a [Case],
    pub codes: &'a [Code],
    pub codings: &'a [Coding],
    pub values: &'a [VariableValue],
    pub sets: &'a [Set],
    pub texts: Option<&'a HashMap<SourceId, Arc<str>>>,
}

/// One source with what the analyses need to know about it.
#[derive(Debug, Clone)]
pub struct SourceEntry<'a> {
    pub source: &'a Source,
    pub text: Option<&'a str>,
    /// This source's codings, sorted by start, then end, then id.
    pub codings: Vec<&'a Coding>,
    /// Attribute values that apply: the source's own, then its case's for
    /// variables the source does not set itself.
    pub values: Vec<(VariableId, &'a Value)>,
    /// Sets holding the source or its case.
    pub sets: Vec<SetId>,
}

impl<'a> SourceEntry<'a> {
    pub fn id(&self) -> SourceId {
        self.source.id
    }
    pub fn case(&self) -> Option<CaseId> {
        self.source.case
    }
    /// The value of a variable for this source (its own, else its case's).
    pub fn value(&self, variable: VariableId) -> Option<&'a Value> {
        self.values
            .iter()
            .find(|(v, _)| *v == variable)
            .map(|(_, value)| *value)
    }
    pub fn in_set(&self, set: SetId) -> bool {
        self.sets.contains(&set)
    }
}

/// The code tree: codes in the order given, with parent links resolved.
#[derive(Debug, Clone, Default)]
pub struct CodeTree<'a> {
    pub codes: Vec<&'a Code>,
    index: HashMap<CodeId, usize>,
    children: Vec<Vec<usize>>,
}

impl<'a> CodeTree<'a> {
    pub fn new(codes: &'a [Code]) -> CodeTree<'a> {
        let index: HashMap<CodeId, usize> =
            codes.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
        let mut children = vec![Vec::new(); codes.len()];
        for (i, c) in codes.iter().enumerate() {
            if let Some(&p) = c.parent.and_then(|p| index.get(&p)) {
                children[p].push(i);
            }
        }
        CodeTree {
            codes: codes.iter().collect(),
            index,
            children,
        }
    }
    pub fn get(&self, id: CodeId) -> Option<&'a Code> {
        self.index.get(&id).map(|&i| self.codes[i])
    }
    pub fn position(&self, id: CodeId) -> Option<usize> {
        self.index.get(&id).copied()
    }
    /// The name of a code, or its id when the code is not in the tree.
    pub fn name(&self, id: CodeId) -> String {
        self.get(id)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| id.to_string())
    }
    /// The code and every code below it (depth first, cycles ignored).
    pub fn with_descendants(&self, id: CodeId) -> Vec<CodeId> {
        let mut out = vec![id];
        let mut seen = HashSet::from([id]);
        let mut stack: Vec<usize> = self
            .position(id)
            .map(|i| self.children[i].clone())
            .unwrap_or_default();
        while let Some(i) = stack.pop() {
            let c = self.codes[i].id;
            if seen.insert(c) {
                out.push(c);
                stack.extend(self.children[i].iter().copied());
            }
        }
        out
    }
}

/// The shared view over one project's sources, cases, codes and codings.
#[derive(Debug, Clone)]
pub struct Corpus<'a> {
    pub sources: Vec<SourceEntry<'a>>,
    pub cases: Vec<&'a Case>,
    pub codes: CodeTree<'a>,
    source_index: HashMap<SourceId, usize>,
}

impl<'a> Corpus<'a> {
    /// Groups and sorts the input; fails on a coding whose source is unknown
    /// or whose span runs past its source's end, and on a text whose length
    /// differs from its source's `char_len`.
    pub fn new(input: CorpusInput<'a>) -> Result<Corpus<'a>, AnalysisError> {
        let source_index: HashMap<SourceId, usize> = input
            .sources
            .iter()
            .enumerate()
            .map(|(i, s)| (s.id, i))
            .collect();
        let mut codings: Vec<Vec<&'a Coding>> = vec![Vec::new(); input.sources.len()];
        for c in input.codings {
            let Some(&i) = source_index.get(&c.source) else {
                return Err(AnalysisError::UnknownSource {
                    coding: c.id,
                    source_id: c.source,
                });
            };
            let len = input.sources[i].char_len;
            if c.span.end().0 > len {
                return Err(AnalysisError::CodingOutOfRange {
                    coding: c.id,
                    source_id: c.source,
                    start: c.span.start().0,
                    end: c.span.end().0,
                    len,
                });
            }
            codings[i].push(c);
        }
        let mut case_values: HashMap<CaseId, Vec<(VariableId, &'a Value)>> = HashMap::new();
        let mut source_values: HashMap<SourceId, Vec<(VariableId, &'a Value)>> = HashMap::new();
        for v in input.values {
            match v.subject {
                Subject::Case(c) => case_values
                    .entry(c)
                    .or_default()
                    .push((v.variable, &v.value)),
                Subject::Source(s) => source_values
                    .entry(s)
                    .or_default()
                    .push((v.variable, &v.value)),
            }
        }
        let mut source_sets: HashMap<SourceId, Vec<SetId>> = HashMap::new();
        let mut case_sets: HashMap<CaseId, Vec<SetId>> = HashMap::new();
        for set in input.sets {
            for m in &set.members {
                match m {
                    SetMember::Source(s) => source_sets.entry(*s).or_default().push(set.id),
                    SetMember::Case(c) => case_sets.entry(*c).or_default().push(set.id),
                    SetMember::Code(_) | SetMember::Memo(_) => {}
                }
            }
        }
        let mut sources = Vec::with_capacity(input.sources.len());
        for (s, mut cs) in input.sources.iter().zip(codings) {
            cs.sort_by_key(|c| (c.span.start(), c.span.end(), c.id));
            let text = match input.texts.and_then(|t| t.get(&s.id)) {
                Some(t) => {
                    let n = t.chars().count();
                    if n != s.char_len as usize {
                        return Err(AnalysisError::TextLength {
                            source_id: s.id,
                            expected: s.char_len,
                            found: n,
                        });
                    }
                    Some(&**t)
                }
                None => None,
            };
            let mut values = source_values.remove(&s.id).unwrap_or_default();
            if let Some(case) = s.case.and_then(|c| case_values.get(&c)) {
                for &(var, val) in case {
                    if !values.iter().any(|(v, _)| *v == var) {
                        values.push((var, val));
                    }
                }
            }
            let mut sets = source_sets.remove(&s.id).unwrap_or_default();
            if let Some(cs) = s.case.and_then(|c| case_sets.get(&c)) {
                sets.extend(cs.iter().copied());
            }
            sets.sort();
            sets.dedup();
            sources.push(SourceEntry {
                source: s,
                text,
                codings: cs,
                values,
                sets,
            });
        }
        Ok(Corpus {
            sources,
            cases: input.cases.iter().collect(),
            codes: CodeTree::new(input.codes),
            source_index,
        })
    }

    pub fn source(&self, id: SourceId) -> Option<&SourceEntry<'a>> {
        self.source_index.get(&id).map(|&i| &self.sources[i])
    }

    /// Every coding id in the corpus with its source, for lookups.
    pub fn coding(&self, source: SourceId, id: CodingId) -> Option<&'a Coding> {
        self.source(source)?
            .codings
            .iter()
            .copied()
            .find(|c| c.id == id)
    }
}

/// Merges spans that overlap or touch (`next.start <= current.end`) into a
/// sorted list of disjoint `(start, end)` pairs.
pub fn merge_ranges(mut ranges: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    ranges.retain(|(a, b)| a < b);
    ranges.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(ranges.len());
    for (a, b) in ranges {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// Intersection of two sorted disjoint range lists.
pub fn intersect_ranges(a: &[(u32, u32)], b: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let s = a[i].0.max(b[j].0);
        let e = a[i].1.min(b[j].1);
        if s < e {
            out.push((s, e));
        }
        if a[i].1 < b[j].1 {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// The complement of a sorted disjoint range list within `[0, len)`.
pub fn complement_ranges(a: &[(u32, u32)], len: u32) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    let mut at = 0;
    for &(s, e) in a {
        if s > at {
            out.push((at, s.min(len)));
        }
        at = at.max(e);
    }
    if at < len {
        out.push((at, len));
    }
    out.retain(|(s, e)| s < e);
    out
}

/// Total length of disjoint ranges.
pub fn ranges_len(a: &[(u32, u32)]) -> u64 {
    a.iter().map(|(s, e)| u64::from(e - s)).sum()
}

/// A small hand-made study shared by the unit tests: a manager and a nurse
/// (two interviews) talking about pressure at work, plus field notes with no
/// case. Spans are found by quoting the text they cover.
#[cfg(test)]
pub(crate) mod sample {
    use std::collections::HashMap;
    use std::sync::Arc;

    use axial_core::{
        Case, CaseId, Code, CodeId, Coding, CodingId, Color, ContentHash, ProjectId, Set, SetId,
        SetMember, Source, SourceId, SourceKind, Span, Structure, Subject, Turn, UserId, Value,
        ValueId, VariableId, VariableValue, Version,
    };

    use super::{Corpus, CorpusInput};

    pub(crate) struct Sample {
        pub sources: Vec<Source>,
        pub cases: Vec<Case>,
        pub codes: Vec<Code>,
        pub codings: Vec<Coding>,
        pub values: Vec<VariableValue>,
        pub sets: Vec<Set>,
        pub texts: HashMap<SourceId, Arc<str>>,
        pub group: VariableId,
        pub pilot: SetId,
        pub nurse: CaseId,
        pub pressure: CodeId,
        pub efficiency: CodeId,
        pub standards: CodeId,
        pub coping: CodeId,
        pub time: CodeId,
    }

    pub(crate) const TEXTS: [&str; 4] = [
        "Q: How is work?\nA: We must do more with less every week. I hold myself to high standards anyway.\n",
        "Q: Tell me about a shift.\nA: The rota is cut again and again. I take a walk at lunch to cope.\n",
        "A: Speed is all they measure. Patients deserve my best work, and I give it.\n",
        "Observed: the clinic manager counts minutes per patient.\n",
    ];

    /// The span of the first occurrence of `quote` in `text`, in code points.
    pub(crate) fn span_of(text: &str, quote: &str) -> Span {
        let byte = text
            .find(quote)
            .unwrap_or_else(|| panic!("sample text lacks '{quote}'"));
        let start = text[..byte].chars().count() as u32;
        Span::unbounded(start, start + quote.chars().count() as u32).expect("quotes are not empty")
    }

    fn lines(text: &str) -> Vec<Span> {
        let mut out = Vec::new();
        let mut at = 0u32;
        for line in text.split_inclusive('\n') {
            let n = line.trim_end_matches('\n').chars().count() as u32;
            if n > 0 {
                out.push(Span::unbounded(at, at + n).expect("line is not empty"));
            }
            at += line.chars().count() as u32;
        }
        out
    }

    impl Sample {
        pub(crate) fn new() -> Sample {
            let project = ProjectId::new();
            let coder = UserId::new();
            let now = axial_core::now();
            let code = |name: &str, parent: Option<CodeId>, codable: bool| Code {
                id: CodeId::new(),
                project,
                parent,
                name: name.into(),
                color: Color::palette(0),
                description: String::new(),
                inclusion: String::new(),
                exclusion: String::new(),
                example: String::new(),
                codable,
                created_by: coder,
                created_at: now,
                version: Version::FIRST,
            };
            let pressure = code("Pressure", None, false);
            let efficiency = code("efficiency pressure", Some(pressure.id), true);
            let standards = code("personal standards", Some(pressure.id), true);
            let coping = code("coping", None, true);
            let time = code("time", None, true);
            let case = |name: &str| Case {
                id: CaseId::new(),
                project,
                name: name.into(),
                description: String::new(),
                version: Version::FIRST,
            };
            let manager = case("Manager M1");
            let nurse = case("Nurse N1");
            let cases_of = [Some(manager.id), Some(nurse.id), Some(nurse.id), None];
            let names = ["Interview 1", "Interview 2", "Interview 3", "Field notes"];
            let mut sources = Vec::new();
            let mut texts = HashMap::new();
            for i in 0..4 {
                let text = TEXTS[i];
                let paragraphs = lines(text);
                let turns = paragraphs
                    .iter()
                    .map(|p| Turn {
                        span: *p,
                        speaker: text
                            .chars()
                            .nth(p.start().0 as usize)
                            .map(String::from)
                            .unwrap_or_default(),
                        start_ms: None,
                        end_ms: None,
                    })
                    .collect();
                let s = Source {
                    id: SourceId::new(),
                    project,
                    name: names[i].into(),
                    kind: SourceKind::Text,
                    content_hash: ContentHash([i as u8; 32]),
                    char_len: text.chars().count() as u32,
                    imported_at: now,
                    imported_by: coder,
                    case: cases_of[i],
                    description: String::new(),
                    structure: std::sync::Arc::new(Structure {
                        paragraphs,
                        turns,
                        pages: Vec::new(),
                    }),
                    revision_of: None,
                    version: Version::FIRST,
                };
                texts.insert(s.id, Arc::<str>::from(text));
                sources.push(s);
            }
            let plan: [(usize, CodeId, &str); 7] = [
                (0, efficiency.id, "more with less"),
                (0, standards.id, "I hold myself to high standards anyway."),
                (1, efficiency.id, "The rota is cut again and again."),
                (1, coping.id, "I take a walk at lunch to cope."),
                (2, efficiency.id, "Speed is all they measure."),
                (2, standards.id, "measure. Patients deserve my best work"),
                (3, efficiency.id, "counts minutes per patient"),
            ];
            let codings = plan
                .iter()
                .map(|&(i, c, quote)| Coding {
                    id: CodingId::new(),
                    project,
                    source: sources[i].id,
                    code: c,
                    span: span_of(TEXTS[i], quote),
                    coder,
                    created_at: now,
                    version: Version::FIRST,
                })
                .collect();
            let group = VariableId::new();
            let value = |case: CaseId, v: &str| VariableValue {
                id: ValueId::new(),
                project,
                variable: group,
                subject: Subject::Case(case),
                value: Value::Category(v.into()),
                version: Version::FIRST,
            };
            let values = vec![value(manager.id, "manager"), value(nurse.id, "nurse")];
            let pilot = Set {
                id: SetId::new(),
                project,
                name: "pilot".into(),
                description: String::new(),
                members: vec![SetMember::Source(sources[0].id), SetMember::Case(nurse.id)],
                version: Version::FIRST,
            };
            Sample {
                group,
                pilot: pilot.id,
                nurse: nurse.id,
                pressure: pressure.id,
                efficiency: efficiency.id,
                standards: standards.id,
                coping: coping.id,
                time: time.id,
                sources,
                cases: vec![manager, nurse],
                codes: vec![pressure, efficiency, standards, coping, time],
                codings,
                values,
                sets: vec![pilot],
                texts,
            }
        }

        pub(crate) fn corpus(&self) -> Corpus<'_> {
            Corpus::new(CorpusInput {
                sources: &self.sources,
                cases: &self.cases,
                codes: &self.codes,
                codings: &self.codings,
                values: &self.values,
                sets: &self.sets,
                texts: Some(&self.texts),
            })
            .expect("the sample corpus is valid")
        }

        /// Resolves a code name (case-insensitive) for the query parser.
        pub(crate) fn resolve(&self, name: &str) -> Option<CodeId> {
            self.codes
                .iter()
                .find(|c| c.name.eq_ignore_ascii_case(name))
                .map(|c| c.id)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_merge(input: &[(u32, u32)], expect: &[(u32, u32)]) {
        assert_eq!(merge_ranges(input.to_vec()), expect.to_vec(), "{input:?}");
    }

    #[test]
    fn merging_joins_touching_and_overlapping() {
        check_merge(&[(5, 8), (0, 5)], &[(0, 8)]);
        check_merge(&[(0, 4), (2, 6), (7, 9)], &[(0, 6), (7, 9)]);
        check_merge(&[(3, 3), (1, 2)], &[(1, 2)]);
        check_merge(&[], &[]);
    }

    #[test]
    fn range_algebra() {
        let a = [(0, 5), (10, 20)];
        let b = [(3, 12), (15, 16), (19, 30)];
        assert_eq!(
            intersect_ranges(&a, &b),
            vec![(3, 5), (10, 12), (15, 16), (19, 20)]
        );
        assert_eq!(complement_ranges(&a, 25), vec![(5, 10), (20, 25)]);
        assert_eq!(complement_ranges(&[], 3), vec![(0, 3)]);
        assert_eq!(ranges_len(&a), 15);
    }
}
