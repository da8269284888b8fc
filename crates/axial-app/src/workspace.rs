//! Use cases of the coding workspace that combine several reads: the
//! sources overview (case, attributes, sets, coding density), in-vivo coding,
//! and a code's segments grouped by a case attribute for constant comparison.
//!
//! Like every use case here it knows nothing of HTTP; the server maps these
//! results to its DTOs.

use std::collections::{BTreeMap, HashMap, HashSet};

use axial_core::{
    Action, ChangeSet, Code, CodeId, Coding, CodingId, Entity, Op, Project, SetMember, Source,
    SourceId, Span, Subject, VariableId, Version,
};
use axial_store::CodingFilter;

use crate::{Actor, App, AppError, ApplyTarget, Segment, SegmentQuery};

/// A source with what the sources list shows about it.
#[derive(Debug, Clone)]
pub struct SourceSummary {
    pub source: Source,
    pub case: Option<String>,
    /// Case attributes, then the source's own (variable name → value as text).
    pub attributes: BTreeMap<String, String>,
    pub sets: Vec<String>,
    pub codings: usize,
    /// Distinct codes applied.
    pub codes: usize,
    /// Share of the text's characters covered by at least one coding (0–1).
    pub coverage: f64,
}

/// Segments sharing one value of the grouping attribute.
#[derive(Debug, Clone)]
pub struct SegmentGroup {
    /// The attribute value, or "(no value)".
    pub value: String,
    pub segments: Vec<Segment>,
}

/// Longest in-vivo code name, in characters.
const IN_VIVO_MAX: usize = 60;

impl App {
    /// Every source of a project with its case, attributes, sets and coding density.
    pub async fn source_summaries(
        &self,
        project: &Project,
    ) -> Result<Vec<SourceSummary>, AppError> {
        let sources = self.store.sources(project.id).await?;
        let cases: HashMap<_, _> = self
            .store
            .cases(project.id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let vars: HashMap<VariableId, String> = self
            .store
            .variables(project.id)
            .await?
            .into_iter()
            .map(|v| (v.id, v.name))
            .collect();
        let values = self.store.values(project.id).await?;
        let sets = self.store.sets(project.id).await?;
        let codings = self.store.codings(project.id, &CodingFilter::all()).await?;
        let mut by_source: HashMap<SourceId, Vec<&Coding>> = HashMap::new();
        for c in &codings {
            by_source.entry(c.source).or_default().push(c);
        }
        let mut out = Vec::with_capacity(sources.len());
        for s in sources {
            let mut attributes = BTreeMap::new();
            for v in &values {
                let mine = match v.subject {
                    Subject::Case(c) => Some(c) == s.case,
                    Subject::Source(id) => id == s.id,
                };
                if mine {
                    if let Some(name) = vars.get(&v.variable) {
                        attributes.insert(name.clone(), v.value.to_string());
                    }
                }
            }
            let in_sets = sets
                .iter()
                .filter(|set| {
                    set.members.iter().any(|m| {
                        *m == SetMember::Source(s.id)
                            || s.case.is_some_and(|c| *m == SetMember::Case(c))
                    })
                })
                .map(|set| set.name.clone())
                .collect();
            let mine = by_source.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
            let codes: HashSet<CodeId> = mine.iter().map(|c| c.code).collect();
            let coverage = if s.char_len == 0 {
                0.0
            } else {
                covered(mine.iter().map(|c| c.span)) as f64 / f64::from(s.char_len)
            };
            out.push(SourceSummary {
                case: s.case.and_then(|c| cases.get(&c).cloned()),
                attributes,
                sets: in_sets,
                codings: mine.len(),
                codes: codes.len(),
                coverage,
                source: s,
            });
        }
        Ok(out)
    }

    /// In-vivo coding: a code named after the participant's own words (the
    /// selected text, tidied and shortened), applied to that text. A
    /// top-level code of that name is reused.
    pub async fn code_in_vivo(
        &self,
        actor: &Actor,
        project: &Project,
        source: &Source,
        span: Span,
    ) -> Result<(Code, Vec<Coding>), AppError> {
        let text = self.text(source).await?;
        let span = span.check_within(text.char_len())?;
        let name = in_vivo_name(text.slice(span)).ok_or_else(|| {
            AppError::invalid(
                "the selection holds no words to name an in-vivo code after; select some words",
            )
        })?;
        let codes = self.store.codes(project.id).await?;
        let code = match codes
            .into_iter()
            .find(|c| c.parent.is_none() && c.name == name && c.codable)
        {
            Some(c) => c,
            None => {
                self.create_code(
                    actor,
                    project,
                    &name,
                    None,
                    None,
                    "in-vivo code: the participant's own words",
                    true,
                )
                .await?
            }
        };
        let made = self
            .apply_code(
                actor,
                project,
                &code,
                std::slice::from_ref(source),
                &ApplyTarget::Span {
                    start: span.start().0,
                    end: span.end().0,
                },
            )
            .await?;
        Ok((code, made))
    }

    /// One coding, which must belong to the project.
    pub async fn coding(&self, project: &Project, id: CodingId) -> Result<Coding, AppError> {
        let c = self.store.coding(id).await?;
        if c.project != project.id {
            return Err(AppError::NotFound {
                what: "coding",
                name: id.to_string(),
                hint: format!("it is not in project '{}'", project.name),
            });
        }
        Ok(c)
    }

    /// Applies a code to many spans (for example selected search hits) in
    /// one change; spans the actor already coded with it are skipped.
    /// Returns how many codings were made.
    pub async fn apply_spans(
        &self,
        actor: &Actor,
        project: &Project,
        code: &Code,
        spans: Vec<(Source, Span)>,
    ) -> Result<usize, AppError> {
        if !code.codable {
            return Err(AppError::invalid(format!(
                "'{}' is a category and cannot be applied; pick one of its codes",
                code.name
            )));
        }
        let sources: Vec<SourceId> = spans.iter().map(|(s, _)| s.id).collect();
        let existing = self
            .store
            .codings(
                project.id,
                &CodingFilter {
                    codes: vec![code.id],
                    sources,
                    coders: vec![actor.id()],
                },
            )
            .await?;
        let mut have: HashSet<(SourceId, Span)> =
            existing.iter().map(|c| (c.source, c.span)).collect();
        let now = axial_core::now();
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CodingApply,
            String::new(),
        );
        for (source, span) in spans {
            let span = span.check_within(source.char_len)?;
            if !have.insert((source.id, span)) {
                continue;
            }
            cs.push(Op::insert(Entity::Coding(Coding {
                id: CodingId::new(),
                project: project.id,
                source: source.id,
                code: code.id,
                span,
                coder: actor.id(),
                created_at: now,
                version: Version::FIRST,
            })));
        }
        let n = cs.ops.len();
        if n == 0 {
            return Ok(0);
        }
        cs.summary = format!(
            "coded {n} segment{} as '{}'",
            if n == 1 { "" } else { "s" },
            code.name
        );
        self.store.commit(cs).await?;
        Ok(n)
    }

    /// A code's segments with context, grouped by a case attribute (all in
    /// one group when `group_by` is `None`). Groups are sorted by value, the
    /// "(no value)" group last.
    pub async fn grouped_segments(
        &self,
        project: &Project,
        code: CodeId,
        include_children: bool,
        group_by: Option<&str>,
        context: u32,
    ) -> Result<Vec<SegmentGroup>, AppError> {
        let var = match group_by {
            Some(name) => Some(self.find_variable(project, name).await?.name),
            None => None,
        };
        let segments = self
            .segments(
                project,
                &SegmentQuery {
                    codes: vec![code],
                    include_children,
                    context,
                    label_by: var.clone(),
                    ..Default::default()
                },
            )
            .await?;
        let mut groups: BTreeMap<(bool, String), Vec<Segment>> = BTreeMap::new();
        for s in segments {
            let value = var.as_ref().and_then(|v| s.attributes.get(v).cloned());
            let key = match value {
                Some(v) => (false, v),
                None if var.is_some() => (true, "(no value)".to_string()),
                None => (false, "all segments".to_string()),
            };
            groups.entry(key).or_default().push(s);
        }
        Ok(groups
            .into_iter()
            .map(|((_, value), segments)| SegmentGroup { value, segments })
            .collect())
    }
}

/// Code points covered by the union of the spans.
fn covered(spans: impl Iterator<Item = Span>) -> u32 {
    let mut v: Vec<Span> = spans.collect();
    v.sort();
    let mut total = 0;
    let mut cur: Option<Span> = None;
    for s in v {
        cur = match cur {
            Some(c) if c.touches(&s) => Some(c.cover(&s)),
            Some(c) => {
                total += c.len();
                Some(s)
            }
            None => Some(s),
        };
    }
    total + cur.map(|c| c.len()).unwrap_or(0)
}

/// The name of an in-vivo code for the selected words: whitespace collapsed,
/// surrounding quotes and punctuation trimmed, at most [`IN_VIVO_MAX`]
/// characters (cut at a word boundary, with an ellipsis).
pub(crate) fn in_vivo_name(selected: &str) -> Option<String> {
    let words: Vec<&str> = selected.split_whitespace().collect();
    let joined = words.join(" ");
    let trimmed = joined.trim_matches(|c: char| !c.is_alphanumeric());
    if trimmed.is_empty() {
        return None;
    }
    if trimmed.chars().count() <= IN_VIVO_MAX {
        return Some(trimmed.to_string());
    }
    let mut out = String::new();
    for w in trimmed.split(' ') {
        if out.chars().count() + w.chars().count() + 1 > IN_VIVO_MAX - 1 {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    if out.is_empty() {
        out = trimmed.chars().take(IN_VIVO_MAX - 1).collect();
    }
    out.push('…');
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(selected: &str, want: Option<&str>) {
        assert_eq!(in_vivo_name(selected).as_deref(), want, "{selected:?}");
    }

    #[test]
    fn in_vivo_names() {
        check("  “ticking boxes”,\r\n ", Some("ticking boxes"));
        check("it's   just\nfirefighting", Some("it's just firefighting"));
        check(" … ", None);
        check("😀", None);
        let long = "we are always chasing the numbers and nobody ever asks whether the patient actually felt heard today";
        let name = in_vivo_name(long).expect("long selections still name a code");
        assert!(
            name.ends_with('…') && name.chars().count() <= IN_VIVO_MAX,
            "{name}"
        );
        assert!(long.starts_with(name.trim_end_matches('…')), "{name}");
    }

    #[test]
    fn coverage_counts_overlaps_once() {
        let s = |a, b| Span::unbounded(a, b).expect("test span");
        assert_eq!(covered([s(0, 10), s(5, 15), s(20, 22)].into_iter()), 17);
        assert_eq!(covered([s(0, 5), s(5, 10)].into_iter()), 10);
        assert_eq!(covered(std::iter::empty()), 0);
    }
}
