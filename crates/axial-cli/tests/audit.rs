//! `axial audit`, `axial code history` and `axial code split` through the
//! built binary, and the proof that no command edits the change log.

mod common;

use std::collections::BTreeMap;

use common::Env;
use serde_json::Value;

/// A project with one source of five lines and codes a, b, c: a codes lines
/// 1 and 2, c lines 3 and 4.
fn study() -> Env {
    let env = Env::new();
    env.ok(&["project", "new", "Study"]);
    env.write(
        "t.txt",
        "line one\nline two\nline three\nline four\nline five\n".as_bytes(),
    );
    env.ok(&["import", "t.txt"]);
    for c in ["a", "b", "c"] {
        env.ok(&["code", "new", c]);
    }
    for (code, line) in [("a", "1"), ("a", "2"), ("c", "3"), ("c", "4")] {
        env.ok(&["code", "apply", code, "--source", "t", "--lines", line]);
    }
    env
}

fn steps(g: &Value) -> Vec<String> {
    g["events"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["step"].as_str().expect("step").to_string())
        .collect()
}

#[test]
fn code_history_tells_the_scripted_story_in_order() {
    let env = study();
    env.ok(&["code", "rename", "a", "alpha"]);
    env.ok(&["code", "move", "b", "--to", "alpha"]);
    env.ok(&["code", "merge", "c", "alpha"]);
    let out = env.ok(&[
        "code", "split", "alpha", "d", "--source", "t", "--span", "0..4",
    ]);
    assert!(out.contains("moved 1 coding to the new code 'd'"), "{out}");

    let g = env.json(&["code", "history", "alpha"]);
    assert_eq!(g["name"], "alpha");
    assert_eq!(
        steps(&g),
        ["created", "renamed", "child_added", "merged", "split"],
        "{g:#}"
    );
    let merged = &g["events"][3]["merged"];
    assert_eq!(merged["name"], "c");
    assert_eq!(steps(merged), ["created"]);
    assert_eq!(g["events"][3]["codings"], 2);
    assert_eq!(g["events"][4]["other"]["name"], "d");

    let text = env.ok(&["code", "history", "alpha"]);
    let lines: Vec<&str> = text.lines().collect();
    let find = |needle: &str| {
        lines
            .iter()
            .position(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
    };
    let order = [
        find("created code 'a'"),
        find("renamed 'a' to 'alpha'"),
        find("'b' moved under this code"),
        find("merged 'c' into this code (2 codings)"),
        find("created code 'c'"),
        find("split 1 coding out into the new code 'd'"),
    ];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{text}");

    // A merged code keeps its story under its last name; the alias works too.
    let c = env.json(&["code", "genealogy", "c"]);
    assert_eq!(c["exists"], false);
    assert_eq!(steps(&c), ["created", "merged_into"]);
    let d = env.json(&["code", "history", "d"]);
    assert_eq!(steps(&d), ["split_from"]);

    // Undo the split: both stories say so.
    env.ok(&["undo"]);
    let g = env.json(&["code", "history", "alpha"]);
    assert_eq!(steps(&g).last().map(String::as_str), Some("split_undone"));
    assert!(g["events"][4]["undone_by"].is_i64());
    let err = env.fails(&["code", "history", "zzz"]);
    assert!(err.contains("no code named 'zzz'"), "{err}");
}

#[test]
fn split_takes_coding_ids_and_refuses_what_does_not_belong() {
    let env = study();
    let segs = env.json(&["segments", "a"]);
    let id = segs[1]["coding"].as_str().expect("coding id").to_string();
    let changes = env.changes();
    let err = env.fails(&["code", "split", "a", "a2"]);
    assert!(err.contains("--coding"), "{err}");
    let of_c = env.json(&["segments", "c"])[0]["coding"]
        .as_str()
        .expect("id")
        .to_string();
    let err = env.fails(&["code", "split", "a", "a2", "--coding", &of_c]);
    assert!(err.contains("not a coding of 'a'"), "{err}");
    let err = env.fails(&["code", "split", "a", "b", "--coding", &id]);
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(env.changes(), changes, "refused splits change nothing");
    let r = env.json(&["code", "split", "a", "a2", "--coding", &id]);
    assert_eq!(r["codings_moved"], 1);
    assert_eq!(r["code"]["name"], "a2");
    let list = env.json(&["code", "list"]);
    let count = |name: &str| {
        list.as_array()
            .expect("codes")
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["codings"].as_u64().expect("count"))
    };
    assert_eq!((count("a"), count("a2")), (Some(1), Some(1)));
}

#[test]
fn audit_lists_changes_with_fields_filters_and_writes_csv() {
    let env = study();
    env.ok(&["code", "describe", "b", "--definition", "about b"]);
    let all = env.json(&["audit"]);
    let all = all.as_array().expect("entries");
    assert_eq!(all.len() as u64, env.changes());
    let newest = &all[0];
    assert_eq!(newest["action"], "code.update");
    assert_eq!(newest["author"], "tester");
    assert_eq!(newest["author_name"], "tester");
    assert!(newest["at"].as_str().is_some_and(|t| t.ends_with('Z')));
    assert_eq!(
        newest["ops"][0]["changes"],
        serde_json::json!([{"field": "description", "before": "", "after": "about b"}])
    );
    let creates = env.json(&["audit", "--action", "code.create"]);
    assert_eq!(creates.as_array().expect("entries").len(), 3);
    let codings = env.json(&["audit", "--entity", "coding", "--author", "tester"]);
    assert_eq!(codings.as_array().expect("entries").len(), 4);
    let two = env.json(&["audit", "--limit", "2"]);
    assert_eq!(two.as_array().expect("entries").len(), 2);
    let none = env.json(&["audit", "--since", "2999-01-01"]);
    assert!(none.as_array().expect("entries").is_empty());
    let today = env.json(&["audit", "--until", "2999-01-01", "--since", "2000-01-01"]);
    assert_eq!(today.as_array().expect("entries").len(), all.len());

    let err = env.fails(&["audit", "--action", "code.explode"]);
    assert!(
        err.contains("code.merge"),
        "the error lists the actions: {err}"
    );
    let err = env.fails(&["audit", "--since", "last tuesday"]);
    assert!(err.contains("YYYY-MM-DD"), "{err}");
    let err = env.fails(&["audit", "--author", "nobody"]);
    assert!(err.contains("tester"), "{err}");

    let text = env.ok(&["audit", "--entity", "code"]);
    assert!(text.contains("description:  → about b"), "{text}");

    env.ok(&["audit", "--csv", "trail.csv"]);
    let csv = std::fs::read_to_string(env.file("trail.csv")).expect("the CSV file");
    let mut rows = csv.lines();
    assert_eq!(
        rows.next(),
        Some("seq,at,author,author_name,action,summary,reverted_by,verb,entity,id,label,changes")
    );
    let ops: usize = all
        .iter()
        .map(|e| e["ops"].as_array().expect("ops").len().max(1))
        .sum();
    assert_eq!(rows.count(), ops);
    let stdout = env.ok(&["audit", "--csv", "-", "--entity", "coding"]);
    assert_eq!(stdout.lines().count(), 1 + 4);
    // The coding rows name their code and source, quoted where needed.
    assert!(stdout.contains("'a' at"), "{stdout}");
}

/// Every command path of the CLI with the one-line description clap gives it.
fn command_tree(env: &Env) -> BTreeMap<Vec<String>, String> {
    let mut tree = BTreeMap::new();
    let mut todo: Vec<(Vec<String>, String)> = vec![(Vec::new(), String::new())];
    while let Some((path, about)) = todo.pop() {
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = env.ok(&args);
        if !path.is_empty() {
            tree.insert(path.clone(), about);
        }
        let mut in_commands = false;
        for line in help.lines() {
            if line.trim_end() == "Commands:" {
                in_commands = true;
                continue;
            }
            if in_commands {
                if line.trim().is_empty() || !line.starts_with("  ") {
                    break;
                }
                let line = line.trim_start();
                let (name, rest) = line.split_once(' ').unwrap_or((line, ""));
                if name == "help" || line.starts_with('-') {
                    continue;
                }
                let mut child = path.clone();
                child.push(name.to_string());
                todo.push((child, rest.trim().to_string()));
            }
        }
    }
    tree
}

/// The change log is append-only. The commands about it only read (no
/// subcommands, no flag that would change an entry); undo and redo add new
/// entries and leave the old ones as they were.
#[test]
fn no_command_edits_the_change_log() {
    let env = study();
    let tree = command_tree(&env);
    assert!(tree.len() > 20, "the help tree was read: {tree:?}");
    // Erasure (withdrawing a participant, pseudonymising a source) is the one
    // rewrite of old entries, and it keeps their who, when and what.
    let erasure = |path: &Vec<String>| {
        path.iter()
            .any(|s| s.contains("withdraw") || s.starts_with("pseudonym"))
    };
    let about_log = |path: &Vec<String>, about: &str| {
        let about = about.to_lowercase();
        let named = path.iter().any(|s| s == "history" || s == "audit");
        !erasure(path) && (named || about.contains("change log") || about.contains("audit"))
    };
    let log_commands: Vec<&Vec<String>> = tree
        .iter()
        .filter(|(p, a)| about_log(p, a))
        .map(|(p, _)| p)
        .collect();
    for must in [vec!["history"], vec!["audit"], vec!["code", "history"]] {
        let must: Vec<String> = must.into_iter().map(String::from).collect();
        assert!(
            log_commands.contains(&&must),
            "{must:?} in {log_commands:?}"
        );
    }
    for path in &log_commands {
        let has_children = tree
            .keys()
            .any(|k| k.len() > path.len() && k.starts_with(path));
        assert!(
            !has_children,
            "{path:?} has subcommands; the log has nothing to manage"
        );
        let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
        args.push("--help");
        let help = env.ok(&args);
        for flag in [
            "--delete",
            "--edit",
            "--purge",
            "--rewrite",
            "--truncate",
            "--clear",
            "--remove",
            "--set",
        ] {
            assert!(!help.contains(flag), "{path:?} offers {flag}");
        }
    }
    // No verb anywhere says it edits or deletes history (a description
    // starts with what the command does).
    for (path, about) in tree.iter().filter(|(p, _)| !erasure(p)) {
        let about = about.to_lowercase();
        let verb = about.split_whitespace().next().unwrap_or_default();
        let edits = [
            "delete", "edit", "remove", "rewrite", "purge", "clear", "truncate", "prune",
        ]
        .contains(&verb);
        let log = ["history", "change log", "audit trail", "log entr"]
            .iter()
            .any(|w| about.contains(w));
        assert!(!(edits && log), "{path:?}: {about}");
    }
    // Reading the log changes nothing.
    let before = env.changes();
    env.ok(&["history"]);
    env.ok(&["audit", "--csv", "t.csv"]);
    env.ok(&["code", "history", "a"]);
    assert_eq!(env.changes(), before);

    // Undo and redo append; the reverted entry stays as it was, but for the
    // mark naming the undo.
    env.ok(&["code", "rename", "a", "alpha"]);
    let old = env.json(&["audit"]);
    let undo = env.json(&["undo"]);
    let redo = env.json(&["redo"]);
    let new = env.json(&["audit"]);
    let (old, new) = (
        old.as_array().expect("entries"),
        new.as_array().expect("entries"),
    );
    assert_eq!(new.len(), old.len() + 2);
    assert_eq!(new[0]["seq"], redo["seq"]);
    assert_eq!(new[1]["seq"], undo["seq"]);
    assert_eq!(new[1]["reverts"], old[0]["seq"]);
    for o in old {
        let mut n = new
            .iter()
            .find(|x| x["seq"] == o["seq"])
            .expect("every entry is still there")
            .clone();
        let mut o = o.clone();
        if o["seq"] == old[0]["seq"] {
            assert_eq!(n["reverted_by"], undo["seq"]);
        }
        n["reverted_by"] = Value::Null;
        o["reverted_by"] = Value::Null;
        assert_eq!(n, o);
    }
}
