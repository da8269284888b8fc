//! `axial import`: many files and folders, each file in its own transaction,
//! with a progress bar and a summary. One bad file does not stop the rest.

use std::path::{Path, PathBuf};

use anyhow::Context;
use axial_app::{
    Actor, App, BatchImporter, ImportOutcome, ImportRequest, PreparedImport, SurveyImport,
};
use axial_core::Project;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

use crate::args::ImportArgs;

#[derive(Debug, Serialize)]
struct FileResult {
    file: String,
    status: &'static str,
    source: Option<String>,
    message: Option<String>,
    warnings: Vec<String>,
}

/// Files under the given paths (folders recursively, hidden files skipped), sorted.
fn collect(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<(PathBuf, String)>) {
    let mut files = Vec::new();
    let mut missing = Vec::new();
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, bad: &mut Vec<(PathBuf, String)>) {
        let entries = match std::fs::read_dir(dir) {
            Ok(e) => e,
            Err(e) => {
                bad.push((dir.to_path_buf(), format!("cannot read the folder: {e}")));
                return;
            }
        };
        let mut kids: Vec<PathBuf> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        kids.sort();
        for k in kids {
            let hidden = k
                .file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with('.'));
            if hidden {
                continue;
            }
            if k.is_dir() {
                walk(&k, out, bad);
            } else {
                out.push(k);
            }
        }
    }
    for p in paths {
        if p.is_dir() {
            walk(p, &mut files, &mut missing);
        } else if p.exists() {
            files.push(p.clone());
        } else {
            missing.push((p.clone(), "no such file or folder; check the path".into()));
        }
    }
    (files, missing)
}

fn is_table(path: &Path) -> bool {
    matches!(
        path.extension()
            .and_then(|e| e.to_str())
            .map(|e| e.to_ascii_lowercase())
            .as_deref(),
        Some("csv" | "xlsx" | "tsv")
    )
}

pub async fn run(
    app: &App,
    actor: &Actor,
    project: &Project,
    a: &ImportArgs,
    json: bool,
) -> anyhow::Result<bool> {
    let case_re = a
        .case_from
        .as_deref()
        .map(|r| {
            regex::Regex::new(r)
                .with_context(|| format!("--case-from '{r}' is not a valid regular expression"))
        })
        .transpose()?;
    let (files, missing) = collect(&a.paths);
    let mut results: Vec<FileResult> = missing
        .into_iter()
        .map(|(p, m)| FileResult {
            file: p.display().to_string(),
            status: "failed",
            source: None,
            message: Some(m),
            warnings: vec![],
        })
        .collect();
    if !json {
        for r in &results {
            eprintln!(
                "failed    {}: {}",
                r.file,
                r.message.as_deref().unwrap_or("")
            );
        }
    }
    let bar = if json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(files.len() as u64)
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} importing [{bar:30}] {pos}/{len} {wide_msg}")
            .expect("the progress template is valid")
            .progress_chars("=> "),
    );
    let mut importer = app.batch_importer(project).await?;
    let is_doc = |p: &Path| !(a.survey || is_table(p));
    let file_name = |p: &Path| {
        p.file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string()
    };
    // Documents are read and parsed one ahead, while the previous one commits.
    let prepare = |p: &Path| {
        let path = p.to_path_buf();
        let name = file_name(p);
        let case = case_of(a, case_re.as_ref(), &name);
        tokio::spawn(prepare_document(path, name, case))
    };
    let mut pending = files.first().filter(|p| is_doc(p)).map(|p| prepare(p));
    for (i, path) in files.iter().enumerate() {
        let name = file_name(path);
        bar.set_message(name.clone());
        let display = path.display().to_string();
        let mine = if is_doc(path) { pending.take() } else { None };
        if let Some(next) = files.get(i + 1).filter(|p| is_doc(p)) {
            pending = Some(prepare(next));
        }
        let res = match mine {
            Some(task) => match task.await {
                Ok(Ok(prepared)) => importer
                    .commit(actor, prepared)
                    .await
                    .map(Outcome::Doc)
                    .map_err(anyhow::Error::from),
                Ok(Err(e)) => Err(e),
                Err(e) => Err(anyhow::anyhow!("the importer stopped: {e}")),
            },
            None => import_table(app, actor, project, a, path, &name).await,
        };
        let r = match res {
            Ok(Outcome::Doc(ImportOutcome::Imported { source, warnings })) => FileResult {
                file: display,
                status: "imported",
                source: Some(source.name),
                message: None,
                warnings,
            },
            Ok(Outcome::Doc(ImportOutcome::Duplicate { existing })) => FileResult {
                file: display,
                status: "duplicate",
                source: Some(existing.clone()),
                message: Some(format!(
                    "skipped: the same text is already in the project as '{existing}'"
                )),
                warnings: vec![],
            },
            Ok(Outcome::Survey(n)) => FileResult {
                file: display,
                status: "imported",
                source: None,
                message: Some(format!("survey: {n} sources from open-text answers")),
                warnings: vec![],
            },
            Err(e) => FileResult {
                file: display,
                status: "failed",
                source: None,
                message: Some(format!("{e:#}")),
                warnings: vec![],
            },
        };
        if !json {
            match r.status {
                "failed" => bar.suspend(|| {
                    eprintln!(
                        "failed    {}: {}",
                        r.file,
                        r.message.as_deref().unwrap_or("")
                    )
                }),
                "duplicate" => bar.suspend(|| {
                    println!(
                        "duplicate {}: {}",
                        r.file,
                        r.message.as_deref().unwrap_or("")
                    )
                }),
                _ => {
                    for w in &r.warnings {
                        bar.suspend(|| eprintln!("warning   {}: {w}", r.file));
                    }
                }
            }
        }
        results.push(r);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let mut ok = true;
    if let Some(sheet) = &a.attributes {
        let bytes = std::fs::read(sheet)
            .with_context(|| format!("cannot read the attribute sheet {}", sheet.display()))?;
        let name = sheet.display().to_string();
        match app
            .import_attribute_sheet(actor, project, &name, bytes)
            .await
        {
            Ok(r) if !json => println!(
                "attributes: {} values set, {} cases created, variables created: {}",
                r.values_set,
                r.cases_created,
                if r.variables_created.is_empty() {
                    "none".into()
                } else {
                    r.variables_created.join(", ")
                }
            ),
            Ok(_) => {}
            Err(e) => {
                ok = false;
                eprintln!("failed    {name}: {e}");
            }
        }
    }
    let count = |s: &str| results.iter().filter(|r| r.status == s).count();
    let failed = count("failed");
    if json {
        crate::output::json(&results)?;
    } else {
        println!(
            "imported {}, skipped {} duplicate{}, failed {}",
            count("imported"),
            count("duplicate"),
            if count("duplicate") == 1 { "" } else { "s" },
            failed
        );
    }
    Ok(ok && failed == 0)
}

enum Outcome {
    Doc(ImportOutcome),
    Survey(usize),
}

/// The case a file goes in: `--case`, or the first group of `--case-from`.
fn case_of(a: &ImportArgs, case_re: Option<&regex::Regex>, name: &str) -> Option<String> {
    match (&a.case, case_re) {
        (Some(c), _) => Some(c.clone()),
        (None, Some(re)) => re
            .captures(name)
            .and_then(|c| c.get(1).or_else(|| c.get(0)))
            .map(|m| m.as_str().to_string()),
        _ => None,
    }
}

/// Reads a file, refusing it before reading when it is over the size limit.
async fn read_file(path: &Path) -> anyhow::Result<Vec<u8>> {
    let meta = tokio::fs::metadata(path)
        .await
        .with_context(|| format!("cannot read {}", path.display()))?;
    let limit = axial_app::MAX_IMPORT_BYTES;
    if meta.len() > limit {
        anyhow::bail!(
            "{} is {} MiB; the limit is {} MiB: split the file",
            path.display(),
            meta.len() >> 20,
            limit >> 20
        );
    }
    tokio::fs::read(path)
        .await
        .with_context(|| format!("cannot read {}", path.display()))
}

async fn prepare_document(
    path: PathBuf,
    name: String,
    case: Option<String>,
) -> anyhow::Result<PreparedImport> {
    let bytes = read_file(&path).await?;
    Ok(BatchImporter::prepare(ImportRequest {
        file_name: name,
        bytes,
        name: None,
        case,
    })
    .await?)
}

/// A CSV or XLSX survey: one transaction for the whole table.
async fn import_table(
    app: &App,
    actor: &Actor,
    project: &Project,
    a: &ImportArgs,
    path: &Path,
    name: &str,
) -> anyhow::Result<Outcome> {
    let bytes = read_file(path).await?;
    let made = app
        .import_survey(
            actor,
            project,
            SurveyImport {
                file_name: name.to_string(),
                bytes,
                case_column: a.case_column.clone(),
                attribute_columns: a.attribute_columns.clone(),
                text_columns: a.text_columns.clone(),
            },
        )
        .await?;
    Ok(Outcome::Survey(made.len()))
}
