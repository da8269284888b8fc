//! Applying a [`ChangeSet`] inside one write transaction, and deleting a
//! project.
//!
//! The caller (`lib.rs`) owns the transaction: it begins it with
//! `BEGIN IMMEDIATE`, commits on success and rolls back on any error, so the
//! functions here can stop at the first failure. Preconditions are checked
//! without extra round trips on the happy path: an insert relies on the
//! primary key to detect an existing id, an update or delete runs
//! `… WHERE id = ? AND version = ?` and looks the row up only when nothing
//! matched, and a constraint failure is explained (which name is taken,
//! which reference is missing) only after it happened. Runs of inserts or
//! deletes of one kind (a QDPX import's 100,000 codings) go in multi-row
//! statements of up to 100 rows; a run that fails is replayed op by op to
//! report the exact op.

use std::sync::Arc;

use axial_core::{
    Action, Change, ChangeSeq, ChangeSet, Code, ContentHash, Entity, EntityKind, Op, ProjectId,
    UserId,
};
use axial_store::StoreError;
use sqlx::sqlite::{SqliteArguments, SqliteConnection};
use sqlx::{query::Query, Sqlite};

use crate::codec::{self, Val};
use crate::error::{self, Fault, CONSTRAINT_FOREIGNKEY, CONSTRAINT_PRIMARYKEY, CONSTRAINT_UNIQUE};
use crate::table::{self, Table};

type Q<'q> = Query<'q, Sqlite, SqliteArguments<'q>>;

/// Whether a statement failed on a constraint (SQLite keeps the transaction
/// open and undoes just that statement).
fn is_constraint(e: &sqlx::Error) -> bool {
    error::sqlite_code(e).is_some_and(|c| c & 0xff == 19)
}

fn bind(q: Q<'_>, v: Val) -> Q<'_> {
    match v {
        Val::Text(s) => q.bind(s),
        Val::Int(i) => q.bind(i),
        Val::Bool(b) => q.bind(b),
        Val::Null => q.bind(Option::<String>::None),
    }
}

/// Ops above which a change set is large (an import of a whole project).
const LARGE_OPS: usize = 5_000;
/// Text bytes above which a change set is large.
const LARGE_TEXT_BYTES: usize = 16 << 20;
/// Page cache (KiB, as `PRAGMA cache_size` takes a negative size) for the
/// transaction of a large change set. With the default 2 MiB, SQLite spills
/// dirty pages to the WAL in the middle of the transaction and reads them
/// back, which was most of the time a QDPX import of W2 took. Only pages in
/// use take memory, and the default comes back right after.
const LARGE_CACHE_KIB: i64 = 256 << 10;

/// Applies `cs` and appends it to the log; the caller commits or rolls back.
pub(crate) async fn commit(conn: &mut SqliteConnection, cs: &ChangeSet) -> Result<Change, Fault> {
    let text_bytes: usize = cs.texts.iter().map(|(_, t)| t.len()).sum();
    if cs.ops.len() < LARGE_OPS && text_bytes < LARGE_TEXT_BYTES {
        return commit_ops(conn, cs).await;
    }
    let cache: i64 = sqlx::query_scalar("PRAGMA cache_size")
        .fetch_one(&mut *conn)
        .await?;
    sqlx::query(&format!("PRAGMA cache_size = {}", -LARGE_CACHE_KIB))
        .execute(&mut *conn)
        .await?;
    let done = commit_ops(conn, cs).await;
    // Back to the usual size whatever happened (pages beyond it are freed
    // once the transaction ends).
    sqlx::query(&format!("PRAGMA cache_size = {cache}"))
        .execute(&mut *conn)
        .await?;
    done
}

async fn commit_ops(conn: &mut SqliteConnection, cs: &ChangeSet) -> Result<Change, Fault> {
    store_texts(conn, &cs.texts).await?;
    apply_ops(conn, &cs.ops).await?;
    let at = axial_core::now();
    let mut change = Change {
        seq: ChangeSeq(0),
        project: cs.project,
        author: cs.author,
        at,
        action: cs.action,
        summary: cs.summary.clone(),
        ops: cs.ops.clone(),
        reverts: cs.reverts,
        reverted_by: None,
    };
    if let Some(scrub) = &cs.scrub {
        let project = cs.project.ok_or_else(|| StoreError::Constraint {
            message: "a scrub of the change log needs a project".into(),
        })?;
        scrub_log(conn, project, scrub).await?;
        scrub.apply(&mut change);
    }
    purge_texts(conn, &cs.purge_texts).await?;
    let ops = codec::json("the change's ops", &change.ops)?;
    let seq = append_log(
        conn,
        change.project,
        change.author,
        at,
        change.action,
        &change.summary,
        &ops,
        change.reverts,
    )
    .await?;
    if let Some(reverted) = cs.reverts {
        mark_reverted(conn, reverted, seq).await?;
    }
    change.seq = seq;
    Ok(change)
}

const LOG_INSERT: &str = "INSERT INTO changes (project, author, at, action, summary, ops, reverts) VALUES (?, ?, ?, ?, ?, ?, ?)";

/// Whether `cs` is the commonest change: one inserted row and nothing else
/// (a coding applied in the browser), which [`commit_one_insert`] commits.
pub(crate) fn is_one_insert(cs: &ChangeSet) -> bool {
    matches!(cs.ops.as_slice(), [Op::Insert { after }] if !matches!(after, Entity::Memo(_)))
        && cs.texts.is_empty()
        && cs.scrub.is_none()
        && cs.purge_texts.is_empty()
        && cs.reverts.is_none()
}

/// Commits a change for which [`is_one_insert`] holds in one round trip to
/// the connection's thread: `BEGIN IMMEDIATE`, the row, its log entry and
/// `COMMIT` as one four-statement execution (each round trip costs several
/// thread switches, which were most of the time of applying a coding). On
/// a failure, whatever began is rolled back before the error is worded as a
/// lone op's would be. Durability is the same: the `COMMIT` returns once the
/// WAL is synced.
pub(crate) async fn commit_one_insert(
    conn: &mut SqliteConnection,
    cs: &ChangeSet,
) -> Result<Change, Fault> {
    let [Op::Insert { after }] = cs.ops.as_slice() else {
        return Err(StoreError::Constraint {
            message: "commit_one_insert needs a change of one insert".into(),
        }
        .into());
    };
    let t = table::table(after.kind());
    let at = axial_core::now();
    let ops = codec::json("the change's ops", &cs.ops)?;
    let sql = format!("BEGIN IMMEDIATE; {}; {LOG_INSERT}; COMMIT", t.insert);
    let mut q = sqlx::query(&sql);
    for v in table::encode(after)? {
        q = bind(q, v);
    }
    let q = q
        .bind(cs.project.map(|p| p.to_string()))
        .bind(cs.author.to_string())
        .bind(codec::micros(at)?)
        .bind(cs.action.as_str())
        .bind(&cs.summary)
        .bind(ops)
        .bind(Option::<i64>::None);
    let seq = match q.execute(&mut *conn).await {
        // COMMIT inserts nothing: the last row inserted is the log entry.
        Ok(done) => ChangeSeq(done.last_insert_rowid()),
        Err(err) => {
            // Fails harmlessly when the transaction never began or SQLite
            // already rolled it back.
            let _ = sqlx::query("ROLLBACK").execute(&mut *conn).await;
            return Err(explain(conn, Verb::Insert, after, err).await);
        }
    };
    Ok(Change {
        seq,
        project: cs.project,
        author: cs.author,
        at,
        action: cs.action,
        summary: cs.summary.clone(),
        ops: cs.ops.clone(),
        reverts: None,
        reverted_by: None,
    })
}

/// Applies ops in order, running like inserts and deletes as multi-row
/// statements. Within a run of consecutive inserts (or deletes) the ops are
/// grouped by kind first ([`axial_store::order::batch_order`]), so a
/// survey's 200,000 interleaved case, value and source inserts become
/// multi-row statements rather than one statement each; updates are never
/// moved, and the log keeps the order the change set gave.
async fn apply_ops(conn: &mut SqliteConnection, ops: &[Op]) -> Result<(), Fault> {
    let ordered = axial_store::order::batch_order(ops);
    let mut rest = &ordered[..];
    while !rest.is_empty() {
        let n = batchable_run(rest);
        if n >= 2 {
            apply_batch(conn, &rest[..n]).await?;
        } else {
            apply(conn, rest[0]).await?;
        }
        rest = &rest[n.max(1)..];
    }
    Ok(())
}

/// Loads a whole database dump into an empty database (the caller owns
/// the transaction).
pub(crate) async fn load_dump(
    conn: &mut SqliteConnection,
    dump: &axial_store::DatabaseDump,
) -> Result<(), Fault> {
    let used: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM projects) \
         + (SELECT COUNT(*) FROM changes)",
    )
    .fetch_one(&mut *conn)
    .await?;
    if used > 0 {
        return Err(StoreError::Constraint {
            message: "the target database is not empty; copy into a new, empty database".into(),
        }
        .into());
    }
    store_texts(conn, &dump.texts).await?;
    apply_ops(conn, &dump.inserts()).await?;
    for a in &dump.accounts {
        crate::account::put_account(conn, a).await?;
    }
    for c in &dump.log {
        insert_logged(conn, c).await?;
    }
    Ok(())
}

/// Inserts a logged change as it is, keeping its sequence number (SQLite's
/// AUTOINCREMENT then continues after the highest one).
async fn insert_logged(conn: &mut SqliteConnection, c: &Change) -> Result<(), Fault> {
    sqlx::query(
        "INSERT INTO changes (seq, project, author, at, action, summary, ops, reverts, reverted_by) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(c.seq.0)
    .bind(c.project.map(|p| p.to_string()))
    .bind(c.author.to_string())
    .bind(codec::micros(c.at)?)
    .bind(c.action.as_str())
    .bind(&c.summary)
    .bind(codec::json("the change's ops", &c.ops)?)
    .bind(c.reverts.map(|s| s.0))
    .bind(c.reverted_by.map(|s| s.0))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Rewrites the project's logged changes through `scrub`, keeping seq,
/// author, time, action and revert links.
async fn scrub_log(
    conn: &mut SqliteConnection,
    project: ProjectId,
    scrub: &axial_core::Scrub,
) -> Result<(), Fault> {
    for mut change in crate::read::project_changes(conn, project).await? {
        if scrub.apply(&mut change) {
            let ops = codec::json("the change's ops", &change.ops)?;
            sqlx::query("UPDATE changes SET summary = ?, ops = ? WHERE seq = ?")
                .bind(&change.summary)
                .bind(ops)
                .bind(change.seq.0)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Deletes texts no source uses any more. With `secure_delete` on, SQLite
/// overwrites the freed content.
async fn purge_texts(conn: &mut SqliteConnection, hashes: &[ContentHash]) -> Result<(), Fault> {
    for hash in hashes {
        sqlx::query(
            "DELETE FROM source_texts WHERE hash = ?1 \
             AND NOT EXISTS (SELECT 1 FROM sources WHERE content_hash = ?1)",
        )
        .bind(hash.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

async fn store_texts(
    conn: &mut SqliteConnection,
    texts: &[(ContentHash, Arc<str>)],
) -> Result<(), Fault> {
    for (hash, text) in texts {
        let len = i64::try_from(text.chars().count()).map_err(|_| StoreError::Constraint {
            message: format!("the text with hash {hash} is too long"),
        })?;
        sqlx::query("INSERT OR IGNORE INTO source_texts (hash, text, char_len) VALUES (?, ?, ?)")
            .bind(hash.to_string())
            .bind(&**text)
            .bind(len)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn append_log(
    conn: &mut SqliteConnection,
    project: Option<ProjectId>,
    author: UserId,
    at: axial_core::Timestamp,
    action: Action,
    summary: &str,
    ops: &str,
    reverts: Option<ChangeSeq>,
) -> Result<ChangeSeq, Fault> {
    let done = sqlx::query(LOG_INSERT)
        .bind(project.map(|p| p.to_string()))
        .bind(author.to_string())
        .bind(codec::micros(at)?)
        .bind(action.as_str())
        .bind(summary)
        .bind(ops)
        .bind(reverts.map(|s| s.0))
        .execute(&mut *conn)
        .await?;
    Ok(ChangeSeq(done.last_insert_rowid()))
}

async fn mark_reverted(
    conn: &mut SqliteConnection,
    reverted: ChangeSeq,
    by: ChangeSeq,
) -> Result<(), Fault> {
    let done =
        sqlx::query("UPDATE changes SET reverted_by = ? WHERE seq = ? AND reverted_by IS NULL")
            .bind(by.0)
            .bind(reverted.0)
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let exists: Option<i64> = sqlx::query_scalar("SELECT seq FROM changes WHERE seq = ?")
        .bind(reverted.0)
        .fetch_optional(&mut *conn)
        .await?;
    Err(match exists {
        Some(_) => StoreError::AlreadyReverted { seq: reverted },
        None => StoreError::Constraint {
            message: format!("change {reverted}, which this change reverts, is not in the log"),
        },
    }
    .into())
}

/// Most rows one multi-row statement inserts or deletes (13 columns × 100
/// rows stays far below SQLite's limit of bound parameters).
const BATCH_ROWS: usize = 100;

/// How many ops at the start of `ops` can run as one multi-row statement:
/// inserts (or deletes) of the same kind, except memos, whose links are
/// written separately.
fn batchable_run(ops: &[&Op]) -> usize {
    let key = |op: &Op| match op {
        Op::Insert { after } if after.kind() != EntityKind::Memo => {
            Some((Verb::Insert, after.kind()))
        }
        Op::Delete { before } => Some((Verb::Delete, before.kind())),
        _ => None,
    };
    match ops.first().and_then(|op| key(op)) {
        None => 0,
        Some(first) => ops
            .iter()
            .take(BATCH_ROWS)
            .take_while(|op| key(op) == Some(first))
            .count(),
    }
}

/// Runs a run of like ops as one statement. If the statement fails on a
/// constraint or (a delete) touches fewer rows than it should, its effect
/// is undone and the ops run one at a time, which finds and words the
/// failing op exactly as a lone op would.
async fn apply_batch(conn: &mut SqliteConnection, ops: &[&Op]) -> Result<(), Fault> {
    let first = ops[0].entity().kind();
    let t = table::table(first);
    let inserting = matches!(ops[0], Op::Insert { .. });
    let sql = if inserting {
        let row = format!("({})", vec!["?"; t.columns.len()].join(", "));
        format!(
            "INSERT INTO {} ({}) VALUES {}",
            t.name,
            t.columns.join(", "),
            vec![row; ops.len()].join(", ")
        )
    } else {
        format!(
            "DELETE FROM {} WHERE {}",
            t.name,
            vec!["(id = ? AND version = ?)"; ops.len()].join(" OR ")
        )
    };
    let mut q = sqlx::query(&sql);
    for op in ops {
        let e = op.entity();
        if inserting {
            for v in table::encode(e)? {
                q = bind(q, v);
            }
        } else {
            q = q
                .bind(e.guid().hyphenated().to_string())
                .bind(codec::version(e.version())?);
        }
    }
    if inserting {
        // A multi-row insert either inserts every row or, on a constraint
        // failure, is undone by SQLite itself (the statement is atomic) and
        // the transaction stays open: no savepoint needed, which spares two
        // round trips per batch and a second journal of every page it
        // touches. Any other failure may have ended the transaction, so it
        // is reported as it is rather than replayed.
        return match q.execute(&mut *conn).await {
            Ok(_) => Ok(()),
            Err(e) if is_constraint(&e) => {
                for op in ops {
                    apply(conn, op).await?;
                }
                Ok(())
            }
            Err(e) => Err(e.into()),
        };
    }
    // A delete can match fewer rows than asked (a stale version) after
    // deleting some: the savepoint takes those back before the replay.
    sqlx::query("SAVEPOINT axial_batch")
        .execute(&mut *conn)
        .await?;
    let whole =
        matches!(q.execute(&mut *conn).await, Ok(done) if done.rows_affected() == ops.len() as u64);
    if whole {
        sqlx::query("RELEASE axial_batch")
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    sqlx::query("ROLLBACK TO axial_batch")
        .execute(&mut *conn)
        .await?;
    sqlx::query("RELEASE axial_batch")
        .execute(&mut *conn)
        .await?;
    for op in ops {
        apply(conn, op).await?;
    }
    Ok(())
}

/// What an op was doing when a statement failed.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Insert,
    Update,
    Delete,
}

async fn apply(conn: &mut SqliteConnection, op: &Op) -> Result<(), Fault> {
    match op {
        Op::Insert { after } => insert(conn, after).await,
        Op::Update { before, after } => update(conn, before, after).await,
        Op::Delete { before } => delete(conn, before).await,
    }
}

async fn insert(conn: &mut SqliteConnection, e: &Entity) -> Result<(), Fault> {
    let t = table::table(e.kind());
    let mut q = sqlx::query(&t.insert);
    for v in table::encode(e)? {
        q = bind(q, v);
    }
    if let Err(err) = q.execute(&mut *conn).await {
        return Err(explain(conn, Verb::Insert, e, err).await);
    }
    if let Entity::Memo(m) = e {
        insert_links(conn, m).await?;
    }
    Ok(())
}

async fn update(conn: &mut SqliteConnection, before: &Entity, after: &Entity) -> Result<(), Fault> {
    if before.kind() != after.kind() || before.guid() != after.guid() {
        return Err(StoreError::Constraint {
            message: format!(
                "an update must keep the kind and id of {} '{}' ({} {} cannot become {} {})",
                before.kind(),
                before.label(),
                before.kind(),
                before.guid(),
                after.kind(),
                after.guid()
            ),
        }
        .into());
    }
    let t = table::table(before.kind());
    let mut vals = table::encode(after)?.into_iter();
    let id = vals.next().unwrap_or(Val::Null);
    let mut q = sqlx::query(&t.update);
    for v in vals {
        q = bind(q, v);
    }
    let q = bind(q, id).bind(codec::version(before.version())?);
    match q.execute(&mut *conn).await {
        Ok(done) if done.rows_affected() == 0 => return Err(conflict(conn, t, before).await),
        Ok(_) => {}
        Err(err) => return Err(explain(conn, Verb::Update, after, err).await),
    }
    if let Entity::Memo(m) = after {
        sqlx::query("DELETE FROM memo_links WHERE memo = ?")
            .bind(m.id.to_string())
            .execute(&mut *conn)
            .await?;
        insert_links(conn, m).await?;
    }
    Ok(())
}

async fn delete(conn: &mut SqliteConnection, before: &Entity) -> Result<(), Fault> {
    let t = table::table(before.kind());
    let q = sqlx::query(&t.delete)
        .bind(before.guid().hyphenated().to_string())
        .bind(codec::version(before.version())?);
    match q.execute(&mut *conn).await {
        Ok(done) if done.rows_affected() == 0 => Err(conflict(conn, t, before).await),
        Ok(_) => Ok(()),
        Err(err) => Err(explain(conn, Verb::Delete, before, err).await),
    }
}

async fn insert_links(conn: &mut SqliteConnection, m: &axial_core::Memo) -> Result<(), Fault> {
    for (position, link) in m.links.iter().enumerate() {
        let (kind, target) = table::link_columns(link);
        sqlx::query("INSERT INTO memo_links (memo, position, kind, target) VALUES (?, ?, ?, ?)")
            .bind(m.id.to_string())
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(kind)
            .bind(target)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// The `Conflict` for an update or delete that matched no row.
async fn conflict(conn: &mut SqliteConnection, t: &Table, before: &Entity) -> Fault {
    let id = before.guid().hyphenated().to_string();
    let found: Result<Option<i64>, sqlx::Error> = sqlx::query_scalar(&t.version_of)
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await;
    let found = match found {
        Ok(v) => v.map(|v| axial_core::Version(u64::try_from(v).unwrap_or(0))),
        Err(e) => return e.into(),
    };
    StoreError::Conflict {
        kind: before.kind(),
        id,
        label: before.label(),
        expected: before.version(),
        found,
    }
    .into()
}

/// Words a failed statement of one op as a store error.
async fn explain(conn: &mut SqliteConnection, verb: Verb, e: &Entity, err: sqlx::Error) -> Fault {
    let code = error::sqlite_code(&err).unwrap_or(0);
    let t = table::table(e.kind());
    let message = error::sqlite_message(&err);
    let id = e.guid().hyphenated().to_string();
    let pk_hit = code == CONSTRAINT_PRIMARYKEY
        || (code == CONSTRAINT_UNIQUE && message.ends_with(&format!("{}.id", t.name)));
    if pk_hit && verb == Verb::Insert {
        return StoreError::AlreadyExists {
            kind: e.kind(),
            id,
            label: e.label(),
        }
        .into();
    }
    if code == CONSTRAINT_UNIQUE {
        return match taken_name(conn, e).await {
            Ok(message) => StoreError::Constraint { message }.into(),
            Err(f) => f,
        };
    }
    if code == CONSTRAINT_FOREIGNKEY {
        let worded = if verb == Verb::Delete {
            still_used(conn, e).await
        } else {
            missing_reference(conn, e).await
        };
        return match worded {
            Ok(message) => StoreError::Constraint { message }.into(),
            Err(f) => f,
        };
    }
    err.into()
}

async fn name_of(
    conn: &mut SqliteConnection,
    table: &str,
    column: &str,
    id: &str,
) -> Result<String, Fault> {
    let sql = format!("SELECT {column} FROM {table} WHERE id = ?");
    let name: Option<String> = sqlx::query_scalar(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(name
        .map(|n| format!("'{n}'"))
        .unwrap_or_else(|| id.to_string()))
}

/// Which uniqueness rule an insert or update broke.
async fn taken_name(conn: &mut SqliteConnection, e: &Entity) -> Result<String, Fault> {
    Ok(match e {
        Entity::Project(p) => format!(
            "a project named '{}' already exists; choose another name",
            p.name
        ),
        Entity::Code(c) => match c.parent {
            None => format!(
                "a code named '{}' already exists at the top level of the code tree",
                c.name
            ),
            Some(parent) => {
                let parent = name_of(conn, "codes", "name", &parent.to_string()).await?;
                format!(
                    "a code named '{}' already exists under the same parent ({parent})",
                    c.name
                )
            }
        },
        Entity::Case(c) => format!("a case named '{}' already exists in this project", c.name),
        Entity::Variable(v) => format!(
            "a variable named '{}' already exists in this project",
            v.name
        ),
        Entity::Set(s) => format!("a set named '{}' already exists in this project", s.name),
        Entity::Value(v) => {
            let variable = name_of(conn, "variables", "name", &v.variable.to_string()).await?;
            let (kind, subject) = table::subject_columns(&v.subject);
            let table = if kind == "case" { "cases" } else { "sources" };
            let subject = name_of(conn, table, "name", &subject).await?;
            format!("{kind} {subject} already has a value for variable {variable}; update that value instead")
        }
        other => format!(
            "{} '{}' breaks a uniqueness rule of the database",
            other.kind(),
            other.label()
        ),
    })
}

async fn exists(
    conn: &mut SqliteConnection,
    table: &str,
    key: &str,
    value: &str,
) -> Result<bool, Fault> {
    let sql = format!("SELECT 1 FROM {table} WHERE {key} = ?");
    let hit: Option<i64> = sqlx::query_scalar(&sql)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(hit.is_some())
}

/// Which reference of an inserted or updated entity points at nothing.
async fn missing_reference(conn: &mut SqliteConnection, e: &Entity) -> Result<String, Fault> {
    let what = format!("{} '{}'", e.kind(), e.label());
    // (table, key column, value, what to say when no row has that value)
    let mut references: Vec<(&str, &str, String, String)> = match e {
        Entity::Coding(c) => vec![
            ("codes", "id", c.code.to_string(), format!("{what} refers to code {}, which does not exist", c.code)),
            (
                "sources",
                "id",
                c.source.to_string(),
                format!("{what} refers to source {}, which does not exist", c.source),
            ),
        ],
        Entity::Code(Code { parent: Some(parent), .. }) => vec![(
            "codes",
            "id",
            parent.to_string(),
            format!("{what} is placed under code {parent}, which does not exist"),
        )],
        Entity::Source(s) => vec![(
            "source_texts",
            "hash",
            s.content_hash.to_string(),
            format!(
                "the text of {what} (hash {}) is not in the database; include it in the change set's texts",
                s.content_hash
            ),
        )],
        _ => Vec::new(),
    };
    if let (Some(project), false) = (e.project(), e.kind() == EntityKind::Project) {
        references.push((
            "projects",
            "id",
            project.to_string(),
            format!("{what} belongs to project {project}, which does not exist"),
        ));
    }
    for (table, key, value, missing) in references {
        if !exists(conn, table, key, &value).await? {
            return Ok(missing);
        }
    }
    Ok(format!("{what} refers to something that does not exist"))
}

async fn count(conn: &mut SqliteConnection, sql: &str, id: &str) -> Result<i64, Fault> {
    Ok(sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// What still refers to an entity whose delete broke a reference.
async fn still_used(conn: &mut SqliteConnection, e: &Entity) -> Result<String, Fault> {
    let what = format!("{} '{}'", e.kind(), e.label());
    let id = e.guid().hyphenated().to_string();
    Ok(match e.kind() {
        EntityKind::Code => {
            let codings = count(conn, "SELECT COUNT(*) FROM codings WHERE code = ?", &id).await?;
            let children = count(conn, "SELECT COUNT(*) FROM codes WHERE parent = ?", &id).await?;
            format!(
                "{what} cannot be deleted: it still has {codings} coding(s) and {children} child code(s); \
                 delete or move them in the same change first"
            )
        }
        EntityKind::Source => {
            let codings = count(conn, "SELECT COUNT(*) FROM codings WHERE source = ?", &id).await?;
            format!("{what} cannot be deleted: it still has {codings} coding(s); delete them in the same change first")
        }
        EntityKind::Project => format!(
            "{what} still holds sources, codes or other data; delete the whole project instead"
        ),
        _ => format!("{what} cannot be deleted: something else still refers to it"),
    })
}

/// Deletes a project, all its rows and its log, and logs the deletion
/// database-wide. Texts only this project's sources used are dropped too,
/// unless some remaining log entry still mentions them (undo may need them).
pub(crate) async fn delete_project(
    conn: &mut SqliteConnection,
    project: ProjectId,
    author: UserId,
) -> Result<(), Fault> {
    let id = project.to_string();
    let name: Option<String> = sqlx::query_scalar("SELECT name FROM projects WHERE id = ?")
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(name) = name else {
        return Err(StoreError::NotFound {
            kind: EntityKind::Project,
            id,
        }
        .into());
    };
    let hashes: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT content_hash FROM sources WHERE project = ?")
            .bind(&id)
            .fetch_all(&mut *conn)
            .await?;
    for table in [
        "codings",
        "memos",
        "relations",
        "records",
        "variable_values",
        "sets",
        "codes",
        "variables",
        "sources",
        "cases",
        "changes",
    ] {
        sqlx::query(&format!("DELETE FROM {table} WHERE project = ?"))
            .bind(&id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM projects WHERE id = ?")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    let hashes = codec::json("text hashes", &hashes)?;
    sqlx::query(
        "DELETE FROM source_texts WHERE hash IN (SELECT value FROM json_each(?)) \
         AND hash NOT IN (SELECT content_hash FROM sources) \
         AND NOT EXISTS (SELECT 1 FROM changes WHERE instr(changes.ops, source_texts.hash) > 0)",
    )
    .bind(hashes)
    .execute(&mut *conn)
    .await?;
    let summary = format!("deleted project '{name}'");
    append_log(
        conn,
        None,
        author,
        axial_core::now(),
        Action::ProjectUpdate,
        &summary,
        "[]",
        None,
    )
    .await?;
    Ok(())
}
