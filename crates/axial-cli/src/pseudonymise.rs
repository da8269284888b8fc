//! `axial pseudonymise …`: propose identifiers in a source, apply the
//! accepted replacements, keep the key file's list of names, and reveal the
//! mapping for re-identification. Parsing, the key file's location and the
//! passphrase, and printing only; the rules live in axial-privacy and the
//! use cases in axial-app.

use std::io::BufRead;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use axial_app::axial_privacy::Category;
use axial_app::pseudonymise::{key_dir_beside, key_file_in};
use axial_app::{Accept, Actor, App, Decisions, KeyAccess};
use axial_core::Project;
use clap::{Args, Subcommand, ValueEnum};

use crate::output::{self, table};

/// The environment variable that may hold the key file's passphrase.
pub const PASSPHRASE_ENV: &str = "AXIAL_KEY_PASSPHRASE";

#[derive(Debug, Subcommand)]
pub enum PseudonymiseCmd {
    /// List proposed identifiers in a source with suggested replacements
    Propose {
        source: String,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Replace the accepted proposals of a source (or, with --all, every
    /// name and original the key knows in every source); cannot be undone
    Apply(ApplyArgs),
    /// The key file's list of identifying names and places
    #[command(subcommand)]
    Names(NamesCmd),
    /// Print the key file's mapping of replacements to originals (for re-identification)
    Reveal {
        #[command(flatten)]
        key: KeyArgs,
    },
}

#[derive(Debug, Clone, Args)]
pub struct KeyArgs {
    /// Key file (default: beside the database, `<db file>.keys/<project id>.age`)
    #[arg(long, value_name = "FILE")]
    pub key: Option<PathBuf>,
    /// Read the key file's passphrase from the first line of standard input
    /// (else from $AXIAL_KEY_PASSPHRASE)
    #[arg(long)]
    pub passphrase_stdin: bool,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    /// The source (name or id); omit with --all
    #[arg(required_unless_present = "all")]
    pub source: Option<String>,
    /// Apply every replacement the key knows to every source, in one change
    #[arg(long, conflicts_with_all = ["accept", "reject", "replace", "recategorise", "fingerprint"])]
    pub all: bool,
    /// Which proposals to replace: all, high (high confidence only) or ids such as 1,2,5
    #[arg(long, default_value = "all")]
    pub accept: String,
    /// Proposals not to replace, e.g. 3,4
    #[arg(long, value_delimiter = ',')]
    pub reject: Vec<u32>,
    /// An own replacement for a proposal, e.g. 4="[Colleague A]" (repeatable)
    #[arg(long, value_name = "ID=LABEL")]
    pub replace: Vec<String>,
    /// File a proposal under another category, e.g. 6=place (repeatable)
    #[arg(long = "as", value_name = "ID=CATEGORY")]
    pub recategorise: Vec<String>,
    /// The fingerprint printed by `propose`, to refuse if the proposals changed since
    #[arg(long)]
    pub fingerprint: Option<String>,
    #[command(flatten)]
    pub key: KeyArgs,
}

#[derive(Debug, Subcommand)]
pub enum NamesCmd {
    /// Add an identifying name or place to look for
    Add {
        name: String,
        #[arg(long, value_enum, default_value = "person")]
        kind: NameKind,
        #[command(flatten)]
        key: KeyArgs,
    },
    /// List the names and places in the key file
    List {
        #[command(flatten)]
        key: KeyArgs,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NameKind {
    Person,
    Place,
}

impl From<NameKind> for Category {
    fn from(k: NameKind) -> Category {
        match k {
            NameKind::Person => Category::Person,
            NameKind::Place => Category::Place,
        }
    }
}

/// The directory of key files for the database named by `--db`, when it
/// is a SQLite file.
pub fn default_key_dir(db: Option<&str>) -> Option<PathBuf> {
    let loc = crate::db::location(db);
    if loc.starts_with("postgres://") || loc.starts_with("postgresql://") {
        return None;
    }
    if loc.contains(":memory:") || loc.contains("mode=memory") {
        return None;
    }
    let path = loc
        .strip_prefix("sqlite://")
        .or_else(|| loc.strip_prefix("sqlite:"))
        .unwrap_or(&loc);
    let path = path.split('?').next().unwrap_or(path);
    Some(key_dir_beside(Path::new(path)))
}

/// The app with the key directory of its database set (for `axial serve`).
pub fn with_key_dir(app: App, db: Option<&str>) -> App {
    match default_key_dir(db) {
        Some(dir) => app.with_key_dir(dir),
        None => app,
    }
}

fn key_path(db: Option<&str>, project: &Project, a: &KeyArgs) -> anyhow::Result<PathBuf> {
    if let Some(k) = &a.key {
        return Ok(k.clone());
    }
    match default_key_dir(db) {
        Some(dir) => Ok(key_file_in(&dir, project.id)),
        None => bail!(
            "this database keeps no files beside it (PostgreSQL or in-memory); give the key file with --key FILE"
        ),
    }
}

/// The passphrase from standard input or the environment, if given.
fn passphrase(a: &KeyArgs) -> anyhow::Result<Option<String>> {
    if a.passphrase_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the passphrase from standard input")?;
        let p = line.trim_end_matches(['\n', '\r']).to_string();
        if p.is_empty() {
            bail!("the passphrase on standard input is empty; give the key file's passphrase on the first line");
        }
        return Ok(Some(p));
    }
    Ok(std::env::var(PASSPHRASE_ENV).ok().filter(|p| !p.is_empty()))
}

fn access(db: Option<&str>, project: &Project, a: &KeyArgs) -> anyhow::Result<KeyAccess> {
    let path = key_path(db, project, a)?;
    let passphrase = passphrase(a)?.ok_or_else(|| {
        anyhow!("the key file needs its passphrase: pipe it in with --passphrase-stdin or set {PASSPHRASE_ENV}")
    })?;
    Ok(KeyAccess { path, passphrase })
}

fn parse_pair<'a>(s: &'a str, what: &str) -> anyhow::Result<(u32, &'a str)> {
    let (id, v) = s
        .split_once('=')
        .ok_or_else(|| anyhow!("{what} '{s}' must look like ID=VALUE, e.g. 4=\"[Colleague A]\""))?;
    let id = id
        .trim()
        .parse()
        .map_err(|_| anyhow!("{what} '{s}': '{id}' is not a proposal number"))?;
    Ok((id, v))
}

fn decisions(a: &ApplyArgs) -> anyhow::Result<Decisions> {
    let accept = match a.accept.trim().to_ascii_lowercase().as_str() {
        "all" => Accept::All,
        "high" => Accept::HighConfidence,
        "none" => Accept::Only(Vec::new()),
        ids => Accept::Only(
            ids.split(',')
                .map(|i| {
                    i.trim().parse().map_err(|_| {
                        anyhow!(
                            "--accept '{}': use all, high, or proposal numbers such as 1,2,5",
                            a.accept
                        )
                    })
                })
                .collect::<anyhow::Result<_>>()?,
        ),
    };
    let replace = a
        .replace
        .iter()
        .map(|r| parse_pair(r, "--replace").map(|(id, l)| (id, l.to_string())))
        .collect::<anyhow::Result<_>>()?;
    let recategorise = a
        .recategorise
        .iter()
        .map(|r| {
            let (id, c) = parse_pair(r, "--as")?;
            Ok((
                id,
                c.parse::<Category>()
                    .map_err(|e| anyhow!("--as '{r}': {e}"))?,
            ))
        })
        .collect::<anyhow::Result<_>>()?;
    Ok(Decisions {
        accept,
        reject: a.reject.clone(),
        replace,
        recategorise,
        fingerprint: a.fingerprint.clone(),
    })
}

/// "…before [ORIGINAL] after…" on one line, shortened.
fn in_context(before: &str, original: &str, after: &str) -> String {
    let b: Vec<char> = before.chars().collect();
    let b: String = b[b.len().saturating_sub(20)..].iter().collect();
    let a: String = after.chars().take(20).collect();
    format!("…{b}[{original}]{a}…")
}

pub async fn run(
    app: &App,
    actor: &Actor,
    p: &Project,
    db: Option<&str>,
    cmd: &PseudonymiseCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        PseudonymiseCmd::Propose { source, key } => {
            let s = app.find_source(p, source).await?;
            let access = match passphrase(key)? {
                Some(passphrase) => Some(KeyAccess {
                    path: key_path(db, p, key)?,
                    passphrase,
                }),
                None => None,
            };
            if access.is_none() && !json {
                eprintln!(
                    "note: the key file was not opened (no passphrase), so its names and earlier replacements are not used; give it with --passphrase-stdin or {PASSPHRASE_ENV}"
                );
            }
            let props = app.propose_pseudonyms(p, &s, access.as_ref()).await?;
            if json {
                output::json(&props)?;
                return Ok(());
            }
            if props.proposals.is_empty() {
                println!("nothing to pseudonymise found in '{}'", s.name);
                return Ok(());
            }
            let rows: Vec<Vec<String>> = props
                .proposals
                .iter()
                .map(|x| {
                    vec![
                        x.id.to_string(),
                        x.category.to_string(),
                        x.confidence.to_string(),
                        x.original.clone(),
                        x.replacement.clone(),
                        in_context(&x.context_before, &x.original, &x.context_after),
                    ]
                })
                .collect();
            table(
                &[
                    "ID",
                    "CATEGORY",
                    "CONFIDENCE",
                    "ORIGINAL",
                    "REPLACEMENT",
                    "CONTEXT",
                ],
                &rows,
            );
            println!(
                "\nfingerprint {}; apply with `axial pseudonymise apply '{}' --accept all|high|IDS [--reject IDS] [--replace ID=LABEL] --passphrase-stdin`",
                props.fingerprint, s.name
            );
        }
        PseudonymiseCmd::Apply(a) => {
            let access = access(db, p, &a.key)?;
            let done = if a.all {
                app.pseudonymise_all(actor, p, &access).await?
            } else {
                let name = a
                    .source
                    .as_deref()
                    .expect("clap requires SOURCE without --all");
                let s = app.find_source(p, name).await?;
                app.pseudonymise(actor, p, &s, &decisions(a)?, &access)
                    .await?
            };
            if json {
                output::json(&done)?;
                crate::backup::warn_after_erasure(app).await;
                return Ok(());
            }
            for s in &done.sources {
                println!(
                    "pseudonymised '{}': {} replacements, {} codings moved, {} dropped",
                    s.name,
                    s.replacements,
                    s.codings_moved,
                    s.codings_dropped.len()
                );
                for d in &s.codings_dropped {
                    println!(
                        "  dropped a coding of '{}' at {}..{}: it covered only replaced text",
                        d.code, d.start, d.end
                    );
                }
            }
            let labels: Vec<String> = done
                .labels
                .iter()
                .map(|l| format!("{} ×{}", l.label, l.count))
                .collect();
            println!("labels: {}", labels.join(", "));
            if done.memos_changed + done.records_changed > 0 {
                println!(
                    "replaced the originals in {} memos and {} project records too",
                    done.memos_changed, done.records_changed
                );
            }
            println!(
                "the mapping is in the key file {}; this change cannot be undone",
                done.key_file
            );
            crate::backup::warn_after_erasure(app).await;
        }
        PseudonymiseCmd::Names(NamesCmd::Add { name, kind, key }) => {
            let access = access(db, p, key)?;
            let added = app.add_key_name(p, &access, name, (*kind).into()).await?;
            if json {
                output::json(&serde_json::json!({
                    "name": name.trim(),
                    "kind": Category::from(*kind),
                    "added": added,
                }))?;
            } else if added {
                println!(
                    "added '{}' to the names in {}",
                    name.trim(),
                    access.path.display()
                );
            } else {
                println!("'{}' was listed already", name.trim());
            }
        }
        PseudonymiseCmd::Names(NamesCmd::List { key }) => {
            let access = access(db, p, key)?;
            let k = app.read_key(p, &access).await?;
            if json {
                output::json(&k.names)?;
            } else if k.names.is_empty() {
                println!("no names listed yet; add one with `axial pseudonymise names add NAME --kind person|place`");
            } else {
                let rows: Vec<Vec<String>> = k
                    .names
                    .iter()
                    .map(|n| vec![n.name.clone(), n.kind.to_string()])
                    .collect();
                table(&["NAME", "KIND"], &rows);
            }
        }
        PseudonymiseCmd::Reveal { key } => {
            let access = access(db, p, key)?;
            let k = app.read_key(p, &access).await?;
            if json {
                output::json(&k)?;
            } else if k.mappings.is_empty() {
                println!("the key file holds no replacements yet");
            } else {
                let rows: Vec<Vec<String>> = k
                    .mappings
                    .iter()
                    .map(|m| {
                        vec![
                            m.replacement.clone(),
                            m.original.clone(),
                            m.category.to_string(),
                            m.sources.len().to_string(),
                        ]
                    })
                    .collect();
                table(&["REPLACEMENT", "ORIGINAL", "CATEGORY", "SOURCES"], &rows);
            }
        }
    }
    Ok(())
}
