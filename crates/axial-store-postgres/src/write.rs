//! Applying a [`ChangeSet`] inside one write transaction, and deleting a
//! project.
//!
//! The caller (`lib.rs`) owns the transaction: it begins it (READ
//! COMMITTED), commits on success, rolls back on any error and runs the
//! whole change set again if PostgreSQL reports a serialization failure or a
//! deadlock, so the functions here can stop at the first failure.
//!
//! Preconditions hold under concurrent writers from any number of
//! processes: an insert relies on the primary key (a concurrent insert of
//! the same id waits for the other transaction and then fails); an update or
//! delete runs `… WHERE id = $n AND version = $m`, which locks the row, waits
//! for a concurrent writer of it and re-checks the version against the
//! committed row, so of two stale edits exactly one matches and the other
//! becomes a `Conflict` (the row is looked up only when nothing matched).
//! Marking a change reverted is the same kind of conditional update.
//!
//! A failed statement aborts a PostgreSQL transaction, so each statement
//! that may fail runs inside a savepoint: after a failure the savepoint is
//! rolled back and the failure is explained (which name is taken, which
//! reference is missing) with further queries in the same transaction.
//! Runs of inserts or deletes of one kind (a QDPX import's 100,000 codings)
//! go in one statement per run of up to [`BATCH_ROWS`] rows, passing each
//! column as an array (`UNNEST`); a run that fails is replayed op by op to
//! report the exact op.
//!
//! The log row is appended last, under a transaction-scoped advisory lock
//! held until commit, so change numbers grow in commit order: a reader that
//! has seen change `n` never later finds a smaller new one.

use std::sync::Arc;

use axial_core::{
    Action, Change, ChangeSeq, ChangeSet, Code, ContentHash, Entity, EntityKind, Op, ProjectId,
    UserId,
};
use axial_store::StoreError;
use sqlx::postgres::{PgArguments, PgConnection};
use sqlx::{query::Query, Postgres};

use crate::codec::{self, Val};
use crate::error::{self, Fault, FOREIGN_KEY_VIOLATION, UNIQUE_VIOLATION};
use crate::table::{self, Table};

type Q<'q> = Query<'q, Postgres, PgArguments>;

fn bind(q: Q<'_>, v: Val) -> Q<'_> {
    match v {
        Val::Text(s) => q.bind(s),
        Val::Int(i) => q.bind(i),
        Val::Bool(b) => q.bind(b),
        Val::Null => q.bind(Option::<String>::None),
    }
}

/// The advisory-lock key that orders log appends (an arbitrary constant:
/// "axial" in ASCII).
const LOG_LOCK: i64 = 0x61_78_69_61_6c;

/// Runs one statement inside a savepoint, so that its failure leaves the
/// transaction usable for explaining it.
async fn guarded(conn: &mut PgConnection, q: Q<'_>) -> Result<Result<u64, sqlx::Error>, Fault> {
    sqlx::query("SAVEPOINT axial_op")
        .execute(&mut *conn)
        .await?;
    match q.execute(&mut *conn).await {
        Ok(done) => {
            sqlx::query("RELEASE SAVEPOINT axial_op")
                .execute(&mut *conn)
                .await?;
            Ok(Ok(done.rows_affected()))
        }
        Err(e) => {
            sqlx::query("ROLLBACK TO SAVEPOINT axial_op")
                .execute(&mut *conn)
                .await?;
            sqlx::query("RELEASE SAVEPOINT axial_op")
                .execute(&mut *conn)
                .await?;
            Ok(Err(e))
        }
    }
}

/// Applies `cs` and appends it to the log; the caller commits or rolls back.
pub(crate) async fn commit(conn: &mut PgConnection, cs: &ChangeSet) -> Result<Change, Fault> {
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

/// Applies ops in order, running like inserts and deletes as multi-row
/// statements. Within a run of consecutive inserts (or deletes) the ops are
/// grouped by kind first ([`axial_store::order::batch_order`]), so a
/// survey's 200,000 interleaved case, value and source inserts become
/// multi-row statements rather than one statement each; updates are never
/// moved, and the log keeps the order the change set gave.
async fn apply_ops(conn: &mut PgConnection, ops: &[Op]) -> Result<(), Fault> {
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
    conn: &mut PgConnection,
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
    // Later commits continue after the highest loaded sequence number.
    sqlx::query(
        "SELECT setval(pg_get_serial_sequence('changes', 'seq'), \
         GREATEST((SELECT MAX(seq) FROM changes), 1), (SELECT MAX(seq) FROM changes) IS NOT NULL)",
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Inserts a logged change as it is, keeping its sequence number.
async fn insert_logged(conn: &mut PgConnection, c: &Change) -> Result<(), Fault> {
    sqlx::query(
        "INSERT INTO changes (seq, project, author, at, action, summary, ops, reverts, reverted_by) \
         OVERRIDING SYSTEM VALUE VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8, $9)",
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
    conn: &mut PgConnection,
    project: ProjectId,
    scrub: &axial_core::Scrub,
) -> Result<(), Fault> {
    for mut change in crate::read::project_changes_for_update(conn, project).await? {
        if scrub.apply(&mut change) {
            let ops = codec::json("the change's ops", &change.ops)?;
            sqlx::query("UPDATE changes SET summary = $1, ops = $2::jsonb WHERE seq = $3")
                .bind(&change.summary)
                .bind(ops)
                .bind(change.seq.0)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

/// Deletes texts no source uses any more.
async fn purge_texts(conn: &mut PgConnection, hashes: &[ContentHash]) -> Result<(), Fault> {
    for hash in hashes {
        sqlx::query(
            "DELETE FROM source_texts WHERE hash = $1 \
             AND NOT EXISTS (SELECT 1 FROM sources WHERE content_hash = $1)",
        )
        .bind(hash.to_string())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Most bytes of text one statement of [`store_texts`] carries.
const TEXT_CHUNK_BYTES: usize = 16 << 20;

/// Stores texts not stored yet, many per statement (as arrays through
/// `UNNEST`, up to [`TEXT_CHUNK_BYTES`] each): an imported project's
/// thousand texts are a few statements rather than a thousand round trips.
async fn store_texts(
    conn: &mut PgConnection,
    texts: &[(ContentHash, Arc<str>)],
) -> Result<(), Fault> {
    let mut seen = std::collections::HashSet::new();
    let mut rest: Vec<&(ContentHash, Arc<str>)> =
        texts.iter().filter(|(h, _)| seen.insert(*h)).collect();
    while !rest.is_empty() {
        let mut bytes = 0;
        let n = rest
            .iter()
            .take_while(|(_, t)| {
                bytes += t.len();
                bytes <= TEXT_CHUNK_BYTES
            })
            .count()
            .max(1);
        let (mut hashes, mut bodies, mut lens) = (
            Vec::with_capacity(n),
            Vec::with_capacity(n),
            Vec::with_capacity(n),
        );
        for (hash, text) in &rest[..n] {
            let len = i64::try_from(text.chars().count()).map_err(|_| StoreError::Constraint {
                message: format!("the text with hash {hash} is too long"),
            })?;
            hashes.push(hash.to_string());
            bodies.push(&**text);
            lens.push(len);
        }
        sqlx::query(
            "INSERT INTO source_texts (hash, text, char_len) \
             SELECT * FROM UNNEST($1::text[], $2::text[], $3::bigint[]) \
             ON CONFLICT (hash) DO NOTHING",
        )
        .bind(hashes)
        .bind(bodies)
        .bind(lens)
        .execute(&mut *conn)
        .await?;
        rest.drain(..n);
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn append_log(
    conn: &mut PgConnection,
    project: Option<ProjectId>,
    author: UserId,
    at: axial_core::Timestamp,
    action: Action,
    summary: &str,
    ops: &str,
    reverts: Option<ChangeSeq>,
) -> Result<ChangeSeq, Fault> {
    // Held until commit: later appends wait, so seq order is commit order.
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(LOG_LOCK)
        .execute(&mut *conn)
        .await?;
    let seq: i64 = sqlx::query_scalar(
        "INSERT INTO changes (project, author, at, action, summary, ops, reverts) \
         VALUES ($1, $2, $3, $4, $5, $6::jsonb, $7) RETURNING seq",
    )
    .bind(project.map(|p| p.to_string()))
    .bind(author.to_string())
    .bind(codec::micros(at)?)
    .bind(action.as_str())
    .bind(summary)
    .bind(ops)
    .bind(reverts.map(|s| s.0))
    .fetch_one(&mut *conn)
    .await?;
    // Delivered to listeners when (and only if) the transaction commits.
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(crate::CHANGES_CHANNEL)
        .bind(seq.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(ChangeSeq(seq))
}

async fn mark_reverted(
    conn: &mut PgConnection,
    reverted: ChangeSeq,
    by: ChangeSeq,
) -> Result<(), Fault> {
    let done =
        sqlx::query("UPDATE changes SET reverted_by = $1 WHERE seq = $2 AND reverted_by IS NULL")
            .bind(by.0)
            .bind(reverted.0)
            .execute(&mut *conn)
            .await?;
    if done.rows_affected() == 1 {
        return Ok(());
    }
    let exists: Option<i64> = sqlx::query_scalar("SELECT seq FROM changes WHERE seq = $1")
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

/// Most rows one statement inserts or deletes. Columns travel as arrays,
/// so this bounds memory and the work redone op by op after a failure, not
/// the number of bound parameters.
const BATCH_ROWS: usize = 5000;

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

/// One column of a batch, as the array bound for `UNNEST`.
enum Column {
    Text(Vec<Option<String>>),
    Int(Vec<i64>),
    Bool(Vec<bool>),
}

impl Column {
    /// A column whose first value is `v`.
    fn for_value(v: &Val, rows: usize) -> Column {
        match v {
            Val::Int(_) => Column::Int(Vec::with_capacity(rows)),
            Val::Bool(_) => Column::Bool(Vec::with_capacity(rows)),
            Val::Text(_) | Val::Null => Column::Text(Vec::with_capacity(rows)),
        }
    }

    fn push(&mut self, v: Val, table: &str) -> Result<(), StoreError> {
        match (self, v) {
            (Column::Text(c), Val::Text(s)) => c.push(Some(s)),
            (Column::Text(c), Val::Null) => c.push(None),
            (Column::Int(c), Val::Int(i)) => c.push(i),
            (Column::Bool(c), Val::Bool(b)) => c.push(b),
            (_, v) => {
                return Err(StoreError::Backend {
                    detail: format!("rows of table {table} encode a column inconsistently ({v:?})"),
                })
            }
        }
        Ok(())
    }

    fn sql_type(&self) -> &'static str {
        match self {
            Column::Text(_) => "text[]",
            Column::Int(_) => "bigint[]",
            Column::Bool(_) => "boolean[]",
        }
    }

    fn bind(self, q: Q<'_>) -> Q<'_> {
        match self {
            Column::Text(c) => q.bind(c),
            Column::Int(c) => q.bind(c),
            Column::Bool(c) => q.bind(c),
        }
    }
}

/// Runs a run of like ops as one statement inside a savepoint. If the
/// statement fails or touches fewer rows than it should, the savepoint is
/// rolled back and the ops run one at a time, which finds and words the
/// failing op exactly as a lone op would.
async fn apply_batch(conn: &mut PgConnection, ops: &[&Op]) -> Result<(), Fault> {
    let first = ops[0].entity().kind();
    let t = table::table(first);
    let inserting = matches!(ops[0], Op::Insert { .. });
    let mut columns: Vec<Column> = Vec::new();
    if inserting {
        for op in ops {
            let vals = table::encode(op.entity())?;
            if columns.is_empty() {
                columns = vals
                    .iter()
                    .map(|v| Column::for_value(v, ops.len()))
                    .collect();
            }
            for (c, v) in columns.iter_mut().zip(vals) {
                c.push(v, t.name)?;
            }
        }
    } else {
        let (mut ids, mut versions) =
            (Vec::with_capacity(ops.len()), Vec::with_capacity(ops.len()));
        for op in ops {
            let e = op.entity();
            ids.push(Some(e.guid().hyphenated().to_string()));
            versions.push(codec::version(e.version())?);
        }
        columns = vec![Column::Text(ids), Column::Int(versions)];
    }
    let arrays = columns
        .iter()
        .zip(1..)
        .map(|(c, i)| format!("${i}::{}", c.sql_type()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = if inserting {
        format!(
            "INSERT INTO {} ({}) SELECT * FROM UNNEST({arrays})",
            t.name,
            t.columns.join(", "),
        )
    } else {
        format!(
            "DELETE FROM {name} USING UNNEST({arrays}) AS doomed (id, version) \
             WHERE {name}.id = doomed.id AND {name}.version = doomed.version",
            name = t.name,
        )
    };
    let mut q = sqlx::query(&sql);
    for c in columns {
        q = c.bind(q);
    }
    sqlx::query("SAVEPOINT axial_batch")
        .execute(&mut *conn)
        .await?;
    let whole =
        matches!(q.execute(&mut *conn).await, Ok(done) if done.rows_affected() == ops.len() as u64);
    if whole {
        sqlx::query("RELEASE SAVEPOINT axial_batch")
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    sqlx::query("ROLLBACK TO SAVEPOINT axial_batch")
        .execute(&mut *conn)
        .await?;
    sqlx::query("RELEASE SAVEPOINT axial_batch")
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

async fn apply(conn: &mut PgConnection, op: &Op) -> Result<(), Fault> {
    match op {
        Op::Insert { after } => insert(conn, after).await,
        Op::Update { before, after } => update(conn, before, after).await,
        Op::Delete { before } => delete(conn, before).await,
    }
}

async fn insert(conn: &mut PgConnection, e: &Entity) -> Result<(), Fault> {
    let t = table::table(e.kind());
    let mut q = sqlx::query(&t.insert);
    for v in table::encode(e)? {
        q = bind(q, v);
    }
    if let Err(err) = guarded(conn, q).await? {
        return Err(explain(conn, Verb::Insert, e, err).await);
    }
    if let Entity::Memo(m) = e {
        insert_links(conn, m).await?;
    }
    Ok(())
}

async fn update(conn: &mut PgConnection, before: &Entity, after: &Entity) -> Result<(), Fault> {
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
    match guarded(conn, q).await? {
        Ok(0) => return Err(conflict(conn, t, before).await),
        Ok(_) => {}
        Err(err) => return Err(explain(conn, Verb::Update, after, err).await),
    }
    if let Entity::Memo(m) = after {
        sqlx::query("DELETE FROM memo_links WHERE memo = $1")
            .bind(m.id.to_string())
            .execute(&mut *conn)
            .await?;
        insert_links(conn, m).await?;
    }
    Ok(())
}

async fn delete(conn: &mut PgConnection, before: &Entity) -> Result<(), Fault> {
    let t = table::table(before.kind());
    let q = sqlx::query(&t.delete)
        .bind(before.guid().hyphenated().to_string())
        .bind(codec::version(before.version())?);
    match guarded(conn, q).await? {
        Ok(0) => Err(conflict(conn, t, before).await),
        Ok(_) => Ok(()),
        Err(err) => Err(explain(conn, Verb::Delete, before, err).await),
    }
}

async fn insert_links(conn: &mut PgConnection, m: &axial_core::Memo) -> Result<(), Fault> {
    if m.links.is_empty() {
        return Ok(());
    }
    let (mut positions, mut kinds, mut targets) = (Vec::new(), Vec::new(), Vec::new());
    for (position, link) in m.links.iter().enumerate() {
        let (kind, target) = table::link_columns(link);
        positions.push(i64::try_from(position).unwrap_or(i64::MAX));
        kinds.push(kind);
        targets.push(target);
    }
    sqlx::query(
        "INSERT INTO memo_links (memo, position, kind, target) \
         SELECT $1, * FROM UNNEST($2::bigint[], $3::text[], $4::text[])",
    )
    .bind(m.id.to_string())
    .bind(positions)
    .bind(kinds)
    .bind(targets)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The `Conflict` for an update or delete that matched no row.
async fn conflict(conn: &mut PgConnection, t: &Table, before: &Entity) -> Fault {
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
async fn explain(conn: &mut PgConnection, verb: Verb, e: &Entity, err: sqlx::Error) -> Fault {
    let code = error::sqlstate(&err).unwrap_or_default();
    let t = table::table(e.kind());
    let id = e.guid().hyphenated().to_string();
    let pk_hit = code == UNIQUE_VIOLATION
        && error::constraint(&err).as_deref() == Some(&format!("{}_pkey", t.name));
    if pk_hit && verb == Verb::Insert {
        return StoreError::AlreadyExists {
            kind: e.kind(),
            id,
            label: e.label(),
        }
        .into();
    }
    if code == UNIQUE_VIOLATION {
        return match taken_name(conn, e).await {
            Ok(message) => StoreError::Constraint { message }.into(),
            Err(f) => f,
        };
    }
    if code == FOREIGN_KEY_VIOLATION {
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
    conn: &mut PgConnection,
    table: &str,
    column: &str,
    id: &str,
) -> Result<String, Fault> {
    let sql = format!("SELECT {column} FROM {table} WHERE id = $1");
    let name: Option<String> = sqlx::query_scalar(&sql)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(name
        .map(|n| format!("'{n}'"))
        .unwrap_or_else(|| id.to_string()))
}

/// Which uniqueness rule an insert or update broke.
async fn taken_name(conn: &mut PgConnection, e: &Entity) -> Result<String, Fault> {
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
    conn: &mut PgConnection,
    table: &str,
    key: &str,
    value: &str,
) -> Result<bool, Fault> {
    let sql = format!("SELECT 1 FROM {table} WHERE {key} = $1");
    let hit: Option<i32> = sqlx::query_scalar(&sql)
        .bind(value)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(hit.is_some())
}

/// Which reference of an inserted or updated entity points at nothing.
async fn missing_reference(conn: &mut PgConnection, e: &Entity) -> Result<String, Fault> {
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

async fn count(conn: &mut PgConnection, sql: &str, id: &str) -> Result<i64, Fault> {
    Ok(sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?)
}

/// What still refers to an entity whose delete broke a reference.
async fn still_used(conn: &mut PgConnection, e: &Entity) -> Result<String, Fault> {
    let what = format!("{} '{}'", e.kind(), e.label());
    let id = e.guid().hyphenated().to_string();
    Ok(match e.kind() {
        EntityKind::Code => {
            let codings = count(conn, "SELECT COUNT(*) FROM codings WHERE code = $1", &id).await?;
            let children = count(conn, "SELECT COUNT(*) FROM codes WHERE parent = $1", &id).await?;
            format!(
                "{what} cannot be deleted: it still has {codings} coding(s) and {children} child code(s); \
                 delete or move them in the same change first"
            )
        }
        EntityKind::Source => {
            let codings =
                count(conn, "SELECT COUNT(*) FROM codings WHERE source = $1", &id).await?;
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
    conn: &mut PgConnection,
    project: ProjectId,
    author: UserId,
) -> Result<(), Fault> {
    let id = project.to_string();
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM projects WHERE id = $1 FOR UPDATE")
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
        sqlx::query_scalar("SELECT DISTINCT content_hash FROM sources WHERE project = $1")
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
        sqlx::query(&format!("DELETE FROM {table} WHERE project = $1"))
            .bind(&id)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("DELETE FROM projects WHERE id = $1")
        .bind(&id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "DELETE FROM source_texts WHERE hash = ANY($1) \
         AND NOT EXISTS (SELECT 1 FROM sources WHERE sources.content_hash = source_texts.hash) \
         AND NOT EXISTS (SELECT 1 FROM changes WHERE strpos(changes.ops::text, source_texts.hash) > 0)",
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
