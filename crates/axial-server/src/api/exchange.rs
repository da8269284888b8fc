//! REFI-QDA exchange over HTTP: `GET /projects/{project}/export.qdpx` and
//! `/codebook.qdc` (downloads), `POST /projects/import` (a `.qdpx`/`.qde`
//! upload becomes a new project) and `POST /projects/{project}/codebook`
//! (a `.qdc` or codebook CSV merged into the project). Both imports take
//! `?dry_run=true` and answer with the loss report.
//!
//! Uploads have the upload size limit and need the CSRF header like every
//! other change; what an import means is decided in `axial-app`.

use std::collections::BTreeMap;

use axial_app::{CodebookImport, ExchangeError, LossReport, ProjectImport, QdpxStream};
use axial_core::ProjectId;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{ApiResult, Json, Path, Query};
use crate::security::UPLOAD_LIMIT;
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(export_qdpx))
        .routes(routes!(export_qdc))
        .merge(
            OpenApiRouter::new()
                .routes(routes!(import_project))
                .routes(routes!(import_codebook))
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT)),
        )
}

fn exchange_error(e: ExchangeError) -> ApiError {
    match e {
        ExchangeError::Refi { .. } => ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_file",
            e.to_string(),
        ),
        ExchangeError::App(a) => a.into(),
    }
}

#[derive(Deserialize, IntoParams)]
struct DryRun {
    /// Read and check everything and return the report, but write nothing.
    #[serde(default)]
    dry_run: bool,
}

#[derive(Serialize, ToSchema)]
struct ConversionDto {
    what: String,
    count: u64,
    how: String,
}

#[derive(Serialize, ToSchema)]
struct LossDto {
    element: String,
    count: u64,
    why: String,
}

/// What an import brought in, converted, and could not carry.
#[derive(Serialize, ToSchema)]
struct LossReportDto {
    /// Element name (`Code`, `Coding`, `TextSource`, …) → number imported.
    imported: BTreeMap<String, u64>,
    converted: Vec<ConversionDto>,
    unsupported: Vec<LossDto>,
    warnings: Vec<String>,
    /// The report as text lines, ready to show.
    text: String,
}

impl From<LossReport> for LossReportDto {
    fn from(r: LossReport) -> Self {
        LossReportDto {
            text: r.to_string(),
            imported: r.imported,
            converted: r
                .converted
                .into_iter()
                .map(|c| ConversionDto {
                    what: c.what,
                    count: c.count,
                    how: c.how,
                })
                .collect(),
            unsupported: r
                .unsupported
                .into_iter()
                .map(|l| LossDto {
                    element: l.element,
                    count: l.count,
                    why: l.why,
                })
                .collect(),
            warnings: r.warnings,
        }
    }
}

#[derive(Serialize, ToSchema)]
struct ImportCountsDto {
    users_created: u64,
    users_matched: u64,
    sources: u64,
    cases: u64,
    variables: u64,
    values: u64,
    codes: u64,
    codings: u64,
    memos: u64,
    sets: u64,
    relations: u64,
}

#[derive(Serialize, ToSchema)]
struct ProjectImportDto {
    /// The new project's id (for a dry run: the id it would get).
    project_id: String,
    project_name: String,
    dry_run: bool,
    /// True when the file's GUIDs were already in the database and were replaced.
    remapped_ids: bool,
    counts: ImportCountsDto,
    report: LossReportDto,
}

impl From<ProjectImport> for ProjectImportDto {
    fn from(r: ProjectImport) -> Self {
        let c = r.counts;
        ProjectImportDto {
            project_id: r.project.id.to_string(),
            project_name: r.project.name,
            dry_run: r.dry_run,
            remapped_ids: r.remapped_ids,
            counts: ImportCountsDto {
                users_created: c.users_created,
                users_matched: c.users_matched,
                sources: c.sources,
                cases: c.cases,
                variables: c.variables,
                values: c.values,
                codes: c.codes,
                codings: c.codings,
                memos: c.memos,
                sets: c.sets,
                relations: c.relations,
            },
            report: r.report.into(),
        }
    }
}

#[derive(Serialize, ToSchema)]
struct CodebookImportDto {
    dry_run: bool,
    codes_added: u64,
    /// Codes whose name path was already in the project: kept unchanged.
    codes_kept: u64,
    sets_added: u64,
    sets_extended: u64,
    report: LossReportDto,
}

impl From<CodebookImport> for CodebookImportDto {
    fn from(r: CodebookImport) -> Self {
        CodebookImportDto {
            dry_run: r.dry_run,
            codes_added: r.codes_added,
            codes_kept: r.codes_kept,
            sets_added: r.sets_added,
            sets_extended: r.sets_extended,
            report: r.report.into(),
        }
    }
}

/// A download named after the project (characters unsafe in file names replaced).
fn download(name: &str, ext: &str, mime: &'static str, body: impl IntoResponse) -> Response {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.{ext}\"", safe.trim()),
            ),
        ],
        body,
    )
        .into_response()
}

/// The whole project as a REFI-QDA archive.
#[utoipa::path(get, path = "/projects/{project}/export.qdpx", tag = "exchange",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, description = "the .qdpx archive (project.qde and sources/<GUID>.txt)", content_type = "application/zip"),
              (status = 404, body = crate::error::ErrorBody)))]
async fn export_qdpx(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> Result<Response, ApiError> {
    let p = super::project(&s, project).await?;
    // Streamed as it is written: the server never holds the whole archive.
    let QdpxStream { first, rest } = s.app.export_qdpx_stream(&p).await.map_err(exchange_error)?;
    let name = p.name.clone();
    let rest = futures_util::stream::unfold(rest, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    let chunks = futures_util::stream::once(async move { Ok(first) })
        .chain(rest)
        .map(move |chunk| {
            chunk.map_err(|e| {
                tracing::error!("export of '{name}' stopped part way: {e}");
                std::io::Error::other("the export stopped part way; see the server log")
            })
        });
    Ok(download(
        &p.name,
        "qdpx",
        "application/zip",
        axum::body::Body::from_stream(chunks),
    ))
}

/// The code tree as a REFI-QDA codebook.
#[utoipa::path(get, path = "/projects/{project}/codebook.qdc", tag = "exchange",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, description = "the .qdc codebook XML", content_type = "application/xml"),
              (status = 404, body = crate::error::ErrorBody)))]
async fn export_qdc(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> Result<Response, ApiError> {
    let p = super::project(&s, project).await?;
    let xml = s.app.export_qdc(&p).await.map_err(exchange_error)?;
    Ok(download(
        &p.name,
        "qdc",
        "application/xml",
        xml.into_bytes(),
    ))
}

/// The `file` part (and the text of an optional `name` part) of a form.
async fn file_part(form: &mut Multipart) -> Result<(String, Vec<u8>, Option<String>), ApiError> {
    let mut file = None;
    let mut name = None;
    while let Some(field) = form.next_field().await? {
        match field.name() {
            Some("file") => {
                let fname = field.file_name().unwrap_or("upload").to_string();
                file = Some((fname, field.bytes().await?.to_vec()));
            }
            Some("name") => {
                name = Some(field.text().await?).filter(|n| !n.trim().is_empty());
            }
            _ => {}
        }
    }
    let (fname, bytes) = file.ok_or_else(|| {
        ApiError::invalid(
            "file",
            "no file in the upload; send a multipart part named 'file'",
        )
    })?;
    Ok((fname, bytes, name))
}

/// Imports a REFI-QDA project (`.qdpx` or `.qde`) as a new project, in one
/// undoable change. Multipart: a `file` part and an optional `name`.
#[utoipa::path(post, path = "/projects/import", tag = "exchange",
    params(DryRun),
    request_body(content_type = "multipart/form-data", description = "`file` (.qdpx or .qde) and an optional `name` for the new project"),
    responses((status = 200, body = ProjectImportDto, description = "the import (or, with dry_run, what it would do) and its loss report"),
              (status = 413, body = crate::error::ErrorBody),
              (status = 422, body = crate::error::ErrorBody, description = "not a REFI-QDA project, or a hostile archive; nothing was written")))]
async fn import_project(
    State(s): State<AppState>,
    Query(q): Query<DryRun>,
    mut form: Multipart,
) -> ApiResult<ProjectImportDto> {
    let actor = s.actor().await?;
    let (file, bytes, name) = file_part(&mut form).await?;
    let r = s
        .app
        .import_qdpx(&actor, &file, bytes, name, q.dry_run)
        .await
        .map_err(exchange_error)?;
    Ok(Json(r.into()))
}

/// Merges a codebook (`.qdc`, or `.csv` with columns name, parent,
/// description, colour) into the project: codes are matched by name path,
/// existing ones kept, new ones added.
#[utoipa::path(post, path = "/projects/{project}/codebook", tag = "exchange",
    params(("project" = String, Path, description = "project id"), DryRun),
    request_body(content_type = "multipart/form-data", description = "`file`: a .qdc codebook or a codebook .csv"),
    responses((status = 200, body = CodebookImportDto),
              (status = 422, body = crate::error::ErrorBody)))]
async fn import_codebook(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<DryRun>,
    mut form: Multipart,
) -> ApiResult<CodebookImportDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let (file, bytes, _) = file_part(&mut form).await?;
    let r = s
        .app
        .import_codebook(&actor, &p, &file, &bytes, q.dry_run)
        .await
        .map_err(exchange_error)?;
    Ok(Json(r.into()))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axial_app::App;
    use axum::body::Body;
    use axum::http::Request;
    use http_body_util::BodyExt;
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;

    struct Env {
        router: axum::Router,
        csrf: String,
        project: String,
        _dir: tempfile::TempDir,
    }

    async fn env() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("x.db");
        let store = axial_store_sqlite::SqliteStore::open(&db.display().to_string())
            .await
            .expect("open sqlite");
        let app = App::new(Arc::new(store));
        let (p, _) = app.build_demo(&|_| {}).await.expect("demo");
        let mut e = Env {
            router: crate::router(app, crate::ServerConfig::default()),
            csrf: String::new(),
            project: p.id.to_string(),
            _dir: dir,
        };
        let (_, _, body) = e.send(Request::get("/api/v1/session")).await;
        let v: Value = serde_json::from_slice(&body).expect("json");
        e.csrf = v["csrf_token"].as_str().expect("token").to_string();
        e
    }

    impl Env {
        async fn send(
            &self,
            req: axum::http::request::Builder,
        ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
            self.send_body(req, Vec::new()).await
        }

        async fn send_body(
            &self,
            req: axum::http::request::Builder,
            body: Vec<u8>,
        ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
            let resp = self
                .router
                .clone()
                .oneshot(req.body(Body::from(body)).expect("request"))
                .await
                .expect("router answers");
            let (status, headers) = (resp.status(), resp.headers().clone());
            let body = resp.into_body().collect().await.expect("body").to_bytes();
            (status, headers, body.to_vec())
        }

        /// Uploads `bytes` as the `file` part; returns status and JSON.
        async fn upload(
            &self,
            uri: &str,
            file: &str,
            bytes: &[u8],
            csrf: bool,
        ) -> (StatusCode, Value) {
            let boundary = "refiboundary91c2";
            let mut body = format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n\r\n").into_bytes();
            body.extend_from_slice(bytes);
            body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
            let mut req = Request::post(uri).header(
                "content-type",
                format!("multipart/form-data; boundary={boundary}"),
            );
            if csrf {
                req = req.header("x-axial-csrf", &self.csrf);
            }
            let (s, _, b) = self.send_body(req, body).await;
            (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
        }

        async fn project_count(&self) -> usize {
            let (_, _, b) = self.send(Request::get("/api/v1/projects")).await;
            let v: Value = serde_json::from_slice(&b).expect("json");
            v.as_array().map(Vec::len).unwrap_or(0)
        }
    }

    #[tokio::test]
    async fn export_then_import_with_dry_run_and_csrf() {
        let e = env().await;
        let (s, h, qdpx) = e
            .send(Request::get(format!(
                "/api/v1/projects/{}/export.qdpx",
                e.project
            )))
            .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(h[header::CONTENT_TYPE], "application/zip");
        assert!(qdpx.starts_with(b"PK"));

        let (s, _) = e
            .upload("/api/v1/projects/import", "demo.qdpx", &qdpx, false)
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);

        let (s, r) = e
            .upload(
                "/api/v1/projects/import?dry_run=true",
                "demo.qdpx",
                &qdpx,
                true,
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["dry_run"], true);
        assert!(r["report"]["imported"]["Coding"].as_u64() > Some(0), "{r}");
        assert_eq!(e.project_count().await, 1);

        let (s, r) = e
            .upload("/api/v1/projects/import", "demo.qdpx", &qdpx, true)
            .await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["remapped_ids"], true);
        assert_eq!(e.project_count().await, 2);

        let (s, r) = e
            .upload(
                "/api/v1/projects/import",
                "bad.qdpx",
                b"PK\x03\x04junk",
                true,
            )
            .await;
        assert_eq!(
            (s, r["error"]["code"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_file")),
            "{r}"
        );
        assert_eq!(e.project_count().await, 2);
    }

    #[tokio::test]
    async fn codebook_download_and_merge() {
        let e = env().await;
        let (s, _, qdc) = e
            .send(Request::get(format!(
                "/api/v1/projects/{}/codebook.qdc",
                e.project
            )))
            .await;
        assert_eq!(s, StatusCode::OK);
        let uri = format!("/api/v1/projects/{}/codebook?dry_run=true", e.project);
        let (s, r) = e.upload(&uri, "c.qdc", &qdc, true).await;
        assert_eq!(s, StatusCode::OK, "{r}");
        assert_eq!(r["codes_added"], 0);
        assert!(r["codes_kept"].as_u64() > Some(0));
    }

    #[test]
    fn routes_are_in_the_openapi_document() {
        let doc = crate::api::openapi();
        for p in [
            "/projects/{project}/export.qdpx",
            "/projects/{project}/codebook.qdc",
            "/projects/import",
            "/projects/{project}/codebook",
        ] {
            assert!(doc.paths.paths.contains_key(p), "{p}");
        }
    }
}
