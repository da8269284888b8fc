//! The backend-neutral store conformance suite run against SQLite (a fresh
//! temporary file per test, and once in memory), plus the SQLite-specific
//! behaviour: reopening, schema versions, locking, large commits and
//! location warnings.

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axial_core::CodeId;
use axial_core::{Action, Entity, Op};
use axial_store::conformance::{
    self, commit_ok, new_case, new_code, new_coding, new_project, setup, study,
};
use axial_store::{CodingFilter, Store, StoreError};
use axial_store_sqlite::{location_warning, SqliteOptions, SqliteStore};
use sqlx::Connection;

#[tokio::test]
async fn conformance_on_temp_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    let n = AtomicUsize::new(0);
    conformance::run_all(|| {
        let path = dir
            .path()
            .join(format!("store-{}.db", n.fetch_add(1, Ordering::SeqCst)));
        async move {
            let store = SqliteStore::open(&path.to_string_lossy())
                .await
                .expect("open temp store");
            Arc::new(store) as Arc<dyn Store>
        }
    })
    .await;
}

#[tokio::test]
async fn conformance_in_memory() {
    conformance::run_all(|| async {
        Arc::new(
            SqliteStore::open_in_memory()
                .await
                .expect("open in-memory store"),
        ) as Arc<dyn Store>
    })
    .await;
}

fn db(dir: &Path, name: &str) -> String {
    dir.join(name).to_string_lossy().into_owned()
}

#[tokio::test]
async fn data_survives_reopening_the_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = db(dir.path(), "study.db");
    let (project, codings) = {
        let store = SqliteStore::open(&path).await.expect("open");
        assert_eq!(store.path(), Some(Path::new(&path)));
        let st = study(&store, "Reopened").await;
        store.close().await;
        (st.fx.project, st.codings)
    };
    let url = format!("sqlite://{path}");
    let store = SqliteStore::open(&url)
        .await
        .expect("reopen through a sqlite: URL");
    assert_eq!(store.project(project.id).await.expect("project"), project);
    let mut want = codings;
    want.sort_by_key(|c| (c.source, c.span.start(), c.span.end(), c.id));
    assert_eq!(
        store
            .codings(project.id, &CodingFilter::all())
            .await
            .expect("codings"),
        want
    );
}

#[tokio::test]
async fn a_newer_schema_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = db(dir.path(), "newer.db");
    SqliteStore::open(&path)
        .await
        .expect("create")
        .close()
        .await;
    let mut raw = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .expect("raw connection");
    sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, 'from the future', 0)")
        .bind(axial_store_sqlite::migrate::latest() + 1)
        .execute(&mut raw)
        .await
        .expect("write a future version");
    raw.close().await.expect("close raw connection");
    match SqliteStore::open(&path).await {
        Err(StoreError::NewerSchema { found, supported }) => {
            assert_eq!(found, axial_store_sqlite::migrate::latest() + 1);
            assert_eq!(supported, axial_store_sqlite::migrate::latest());
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
}

#[tokio::test]
async fn a_write_blocked_by_another_connection_is_locked() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = db(dir.path(), "locked.db");
    let options = SqliteOptions {
        busy_timeout: Duration::from_millis(200),
        ..SqliteOptions::default()
    };
    let store = SqliteStore::open_with(&path, options).await.expect("open");
    let fx = setup(&store, "Locked").await;

    // another "process": its own connection holding the write lock
    let mut other = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .expect("second connection");
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut other)
        .await
        .expect("take the write lock");
    let started = Instant::now();
    let err = store
        .commit(fx.change(
            Action::CaseCreate,
            vec![Op::insert(Entity::Case(new_case(fx.p(), "P01")))],
        ))
        .await
        .expect_err("the write lock is held elsewhere");
    assert!(
        matches!(err, StoreError::Locked { .. }),
        "expected Locked, got {err:?}"
    );
    assert!(
        err.to_string().contains("another Axial process is writing"),
        "{err}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "gave up within the busy timeout"
    );
    // reads still work while the other writer holds the lock
    assert_eq!(
        store
            .cases(fx.p())
            .await
            .expect("read during a foreign write"),
        vec![]
    );

    sqlx::query("ROLLBACK")
        .execute(&mut other)
        .await
        .expect("release the lock");
    commit_ok(
        &store,
        fx.change(
            Action::CaseCreate,
            vec![Op::insert(Entity::Case(new_case(fx.p(), "P01")))],
        ),
    )
    .await;
    assert_eq!(store.cases(fx.p()).await.expect("cases").len(), 1);
}

#[tokio::test]
async fn a_bad_location_is_unavailable() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = db(&dir.path().join("no such folder"), "x.db");
    match SqliteStore::open(&path).await {
        Err(StoreError::Unavailable { detail }) => {
            assert!(detail.contains("no such folder"), "{detail}")
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn many_codings_commit_in_one_change_and_filter_by_index() {
    let store = SqliteStore::open_in_memory().await.expect("open");
    let st = study(&store, "Bulk").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let codes = [st.parent.id, st.child.id, st.other.id];
    let mut cs = st.fx.change(Action::CodingApply, Vec::new());
    for i in 0..20_000u32 {
        let source = &st.sources[(i % 2) as usize];
        cs.push(Op::insert(Entity::Coding(new_coding(
            p,
            source.id,
            codes[(i % 3) as usize],
            i % 40,
            i % 40 + 5,
            u,
        ))));
    }
    commit_ok(&store, cs).await;
    let counts = store.counts(p).await.expect("counts");
    assert_eq!(counts.codings, 20_000 + st.codings.len() as u64);
    let one_code = store
        .codings(p, &CodingFilter::code(st.child.id))
        .await
        .expect("codings");
    assert_eq!(one_code.len(), 6_667 + 1);
    assert!(one_code.iter().all(|c| c.code == st.child.id));
}

fn constraint_message(err: StoreError) -> String {
    match err {
        StoreError::Constraint { message } => message,
        other => panic!("expected a Constraint error, got {other:?}"),
    }
}

#[tokio::test]
async fn constraint_errors_name_the_thing() {
    let store = SqliteStore::open_in_memory().await.expect("open");
    let st = study(&store, "Messages").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let insert = |e: Entity| st.fx.change(Action::CodeCreate, vec![Op::insert(e)]);

    let top = new_code(p, "workload", None, u);
    let err = store
        .commit(insert(Entity::Code(top)))
        .await
        .expect_err("duplicate");
    assert_eq!(
        constraint_message(err),
        "a code named 'workload' already exists at the top level of the code tree"
    );
    let child = new_code(p, "staffing gaps", Some(st.parent.id), u);
    let err = store
        .commit(insert(Entity::Code(child)))
        .await
        .expect_err("duplicate");
    assert_eq!(
        constraint_message(err),
        "a code named 'staffing gaps' already exists under the same parent ('workload')"
    );
    let missing = CodeId::new();
    let coding = new_coding(p, st.sources[0].id, missing, 0, 3, u);
    let err = store
        .commit(insert(Entity::Coding(coding)))
        .await
        .expect_err("missing code");
    let message = constraint_message(err);
    assert!(
        message.contains(&format!("refers to code {missing}, which does not exist")),
        "{message}"
    );
    let err = store
        .commit(st.fx.change(
            Action::CodeDelete,
            vec![Op::delete(Entity::Code(st.other.clone()))],
        ))
        .await
        .expect_err("code with codings");
    assert_eq!(
        constraint_message(err),
        "code 'coping' cannot be deleted: it still has 2 coding(s) and 0 child code(s); \
         delete or move them in the same change first"
    );
    let twin = new_project("Messages");
    let err = store
        .commit(conformance::inserts(
            Some(twin.id),
            u,
            Action::ProjectCreate,
            vec![Entity::Project(twin)],
        ))
        .await
        .expect_err("duplicate project");
    assert_eq!(
        constraint_message(err),
        "a project named 'Messages' already exists; choose another name"
    );
}

#[tokio::test]
async fn a_damaged_row_is_reported_as_corrupt() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = db(dir.path(), "damaged.db");
    let store = SqliteStore::open(&path).await.expect("open");
    let st = study(&store, "Damaged").await;
    let mut raw = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .expect("raw connection");
    sqlx::query("UPDATE codes SET color = 'teal' WHERE id = ?")
        .bind(st.other.id.to_string())
        .execute(&mut raw)
        .await
        .expect("damage a row");
    match store.codes(st.fx.p()).await {
        Err(StoreError::Corrupt { detail }) => {
            assert!(detail.contains("table codes"), "{detail}");
            assert!(detail.contains(&st.other.id.to_string()), "{detail}");
            assert!(detail.contains("column color"), "{detail}");
        }
        other => panic!("expected Corrupt, got {other:?}"),
    }
}

#[test]
fn location_warnings() {
    let check = |path: &str, warn: bool| {
        let got = location_warning(Path::new(path));
        assert_eq!(got.is_some(), warn, "{path}: {got:?}");
    };
    check("/home/a/Dropbox/x.db", true);
    check(
        "/Users/a/Library/Mobile Documents/com~apple~CloudDocs/x.db",
        true,
    );
    check(r"C:\Users\a\OneDrive\x.db", true);
    check("/tmp/x.db", false);
}

#[tokio::test]
async fn online_backup_is_a_complete_consistent_copy() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = db(dir.path(), "live.db");
    let store = SqliteStore::open(&path).await.expect("open");
    let st = study(&store, "Backed up").await;
    let copy = dir.path().join("backup.db");
    store.backup_to(&copy).await.expect("backup");
    // The live database keeps working while and after the copy is taken.
    commit_ok(
        &store,
        st.fx.change(
            Action::CaseCreate,
            vec![Op::insert(Entity::Case(new_case(st.fx.p(), "P9")))],
        ),
    )
    .await;
    let want = {
        let mut s = store.snapshot(st.fx.p()).await.expect("snapshot");
        s.cases.clear();
        s
    };
    assert!(!dir.path().join("backup.partial").exists());
    let restored = SqliteStore::open(&copy.to_string_lossy())
        .await
        .expect("open backup");
    let got = restored.snapshot(st.fx.p()).await.expect("snapshot");
    assert_eq!(got, want);
    assert_eq!(
        restored
            .text(st.sources[0].content_hash)
            .await
            .expect("text"),
        store.text(st.sources[0].content_hash).await.expect("text")
    );
    // A backup into a folder that does not exist fails clearly and leaves nothing.
    let err = store
        .backup_to(&dir.path().join("missing/backup.db"))
        .await
        .expect_err("no folder");
    assert!(err.to_string().contains("backup"), "{err}");
}
