//! `axial bench`: deterministic synthetic corpora and timings of the
//! operations researchers wait on (import, search, retrieval, coding).
//!
//! Timings are taken here, by a command, never by tests. Each figure is the
//! median over repeated runs with its spread (min and max).

use std::time::{Duration, Instant};

use axial_core::{
    Action, ChangeSet, Code, CodeId, Coding, CodingId, Color, Entity, Op, Project, Span, Version,
};
use serde::Serialize;

use crate::{Actor, App, AppError, ImportOutcome, ImportRequest, SearchQuery, SegmentQuery};

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

/// Size of a synthetic corpus.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct CorpusSpec {
    pub sources: usize,
    pub words_per_source: usize,
    pub codes: usize,
    pub codings: usize,
    pub seed: u64,
}

impl CorpusSpec {
    /// W2: 1,000 transcripts of 8,000 words, 200 codes, 100,000 codings.
    pub const W2: CorpusSpec = CorpusSpec {
        sources: 1000,
        words_per_source: 8000,
        codes: 200,
        codings: 100_000,
        seed: 2,
    };
    /// A small corpus for a quick check of the benchmark itself.
    pub const SMALL: CorpusSpec = CorpusSpec {
        sources: 40,
        words_per_source: 2000,
        codes: 50,
        codings: 4000,
        seed: 7,
    };
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

/// The text of synthetic transcript `n`: speaker turns of 40–160 words.
pub fn transcript(spec: &CorpusSpec, n: usize) -> String {
    let mut rng = Rng::new(spec.seed.wrapping_mul(1_000_003).wrapping_add(n as u64));
    let mut out = String::with_capacity(spec.words_per_source * 7);
    let mut words = 0;
    let mut turn = 0;
    while words < spec.words_per_source {
        let speaker = if turn % 2 == 0 {
            "Interviewer".to_string()
        } else {
            format!("P{:04}", n + 1)
        };
        out.push_str(&speaker);
        out.push(':');
        let len = 40 + rng.below(120) as usize;
        for i in 0..len {
            out.push(' ');
            if rng.below(3) == 0 {
                let a = SYLLABLES[rng.below(24) as usize];
                let b = SYLLABLES[rng.below(24) as usize];
                out.push_str(a);
                out.push_str(b);
            } else {
                out.push_str(COMMON[rng.below(30) as usize]);
            }
            if i % 14 == 13 {
                out.push('.');
            }
        }
        out.push_str(".\n\n");
        words += len;
        turn += 1;
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

/// Results of a benchmark run.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub corpus: CorpusSpec,
    pub text_bytes: u64,
    pub import_seconds: f64,
    pub import_mb_per_s: f64,
    /// The importer alone (decode, normalise, find turns and paragraphs, hash,
    /// index), without storing: what import costs apart from durable commits.
    pub parse_mb_per_s: f64,
    pub apply_codings_seconds: f64,
    pub codings_per_second: f64,
    /// Plain memory scan of the same bytes (the limit search can approach).
    pub memory_scan: Timing,
    pub search: Timing,
    pub search_hits: usize,
    pub search_pattern: String,
    pub segments_5000: Timing,
    pub segments_count: usize,
    pub apply_one_coding: Timing,
}

/// Builds a corpus of `spec` in a new project and times the operations.
pub async fn run(
    app: &App,
    actor: &Actor,
    spec: CorpusSpec,
    runs: usize,
    progress: &(dyn Fn(&str, usize, usize) + Sync),
) -> Result<(Project, BenchReport), AppError> {
    let name = format!(
        "bench {} × {} words ({})",
        spec.sources,
        spec.words_per_source,
        axial_core::now().unix_timestamp()
    );
    let project = app
        .create_project(actor, &name, "synthetic benchmark corpus")
        .await?;

    // Import: each file through the real importer, each in its own transaction.
    let texts: Vec<String> = (0..spec.sources).map(|n| transcript(&spec, n)).collect();
    let text_bytes: u64 = texts.iter().map(|t| t.len() as u64).sum();
    let t = Instant::now();
    let mut sources = Vec::with_capacity(spec.sources);
    let mut importer = app.batch_importer(&project).await?;
    // Files are parsed one ahead of the commit, as `axial import` does.
    let request = |n: usize| ImportRequest {
        file_name: format!("t{n:04}.txt"),
        bytes: texts[n].clone().into_bytes(),
        name: None,
        case: None,
    };
    let mut next = Some(tokio::spawn(crate::BatchImporter::prepare(request(0))));
    for n in 0..spec.sources {
        progress("importing", n, spec.sources);
        let prepared = next
            .take()
            .expect("a file is always being prepared")
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??;
        if n + 1 < spec.sources {
            next = Some(tokio::spawn(crate::BatchImporter::prepare(request(n + 1))));
        }
        match importer.commit(actor, prepared).await? {
            ImportOutcome::Imported { source, .. } => sources.push(*source),
            ImportOutcome::Duplicate { existing } => {
                return Err(AppError::Internal(format!(
                    "synthetic text {n} duplicates {existing}"
                )))
            }
        }
    }
    let import_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    for (n, text) in texts.iter().enumerate() {
        let doc = axial_formats::import::import_document(&format!("t{n:04}.txt"), text.as_bytes())?;
        let hash = crate::sources::content_hash(&doc.text);
        let loaded = crate::LoadedText::new(std::sync::Arc::from(doc.text.as_str()));
        std::hint::black_box((hash, loaded.char_len()));
    }
    let parse_seconds = t.elapsed().as_secs_f64();

    // Codebook and codings: code 0 gets exactly 5,000 codings (the retrieval
    // benchmark); the rest are spread over the other codes.
    let mut cs = ChangeSet::new(
        Some(project.id),
        actor.id(),
        Action::CodeCreate,
        format!("{} synthetic codes", spec.codes),
    );
    let codes: Vec<Code> = (0..spec.codes)
        .map(|i| Code {
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
        })
        .collect();
    for c in &codes {
        cs.push(Op::insert(Entity::Code(c.clone())));
    }
    app.store().commit(cs).await?;
    let mut rng = Rng::new(spec.seed ^ 0xC0DE);
    let t = Instant::now();
    let batch = 2000;
    let mut made = 0;
    while made < spec.codings {
        progress("coding", made, spec.codings);
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CodingApply,
            "synthetic codings",
        );
        for k in made..(made + batch).min(spec.codings) {
            let code = if k < 5000.min(spec.codings / 2) {
                &codes[0]
            } else {
                &codes[1 + rng.below(spec.codes as u64 - 1) as usize]
            };
            let s = &sources[rng.below(sources.len() as u64) as usize];
            let len = 20 + rng.below(400) as u32;
            let start = rng.below((s.char_len.saturating_sub(len)).max(1) as u64) as u32;
            let span = Span::new(start, (start + len).min(s.char_len), s.char_len)?;
            cs.push(Op::insert(Entity::Coding(Coding {
                id: CodingId::new(),
                project: project.id,
                source: s.id,
                code: code.id,
                span,
                coder: actor.id(),
                created_at: axial_core::now(),
                version: Version::FIRST,
            })));
        }
        made += cs.ops.len();
        app.store().commit(cs).await?;
    }
    let apply_codings_seconds = t.elapsed().as_secs_f64();

    // Warm the text cache, then time search against a plain memory scan.
    for s in &sources {
        app.text(s).await?;
    }
    progress("searching", 0, 1);
    let needle = "quality";
    let (memory_scan, _) = time_runs(runs, || async {
        let mut n = 0usize;
        for t in &texts {
            n += memchr_count(t.as_bytes(), b'q');
        }
        Ok(n)
    })
    .await?;
    let q = SearchQuery {
        pattern: format!("{needle}\\s+\\w+"),
        regex: true,
        ignore_case: false,
        context: 0,
        limit: 0,
        sources: vec![],
    };
    let (search, hits) = time_runs(runs, || app.search(&project, &q)).await?;

    progress("retrieving segments", 0, 1);
    let sq = SegmentQuery {
        codes: vec![codes[0].id],
        ..Default::default()
    };
    let (segments_5000, segs) = time_runs(runs, || app.segments(&project, &sq)).await?;

    progress("applying single codings", 0, 1);
    let mut k = 0u32;
    let (apply_one_coding, _) = time_runs(runs, || {
        k += 1;
        let s = sources[k as usize % sources.len()].clone();
        let code = codes[1].clone();
        let project = project.clone();
        async move {
            app.apply_code(
                actor,
                &project,
                &code,
                std::slice::from_ref(&s),
                &crate::ApplyTarget::Span {
                    start: k,
                    end: k + 17,
                },
            )
            .await
        }
    })
    .await?;

    let report = BenchReport {
        corpus: spec,
        text_bytes,
        import_seconds,
        import_mb_per_s: text_bytes as f64 / 1e6 / import_seconds.max(1e-9),
        parse_mb_per_s: text_bytes as f64 / 1e6 / parse_seconds.max(1e-9),
        apply_codings_seconds,
        codings_per_second: spec.codings as f64 / apply_codings_seconds.max(1e-9),
        memory_scan,
        search,
        search_hits: hits.len(),
        search_pattern: q.pattern.clone(),
        segments_5000,
        segments_count: segs.len(),
        apply_one_coding,
    };
    Ok((project, report))
}

/// Timings of REFI-QDA exchange of one project (issue 4: W2 goal ≤ 5 s each).
#[derive(Debug, Clone, Serialize)]
pub struct ExchangeBench {
    /// Snapshot, texts and writing the `.qdpx` archive in memory.
    pub export_qdpx: Timing,
    pub qdpx_bytes: u64,
    /// Reading the archive and committing it as a new project in `target`.
    pub import_qdpx: Timing,
    pub imported_codings: u64,
}

/// Times exporting `project` as `.qdpx` (`runs` times) and importing that
/// archive into `target` (`import_runs` times; pass an app over a fresh
/// database so the import is not also remapping ids). Each import adds a
/// project to `target`.
pub async fn exchange(
    app: &App,
    target: &App,
    actor: &Actor,
    project: &Project,
    runs: usize,
    import_runs: usize,
) -> Result<ExchangeBench, AppError> {
    let export = |app: &App| {
        let app = app.clone();
        let project = project.clone();
        async move {
            app.export_qdpx_bytes(&project)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))
        }
    };
    let (export_qdpx, bytes) = time_runs(runs, || export(app)).await?;
    let (import_qdpx, imported) = time_runs(import_runs, || {
        let bytes = bytes.clone();
        async move {
            target
                .import_qdpx(actor, "bench.qdpx", bytes, None, false)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))
        }
    })
    .await?;
    Ok(ExchangeBench {
        export_qdpx,
        qdpx_bytes: bytes.len() as u64,
        import_qdpx,
        imported_codings: imported.counts.codings,
    })
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
}
