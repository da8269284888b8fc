//! The read queries of the store, each in the order the `Store` trait
//! promises, over any connection (a pooled one, or the read transaction of a
//! snapshot).
//!
//! Filters on lists of ids are bound as one JSON array and expanded with
//! `json_each`, so a query has a fixed text (and a cached prepared
//! statement) whatever the number of ids, and still uses the indexes.

use std::collections::HashMap;
use std::sync::Arc;

use axial_core::{
    Action, Case, Change, ChangeSeq, Code, CodeRelation, Coding, CodingId, ContentHash, EntityKind,
    Memo, MemoId, Project, ProjectId, Record, RecordId, RecordKind, Set, Source, SourceId, User,
    UserId, Variable, VariableValue,
};
use axial_store::{CodingFilter, HistoryQuery, ProjectCounts, ProjectSnapshot, StoreError};
use sqlx::sqlite::SqliteConnection;

use crate::codec::{self, Decoder};
use crate::error::{corrupt, Fault};
use crate::table::{
    table, CaseRow, CodeRow, CodingRow, MemoLinkRow, MemoRow, ProjectRow, RecordRow, RelationRow,
    SetRow, SourceRow, UserRow, ValueRow, VariableRow,
};

fn not_found(kind: EntityKind, id: impl ToString) -> Fault {
    StoreError::NotFound {
        kind,
        id: id.to_string(),
    }
    .into()
}

/// Rows of `kind` matching `filter` (SQL after `WHERE`), ordered by `order`, bound to one id.
async fn list<R>(
    conn: &mut SqliteConnection,
    kind: EntityKind,
    filter: &str,
    order: &str,
    id: String,
) -> Result<Vec<R>, Fault>
where
    R: serde::de::DeserializeOwned,
{
    // All rows come back as one JSON array built inside SQLite: with many
    // rows the driver's per-row cost would dominate. Columns are listed in
    // the row type's field order, so each row deserialises as a sequence.
    let t = table(kind);
    let sql = format!(
        "SELECT json_group_array(json_array({cols})) FROM \
         (SELECT {cols} FROM {name} WHERE {filter} ORDER BY {order})",
        cols = t.columns.join(", "),
        name = t.name,
    );
    let json: String = sqlx::query_scalar(&sql)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    serde_json::from_str(&json).map_err(|e| crate::error::corrupt(t.name, "(list)", e).into())
}

async fn one<R>(conn: &mut SqliteConnection, kind: EntityKind, id: String) -> Result<R, Fault>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + Send + Unpin,
{
    let sql = format!("{} WHERE id = ?", table(kind).select());
    sqlx::query_as::<_, R>(&sql)
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found(kind, id))
}

pub(crate) async fn users(conn: &mut SqliteConnection) -> Result<Vec<User>, Fault> {
    let sql = format!("{} ORDER BY name, id", table(EntityKind::User).select());
    let rows: Vec<UserRow> = sqlx::query_as(&sql).fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(UserRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn projects(conn: &mut SqliteConnection) -> Result<Vec<Project>, Fault> {
    let sql = format!("{} ORDER BY name, id", table(EntityKind::Project).select());
    let rows: Vec<ProjectRow> = sqlx::query_as(&sql).fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(ProjectRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn project(conn: &mut SqliteConnection, id: ProjectId) -> Result<Project, Fault> {
    Ok(one::<ProjectRow>(conn, EntityKind::Project, id.to_string())
        .await?
        .decode()?)
}

pub(crate) async fn counts(
    conn: &mut SqliteConnection,
    id: ProjectId,
) -> Result<ProjectCounts, Fault> {
    project(conn, id).await?;
    let row: (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM sources WHERE project = ?1), \
                (SELECT COUNT(*) FROM cases WHERE project = ?1), \
                (SELECT COUNT(*) FROM variables WHERE project = ?1), \
                (SELECT COUNT(*) FROM codes WHERE project = ?1), \
                (SELECT COUNT(*) FROM codings WHERE project = ?1), \
                (SELECT COUNT(*) FROM memos WHERE project = ?1), \
                (SELECT COUNT(*) FROM sets WHERE project = ?1), \
                (SELECT COUNT(*) FROM relations WHERE project = ?1), \
                (SELECT COUNT(*) FROM changes WHERE project = ?1), \
                (SELECT COALESCE(SUM(char_len), 0) FROM sources WHERE project = ?1), \
                (SELECT COUNT(*) FROM records WHERE project = ?1)",
    )
    .bind(id.to_string())
    .fetch_one(&mut *conn)
    .await?;
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    Ok(ProjectCounts {
        sources: n(row.0),
        cases: n(row.1),
        variables: n(row.2),
        codes: n(row.3),
        codings: n(row.4),
        memos: n(row.5),
        sets: n(row.6),
        relations: n(row.7),
        records: n(row.10),
        changes: n(row.8),
        characters: n(row.9),
    })
}

pub(crate) async fn sources(
    conn: &mut SqliteConnection,
    project: ProjectId,
) -> Result<Vec<Source>, Fault> {
    let rows: Vec<SourceRow> = list(
        conn,
        EntityKind::Source,
        "project = ?",
        "imported_at, name, id",
        project.to_string(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(SourceRow::decode)
        .collect::<Result<_, _>>()?)
}

/// Ids and versions of a project's sources, in listing order.
pub(crate) async fn source_versions(
    conn: &mut SqliteConnection,
    project: ProjectId,
) -> Result<Vec<(SourceId, axial_core::Version)>, Fault> {
    let json: String = sqlx::query_scalar(
        "SELECT json_group_array(json_array(id, version)) FROM \
         (SELECT id, version FROM sources WHERE project = ? ORDER BY imported_at, name, id)",
    )
    .bind(project.to_string())
    .fetch_one(&mut *conn)
    .await?;
    let rows: Vec<(String, i64)> =
        serde_json::from_str(&json).map_err(|e| crate::error::corrupt("sources", "(list)", e))?;
    rows.into_iter()
        .map(|(id, v)| {
            let sid = id
                .parse::<SourceId>()
                .map_err(|e| crate::error::corrupt("sources", &id, e))?;
            let v = u64::try_from(v).map_err(|e| crate::error::corrupt("sources", &id, e))?;
            Ok((sid, axial_core::Version(v)))
        })
        .collect()
}

/// The sources of a project with the given ids.
pub(crate) async fn sources_by_id(
    conn: &mut SqliteConnection,
    project: ProjectId,
    ids: &[SourceId],
) -> Result<Vec<Source>, Fault> {
    let t = table(EntityKind::Source);
    let sql = format!(
        "SELECT json_group_array(json_array({cols})) FROM \
         (SELECT {cols} FROM sources WHERE project = ? AND id IN (SELECT value FROM json_each(?)))",
        cols = t.columns.join(", "),
    );
    let ids = serde_json::to_string(&ids.iter().map(|i| i.to_string()).collect::<Vec<_>>())
        .map_err(|e| crate::error::corrupt("sources", "(ids)", e))?;
    let json: String = sqlx::query_scalar(&sql)
        .bind(project.to_string())
        .bind(ids)
        .fetch_one(&mut *conn)
        .await?;
    let rows: Vec<SourceRow> =
        serde_json::from_str(&json).map_err(|e| crate::error::corrupt("sources", "(list)", e))?;
    Ok(rows
        .into_iter()
        .map(SourceRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn source(conn: &mut SqliteConnection, id: SourceId) -> Result<Source, Fault> {
    Ok(one::<SourceRow>(conn, EntityKind::Source, id.to_string())
        .await?
        .decode()?)
}

pub(crate) async fn text(
    conn: &mut SqliteConnection,
    hash: ContentHash,
) -> Result<Arc<str>, Fault> {
    let text: Option<String> = sqlx::query_scalar("SELECT text FROM source_texts WHERE hash = ?")
        .bind(hash.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    text.map(Arc::from)
        .ok_or_else(|| StoreError::MissingText { hash }.into())
}

pub(crate) async fn cases(
    conn: &mut SqliteConnection,
    project: ProjectId,
) -> Result<Vec<Case>, Fault> {
    let rows: Vec<CaseRow> = list(
        conn,
        EntityKind::Case,
        "project = ?",
        "name, id",
        project.to_string(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(CaseRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn variables(
    conn: &mut SqliteConnection,
    project: ProjectId,
) -> Result<Vec<Variable>, Fault> {
    let rows: Vec<VariableRow> = list(
        conn,
        EntityKind::Variable,
        "project = ?",
        "name, id",
        project.to_string(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(VariableRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn values(
    conn: &mut SqliteConnection,
    project: ProjectId,
) -> Result<Vec<VariableValue>, Fault> {
    let rows: Vec<ValueRow> = list(
        conn,
        EntityKind::Value,
        "project = ?",
        "variable, subject_kind, subject, id",
        project.to_string(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(ValueRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn sets(
    conn: &mut SqliteConnection,
    project: ProjectId,
) -> Result<Vec<Set>, Fault> {
    let rows: Vec<SetRow> = list(
        conn,
        EntityKind::Set,
        "project = ?",
        "name, id",
        project.to_string(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(SetRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn codes(
    conn: &mut SqliteConnection,
    project: ProjectId,
) -> Result<Vec<Code>, Fault> {
    let rows: Vec<CodeRow> = list(
        conn,
        EntityKind::Code,
        "project = ?",
        "name, id",
        project.to_string(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(CodeRow::decode)
        .collect::<Result<_, _>>()?)
}

fn id_list<T: ToString>(ids: &[T]) -> Result<String, Fault> {
    Ok(codec::json(
        "an id filter",
        &ids.iter().map(ToString::to_string).collect::<Vec<_>>(),
    )?)
}

/// The query text and its bound values for codings of `project` matching `filter`.
fn codings_query(
    project: ProjectId,
    filter: &CodingFilter,
) -> Result<(String, Vec<String>), Fault> {
    // With a source filter, `+project` keeps SQLite from choosing the
    // (project, code) index over the (source, start, end) one, which would
    // mean reading every coding of the project to show one document.
    let project_term = if filter.sources.is_empty() {
        "project"
    } else {
        "+project"
    };
    let mut sql = format!(
        "{} WHERE {project_term} = ?",
        table(EntityKind::Coding).select()
    );
    let mut binds = vec![project.to_string()];
    for (column, ids) in [
        ("code", id_list(&filter.codes)?),
        ("source", id_list(&filter.sources)?),
        ("coder", id_list(&filter.coders)?),
    ] {
        if ids != "[]" {
            sql.push_str(&format!(
                " AND {column} IN (SELECT value FROM json_each(?))"
            ));
            binds.push(ids);
        }
    }
    // No ORDER BY: the rows are sorted after decoding, which is cheaper than
    // SQLite sorting by the text of the ids.
    Ok((sql, binds))
}

pub(crate) async fn codings(
    conn: &mut SqliteConnection,
    project: ProjectId,
    filter: &CodingFilter,
) -> Result<Vec<Coding>, Fault> {
    let (sql, binds) = codings_query(project, filter)?;
    // Many rows come back as one JSON array built inside SQLite: the driver's
    // per-row cost dominates otherwise (100,000 codings are read for analysis).
    let agg = format!(
        "SELECT json_group_array(json_array(id, project, source, code, span_start, span_end, \
         coder, created_at, version)) FROM ({sql})"
    );
    let mut q = sqlx::query_scalar::<_, String>(&agg);
    for b in binds {
        q = q.bind(b);
    }
    let json = q.fetch_one(&mut *conn).await?;
    let rows: Vec<CodingRow> =
        serde_json::from_str(&json).map_err(|e| crate::error::corrupt("codings", "(list)", e))?;
    let mut codings = rows
        .into_iter()
        .map(CodingRow::decode)
        .collect::<Result<Vec<Coding>, _>>()?;
    // The documented order, independent of how the aggregate visits rows.
    // (Ids compare like their lowercase text form.)
    codings.sort_by_key(|c| (c.source, c.span, c.id));
    Ok(codings)
}

pub(crate) async fn coding(conn: &mut SqliteConnection, id: CodingId) -> Result<Coding, Fault> {
    Ok(one::<CodingRow>(conn, EntityKind::Coding, id.to_string())
        .await?
        .decode()?)
}

/// Attaches the links (read in position order) to their memos.
fn attach_links(memos: &mut [Memo], links: Vec<MemoLinkRow>) -> Result<(), Fault> {
    let mut by_memo: HashMap<String, Vec<axial_core::MemoLink>> = HashMap::new();
    for row in links {
        let link = row.decode()?;
        by_memo.entry(row.memo).or_default().push(link);
    }
    for m in memos {
        if let Some(links) = by_memo.remove(&m.id.to_string()) {
            m.links = links;
        }
    }
    Ok(())
}

pub(crate) async fn memos(
    conn: &mut SqliteConnection,
    project: ProjectId,
) -> Result<Vec<Memo>, Fault> {
    let rows: Vec<MemoRow> = list(
        conn,
        EntityKind::Memo,
        "project = ?",
        "created_at, id",
        project.to_string(),
    )
    .await?;
    let mut memos = rows
        .into_iter()
        .map(MemoRow::decode)
        .collect::<Result<Vec<_>, _>>()?;
    let links: Vec<MemoLinkRow> = sqlx::query_as(
        "SELECT memo, kind, target FROM memo_links \
         WHERE memo IN (SELECT id FROM memos WHERE project = ?) ORDER BY memo, position",
    )
    .bind(project.to_string())
    .fetch_all(&mut *conn)
    .await?;
    attach_links(&mut memos, links)?;
    Ok(memos)
}

pub(crate) async fn memo(conn: &mut SqliteConnection, id: MemoId) -> Result<Memo, Fault> {
    let mut memo = [one::<MemoRow>(conn, EntityKind::Memo, id.to_string())
        .await?
        .decode()?];
    let links: Vec<MemoLinkRow> = sqlx::query_as(
        "SELECT memo, kind, target FROM memo_links WHERE memo = ? ORDER BY position",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    attach_links(&mut memo, links)?;
    let [memo] = memo;
    Ok(memo)
}

pub(crate) async fn relations(
    conn: &mut SqliteConnection,
    project: ProjectId,
) -> Result<Vec<CodeRelation>, Fault> {
    let rows: Vec<RelationRow> = list(
        conn,
        EntityKind::Relation,
        "project = ?",
        "created_at, id",
        project.to_string(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(RelationRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn records(
    conn: &mut SqliteConnection,
    project: ProjectId,
    kind: Option<RecordKind>,
) -> Result<Vec<Record>, Fault> {
    let rows: Vec<RecordRow> = match kind {
        None => {
            list(
                conn,
                EntityKind::Record,
                "project = ?",
                "kind, created_at, id",
                project.to_string(),
            )
            .await?
        }
        Some(kind) => {
            // The kind is a closed enum's name, safe to inline.
            let filter = format!("project = ? AND kind = '{}'", kind.as_str());
            list(
                conn,
                EntityKind::Record,
                &filter,
                "kind, created_at, id",
                project.to_string(),
            )
            .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(RecordRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn record(conn: &mut SqliteConnection, id: RecordId) -> Result<Record, Fault> {
    Ok(one::<RecordRow>(conn, EntityKind::Record, id.to_string())
        .await?
        .decode()?)
}

/// Everything of a project; the caller runs it inside one read transaction.
pub(crate) async fn snapshot(
    conn: &mut SqliteConnection,
    id: ProjectId,
) -> Result<ProjectSnapshot, Fault> {
    Ok(ProjectSnapshot {
        project: Some(project(conn, id).await?),
        users: users(conn).await?,
        sources: sources(conn, id).await?,
        cases: cases(conn, id).await?,
        variables: variables(conn, id).await?,
        values: values(conn, id).await?,
        sets: sets(conn, id).await?,
        codes: codes(conn, id).await?,
        codings: codings(conn, id, &CodingFilter::all()).await?,
        memos: memos(conn, id).await?,
        relations: relations(conn, id).await?,
        records: records(conn, id, None).await?,
    })
}

// ---- the change log ----

const CHANGE_COLUMNS: &str = "seq, project, author, at, action, summary, ops, reverts, reverted_by";

#[derive(sqlx::FromRow)]
struct ChangeRow {
    seq: i64,
    project: Option<String>,
    author: String,
    at: i64,
    action: String,
    summary: String,
    ops: String,
    reverts: Option<i64>,
    reverted_by: Option<i64>,
}

impl ChangeRow {
    fn decode(self) -> Result<Change, StoreError> {
        let seq = self.seq.to_string();
        let d = Decoder {
            table: "changes",
            id: &seq,
        };
        Ok(Change {
            seq: ChangeSeq(self.seq),
            project: d
                .opt_guid("project", self.project.as_deref())?
                .map(ProjectId::from_uuid),
            author: UserId::from_uuid(d.guid("author", &self.author)?),
            at: d.instant("at", self.at)?,
            action: self
                .action
                .parse()
                .map_err(|e| corrupt("changes", &seq, format!("column action: {e}")))?,
            ops: d.json("ops", &self.ops)?,
            reverts: self.reverts.map(ChangeSeq),
            reverted_by: self.reverted_by.map(ChangeSeq),
            summary: self.summary,
        })
    }
}

pub(crate) async fn history(
    conn: &mut SqliteConnection,
    query: &HistoryQuery,
) -> Result<Vec<Change>, Fault> {
    let mut sql = format!("SELECT {CHANGE_COLUMNS} FROM changes WHERE 1 = 1");
    if query.project.is_some() {
        sql.push_str(" AND project = ?");
    }
    if query.author.is_some() {
        sql.push_str(" AND author = ?");
    }
    if query.before.is_some() {
        sql.push_str(" AND seq < ?");
    }
    sql.push_str(" ORDER BY seq DESC LIMIT ?");
    let mut q = sqlx::query_as::<_, ChangeRow>(&sql);
    if let Some(p) = query.project {
        q = q.bind(p.to_string());
    }
    if let Some(a) = query.author {
        q = q.bind(a.to_string());
    }
    if let Some(b) = query.before {
        q = q.bind(b.0);
    }
    let rows = q.bind(i64::from(query.limit)).fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(ChangeRow::decode)
        .collect::<Result<_, _>>()?)
}

/// The hashes of every stored text.
pub(crate) async fn text_hashes(conn: &mut SqliteConnection) -> Result<Vec<ContentHash>, Fault> {
    let rows: Vec<String> = sqlx::query_scalar("SELECT hash FROM source_texts ORDER BY hash")
        .fetch_all(&mut *conn)
        .await?;
    rows.iter()
        .map(|h| {
            h.parse::<ContentHash>()
                .map_err(|e| corrupt("source_texts", h, format!("column hash: {e}")).into())
        })
        .collect()
}

/// Logged changes after `after`, oldest first.
pub(crate) async fn log_after(
    conn: &mut SqliteConnection,
    after: ChangeSeq,
    limit: u32,
) -> Result<Vec<Change>, Fault> {
    let sql = format!("SELECT {CHANGE_COLUMNS} FROM changes WHERE seq > ? ORDER BY seq LIMIT ?");
    let rows: Vec<ChangeRow> = sqlx::query_as(&sql)
        .bind(after.0)
        .bind(i64::from(limit))
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(ChangeRow::decode)
        .collect::<Result<_, _>>()?)
}

/// Every logged change of a project, oldest first (for a scrub).
pub(crate) async fn project_changes(
    conn: &mut SqliteConnection,
    project: ProjectId,
) -> Result<Vec<Change>, Fault> {
    let sql = format!("SELECT {CHANGE_COLUMNS} FROM changes WHERE project = ? ORDER BY seq");
    let rows: Vec<ChangeRow> = sqlx::query_as(&sql)
        .bind(project.to_string())
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(ChangeRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn change(conn: &mut SqliteConnection, seq: ChangeSeq) -> Result<Change, Fault> {
    let sql = format!("SELECT {CHANGE_COLUMNS} FROM changes WHERE seq = ?");
    let row: Option<ChangeRow> = sqlx::query_as(&sql)
        .bind(seq.0)
        .fetch_optional(&mut *conn)
        .await?;
    match row {
        Some(row) => Ok(row.decode()?),
        None => Err(StoreError::Constraint {
            message: format!("there is no change {seq} in the log"),
        }
        .into()),
    }
}

pub(crate) async fn undo_candidate(
    conn: &mut SqliteConnection,
    project: ProjectId,
    user: UserId,
) -> Result<Option<Change>, Fault> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM changes WHERE project = ? AND author = ? \
         AND action <> ? AND reverted_by IS NULL ORDER BY seq DESC LIMIT 1"
    );
    let row: Option<ChangeRow> = sqlx::query_as(&sql)
        .bind(project.to_string())
        .bind(user.to_string())
        .bind(Action::Undo.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(ChangeRow::decode).transpose()?)
}

pub(crate) async fn redo_candidate(
    conn: &mut SqliteConnection,
    project: ProjectId,
    user: UserId,
) -> Result<Option<Change>, Fault> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM changes WHERE project = ? AND author = ? \
         AND action = ? AND reverted_by IS NULL ORDER BY seq DESC LIMIT 1"
    );
    let row: Option<ChangeRow> = sqlx::query_as(&sql)
        .bind(project.to_string())
        .bind(user.to_string())
        .bind(Action::Undo.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let later: Option<i64> = sqlx::query_scalar(
        "SELECT seq FROM changes WHERE project = ? AND author = ? AND seq > ? \
         AND action NOT IN (?, ?) LIMIT 1",
    )
    .bind(project.to_string())
    .bind(user.to_string())
    .bind(row.seq)
    .bind(Action::Undo.as_str())
    .bind(Action::Redo.as_str())
    .fetch_optional(&mut *conn)
    .await?;
    if later.is_some() {
        return Ok(None);
    }
    Ok(Some(row.decode()?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axial_core::{CodeId, SourceId, UserId};

    /// The plan SQLite picks for the codings query of `filter`.
    async fn plan(conn: &mut SqliteConnection, filter: CodingFilter) -> String {
        let (sql, binds) = codings_query(ProjectId::new(), &filter).expect("query");
        let explain = format!("EXPLAIN QUERY PLAN {sql}");
        let mut q = sqlx::query_as::<_, (i64, i64, i64, String)>(&explain);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.fetch_all(&mut *conn).await.expect("explain");
        rows.into_iter().map(|r| r.3).collect::<Vec<_>>().join("; ")
    }

    #[tokio::test]
    async fn coding_filters_use_their_indexes() {
        let store = crate::SqliteStore::open_in_memory().await.expect("open");
        let mut conn = store.conn().await.expect("connection");
        let check = |plan: String, index: &str| {
            assert!(plan.contains(&format!("USING INDEX {index}")), "{plan}");
        };
        check(
            plan(&mut conn, CodingFilter::all()).await,
            "codings_code (project=?)",
        );
        check(
            plan(&mut conn, CodingFilter::code(CodeId::new())).await,
            "codings_code (project=? AND code=?)",
        );
        check(
            plan(&mut conn, CodingFilter::source(SourceId::new())).await,
            "codings_source (source=?)",
        );
        let both = CodingFilter {
            codes: vec![CodeId::new()],
            sources: vec![SourceId::new()],
            coders: vec![UserId::new()],
        };
        check(plan(&mut conn, both).await, "codings_source (source=?)");
    }
}
