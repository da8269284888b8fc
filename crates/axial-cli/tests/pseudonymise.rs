//! `axial pseudonymise …` with the built binary: names into the key file,
//! proposals, applying with edits and rejections, a wrong passphrase that
//! changes nothing, undo refused, the mapping revealed, `apply --all` on a
//! later source, and no original left in the outputs, the key file's bytes
//! or the database file.

mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::Env;
use serde_json::Value;

const PASS: &str = "tea at four, never at five";

const TRANSCRIPT: &str = "Interviewer: Where are you based?
Margaret Okonkwo: In Harrogate since 2019; write to m.okonkwo@example.org or ring 07700 900123.
Interviewer: Thanks.
Margaret Okonkwo: My NHS number is 943 476 5919, born 12/03/1985, post to LS1 4AP. Zoë Ó Súilleabháin covers nights and we share the workload fairly.
";

const ORIGINALS: &[&str] = &[
    "Margaret Okonkwo",
    "Okonkwo",
    "Harrogate",
    "m.okonkwo@example.org",
    "07700 900123",
    "943 476 5919",
    "12/03/1985",
    "LS1 4AP",
    "Zoë Ó Súilleabháin",
];

/// Runs `axial ARGS` in the env's directory with `input` on stdin and
/// without a passphrase in the environment.
fn run_with_stdin(env: &Env, args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_axial"))
        .args(args)
        .current_dir(env.path())
        .env("AXIAL_USER", "tester")
        .env_remove("AXIAL_DB")
        .env_remove("AXIAL_PROJECT")
        .env_remove("AXIAL_KEY_PASSPHRASE")
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the axial binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(format!("{input}\n").as_bytes())
        .expect("write the passphrase");
    child.wait_with_output().expect("axial finishes")
}

fn ok_stdin(env: &Env, args: &[&str], input: &str) -> String {
    let out = run_with_stdin(env, args, input);
    assert!(
        out.status.success(),
        "axial {args:?} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

/// Runs with the passphrase in $AXIAL_KEY_PASSPHRASE and `--json`.
fn json_env(env: &Env, args: &[&str]) -> Value {
    let mut a = args.to_vec();
    a.push("--json");
    let out = Command::new(env!("CARGO_BIN_EXE_axial"))
        .args(&a)
        .current_dir(env.path())
        .env("AXIAL_USER", "tester")
        .env_remove("AXIAL_DB")
        .env_remove("AXIAL_PROJECT")
        .env("AXIAL_KEY_PASSPHRASE", PASS)
        .output()
        .expect("the axial binary runs");
    assert!(
        out.status.success(),
        "axial {a:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

fn assert_clean(place: &str, s: &str) {
    for o in ORIGINALS {
        assert!(!s.contains(o), "'{o}' is still in {place}:\n{s}");
    }
}

fn id_of(proposals: &Value, original: &str) -> String {
    proposals["proposals"]
        .as_array()
        .expect("proposals")
        .iter()
        .find(|p| p["original"] == original)
        .unwrap_or_else(|| panic!("no proposal for {original}: {proposals}"))["id"]
        .to_string()
}

#[test]
fn pseudonymise_a_transcript_from_the_command_line() {
    if common::skip_on_postgres("this test") {
        return;
    }
    let env = Env::new();
    env.ok(&["project", "new", "Study"]);
    env.write("interview.txt", TRANSCRIPT.as_bytes());
    env.ok(&["import", "interview.txt"]);
    env.ok(&["code", "new", "Workload"]);
    env.ok(&[
        "code",
        "apply",
        "Workload",
        "--source",
        "interview",
        "--match",
        "we share the workload fairly",
    ]);

    // A memo copies a sentence with a name and a place.
    env.ok(&[
        "memo",
        "new",
        "Where people live",
        "--body",
        "\"Margaret Okonkwo: In Harrogate since 2019\" (Zoë Ó Súilleabháin covers nights)",
    ]);

    // Names go into the key file beside the database, never into it.
    let out = ok_stdin(
        &env,
        &[
            "pseudonymise",
            "names",
            "add",
            "Margaret Okonkwo",
            "--kind",
            "person",
            "--passphrase-stdin",
        ],
        PASS,
    );
    assert!(out.contains("added 'Margaret Okonkwo'"), "{out}");
    let added = json_env(
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
    assert_eq!(added["added"], true);
    assert_eq!(added["kind"], "place");
    json_env(
        &env,
        &["pseudonymise", "names", "add", "Zoë Ó Súilleabháin"],
    );
    let project = env.json(&["project", "list"])[0]["id"]
        .as_str()
        .expect("project id")
        .to_string();
    let key = env.file(&format!("axial.db.keys/{project}.age"));
    assert!(key.exists(), "the key file is beside the database");
    let names = json_env(&env, &["pseudonymise", "names", "list"]);
    assert_eq!(names.as_array().map(Vec::len), Some(3));

    // Without the passphrase only patterns; with it, the listed names too.
    let plain = env.json(&["pseudonymise", "propose", "interview"]);
    assert_eq!(plain["key_used"], false);
    let rule_of = |props: &Value, original: &str| {
        props["proposals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["original"] == original)
            .map(|p| (p["rule"].clone(), p["confidence"].clone()))
    };
    // Only a guess without the key's list of places.
    assert_eq!(
        rule_of(&plain, "Harrogate"),
        Some(("capitalised".into(), "low".into()))
    );
    let table = env.ok(&["pseudonymise", "propose", "interview"]);
    assert!(
        table.contains("[phone]") && table.contains("fingerprint"),
        "{table}"
    );
    let props = json_env(&env, &["pseudonymise", "propose", "interview"]);
    assert_eq!(props["key_used"], true);
    assert_eq!(
        rule_of(&props, "Harrogate"),
        Some(("name_list".into(), "high".into()))
    );
    let harrogate = id_of(&props, "Harrogate");
    let email = id_of(&props, "m.okonkwo@example.org");
    for o in ORIGINALS.iter().filter(|o| **o != "Okonkwo") {
        id_of(&props, o);
    }

    // A wrong passphrase changes nothing.
    let before = env.changes();
    let out = run_with_stdin(
        &env,
        &["pseudonymise", "apply", "interview", "--passphrase-stdin"],
        "not the passphrase",
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("passphrase does not open"), "{err}");
    assert_eq!(env.changes(), before);
    let err = env.fails(&["pseudonymise", "apply", "interview", "--replace", "x"]);
    assert!(
        err.contains("passphrase") || err.contains("ID=VALUE"),
        "{err}"
    );

    // Apply: everything, the town with an own label, the e-mail kept out.
    let replace = format!("{harrogate}=[Town A]");
    let fingerprint = props["fingerprint"].as_str().unwrap().to_string();
    let out = ok_stdin(
        &env,
        &[
            "pseudonymise",
            "apply",
            "interview",
            "--accept",
            "all",
            "--reject",
            &email,
            "--replace",
            &replace,
            "--fingerprint",
            &fingerprint,
            "--passphrase-stdin",
        ],
        PASS,
    );
    assert!(out.contains("cannot be undone"), "{out}");
    let shown = env.json(&["show", "interview"]);
    let text = shown["text"].as_str().expect("text");
    assert!(
        text.contains(
            "[Person A]: In [Town A] since 2019; write to m.okonkwo@example.org or ring [phone]."
        ),
        "{text}"
    );
    assert!(
        text.contains(
            "[NHS number], born [date of birth], post to [postcode]. [Person B] covers nights"
        ),
        "{text}"
    );
    let segments = env.json(&["segments", "Workload"]);
    assert_eq!(segments[0]["text"], "we share the workload fairly");
    let err = env.fails(&["undo"]);
    assert!(err.contains("cannot be undone"), "{err}");

    // The e-mail was kept on purpose; apply it now on its own.
    let out = ok_stdin(
        &env,
        &["pseudonymise", "apply", "interview", "--passphrase-stdin"],
        PASS,
    );
    assert!(out.contains("1 replacements"), "{out}");
    let memo = env.ok(&["memo", "show", "Where people live"]);
    assert!(
        memo.contains("\"[Person A]: In [Town A] since 2019\" ([Person B] covers nights)"),
        "{memo}"
    );
    for args in [
        vec!["show", "interview"],
        vec!["history"],
        vec!["sources"],
        vec!["segments", "Workload"],
        vec!["memo", "list"],
        vec!["memo", "show", "Where people live"],
    ] {
        let out = env.ok(&args.iter().copied().chain(["--json"]).collect::<Vec<_>>());
        assert_clean(&format!("{args:?}"), &out);
    }
    for o in ORIGINALS {
        let hits = env.json(&["search", o]);
        assert_eq!(hits, Value::Array(vec![]), "search finds {o}");
    }

    // The mapping comes back with the passphrase only.
    let err = env.fails(&["pseudonymise", "reveal"]);
    assert!(err.contains("--passphrase-stdin"), "{err}");
    let revealed = json_env(&env, &["pseudonymise", "reveal"]);
    let back = |label: &str| -> Vec<String> {
        revealed["mappings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["replacement"] == label)
            .map(|m| m["original"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(back("[Town A]"), ["Harrogate"]);
    assert_eq!(back("[Person A]"), ["Margaret Okonkwo"]);
    assert_eq!(back("[email]"), ["m.okonkwo@example.org"]);
    let shown = ok_stdin(
        &env,
        &["pseudonymise", "reveal", "--passphrase-stdin"],
        PASS,
    );
    assert!(
        shown.contains("[Person B]") && shown.contains("Zoë Ó Súilleabháin"),
        "{shown}"
    );

    // A later source: `apply --all` uses what the key knows.
    env.write(
        "followup.txt",
        "Interviewer: Back in Harrogate?\nParticipant: Yes; Okonkwo is my married name.\n"
            .as_bytes(),
    );
    env.ok(&["import", "followup.txt"]);
    let done = json_env(&env, &["pseudonymise", "apply", "--all"]);
    assert_eq!(done["sources"].as_array().map(Vec::len), Some(1), "{done}");
    let shown = env.json(&["show", "followup"]);
    assert_eq!(
        shown["text"],
        "Interviewer: Back in [Town A]?\nParticipant: Yes; [Person A] is my married name.\n"
    );
    let err = env.fails(&["pseudonymise", "apply", "--all", "--accept", "1"]);
    assert!(err.contains("cannot be used with"), "{err}");

    // Neither the key file nor the database holds an original in clear.
    let key_bytes = std::fs::read(&key).expect("key file");
    let db = std::fs::read(env.file("axial.db")).expect("database");
    let wal = std::fs::read(env.file("axial.db-wal")).unwrap_or_default();
    for o in ORIGINALS {
        for (what, bytes) in [("key file", &key_bytes), ("database", &db), ("wal", &wal)] {
            assert!(
                !bytes.windows(o.len()).any(|w| w == o.as_bytes()),
                "'{o}' in clear in the {what}"
            );
        }
    }
}
