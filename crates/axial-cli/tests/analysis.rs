//! CLI tests of the analysis verbs and reports: run the built `axial` binary
//! on the demo study in a temporary directory and check that the analyses
//! show what the study design implies, and that report files open.

use std::path::Path;
use std::process::Command;

mod common;
use common::{run_in, Env};
use std::sync::OnceLock;

use serde_json::Value;

/// One demo database shared by the tests (they only read it, apart from the
/// saved-query test which adds a memo); each test copies it to its own dir.
fn demo_db() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let out = run_in(dir.path(), &["demo"]);
        assert!(
            out.status.success(),
            "axial demo failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    })
    .path()
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("a number, got {v}"))
}

#[test]
fn matrix_shows_efficiency_pressure_more_among_front_line_groups_than_senior_managers() {
    let env = Env::with_copy_of(demo_db());
    let m = env.json(&[
        "matrix",
        "Efficiency pressure",
        "Personal standards",
        "--by",
        "staff group",
        "--percent",
        "column",
    ]);
    let columns: Vec<&str> = m["columns"]
        .as_array()
        .expect("columns")
        .iter()
        .map(|c| c.as_str().expect("label"))
        .collect();
    let col = |name: &str| {
        columns
            .iter()
            .position(|c| *c == name)
            .unwrap_or_else(|| panic!("no column {name} in {columns:?}"))
    };
    assert_eq!(m["rows"][0], "Efficiency pressure");
    let pct = &m["percentages"][0];
    let senior = f(&pct[col("senior manager")]);
    for front in ["front line clinician", "non-clinical front line staff"] {
        assert!(
            f(&pct[col(front)]) > senior,
            "{front} {} vs senior manager {senior}",
            pct[col(front)]
        );
    }
    // The raw counts behind it are there, and the text says what was counted.
    assert!(f(&m["values"][0][col("front line clinician")]) > 0.0);
    let text = env.ok(&[
        "matrix",
        "Efficiency pressure",
        "--by",
        "staff group",
        "--csv",
        "m.csv",
    ]);
    assert!(
        text.contains("code × staff group matrix: segments"),
        "{text}"
    );
    let csv = std::fs::read_to_string(env.file("m.csv")).expect("the CSV file");
    assert!(
        csv.starts_with("code,clinical manager,front line clinician"),
        "{csv}"
    );
}

#[test]
fn saturation_finds_few_new_codes_late_and_prints_the_guest_table() {
    let env = Env::with_copy_of(demo_db());
    let s = env.json(&[
        "saturation",
        "--base",
        "4",
        "--run",
        "2",
        "--threshold",
        "5%",
    ]);
    let acc = s["report"]["accumulation"]
        .as_array()
        .expect("accumulation");
    assert_eq!(acc.len(), 21, "the 21 interviews");
    let late: u64 = acc[acc.len() - 6..]
        .iter()
        .map(|r| r["new"].as_u64().expect("new"))
        .sum();
    let early: u64 = acc[..3]
        .iter()
        .map(|r| r["new"].as_u64().expect("new"))
        .sum();
    assert!(late <= 2, "last six interviews add {late} codes");
    assert!(early > late, "first three add {early}, last six {late}");
    let g = &s["report"]["guest"][0];
    assert_eq!(g["params"]["base"], 4);
    assert_eq!(g["params"]["run"], 2);
    assert!(!g["runs"].as_array().expect("runs").is_empty());
    let text = env.ok(&["saturation", "--svg", "sat.svg"]);
    assert!(
        text.contains("Guest, Namey & Chen (2020): base 4, run 2, threshold ≤5%"),
        "{text}"
    );
    assert!(text.contains("Chao2") && text.contains("Galvin"), "{text}");
    let svg = std::fs::read_to_string(env.file("sat.svg")).expect("the SVG");
    assert!(svg.starts_with("<svg"), "{svg}");
}

#[test]
fn negative_cases_find_interviewee_13_for_efficiency_pressure() {
    let env = Env::with_copy_of(demo_db());
    let n = env.json(&["negative", "Efficiency pressure", "--set", "Interviews"]);
    let cases: Vec<&str> = n["cases_without"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| c.as_str().expect("name"))
        .collect();
    assert!(cases.contains(&"Interviewee 13"), "{cases:?}");
    assert!(!cases.contains(&"Interviewee 01"), "{cases:?}");
    assert_eq!(n["sources_searched"], 21);
}

#[test]
fn agreement_between_the_two_coders_is_partial_and_lists_disagreements() {
    let env = Env::with_copy_of(demo_db());
    let a = env.json(&[
        "agreement",
        "--coders",
        "researcher,second coder",
        "--codes",
        "Not enough time",
    ]);
    let kappa = f(&a["report"]["codes"][0]["pairs"][0]["pooled"]["cohen_kappa"]);
    assert!(kappa > 0.0 && kappa < 1.0, "kappa {kappa}");
    let alpha = f(&a["report"]["codes"][0]["pooled"]["krippendorff_alpha"]);
    assert!(alpha > 0.0 && alpha < 1.0, "alpha {alpha}");
    let d = a["disagreements"].as_array().expect("disagreements");
    assert!(!d.is_empty());
    assert!(!d[0]["text"].as_str().expect("text").is_empty());
    assert_eq!(
        d[0]["coded_by"].as_array().expect("coded by").len()
            + d[0]["not_coded_by"].as_array().expect("not").len(),
        2
    );
    let text = env.ok(&["agreement", "--coders", "researcher,second coder"]);
    for part in [
        "kappa",
        "alpha-U",
        "segment agreement (MAXQDA, overlap ≥ 50%",
        "disagreements (",
    ] {
        assert!(text.contains(part), "{part} missing in {text}");
    }
}

#[test]
fn near_query_returns_attributed_segments_and_can_be_saved() {
    let env = Env::with_copy_of(demo_db());
    let expr = "\"Not enough time\" NEAR 200 \"Guilt when standards slip\"";
    let q = env.json(&[
        "query",
        expr,
        "--where",
        "staff group=front line clinician",
        "--save",
        "time and guilt",
    ]);
    let segs = q["segments"].as_array().expect("segments");
    assert!(!segs.is_empty(), "{q}");
    for s in segs {
        assert!(
            s["attribution"]
                .as_str()
                .expect("attribution")
                .ends_with(", front line clinician)"),
            "{s}"
        );
        assert!(!s["text"].as_str().expect("text").is_empty());
    }
    let again = env.json(&["query", "--saved", "time and guilt"]);
    assert_eq!(
        again["segments"].as_array().expect("segments").len(),
        segs.len()
    );
    assert_eq!(again["restriction"], q["restriction"]);
    let wider = env.json(&["query", expr]);
    assert!(wider["segments"].as_array().expect("segments").len() > segs.len());
}

#[test]
fn theme_report_docx_opens_in_libreoffice_and_segments_xlsx_reads_back() {
    use calamine::{Data, Reader, Xlsx};
    let env = Env::with_copy_of(demo_db());
    env.ok(&[
        "report",
        "themes",
        "--codes",
        "Efficiency pressure,Personal standards",
        "--format",
        "docx",
        "--out",
        "themes.docx",
    ]);
    let html_out = env.ok(&[
        "report",
        "themes",
        "--codes",
        "Efficiency pressure",
        "--out",
        "themes.html",
    ]);
    assert!(html_out.contains("themes.html"));
    let html = std::fs::read_to_string(env.file("themes.html")).expect("the HTML");
    assert!(
        // Which quotes are picked depends on the (random) ids of the demo's
        // sources; every quote carries "(Interviewee NN, staff group)".
        html.contains("<svg")
            && regex::Regex::new(r"\(Interviewee \d\d, [a-z -]+\)</footer>")
                .expect("valid pattern")
                .is_match(&html),
        "HTML report lacks a chart or an attributed quote"
    );
    let out = Command::new("libreoffice")
        .args(["--headless", "--convert-to", "pdf", "--outdir"])
        .arg(env.path())
        .arg(env.file("themes.docx"))
        .env("HOME", env.path())
        .output()
        .expect("libreoffice is installed (apt-get install libreoffice-writer-nogui)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pdf = std::fs::read(env.file("themes.pdf")).expect("LibreOffice wrote a PDF");
    assert!(pdf.starts_with(b"%PDF"));

    env.ok(&[
        "report",
        "segments",
        "--code",
        "Efficiency pressure",
        "--out",
        "segments.xlsx",
    ]);
    let expected = env.json(&["segments", "Efficiency pressure", "--children"]);
    let n = expected.as_array().expect("segments").len();
    let mut wb: Xlsx<_> =
        calamine::open_workbook(env.file("segments.xlsx")).expect("an XLSX workbook");
    let sheet = wb.sheet_names()[0].clone();
    let range = wb.worksheet_range(&sheet).expect("the sheet");
    assert_eq!(range.height(), n + 1, "header plus one row per segment");
    let header: Vec<String> = range
        .rows()
        .next()
        .expect("header")
        .iter()
        .map(|c| c.to_string())
        .collect();
    for col in [
        "source",
        "case",
        "staff group",
        "code path",
        "coder",
        "start",
        "end",
        "text",
        "attribution",
    ] {
        assert!(
            header.iter().any(|h| h == col),
            "{col} missing in {header:?}"
        );
    }
    let path_col = header
        .iter()
        .position(|h| h == "code path")
        .expect("code path column");
    let row = range.rows().nth(1).expect("a first segment");
    assert!(
        matches!(&row[path_col], Data::String(s) if s.starts_with("Efficiency pressure/")),
        "{:?}",
        row[path_col]
    );

    env.ok(&["report", "codebook", "--out", "codebook.md"]);
    let md = std::fs::read_to_string(env.file("codebook.md")).expect("the codebook");
    assert!(
        md.contains("Efficiency pressure/Not enough time") && md.contains("**Definition:**"),
        "{md}"
    );
}
