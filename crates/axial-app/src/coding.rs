//! Applying and removing codings, and retrieving coded segments with attribution.

use std::collections::{BTreeMap, HashMap, HashSet};

use axial_core::{
    Action, CaseId, ChangeSet, Code, CodeId, Coding, CodingId, Entity, EntityKind, Op, Project,
    ProjectId, Source, SourceId, Span, Subject, UserId, Variable, VariableId, VariableKind,
    Version,
};
use axial_store::{CodingFilter, StoreError};
use serde::Serialize;

use crate::codebook::{descendants, tree_order};
use crate::{Actor, App, AppError};

/// Where to apply a code.
#[derive(Debug, Clone)]
pub enum ApplyTarget {
    /// Code points `[start, end)`.
    Span { start: u32, end: u32 },
    /// UTF-16 code units `[start, end)`, as a browser counts them.
    Utf16 { start: usize, end: usize },
    /// Lines `first..=last`, counted from 1.
    Lines { first: usize, last: usize },
    /// Every match of a regular expression.
    Match { pattern: String, ignore_case: bool },
}

/// A coded segment with everything needed to quote it.
#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    pub coding: CodingId,
    pub code: String,
    pub code_path: String,
    pub code_id: CodeId,
    pub source: String,
    pub source_id: SourceId,
    pub case: Option<String>,
    /// Case attributes (variable → value as text).
    pub attributes: BTreeMap<String, String>,
    pub start: u32,
    pub end: u32,
    /// Lines the segment spans, counted from 1.
    pub first_line: usize,
    pub last_line: usize,
    pub text: String,
    pub context_before: String,
    pub context_after: String,
    pub coder: String,
    pub created_at: String,
    /// "(Interviewee 07, front line clinician)".
    pub attribution: String,
}

/// Which segments to retrieve.
#[derive(Debug, Clone, Default)]
pub struct SegmentQuery {
    pub codes: Vec<CodeId>,
    /// Include codings of codes under the given ones.
    pub include_children: bool,
    /// Keep segments whose case has each `variable = value` (case-insensitive).
    pub filters: Vec<(String, String)>,
    /// Variable used in the attribution label; defaults to the first category
    /// variable of cases (preferring one named like "group").
    pub label_by: Option<String>,
    /// Characters of context on each side.
    pub context: u32,
    pub coders: Vec<UserId>,
    pub sources: Vec<SourceId>,
}

impl App {
    /// Applies a code to one source, all named by id (what a browser sends
    /// for each selection it codes). The source, the codebook and the
    /// coder's codings of that code in that source are read at the same time
    /// and nothing else is (every read is a round trip to the database), so
    /// a coding costs one read's wait before its commit. A source or code of
    /// another project is reported as not found, as is a project that does
    /// not exist. Returns the code and the codings made.
    pub async fn apply_by_ids(
        &self,
        actor: &Actor,
        project: ProjectId,
        source: SourceId,
        code: CodeId,
        target: &ApplyTarget,
    ) -> Result<(Code, Vec<Coding>), AppError> {
        let filter = CodingFilter {
            codes: vec![code],
            sources: vec![source],
            coders: vec![actor.id()],
        };
        let store = self.store.as_ref();
        let (s, codes, existing) = tokio::join!(
            store.source(source),
            store.codes(project),
            store.codings(project, &filter),
        );
        let s = match s {
            Ok(s) if s.project == project => s,
            found => {
                // Say which is missing: the project, or the source in it.
                store.project(project).await?;
                found?;
                return Err(StoreError::NotFound {
                    kind: EntityKind::Source,
                    id: source.to_string(),
                }
                .into());
            }
        };
        let c = codes?
            .into_iter()
            .find(|c| c.id == code)
            .ok_or_else(|| StoreError::NotFound {
                kind: EntityKind::Code,
                id: code.to_string(),
            })?;
        let made = self
            .apply_code_over(
                actor,
                project,
                &c,
                std::slice::from_ref(&s),
                target,
                existing?,
            )
            .await?;
        Ok((c, made))
    }

    /// Applies a code; returns the codings made (identical existing codings by
    /// the same coder are not repeated).
    pub async fn apply_code(
        &self,
        actor: &Actor,
        project: &Project,
        code: &Code,
        sources: &[Source],
        target: &ApplyTarget,
    ) -> Result<Vec<Coding>, AppError> {
        let existing = self
            .store
            .codings(
                project.id,
                &CodingFilter {
                    codes: vec![code.id],
                    sources: sources.iter().map(|s| s.id).collect(),
                    coders: vec![actor.id()],
                },
            )
            .await?;
        self.apply_code_over(actor, project.id, code, sources, target, existing)
            .await
    }

    /// [`App::apply_code`] given the coder's codings of `code` in `sources`.
    async fn apply_code_over(
        &self,
        actor: &Actor,
        project: ProjectId,
        code: &Code,
        sources: &[Source],
        target: &ApplyTarget,
        existing: Vec<Coding>,
    ) -> Result<Vec<Coding>, AppError> {
        if !code.codable {
            return Err(AppError::invalid(format!(
                "'{}' is a category, which groups codes but is not applied to text; apply one of its codes or make it codable",
                code.name
            )));
        }
        if sources.is_empty() {
            return Err(AppError::invalid(
                "no source given; name one with --source or use --all-sources",
            ));
        }
        let regex = match target {
            ApplyTarget::Match {
                pattern,
                ignore_case,
            } => Some(
                regex::RegexBuilder::new(pattern)
                    .case_insensitive(*ignore_case)
                    .build()
                    .map_err(|e| AppError::invalid(format!("invalid regular expression: {e}")))?,
            ),
            _ => None,
        };
        let have: HashSet<(SourceId, Span)> = existing.iter().map(|c| (c.source, c.span)).collect();
        let mut made = Vec::new();
        let now = axial_core::now();
        for source in sources {
            let text = self.text(source).await?;
            let spans: Vec<Span> = match target {
                ApplyTarget::Span { start, end } => {
                    vec![Span::new(*start, *end, text.char_len())
                        .map_err(|e| span_err(source, e))?]
                }
                ApplyTarget::Utf16 { start, end } => {
                    let a = text
                        .index
                        .char_of_utf16(&text.text, *start)
                        .map_err(|e| span_err(source, e))?;
                    let b = text
                        .index
                        .char_of_utf16(&text.text, *end)
                        .map_err(|e| span_err(source, e))?;
                    vec![Span::new(a.0, b.0, text.char_len()).map_err(|e| span_err(source, e))?]
                }
                ApplyTarget::Lines { first, last } => {
                    if *first == 0 || last < first {
                        return Err(AppError::invalid(format!("lines {first}-{last}: lines count from 1 and the first must not be after the last")));
                    }
                    let n = text.lines.count();
                    if *last > n {
                        return Err(AppError::invalid(format!(
                            "lines {first}-{last}: '{}' has {n} lines",
                            source.name
                        )));
                    }
                    match text.lines.span_of_lines(first - 1, last - 1) {
                        Some(s) => vec![s],
                        None => {
                            return Err(AppError::invalid(format!(
                                "lines {first}-{last} of '{}' are empty",
                                source.name
                            )))
                        }
                    }
                }
                ApplyTarget::Match { .. } => {
                    let re = regex.as_ref().expect("regex built for Match targets");
                    let mut v = Vec::new();
                    for m in re.find_iter(&text.text) {
                        if m.start() == m.end() {
                            continue;
                        }
                        let a = text.index.char_of_byte(&text.text, m.start())?;
                        let b = text.index.char_of_byte(&text.text, m.end())?;
                        v.push(Span::new(a.0, b.0, text.char_len())?);
                    }
                    v
                }
            };
            for span in spans {
                if have.contains(&(source.id, span))
                    || made
                        .iter()
                        .any(|c: &Coding| c.source == source.id && c.span == span)
                {
                    continue;
                }
                made.push(Coding {
                    id: CodingId::new(),
                    project,
                    source: source.id,
                    code: code.id,
                    span,
                    coder: actor.id(),
                    created_at: now,
                    version: Version::FIRST,
                });
            }
        }
        if made.is_empty() {
            return Ok(made);
        }
        let where_ = if sources.len() == 1 {
            format!("in '{}'", sources[0].name)
        } else {
            format!("in {} sources", sources.len())
        };
        let mut cs = ChangeSet::new(
            Some(project),
            actor.id(),
            Action::CodingApply,
            if made.len() == 1 {
                format!("coded {} {where_} as '{}'", made[0].span, code.name)
            } else {
                format!("coded {} segments {where_} as '{}'", made.len(), code.name)
            },
        );
        for c in &made {
            cs.push(Op::insert(Entity::Coding(c.clone())));
        }
        self.store.commit(cs).await?;
        Ok(made)
    }

    /// Removes codings of `code` in `source` that overlap `span` (all of
    /// them when `span` is `None`); returns how many.
    pub async fn uncode(
        &self,
        actor: &Actor,
        project: &Project,
        code: &Code,
        source: &Source,
        span: Option<Span>,
    ) -> Result<usize, AppError> {
        let codings = self
            .store
            .codings(
                project.id,
                &CodingFilter {
                    codes: vec![code.id],
                    sources: vec![source.id],
                    ..Default::default()
                },
            )
            .await?;
        let gone: Vec<Coding> = codings
            .into_iter()
            .filter(|c| span.is_none_or(|s| s.overlaps(&c.span)))
            .collect();
        self.remove_codings(
            actor,
            project,
            gone,
            &format!("'{}' from '{}'", code.name, source.name),
        )
        .await
    }

    /// Removes the given codings (and memo links to them) in one change.
    pub async fn remove_codings(
        &self,
        actor: &Actor,
        project: &Project,
        gone: Vec<Coding>,
        what: &str,
    ) -> Result<usize, AppError> {
        if gone.is_empty() {
            return Ok(0);
        }
        let ids: HashSet<CodingId> = gone.iter().map(|c| c.id).collect();
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CodingRemove,
            format!(
                "removed {} coding{} of {what}",
                gone.len(),
                if gone.len() == 1 { "" } else { "s" }
            ),
        );
        for m in self.store.memos(project.id).await? {
            if m.links
                .iter()
                .any(|l| matches!(l, axial_core::MemoLink::Coding(c) if ids.contains(c)))
            {
                let after = axial_core::Memo {
                    links: m
                        .links
                        .iter()
                        .copied()
                        .filter(
                            |l| !matches!(l, axial_core::MemoLink::Coding(c) if ids.contains(c)),
                        )
                        .collect(),
                    ..m.clone()
                };
                cs.push(Op::update(Entity::Memo(m), Entity::Memo(after)));
            }
        }
        // Placements of the removed codings go in the same change.
        for op in self
            .property_cleanup_ops(project, &ids, &HashSet::new())
            .await?
        {
            cs.push(op);
        }
        let n = gone.len();
        for c in gone {
            cs.push(Op::delete(Entity::Coding(c)));
        }
        self.store.commit(cs).await?;
        Ok(n)
    }

    /// Changes a coding's code and/or boundaries.
    pub async fn update_coding(
        &self,
        actor: &Actor,
        project: &Project,
        id: CodingId,
        code: Option<&Code>,
        span: Option<Span>,
    ) -> Result<Coding, AppError> {
        let current = self.store.coding(id).await?;
        let source = self.store.source(current.source).await?;
        let mut after = current.clone();
        if let Some(c) = code {
            if !c.codable {
                return Err(AppError::invalid(format!(
                    "'{}' is a category and cannot be applied",
                    c.name
                )));
            }
            after.code = c.id;
        }
        if let Some(s) = span {
            after.span = s
                .check_within(source.char_len)
                .map_err(|e| span_err(&source, e))?;
        }
        if after == current {
            return Ok(current);
        }
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CodingUpdate,
            format!("changed a coding in '{}'", source.name),
        )
        .op(Op::update(
            Entity::Coding(current),
            Entity::Coding(after.clone()),
        ));
        self.store.commit(cs).await?;
        Ok(Coding {
            version: after.version.next(),
            ..after
        })
    }

    /// Coded segments with text, context and attribution.
    pub async fn segments(
        &self,
        project: &Project,
        q: &SegmentQuery,
    ) -> Result<Vec<Segment>, AppError> {
        let codes = self.store.codes(project.id).await?;
        let mut code_ids: Vec<CodeId> = q.codes.clone();
        if q.include_children {
            for c in &q.codes {
                code_ids.extend(descendants(&codes, *c));
            }
        }
        let codings = self
            .store
            .codings(
                project.id,
                &CodingFilter {
                    codes: code_ids,
                    sources: q.sources.clone(),
                    coders: q.coders.clone(),
                },
            )
            .await?;
        let ctx = Attribution::load(self, project, q.label_by.as_deref()).await?;
        let paths: HashMap<CodeId, (String, String)> = tree_order(&codes)
            .into_iter()
            .map(|(c, p, _)| (c.id, (c.name, p)))
            .collect();
        let users: HashMap<UserId, String> = self
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        let filters: Vec<(VariableId, String)> = q
            .filters
            .iter()
            .map(|(var, val)| {
                let v = ctx
                    .vars
                    .iter()
                    .find(|v| v.name.eq_ignore_ascii_case(var.trim()))
                    .ok_or_else(|| AppError::NotFound {
                        what: "variable",
                        name: var.clone(),
                        hint: crate::list_hint(
                            "variables",
                            ctx.vars.iter().map(|v| v.name.as_str()),
                        ),
                    })?;
                Ok((v.id, val.trim().to_lowercase()))
            })
            .collect::<Result<_, AppError>>()?;
        let mut out = Vec::with_capacity(codings.len());
        // Per source: its text, attributes and attribution label, worked out once.
        let mut per_source: HashMap<SourceId, PerSource> = HashMap::new();
        for c in codings {
            let Some(source) = ctx.sources.get(&c.source) else {
                continue;
            };
            let case = source.case;
            if !filters.iter().all(|(var, want)| {
                ctx.case_value(case, Some(source.id), *var)
                    .is_some_and(|v| v.to_lowercase() == *want)
            }) {
                continue;
            }
            let (text, attributes, label) = match per_source.entry(source.id) {
                std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
                std::collections::hash_map::Entry::Vacant(e) => {
                    let text = self.text(source).await?;
                    e.insert((text, ctx.attributes(case), ctx.label(source)))
                }
            };
            let (code_name, code_path) = paths.get(&c.code).cloned().unwrap_or_default();
            let seg_text = text.slice(c.span).to_string();
            let before_start = c.span.start().0.saturating_sub(q.context);
            let after_end = (c.span.end().0 + q.context).min(text.char_len());
            let cb = if before_start < c.span.start().0 {
                text.slice(Span::new(before_start, c.span.start().0, text.char_len())?)
                    .to_string()
            } else {
                String::new()
            };
            let ca = if after_end > c.span.end().0 {
                text.slice(Span::new(c.span.end().0, after_end, text.char_len())?)
                    .to_string()
            } else {
                String::new()
            };
            out.push(Segment {
                coding: c.id,
                code: code_name,
                code_path,
                code_id: c.code,
                source: source.name.clone(),
                source_id: source.id,
                case: case.and_then(|id| ctx.case_names.get(&id).cloned()),
                attributes: attributes.clone(),
                start: c.span.start().0,
                end: c.span.end().0,
                first_line: text.lines.line_of(c.span.start()) + 1,
                last_line: text
                    .lines
                    .line_of(axial_core::CharOffset(c.span.end().0 - 1))
                    + 1,
                text: seg_text,
                context_before: cb,
                context_after: ca,
                coder: users
                    .get(&c.coder)
                    .cloned()
                    .unwrap_or_else(|| c.coder.to_string()),
                created_at: c
                    .created_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                attribution: label.clone(),
            });
        }
        Ok(out)
    }

    /// The attribution label of a source: "(Interviewee 07, front line clinician)".
    pub async fn attribution(
        &self,
        project: &Project,
        source: &Source,
        label_by: Option<&str>,
    ) -> Result<String, AppError> {
        Ok(Attribution::load(self, project, label_by)
            .await?
            .label(source))
    }
}

/// A source's text, case attributes and attribution label.
type PerSource = (
    std::sync::Arc<crate::LoadedText>,
    BTreeMap<String, String>,
    String,
);

fn span_err(source: &Source, e: axial_core::SpanError) -> AppError {
    AppError::invalid(format!(
        "source '{}' ({} characters): {e}",
        source.name, source.char_len
    ))
}

/// Everything needed to attribute segments, read once per request.
pub(crate) struct Attribution {
    pub sources: HashMap<SourceId, Source>,
    pub case_names: HashMap<CaseId, String>,
    pub vars: Vec<Variable>,
    values: HashMap<(Subject, VariableId), String>,
    label_var: Option<VariableId>,
}

impl Attribution {
    pub(crate) async fn load(
        app: &App,
        project: &Project,
        label_by: Option<&str>,
    ) -> Result<Attribution, AppError> {
        let store = app.store();
        let sources = store
            .sources(project.id)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let case_names = store
            .cases(project.id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let vars = store.variables(project.id).await?;
        let values: HashMap<(Subject, VariableId), String> = store
            .values(project.id)
            .await?
            .into_iter()
            .map(|v| ((v.subject, v.variable), v.value.to_string()))
            .collect();
        let label_var = match label_by {
            Some(name) => Some(
                vars.iter()
                    .find(|v| v.name.eq_ignore_ascii_case(name.trim()))
                    .ok_or_else(|| AppError::NotFound {
                        what: "variable",
                        name: name.to_string(),
                        hint: crate::list_hint("variables", vars.iter().map(|v| v.name.as_str())),
                    })?
                    .id,
            ),
            None => {
                let case_vars: HashSet<VariableId> = values
                    .keys()
                    .filter(|(s, _)| matches!(s, Subject::Case(_)))
                    .map(|(_, v)| *v)
                    .collect();
                let cats: Vec<&Variable> = vars
                    .iter()
                    .filter(|v| {
                        matches!(v.kind, VariableKind::Category { .. }) && case_vars.contains(&v.id)
                    })
                    .collect();
                cats.iter()
                    .find(|v| v.name.to_lowercase().contains("group"))
                    .or(cats.first())
                    .map(|v| v.id)
            }
        };
        Ok(Attribution {
            sources,
            case_names,
            vars,
            values,
            label_var,
        })
    }

    pub(crate) fn case_value(
        &self,
        case: Option<CaseId>,
        source: Option<SourceId>,
        var: VariableId,
    ) -> Option<&String> {
        case.and_then(|c| self.values.get(&(Subject::Case(c), var)))
            .or_else(|| source.and_then(|s| self.values.get(&(Subject::Source(s), var))))
    }

    pub(crate) fn attributes(&self, case: Option<CaseId>) -> BTreeMap<String, String> {
        let Some(c) = case else {
            return BTreeMap::new();
        };
        self.vars
            .iter()
            .filter_map(|v| {
                self.values
                    .get(&(Subject::Case(c), v.id))
                    .map(|x| (v.name.clone(), x.clone()))
            })
            .collect()
    }

    pub(crate) fn label(&self, source: &Source) -> String {
        let who = source
            .case
            .and_then(|c| self.case_names.get(&c))
            .cloned()
            .unwrap_or_else(|| source.name.clone());
        match self
            .label_var
            .and_then(|v| self.case_value(source.case, Some(source.id), v))
        {
            Some(g) => format!("({who}, {g})"),
            None => format!("({who})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    async fn app() -> (tempfile::TempDir, App, Actor) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("t.db");
        let store = axial_store_sqlite::SqliteStore::open(&db.display().to_string())
            .await
            .expect("open store");
        let app = App::new(Arc::new(store));
        let actor = app.local_user("tester").await.expect("user");
        (dir, app, actor)
    }

    fn not_found(r: Result<(Code, Vec<Coding>), AppError>, kind: EntityKind) {
        match r {
            Err(AppError::Store(StoreError::NotFound { kind: k, .. })) => assert_eq!(k, kind),
            other => panic!("expected a missing {kind}, got {:?}", other.map(|r| r.1)),
        }
    }

    #[tokio::test]
    async fn apply_by_ids_codes_once_and_keeps_to_its_project() {
        let (_d, app, actor) = app().await;
        let (demo, _) = app.build_demo(&|_| {}).await.expect("demo");
        let source = app.sources(&demo).await.expect("sources")[0].clone();
        let code = app
            .codes(&demo)
            .await
            .expect("codes")
            .into_iter()
            .find(|c| c.codable)
            .expect("a codable code");
        let span = ApplyTarget::Utf16 { start: 3, end: 11 };
        let (c, made) = app
            .apply_by_ids(&actor, demo.id, source.id, code.id, &span)
            .await
            .expect("applied");
        assert_eq!((c.id, made.len(), made[0].project), (code.id, 1, demo.id));
        assert_eq!(
            made[0].span,
            Span::new(3, 11, source.char_len).expect("span")
        );
        let (_, again) = app
            .apply_by_ids(&actor, demo.id, source.id, code.id, &span)
            .await
            .expect("applied again");
        assert!(
            again.is_empty(),
            "the same coding by the same coder is not repeated"
        );

        let other = app
            .create_project(&actor, "other", "")
            .await
            .expect("project");
        not_found(
            app.apply_by_ids(&actor, other.id, source.id, code.id, &span)
                .await,
            EntityKind::Source,
        );
        let theirs = app
            .create_code(&actor, &other, "theirs", None, None, "", true)
            .await
            .expect("code");
        not_found(
            app.apply_by_ids(&actor, demo.id, source.id, theirs.id, &span)
                .await,
            EntityKind::Code,
        );
        not_found(
            app.apply_by_ids(&actor, ProjectId::new(), source.id, code.id, &span)
                .await,
            EntityKind::Project,
        );
        let past = source.char_len as usize + 5;
        assert!(app
            .apply_by_ids(
                &actor,
                demo.id,
                source.id,
                code.id,
                &ApplyTarget::Utf16 {
                    start: 0,
                    end: past
                }
            )
            .await
            .is_err());
    }
}
