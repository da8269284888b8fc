//! The audit trail and the genealogy of codes, both read from the change log.
//!
//! The audit trail lists every logged change of a project with its author,
//! time and action, and each op with the fields an update changed (before
//! and after values, shortened). It filters by author, action, entity kind
//! and time range, pages newest first, and writes CSV with one row per op.
//!
//! A code's genealogy replays the log oldest first and tells the code's
//! story: created (or split off another code), renamed, described, moved,
//! other codes merged into it (each with its own genealogy nested), codings
//! split out to a new code, merged into another, deleted, and each undo and
//! redo of those steps.
//!
//! Both only read. The log is append-only: nothing here (or anywhere in the
//! app) edits or deletes a logged change; the one rewrite the store knows is
//! the erasure scrub of a withdrawal or pseudonymisation, which keeps every
//! entry's who, when and what.

use std::collections::{HashMap, HashSet};

use axial_core::{
    Action, Change, ChangeSeq, Code, CodeId, Entity, EntityKind, Op, Project, Timestamp, User,
    UserId,
};
use axial_formats::report::{Cell, Table};
use axial_store::HistoryQuery;
use serde::Serialize;
use time::format_description::well_known::Rfc3339;

use crate::{App, AppError};

/// How many log entries one read of the store fetches.
const PAGE: u32 = 500;
/// Longest before/after value shown for a changed field, in characters.
const VALUE_CHARS: usize = 60;
/// How deep merged codes' genealogies nest.
const MAX_NESTING: usize = 8;

/// Which entries of the audit trail to read. Empty filters mean "all".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AuditQuery {
    /// A user's login name or display name (case-insensitive).
    pub author: Option<String>,
    pub action: Option<Action>,
    /// Only changes with at least one op on this kind of thing.
    pub entity: Option<EntityKind>,
    /// Only changes at or after this instant.
    pub since: Option<Timestamp>,
    /// Only changes before this instant.
    pub until: Option<Timestamp>,
    /// Only changes older than this one (the cursor of the next page).
    pub before: Option<ChangeSeq>,
    /// At most this many entries; `None` reads them all.
    pub limit: Option<u32>,
}

/// One change of the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// The author's login name.
    pub author: String,
    /// The author's display name.
    pub author_name: String,
    pub action: String,
    pub summary: String,
    /// For an undo or redo: the change it reverted.
    pub reverts: Option<i64>,
    /// The undo (or redo) that later reverted this change.
    pub reverted_by: Option<i64>,
    pub ops: Vec<AuditOp>,
}

/// One entity-level step of a change.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditOp {
    /// `insert`, `update` or `delete`.
    pub verb: String,
    /// The kind of thing (`code`, `coding`, `source`, …).
    pub entity: String,
    pub id: String,
    pub label: String,
    /// For updates: the fields that changed.
    pub changes: Vec<FieldChange>,
}

/// A field an update changed, with short before and after values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldChange {
    /// The field name; nested fields are joined with dots (`body.status`).
    pub field: String,
    pub before: String,
    pub after: String,
}

/// One page of the audit trail, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditPage {
    pub entries: Vec<AuditEntry>,
    /// Pass as `before` to read the next page; `None` on the last page.
    pub next_before: Option<i64>,
}

/// Every kind of logged thing, for parsing filters.
const ENTITY_KINDS: [EntityKind; 12] = [
    EntityKind::User,
    EntityKind::Project,
    EntityKind::Case,
    EntityKind::Variable,
    EntityKind::Source,
    EntityKind::Value,
    EntityKind::Code,
    EntityKind::Coding,
    EntityKind::Memo,
    EntityKind::Set,
    EntityKind::Relation,
    EntityKind::Record,
];

/// An entity kind by its log name (`code`, `coding`, `memo`, …).
pub fn parse_entity_kind(s: &str) -> Result<EntityKind, AppError> {
    let t = s.trim().to_lowercase();
    ENTITY_KINDS
        .into_iter()
        .find(|k| k.as_str() == t || format!("{}s", k.as_str()) == t)
        .ok_or_else(|| {
            AppError::invalid(format!(
                "'{s}' is not a kind of entity; use one of: {}",
                ENTITY_KINDS.map(|k| k.as_str()).join(", ")
            ))
        })
}

/// An action by its log name (`code.merge`, `undo`, …).
pub fn parse_action(s: &str) -> Result<Action, AppError> {
    s.trim().parse().map_err(|_| {
        AppError::invalid(format!(
            "'{s}' is not an action; use one of: {}",
            Action::ALL.map(|a| a.as_str()).join(", ")
        ))
    })
}

/// An instant from RFC 3339 (`2024-05-01T12:00:00Z`) or a date
/// (`2024-05-01`, read as UTC). A date as an upper bound (`end_of_day`)
/// means the end of that day, so `--until 2024-05-01` includes the 1st.
pub fn parse_instant(s: &str, end_of_day: bool) -> Result<Timestamp, AppError> {
    let t = s.trim();
    if let Ok(at) = Timestamp::parse(t, &Rfc3339) {
        return Ok(at.to_offset(time::UtcOffset::UTC));
    }
    let date_format = time::macros::format_description!("[year]-[month]-[day]");
    match time::Date::parse(t, &date_format) {
        Ok(d) => {
            let d = if end_of_day {
                d.next_day().unwrap_or(d)
            } else {
                d
            };
            Ok(d.midnight().assume_utc())
        }
        Err(_) => Err(AppError::invalid(format!(
            "'{s}' is not a date; write it as YYYY-MM-DD or as an RFC 3339 time such as 2024-05-01T09:30:00Z"
        ))),
    }
}

fn rfc3339(t: Timestamp) -> String {
    t.to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// Names of users and of codes and sources, for readable labels.
struct Names {
    users: HashMap<UserId, User>,
    codes: HashMap<uuid::Uuid, String>,
    sources: HashMap<uuid::Uuid, String>,
}

impl Names {
    fn user(&self, id: UserId) -> (String, String) {
        match self.users.get(&id) {
            Some(u) => (u.name.clone(), u.display_name.clone()),
            None => (id.to_string(), id.to_string()),
        }
    }

    fn learn(&mut self, change: &Change) {
        for op in &change.ops {
            match op.entity() {
                Entity::Code(c) => {
                    self.codes.entry(c.id.as_uuid()).or_insert(c.name.clone());
                }
                Entity::Source(s) => {
                    self.sources.entry(s.id.as_uuid()).or_insert(s.name.clone());
                }
                _ => {}
            }
        }
    }

    fn label(&self, e: &Entity) -> String {
        match e {
            Entity::Coding(c) => {
                let code = self
                    .codes
                    .get(&c.code.as_uuid())
                    .cloned()
                    .unwrap_or_else(|| c.code.to_string());
                let source = self
                    .sources
                    .get(&c.source.as_uuid())
                    .cloned()
                    .unwrap_or_else(|| c.source.to_string());
                format!("'{code}' at {} in '{source}'", c.span)
            }
            other => other.label(),
        }
    }
}

/// The value of an entity as a JSON object (without the kind tag).
fn fields_of(e: &Entity) -> serde_json::Value {
    match serde_json::to_value(e) {
        Ok(serde_json::Value::Object(mut m)) => m.remove("value").unwrap_or_default(),
        _ => serde_json::Value::Null,
    }
}

/// Fields that change with every update and say nothing of their own.
fn is_bookkeeping(field: &str) -> bool {
    matches!(field, "version" | "updated_at")
}

/// The fields that differ between two JSON values, objects compared
/// field by field (nested objects too), anything else as a whole.
fn diff(prefix: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<FieldChange>) {
    use serde_json::Value as V;
    match (a, b) {
        (V::Object(x), V::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let field = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                if prefix.is_empty() && is_bookkeeping(k) {
                    continue;
                }
                let null = V::Null;
                diff(
                    &field,
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    out,
                );
            }
        }
        _ if a == b => {}
        _ => out.push(FieldChange {
            field: if prefix.is_empty() {
                "value".into()
            } else {
                prefix.to_string()
            },
            before: short(a),
            after: short(b),
        }),
    }
}

/// A value as at most [`VALUE_CHARS`] characters on one line.
fn short(v: &serde_json::Value) -> String {
    let text = match v {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let one_line: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.chars().count() > VALUE_CHARS {
        let mut cut: String = one_line.chars().take(VALUE_CHARS - 1).collect();
        cut.push('…');
        cut
    } else {
        one_line
    }
}

/// The fields an update changed.
pub(crate) fn changed_fields(before: &Entity, after: &Entity) -> Vec<FieldChange> {
    let mut out = Vec::new();
    diff("", &fields_of(before), &fields_of(after), &mut out);
    out
}

fn audit_op(op: &Op, names: &Names) -> AuditOp {
    let e = op.entity();
    AuditOp {
        verb: op.verb().to_string(),
        entity: e.kind().to_string(),
        id: e.guid().to_string(),
        label: names.label(e),
        changes: match op {
            Op::Update { before, after } => changed_fields(before, after),
            _ => Vec::new(),
        },
    }
}

fn audit_entry(c: &Change, names: &Names) -> AuditEntry {
    let (author, author_name) = names.user(c.author);
    AuditEntry {
        seq: c.seq.0,
        at: rfc3339(c.at),
        author,
        author_name,
        action: c.action.to_string(),
        summary: c.summary.clone(),
        reverts: c.reverts.map(|s| s.0),
        reverted_by: c.reverted_by.map(|s| s.0),
        ops: c.ops.iter().map(|op| audit_op(op, names)).collect(),
    }
}

/// The columns of the audit CSV, one row per op.
pub const AUDIT_CSV_HEADER: [&str; 12] = [
    "seq",
    "at",
    "author",
    "author_name",
    "action",
    "summary",
    "reverted_by",
    "verb",
    "entity",
    "id",
    "label",
    "changes",
];

/// A cell that a spreadsheet will not run as a formula: text starting with
/// `=`, `+`, `-` or `@` gets a leading apostrophe.
fn safe_cell(s: &str) -> Cell {
    if s.starts_with(['=', '+', '-', '@']) {
        Cell::Text(format!("'{s}"))
    } else {
        Cell::Text(s.to_string())
    }
}

/// The audit trail as a table, one row per op (a change without ops gets
/// one row with the op columns empty).
pub fn audit_table(entries: &[AuditEntry]) -> Table {
    let mut rows = Vec::new();
    for e in entries {
        let head = vec![
            Cell::Text(e.seq.to_string()),
            Cell::Text(e.at.clone()),
            safe_cell(&e.author),
            safe_cell(&e.author_name),
            Cell::Text(e.action.clone()),
            safe_cell(&e.summary),
            Cell::Text(e.reverted_by.map(|s| s.to_string()).unwrap_or_default()),
        ];
        if e.ops.is_empty() {
            let mut row = head.clone();
            row.extend((0..5).map(|_| Cell::Empty));
            rows.push(row);
        }
        for op in &e.ops {
            let mut row = head.clone();
            let changes = op
                .changes
                .iter()
                .map(|c| format!("{}: {} → {}", c.field, c.before, c.after))
                .collect::<Vec<_>>()
                .join("; ");
            row.extend([
                Cell::Text(op.verb.clone()),
                Cell::Text(op.entity.clone()),
                Cell::Text(op.id.clone()),
                safe_cell(&op.label),
                safe_cell(&changes),
            ]);
            rows.push(row);
        }
    }
    Table {
        name: "Audit trail".into(),
        header: AUDIT_CSV_HEADER.iter().map(|h| h.to_string()).collect(),
        rows,
    }
}

/// The audit trail as CSV (RFC 4180, UTF-8, header row first).
pub fn audit_csv(entries: &[AuditEntry]) -> Result<Vec<u8>, AppError> {
    let mut out = Vec::new();
    axial_formats::report::write_csv(&audit_table(entries), &mut out)
        .map_err(|e| AppError::Internal(format!("writing the audit CSV: {e}")))?;
    Ok(out)
}

// ---------------------------------------------------------------- genealogy

/// A code as the genealogy names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeRef {
    pub id: CodeId,
    pub name: String,
}

/// What one step of a code's story was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GenealogyStep {
    /// The code was created (or imported).
    Created,
    /// The code was created by splitting codings off `other`.
    SplitFrom,
    Renamed,
    /// Definition, inclusion or exclusion criteria, or example changed.
    Described,
    Recoloured,
    /// Turned from a code into a category or back.
    Retyped,
    /// Moved to another parent (`from` → `to` are parent names; empty is the top level).
    Moved,
    /// Any other edit of the code's fields.
    Updated,
    /// `other` was created or moved under this code.
    ChildAdded,
    /// `other` was moved out from under this code.
    ChildRemoved,
    /// `other` was merged into this code; `merged` is its own genealogy.
    Merged,
    /// This code was merged into `other` (and so deleted).
    MergedInto,
    /// Codings were split out of this code into the new code `other`.
    Split,
    /// An undo of a merge gave `other` back its codings.
    MergeUndone,
    /// An undo of a split took the codings of `other` back (deleting it).
    SplitUndone,
    Deleted,
    /// An undo brought the deleted code back.
    Restored,
}

/// One step of a code's story.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GenealogyEvent {
    pub seq: i64,
    /// RFC 3339, UTC.
    pub at: String,
    pub author: String,
    /// The change's action (`code.merge`, `undo`, …).
    pub action: String,
    pub step: GenealogyStep,
    /// One line a person can read ("renamed 'a' to 'b'").
    pub text: String,
    /// The value before the step (old name, old parent) where it has one.
    pub from: Option<String>,
    /// The value after the step (new name, new parent, the name at creation).
    pub to: Option<String>,
    /// The other code of a merge or split.
    pub other: Option<CodeRef>,
    /// Codings moved by a merge or split (for a merge: the merged code's
    /// codings at that time, duplicates included).
    pub codings: Option<u64>,
    /// The step is an undo of this change.
    pub undo_of: Option<i64>,
    /// The step is a redo of this change (the undo it reverts).
    pub redo_of: Option<i64>,
    /// A later undo (or redo) reverted this step.
    pub undone_by: Option<i64>,
    /// For `Merged`: the merged code's own genealogy up to the merge.
    pub merged: Option<Box<Genealogy>>,
}

/// The story of one code, oldest step first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Genealogy {
    pub code: CodeId,
    /// The current name, or the last one it had.
    pub name: String,
    /// Whether the code exists now.
    pub exists: bool,
    pub events: Vec<GenealogyEvent>,
}

/// A change seen from the genealogy: which codes it touched, and how.
struct Facts<'a> {
    change: &'a Change,
    /// The action of the change an undo or redo finally goes back to.
    effective: Action,
    inserted: HashMap<CodeId, &'a Code>,
    deleted: HashMap<CodeId, &'a Code>,
    updated: HashMap<CodeId, (&'a Code, &'a Code)>,
    /// Codings moved from one code to another, counted.
    moves: HashMap<(CodeId, CodeId), u64>,
    /// Codings deleted per code.
    coding_deletes: HashMap<CodeId, u64>,
    /// Codes whose children moved to another parent: (old parent, new parent).
    child_moves: HashSet<(CodeId, CodeId)>,
}

impl<'a> Facts<'a> {
    fn new(change: &'a Change, effective: Action) -> Facts<'a> {
        let mut f = Facts {
            change,
            effective,
            inserted: HashMap::new(),
            deleted: HashMap::new(),
            updated: HashMap::new(),
            moves: HashMap::new(),
            coding_deletes: HashMap::new(),
            child_moves: HashSet::new(),
        };
        for op in &change.ops {
            match op {
                Op::Insert {
                    after: Entity::Code(c),
                } => {
                    f.inserted.insert(c.id, c);
                }
                Op::Delete {
                    before: Entity::Code(c),
                } => {
                    f.deleted.insert(c.id, c);
                }
                Op::Update {
                    before: Entity::Code(a),
                    after: Entity::Code(b),
                } => {
                    f.updated.insert(a.id, (a, b));
                    if let (Some(pa), Some(pb)) = (a.parent, b.parent) {
                        if pa != pb {
                            f.child_moves.insert((pa, pb));
                        }
                    }
                }
                Op::Update {
                    before: Entity::Coding(a),
                    after: Entity::Coding(b),
                } if a.code != b.code => {
                    *f.moves.entry((a.code, b.code)).or_default() += 1;
                }
                Op::Delete {
                    before: Entity::Coding(c),
                } => {
                    *f.coding_deletes.entry(c.code).or_default() += 1;
                }
                _ => {}
            }
        }
        f
    }

    fn moved(&self, from: CodeId, to: CodeId) -> u64 {
        self.moves.get(&(from, to)).copied().unwrap_or(0)
    }

    /// For a merge (or its redo): the code merged away and the one it went
    /// into. The target is the code that received the codings or children;
    /// a merge of an empty code is matched by the name in its summary.
    fn merge_pair(&self, names: &HashMap<CodeId, String>) -> Option<(CodeId, CodeId)> {
        let (&from, _) = self.deleted.iter().next()?;
        if let Some((&(_, to), _)) = self.moves.iter().find(|((f, _), _)| *f == from) {
            return Some((from, to));
        }
        if let Some(&(_, to)) = self.child_moves.iter().find(|(f, _)| *f == from) {
            return Some((from, to));
        }
        let into = self
            .change
            .summary
            .rsplit_once(" into '")?
            .1
            .strip_suffix('\'')?;
        let to = names
            .iter()
            .find(|(id, n)| n.as_str() == into && **id != from)
            .map(|(id, _)| *id)?;
        Some((from, to))
    }

    /// For the undo of a merge: (the restored code, the code it had gone into).
    fn unmerge_pair(&self) -> Option<(CodeId, CodeId)> {
        let (&restored, _) = self.inserted.iter().next()?;
        if let Some((&(into, _), _)) = self.moves.iter().find(|((_, t), _)| *t == restored) {
            return Some((restored, into));
        }
        self.child_moves
            .iter()
            .find(|(_, t)| *t == restored)
            .map(|&(into, _)| (restored, into))
    }
}

/// The action a change stands for: an undo stands for what it reverted, a
/// redo for what its undo reverted.
fn effective_action(c: &Change, by_seq: &HashMap<ChangeSeq, &Change>) -> Action {
    let mut action = c.action;
    let mut at = c;
    for _ in 0..2 {
        if !matches!(action, Action::Undo | Action::Redo) {
            break;
        }
        match at.reverts.and_then(|s| by_seq.get(&s)) {
            Some(prev) => {
                action = prev.action;
                at = prev;
            }
            None => break,
        }
    }
    action
}

/// The name of a parent (empty for the top level).
fn parent_name(parent: Option<CodeId>, names: &HashMap<CodeId, String>) -> String {
    parent
        .map(|p| names.get(&p).cloned().unwrap_or_else(|| p.to_string()))
        .unwrap_or_default()
}

fn quoted_parent(name: &str) -> String {
    if name.is_empty() {
        "the top level".into()
    } else {
        format!("'{name}'")
    }
}

/// The project's whole log, oldest first.
async fn whole_log(app: &App, project: &Project) -> Result<Vec<Change>, AppError> {
    let mut all = Vec::new();
    let mut before = None;
    loop {
        let page = app
            .store
            .history(&HistoryQuery {
                project: Some(project.id),
                author: None,
                before,
                limit: PAGE,
            })
            .await?;
        let n = page.len();
        before = page.last().map(|c| c.seq);
        all.extend(page);
        if n < PAGE as usize {
            break;
        }
    }
    all.reverse();
    Ok(all)
}

/// Replays the log and collects the steps of every code.
struct Replay<'a> {
    log: &'a [Change],
    users: HashMap<UserId, User>,
    by_seq: HashMap<ChangeSeq, &'a Change>,
}

impl<'a> Replay<'a> {
    fn new(log: &'a [Change], users: Vec<User>) -> Replay<'a> {
        Replay {
            log,
            users: users.into_iter().map(|u| (u.id, u)).collect(),
            by_seq: log.iter().map(|c| (c.seq, c)).collect(),
        }
    }

    /// The genealogy of `code` from the changes before `upto` (all if `None`).
    fn trace(&self, code: CodeId, upto: Option<ChangeSeq>, depth: usize) -> Genealogy {
        let mut names: HashMap<CodeId, String> = HashMap::new();
        let mut events = Vec::new();
        let mut exists = false;
        for c in self.log {
            if upto.is_some_and(|u| c.seq >= u) {
                break;
            }
            let effective = effective_action(c, &self.by_seq);
            let facts = Facts::new(c, effective);
            let before_names = names.clone();
            for (id, code) in &facts.inserted {
                names.insert(*id, code.name.clone());
            }
            for (id, (_, after)) in &facts.updated {
                names.insert(*id, after.name.clone());
            }
            let steps = self.steps(&facts, code, &before_names, &names, depth);
            if facts.inserted.contains_key(&code) {
                exists = true;
            }
            if facts.deleted.contains_key(&code) {
                exists = false;
            }
            events.extend(steps);
        }
        Genealogy {
            code,
            name: names
                .get(&code)
                .cloned()
                .unwrap_or_else(|| code.to_string()),
            exists,
            events,
        }
    }

    /// The steps one change made in the story of `code`.
    fn steps(
        &self,
        f: &Facts<'_>,
        code: CodeId,
        old: &HashMap<CodeId, String>,
        new: &HashMap<CodeId, String>,
        depth: usize,
    ) -> Vec<GenealogyEvent> {
        let c = f.change;
        let undo = c.action == Action::Undo;
        let redo = c.action == Action::Redo;
        let event = |step: GenealogyStep, text: String| {
            let mut text = text;
            if let Some(r) = c.reverts {
                text.push_str(&format!(
                    " ({} of change {r})",
                    if undo { "undo" } else { "redo" }
                ));
            }
            GenealogyEvent {
                seq: c.seq.0,
                at: rfc3339(c.at),
                author: self
                    .users
                    .get(&c.author)
                    .map(|u| u.name.clone())
                    .unwrap_or_else(|| c.author.to_string()),
                action: c.action.to_string(),
                step,
                text,
                from: None,
                to: None,
                other: None,
                codings: None,
                undo_of: if undo { c.reverts.map(|s| s.0) } else { None },
                redo_of: if redo { c.reverts.map(|s| s.0) } else { None },
                undone_by: c.reverted_by.map(|s| s.0),
                merged: None,
            }
        };
        let name_of = |id: CodeId| {
            new.get(&id)
                .or_else(|| old.get(&id))
                .cloned()
                .unwrap_or_else(|| id.to_string())
        };
        let other = |id: CodeId| {
            Some(CodeRef {
                id,
                name: name_of(id),
            })
        };
        let merge = f.effective == Action::CodeMerge;
        let mut out = Vec::new();

        if let Some(created) = f.inserted.get(&code) {
            let parent = parent_name(created.parent, new);
            if merge && undo {
                // The undo of a merge gives the merged code back.
                let into = f.unmerge_pair().map(|p| p.1);
                let mut e = event(
                    GenealogyStep::Restored,
                    match into {
                        Some(i) => format!("restored: no longer merged into '{}'", name_of(i)),
                        None => format!("restored '{}'", created.name),
                    },
                );
                e.to = Some(created.name.clone());
                e.other = into.and_then(other);
                out.push(e);
            } else if let Some((&(from, _), &n)) = f.moves.iter().find(|((_, to), _)| *to == code) {
                let mut e = event(
                    GenealogyStep::SplitFrom,
                    format!(
                        "split off '{}' as '{}' with {n} coding{} under {}",
                        name_of(from),
                        created.name,
                        if n == 1 { "" } else { "s" },
                        quoted_parent(&parent)
                    ),
                );
                e.to = Some(created.name.clone());
                e.other = other(from);
                e.codings = Some(n);
                out.push(e);
            } else {
                let (step, verb) = if undo {
                    (GenealogyStep::Restored, "restored")
                } else {
                    (GenealogyStep::Created, "created")
                };
                let what = if created.codable { "code" } else { "category" };
                let mut e = event(
                    step,
                    format!(
                        "{verb} {what} '{}' under {}",
                        created.name,
                        quoted_parent(&parent)
                    ),
                );
                e.to = Some(created.name.clone());
                e.from = (!parent.is_empty()).then_some(parent);
                out.push(e);
            }
        }

        if let Some((before, after)) = f.updated.get(&code) {
            if before.name != after.name {
                let mut e = event(
                    GenealogyStep::Renamed,
                    format!("renamed '{}' to '{}'", before.name, after.name),
                );
                e.from = Some(before.name.clone());
                e.to = Some(after.name.clone());
                out.push(e);
            }
            if before.parent != after.parent {
                let (a, b) = (
                    parent_name(before.parent, old),
                    parent_name(after.parent, new),
                );
                let mut e = event(
                    GenealogyStep::Moved,
                    format!("moved from {} to {}", quoted_parent(&a), quoted_parent(&b)),
                );
                e.from = Some(a);
                e.to = Some(b);
                out.push(e);
            }
            let described: Vec<&str> = [
                ("definition", before.description != after.description),
                ("inclusion", before.inclusion != after.inclusion),
                ("exclusion", before.exclusion != after.exclusion),
                ("example", before.example != after.example),
            ]
            .into_iter()
            .filter(|(_, d)| *d)
            .map(|(n, _)| n)
            .collect();
            if !described.is_empty() {
                let mut e = event(
                    GenealogyStep::Described,
                    format!("changed the {}", described.join(", ")),
                );
                if before.description != after.description {
                    e.from = Some(short(&serde_json::Value::String(
                        before.description.clone(),
                    )));
                    e.to = Some(short(&serde_json::Value::String(after.description.clone())));
                }
                out.push(e);
            }
            if before.color != after.color {
                let mut e = event(
                    GenealogyStep::Recoloured,
                    format!("recoloured from {} to {}", before.color, after.color),
                );
                e.from = Some(before.color.to_string());
                e.to = Some(after.color.to_string());
                out.push(e);
            }
            if before.codable != after.codable {
                let kind = |c: bool| if c { "code" } else { "category" };
                out.push(event(
                    GenealogyStep::Retyped,
                    format!(
                        "turned from a {} into a {}",
                        kind(before.codable),
                        kind(after.codable)
                    ),
                ));
            }
            let other_change = changed_fields(
                &Entity::Code((*before).clone()),
                &Entity::Code((*after).clone()),
            )
            .into_iter()
            .any(|fc| {
                !matches!(
                    fc.field.as_str(),
                    "name"
                        | "parent"
                        | "description"
                        | "inclusion"
                        | "exclusion"
                        | "example"
                        | "color"
                        | "codable"
                )
            });
            if other_change {
                out.push(event(GenealogyStep::Updated, "changed".into()));
            }
        }

        // Codes created or moved under this one, or moved away (a merge's
        // children are told by the merge itself).
        if !merge {
            let mut kids: Vec<(GenealogyStep, CodeId, String)> = Vec::new();
            for (id, (b, a)) in &f.updated {
                if *id == code || b.parent == a.parent {
                    continue;
                }
                if a.parent == Some(code) {
                    kids.push((
                        GenealogyStep::ChildAdded,
                        *id,
                        format!("'{}' moved under this code", a.name),
                    ));
                } else if b.parent == Some(code) {
                    let to = parent_name(a.parent, new);
                    kids.push((
                        GenealogyStep::ChildRemoved,
                        *id,
                        format!("'{}' moved out to {}", a.name, quoted_parent(&to)),
                    ));
                }
            }
            for (id, created) in &f.inserted {
                if *id != code && created.parent == Some(code) {
                    kids.push((
                        GenealogyStep::ChildAdded,
                        *id,
                        format!("'{}' created under this code", created.name),
                    ));
                }
            }
            kids.sort_by(|x, y| x.2.cmp(&y.2));
            for (step, id, text) in kids {
                let mut e = event(step, text);
                e.other = other(id);
                out.push(e);
            }
        }

        // Merges into this code (or their undo), and splits out of it.
        if merge && !undo {
            if let Some((from, into)) = f.merge_pair(old) {
                if into == code {
                    let n = f.moved(from, into) + f.coding_deletes.get(&from).copied().unwrap_or(0);
                    let mut e = event(
                        GenealogyStep::Merged,
                        format!(
                            "merged '{}' into this code ({n} coding{})",
                            name_of(from),
                            if n == 1 { "" } else { "s" }
                        ),
                    );
                    e.other = other(from);
                    e.codings = Some(n);
                    if depth < MAX_NESTING {
                        e.merged = Some(Box::new(self.trace(from, Some(c.seq), depth + 1)));
                    }
                    out.push(e);
                } else if from == code {
                    let mut e = event(
                        GenealogyStep::MergedInto,
                        format!("merged into '{}'", name_of(into)),
                    );
                    e.other = other(into);
                    e.codings = Some(f.moved(from, into));
                    out.push(e);
                }
            }
        } else if merge && undo {
            if let Some((restored, into)) = f.unmerge_pair() {
                if into == code {
                    let n = f.moved(code, restored);
                    let mut e = event(
                        GenealogyStep::MergeUndone,
                        format!(
                            "'{}' taken out again with {n} coding{}",
                            name_of(restored),
                            if n == 1 { "" } else { "s" }
                        ),
                    );
                    e.other = other(restored);
                    e.codings = Some(n);
                    out.push(e);
                }
            }
        } else {
            for (&(from, to), &n) in &f.moves {
                if from == code && f.inserted.contains_key(&to) {
                    let mut e = event(
                        GenealogyStep::Split,
                        format!(
                            "split {n} coding{} out into the new code '{}'",
                            if n == 1 { "" } else { "s" },
                            name_of(to)
                        ),
                    );
                    e.other = other(to);
                    e.codings = Some(n);
                    out.push(e);
                } else if to == code && f.deleted.contains_key(&from) {
                    let mut e = event(
                        GenealogyStep::SplitUndone,
                        format!(
                            "took back {n} coding{} from '{}'",
                            if n == 1 { "" } else { "s" },
                            name_of(from)
                        ),
                    );
                    e.other = other(from);
                    e.codings = Some(n);
                    out.push(e);
                }
            }
        }

        if let Some(gone) = f.deleted.get(&code) {
            if merge && !undo {
                // Told above as `MergedInto`.
            } else if let Some((&(_, to), _)) = f.moves.iter().find(|((fr, _), _)| *fr == code) {
                // The undo of a split: this code's codings went back.
                let mut e = event(
                    GenealogyStep::Deleted,
                    format!("deleted: its codings went back to '{}'", name_of(to)),
                );
                e.other = other(to);
                out.push(e);
            } else {
                let mut e = event(
                    GenealogyStep::Deleted,
                    if undo {
                        format!("'{}' removed again", gone.name)
                    } else {
                        format!("deleted '{}'", gone.name)
                    },
                );
                e.from = Some(gone.name.clone());
                out.push(e);
            }
        }
        out.sort_by_key(|e| step_order(e.step));
        out
    }
}

/// Order of steps within one change, so a story reads naturally.
fn step_order(s: GenealogyStep) -> u8 {
    match s {
        GenealogyStep::Created | GenealogyStep::SplitFrom | GenealogyStep::Restored => 0,
        GenealogyStep::Deleted | GenealogyStep::MergedInto => 9,
        _ => 5,
    }
}

impl App {
    /// A page of the project's audit trail, newest first.
    pub async fn audit(&self, project: &Project, q: &AuditQuery) -> Result<AuditPage, AppError> {
        let users = self.store.users().await?;
        let authors: Option<HashSet<UserId>> = match &q.author {
            None => None,
            Some(a) => {
                let want = a.trim().to_lowercase();
                let ids: HashSet<UserId> = users
                    .iter()
                    .filter(|u| {
                        u.name.to_lowercase() == want || u.display_name.to_lowercase() == want
                    })
                    .map(|u| u.id)
                    .collect();
                if ids.is_empty() {
                    return Err(AppError::NotFound {
                        what: "user",
                        name: a.clone(),
                        hint: crate::list_hint("users", users.iter().map(|u| u.name.as_str())),
                    });
                }
                Some(ids)
            }
        };
        let mut names = Names {
            users: users.into_iter().map(|u| (u.id, u)).collect(),
            codes: HashMap::new(),
            sources: HashMap::new(),
        };
        for c in self.store.codes(project.id).await? {
            names.codes.insert(c.id.as_uuid(), c.name);
        }
        for s in self.store.sources(project.id).await? {
            names.sources.insert(s.id.as_uuid(), s.name);
        }
        let single_author = authors
            .as_ref()
            .filter(|a| a.len() == 1)
            .and_then(|a| a.iter().next().copied());
        let wanted = q.limit.map(|l| l.max(1) as usize);
        let mut found: Vec<Change> = Vec::new();
        let mut before = q.before;
        'read: loop {
            let page = self
                .store
                .history(&HistoryQuery {
                    project: Some(project.id),
                    author: single_author,
                    before,
                    limit: PAGE,
                })
                .await?;
            let n = page.len();
            before = page.last().map(|c| c.seq);
            for c in page {
                names.learn(&c);
                if !matches(&c, q, authors.as_ref()) {
                    continue;
                }
                found.push(c);
                if wanted.is_some_and(|w| found.len() > w) {
                    break 'read;
                }
            }
            if n < PAGE as usize {
                break;
            }
        }
        let next_before = match wanted {
            Some(w) if found.len() > w => {
                found.truncate(w);
                found.last().map(|c| c.seq.0)
            }
            _ => None,
        };
        Ok(AuditPage {
            entries: found.iter().map(|c| audit_entry(c, &names)).collect(),
            next_before,
        })
    }

    /// The story of a code (existing or deleted) from the change log.
    pub async fn code_genealogy(
        &self,
        project: &Project,
        code: CodeId,
    ) -> Result<Genealogy, AppError> {
        let log = whole_log(self, project).await?;
        let known = log.iter().any(|c| {
            c.ops
                .iter()
                .any(|op| matches!(op.entity(), Entity::Code(x) if x.id == code))
        });
        if !known {
            return Err(AppError::NotFound {
                what: "code",
                name: code.to_string(),
                hint:
                    "the change log of this project never had it; list codes with `axial code tree`"
                        .into(),
            });
        }
        let users = self.store.users().await?;
        Ok(Replay::new(&log, users).trace(code, None, 0))
    }

    /// A code by name, path or id; a deleted code by the last name it had.
    pub async fn find_code_or_former(
        &self,
        project: &Project,
        name: &str,
    ) -> Result<CodeId, AppError> {
        match self.find_code(project, name).await {
            Ok(c) => Ok(c.id),
            Err(e @ AppError::Ambiguous { .. }) => Err(e),
            Err(not_found) => {
                let n = name.trim();
                let log = whole_log(self, project).await?;
                log.iter()
                    .rev()
                    .flat_map(|c| c.ops.iter().rev())
                    .find_map(|op| match op.entity() {
                        Entity::Code(c) if c.name == n || c.name.eq_ignore_ascii_case(n) => {
                            Some(c.id)
                        }
                        _ => None,
                    })
                    .ok_or(not_found)
            }
        }
    }
}

/// Whether a change passes the query's filters.
fn matches(c: &Change, q: &AuditQuery, authors: Option<&HashSet<UserId>>) -> bool {
    authors.is_none_or(|a| a.contains(&c.author))
        && q.action.is_none_or(|a| c.action == a)
        && q.entity
            .is_none_or(|k| c.ops.iter().any(|op| op.entity().kind() == k))
        && q.since.is_none_or(|s| c.at >= s)
        && q.until.is_none_or(|u| c.at < u)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_short(input: &str, want: &str) {
        assert_eq!(short(&serde_json::Value::String(input.into())), want);
    }

    #[test]
    fn long_values_are_cut_to_one_short_line() {
        check_short("plain", "plain");
        check_short("two\nlines", "two lines");
        let long = "x".repeat(100);
        let got = short(&serde_json::Value::String(long));
        assert_eq!(got.chars().count(), VALUE_CHARS);
        assert!(got.ends_with('…'));
    }

    #[test]
    fn diff_names_nested_fields_and_skips_bookkeeping() {
        let a = serde_json::json!({"name": "a", "version": 1, "body": {"status": "consented", "group": "x"}});
        let b = serde_json::json!({"name": "b", "version": 2, "body": {"status": "withdrawn", "group": "x"}});
        let mut out = Vec::new();
        diff("", &a, &b, &mut out);
        let got: Vec<(&str, &str, &str)> = out
            .iter()
            .map(|c| (c.field.as_str(), c.before.as_str(), c.after.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("body.status", "consented", "withdrawn"),
                ("name", "a", "b")
            ]
        );
    }

    #[test]
    fn instants_parse_from_dates_and_rfc3339() {
        let d = parse_instant("2024-05-01", false).expect("date");
        assert_eq!(rfc3339(d), "2024-05-01T00:00:00Z");
        let e = parse_instant("2024-05-01", true).expect("date");
        assert_eq!(rfc3339(e), "2024-05-02T00:00:00Z");
        let t = parse_instant("2024-05-01T10:00:00+02:00", false).expect("time");
        assert_eq!(rfc3339(t), "2024-05-01T08:00:00Z");
        let err = parse_instant("yesterday", false).expect_err("not a date");
        assert!(err.to_string().contains("YYYY-MM-DD"), "{err}");
    }

    #[test]
    fn filters_parse_by_log_name() {
        assert_eq!(parse_entity_kind("Codes").expect("kind"), EntityKind::Code);
        assert!(parse_entity_kind("widget").is_err());
        assert_eq!(
            parse_action("code.merge").expect("action"),
            Action::CodeMerge
        );
        assert!(parse_action("code.explode")
            .expect_err("unknown")
            .to_string()
            .contains("code.merge"));
    }

    #[test]
    fn csv_cells_never_start_a_formula() {
        assert_eq!(safe_cell("=1+1"), Cell::Text("'=1+1".into()));
        assert_eq!(safe_cell("plain"), Cell::Text("plain".into()));
    }

    async fn app() -> (tempfile::TempDir, App, crate::Actor, Project) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("t.db");
        let store = axial_store_sqlite::SqliteStore::open(&db.display().to_string())
            .await
            .expect("open store");
        let app = App::new(std::sync::Arc::new(store));
        let actor = app.local_user("tester").await.expect("user");
        let p = app
            .create_project(&actor, "Study", "")
            .await
            .expect("project");
        (dir, app, actor, p)
    }

    fn steps(g: &Genealogy) -> Vec<(GenealogyStep, String)> {
        g.events.iter().map(|e| (e.step, e.text.clone())).collect()
    }

    #[tokio::test]
    async fn genealogy_tells_create_rename_move_merge_split_and_undo() {
        let (_d, app, actor, p) = app().await;
        let text = "one two three four five six seven eight nine ten";
        app.import_document(
            &actor,
            &p,
            crate::ImportRequest {
                file_name: "t.txt".into(),
                bytes: text.as_bytes().to_vec(),
                name: None,
                case: None,
            },
        )
        .await
        .expect("import");
        let src = app.sources(&p).await.expect("sources");
        let mk = |n: &'static str| {
            let (app, actor, p) = (app.clone(), actor.clone(), p.clone());
            async move {
                app.create_code(&actor, &p, n, None, None, "", true)
                    .await
                    .expect("create")
            }
        };
        let (a, b, c) = (mk("a").await, mk("b").await, mk("c").await);
        let span = |s, e| crate::ApplyTarget::Span { start: s, end: e };
        app.apply_code(&actor, &p, &a, &src, &span(0, 3))
            .await
            .expect("code");
        app.apply_code(&actor, &p, &a, &src, &span(4, 7))
            .await
            .expect("code");
        app.apply_code(&actor, &p, &c, &src, &span(8, 13))
            .await
            .expect("code");
        app.apply_code(&actor, &p, &c, &src, &span(14, 18))
            .await
            .expect("code");
        app.rename_code(&actor, &p, &c, "c2")
            .await
            .expect("rename c");
        let a = app
            .rename_code(&actor, &p, &a, "alpha")
            .await
            .expect("rename");
        app.move_code(&actor, &p, &b, Some(&a)).await.expect("move");
        let c = app.find_code(&p, "c2").await.expect("c2");
        app.merge_codes(&actor, &p, &c, &a).await.expect("merge");
        let a = app.find_code(&p, "alpha").await.expect("alpha");
        let first = app
            .store()
            .codings(p.id, &axial_store::CodingFilter::code(a.id))
            .await
            .expect("codings")[0]
            .id;
        app.split_code(&actor, &p, &a, "d", &[first])
            .await
            .expect("split");

        let g = app.code_genealogy(&p, a.id).await.expect("genealogy");
        assert!(g.exists);
        assert_eq!(g.name, "alpha");
        let got = steps(&g);
        assert_eq!(
            got,
            vec![
                (
                    GenealogyStep::Created,
                    "created code 'a' under the top level".to_string()
                ),
                (GenealogyStep::Renamed, "renamed 'a' to 'alpha'".to_string()),
                (
                    GenealogyStep::ChildAdded,
                    "'b' moved under this code".to_string()
                ),
                (
                    GenealogyStep::Merged,
                    "merged 'c2' into this code (2 codings)".to_string()
                ),
                (
                    GenealogyStep::Split,
                    "split 1 coding out into the new code 'd'".to_string()
                ),
            ],
            "{got:#?}"
        );
        let merged = g.events[3].merged.as_ref().expect("nested genealogy of c");
        assert_eq!(merged.code, c.id);
        assert_eq!(
            steps(merged),
            vec![
                (
                    GenealogyStep::Created,
                    "created code 'c' under the top level".to_string()
                ),
                (GenealogyStep::Renamed, "renamed 'c' to 'c2'".to_string()),
            ]
        );
        // b's own story has the move under a (by its name at the time).
        let gb = app.code_genealogy(&p, b.id).await.expect("b");
        assert_eq!(gb.events[1].step, GenealogyStep::Moved);
        assert_eq!(gb.events[1].to.as_deref(), Some("alpha"));
        // d knows where it came from.
        let d = app.find_code(&p, "d").await.expect("d");
        let gd = app.code_genealogy(&p, d.id).await.expect("d");
        assert_eq!(gd.events[0].step, GenealogyStep::SplitFrom);
        assert_eq!(
            gd.events[0].other.as_ref().map(|o| o.name.as_str()),
            Some("alpha")
        );
        assert_eq!(gd.events[0].codings, Some(1));

        // Undo the split and the merge: the steps appear as undos, and the
        // original entries stay in the trail as they were.
        let before = app.audit(&p, &AuditQuery::default()).await.expect("audit");
        app.undo(&actor, &p).await.expect("undo split");
        app.undo(&actor, &p).await.expect("undo merge");
        let g = app.code_genealogy(&p, a.id).await.expect("genealogy");
        let tail: Vec<GenealogyStep> = g.events.iter().rev().take(2).map(|e| e.step).collect();
        assert_eq!(
            tail,
            vec![GenealogyStep::MergeUndone, GenealogyStep::SplitUndone]
        );
        assert!(g.events.iter().rev().take(2).all(|e| e.undo_of.is_some()));
        assert!(g.events[3].undone_by.is_some() && g.events[4].undone_by.is_some());
        let gc = app.code_genealogy(&p, c.id).await.expect("c");
        assert_eq!(
            gc.events.last().map(|e| e.step),
            Some(GenealogyStep::Restored)
        );
        assert!(gc.exists);

        let after = app.audit(&p, &AuditQuery::default()).await.expect("audit");
        assert_eq!(after.entries.len(), before.entries.len() + 2);
        for old in &before.entries {
            let now = after
                .entries
                .iter()
                .find(|e| e.seq == old.seq)
                .expect("every entry is still there");
            // Only the mark of the later undo is new.
            let unmarked = AuditEntry {
                reverted_by: old.reverted_by,
                ..now.clone()
            };
            assert_eq!(&unmarked, old);
        }
    }

    #[tokio::test]
    async fn audit_filters_and_pages() {
        let (_d, app, actor, p) = app().await;
        for n in ["a", "b", "c"] {
            app.create_code(&actor, &p, n, None, None, "", true)
                .await
                .expect("create");
        }
        let a = app.find_code(&p, "a").await.expect("a");
        app.update_code(
            &actor,
            &p,
            &a,
            |c| c.description = "about a".into(),
            "described code",
        )
        .await
        .expect("describe");
        let page = app
            .audit(
                &p,
                &AuditQuery {
                    limit: Some(2),
                    ..Default::default()
                },
            )
            .await
            .expect("page 1");
        assert_eq!(page.entries.len(), 2);
        assert_eq!(page.entries[0].action, "code.update");
        let op = &page.entries[0].ops[0];
        assert_eq!(op.changes.len(), 1);
        assert_eq!(
            (
                op.changes[0].field.as_str(),
                op.changes[0].before.as_str(),
                op.changes[0].after.as_str()
            ),
            ("description", "", "about a")
        );
        let next = app
            .audit(
                &p,
                &AuditQuery {
                    limit: Some(2),
                    before: page.next_before.map(ChangeSeq),
                    ..Default::default()
                },
            )
            .await
            .expect("page 2");
        let seqs: Vec<i64> = page
            .entries
            .iter()
            .chain(&next.entries)
            .map(|e| e.seq)
            .collect();
        assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");
        let creates = app
            .audit(
                &p,
                &AuditQuery {
                    action: Some(Action::CodeCreate),
                    entity: Some(EntityKind::Code),
                    author: Some("TESTER".into()),
                    ..Default::default()
                },
            )
            .await
            .expect("filtered");
        assert_eq!(creates.entries.len(), 3);
        assert!(creates.next_before.is_none());
        let none = app
            .audit(
                &p,
                &AuditQuery {
                    since: Some(axial_core::now() + time::Duration::hours(1)),
                    ..Default::default()
                },
            )
            .await
            .expect("future");
        assert!(none.entries.is_empty());
        let err = app
            .audit(
                &p,
                &AuditQuery {
                    author: Some("nobody".into()),
                    ..Default::default()
                },
            )
            .await
            .expect_err("unknown author");
        assert!(err.to_string().contains("tester"), "{err}");
    }
}
