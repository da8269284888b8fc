//! Dispatch of each subcommand to the app, and printing of its result.

use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use axial_app::{Actor, App, ApplyTarget, SearchQuery, SegmentQuery};
use axial_core::{Color, MemoKind, MemoLink, Project, SetMember, Span, Subject, VariableKind};

use crate::args::*;
use crate::output::{self, table};

/// The acting user's login name.
fn user_name(cli: &Cli) -> String {
    cli.user
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .or_else(|| std::env::var("USERNAME").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "local".into())
}

fn parse_span(s: &str) -> anyhow::Result<(u32, u32)> {
    let (a, b) = s.split_once("..").ok_or_else(|| {
        anyhow!("--span '{s}' must look like START..END (code points, end exclusive)")
    })?;
    let a: u32 = a
        .trim()
        .parse()
        .map_err(|_| anyhow!("--span '{s}': '{a}' is not a whole number"))?;
    let b: u32 = b
        .trim()
        .parse()
        .map_err(|_| anyhow!("--span '{s}': '{b}' is not a whole number"))?;
    Ok((a, b))
}

fn parse_lines(s: &str) -> anyhow::Result<(usize, usize)> {
    let (a, b) = s.split_once('-').unwrap_or((s, s));
    let a: usize = a
        .trim()
        .parse()
        .map_err(|_| anyhow!("--lines '{s}' must look like FIRST-LAST (counted from 1)"))?;
    let b: usize = b
        .trim()
        .parse()
        .map_err(|_| anyhow!("--lines '{s}' must look like FIRST-LAST (counted from 1)"))?;
    Ok((a, b))
}

fn read_body(
    body: &Option<String>,
    file: &Option<std::path::PathBuf>,
) -> anyhow::Result<Option<String>> {
    match (body, file) {
        (Some(b), _) => Ok(Some(b.clone())),
        (None, Some(f)) => {
            Ok(Some(std::fs::read_to_string(f).with_context(|| {
                format!("cannot read the memo file {}", f.display())
            })?))
        }
        (None, None) => Ok(None),
    }
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Bench(a) = &cli.command {
        crate::bench::run(a, cli.json).await?;
        return Ok(ExitCode::SUCCESS);
    }
    if let Command::Migrate(a) = &cli.command {
        crate::migrate::run(a, cli.json).await?;
        return Ok(ExitCode::SUCCESS);
    }
    match &cli.command {
        Command::Backup(a) => {
            crate::backup::backup(cli.db.as_deref(), a, cli.json).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Command::Restore(a) => return crate::backup::restore(cli.db.as_deref(), a, cli.json).await,
        _ => {}
    }
    let policy = crate::db::AutoBackupPolicy::from_env(cli.keep_backups);
    let store = crate::db::open_for_work(cli.db.as_deref(), policy).await?;
    let app = crate::pseudonymise::with_key_dir(App::new(store), cli.db.as_deref());
    let app = crate::backup::with_backup_folder(app, cli.db.as_deref());
    let result = dispatch(&cli, &app).await;
    app.store().close().await;
    result
}

async fn dispatch(cli: &Cli, app: &App) -> anyhow::Result<ExitCode> {
    let app = app.clone();
    let actor = app.local_user(&user_name(cli)).await?;
    let json = cli.json;
    let color = output::color(cli.no_color);
    let project = |app: &App| {
        let name = cli.project.clone();
        let app = app.clone();
        async move { app.resolve_project(name.as_deref()).await }
    };
    match &cli.command {
        Command::Project(cmd) => project_cmd(&app, &actor, cmd, json).await?,
        Command::Import(a) => match crate::exchange::import_form(a)? {
            Some(crate::exchange::ImportForm::Project(args)) => {
                crate::exchange::import_project(&app, &actor, &args, json).await?
            }
            Some(crate::exchange::ImportForm::Codebook(args)) => {
                crate::exchange::import_codebook(&app, &actor, &project(&app).await?, &args, json)
                    .await?
            }
            None => {
                let p = project(&app).await?;
                if !crate::import::run(&app, &actor, &p, a, json).await? {
                    return Ok(ExitCode::from(1));
                }
            }
        },
        Command::Export(cmd) => {
            crate::exchange::export(&app, &project(&app).await?, cmd, json).await?
        }
        Command::ImportProject(a) => crate::exchange::import_project(&app, &actor, a, json).await?,
        Command::ImportCodebook(a) => {
            crate::exchange::import_codebook(&app, &actor, &project(&app).await?, a, json).await?
        }
        Command::Sources => {
            let p = project(&app).await?;
            let sources = app.sources(&p).await?;
            let usage = app
                .store()
                .codings(p.id, &axial_store::CodingFilter::all())
                .await?;
            let cases = app.cases(&p).await?;
            if json {
                output::json(&sources)?;
            } else {
                let rows: Vec<Vec<String>> = sources
                    .iter()
                    .map(|s| {
                        let n = usage.iter().filter(|c| c.source == s.id).count();
                        vec![
                            s.name.clone(),
                            s.kind.to_string(),
                            s.case
                                .and_then(|c| cases.iter().find(|x| x.id == c))
                                .map(|c| c.name.clone())
                                .unwrap_or_default(),
                            s.char_len.to_string(),
                            n.to_string(),
                            format!("{:.1}", n as f64 * 1000.0 / s.char_len.max(1) as f64),
                        ]
                    })
                    .collect();
                table(
                    &["SOURCE", "KIND", "CASE", "CHARS", "CODINGS", "PER 1K CHARS"],
                    &rows,
                );
            }
        }
        Command::Show(a) => {
            let p = project(&app).await?;
            let s = app.find_source(&p, &a.source).await?;
            if json {
                let t = app.text(&s).await?;
                let codings = app
                    .store()
                    .codings(p.id, &axial_store::CodingFilter::source(s.id))
                    .await?;
                output::json(
                    &serde_json::json!({ "source": s, "text": &*t.text, "codings": codings }),
                )?;
            } else {
                crate::show::run(&app, &p, &s, a.lines, color).await?;
            }
        }
        Command::Case(cmd) => case_cmd(&app, &actor, &project(&app).await?, cmd, json).await?,
        Command::Attr(cmd) => attr_cmd(&app, &actor, &project(&app).await?, cmd, json).await?,
        Command::Set(cmd) => set_cmd(&app, &actor, &project(&app).await?, cmd, json).await?,
        Command::Code(cmd) => {
            return code_cmd(&app, &actor, &project(&app).await?, cmd, json).await
        }
        Command::Uncode(a) => {
            let p = project(&app).await?;
            let code = app.find_code(&p, &a.code).await?;
            let s = app.find_source(&p, &a.source).await?;
            let span = match &a.span {
                Some(sp) => {
                    let (x, y) = parse_span(sp)?;
                    Some(Span::new(x, y, s.char_len)?)
                }
                None => None,
            };
            let n = app.uncode(&actor, &p, &code, &s, span).await?;
            if json {
                output::json(&serde_json::json!({ "removed": n }))?;
            } else {
                println!(
                    "removed {n} coding{} of '{}' from '{}'",
                    if n == 1 { "" } else { "s" },
                    code.name,
                    s.name
                );
            }
        }
        Command::Codings(a) => {
            crate::codings::run(&app, &actor, &project(&app).await?, a, json).await?
        }
        Command::Segments(a) => {
            let p = project(&app).await?;
            let code = app.find_code(&p, &a.code).await?;
            let filters = a
                .filters
                .iter()
                .map(|f| {
                    f.split_once('=')
                        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                        .ok_or_else(|| anyhow!("--where '{f}' must look like VARIABLE=VALUE"))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            let segs = app
                .segments(
                    &p,
                    &SegmentQuery {
                        codes: vec![code.id],
                        include_children: a.children || !code.codable,
                        filters,
                        label_by: a.label_by.clone(),
                        context: a.context,
                        ..Default::default()
                    },
                )
                .await?;
            if json {
                output::json(&segs)?;
            } else {
                for s in &segs {
                    println!(
                        "{} {} lines {}-{} [{}..{}] {}",
                        s.source,
                        s.attribution,
                        s.first_line,
                        s.last_line,
                        s.start,
                        s.end,
                        if a.children {
                            format!("({})", s.code_path)
                        } else {
                            String::new()
                        }
                    );
                    println!(
                        "  \u{201c}{}{}{}\u{201d}\n",
                        s.context_before, s.text, s.context_after
                    );
                }
                println!(
                    "{} segment{} coded '{}'",
                    segs.len(),
                    if segs.len() == 1 { "" } else { "s" },
                    code.name
                );
            }
        }
        Command::Memo(cmd) => memo_cmd(&app, &actor, &project(&app).await?, cmd, json).await?,
        Command::Relation(cmd) => {
            crate::relations::run(&app, &actor, &project(&app).await?, cmd, json).await?
        }
        Command::Property(cmd) => {
            crate::properties::run(&app, &actor, &project(&app).await?, cmd, json).await?
        }
        Command::Pseudonymise(cmd) => {
            let p = project(&app).await?;
            crate::pseudonymise::run(&app, &actor, &p, cli.db.as_deref(), cmd, json).await?
        }
        Command::Search(a) => {
            let p = project(&app).await?;
            let hits = app
                .search(
                    &p,
                    &SearchQuery {
                        pattern: a.pattern.clone(),
                        regex: a.regex,
                        ignore_case: a.ignore_case,
                        context: a.context,
                        limit: a.limit,
                        sources: vec![],
                    },
                )
                .await?;
            if json {
                output::json(&hits)?;
            } else {
                for h in &hits {
                    let one = |s: &str| s.replace('\n', " ⏎ ");
                    println!(
                        "{}:{} [{}..{}]  …{}[{}]{}…",
                        h.source,
                        h.line,
                        h.start,
                        h.end,
                        one(&h.before),
                        one(&h.text),
                        one(&h.after)
                    );
                }
                println!(
                    "{} hit{}",
                    hits.len(),
                    if hits.len() == 1 { "" } else { "s" }
                );
            }
        }
        Command::History(a) => {
            let p = project(&app).await?;
            let h = app.history(&p, a.mine.then(|| actor.id()), a.limit).await?;
            if json {
                output::json(&h)?;
            } else {
                let rows: Vec<Vec<String>> = h
                    .iter()
                    .map(|e| {
                        vec![
                            e.seq.to_string(),
                            e.at.clone(),
                            e.author.clone(),
                            e.action.clone(),
                            format!(
                                "{}{}",
                                e.summary,
                                if e.reverted_by.is_some() {
                                    " (undone)"
                                } else {
                                    ""
                                }
                            ),
                        ]
                    })
                    .collect();
                table(&["#", "WHEN", "WHO", "ACTION", "WHAT"], &rows);
            }
        }
        Command::Undo | Command::Redo => {
            let p = project(&app).await?;
            let undo = matches!(cli.command, Command::Undo);
            let c = if undo {
                app.undo(&actor, &p).await?
            } else {
                app.redo(&actor, &p).await?
            };
            if json {
                output::json(
                    &serde_json::json!({ "seq": c.seq.0, "summary": c.summary, "ops": c.ops.len() }),
                )?;
            } else {
                println!(
                    "{} ({} change{})",
                    c.summary,
                    c.ops.len(),
                    if c.ops.len() == 1 { "" } else { "s" }
                );
            }
        }
        Command::Stats => {
            let p = project(&app).await?;
            let c = app.counts(&p).await?;
            if json {
                output::json(&serde_json::json!({
                    "project": p.name, "sources": c.sources, "cases": c.cases, "variables": c.variables, "codes": c.codes,
                    "codings": c.codings, "memos": c.memos, "sets": c.sets, "relations": c.relations, "changes": c.changes, "characters": c.characters,
                }))?;
            } else {
                println!("project     {}", p.name);
                for (k, v) in [
                    ("sources", c.sources),
                    ("characters", c.characters),
                    ("cases", c.cases),
                    ("variables", c.variables),
                    ("codes", c.codes),
                    ("codings", c.codings),
                    ("memos", c.memos),
                    ("sets", c.sets),
                    ("relations", c.relations),
                    ("changes", c.changes),
                ] {
                    println!("{k:<11} {v}");
                }
            }
        }
        Command::Audit(a) => crate::audit::audit(&app, &project(&app).await?, a, json).await?,
        Command::Bench(_) | Command::Migrate(_) | Command::Backup(_) | Command::Restore(_) => {
            unreachable!("handled before the database is opened")
        }
        Command::Serve(a) => serve(&app, a, None).await?,
        Command::User(cmd) => crate::users::user(&app, &actor, cmd, json).await?,
        Command::Member(cmd) => {
            crate::users::member(&app, &actor, &project(&app).await?, cmd, json).await?
        }
        Command::Analysis(cmd) => {
            crate::analysis::run(&app, &actor, &project(&app).await?, cmd, json).await?
        }
        Command::Register(cmd) => {
            crate::participants::run(&app, &actor, &project(&app).await?, cmd, json).await?
        }
        Command::Demo(a) => {
            let quiet = json;
            let (p, r) = app
                .build_demo(&|step| {
                    if !quiet {
                        eprintln!("demo: {step}")
                    }
                })
                .await?;
            if json {
                output::json(&r)?;
            } else if r.created {
                println!("created the demo project '{}': {} sources, {} cases, {} codes, {} codings, {} memos", p.name, r.sources, r.cases, r.codes, r.codings, r.memos);
            } else {
                println!(
                    "the demo project '{}' is already here: {} sources, {} codes, {} codings",
                    p.name, r.sources, r.codes, r.codings
                );
            }
            if a.serve {
                serve(&app, &a.server, Some(&p)).await?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn project_cmd(app: &App, actor: &Actor, cmd: &ProjectCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        ProjectCmd::New { name, description } => {
            let p = app.create_project(actor, name, description).await?;
            if json {
                output::json(&p)?;
            } else {
                println!("created project '{}'", p.name);
            }
        }
        ProjectCmd::List => {
            let ps = app.projects().await?;
            if json {
                output::json(&ps)?;
            } else {
                let mut rows = Vec::new();
                for p in &ps {
                    let c = app.counts(p).await?;
                    rows.push(vec![
                        p.name.clone(),
                        c.sources.to_string(),
                        c.codes.to_string(),
                        c.codings.to_string(),
                    ]);
                }
                table(&["PROJECT", "SOURCES", "CODES", "CODINGS"], &rows);
            }
        }
        ProjectCmd::Rename { old, new } => {
            let p = app.resolve_project(Some(old)).await?;
            let p = app.rename_project(actor, &p, new).await?;
            if !json {
                println!("renamed project '{old}' to '{}'", p.name);
            }
        }
        ProjectCmd::Delete { name, yes } => {
            let p = app.resolve_project(Some(name)).await?;
            if !yes {
                let c = app.counts(&p).await?;
                bail!(
                    "deleting project '{}' removes {} sources, {} codes, {} codings and {} memos for good (it cannot be undone); add --yes to confirm",
                    p.name, c.sources, c.codes, c.codings, c.memos
                );
            }
            app.delete_project(actor, &p).await?;
            if !json {
                println!("deleted project '{}'", p.name);
            }
        }
    }
    Ok(())
}

async fn case_cmd(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &CaseCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        CaseCmd::New { name, description } => {
            let c = app.create_case(actor, p, name, description).await?;
            if !json {
                println!("created case '{}'", c.name);
            } else {
                output::json(&c)?;
            }
        }
        CaseCmd::List => {
            let cases = app.cases(p).await?;
            if json {
                output::json(&cases)?;
            } else {
                let rows: Vec<Vec<String>> = cases
                    .iter()
                    .map(|c| {
                        vec![
                            c.name.clone(),
                            c.sources.join(", "),
                            c.attributes
                                .iter()
                                .map(|(k, v)| format!("{k}={v}"))
                                .collect::<Vec<_>>()
                                .join("; "),
                        ]
                    })
                    .collect();
                table(&["CASE", "SOURCES", "ATTRIBUTES"], &rows);
            }
        }
        CaseCmd::Rename { old, new } => {
            let c = app.find_case(p, old).await?;
            app.rename_case(actor, p, &c, new).await?;
            if !json {
                println!("renamed case '{old}' to '{new}'");
            }
        }
        CaseCmd::Delete { name } => {
            let c = app.find_case(p, name).await?;
            app.delete_case(actor, p, &c).await?;
            if !json {
                println!(
                    "deleted case '{}' (its sources stay in the project)",
                    c.name
                );
            }
        }
        CaseCmd::Assign { source, case } => {
            let s = app.find_source(p, source).await?;
            app.assign_source(actor, p, &s, Some(case)).await?;
            if !json {
                println!("put '{}' in case '{case}'", s.name);
            }
        }
    }
    Ok(())
}

async fn attr_cmd(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &AttrCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        AttrCmd::Define {
            name,
            kind,
            values,
            description,
        } => {
            let kind = match kind {
                VarType::Text => VariableKind::Text,
                VarType::Integer => VariableKind::Integer,
                VarType::Decimal => VariableKind::Decimal,
                VarType::Date => VariableKind::Date,
                VarType::Boolean => VariableKind::Boolean,
                VarType::Category => VariableKind::Category {
                    values: values
                        .as_deref()
                        .ok_or_else(|| {
                            anyhow!("a category needs its allowed values: --values 'a,b,c'")
                        })?
                        .split(',')
                        .map(|v| v.trim().to_string())
                        .filter(|v| !v.is_empty())
                        .collect(),
                },
            };
            let v = app
                .define_variable(actor, p, name, kind, description)
                .await?;
            if json {
                output::json(&v)?;
            } else {
                println!("defined variable '{}' ({})", v.name, v.kind.name());
            }
        }
        AttrCmd::List => {
            let vars = app.variables(p).await?;
            if json {
                output::json(&vars)?;
            } else {
                let rows: Vec<Vec<String>> = vars
                    .iter()
                    .map(|v| {
                        let allowed = match &v.kind {
                            VariableKind::Category { values } => values.join(", "),
                            _ => String::new(),
                        };
                        vec![
                            v.name.clone(),
                            v.kind.name().to_string(),
                            allowed,
                            v.description.clone(),
                        ]
                    })
                    .collect();
                table(&["VARIABLE", "TYPE", "VALUES", "DESCRIPTION"], &rows);
            }
        }
        AttrCmd::Set {
            variable,
            value,
            case,
            source,
        } => {
            let var = app.find_variable(p, variable).await?;
            let (subject, who) = match (case, source) {
                (Some(c), _) => {
                    let c = app.find_case(p, c).await?;
                    (Subject::Case(c.id), c.name)
                }
                (None, Some(s)) => {
                    let s = app.find_source(p, s).await?;
                    (Subject::Source(s.id), s.name)
                }
                (None, None) => bail!("say whose value it is with --case NAME or --source NAME"),
            };
            app.set_value(actor, p, &var, subject, value).await?;
            if !json {
                println!("set '{}' of '{who}' to '{value}'", var.name);
            }
        }
        AttrCmd::Import { file } => {
            let bytes =
                std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
            let r = app
                .import_attribute_sheet(actor, p, &file.display().to_string(), bytes)
                .await?;
            if json {
                output::json(&r)?;
            } else {
                println!(
                    "{} values set, {} cases created, variables created: {}",
                    r.values_set,
                    r.cases_created,
                    if r.variables_created.is_empty() {
                        "none".into()
                    } else {
                        r.variables_created.join(", ")
                    }
                );
            }
        }
        AttrCmd::Delete { name } => {
            let var = app.find_variable(p, name).await?;
            let n = app.delete_variable(actor, p, &var).await?;
            if !json {
                println!("deleted variable '{}' and its {n} values", var.name);
            }
        }
    }
    Ok(())
}

async fn set_cmd(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &SetCmd,
    json: bool,
) -> anyhow::Result<()> {
    let members = |names: &[String]| {
        let app = app.clone();
        let names = names.to_vec();
        let p = p.clone();
        async move {
            let mut out = Vec::new();
            for n in names {
                out.push(SetMember::Source(app.find_source(&p, &n).await?.id));
            }
            anyhow::Ok(out)
        }
    };
    let find_set = |name: &str| {
        let app = app.clone();
        let p = p.clone();
        let name = name.to_string();
        async move {
            app.sets(&p)
                .await?
                .into_iter()
                .find(|s| s.name == name)
                .ok_or_else(|| anyhow!("no set named '{name}'; list them with `axial set list`"))
        }
    };
    match cmd {
        SetCmd::New { name, sources } => {
            let s = app
                .create_set(actor, p, name, members(sources).await?)
                .await?;
            if !json {
                println!("created set '{}' with {} members", s.name, s.members.len());
            }
        }
        SetCmd::List => {
            let sets = app.sets(p).await?;
            if json {
                output::json(&sets)?;
            } else {
                let rows: Vec<Vec<String>> = sets
                    .iter()
                    .map(|s| {
                        vec![
                            s.name.clone(),
                            s.members.len().to_string(),
                            s.description.clone(),
                        ]
                    })
                    .collect();
                table(&["SET", "MEMBERS", "DESCRIPTION"], &rows);
            }
        }
        SetCmd::Add { set, sources } => {
            let s = find_set(set).await?;
            app.update_set_members(actor, p, &s, &members(sources).await?, &[])
                .await?;
        }
        SetCmd::Remove { set, sources } => {
            let s = find_set(set).await?;
            app.update_set_members(actor, p, &s, &[], &members(sources).await?)
                .await?;
        }
    }
    Ok(())
}

async fn code_cmd(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &CodeCmd,
    json: bool,
) -> anyhow::Result<ExitCode> {
    match cmd {
        CodeCmd::New {
            name,
            parent,
            color,
            description,
            category,
        } => {
            let parent = match parent {
                Some(n) => Some(app.find_code(p, n).await?),
                None => None,
            };
            let color = color.as_deref().map(str::parse::<Color>).transpose()?;
            let c = app
                .create_code(
                    actor,
                    p,
                    name,
                    parent.as_ref(),
                    color,
                    description,
                    !category,
                )
                .await?;
            if json {
                output::json(&c)?;
            } else {
                println!(
                    "created {} '{}'",
                    if c.codable { "code" } else { "category" },
                    c.name
                );
            }
        }
        CodeCmd::List => {
            let u = app.code_usage(p).await?;
            if json {
                output::json(&u)?;
            } else {
                let rows: Vec<Vec<String>> = u
                    .iter()
                    .map(|c| {
                        vec![
                            c.path.clone(),
                            if c.codable { "code" } else { "category" }.into(),
                            c.codings.to_string(),
                            c.sources.to_string(),
                            c.color.clone(),
                        ]
                    })
                    .collect();
                table(&["CODE", "KIND", "CODINGS", "SOURCES", "COLOUR"], &rows);
            }
        }
        CodeCmd::Tree => {
            if json {
                output::json(&app.code_tree(p).await?)?;
            } else {
                for c in app.code_usage(p).await? {
                    let marker = if c.codable { "" } else { "▸ " };
                    println!(
                        "{}{marker}{} ({} codings, {} sources)",
                        "  ".repeat(c.depth),
                        c.name,
                        c.codings,
                        c.sources
                    );
                }
            }
        }
        CodeCmd::Rename { code, new_name } => {
            let c = app.find_code(p, code).await?;
            let c = app.rename_code(actor, p, &c, new_name).await?;
            if !json {
                println!("renamed '{code}' to '{}'", c.name);
            }
        }
        CodeCmd::Move { code, to, top: _ } => {
            let c = app.find_code(p, code).await?;
            let parent = match to {
                Some(t) => Some(app.find_code(p, t).await?),
                None => None,
            };
            app.move_code(actor, p, &c, parent.as_ref()).await?;
            if !json {
                println!(
                    "moved '{}' {}",
                    c.name,
                    parent
                        .map(|x| format!("under '{}'", x.name))
                        .unwrap_or_else(|| "to the top level".into())
                );
            }
        }
        CodeCmd::Merge {
            from,
            into,
            dry_run,
        } => {
            let f = app.find_code(p, from).await?;
            let i = app.find_code(p, into).await?;
            let r = if *dry_run {
                app.merge_preview(p, &f, &i).await?
            } else {
                app.merge_codes(actor, p, &f, &i).await?
            };
            if json {
                output::json(&r)?;
            } else {
                let verb = if *dry_run { "would move" } else { "moved" };
                println!(
                    "{} '{}' into '{}': {verb} {} codings, {} children and {} memo links; {} duplicate codings {}",
                    if *dry_run { "merging" } else { "merged" },
                    r.from,
                    r.into,
                    r.codings_moved,
                    r.children_moved,
                    r.memos_relinked,
                    r.codings_dropped,
                    if *dry_run { "would be dropped" } else { "dropped" }
                );
            }
        }
        CodeCmd::Recolor { code, color } => {
            let c = app.find_code(p, code).await?;
            let col: Color = color.parse()?;
            app.update_code(actor, p, &c, |x| x.color = col, "recoloured code")
                .await?;
            if !json {
                println!("'{}' is now {col}", c.name);
            }
        }
        CodeCmd::Describe {
            code,
            definition,
            inclusion,
            exclusion,
            example,
        } => {
            let c = app.find_code(p, code).await?;
            if definition.is_none()
                && inclusion.is_none()
                && exclusion.is_none()
                && example.is_none()
            {
                if json {
                    output::json(&c)?;
                } else {
                    println!(
                        "{}\n\ndefinition: {}\ninclusion:  {}\nexclusion:  {}\nexample:    {}",
                        c.name, c.description, c.inclusion, c.exclusion, c.example
                    );
                }
                return Ok(ExitCode::SUCCESS);
            }
            let (d, i, e, x) = (
                definition.clone(),
                inclusion.clone(),
                exclusion.clone(),
                example.clone(),
            );
            app.update_code(
                actor,
                p,
                &c,
                move |code| {
                    if let Some(d) = d {
                        code.description = d;
                    }
                    if let Some(i) = i {
                        code.inclusion = i;
                    }
                    if let Some(e) = e {
                        code.exclusion = e;
                    }
                    if let Some(x) = x {
                        code.example = x;
                    }
                },
                "described code",
            )
            .await?;
            if !json {
                println!("updated the description of '{}'", c.name);
            }
        }
        CodeCmd::Delete { code, force } => {
            let c = app.find_code(p, code).await?;
            let (n, sub) = app.delete_code_count(p, &c).await?;
            if n > 0 && !force {
                bail!(
                    "'{}' is used by {n} coding{}{}; deleting it removes them (undo restores them); add --force to delete",
                    c.name,
                    if n == 1 { "" } else { "s" },
                    if sub > 0 { format!(" (including {sub} codes under it)") } else { String::new() }
                );
            }
            let n = app.delete_code(actor, p, &c).await?;
            if !json {
                println!(
                    "deleted '{}' and {n} coding{}",
                    c.name,
                    if n == 1 { "" } else { "s" }
                );
            }
        }
        CodeCmd::History { code } => crate::audit::genealogy(app, p, code, json).await?,
        CodeCmd::Split(a) => crate::audit::split(app, actor, p, a, json).await?,
        CodeCmd::Apply(a) => {
            let code = app.find_code(p, &a.code).await?;
            let sources = if a.all_sources {
                app.sources(p).await?
            } else {
                let name = a
                    .source
                    .as_deref()
                    .ok_or_else(|| anyhow!("name the source with --source"))?;
                vec![app.find_source(p, name).await?]
            };
            let target = match (&a.span, &a.lines, &a.pattern) {
                (Some(s), _, _) => {
                    let (x, y) = parse_span(s)?;
                    ApplyTarget::Span { start: x, end: y }
                }
                (_, Some(l), _) => {
                    let (x, y) = parse_lines(l)?;
                    ApplyTarget::Lines { first: x, last: y }
                }
                (_, _, Some(m)) => ApplyTarget::Match {
                    pattern: m.clone(),
                    ignore_case: a.ignore_case,
                },
                _ => {
                    bail!("say where to apply the code: --span A..B, --lines A-B or --match REGEX")
                }
            };
            let made = app.apply_code(actor, p, &code, &sources, &target).await?;
            if json {
                output::json(&made)?;
            } else {
                println!(
                    "applied '{}' to {} segment{}",
                    code.name,
                    made.len(),
                    if made.len() == 1 { "" } else { "s" }
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn memo_cmd(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &MemoCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        MemoCmd::New {
            title,
            kind,
            body,
            file,
            codes,
            sources,
            cases,
        } => {
            let kind: MemoKind = kind.parse().map_err(|e: String| anyhow!(e))?;
            let body = read_body(body, file)?.unwrap_or_default();
            let mut links = Vec::new();
            for c in codes {
                links.push(MemoLink::Code(app.find_code(p, c).await?.id));
            }
            for s in sources {
                links.push(MemoLink::Source(app.find_source(p, s).await?.id));
            }
            for c in cases {
                links.push(MemoLink::Case(app.find_case(p, c).await?.id));
            }
            if links.is_empty() {
                links.push(MemoLink::Project);
            }
            let m = app.create_memo(actor, p, title, &body, kind, links).await?;
            if json {
                output::json(&m)?;
            } else {
                println!("wrote {} memo '{}'", m.kind, m.title);
            }
        }
        MemoCmd::List { kind } => {
            let kind: Option<MemoKind> = kind
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e: String| anyhow!(e))?;
            let memos: Vec<_> = app
                .memos(p)
                .await?
                .into_iter()
                .filter(|m| kind.is_none_or(|k| m.kind == k))
                .collect();
            if json {
                output::json(&memos)?;
            } else {
                let rows: Vec<Vec<String>> = memos
                    .iter()
                    .map(|m| {
                        vec![
                            m.title.clone(),
                            m.kind.to_string(),
                            m.links.len().to_string(),
                            m.updated_at.date().to_string(),
                        ]
                    })
                    .collect();
                table(&["MEMO", "TYPE", "LINKS", "UPDATED"], &rows);
            }
        }
        MemoCmd::Show { title } => {
            let m = app.find_memo(p, title).await?;
            if json {
                output::json(&m)?;
            } else {
                println!(
                    "# {}\n({} memo, updated {})\n\n{}",
                    m.title,
                    m.kind,
                    m.updated_at.date(),
                    m.body
                );
            }
        }
        MemoCmd::Edit {
            title,
            body,
            file,
            new_title,
            kind,
        } => {
            let m = app.find_memo(p, title).await?;
            let body = read_body(body, file)?;
            let kind: Option<MemoKind> = kind
                .as_deref()
                .map(str::parse)
                .transpose()
                .map_err(|e: String| anyhow!(e))?;
            if body.is_none() && new_title.is_none() && kind.is_none() {
                bail!("nothing to change: give --body, --file, --new-title or --type");
            }
            let nt = new_title.clone();
            let m = app
                .edit_memo(actor, p, &m, move |m| {
                    if let Some(b) = body {
                        m.body = b;
                    }
                    if let Some(t) = nt {
                        m.title = t;
                    }
                    if let Some(k) = kind {
                        m.kind = k;
                    }
                })
                .await?;
            if !json {
                println!("saved memo '{}'", m.title);
            }
        }
        MemoCmd::Delete { title } => {
            let m = app.find_memo(p, title).await?;
            app.delete_memo(actor, p, &m).await?;
            if !json {
                println!("deleted memo '{}'", m.title);
            }
        }
    }
    Ok(())
}

/// Serves the workspace until Ctrl+C.
async fn serve(app: &App, a: &ServeArgs, project: Option<&Project>) -> anyhow::Result<()> {
    let cfg = axial_server::ServerConfig::default();
    axial_server::check_bind_address(&a.addr, app.accounts_on().await?).map_err(|e| anyhow!(e))?;
    let listener = tokio::net::TcpListener::bind(a.addr)
        .await
        .with_context(|| format!("cannot listen on {}: is another program (or another `axial serve`) using it? try --addr 127.0.0.1:0", a.addr))?;
    let addr = listener.local_addr()?;
    let url = match project {
        Some(p) => format!("http://{addr}/#/p/{}", p.id),
        None => format!("http://{addr}/"),
    };
    println!("Axial is serving the workspace at {url}  (Ctrl+C stops it)");
    if a.open {
        let opener = if cfg!(target_os = "macos") {
            "open"
        } else if cfg!(windows) {
            "explorer"
        } else {
            "xdg-open"
        };
        if let Err(e) = std::process::Command::new(opener).arg(&url).spawn() {
            eprintln!("warning: could not open a browser ({e}); open {url} yourself");
        }
    }
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    axial_server::serve(listener, app.clone(), cfg, shutdown)
        .await
        .context("the server stopped")?;
    Ok(())
}
