//! `axial bench`: deterministic corpora and timings of the operations
//! researchers wait on (import, search, retrieval, coding, analysis,
//! exchange), each as the median and spread of repeated runs.
//!
//! Three sizes: the built-in demo study (21 interviews), W2 (1,000
//! transcripts of 8,000 words, 200 codes, 100,000 codings) and W3 (a survey:
//! 200,000 responses of 60 words, imported as a CSV with an open-text
//! column, one source and one case per response, as the survey importer
//! does), plus a small corpus for a quick check. Search and import are also
//! given as a fraction of a plain memory scan of the same bytes, measured in
//! the same run: the physical limit on this machine.
//!
//! Timings are taken here, by a command, never by tests. What only the
//! caller can do (resetting and reading the peak resident memory of the
//! process, opening a scratch database for a repeated import, showing
//! progress) comes in through [`BenchEnv`]; this module does no file-system
//! IO and prints nothing.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axial_analysis::matrix::Measure;
use axial_core::{
    Action, Case, CaseId, ChangeSet, Code, CodeId, Coding, CodingId, Color, Entity, Op, Project,
    Source, Span, Subject, Value, Variable, VariableId, VariableKind, VariableValue, Version,
};
use serde::Serialize;

use crate::{
    Actor, AgreementRequest, App, AppError, ImportOutcome, ImportRequest, SearchQuery,
    SegmentQuery, SurveyImport,
};

/// A deterministic pseudo-random generator (splitmix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
}

/// How a synthetic corpus comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CorpusShape {
    /// Interview transcripts, one text file each, through the batch importer.
    Transcripts,
    /// Survey responses: one CSV whose open-text column becomes one source
    /// (and one case) per row, through the survey importer.
    Survey,
}

/// Size of a synthetic corpus.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CorpusSpec {
    pub name: &'static str,
    pub shape: CorpusShape,
    pub sources: usize,
    pub words_per_source: usize,
    pub codes: usize,
    pub codings: usize,
    /// Sources a second coder codes too (for the agreement benchmark).
    pub second_coded: usize,
    pub seed: u64,
}

impl CorpusSpec {
    /// W2: 1,000 transcripts of 8,000 words, 200 codes, 100,000 codings.
    pub const W2: CorpusSpec = CorpusSpec {
        name: "w2",
        shape: CorpusShape::Transcripts,
        sources: 1000,
        words_per_source: 8000,
        codes: 200,
        codings: 100_000,
        second_coded: 50,
        seed: 2,
    };
    /// W3: a survey of 200,000 responses of 60 words; 50 codes, 50,000 codings.
    pub const W3: CorpusSpec = CorpusSpec {
        name: "w3",
        shape: CorpusShape::Survey,
        sources: 200_000,
        words_per_source: 60,
        codes: 50,
        codings: 50_000,
        second_coded: 2_000,
        seed: 3,
    };
    /// A small corpus for a quick check of the benchmark itself.
    pub const SMALL: CorpusSpec = CorpusSpec {
        name: "small",
        shape: CorpusShape::Transcripts,
        sources: 40,
        words_per_source: 2000,
        codes: 50,
        codings: 4000,
        second_coded: 5,
        seed: 7,
    };
}

/// What to benchmark.
#[derive(Debug, Clone, Copy)]
pub enum Corpus {
    /// The built-in demo study (21 interviews, two coders).
    Demo,
    Synthetic(CorpusSpec),
}

impl Corpus {
    pub fn name(&self) -> &'static str {
        match self {
            Corpus::Demo => "demo",
            Corpus::Synthetic(s) => s.name,
        }
    }
}

/// How often to repeat.
#[derive(Debug, Clone, Copy)]
pub struct BenchOptions {
    /// Runs of each quick operation.
    pub runs: usize,
    /// Runs of each operation that builds or copies a whole corpus (import,
    /// bulk coding, QDPX export and import): each repeat beyond the first
    /// goes into a scratch database from [`BenchEnv::scratch`].
    pub heavy_runs: usize,
}

impl BenchOptions {
    /// Scratch databases a run asks for.
    pub fn scratch_needed(&self) -> usize {
        let heavy = self.heavy_runs.clamp(1, self.runs.max(1));
        2 * heavy - 1
    }
}

/// What the caller provides: progress, the process's peak memory, and
/// scratch databases.
pub trait BenchEnv: Sync {
    fn progress(&self, what: &str, done: usize, total: usize);
    /// Resets the process's peak resident memory mark (where possible).
    fn reset_peak(&self) {}
    /// Peak resident memory since the last reset, in MiB.
    fn peak_mib(&self) -> Option<f64> {
        None
    }
    /// A new app over a new, empty database, for a repeat of a heavy
    /// operation; `None` when there is none (a repeated corpus import is
    /// skipped, a QDPX import goes into `app`). At most
    /// [`BenchOptions::scratch_needed`] are asked for.
    fn scratch(&self) -> Option<App> {
        None
    }
}

const SYLLABLES: [&str; 24] = [
    "ka", "lo", "mi", "ne", "ru", "sa", "te", "vo", "da", "ri", "po", "lu", "qua", "zé", "ïn",
    "or", "al", "em", "ti", "ba", "ce", "fo", "gu", "hy",
];
const COMMON: [&str; 30] = [
    "the",
    "and",
    "we",
    "it",
    "is",
    "to",
    "of",
    "that",
    "you",
    "in",
    "patients",
    "time",
    "quality",
    "work",
    "team",
    "practice",
    "really",
    "think",
    "know",
    "just",
    "because",
    "so",
    "then",
    "when",
    "staff",
    "care",
    "feel",
    "day",
    "nurse",
    "appointment",
];

fn push_words(rng: &mut Rng, out: &mut String, n: usize) {
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        if rng.below(3) == 0 {
            out.push_str(SYLLABLES[rng.below(24) as usize]);
            out.push_str(SYLLABLES[rng.below(24) as usize]);
        } else {
            out.push_str(COMMON[rng.below(30) as usize]);
        }
        if i % 14 == 13 {
            out.push('.');
        }
    }
}

/// The text of synthetic transcript `n`: speaker turns of 40–160 words.
pub fn transcript(spec: &CorpusSpec, n: usize) -> String {
    let mut rng = Rng::new(spec.seed.wrapping_mul(1_000_003).wrapping_add(n as u64));
    let mut out = String::with_capacity(spec.words_per_source * 7);
    let mut words = 0;
    let mut turn = 0;
    while words < spec.words_per_source {
        if turn % 2 == 0 {
            out.push_str("Interviewer:");
        } else {
            out.push_str(&format!("P{:04}:", n + 1));
        }
        out.push(' ');
        let len = 40 + rng.below(120) as usize;
        push_words(&mut rng, &mut out, len);
        out.push_str(".\n\n");
        words += len;
        turn += 1;
    }
    out
}

/// The five groups of the synthetic corpora's `group` variable.
pub const GROUPS: [&str; 5] = [
    "nurses",
    "doctors",
    "managers",
    "receptionists",
    "pharmacists",
];
const AGE_BANDS: [&str; 4] = ["18-34", "35-49", "50-64", "65+"];

/// Synthetic survey `spec` as CSV: `respondent,group,age band,answer`, one
/// row per response of `words_per_source` words (no commas or quotes).
pub fn survey_csv(spec: &CorpusSpec) -> String {
    let mut rng = Rng::new(spec.seed ^ 0x5EED);
    let mut out = String::with_capacity(spec.sources * (spec.words_per_source * 6 + 40));
    out.push_str("respondent,group,age band,answer\n");
    for n in 0..spec.sources {
        out.push_str(&format!(
            "R{:06},{},{},",
            n + 1,
            GROUPS[n % GROUPS.len()],
            AGE_BANDS[rng.below(4) as usize]
        ));
        // A unique opening keeps any two answers from being duplicates.
        out.push_str(&format!("Response {} ", n + 1));
        push_words(&mut rng, &mut out, spec.words_per_source);
        out.push('\n');
    }
    out
}

/// Median, min and max of a set of durations, in milliseconds.
#[derive(Debug, Clone, Serialize)]
pub struct Timing {
    pub median_ms: f64,
    pub min_ms: f64,
    pub max_ms: f64,
    pub runs: usize,
}

impl Timing {
    pub fn of(mut d: Vec<Duration>) -> Timing {
        d.sort();
        let ms = |x: &Duration| x.as_secs_f64() * 1000.0;
        Timing {
            median_ms: d.get(d.len() / 2).map(ms).unwrap_or(0.0),
            min_ms: d.first().map(ms).unwrap_or(0.0),
            max_ms: d.last().map(ms).unwrap_or(0.0),
            runs: d.len(),
        }
    }
}

/// Runs `f` `runs` times and times each run.
pub async fn time_runs<F, Fut, T>(runs: usize, mut f: F) -> Result<(Timing, T), AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    let mut ds = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs.max(1) {
        let t = Instant::now();
        let v = f().await?;
        ds.push(t.elapsed());
        last = Some(v);
    }
    Ok((Timing::of(ds), last.expect("at least one run")))
}

/// One timed operation.
#[derive(Debug, Clone, Serialize)]
pub struct OpResult {
    /// A stable key: `import`, `search`, `qdpx_export`, ….
    pub op: String,
    /// What exactly was timed, with its sizes.
    pub what: String,
    pub timing: Timing,
    /// Throughput at the median, e.g. `(37.0, "MB/s")`.
    pub rate: Option<(f64, String)>,
    /// The plain memory scan's time over this operation's (for the same
    /// bytes): 1.0 would be as fast as reading the bytes once.
    pub fraction_of_scan: Option<f64>,
    /// Peak resident memory of the process while the operation ran.
    pub peak_rss_mib: Option<f64>,
}

/// Results of a benchmark run.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub corpus: String,
    /// The synthetic corpus' size (none for the demo).
    pub spec: Option<CorpusSpec>,
    pub sources: usize,
    pub codes: usize,
    pub codings: u64,
    /// UTF-8 bytes of all source texts.
    pub text_bytes: u64,
    /// Bytes the importer read (the files, or the survey CSV).
    pub import_bytes: u64,
    pub ops: Vec<OpResult>,
    /// Operations that could not run, with the reason.
    pub skipped: Vec<(String, String)>,
}

impl BenchReport {
    pub fn op(&self, key: &str) -> Option<&OpResult> {
        self.ops.iter().find(|o| o.op == key)
    }
}

/// Codings per change when a corpus is coded in bulk.
const CODING_BATCH: usize = 2000;
/// Codings of the busy code in synthetic corpora (the retrieval benchmark).
const BUSY_CODINGS: usize = 5000;

/// The timed part of building a corpus in one database.
struct Loaded {
    project: Project,
    sources: Vec<Source>,
    /// Codable codes; `codes[0]` is the busy one (synthetic corpora).
    codes: Vec<Code>,
    /// The first coder's codings (synthetic corpora).
    codings: Vec<Coding>,
    import: Duration,
    import_bytes: u64,
    import_peak: Option<f64>,
    bulk: Option<Duration>,
    bulk_peak: Option<f64>,
}

fn internal(what: &str, e: impl std::fmt::Display) -> AppError {
    AppError::Internal(format!("{what}: {e}"))
}

/// Imports the corpus into a new project of `app` (timed) and, for a
/// synthetic corpus, creates its codes and applies its codings in bulk (the
/// codings timed).
async fn load(
    app: &App,
    actor: &Actor,
    corpus: &Corpus,
    env: &dyn BenchEnv,
) -> Result<Loaded, AppError> {
    let spec = match corpus {
        Corpus::Demo => None,
        Corpus::Synthetic(s) => Some(*s),
    };
    let name = format!(
        "bench {} ({})",
        corpus.name(),
        axial_core::now().unix_timestamp_nanos()
    );
    let project = app
        .create_project(actor, &name, "synthetic benchmark corpus")
        .await?;
    let input = ImportInput::of(corpus);
    env.reset_peak();
    let (import, import_bytes, sources) = match input {
        ImportInput::Survey(csv) => {
            let bytes = csv.len() as u64;
            let stem = spec.map(|s| s.name).unwrap_or("survey");
            env.progress("importing the survey", 0, 1);
            let t = Instant::now();
            let sources = app
                .import_survey(
                    actor,
                    &project,
                    SurveyImport {
                        file_name: format!("{stem}.csv"),
                        bytes: csv,
                        case_column: Some("respondent".into()),
                        attribute_columns: vec!["group".into(), "age band".into()],
                        text_columns: vec!["answer".into()],
                    },
                )
                .await?;
            (t.elapsed(), bytes, sources)
        }
        ImportInput::Files(files) => {
            let bytes = files.iter().map(|(_, b)| b.len() as u64).sum();
            let t = Instant::now();
            let sources = import_files(app, actor, &project, files, env).await?;
            (t.elapsed(), bytes, sources)
        }
    };
    let import_peak = env.peak_mib();
    let mut loaded = Loaded {
        project,
        sources,
        codes: Vec::new(),
        codings: Vec::new(),
        import,
        import_bytes,
        import_peak,
        bulk: None,
        bulk_peak: None,
    };
    if let Some(s) = spec {
        code_in_bulk(app, actor, &s, &mut loaded, env).await?;
    }
    Ok(loaded)
}

/// Each file through the real importer in its own transaction, the next
/// file parsed while one commits (as `axial import` does).
async fn import_files(
    app: &App,
    actor: &Actor,
    project: &Project,
    files: Vec<(String, Vec<u8>)>,
    env: &dyn BenchEnv,
) -> Result<Vec<Source>, AppError> {
    let mut importer = app.batch_importer(project).await?;
    let total = files.len();
    let names: Vec<String> = files.iter().map(|(n, _)| n.clone()).collect();
    let mut requests = files.into_iter().map(|(file_name, bytes)| ImportRequest {
        file_name,
        bytes,
        name: None,
        case: None,
    });
    let mut sources = Vec::with_capacity(total);
    let mut next = requests
        .next()
        .map(|r| tokio::spawn(crate::BatchImporter::prepare(r)));
    for name in &names {
        env.progress("importing", sources.len(), total);
        let prepared = next
            .take()
            .expect("a file is always being prepared")
            .await
            .map_err(|e| internal("the importer stopped", e))??;
        next = requests
            .next()
            .map(|r| tokio::spawn(crate::BatchImporter::prepare(r)));
        match importer.commit(actor, prepared).await? {
            ImportOutcome::Imported { source, .. } => sources.push(*source),
            ImportOutcome::Duplicate { existing } => {
                return Err(AppError::Internal(format!(
                    "benchmark file {name} duplicates {existing}"
                )))
            }
        }
    }
    Ok(sources)
}

fn new_code(project: &Project, actor: &Actor, i: usize) -> Code {
    Code {
        id: CodeId::new(),
        project: project.id,
        parent: None,
        name: format!("code {i:03}"),
        color: Color::palette(i),
        description: String::new(),
        inclusion: String::new(),
        exclusion: String::new(),
        example: String::new(),
        codable: true,
        created_by: actor.id(),
        created_at: axial_core::now(),
        version: Version::FIRST,
    }
}

/// Codes (one change, not timed) and codings in changes of 2,000 (timed):
/// code 0 gets the first 5,000 codings, the rest are spread at random.
async fn code_in_bulk(
    app: &App,
    actor: &Actor,
    spec: &CorpusSpec,
    loaded: &mut Loaded,
    env: &dyn BenchEnv,
) -> Result<(), AppError> {
    let project = loaded.project.clone();
    let mut cs = ChangeSet::new(
        Some(project.id),
        actor.id(),
        Action::CodeCreate,
        format!("{} synthetic codes", spec.codes),
    );
    let codes: Vec<Code> = (0..spec.codes)
        .map(|i| new_code(&project, actor, i))
        .collect();
    for c in &codes {
        cs.push(Op::insert(Entity::Code(c.clone())));
    }
    app.store().commit(cs).await?;
    let mut rng = Rng::new(spec.seed ^ 0xC0DE);
    let sources = &loaded.sources;
    let busy = BUSY_CODINGS.min(spec.codings / 2);
    let all: Vec<Coding> = (0..spec.codings)
        .map(|k| {
            let code = if k < busy {
                &codes[0]
            } else {
                &codes[1 + rng.below(spec.codes as u64 - 1) as usize]
            };
            let s = &sources[rng.below(sources.len() as u64) as usize];
            synthetic_coding(&mut rng, &project, s, code, actor)
        })
        .collect::<Result<_, _>>()?;
    env.reset_peak();
    let t = Instant::now();
    for (i, chunk) in all.chunks(CODING_BATCH).enumerate() {
        env.progress("coding", i * CODING_BATCH, all.len());
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CodingApply,
            "synthetic codings",
        );
        for c in chunk {
            cs.push(Op::insert(Entity::Coding(c.clone())));
        }
        app.store().commit(cs).await?;
    }
    loaded.bulk = Some(t.elapsed());
    loaded.bulk_peak = env.peak_mib();
    loaded.codes = codes;
    loaded.codings = all;
    Ok(())
}

fn synthetic_coding(
    rng: &mut Rng,
    project: &Project,
    s: &Source,
    code: &Code,
    coder: &Actor,
) -> Result<Coding, AppError> {
    let len = 20 + rng.below(400) as u32;
    let start = rng.below((s.char_len.saturating_sub(len)).max(1) as u64) as u32;
    let span = Span::new(start, (start + len).min(s.char_len), s.char_len)?;
    Ok(Coding {
        id: CodingId::new(),
        project: project.id,
        source: s.id,
        code: code.id,
        span,
        coder: coder.id(),
        created_at: axial_core::now(),
        version: Version::FIRST,
    })
}

/// Cases for transcripts (one per ten, with a `group` category variable),
/// so the matrix has columns; one change, not timed.
async fn add_cases(app: &App, actor: &Actor, loaded: &Loaded) -> Result<(), AppError> {
    let project = &loaded.project;
    let mut cs = ChangeSet::new(
        Some(project.id),
        actor.id(),
        Action::CaseCreate,
        "synthetic cases",
    );
    let var = Variable {
        id: VariableId::new(),
        project: project.id,
        name: "group".into(),
        kind: VariableKind::Category {
            values: GROUPS.iter().map(|g| g.to_string()).collect(),
        },
        description: "synthetic staff group".into(),
        version: Version::FIRST,
    };
    cs.push(Op::insert(Entity::Variable(var.clone())));
    let mut cases = Vec::new();
    for (i, chunk) in loaded.sources.chunks(10).enumerate() {
        let case = Case {
            id: CaseId::new(),
            project: project.id,
            name: format!("Participant {:04}", i + 1),
            description: String::new(),
            version: Version::FIRST,
        };
        cs.push(Op::insert(Entity::Case(case.clone())));
        cs.push(Op::insert(Entity::Value(VariableValue {
            id: axial_core::ValueId::new(),
            project: project.id,
            variable: var.id,
            subject: Subject::Case(case.id),
            value: Value::Category(GROUPS[i % GROUPS.len()].to_string()),
            version: Version::FIRST,
        })));
        cases.push((case.id, chunk));
    }
    for (case, chunk) in cases {
        for s in chunk {
            let after = Source {
                case: Some(case),
                ..s.clone()
            };
            cs.push(Op::update(Entity::Source(s.clone()), Entity::Source(after)));
        }
    }
    app.store().commit(cs).await?;
    Ok(())
}

/// A second coder who codes the first sources again: most of the first
/// coder's codings there, each boundary moved by up to 12 characters, and
/// some left out (not timed).
async fn second_coder(
    app: &App,
    spec: &CorpusSpec,
    loaded: &Loaded,
) -> Result<Option<String>, AppError> {
    if spec.second_coded == 0 {
        return Ok(None);
    }
    let coder = app.local_user("second coder").await?;
    let chosen: HashMap<_, &Source> = loaded
        .sources
        .iter()
        .take(spec.second_coded)
        .map(|s| (s.id, s))
        .collect();
    let mut rng = Rng::new(spec.seed ^ 0x2C0D);
    let mut made = Vec::new();
    for c in loaded
        .codings
        .iter()
        .filter(|c| chosen.contains_key(&c.source))
    {
        if rng.below(100) < 15 {
            continue;
        }
        let len = chosen[&c.source].char_len;
        let jiggle = |rng: &mut Rng, p: u32| {
            (p as i64 + rng.below(25) as i64 - 12).clamp(0, len as i64) as u32
        };
        let (a, b) = (
            jiggle(&mut rng, c.span.start().0),
            jiggle(&mut rng, c.span.end().0),
        );
        let Ok(span) = Span::new(a.min(b), a.max(b), len) else {
            continue;
        };
        made.push(Coding {
            id: CodingId::new(),
            span,
            coder: coder.id(),
            ..c.clone()
        });
    }
    for chunk in made.chunks(CODING_BATCH) {
        let mut cs = ChangeSet::new(
            Some(loaded.project.id),
            coder.id(),
            Action::CodingApply,
            "second coder's synthetic codings",
        );
        for c in chunk {
            cs.push(Op::insert(Entity::Coding(c.clone())));
        }
        app.store().commit(cs).await?;
    }
    Ok(Some(coder.user.name))
}

/// Runs `f` `runs` times under one peak-memory mark.
async fn measure<F, Fut, T>(
    env: &dyn BenchEnv,
    runs: usize,
    f: F,
) -> Result<(Timing, T, Option<f64>), AppError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AppError>>,
{
    env.reset_peak();
    let (t, v) = time_runs(runs, f).await?;
    Ok((t, v, env.peak_mib()))
}

fn max_peak(a: Option<f64>, b: Option<f64>) -> Option<f64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

/// What the importer reads for a corpus: the files, or the survey CSV.
enum ImportInput {
    Files(Vec<(String, Vec<u8>)>),
    Survey(Vec<u8>),
}

impl ImportInput {
    fn of(corpus: &Corpus) -> ImportInput {
        match corpus {
            Corpus::Demo => ImportInput::Files(
                axial_demo::study()
                    .interviews
                    .into_iter()
                    .map(|d| (d.file_name, d.text.into_bytes()))
                    .collect(),
            ),
            Corpus::Synthetic(s) if s.shape == CorpusShape::Transcripts => ImportInput::Files(
                (0..s.sources)
                    .map(|n| (format!("t{n:04}.txt"), transcript(s, n).into_bytes()))
                    .collect(),
            ),
            Corpus::Synthetic(s) => ImportInput::Survey(survey_csv(s).into_bytes()),
        }
    }

    /// The importer alone (decode, turns, paragraphs, hash, index), without
    /// storing anything.
    fn parse(&self) -> Result<(), AppError> {
        let index = |text: &str| {
            let hash = crate::sources::content_hash(text);
            let loaded = crate::LoadedText::new(Arc::from(text));
            std::hint::black_box((hash, loaded.char_len()));
        };
        match self {
            ImportInput::Files(files) => {
                for (name, bytes) in files {
                    let doc = axial_formats::import::import_document(name, bytes)?;
                    index(&doc.text);
                }
            }
            ImportInput::Survey(csv) => {
                let table = axial_formats::import::read_survey("survey.csv", csv)?;
                let col = table.headers.len() - 1;
                for r in 0..table.rows.len() {
                    let doc = axial_formats::import::survey_row_document(&table, r, &[col]);
                    index(&doc.text);
                }
            }
        }
        Ok(())
    }
}

/// Builds the corpus in `app` and times every operation on it.
pub async fn run(
    app: &App,
    actor: &Actor,
    corpus: Corpus,
    opts: BenchOptions,
    env: &dyn BenchEnv,
) -> Result<(Project, BenchReport), AppError> {
    let runs = opts.runs.max(1);
    let heavy = opts.heavy_runs.clamp(1, runs);
    let mut ops: Vec<OpResult> = Vec::new();
    let mut skipped: Vec<(String, String)> = Vec::new();

    // Import and bulk coding: the first run builds the corpus benchmarked
    // below; repeats go into scratch databases.
    let first = load(app, actor, &corpus, env).await?;
    let (mut imports, mut bulks) = (vec![first.import], Vec::new());
    let (mut import_peak, mut bulk_peak) = (first.import_peak, first.bulk_peak);
    bulks.extend(first.bulk);
    for _ in 1..heavy {
        let Some(scratch) = env.scratch() else {
            break;
        };
        let scratch_actor = scratch.local_user(&actor.user.name).await?;
        let again = load(&scratch, &scratch_actor, &corpus, env).await?;
        imports.push(again.import);
        bulks.extend(again.bulk);
        import_peak = max_peak(import_peak, again.import_peak);
        bulk_peak = max_peak(bulk_peak, again.bulk_peak);
        drop(again);
        scratch.store().close().await;
    }
    let import_bytes = first.import_bytes;

    // What the quick operations run on.
    let (project, coders, busy, matrix_by) = match corpus {
        Corpus::Demo => {
            env.progress("building the demo study", 0, 1);
            let (p, _) = app.build_demo(&|_| {}).await?;
            let codings = app
                .store()
                .codings(p.id, &axial_store::CodingFilter::default())
                .await?;
            let mut count: HashMap<CodeId, usize> = HashMap::new();
            for c in &codings {
                *count.entry(c.code).or_default() += 1;
            }
            let codes = app.codes(&p).await?;
            let busy = codes
                .iter()
                .filter(|c| c.codable)
                .max_by_key(|c| (count.get(&c.id).copied().unwrap_or(0), c.name.clone()))
                .cloned()
                .ok_or_else(|| AppError::Internal("the demo study has no codes".into()))?;
            (
                p,
                Some(("researcher".to_string(), "second coder".to_string())),
                busy,
                "staff group".to_string(),
            )
        }
        Corpus::Synthetic(s) => {
            env.progress("adding cases and a second coder", 0, 1);
            if s.shape == CorpusShape::Transcripts {
                add_cases(app, actor, &first).await?;
            }
            let second = second_coder(app, &s, &first).await?;
            (
                first.project.clone(),
                second.map(|b| (actor.user.name.clone(), b)),
                first.codes[0].clone(),
                "group".to_string(),
            )
        }
    };
    drop(first);
    let sources = app.sources(&project).await?;
    let codes = app.codes(&project).await?;
    env.progress("reading the texts", 0, 1);
    let texts = app.texts().get_many(app.store().as_ref(), &sources).await?;
    let text_bytes: u64 = texts.values().map(|t| t.text.len() as u64).sum();
    let counts = app.counts(&project).await?;

    // The limit: a plain scan of the same bytes in memory.
    env.progress("scanning memory", 0, 1);
    let (scan, _, scan_peak) = measure(env, runs, || async {
        let mut n = 0usize;
        for t in texts.values() {
            n += memchr_count(t.text.as_bytes(), b'q');
        }
        Ok(std::hint::black_box(n))
    })
    .await?;
    let scan_mb_s = text_bytes as f64 / 1e6 / (scan.median_ms / 1000.0).max(1e-9);
    let fraction = |bytes: u64, t: &Timing| {
        let limit_ms = bytes as f64 / 1e6 / scan_mb_s * 1000.0;
        Some(limit_ms / t.median_ms.max(1e-9))
    };
    let mb_s = |bytes: u64, t: &Timing| {
        Some((
            bytes as f64 / 1e6 / (t.median_ms / 1000.0).max(1e-9),
            "MB/s".to_string(),
        ))
    };

    let import_t = Timing::of(imports);
    let import_what = match corpus {
        Corpus::Demo => format!(
            "import the demo's 21 interview files ({:.1} MB), each its own durable transaction",
            import_bytes as f64 / 1e6
        ),
        Corpus::Synthetic(s) if s.shape == CorpusShape::Survey => format!(
            "import the survey CSV ({} rows, {:.1} MB) as one source and one case per row, in one transaction",
            s.sources,
            import_bytes as f64 / 1e6
        ),
        Corpus::Synthetic(s) => format!(
            "import {} text files ({:.1} MB), each its own durable transaction (the next parsed while one commits)",
            s.sources,
            import_bytes as f64 / 1e6
        ),
    };
    ops.push(OpResult {
        op: "import".into(),
        what: import_what,
        rate: mb_s(import_bytes, &import_t),
        fraction_of_scan: fraction(import_bytes, &import_t),
        timing: import_t,
        peak_rss_mib: import_peak,
    });

    env.progress("parsing only", 0, 1);
    let input = Arc::new(ImportInput::of(&corpus));
    let (parse_t, _, parse_peak) = measure(env, heavy, || async {
        let input = input.clone();
        tokio::task::spawn_blocking(move || input.parse())
            .await
            .map_err(|e| internal("the parser stopped", e))?
    })
    .await?;
    drop(input);
    ops.push(OpResult {
        op: "parse".into(),
        what: "the importer alone (decode, turns, paragraphs, hash, index), nothing stored".into(),
        rate: mb_s(import_bytes, &parse_t),
        fraction_of_scan: fraction(import_bytes, &parse_t),
        timing: parse_t,
        peak_rss_mib: parse_peak,
    });

    if let (Corpus::Synthetic(s), false) = (corpus, bulks.is_empty()) {
        let t = Timing::of(bulks);
        ops.push(OpResult {
            op: "bulk_coding".into(),
            what: format!("apply {} codings in changes of {CODING_BATCH}", s.codings),
            rate: Some((
                s.codings as f64 / (t.median_ms / 1000.0).max(1e-9),
                "codings/s".into(),
            )),
            fraction_of_scan: None,
            timing: t,
            peak_rss_mib: bulk_peak,
        });
    }

    ops.push(OpResult {
        op: "memory_scan".into(),
        what: format!(
            "plain memory scan of all source texts ({:.1} MB, one byte counted)",
            text_bytes as f64 / 1e6
        ),
        rate: mb_s(text_bytes, &scan),
        fraction_of_scan: Some(1.0),
        timing: scan,
        peak_rss_mib: scan_peak,
    });

    env.progress("searching", 0, 1);
    let q = SearchQuery {
        pattern: "quality\\s+\\w+".into(),
        regex: true,
        ignore_case: false,
        context: 0,
        limit: 0,
        sources: vec![],
    };
    let (search, hits, peak) = measure(env, runs, || app.search(&project, &q)).await?;
    ops.push(OpResult {
        op: "search".into(),
        what: format!(
            "regex search `{}` over all sources, all {} hits",
            q.pattern,
            hits.len()
        ),
        rate: mb_s(text_bytes, &search),
        fraction_of_scan: fraction(text_bytes, &search),
        timing: search,
        peak_rss_mib: peak,
    });

    env.progress("retrieving segments", 0, 1);
    let sq = SegmentQuery {
        codes: vec![busy.id],
        ..Default::default()
    };
    let (segments, segs, peak) = measure(env, runs, || app.segments(&project, &sq)).await?;
    ops.push(OpResult {
        op: "segments".into(),
        what: format!(
            "all {} segments of one code, with text and attribution",
            segs.len()
        ),
        rate: None,
        fraction_of_scan: None,
        timing: segments,
        peak_rss_mib: peak,
    });

    env.progress("applying single codings", 0, 1);
    let target = codes
        .iter()
        .filter(|c| c.codable && c.id != busy.id)
        .max_by_key(|c| c.name.clone())
        .unwrap_or(&busy)
        .clone();
    let long: Vec<&Source> = sources.iter().filter(|s| s.char_len > 40).collect();
    if long.is_empty() {
        skipped.push(("apply_one".into(), "no source is long enough".into()));
    } else {
        let mut k = 0u32;
        let (t, _, peak) = measure(env, runs, || {
            k += 1;
            let s = long[k as usize % long.len()].clone();
            let start = k % (s.char_len - 20);
            let (target, project) = (target.clone(), project.clone());
            async move {
                app.apply_code(
                    actor,
                    &project,
                    &target,
                    std::slice::from_ref(&s),
                    &crate::ApplyTarget::Span {
                        start,
                        end: start + 17,
                    },
                )
                .await
            }
        })
        .await?;
        ops.push(OpResult {
            op: "apply_one".into(),
            what: "apply one coding, through the store (one durable transaction)".into(),
            rate: None,
            fraction_of_scan: None,
            timing: t,
            peak_rss_mib: peak,
        });
    }

    env.progress("matrix", 0, 1);
    match measure(env, runs, || {
        app.matrix(&project, &[], &matrix_by, Measure::Segments, None)
    })
    .await
    {
        Ok((t, m, peak)) => ops.push(OpResult {
            op: "matrix".into(),
            what: format!(
                "code × '{matrix_by}' matrix ({} × {} cells, segments counted)",
                m.rows.len(),
                m.columns.len()
            ),
            rate: None,
            fraction_of_scan: None,
            timing: t,
            peak_rss_mib: peak,
        }),
        Err(e) => skipped.push(("matrix".into(), e.to_string())),
    }

    match &coders {
        Some((a, b)) => {
            env.progress("agreement", 0, 1);
            let req = AgreementRequest {
                coders: vec![a.clone(), b.clone()],
                codes: vec![],
                sources: vec![],
                overlap_thresholds: vec![],
            };
            match measure(env, runs, || app.agreement(&project, &req)).await {
                Ok((t, _, peak)) => ops.push(OpResult {
                    op: "agreement".into(),
                    what: "inter-coder agreement of two coders over the sources both coded (all measures)".into(),
                    rate: None,
                    fraction_of_scan: None,
                    timing: t,
                    peak_rss_mib: peak,
                }),
                Err(e) => skipped.push(("agreement".into(), e.to_string())),
            }
        }
        None => skipped.push(("agreement".into(), "the corpus has one coder".into())),
    }

    env.progress("QDPX export", 0, 1);
    let (export_t, archive, peak) = measure(env, heavy, || async {
        app.export_qdpx_bytes(&project)
            .await
            .map_err(|e| internal("QDPX export", e))
    })
    .await?;
    let archive_bytes = archive.len() as u64;
    ops.push(OpResult {
        op: "qdpx_export".into(),
        what: format!(
            "QDPX export of the whole project ({:.1} MB archive, built in memory)",
            archive_bytes as f64 / 1e6
        ),
        rate: None,
        fraction_of_scan: None,
        timing: export_t,
        peak_rss_mib: peak,
    });

    env.progress("QDPX import", 0, 1);
    let archive = Arc::new(archive);
    let mut import_runs = Vec::new();
    let mut peak = None;
    let mut imported = 0;
    for _ in 0..heavy {
        let target = match env.scratch() {
            Some(s) => s,
            None => app.clone(),
        };
        let target_actor = target.local_user(&actor.user.name).await?;
        let bytes = archive.as_ref().clone();
        env.reset_peak();
        let t = Instant::now();
        let done = target
            .import_qdpx(&target_actor, "bench.qdpx", bytes, None, false)
            .await;
        let elapsed = t.elapsed();
        peak = max_peak(peak, env.peak_mib());
        match done {
            Ok(r) => {
                import_runs.push(elapsed);
                imported = r.counts.codings;
            }
            Err(e) => {
                skipped.push(("qdpx_import".into(), e.to_string()));
                break;
            }
        }
        if !Arc::ptr_eq(target.store(), app.store()) {
            target.store().close().await;
        }
    }
    if !import_runs.is_empty() {
        ops.push(OpResult {
            op: "qdpx_import".into(),
            what: format!("QDPX import into a fresh database ({imported} codings, one change)"),
            rate: None,
            fraction_of_scan: None,
            timing: Timing::of(import_runs),
            peak_rss_mib: peak,
        });
    }

    let report = BenchReport {
        corpus: corpus.name().to_string(),
        spec: match corpus {
            Corpus::Demo => None,
            Corpus::Synthetic(s) => Some(s),
        },
        sources: sources.len(),
        codes: codes.len(),
        codings: counts.codings,
        text_bytes,
        import_bytes,
        ops,
        skipped,
    };
    Ok((project, report))
}

/// Counts a byte in a buffer: the plain scan search is compared with.
fn memchr_count(hay: &[u8], b: u8) -> usize {
    hay.iter().filter(|&&x| x == b).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transcripts_are_deterministic_and_sized() {
        let spec = CorpusSpec::SMALL;
        assert_eq!(transcript(&spec, 3), transcript(&spec, 3));
        assert_ne!(transcript(&spec, 3), transcript(&spec, 4));
        let words = transcript(&spec, 0).split_whitespace().count();
        assert!(words >= spec.words_per_source, "{words}");
        assert!(words < spec.words_per_source + 400, "{words}");
    }

    #[test]
    fn surveys_are_deterministic_csv_with_one_row_per_response() {
        let spec = CorpusSpec {
            sources: 30,
            ..CorpusSpec::W3
        };
        let csv = survey_csv(&spec);
        assert_eq!(csv, survey_csv(&spec));
        let table = axial_formats::import::read_survey("w3.csv", csv.as_bytes()).expect("csv");
        assert_eq!(table.headers, ["respondent", "group", "age band", "answer"]);
        assert_eq!(table.rows.len(), 30);
        for row in &table.rows {
            let words = row[3].split_whitespace().count();
            assert_eq!(words, spec.words_per_source + 2, "{}", row[3]);
        }
    }

    struct Quiet;
    impl BenchEnv for Quiet {
        fn progress(&self, _: &str, _: usize, _: usize) {}
    }

    #[tokio::test]
    async fn a_tiny_corpus_reports_every_operation() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("b.db");
        let store = axial_store_sqlite::SqliteStore::open(&db.display().to_string())
            .await
            .expect("open store");
        let app = App::new(Arc::new(store));
        let actor = app.local_user("bench").await.expect("user");
        let spec = CorpusSpec {
            name: "tiny",
            sources: 6,
            words_per_source: 300,
            codes: 5,
            codings: 60,
            second_coded: 2,
            ..CorpusSpec::SMALL
        };
        let opts = BenchOptions {
            runs: 2,
            heavy_runs: 2,
        };
        let (_, r) = run(&app, &actor, Corpus::Synthetic(spec), opts, &Quiet)
            .await
            .expect("bench runs");
        let keys: Vec<&str> = r.ops.iter().map(|o| o.op.as_str()).collect();
        assert_eq!(
            keys,
            [
                "import",
                "parse",
                "bulk_coding",
                "memory_scan",
                "search",
                "segments",
                "apply_one",
                "matrix",
                "agreement",
                "qdpx_export",
                "qdpx_import"
            ],
            "skipped: {:?}",
            r.skipped
        );
        // No scratch database: heavy repeats beyond the first are skipped,
        // QDPX imports go into the same database.
        assert_eq!(r.op("import").map(|o| o.timing.runs), Some(1));
        assert_eq!(r.op("qdpx_import").map(|o| o.timing.runs), Some(2));
        assert_eq!(r.op("search").map(|o| o.timing.runs), Some(2));
        assert_eq!(r.sources, 6);
        assert!(r.op("search").and_then(|o| o.fraction_of_scan).is_some());
        assert!(r.skipped.is_empty(), "{:?}", r.skipped);
    }
}
