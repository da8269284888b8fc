//! How each kind of entity maps onto its table: the column list, the
//! encoding of a core value into column values, and the private `…Row`
//! types read back and converted explicitly into core values.
//!
//! This module builds no queries beyond the fixed insert/update/delete
//! statements per table; filtering and ordering live in [`crate::read`], and
//! the precondition checks of a commit in [`crate::write`].

use std::sync::LazyLock;

use axial_core::{
    Case, CaseId, Code, CodeId, CodeRelation, Coding, CodingId, Color, ContentHash, Entity,
    EntityKind, Memo, MemoId, MemoKind, MemoLink, Project, ProjectId, Record, RecordId, RecordKind,
    RelationId, RelationKind, Set, SetId, Source, SourceId, SourceKind, Span, Subject, User,
    UserId, ValueId, Variable, VariableId, VariableValue,
};
use axial_store::StoreError;

use crate::codec::{self, Decoder, Val};

/// One entity table.
pub(crate) struct Table {
    pub name: &'static str,
    /// Column names in encoding order; the first is always `id`.
    pub columns: &'static [&'static str],
    pub insert: String,
    pub update: String,
    pub delete: String,
    pub version_of: String,
}

impl Table {
    fn new(name: &'static str, columns: &'static [&'static str]) -> Table {
        let marks = vec!["?"; columns.len()].join(", ");
        let sets = columns[1..]
            .iter()
            .map(|c| format!("{c} = ?"))
            .collect::<Vec<_>>()
            .join(", ");
        Table {
            name,
            columns,
            insert: format!(
                "INSERT INTO {name} ({}) VALUES ({marks})",
                columns.join(", ")
            ),
            update: format!("UPDATE {name} SET {sets} WHERE id = ? AND version = ?"),
            delete: format!("DELETE FROM {name} WHERE id = ? AND version = ?"),
            version_of: format!("SELECT version FROM {name} WHERE id = ?"),
        }
    }

    /// `SELECT <columns> FROM <table>` for reading rows.
    pub(crate) fn select(&self) -> String {
        format!("SELECT {} FROM {}", self.columns.join(", "), self.name)
    }
}

const USER: &[&str] = &["id", "name", "display_name", "created_at", "version"];
const PROJECT: &[&str] = &["id", "name", "description", "created_at", "version"];
const CASE: &[&str] = &["id", "project", "name", "description", "version"];
const VARIABLE: &[&str] = &["id", "project", "name", "kind", "description", "version"];
const SOURCE: &[&str] = &[
    "id",
    "project",
    "name",
    "kind",
    "content_hash",
    "char_len",
    "imported_at",
    "imported_by",
    "case_id",
    "description",
    "structure",
    "revision_of",
    "version",
];
const VALUE: &[&str] = &[
    "id",
    "project",
    "variable",
    "subject_kind",
    "subject",
    "value",
    "version",
];
const CODE: &[&str] = &[
    "id",
    "project",
    "parent",
    "name",
    "color",
    "description",
    "inclusion",
    "exclusion",
    "example",
    "codable",
    "created_by",
    "created_at",
    "version",
];
const CODING: &[&str] = &[
    "id",
    "project",
    "source",
    "code",
    "span_start",
    "span_end",
    "coder",
    "created_at",
    "version",
];
const MEMO: &[&str] = &[
    "id",
    "project",
    "title",
    "body",
    "kind",
    "author",
    "created_at",
    "updated_at",
    "version",
];
const SET: &[&str] = &["id", "project", "name", "description", "members", "version"];
const RELATION: &[&str] = &[
    "id",
    "project",
    "from_code",
    "to_code",
    "kind",
    "label",
    "created_by",
    "created_at",
    "version",
];

const RECORD: &[&str] = &[
    "id",
    "project",
    "kind",
    "record_key",
    "body",
    "created_by",
    "created_at",
    "updated_at",
    "version",
];

static TABLES: LazyLock<[Table; 12]> = LazyLock::new(|| {
    [
        Table::new("users", USER),
        Table::new("projects", PROJECT),
        Table::new("cases", CASE),
        Table::new("variables", VARIABLE),
        Table::new("sources", SOURCE),
        Table::new("variable_values", VALUE),
        Table::new("codes", CODE),
        Table::new("codings", CODING),
        Table::new("memos", MEMO),
        Table::new("sets", SET),
        Table::new("relations", RELATION),
        Table::new("records", RECORD),
    ]
});

/// The table that stores entities of `kind`.
pub(crate) fn table(kind: EntityKind) -> &'static Table {
    let i = match kind {
        EntityKind::User => 0,
        EntityKind::Project => 1,
        EntityKind::Case => 2,
        EntityKind::Variable => 3,
        EntityKind::Source => 4,
        EntityKind::Value => 5,
        EntityKind::Code => 6,
        EntityKind::Coding => 7,
        EntityKind::Memo => 8,
        EntityKind::Set => 9,
        EntityKind::Relation => 10,
        EntityKind::Record => 11,
    };
    &TABLES[i]
}

fn text(s: &str) -> Val {
    Val::Text(s.to_string())
}

fn id(u: uuid::Uuid) -> Val {
    Val::Text(u.hyphenated().to_string())
}

fn opt_id(u: Option<uuid::Uuid>) -> Val {
    Val::opt_text(u.map(|u| u.hyphenated().to_string()))
}

pub(crate) fn subject_columns(s: &Subject) -> (&'static str, String) {
    match s {
        Subject::Case(c) => ("case", c.to_string()),
        Subject::Source(s) => ("source", s.to_string()),
    }
}

/// The column values of an entity, in [`Table::columns`] order.
pub(crate) fn encode(e: &Entity) -> Result<Vec<Val>, StoreError> {
    use codec::{micros, version};
    Ok(match e {
        Entity::User(u) => vec![
            id(u.id.as_uuid()),
            text(&u.name),
            text(&u.display_name),
            Val::Int(micros(u.created_at)?),
            Val::Int(version(u.version)?),
        ],
        Entity::Project(p) => vec![
            id(p.id.as_uuid()),
            text(&p.name),
            text(&p.description),
            Val::Int(micros(p.created_at)?),
            Val::Int(version(p.version)?),
        ],
        Entity::Case(c) => vec![
            id(c.id.as_uuid()),
            id(c.project.as_uuid()),
            text(&c.name),
            text(&c.description),
            Val::Int(version(c.version)?),
        ],
        Entity::Variable(v) => vec![
            id(v.id.as_uuid()),
            id(v.project.as_uuid()),
            text(&v.name),
            Val::Text(codec::json("a variable type", &v.kind)?),
            text(&v.description),
            Val::Int(version(v.version)?),
        ],
        Entity::Source(s) => vec![
            id(s.id.as_uuid()),
            id(s.project.as_uuid()),
            text(&s.name),
            text(s.kind.as_str()),
            Val::Text(s.content_hash.to_string()),
            Val::Int(i64::from(s.char_len)),
            Val::Int(micros(s.imported_at)?),
            id(s.imported_by.as_uuid()),
            opt_id(s.case.map(|c| c.as_uuid())),
            text(&s.description),
            Val::Text(codec::json("a source structure", &s.structure)?),
            opt_id(s.revision_of.map(|r| r.as_uuid())),
            Val::Int(version(s.version)?),
        ],
        Entity::Value(v) => {
            let (kind, subject) = subject_columns(&v.subject);
            vec![
                id(v.id.as_uuid()),
                id(v.project.as_uuid()),
                id(v.variable.as_uuid()),
                text(kind),
                Val::Text(subject),
                Val::Text(codec::json("a variable value", &v.value)?),
                Val::Int(version(v.version)?),
            ]
        }
        Entity::Code(c) => vec![
            id(c.id.as_uuid()),
            id(c.project.as_uuid()),
            opt_id(c.parent.map(|p| p.as_uuid())),
            text(&c.name),
            Val::Text(c.color.to_string()),
            text(&c.description),
            text(&c.inclusion),
            text(&c.exclusion),
            text(&c.example),
            Val::Int(i64::from(c.codable)),
            id(c.created_by.as_uuid()),
            Val::Int(micros(c.created_at)?),
            Val::Int(version(c.version)?),
        ],
        Entity::Coding(c) => vec![
            id(c.id.as_uuid()),
            id(c.project.as_uuid()),
            id(c.source.as_uuid()),
            id(c.code.as_uuid()),
            Val::Int(i64::from(c.span.start().0)),
            Val::Int(i64::from(c.span.end().0)),
            id(c.coder.as_uuid()),
            Val::Int(micros(c.created_at)?),
            Val::Int(version(c.version)?),
        ],
        Entity::Memo(m) => vec![
            id(m.id.as_uuid()),
            id(m.project.as_uuid()),
            text(&m.title),
            text(&m.body),
            text(m.kind.as_str()),
            id(m.author.as_uuid()),
            Val::Int(micros(m.created_at)?),
            Val::Int(micros(m.updated_at)?),
            Val::Int(version(m.version)?),
        ],
        Entity::Set(s) => vec![
            id(s.id.as_uuid()),
            id(s.project.as_uuid()),
            text(&s.name),
            text(&s.description),
            Val::Text(codec::json("set members", &s.members)?),
            Val::Int(version(s.version)?),
        ],
        Entity::Relation(r) => vec![
            id(r.id.as_uuid()),
            id(r.project.as_uuid()),
            id(r.from.as_uuid()),
            id(r.to.as_uuid()),
            text(r.kind.as_str()),
            text(&r.label),
            id(r.created_by.as_uuid()),
            Val::Int(micros(r.created_at)?),
            Val::Int(version(r.version)?),
        ],
        Entity::Record(r) => vec![
            id(r.id.as_uuid()),
            id(r.project.as_uuid()),
            text(r.kind.as_str()),
            text(&r.key),
            text(&r.body),
            id(r.created_by.as_uuid()),
            Val::Int(micros(r.created_at)?),
            Val::Int(micros(r.updated_at)?),
            Val::Int(version(r.version)?),
        ],
    })
}

/// A memo link as `(kind, target)` columns.
pub(crate) fn link_columns(l: &MemoLink) -> (&'static str, Option<String>) {
    match l {
        MemoLink::Project => ("project", None),
        MemoLink::Source(s) => ("source", Some(s.to_string())),
        MemoLink::Case(c) => ("case", Some(c.to_string())),
        MemoLink::Code(c) => ("code", Some(c.to_string())),
        MemoLink::Coding(c) => ("coding", Some(c.to_string())),
    }
}

// ---- rows read back ----

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct UserRow {
    id: String,
    name: String,
    display_name: String,
    created_at: i64,
    version: i64,
}

impl UserRow {
    pub(crate) fn decode(self) -> Result<User, StoreError> {
        let d = Decoder {
            table: "users",
            id: &self.id,
        };
        Ok(User {
            id: UserId::from_uuid(d.guid("id", &self.id)?),
            created_at: d.instant("created_at", self.created_at)?,
            version: d.version(self.version)?,
            name: self.name,
            display_name: self.display_name,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct ProjectRow {
    id: String,
    name: String,
    description: String,
    created_at: i64,
    version: i64,
}

impl ProjectRow {
    pub(crate) fn decode(self) -> Result<Project, StoreError> {
        let d = Decoder {
            table: "projects",
            id: &self.id,
        };
        Ok(Project {
            id: ProjectId::from_uuid(d.guid("id", &self.id)?),
            created_at: d.instant("created_at", self.created_at)?,
            version: d.version(self.version)?,
            name: self.name,
            description: self.description,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct CaseRow {
    id: String,
    project: String,
    name: String,
    description: String,
    version: i64,
}

impl CaseRow {
    pub(crate) fn decode(self) -> Result<Case, StoreError> {
        let d = Decoder {
            table: "cases",
            id: &self.id,
        };
        Ok(Case {
            id: CaseId::from_uuid(d.guid("id", &self.id)?),
            project: ProjectId::from_uuid(d.guid("project", &self.project)?),
            version: d.version(self.version)?,
            name: self.name,
            description: self.description,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct VariableRow {
    id: String,
    project: String,
    name: String,
    kind: String,
    description: String,
    version: i64,
}

impl VariableRow {
    pub(crate) fn decode(self) -> Result<Variable, StoreError> {
        let d = Decoder {
            table: "variables",
            id: &self.id,
        };
        Ok(Variable {
            id: VariableId::from_uuid(d.guid("id", &self.id)?),
            project: ProjectId::from_uuid(d.guid("project", &self.project)?),
            kind: d.json("kind", &self.kind)?,
            version: d.version(self.version)?,
            name: self.name,
            description: self.description,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct SourceRow {
    id: String,
    project: String,
    name: String,
    kind: String,
    content_hash: String,
    char_len: i64,
    imported_at: i64,
    imported_by: String,
    case_id: Option<String>,
    description: String,
    structure: String,
    revision_of: Option<String>,
    version: i64,
}

impl SourceRow {
    pub(crate) fn decode(self) -> Result<Source, StoreError> {
        let d = Decoder {
            table: "sources",
            id: &self.id,
        };
        Ok(Source {
            id: SourceId::from_uuid(d.guid("id", &self.id)?),
            project: ProjectId::from_uuid(d.guid("project", &self.project)?),
            kind: d.parse::<SourceKind>("kind", &self.kind)?,
            content_hash: d.parse::<ContentHash>("content_hash", &self.content_hash)?,
            char_len: d.u32("char_len", self.char_len)?,
            imported_at: d.instant("imported_at", self.imported_at)?,
            imported_by: UserId::from_uuid(d.guid("imported_by", &self.imported_by)?),
            case: d
                .opt_guid("case_id", self.case_id.as_deref())?
                .map(CaseId::from_uuid),
            structure: d.json("structure", &self.structure)?,
            revision_of: d
                .opt_guid("revision_of", self.revision_of.as_deref())?
                .map(SourceId::from_uuid),
            version: d.version(self.version)?,
            name: self.name,
            description: self.description,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct ValueRow {
    id: String,
    project: String,
    variable: String,
    subject_kind: String,
    subject: String,
    value: String,
    version: i64,
}

impl ValueRow {
    pub(crate) fn decode(self) -> Result<VariableValue, StoreError> {
        let d = Decoder {
            table: "variable_values",
            id: &self.id,
        };
        let subject = d.guid("subject", &self.subject)?;
        let subject = match self.subject_kind.as_str() {
            "case" => Subject::Case(CaseId::from_uuid(subject)),
            "source" => Subject::Source(SourceId::from_uuid(subject)),
            other => {
                return Err(crate::error::corrupt(
                    "variable_values",
                    &self.id,
                    format!("column subject_kind: '{other}' is neither 'case' nor 'source'"),
                ))
            }
        };
        Ok(VariableValue {
            id: ValueId::from_uuid(d.guid("id", &self.id)?),
            project: ProjectId::from_uuid(d.guid("project", &self.project)?),
            variable: VariableId::from_uuid(d.guid("variable", &self.variable)?),
            subject,
            value: d.json("value", &self.value)?,
            version: d.version(self.version)?,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct SetRow {
    id: String,
    project: String,
    name: String,
    description: String,
    members: String,
    version: i64,
}

impl SetRow {
    pub(crate) fn decode(self) -> Result<Set, StoreError> {
        let d = Decoder {
            table: "sets",
            id: &self.id,
        };
        Ok(Set {
            id: SetId::from_uuid(d.guid("id", &self.id)?),
            project: ProjectId::from_uuid(d.guid("project", &self.project)?),
            members: d.json("members", &self.members)?,
            version: d.version(self.version)?,
            name: self.name,
            description: self.description,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct CodeRow {
    id: String,
    project: String,
    parent: Option<String>,
    name: String,
    color: String,
    description: String,
    inclusion: String,
    exclusion: String,
    example: String,
    #[serde(deserialize_with = "bool_from_int")]
    codable: bool,
    created_by: String,
    created_at: i64,
    version: i64,
}

impl CodeRow {
    pub(crate) fn decode(self) -> Result<Code, StoreError> {
        let d = Decoder {
            table: "codes",
            id: &self.id,
        };
        Ok(Code {
            id: CodeId::from_uuid(d.guid("id", &self.id)?),
            project: ProjectId::from_uuid(d.guid("project", &self.project)?),
            parent: d
                .opt_guid("parent", self.parent.as_deref())?
                .map(CodeId::from_uuid),
            color: d.parse::<Color>("color", &self.color)?,
            codable: self.codable,
            created_by: UserId::from_uuid(d.guid("created_by", &self.created_by)?),
            created_at: d.instant("created_at", self.created_at)?,
            version: d.version(self.version)?,
            name: self.name,
            description: self.description,
            inclusion: self.inclusion,
            exclusion: self.exclusion,
            example: self.example,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct CodingRow {
    id: String,
    project: String,
    source: String,
    code: String,
    span_start: i64,
    span_end: i64,
    coder: String,
    created_at: i64,
    version: i64,
}

impl CodingRow {
    pub(crate) fn decode(self) -> Result<Coding, StoreError> {
        let d = Decoder {
            table: "codings",
            id: &self.id,
        };
        let (start, end) = (
            d.u32("span_start", self.span_start)?,
            d.u32("span_end", self.span_end)?,
        );
        Ok(Coding {
            id: CodingId::from_uuid(d.guid("id", &self.id)?),
            project: ProjectId::from_uuid(d.guid("project", &self.project)?),
            source: SourceId::from_uuid(d.guid("source", &self.source)?),
            code: CodeId::from_uuid(d.guid("code", &self.code)?),
            span: Span::unbounded(start, end)
                .map_err(|e| crate::error::corrupt("codings", &self.id, e))?,
            coder: UserId::from_uuid(d.guid("coder", &self.coder)?),
            created_at: d.instant("created_at", self.created_at)?,
            version: d.version(self.version)?,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct MemoRow {
    id: String,
    project: String,
    title: String,
    body: String,
    kind: String,
    author: String,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

impl MemoRow {
    /// The memo without its links (read from `memo_links` separately).
    pub(crate) fn decode(self) -> Result<Memo, StoreError> {
        let d = Decoder {
            table: "memos",
            id: &self.id,
        };
        Ok(Memo {
            id: MemoId::from_uuid(d.guid("id", &self.id)?),
            project: ProjectId::from_uuid(d.guid("project", &self.project)?),
            kind: d.parse::<MemoKind>("kind", &self.kind)?,
            links: Vec::new(),
            author: UserId::from_uuid(d.guid("author", &self.author)?),
            created_at: d.instant("created_at", self.created_at)?,
            updated_at: d.instant("updated_at", self.updated_at)?,
            version: d.version(self.version)?,
            title: self.title,
            body: self.body,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct MemoLinkRow {
    pub memo: String,
    kind: String,
    target: Option<String>,
}

impl MemoLinkRow {
    pub(crate) fn decode(&self) -> Result<MemoLink, StoreError> {
        let d = Decoder {
            table: "memo_links",
            id: &self.memo,
        };
        let target = || match &self.target {
            Some(t) => d.guid("target", t),
            None => Err(crate::error::corrupt(
                "memo_links",
                &self.memo,
                format!("a {} link has no target", self.kind),
            )),
        };
        Ok(match self.kind.as_str() {
            "project" => MemoLink::Project,
            "source" => MemoLink::Source(SourceId::from_uuid(target()?)),
            "case" => MemoLink::Case(CaseId::from_uuid(target()?)),
            "code" => MemoLink::Code(CodeId::from_uuid(target()?)),
            "coding" => MemoLink::Coding(CodingId::from_uuid(target()?)),
            other => {
                return Err(crate::error::corrupt(
                    "memo_links",
                    &self.memo,
                    format!("unknown link kind '{other}'"),
                ))
            }
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct RelationRow {
    id: String,
    project: String,
    from_code: String,
    to_code: String,
    kind: String,
    label: String,
    created_by: String,
    created_at: i64,
    version: i64,
}

impl RelationRow {
    pub(crate) fn decode(self) -> Result<CodeRelation, StoreError> {
        let d = Decoder {
            table: "relations",
            id: &self.id,
        };
        Ok(CodeRelation {
            id: RelationId::from_uuid(d.guid("id", &self.id)?),
            project: ProjectId::from_uuid(d.guid("project", &self.project)?),
            from: CodeId::from_uuid(d.guid("from_code", &self.from_code)?),
            to: CodeId::from_uuid(d.guid("to_code", &self.to_code)?),
            kind: d.parse::<RelationKind>("kind", &self.kind)?,
            created_by: UserId::from_uuid(d.guid("created_by", &self.created_by)?),
            created_at: d.instant("created_at", self.created_at)?,
            version: d.version(self.version)?,
            label: self.label,
        })
    }
}

#[derive(sqlx::FromRow, serde::Deserialize)]
pub(crate) struct RecordRow {
    id: String,
    project: String,
    kind: String,
    record_key: String,
    body: String,
    created_by: String,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

impl RecordRow {
    pub(crate) fn decode(self) -> Result<Record, StoreError> {
        let d = Decoder {
            table: "records",
            id: &self.id,
        };
        Ok(Record {
            id: RecordId::from_uuid(d.guid("id", &self.id)?),
            project: ProjectId::from_uuid(d.guid("project", &self.project)?),
            kind: d.parse::<RecordKind>("kind", &self.kind)?,
            created_by: UserId::from_uuid(d.guid("created_by", &self.created_by)?),
            created_at: d.instant("created_at", self.created_at)?,
            updated_at: d.instant("updated_at", self.updated_at)?,
            version: d.version(self.version)?,
            key: self.record_key,
            body: self.body,
        })
    }
}

/// SQLite keeps booleans as 0 and 1.
fn bool_from_int<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    use serde::Deserialize;
    match serde_json::Value::deserialize(d)? {
        serde_json::Value::Bool(b) => Ok(b),
        serde_json::Value::Number(n) if n.as_i64() == Some(0) => Ok(false),
        serde_json::Value::Number(n) if n.as_i64() == Some(1) => Ok(true),
        other => Err(serde::de::Error::custom(format!(
            "expected 0 or 1, found {other}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_cover_every_column() {
        let t = table(EntityKind::Coding);
        assert_eq!(t.name, "codings");
        assert_eq!(t.insert.matches('?').count(), t.columns.len());
        // every column but the id is set, then id and expected version
        assert_eq!(t.update.matches('?').count(), t.columns.len() + 1);
        assert!(
            t.update.ends_with("WHERE id = ? AND version = ?"),
            "{}",
            t.update
        );
    }

    #[test]
    fn every_kind_has_its_own_table() {
        let kinds = [
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
        let mut names: Vec<_> = kinds.iter().map(|k| table(*k).name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), kinds.len());
    }
}
