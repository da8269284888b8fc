//! The analysis verbs (`matrix`, `cooccurrence`, `query`, `negative`,
//! `saturation`, `agreement`, `words`, `kwic`, `report`): their clap
//! arguments, the call into the app façade, and printing as JSON or as
//! readable tables that state every parameter. Files named with `--out`,
//! `--csv`, `--xlsx` or `--svg` are written here; no statistics live here.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use axial_app::axial_analysis::cooccurrence::Proximity;
use axial_app::axial_analysis::matrix::{Measure, PercentOf};
use axial_app::axial_analysis::saturation::{Denominator, GuestParams, Proportion};
use axial_app::axial_analysis::svg;
use axial_app::axial_analysis::words::StopWords;
use axial_app::{
    Actor, AgreementRequest, App, QueryRequest, Restriction, SaturationRequest, ThemeReportRequest,
};
use axial_core::Project;
use axial_formats::report::{self as rep, Cell, Document, Table};
use clap::{Args, Subcommand, ValueEnum};

use crate::output::{self, table};

#[derive(Debug, Subcommand)]
pub enum AnalysisCmd {
    /// Code × attribute matrix (e.g. codes by staff group)
    Matrix(MatrixArgs),
    /// Code co-occurrence matrix
    Cooccurrence(CooccurrenceArgs),
    /// Run a coding query: AND, OR, NOT, NEAR n, OVERLAPPING, FOLLOWED BY
    Query(QueryArgs),
    /// Sources and cases without a code, or with a contradicting code
    Negative(NegativeArgs),
    /// New codes per interview, Guest run table, Chao2 and Galvin
    Saturation(SaturationArgs),
    /// Inter-coder agreement (percent, kappa, alpha, alpha-U, MAXQDA, Fleiss)
    Agreement(AgreementArgs),
    /// Word frequencies for the project, a code or a set
    Words(WordsArgs),
    /// Keyword in context
    Kwic(KwicArgs),
    /// Write a theme report, coded segments or the codebook to a file
    #[command(subcommand)]
    Report(ReportCmd),
}

/// Which sources: `--where VAR=VALUE` (repeatable) and `--set NAME`.
#[derive(Debug, Args)]
pub struct RestrictArgs {
    /// Only sources whose (case's) VARIABLE equals VALUE
    #[arg(long = "where", value_name = "VARIABLE=VALUE")]
    pub filters: Vec<String>,
    /// Only sources in this set
    #[arg(long)]
    pub set: Option<String>,
}

impl RestrictArgs {
    fn restriction(&self) -> anyhow::Result<Restriction> {
        Ok(Restriction {
            filters: self
                .filters
                .iter()
                .map(|f| {
                    f.split_once('=')
                        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
                        .ok_or_else(|| anyhow!("--where '{f}' must look like VARIABLE=VALUE"))
                })
                .collect::<anyhow::Result<_>>()?,
            set: self.set.clone(),
        })
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum MeasureArg {
    Segments,
    Sources,
    Cases,
    Words,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PercentArg {
    Row,
    Column,
}

#[derive(Debug, Args)]
pub struct MatrixArgs {
    /// Rows: codes or categories (default: the top-level ones); a category counts its codes
    pub codes: Vec<String>,
    /// The variable whose values are the columns
    #[arg(long, default_value = "staff group")]
    pub by: String,
    #[arg(long, value_enum, default_value = "segments")]
    pub measure: MeasureArg,
    /// Show percentages of the row or column total
    #[arg(long, value_enum)]
    pub percent: Option<PercentArg>,
    /// Also write the matrix as CSV
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Also write the matrix as XLSX
    #[arg(long)]
    pub xlsx: Option<PathBuf>,
    /// Also write a heatmap as SVG
    #[arg(long)]
    pub svg: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ModeArg {
    Overlap,
    Paragraph,
    Turn,
    Near,
}

#[derive(Debug, Args)]
pub struct CooccurrenceArgs {
    /// Codes (default: every codable code)
    pub codes: Vec<String>,
    #[arg(long, value_enum, default_value = "overlap")]
    pub mode: ModeArg,
    /// Characters between codings for --mode near
    #[arg(long, default_value_t = 200)]
    pub chars: u32,
    #[command(flatten)]
    pub restrict: RestrictArgs,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The query, e.g. '"Not enough time" NEAR 200 "Guilt when standards slip"'
    #[arg(required_unless_present = "saved")]
    pub expr: Option<String>,
    #[command(flatten)]
    pub restrict: RestrictArgs,
    /// Save the query (and its restriction) under this name
    #[arg(long)]
    pub save: Option<String>,
    /// Re-run a saved query
    #[arg(long, conflicts_with = "expr")]
    pub saved: Option<String>,
    /// Variable used in the attribution label
    #[arg(long)]
    pub label_by: Option<String>,
}

#[derive(Debug, Args)]
pub struct NegativeArgs {
    /// The code or category looked for
    pub code: String,
    /// Codes whose presence contradicts it (repeatable)
    #[arg(long)]
    pub contradicting: Vec<String>,
    #[command(flatten)]
    pub restrict: RestrictArgs,
}

#[derive(Debug, Args)]
pub struct SaturationArgs {
    /// Variable giving the interview order
    #[arg(long, default_value = "interview date")]
    pub order_by: String,
    /// The set of interviews ("" for all sources)
    #[arg(long, default_value = "Interviews")]
    pub set: String,
    /// Only these coders' codings (comma-separated; default all)
    #[arg(long, value_delimiter = ',')]
    pub coders: Vec<String>,
    /// Guest et al. base size
    #[arg(long, default_value_t = 4)]
    pub base: usize,
    /// Guest et al. run length
    #[arg(long, default_value_t = 2)]
    pub run: usize,
    /// Guest et al. new-information threshold (e.g. 5% or 0.05)
    #[arg(long, default_value = "5%")]
    pub threshold: String,
    /// Write the saturation curve as SVG
    #[arg(long)]
    pub svg: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AgreementArgs {
    /// Two or more coders, comma-separated
    #[arg(long, value_delimiter = ',', required = true)]
    pub coders: Vec<String>,
    /// Codes (comma-separated; default every code the coders used)
    #[arg(long, value_delimiter = ',')]
    pub codes: Vec<String>,
    /// Sources (comma-separated; default every source each coder coded)
    #[arg(long, value_delimiter = ',')]
    pub sources: Vec<String>,
    /// MAXQDA minimum overlap rates in percent (default 50,90)
    #[arg(long, value_delimiter = ',')]
    pub overlap: Vec<u32>,
    /// Disagreements to print (all are in --json)
    #[arg(long, default_value_t = 20)]
    pub show: usize,
}

#[derive(Debug, Args)]
pub struct WordsArgs {
    /// Only text coded with this code
    #[arg(long)]
    pub code: Option<String>,
    #[command(flatten)]
    pub restrict: RestrictArgs,
    #[arg(long, default_value_t = 30)]
    pub top: usize,
    /// Keep stop words
    #[arg(long)]
    pub all_words: bool,
}

#[derive(Debug, Args)]
pub struct KwicArgs {
    pub term: String,
    /// Words of context either side
    #[arg(long, default_value_t = 8)]
    pub context: usize,
    #[command(flatten)]
    pub restrict: RestrictArgs,
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq)]
pub enum DocFormat {
    Docx,
    Html,
    Md,
}

#[derive(Debug, Subcommand)]
pub enum ReportCmd {
    /// Categories and codes with definitions, memos and attributed quotes
    Themes {
        /// Categories or codes, comma-separated
        #[arg(long, value_delimiter = ',', required = true)]
        codes: Vec<String>,
        /// docx, html or md (default: from the file name)
        #[arg(long, value_enum)]
        format: Option<DocFormat>,
        #[arg(long)]
        out: PathBuf,
        /// Quote only segments linked from a memo
        #[arg(long)]
        linked_only: bool,
        /// Quote only quotes approved (or amended) in member checking
        #[arg(long)]
        approved_only: bool,
        /// Quotes per code
        #[arg(long, default_value_t = 3)]
        quotes: usize,
        /// Variable used in the attribution label
        #[arg(long)]
        label_by: Option<String>,
    },
    /// Coded segments with full attribution (.xlsx or .csv)
    Segments {
        #[arg(long)]
        code: String,
        #[arg(long)]
        out: PathBuf,
        #[arg(long)]
        label_by: Option<String>,
    },
    /// The codebook (.docx or .md)
    Codebook {
        #[arg(long)]
        out: PathBuf,
    },
}

pub async fn run(
    app: &App,
    actor: &Actor,
    project: &Project,
    cmd: &AnalysisCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        AnalysisCmd::Matrix(a) => matrix(app, project, a, json).await,
        AnalysisCmd::Cooccurrence(a) => cooccurrence(app, project, a, json).await,
        AnalysisCmd::Query(a) => query(app, actor, project, a, json).await,
        AnalysisCmd::Negative(a) => negative(app, project, a, json).await,
        AnalysisCmd::Saturation(a) => saturation(app, project, a, json).await,
        AnalysisCmd::Agreement(a) => agreement(app, project, a, json).await,
        AnalysisCmd::Words(a) => words(app, project, a, json).await,
        AnalysisCmd::Kwic(a) => kwic(app, project, a, json).await,
        AnalysisCmd::Report(r) => report(app, project, r, json).await,
    }
}

fn num(x: f64) -> String {
    if x.fract() == 0.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.1}")
    }
}

fn opt(x: Option<f64>, digits: usize) -> String {
    x.map_or_else(|| "n/a".into(), |v| format!("{v:.digits$}"))
}

fn create(path: &Path) -> anyhow::Result<BufWriter<File>> {
    Ok(BufWriter::new(File::create(path).with_context(|| {
        format!(
            "cannot create {}; check the folder exists and is writable",
            path.display()
        )
    })?))
}

fn write_table_file(t: &Table, path: &Path, xlsx: bool) -> anyhow::Result<()> {
    let mut w = create(path)?;
    if xlsx {
        rep::write_xlsx(std::slice::from_ref(t), &mut w)?;
    } else {
        rep::write_csv(t, &mut w)?;
    }
    w.flush()
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}

async fn matrix(app: &App, p: &Project, a: &MatrixArgs, json: bool) -> anyhow::Result<()> {
    let measure = match a.measure {
        MeasureArg::Segments => Measure::Segments,
        MeasureArg::Sources => Measure::Sources,
        MeasureArg::Cases => Measure::Cases,
        MeasureArg::Words => Measure::Words,
    };
    let percent = a.percent.map(|p| match p {
        PercentArg::Row => PercentOf::Row,
        PercentArg::Column => PercentOf::Column,
    });
    let m = app.matrix(p, &a.codes, &a.by, measure, percent).await?;
    let shown: Vec<Vec<String>> = match &m.percentages {
        Some(pc) => pc
            .iter()
            .map(|r| r.iter().map(|v| opt(*v, 1)).collect())
            .collect(),
        None => m
            .values
            .iter()
            .map(|r| r.iter().map(|v| num(*v)).collect())
            .collect(),
    };
    let mut header = vec!["code".to_string()];
    header.extend(m.columns.iter().cloned());
    let t = Table {
        name: format!("Matrix by {}", m.by),
        header: header.clone(),
        rows: m
            .rows
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut row = vec![Cell::from(r.clone())];
                match &m.percentages {
                    Some(pc) => row.extend(pc[i].iter().map(|v| Cell::from(*v))),
                    None => row.extend(m.values[i].iter().map(|v| Cell::from(*v))),
                }
                row
            })
            .collect(),
    };
    if let Some(f) = &a.csv {
        write_table_file(&t, f, false)?;
    }
    if let Some(f) = &a.xlsx {
        write_table_file(&t, f, true)?;
    }
    if let Some(f) = &a.svg {
        let s = svg::heatmap(
            &format!("Codes by {}", m.by),
            &m.rows,
            &m.columns,
            &m.values,
        );
        std::fs::write(f, s).with_context(|| format!("cannot write {}", f.display()))?;
    }
    if json {
        return output::json(&m);
    }
    println!(
        "code × {} matrix: {}{}; a category's row counts the codings of its codes",
        m.by,
        format!("{:?}", m.measure).to_lowercase(),
        match m.percent {
            Some(PercentOf::Row) => ", as % of the row total",
            Some(PercentOf::Column) => ", as % of the column",
            None => "",
        }
    );
    let rows: Vec<Vec<String>> = m
        .rows
        .iter()
        .zip(shown)
        .map(|(r, v)| std::iter::once(r.clone()).chain(v).collect())
        .collect();
    let h: Vec<&str> = header.iter().map(String::as_str).collect();
    table(&h, &rows);
    println!(
        "sources per column: {}",
        m.matrix
            .columns
            .iter()
            .map(|c| format!("{} {}", c.label, c.sources))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

async fn cooccurrence(
    app: &App,
    p: &Project,
    a: &CooccurrenceArgs,
    json: bool,
) -> anyhow::Result<()> {
    let proximity = match a.mode {
        ModeArg::Overlap => Proximity::Overlap,
        ModeArg::Paragraph => Proximity::SameParagraph,
        ModeArg::Turn => Proximity::SameTurn,
        ModeArg::Near => Proximity::Within(a.chars),
    };
    let v = app
        .cooccurrence(p, &a.codes, proximity, &a.restrict.restriction()?)
        .await?;
    if json {
        return output::json(&v);
    }
    let mode = match proximity {
        Proximity::Within(n) => format!("within {n} characters"),
        Proximity::Overlap => "overlapping".into(),
        Proximity::SameParagraph => "in the same paragraph".into(),
        Proximity::SameTurn => "in the same speaker turn".into(),
    };
    println!("code co-occurrence ({mode}); {}", v.restriction);
    let rows: Vec<Vec<String>> = v
        .result
        .cells
        .iter()
        .map(|c| {
            vec![
                v.rows[c.first].clone(),
                v.rows[c.second].clone(),
                c.pairs.to_string(),
                c.sources.to_string(),
            ]
        })
        .collect();
    table(&["code", "with code", "pairs", "sources"], &rows);
    if v.result.sources_without_structure > 0 {
        println!(
            "{} sources have no recorded paragraphs or turns and were skipped",
            v.result.sources_without_structure
        );
    }
    Ok(())
}

async fn query(
    app: &App,
    actor: &Actor,
    p: &Project,
    a: &QueryArgs,
    json: bool,
) -> anyhow::Result<()> {
    let req = match (&a.saved, &a.expr) {
        (Some(name), _) => app.saved_query(p, name).await?,
        (None, Some(e)) => QueryRequest {
            text: e.clone(),
            restriction: a.restrict.restriction()?,
        },
        (None, None) => bail!("give a query expression or --saved NAME"),
    };
    let v = app.query(p, &req, a.label_by.as_deref()).await?;
    if let Some(name) = &a.save {
        app.save_query(actor, p, name, &req).await?;
        if !json {
            eprintln!(
                "saved the query as '{name}'; re-run it with `axial query --saved \"{name}\"`"
            );
        }
    }
    if json {
        return output::json(&v);
    }
    println!("query: {}; {}", v.query, v.restriction);
    for s in &v.segments {
        println!(
            "{} {} lines {}-{} [{}..{}]",
            s.source, s.attribution, s.first_line, s.last_line, s.start, s.end
        );
        println!("  \u{201c}{}\u{201d}\n", s.text.trim());
    }
    println!(
        "{} segments in {} of {} sources searched",
        v.segments.len(),
        v.sources_matched,
        v.sources_searched
    );
    Ok(())
}

async fn negative(app: &App, p: &Project, a: &NegativeArgs, json: bool) -> anyhow::Result<()> {
    let v = app
        .negative_cases(p, &a.code, &a.contradicting, &a.restrict.restriction()?)
        .await?;
    if json {
        return output::json(&v);
    }
    println!(
        "negative cases for '{}' (codes under it count too); {}; {} sources searched",
        v.code, v.restriction, v.sources_searched
    );
    println!("cases without it ({}):", v.cases_without.len());
    for c in &v.cases_without {
        println!("  {c}");
    }
    println!("sources without it ({}):", v.sources_without.len());
    for s in &v.sources_without {
        println!("  {s}");
    }
    if !v.contradicting.is_empty() {
        println!(
            "sources where a contradicting code ({}) appears:",
            v.contradicting.join(", ")
        );
        let rows: Vec<Vec<String>> = v
            .contradictions
            .iter()
            .map(|c| {
                vec![
                    c.source.clone(),
                    c.case.clone().unwrap_or_default(),
                    c.codings.to_string(),
                    if c.with_code { "yes" } else { "no" }.into(),
                ]
            })
            .collect();
        table(&["source", "case", "codings", "also has the code"], &rows);
    }
    Ok(())
}

async fn saturation(app: &App, p: &Project, a: &SaturationArgs, json: bool) -> anyhow::Result<()> {
    let threshold = Proportion::parse(&a.threshold)
        .map_err(|e| anyhow!("--threshold '{}': {e}; use e.g. 5% or 0.05", a.threshold))?;
    let req = SaturationRequest {
        order_by: a.order_by.clone(),
        set: (!a.set.trim().is_empty()).then(|| a.set.clone()),
        coders: a.coders.clone(),
        guest: vec![GuestParams {
            base: a.base,
            run: a.run,
            threshold,
            denominator: Denominator::FixedBase,
        }],
        ..Default::default()
    };
    let v = app.saturation(p, &req).await?;
    if let Some(f) = &a.svg {
        let s = svg::saturation_curve(&format!("Code saturation: {}", p.name), &v.report);
        std::fs::write(f, s).with_context(|| format!("cannot write {}", f.display()))?;
    }
    if json {
        return output::json(&v);
    }
    println!(
        "saturation: {}; set {}; codings by {}",
        v.order_note,
        v.set.as_deref().unwrap_or("(all sources)"),
        if v.coders.is_empty() {
            "all coders".to_string()
        } else {
            v.coders.join(", ")
        }
    );
    println!("\nnew codes per interview (cumulative curve):");
    let final_n = v
        .report
        .accumulation
        .last()
        .map_or(0, |r| r.cumulative)
        .max(1);
    let expected = &v.report.expected_accumulation;
    for (i, r) in v.report.accumulation.iter().enumerate() {
        let bar = "#".repeat((r.cumulative * 40).div_ceil(final_n));
        println!(
            "{:>3} {:<16} new {:>2}  cum {:>3}  exp {:>6}  {bar}",
            r.interview,
            r.label.chars().take(16).collect::<String>(),
            r.new,
            r.cumulative,
            expected.get(i).map_or("".into(), |e| format!("{e:.1}"))
        );
    }
    println!("(exp = order-free expected accumulation, Colwell et al. 2004)");
    for g in &v.report.guest {
        println!(
            "\nGuest, Namey & Chen (2020): base {}, run {}, threshold ≤{} ({}), denominator: {}",
            g.params.base,
            g.params.run,
            g.params.threshold,
            g.params.threshold.value(),
            match g.params.denominator {
                Denominator::FixedBase => "codes in the base (fixed)",
                Denominator::Cumulative => "codes up to the run (variant)",
            }
        );
        println!("{}", g.summary);
        let rows: Vec<Vec<String>> = g
            .runs
            .iter()
            .map(|r| {
                vec![
                    format!("{}-{}", r.run_first, r.run_last),
                    r.new_in_run.to_string(),
                    r.denominator.to_string(),
                    format!("{:.3}", r.ratio),
                    if r.saturated { "yes" } else { "no" }.into(),
                ]
            })
            .collect();
        table(
            &["run", "new codes", "base codes", "ratio", "≤ threshold"],
            &rows,
        );
    }
    let c = &v.report.chao2;
    println!(
        "\nChao2 (incidence, {} interviews): observed {} codes, Q1 {}, Q2 {}; estimated total {} (bias-corrected {}); observed/estimated {}; sample coverage {}; expected new codes in one more interview {}",
        c.interviews,
        c.s_obs,
        c.q1,
        c.q2,
        opt(c.chao2, 2),
        opt(c.chao2_bias_corrected, 2),
        opt(c.saturation, 3),
        opt(c.coverage, 3),
        opt(c.expected_new_next, 3)
    );
    println!("\nGalvin (2015): interviews needed to see, at least once, a theme held by a share p of the population");
    let mut cols: Vec<Proportion> = Vec::new();
    for g in &v.galvin {
        if !cols.contains(&g.confidence) {
            cols.push(g.confidence);
        }
    }
    let mut ps: Vec<Proportion> = Vec::new();
    for g in &v.galvin {
        if !ps.contains(&g.p) {
            ps.push(g.p);
        }
    }
    let rows: Vec<Vec<String>> = ps
        .iter()
        .map(|pp| {
            std::iter::once(format!("{}", pp.value()))
                .chain(cols.iter().map(|c| {
                    v.galvin
                        .iter()
                        .find(|g| g.p == *pp && g.confidence == *c)
                        .and_then(|g| g.interviews)
                        .map_or("n/a".into(), |n| n.to_string())
                }))
                .collect()
        })
        .collect();
    let header: Vec<String> = std::iter::once("p".to_string())
        .chain(cols.iter().map(|c| format!("confidence {}", c.value())))
        .collect();
    table(
        &header.iter().map(String::as_str).collect::<Vec<_>>(),
        &rows,
    );
    Ok(())
}

async fn agreement(app: &App, p: &Project, a: &AgreementArgs, json: bool) -> anyhow::Result<()> {
    let v = app
        .agreement(
            p,
            &AgreementRequest {
                coders: a.coders.clone(),
                codes: a.codes.clone(),
                sources: a.sources.clone(),
                overlap_thresholds: a.overlap.clone(),
            },
        )
        .await?;
    if json {
        return output::json(&v);
    }
    println!(
        "inter-coder agreement: {}; {} codes; {} sources ({}): {}",
        v.coders.join(" vs "),
        v.codes.len(),
        v.sources.len(),
        v.source_rule,
        v.sources.join(", ")
    );
    println!("unit: one character for one code; kappa is Cohen's (NVivo's formula); alpha is Krippendorff's nominal; alpha-U is unitizing alpha");
    let three = v.coders.len() >= 3;
    let mut rows = Vec::new();
    for c in &v.report.codes {
        let pair = c.pairs.first();
        let mut r = vec![
            c.name.clone(),
            opt(pair.and_then(|p| p.pooled.percent_agreement), 1),
            opt(pair.and_then(|p| p.pooled.cohen_kappa), 3),
            opt(pair.and_then(|p| p.kappa_unweighted), 3),
            opt(pair.and_then(|p| p.kappa_weighted), 3),
            opt(c.pooled.krippendorff_alpha, 3),
            opt(c.pooled.alpha_u, 3),
        ];
        if three {
            r.push(opt(c.pooled.fleiss_kappa, 3));
        }
        rows.push(r);
    }
    let mut header = vec![
        "code",
        "agreement %",
        "kappa (pooled)",
        "kappa (mean of sources)",
        "kappa (size-weighted)",
        "alpha",
        "alpha-U",
    ];
    if three {
        header.push("Fleiss kappa");
    }
    table(&header, &rows);
    if let Some(ex) = &v.report.existence {
        println!(
            "\ncode existence per source (MAXQDA variation 1): {} of {} rows agree ({} %); over codes used {} %; kappa {}; kappa_n {}",
            ex.agree_all,
            ex.rows_all,
            opt(ex.percent_all, 1),
            opt(ex.percent_used, 1),
            opt(ex.cohen_kappa, 3),
            opt(ex.kappa_n, 3)
        );
    }
    for s in &v.report.segments {
        println!(
            "segment agreement (MAXQDA, overlap ≥ {}% of the union): {} agreements, {} + {} unmatched; agreement {}; chance {}; kappa (Brennan & Prediger) {}",
            s.threshold_percent,
            s.agreements,
            s.first_unmatched,
            s.second_unmatched,
            opt(s.observed, 3),
            opt(s.chance, 3),
            opt(s.kappa, 3)
        );
    }
    println!("\nper source (alpha over code combinations per character; pooled binary alpha; unitizing alpha-U):");
    let rows: Vec<Vec<String>> = v
        .per_source
        .iter()
        .map(|t| {
            vec![
                t.source.clone(),
                t.characters.to_string(),
                opt(t.combination_alpha, 3),
                opt(t.pooled_alpha, 3),
                opt(t.alpha_u, 3),
            ]
        })
        .collect();
    table(
        &[
            "source",
            "characters",
            "alpha (combinations)",
            "alpha (pooled)",
            "alpha-U",
        ],
        &rows,
    );
    println!(
        "\ndisagreements ({}, showing {}):",
        v.disagreements.len(),
        a.show.min(v.disagreements.len())
    );
    for d in v.disagreements.iter().take(a.show) {
        println!(
            "{} [{}..{}] {}: coded by {} | not by {}",
            d.source,
            d.start,
            d.end,
            d.code,
            d.coded_by.join(", "),
            d.not_coded_by.join(", ")
        );
        let text: String = d.text.chars().take(160).collect();
        println!("  \u{201c}{}\u{201d}", text.trim());
    }
    Ok(())
}

async fn words(app: &App, p: &Project, a: &WordsArgs, json: bool) -> anyhow::Result<()> {
    let stop = if a.all_words {
        StopWords::None
    } else {
        StopWords::English
    };
    let v = app
        .word_frequencies(
            p,
            a.code.as_deref(),
            &a.restrict.restriction()?,
            a.top,
            stop,
        )
        .await?;
    if json {
        return output::json(&v);
    }
    println!(
        "word frequencies: {}{}; stop words: {:?}; {} words counted",
        v.restriction,
        v.code
            .as_deref()
            .map(|c| format!(", text coded '{c}'"))
            .unwrap_or_default(),
        v.result.params.stop_words,
        v.result.total_words
    );
    let rows: Vec<Vec<String>> = v
        .result
        .words
        .iter()
        .map(|w| {
            vec![
                w.word.clone(),
                w.count.to_string(),
                format!("{:.2}", w.percent),
                w.sources.to_string(),
            ]
        })
        .collect();
    table(&["word", "count", "%", "sources"], &rows);
    Ok(())
}

async fn kwic(app: &App, p: &Project, a: &KwicArgs, json: bool) -> anyhow::Result<()> {
    let v = app
        .kwic(p, &a.term, a.context, &a.restrict.restriction()?)
        .await?;
    if json {
        return output::json(&v);
    }
    println!(
        "'{}' in context ({} words either side); {}",
        v.term, v.context_words, v.restriction
    );
    for l in &v.lines {
        println!(
            "{:>50} [{}] {:<50}  {} {}",
            l.left, l.keyword, l.right, l.source, l.attribution
        );
    }
    println!("{} occurrences", v.lines.len());
    Ok(())
}

fn doc_format(path: &Path, given: Option<DocFormat>) -> anyhow::Result<DocFormat> {
    if let Some(f) = given {
        return Ok(f);
    }
    match path
        .extension()
        .and_then(|e| e.to_str())
        .map(str::to_lowercase)
        .as_deref()
    {
        Some("docx") => Ok(DocFormat::Docx),
        Some("html") | Some("htm") => Ok(DocFormat::Html),
        Some("md") | Some("markdown") => Ok(DocFormat::Md),
        _ => bail!(
            "cannot tell the format of {}; give --format docx|html|md or a .docx/.html/.md name",
            path.display()
        ),
    }
}

fn write_document(doc: &Document, path: &Path, format: DocFormat) -> anyhow::Result<()> {
    match format {
        DocFormat::Docx => {
            let f = File::create(path).with_context(|| {
                format!(
                    "cannot create {}; check the folder exists and is writable",
                    path.display()
                )
            })?;
            rep::write_docx(doc, f)?;
        }
        DocFormat::Html | DocFormat::Md => {
            let mut w = create(path)?;
            if format == DocFormat::Html {
                rep::write_html(doc, &mut w)?;
            } else {
                rep::write_markdown(doc, &mut w)?;
            }
            w.flush()
                .with_context(|| format!("cannot write {}", path.display()))?;
        }
    }
    Ok(())
}

async fn report(app: &App, p: &Project, r: &ReportCmd, json: bool) -> anyhow::Result<()> {
    let (path, what) = match r {
        ReportCmd::Themes {
            codes,
            format,
            out,
            linked_only,
            approved_only,
            quotes,
            label_by,
        } => {
            let fmt = doc_format(out, *format)?;
            let mut doc = app
                .theme_report(
                    p,
                    &ThemeReportRequest {
                        codes: codes.clone(),
                        approved_only: *linked_only,
                        approved_quotes_only: *approved_only,
                        quotes_per_code: *quotes,
                        label_by: label_by.clone(),
                    },
                )
                .await?;
            if fmt != DocFormat::Html {
                doc.blocks.retain(|b| !matches!(b, rep::Block::Svg(_)));
            }
            write_document(&doc, out, fmt)?;
            (out, "theme report")
        }
        ReportCmd::Segments {
            code,
            out,
            label_by,
        } => {
            let t = app.segments_table(p, code, label_by.as_deref()).await?;
            let xlsx = match out
                .extension()
                .and_then(|e| e.to_str())
                .map(str::to_lowercase)
                .as_deref()
            {
                Some("xlsx") => true,
                Some("csv") => false,
                _ => bail!("name the output .xlsx or .csv (got {})", out.display()),
            };
            write_table_file(&t, out, xlsx)?;
            (out, "coded segments")
        }
        ReportCmd::Codebook { out } => {
            let fmt = doc_format(out, None)?;
            if fmt == DocFormat::Html {
                bail!("the codebook is written as .docx or .md");
            }
            let doc = app.codebook_document(p).await?;
            write_document(&doc, out, fmt)?;
            (out, "codebook")
        }
    };
    if json {
        output::json(&serde_json::json!({ "wrote": path, "report": what }))
    } else {
        println!("wrote the {what} to {}", path.display());
        Ok(())
    }
}
