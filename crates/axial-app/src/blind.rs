//! Blind coding: the project as one coder sees it while the others' work is
//! hidden (so a second coder codes without seeing the first, for
//! inter-coder agreement).
//!
//! [`App::blind_to_others`] gives an `App` whose store is a filtering view
//! of the real one: every read leaves out the codings of other coders and
//! whatever would reveal them — coding counts, memo links to their codings,
//! records (placements) that name their codings, and log entries that
//! touched their codings (left out of a project's history; redacted in the
//! numbered feeds, the database-wide log and `log_after`, so followers such
//! as the live updates keep counting). Because every use case reads through
//! the store, every view (code tree counts, segments, layouts, comparison,
//! search, matrices, history, live updates) is blind at once, with no
//! per-view filtering. The blind app has its own live feed.
//!
//! The view is for reads. Writes pass through unchanged, but a use case
//! that reads before it writes (a merge, a memo edit) would decide from
//! the filtered data, so front ends send changes to the ordinary app.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use async_trait::async_trait;
use axial_core::{
    Account, Case, Change, ChangeSeq, ChangeSet, Code, CodeRelation, Coding, CodingId, ContentHash,
    Entity, EntityKind, Memo, MemoId, MemoLink, Op, Project, ProjectId, Record, RecordId,
    RecordKind, Session, Set, Source, SourceId, User, UserId, Variable, VariableValue,
};
use axial_store::{
    CodingFilter, DatabaseDump, HistoryQuery, ProjectCounts, ProjectSnapshot, Store, StoreError,
};

use crate::App;

impl App {
    /// This app as `coder` sees projects while coding blind: every read
    /// hides the other coders' codings and what would reveal them. Use it
    /// for reads only (see the module documentation).
    pub fn blind_to_others(&self, coder: UserId) -> App {
        let mut app = self.clone();
        app.store = Arc::new(BlindStore {
            inner: self.store.clone(),
            coder,
        });
        // Its own live feed, over the blind view: never the shared one.
        app.live = Default::default();
        app
    }
}

/// A store view that hides every coding not made by `coder`.
struct BlindStore {
    inner: Arc<dyn Store>,
    coder: UserId,
}

impl BlindStore {
    /// Ids of the project's codings by other coders.
    async fn hidden(&self, project: ProjectId) -> Result<HashSet<CodingId>, StoreError> {
        Ok(self
            .inner
            .codings(project, &CodingFilter::all())
            .await?
            .into_iter()
            .filter(|c| c.coder != self.coder)
            .map(|c| c.id)
            .collect())
    }

    fn strip_memo(memo: Memo, hidden: &HashSet<CodingId>) -> Memo {
        if !memo.links.iter().any(|l| link_hidden(l, hidden)) {
            return memo;
        }
        Memo {
            links: memo
                .links
                .iter()
                .copied()
                .filter(|l| !link_hidden(l, hidden))
                .collect(),
            ..memo
        }
    }

    /// The page with every change that shows another coder's work
    /// replaced by [`redact`]ed one.
    async fn redact_page(&self, page: Vec<Change>) -> Result<Vec<Change>, StoreError> {
        let mut hidden: HashMap<ProjectId, HashSet<CodingId>> = HashMap::new();
        let none = HashSet::new();
        let mut out = Vec::with_capacity(page.len());
        for c in page {
            if let Some(p) = c.project {
                if let std::collections::hash_map::Entry::Vacant(e) = hidden.entry(p) {
                    e.insert(self.hidden(p).await?);
                }
            }
            let h = c.project.and_then(|p| hidden.get(&p)).unwrap_or(&none);
            out.push(if self.reveals(&c, h) { redact(c) } else { c });
        }
        Ok(out)
    }

    /// Whether a logged change shows another coder's work on codings.
    fn reveals(&self, change: &Change, hidden: &HashSet<CodingId>) -> bool {
        change.ops.iter().any(|op| {
            let entities: Vec<&Entity> = match op {
                Op::Insert { after } => vec![after],
                Op::Delete { before } => vec![before],
                Op::Update { before, after } => vec![before, after],
            };
            entities.into_iter().any(|e| match e {
                Entity::Coding(c) => c.coder != self.coder,
                Entity::Memo(m) => m.links.iter().any(|l| link_hidden(l, hidden)),
                Entity::Record(r) => record_names(r, hidden),
                _ => false,
            })
        })
    }
}

/// A log entry that keeps its number, time, project, author and action but
/// says nothing of what it changed.
fn redact(c: Change) -> Change {
    Change {
        summary: "a change hidden while coding blind".into(),
        ops: Vec::new(),
        ..c
    }
}

fn link_hidden(l: &MemoLink, hidden: &HashSet<CodingId>) -> bool {
    matches!(l, MemoLink::Coding(c) if hidden.contains(c))
}

/// Whether a record's JSON body names one of the hidden codings anywhere.
fn record_names(r: &Record, hidden: &HashSet<CodingId>) -> bool {
    if hidden.is_empty() {
        return false;
    }
    fn walk(v: &serde_json::Value, hidden: &HashSet<CodingId>) -> bool {
        match v {
            serde_json::Value::String(s) => {
                s.parse::<CodingId>().is_ok_and(|c| hidden.contains(&c))
            }
            serde_json::Value::Array(a) => a.iter().any(|x| walk(x, hidden)),
            serde_json::Value::Object(o) => o.values().any(|x| walk(x, hidden)),
            _ => false,
        }
    }
    match serde_json::from_str::<serde_json::Value>(&r.body) {
        Ok(v) => walk(&v, hidden),
        // Unreadable: hide it rather than risk showing what it names.
        Err(_) => true,
    }
}

#[async_trait]
impl Store for BlindStore {
    fn backend(&self) -> &'static str {
        self.inner.backend()
    }
    async fn close(&self) {
        self.inner.close().await
    }
    async fn commit(&self, change: ChangeSet) -> Result<Change, StoreError> {
        self.inner.commit(change).await
    }
    async fn delete_project(&self, project: ProjectId, author: UserId) -> Result<(), StoreError> {
        self.inner.delete_project(project, author).await
    }
    async fn users(&self) -> Result<Vec<User>, StoreError> {
        self.inner.users().await
    }
    async fn projects(&self) -> Result<Vec<Project>, StoreError> {
        self.inner.projects().await
    }
    async fn project(&self, id: ProjectId) -> Result<Project, StoreError> {
        self.inner.project(id).await
    }
    async fn counts(&self, project: ProjectId) -> Result<ProjectCounts, StoreError> {
        let mut c = self.inner.counts(project).await?;
        c.codings = self.codings(project, &CodingFilter::all()).await?.len() as u64;
        c.records = self.records(project, None).await?.len() as u64;
        Ok(c)
    }
    async fn sources(&self, project: ProjectId) -> Result<Vec<Source>, StoreError> {
        self.inner.sources(project).await
    }
    async fn source(&self, id: SourceId) -> Result<Source, StoreError> {
        self.inner.source(id).await
    }
    async fn text(&self, hash: ContentHash) -> Result<Arc<str>, StoreError> {
        self.inner.text(hash).await
    }
    async fn cases(&self, project: ProjectId) -> Result<Vec<Case>, StoreError> {
        self.inner.cases(project).await
    }
    async fn variables(&self, project: ProjectId) -> Result<Vec<Variable>, StoreError> {
        self.inner.variables(project).await
    }
    async fn values(&self, project: ProjectId) -> Result<Vec<VariableValue>, StoreError> {
        self.inner.values(project).await
    }
    async fn sets(&self, project: ProjectId) -> Result<Vec<Set>, StoreError> {
        self.inner.sets(project).await
    }
    async fn codes(&self, project: ProjectId) -> Result<Vec<Code>, StoreError> {
        self.inner.codes(project).await
    }
    async fn codings(
        &self,
        project: ProjectId,
        filter: &CodingFilter,
    ) -> Result<Vec<Coding>, StoreError> {
        if !filter.coders.is_empty() && !filter.coders.contains(&self.coder) {
            return Ok(Vec::new());
        }
        let filter = CodingFilter {
            coders: vec![self.coder],
            ..filter.clone()
        };
        self.inner.codings(project, &filter).await
    }
    async fn coding(&self, id: CodingId) -> Result<Coding, StoreError> {
        let c = self.inner.coding(id).await?;
        if c.coder != self.coder {
            return Err(StoreError::NotFound {
                kind: EntityKind::Coding,
                id: id.to_string(),
            });
        }
        Ok(c)
    }
    async fn memos(&self, project: ProjectId) -> Result<Vec<Memo>, StoreError> {
        let hidden = self.hidden(project).await?;
        Ok(self
            .inner
            .memos(project)
            .await?
            .into_iter()
            .map(|m| Self::strip_memo(m, &hidden))
            .collect())
    }
    async fn memo(&self, id: MemoId) -> Result<Memo, StoreError> {
        let m = self.inner.memo(id).await?;
        let hidden = self.hidden(m.project).await?;
        Ok(Self::strip_memo(m, &hidden))
    }
    async fn relations(&self, project: ProjectId) -> Result<Vec<CodeRelation>, StoreError> {
        self.inner.relations(project).await
    }
    async fn records(
        &self,
        project: ProjectId,
        kind: Option<RecordKind>,
    ) -> Result<Vec<Record>, StoreError> {
        let hidden = self.hidden(project).await?;
        Ok(self
            .inner
            .records(project, kind)
            .await?
            .into_iter()
            .filter(|r| !record_names(r, &hidden))
            .collect())
    }
    async fn record(&self, id: RecordId) -> Result<Record, StoreError> {
        let r = self.inner.record(id).await?;
        if record_names(&r, &self.hidden(r.project).await?) {
            return Err(StoreError::NotFound {
                kind: EntityKind::Record,
                id: id.to_string(),
            });
        }
        Ok(r)
    }
    async fn snapshot(&self, project: ProjectId) -> Result<ProjectSnapshot, StoreError> {
        let mut s = self.inner.snapshot(project).await?;
        let hidden: HashSet<CodingId> = s
            .codings
            .iter()
            .filter(|c| c.coder != self.coder)
            .map(|c| c.id)
            .collect();
        s.codings.retain(|c| c.coder == self.coder);
        s.memos = s
            .memos
            .into_iter()
            .map(|m| Self::strip_memo(m, &hidden))
            .collect();
        s.records.retain(|r| !record_names(r, &hidden));
        Ok(s)
    }
    async fn history(&self, query: &HistoryQuery) -> Result<Vec<Change>, StoreError> {
        let Some(project) = query.project else {
            // The database-wide log is a numbered feed: redact, keep numbers.
            let page = self.inner.history(query).await?;
            return self.redact_page(page).await;
        };
        let hidden = self.hidden(project).await?;
        // A project's history leaves hidden entries out, reading on until
        // the page is full or the log ends, so a short page still means
        // "no more" to callers that page through it.
        let mut out = Vec::new();
        let mut q = query.clone();
        loop {
            let page = self.inner.history(&q).await?;
            let full = page.len() as u32 >= q.limit;
            q.before = page.last().map(|c| c.seq);
            out.extend(page.into_iter().filter(|c| !self.reveals(c, &hidden)));
            if !full || out.len() as u32 >= query.limit {
                break;
            }
        }
        out.truncate(query.limit as usize);
        Ok(out)
    }
    async fn change(&self, seq: ChangeSeq) -> Result<Change, StoreError> {
        let c = self.inner.change(seq).await?;
        let hidden = match c.project {
            Some(p) => self.hidden(p).await?,
            None => HashSet::new(),
        };
        if self.reveals(&c, &hidden) {
            return Err(StoreError::Constraint {
                message: format!(
                    "change {seq} concerns another coder's codings, which stay hidden while coding blind"
                ),
            });
        }
        Ok(c)
    }
    async fn undo_candidate(
        &self,
        project: ProjectId,
        user: UserId,
    ) -> Result<Option<Change>, StoreError> {
        self.inner.undo_candidate(project, user).await
    }
    async fn redo_candidate(
        &self,
        project: ProjectId,
        user: UserId,
    ) -> Result<Option<Change>, StoreError> {
        self.inner.redo_candidate(project, user).await
    }
    fn subscribe(&self, wake: Arc<dyn Fn() + Send + Sync>) -> bool {
        self.inner.subscribe(wake)
    }
    async fn text_hashes(&self) -> Result<Vec<ContentHash>, StoreError> {
        self.inner.text_hashes().await
    }
    async fn log_after(&self, after: ChangeSeq, limit: u32) -> Result<Vec<Change>, StoreError> {
        // A numbered feed (the live updates follow it): hidden entries stay
        // in place, redacted, so followers keep counting.
        let page = self.inner.log_after(after, limit).await?;
        self.redact_page(page).await
    }
    async fn load_dump(&self, dump: &DatabaseDump) -> Result<(), StoreError> {
        self.inner.load_dump(dump).await
    }
    async fn accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.inner.accounts().await
    }
    async fn account(&self, user: UserId) -> Result<Option<Account>, StoreError> {
        self.inner.account(user).await
    }
    async fn account_count(&self) -> Result<u64, StoreError> {
        self.inner.account_count().await
    }
    async fn put_account(&self, account: &Account) -> Result<(), StoreError> {
        self.inner.put_account(account).await
    }
    async fn create_session(&self, session: &Session) -> Result<(), StoreError> {
        self.inner.create_session(session).await
    }
    async fn session(&self, token_hash: &str) -> Result<Option<Session>, StoreError> {
        self.inner.session(token_hash).await
    }
    async fn delete_session(&self, token_hash: &str) -> Result<(), StoreError> {
        self.inner.delete_session(token_hash).await
    }
    async fn delete_sessions(&self, user: UserId) -> Result<u64, StoreError> {
        self.inner.delete_sessions(user).await
    }
    async fn backup_to(&self, path: &Path) -> Result<(), StoreError> {
        self.inner.backup_to(path).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axial_core::Version;

    fn record(body: &str) -> Record {
        let now = axial_core::now();
        Record {
            id: RecordId::new(),
            project: ProjectId::new(),
            kind: RecordKind::Placement,
            key: String::new(),
            body: body.into(),
            created_by: UserId::new(),
            created_at: now,
            updated_at: now,
            version: Version::FIRST,
        }
    }

    #[test]
    fn records_naming_a_hidden_coding_anywhere_are_hidden() {
        let hidden_id = CodingId::new();
        let hidden: HashSet<CodingId> = [hidden_id].into_iter().collect();
        let check = |body: String, expect: bool| {
            assert_eq!(record_names(&record(&body), &hidden), expect, "{body}");
        };
        check(format!(r#"{{"coding":"{hidden_id}","position":1}}"#), true);
        check(format!(r#"{{"quotes":[{{"of":"{hidden_id}"}}]}}"#), true);
        check(format!(r#"{{"coding":"{}"}}"#, CodingId::new()), false);
        check(r#"{"label":"Interviewee 07"}"#.into(), false);
        check("not json".into(), true);
        assert!(!record_names(&record("not json"), &HashSet::new()));
    }
}
