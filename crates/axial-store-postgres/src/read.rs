//! The read queries of the store, each in the order the `Store` trait
//! promises, over any connection (a pooled one, or the read-only REPEATABLE
//! READ transaction of a snapshot).
//!
//! Ids and names are `COLLATE "C"` columns, so `ORDER BY name, id` orders by
//! code point exactly like the SQLite backend. Filters on lists of ids are
//! bound as one text array (`= ANY($n)`), so a query has a fixed text (and a
//! cached prepared statement) whatever the number of ids.

use std::collections::HashMap;
use std::sync::Arc;

use axial_core::{
    Action, Case, Change, ChangeSeq, Code, CodeRelation, Coding, CodingId, ContentHash, EntityKind,
    Memo, MemoId, Project, ProjectId, Record, RecordId, RecordKind, Set, Source, SourceId, User,
    UserId, Variable, VariableValue,
};
use axial_store::{CodingFilter, HistoryQuery, ProjectCounts, ProjectSnapshot, StoreError};
use sqlx::postgres::PgConnection;

use crate::codec::Decoder;
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
    conn: &mut PgConnection,
    kind: EntityKind,
    filter: &str,
    order: &str,
    id: String,
) -> Result<Vec<R>, Fault>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let sql = format!("{} WHERE {filter} ORDER BY {order}", table(kind).select());
    Ok(sqlx::query_as::<_, R>(&sql)
        .bind(id)
        .fetch_all(&mut *conn)
        .await?)
}

async fn one<R>(conn: &mut PgConnection, kind: EntityKind, id: String) -> Result<R, Fault>
where
    R: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
{
    let sql = format!("{} WHERE id = $1", table(kind).select());
    sqlx::query_as::<_, R>(&sql)
        .bind(&id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| not_found(kind, id))
}

pub(crate) async fn users(conn: &mut PgConnection) -> Result<Vec<User>, Fault> {
    let sql = format!("{} ORDER BY name, id", table(EntityKind::User).select());
    let rows: Vec<UserRow> = sqlx::query_as(&sql).fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(UserRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn projects(conn: &mut PgConnection) -> Result<Vec<Project>, Fault> {
    let sql = format!("{} ORDER BY name, id", table(EntityKind::Project).select());
    let rows: Vec<ProjectRow> = sqlx::query_as(&sql).fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(ProjectRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn project(conn: &mut PgConnection, id: ProjectId) -> Result<Project, Fault> {
    Ok(one::<ProjectRow>(conn, EntityKind::Project, id.to_string())
        .await?
        .decode()?)
}

pub(crate) async fn counts(conn: &mut PgConnection, id: ProjectId) -> Result<ProjectCounts, Fault> {
    project(conn, id).await?;
    let row: (i64, i64, i64, i64, i64, i64, i64, i64, i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM sources WHERE project = $1), \
                (SELECT COUNT(*) FROM cases WHERE project = $1), \
                (SELECT COUNT(*) FROM variables WHERE project = $1), \
                (SELECT COUNT(*) FROM codes WHERE project = $1), \
                (SELECT COUNT(*) FROM codings WHERE project = $1), \
                (SELECT COUNT(*) FROM memos WHERE project = $1), \
                (SELECT COUNT(*) FROM sets WHERE project = $1), \
                (SELECT COUNT(*) FROM relations WHERE project = $1), \
                (SELECT COUNT(*) FROM changes WHERE project = $1), \
                (SELECT COALESCE(SUM(char_len), 0)::bigint FROM sources WHERE project = $1), \
                (SELECT COUNT(*) FROM records WHERE project = $1)",
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
    conn: &mut PgConnection,
    project: ProjectId,
) -> Result<Vec<Source>, Fault> {
    let rows: Vec<SourceRow> = list(
        conn,
        EntityKind::Source,
        "project = $1",
        "imported_at, name, id",
        project.to_string(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(SourceRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn source(conn: &mut PgConnection, id: SourceId) -> Result<Source, Fault> {
    Ok(one::<SourceRow>(conn, EntityKind::Source, id.to_string())
        .await?
        .decode()?)
}

pub(crate) async fn text(conn: &mut PgConnection, hash: ContentHash) -> Result<Arc<str>, Fault> {
    let text: Option<String> = sqlx::query_scalar("SELECT text FROM source_texts WHERE hash = $1")
        .bind(hash.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    text.map(Arc::from)
        .ok_or_else(|| StoreError::MissingText { hash }.into())
}

pub(crate) async fn cases(conn: &mut PgConnection, project: ProjectId) -> Result<Vec<Case>, Fault> {
    let rows: Vec<CaseRow> = list(
        conn,
        EntityKind::Case,
        "project = $1",
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
    conn: &mut PgConnection,
    project: ProjectId,
) -> Result<Vec<Variable>, Fault> {
    let rows: Vec<VariableRow> = list(
        conn,
        EntityKind::Variable,
        "project = $1",
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
    conn: &mut PgConnection,
    project: ProjectId,
) -> Result<Vec<VariableValue>, Fault> {
    let rows: Vec<ValueRow> = list(
        conn,
        EntityKind::Value,
        "project = $1",
        "variable, subject_kind, subject, id",
        project.to_string(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(ValueRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn sets(conn: &mut PgConnection, project: ProjectId) -> Result<Vec<Set>, Fault> {
    let rows: Vec<SetRow> = list(
        conn,
        EntityKind::Set,
        "project = $1",
        "name, id",
        project.to_string(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(SetRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn codes(conn: &mut PgConnection, project: ProjectId) -> Result<Vec<Code>, Fault> {
    let rows: Vec<CodeRow> = list(
        conn,
        EntityKind::Code,
        "project = $1",
        "name, id",
        project.to_string(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(CodeRow::decode)
        .collect::<Result<_, _>>()?)
}

fn id_list<T: ToString>(ids: &[T]) -> Vec<String> {
    ids.iter().map(ToString::to_string).collect()
}

/// The query text and the arrays it binds after the project (`$1`) for codings matching `filter`.
fn codings_query(filter: &CodingFilter) -> (String, Vec<Vec<String>>) {
    let mut sql = format!("{} WHERE project = $1", table(EntityKind::Coding).select());
    let mut binds = Vec::new();
    for (column, ids) in [
        ("code", id_list(&filter.codes)),
        ("source", id_list(&filter.sources)),
        ("coder", id_list(&filter.coders)),
    ] {
        if !ids.is_empty() {
            binds.push(ids);
            sql.push_str(&format!(" AND {column} = ANY(${})", binds.len() + 1));
        }
    }
    sql.push_str(" ORDER BY source, span_start, span_end, id");
    (sql, binds)
}

pub(crate) async fn codings(
    conn: &mut PgConnection,
    project: ProjectId,
    filter: &CodingFilter,
) -> Result<Vec<Coding>, Fault> {
    let (sql, binds) = codings_query(filter);
    let mut q = sqlx::query_as::<_, CodingRow>(&sql).bind(project.to_string());
    for b in binds {
        q = q.bind(b);
    }
    let rows = q.fetch_all(&mut *conn).await?;
    Ok(rows
        .into_iter()
        .map(CodingRow::decode)
        .collect::<Result<Vec<Coding>, _>>()?)
}

pub(crate) async fn coding(conn: &mut PgConnection, id: CodingId) -> Result<Coding, Fault> {
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

pub(crate) async fn memos(conn: &mut PgConnection, project: ProjectId) -> Result<Vec<Memo>, Fault> {
    let rows: Vec<MemoRow> = list(
        conn,
        EntityKind::Memo,
        "project = $1",
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
         WHERE memo IN (SELECT id FROM memos WHERE project = $1) ORDER BY memo, position",
    )
    .bind(project.to_string())
    .fetch_all(&mut *conn)
    .await?;
    attach_links(&mut memos, links)?;
    Ok(memos)
}

pub(crate) async fn memo(conn: &mut PgConnection, id: MemoId) -> Result<Memo, Fault> {
    let mut memo = [one::<MemoRow>(conn, EntityKind::Memo, id.to_string())
        .await?
        .decode()?];
    let links: Vec<MemoLinkRow> = sqlx::query_as(
        "SELECT memo, kind, target FROM memo_links WHERE memo = $1 ORDER BY position",
    )
    .bind(id.to_string())
    .fetch_all(&mut *conn)
    .await?;
    attach_links(&mut memo, links)?;
    let [memo] = memo;
    Ok(memo)
}

pub(crate) async fn relations(
    conn: &mut PgConnection,
    project: ProjectId,
) -> Result<Vec<CodeRelation>, Fault> {
    let rows: Vec<RelationRow> = list(
        conn,
        EntityKind::Relation,
        "project = $1",
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
    conn: &mut PgConnection,
    project: ProjectId,
    kind: Option<RecordKind>,
) -> Result<Vec<Record>, Fault> {
    let filter = match kind {
        None => "project = $1".to_string(),
        // The kind is a closed enum's name, safe to inline.
        Some(kind) => format!("project = $1 AND kind = '{}'", kind.as_str()),
    };
    let rows: Vec<RecordRow> = list(
        conn,
        EntityKind::Record,
        &filter,
        "kind, created_at, id",
        project.to_string(),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(RecordRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn record(conn: &mut PgConnection, id: RecordId) -> Result<Record, Fault> {
    Ok(one::<RecordRow>(conn, EntityKind::Record, id.to_string())
        .await?
        .decode()?)
}

/// Everything of a project; the caller runs it inside one read transaction.
pub(crate) async fn snapshot(
    conn: &mut PgConnection,
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

const CHANGE_COLUMNS: &str =
    "seq, project, author, at, action, summary, ops::text AS ops, reverts, reverted_by";

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
    conn: &mut PgConnection,
    query: &HistoryQuery,
) -> Result<Vec<Change>, Fault> {
    let mut sql = format!("SELECT {CHANGE_COLUMNS} FROM changes WHERE TRUE");
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    if query.project.is_some() {
        sql.push_str(&format!(" AND project = ${}", next()));
    }
    if query.author.is_some() {
        sql.push_str(&format!(" AND author = ${}", next()));
    }
    if query.before.is_some() {
        sql.push_str(&format!(" AND seq < ${}", next()));
    }
    sql.push_str(&format!(" ORDER BY seq DESC LIMIT ${}", next()));
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
pub(crate) async fn text_hashes(conn: &mut PgConnection) -> Result<Vec<ContentHash>, Fault> {
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
    conn: &mut PgConnection,
    after: ChangeSeq,
    limit: u32,
) -> Result<Vec<Change>, Fault> {
    let sql = format!("SELECT {CHANGE_COLUMNS} FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2");
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

/// Every logged change of a project, oldest first, locked for a scrub.
pub(crate) async fn project_changes_for_update(
    conn: &mut PgConnection,
    project: ProjectId,
) -> Result<Vec<Change>, Fault> {
    let sql =
        format!("SELECT {CHANGE_COLUMNS} FROM changes WHERE project = $1 ORDER BY seq FOR UPDATE");
    let rows: Vec<ChangeRow> = sqlx::query_as(&sql)
        .bind(project.to_string())
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(ChangeRow::decode)
        .collect::<Result<_, _>>()?)
}

pub(crate) async fn change(conn: &mut PgConnection, seq: ChangeSeq) -> Result<Change, Fault> {
    let sql = format!("SELECT {CHANGE_COLUMNS} FROM changes WHERE seq = $1");
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
    conn: &mut PgConnection,
    project: ProjectId,
    user: UserId,
) -> Result<Option<Change>, Fault> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM changes WHERE project = $1 AND author = $2 \
         AND action <> $3 AND reverted_by IS NULL ORDER BY seq DESC LIMIT 1"
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
    conn: &mut PgConnection,
    project: ProjectId,
    user: UserId,
) -> Result<Option<Change>, Fault> {
    let sql = format!(
        "SELECT {CHANGE_COLUMNS} FROM changes WHERE project = $1 AND author = $2 \
         AND action = $3 AND reverted_by IS NULL ORDER BY seq DESC LIMIT 1"
    );
    let row: Option<ChangeRow> = sqlx::query_as(&sql)
        .bind(project.to_string())
        .bind(user.to_string())
        .bind(Action::Undo.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else { return Ok(None) };
    let later: Option<i64> = sqlx::query_scalar(
        "SELECT seq FROM changes WHERE project = $1 AND author = $2 AND seq > $3 \
         AND action NOT IN ($4, $5) LIMIT 1",
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

    fn check(filter: CodingFilter, want_sql: &str, want_binds: usize) {
        let (sql, binds) = codings_query(&filter);
        let tail = sql.split(" FROM codings ").nth(1).unwrap_or_default();
        assert_eq!(tail, want_sql);
        assert_eq!(binds.len(), want_binds);
    }

    #[test]
    fn coding_filters_bind_one_array_per_filtered_column() {
        let order = "ORDER BY source, span_start, span_end, id";
        check(
            CodingFilter::all(),
            &format!("WHERE project = $1 {order}"),
            0,
        );
        check(
            CodingFilter::source(SourceId::new()),
            &format!("WHERE project = $1 AND source = ANY($2) {order}"),
            1,
        );
        let all = CodingFilter {
            codes: vec![CodeId::new(), CodeId::new()],
            sources: vec![SourceId::new()],
            coders: vec![UserId::new()],
        };
        check(
            all,
            &format!(
                "WHERE project = $1 AND code = ANY($2) AND source = ANY($3) AND coder = ANY($4) {order}"
            ),
            3,
        );
    }
}
