//! Importing documents and surveys, and managing sources.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use axial_core::{
    Action, Case, CaseId, ChangeSet, ContentHash, Entity, Op, Project, Set, SetId, SetMember,
    Source, SourceId, SourceKind, Subject, Value, ValueId, Variable, VariableId, VariableKind,
    VariableValue, Version,
};
use axial_formats::import;
use axial_store::CodingFilter;
use sha2::{Digest, Sha256};

use crate::texts::LoadedText;
use crate::{Actor, App, AppError};

/// One file to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Source name; defaults to the file name without its extension.
    pub name: Option<String>,
    /// Case to put the source in (created if missing).
    pub case: Option<String>,
}

/// What happened to one imported file.
#[derive(Debug, Clone)]
pub enum ImportOutcome {
    Imported {
        source: Box<Source>,
        warnings: Vec<String>,
    },
    /// The same text is already in the project.
    Duplicate { existing: String },
}

/// A CSV or XLSX survey: each row becomes a case; chosen columns become case
/// attributes; chosen open-text columns become one source per row.
#[derive(Debug, Clone)]
pub struct SurveyImport {
    pub file_name: String,
    pub bytes: Vec<u8>,
    /// Column naming the case of each row; rows are numbered when absent.
    pub case_column: Option<String>,
    pub attribute_columns: Vec<String>,
    pub text_columns: Vec<String>,
}

/// SHA-256 of a text.
pub fn content_hash(text: &str) -> ContentHash {
    let mut h = Sha256::new();
    h.update(text.as_bytes());
    ContentHash(h.finalize().into())
}

pub(crate) fn file_stem(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    match base.rfind('.') {
        Some(i) if i > 0 => base[..i].to_string(),
        _ => base.to_string(),
    }
}

fn unique_name(taken: &HashSet<String>, wanted: &str) -> String {
    if !taken.contains(wanted) {
        return wanted.to_string();
    }
    (2..)
        .map(|n| format!("{wanted} ({n})"))
        .find(|c| !taken.contains(c))
        .expect("some suffix is free")
}

impl App {
    pub async fn sources(&self, project: &Project) -> Result<Vec<Source>, AppError> {
        Ok(self.store.sources(project.id).await?)
    }

    /// A source by exact name, then case-insensitive name, then id.
    pub async fn find_source(&self, project: &Project, name: &str) -> Result<Source, AppError> {
        let sources = self.store.sources(project.id).await?;
        let n = name.trim();
        if let Some(s) = sources.iter().find(|s| s.name == n) {
            return Ok(s.clone());
        }
        let ci: Vec<&Source> = sources
            .iter()
            .filter(|s| s.name.eq_ignore_ascii_case(n))
            .collect();
        if ci.len() == 1 {
            return Ok(ci[0].clone());
        }
        if let Ok(id) = n.parse::<SourceId>() {
            if let Some(s) = sources.iter().find(|s| s.id == id) {
                return Ok(s.clone());
            }
        }
        Err(AppError::NotFound {
            what: "source",
            name: n.to_string(),
            hint: "list them with `axial sources`".into(),
        })
    }

    /// The text of a source with its indexes (cached per process).
    pub async fn text(&self, source: &Source) -> Result<Arc<LoadedText>, AppError> {
        self.texts.get(self.store.as_ref(), source).await
    }

    /// Imports one document into its own transaction.
    pub async fn import_document(
        &self,
        actor: &Actor,
        project: &Project,
        req: ImportRequest,
    ) -> Result<ImportOutcome, AppError> {
        self.batch_importer(project).await?.import(actor, req).await
    }

    /// An importer for many files: reads what the project holds once, then
    /// imports each file in its own transaction.
    pub async fn batch_importer(&self, project: &Project) -> Result<BatchImporter, AppError> {
        let sources = self.store.sources(project.id).await?;
        Ok(BatchImporter {
            app: self.clone(),
            project: project.clone(),
            hashes: sources
                .iter()
                .map(|s| (s.content_hash, s.name.clone()))
                .collect(),
            names: sources.iter().map(|s| s.name.clone()).collect(),
            cases: self
                .store
                .cases(project.id)
                .await?
                .into_iter()
                .map(|c| (c.name, c.id))
                .collect(),
        })
    }

    /// The id of the case named `name`, adding an insert op to `cs` if it is new.
    async fn case_for(
        &self,
        project: &Project,
        name: &str,
        cs: &mut ChangeSet,
    ) -> Result<CaseId, AppError> {
        let name = axial_core::validate_name("case", name)?;
        if let Some(c) = self
            .store
            .cases(project.id)
            .await?
            .into_iter()
            .find(|c| c.name == name)
        {
            return Ok(c.id);
        }
        if let Some(Entity::Case(c)) = cs
            .ops
            .iter()
            .map(Op::entity)
            .find(|e| matches!(e, Entity::Case(c) if c.name == name))
        {
            return Ok(c.id);
        }
        let case = Case {
            id: CaseId::new(),
            project: project.id,
            name,
            description: String::new(),
            version: Version::FIRST,
        };
        cs.push(Op::insert(Entity::Case(case.clone())));
        Ok(case.id)
    }

    /// Imports a survey in one transaction; returns the sources created.
    pub async fn import_survey(
        &self,
        actor: &Actor,
        project: &Project,
        req: SurveyImport,
    ) -> Result<Vec<Source>, AppError> {
        let file_name = req.file_name.clone();
        let bytes = req.bytes;
        let table = tokio::task::spawn_blocking(move || import::read_survey(&file_name, &bytes))
            .await
            .map_err(|e| AppError::Internal(format!("importer stopped: {e}")))??;
        let col = |name: &str| -> Result<usize, AppError> {
            table
                .headers
                .iter()
                .position(|h| h.trim().eq_ignore_ascii_case(name.trim()))
                .ok_or_else(|| {
                    AppError::invalid(format!(
                        "{}: no column named '{name}'; the columns are: {}",
                        req.file_name,
                        table.headers.join(", ")
                    ))
                })
        };
        let mut case_col = req.case_column.as_deref().map(col).transpose()?;
        let mut attr_cols = req
            .attribute_columns
            .iter()
            .map(|c| col(c))
            .collect::<Result<Vec<_>, _>>()?;
        let mut text_cols = req
            .text_columns
            .iter()
            .map(|c| col(c))
            .collect::<Result<Vec<_>, _>>()?;
        if attr_cols.is_empty() && text_cols.is_empty() {
            let guess = guess_survey_columns(&table);
            if case_col.is_none() {
                case_col = guess.case;
            }
            attr_cols = guess
                .attributes
                .into_iter()
                .filter(|c| Some(*c) != case_col)
                .collect();
            text_cols = guess
                .texts
                .into_iter()
                .filter(|c| Some(*c) != case_col)
                .collect();
        }
        if text_cols.is_empty() && attr_cols.is_empty() {
            return Err(AppError::invalid(format!("{}: no attribute or open-text columns found; name them with --attribute-column and --text-column", req.file_name)));
        }
        let stem = file_stem(&req.file_name);
        let table_kind = if req.file_name.to_ascii_lowercase().ends_with(".xlsx") {
            SourceKind::Xlsx
        } else {
            SourceKind::Csv
        };
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::SourceImport,
            format!("imported survey '{stem}'"),
        );
        let existing_cases: HashMap<String, Case> = self
            .store
            .cases(project.id)
            .await?
            .into_iter()
            .map(|c| (c.name.clone(), c))
            .collect();
        let mut variables: HashMap<String, Variable> = self
            .store
            .variables(project.id)
            .await?
            .into_iter()
            .map(|v| (v.name.clone(), v))
            .collect();
        let existing_values = self.store.values(project.id).await?;
        let taken: HashSet<String> = self
            .store
            .sources(project.id)
            .await?
            .iter()
            .map(|s| s.name.clone())
            .collect();

        // Variables: reuse by name, else infer a type from the column.
        let mut col_vars = Vec::new();
        for &c in &attr_cols {
            let header = axial_core::validate_name("variable", &table.headers[c])?;
            let description = format!("from survey column '{header}' of {}", req.file_name);
            let (var, _) = variable_for_column(
                &mut cs,
                &mut variables,
                project,
                &table,
                c,
                &header,
                description,
            );
            col_vars.push((c, var));
        }
        let mut new_cases: HashMap<String, CaseId> = HashMap::new();
        let mut made = Vec::new();
        let mut set_members = Vec::new();
        let mut stored = HashSet::new();
        let mut taken = taken;
        for (r, row) in table.rows.iter().enumerate() {
            let case_name = match case_col {
                Some(c) => row
                    .get(c)
                    .map(|s| s.trim().to_string())
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| format!("{stem} row {}", r + 2)),
                None => format!("Respondent {:03}", r + 1),
            };
            let case_name = axial_core::validate_name("case", &case_name)
                .map_err(|e| AppError::invalid(format!("{}: row {}: {e}", req.file_name, r + 2)))?;
            let case_id = match existing_cases.get(&case_name) {
                Some(c) => c.id,
                None => *new_cases.entry(case_name.clone()).or_insert_with(|| {
                    let c = Case {
                        id: CaseId::new(),
                        project: project.id,
                        name: case_name.clone(),
                        description: String::new(),
                        version: Version::FIRST,
                    };
                    cs.push(Op::insert(Entity::Case(c.clone())));
                    c.id
                }),
            };
            for (c, var) in &col_vars {
                let raw = row.get(*c).map(String::as_str).unwrap_or("").trim();
                if raw.is_empty() {
                    continue;
                }
                let value = Value::parse(&var.kind, raw).map_err(|e| AppError::Value {
                    field: format!("{}: row {}, column '{}'", req.file_name, r + 2, var.name),
                    source: e,
                })?;
                set_value_ops(
                    &mut cs,
                    &existing_values,
                    project,
                    var.id,
                    Subject::Case(case_id),
                    value,
                );
            }
            if !text_cols.is_empty() {
                let doc = import::survey_row_document(&table, r, &text_cols);
                if doc.text.trim().is_empty() {
                    continue;
                }
                let hash = content_hash(&doc.text);
                let loaded = LoadedText::new(Arc::from(doc.text.as_str()));
                let name = unique_name(&taken, &format!("{stem} – {case_name}"));
                taken.insert(name.clone());
                let source = Source {
                    id: SourceId::new(),
                    project: project.id,
                    name,
                    kind: table_kind,
                    content_hash: hash,
                    char_len: loaded.char_len(),
                    imported_at: axial_core::now(),
                    imported_by: actor.id(),
                    case: Some(case_id),
                    description: String::new(),
                    structure: doc.structure.into(),
                    revision_of: None,
                    version: Version::FIRST,
                };
                // A set, not a scan of the texts so far: 200,000 rows.
                if stored.insert(hash) {
                    cs.texts.push((hash, loaded.text.clone()));
                }
                set_members.push(SetMember::Source(source.id));
                cs.push(Op::insert(Entity::Source(source.clone())));
                made.push(source);
            }
        }
        if !set_members.is_empty() {
            let set_name = unique_name(
                &self
                    .store
                    .sets(project.id)
                    .await?
                    .into_iter()
                    .map(|s| s.name)
                    .collect(),
                &format!("Survey: {stem}"),
            );
            cs.push(Op::insert(Entity::Set(Set {
                id: SetId::new(),
                project: project.id,
                name: set_name,
                description: format!("open-text answers from {}", req.file_name),
                members: set_members,
                version: Version::FIRST,
            })));
        }
        cs.summary = format!(
            "imported survey '{stem}': {} rows, {} sources",
            table.rows.len(),
            made.len()
        );
        self.store.commit(cs).await?;
        Ok(made)
    }

    pub async fn rename_source(
        &self,
        actor: &Actor,
        project: &Project,
        source: &Source,
        new_name: &str,
    ) -> Result<(), AppError> {
        let name = axial_core::validate_name("source", new_name)?;
        let current = self.store.source(source.id).await?;
        let after = Source {
            name: name.clone(),
            ..current.clone()
        };
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::SourceUpdate,
            format!("renamed source '{}' to '{name}'", current.name),
        )
        .op(Op::update(Entity::Source(current), Entity::Source(after)));
        self.store.commit(cs).await?;
        Ok(())
    }

    /// Puts a source in a case (created if missing), or takes it out of any.
    pub async fn assign_source(
        &self,
        actor: &Actor,
        project: &Project,
        source: &Source,
        case: Option<&str>,
    ) -> Result<(), AppError> {
        let current = self.store.source(source.id).await?;
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::SourceUpdate,
            String::new(),
        );
        let case_id = match case {
            Some(c) => Some(self.case_for(project, c, &mut cs).await?),
            None => None,
        };
        cs.summary = match case {
            Some(c) => format!("put source '{}' in case '{c}'", current.name),
            None => format!("took source '{}' out of its case", current.name),
        };
        let after = Source {
            case: case_id,
            ..current.clone()
        };
        cs.push(Op::update(Entity::Source(current), Entity::Source(after)));
        self.store.commit(cs).await?;
        Ok(())
    }

    /// Deletes a source with its codings, attribute values, set memberships
    /// and memo links (all restored by undo).
    pub async fn delete_source(
        &self,
        actor: &Actor,
        project: &Project,
        source: &Source,
    ) -> Result<usize, AppError> {
        let current = self.store.source(source.id).await?;
        let codings = self
            .store
            .codings(project.id, &CodingFilter::source(source.id))
            .await?;
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::SourceDelete,
            format!(
                "deleted source '{}' with {} codings",
                current.name,
                codings.len()
            ),
        );
        let coding_ids: HashSet<_> = codings.iter().map(|c| c.id).collect();
        for m in self.store.memos(project.id).await? {
            let links: Vec<_> = m
                .links
                .iter()
                .copied()
                .filter(|l| match l {
                    axial_core::MemoLink::Source(s) => *s != source.id,
                    axial_core::MemoLink::Coding(c) => !coding_ids.contains(c),
                    _ => true,
                })
                .collect();
            if links.len() != m.links.len() {
                let after = axial_core::Memo { links, ..m.clone() };
                cs.push(Op::update(Entity::Memo(m), Entity::Memo(after)));
            }
        }
        for s in self.store.sets(project.id).await? {
            if s.members.contains(&SetMember::Source(source.id)) {
                let members = s
                    .members
                    .iter()
                    .copied()
                    .filter(|m| *m != SetMember::Source(source.id))
                    .collect();
                let after = Set {
                    members,
                    ..s.clone()
                };
                cs.push(Op::update(Entity::Set(s), Entity::Set(after)));
            }
        }
        for v in self.store.values(project.id).await? {
            if v.subject == Subject::Source(source.id) {
                cs.push(Op::delete(Entity::Value(v)));
            }
        }
        let n = codings.len();
        for c in codings {
            cs.push(Op::delete(Entity::Coding(c)));
        }
        cs.push(Op::delete(Entity::Source(current)));
        self.store.commit(cs).await?;
        Ok(n)
    }
}

/// Imports files one by one (each in its own transaction), remembering what
/// the project already holds so that every file costs the same.
pub struct BatchImporter {
    app: App,
    project: Project,
    hashes: std::collections::HashMap<ContentHash, String>,
    names: HashSet<String>,
    cases: HashMap<String, CaseId>,
}

/// A file read and parsed, ready to be committed by a [`BatchImporter`].
pub struct PreparedImport {
    file_name: String,
    name: Option<String>,
    case: Option<String>,
    doc: import::ImportedDocument,
    hash: ContentHash,
    loaded: Arc<LoadedText>,
}

impl BatchImporter {
    /// Parses a file off the async threads (decode, turns, hash, index).
    /// Independent of any project, so the next file can be prepared while
    /// the previous one is being committed.
    pub async fn prepare(req: ImportRequest) -> Result<PreparedImport, AppError> {
        let ImportRequest {
            file_name,
            bytes,
            name,
            case,
        } = req;
        tokio::task::spawn_blocking(move || {
            import::import_document(&file_name, &bytes).map(|doc| {
                let hash = content_hash(&doc.text);
                let loaded = Arc::new(LoadedText::new(Arc::from(doc.text.as_str())));
                PreparedImport {
                    file_name,
                    name,
                    case,
                    doc,
                    hash,
                    loaded,
                }
            })
        })
        .await
        .map_err(|e| AppError::Internal(format!("importer stopped: {e}")))?
        .map_err(AppError::from)
    }

    /// Parses and commits one file.
    pub async fn import(
        &mut self,
        actor: &Actor,
        req: ImportRequest,
    ) -> Result<ImportOutcome, AppError> {
        let prepared = Self::prepare(req).await?;
        self.commit(actor, prepared).await
    }

    /// Commits a prepared file in its own transaction (or reports it as a
    /// duplicate of a source already in the project).
    pub async fn commit(
        &mut self,
        actor: &Actor,
        prepared: PreparedImport,
    ) -> Result<ImportOutcome, AppError> {
        let PreparedImport {
            file_name,
            name: wanted_name,
            case: wanted_case,
            doc,
            hash,
            loaded,
        } = prepared;
        let req = ImportRequest {
            file_name,
            bytes: Vec::new(),
            name: wanted_name,
            case: wanted_case,
        };
        if let Some(existing) = self.hashes.get(&hash) {
            return Ok(ImportOutcome::Duplicate {
                existing: existing.clone(),
            });
        }
        let wanted = match &req.name {
            Some(n) => axial_core::validate_name("source", n)?,
            None => axial_core::validate_name("source", &file_stem(&req.file_name))?,
        };
        let name = unique_name(&self.names, &wanted);
        let mut cs = ChangeSet::new(
            Some(self.project.id),
            actor.id(),
            Action::SourceImport,
            format!("imported '{name}'"),
        );
        let case = match &req.case {
            Some(c) => {
                let c = axial_core::validate_name("case", c)?;
                Some(match self.cases.get(&c) {
                    Some(id) => *id,
                    None => {
                        let case = Case {
                            id: CaseId::new(),
                            project: self.project.id,
                            name: c.clone(),
                            description: String::new(),
                            version: Version::FIRST,
                        };
                        cs.push(Op::insert(Entity::Case(case.clone())));
                        case.id
                    }
                })
            }
            None => None,
        };
        let source = Source {
            id: SourceId::new(),
            project: self.project.id,
            name: name.clone(),
            kind: doc.kind,
            content_hash: hash,
            char_len: loaded.char_len(),
            imported_at: axial_core::now(),
            imported_by: actor.id(),
            case,
            description: doc.title.clone().unwrap_or_default(),
            structure: doc.structure.into(),
            revision_of: None,
            version: Version::FIRST,
        };
        cs.texts.push((hash, loaded.text.clone()));
        cs.push(Op::insert(Entity::Source(source.clone())));
        self.app.store.commit(cs).await?;
        if let (Some(c), Some(id)) = (&req.case, case) {
            self.cases.insert(c.trim().to_string(), id);
        }
        self.app.texts.put(hash, loaded);
        self.hashes.insert(hash, name.clone());
        self.names.insert(name);
        Ok(ImportOutcome::Imported {
            source: Box::new(source),
            warnings: doc.warnings,
        })
    }
}

/// Adds the ops that set `var` of `subject` to `value` (insert or update).
pub(crate) fn set_value_ops(
    cs: &mut ChangeSet,
    existing: &[VariableValue],
    project: &Project,
    var: VariableId,
    subject: Subject,
    value: Value,
) {
    match existing
        .iter()
        .find(|v| v.variable == var && v.subject == subject)
    {
        Some(old) if old.value == value => {}
        Some(old) => {
            let after = VariableValue {
                value,
                ..old.clone()
            };
            cs.push(Op::update(Entity::Value(old.clone()), Entity::Value(after)));
        }
        None => cs.push(Op::insert(Entity::Value(VariableValue {
            id: ValueId::new(),
            project: project.id,
            variable: var,
            subject,
            value,
            version: Version::FIRST,
        }))),
    }
}

/// Columns of a survey guessed from their contents.
pub(crate) struct SurveyGuess {
    pub case: Option<usize>,
    pub attributes: Vec<usize>,
    pub texts: Vec<usize>,
}

/// Guesses which survey columns name the case (first column, when its
/// values are unique), which hold free text (long answers, mostly distinct)
/// and which are attributes (the rest).
pub(crate) fn guess_survey_columns(table: &import::SurveyTable) -> SurveyGuess {
    let col = |c: usize| {
        table
            .rows
            .iter()
            .map(move |r| r.get(c).map(|s| s.trim()).unwrap_or(""))
    };
    let first_unique = !table.headers.is_empty() && {
        let vals: Vec<&str> = col(0).collect();
        let set: HashSet<&str> = vals.iter().copied().collect();
        !vals.is_empty() && vals.iter().all(|v| !v.is_empty()) && set.len() == vals.len()
    };
    let mut attributes = Vec::new();
    let mut texts = Vec::new();
    for c in (if first_unique { 1 } else { 0 })..table.headers.len() {
        let vals: Vec<&str> = col(c).filter(|v| !v.is_empty()).collect();
        if vals.is_empty() {
            continue;
        }
        let avg = vals.iter().map(|v| v.chars().count()).sum::<usize>() / vals.len();
        let words = vals
            .iter()
            .filter(|v| v.split_whitespace().count() >= 4)
            .count();
        if avg >= 25 || words * 2 > vals.len() {
            texts.push(c);
        } else {
            attributes.push(c);
        }
    }
    SurveyGuess {
        case: first_unique.then_some(0),
        attributes,
        texts,
    }
}

/// The variable named `name`, or a new one (its type inferred from column
/// `column` of `table`, its insert added to `cs`); true when it is new.
pub(crate) fn variable_for_column(
    cs: &mut ChangeSet,
    variables: &mut HashMap<String, Variable>,
    project: &Project,
    table: &import::SurveyTable,
    column: usize,
    name: &str,
    description: String,
) -> (Variable, bool) {
    if let Some(v) = variables.get(name) {
        return (v.clone(), false);
    }
    let kind = infer_kind(
        table
            .rows
            .iter()
            .map(|r| r.get(column).map(String::as_str).unwrap_or("")),
    );
    let v = Variable {
        id: VariableId::new(),
        project: project.id,
        name: name.to_string(),
        kind,
        description,
        version: Version::FIRST,
    };
    cs.push(Op::insert(Entity::Variable(v.clone())));
    variables.insert(name.to_string(), v.clone());
    (v, true)
}

/// Guesses a variable type from the values of a column.
pub(crate) fn infer_kind<'a>(values: impl Iterator<Item = &'a str>) -> VariableKind {
    let vals: Vec<&str> = values.map(str::trim).filter(|v| !v.is_empty()).collect();
    if vals.is_empty() {
        return VariableKind::Text;
    }
    let all = |k: &VariableKind| vals.iter().all(|v| Value::parse(k, v).is_ok());
    if all(&VariableKind::Integer) {
        return VariableKind::Integer;
    }
    if all(&VariableKind::Decimal) {
        return VariableKind::Decimal;
    }
    if all(&VariableKind::Date) {
        return VariableKind::Date;
    }
    if vals
        .iter()
        .all(|v| matches!(v.to_lowercase().as_str(), "true" | "false" | "yes" | "no"))
    {
        return VariableKind::Boolean;
    }
    let mut distinct: Vec<String> = Vec::new();
    for v in &vals {
        if !distinct.iter().any(|d| d.eq_ignore_ascii_case(v)) {
            distinct.push(v.to_string());
        }
    }
    if distinct.len() <= 12
        && vals.len() >= 2 * distinct.len()
        && distinct.iter().all(|d| d.chars().count() <= 60)
    {
        distinct.sort();
        return VariableKind::Category { values: distinct };
    }
    VariableKind::Text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_variable_kinds() {
        assert_eq!(
            infer_kind(["1", "2", " 3"].into_iter()),
            VariableKind::Integer
        );
        assert_eq!(infer_kind(["1.5", "2"].into_iter()), VariableKind::Decimal);
        assert_eq!(
            infer_kind(["2024-01-02", "2024-03-04"].into_iter()),
            VariableKind::Date
        );
        assert_eq!(
            infer_kind(["yes", "No", "yes"].into_iter()),
            VariableKind::Boolean
        );
        assert_eq!(
            infer_kind(["nurse", "GP", "nurse", "GP"].into_iter()),
            VariableKind::Category {
                values: vec!["GP".into(), "nurse".into()]
            }
        );
        assert_eq!(
            infer_kind(["a long free answer", "another"].into_iter()),
            VariableKind::Text
        );
    }

    #[test]
    fn file_stems() {
        assert_eq!(file_stem("dir/interview-01.txt"), "interview-01");
        assert_eq!(file_stem("C:\\x\\notes.final.docx"), "notes.final");
        assert_eq!(file_stem(".hidden"), ".hidden");
    }
}
