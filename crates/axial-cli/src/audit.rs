//! `axial audit` (the audit trail, as text, JSON or CSV), `axial code
//! history` (a code's genealogy) and `axial code split`. Printing only: the
//! trail and the genealogy are built by `axial_app`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use axial_app::{Actor, App, AuditQuery, Genealogy};
use axial_core::{CodingId, Project};
use clap::Args;

use crate::output;

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Write the trail as CSV, one row per op, to this file ('-' for standard output)
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Only changes from this date (YYYY-MM-DD, UTC) or RFC 3339 time on
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Only changes up to this date (included) or before this RFC 3339 time
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,
    /// Only changes by this user (login or display name)
    #[arg(long, value_name = "NAME")]
    pub author: Option<String>,
    /// Only this action, e.g. code.merge, coding.apply, undo
    #[arg(long)]
    pub action: Option<String>,
    /// Only changes touching this kind of thing: code, coding, source, memo, case, …
    #[arg(long)]
    pub entity: Option<String>,
    /// At most this many changes, newest first (default: all)
    #[arg(long)]
    pub limit: Option<u32>,
}

#[derive(Debug, Args)]
pub struct SplitArgs {
    /// The code to split
    pub code: String,
    /// Name of the new code (created beside CODE)
    pub new_name: String,
    /// Id of a coding of CODE to move (repeatable; ids from `axial segments CODE --json`)
    #[arg(long = "coding", value_name = "ID")]
    pub codings: Vec<String>,
    /// Move CODE's codings in this source (repeatable)
    #[arg(long = "source", value_name = "SOURCE")]
    pub sources: Vec<String>,
    /// With --source: only codings overlapping code points A..B
    #[arg(long, requires = "sources")]
    pub span: Option<String>,
}

/// `axial audit`.
pub async fn audit(app: &App, p: &Project, a: &AuditArgs, json: bool) -> anyhow::Result<()> {
    let q = AuditQuery {
        author: a.author.clone(),
        action: a
            .action
            .as_deref()
            .map(axial_app::parse_action)
            .transpose()?,
        entity: a
            .entity
            .as_deref()
            .map(axial_app::parse_entity_kind)
            .transpose()?,
        since: a
            .since
            .as_deref()
            .map(|s| axial_app::parse_instant(s, false))
            .transpose()
            .context("--since")?,
        until: a
            .until
            .as_deref()
            .map(|s| axial_app::parse_instant(s, true))
            .transpose()
            .context("--until")?,
        before: None,
        limit: a.limit,
    };
    let page = app.audit(p, &q).await?;
    if let Some(file) = &a.csv {
        let bytes = axial_app::audit_csv(&page.entries)?;
        if file.as_os_str() == "-" {
            std::io::stdout().write_all(&bytes)?;
        } else {
            std::fs::write(file, &bytes)
                .with_context(|| format!("cannot write the CSV file {}", file.display()))?;
            if !json {
                eprintln!(
                    "wrote {} change{} to {}",
                    page.entries.len(),
                    if page.entries.len() == 1 { "" } else { "s" },
                    file.display()
                );
            }
        }
        if file.as_os_str() == "-" || !json {
            return Ok(());
        }
    }
    if json {
        return output::json(&page.entries);
    }
    for e in &page.entries {
        let mut head = format!(
            "#{} {} {} {}  {}",
            e.seq, e.at, e.author, e.action, e.summary
        );
        if let Some(r) = e.reverted_by {
            head.push_str(&format!("  (undone by #{r})"));
        }
        println!("{head}");
        for op in &e.ops {
            let changes = op
                .changes
                .iter()
                .map(|c| format!("{}: {} → {}", c.field, c.before, c.after))
                .collect::<Vec<_>>()
                .join("; ");
            if changes.is_empty() {
                println!("    {} {} {}", op.verb, op.entity, op.label);
            } else {
                println!("    {} {} {}: {changes}", op.verb, op.entity, op.label);
            }
        }
    }
    if page.entries.is_empty() {
        println!("no changes match");
    }
    Ok(())
}

fn print_genealogy(g: &Genealogy, indent: usize) {
    let pad = "    ".repeat(indent);
    for e in &g.events {
        let undone = e
            .undone_by
            .map(|u| format!("  (undone by #{u})"))
            .unwrap_or_default();
        println!(
            "{pad}#{:<5} {} {:<10} {}{undone}",
            e.seq, e.at, e.author, e.text
        );
        if let Some(m) = &e.merged {
            println!("{pad}      └─ the story of '{}' before the merge:", m.name);
            print_genealogy(m, indent + 2);
        }
    }
}

/// `axial code history CODE`.
pub async fn genealogy(app: &App, p: &Project, code: &str, json: bool) -> anyhow::Result<()> {
    let id = app.find_code_or_former(p, code).await?;
    let g = app.code_genealogy(p, id).await?;
    if json {
        return output::json(&g);
    }
    println!(
        "the story of '{}'{}:",
        g.name,
        if g.exists {
            ""
        } else {
            " (no longer in the code system)"
        }
    );
    print_genealogy(&g, 0);
    Ok(())
}

fn parse_span(s: &str) -> anyhow::Result<(u32, u32)> {
    let bad = || anyhow!("--span '{s}' must look like START..END (code points, end exclusive)");
    let (a, b) = s.split_once("..").ok_or_else(bad)?;
    Ok((
        a.trim().parse().map_err(|_| bad())?,
        b.trim().parse().map_err(|_| bad())?,
    ))
}

/// `axial code split CODE NEW_NAME (--coding ID… | --source S… [--span A..B])`.
pub async fn split(
    app: &App,
    actor: &Actor,
    p: &Project,
    a: &SplitArgs,
    json: bool,
) -> anyhow::Result<()> {
    let code = app.find_code(p, &a.code).await?;
    if a.codings.is_empty() && a.sources.is_empty() {
        bail!(
            "say which codings of '{}' move: --coding ID (ids from `axial segments '{}' --json`) or --source NAME [--span A..B]",
            code.name,
            code.name
        );
    }
    let mut ids: Vec<CodingId> = a
        .codings
        .iter()
        .map(|c| {
            c.trim().parse().map_err(|_| {
                anyhow!(
                    "--coding '{c}' is not a coding id; ids come from `axial segments '{}' --json`",
                    code.name
                )
            })
        })
        .collect::<anyhow::Result<_>>()?;
    if !a.sources.is_empty() {
        let span = a.span.as_deref().map(parse_span).transpose()?;
        let mut sources = Vec::new();
        for s in &a.sources {
            sources.push(app.find_source(p, s).await?.id);
        }
        let own = app
            .store()
            .codings(p.id, &axial_store::CodingFilter::code(code.id))
            .await?;
        for c in own.iter().filter(|c| sources.contains(&c.source)) {
            let inside = span.is_none_or(|(x, y)| c.span.start().0 < y && x < c.span.end().0);
            if inside && !ids.contains(&c.id) {
                ids.push(c.id);
            }
        }
        if ids.is_empty() {
            bail!(
                "'{}' has no codings there to split off; nothing was changed",
                code.name
            );
        }
    }
    ids.sort_by_key(|c| c.to_string());
    ids.dedup();
    let new = app.split_code(actor, p, &code, &a.new_name, &ids).await?;
    if json {
        output::json(&serde_json::json!({ "code": new, "codings_moved": ids.len() }))?;
    } else {
        println!(
            "split '{}': moved {} coding{} to the new code '{}'",
            code.name,
            ids.len(),
            if ids.len() == 1 { "" } else { "s" },
            new.name
        );
    }
    Ok(())
}
