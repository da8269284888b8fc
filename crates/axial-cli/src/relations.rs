//! `axial relation …`: typed relations between codes (add, list, delete) and
//! the relation network exported as GraphML or SVG. Parsing and printing
//! only; the rules and the drawing live in axial-app and axial-analysis.

use std::path::PathBuf;

use anyhow::{anyhow, bail, Context};
use axial_app::{Actor, App};
use axial_core::{Project, RelationKind};
use clap::{Subcommand, ValueEnum};

use crate::output::{self, table};

#[derive(Debug, Subcommand)]
pub enum RelationCmd {
    /// Relate two codes: FROM is a KIND of TO (e.g. a causal condition of it)
    Add {
        from: String,
        to: String,
        /// causal_condition, context, intervening_condition, strategy, consequence or other
        #[arg(long)]
        kind: String,
        /// What the relation says (required for --kind other)
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List the relations between codes
    List,
    /// Delete the relations from FROM to TO (only those of --kind if given)
    Delete {
        from: String,
        to: String,
        #[arg(long)]
        kind: Option<String>,
    },
    /// Write the relation network as GraphML or SVG
    Export {
        #[arg(long, value_enum)]
        format: NetworkFormat,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NetworkFormat {
    Graphml,
    Svg,
}

fn parse_kind(s: &str) -> anyhow::Result<RelationKind> {
    s.trim().parse().map_err(|e: String| anyhow!(e))
}

pub async fn run(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &RelationCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        RelationCmd::Add {
            from,
            to,
            kind,
            label,
        } => {
            let kind = parse_kind(kind)?;
            let from = app.find_code(p, from).await?;
            let to = app.find_code(p, to).await?;
            let r = app
                .create_relation(actor, p, &from, &to, kind, label)
                .await?;
            if json {
                let view = app
                    .relations(p)
                    .await?
                    .into_iter()
                    .find(|v| v.id == r.id)
                    .ok_or_else(|| anyhow!("the new relation was not found after saving"))?;
                output::json(&view)?;
            } else {
                println!(
                    "related '{}' to '{}' as {}",
                    from.name,
                    to.name,
                    kind.as_str()
                );
            }
        }
        RelationCmd::List => {
            let rels = app.relations(p).await?;
            if json {
                output::json(&rels)?;
            } else if rels.is_empty() {
                println!("no relations yet; add one with `axial relation add FROM TO --kind KIND`");
            } else {
                let rows: Vec<Vec<String>> = rels
                    .iter()
                    .map(|r| {
                        vec![
                            r.from_name.clone(),
                            r.kind.as_str().to_string(),
                            r.to_name.clone(),
                            r.label.clone(),
                        ]
                    })
                    .collect();
                table(&["from", "kind", "to", "label"], &rows);
            }
        }
        RelationCmd::Delete { from, to, kind } => {
            let kind = kind.as_deref().map(parse_kind).transpose()?;
            let from = app.find_code(p, from).await?;
            let to = app.find_code(p, to).await?;
            let matching: Vec<_> = app
                .relations(p)
                .await?
                .into_iter()
                .filter(|r| r.from == from.id && r.to == to.id && kind.is_none_or(|k| r.kind == k))
                .collect();
            if matching.is_empty() {
                bail!(
                    "there is no relation from '{}' to '{}'{}; see `axial relation list`",
                    from.name,
                    to.name,
                    kind.map(|k| format!(" of kind {}", k.as_str()))
                        .unwrap_or_default()
                );
            }
            for r in &matching {
                app.delete_relation(actor, p, r.id).await?;
            }
            if json {
                output::json(&matching)?;
            } else {
                println!(
                    "deleted {} relation{} from '{}' to '{}'",
                    matching.len(),
                    if matching.len() == 1 { "" } else { "s" },
                    from.name,
                    to.name
                );
            }
        }
        RelationCmd::Export { format, out } => {
            let text = match format {
                NetworkFormat::Graphml => app.relations_graphml(p).await?,
                NetworkFormat::Svg => app.relations_svg(p).await?,
            };
            std::fs::write(out, text).with_context(|| format!("cannot write {}", out.display()))?;
            if json {
                output::json(&serde_json::json!({ "written": out.display().to_string() }))?;
            } else {
                println!("wrote {}", out.display());
            }
        }
    }
    Ok(())
}
