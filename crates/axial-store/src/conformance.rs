//! The conformance suite: backend-neutral tests every [`Store`] must pass.
//!
//! Each test is a `pub async fn name(store: &dyn Store)` that expects a fresh,
//! empty store and panics when the backend breaks the contract written on
//! the [`Store`] trait. [`run_all`] runs every test in [`TESTS`] against a
//! fresh store from a factory and reports the failing tests by name; a
//! backend may also run them one by one. The fixture builders (`new_code`,
//! `new_source`, …) make valid core values for a project and are public so
//! backend-specific tests can reuse them.
//!
//! The suite tests only what the trait promises (orders, errors, atomicity,
//! the log); it does not look at how a backend stores anything, and it needs
//! no async runtime of its own.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use axial_core::{
    Account, Action, Case, CaseId, Change, ChangeSeq, ChangeSet, Code, CodeId, CodeRelation,
    Coding, CodingId, Color, ContentHash, Entity, EntityKind, Memo, MemoId, MemoKind, MemoLink, Op,
    Project, ProjectId, Record, RecordId, RecordKind, RelationKind, Scrub, Session, Set, SetMember,
    Source, SourceId, SourceKind, Span, Structure, Subject, Timestamp, Turn, User, UserId, Value,
    Variable, VariableId, VariableKind, VariableValue, Version,
};
use uuid::Uuid;

use crate::{CodingFilter, HistoryQuery, ProjectCounts, Store, StoreError};

/// The future of one conformance test.
pub type TestFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;
/// One conformance test, as listed in [`TESTS`].
pub type TestFn = for<'a> fn(&'a dyn Store) -> TestFuture<'a>;
/// Something that makes a fresh, empty store per test.
pub type Factory =
    Box<dyn Fn() -> Pin<Box<dyn Future<Output = Arc<dyn Store>> + Send>> + Send + Sync>;

macro_rules! suite {
    ($($name:ident),* $(,)?) => {
        mod listed {
            use super::*;
            $(
                pub(super) fn $name(store: &dyn Store) -> TestFuture<'_> {
                    Box::pin(super::$name(store))
                }
            )*
        }
        /// Every conformance test with its name, in the order [`run_all`] runs them.
        pub const TESTS: &[(&str, TestFn)] = &[$((stringify!($name), listed::$name as TestFn)),*];
    };
}

suite!(
    users_round_trip,
    projects_round_trip,
    entities_round_trip,
    listing_orders,
    coding_filters,
    insert_of_existing_id_fails_and_persists_nothing,
    failure_late_in_a_change_set_undoes_everything,
    stale_update_or_delete_is_a_conflict,
    update_or_delete_of_missing_row_is_a_conflict_with_nothing_found,
    code_names_are_unique_among_siblings,
    project_names_are_unique,
    names_are_unique_per_project_and_one_value_per_subject,
    references_must_exist,
    code_with_codings_cannot_be_deleted_alone,
    texts_are_kept_by_hash,
    updates_are_stored,
    history_order_and_filters,
    reverts_are_marked_once,
    undo_and_redo_candidates,
    logged_ops_round_trip,
    delete_project_removes_only_that_project,
    counts_match_contents,
    snapshot_equals_individual_reads,
    missing_things_are_not_found,
    long_runs_of_like_ops_fail_at_the_exact_op,
    records_round_trip_with_unique_keys,
    accounts_and_sessions,
    scrub_rewrites_the_log_and_purges_texts,
    a_dump_loads_into_an_empty_store_only,
    interleaved_inserts_commit_and_undo,
);

/// Runs every conformance test against a fresh store from `make`; after all
/// have run, panics naming each failing test and its message.
pub async fn run_all<F, Fut>(make: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = Arc<dyn Store>>,
{
    let mut failures = Vec::new();
    for (name, test) in TESTS {
        let store = make().await;
        if let Err(payload) = (CatchUnwind {
            inner: test(&*store),
        })
        .await
        {
            failures.push(format!("  {name}: {}", panic_text(&*payload)));
        }
    }
    if !failures.is_empty() {
        panic!(
            "{} of {} store conformance tests failed:\n{}",
            failures.len(),
            TESTS.len(),
            failures.join("\n")
        );
    }
}

/// Polls a test, turning a panic into an error so the next test still runs.
struct CatchUnwind<F> {
    inner: F,
}

impl<F: Future<Output = ()> + Unpin> Future for CatchUnwind<F> {
    type Output = Result<(), Box<dyn Any + Send>>;
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let inner = &mut self.get_mut().inner;
        match std::panic::catch_unwind(AssertUnwindSafe(|| Pin::new(&mut *inner).poll(cx))) {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(())) => Poll::Ready(Ok(())),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

fn panic_text(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s.to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(panic without a message)".to_string()
    }
}

// ---------------------------------------------------------------------------
// Fixtures
// ---------------------------------------------------------------------------

/// A fixed instant `secs` seconds after 2023-11-14, so orders are deterministic.
pub fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_timestamp(1_700_000_000 + secs).expect("a 2023 timestamp is in range")
}

pub fn new_user(name: &str, display_name: &str) -> User {
    User {
        id: UserId::new(),
        name: name.into(),
        display_name: display_name.into(),
        created_at: at(0),
        version: Version::FIRST,
    }
}

pub fn new_project(name: &str) -> Project {
    Project {
        id: ProjectId::new(),
        name: name.into(),
        description: String::new(),
        created_at: at(0),
        version: Version::FIRST,
    }
}

pub fn new_case(project: ProjectId, name: &str) -> Case {
    Case {
        id: CaseId::new(),
        project,
        name: name.into(),
        description: String::new(),
        version: Version::FIRST,
    }
}

pub fn new_variable(project: ProjectId, name: &str, kind: VariableKind) -> Variable {
    Variable {
        id: VariableId::new(),
        project,
        name: name.into(),
        kind,
        description: String::new(),
        version: Version::FIRST,
    }
}

pub fn new_value(
    project: ProjectId,
    variable: VariableId,
    subject: Subject,
    value: Value,
) -> VariableValue {
    VariableValue {
        id: axial_core::ValueId::new(),
        project,
        variable,
        subject,
        value,
        version: Version::FIRST,
    }
}

pub fn new_set(project: ProjectId, name: &str, members: Vec<SetMember>) -> Set {
    Set {
        id: axial_core::SetId::new(),
        project,
        name: name.into(),
        description: String::new(),
        members,
        version: Version::FIRST,
    }
}

pub fn new_code(project: ProjectId, name: &str, parent: Option<CodeId>, by: UserId) -> Code {
    Code {
        id: CodeId::new(),
        project,
        parent,
        name: name.into(),
        color: Color::palette(name.len()),
        description: format!("what '{name}' means"),
        inclusion: String::new(),
        exclusion: String::new(),
        example: String::new(),
        codable: true,
        created_by: by,
        created_at: at(1),
        version: Version::FIRST,
    }
}

/// A stand-in content hash: the store treats hashes as opaque keys, so the
/// suite derives one from the text without a SHA-256 dependency.
pub fn hash_of(text: &str) -> ContentHash {
    let a = Uuid::new_v5(&Uuid::NAMESPACE_OID, text.as_bytes());
    let b = Uuid::new_v5(&Uuid::NAMESPACE_URL, text.as_bytes());
    let mut out = [0u8; 32];
    out[..16].copy_from_slice(a.as_bytes());
    out[16..].copy_from_slice(b.as_bytes());
    ContentHash(out)
}

/// A source of `text` and the text entry its import change set must carry.
pub fn new_source(
    project: ProjectId,
    name: &str,
    text: &str,
    by: UserId,
) -> (Source, (ContentHash, Arc<str>)) {
    let hash = hash_of(text);
    let len = u32::try_from(text.chars().count()).expect("fixture texts are short");
    let source = Source {
        id: SourceId::new(),
        project,
        name: name.into(),
        kind: SourceKind::Text,
        content_hash: hash,
        char_len: len,
        imported_at: at(2),
        imported_by: by,
        case: None,
        description: String::new(),
        structure: Default::default(),
        revision_of: None,
        version: Version::FIRST,
    };
    (source, (hash, Arc::from(text)))
}

pub fn span(start: u32, end: u32) -> Span {
    Span::unbounded(start, end).expect("fixture spans have start < end")
}

pub fn new_coding(
    project: ProjectId,
    source: SourceId,
    code: CodeId,
    start: u32,
    end: u32,
    coder: UserId,
) -> Coding {
    Coding {
        id: CodingId::new(),
        project,
        source,
        code,
        span: span(start, end),
        coder,
        created_at: at(3),
        version: Version::FIRST,
    }
}

pub fn new_memo(
    project: ProjectId,
    title: &str,
    body: &str,
    links: Vec<MemoLink>,
    author: UserId,
) -> Memo {
    Memo {
        id: MemoId::new(),
        project,
        title: title.into(),
        body: body.into(),
        kind: MemoKind::Theoretical,
        links,
        author,
        created_at: at(4),
        updated_at: at(4),
        version: Version::FIRST,
    }
}

pub fn new_relation(
    project: ProjectId,
    from: CodeId,
    to: CodeId,
    kind: RelationKind,
    by: UserId,
) -> CodeRelation {
    CodeRelation {
        id: axial_core::RelationId::new(),
        project,
        from,
        to,
        kind,
        label: String::new(),
        created_by: by,
        created_at: at(5),
        version: Version::FIRST,
    }
}

/// A change set of inserts.
pub fn inserts(
    project: Option<ProjectId>,
    author: UserId,
    action: Action,
    entities: Vec<Entity>,
) -> ChangeSet {
    let mut cs = ChangeSet::new(
        project,
        author,
        action,
        format!("{action} ({} ops)", entities.len()),
    );
    cs.ops = entities.into_iter().map(Op::insert).collect();
    cs
}

/// Commits and panics with the store's error if it fails.
pub async fn commit_ok(store: &dyn Store, cs: ChangeSet) -> Change {
    let what = format!("{} '{}'", cs.action, cs.summary);
    match store.commit(cs).await {
        Ok(c) => c,
        Err(e) => panic!("commit of {what} failed: {e}"),
    }
}

/// Commits a change set that must fail, returning the error.
pub async fn commit_err(store: &dyn Store, cs: ChangeSet) -> StoreError {
    let what = format!("{} '{}'", cs.action, cs.summary);
    match store.commit(cs).await {
        Ok(c) => panic!(
            "commit of {what} should have failed but was logged as change {}",
            c.seq
        ),
        Err(e) => e,
    }
}

fn assert_constraint(err: StoreError, what: &str) {
    assert!(
        matches!(err, StoreError::Constraint { .. }),
        "{what}: expected a Constraint error, got {err:?}"
    );
}

/// A user and a project, committed.
pub struct Fixture {
    pub user: User,
    pub project: Project,
}

impl Fixture {
    pub fn p(&self) -> ProjectId {
        self.project.id
    }
    pub fn u(&self) -> UserId {
        self.user.id
    }
    /// A change set in the fixture's project by its user.
    pub fn change(&self, action: Action, ops: Vec<Op>) -> ChangeSet {
        let mut cs = ChangeSet::new(Some(self.p()), self.u(), action, format!("{action}"));
        cs.ops = ops;
        cs
    }
}

/// Creates a user ("ana of NAME") and a project named `name`.
pub async fn setup(store: &dyn Store, name: &str) -> Fixture {
    let user = new_user(&format!("ana of {name}"), "Ana Lima");
    commit_ok(
        store,
        inserts(
            None,
            user.id,
            Action::UserCreate,
            vec![Entity::User(user.clone())],
        ),
    )
    .await;
    let project = add_project(store, user.id, name).await;
    Fixture { user, project }
}

async fn add_project(store: &dyn Store, author: UserId, name: &str) -> Project {
    let project = new_project(name);
    commit_ok(
        store,
        inserts(
            Some(project.id),
            author,
            Action::ProjectCreate,
            vec![Entity::Project(project.clone())],
        ),
    )
    .await;
    project
}

/// A project with a small code tree, two sources and some codings.
pub struct Study {
    pub fx: Fixture,
    pub parent: Code,
    pub child: Code,
    pub other: Code,
    pub sources: [Source; 2],
    pub codings: Vec<Coding>,
}

pub async fn study(store: &dyn Store, name: &str) -> Study {
    let fx = setup(store, name).await;
    let parent = new_code(fx.p(), "workload", None, fx.u());
    let child = new_code(fx.p(), "staffing gaps", Some(parent.id), fx.u());
    let other = new_code(fx.p(), "coping", None, fx.u());
    let (s1, t1) = new_source(
        fx.p(),
        "interview 1",
        "I: How are the nights?\nP: Long. We are two short.",
        fx.u(),
    );
    let (s2, t2) = new_source(
        fx.p(),
        "interview 2",
        "P: We cover for each other, always.",
        fx.u(),
    );
    let codings = vec![
        new_coding(fx.p(), s1.id, child.id, 23, 48, fx.u()),
        new_coding(fx.p(), s1.id, other.id, 0, 10, fx.u()),
        new_coding(fx.p(), s2.id, other.id, 3, 30, fx.u()),
    ];
    let mut cs = fx.change(Action::ProjectImport, Vec::new());
    cs.texts = vec![t1, t2];
    for e in [
        Entity::Code(parent.clone()),
        Entity::Code(child.clone()),
        Entity::Code(other.clone()),
    ]
    .into_iter()
    .chain([Entity::Source(s1.clone()), Entity::Source(s2.clone())])
    .chain(codings.iter().cloned().map(Entity::Coding))
    {
        cs.push(Op::insert(e));
    }
    commit_ok(store, cs).await;
    Study {
        fx,
        parent,
        child,
        other,
        sources: [s1, s2],
        codings,
    }
}

fn sorted_codings(mut v: Vec<Coding>) -> Vec<Coding> {
    v.sort_by_key(|c| (c.source, c.span.start(), c.span.end(), c.id));
    v
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

pub async fn users_round_trip(store: &dyn Store) {
    let zoe = new_user("zoë", "Zoë Ångström-Nakamura 中村");
    let ana = new_user("ana", "Ana Lima");
    commit_ok(
        store,
        inserts(
            None,
            zoe.id,
            Action::UserCreate,
            vec![Entity::User(zoe.clone())],
        ),
    )
    .await;
    commit_ok(
        store,
        inserts(
            None,
            ana.id,
            Action::UserCreate,
            vec![Entity::User(ana.clone())],
        ),
    )
    .await;
    assert_eq!(
        store.users().await.expect("users"),
        vec![ana, zoe],
        "users are listed by name"
    );
}

pub async fn projects_round_trip(store: &dyn Store) {
    let fx = setup(store, "Pflege-Studie über Nachtdienste").await;
    let alpha = add_project(store, fx.u(), "Alpha").await;
    assert_eq!(store.project(fx.p()).await.expect("project"), fx.project);
    assert_eq!(
        store.projects().await.expect("projects"),
        vec![alpha, fx.project.clone()],
        "projects by name"
    );
}

pub async fn entities_round_trip(store: &dyn Store) {
    let fx = setup(store, "Round trip").await;
    let (p, u) = (fx.p(), fx.u());
    let case = new_case(p, "Teilnehmerin 7 — Zoë");
    let group = new_variable(
        p,
        "staff group",
        VariableKind::Category {
            values: vec!["nurse".into(), "ward manager".into()],
        },
    );
    let started = new_variable(p, "interview date", VariableKind::Date);
    let text = "I: Wie war die Nacht?\nZoë: Lang 😀 — wir waren zu zweit.\n";
    let (mut source, t) = new_source(p, "Interview Zoë", text, u);
    source.case = Some(case.id);
    source.kind = SourceKind::Vtt;
    source.description = "Nachtschicht, Station 4".into();
    source.structure = std::sync::Arc::new(Structure {
        paragraphs: vec![span(0, 21), span(22, 57)],
        turns: vec![
            Turn {
                span: span(0, 21),
                speaker: "I".into(),
                start_ms: Some(0),
                end_ms: Some(2_500),
            },
            Turn {
                span: span(22, 57),
                speaker: "Zoë".into(),
                start_ms: Some(2_500),
                end_ms: None,
            },
        ],
        pages: vec![span(0, 57)],
    });
    let date = Value::parse(&VariableKind::Date, "2024-02-29").expect("valid date");
    let v1 = new_value(
        p,
        group.id,
        Subject::Case(case.id),
        Value::Category("nurse".into()),
    );
    let v2 = new_value(p, started.id, Subject::Source(source.id), date);
    let parent = new_code(p, "Belastung", None, u);
    let mut child = new_code(p, "Personalmangel — „zu zweit“", Some(parent.id), u);
    child.codable = false;
    child.inclusion = "nur explizite Aussagen".into();
    child.color = Color::rgb(0x12, 0xab, 0xef);
    let coding = new_coding(p, source.id, child.id, 28, 56, u);
    let mut memo = new_memo(
        p,
        "Nächte ✎",
        "# Beobachtung\n\nZoë beschreibt *Zweierbesetzung* als Normalfall. 🌙",
        vec![
            MemoLink::Project,
            MemoLink::Source(source.id),
            MemoLink::Case(case.id),
            MemoLink::Code(child.id),
            MemoLink::Coding(coding.id),
        ],
        u,
    );
    memo.kind = MemoKind::Code;
    let set = new_set(
        p,
        "Nachtdienst",
        vec![
            SetMember::Source(source.id),
            SetMember::Case(case.id),
            SetMember::Code(parent.id),
            SetMember::Memo(memo.id),
        ],
    );
    let mut relation = new_relation(p, parent.id, child.id, RelationKind::Consequence, u);
    relation.label = "führt zu".into();
    let mut cs = fx.change(Action::ProjectImport, Vec::new());
    cs.texts.push(t);
    for e in [
        Entity::Case(case.clone()),
        Entity::Variable(group.clone()),
        Entity::Variable(started.clone()),
        Entity::Source(source.clone()),
        Entity::Value(v1.clone()),
        Entity::Value(v2.clone()),
        Entity::Code(parent.clone()),
        Entity::Code(child.clone()),
        Entity::Coding(coding.clone()),
        Entity::Memo(memo.clone()),
        Entity::Set(set.clone()),
        Entity::Relation(relation.clone()),
    ] {
        cs.push(Op::insert(e));
    }
    commit_ok(store, cs).await;

    assert_eq!(store.cases(p).await.expect("cases"), vec![case]);
    let mut variables = vec![group, started];
    variables.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(store.variables(p).await.expect("variables"), variables);
    let mut values = store.values(p).await.expect("values");
    values.sort_by_key(|v| v.id);
    let mut want = vec![v1, v2];
    want.sort_by_key(|v| v.id);
    assert_eq!(values, want);
    assert_eq!(
        store.sources(p).await.expect("sources"),
        vec![source.clone()]
    );
    assert_eq!(store.source(source.id).await.expect("source"), source);
    assert_eq!(&*store.text(source.content_hash).await.expect("text"), text);
    assert_eq!(
        store.codes(p).await.expect("codes"),
        vec![parent, child],
        "codes by name"
    );
    assert_eq!(
        store
            .codings(p, &CodingFilter::all())
            .await
            .expect("codings"),
        vec![coding.clone()]
    );
    assert_eq!(store.coding(coding.id).await.expect("coding"), coding);
    assert_eq!(store.memos(p).await.expect("memos"), vec![memo.clone()]);
    assert_eq!(store.memo(memo.id).await.expect("memo"), memo);
    assert_eq!(store.sets(p).await.expect("sets"), vec![set]);
    assert_eq!(store.relations(p).await.expect("relations"), vec![relation]);
}

pub async fn listing_orders(store: &dyn Store) {
    let fx = setup(store, "Orders").await;
    let (p, u) = (fx.p(), fx.u());
    let mut cs = fx.change(Action::ProjectImport, Vec::new());
    let mut sources = Vec::new();
    for (name, secs) in [("c", 10), ("b", 20), ("a", 20), ("z", 5)] {
        let (mut s, t) = new_source(p, name, &format!("text of {name}"), u);
        s.imported_at = at(secs);
        cs.texts.push(t);
        sources.push(s);
    }
    let mut codes = Vec::new();
    let root = new_code(p, "m", None, u);
    for (name, parent) in [
        ("b", None),
        ("a", Some(root.id)),
        ("c", Some(root.id)),
        ("aa", None),
    ] {
        codes.push(new_code(p, name, parent, u));
    }
    codes.insert(0, root);
    let cases: Vec<Case> = ["k", "f", "x"].iter().map(|n| new_case(p, n)).collect();
    let variables: Vec<Variable> = ["v2", "v1"]
        .iter()
        .map(|n| new_variable(p, n, VariableKind::Text))
        .collect();
    let sets: Vec<Set> = ["s9", "s1", "s5"]
        .iter()
        .map(|n| new_set(p, n, Vec::new()))
        .collect();
    let mut memos = Vec::new();
    for (title, secs) in [("late", 50), ("early", 1), ("middle", 20)] {
        let mut m = new_memo(p, title, "", Vec::new(), u);
        m.created_at = at(secs);
        m.updated_at = at(secs);
        memos.push(m);
    }
    let mut codings = Vec::new();
    for s in &sources {
        for (start, end) in [(5, 9), (0, 4), (0, 3)] {
            codings.push(new_coding(p, s.id, codes[1].id, start, end, u));
        }
    }
    // two codings with the same span differ only by id
    codings.push(new_coding(p, sources[0].id, codes[2].id, 5, 9, u));
    cs.ops.extend(
        sources
            .iter()
            .cloned()
            .map(|e| Op::insert(Entity::Source(e))),
    );
    cs.ops
        .extend(codes.iter().cloned().map(|e| Op::insert(Entity::Code(e))));
    cs.ops
        .extend(cases.iter().cloned().map(|e| Op::insert(Entity::Case(e))));
    cs.ops.extend(
        variables
            .iter()
            .cloned()
            .map(|e| Op::insert(Entity::Variable(e))),
    );
    cs.ops
        .extend(sets.iter().cloned().map(|e| Op::insert(Entity::Set(e))));
    cs.ops
        .extend(memos.iter().cloned().map(|e| Op::insert(Entity::Memo(e))));
    cs.ops.extend(
        codings
            .iter()
            .cloned()
            .map(|e| Op::insert(Entity::Coding(e))),
    );
    commit_ok(store, cs).await;

    let names = |v: Vec<String>| v.join(",");
    let got = store.sources(p).await.expect("sources");
    assert_eq!(
        names(got.into_iter().map(|s| s.name).collect()),
        "z,c,a,b",
        "sources by import time, then name"
    );
    let got = store.codes(p).await.expect("codes");
    assert_eq!(
        names(got.into_iter().map(|c| c.name).collect()),
        "a,aa,b,c,m",
        "codes by name"
    );
    let got = store.cases(p).await.expect("cases");
    assert_eq!(
        names(got.into_iter().map(|c| c.name).collect()),
        "f,k,x",
        "cases by name"
    );
    let got = store.variables(p).await.expect("variables");
    assert_eq!(
        names(got.into_iter().map(|v| v.name).collect()),
        "v1,v2",
        "variables by name"
    );
    let got = store.sets(p).await.expect("sets");
    assert_eq!(
        names(got.into_iter().map(|s| s.name).collect()),
        "s1,s5,s9",
        "sets by name"
    );
    let got = store.memos(p).await.expect("memos");
    assert_eq!(
        names(got.into_iter().map(|m| m.title).collect()),
        "early,middle,late",
        "memos by creation time"
    );
    let got = store
        .codings(p, &CodingFilter::all())
        .await
        .expect("codings");
    assert_eq!(
        got,
        sorted_codings(codings),
        "codings by source, start, end, id"
    );
}

pub async fn coding_filters(store: &dyn Store) {
    let fx = setup(store, "Filters").await;
    let (p, u) = (fx.p(), fx.u());
    let bea = new_user("bea", "Bea");
    commit_ok(
        store,
        inserts(
            None,
            bea.id,
            Action::UserCreate,
            vec![Entity::User(bea.clone())],
        ),
    )
    .await;
    let codes = [new_code(p, "one", None, u), new_code(p, "two", None, u)];
    let (s1, t1) = new_source(p, "s1", "first source text", u);
    let (s2, t2) = new_source(p, "s2", "second source text", u);
    let mut cs = fx.change(Action::ProjectImport, Vec::new());
    cs.texts = vec![t1, t2];
    cs.ops
        .extend(codes.iter().cloned().map(|c| Op::insert(Entity::Code(c))));
    cs.ops.push(Op::insert(Entity::Source(s1.clone())));
    cs.ops.push(Op::insert(Entity::Source(s2.clone())));
    let mut all = Vec::new();
    for code in &codes {
        for source in [&s1, &s2] {
            for (i, coder) in [u, bea.id].into_iter().enumerate() {
                let start = u32::try_from(i).expect("small") * 3;
                all.push(new_coding(p, source.id, code.id, start, start + 2, coder));
            }
        }
    }
    cs.ops
        .extend(all.iter().cloned().map(|c| Op::insert(Entity::Coding(c))));
    commit_ok(store, cs).await;
    // another project's codings must never show up
    let other = study(store, "Elsewhere").await;
    assert_eq!(other.codings.len(), 3);

    let check = |filter: CodingFilter| {
        let want: Vec<Coding> = sorted_codings(
            all.iter()
                .filter(|c| filter.codes.is_empty() || filter.codes.contains(&c.code))
                .filter(|c| filter.sources.is_empty() || filter.sources.contains(&c.source))
                .filter(|c| filter.coders.is_empty() || filter.coders.contains(&c.coder))
                .cloned()
                .collect(),
        );
        (filter, want)
    };
    let cases = [
        (check(CodingFilter::all()), 8),
        (check(CodingFilter::code(codes[0].id)), 4),
        (check(CodingFilter::source(s2.id)), 4),
        (
            check(CodingFilter {
                coders: vec![bea.id],
                ..Default::default()
            }),
            4,
        ),
        (
            check(CodingFilter {
                codes: vec![codes[1].id],
                sources: vec![s1.id],
                coders: vec![],
            }),
            2,
        ),
        (
            check(CodingFilter {
                codes: vec![codes[1].id],
                sources: vec![s1.id],
                coders: vec![u],
            }),
            1,
        ),
        (
            check(CodingFilter {
                codes: vec![codes[0].id, codes[1].id],
                ..Default::default()
            }),
            8,
        ),
        (check(CodingFilter::code(CodeId::new())), 0),
        (check(CodingFilter::code(other.other.id)), 0),
    ];
    for ((filter, want), n) in cases {
        assert_eq!(want.len(), n, "fixture for {filter:?}");
        let got = store.codings(p, &filter).await.expect("codings");
        assert_eq!(got, want, "codings with {filter:?}");
    }
}

pub async fn insert_of_existing_id_fails_and_persists_nothing(store: &dyn Store) {
    let fx = setup(store, "Atomic").await;
    let (p, u) = (fx.p(), fx.u());
    let first = new_case(p, "first");
    commit_ok(
        store,
        fx.change(
            Action::CaseCreate,
            vec![Op::insert(Entity::Case(first.clone()))],
        ),
    )
    .await;
    let log_before = store
        .history(&HistoryQuery {
            project: None,
            author: None,
            before: None,
            limit: 100,
        })
        .await;
    let second = new_case(p, "second");
    let code = new_code(p, "a code", None, u);
    let mut again = first.clone();
    again.name = "first again".into();
    let err = commit_err(
        store,
        fx.change(
            Action::CaseCreate,
            vec![
                Op::insert(Entity::Case(second)),
                Op::insert(Entity::Code(code)),
                Op::insert(Entity::Case(again)),
            ],
        ),
    )
    .await;
    match err {
        StoreError::AlreadyExists { kind, id, .. } => {
            assert_eq!(kind, EntityKind::Case);
            assert_eq!(id, first.id.to_string());
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    assert_eq!(
        store.cases(p).await.expect("cases"),
        vec![first],
        "the first two ops were undone"
    );
    assert_eq!(store.codes(p).await.expect("codes"), vec![]);
    let log_after = store
        .history(&HistoryQuery {
            project: None,
            author: None,
            before: None,
            limit: 100,
        })
        .await;
    assert_eq!(
        log_after.expect("history"),
        log_before.expect("history"),
        "no log row for a failed change"
    );
}

pub async fn failure_late_in_a_change_set_undoes_everything(store: &dyn Store) {
    let st = study(store, "Atomic updates").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let renamed = Code {
        name: "renamed".into(),
        ..st.other.clone()
    };
    let (source, text) = new_source(p, "new source", "a text that must not be stored", u);
    let clash = new_code(p, "workload", None, u); // same name as a top-level code
    let mut cs = st.fx.change(
        Action::CodeUpdate,
        vec![
            Op::update(Entity::Code(st.other.clone()), Entity::Code(renamed)),
            Op::delete(Entity::Coding(st.codings[0].clone())),
            Op::insert(Entity::Code(clash)),
            Op::insert(Entity::Source(source.clone())),
        ],
    );
    cs.texts.push(text.clone());
    let changes_before = store.counts(p).await.expect("counts").changes;
    assert_constraint(
        commit_err(store, cs).await,
        "duplicate top-level code name in the 3rd op",
    );
    assert_eq!(
        store.codes(p).await.expect("codes"),
        vec![st.other.clone(), st.child.clone(), st.parent.clone()]
    );
    assert_eq!(
        store.coding(st.codings[0].id).await.expect("coding kept"),
        st.codings[0]
    );
    assert_eq!(
        store.counts(p).await.expect("counts").changes,
        changes_before
    );
    match store.text(text.0).await {
        Err(StoreError::MissingText { hash }) => assert_eq!(hash, text.0),
        other => panic!("the failed change's text must not be stored, got {other:?}"),
    }
}

pub async fn stale_update_or_delete_is_a_conflict(store: &dyn Store) {
    let fx = setup(store, "Conflicts").await;
    let case = new_case(fx.p(), "P01");
    commit_ok(
        store,
        fx.change(
            Action::CaseCreate,
            vec![Op::insert(Entity::Case(case.clone()))],
        ),
    )
    .await;
    let v2 = Case {
        name: "P01 (withdrawn)".into(),
        ..case.clone()
    };
    let done = commit_ok(
        store,
        fx.change(
            Action::CaseUpdate,
            vec![Op::update(Entity::Case(case.clone()), Entity::Case(v2))],
        ),
    )
    .await;
    let stored = store.cases(fx.p()).await.expect("cases");
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].version, Version(2));
    assert_eq!(
        Some(&Entity::Case(stored[0].clone())),
        done.ops.first().map(Op::entity)
    );

    let stale = Case {
        name: "P01 renamed by someone else".into(),
        ..case.clone()
    };
    for op in [
        Op::update(Entity::Case(case.clone()), Entity::Case(stale)),
        Op::delete(Entity::Case(case.clone())),
    ] {
        let verb = op.verb();
        match commit_err(store, fx.change(Action::CaseUpdate, vec![op])).await {
            StoreError::Conflict {
                kind,
                id,
                expected,
                found,
                ..
            } => {
                assert_eq!(
                    (kind, id),
                    (EntityKind::Case, case.id.to_string()),
                    "{verb}"
                );
                assert_eq!(expected, Version(1), "{verb}");
                assert_eq!(found, Some(Version(2)), "{verb}");
            }
            other => panic!("stale {verb}: expected Conflict, got {other:?}"),
        }
    }
    assert_eq!(
        store.cases(fx.p()).await.expect("cases"),
        stored,
        "nothing changed"
    );
}

pub async fn update_or_delete_of_missing_row_is_a_conflict_with_nothing_found(store: &dyn Store) {
    let fx = setup(store, "Gone").await;
    let ghost = new_code(fx.p(), "never stored", None, fx.u());
    let renamed = Code {
        name: "renamed".into(),
        ..ghost.clone()
    };
    for op in [
        Op::delete(Entity::Code(ghost.clone())),
        Op::update(Entity::Code(ghost.clone()), Entity::Code(renamed)),
    ] {
        let verb = op.verb();
        match commit_err(store, fx.change(Action::CodeDelete, vec![op])).await {
            StoreError::Conflict {
                kind,
                found,
                expected,
                ..
            } => {
                assert_eq!(kind, EntityKind::Code, "{verb}");
                assert_eq!(expected, Version::FIRST, "{verb}");
                assert_eq!(found, None, "{verb} of a missing code");
            }
            other => panic!("{verb} of a missing code: expected Conflict, got {other:?}"),
        }
    }
}

pub async fn code_names_are_unique_among_siblings(store: &dyn Store) {
    let fx = setup(store, "Code names").await;
    let (p, u) = (fx.p(), fx.u());
    let top = new_code(p, "x", None, u);
    let left = new_code(p, "left", None, u);
    let right = new_code(p, "right", None, u);
    let y_left = new_code(p, "y", Some(left.id), u);
    let y_right = new_code(p, "y", Some(right.id), u); // same name, other parent: fine
    let x_left = new_code(p, "x", Some(left.id), u); // same name as a top-level code: fine
    let ops = [&top, &left, &right, &y_left, &y_right, &x_left]
        .map(|c| Op::insert(Entity::Code(c.clone())));
    commit_ok(store, fx.change(Action::CodeCreate, ops.to_vec())).await;

    let dup_top = new_code(p, "x", None, u);
    assert_constraint(
        commit_err(
            store,
            fx.change(Action::CodeCreate, vec![Op::insert(Entity::Code(dup_top))]),
        )
        .await,
        "two top-level codes named 'x'",
    );
    let dup_child = new_code(p, "y", Some(left.id), u);
    assert_constraint(
        commit_err(
            store,
            fx.change(
                Action::CodeCreate,
                vec![Op::insert(Entity::Code(dup_child))],
            ),
        )
        .await,
        "two codes named 'y' under 'left'",
    );
    let moved = Code {
        parent: Some(left.id),
        ..y_right.clone()
    };
    assert_constraint(
        commit_err(
            store,
            fx.change(
                Action::CodeMove,
                vec![Op::update(Entity::Code(y_right), Entity::Code(moved))],
            ),
        )
        .await,
        "moving 'y' next to another 'y'",
    );
    let renamed = Code {
        name: "x".into(),
        ..left.clone()
    };
    assert_constraint(
        commit_err(
            store,
            fx.change(
                Action::CodeUpdate,
                vec![Op::update(Entity::Code(left), Entity::Code(renamed))],
            ),
        )
        .await,
        "renaming a top-level code to a sibling's name",
    );
    // the same top-level name in another project is fine
    let elsewhere = add_project(store, u, "Other project").await;
    let x_elsewhere = new_code(elsewhere.id, "x", None, u);
    commit_ok(
        store,
        inserts(
            Some(elsewhere.id),
            u,
            Action::CodeCreate,
            vec![Entity::Code(x_elsewhere)],
        ),
    )
    .await;
    assert_eq!(store.codes(p).await.expect("codes").len(), 6);
}

pub async fn project_names_are_unique(store: &dyn Store) {
    let fx = setup(store, "Same name").await;
    let twin = new_project("Same name");
    assert_constraint(
        commit_err(
            store,
            inserts(
                Some(twin.id),
                fx.u(),
                Action::ProjectCreate,
                vec![Entity::Project(twin)],
            ),
        )
        .await,
        "a second project with the same name",
    );
    let other = add_project(store, fx.u(), "Different").await;
    let renamed = Project {
        name: "Same name".into(),
        ..other.clone()
    };
    let mut cs = ChangeSet::new(Some(other.id), fx.u(), Action::ProjectUpdate, "rename");
    cs.push(Op::update(Entity::Project(other), Entity::Project(renamed)));
    assert_constraint(
        commit_err(store, cs).await,
        "renaming a project to a taken name",
    );
    assert_eq!(store.projects().await.expect("projects").len(), 2);
}

pub async fn names_are_unique_per_project_and_one_value_per_subject(store: &dyn Store) {
    let fx = setup(store, "Names").await;
    let (p, u) = (fx.p(), fx.u());
    let case = new_case(p, "P01");
    let var = new_variable(p, "age", VariableKind::Integer);
    let set = new_set(p, "pilot", Vec::new());
    let (source, text) = new_source(p, "interview", "some words", u);
    let value = new_value(p, var.id, Subject::Case(case.id), Value::Integer(41));
    let mut cs = fx.change(
        Action::ProjectImport,
        [
            Entity::Case(case.clone()),
            Entity::Variable(var.clone()),
            Entity::Set(set),
            Entity::Source(source.clone()),
        ]
        .into_iter()
        .chain([Entity::Value(value)])
        .map(Op::insert)
        .collect(),
    );
    cs.texts.push(text);
    commit_ok(store, cs).await;

    let dups = [
        ("case", Entity::Case(new_case(p, "P01"))),
        (
            "variable",
            Entity::Variable(new_variable(p, "age", VariableKind::Text)),
        ),
        ("set", Entity::Set(new_set(p, "pilot", Vec::new()))),
        (
            "value",
            Entity::Value(new_value(
                p,
                var.id,
                Subject::Case(case.id),
                Value::Integer(42),
            )),
        ),
    ];
    for (what, e) in dups {
        assert_constraint(
            commit_err(store, fx.change(Action::ProjectImport, vec![Op::insert(e)])).await,
            &format!("duplicate {what}"),
        );
    }
    // the same variable for another subject is fine, and so are the same names elsewhere
    let other_value = new_value(p, var.id, Subject::Source(source.id), Value::Integer(7));
    commit_ok(
        store,
        fx.change(
            Action::ValueSet,
            vec![Op::insert(Entity::Value(other_value))],
        ),
    )
    .await;
    let q = add_project(store, u, "Elsewhere").await;
    let twins = vec![
        Entity::Case(new_case(q.id, "P01")),
        Entity::Variable(new_variable(q.id, "age", VariableKind::Integer)),
        Entity::Set(new_set(q.id, "pilot", Vec::new())),
    ];
    commit_ok(store, inserts(Some(q.id), u, Action::ProjectImport, twins)).await;
    assert_eq!(store.values(p).await.expect("values").len(), 2);
}

pub async fn references_must_exist(store: &dyn Store) {
    let st = study(store, "References").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let cases = [
        (
            "a coding of a missing code",
            Entity::Coding(new_coding(p, st.sources[0].id, CodeId::new(), 0, 5, u)),
        ),
        (
            "a coding of a missing source",
            Entity::Coding(new_coding(p, SourceId::new(), st.other.id, 0, 5, u)),
        ),
        (
            "a code under a missing parent",
            Entity::Code(new_code(p, "orphan", Some(CodeId::new()), u)),
        ),
        (
            "a source whose text is not stored",
            Entity::Source(new_source(p, "no text", "never sent", u).0),
        ),
    ];
    for (what, e) in cases {
        assert_constraint(
            commit_err(
                store,
                st.fx.change(Action::CodingApply, vec![Op::insert(e)]),
            )
            .await,
            what,
        );
    }
    assert_eq!(
        store
            .codings(p, &CodingFilter::all())
            .await
            .expect("codings")
            .len(),
        st.codings.len()
    );
}

pub async fn code_with_codings_cannot_be_deleted_alone(store: &dyn Store) {
    let st = study(store, "Delete code").await;
    let p = st.fx.p();
    assert_constraint(
        commit_err(
            store,
            st.fx.change(
                Action::CodeDelete,
                vec![Op::delete(Entity::Code(st.other.clone()))],
            ),
        )
        .await,
        "deleting a code that still has codings",
    );
    assert_constraint(
        commit_err(
            store,
            st.fx.change(
                Action::CodeDelete,
                vec![Op::delete(Entity::Code(st.parent.clone()))],
            ),
        )
        .await,
        "deleting a code that still has a child code",
    );
    let mut ops: Vec<Op> = st
        .codings
        .iter()
        .filter(|c| c.code == st.other.id)
        .cloned()
        .map(|c| Op::delete(Entity::Coding(c)))
        .collect();
    ops.push(Op::delete(Entity::Code(st.other.clone())));
    commit_ok(store, st.fx.change(Action::CodeDelete, ops)).await;
    assert_eq!(
        store.codes(p).await.expect("codes"),
        vec![st.child.clone(), st.parent.clone()]
    );
    assert_eq!(
        store
            .codings(p, &CodingFilter::all())
            .await
            .expect("codings"),
        vec![st.codings[0].clone()]
    );
}

pub async fn texts_are_kept_by_hash(store: &dyn Store) {
    let fx = setup(store, "Texts").await;
    let (p, u) = (fx.p(), fx.u());
    let words = "Dieselbe Nachricht, zweimal importiert — ✓";
    let (a, ta) = new_source(p, "copy a", words, u);
    let (b, tb) = new_source(p, "copy b", words, u);
    assert_eq!(a.content_hash, b.content_hash);
    let mut first = fx.change(
        Action::SourceImport,
        vec![Op::insert(Entity::Source(a.clone()))],
    );
    first.texts.push(ta);
    commit_ok(store, first).await;
    // the same hash again (even with other text) keeps what is stored
    let mut second = fx.change(
        Action::SourceImport,
        vec![Op::insert(Entity::Source(b.clone()))],
    );
    second
        .texts
        .push((tb.0, Arc::from("something else entirely")));
    commit_ok(store, second).await;
    assert_eq!(&*store.text(a.content_hash).await.expect("text"), words);
    commit_ok(
        store,
        fx.change(
            Action::SourceDelete,
            vec![
                Op::delete(Entity::Source(a)),
                Op::delete(Entity::Source(b.clone())),
            ],
        ),
    )
    .await;
    assert_eq!(store.sources(p).await.expect("sources"), vec![]);
    assert_eq!(
        &*store
            .text(b.content_hash)
            .await
            .expect("text survives its sources"),
        words
    );
    // so a source can be restored (as undo does) without sending the text again
    commit_ok(
        store,
        fx.change(Action::Undo, vec![Op::insert(Entity::Source(b.clone()))]),
    )
    .await;
    assert_eq!(store.source(b.id).await.expect("restored"), b);
    let unknown = hash_of("never stored anywhere");
    assert_eq!(
        store.text(unknown).await.map(|_| ()),
        Err(StoreError::MissingText { hash: unknown })
    );
}

pub async fn updates_are_stored(store: &dyn Store) {
    let st = study(store, "Updates").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let memo = new_memo(
        p,
        "first thoughts",
        "short",
        vec![MemoLink::Code(st.other.id)],
        u,
    );
    let set = new_set(p, "core", vec![SetMember::Code(st.other.id)]);
    commit_ok(
        store,
        st.fx.change(
            Action::MemoCreate,
            vec![
                Op::insert(Entity::Memo(memo.clone())),
                Op::insert(Entity::Set(set.clone())),
            ],
        ),
    )
    .await;

    let memo2 = Memo {
        body: "longer — with ümlauts and a second link".into(),
        links: vec![
            MemoLink::Source(st.sources[1].id),
            MemoLink::Code(st.other.id),
            MemoLink::Project,
        ],
        updated_at: at(100),
        ..memo.clone()
    };
    let moved = Code {
        parent: Some(st.parent.id),
        name: "coping at work".into(),
        ..st.other.clone()
    };
    let set2 = Set {
        members: vec![
            SetMember::Source(st.sources[0].id),
            SetMember::Code(st.child.id),
        ],
        ..set.clone()
    };
    let source2 = Source {
        description: "second visit".into(),
        case: None,
        ..st.sources[0].clone()
    };
    let coding2 = Coding {
        span: span(1, 9),
        ..st.codings[1].clone()
    };
    let ops = vec![
        Op::update(Entity::Memo(memo), Entity::Memo(memo2.clone())),
        Op::update(Entity::Code(st.other.clone()), Entity::Code(moved.clone())),
        Op::update(Entity::Set(set), Entity::Set(set2.clone())),
        Op::update(
            Entity::Source(st.sources[0].clone()),
            Entity::Source(source2.clone()),
        ),
        Op::update(
            Entity::Coding(st.codings[1].clone()),
            Entity::Coding(coding2.clone()),
        ),
    ];
    let change = commit_ok(store, st.fx.change(Action::CodeUpdate, ops)).await;
    let after = |i: usize| change.ops[i].entity().clone();
    assert_eq!(
        Entity::Memo(store.memo(memo2.id).await.expect("memo")),
        after(0)
    );
    assert_eq!(
        store.memo(memo2.id).await.expect("memo").version,
        Version(2)
    );
    assert_eq!(store.memo(memo2.id).await.expect("memo").links, memo2.links);
    assert_eq!(
        Entity::Code(store.codes(p).await.expect("codes")[0].clone()),
        after(1)
    );
    assert_eq!(
        Entity::Set(store.sets(p).await.expect("sets")[0].clone()),
        after(2)
    );
    assert_eq!(
        Entity::Source(store.source(source2.id).await.expect("source")),
        after(3)
    );
    assert_eq!(
        Entity::Coding(store.coding(coding2.id).await.expect("coding")),
        after(4)
    );
}

pub async fn history_order_and_filters(store: &dyn Store) {
    let fx = setup(store, "History one").await;
    let bea = new_user("bea", "Bea");
    let bea_joined = commit_ok(
        store,
        inserts(
            None,
            bea.id,
            Action::UserCreate,
            vec![Entity::User(bea.clone())],
        ),
    )
    .await;
    let two = add_project(store, bea.id, "History two").await;
    let mut made = Vec::new();
    for (i, (project, author)) in [
        (fx.p(), fx.u()),
        (two.id, bea.id),
        (fx.p(), bea.id),
        (fx.p(), fx.u()),
    ]
    .into_iter()
    .enumerate()
    {
        let case = new_case(project, &format!("case {i}"));
        made.push(
            commit_ok(
                store,
                inserts(
                    Some(project),
                    author,
                    Action::CaseCreate,
                    vec![Entity::Case(case)],
                ),
            )
            .await,
        );
    }
    let seqs = |v: &[Change]| v.iter().map(|c| c.seq).collect::<Vec<_>>();
    let query = |project, author, before, limit| HistoryQuery {
        project,
        author,
        before,
        limit,
    };

    let all = store
        .history(&query(None, None, None, 100))
        .await
        .expect("history");
    assert_eq!(all.len(), 8, "2 users, 2 projects, 4 cases");
    assert!(
        all.windows(2).all(|w| w[0].seq > w[1].seq),
        "newest first: {:?}",
        seqs(&all)
    );
    assert_eq!(all[0], made[3]);
    assert!(
        all.contains(&bea_joined),
        "database-wide changes are in the unfiltered history"
    );

    let one = store
        .history(&query(Some(fx.p()), None, None, 100))
        .await
        .expect("history");
    assert!(
        one.iter().all(|c| c.project == Some(fx.p())),
        "only project one"
    );
    assert_eq!(seqs(&one[..3]), vec![made[3].seq, made[2].seq, made[0].seq]);
    assert_eq!(one.len(), 4, "3 cases and the project's creation");

    let by_bea = store
        .history(&query(Some(fx.p()), Some(bea.id), None, 100))
        .await
        .expect("history");
    assert_eq!(seqs(&by_bea), vec![made[2].seq]);
    let bea_anywhere = store
        .history(&query(None, Some(bea.id), None, 100))
        .await
        .expect("history");
    assert_eq!(
        seqs(&bea_anywhere).len(),
        4,
        "bea's user, project and two cases"
    );

    let older = store
        .history(&query(Some(fx.p()), None, Some(made[2].seq), 100))
        .await
        .expect("history");
    assert_eq!(
        older.first().map(|c| c.seq),
        Some(made[0].seq),
        "before is exclusive"
    );
    let limited = store
        .history(&query(None, None, None, 2))
        .await
        .expect("history");
    assert_eq!(seqs(&limited), vec![made[3].seq, made[2].seq]);
    assert_eq!(store.change(made[1].seq).await.expect("change"), made[1]);
}

pub async fn reverts_are_marked_once(store: &dyn Store) {
    let fx = setup(store, "Reverts").await;
    let case = new_case(fx.p(), "P01");
    let done = commit_ok(
        store,
        fx.change(
            Action::CaseCreate,
            vec![Op::insert(Entity::Case(case.clone()))],
        ),
    )
    .await;
    let undo = commit_ok(store, done.inverse(fx.u(), Action::Undo, "undo")).await;
    assert_eq!(undo.reverts, Some(done.seq));
    assert_eq!(
        store.change(done.seq).await.expect("change").reverted_by,
        Some(undo.seq)
    );
    assert_eq!(store.cases(fx.p()).await.expect("cases"), vec![]);

    // reverting again fails and applies nothing (its op would re-delete a missing case,
    // so use an op that would succeed: insert a new case)
    let mut twice = fx.change(
        Action::Undo,
        vec![Op::insert(Entity::Case(new_case(fx.p(), "sneaky")))],
    );
    twice.reverts = Some(done.seq);
    assert_eq!(
        commit_err(store, twice).await,
        StoreError::AlreadyReverted { seq: done.seq }
    );
    assert_eq!(store.cases(fx.p()).await.expect("cases"), vec![]);
    assert_eq!(
        store.change(done.seq).await.expect("change").reverted_by,
        Some(undo.seq)
    );

    let mut nowhere = fx.change(Action::Undo, Vec::new());
    nowhere.reverts = Some(ChangeSeq(undo.seq.0 + 1000));
    assert!(
        store.commit(nowhere).await.is_err(),
        "reverting a change that is not in the log"
    );
}

pub async fn undo_and_redo_candidates(store: &dyn Store) {
    let fx = setup(store, "Undo").await;
    let (p, u) = (fx.p(), fx.u());
    let bea = new_user("bea", "Bea");
    commit_ok(
        store,
        inserts(
            None,
            bea.id,
            Action::UserCreate,
            vec![Entity::User(bea.clone())],
        ),
    )
    .await;
    let seq = |c: Option<Change>| c.map(|c| c.seq);
    let undo_of = |c: &Change| c.inverse(u, Action::Undo, format!("undo {}", c.summary));
    let redo_of = |c: &Change| c.inverse(u, Action::Redo, format!("redo {}", c.summary));

    let project_made = store.undo_candidate(p, u).await.expect("candidate");
    assert_eq!(project_made.map(|c| c.action), Some(Action::ProjectCreate));
    let a = commit_ok(
        store,
        fx.change(
            Action::CaseCreate,
            vec![Op::insert(Entity::Case(new_case(p, "A")))],
        ),
    )
    .await;
    let b = commit_ok(
        store,
        fx.change(
            Action::CaseCreate,
            vec![Op::insert(Entity::Case(new_case(p, "B")))],
        ),
    )
    .await;
    // someone else's change in between is not ours to undo
    let theirs = new_case(p, "theirs");
    commit_ok(
        store,
        inserts(
            Some(p),
            bea.id,
            Action::CaseCreate,
            vec![Entity::Case(theirs)],
        ),
    )
    .await;
    assert_eq!(
        seq(store.undo_candidate(p, u).await.expect("candidate")),
        Some(b.seq)
    );
    assert_eq!(store.redo_candidate(p, u).await.expect("candidate"), None);

    let undo_b = commit_ok(store, undo_of(&b)).await;
    assert_eq!(
        seq(store.undo_candidate(p, u).await.expect("candidate")),
        Some(a.seq)
    );
    assert_eq!(
        seq(store.redo_candidate(p, u).await.expect("candidate")),
        Some(undo_b.seq)
    );
    let undo_a = commit_ok(store, undo_of(&a)).await;
    assert_eq!(
        seq(store.redo_candidate(p, u).await.expect("candidate")),
        Some(undo_a.seq)
    );
    assert_eq!(
        store
            .undo_candidate(p, u)
            .await
            .expect("candidate")
            .map(|c| c.action),
        Some(Action::ProjectCreate)
    );

    let redo = store
        .redo_candidate(p, u)
        .await
        .expect("candidate")
        .expect("an undo to redo");
    let redo_a = commit_ok(store, redo_of(&redo)).await;
    let names: Vec<String> = store
        .cases(p)
        .await
        .expect("cases")
        .into_iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, vec!["A", "theirs"], "redo brought A back");
    assert_eq!(
        seq(store.redo_candidate(p, u).await.expect("candidate")),
        Some(undo_b.seq),
        "B can still be redone"
    );
    assert_eq!(
        seq(store.undo_candidate(p, u).await.expect("candidate")),
        Some(redo_a.seq),
        "a redo can be undone"
    );
    assert_eq!(
        store.redo_candidate(p, bea.id).await.expect("candidate"),
        None,
        "bea has nothing to redo"
    );

    commit_ok(
        store,
        fx.change(
            Action::CaseCreate,
            vec![Op::insert(Entity::Case(new_case(p, "C")))],
        ),
    )
    .await;
    assert_eq!(
        store.redo_candidate(p, u).await.expect("candidate"),
        None,
        "a new change clears redo"
    );
}

pub async fn logged_ops_round_trip(store: &dyn Store) {
    let st = study(store, "Log").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let memo = new_memo(
        p,
        "Ω memo",
        "body ✓",
        vec![MemoLink::Coding(st.codings[2].id), MemoLink::Project],
        u,
    );
    let var = new_variable(
        p,
        "shift",
        VariableKind::Category {
            values: vec!["day".into(), "night".into()],
        },
    );
    let value = new_value(
        p,
        var.id,
        Subject::Source(st.sources[0].id),
        Value::Category("night".into()),
    );
    let renamed = Code {
        name: "Belastung ↯".into(),
        color: Color::rgb(1, 2, 3),
        ..st.parent.clone()
    };
    let mut cs = st.fx.change(
        Action::CodeMerge,
        vec![
            Op::insert(Entity::Memo(memo)),
            Op::insert(Entity::Variable(var)),
            Op::insert(Entity::Value(value)),
            Op::update(Entity::Code(st.parent.clone()), Entity::Code(renamed)),
            Op::delete(Entity::Coding(st.codings[1].clone())),
        ],
    );
    cs.summary = "merged „alt“ into 'neu'".into();
    let ops = cs.ops.clone();
    let done = commit_ok(store, cs).await;
    assert_eq!(done.ops, ops, "the returned change holds the committed ops");
    assert_eq!(
        (done.project, done.author, done.action),
        (Some(p), u, Action::CodeMerge)
    );
    assert_eq!(done.summary, "merged „alt“ into 'neu'");
    assert_eq!((done.reverts, done.reverted_by), (None, None));
    assert_eq!(
        store.change(done.seq).await.expect("change"),
        done,
        "the logged change reads back equal"
    );
    let newest = store
        .history(&HistoryQuery {
            project: Some(p),
            author: None,
            before: None,
            limit: 1,
        })
        .await;
    assert_eq!(newest.expect("history"), vec![done]);
}

pub async fn delete_project_removes_only_that_project(store: &dyn Store) {
    let doomed = study(store, "Doomed „study“").await;
    let (p, u) = (doomed.fx.p(), doomed.fx.u());
    let memo = new_memo(p, "m", "b", vec![MemoLink::Code(doomed.other.id)], u);
    let case = new_case(p, "P01");
    let var = new_variable(p, "age", VariableKind::Integer);
    let value = new_value(p, var.id, Subject::Case(case.id), Value::Integer(30));
    let set = new_set(p, "s", vec![SetMember::Case(case.id)]);
    let rel = new_relation(
        p,
        doomed.parent.id,
        doomed.other.id,
        RelationKind::Context,
        u,
    );
    let extra = [
        Entity::Memo(memo),
        Entity::Case(case),
        Entity::Variable(var),
        Entity::Value(value),
        Entity::Set(set),
        Entity::Relation(rel),
    ];
    commit_ok(
        store,
        inserts(Some(p), u, Action::ProjectImport, extra.to_vec()),
    )
    .await;

    let keep = add_project(store, u, "Kept").await;
    let kept_code = new_code(keep.id, "workload", None, u);
    let (kept_source, kept_text) = new_source(
        keep.id,
        "interview 1",
        "P: We cover for each other, always.",
        u,
    );
    let kept_coding = new_coding(keep.id, kept_source.id, kept_code.id, 0, 2, u);
    let mut cs = inserts(
        Some(keep.id),
        u,
        Action::ProjectImport,
        vec![
            Entity::Code(kept_code),
            Entity::Source(kept_source.clone()),
            Entity::Coding(kept_coding),
        ],
    );
    cs.texts.push(kept_text.clone());
    commit_ok(store, cs).await;
    let kept_before = store.snapshot(keep.id).await.expect("snapshot");
    let kept_history = store
        .history(&HistoryQuery {
            project: Some(keep.id),
            author: None,
            before: None,
            limit: 100,
        })
        .await;

    store.delete_project(p, u).await.expect("delete project");
    assert_eq!(
        store.project(p).await.map(|_| ()),
        Err(StoreError::NotFound {
            kind: EntityKind::Project,
            id: p.to_string()
        })
    );
    assert_eq!(
        store.projects().await.expect("projects"),
        vec![keep.clone()]
    );
    assert_eq!(store.sources(p).await.expect("sources"), vec![]);
    assert_eq!(store.codes(p).await.expect("codes"), vec![]);
    assert_eq!(
        store
            .codings(p, &CodingFilter::all())
            .await
            .expect("codings"),
        vec![]
    );
    assert_eq!(store.memos(p).await.expect("memos"), vec![]);
    assert_eq!(store.cases(p).await.expect("cases"), vec![]);
    assert_eq!(store.variables(p).await.expect("variables"), vec![]);
    assert_eq!(store.values(p).await.expect("values"), vec![]);
    assert_eq!(store.sets(p).await.expect("sets"), vec![]);
    assert_eq!(store.relations(p).await.expect("relations"), vec![]);
    assert!(matches!(
        store.coding(doomed.codings[0].id).await,
        Err(StoreError::NotFound { .. })
    ));
    let gone = store
        .history(&HistoryQuery {
            project: Some(p),
            author: None,
            before: None,
            limit: 100,
        })
        .await;
    assert_eq!(
        gone.expect("history"),
        vec![],
        "the project's history is gone"
    );

    assert_eq!(
        store.snapshot(keep.id).await.expect("snapshot"),
        kept_before,
        "the other project is untouched"
    );
    let kept_after = store
        .history(&HistoryQuery {
            project: Some(keep.id),
            author: None,
            before: None,
            limit: 100,
        })
        .await;
    assert_eq!(kept_after.expect("history"), kept_history.expect("history"));
    assert_eq!(
        &*store
            .text(kept_text.0)
            .await
            .expect("shared text of the kept project"),
        &*kept_text.1
    );

    let newest = store
        .history(&HistoryQuery {
            project: None,
            author: None,
            before: None,
            limit: 1,
        })
        .await;
    let newest = newest
        .expect("history")
        .pop()
        .expect("the deletion is logged");
    assert_eq!(
        (newest.project, newest.author, newest.action),
        (None, u, Action::ProjectUpdate)
    );
    assert!(
        newest.summary.contains("Doomed „study“"),
        "summary names the project: {}",
        newest.summary
    );
    assert_eq!(newest.ops, vec![]);
    assert!(matches!(
        store.delete_project(p, u).await,
        Err(StoreError::NotFound {
            kind: EntityKind::Project,
            ..
        })
    ));
}

pub async fn counts_match_contents(store: &dyn Store) {
    let st = study(store, "Counts").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let memo = new_memo(p, "m", "", Vec::new(), u);
    let rel = new_relation(p, st.parent.id, st.other.id, RelationKind::Strategy, u);
    let case = new_case(p, "P01");
    let var = new_variable(p, "age", VariableKind::Integer);
    let set = new_set(p, "s", Vec::new());
    let extra = vec![
        Entity::Memo(memo),
        Entity::Relation(rel),
        Entity::Case(case),
        Entity::Variable(var),
        Entity::Set(set),
    ];
    commit_ok(store, inserts(Some(p), u, Action::ProjectImport, extra)).await;
    let other = study(store, "Other counts").await;
    assert_eq!(other.codings.len(), 3);
    let characters = st.sources.iter().map(|s| u64::from(s.char_len)).sum();
    let want = ProjectCounts {
        sources: 2,
        cases: 1,
        variables: 1,
        codes: 3,
        codings: 3,
        memos: 1,
        sets: 1,
        relations: 1,
        records: 0,
        changes: 3, // project creation, the study import, the extra import
        characters,
    };
    assert_eq!(store.counts(p).await.expect("counts"), want);
}

pub async fn snapshot_equals_individual_reads(store: &dyn Store) {
    let st = study(store, "Snapshot").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let memo = new_memo(p, "m", "é", vec![MemoLink::Source(st.sources[0].id)], u);
    let case = new_case(p, "P01");
    let var = new_variable(p, "age", VariableKind::Integer);
    let value = new_value(p, var.id, Subject::Case(case.id), Value::Integer(30));
    let set = new_set(p, "s", vec![SetMember::Memo(memo.id)]);
    let rel = new_relation(
        p,
        st.parent.id,
        st.other.id,
        RelationKind::CausalCondition,
        u,
    );
    let extra = vec![
        Entity::Memo(memo),
        Entity::Case(case),
        Entity::Variable(var),
        Entity::Value(value),
        Entity::Set(set),
        Entity::Relation(rel),
    ];
    commit_ok(store, inserts(Some(p), u, Action::ProjectImport, extra)).await;
    study(store, "Noise").await;

    let snap = store.snapshot(p).await.expect("snapshot");
    assert_eq!(snap.project, Some(st.fx.project.clone()));
    assert_eq!(snap.users, store.users().await.expect("users"));
    assert_eq!(snap.sources, store.sources(p).await.expect("sources"));
    assert_eq!(snap.cases, store.cases(p).await.expect("cases"));
    assert_eq!(snap.variables, store.variables(p).await.expect("variables"));
    assert_eq!(snap.values, store.values(p).await.expect("values"));
    assert_eq!(snap.sets, store.sets(p).await.expect("sets"));
    assert_eq!(snap.codes, store.codes(p).await.expect("codes"));
    assert_eq!(
        snap.codings,
        store
            .codings(p, &CodingFilter::all())
            .await
            .expect("codings")
    );
    assert_eq!(snap.memos, store.memos(p).await.expect("memos"));
    assert_eq!(snap.relations, store.relations(p).await.expect("relations"));
    assert_eq!(
        (
            snap.sources.len(),
            snap.codes.len(),
            snap.codings.len(),
            snap.memos.len(),
            snap.values.len()
        ),
        (2, 3, 3, 1, 1),
        "the snapshot holds this project only"
    );
    assert!(matches!(
        store.snapshot(ProjectId::new()).await,
        Err(StoreError::NotFound {
            kind: EntityKind::Project,
            ..
        })
    ));
}

pub async fn missing_things_are_not_found(store: &dyn Store) {
    fn kind_of<T>(r: Result<T, StoreError>) -> Option<EntityKind> {
        match r {
            Err(StoreError::NotFound { kind, .. }) => Some(kind),
            _ => None,
        }
    }
    assert_eq!(
        kind_of(store.project(ProjectId::new()).await),
        Some(EntityKind::Project)
    );
    assert_eq!(
        kind_of(store.source(SourceId::new()).await),
        Some(EntityKind::Source)
    );
    assert_eq!(
        kind_of(store.coding(CodingId::new()).await),
        Some(EntityKind::Coding)
    );
    assert_eq!(
        kind_of(store.memo(MemoId::new()).await),
        Some(EntityKind::Memo)
    );
    assert_eq!(
        kind_of(store.counts(ProjectId::new()).await),
        Some(EntityKind::Project)
    );
    let empty = setup(store, "Empty").await;
    assert_eq!(store.codes(empty.p()).await.expect("codes"), vec![]);
    assert_eq!(
        store
            .undo_candidate(empty.p(), UserId::new())
            .await
            .expect("candidate"),
        None
    );
    assert!(
        store.change(ChangeSeq(999_999)).await.is_err(),
        "a change that is not in the log"
    );
}

pub async fn long_runs_of_like_ops_fail_at_the_exact_op(store: &dyn Store) {
    let st = study(store, "Long runs").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let many: Vec<Coding> = (0..250u32)
        .map(|i| new_coding(p, st.sources[i as usize % 2].id, st.other.id, i, i + 1, u))
        .collect();
    // an existing id deep inside a long run of inserts
    let mut ops: Vec<Op> = many
        .iter()
        .cloned()
        .map(|c| Op::insert(Entity::Coding(c)))
        .collect();
    ops.insert(170, Op::insert(Entity::Coding(st.codings[1].clone())));
    match commit_err(store, st.fx.change(Action::CodingApply, ops)).await {
        StoreError::AlreadyExists { kind, id, .. } => {
            assert_eq!(
                (kind, id),
                (EntityKind::Coding, st.codings[1].id.to_string())
            )
        }
        other => panic!("expected AlreadyExists, got {other:?}"),
    }
    let count = store.counts(p).await.expect("counts").codings;
    assert_eq!(count, st.codings.len() as u64, "none of the run was kept");

    let ops: Vec<Op> = many
        .iter()
        .cloned()
        .map(|c| Op::insert(Entity::Coding(c)))
        .collect();
    commit_ok(store, st.fx.change(Action::CodingApply, ops)).await;
    // a stale version deep inside a long run of deletes
    let mut ops: Vec<Op> = many
        .iter()
        .cloned()
        .map(|c| Op::delete(Entity::Coding(c)))
        .collect();
    let stale = Coding {
        version: Version(7),
        ..many[201].clone()
    };
    ops[201] = Op::delete(Entity::Coding(stale));
    match commit_err(store, st.fx.change(Action::CodingRemove, ops)).await {
        StoreError::Conflict {
            id,
            expected,
            found,
            ..
        } => {
            assert_eq!(id, many[201].id.to_string());
            assert_eq!((expected, found), (Version(7), Some(Version::FIRST)));
        }
        other => panic!("expected Conflict, got {other:?}"),
    }
    let count = store.counts(p).await.expect("counts").codings;
    assert_eq!(
        count,
        (st.codings.len() + many.len()) as u64,
        "none of the deletes was kept"
    );
    let ops: Vec<Op> = many
        .iter()
        .cloned()
        .map(|c| Op::delete(Entity::Coding(c)))
        .collect();
    commit_ok(store, st.fx.change(Action::CodingRemove, ops)).await;
    let left = store
        .codings(p, &CodingFilter::all())
        .await
        .expect("codings");
    assert_eq!(left, sorted_codings(st.codings.clone()));
}

pub fn new_record(
    project: ProjectId,
    kind: RecordKind,
    key: &str,
    body: &str,
    by: UserId,
) -> Record {
    Record {
        id: RecordId::new(),
        project,
        kind,
        key: key.into(),
        body: body.into(),
        created_by: by,
        created_at: at(1_700_000_000),
        updated_at: at(1_700_000_000),
        version: Version::FIRST,
    }
}

pub async fn records_round_trip_with_unique_keys(store: &dyn Store) {
    let fx = setup(store, "Records").await;
    let (p, u) = (fx.p(), fx.u());
    let a = new_record(
        p,
        RecordKind::Participant,
        "Interviewee 01",
        r#"{"group":"nurse"}"#,
        u,
    );
    let b = new_record(p, RecordKind::Participant, "Interviewee 02", "{}", u);
    let c = new_record(p, RecordKind::Property, "", r#"{"name":"é ✓"}"#, u);
    let d = new_record(p, RecordKind::Property, "", "{}", u);
    commit_ok(
        store,
        fx.change(
            Action::RecordCreate,
            [&a, &b, &c, &d]
                .iter()
                .map(|r| Op::insert(Entity::Record((*r).clone())))
                .collect(),
        ),
    )
    .await;
    assert_eq!(store.record(a.id).await.expect("record"), a);
    let participants = store
        .records(p, Some(RecordKind::Participant))
        .await
        .expect("records");
    let mut want = vec![a.clone(), b.clone()];
    want.sort_by_key(|r| (r.created_at, r.id));
    assert_eq!(participants, want);
    assert_eq!(store.records(p, None).await.expect("all").len(), 4);
    // A non-empty key is unique per project and kind.
    let dup = new_record(p, RecordKind::Participant, "Interviewee 01", "{}", u);
    let err = commit_err(
        store,
        fx.change(Action::RecordCreate, vec![Op::insert(Entity::Record(dup))]),
    )
    .await;
    assert!(
        matches!(
            err,
            StoreError::Constraint { .. } | StoreError::AlreadyExists { .. }
        ),
        "duplicate key: {err:?}"
    );
    // The same key in another kind is fine.
    let other = new_record(p, RecordKind::Quote, "Interviewee 01", "{}", u);
    commit_ok(
        store,
        fx.change(
            Action::RecordCreate,
            vec![Op::insert(Entity::Record(other))],
        ),
    )
    .await;
    // Updates are versioned like every entity.
    let mut a2 = a.clone();
    a2.body = r#"{"group":"manager"}"#.into();
    commit_ok(
        store,
        fx.change(
            Action::RecordUpdate,
            vec![Op::update(
                Entity::Record(a.clone()),
                Entity::Record(a2.clone()),
            )],
        ),
    )
    .await;
    assert_eq!(
        store.record(a.id).await.expect("record").version,
        Version(2)
    );
    let stale = commit_err(
        store,
        fx.change(
            Action::RecordUpdate,
            vec![Op::update(Entity::Record(a.clone()), Entity::Record(a2))],
        ),
    )
    .await;
    assert!(matches!(stale, StoreError::Conflict { .. }), "{stale:?}");
    assert_eq!(store.counts(p).await.expect("counts").records, 5);
    let snap = store.snapshot(p).await.expect("snapshot");
    assert_eq!(snap.records, store.records(p, None).await.expect("records"));
    // Deleting the project deletes its records.
    store.delete_project(p, u).await.expect("delete");
    assert!(matches!(
        store.record(b.id).await,
        Err(StoreError::NotFound { .. })
    ));
}

pub async fn accounts_and_sessions(store: &dyn Store) {
    let fx = setup(store, "Accounts").await;
    let u = fx.u();
    assert_eq!(store.account_count().await.expect("count"), 0);
    assert_eq!(store.account(u).await.expect("account"), None);
    let account = Account {
        user: u,
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        admin: true,
        created_at: at(1_700_000_000),
        updated_at: at(1_700_000_000),
    };
    store.put_account(&account).await.expect("put");
    assert_eq!(
        store.account(u).await.expect("account"),
        Some(account.clone())
    );
    let changed = Account {
        password_hash: "$argon2id$other".into(),
        admin: false,
        updated_at: at(1_700_000_100),
        ..account.clone()
    };
    store.put_account(&changed).await.expect("replace");
    assert_eq!(store.account(u).await.expect("account"), Some(changed));
    assert_eq!(store.account_count().await.expect("count"), 1);
    let nobody = Account {
        user: UserId::new(),
        ..account
    };
    assert!(matches!(
        store.put_account(&nobody).await,
        Err(StoreError::Constraint { .. })
    ));
    // No account operation is written to the change log.
    let log = store
        .history(&HistoryQuery {
            project: None,
            author: None,
            before: None,
            limit: 100,
        })
        .await
        .expect("history");
    assert!(log
        .iter()
        .all(|c| !format!("{:?}", c.ops).contains("argon2")));

    let s1 = Session {
        token_hash: "a".repeat(64),
        user: u,
        created_at: at(1_700_000_000),
        expires_at: at(1_700_086_400),
    };
    let s2 = Session {
        token_hash: "b".repeat(64),
        ..s1.clone()
    };
    store.create_session(&s1).await.expect("session");
    store.create_session(&s2).await.expect("session");
    assert_eq!(
        store.session(&s1.token_hash).await.expect("read"),
        Some(s1.clone())
    );
    assert_eq!(store.session(&"c".repeat(64)).await.expect("read"), None);
    store.delete_session(&s1.token_hash).await.expect("delete");
    assert_eq!(store.session(&s1.token_hash).await.expect("read"), None);
    assert_eq!(store.delete_sessions(u).await.expect("delete all"), 1);
    assert_eq!(store.session(&s2.token_hash).await.expect("read"), None);
}

pub async fn scrub_rewrites_the_log_and_purges_texts(store: &dyn Store) {
    let st = study(store, "Scrub").await;
    let (p, u) = (st.fx.p(), st.fx.u());
    let gone = st.sources[1].clone();
    let text_hash = gone.content_hash;
    let coding = st.codings[2].clone();
    assert_eq!(coding.source, gone.id);
    // Delete the second source with its coding, scrub its name everywhere in
    // the log and purge its text, all in one change.
    let mut cs = st.fx.change(
        Action::ParticipantWithdraw,
        vec![
            Op::delete(Entity::Coding(coding)),
            Op::delete(Entity::Source(gone.clone())),
        ],
    );
    cs.summary = "withdrew 'interview 2'".into();
    cs.scrub = Some(Scrub::new(|c: &mut Change| {
        let mut changed = false;
        if c.summary.contains("interview 2") {
            c.summary = c.summary.replace("interview 2", "[withdrawn]");
            changed = true;
        }
        for op in &mut c.ops {
            let entity = match op {
                Op::Insert { after } => after,
                Op::Delete { before } => before,
                Op::Update { after, .. } => after,
            };
            if let Entity::Source(s) = entity {
                if s.name == "interview 2" {
                    s.name = "[withdrawn]".into();
                    changed = true;
                }
            }
        }
        changed
    }));
    cs.purge_texts = vec![text_hash, st.sources[0].content_hash];
    let done = commit_ok(store, cs).await;
    assert_eq!(done.summary, "withdrew '[withdrawn]'");
    let log = store
        .history(&HistoryQuery {
            project: Some(p),
            author: None,
            before: None,
            limit: 100,
        })
        .await
        .expect("history");
    assert_eq!(log[0].seq, done.seq);
    assert!(
        log.iter()
            .all(|c| !format!("{c:?}").contains("interview 2")),
        "the scrubbed name is still in the log"
    );
    // Who, when and what of the earlier entries stay.
    assert!(log
        .iter()
        .any(|c| c.action == Action::ProjectImport && c.author == u));
    // The withdrawn text is gone; the text still used by a source stays.
    assert!(matches!(
        store.text(text_hash).await,
        Err(StoreError::MissingText { .. })
    ));
    assert!(store.text(st.sources[0].content_hash).await.is_ok());
    // A failing scrubbed change leaves the log as it was.
    let before = store
        .history(&HistoryQuery {
            project: Some(p),
            author: None,
            before: None,
            limit: 100,
        })
        .await
        .expect("history");
    let mut bad = st.fx.change(
        Action::ParticipantWithdraw,
        vec![Op::delete(Entity::Source(gone))],
    );
    bad.scrub = Some(Scrub::new(|c: &mut Change| {
        c.summary = "erased".into();
        true
    }));
    commit_err(store, bad).await;
    let after = store
        .history(&HistoryQuery {
            project: Some(p),
            author: None,
            before: None,
            limit: 100,
        })
        .await
        .expect("history");
    assert_eq!(before, after);
}

pub async fn a_dump_loads_into_an_empty_store_only(store: &dyn Store) {
    use crate::{DatabaseDump, ProjectSnapshot};
    let user = new_user("kim", "Kim Osei");
    let project = new_project("Loaded");
    let (p, u) = (project.id, user.id);
    let parent = new_code(p, "zeta parent", None, u);
    let child = new_code(p, "alpha child", Some(parent.id), u);
    let (source, text) = new_source(p, "interview", "Wir haben zu wenig Zeit, ständig.", u);
    let coding = new_coding(p, source.id, child.id, 4, 20, u);
    let record = new_record(p, RecordKind::Participant, "Interviewee 01", "{}", u);
    // A text only the log still refers to.
    let (_, orphan) = new_source(p, "deleted", "gone but undoable", u);
    let snapshot = ProjectSnapshot {
        project: Some(project.clone()),
        sources: vec![source.clone()],
        // children listed before parents: the load must order them
        codes: vec![child.clone(), parent.clone()],
        codings: vec![coding.clone()],
        records: vec![record.clone()],
        ..Default::default()
    };
    let log = vec![
        Change {
            seq: ChangeSeq(3),
            project: None,
            author: u,
            at: at(1_700_000_000),
            action: Action::UserCreate,
            summary: "created user kim".into(),
            ops: vec![Op::insert(Entity::User(user.clone()))],
            reverts: None,
            reverted_by: None,
        },
        Change {
            seq: ChangeSeq(9),
            project: Some(p),
            author: u,
            at: at(1_700_000_100),
            action: Action::ProjectImport,
            summary: "imported".into(),
            ops: vec![Op::insert(Entity::Code(parent.clone()))],
            reverts: None,
            reverted_by: Some(ChangeSeq(12)),
        },
    ];
    let account = Account {
        user: u,
        password_hash: "$argon2id$x".into(),
        admin: true,
        created_at: at(1_700_000_000),
        updated_at: at(1_700_000_000),
    };
    let dump = DatabaseDump {
        users: vec![user.clone()],
        accounts: vec![account.clone()],
        projects: vec![snapshot],
        texts: vec![text.clone(), orphan.clone()],
        log: log.clone(),
    };
    store
        .load_dump(&dump)
        .await
        .expect("load into an empty store");
    assert_eq!(store.users().await.expect("users"), vec![user.clone()]);
    assert_eq!(store.accounts().await.expect("accounts"), vec![account]);
    assert_eq!(store.project(p).await.expect("project"), project);
    let mut codes = store.codes(p).await.expect("codes");
    codes.sort_by_key(|c| c.name.clone());
    assert_eq!(codes, vec![child.clone(), parent.clone()]);
    assert_eq!(
        store
            .codings(p, &CodingFilter::all())
            .await
            .expect("codings"),
        vec![coding]
    );
    assert_eq!(store.records(p, None).await.expect("records"), vec![record]);
    assert_eq!(
        &*store.text(orphan.0).await.expect("orphan text"),
        &*orphan.1
    );
    let mut hashes = vec![text.0, orphan.0];
    hashes.sort_by_key(|h| h.to_string());
    assert_eq!(store.text_hashes().await.expect("hashes"), hashes);
    assert_eq!(store.log_after(ChangeSeq(0), 10).await.expect("log"), log);
    assert_eq!(
        store.log_after(ChangeSeq(3), 10).await.expect("log"),
        log[1..].to_vec()
    );
    assert_eq!(
        store.log_after(ChangeSeq(0), 1).await.expect("log"),
        log[..1].to_vec()
    );
    // New commits continue after the loaded sequence numbers.
    let next = commit_ok(
        store,
        inserts(
            Some(p),
            u,
            Action::CaseCreate,
            vec![Entity::Case(new_case(p, "P1"))],
        ),
    )
    .await;
    assert!(next.seq > ChangeSeq(9), "{:?}", next.seq);
    // A store that holds anything refuses a dump, and keeps what it has.
    let err = store.load_dump(&dump).await.expect_err("not empty");
    assert!(matches!(err, StoreError::Constraint { .. }), "{err:?}");
    assert_eq!(store.cases(p).await.expect("cases").len(), 1);
}

/// A survey's change interleaves case, value and source inserts row by row
/// (a variable first, then per row a case, its value and its answer). The
/// store may group them by kind to write them in bulk, but everything lands,
/// the log keeps the given order, and the undo (interleaved deletes in
/// reverse) goes through.
pub async fn interleaved_inserts_commit_and_undo(store: &dyn Store) {
    let f = setup(store, "survey").await;
    let var = new_variable(f.p(), "group", VariableKind::Text);
    let mut cs = f.change(
        Action::SourceImport,
        vec![Op::insert(Entity::Variable(var.clone()))],
    );
    let (_, text) = new_source(f.p(), "answer", "an answer to the open question", f.u());
    cs.texts.push(text);
    for i in 0..250 {
        let case = new_case(f.p(), &format!("R{i:03}"));
        let (mut source, _) = new_source(
            f.p(),
            &format!("answer {i:03}"),
            "an answer to the open question",
            f.u(),
        );
        source.case = Some(case.id);
        let value = new_value(
            f.p(),
            var.id,
            Subject::Case(case.id),
            Value::Text(format!("g{}", i % 3)),
        );
        cs.ops.push(Op::insert(Entity::Case(case)));
        cs.ops.push(Op::insert(Entity::Value(value)));
        cs.ops.push(Op::insert(Entity::Source(source)));
    }
    let given = cs.ops.clone();
    let done = commit_ok(store, cs).await;
    assert_eq!(
        done.ops, given,
        "the committed change keeps the given order"
    );
    assert_eq!(store.cases(f.p()).await.expect("cases").len(), 250);
    assert_eq!(store.sources(f.p()).await.expect("sources").len(), 250);
    assert_eq!(store.values(f.p()).await.expect("values").len(), 250);
    let logged = store
        .history(&HistoryQuery {
            project: Some(f.p()),
            author: None,
            before: None,
            limit: 1,
        })
        .await
        .expect("history");
    assert_eq!(logged[0].ops, given, "the log keeps the given order");
    commit_ok(store, done.inverse(f.u(), Action::Undo, "undo the survey")).await;
    assert!(store.sources(f.p()).await.expect("sources").is_empty());
    assert!(store.cases(f.p()).await.expect("cases").is_empty());
    assert!(store.values(f.p()).await.expect("values").is_empty());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_test_is_listed_once() {
        let mut names: Vec<&str> = TESTS.iter().map(|(n, _)| *n).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), n);
        assert!(n >= 20);
    }

    #[test]
    fn fake_hashes_differ_by_text() {
        assert_eq!(hash_of("a"), hash_of("a"));
        assert_ne!(hash_of("a"), hash_of("b"));
    }

    #[test]
    fn panics_are_caught_with_their_message() {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut caught = CatchUnwind {
            inner: Box::pin(async { panic!("kaputt {}", 1) }),
        };
        match Pin::new(&mut caught).poll(&mut cx) {
            Poll::Ready(Err(payload)) => assert_eq!(panic_text(&*payload), "kaputt 1"),
            _ => panic!("the panic was not caught"),
        }
        let mut fine = CatchUnwind {
            inner: Box::pin(async {}),
        };
        assert!(matches!(
            Pin::new(&mut fine).poll(&mut cx),
            Poll::Ready(Ok(()))
        ));
    }
}
