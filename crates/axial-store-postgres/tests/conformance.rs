//! The backend-neutral store conformance suite run against PostgreSQL (a
//! fresh database per test on the server named by `AXIAL_TEST_PG`), plus the
//! PostgreSQL-specific behaviour: an unreachable server, schema versions,
//! concurrent writers in two pools, constraint wording, damaged rows and one
//! large commit.
//!
//! Start a throwaway server first: `eval "$(scripts/pg.sh start)"`, run
//! `cargo test -p axial-store-postgres`, then `scripts/pg.sh stop`. Without
//! `AXIAL_TEST_PG` the tests that need a server fail and say so.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axial_core::{Action, Code, CodeId, Entity, Op, Version};
use axial_store::conformance::{self, commit_ok, new_code, new_coding, new_project, study};
use axial_store::{CodingFilter, Store, StoreError};
use axial_store_postgres::PgStore;
use sqlx::{Connection, PgConnection};

/// The server URL from `AXIAL_TEST_PG`, or a failure saying how to get one.
fn server_url() -> String {
    match std::env::var("AXIAL_TEST_PG") {
        Ok(url) if !url.trim().is_empty() => url,
        _ => panic!(
            "AXIAL_TEST_PG is not set: these tests need a PostgreSQL server; \
             run `eval \"$(scripts/pg.sh start)\"` from the repository root first \
             (and `scripts/pg.sh stop` afterwards)"
        ),
    }
}

/// `url` with its database replaced by `database`.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let authority_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[authority_end..].find('/') {
        Some(i) => &base[..authority_end + i],
        None => base,
    };
    format!("{base}/{database}{query}")
}

/// Creates an empty database with a unique name and returns its URL.
async fn fresh_database(purpose: &str) -> String {
    let url = server_url();
    let mut admin = PgConnection::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach the test server {url}: {e}"));
    let name = format!(
        "axial_{purpose}_{}",
        uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .get(..12)
            .unwrap_or("x")
    );
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap_or_else(|e| panic!("cannot create database {name}: {e}"));
    let _ = admin.close().await;
    with_database(&url, &name)
}

async fn fresh_store(purpose: &str) -> (PgStore, String) {
    let url = fresh_database(purpose).await;
    let store = PgStore::connect(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot open {url}: {e}"));
    (store, url)
}

#[test]
fn database_urls_are_rewritten_keeping_user_host_and_parameters() {
    let check = |url: &str, want: &str| assert_eq!(with_database(url, "t1"), want);
    check(
        "postgres://a@127.0.0.1:5000/postgres",
        "postgres://a@127.0.0.1:5000/t1",
    );
    check(
        "postgres://a@127.0.0.1:5000",
        "postgres://a@127.0.0.1:5000/t1",
    );
    check(
        "postgres://a:b@h/postgres?sslmode=disable",
        "postgres://a:b@h/t1?sslmode=disable",
    );
}

#[tokio::test]
async fn conformance_on_fresh_databases() {
    conformance::run_all(|| async { Arc::new(fresh_store("conf").await.0) as Arc<dyn Store> })
        .await;
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_quickly() {
    // a port nobody listens on: bind one, then let it go
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let started = Instant::now();
    let err = PgStore::connect(&format!("postgres://axial@127.0.0.1:{port}/nowhere"))
        .await
        .expect_err("nothing listens there");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "took {:?}",
        started.elapsed()
    );
    match err {
        StoreError::Unavailable { detail } => {
            assert!(detail.contains(&format!("127.0.0.1:{port}")), "{detail}");
            assert!(detail.contains("nowhere"), "{detail}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_missing_database_is_unavailable_with_advice() {
    let url = with_database(&server_url(), "axial_no_such_database");
    match PgStore::connect(&url).await {
        Err(StoreError::Unavailable { detail }) => {
            assert!(detail.contains("axial_no_such_database"), "{detail}");
            assert!(detail.contains("create the database"), "{detail}");
        }
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn reconnecting_keeps_data_and_a_newer_schema_is_refused() {
    let (store, url) = fresh_store("schema").await;
    let st = study(&store, "Reopened").await;
    store.close().await;
    assert!(matches!(
        store.projects().await,
        Err(StoreError::Unavailable { .. })
    ));
    let again = PgStore::connect(&url).await.expect("reconnect");
    assert_eq!(
        again
            .codings(st.fx.p(), &CodingFilter::all())
            .await
            .expect("codings")
            .len(),
        st.codings.len()
    );
    again.close().await;

    let mut raw = PgConnection::connect(&url).await.expect("raw connection");
    let future = axial_store_postgres::migrate::latest() + 1;
    sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, 'from the future', 0)")
        .bind(future)
        .execute(&mut raw)
        .await
        .expect("write a future version");
    let _ = raw.close().await;
    match PgStore::connect(&url).await {
        Err(StoreError::NewerSchema { found, supported }) => {
            assert_eq!(found, future);
            assert_eq!(supported, axial_store_postgres::migrate::latest());
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
}

/// Two stores (two pools, as two server processes would have) on one database.
async fn two_pools(purpose: &str) -> (PgStore, PgStore) {
    let (a, url) = fresh_store(purpose).await;
    let b = PgStore::connect(&url).await.expect("second pool");
    (a, b)
}

#[tokio::test]
async fn two_stale_updates_from_two_pools_give_exactly_one_conflict() {
    let (a, b) = two_pools("race").await;
    let st = study(&a, "Race").await;
    for round in 0..10 {
        let current = a
            .codes(st.fx.p())
            .await
            .expect("codes")
            .into_iter()
            .find(|c| c.id == st.other.id)
            .expect("the code");
        let edit = |who: &str| {
            let after = Code {
                description: format!("{who} in round {round}"),
                ..current.clone()
            };
            st.fx.change(
                Action::CodeUpdate,
                vec![Op::update(
                    Entity::Code(current.clone()),
                    Entity::Code(after),
                )],
            )
        };
        let (ra, rb) = tokio::join!(a.commit(edit("a")), b.commit(edit("b")));
        let (won, lost) = match (ra, rb) {
            (Ok(_), Err(e)) => ("a", e),
            (Err(e), Ok(_)) => ("b", e),
            other => panic!("round {round}: expected one success and one conflict, got {other:?}"),
        };
        match lost {
            StoreError::Conflict {
                expected, found, ..
            } => {
                assert_eq!(expected, current.version);
                assert_eq!(found, Some(Version(current.version.0 + 1)));
            }
            other => panic!("round {round}: expected Conflict, got {other:?}"),
        }
        let stored = b.codes(st.fx.p()).await.expect("codes");
        let stored = stored
            .iter()
            .find(|c| c.id == st.other.id)
            .expect("the code");
        assert_eq!(stored.description, format!("{won} in round {round}"));
    }
}

#[tokio::test]
async fn concurrent_codings_from_two_pools_are_all_kept_in_commit_order() {
    let (a, b) = two_pools("many").await;
    let a = Arc::new(a);
    let b = Arc::new(b);
    let st = study(&*a, "Many coders").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let mut tasks = Vec::new();
    for i in 0..40u32 {
        let store = if i % 2 == 0 { a.clone() } else { b.clone() };
        let coding = new_coding(
            p,
            st.sources[(i % 2) as usize].id,
            st.other.id,
            i % 20,
            i % 20 + 3,
            u,
        );
        let cs = st.fx.change(
            Action::CodingApply,
            vec![Op::insert(Entity::Coding(coding.clone()))],
        );
        tasks.push(tokio::spawn(
            async move { (store.commit(cs).await, coding) },
        ));
    }
    let mut want = st.codings.clone();
    let mut seqs = Vec::new();
    for t in tasks {
        let (done, coding) = t.await.expect("task");
        seqs.push(done.expect("every coding commits").seq);
        want.push(coding);
    }
    want.sort_by_key(|c| (c.source, c.span.start(), c.span.end(), c.id));
    assert_eq!(
        a.codings(p, &CodingFilter::all()).await.expect("codings"),
        want
    );
    seqs.sort();
    seqs.dedup();
    assert_eq!(seqs.len(), 40, "every commit has its own change number");
}

#[tokio::test]
async fn the_same_change_undone_from_two_pools_is_reverted_once() {
    let (a, b) = two_pools("undo").await;
    let st = study(&a, "Undo race").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let coding = new_coding(p, st.sources[0].id, st.parent.id, 1, 4, u);
    let applied = commit_ok(
        &a,
        st.fx.change(
            Action::CodingApply,
            vec![Op::insert(Entity::Coding(coding.clone()))],
        ),
    )
    .await;
    let undo = || {
        let mut cs = st.fx.change(
            Action::Undo,
            vec![Op::delete(Entity::Coding(coding.clone()))],
        );
        cs.reverts = Some(applied.seq);
        cs
    };
    let (ra, rb) = tokio::join!(a.commit(undo()), b.commit(undo()));
    let errors: Vec<StoreError> = [ra, rb].into_iter().filter_map(Result::err).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        matches!(
            errors[0],
            StoreError::Conflict { .. } | StoreError::AlreadyReverted { .. }
        ),
        "{errors:?}"
    );
    let change = a.change(applied.seq).await.expect("the change");
    assert!(change.reverted_by.is_some());
}

fn constraint_message(err: StoreError) -> String {
    match err {
        StoreError::Constraint { message } => message,
        other => panic!("expected a Constraint error, got {other:?}"),
    }
}

#[tokio::test]
async fn constraint_errors_name_the_thing() {
    let (store, _) = fresh_store("words").await;
    let st = study(&store, "Messages").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let insert = |e: Entity| st.fx.change(Action::CodeCreate, vec![Op::insert(e)]);
    let check = async |cs, want: &str| {
        let err = store.commit(cs).await.expect_err(want);
        let message = constraint_message(err);
        assert!(message.contains(want), "{message}");
    };
    check(
        insert(Entity::Code(new_code(p, "workload", None, u))),
        "a code named 'workload' already exists at the top level of the code tree",
    )
    .await;
    check(
        insert(Entity::Code(new_code(
            p,
            "staffing gaps",
            Some(st.parent.id),
            u,
        ))),
        "a code named 'staffing gaps' already exists under the same parent ('workload')",
    )
    .await;
    let missing = CodeId::new();
    check(
        insert(Entity::Coding(new_coding(
            p,
            st.sources[0].id,
            missing,
            0,
            3,
            u,
        ))),
        &format!("refers to code {missing}, which does not exist"),
    )
    .await;
    check(
        st.fx.change(
            Action::CodeDelete,
            vec![Op::delete(Entity::Code(st.other.clone()))],
        ),
        "code 'coping' cannot be deleted: it still has 2 coding(s) and 0 child code(s)",
    )
    .await;
    let twin = new_project("Messages");
    check(
        conformance::inserts(
            Some(twin.id),
            u,
            Action::ProjectCreate,
            vec![Entity::Project(twin)],
        ),
        "a project named 'Messages' already exists; choose another name",
    )
    .await;
}

#[tokio::test]
async fn a_damaged_row_is_reported_as_corrupt() {
    let (store, url) = fresh_store("damaged").await;
    let st = study(&store, "Damaged").await;
    let mut raw = PgConnection::connect(&url).await.expect("raw connection");
    sqlx::query("UPDATE codes SET color = 'teal' WHERE id = $1")
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

#[tokio::test]
async fn a_hundred_thousand_codings_commit_in_one_change() {
    let (store, _) = fresh_store("bulk").await;
    let st = study(&store, "Bulk").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let codes = [st.parent.id, st.child.id, st.other.id];
    let mut cs = st.fx.change(Action::CodingApply, Vec::new());
    for i in 0..100_000u32 {
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
    let started = Instant::now();
    commit_ok(&store, cs).await;
    let committed = started.elapsed();
    let started = Instant::now();
    let all = store
        .codings(p, &CodingFilter::all())
        .await
        .expect("codings");
    let read = started.elapsed();
    eprintln!("100,000 codings: commit {committed:?}, read all {read:?}");
    assert_eq!(all.len(), 100_000 + st.codings.len());
    let counts = store.counts(p).await.expect("counts");
    assert_eq!(counts.codings, 100_000 + st.codings.len() as u64);
    let one_code = store
        .codings(p, &CodingFilter::code(st.child.id))
        .await
        .expect("codings");
    assert_eq!(one_code.len(), 33_333 + 1);
    assert!(one_code.iter().all(|c| c.code == st.child.id));
}
