//! Benchmark helpers: a generated long transcript, spread-out coding spans,
//! and a timing of the coded-layout request through the real router (so the
//! figure includes routing, the layout, and JSON encoding). The CLI's
//! `axial bench` and the test server call these; nothing here runs in a
//! normal request.

use std::time::{Duration, Instant};

use axial_app::{App, ImportOutcome, ImportRequest};
use axum::body::Body;
use axum::http::Request;
use tower::ServiceExt;

use crate::{router, ServerConfig};

const WORDS: &[&str] = &[
    "the",
    "practice",
    "patients",
    "we",
    "always",
    "targets",
    "time",
    "really",
    "quality",
    "care",
    "nurse",
    "felt",
    "because",
    "system",
    "audit",
    "pressure",
    "listen",
    "team",
    "manager",
    "week",
    "data",
    "said",
    "never",
    "trust",
    "paperwork",
    "café",
    "naïve",
    "rôle",
    "😀",
    "and",
    "of",
    "to",
    "it",
    "was",
    "just",
    "about",
];

/// A deterministic interview transcript of about `chars` code points:
/// alternating "Interviewer:" and "Participant:" turns, one per line, with
/// some accented letters and an emoji so UTF-16 offsets differ from code points.
pub fn long_transcript(chars: usize) -> String {
    let mut out = String::with_capacity(chars + 200);
    let mut n = 0usize;
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut turn = 0usize;
    while n < chars {
        let speaker = if turn.is_multiple_of(2) {
            "Interviewer: "
        } else {
            "Participant: "
        };
        out.push_str(speaker);
        n += speaker.len();
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let words = 8 + (seed % 90) as usize;
        for w in 0..words {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let word = WORDS[(seed % WORDS.len() as u64) as usize];
            if w > 0 {
                out.push(' ');
                n += 1;
            }
            out.push_str(word);
            n += word.chars().count();
        }
        out.push_str(".\n");
        n += 2;
        turn += 1;
    }
    out
}

/// `count` spans `[start, end)` spread over a text of `len` code points,
/// 20 to 400 characters long, some overlapping.
pub fn coding_spans(len: u32, count: usize) -> Vec<(u32, u32)> {
    let step = (len as usize / count.max(1)).max(1);
    (0..count)
        .map(|i| {
            let start = (i * step) as u32 % len.max(1);
            let width = 20 + (i as u32 * 37) % 380;
            (start, (start + width).min(len).max(start + 1))
        })
        .filter(|(a, b)| a < b && *b <= len)
        .collect()
}

/// Timings of the coded-layout request for a whole source.
#[derive(Debug, Clone)]
pub struct LayoutTiming {
    pub chars: u32,
    pub codings: usize,
    pub runs: usize,
    pub best: Duration,
    pub median: Duration,
    pub bytes: usize,
}

/// Builds a project holding one `chars`-long transcript with `codings`
/// codings in `app`, then times `GET …/layout` of the whole source `runs`
/// times (after one warm-up that loads the text cache).
pub async fn measure_layout(
    app: &App,
    chars: usize,
    codings: usize,
    runs: usize,
) -> Result<LayoutTiming, String> {
    let err = |e: axial_app::AppError| e.to_string();
    let actor = app.local_user("bench").await.map_err(err)?;
    let project = app
        .create_project(
            &actor,
            &format!("layout bench {}", uuid::Uuid::new_v4().simple()),
            "",
        )
        .await
        .map_err(err)?;
    let text = long_transcript(chars);
    let req = ImportRequest {
        file_name: "bench.txt".into(),
        bytes: text.into_bytes(),
        name: None,
        case: None,
    };
    let ImportOutcome::Imported { source, .. } = app
        .import_document(&actor, &project, req)
        .await
        .map_err(err)?
    else {
        return Err("the bench transcript was a duplicate".into());
    };
    let mut codes = Vec::new();
    for i in 0..10 {
        codes.push(
            app.create_code(
                &actor,
                &project,
                &format!("theme {i}"),
                None,
                None,
                "",
                true,
            )
            .await
            .map_err(err)?,
        );
    }
    let spans = coding_spans(source.char_len, codings);
    for (i, code) in codes.iter().enumerate() {
        let mine = spans
            .iter()
            .skip(i)
            .step_by(codes.len())
            .map(|&(a, b)| {
                axial_core::Span::new(a, b, source.char_len)
                    .map(|s| (axial_core::Source::clone(&source), s))
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.to_string())?;
        app.apply_spans(&actor, &project, code, mine)
            .await
            .map_err(err)?;
    }
    let router = router(app.clone(), ServerConfig::default());
    let uri = format!(
        "/api/v1/projects/{}/sources/{}/layout",
        project.id, source.id
    );
    let mut times = Vec::with_capacity(runs);
    let mut bytes = 0;
    for i in 0..=runs {
        let req = Request::get(&uri)
            .body(Body::empty())
            .map_err(|e| e.to_string())?;
        let t = Instant::now();
        let resp = router
            .clone()
            .oneshot(req)
            .await
            .map_err(|e| e.to_string())?;
        let body = axum::body::to_bytes(resp.into_body(), usize::MAX)
            .await
            .map_err(|e| e.to_string())?;
        let dt = t.elapsed();
        bytes = body.len();
        if i > 0 {
            times.push(dt);
        }
    }
    times.sort();
    Ok(LayoutTiming {
        chars: source.char_len,
        codings: spans.len(),
        runs,
        best: times.first().copied().unwrap_or_default(),
        median: times.get(times.len() / 2).copied().unwrap_or_default(),
        bytes,
    })
}
