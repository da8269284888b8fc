//! `axial property …`: the properties of a category and their dimensions
//! (add, list with placed segments, rename, delete), placing coded segments
//! on a dimension, and the dimensional profile per case or attribute value.
//! Parsing and printing only; the rules live in `axial_app::properties`.

use anyhow::anyhow;
use axial_app::properties::{NewProperty, ProfileBy, PropertyChanges};
use axial_app::{Actor, App};
use axial_core::{CodingId, Project};
use clap::Subcommand;

use crate::output::{self, table};

#[derive(Debug, Subcommand)]
pub enum PropertyCmd {
    /// Give a code (category) a property: a dimension from a low to a high pole
    Add {
        code: String,
        name: String,
        /// Label of the low pole, e.g. "tacit"
        #[arg(long)]
        low: String,
        /// Label of the high pole, e.g. "explicit"
        #[arg(long)]
        high: String,
        /// Steps from pole to pole (2 to 11); without it the dimension is continuous (0 to 1)
        #[arg(long)]
        steps: Option<u32>,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List a code's properties with the segments placed on them
    List { code: String },
    /// Rename a property of a code
    Rename {
        code: String,
        property: String,
        new_name: String,
    },
    /// Delete a property of a code and every placement on it
    Delete { code: String, property: String },
    /// Place a coded segment on a property's dimension (or move it there)
    Place {
        /// The coding's id (see `axial segments CODE --json`)
        coding: String,
        /// The property: its name (looked up on the coding's code and the codes above it), CODE/NAME, or its id
        property: String,
        /// A whole step from 1 to the property's steps, or 0 to 1 when it is continuous
        position: f64,
        /// Why the segment sits there
        #[arg(long)]
        note: Option<String>,
    },
    /// Take a coded segment off a property's dimension
    Unplace { coding: String, property: String },
    /// Where the placed segments lie, per case or per value of a variable
    Profile {
        code: String,
        property: String,
        /// A variable (e.g. "staff group"), or "case"
        #[arg(long, default_value = "case")]
        by: String,
    },
}

fn coding_id(s: &str) -> anyhow::Result<CodingId> {
    s.trim().parse().map_err(|e| {
        anyhow!(
            "'{s}' is not a coding id ({e}); coding ids are shown by `axial segments CODE --json`"
        )
    })
}

/// A text bar from low to high with `●` at `at` (0 to 1).
fn bar(at: f64) -> String {
    const W: usize = 21;
    let i = ((at.clamp(0.0, 1.0) * (W - 1) as f64).round()) as usize;
    (0..W).map(|k| if k == i { '●' } else { '─' }).collect()
}

fn num(x: Option<f64>) -> String {
    x.map(|v| format!("{v:.2}")).unwrap_or_else(|| "–".into())
}

pub async fn run(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &PropertyCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        PropertyCmd::Add {
            code,
            name,
            low,
            high,
            steps,
            description,
        } => {
            let code = app.find_code(p, code).await?;
            let made = app
                .add_property(
                    actor,
                    p,
                    &code,
                    NewProperty {
                        name: name.clone(),
                        description: description.clone(),
                        low: low.clone(),
                        high: high.clone(),
                        steps: *steps,
                    },
                )
                .await?;
            if json {
                let view = app
                    .property_views(p, &code)
                    .await?
                    .into_iter()
                    .find(|v| v.id == made.id())
                    .ok_or_else(|| anyhow!("the new property was not found after saving"))?;
                output::json(&view)?;
            } else {
                println!(
                    "added property '{}' to '{}': {}",
                    made.body.name,
                    code.name,
                    made.body.scale()
                );
            }
        }
        PropertyCmd::List { code } => {
            let code = app.find_code(p, code).await?;
            let views = app.property_views(p, &code).await?;
            if json {
                output::json(&views)?;
            } else if views.is_empty() {
                println!(
                    "'{}' has no properties yet; add one with `axial property add \"{}\" NAME --low … --high …`",
                    code.name, code.name
                );
            } else {
                for v in &views {
                    let scale = match v.steps {
                        Some(n) => format!("1 ({}) to {n} ({})", v.low, v.high),
                        None => format!("0 ({}) to 1 ({})", v.low, v.high),
                    };
                    println!(
                        "{} / {}: {scale}, {} segment{} placed",
                        v.code,
                        v.name,
                        v.placements.len(),
                        if v.placements.len() == 1 { "" } else { "s" }
                    );
                    if !v.description.is_empty() {
                        println!("  {}", v.description);
                    }
                    let rows: Vec<Vec<String>> = v
                        .placements
                        .iter()
                        .map(|pl| {
                            vec![
                                format!("{}", pl.position),
                                bar(pl.at),
                                pl.segment.attribution.clone(),
                                pl.segment.text.replace('\n', " "),
                                pl.coding.to_string(),
                            ]
                        })
                        .collect();
                    if !rows.is_empty() {
                        table(
                            &[
                                "position",
                                &format!("{} … {}", v.low, v.high),
                                "who",
                                "segment",
                                "coding",
                            ],
                            &rows,
                        );
                    }
                    println!();
                }
            }
        }
        PropertyCmd::Rename {
            code,
            property,
            new_name,
        } => {
            let code = app.find_code(p, code).await?;
            let prop = app.find_property(p, Some(&code), None, property).await?;
            let after = app
                .update_property(
                    actor,
                    p,
                    prop.id(),
                    PropertyChanges {
                        name: Some(new_name.clone()),
                        ..Default::default()
                    },
                )
                .await?;
            if json {
                output::json(&serde_json::json!({ "id": after.id(), "name": after.body.name }))?;
            } else {
                println!(
                    "renamed property '{}' of '{}' to '{}'",
                    prop.body.name, code.name, after.body.name
                );
            }
        }
        PropertyCmd::Delete { code, property } => {
            let code = app.find_code(p, code).await?;
            let prop = app.find_property(p, Some(&code), None, property).await?;
            let n = app.delete_property(actor, p, prop.id()).await?;
            if json {
                output::json(
                    &serde_json::json!({ "deleted": prop.id(), "name": prop.body.name, "placements": n }),
                )?;
            } else {
                println!(
                    "deleted property '{}' of '{}' and its {n} placement{}",
                    prop.body.name,
                    code.name,
                    if n == 1 { "" } else { "s" }
                );
            }
        }
        PropertyCmd::Place {
            coding,
            property,
            position,
            note,
        } => {
            let id = coding_id(coding)?;
            let found = app.coding(p, id).await?;
            let prop = app.find_property(p, None, Some(&found), property).await?;
            let placed = app
                .place_coding(actor, p, id, prop.id(), *position, note.as_deref())
                .await?;
            if json {
                output::json(&serde_json::json!({
                    "id": placed.id(),
                    "property": prop.id(),
                    "coding": id,
                    "position": placed.body.position,
                    "at": prop.body.at(placed.body.position),
                    "note": placed.body.note,
                }))?;
            } else {
                println!(
                    "placed the segment on '{}' at {} ({})",
                    prop.body.name,
                    placed.body.position,
                    prop.body.scale()
                );
            }
        }
        PropertyCmd::Unplace { coding, property } => {
            let id = coding_id(coding)?;
            let found = app.coding(p, id).await?;
            let prop = app.find_property(p, None, Some(&found), property).await?;
            app.unplace_coding(actor, p, id, prop.id()).await?;
            if json {
                output::json(
                    &serde_json::json!({ "property": prop.id(), "coding": id, "placed": false }),
                )?;
            } else {
                println!("took the segment off '{}'", prop.body.name);
            }
        }
        PropertyCmd::Profile { code, property, by } => {
            let code = app.find_code(p, code).await?;
            let prop = app.find_property(p, Some(&code), None, property).await?;
            let profile = app
                .property_profile(p, prop.id(), &ProfileBy::parse(by))
                .await?;
            if json {
                output::json(&profile)?;
            } else {
                println!(
                    "{} / {}: {} by {}",
                    profile.code,
                    profile.name,
                    prop.body.scale(),
                    profile.by
                );
                let mut rows: Vec<Vec<String>> = profile
                    .groups
                    .iter()
                    .chain(std::iter::once(&profile.overall))
                    .map(|g| {
                        vec![
                            g.value.clone(),
                            g.placements.to_string(),
                            num(g.mean_position),
                            g.mean.map(bar).unwrap_or_default(),
                            g.distribution
                                .iter()
                                .map(|n| n.to_string())
                                .collect::<Vec<_>>()
                                .join(" "),
                        ]
                    })
                    .collect();
                if profile.overall.placements == 0 {
                    rows.clear();
                    println!(
                        "no segments are placed on '{}' yet; place them with `axial property place CODING_ID \"{}\" POSITION`",
                        profile.name, profile.name
                    );
                } else {
                    table(
                        &[
                            profile.by.as_str(),
                            "placed",
                            "mean",
                            &format!("{} … {}", profile.low, profile.high),
                            &format!("per bin ({})", profile.bins.join(" | ")),
                        ],
                        &rows,
                    );
                }
            }
        }
    }
    Ok(())
}
