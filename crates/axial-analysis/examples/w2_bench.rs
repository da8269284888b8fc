//! Times the analyses on a synthetic corpus the size of the W2 benchmark
//! (1,000 sources of about 8,000 words, 100,000 codings by two coders, 200
//! codes) and prints the timings next to their targets. Run it in release:
//!
//! ```text
//! cargo run --release -p axial-analysis --example w2_bench
//! ```

use std::time::Instant;

use axial_analysis::agreement::compare_corpus;
use axial_analysis::cooccurrence::{cooccurrence, CooccurrenceParams, Proximity};
use axial_analysis::matrix::{code_matrix, Columns, MatrixParams};
use axial_analysis::query::parse_query;
use axial_analysis::query::run_query;
use axial_analysis::{Corpus, CorpusInput};
use axial_core::{
    Case, CaseId, Code, CodeId, Coding, CodingId, Color, ContentHash, ProjectId, Source, SourceId,
    SourceKind, Span, Structure, Subject, UserId, Value, ValueId, VariableId, VariableValue,
    Version,
};

/// A small deterministic generator (64-bit LCG), so runs are comparable.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

fn main() {
    let (n_sources, per_source, n_codes, len) = (1_000usize, 100usize, 200usize, 48_000u32);
    let project = ProjectId::new();
    let coders = [UserId::new(), UserId::new()];
    let now = axial_core::now();
    let codes: Vec<Code> = (0..n_codes)
        .map(|i| Code {
            id: CodeId::new(),
            project,
            parent: None,
            name: format!("code {i}"),
            color: Color::palette(i),
            description: String::new(),
            inclusion: String::new(),
            exclusion: String::new(),
            example: String::new(),
            codable: true,
            created_by: coders[0],
            created_at: now,
            version: Version::FIRST,
        })
        .collect();
    let cases: Vec<Case> = (0..100)
        .map(|i| Case {
            id: CaseId::new(),
            project,
            name: format!("P{i}"),
            description: String::new(),
            version: Version::FIRST,
        })
        .collect();
    let group = VariableId::new();
    let values: Vec<VariableValue> = cases
        .iter()
        .enumerate()
        .map(|(i, c)| VariableValue {
            id: ValueId::new(),
            project,
            variable: group,
            subject: Subject::Case(c.id),
            value: Value::Category(["nurse", "doctor", "manager", "admin"][i % 4].into()),
            version: Version::FIRST,
        })
        .collect();
    let mut rng = Lcg(7);
    let mut sources = Vec::with_capacity(n_sources);
    let mut codings = Vec::with_capacity(n_sources * per_source);
    for i in 0..n_sources {
        let paragraphs = (0..len / 800)
            .map(|p| Span::unbounded(p * 800, p * 800 + 790).expect("non-empty"))
            .collect();
        let s = Source {
            id: SourceId::new(),
            project,
            name: format!("interview {i}"),
            kind: SourceKind::Text,
            content_hash: ContentHash([0; 32]),
            char_len: len,
            imported_at: now,
            imported_by: coders[0],
            case: Some(cases[i % cases.len()].id),
            description: String::new(),
            structure: std::sync::Arc::new(Structure {
                paragraphs,
                turns: Vec::new(),
                pages: Vec::new(),
            }),
            revision_of: None,
            version: Version::FIRST,
        };
        for j in 0..per_source {
            let start = rng.next(u64::from(len - 600)) as u32;
            let code = &codes[rng.next(n_codes as u64) as usize];
            let span =
                Span::unbounded(start, start + 20 + rng.next(500) as u32).expect("non-empty");
            codings.push(Coding {
                id: CodingId::new(),
                project,
                source: s.id,
                code: code.id,
                span,
                coder: coders[j % 2],
                created_at: now,
                version: Version::FIRST,
            });
        }
        sources.push(s);
    }
    let t = Instant::now();
    let corpus = Corpus::new(CorpusInput {
        sources: &sources,
        cases: &cases,
        codes: &codes,
        codings: &codings,
        values: &values,
        sets: &[],
        texts: None,
    })
    .expect("synthetic corpus is valid");
    println!("build corpus view: {:?}", t.elapsed());
    let code_ids: Vec<CodeId> = codes.iter().map(|c| c.id).collect();

    let t = Instant::now();
    let m = code_matrix(
        &corpus,
        &MatrixParams {
            codes: code_ids.clone(),
            columns: Columns::Variable(group),
            include_descendants: false,
            count_words: false,
        },
    )
    .expect("matrix");
    println!(
        "code × attribute matrix: {:?} (target ≤ 100 ms; {} cells)",
        t.elapsed(),
        m.rows.len() * m.columns.len()
    );

    for proximity in [
        Proximity::Overlap,
        Proximity::SameParagraph,
        Proximity::Within(200),
    ] {
        let t = Instant::now();
        let c = cooccurrence(
            &corpus,
            &CooccurrenceParams {
                codes: code_ids.clone(),
                proximity,
            },
            &|_| true,
        )
        .expect("co-occurrence");
        let pairs: u64 = c.cells.iter().map(|c| c.pairs).sum();
        println!(
            "co-occurrence {proximity:?}: {:?} (target ≤ 200 ms; {pairs} pairs)",
            t.elapsed()
        );
    }

    let resolve = |n: &str| codes.iter().find(|c| c.name == n).map(|c| c.id);
    let q = parse_query(
        "(\"code 1\" NEAR 200 \"code 2\") AND NOT \"code 3\"",
        &resolve,
    )
    .expect("query parses");
    let t = Instant::now();
    let r = run_query(&corpus, &q, &|_| true);
    println!(
        "three-term query: {:?} (target ≤ 100 ms; {} hits)",
        t.elapsed(),
        r.hits.len()
    );

    let t = Instant::now();
    let a =
        compare_corpus(&corpus, &coders, &code_ids, &[90], &Default::default()).expect("agreement");
    println!(
        "two-coder agreement: {:?} (target ≤ 1 s; {} sources, {} disagreements)",
        t.elapsed(),
        a.texts.len(),
        a.texts.iter().map(|t| t.disagreements.len()).sum::<usize>()
    );
}
