//! `axial migrate --from DB --to DB`: copies a whole database (SQLite or
//! PostgreSQL) into an empty one and verifies the copy.

use anyhow::Context;
use axial_app::migrate::{copy_database, CopyStep};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// The database to copy: a SQLite file or a postgres:// URL
    #[arg(long)]
    pub from: String,
    /// The empty database to copy into: a SQLite file or a postgres:// URL
    #[arg(long)]
    pub to: String,
}

pub async fn run(a: &MigrateArgs, json: bool) -> anyhow::Result<()> {
    if a.from == a.to {
        anyhow::bail!("--from and --to name the same database; give a new, empty target");
    }
    let from = crate::db::open(Some(&a.from))
        .await
        .with_context(|| format!("cannot open the source database {}", a.from))?;
    let to = crate::db::open(Some(&a.to))
        .await
        .with_context(|| format!("cannot open the target database {}", a.to))?;
    let bar = if json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(1)
    };
    bar.set_style(
        ProgressStyle::with_template("{msg:10} [{bar:40}] {pos}/{len}")
            .expect("the progress template is valid")
            .progress_chars("=> "),
    );
    let progress = |step: CopyStep, done: u64, total: u64| {
        bar.set_message(match step {
            CopyStep::Reading => "reading",
            CopyStep::Writing => "writing",
            CopyStep::Verifying => "verifying",
        });
        bar.set_length(total);
        bar.set_position(done);
    };
    let result = copy_database(from.as_ref(), to.as_ref(), &progress).await;
    bar.finish_and_clear();
    from.close().await;
    to.close().await;
    let report = result.with_context(|| format!("cannot copy {} to {}", a.from, a.to))?;
    if json {
        let projects: Vec<_> = report
            .projects
            .iter()
            .map(|p| {
                serde_json::json!({
                    "name": p.name,
                    "sources": p.counts.sources,
                    "codes": p.counts.codes,
                    "codings": p.counts.codings,
                    "memos": p.counts.memos,
                    "records": p.counts.records,
                    "changes": p.counts.changes,
                    "checksum": p.checksum,
                })
            })
            .collect();
        println!(
            "{}",
            serde_json::json!({
                "verified": true,
                "users": report.users,
                "accounts": report.accounts,
                "texts": report.texts,
                "changes": report.changes,
                "checksum": report.checksum,
                "projects": projects,
            })
        );
    } else {
        println!(
            "copied and verified {} project(s), {} user(s), {} account(s), {} text(s), {} log entries",
            report.projects.len(),
            report.users,
            report.accounts,
            report.texts,
            report.changes
        );
        for p in &report.projects {
            println!(
                "  {}: {} sources, {} codes, {} codings, {} memos, {} records, {} changes (sha256 {})",
                p.name,
                p.counts.sources,
                p.counts.codes,
                p.counts.codings,
                p.counts.memos,
                p.counts.records,
                p.counts.changes,
                &p.checksum[..12]
            );
        }
    }
    Ok(())
}
