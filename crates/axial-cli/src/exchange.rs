//! `axial export qdpx|qdc FILE` and `axial import qdpx|qdc FILE` (also
//! spelled `axial import-project FILE` and `axial import-codebook FILE`):
//! REFI-QDA exchange from the command line.
//!
//! Reads and writes the files, shows a spinner while the app works, and
//! prints the loss report (or the whole outcome as JSON with `--json`). The
//! translation and the merge rules live in `axial-app`; this module only
//! wires them to files and the terminal.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use axial_app::{Actor, App, LossReport};
use axial_core::Project;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};

use crate::output;

/// What to export.
#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// The whole project as a REFI-QDA project archive (.qdpx)
    Qdpx {
        /// The .qdpx file to write (replaced if it exists)
        file: PathBuf,
    },
    /// The code tree as a REFI-QDA codebook (.qdc)
    Qdc {
        /// The .qdc file to write (replaced if it exists)
        file: PathBuf,
    },
}

/// `axial import-project`.
#[derive(Debug, Args)]
pub struct ImportProjectArgs {
    /// A REFI-QDA project: .qdpx archive or bare .qde XML
    pub file: PathBuf,
    /// Name of the new project (default: the name in the file; made unique)
    #[arg(long)]
    pub name: Option<String>,
    /// Read and check everything and print the report, but write nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// `axial import-codebook`.
#[derive(Debug, Args)]
pub struct ImportCodebookArgs {
    /// A REFI-QDA codebook (.qdc) or a CSV with columns name, parent, description, colour
    pub file: PathBuf,
    /// Read and check everything and print the report, but write nothing
    #[arg(long)]
    pub dry_run: bool,
}

/// What `axial import` was asked for when its first argument names a
/// REFI-QDA format.
pub enum ImportForm {
    /// `axial import qdpx FILE`: the same as `axial import-project FILE`.
    Project(ImportProjectArgs),
    /// `axial import qdc FILE`: the same as `axial import-codebook FILE`.
    Codebook(ImportCodebookArgs),
}

/// Reads `axial import qdpx FILE` and `axial import qdc FILE` (the keyword
/// in any case) out of the import arguments; `None` for a plain import of
/// files. A file or folder that is really called `qdpx` or `qdc` is
/// imported as such. Refuses `--dry-run` and `--name` on plain imports.
pub fn import_form(a: &crate::args::ImportArgs) -> anyhow::Result<Option<ImportForm>> {
    let keyword = a
        .paths
        .first()
        .and_then(|p| p.to_str())
        .map(str::to_ascii_lowercase)
        .filter(|k| (k == "qdpx" || k == "qdc") && !a.paths[0].exists());
    let Some(keyword) = keyword else {
        if a.dry_run || a.name.is_some() {
            anyhow::bail!(
                "--dry-run and --name go with `axial import qdpx FILE` (a REFI-QDA project) or `axial import qdc FILE` (a codebook); plain imports of files take neither"
            );
        }
        return Ok(None);
    };
    let [_, file] = a.paths.as_slice() else {
        anyhow::bail!("give one file after `{keyword}`: axial import {keyword} FILE");
    };
    let plain = a.case.is_some()
        || a.case_from.is_some()
        || a.attributes.is_some()
        || a.survey
        || a.case_column.is_some()
        || !a.attribute_columns.is_empty()
        || !a.text_columns.is_empty();
    if plain {
        anyhow::bail!(
            "`axial import {keyword}` takes only --dry-run{}; the case and survey options are for importing documents",
            if keyword == "qdpx" { " and --name" } else { "" }
        );
    }
    Ok(Some(if keyword == "qdpx" {
        ImportForm::Project(ImportProjectArgs {
            file: file.clone(),
            name: a.name.clone(),
            dry_run: a.dry_run,
        })
    } else {
        if a.name.is_some() {
            anyhow::bail!("--name names a new project: it goes with `axial import qdpx FILE`");
        }
        ImportForm::Codebook(ImportCodebookArgs {
            file: file.clone(),
            dry_run: a.dry_run,
        })
    }))
}

fn spinner(json: bool, msg: &str) -> ProgressBar {
    let bar = if json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new_spinner()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} {elapsed}")
            .expect("the spinner template is valid"),
    );
    bar.set_message(msg.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

fn read(file: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(file).with_context(|| format!("cannot read {}; check the path", file.display()))
}

fn file_name(file: &Path) -> String {
    file.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| file.display().to_string())
}

/// Writes `bytes` next to `file` first, then renames, so a failed export
/// never leaves half a file behind.
fn write_atomically(file: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = file
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.partial", file_name(file)));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, file)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| {
        format!(
            "cannot write {}; check the folder exists and is writable",
            file.display()
        )
    })
}

pub async fn export(
    app: &App,
    project: &Project,
    cmd: &ExportCmd,
    json: bool,
) -> anyhow::Result<()> {
    let (file, bytes, what) = match cmd {
        ExportCmd::Qdpx { file } => {
            let bar = spinner(json, &format!("exporting '{}'", project.name));
            let bytes = app.export_qdpx_bytes(project).await;
            bar.finish_and_clear();
            (file, bytes?, "project")
        }
        ExportCmd::Qdc { file } => (
            file,
            app.export_qdc(project).await?.into_bytes(),
            "codebook",
        ),
    };
    write_atomically(file, &bytes)?;
    if json {
        output::json(&serde_json::json!({
            "project": project.name, "file": file.display().to_string(), "bytes": bytes.len(), "what": what,
        }))?;
    } else {
        let c = app.counts(project).await?;
        println!(
            "exported the {what} of '{}' to {} ({} bytes): {} sources, {} codes, {} codings, {} memos",
            project.name,
            file.display(),
            bytes.len(),
            c.sources,
            c.codes,
            c.codings,
            c.memos
        );
    }
    Ok(())
}

pub async fn import_project(
    app: &App,
    actor: &Actor,
    a: &ImportProjectArgs,
    json: bool,
) -> anyhow::Result<()> {
    let bytes = read(&a.file)?;
    let bar = spinner(json, &format!("importing {}", a.file.display()));
    let r = app
        .import_qdpx(actor, &file_name(&a.file), bytes, a.name.clone(), a.dry_run)
        .await;
    bar.finish_and_clear();
    let r = r?;
    if json {
        return output::json(&r);
    }
    let c = r.counts;
    println!(
        "{} project '{}' from {}: {} sources, {} cases, {} variables, {} values, {} codes, {} codings, {} memos, {} sets, {} relations; users: {} matched, {} created",
        if r.dry_run { "dry run: would import" } else { "imported" },
        r.project.name,
        a.file.display(),
        c.sources, c.cases, c.variables, c.values, c.codes, c.codings, c.memos, c.sets, c.relations,
        c.users_matched, c.users_created,
    );
    print_report(&r.report);
    if r.dry_run {
        println!("nothing was written (dry run)");
    }
    Ok(())
}

pub async fn import_codebook(
    app: &App,
    actor: &Actor,
    project: &Project,
    a: &ImportCodebookArgs,
    json: bool,
) -> anyhow::Result<()> {
    let bytes = read(&a.file)?;
    let r = app
        .import_codebook(actor, project, &file_name(&a.file), &bytes, a.dry_run)
        .await?;
    if json {
        return output::json(&r);
    }
    println!(
        "{} codebook {} into '{}': {} codes added, {} kept (already there), {} sets added, {} extended",
        if r.dry_run { "dry run: would merge" } else { "merged" },
        a.file.display(),
        project.name,
        r.codes_added,
        r.codes_kept,
        r.sets_added,
        r.sets_extended
    );
    print_report(&r.report);
    if r.dry_run {
        println!("nothing was written (dry run)");
    }
    Ok(())
}

/// The loss report: what came in, what was converted, what was left out.
fn print_report(r: &LossReport) {
    println!("loss report:");
    for line in r.to_string().lines() {
        println!("  {line}");
    }
    if r.unsupported.is_empty() {
        println!("  nothing was left out");
    }
}
