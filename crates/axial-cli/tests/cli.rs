//! CLI tests: run the built `axial` binary in a temporary directory and check
//! its output, exit code and what the database holds afterwards.

use std::path::{Path, PathBuf};

mod common;
use common::Env;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../axial-formats/test_data/import")
}

/// Slices a text by code points.
fn slice(text: &str, start: u64, end: u64) -> String {
    text.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect()
}

#[test]
fn demo_segments_quote_the_source_text_exactly() {
    let env = Env::new();
    env.ok(&["demo"]);
    // Running it again finds the project instead of making a second one.
    let again = env.ok(&["demo"]);
    assert!(again.contains("already here"), "{again}");
    let codes = env.json(&["code", "list"]);
    let code = codes
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["codable"].as_bool() == Some(true))
        .max_by_key(|c| c["codings"].as_u64())
        .expect("a used code");
    let name = code["name"].as_str().unwrap();
    let segs = env.json(&["segments", name]);
    let segs = segs.as_array().unwrap();
    assert_eq!(segs.len() as u64, code["codings"].as_u64().unwrap());
    assert!(segs.len() > 20, "the demo's busiest code has many segments");
    let mut texts = std::collections::HashMap::new();
    for s in segs {
        let source = s["source"].as_str().unwrap().to_string();
        let text = texts.entry(source.clone()).or_insert_with(|| {
            env.json(&["show", &source])["text"]
                .as_str()
                .unwrap()
                .to_string()
        });
        assert_eq!(
            s["text"].as_str().unwrap(),
            slice(
                text,
                s["start"].as_u64().unwrap(),
                s["end"].as_u64().unwrap()
            )
        );
        let label = s["attribution"].as_str().unwrap();
        assert!(label.starts_with('(') && label.ends_with(')'), "{label}");
    }
    // Interview segments carry participant and staff group.
    assert!(segs.iter().any(|s| {
        let l = s["attribution"].as_str().unwrap();
        l.starts_with("(Interviewee ") && l.contains(", ")
    }));
    // Filtering by an attribute keeps only that group.
    let group = segs
        .iter()
        .find_map(|s| s["attributes"]["staff group"].as_str())
        .unwrap()
        .to_string();
    let filtered = env.json(&["segments", name, "--where", &format!("staff group={group}")]);
    let filtered = filtered.as_array().unwrap();
    assert!(!filtered.is_empty() && filtered.len() < segs.len());
    assert!(filtered
        .iter()
        .all(|s| s["attributes"]["staff group"] == group.as_str()));
}

#[test]
fn folder_import_keeps_going_past_a_corrupt_file() {
    let env = Env::new();
    env.ok(&["project", "new", "Study"]);
    let dir = env.path().join("inbox");
    std::fs::create_dir_all(&dir).unwrap();
    let good = [
        "interview.txt",
        "notes.md",
        "page.html",
        "interview.docx",
        "interview.odt",
        "interview.rtf",
        "report.pdf",
        "interview.vtt",
        "interview.srt",
        "survey.csv",
        "survey.xlsx",
    ];
    for f in good {
        std::fs::copy(fixtures().join(f), dir.join(f)).unwrap_or_else(|e| panic!("copy {f}: {e}"));
    }
    std::fs::copy(fixtures().join("truncated.docx"), dir.join("broken.docx")).unwrap();
    let out = env.run(&["import", "inbox"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "a failed file makes the exit code non-zero"
    );
    assert!(
        stderr.contains("broken.docx"),
        "the corrupt file is named:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("failed 1"), "{stdout}");
    let sources = env.json(&["sources"]);
    let kinds: std::collections::BTreeSet<&str> = sources
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    for k in [
        "text", "markdown", "html", "docx", "odt", "rtf", "pdf", "vtt", "srt", "csv", "xlsx",
    ] {
        assert!(kinds.contains(k), "a {k} source was imported: {kinds:?}");
    }
    // Importing the same folder again skips every duplicate.
    let again = env.run(&["import", "inbox/interview.txt"]);
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("duplicate"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}

#[test]
fn undo_reverts_a_merge_completely_and_redo_repeats_it() {
    let env = Env::new();
    env.ok(&["project", "new", "Study"]);
    env.write(
        "a.txt",
        "Interviewer: How is it?\n\nP01: We never have enough time, and the café is closed 😀.\n"
            .as_bytes(),
    );
    env.ok(&["import", "a.txt"]);
    env.ok(&["code", "new", "time pressure"]);
    env.ok(&["code", "new", "workload"]);
    env.ok(&["code", "new", "rushed", "--parent", "time pressure"]);
    env.ok(&[
        "code",
        "apply",
        "time pressure",
        "--source",
        "a",
        "--match",
        "enough time",
    ]);
    env.ok(&[
        "code", "apply", "workload", "--source", "a", "--span", "25..60",
    ]);
    env.ok(&[
        "code",
        "apply",
        "time pressure",
        "--source",
        "a",
        "--span",
        "25..60",
    ]);
    env.ok(&[
        "memo",
        "new",
        "On time",
        "--type",
        "code",
        "--code",
        "time pressure",
        "--body",
        "Time is *scarce*.",
    ]);
    let before_codes = env.json(&["code", "list"]);
    let before_segments = env.json(&["segments", "workload"]);
    let preview = env.json(&["code", "merge", "time pressure", "workload", "--dry-run"]);
    assert_eq!(preview["codings_moved"], 1);
    assert_eq!(
        preview["codings_dropped"], 1,
        "the identical span is not duplicated"
    );
    assert_eq!(
        env.json(&["code", "list"]),
        before_codes,
        "a dry run changes nothing"
    );
    env.ok(&["code", "merge", "time pressure", "workload"]);
    let merged = env.json(&["code", "list"]);
    assert!(merged
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["name"] != "time pressure"));
    assert_eq!(
        env.json(&["segments", "workload"])
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let memo = env.json(&["memo", "show", "On time"]);
    assert_eq!(memo["links"].as_array().unwrap().len(), 1);
    env.ok(&["undo"]);
    let mut after_undo = env.json(&["code", "list"]);
    let mut before = before_codes.clone();
    // Versions are not part of the listing; the listing must be identical.
    assert_eq!(std::mem::take(&mut after_undo), std::mem::take(&mut before));
    assert_eq!(env.json(&["segments", "workload"]), before_segments);
    let tp = env.json(&["segments", "time pressure"]);
    assert_eq!(tp.as_array().unwrap().len(), 2);
    env.ok(&["redo"]);
    assert!(env
        .json(&["code", "list"])
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["name"] != "time pressure"));
    let hist = env.json(&["history"]);
    assert_eq!(hist[0]["action"], "redo");
    assert_eq!(hist[1]["action"], "undo");
}

#[test]
fn bad_input_is_refused_clearly_and_changes_nothing() {
    let env = Env::new();
    env.ok(&["project", "new", "Study"]);
    env.write("a.txt", b"Interviewer: hello\n\nP01: Zo\xc3\xab here.\n");
    env.ok(&["import", "a.txt"]);
    env.ok(&["code", "new", "greeting"]);
    let n = env.changes();

    let e = env.fails(&["import", "missing.txt"]);
    assert!(
        e.contains("missing.txt") && e.contains("no such file"),
        "{e}"
    );
    let e = env.fails(&[
        "code", "apply", "greeting", "--source", "a", "--span", "5..500",
    ]);
    assert!(e.contains("ends after the end of the text"), "{e}");
    let e = env.fails(&[
        "code", "apply", "greeting", "--source", "a", "--span", "9..3",
    ]);
    assert!(e.contains("reversed"), "{e}");
    let e = env.fails(&[
        "code",
        "apply",
        "nosuchcode",
        "--source",
        "a",
        "--span",
        "0..3",
    ]);
    assert!(e.contains("no code named 'nosuchcode'"), "{e}");
    let e = env.fails(&[
        "code", "apply", "greeting", "--source", "nosuch", "--span", "0..3",
    ]);
    assert!(e.contains("no source named 'nosuch'"), "{e}");
    let e = env.fails(&["code", "new", "greeting"]);
    assert!(e.contains("already exists"), "{e}");
    let e = env.fails(&[
        "code",
        "apply",
        "greeting",
        "--source",
        "a",
        "--match",
        "(unclosed",
    ]);
    assert!(e.contains("regular expression"), "{e}");
    env.write("empty.txt", b"");
    let e = env.fails(&["import", "empty.txt"]);
    assert!(e.contains("empty.txt") && e.contains("empty"), "{e}");
    env.write("blob.bin", &[0u8, 1, 2, 3, 0, 159, 146, 150]);
    assert!(!env.run(&["import", "blob.bin"]).status.success());
    std::fs::copy(fixtures().join("random.pdf"), env.path().join("random.pdf")).unwrap();
    assert!(!env.run(&["import", "random.pdf"]).status.success());
    // A file over the size limit is refused before it is read (sparse file).
    let big = std::fs::File::create(env.path().join("huge.txt")).unwrap();
    big.set_len(axial_app::MAX_IMPORT_BYTES + 1).unwrap();
    let e = env.fails(&["import", "huge.txt"]);
    assert!(e.contains("huge.txt") && e.contains("limit"), "{e}");
    // Deleting a used code needs --force.
    env.ok(&[
        "code", "apply", "greeting", "--source", "a", "--match", "hello",
    ]);
    let n = n + 1;
    let e = env.fails(&["code", "delete", "greeting"]);
    assert!(e.contains("--force") && e.contains("1 coding"), "{e}");
    assert_eq!(
        env.changes(),
        n,
        "failed commands left the database unchanged"
    );
}

#[test]
fn several_projects_need_a_choice() {
    let env = Env::new();
    let e = env.fails(&["sources"]);
    assert!(e.contains("axial project new"), "{e}");
    env.ok(&["project", "new", "One"]);
    env.ok(&["project", "new", "Two"]);
    let e = env.fails(&["sources"]);
    assert!(
        e.contains("--project") && e.contains("One") && e.contains("Two"),
        "{e}"
    );
    env.ok(&["--project", "Two", "sources"]);
    let e = env.fails(&["project", "new", "one"]);
    assert!(e.contains("already exists"), "{e}");
}

#[test]
fn show_marks_codings_and_numbers_lines() {
    let env = Env::new();
    env.ok(&["project", "new", "Study"]);
    env.write(
        "a.txt",
        "Interviewer: first line\nP01: שלום and 😀 here\nlast line\n".as_bytes(),
    );
    env.ok(&["import", "a.txt"]);
    env.ok(&["code", "new", "greeting"]);
    env.ok(&[
        "code", "apply", "greeting", "--source", "a", "--lines", "2-2",
    ]);
    let out = env.ok(&["show", "a", "--lines"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    assert!(
        lines[1].starts_with("2 │ P01: שלום and 😀 here") && lines[1].ends_with("◂ greeting"),
        "{out}"
    );
    assert!(!lines[0].contains('◂') && !lines[2].contains('◂'), "{out}");
    let seg = env.json(&["segments", "greeting"]);
    assert_eq!(seg[0]["text"], "P01: שלום and 😀 here");
    assert_eq!(seg[0]["first_line"], 2);
}

#[test]
fn search_reports_code_point_spans() {
    let env = Env::new();
    env.ok(&["project", "new", "Study"]);
    env.write("a.txt", "😀 Quality matters.\nquality again\n".as_bytes());
    env.ok(&["import", "a.txt"]);
    let hits = env.json(&["search", "quality", "--ignore-case"]);
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!(hits[0]["start"], 2, "the emoji counts as one code point");
    assert_eq!(hits[0]["end"], 9);
    assert_eq!(hits[1]["line"], 2);
    let hits = env.json(&["search", "qual[a-z]+ m", "--regex"]);
    assert_eq!(
        hits.as_array().unwrap().len(),
        0,
        "case-sensitive by default"
    );
}

#[test]
fn attribute_sheet_creates_typed_variables_and_values() {
    let env = Env::new();
    env.ok(&["project", "new", "Study"]);
    env.write("interview-01.txt", b"Interviewer: hello\n\nP01: hi\n");
    env.write(
        "interview-02.txt",
        b"Interviewer: hello again\n\nP02: hi there\n",
    );
    env.write(
        "participants.csv",
        "case,staff group,years,interviewed\n01,nurse,3,2024-02-01\n02,GP,12,2024-03-15\n03,nurse,1,2024-04-02\n04,GP,7,2024-05-20\n"
            .as_bytes(),
    );
    env.ok(&[
        "import",
        "interview-01.txt",
        "interview-02.txt",
        "--case-from",
        r"interview-(\d+)",
        "--attributes",
        "participants.csv",
    ]);
    let vars = env.json(&["attr", "list"]);
    let kind = |name: &str| {
        vars.as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == name)
            .unwrap_or_else(|| panic!("variable {name} in {vars}"))["kind"]["type"]
            .clone()
    };
    assert_eq!(kind("staff group"), "category");
    assert_eq!(kind("years"), "integer");
    assert_eq!(kind("interviewed"), "date");
    let cases = env.json(&["case", "list"]);
    let one = cases
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "01")
        .expect("case 01");
    assert_eq!(one["attributes"]["staff group"], "nurse");
    assert_eq!(one["attributes"]["years"], "3");
    assert_eq!(one["sources"][0], "interview-01");
    // A value that does not fit its variable is refused, naming line and column.
    env.write("bad.csv", b"case,years\n01,many\n");
    let e = env.fails(&["attr", "import", "bad.csv"]);
    assert!(e.contains("line 2") && e.contains("years"), "{e}");
}
