//! Cases, variables (attributes) and their values, and sets.

use std::collections::HashMap;

use axial_core::{
    validate_name, Action, Case, CaseId, ChangeSet, Entity, Op, Project, Set, SetId, SetMember,
    Source, Subject, Value, Variable, VariableId, VariableKind, Version,
};
use serde::Serialize;

use crate::sources::{set_value_ops, variable_for_column};
use crate::{Actor, App, AppError};

/// A case with its sources and attribute values, for listings.
#[derive(Debug, Clone, Serialize)]
pub struct CaseSummary {
    pub id: CaseId,
    pub name: String,
    pub description: String,
    pub sources: Vec<String>,
    /// Variable name → value as text.
    pub attributes: std::collections::BTreeMap<String, String>,
}

/// What an attribute sheet import did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AttributeSheetReport {
    pub cases_created: usize,
    pub variables_created: Vec<String>,
    pub values_set: usize,
}

impl App {
    pub async fn cases(&self, project: &Project) -> Result<Vec<CaseSummary>, AppError> {
        let cases = self.store.cases(project.id).await?;
        let sources = self.store.sources(project.id).await?;
        let vars: HashMap<VariableId, Variable> = self
            .store
            .variables(project.id)
            .await?
            .into_iter()
            .map(|v| (v.id, v))
            .collect();
        let values = self.store.values(project.id).await?;
        Ok(cases
            .into_iter()
            .map(|c| CaseSummary {
                id: c.id,
                sources: sources
                    .iter()
                    .filter(|s| s.case == Some(c.id))
                    .map(|s| s.name.clone())
                    .collect(),
                attributes: values
                    .iter()
                    .filter(|v| v.subject == Subject::Case(c.id))
                    .filter_map(|v| {
                        vars.get(&v.variable)
                            .map(|var| (var.name.clone(), v.value.to_string()))
                    })
                    .collect(),
                name: c.name,
                description: c.description,
            })
            .collect())
    }

    pub async fn find_case(&self, project: &Project, name: &str) -> Result<Case, AppError> {
        let cases = self.store.cases(project.id).await?;
        let n = name.trim();
        cases
            .iter()
            .find(|c| c.name == n)
            .or_else(|| cases.iter().find(|c| c.name.eq_ignore_ascii_case(n)))
            .cloned()
            .ok_or_else(|| AppError::NotFound {
                what: "case",
                name: n.into(),
                hint: "list them with `axial case list`".into(),
            })
    }

    pub async fn create_case(
        &self,
        actor: &Actor,
        project: &Project,
        name: &str,
        description: &str,
    ) -> Result<Case, AppError> {
        let name = validate_name("case", name)?;
        if self
            .store
            .cases(project.id)
            .await?
            .iter()
            .any(|c| c.name == name)
        {
            return Err(AppError::Exists(format!(
                "a case named '{name}' already exists"
            )));
        }
        let case = Case {
            id: CaseId::new(),
            project: project.id,
            name: name.clone(),
            description: description.into(),
            version: Version::FIRST,
        };
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CaseCreate,
            format!("created case '{name}'"),
        )
        .op(Op::insert(Entity::Case(case.clone())));
        self.store.commit(cs).await?;
        Ok(case)
    }

    pub async fn rename_case(
        &self,
        actor: &Actor,
        project: &Project,
        case: &Case,
        new_name: &str,
    ) -> Result<(), AppError> {
        let name = validate_name("case", new_name)?;
        let after = Case {
            name: name.clone(),
            ..case.clone()
        };
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CaseUpdate,
            format!("renamed case '{}' to '{name}'", case.name),
        )
        .op(Op::update(Entity::Case(case.clone()), Entity::Case(after)));
        self.store.commit(cs).await?;
        Ok(())
    }

    /// Deletes a case: its sources stay but leave the case; its values go.
    pub async fn delete_case(
        &self,
        actor: &Actor,
        project: &Project,
        case: &Case,
    ) -> Result<(), AppError> {
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CaseDelete,
            format!("deleted case '{}'", case.name),
        );
        for s in self.store.sources(project.id).await? {
            if s.case == Some(case.id) {
                let after = Source {
                    case: None,
                    ..s.clone()
                };
                cs.push(Op::update(Entity::Source(s), Entity::Source(after)));
            }
        }
        for v in self.store.values(project.id).await? {
            if v.subject == Subject::Case(case.id) {
                cs.push(Op::delete(Entity::Value(v)));
            }
        }
        for s in self.store.sets(project.id).await? {
            if s.members.contains(&SetMember::Case(case.id)) {
                let after = Set {
                    members: s
                        .members
                        .iter()
                        .copied()
                        .filter(|m| *m != SetMember::Case(case.id))
                        .collect(),
                    ..s.clone()
                };
                cs.push(Op::update(Entity::Set(s), Entity::Set(after)));
            }
        }
        for m in self.store.memos(project.id).await? {
            if m.links.contains(&axial_core::MemoLink::Case(case.id)) {
                let after = axial_core::Memo {
                    links: m
                        .links
                        .iter()
                        .copied()
                        .filter(|l| *l != axial_core::MemoLink::Case(case.id))
                        .collect(),
                    ..m.clone()
                };
                cs.push(Op::update(Entity::Memo(m), Entity::Memo(after)));
            }
        }
        cs.push(Op::delete(Entity::Case(case.clone())));
        self.store.commit(cs).await?;
        Ok(())
    }

    pub async fn variables(&self, project: &Project) -> Result<Vec<Variable>, AppError> {
        Ok(self.store.variables(project.id).await?)
    }

    pub async fn find_variable(&self, project: &Project, name: &str) -> Result<Variable, AppError> {
        let vars = self.store.variables(project.id).await?;
        let n = name.trim();
        vars.iter()
            .find(|v| v.name == n)
            .or_else(|| vars.iter().find(|v| v.name.eq_ignore_ascii_case(n)))
            .cloned()
            .ok_or_else(|| AppError::NotFound {
                what: "variable",
                name: n.into(),
                hint: crate::list_hint("variables", vars.iter().map(|v| v.name.as_str())),
            })
    }

    pub async fn define_variable(
        &self,
        actor: &Actor,
        project: &Project,
        name: &str,
        kind: VariableKind,
        description: &str,
    ) -> Result<Variable, AppError> {
        let name = validate_name("variable", name)?;
        if self
            .store
            .variables(project.id)
            .await?
            .iter()
            .any(|v| v.name == name)
        {
            return Err(AppError::Exists(format!(
                "a variable named '{name}' already exists"
            )));
        }
        if let VariableKind::Category { values } = &kind {
            if values.is_empty() {
                return Err(AppError::invalid(
                    "a category variable needs its allowed values, e.g. --values 'a,b,c'",
                ));
            }
        }
        let var = Variable {
            id: VariableId::new(),
            project: project.id,
            name: name.clone(),
            kind,
            description: description.into(),
            version: Version::FIRST,
        };
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::VariableDefine,
            format!("defined variable '{name}' ({})", var.kind.name()),
        )
        .op(Op::insert(Entity::Variable(var.clone())));
        self.store.commit(cs).await?;
        Ok(var)
    }

    /// Deletes a variable and all its values.
    pub async fn delete_variable(
        &self,
        actor: &Actor,
        project: &Project,
        var: &Variable,
    ) -> Result<usize, AppError> {
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::VariableDelete,
            format!("deleted variable '{}'", var.name),
        );
        let mut n = 0;
        for v in self.store.values(project.id).await? {
            if v.variable == var.id {
                cs.push(Op::delete(Entity::Value(v)));
                n += 1;
            }
        }
        cs.push(Op::delete(Entity::Variable(var.clone())));
        self.store.commit(cs).await?;
        Ok(n)
    }

    /// Sets (or, with an empty value, clears) a variable for a case or source.
    pub async fn set_value(
        &self,
        actor: &Actor,
        project: &Project,
        var: &Variable,
        subject: Subject,
        raw: &str,
    ) -> Result<(), AppError> {
        let existing = self.store.values(project.id).await?;
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::ValueSet,
            String::new(),
        );
        if raw.trim().is_empty() {
            match existing
                .iter()
                .find(|v| v.variable == var.id && v.subject == subject)
            {
                Some(old) => cs.push(Op::delete(Entity::Value(old.clone()))),
                None => return Ok(()),
            }
            cs.summary = format!("cleared '{}'", var.name);
        } else {
            let value = Value::parse(&var.kind, raw).map_err(|e| AppError::Value {
                field: var.name.clone(),
                source: e,
            })?;
            cs.summary = format!("set '{}' to '{value}'", var.name);
            set_value_ops(&mut cs, &existing, project, var.id, subject, value);
            if cs.ops.is_empty() {
                return Ok(());
            }
        }
        self.store.commit(cs).await?;
        Ok(())
    }

    /// Reads a CSV sheet whose first column names cases and whose other
    /// columns are variables; creates missing cases and variables and sets
    /// the values, in one transaction.
    pub async fn import_attribute_sheet(
        &self,
        actor: &Actor,
        project: &Project,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> Result<AttributeSheetReport, AppError> {
        let fname = file_name.to_string();
        let table =
            tokio::task::spawn_blocking(move || axial_formats::import::read_survey(&fname, &bytes))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))??;
        if table.headers.len() < 2 {
            return Err(AppError::invalid(format!(
                "{file_name}: the sheet needs a case column and at least one attribute column"
            )));
        }
        let mut report = AttributeSheetReport::default();
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::ValueSet,
            String::new(),
        );
        let mut cases: HashMap<String, CaseId> = self
            .store
            .cases(project.id)
            .await?
            .into_iter()
            .map(|c| (c.name, c.id))
            .collect();
        let mut vars: HashMap<String, Variable> = self
            .store
            .variables(project.id)
            .await?
            .into_iter()
            .map(|v| (v.name.clone(), v))
            .collect();
        let existing = self.store.values(project.id).await?;
        let mut col_vars = Vec::new();
        for (c, header) in table.headers.iter().enumerate().skip(1) {
            let name = validate_name("variable", header)
                .map_err(|e| AppError::invalid(format!("{file_name}: column {}: {e}", c + 1)))?;
            let (var, created) = variable_for_column(
                &mut cs,
                &mut vars,
                project,
                &table,
                c,
                &name,
                format!("from {file_name}"),
            );
            if created {
                report.variables_created.push(name);
            }
            col_vars.push((c, var));
        }
        for (r, row) in table.rows.iter().enumerate() {
            let Some(case_name) = row.first().map(|s| s.trim()).filter(|s| !s.is_empty()) else {
                continue;
            };
            let case_name = validate_name("case", case_name)
                .map_err(|e| AppError::invalid(format!("{file_name}: line {}: {e}", r + 2)))?;
            let case_id = match cases.get(&case_name) {
                Some(id) => *id,
                None => {
                    let c = Case {
                        id: CaseId::new(),
                        project: project.id,
                        name: case_name.clone(),
                        description: String::new(),
                        version: Version::FIRST,
                    };
                    cs.push(Op::insert(Entity::Case(c.clone())));
                    report.cases_created += 1;
                    cases.insert(case_name, c.id);
                    c.id
                }
            };
            for (c, var) in &col_vars {
                let raw = row.get(*c).map(String::as_str).unwrap_or("").trim();
                if raw.is_empty() {
                    continue;
                }
                let value = Value::parse(&var.kind, raw).map_err(|e| AppError::Value {
                    field: format!("{file_name}: line {}, column '{}'", r + 2, var.name),
                    source: e,
                })?;
                let before = cs.ops.len();
                set_value_ops(
                    &mut cs,
                    &existing,
                    project,
                    var.id,
                    Subject::Case(case_id),
                    value,
                );
                report.values_set += cs.ops.len() - before;
            }
        }
        cs.summary = format!(
            "imported attributes from '{file_name}': {} values",
            report.values_set
        );
        if !cs.ops.is_empty() {
            self.store.commit(cs).await?;
        }
        Ok(report)
    }

    pub async fn sets(&self, project: &Project) -> Result<Vec<Set>, AppError> {
        Ok(self.store.sets(project.id).await?)
    }

    pub async fn create_set(
        &self,
        actor: &Actor,
        project: &Project,
        name: &str,
        members: Vec<SetMember>,
    ) -> Result<Set, AppError> {
        let name = validate_name("set", name)?;
        if self
            .store
            .sets(project.id)
            .await?
            .iter()
            .any(|s| s.name == name)
        {
            return Err(AppError::Exists(format!(
                "a set named '{name}' already exists"
            )));
        }
        let set = Set {
            id: SetId::new(),
            project: project.id,
            name: name.clone(),
            description: String::new(),
            members,
            version: Version::FIRST,
        };
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::SetCreate,
            format!("created set '{name}'"),
        )
        .op(Op::insert(Entity::Set(set.clone())));
        self.store.commit(cs).await?;
        Ok(set)
    }

    /// Adds and removes members of a set.
    pub async fn update_set_members(
        &self,
        actor: &Actor,
        project: &Project,
        set: &Set,
        add: &[SetMember],
        remove: &[SetMember],
    ) -> Result<(), AppError> {
        let current = self
            .store
            .sets(project.id)
            .await?
            .into_iter()
            .find(|s| s.id == set.id)
            .ok_or_else(|| AppError::NotFound {
                what: "set",
                name: set.name.clone(),
                hint: "it may have been deleted".into(),
            })?;
        let mut members: Vec<SetMember> = current
            .members
            .iter()
            .copied()
            .filter(|m| !remove.contains(m))
            .collect();
        for m in add {
            if !members.contains(m) {
                members.push(*m);
            }
        }
        let after = Set {
            members,
            ..current.clone()
        };
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::SetUpdate,
            format!("changed members of set '{}'", current.name),
        )
        .op(Op::update(Entity::Set(current), Entity::Set(after)));
        self.store.commit(cs).await?;
        Ok(())
    }
}
