//! `axial codings`: every coding of the project, one per line (or as JSON),
//! with its coder; for checks, scripts and the team load test.

use axial_app::{Actor, App};
use axial_core::Project;
use axial_store::CodingFilter;
use clap::Args;

#[derive(Debug, Args)]
pub struct CodingsArgs {
    /// Only the codings of this coder (user name)
    #[arg(long)]
    pub coder: Option<String>,
}

pub async fn run(
    app: &App,
    _actor: &Actor,
    p: &Project,
    a: &CodingsArgs,
    json: bool,
) -> anyhow::Result<()> {
    let users = app.store().users().await?;
    let name_of = |id| {
        users
            .iter()
            .find(|u| u.id == id)
            .map(|u| u.name.clone())
            .unwrap_or_default()
    };
    let mut filter = CodingFilter::all();
    if let Some(c) = &a.coder {
        let user = users
            .iter()
            .find(|u| &u.name == c)
            .ok_or_else(|| anyhow::anyhow!("no user named '{c}'; `axial user list` shows them"))?;
        filter.coders.push(user.id);
    }
    let codings = app.store().codings(p.id, &filter).await?;
    if json {
        let rows: Vec<_> = codings
            .iter()
            .map(|c| {
                serde_json::json!({
                    "id": c.id.to_string(),
                    "source": c.source.to_string(),
                    "code": c.code.to_string(),
                    "start": c.span.start().0,
                    "end": c.span.end().0,
                    "coder": name_of(c.coder),
                    "created_at": c.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default(),
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
    } else {
        for c in &codings {
            println!(
                "{}\t{}\t{}\t{}..{}\t{}",
                c.id,
                c.source,
                c.code,
                c.span.start().0,
                c.span.end().0,
                name_of(c.coder)
            );
        }
    }
    Ok(())
}
