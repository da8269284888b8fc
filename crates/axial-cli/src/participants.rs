//! `axial participant …`, `axial study …`, `axial sampling …` and
//! `axial quote …`: the participant register, the study's ethics details,
//! the sampling frame, withdrawal, quotes and member-check packs. Parsing
//! and printing only; the rules live in `axial_app::participants` and
//! `axial_app::quotes`, the pack layout in `axial_formats::report`.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use axial_app::participants::{
    InformationSheet, ParticipantChanges, ParticipantStatus, ParticipantView, StudyChanges,
    WithdrawalPreview,
};
use axial_app::quotes::{QuoteChanges, QuoteStatus, QuoteUse};
use axial_app::{Actor, App};
use axial_core::{Project, Span};
use clap::builder::BoolishValueParser;
use clap::{Args, Subcommand, ValueEnum};

use crate::output::{self, table};

#[derive(Debug, Subcommand)]
pub enum RegisterCmd {
    /// The participant register: add, edit, list, show, withdraw, member-check packs
    #[command(subcommand)]
    Participant(ParticipantCmd),
    /// Study details: ethics reference, approval date, information sheets
    #[command(subcommand)]
    Study(StudyCmd),
    /// The sampling frame: targets per group, the sampling matrix, decisions
    #[command(subcommand)]
    Sampling(SamplingCmd),
    /// Quotes of participants and their member-check status
    #[command(subcommand)]
    Quote(QuoteCmd),
}

#[derive(Debug, Subcommand)]
pub enum ParticipantCmd {
    /// Add a participant (linked to the case of the same name, if there is one)
    Add {
        /// Pseudonymous label, e.g. "Interviewee 07"
        label: String,
        #[command(flatten)]
        fields: Fields,
    },
    /// Change a participant's details
    Edit {
        label: String,
        /// A new label
        #[arg(long)]
        rename: Option<String>,
        #[command(flatten)]
        fields: Fields,
    },
    /// List the register
    List,
    /// Show one participant
    Show { label: String },
    /// Withdraw a participant: erase their sources, codings, quotes and memo passages (cannot be undone)
    Withdraw {
        label: String,
        /// Only list what would be removed
        #[arg(long)]
        dry_run: bool,
        /// Confirm the withdrawal
        #[arg(long)]
        yes: bool,
    },
    /// Write a member-check pack: every quote of theirs with its context and a response box
    Pack {
        label: String,
        /// docx or html (default: from the file name)
        #[arg(long, value_enum)]
        format: Option<PackFormat>,
        #[arg(long, short = 'o')]
        out: PathBuf,
        /// Mark their quotes not sent yet as sent
        #[arg(long)]
        mark_sent: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq)]
pub enum PackFormat {
    Docx,
    Html,
}

/// Register fields; only those given change.
#[derive(Debug, Args)]
pub struct Fields {
    /// The case holding their sources (name or id; "" to unlink)
    #[arg(long)]
    case: Option<String>,
    /// Sampling group, e.g. a staff group
    #[arg(long)]
    group: Option<String>,
    /// Date recruited (YYYY-MM-DD)
    #[arg(long)]
    recruited: Option<String>,
    /// Date interviewed (YYYY-MM-DD)
    #[arg(long)]
    interviewed: Option<String>,
    /// Version of the consent form signed
    #[arg(long)]
    consent_form: Option<String>,
    /// Date of consent (YYYY-MM-DD)
    #[arg(long)]
    consented: Option<String>,
    /// Consented to verbatim quotes (yes/no)
    #[arg(long, value_parser = BoolishValueParser::new())]
    quotes: Option<bool>,
    /// Consented to archiving (yes/no)
    #[arg(long, value_parser = BoolishValueParser::new())]
    archiving: Option<bool>,
    /// A further consent item as the form words it (repeatable; replaces the list)
    #[arg(long = "scope")]
    scope: Vec<String>,
    /// invited, consented or interviewed
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    notes: Option<String>,
}

impl Fields {
    fn changes(&self, rename: Option<String>) -> anyhow::Result<ParticipantChanges> {
        Ok(ParticipantChanges {
            label: rename,
            case: self.case.clone(),
            group: self.group.clone(),
            recruited_on: self.recruited.clone(),
            interviewed_on: self.interviewed.clone(),
            consent_form_version: self.consent_form.clone(),
            consented_on: self.consented.clone(),
            quotes: self.quotes,
            archiving: self.archiving,
            other_scope: (!self.scope.is_empty()).then(|| self.scope.clone()),
            status: self
                .status
                .as_deref()
                .map(|s| s.parse::<ParticipantStatus>().map_err(|e| anyhow!(e)))
                .transpose()?,
            notes: self.notes.clone(),
        })
    }
}

#[derive(Debug, Subcommand)]
pub enum StudyCmd {
    /// Show the study details
    Show,
    /// Set study details (only those given change)
    Set {
        /// Ethics committee reference
        #[arg(long)]
        ethics_ref: Option<String>,
        /// Date of ethics approval (YYYY-MM-DD)
        #[arg(long)]
        approved_on: Option<String>,
        /// An information-sheet version and its date, VERSION:YYYY-MM-DD (repeatable)
        #[arg(long = "sheet")]
        sheets: Vec<String>,
        #[arg(long)]
        notes: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SamplingCmd {
    /// Set how many participants a group should have
    Target { group: String, n: u32 },
    /// Targets against the register, per group
    Matrix,
    /// Log a sampling decision with its reason
    Decide {
        decision: String,
        #[arg(long)]
        reason: String,
        /// Date of the decision (YYYY-MM-DD; default today)
        #[arg(long)]
        date: Option<String>,
    },
    /// List the sampling decisions
    Decisions,
}

#[derive(Debug, Subcommand)]
pub enum QuoteCmd {
    /// Register a span of a source as a quote (code points, end exclusive)
    Add {
        source: String,
        start: u32,
        end: u32,
        /// Where it is used: a memo title, "memo:TITLE" or "report:NAME" (repeatable)
        #[arg(long = "used-in")]
        used_in: Vec<String>,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// List quotes
    List {
        /// Only this participant's
        #[arg(long)]
        participant: Option<String>,
        /// Only quotes with this status
        #[arg(long)]
        status: Option<String>,
    },
    /// Record a quote's member-check status: not_sent, sent, approved, amended or withdrawn
    Status {
        /// The quote's id (or its first 8 characters)
        id: String,
        status: String,
        #[arg(long)]
        note: Option<String>,
        /// The participant's wording (for amended)
        #[arg(long)]
        amended: Option<String>,
    },
    /// Find quotations of participants' sources in memos and register them
    Scan,
}

pub async fn run(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &RegisterCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        RegisterCmd::Participant(c) => participant(app, actor, p, c, json).await,
        RegisterCmd::Study(c) => study(app, actor, p, c, json).await,
        RegisterCmd::Sampling(c) => sampling(app, actor, p, c, json).await,
        RegisterCmd::Quote(c) => quote(app, actor, p, c, json).await,
    }
}

async fn view(app: &App, p: &Project, label: &str) -> anyhow::Result<ParticipantView> {
    let id = app.find_participant(p, label).await?.id();
    app.participant_views(p)
        .await?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or_else(|| anyhow!("participant '{label}' disappeared while reading; try again"))
}

fn yes_no(b: bool) -> &'static str {
    if b {
        "yes"
    } else {
        "no"
    }
}

fn print_participant(v: &ParticipantView) {
    let dash = |s: &str| {
        if s.is_empty() {
            "-".to_string()
        } else {
            s.to_string()
        }
    };
    println!("{}", v.label);
    for (k, val) in [
        ("status", v.status.to_string()),
        ("group", dash(&v.group)),
        ("case", dash(v.case.as_deref().unwrap_or(""))),
        ("sources", dash(&v.sources.join(", "))),
        ("recruited", dash(&v.recruited_on)),
        ("consented", dash(&v.consented_on)),
        ("consent form", dash(&v.consent_form_version)),
        ("interviewed", dash(&v.interviewed_on)),
        (
            "consent to",
            format!(
                "quotes: {}, archiving: {}{}",
                yes_no(v.consent.quotes),
                yes_no(v.consent.archiving),
                v.consent
                    .other
                    .iter()
                    .map(|o| format!(", {o}"))
                    .collect::<String>()
            ),
        ),
        ("quotes", v.quotes.to_string()),
        ("withdrawn", dash(&v.withdrawn_on)),
        ("notes", dash(&v.notes)),
    ] {
        println!("  {k:<13} {val}");
    }
}

async fn participant(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &ParticipantCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        ParticipantCmd::Add { label, fields } => {
            let t = app
                .add_participant(actor, p, label, fields.changes(None)?)
                .await?;
            let v = view(app, p, &t.body.label).await?;
            if json {
                output::json(&v)?;
            } else {
                println!(
                    "added participant '{}'{}",
                    v.label,
                    v.case
                        .as_deref()
                        .map(|c| format!(" (case '{c}')"))
                        .unwrap_or_default()
                );
            }
        }
        ParticipantCmd::Edit {
            label,
            rename,
            fields,
        } => {
            let old = app.find_participant(p, label).await?;
            let t = app
                .edit_participant(actor, p, &old, fields.changes(rename.clone())?)
                .await?;
            let v = view(app, p, &t.body.label).await?;
            if json {
                output::json(&v)?;
            } else {
                println!("edited participant '{}'", v.label);
            }
        }
        ParticipantCmd::List => {
            let vs = app.participant_views(p).await?;
            if json {
                output::json(&vs)?;
            } else if vs.is_empty() {
                println!("the register is empty; add someone with `axial participant add LABEL`");
            } else {
                let rows: Vec<Vec<String>> = vs
                    .iter()
                    .map(|v| {
                        vec![
                            v.label.clone(),
                            v.status.to_string(),
                            v.group.clone(),
                            v.case.clone().unwrap_or_default(),
                            v.consented_on.clone(),
                            v.interviewed_on.clone(),
                            format!(
                                "{}{}",
                                if v.consent.quotes { "quotes" } else { "" },
                                if v.consent.archiving {
                                    if v.consent.quotes {
                                        ", archiving"
                                    } else {
                                        "archiving"
                                    }
                                } else {
                                    ""
                                }
                            ),
                            v.quotes.to_string(),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "label",
                        "status",
                        "group",
                        "case",
                        "consented",
                        "interviewed",
                        "consent to",
                        "quotes",
                    ],
                    &rows,
                );
            }
        }
        ParticipantCmd::Show { label } => {
            let v = view(app, p, label).await?;
            if json {
                output::json(&v)?;
            } else {
                print_participant(&v);
            }
        }
        ParticipantCmd::Withdraw {
            label,
            dry_run,
            yes,
        } => {
            let who = app.find_participant(p, label).await?;
            if *dry_run || !*yes {
                let preview = app.withdrawal_preview(p, &who).await?;
                if json {
                    output::json(&serde_json::json!({
                        "dry_run": true, "withdrawn": false, "preview": preview,
                    }))?;
                } else {
                    print_preview(&preview, "would remove");
                }
                if !*dry_run {
                    bail!(
                        "nothing was withdrawn; add --yes to withdraw {} (this erases their data and cannot be undone)",
                        who.body.label
                    );
                }
                return Ok(());
            }
            let done = app.withdraw_participant(actor, p, &who).await?;
            if json {
                output::json(&serde_json::json!({
                    "dry_run": false, "withdrawn": true, "preview": done,
                }))?;
            } else {
                print_preview(&done, "removed");
                println!(
                    "{} is withdrawn; the register keeps the label and today's date",
                    done.participant
                );
            }
            crate::backup::warn_after_erasure(app).await;
        }
        ParticipantCmd::Pack {
            label,
            format,
            out,
            mark_sent,
        } => {
            let who = app.find_participant(p, label).await?;
            let format = pack_format(out, *format)?;
            let pack = app.member_check_pack(p, &who).await?;
            write_pack(&pack, out, format)?;
            let sent = if *mark_sent {
                app.mark_pack_sent(actor, p, &who).await?
            } else {
                0
            };
            if json {
                output::json(&serde_json::json!({
                    "wrote": out, "quotes": pack.items.len(), "marked_sent": sent,
                }))?;
            } else {
                println!(
                    "wrote the member-check pack of {} ({} quotes) to {}{}",
                    who.body.label,
                    pack.items.len(),
                    out.display(),
                    if *mark_sent {
                        format!("; marked {sent} quotes sent")
                    } else {
                        String::new()
                    }
                );
            }
        }
    }
    Ok(())
}

fn print_preview(w: &WithdrawalPreview, verb: &str) {
    println!("withdrawing {} {verb}:", w.participant);
    let list = |xs: &[String]| {
        if xs.is_empty() {
            "none".to_string()
        } else {
            xs.join(", ")
        }
    };
    println!("  case             {}", w.case.as_deref().unwrap_or("none"));
    println!("  sources ({})      {}", w.sources.len(), list(&w.sources));
    println!("  codings          {}", w.codings);
    let links: usize = w.memo_links.iter().map(|l| l.links).sum();
    println!(
        "  memo links       {links}{}",
        if w.memo_links.is_empty() {
            String::new()
        } else {
            format!(
                " (in {})",
                w.memo_links
                    .iter()
                    .map(|l| format!("'{}'", l.memo))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    );
    println!("  memo passages    {}", w.memo_passages.len());
    for m in w.memo_passages.iter().chain(&w.code_passages) {
        let short: String = m.passage.chars().take(90).collect();
        let more = if m.passage.chars().count() > 90 {
            "…"
        } else {
            ""
        };
        println!("    in {}: {short}{more}", m.memo);
    }
    println!("  code passages    {}", w.code_passages.len());
    println!("  quotes           {}", w.quotes);
    println!("  attribute values {}", list(&w.attribute_values));
    println!("  set memberships  {}", list(&w.set_memberships));
    if w.other_records > 0 {
        println!("  placements       {}", w.other_records);
    }
    if !w.reports_to_regenerate.is_empty() {
        println!(
            "  reports to regenerate (kept, flagged): {}",
            w.reports_to_regenerate.join(", ")
        );
    }
}

fn pack_format(path: &Path, given: Option<PackFormat>) -> anyhow::Result<PackFormat> {
    if let Some(f) = given {
        return Ok(f);
    }
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .as_deref()
    {
        Some("docx") => Ok(PackFormat::Docx),
        Some("html") | Some("htm") => Ok(PackFormat::Html),
        _ => bail!(
            "cannot tell the format of {}; give --format docx|html or a .docx/.html name",
            path.display()
        ),
    }
}

fn write_pack(
    pack: &axial_formats::report::MemberCheckPack,
    path: &Path,
    format: PackFormat,
) -> anyhow::Result<()> {
    let f = File::create(path).with_context(|| {
        format!(
            "cannot create {}; check the folder exists and is writable",
            path.display()
        )
    })?;
    let mut w = BufWriter::new(f);
    match format {
        PackFormat::Docx => axial_formats::report::write_pack_docx(pack, &mut w)?,
        PackFormat::Html => axial_formats::report::write_pack_html(pack, &mut w)?,
    }
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

async fn study(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &StudyCmd,
    json: bool,
) -> anyhow::Result<()> {
    let s = match cmd {
        StudyCmd::Show => app.study(p).await?,
        StudyCmd::Set {
            ethics_ref,
            approved_on,
            sheets,
            notes,
        } => {
            let information_sheets = sheets
                .iter()
                .map(|s| {
                    let (version, date) = s.split_once(':').ok_or_else(|| {
                        anyhow!(
                            "--sheet '{s}' must look like VERSION:YYYY-MM-DD, e.g. 1.1:2023-10-24"
                        )
                    })?;
                    Ok(InformationSheet {
                        version: version.trim().to_string(),
                        date: date.trim().to_string(),
                    })
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            if ethics_ref.is_none()
                && approved_on.is_none()
                && information_sheets.is_empty()
                && notes.is_none()
            {
                bail!(
                    "say what to set: --ethics-ref, --approved-on, --sheet VERSION:DATE or --notes"
                );
            }
            app.set_study(
                actor,
                p,
                StudyChanges {
                    ethics_reference: ethics_ref.clone(),
                    approval_date: approved_on.clone(),
                    information_sheets,
                    notes: notes.clone(),
                },
            )
            .await?
        }
    };
    if json {
        output::json(&s)?;
    } else {
        let dash = |x: &str| {
            if x.is_empty() {
                "-".to_string()
            } else {
                x.to_string()
            }
        };
        println!("ethics reference   {}", dash(&s.ethics_reference));
        println!("approved on        {}", dash(&s.approval_date));
        if s.information_sheets.is_empty() {
            println!("information sheets -");
        }
        for (i, sh) in s.information_sheets.iter().enumerate() {
            println!(
                "{} version {} of {}",
                if i == 0 {
                    "information sheets"
                } else {
                    "                  "
                },
                sh.version,
                dash(&sh.date)
            );
        }
        if !s.notes.is_empty() {
            println!("notes              {}", s.notes);
        }
    }
    Ok(())
}

async fn sampling(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &SamplingCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        SamplingCmd::Target { group, n } => {
            let t = app.set_sampling_target(actor, p, group, *n).await?;
            if json {
                output::json(&t.body)?;
            } else {
                println!("target for '{}': {}", t.body.group, t.body.target);
            }
        }
        SamplingCmd::Matrix => {
            let m = app.sampling_matrix(p).await?;
            if json {
                output::json(&m)?;
            } else if m.rows.is_empty() {
                println!("no targets and no participants yet; set one with `axial sampling target GROUP N`");
            } else {
                let opt = |x: Option<u32>| x.map(|v| v.to_string()).unwrap_or_else(|| "-".into());
                let rows: Vec<Vec<String>> = m
                    .rows
                    .iter()
                    .chain(std::iter::once(&m.total))
                    .map(|r| {
                        vec![
                            r.group.clone(),
                            opt(r.target),
                            r.invited.to_string(),
                            r.consented.to_string(),
                            r.interviewed.to_string(),
                            r.withdrawn.to_string(),
                            opt(r.still_needed),
                        ]
                    })
                    .collect();
                table(
                    &[
                        "group",
                        "target",
                        "invited",
                        "consented",
                        "interviewed",
                        "withdrawn",
                        "still needed",
                    ],
                    &rows,
                );
            }
        }
        SamplingCmd::Decide {
            decision,
            reason,
            date,
        } => {
            let d = app
                .record_sampling_decision(actor, p, decision, reason, date.as_deref())
                .await?;
            let v = app
                .sampling_decisions(p)
                .await?
                .into_iter()
                .find(|x| x.id == d.id())
                .ok_or_else(|| anyhow!("the decision was not found after saving"))?;
            if json {
                output::json(&v)?;
            } else {
                println!("logged the sampling decision of {}", v.date);
            }
        }
        SamplingCmd::Decisions => {
            let ds = app.sampling_decisions(p).await?;
            if json {
                output::json(&ds)?;
            } else if ds.is_empty() {
                println!("no sampling decisions yet; log one with `axial sampling decide \"…\" --reason \"…\"`");
            } else {
                for d in ds {
                    println!(
                        "{}  {} ({})\n            because: {}",
                        d.date, d.decision, d.recorded_by, d.reason
                    );
                }
            }
        }
    }
    Ok(())
}

async fn parse_use(app: &App, p: &Project, s: &str) -> anyhow::Result<QuoteUse> {
    if let Some(name) = s.strip_prefix("report:") {
        return Ok(QuoteUse::Report(name.trim().to_string()));
    }
    let title = s.strip_prefix("memo:").unwrap_or(s);
    Ok(QuoteUse::Memo(app.find_memo(p, title).await?.id))
}

async fn quote(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &QuoteCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        QuoteCmd::Add {
            source,
            start,
            end,
            used_in,
            note,
        } => {
            let s = app.find_source(p, source).await?;
            let span = Span::new(*start, *end, s.char_len)
                .map_err(|e| anyhow!("source '{}': {e}", s.name))?;
            let mut uses = Vec::new();
            for u in used_in {
                uses.push(parse_use(app, p, u).await?);
            }
            let q = app.add_quote(actor, p, &s, span, uses, note).await?;
            let v = app.quote_view(p, q).await?;
            if json {
                output::json(&v)?;
            } else {
                println!(
                    "quote {} of {}: \u{201c}{}\u{201d}",
                    short(&v.id.to_string()),
                    v.participant.as_deref().unwrap_or("?"),
                    v.text.trim()
                );
            }
        }
        QuoteCmd::List {
            participant,
            status,
        } => {
            let status = status
                .as_deref()
                .map(|s| s.parse::<QuoteStatus>().map_err(|e| anyhow!(e)))
                .transpose()?;
            let only = match participant {
                Some(l) => Some(app.find_participant(p, l).await?.id()),
                None => None,
            };
            let qs: Vec<_> = app
                .quote_views(p)
                .await?
                .into_iter()
                .filter(|q| only.is_none_or(|id| q.participant_id == Some(id)))
                .filter(|q| status.is_none_or(|s| q.status == s))
                .collect();
            if json {
                output::json(&qs)?;
            } else if qs.is_empty() {
                println!("no quotes; add one with `axial quote add SOURCE START END --used-in MEMO` or find them with `axial quote scan`");
            } else {
                let rows: Vec<Vec<String>> = qs
                    .iter()
                    .map(|q| {
                        vec![
                            short(&q.id.to_string()),
                            q.participant.clone().unwrap_or_default(),
                            q.status.label().to_string(),
                            q.used_in
                                .iter()
                                .map(|u| u.name.clone())
                                .collect::<Vec<_>>()
                                .join("; "),
                            q.text.trim().replace('\n', " "),
                        ]
                    })
                    .collect();
                table(&["id", "participant", "status", "used in", "text"], &rows);
            }
        }
        QuoteCmd::Status {
            id,
            status,
            note,
            amended,
        } => {
            let status: QuoteStatus = status.parse().map_err(|e: String| anyhow!(e))?;
            let q = app.find_quote(p, id).await?;
            let q = app
                .update_quote(
                    actor,
                    p,
                    &q,
                    QuoteChanges {
                        status: Some(status),
                        note: note.clone(),
                        amended_text: amended.clone(),
                    },
                )
                .await?;
            let v = app.quote_view(p, q).await?;
            if json {
                output::json(&v)?;
            } else {
                println!("quote {} is {}", short(&v.id.to_string()), v.status.label());
            }
        }
        QuoteCmd::Scan => {
            let r = app.scan_quotes(actor, p).await?;
            if json {
                output::json(&r)?;
            } else {
                println!(
                    "scanned {} memos: {} quotations, {} new quotes, {} quotes with another use",
                    r.memos_scanned, r.found, r.created, r.updated
                );
            }
        }
    }
    Ok(())
}

fn short(id: &str) -> String {
    id.chars().take(8).collect()
}
