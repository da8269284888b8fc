//! `axial user …` and `axial member …`: accounts made with the password on
//! standard input, project members and their roles, the last-owner rule,
//! and `axial serve` refusing other addresses than loopback until accounts
//! exist.

mod common;

use std::process::Output;

use common::Env;
use serde_json::Value;

/// Runs `axial ARGS` in the test directory with `stdin` piped in.
fn with_stdin(env: &Env, args: &[&str], stdin: &str) -> Output {
    env.run_with_stdin(args, stdin)
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn fails(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "should have failed: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn members(env: &Env, project: &str) -> Vec<(String, String)> {
    let v: Value = env.json(&["member", "list", "--project", project]);
    v.as_array()
        .expect("array")
        .iter()
        .map(|m| {
            (
                m["name"].as_str().expect("name").to_string(),
                m["role"].as_str().expect("role").to_string(),
            )
        })
        .collect()
}

#[test]
fn accounts_and_members_from_the_command_line() {
    let env = Env::new();
    env.ok(&["demo"]);
    let demo = env.json(&["project", "list"])[0]["name"]
        .as_str()
        .expect("demo name")
        .to_string();

    // Without accounts, only loopback.
    let e = env.fails(&["serve", "--addr", "0.0.0.0:0"]);
    assert!(e.contains("no user accounts"), "{e}");
    assert!(e.contains("axial user add"), "{e}");

    // The password comes from standard input only.
    let e = env.fails(&["user", "add", "alice", "--admin"]);
    assert!(e.contains("--password-stdin"), "{e}");
    let e = fails(&with_stdin(
        &env,
        &["user", "add", "alice", "--admin", "--password-stdin"],
        "short\n",
    ));
    assert!(e.contains("at least 10 characters"), "{e}");
    let e = fails(&with_stdin(
        &env,
        &["user", "add", "alice", "--admin", "--password-stdin"],
        "",
    ));
    assert!(e.contains("no password on standard input"), "{e}");
    assert!(env.ok(&["user", "list"]).contains("no user accounts yet"));

    let out = ok(&with_stdin(
        &env,
        &["user", "add", "alice", "--admin", "--password-stdin"],
        "correct horse battery\n",
    ));
    assert!(
        out.contains("created the administrator account 'alice'"),
        "{out}"
    );
    assert!(out.contains("accounts are now on"), "{out}");
    ok(&with_stdin(
        &env,
        &[
            "user",
            "add",
            "bob",
            "--display-name",
            "Bob Baker",
            "--password-stdin",
        ],
        "bob's long password\r\n",
    ));
    let e = fails(&with_stdin(
        &env,
        &["user", "add", "alice", "--password-stdin"],
        "another long password\n",
    ));
    assert!(e.contains("already has an account"), "{e}");

    let users = env.json(&["user", "list"]);
    let rows: Vec<(String, String, bool)> = users
        .as_array()
        .expect("array")
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap().to_string(),
                u["display_name"].as_str().unwrap().to_string(),
                u["admin"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("alice".into(), "alice".into(), true),
            ("bob".into(), "Bob Baker".into(), false),
        ]
    );
    let listed = env.ok(&["user", "list"]);
    assert!(listed.contains("Bob Baker"), "{listed}");
    assert!(!listed.contains("argon2"), "{listed}");

    // Members of the demo, which was made before accounts: nobody yet.
    assert!(members(&env, &demo).is_empty());
    env.ok(&["member", "add", "alice", "--role", "owner"]);
    let out = env.ok(&["member", "add", "bob", "--role", "viewer"]);
    assert!(out.contains("'bob' is a viewer"), "{out}");
    let e = env.fails(&["member", "add", "bob", "--role", "boss"]);
    assert!(e.contains("unknown role 'boss'"), "{e}");
    let e = env.fails(&["member", "add", "nobody-here"]);
    assert!(e.contains("no user named 'nobody-here'"), "{e}");
    let e = env.fails(&["member", "add", "tester"]);
    assert!(e.contains("'tester' has no account"), "{e}");
    assert_eq!(
        members(&env, &demo),
        vec![
            ("alice".to_string(), "owner".to_string()),
            ("bob".to_string(), "viewer".to_string()),
        ]
    );
    let e = env.fails(&["member", "remove", "alice"]);
    assert!(e.contains("last owner"), "{e}");
    env.ok(&["member", "add", "bob", "--role", "owner"]);
    env.ok(&["member", "remove", "alice"]);
    assert_eq!(
        members(&env, &demo),
        vec![("bob".to_string(), "owner".to_string())]
    );

    // With accounts on, whoever creates a project owns it.
    env.ok(&["project", "new", "Team study"]);
    assert_eq!(
        members(&env, "Team study"),
        vec![("tester".to_string(), "owner".to_string())]
    );

    let out = ok(&with_stdin(
        &env,
        &["user", "password", "bob", "--password-stdin"],
        "a brand new password\n",
    ));
    assert!(out.contains("set a new password for 'bob'"), "{out}");
    let e = fails(&with_stdin(
        &env,
        &["user", "password", "nobody", "--password-stdin"],
        "a brand new password\n",
    ));
    assert!(e.contains("no user named 'nobody'"), "{e}");
    let history = env.ok(&["history", "--project", &demo]);
    assert!(
        history.contains("member.change") || history.contains("removed 'alice'"),
        "{history}"
    );
}
