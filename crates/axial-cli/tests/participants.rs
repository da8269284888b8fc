//! `axial participant|study|sampling|quote …` on the demo study: the
//! register, the sampling matrix and decisions, quotes and their status,
//! member-check packs (DOCX unzipped and read), the approved-only theme
//! report, and withdrawal with its refusals.

mod common;

use std::io::Read;

use common::Env;
use serde_json::Value;

fn demo() -> Env {
    let env = Env::new();
    env.ok(&["demo"]);
    env
}

/// The text of `[start, end)` (code points) of a source.
fn slice(text: &str, start: u64, end: u64) -> String {
    text.chars()
        .skip(start as usize)
        .take((end - start) as usize)
        .collect()
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The text of a DOCX file's document part with the XML entities read.
fn docx_text(path: &std::path::Path) -> String {
    let f = std::fs::File::open(path).expect("the pack exists");
    let mut zip = zip::ZipArchive::new(f).expect("the pack is a zip file");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("a document part")
        .read_to_string(&mut xml)
        .expect("utf-8");
    xml.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

#[test]
fn register_sampling_and_study_on_the_demo() {
    let env = demo();
    let list = env.json(&["participant", "list"]);
    let list = list.as_array().expect("an array");
    assert_eq!(list.len(), 21);
    let p11 = list
        .iter()
        .find(|p| p["label"] == "Interviewee 11")
        .expect("Interviewee 11");
    assert_eq!(p11["consent"]["archiving"], false);
    assert_eq!(p11["consent"]["quotes"], true);
    assert_eq!(p11["status"], "interviewed");
    assert_eq!(p11["sources"][0], "interview-11");
    assert!(env.ok(&["participant", "list"]).contains("Interviewee 21"));

    let m = env.json(&["sampling", "matrix"]);
    assert_eq!(m["rows"].as_array().expect("rows").len(), 5);
    assert_eq!(m["total"]["interviewed"], 21);
    assert_eq!(m["total"]["still_needed"], 1);
    assert!(env.ok(&["sampling", "matrix"]).contains("still needed"));
    let t = env.json(&["sampling", "target", "front line clinician", "9"]);
    assert_eq!(t["target"], 9);
    let m = env.json(&["sampling", "matrix"]);
    let flc = &m["rows"][0];
    assert_eq!(flc["group"], "front line clinician");
    assert_eq!(
        flc["still_needed"].as_u64(),
        Some(9 - flc["consented"].as_u64().expect("consented"))
    );

    let d = env.json(&[
        "sampling",
        "decide",
        "Recruit two more GPs",
        "--reason",
        "GP partners are under-represented",
        "--date",
        "2024-02-20",
    ]);
    assert_eq!(d["date"], "2024-02-20");
    assert_eq!(d["recorded_by"], "tester");
    assert_eq!(
        env.json(&["sampling", "decisions"])
            .as_array()
            .expect("decisions")
            .len(),
        3
    );
    let changes = env.changes();
    assert!(env
        .fails(&["sampling", "decide", "Stop", "--reason", "  "])
        .contains("--reason"));
    assert_eq!(env.changes(), changes);

    let s = env.json(&["study", "show"]);
    assert!(s["ethics_reference"]
        .as_str()
        .expect("a reference")
        .contains("UREC"));
    let s = env.json(&["study", "set", "--sheet", "2.0:2024-03-01"]);
    assert_eq!(s["information_sheets"].as_array().expect("sheets").len(), 3);
    assert!(env
        .fails(&["study", "set", "--sheet", "2.0"])
        .contains("VERSION:YYYY-MM-DD"));

    // A new participant; bad input changes nothing.
    let changes = env.changes();
    assert!(env
        .fails(&[
            "participant",
            "add",
            "Interviewee 22",
            "--consented",
            "2024-13-01"
        ])
        .contains("not a date"));
    assert!(env
        .fails(&["participant", "add", "interviewee 07"])
        .contains("already has a participant"));
    assert!(env
        .fails(&["participant", "add", "Interviewee 22", "--status", "maybe"])
        .contains("unknown participant status"));
    assert_eq!(env.changes(), changes);
    let p = env.json(&[
        "participant",
        "add",
        "Interviewee 22",
        "--group",
        "senior manager",
        "--recruited",
        "2024-03-02",
    ]);
    assert_eq!(p["status"], "invited");
    assert_eq!(p["case"], Value::Null);
    let p = env.json(&[
        "participant",
        "edit",
        "Interviewee 22",
        "--status",
        "consented",
        "--quotes",
        "yes",
        "--archiving",
        "no",
        "--consent-form",
        "1.1",
        "--consented",
        "2024-03-05",
    ]);
    assert_eq!(p["status"], "consented");
    assert_eq!(p["consent"]["quotes"], true);
    let show = env.ok(&["participant", "show", "Interviewee 22"]);
    assert!(
        show.contains("consented") && show.contains("2024-03-05"),
        "{show}"
    );
    let m = env.json(&["sampling", "matrix"]);
    let sm = m["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .find(|r| r["group"] == "senior manager")
        .expect("senior managers")
        .clone();
    assert_eq!(
        sm["interviewed"].as_u64().map(|n| n + 1),
        sm["consented"].as_u64()
    );
    assert!(env
        .fails(&["participant", "show", "Nobody"])
        .contains("no participant named 'Nobody'"));
}

#[test]
fn quotes_packs_and_the_approved_only_report() {
    let env = demo();
    let segs = env.json(&["segments", "Not enough time"]);
    let segs = segs.as_array().expect("segments");
    let of = |source: &str| -> Vec<&Value> {
        segs.iter()
            .filter(|s| s["source"] == source && s["coder"] == "researcher")
            .collect()
    };
    let mut others = String::new();
    for s in env.json(&["sources"]).as_array().expect("sources") {
        let name = s["name"].as_str().expect("name");
        if name != "interview-07" {
            others.push_str(env.json(&["show", name])["text"].as_str().unwrap_or(""));
        }
    }
    // Segments only interview 07 has the words of, the longest first.
    let mut mine = of("interview-07");
    mine.sort_by_key(|s| {
        let t = s["text"].as_str().expect("text").trim();
        (others.contains(t), std::cmp::Reverse(t.chars().count()))
    });
    let other = segs
        .iter()
        .find(|s| {
            s["source"] != "interview-07"
                && s["source"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("interview-"))
        })
        .expect("a segment of another interview");
    assert!(
        mine.len() >= 2,
        "interview 07 needs two segments of the code"
    );
    let add = |s: &Value, used: &str| -> Value {
        env.json(&[
            "quote",
            "add",
            s["source"].as_str().expect("source"),
            &s["start"].to_string(),
            &s["end"].to_string(),
            "--used-in",
            used,
        ])
    };
    let a = add(mine[0], "report:Final report");
    let b = add(mine[1], "report:Final report");
    let c = add(other, "report:Final report");
    assert_eq!(a["participant"], "Interviewee 07");
    assert_eq!(a["status"], "not_sent");
    assert_eq!(a["text"], mine[0]["text"]);
    let id = |q: &Value| q["id"].as_str().expect("id")[..8].to_string();

    // Status changes, with their refusals.
    let changes = env.changes();
    assert!(env
        .fails(&["quote", "status", &id(&a), "amended"])
        .contains("--amended"));
    assert!(env
        .fails(&["quote", "status", &id(&a), "maybe"])
        .contains("unknown quote status"));
    assert!(env
        .fails(&["quote", "status", "zzzzzzzz", "approved"])
        .contains("no quote named"));
    assert!(env
        .fails(&["quote", "add", "interview-07", "10", "5"])
        .contains("interview-07"));
    assert_eq!(env.changes(), changes);
    env.ok(&["participant", "edit", "Interviewee 07", "--quotes", "no"]);
    let changes = env.changes();
    assert!(env
        .fails(&["quote", "add", "interview-07", "5", "60"])
        .contains("did not consent to verbatim quotes"));
    assert_eq!(env.changes(), changes);
    env.ok(&["participant", "edit", "Interviewee 07", "--quotes", "yes"]);
    let amended = "What I mean is that time decides how well we can care.";
    let a2 = env.json(&[
        "quote",
        "status",
        &id(&a),
        "amended",
        "--amended",
        amended,
        "--note",
        "by email",
    ]);
    assert_eq!(a2["status"], "amended");
    assert_eq!(a2["note"], "by email");
    env.json(&["quote", "status", &id(&b), "sent"]);
    let c2 = env.json(&["quote", "status", &id(&c), "approved"]);
    assert_eq!(c2["status"], "approved");
    let listed = env.json(&["quote", "list", "--participant", "Interviewee 07"]);
    assert_eq!(listed.as_array().expect("list").len(), 2);
    let approved = env.json(&["quote", "list", "--status", "approved"]);
    assert_eq!(approved.as_array().expect("list").len(), 1);

    // The approved-only theme report quotes only cleared quotes.
    let out = env.file("themes.html");
    env.ok(&[
        "report",
        "themes",
        "--codes",
        "Not enough time",
        "--approved-only",
        "--quotes",
        "20",
        "--out",
        out.to_str().expect("path"),
    ]);
    let html = std::fs::read_to_string(&out).expect("report");
    let text = |v: &Value| html_escape(v["text"].as_str().expect("text").trim());
    assert!(
        html.contains(&html_escape(amended)),
        "amended wording missing"
    );
    assert!(
        !html.contains(&text(mine[0])),
        "the original of an amended quote"
    );
    assert!(!html.contains(&text(mine[1])), "a quote only sent");
    assert!(html.contains(&text(other)), "the approved quote is missing");
    assert!(html.contains("approved in member checking"));
    // Without the flag the report quotes segments as before.
    env.ok(&[
        "report",
        "themes",
        "--codes",
        "Not enough time",
        "--quotes",
        "20",
        "--out",
        out.to_str().expect("path"),
    ]);
    let html = std::fs::read_to_string(&out).expect("report");
    assert!(!html.contains(&html_escape(amended)));

    // The member-check pack: every quote with its context.
    let shown = env.json(&["show", "interview-07"]);
    let source_text = shown["text"].as_str().expect("text").to_string();
    let docx = env.file("pack.docx");
    let r = env.json(&[
        "participant",
        "pack",
        "Interviewee 07",
        "-o",
        docx.to_str().expect("path"),
    ]);
    assert_eq!(r["quotes"], 2);
    let xml = docx_text(&docx);
    for s in &mine[..2] {
        let start = s["start"].as_u64().expect("start");
        assert!(
            xml.contains(s["text"].as_str().expect("text").trim()),
            "quote missing"
        );
        // The words just before the quote, from the same turn.
        let line_start = source_text
            .chars()
            .take(start as usize)
            .collect::<String>()
            .rfind('\n')
            .map_or(0, |i| source_text[..i + 1].chars().count() as u64);
        let from = line_start.max(start.saturating_sub(30));
        let before = slice(&source_text, from, start);
        assert!(xml.contains(before.trim()), "context '{before}' missing");
    }
    assert!(xml.contains(amended), "the amended wording is shown");
    assert!(xml.contains("Final report"), "where it is used");
    assert!(xml.contains("Your response"));
    assert!(!xml.contains(other["text"].as_str().expect("text").trim()));
    let html = env.file("pack.html");
    let r = env.json(&[
        "participant",
        "pack",
        "Interviewee 07",
        "-o",
        html.to_str().expect("path"),
        "--mark-sent",
    ]);
    assert_eq!(
        r["marked_sent"], 0,
        "both quotes were already past 'not sent'"
    );
    let page = std::fs::read_to_string(&html).expect("pack");
    assert!(page.contains("class=\"response\""));
    assert!(page.contains(&text(mine[1])));
    assert!(env
        .fails(&["participant", "pack", "Interviewee 07", "-o", "pack.pdf"])
        .contains("--format docx|html"));

    // A scan finds a quotation pasted into a memo.
    let quoted = mine[0]["text"].as_str().expect("text").trim().to_string();
    assert!(quoted.chars().count() >= 40, "a long enough segment");
    env.ok(&[
        "memo",
        "new",
        "Time and care",
        "--body",
        &format!("One nurse said: \u{201c}{quoted}\u{201d}\n\nMore later."),
    ]);
    let scan = env.json(&["quote", "scan"]);
    assert!(scan["found"].as_u64().expect("found") >= 1, "{scan}");
    let again = env.json(&["quote", "list", "--participant", "Interviewee 07"]);
    let a_again = again
        .as_array()
        .expect("list")
        .iter()
        .find(|q| q["id"] == a["id"]);
    // The pasted segment is the registered quote itself: it gains the memo.
    let a_again = a_again.expect("quote a is still listed");
    assert!(
        a_again["used_in"]
            .as_array()
            .expect("uses")
            .iter()
            .any(|u| u["name"] == "Time and care"),
        "{a_again}"
    );
    assert_eq!(
        env.json(&["quote", "scan"])["created"],
        0,
        "a second scan adds nothing"
    );
}

#[test]
fn withdrawal_from_the_command_line() {
    let env = demo();
    let text = env.json(&["show", "interview-07"])["text"]
        .as_str()
        .expect("text")
        .to_string();
    let mut others = String::new();
    for s in env.json(&["sources"]).as_array().expect("sources") {
        let name = s["name"].as_str().expect("name");
        if name != "interview-07" {
            others.push_str(env.json(&["show", name])["text"].as_str().unwrap_or(""));
        }
    }
    let sentence = text
        .split_inclusive(['.', '?', '!'])
        .map(|s| s.trim().to_string())
        .filter(|s| s.chars().count() >= 40 && !s.contains(':') && !others.contains(s.as_str()))
        .max_by_key(|s| s.chars().count())
        .expect("a sentence only interview 07 has");
    env.ok(&[
        "memo",
        "new",
        "A telling answer",
        "--body",
        &format!("First.\n\nAs she said, \"{sentence}\"\n\nLast."),
    ]);

    let changes = env.changes();
    let refused = env.fails(&["participant", "withdraw", "Interviewee 07"]);
    assert!(refused.contains("add --yes"), "{refused}");
    let dry = env.json(&["participant", "withdraw", "Interviewee 07", "--dry-run"]);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["preview"]["sources"][0], "interview-07");
    assert_eq!(
        dry["preview"]["memo_passages"][0]["memo"],
        "A telling answer"
    );
    assert_eq!(env.changes(), changes, "a preview changes nothing");
    let printed = env.ok(&["participant", "withdraw", "Interviewee 07", "--dry-run"]);
    assert!(printed.contains("would remove") && printed.contains("interview-07"));

    let done = env.json(&["participant", "withdraw", "Interviewee 07", "--yes"]);
    assert_eq!(done["withdrawn"], true);
    assert!(done["preview"]["codings"].as_u64().expect("codings") > 0);
    assert!(!env.ok(&["sources"]).contains("interview-07"));
    let memo = env.json(&["memo", "show", "A telling answer"]);
    assert_eq!(
        memo["body"],
        "First.\n\n[passage removed: participant withdrew]\n\nLast."
    );
    let p = env.json(&["participant", "show", "Interviewee 07"]);
    assert_eq!(p["status"], "withdrawn");
    assert_eq!(p["consented_on"], "");
    assert_eq!(env.json(&["sampling", "matrix"])["total"]["withdrawn"], 1);
    let history = env.json(&["history"]);
    assert_eq!(history[0]["action"], "participant.withdraw");
    assert!(history[0]["summary"]
        .as_str()
        .expect("summary")
        .starts_with("withdrew Interviewee 07: 1 source, "));
    assert!(env.fails(&["undo"]).contains("cannot be undone"));
    assert!(env
        .fails(&["participant", "withdraw", "Interviewee 07", "--yes"])
        .contains("already withdrew"));
    assert!(env
        .fails(&["participant", "edit", "Interviewee 07", "--notes", "x"])
        .contains("withdrew"));
    let hits = env.json(&["search", &sentence]);
    assert_eq!(hits.as_array().expect("hits").len(), 0);

    if common::on_postgres() {
        // Every live row of the database, as pg_dump writes it.
        let pg_dump = std::fs::read_dir("/usr/lib/postgresql")
            .ok()
            .and_then(|mut d| d.next())
            .and_then(|e| e.ok())
            .map(|e| e.path().join("bin/pg_dump"))
            .filter(|p| p.exists())
            .unwrap_or_else(|| "pg_dump".into());
        let dump = std::process::Command::new(pg_dump)
            .arg(env.db())
            .output()
            .expect("pg_dump runs");
        assert!(dump.status.success(), "pg_dump failed");
        assert!(
            !dump
                .stdout
                .windows(sentence.len())
                .any(|w| w == sentence.as_bytes()),
            "the sentence is still in the PostgreSQL database"
        );
        return;
    }
    let bytes = std::fs::read(env.file("axial.db")).expect("database file");
    assert!(
        !bytes
            .windows(sentence.len())
            .any(|w| w == sentence.as_bytes()),
        "the sentence is still in the database file"
    );
    assert!(
        !env.file("axial.db-wal").exists() || {
            let wal = std::fs::read(env.file("axial.db-wal")).expect("wal");
            !wal.windows(sentence.len())
                .any(|w| w == sentence.as_bytes())
        }
    );
}
