//! Backups and restore: `axial backup`, `backup list`, `restore`, and the
//! daily automatic backup, run through the built binary; plus an online
//! backup taken while another connection keeps writing.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use axial_app::App;
use axial_store_sqlite::SqliteStore;
use common::Env;
use serde_json::Value;

/// Runs `axial ARGS` in `dir` with the automatic backup on (unlike
/// `common::run_in`), as user "tester".
fn run_auto(dir: &Path, args: &[&str], extra_env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_axial"));
    c.args(args)
        .current_dir(dir)
        .env("AXIAL_USER", "tester")
        .env_remove("AXIAL_DB")
        .env_remove("AXIAL_PROJECT")
        .env_remove("AXIAL_NO_AUTO_BACKUP")
        .env_remove("AXIAL_KEEP_BACKUPS")
        .env("NO_COLOR", "1");
    for (k, v) in extra_env {
        c.env(k, v);
    }
    c.output().expect("the axial binary runs")
}

fn ok(out: Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed:\nstdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("UTF-8")
}

fn backups(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match std::fs::read_dir(dir.join("axial.db.backups")) {
        Ok(d) => d
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

/// A stamp `days` days before now, in backup file-name form.
fn days_ago(days: i64) -> String {
    let t = time::OffsetDateTime::now_utc() - time::Duration::days(days);
    t.format(time::macros::format_description!(
        "[year][month][day]-[hour][minute][second]"
    ))
    .expect("format")
}

fn sha(path: &Path) -> Vec<u8> {
    std::fs::read(path).expect("read the database")
}

/// What a restore must bring back exactly.
fn state(env: &Env) -> (Value, Value, Value) {
    let mut stats = env.json(&["stats"]);
    // The database-wide counts only; nothing in them depends on time.
    stats.as_object_mut().expect("object").remove("project");
    (
        stats,
        env.json(&["code", "list"]),
        env.json(&["history", "--limit", "1000"]),
    )
}

fn study(env: &Env) {
    env.ok(&["project", "new", "Study"]);
    env.write("t1.txt", "line one\nline two\nline three\n".as_bytes());
    env.ok(&["import", "t1.txt"]);
    env.ok(&["code", "new", "a"]);
    env.ok(&["code", "apply", "a", "--source", "t1", "--lines", "1-2"]);
}

#[test]
fn backup_list_and_restore_round_trip_and_the_restore_can_be_undone() {
    if common::skip_on_postgres("this test") {
        return;
    }
    let env = Env::new();
    study(&env);
    let taken = env.json(&["backup"]);
    let path = PathBuf::from(taken["path"].as_str().expect("path"));
    assert!(
        path.starts_with(env.path().join("axial.db.backups")),
        "{path:?}"
    );
    assert!(path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("axial-")));
    assert!(taken["bytes"].as_u64().is_some_and(|b| b > 0));
    let at_backup = state(&env);

    env.ok(&["code", "new", "b"]);
    env.ok(&["code", "rename", "a", "alpha"]);
    let later = state(&env);
    assert_ne!(later, at_backup);

    // Without --yes and without a terminal to ask on: refused, nothing changed.
    let before = sha(&env.file("axial.db"));
    let err = env.fails(&["restore", path.to_str().expect("path")]);
    assert!(err.contains("--yes"), "{err}");
    assert_eq!(sha(&env.file("axial.db")), before);

    let out = env.ok(&["restore", path.to_str().expect("path"), "--yes"]);
    assert!(out.contains("integrity check ok"), "{out}");
    assert!(out.contains("Study"), "{out}");
    assert!(out.contains("restore that file to undo"), "{out}");
    assert_eq!(
        state(&env),
        at_backup,
        "the restored database is the snapshot"
    );

    let list = env.json(&["backup", "list"]);
    let list = list.as_array().expect("array");
    assert_eq!(list.len(), 2, "{list:?}");
    let saved = list
        .iter()
        .find(|b| b["before_restore"] == true)
        .expect("the database as it was before the restore");
    let saved = saved["path"].as_str().expect("path").to_string();

    // Restoring the saved copy undoes the restore.
    env.ok(&["restore", &saved, "--yes", "--json"]);
    assert_eq!(state(&env), later);
}

#[test]
fn backup_to_a_named_file_and_of_a_missing_database() {
    if common::skip_on_postgres("this test") {
        return;
    }
    let env = Env::new();
    let err = env.fails(&["backup"]);
    assert!(err.contains("no database"), "{err}");
    assert!(
        !env.file("axial.db").exists(),
        "a backup never creates a database"
    );
    study(&env);
    let to = env.file("copies/mine.db");
    let out = env.ok(&["backup", "--to", to.to_str().expect("path")]);
    assert!(out.contains("mine.db"), "{out}");
    let check = Env::new();
    std::fs::copy(&to, check.file("axial.db")).expect("copy");
    assert_eq!(check.json(&["code", "list"]), env.json(&["code", "list"]));
    let list = env.ok(&["backup", "list"]);
    assert!(list.contains("no backups"), "{list}");
}

#[test]
fn restore_refuses_damaged_backups_but_replaces_a_damaged_database() {
    if common::skip_on_postgres("this test") {
        return;
    }
    let env = Env::new();
    study(&env);
    let taken = env.json(&["backup"]);
    let good = PathBuf::from(taken["path"].as_str().expect("path"));
    let bytes = std::fs::read(&good).expect("read");
    assert!(bytes.len() > 8192, "the backup has several pages");
    // Keep the header page, scramble every page after it.
    let mut damaged = bytes.clone();
    for (i, b) in damaged.iter_mut().enumerate().skip(4096) {
        *b = (i.wrapping_mul(2654435761) >> 13) as u8;
    }
    let damaged_path = env.write("damaged.db", &damaged);
    let foreign = env.write("notes.db", b"these are not the droids you are looking for");
    let before = sha(&env.file("axial.db"));
    let folder_before = backups(env.path());
    for bad in [&damaged_path, &foreign] {
        let err = env.fails(&["restore", bad.to_str().expect("path"), "--yes"]);
        assert!(err.contains("cannot be restored"), "{err}");
        assert!(err.contains("nothing was changed"), "{err}");
        assert_eq!(
            sha(&env.file("axial.db")),
            before,
            "the database is untouched"
        );
        assert_eq!(
            backups(env.path()),
            folder_before,
            "nothing was saved aside"
        );
    }
    // A damaged database is what a restore is for: it is saved aside as it
    // is and replaced.
    let codes = env.json(&["code", "list"]);
    std::fs::write(env.file("axial.db"), &damaged).expect("damage the database");
    let out = env.ok(&["restore", good.to_str().expect("path"), "--yes"]);
    assert!(out.contains("restore that file to undo"), "{out}");
    assert_eq!(env.json(&["code", "list"]), codes);
    let aside = backups(env.path())
        .into_iter()
        .find(|n| n.ends_with("-before-restore.db"))
        .expect("the damaged database saved aside");
    assert_eq!(
        std::fs::read(env.path().join("axial.db.backups").join(aside)).expect("read"),
        damaged
    );
    let err = env.fails(&["restore", "missing.db", "--yes"]);
    assert!(err.contains("no backup file"), "{err}");
    let err = env.fails(&["restore", "axial.db", "--yes"]);
    assert!(err.contains("the database itself"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_refuses_while_another_program_has_the_database_open() {
    if common::skip_on_postgres("this test") {
        return;
    }
    let env = Env::new();
    study(&env);
    let taken = env.json(&["backup"]);
    let backup = taken["path"].as_str().expect("path").to_string();
    let db = env.file("axial.db");
    // Read before the store opens it: closing any other handle on the file
    // would drop this process's SQLite locks on it (POSIX lock semantics).
    let before = sha(&db);
    let store = SqliteStore::open(db.to_str().expect("path"))
        .await
        .expect("open");
    let app = App::new(Arc::new(store));
    // A read leaves an open connection in the pool, as a running server has.
    assert_eq!(app.projects().await.expect("projects").len(), 1);
    let dir = env.path().to_path_buf();
    let b = backup.clone();
    let out = tokio::task::spawn_blocking(move || common::run_in(&dir, &["restore", &b, "--yes"]))
        .await
        .expect("join");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("open in another program"), "{err}");
    assert!(err.contains("nothing was changed"), "{err}");
    app.store().close().await;
    assert_eq!(sha(&db), before);
    let saved_aside = backups(env.path())
        .iter()
        .filter(|n| n.contains("before-restore"))
        .count();
    assert_eq!(saved_aside, 0, "a refused restore saves nothing aside");
    // Once it is closed, the restore goes through.
    env.ok(&["restore", &backup, "--yes"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_backup_while_another_connection_writes_is_consistent() {
    if common::skip_on_postgres("this test") {
        return;
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("busy.db");
    let writer = App::new(Arc::new(
        SqliteStore::open(db.to_str().expect("path"))
            .await
            .expect("open"),
    ));
    let actor = writer.local_user("tester").await.expect("user");
    let p = writer
        .create_project(&actor, "Busy", "")
        .await
        .expect("project");
    let base = writer.counts(&p).await.expect("counts").changes;
    // A second connection pool on the same file takes the backups.
    let reader = App::new(Arc::new(
        SqliteStore::open(db.to_str().expect("path"))
            .await
            .expect("open"),
    ));
    let writing = {
        let (writer, actor, p) = (writer.clone(), actor.clone(), p.clone());
        tokio::spawn(async move {
            for i in 0..150 {
                writer
                    .create_code(&actor, &p, &format!("code {i:03}"), None, None, "", true)
                    .await
                    .expect("write while backing up");
            }
        })
    };
    let mut taken = Vec::new();
    for i in 0..6 {
        let to = dir.path().join(format!("copy-{i}.db"));
        reader.backup_to_file(&to).await.expect("online backup");
        taken.push(to);
        tokio::task::yield_now().await;
    }
    writing.await.expect("writer");
    for copy in &taken {
        let report = SqliteStore::verify(copy).await.expect("verify");
        assert!(report.is_sound(), "{:?}", report.integrity);
        let held = &report.projects[0];
        // Every code came with its log entry in one transaction: a copy
        // holds both or neither.
        assert_eq!(held.changes, held.codes + base, "{copy:?}: {held:?}");
    }
    let last = SqliteStore::verify(&taken[taken.len() - 1])
        .await
        .expect("verify");
    assert!(last.projects[0].codes <= 150);
}

#[test]
fn automatic_backup_is_taken_once_a_day_and_keeps_the_newest() {
    if common::skip_on_postgres("this test") {
        return;
    }
    let env = Env::new();
    let dir = env.path();
    // A new, empty database has nothing worth backing up.
    let out = run_auto(dir, &["project", "new", "Study"], &[]);
    ok(out, "project new");
    assert!(backups(dir).is_empty());
    // The next command finds projects and no backup: it takes one first.
    let out = run_auto(dir, &["code", "new", "a"], &[]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    ok(out, "code new");
    assert!(err.contains("backed up the database"), "{err}");
    let first = backups(dir);
    assert_eq!(first.len(), 1, "{first:?}");
    // It holds the state before the command ran.
    let check = Env::new();
    std::fs::copy(
        dir.join("axial.db.backups").join(&first[0]),
        check.file("axial.db"),
    )
    .expect("copy");
    assert_eq!(check.json(&["stats"])["codes"], 0);
    // Within the day: no second backup.
    ok(run_auto(dir, &["code", "new", "b"], &[]), "code new");
    assert_eq!(backups(dir), first);

    // Make it old, with eight older ones: a new one is due, and only the
    // newest three are kept.
    let folder = dir.join("axial.db.backups");
    std::fs::rename(
        folder.join(&first[0]),
        folder.join(format!("axial-{}.db", days_ago(2))),
    )
    .expect("age the backup");
    for d in 3..11 {
        std::fs::copy(
            folder.join(format!("axial-{}.db", days_ago(2))),
            folder.join(format!("axial-{}.db", days_ago(d))),
        )
        .expect("an old backup");
    }
    // Turned off: nothing happens even though one is due.
    ok(
        run_auto(dir, &["stats"], &[("AXIAL_NO_AUTO_BACKUP", "1")]),
        "stats",
    );
    assert_eq!(backups(dir).len(), 9);
    ok(
        run_auto(dir, &["stats", "--keep-backups", "3"], &[]),
        "stats",
    );
    let left = backups(dir);
    assert_eq!(left.len(), 3, "{left:?}");
    assert!(
        left.contains(&format!("axial-{}.db", days_ago(2))),
        "{left:?}"
    );
    assert!(
        left.contains(&format!("axial-{}.db", days_ago(3))),
        "{left:?}"
    );
    // The third is the one just taken.
    let old: Vec<String> = (2..11)
        .map(|d| format!("axial-{}.db", days_ago(d)))
        .collect();
    assert_eq!(
        left.iter().filter(|n| !old.contains(n)).count(),
        1,
        "{left:?}"
    );
    // Keeping none is refused.
    let out = run_auto(dir, &["stats", "--keep-backups", "0"], &[]);
    assert!(!out.status.success());
}
