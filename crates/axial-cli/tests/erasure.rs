//! Erasure reaches copies and backups, through the built binary: a
//! pseudonymisation of a transcript added to the demo study replaces the
//! originals in the memo and the quote that copied them too; the backup
//! taken before it is reported as still holding them, `axial backup purge
//! --before-erasure` replaces it with a fresh one, and no backup file left
//! (nor the database) holds an original. A withdrawal afterwards warns
//! about that fresh backup in turn.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{skip_on_postgres, Env};
use serde_json::Value;

const PASS: &str = "a passphrase for the night-shift key";

const TRANSCRIPT: &str = "Interviewer: Where did you work before?
Interviewee 01: Margaret Okonkwo trained me when I moved to Harrogate in 2019.
Interviewer: And now?
Interviewee 01: Nights, mostly. Margaret Okonkwo still rings me from Harrogate.
";

/// The sentence the memo and the quote copy.
const SENTENCE: &str = "Margaret Okonkwo trained me when I moved to Harrogate in 2019.";

const ORIGINALS: &[&str] = &["Margaret Okonkwo", "Okonkwo", "Harrogate"];

/// Runs `axial ARGS` in the env's directory with the key passphrase in the
/// environment and no automatic backup.
fn run(env: &Env, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_axial"))
        .args(args)
        .current_dir(env.path())
        .env("AXIAL_USER", "tester")
        .env_remove("AXIAL_DB")
        .env_remove("AXIAL_PROJECT")
        .env("AXIAL_NO_AUTO_BACKUP", "1")
        .env("AXIAL_KEY_PASSPHRASE", PASS)
        .env("NO_COLOR", "1")
        .output()
        .expect("the axial binary runs")
}

/// Runs, expects success, returns (stdout, stderr).
fn ok(env: &Env, args: &[&str]) -> (String, String) {
    let out = run(env, args);
    let (stdout, stderr) = (
        String::from_utf8(out.stdout).expect("UTF-8"),
        String::from_utf8(out.stderr).expect("UTF-8"),
    );
    assert!(
        out.status.success(),
        "axial {args:?} failed:\nstdout: {stdout}\nstderr: {stderr}"
    );
    (stdout, stderr)
}

fn json(env: &Env, args: &[&str]) -> (Value, String) {
    let mut a = args.to_vec();
    a.push("--json");
    let (out, err) = ok(env, &a);
    (serde_json::from_str(&out).expect("valid JSON"), err)
}

fn backup_files(env: &Env) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(env.file("axial.db.backups"))
        .expect("the backup folder")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    files
}

fn assert_no_original_in(path: &Path) {
    let bytes = std::fs::read(path).expect("read");
    for o in ORIGINALS {
        assert!(
            !bytes.windows(o.len()).any(|w| w == o.as_bytes()),
            "'{o}' is still in {}",
            path.display()
        );
    }
}

fn assert_clean(place: &str, s: &str) {
    for o in ORIGINALS {
        assert!(!s.contains(o), "'{o}' is still in {place}:\n{s}");
    }
}

/// Code points before `needle` in `hay`.
fn char_pos(hay: &str, needle: &str) -> usize {
    hay[..hay.find(needle).expect("in the text")]
        .chars()
        .count()
}

#[test]
fn pseudonymisation_reaches_memos_quotes_and_backups_and_purge_clears_old_backups() {
    if skip_on_postgres("purging backups") {
        return;
    }
    let env = Env::new();
    ok(&env, &["demo"]);
    env.write("night-shift.txt", TRANSCRIPT.as_bytes());
    ok(
        &env,
        &["import", "night-shift.txt", "--case", "Interviewee 01"],
    );
    ok(
        &env,
        &[
            "memo",
            "new",
            "Night cover",
            "--body",
            &format!("Telling: \"{SENTENCE}\" Compare with the day team."),
        ],
    );
    let start = char_pos(TRANSCRIPT, SENTENCE);
    let end = start + SENTENCE.chars().count();
    ok(
        &env,
        &[
            "quote",
            "add",
            "night-shift",
            &start.to_string(),
            &end.to_string(),
            "--used-in",
            "Night cover",
            "--note",
            &format!("copied for the report: {SENTENCE}"),
        ],
    );
    ok(
        &env,
        &[
            "pseudonymise",
            "names",
            "add",
            "Margaret Okonkwo",
            "--kind",
            "person",
        ],
    );
    ok(
        &env,
        &[
            "pseudonymise",
            "names",
            "add",
            "Harrogate",
            "--kind",
            "place",
        ],
    );

    // A backup before the erasure holds the originals.
    let (taken, _) = json(&env, &["backup"]);
    let old = PathBuf::from(taken["path"].as_str().expect("backup path"));
    let bytes = std::fs::read(&old).expect("the backup");
    assert!(bytes.windows(9).any(|w| w == b"Harrogate"));

    // Pseudonymise only what the key lists (the demo's own words stay).
    let (props, _) = json(&env, &["pseudonymise", "propose", "night-shift"]);
    let ids: Vec<String> = props["proposals"]
        .as_array()
        .expect("proposals")
        .iter()
        .filter(|p| p["rule"] == "name_list")
        .map(|p| p["id"].to_string())
        .collect();
    assert_eq!(ids.len(), 4, "{props}");
    let (done, warning) = json(
        &env,
        &[
            "pseudonymise",
            "apply",
            "night-shift",
            "--accept",
            &ids.join(","),
        ],
    );
    assert_eq!(done["memos_changed"], 1, "{done}");
    assert_eq!(done["records_changed"], 1, "{done}");
    // The warning names the old backup and the way out.
    assert!(
        warning.contains("warning: 1 backup of this database")
            && warning.contains("still holds the erased data")
            && warning.contains("axial backup purge --before-erasure")
            && warning.contains(&old.display().to_string()),
        "{warning}"
    );

    // The memo and the quote copied the sentence: both carry the labels.
    let (memo, _) = ok(&env, &["memo", "show", "Night cover"]);
    assert!(
        memo.contains("[Person A] trained me when I moved to [Place A] in 2019."),
        "{memo}"
    );
    let (quotes, _) = json(&env, &["quote", "list"]);
    let quote = &quotes[0];
    assert_eq!(
        quote["text"], "[Person A] trained me when I moved to [Place A] in 2019.",
        "the quote moved with the text: {quote}"
    );
    assert_eq!(
        quote["note"],
        "copied for the report: [Person A] trained me when I moved to [Place A] in 2019."
    );
    for args in [
        vec!["memo", "list"],
        vec!["memo", "show", "Night cover"],
        vec!["quote", "list"],
        vec!["show", "night-shift"],
        vec!["history", "--limit", "100000"],
    ] {
        let (out, _) = ok(
            &env,
            &args.iter().copied().chain(["--json"]).collect::<Vec<_>>(),
        );
        assert_clean(&format!("{args:?}"), &out);
    }

    // The list marks the old backup; the purge replaces it by a fresh one.
    let (list, warning) = ok(&env, &["backup", "list"]);
    assert!(list.contains("HOLDS ERASED DATA"), "{list}");
    assert!(
        warning.contains("axial backup purge --before-erasure"),
        "{warning}"
    );
    let err = String::from_utf8(run(&env, &["backup", "purge"]).stderr).expect("UTF-8");
    assert!(err.contains("--before-erasure"), "{err}");
    assert!(old.exists(), "nothing is deleted without --before-erasure");
    let (purged, _) = json(&env, &["backup", "purge", "--before-erasure"]);
    assert_eq!(
        purged["deleted"],
        serde_json::json!([old.display().to_string()]),
        "{purged}"
    );
    assert_eq!(
        purged["erasure"]["action"], "source.pseudonymise",
        "{purged}"
    );
    let fresh = PathBuf::from(purged["backup"]["path"].as_str().expect("fresh backup"));
    assert!(!old.exists());
    assert_eq!(backup_files(&env), std::slice::from_ref(&fresh));
    let (list, _) = json(&env, &["backup", "list"]);
    assert_eq!(list[0]["before_erasure"], false, "{list}");
    for f in backup_files(&env) {
        assert_no_original_in(&f);
    }
    let fresh_bytes = std::fs::read(&fresh).expect("fresh backup");
    assert!(
        fresh_bytes.windows(10).any(|w| w == b"[Person A]"),
        "the fresh backup holds the pseudonymised text"
    );
    // Nothing more to delete now.
    let (again, _) = ok(&env, &["backup", "purge", "--before-erasure"]);
    assert!(again.contains("nothing deleted"), "{again}");
    for f in backup_files(&env) {
        assert!(f == fresh || f.exists());
    }

    // A withdrawal is an erasure too: the backups before it are reported.
    let (_, warning) = ok(
        &env,
        &["participant", "withdraw", "Interviewee 02", "--yes"],
    );
    let n = backup_files(&env).len();
    assert!(
        warning.contains(&format!("warning: {n} backup")) && warning.contains("withdr"),
        "{warning}"
    );
    let (purged, _) = json(&env, &["backup", "purge", "--before-erasure"]);
    assert_eq!(
        purged["deleted"].as_array().map(Vec::len),
        Some(n),
        "{purged}"
    );
    assert_eq!(
        purged["erasure"]["action"], "participant.withdraw",
        "{purged}"
    );
    assert_eq!(backup_files(&env).len(), 1);
}

#[test]
fn without_an_erasure_nothing_is_purged() {
    if skip_on_postgres("purging backups") {
        return;
    }
    let env = Env::new();
    ok(&env, &["project", "new", "Study"]);
    let (taken, _) = json(&env, &["backup"]);
    let (out, _) = ok(&env, &["backup", "purge", "--before-erasure"]);
    assert!(out.contains("nothing to purge"), "{out}");
    assert_eq!(
        backup_files(&env),
        [PathBuf::from(taken["path"].as_str().expect("path"))]
    );
    let (purged, _) = json(&env, &["backup", "purge", "--before-erasure"]);
    assert_eq!(purged["erasure"], Value::Null);
    assert_eq!(purged["deleted"], serde_json::json!([]));
}
