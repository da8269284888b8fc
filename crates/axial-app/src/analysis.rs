//! The analysis use cases: reads a project once into [`AnalysisData`], builds
//! an `axial_analysis::Corpus` over it and runs the statistics of
//! `axial-analysis` (code × attribute matrix, co-occurrence, coding queries,
//! negative cases, saturation, inter-coder agreement, word frequencies and
//! keyword-in-context), returning serialisable views that name every
//! parameter and translate ids into the names a researcher reads.
//!
//! Saved queries are memos of kind "method" titled `Saved query: NAME` whose
//! body holds `query:`, `where:` and `set:` lines (see [`SAVED_QUERY_PREFIX`]);
//! they round-trip through the store and REFI-QDA like any memo. This module
//! computes nothing itself and writes no files.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use axial_analysis::agreement::{compare_corpus, AgreementReport};
use axial_analysis::cooccurrence::{cooccurrence, Cooccurrence, CooccurrenceParams, Proximity};
use axial_analysis::matrix::{code_matrix, Columns, Matrix, MatrixParams, Measure, PercentOf};
use axial_analysis::negative::{negative_cases, NegativeCases, NegativeParams};
use axial_analysis::query::{parse_query, run_query};
use axial_analysis::saturation::{
    galvin_table, interviews, saturation_report, GalvinRow, GuestParams, Proportion,
    SaturationReport,
};
use axial_analysis::words::{
    keyword_in_context, word_frequencies, FrequencyParams, StopWords, WordFrequencies,
};
use axial_analysis::{Corpus, CorpusInput, SourceEntry};
use axial_core::{
    Case, Code, CodeId, Coding, Memo, MemoKind, Project, Set, SetId, Source, SourceId, Span, User,
    UserId, Value, Variable, VariableId, VariableValue,
};
use axial_store::CodingFilter;
use serde::Serialize;

use crate::codebook::tree_order;
use crate::coding::Attribution;
use crate::texts::LoadedText;
use crate::{Actor, App, AppError};

/// Title prefix of the memos that hold saved queries.
pub const SAVED_QUERY_PREFIX: &str = "Saved query: ";

/// Everything an analysis reads, loaded once.
pub struct AnalysisData {
    pub project: Project,
    pub sources: Vec<Source>,
    pub cases: Vec<Case>,
    pub codes: Vec<Code>,
    pub codings: Vec<Coding>,
    pub variables: Vec<Variable>,
    pub values: Vec<VariableValue>,
    pub sets: Vec<Set>,
    pub users: Vec<User>,
    pub loaded: HashMap<SourceId, Arc<LoadedText>>,
    texts: HashMap<SourceId, Arc<str>>,
    paths: HashMap<CodeId, String>,
}

/// Which sources an analysis looks at: those whose value (own or their
/// case's) of each variable equals the given text (case-insensitive), and
/// that are in the set (directly or through their case). Empty = all.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Restriction {
    pub filters: Vec<(String, String)>,
    pub set: Option<String>,
}

impl Restriction {
    /// "all sources", or e.g. "sources in set 'Interviews' with staff group = senior manager".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(s) = &self.set {
            parts.push(format!("in set '{s}'"));
        }
        for (k, v) in &self.filters {
            parts.push(format!("with {k} = {v}"));
        }
        if parts.is_empty() {
            "all sources".into()
        } else {
            format!("sources {}", parts.join(" "))
        }
    }
}

struct Scope {
    filters: Vec<(VariableId, String)>,
    set: Option<SetId>,
}

impl Scope {
    fn admits(&self, s: &SourceEntry<'_>) -> bool {
        self.set.is_none_or(|set| s.in_set(set))
            && self.filters.iter().all(|(var, want)| {
                s.value(*var)
                    .is_some_and(|v| v.to_string().to_lowercase() == *want)
            })
    }
}

fn invalid(e: impl std::fmt::Display) -> AppError {
    AppError::Invalid(e.to_string())
}

impl AnalysisData {
    /// The corpus view over the loaded values.
    pub fn corpus(&self) -> Result<Corpus<'_>, AppError> {
        Corpus::new(CorpusInput {
            sources: &self.sources,
            cases: &self.cases,
            codes: &self.codes,
            codings: &self.codings,
            values: &self.values,
            sets: &self.sets,
            texts: Some(&self.texts),
        })
        .map_err(invalid)
    }

    /// A code by path ("Parent/Child"), exact name or case-insensitive name.
    pub fn code(&self, name: &str) -> Result<&Code, AppError> {
        let n = name.trim();
        let by = |f: &dyn Fn(&Code) -> bool| -> Vec<&Code> {
            self.codes.iter().filter(|c| f(c)).collect()
        };
        let mut found = by(&|c| self.paths.get(&c.id).is_some_and(|p| p == n));
        if found.is_empty() {
            found = by(&|c| c.name == n);
        }
        if found.is_empty() {
            found = by(&|c| {
                c.name.eq_ignore_ascii_case(n)
                    || self
                        .paths
                        .get(&c.id)
                        .is_some_and(|p| p.eq_ignore_ascii_case(n))
            });
        }
        match found.len() {
            1 => Ok(found[0]),
            0 => Err(AppError::NotFound {
                what: "code",
                name: n.into(),
                hint: "list them with `axial code tree`".into(),
            }),
            _ => Err(AppError::Ambiguous {
                what: "codes",
                name: n.into(),
                candidates: found
                    .iter()
                    .map(|c| self.path(c.id))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// "Parent/Child" for a code id.
    pub fn path(&self, id: CodeId) -> String {
        self.paths
            .get(&id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    pub fn variable(&self, name: &str) -> Result<&Variable, AppError> {
        self.variables
            .iter()
            .find(|v| v.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| AppError::NotFound {
                what: "variable",
                name: name.trim().into(),
                hint: crate::list_hint("variables", self.variables.iter().map(|v| v.name.as_str())),
            })
    }

    pub fn set(&self, name: &str) -> Result<&Set, AppError> {
        self.sets
            .iter()
            .find(|s| s.name.eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| AppError::NotFound {
                what: "set",
                name: name.trim().into(),
                hint: crate::list_hint("sets", self.sets.iter().map(|s| s.name.as_str())),
            })
    }

    pub fn user(&self, name: &str) -> Result<&User, AppError> {
        let n = name.trim();
        self.users
            .iter()
            .find(|u| u.name == n || u.display_name == n)
            .or_else(|| self.users.iter().find(|u| u.name.eq_ignore_ascii_case(n)))
            .ok_or_else(|| AppError::NotFound {
                what: "coder",
                name: n.into(),
                hint: crate::list_hint("users", self.users.iter().map(|u| u.name.as_str())),
            })
    }

    fn user_name(&self, id: UserId) -> String {
        self.users
            .iter()
            .find(|u| u.id == id)
            .map_or_else(|| id.to_string(), |u| u.name.clone())
    }

    fn source_name(&self, id: SourceId) -> String {
        self.sources
            .iter()
            .find(|s| s.id == id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    }

    fn case_name(&self, id: axial_core::CaseId) -> String {
        self.cases
            .iter()
            .find(|c| c.id == id)
            .map_or_else(|| id.to_string(), |c| c.name.clone())
    }

    fn scope(&self, r: &Restriction) -> Result<Scope, AppError> {
        let filters = r
            .filters
            .iter()
            .map(|(k, v)| Ok((self.variable(k)?.id, v.trim().to_lowercase())))
            .collect::<Result<_, AppError>>()?;
        let set = r
            .set
            .as_deref()
            .map(|s| self.set(s).map(|s| s.id))
            .transpose()?;
        Ok(Scope { filters, set })
    }

    fn text_of(&self, source: SourceId, span: Span) -> String {
        self.loaded
            .get(&source)
            .map(|t| t.slice(span).to_string())
            .unwrap_or_default()
    }

    fn codes_named(&self, names: &[String]) -> Result<Vec<CodeId>, AppError> {
        names.iter().map(|n| Ok(self.code(n)?.id)).collect()
    }

    /// Every code in tree order (categories included).
    fn all_codes(&self) -> Vec<CodeId> {
        tree_order(&self.codes)
            .into_iter()
            .map(|(c, _, _)| c.id)
            .collect()
    }
}

/// The code × attribute matrix with the chosen measure and percentages.
#[derive(Debug, Clone, Serialize)]
pub struct MatrixView {
    /// The variable whose values are the columns.
    pub by: String,
    pub measure: Measure,
    pub percent: Option<PercentOf>,
    /// Row labels (code paths).
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    /// `values[row][column]` in the chosen measure.
    pub values: Vec<Vec<f64>>,
    /// Percentages when asked for (`null` where undefined).
    pub percentages: Option<Vec<Vec<Option<f64>>>>,
    pub matrix: Matrix,
}

/// Co-occurrence with the codes named.
#[derive(Debug, Clone, Serialize)]
pub struct CooccurrenceView {
    pub restriction: String,
    pub rows: Vec<String>,
    pub result: Cooccurrence,
}

/// A query's request: the expression and the sources it runs over.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct QueryRequest {
    pub text: String,
    pub restriction: Restriction,
}

/// A stretch of text a query found, with attribution.
#[derive(Debug, Clone, Serialize)]
pub struct QuerySegment {
    pub source: String,
    pub source_id: SourceId,
    pub case: Option<String>,
    pub attributes: BTreeMap<String, String>,
    pub start: u32,
    pub end: u32,
    pub first_line: usize,
    pub last_line: usize,
    pub text: String,
    /// "(Interviewee 07, front line clinician)".
    pub attribution: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryView {
    /// The query as parsed, with code names.
    pub query: String,
    pub restriction: String,
    pub sources_searched: u64,
    pub sources_matched: u64,
    pub segments: Vec<QuerySegment>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContradictionView {
    pub source: String,
    pub case: Option<String>,
    pub codings: usize,
    /// Whether the code looked for also appears there.
    pub with_code: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct NegativeView {
    pub code: String,
    pub contradicting: Vec<String>,
    pub include_descendants: bool,
    pub restriction: String,
    pub sources_searched: u64,
    pub sources_without: Vec<String>,
    pub cases_without: Vec<String>,
    pub contradictions: Vec<ContradictionView>,
    pub result: NegativeCases,
}

/// What to compute saturation over and with which parameters.
#[derive(Debug, Clone)]
pub struct SaturationRequest {
    /// Variable giving the interview order; sources without a value follow in
    /// import order. Default "interview date".
    pub order_by: String,
    /// Set of interviews; `None` = all sources. Default "Interviews".
    pub set: Option<String>,
    /// Only these coders' codings (empty = all).
    pub coders: Vec<String>,
    pub guest: Vec<GuestParams>,
    /// Galvin table rows and columns.
    pub galvin_p: Vec<Proportion>,
    pub galvin_confidence: Vec<Proportion>,
}

impl Default for SaturationRequest {
    fn default() -> SaturationRequest {
        let p = |n, d| Proportion { num: n, den: d };
        SaturationRequest {
            order_by: "interview date".into(),
            set: Some("Interviews".into()),
            coders: Vec::new(),
            guest: vec![GuestParams {
                base: 4,
                run: 2,
                threshold: p(5, 100),
                denominator: axial_analysis::saturation::Denominator::FixedBase,
            }],
            galvin_p: vec![p(5, 100), p(1, 10), p(2, 10), p(3, 10), p(5, 10)],
            galvin_confidence: vec![p(8, 10), p(9, 10), p(95, 100)],
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SaturationView {
    pub order_by: String,
    /// How the order was found (how many sources had no value).
    pub order_note: String,
    pub set: Option<String>,
    pub coders: Vec<String>,
    pub report: SaturationReport,
    /// Names of the new codes of each interview, parallel to `report.accumulation`.
    pub new_code_names: Vec<Vec<String>>,
    pub galvin: Vec<GalvinRow>,
}

/// Which coders, codes and sources to compare.
#[derive(Debug, Clone, Default)]
pub struct AgreementRequest {
    pub coders: Vec<String>,
    /// Empty: every codable code some compared coder used in the compared sources.
    pub codes: Vec<String>,
    /// Empty: every source each compared coder has coded.
    pub sources: Vec<String>,
    /// MAXQDA overlap thresholds in percent; empty gives 50 and 90.
    pub overlap_thresholds: Vec<u32>,
}

/// A stretch of text one coder coded and another did not, for discussion.
#[derive(Debug, Clone, Serialize)]
pub struct DisagreementView {
    pub source: String,
    pub code: String,
    pub start: u32,
    pub end: u32,
    pub coded_by: Vec<String>,
    pub not_coded_by: Vec<String>,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct AgreementView {
    pub coders: Vec<String>,
    pub codes: Vec<String>,
    pub sources: Vec<String>,
    /// How the sources were chosen.
    pub source_rule: String,
    pub report: AgreementReport,
    /// Whole-text summaries per source, named.
    pub per_source: Vec<SourceAgreementRow>,
    pub disagreements: Vec<DisagreementView>,
}

/// One source's whole-text agreement summary.
#[derive(Debug, Clone, Serialize)]
pub struct SourceAgreementRow {
    pub source: String,
    pub characters: u32,
    /// Krippendorff's alpha over the code combination of each character.
    pub combination_alpha: Option<f64>,
    /// Krippendorff's alpha over characters × codes (binary).
    pub pooled_alpha: Option<f64>,
    /// Unitizing alpha over all codes.
    pub alpha_u: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WordsView {
    pub restriction: String,
    pub code: Option<String>,
    pub result: WordFrequencies,
}

#[derive(Debug, Clone, Serialize)]
pub struct KwicRow {
    pub source: String,
    pub attribution: String,
    pub start: u32,
    pub left: String,
    pub keyword: String,
    pub right: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct KwicView {
    pub term: String,
    pub context_words: usize,
    pub restriction: String,
    pub lines: Vec<KwicRow>,
}

impl App {
    /// Reads everything an analysis needs; `coders` limits the codings (empty = all).
    pub async fn analysis_data(
        &self,
        project: &Project,
        coders: &[UserId],
    ) -> Result<AnalysisData, AppError> {
        let store = self.store();
        let sources = store.sources(project.id).await?;
        let codes = store.codes(project.id).await?;
        let codings = store
            .codings(
                project.id,
                &CodingFilter {
                    coders: coders.to_vec(),
                    ..Default::default()
                },
            )
            .await?;
        let loaded = self.texts().get_many(store.as_ref(), &sources).await?;
        let texts = loaded.iter().map(|(k, v)| (*k, v.text.clone())).collect();
        let paths = tree_order(&codes)
            .into_iter()
            .map(|(c, p, _)| (c.id, p))
            .collect();
        Ok(AnalysisData {
            project: project.clone(),
            cases: store.cases(project.id).await?,
            variables: store.variables(project.id).await?,
            values: store.values(project.id).await?,
            sets: store.sets(project.id).await?,
            users: store.users().await?,
            sources,
            codes,
            codings,
            loaded,
            texts,
            paths,
        })
    }

    /// Code × variable matrix; `codes` empty = the top-level codes and
    /// categories. A category's row counts its descendants' codings.
    pub async fn matrix(
        &self,
        project: &Project,
        codes: &[String],
        by: &str,
        measure: Measure,
        percent: Option<PercentOf>,
    ) -> Result<MatrixView, AppError> {
        let data = self.analysis_data(project, &[]).await?;
        let corpus = data.corpus()?;
        let rows = if codes.is_empty() {
            data.codes
                .iter()
                .filter(|c| c.parent.is_none())
                .map(|c| c.id)
                .collect::<HashSet<_>>()
                .into_iter()
                .collect::<Vec<_>>()
        } else {
            data.codes_named(codes)?
        };
        let mut rows = rows;
        if codes.is_empty() {
            let order = data.all_codes();
            rows.sort_by_key(|c| order.iter().position(|o| o == c));
        }
        let var = data.variable(by)?;
        let matrix = code_matrix(
            &corpus,
            &MatrixParams {
                codes: rows,
                columns: Columns::Variable(var.id),
                include_descendants: true,
                count_words: matches!(measure, Measure::Words),
            },
        )
        .map_err(invalid)?;
        Ok(MatrixView {
            by: var.name.clone(),
            measure,
            percent,
            rows: matrix.rows.iter().map(|r| data.path(r.code)).collect(),
            columns: matrix.columns.iter().map(|c| c.label.clone()).collect(),
            values: matrix.values(measure),
            percentages: percent.map(|p| matrix.percentages(measure, p)),
            matrix,
        })
    }

    /// Code co-occurrence; `codes` empty = every codable code.
    pub async fn cooccurrence(
        &self,
        project: &Project,
        codes: &[String],
        proximity: Proximity,
        restriction: &Restriction,
    ) -> Result<CooccurrenceView, AppError> {
        let data = self.analysis_data(project, &[]).await?;
        let corpus = data.corpus()?;
        let scope = data.scope(restriction)?;
        let ids = if codes.is_empty() {
            let codable: HashSet<CodeId> = data
                .codes
                .iter()
                .filter(|c| c.codable)
                .map(|c| c.id)
                .collect();
            data.all_codes()
                .into_iter()
                .filter(|c| codable.contains(c))
                .collect()
        } else {
            data.codes_named(codes)?
        };
        let result = cooccurrence(
            &corpus,
            &CooccurrenceParams {
                codes: ids,
                proximity,
            },
            &|s| scope.admits(s),
        )
        .map_err(invalid)?;
        Ok(CooccurrenceView {
            restriction: restriction.describe(),
            rows: result.params.codes.iter().map(|c| data.path(*c)).collect(),
            result,
        })
    }

    /// Runs a coding query; hits come back as attributed segments.
    pub async fn query(
        &self,
        project: &Project,
        request: &QueryRequest,
        label_by: Option<&str>,
    ) -> Result<QueryView, AppError> {
        let data = self.analysis_data(project, &[]).await?;
        let corpus = data.corpus()?;
        let scope = data.scope(&request.restriction)?;
        let q = parse_query(&request.text, &|n| data.code(n).ok().map(|c| c.id)).map_err(|e| {
            AppError::Invalid(format!(
                "query '{}' at character {}: {}; code names with spaces need quotes, e.g. \"Not enough time\" NEAR 200 \"Guilt when standards slip\"",
                request.text, e.position, e.message
            ))
        })?;
        let result = run_query(&corpus, &q, &|s| scope.admits(s));
        let attribution = Attribution::load(self, project, label_by).await?;
        let mut segments = Vec::with_capacity(result.hits.len());
        for h in &result.hits {
            let Some(source) = data.sources.iter().find(|s| s.id == h.source) else {
                continue;
            };
            let (first_line, last_line) = match data.loaded.get(&h.source) {
                Some(t) => (
                    t.lines.line_of(h.span.start()) + 1,
                    t.lines
                        .line_of(axial_core::CharOffset(h.span.end().0.saturating_sub(1)))
                        + 1,
                ),
                None => (0, 0),
            };
            segments.push(QuerySegment {
                source: source.name.clone(),
                source_id: source.id,
                case: source.case.map(|c| data.case_name(c)),
                attributes: attribution.attributes(source.case),
                start: h.span.start().0,
                end: h.span.end().0,
                first_line,
                last_line,
                text: data.text_of(h.source, h.span),
                attribution: attribution.label(source),
            });
        }
        Ok(QueryView {
            query: result.query,
            restriction: request.restriction.describe(),
            sources_searched: result.sources_searched,
            sources_matched: result.sources_matched,
            segments,
        })
    }

    /// Saves (or replaces) a named query as a method memo.
    pub async fn save_query(
        &self,
        actor: &Actor,
        project: &Project,
        name: &str,
        request: &QueryRequest,
    ) -> Result<Memo, AppError> {
        let name = axial_core::validate_name("query name", name)?;
        let title = format!("{SAVED_QUERY_PREFIX}{name}");
        let body = saved_query_body(request);
        let existing = self
            .memos(project)
            .await?
            .into_iter()
            .find(|m| m.title.eq_ignore_ascii_case(&title));
        match existing {
            Some(m) => {
                self.edit_memo(actor, project, &m, |after| after.body = body)
                    .await
            }
            None => {
                self.create_memo(actor, project, &title, &body, MemoKind::Method, Vec::new())
                    .await
            }
        }
    }

    /// The saved queries of a project, by name.
    pub async fn saved_queries(
        &self,
        project: &Project,
    ) -> Result<Vec<(String, QueryRequest)>, AppError> {
        Ok(self
            .memos(project)
            .await?
            .into_iter()
            .filter_map(|m| {
                let name = m.title.strip_prefix(SAVED_QUERY_PREFIX)?.to_string();
                parse_saved_query(&m.body).map(|q| (name, q))
            })
            .collect())
    }

    /// One saved query by name (case-insensitive).
    pub async fn saved_query(
        &self,
        project: &Project,
        name: &str,
    ) -> Result<QueryRequest, AppError> {
        let all = self.saved_queries(project).await?;
        let hint = crate::list_hint("saved queries", all.iter().map(|(n, _)| n.as_str()));
        all.into_iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))
            .map(|(_, q)| q)
            .ok_or_else(|| AppError::NotFound {
                what: "saved query",
                name: name.trim().into(),
                hint,
            })
    }

    /// Sources and cases without `code` (or any code under it) and where a
    /// contradicting code appears.
    pub async fn negative_cases(
        &self,
        project: &Project,
        code: &str,
        contradicting: &[String],
        restriction: &Restriction,
    ) -> Result<NegativeView, AppError> {
        let data = self.analysis_data(project, &[]).await?;
        let corpus = data.corpus()?;
        let scope = data.scope(restriction)?;
        let code = data.code(code)?;
        let params = NegativeParams {
            code: code.id,
            include_descendants: true,
            contradicting: data.codes_named(contradicting)?,
        };
        let result = negative_cases(&corpus, &params, &|s| scope.admits(s)).map_err(invalid)?;
        Ok(NegativeView {
            code: data.path(code.id),
            contradicting: params.contradicting.iter().map(|c| data.path(*c)).collect(),
            include_descendants: true,
            restriction: restriction.describe(),
            sources_searched: result.sources_searched,
            sources_without: result
                .sources_without
                .iter()
                .map(|s| data.source_name(*s))
                .collect(),
            cases_without: result
                .cases_without
                .iter()
                .map(|c| data.case_name(*c))
                .collect(),
            contradictions: result
                .contradictions
                .iter()
                .map(|c| ContradictionView {
                    source: data.source_name(c.source),
                    case: c.case.map(|c| data.case_name(c)),
                    codings: c.codings.len(),
                    with_code: c.with_code,
                })
                .collect(),
            result,
        })
    }

    /// Saturation over the interviews in the order of `order_by`.
    pub async fn saturation(
        &self,
        project: &Project,
        request: &SaturationRequest,
    ) -> Result<SaturationView, AppError> {
        let probe = self.analysis_data(project, &[]).await?;
        let coder_ids = request
            .coders
            .iter()
            .map(|c| Ok(probe.user(c)?.id))
            .collect::<Result<Vec<_>, AppError>>()?;
        let data = if coder_ids.is_empty() {
            probe
        } else {
            self.analysis_data(project, &coder_ids).await?
        };
        let corpus = data.corpus()?;
        let scope = data.scope(&Restriction {
            filters: Vec::new(),
            set: request.set.clone(),
        })?;
        let var = data.variable(&request.order_by)?;
        let mut chosen: Vec<&SourceEntry<'_>> =
            corpus.sources.iter().filter(|s| scope.admits(s)).collect();
        if chosen.is_empty() {
            return Err(AppError::invalid(format!(
                "no sources to assess ({}); choose a set with --set",
                request
                    .set
                    .as_deref()
                    .map_or("all sources".into(), |s| format!("set '{s}'"))
            )));
        }
        chosen.sort_by(|a, b| {
            order_key(a.value(var.id))
                .partial_cmp(&order_key(b.value(var.id)))
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(a.source.imported_at.cmp(&b.source.imported_at))
        });
        let missing = chosen.iter().filter(|s| s.value(var.id).is_none()).count();
        let order: Vec<SourceId> = chosen.iter().map(|s| s.id()).collect();
        let ivs = interviews(&corpus, &order).map_err(invalid)?;
        let report = saturation_report(&ivs, &request.guest);
        let new_code_names = report
            .accumulation
            .iter()
            .map(|r| r.new_codes.iter().map(|c| data.path(*c)).collect())
            .collect();
        Ok(SaturationView {
            order_by: var.name.clone(),
            order_note: if missing == 0 {
                format!("{} interviews ordered by '{}'", order.len(), var.name)
            } else {
                format!(
                    "{} interviews ordered by '{}'; {missing} without a value follow in import order",
                    order.len(),
                    var.name
                )
            },
            set: request.set.clone(),
            coders: request.coders.clone(),
            report,
            new_code_names,
            galvin: galvin_table(&request.galvin_p, &request.galvin_confidence),
        })
    }

    /// Inter-coder agreement between two or more coders.
    pub async fn agreement(
        &self,
        project: &Project,
        request: &AgreementRequest,
    ) -> Result<AgreementView, AppError> {
        if request.coders.len() < 2 {
            return Err(AppError::invalid(
                "agreement needs at least two coders, e.g. --coders \"researcher,second coder\"",
            ));
        }
        let all = self.analysis_data(project, &[]).await?;
        let coders = request
            .coders
            .iter()
            .map(|c| Ok(all.user(c)?.id))
            .collect::<Result<Vec<_>, AppError>>()?;
        let (sources, source_rule): (Vec<SourceId>, String) = if request.sources.is_empty() {
            let coded: Vec<HashSet<SourceId>> = coders
                .iter()
                .map(|u| {
                    all.codings
                        .iter()
                        .filter(|c| c.coder == *u)
                        .map(|c| c.source)
                        .collect()
                })
                .collect();
            let mut both: Vec<SourceId> = all
                .sources
                .iter()
                .map(|s| s.id)
                .filter(|s| coded.iter().all(|c| c.contains(s)))
                .collect();
            both.dedup();
            (both, "every source each coder has coded".into())
        } else {
            let ids = request
                .sources
                .iter()
                .map(|n| {
                    all.sources
                        .iter()
                        .find(|s| s.name.eq_ignore_ascii_case(n.trim()))
                        .map(|s| s.id)
                        .ok_or_else(|| AppError::NotFound {
                            what: "source",
                            name: n.trim().into(),
                            hint: "list them with `axial sources`".into(),
                        })
                })
                .collect::<Result<_, AppError>>()?;
            (ids, "the sources given".into())
        };
        if sources.is_empty() {
            return Err(AppError::invalid(
                "no source has codings by every coder named; name sources with --sources",
            ));
        }
        let keep: HashSet<SourceId> = sources.iter().copied().collect();
        let data = AnalysisData {
            sources: all
                .sources
                .iter()
                .filter(|s| keep.contains(&s.id))
                .cloned()
                .collect(),
            codings: all
                .codings
                .iter()
                .filter(|c| keep.contains(&c.source) && coders.contains(&c.coder))
                .cloned()
                .collect(),
            ..all
        };
        let codes: Vec<CodeId> = if request.codes.is_empty() {
            let used: HashSet<CodeId> = data.codings.iter().map(|c| c.code).collect();
            data.all_codes()
                .into_iter()
                .filter(|c| used.contains(c))
                .collect()
        } else {
            data.codes_named(&request.codes)?
        };
        let thresholds = if request.overlap_thresholds.is_empty() {
            vec![50, 90]
        } else {
            request.overlap_thresholds.clone()
        };
        let corpus = data.corpus()?;
        let report = compare_corpus(&corpus, &coders, &codes, &thresholds, &HashMap::new())
            .map_err(invalid)?;
        let disagreements = report
            .texts
            .iter()
            .flat_map(|t| t.disagreements.iter())
            .map(|d| DisagreementView {
                source: d.source.map(|s| data.source_name(s)).unwrap_or_default(),
                code: data.path(d.code),
                start: d.span.start().0,
                end: d.span.end().0,
                coded_by: d.coded_by.iter().map(|u| data.user_name(*u)).collect(),
                not_coded_by: d.not_coded_by.iter().map(|u| data.user_name(*u)).collect(),
                text: d
                    .source
                    .map(|s| data.text_of(s, d.span))
                    .unwrap_or_default(),
            })
            .collect();
        let per_source = report
            .texts
            .iter()
            .map(|t| SourceAgreementRow {
                source: t.source.map(|s| data.source_name(s)).unwrap_or_default(),
                characters: t.len,
                combination_alpha: t.summary.combination_alpha,
                pooled_alpha: t.summary.pooled_alpha,
                alpha_u: t.summary.alpha_u,
            })
            .collect();
        Ok(AgreementView {
            per_source,
            coders: coders.iter().map(|u| data.user_name(*u)).collect(),
            codes: codes.iter().map(|c| data.path(*c)).collect(),
            sources: sources.iter().map(|s| data.source_name(*s)).collect(),
            source_rule,
            report,
            disagreements,
        })
    }

    /// Word frequencies over the restricted sources, or within a code.
    pub async fn word_frequencies(
        &self,
        project: &Project,
        code: Option<&str>,
        restriction: &Restriction,
        top: usize,
        stop_words: StopWords,
    ) -> Result<WordsView, AppError> {
        let data = self.analysis_data(project, &[]).await?;
        let corpus = data.corpus()?;
        let scope = data.scope(restriction)?;
        let within = code.map(|c| data.code(c).map(|c| c.id)).transpose()?;
        let result = word_frequencies(
            &corpus,
            &FrequencyParams {
                stop_words,
                min_length: 2,
                top,
                within,
            },
            &|s| scope.admits(s),
        );
        Ok(WordsView {
            restriction: restriction.describe(),
            code: within.map(|c| data.path(c)),
            result,
        })
    }

    /// Every occurrence of `term` with `context` words either side.
    pub async fn kwic(
        &self,
        project: &Project,
        term: &str,
        context: usize,
        restriction: &Restriction,
    ) -> Result<KwicView, AppError> {
        let data = self.analysis_data(project, &[]).await?;
        let corpus = data.corpus()?;
        let scope = data.scope(restriction)?;
        let attribution = Attribution::load(self, project, None).await?;
        let lines = keyword_in_context(&corpus, term, context, &|s| scope.admits(s))
            .into_iter()
            .map(|l| {
                let source = data.sources.iter().find(|s| s.id == l.source);
                KwicRow {
                    source: data.source_name(l.source),
                    attribution: source.map(|s| attribution.label(s)).unwrap_or_default(),
                    start: l.span.start().0,
                    left: l.left,
                    keyword: l.keyword,
                    right: l.right,
                }
            })
            .collect();
        Ok(KwicView {
            term: term.to_string(),
            context_words: context,
            restriction: restriction.describe(),
            lines,
        })
    }
}

/// Sorts numbers and dates before text, and missing values last.
fn order_key(v: Option<&Value>) -> (u8, f64, String) {
    match v {
        Some(Value::Date(d)) => (0, f64::from(d.to_julian_day()), String::new()),
        Some(Value::Integer(i)) => (0, *i as f64, String::new()),
        Some(Value::Decimal(x)) if x.is_finite() => (0, *x, String::new()),
        Some(other) => (1, 0.0, other.to_string().to_lowercase()),
        None => (2, 0.0, String::new()),
    }
}

fn saved_query_body(q: &QueryRequest) -> String {
    let mut body = String::from(
        "A saved coding query; re-run it with `axial query --saved NAME`. Axial reads the lines below.\n\n",
    );
    body.push_str(&format!("query: {}\n", q.text.replace('\n', " ")));
    for (k, v) in &q.restriction.filters {
        body.push_str(&format!("where: {k}={v}\n"));
    }
    if let Some(s) = &q.restriction.set {
        body.push_str(&format!("set: {s}\n"));
    }
    body
}

fn parse_saved_query(body: &str) -> Option<QueryRequest> {
    let mut q = QueryRequest::default();
    let mut found = false;
    for line in body.lines() {
        if let Some(t) = line.strip_prefix("query: ") {
            q.text = t.trim().to_string();
            found = true;
        } else if let Some(w) = line.strip_prefix("where: ") {
            if let Some((k, v)) = w.split_once('=') {
                q.restriction
                    .filters
                    .push((k.trim().into(), v.trim().into()));
            }
        } else if let Some(s) = line.strip_prefix("set: ") {
            q.restriction.set = Some(s.trim().to_string());
        }
    }
    found.then_some(q)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_round_trip(q: QueryRequest) {
        assert_eq!(parse_saved_query(&saved_query_body(&q)), Some(q));
    }

    #[test]
    fn saved_queries_round_trip_through_the_memo_body() {
        check_round_trip(QueryRequest {
            text: "\"Not enough time\" NEAR 200 \"Guilt when standards slip\"".into(),
            restriction: Restriction {
                filters: vec![("staff group".into(), "front line clinician".into())],
                set: Some("Interviews".into()),
            },
        });
        check_round_trip(QueryRequest {
            text: "A OR B".into(),
            restriction: Restriction::default(),
        });
        assert_eq!(parse_saved_query("just a memo"), None);
    }

    #[test]
    fn order_puts_dates_first_and_missing_last() {
        let d = |y, m, day| {
            Value::Date(
                time::Date::from_calendar_date(y, m, day).expect("a valid date in the test"),
            )
        };
        let (a, b) = (
            d(2024, time::Month::March, 2),
            d(2024, time::Month::January, 9),
        );
        assert!(order_key(Some(&b)) < order_key(Some(&a)));
        assert!(order_key(Some(&a)) < order_key(Some(&Value::Text("x".into()))));
        assert!(order_key(Some(&Value::Text("x".into()))) < order_key(None));
    }
}
