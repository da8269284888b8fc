//! `/projects/{project}/analysis/…`: the analysis use cases over HTTP — the
//! code × attribute matrix (JSON, SVG heatmap, CSV/XLSX), the segments behind
//! a matrix cell, co-occurrence, coding queries (run, save, list, re-run),
//! negative cases, saturation (JSON and SVG curve), inter-coder agreement,
//! word frequencies, keyword-in-context, and report downloads (theme report,
//! coded segments, codebook).
//!
//! Each handler parses its parameters, runs one `axial_app::App` use case on
//! a blocking thread (the statistics and the DOCX/XLSX writers are CPU work
//! that must not stall the async workers) and returns the app's serialisable
//! view as JSON, or the file. No statistic is computed here.
//!
//! List parameters (`codes`, `coders`, `sources`, `contradicting`) are
//! comma-separated; a code may be given by id, path ("Parent/Child") or name.
//! A restriction is `where=VARIABLE=VALUE` (several joined with `;`) and
//! `set=NAME`.

use std::collections::{HashMap, HashSet};
use std::future::Future;

use axial_app::axial_analysis::cooccurrence::Proximity;
use axial_app::axial_analysis::matrix::{Measure, PercentOf};
use axial_app::axial_analysis::saturation::{Denominator, GuestParams, Proportion};
use axial_app::axial_analysis::svg;
use axial_app::axial_analysis::words::StopWords;
use axial_app::{
    AgreementRequest, App, QueryRequest, Restriction, SaturationRequest, Segment, SegmentQuery,
    ThemeReportRequest,
};
use axial_core::{CodeId, CodingId, Project, ProjectId};
use axial_formats::report::{self as rep, Cell, Document, Table};
use axial_store::CodingFilter;
use axum::extract::State;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiResult, Json, Path, Query};
use crate::{ApiError, AppState};

type JsonValue = serde_json::Value;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(matrix))
        .routes(routes!(matrix_svg))
        .routes(routes!(matrix_table))
        .routes(routes!(segments))
        .routes(routes!(cooccurrence))
        .routes(routes!(query))
        .routes(routes!(saved_queries, save_query))
        .routes(routes!(run_saved_query))
        .routes(routes!(negative))
        .routes(routes!(saturation))
        .routes(routes!(saturation_svg))
        .routes(routes!(coders))
        .routes(routes!(agreement))
        .routes(routes!(words))
        .routes(routes!(kwic))
        .routes(routes!(theme_report))
        .routes(routes!(segments_report))
        .routes(routes!(codebook_report))
}

// ---------- shared parsing and plumbing ----------

/// Runs a use case on a blocking thread: the statistics and the report
/// writers are CPU-bound. The future is driven there by the runtime handle.
async fn blocking<T, F, Fut>(s: &AppState, f: F) -> Result<T, ApiError>
where
    T: Send + 'static,
    F: FnOnce(App) -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, ApiError>>,
{
    let app = s.app.clone();
    let handle = tokio::runtime::Handle::current();
    tokio::task::spawn_blocking(move || handle.block_on(f(app)))
        .await
        .map_err(|e| ApiError::internal(format!("analysis task failed: {e}")))?
}

/// Comma-separated items, trimmed, empty ones dropped.
fn list(s: Option<&str>) -> Vec<String> {
    s.unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// `VAR=VALUE;VAR=VALUE` and a set name as an app restriction.
fn restriction(filters: Option<&str>, set: Option<&str>) -> Result<Restriction, ApiError> {
    let filters = filters
        .unwrap_or_default()
        .split(';')
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .map(|f| {
            f.split_once('=')
                .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                .filter(|(k, v)| !k.is_empty() && !v.is_empty())
                .ok_or_else(|| {
                    ApiError::invalid(
                        "where",
                        format!(
                            "'{f}' must look like VARIABLE=VALUE, e.g. staff group=senior manager"
                        ),
                    )
                })
        })
        .collect::<Result<_, _>>()?;
    Ok(Restriction {
        filters,
        set: set
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from),
    })
}

/// Code references (ids, paths or names) as the paths or names the app
/// resolves; ids become "Parent/Child" paths.
async fn code_refs(s: &AppState, p: &Project, refs: Vec<String>) -> Result<Vec<String>, ApiError> {
    if !refs.iter().any(|r| r.parse::<CodeId>().is_ok()) {
        return Ok(refs);
    }
    let codes = s.app.codes(p).await?;
    let by_id: HashMap<CodeId, &axial_core::Code> = codes.iter().map(|c| (c.id, c)).collect();
    let path = |mut id: CodeId| {
        let mut parts = Vec::new();
        let mut seen = HashSet::new();
        while let Some(c) = by_id.get(&id) {
            if !seen.insert(id) {
                break;
            }
            parts.push(c.name.clone());
            match c.parent {
                Some(parent) => id = parent,
                None => break,
            }
        }
        parts.reverse();
        parts.join("/")
    };
    refs.into_iter()
        .map(|r| match r.parse::<CodeId>() {
            Ok(id) if by_id.contains_key(&id) => Ok(path(id)),
            Ok(id) => Err(ApiError::not_found(format!(
                "no code with id {id} in project '{}'",
                p.name
            ))),
            Err(_) => Ok(r),
        })
        .collect()
}

fn measure(s: Option<&str>) -> Result<Measure, ApiError> {
    Ok(match s.unwrap_or("segments") {
        "segments" => Measure::Segments,
        "sources" => Measure::Sources,
        "cases" => Measure::Cases,
        "words" => Measure::Words,
        other => {
            return Err(ApiError::invalid(
                "measure",
                format!("unknown measure '{other}'; use segments, sources, cases or words"),
            ))
        }
    })
}

fn percent(s: Option<&str>) -> Result<Option<PercentOf>, ApiError> {
    Ok(match s.unwrap_or("") {
        "" | "none" => None,
        "row" => Some(PercentOf::Row),
        "column" => Some(PercentOf::Column),
        other => {
            return Err(ApiError::invalid(
                "percent",
                format!("unknown percentage '{other}'; use row, column or none"),
            ))
        }
    })
}

/// A file download with its content type and name.
fn download(bytes: Vec<u8>, content_type: &'static str, file_name: &str) -> Response {
    let safe: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let mut r = (StatusCode::OK, bytes).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// An SVG chart shown inline (the UI embeds it as an image).
fn svg_response(svg: String) -> Response {
    let mut r = (StatusCode::OK, svg).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml; charset=utf-8"),
    );
    r
}

fn report_error(e: rep::ReportError) -> ApiError {
    ApiError::internal(format!("writing a report: {e}"))
}

const DOCX: &str = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const HTML: &str = "text/html; charset=utf-8";
const MARKDOWN: &str = "text/markdown; charset=utf-8";
const CSV: &str = "text/csv; charset=utf-8";

/// Writes a document as DOCX, HTML or Markdown: (bytes, content type, extension).
fn write_document(
    doc: &Document,
    format: &str,
) -> Result<(Vec<u8>, &'static str, &'static str), ApiError> {
    let mut out = Vec::new();
    match format {
        "docx" => {
            rep::write_docx(doc, std::io::Cursor::new(&mut out)).map_err(report_error)?;
            Ok((out, DOCX, "docx"))
        }
        "html" => {
            rep::write_html(doc, &mut out).map_err(report_error)?;
            Ok((out, HTML, "html"))
        }
        "md" | "markdown" => {
            rep::write_markdown(doc, &mut out).map_err(report_error)?;
            Ok((out, MARKDOWN, "md"))
        }
        other => Err(ApiError::invalid(
            "format",
            format!("unknown document format '{other}'; use docx, html or md"),
        )),
    }
}

/// Writes a table as XLSX or CSV: (bytes, content type, extension).
fn write_table(t: &Table, format: &str) -> Result<(Vec<u8>, &'static str, &'static str), ApiError> {
    let mut out = Vec::new();
    match format {
        "xlsx" => {
            rep::write_xlsx(std::slice::from_ref(t), &mut out).map_err(report_error)?;
            Ok((out, XLSX, "xlsx"))
        }
        "csv" => {
            rep::write_csv(t, &mut out).map_err(report_error)?;
            Ok((out, CSV, "csv"))
        }
        other => Err(ApiError::invalid(
            "format",
            format!("unknown table format '{other}'; use xlsx or csv"),
        )),
    }
}

// ---------- matrix ----------

#[derive(Deserialize, IntoParams)]
struct MatrixParams {
    /// Rows: codes or categories, comma-separated (ids, paths or names);
    /// default the top-level ones. A category counts its codes.
    codes: Option<String>,
    /// The variable whose values are the columns (default "staff group").
    by: Option<String>,
    /// segments (default), sources, cases or words.
    measure: Option<String>,
    /// row, column or none (default).
    percent: Option<String>,
    /// For `matrix/table`: xlsx (default) or csv.
    format: Option<String>,
}

async fn run_matrix(
    s: &AppState,
    project: ProjectId,
    q: MatrixParams,
) -> Result<axial_app::MatrixView, ApiError> {
    let p = super::project(s, project).await?;
    let codes = code_refs(s, &p, list(q.codes.as_deref())).await?;
    let by = q.by.unwrap_or_else(|| "staff group".into());
    let m = measure(q.measure.as_deref())?;
    let pct = percent(q.percent.as_deref())?;
    blocking(s, move |app| async move {
        Ok(app.matrix(&p, &codes, &by, m, pct).await?)
    })
    .await
}

/// The code × attribute matrix. Each cell of `matrix.cells[row][column]`
/// lists its coding ids: `POST …/analysis/segments` opens them.
#[utoipa::path(get, path = "/projects/{project}/analysis/matrix", tag = "analysis",
    params(("project" = String, Path, description = "project id"), MatrixParams),
    responses((status = 200, body = JsonValue, description = "axial_app::MatrixView: rows, columns, values, percentages and the cells with their coding ids"),
        (status = 404, body = crate::error::ErrorBody, description = "unknown code or variable")))]
async fn matrix(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<MatrixParams>,
) -> ApiResult<axial_app::MatrixView> {
    Ok(Json(run_matrix(&s, project, q).await?))
}

/// The matrix as an SVG heatmap (percentages when asked for, else the measure).
#[utoipa::path(get, path = "/projects/{project}/analysis/matrix.svg", tag = "analysis",
    params(("project" = String, Path, description = "project id"), MatrixParams),
    responses((status = 200, content_type = "image/svg+xml", body = String)))]
async fn matrix_svg(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<MatrixParams>,
) -> Result<Response, ApiError> {
    let v = run_matrix(&s, project, q).await?;
    let values: Vec<Vec<f64>> = match &v.percentages {
        Some(p) => p
            .iter()
            .map(|r| r.iter().map(|x| x.unwrap_or(0.0)).collect())
            .collect(),
        None => v.values.clone(),
    };
    let title = format!("Codes by {} ({})", v.by, measure_name(v.measure));
    Ok(svg_response(svg::heatmap(
        &title, &v.rows, &v.columns, &values,
    )))
}

fn measure_name(m: Measure) -> &'static str {
    match m {
        Measure::Segments => "coded segments",
        Measure::Sources => "sources",
        Measure::Cases => "cases",
        Measure::Words => "words",
    }
}

/// The matrix as a spreadsheet (XLSX) or CSV file.
#[utoipa::path(get, path = "/projects/{project}/analysis/matrix/table", tag = "analysis",
    params(("project" = String, Path, description = "project id"), MatrixParams),
    responses((status = 200, description = "the matrix file", content_type = "application/octet-stream", body = Vec<u8>)))]
async fn matrix_table(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<MatrixParams>,
) -> Result<Response, ApiError> {
    let format = q.format.clone().unwrap_or_else(|| "xlsx".into());
    let v = run_matrix(&s, project, q).await?;
    let mut header = vec!["code".to_string()];
    header.extend(v.columns.iter().cloned());
    let rows = v
        .rows
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut r = vec![Cell::from(name.clone())];
            for j in 0..v.columns.len() {
                let x = match &v.percentages {
                    Some(p) => p.get(i).and_then(|r| r.get(j)).copied().flatten(),
                    None => v.values.get(i).and_then(|r| r.get(j)).copied(),
                };
                r.push(x.map_or(Cell::Empty, Cell::from));
            }
            r
        })
        .collect();
    let t = Table {
        name: format!("Codes by {}", v.by),
        header,
        rows,
    };
    let (bytes, ctype, ext) = write_table(&t, &format)?;
    Ok(download(bytes, ctype, &format!("matrix-{}.{ext}", v.by)))
}

// ---------- segments behind a cell ----------

#[derive(Deserialize, ToSchema)]
struct SegmentsRequestDto {
    /// Coding ids, as a matrix cell or co-occurrence cell lists them (at most 5,000).
    codings: Vec<String>,
    /// Variable for the attribution label (default: the staff-group-like one).
    label_by: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct SegmentDto {
    coding: String,
    code: String,
    code_path: String,
    source: String,
    source_id: String,
    case: Option<String>,
    attributes: std::collections::BTreeMap<String, String>,
    /// Code points `[start, end)`.
    start: u32,
    end: u32,
    first_line: usize,
    last_line: usize,
    text: String,
    context_before: String,
    context_after: String,
    coder: String,
    /// "(Interviewee 07, front line clinician)".
    attribution: String,
}

impl From<Segment> for SegmentDto {
    fn from(s: Segment) -> SegmentDto {
        SegmentDto {
            coding: s.coding.to_string(),
            code: s.code,
            code_path: s.code_path,
            source: s.source,
            source_id: s.source_id.to_string(),
            case: s.case,
            attributes: s.attributes,
            start: s.start,
            end: s.end,
            first_line: s.first_line,
            last_line: s.last_line,
            text: s.text,
            context_before: s.context_before,
            context_after: s.context_after,
            coder: s.coder,
            attribution: s.attribution,
        }
    }
}

const MAX_SEGMENT_IDS: usize = 5000;

/// The coded segments behind a matrix or co-occurrence cell, attributed, in
/// source order.
#[utoipa::path(post, path = "/projects/{project}/analysis/segments", tag = "analysis",
    params(("project" = String, Path, description = "project id")),
    request_body = SegmentsRequestDto,
    responses((status = 200, body = Vec<SegmentDto>), (status = 422, body = crate::error::ErrorBody, description = "a malformed coding id or too many ids")))]
async fn segments(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(req): Json<SegmentsRequestDto>,
) -> ApiResult<Vec<SegmentDto>> {
    if req.codings.len() > MAX_SEGMENT_IDS {
        return Err(ApiError::invalid(
            "codings",
            format!("at most {MAX_SEGMENT_IDS} codings at once; narrow the matrix"),
        ));
    }
    let wanted = req
        .codings
        .iter()
        .map(|c| {
            c.parse::<CodingId>()
                .map_err(|e| ApiError::invalid("codings", format!("'{c}': {e}")))
        })
        .collect::<Result<HashSet<_>, _>>()?;
    let p = super::project(&s, project).await?;
    if wanted.is_empty() {
        return Ok(Json(Vec::new()));
    }
    let label_by = req.label_by;
    let segs = blocking(&s, move |app| async move {
        let codings = app
            .store()
            .codings(p.id, &CodingFilter::all())
            .await
            .map_err(axial_app::AppError::from)?;
        let mut codes: Vec<CodeId> = Vec::new();
        let mut sources = Vec::new();
        for c in codings.iter().filter(|c| wanted.contains(&c.id)) {
            if !codes.contains(&c.code) {
                codes.push(c.code);
            }
            if !sources.contains(&c.source) {
                sources.push(c.source);
            }
        }
        if codes.is_empty() {
            return Ok(Vec::new());
        }
        let segs = app
            .segments(
                &p,
                &SegmentQuery {
                    codes,
                    sources,
                    label_by,
                    context: 80,
                    ..Default::default()
                },
            )
            .await?;
        Ok(segs
            .into_iter()
            .filter(|s| wanted.contains(&s.coding))
            .map(SegmentDto::from)
            .collect())
    })
    .await?;
    Ok(Json(segs))
}

// ---------- co-occurrence ----------

#[derive(Deserialize, IntoParams)]
struct CooccurrenceParams {
    /// Codes, comma-separated (default every codable code).
    codes: Option<String>,
    /// overlap (default), paragraph, turn or near.
    mode: Option<String>,
    /// Characters between codings for `mode=near` (default 200).
    chars: Option<u32>,
    /// `VARIABLE=VALUE`, several joined with `;`.
    r#where: Option<String>,
    set: Option<String>,
}

/// The code co-occurrence matrix; each cell lists its coding pairs.
#[utoipa::path(get, path = "/projects/{project}/analysis/cooccurrence", tag = "analysis",
    params(("project" = String, Path, description = "project id"), CooccurrenceParams),
    responses((status = 200, body = JsonValue, description = "axial_app::CooccurrenceView")))]
async fn cooccurrence(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<CooccurrenceParams>,
) -> ApiResult<axial_app::CooccurrenceView> {
    let p = super::project(&s, project).await?;
    let proximity = match q.mode.as_deref().unwrap_or("overlap") {
        "overlap" => Proximity::Overlap,
        "paragraph" => Proximity::SameParagraph,
        "turn" => Proximity::SameTurn,
        "near" => Proximity::Within(q.chars.unwrap_or(200)),
        other => {
            return Err(ApiError::invalid(
                "mode",
                format!("unknown mode '{other}'; use overlap, paragraph, turn or near"),
            ))
        }
    };
    let r = restriction(q.r#where.as_deref(), q.set.as_deref())?;
    let codes = code_refs(&s, &p, list(q.codes.as_deref())).await?;
    let v = blocking(&s, move |app| async move {
        Ok(app.cooccurrence(&p, &codes, proximity, &r).await?)
    })
    .await?;
    Ok(Json(v))
}

// ---------- coding queries ----------

#[derive(Deserialize, IntoParams)]
struct QueryParams {
    /// The query, e.g. `"Not enough time" NEAR 200 "Guilt when standards slip"`.
    q: String,
    r#where: Option<String>,
    set: Option<String>,
    /// Variable for the attribution label.
    label_by: Option<String>,
}

/// Runs a coding query (AND, OR, NOT, NEAR n, OVERLAPPING, FOLLOWED BY);
/// hits come back as attributed segments.
#[utoipa::path(get, path = "/projects/{project}/analysis/query", tag = "analysis",
    params(("project" = String, Path, description = "project id"), QueryParams),
    responses((status = 200, body = JsonValue, description = "axial_app::QueryView"),
        (status = 422, body = crate::error::ErrorBody, description = "the query does not parse")))]
async fn query(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<QueryParams>,
) -> ApiResult<axial_app::QueryView> {
    let p = super::project(&s, project).await?;
    let request = QueryRequest {
        text: q.q,
        restriction: restriction(q.r#where.as_deref(), q.set.as_deref())?,
    };
    let label_by = q.label_by;
    let v = blocking(&s, move |app| async move {
        Ok(app.query(&p, &request, label_by.as_deref()).await?)
    })
    .await?;
    Ok(Json(v))
}

#[derive(Serialize, Deserialize, ToSchema)]
struct FilterDto {
    variable: String,
    value: String,
}

#[derive(Serialize, ToSchema)]
struct SavedQueryDto {
    name: String,
    query: String,
    filters: Vec<FilterDto>,
    set: Option<String>,
    /// "all sources", or e.g. "sources with staff group = senior manager".
    restriction: String,
}

#[derive(Deserialize, ToSchema)]
struct SaveQueryDto {
    name: String,
    query: String,
    #[serde(default)]
    filters: Vec<FilterDto>,
    set: Option<String>,
}

fn saved_dto(name: String, q: QueryRequest) -> SavedQueryDto {
    SavedQueryDto {
        name,
        restriction: q.restriction.describe(),
        query: q.text,
        filters: q
            .restriction
            .filters
            .into_iter()
            .map(|(variable, value)| FilterDto { variable, value })
            .collect(),
        set: q.restriction.set,
    }
}

/// The saved queries of the project.
#[utoipa::path(get, path = "/projects/{project}/analysis/queries", tag = "analysis",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = Vec<SavedQueryDto>)))]
async fn saved_queries(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> ApiResult<Vec<SavedQueryDto>> {
    let p = super::project(&s, project).await?;
    let all = s.app.saved_queries(&p).await?;
    Ok(Json(
        all.into_iter().map(|(n, q)| saved_dto(n, q)).collect(),
    ))
}

/// Saves (or replaces) a named query with its restriction, as a method memo.
#[utoipa::path(post, path = "/projects/{project}/analysis/queries", tag = "analysis",
    params(("project" = String, Path, description = "project id")),
    request_body = SaveQueryDto,
    responses((status = 201, body = SavedQueryDto), (status = 422, body = crate::error::ErrorBody, description = "empty name or query")))]
async fn save_query(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(b): Json<SaveQueryDto>,
) -> Result<(StatusCode, Json<SavedQueryDto>), ApiError> {
    let p = super::project(&s, project).await?;
    if b.query.trim().is_empty() {
        return Err(ApiError::invalid("query", "write the query to save"));
    }
    let actor = s.actor().await?;
    let request = QueryRequest {
        text: b.query.trim().to_string(),
        restriction: Restriction {
            filters: b
                .filters
                .into_iter()
                .filter(|f| !f.variable.trim().is_empty())
                .map(|f| (f.variable.trim().to_string(), f.value.trim().to_string()))
                .collect(),
            set: b.set.filter(|s| !s.trim().is_empty()),
        },
    };
    s.app.save_query(&actor, &p, &b.name, &request).await?;
    Ok((
        StatusCode::CREATED,
        Json(saved_dto(b.name.trim().to_string(), request)),
    ))
}

#[derive(Deserialize, IntoParams)]
struct RerunParams {
    label_by: Option<String>,
}

/// Re-runs a saved query by name.
#[utoipa::path(get, path = "/projects/{project}/analysis/queries/{name}/run", tag = "analysis",
    params(("project" = String, Path, description = "project id"), ("name" = String, Path, description = "the saved query's name"), RerunParams),
    responses((status = 200, body = JsonValue, description = "axial_app::QueryView"), (status = 404, body = crate::error::ErrorBody)))]
async fn run_saved_query(
    State(s): State<AppState>,
    Path((project, name)): Path<(ProjectId, String)>,
    Query(q): Query<RerunParams>,
) -> ApiResult<axial_app::QueryView> {
    let p = super::project(&s, project).await?;
    let request = s.app.saved_query(&p, &name).await?;
    let label_by = q.label_by;
    let v = blocking(&s, move |app| async move {
        Ok(app.query(&p, &request, label_by.as_deref()).await?)
    })
    .await?;
    Ok(Json(v))
}

// ---------- negative cases ----------

#[derive(Deserialize, IntoParams)]
struct NegativeParams {
    /// The code or category looked for.
    code: String,
    /// Codes whose presence contradicts it, comma-separated.
    contradicting: Option<String>,
    r#where: Option<String>,
    set: Option<String>,
}

/// Sources and cases without a code (or any code under it), and where a
/// contradicting code appears.
#[utoipa::path(get, path = "/projects/{project}/analysis/negative", tag = "analysis",
    params(("project" = String, Path, description = "project id"), NegativeParams),
    responses((status = 200, body = JsonValue, description = "axial_app::NegativeView")))]
async fn negative(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<NegativeParams>,
) -> ApiResult<axial_app::NegativeView> {
    let p = super::project(&s, project).await?;
    let r = restriction(q.r#where.as_deref(), q.set.as_deref())?;
    let code = code_refs(&s, &p, vec![q.code])
        .await?
        .pop()
        .unwrap_or_default();
    let contradicting = code_refs(&s, &p, list(q.contradicting.as_deref())).await?;
    let v = blocking(&s, move |app| async move {
        Ok(app.negative_cases(&p, &code, &contradicting, &r).await?)
    })
    .await?;
    Ok(Json(v))
}

// ---------- saturation ----------

#[derive(Deserialize, IntoParams)]
struct SaturationParams {
    /// Variable giving the interview order (default "interview date").
    order_by: Option<String>,
    /// The set of interviews (default "Interviews"; empty for all sources).
    set: Option<String>,
    /// Only these coders' codings, comma-separated.
    coders: Option<String>,
    /// Guest et al. base size (default 4).
    base: Option<usize>,
    /// Guest et al. run length (default 2).
    run: Option<usize>,
    /// New-information threshold, e.g. `5%` or `0.05` (default 5%).
    threshold: Option<String>,
    /// Divide by the cumulative codes instead of the base's (a labelled variant).
    #[serde(default)]
    cumulative: bool,
}

async fn run_saturation(
    s: &AppState,
    project: ProjectId,
    q: SaturationParams,
) -> Result<(Project, axial_app::SaturationView), ApiError> {
    let p = super::project(s, project).await?;
    let mut request = SaturationRequest::default();
    if let Some(o) = q.order_by.filter(|o| !o.trim().is_empty()) {
        request.order_by = o;
    }
    if let Some(set) = q.set {
        request.set = Some(set).filter(|s| !s.trim().is_empty());
    }
    request.coders = list(q.coders.as_deref());
    let threshold = match q.threshold.as_deref() {
        Some(t) if !t.trim().is_empty() => Proportion::parse(t.trim())
            .map_err(|e| ApiError::invalid("threshold", format!("'{t}': {e}")))?,
        _ => Proportion { num: 5, den: 100 },
    };
    let base = q.base.unwrap_or(4);
    let run = q.run.unwrap_or(2);
    if base == 0 || run == 0 {
        return Err(ApiError::invalid(
            "base",
            "base size and run length must be at least 1",
        ));
    }
    request.guest = vec![GuestParams {
        base,
        run,
        threshold,
        denominator: if q.cumulative {
            Denominator::Cumulative
        } else {
            Denominator::FixedBase
        },
    }];
    let p2 = p.clone();
    let v = blocking(s, move |app| async move {
        Ok(app.saturation(&p2, &request).await?)
    })
    .await?;
    Ok((p, v))
}

/// New codes per interview, the cumulative and expected curves, the Guest
/// run table, Chao2 and Galvin's table, with every parameter stated.
#[utoipa::path(get, path = "/projects/{project}/analysis/saturation", tag = "analysis",
    params(("project" = String, Path, description = "project id"), SaturationParams),
    responses((status = 200, body = JsonValue, description = "axial_app::SaturationView")))]
async fn saturation(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<SaturationParams>,
) -> ApiResult<axial_app::SaturationView> {
    Ok(Json(run_saturation(&s, project, q).await?.1))
}

/// The saturation curve as SVG: new codes per interview as bars, the
/// cumulative count as a line, the order-free expected curve dashed.
#[utoipa::path(get, path = "/projects/{project}/analysis/saturation.svg", tag = "analysis",
    params(("project" = String, Path, description = "project id"), SaturationParams),
    responses((status = 200, content_type = "image/svg+xml", body = String)))]
async fn saturation_svg(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<SaturationParams>,
) -> Result<Response, ApiError> {
    let (p, v) = run_saturation(&s, project, q).await?;
    Ok(svg_response(svg::saturation_curve(
        &format!("Code saturation: {}", p.name),
        &v.report,
    )))
}

// ---------- agreement ----------

#[derive(Serialize, ToSchema)]
struct CoderDto {
    name: String,
    display_name: String,
    /// Codings this coder made in the project.
    codings: usize,
    /// Sources this coder coded.
    sources: usize,
}

/// Everyone who has coded in the project, for the agreement pickers.
#[utoipa::path(get, path = "/projects/{project}/analysis/coders", tag = "analysis",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = Vec<CoderDto>)))]
async fn coders(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> ApiResult<Vec<CoderDto>> {
    let p = super::project(&s, project).await?;
    let store = s.app.store();
    let users = store.users().await.map_err(axial_app::AppError::from)?;
    let codings = store
        .codings(p.id, &CodingFilter::all())
        .await
        .map_err(axial_app::AppError::from)?;
    let mut out: Vec<CoderDto> = users
        .into_iter()
        .filter_map(|u| {
            let mine: Vec<_> = codings.iter().filter(|c| c.coder == u.id).collect();
            if mine.is_empty() {
                return None;
            }
            let sources: HashSet<_> = mine.iter().map(|c| c.source).collect();
            Some(CoderDto {
                name: u.name,
                display_name: u.display_name,
                codings: mine.len(),
                sources: sources.len(),
            })
        })
        .collect();
    out.sort_by(|a, b| b.codings.cmp(&a.codings).then(a.name.cmp(&b.name)));
    Ok(Json(out))
}

#[derive(Deserialize, IntoParams)]
struct AgreementParams {
    /// Two or more coders, comma-separated.
    coders: String,
    /// Codes, comma-separated (default every code the coders used).
    codes: Option<String>,
    /// Sources by name, comma-separated (default every source each coder coded).
    sources: Option<String>,
    /// MAXQDA minimum overlap rates in percent, comma-separated (default 50,90).
    overlap: Option<String>,
}

/// Inter-coder agreement: percentage agreement, Cohen's kappa per code at
/// character level, Krippendorff's alpha and α_U, MAXQDA segment agreement,
/// Fleiss' kappa for three or more coders, and the disagreeing segments.
#[utoipa::path(get, path = "/projects/{project}/analysis/agreement", tag = "analysis",
    params(("project" = String, Path, description = "project id"), AgreementParams),
    responses((status = 200, body = JsonValue, description = "axial_app::AgreementView"),
        (status = 422, body = crate::error::ErrorBody, description = "fewer than two coders, or no source both coded")))]
async fn agreement(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<AgreementParams>,
) -> ApiResult<axial_app::AgreementView> {
    let p = super::project(&s, project).await?;
    let overlap_thresholds = list(q.overlap.as_deref())
        .iter()
        .map(|x| {
            x.trim_end_matches('%')
                .parse::<u32>()
                .ok()
                .filter(|x| *x <= 100)
                .ok_or_else(|| {
                    ApiError::invalid(
                        "overlap",
                        format!("'{x}' is not a percentage between 0 and 100"),
                    )
                })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let request = AgreementRequest {
        coders: list(Some(&q.coders)),
        codes: code_refs(&s, &p, list(q.codes.as_deref())).await?,
        sources: list(q.sources.as_deref()),
        overlap_thresholds,
    };
    let v = blocking(&s, move |app| async move {
        Ok(app.agreement(&p, &request).await?)
    })
    .await?;
    Ok(Json(v))
}

// ---------- words ----------

#[derive(Deserialize, IntoParams)]
struct WordsParams {
    /// Only text coded with this code.
    code: Option<String>,
    r#where: Option<String>,
    set: Option<String>,
    /// How many words (default 30, at most 500).
    top: Option<usize>,
    /// Stop words: english (default), german, french, spanish, dutch or none.
    stop_words: Option<String>,
}

/// Word frequencies for the project, a code or a set.
#[utoipa::path(get, path = "/projects/{project}/analysis/words", tag = "analysis",
    params(("project" = String, Path, description = "project id"), WordsParams),
    responses((status = 200, body = JsonValue, description = "axial_app::WordsView")))]
async fn words(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<WordsParams>,
) -> ApiResult<axial_app::WordsView> {
    let p = super::project(&s, project).await?;
    let stop = match q.stop_words.as_deref().unwrap_or("english") {
        "english" | "en" => StopWords::English,
        "german" | "de" => StopWords::German,
        "french" | "fr" => StopWords::French,
        "spanish" | "es" => StopWords::Spanish,
        "dutch" | "nl" => StopWords::Dutch,
        "none" => StopWords::None,
        other => {
            return Err(ApiError::invalid(
                "stop_words",
                format!("unknown stop-word list '{other}'; use english, german, french, spanish, dutch or none"),
            ))
        }
    };
    let r = restriction(q.r#where.as_deref(), q.set.as_deref())?;
    let code = match q.code.filter(|c| !c.trim().is_empty()) {
        Some(c) => code_refs(&s, &p, vec![c]).await?.pop(),
        None => None,
    };
    let top = q.top.unwrap_or(30).clamp(1, 500);
    let v = blocking(&s, move |app| async move {
        Ok(app
            .word_frequencies(&p, code.as_deref(), &r, top, stop)
            .await?)
    })
    .await?;
    Ok(Json(v))
}

#[derive(Deserialize, IntoParams)]
struct KwicParams {
    /// The word looked for.
    term: String,
    /// Words of context either side (default 8, at most 40).
    context: Option<usize>,
    r#where: Option<String>,
    set: Option<String>,
}

/// Every occurrence of a word with its context, attributed.
#[utoipa::path(get, path = "/projects/{project}/analysis/kwic", tag = "analysis",
    params(("project" = String, Path, description = "project id"), KwicParams),
    responses((status = 200, body = JsonValue, description = "axial_app::KwicView")))]
async fn kwic(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<KwicParams>,
) -> ApiResult<axial_app::KwicView> {
    let p = super::project(&s, project).await?;
    if q.term.trim().is_empty() {
        return Err(ApiError::invalid("term", "give the word to look for"));
    }
    let r = restriction(q.r#where.as_deref(), q.set.as_deref())?;
    let context = q.context.unwrap_or(8).min(40);
    let term = q.term;
    let v = blocking(&s, move |app| async move {
        Ok(app.kwic(&p, &term, context, &r).await?)
    })
    .await?;
    Ok(Json(v))
}

// ---------- reports ----------

#[derive(Deserialize, IntoParams)]
struct ThemeReportParams {
    /// Categories or codes, comma-separated, in the order wanted.
    codes: String,
    /// docx (default), html or md.
    format: Option<String>,
    /// Quotes per code (default 3, at most 50).
    quotes: Option<usize>,
    /// Quote only segments linked from a memo.
    #[serde(default)]
    approved_only: bool,
    /// Quote only quotes approved (or amended) in member checking.
    #[serde(default)]
    approved_quotes_only: bool,
    label_by: Option<String>,
}

/// The theme report: definitions, memos and attributed quotes.
#[utoipa::path(get, path = "/projects/{project}/analysis/reports/themes", tag = "analysis",
    params(("project" = String, Path, description = "project id"), ThemeReportParams),
    responses((status = 200, description = "the report file", content_type = "application/octet-stream", body = Vec<u8>)))]
async fn theme_report(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<ThemeReportParams>,
) -> Result<Response, ApiError> {
    let p = super::project(&s, project).await?;
    let format = q.format.unwrap_or_else(|| "docx".into());
    let request = ThemeReportRequest {
        codes: code_refs(&s, &p, list(Some(&q.codes))).await?,
        approved_only: q.approved_only,
        approved_quotes_only: q.approved_quotes_only,
        quotes_per_code: q.quotes.unwrap_or(3).clamp(1, 50),
        label_by: q.label_by.filter(|l| !l.trim().is_empty()),
    };
    let name = p.name.clone();
    let (bytes, ctype, ext) = blocking(&s, move |app| async move {
        let doc = app.theme_report(&p, &request).await?;
        write_document(&doc, &format)
    })
    .await?;
    Ok(download(bytes, ctype, &format!("themes-{name}.{ext}")))
}

#[derive(Deserialize, IntoParams)]
struct SegmentsReportParams {
    /// The code (and the codes under it).
    code: String,
    /// xlsx (default) or csv.
    format: Option<String>,
    label_by: Option<String>,
}

/// Coded segments with full attribution as XLSX or CSV.
#[utoipa::path(get, path = "/projects/{project}/analysis/reports/segments", tag = "analysis",
    params(("project" = String, Path, description = "project id"), SegmentsReportParams),
    responses((status = 200, description = "the table file", content_type = "application/octet-stream", body = Vec<u8>)))]
async fn segments_report(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<SegmentsReportParams>,
) -> Result<Response, ApiError> {
    let p = super::project(&s, project).await?;
    let format = q.format.unwrap_or_else(|| "xlsx".into());
    let code = code_refs(&s, &p, vec![q.code])
        .await?
        .pop()
        .unwrap_or_default();
    let label_by = q.label_by.filter(|l| !l.trim().is_empty());
    let file = format!("segments-{code}");
    let (bytes, ctype, ext) = blocking(&s, move |app| async move {
        let t = app.segments_table(&p, &code, label_by.as_deref()).await?;
        write_table(&t, &format)
    })
    .await?;
    Ok(download(bytes, ctype, &format!("{file}.{ext}")))
}

#[derive(Deserialize, IntoParams)]
struct CodebookParams {
    /// docx (default) or md.
    format: Option<String>,
}

/// The codebook: definitions, criteria, examples and counts.
#[utoipa::path(get, path = "/projects/{project}/analysis/reports/codebook", tag = "analysis",
    params(("project" = String, Path, description = "project id"), CodebookParams),
    responses((status = 200, description = "the codebook file", content_type = "application/octet-stream", body = Vec<u8>)))]
async fn codebook_report(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<CodebookParams>,
) -> Result<Response, ApiError> {
    let p = super::project(&s, project).await?;
    let format = q.format.unwrap_or_else(|| "docx".into());
    if format == "html" {
        return Err(ApiError::invalid(
            "format",
            "the codebook is written as docx or md",
        ));
    }
    let name = p.name.clone();
    let (bytes, ctype, ext) = blocking(&s, move |app| async move {
        let doc = app.codebook_document(&p).await?;
        write_document(&doc, &format)
    })
    .await?;
    Ok(download(bytes, ctype, &format!("codebook-{name}.{ext}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_restriction(filters: &str, set: &str, expect: Result<(usize, Option<&str>), &str>) {
        let got = restriction(Some(filters), Some(set));
        match (got, expect) {
            (Ok(r), Ok((n, s))) => {
                assert_eq!(r.filters.len(), n, "{filters}");
                assert_eq!(r.set.as_deref(), s);
            }
            (Err(e), Err(field)) => assert_eq!(e.fields, vec![field.to_string()]),
            (got, want) => panic!("{filters}: got {got:?}, want {want:?}"),
        }
    }

    #[test]
    fn restrictions_parse_from_query_strings() {
        check_restriction("", "", Ok((0, None)));
        check_restriction(
            "staff group=senior manager",
            "Interviews",
            Ok((1, Some("Interviews"))),
        );
        check_restriction("a=b; c = d ;", " ", Ok((2, None)));
        check_restriction("no equals sign", "", Err("where"));
        check_restriction("=value", "", Err("where"));
    }

    #[test]
    fn lists_split_on_commas_and_drop_blanks() {
        assert_eq!(list(Some(" a, b ,,c ")), vec!["a", "b", "c"]);
        assert!(list(None).is_empty());
    }

    #[test]
    fn unknown_measures_and_formats_name_the_field() {
        assert_eq!(measure(Some("words")).ok(), Some(Measure::Words));
        assert_eq!(
            measure(Some("bogus")).err().map(|e| e.fields),
            Some(vec!["measure".to_string()])
        );
        assert_eq!(percent(Some("row")).ok(), Some(Some(PercentOf::Row)));
        assert_eq!(
            percent(Some("diagonal")).err().map(|e| e.fields),
            Some(vec!["percent".to_string()])
        );
        let t = Table {
            name: "t".into(),
            header: vec!["a".into()],
            rows: vec![vec![Cell::from(1u64)]],
        };
        assert_eq!(write_table(&t, "csv").map(|x| x.2).ok(), Some("csv"));
        assert_eq!(
            write_table(&t, "pdf").err().map(|e| e.fields),
            Some(vec!["format".to_string()])
        );
    }
}
