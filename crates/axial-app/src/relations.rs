//! Typed relations between codes (axial coding as data): create, list with
//! code names, delete, and the network diagram as GraphML or SVG.
//!
//! Every change goes through the change log, so undo reverts it. The rules
//! (no relation of a code to itself, no exact duplicates, `other` needs a
//! label) live here; drawing the network is `axial_analysis::network`.
//! Repointing relations on merge and removing them on code delete is in
//! `codebook.rs`, not here.

use axial_core::{
    Action, ChangeSet, Code, CodeId, CodeRelation, Entity, Op, Project, RelationId, RelationKind,
    Version,
};
use serde::Serialize;

use crate::codebook::tree_order;
use crate::{Actor, App, AppError};

/// A relation with the names (paths) of the codes at both ends.
#[derive(Debug, Clone, Serialize)]
pub struct RelationView {
    pub id: RelationId,
    pub from: CodeId,
    pub from_name: String,
    pub to: CodeId,
    pub to_name: String,
    pub kind: RelationKind,
    pub label: String,
    pub created_at: String,
}

/// Longest relation label accepted, in characters.
const MAX_LABEL: usize = 200;

impl App {
    /// The project's relations with code paths, ordered by source code, kind
    /// and target code.
    pub async fn relations(&self, project: &Project) -> Result<Vec<RelationView>, AppError> {
        let codes = self.store.codes(project.id).await?;
        let paths = tree_order(&codes);
        let name = |id: CodeId| {
            paths
                .iter()
                .find(|(c, _, _)| c.id == id)
                .map(|(_, p, _)| p.clone())
                .unwrap_or_else(|| id.to_string())
        };
        let mut out: Vec<RelationView> = self
            .store
            .relations(project.id)
            .await?
            .into_iter()
            .map(|r| RelationView {
                id: r.id,
                from: r.from,
                from_name: name(r.from),
                to: r.to,
                to_name: name(r.to),
                kind: r.kind,
                label: r.label,
                created_at: r
                    .created_at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
            })
            .collect();
        out.sort_by(|a, b| {
            (&a.from_name, a.kind.as_str(), &a.to_name, &a.label).cmp(&(
                &b.from_name,
                b.kind.as_str(),
                &b.to_name,
                &b.label,
            ))
        });
        Ok(out)
    }

    /// Records that `from` relates to `to` in the way `kind` says. Refuses a
    /// relation of a code to itself, an exact duplicate (same ends, kind and
    /// label) and `other` without a label.
    pub async fn create_relation(
        &self,
        actor: &Actor,
        project: &Project,
        from: &Code,
        to: &Code,
        kind: RelationKind,
        label: &str,
    ) -> Result<CodeRelation, AppError> {
        let label = label.trim();
        if from.id == to.id {
            return Err(AppError::invalid(format!(
                "a code cannot be related to itself ('{}'); choose two different codes",
                from.name
            )));
        }
        if kind == RelationKind::Other && label.is_empty() {
            return Err(AppError::invalid(
                "a relation of kind 'other' needs a label saying what the relation is; give one, or choose another kind",
            ));
        }
        if label.chars().count() > MAX_LABEL {
            return Err(AppError::invalid(format!(
                "the relation label is longer than {MAX_LABEL} characters; shorten it"
            )));
        }
        if label.chars().any(|c| c.is_control()) {
            return Err(AppError::invalid(
                "the relation label contains control characters; use plain text on one line",
            ));
        }
        let codes = self.store.codes(project.id).await?;
        for c in [from, to] {
            if !codes.iter().any(|k| k.id == c.id) {
                return Err(AppError::NotFound {
                    what: "code",
                    name: c.name.clone(),
                    hint: "list them with `axial code tree`".into(),
                });
            }
        }
        let existing = self.store.relations(project.id).await?;
        if existing
            .iter()
            .any(|r| r.from == from.id && r.to == to.id && r.kind == kind && r.label == label)
        {
            return Err(AppError::Exists(format!(
                "'{}' already has a {} relation to '{}'{}; nothing to add",
                from.name,
                kind.as_str(),
                to.name,
                if label.is_empty() {
                    String::new()
                } else {
                    format!(" labelled '{label}'")
                }
            )));
        }
        let rel = CodeRelation {
            id: RelationId::new(),
            project: project.id,
            from: from.id,
            to: to.id,
            kind,
            label: label.to_string(),
            created_by: actor.id(),
            created_at: axial_core::now(),
            version: Version::FIRST,
        };
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::RelationCreate,
            format!(
                "related '{}' to '{}' ({})",
                from.name,
                to.name,
                kind.as_str()
            ),
        )
        .op(Op::insert(Entity::Relation(rel.clone())));
        self.store.commit(cs).await?;
        Ok(rel)
    }

    /// Deletes one relation by id.
    pub async fn delete_relation(
        &self,
        actor: &Actor,
        project: &Project,
        id: RelationId,
    ) -> Result<CodeRelation, AppError> {
        let rel = self
            .store
            .relations(project.id)
            .await?
            .into_iter()
            .find(|r| r.id == id)
            .ok_or_else(|| AppError::NotFound {
                what: "relation",
                name: id.to_string(),
                hint: "list them with `axial relation list`".into(),
            })?;
        let codes = self.store.codes(project.id).await?;
        let name = |id: CodeId| {
            codes
                .iter()
                .find(|c| c.id == id)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| id.to_string())
        };
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::RelationDelete,
            format!(
                "removed relation '{}' → '{}' ({})",
                name(rel.from),
                name(rel.to),
                rel.kind.as_str()
            ),
        )
        .op(Op::delete(Entity::Relation(rel.clone())));
        self.store.commit(cs).await?;
        Ok(rel)
    }

    /// The relation network as GraphML.
    pub async fn relations_graphml(&self, project: &Project) -> Result<String, AppError> {
        let (codes, rels) = self.network_input(project).await?;
        Ok(axial_analysis::network::graphml(&codes, &rels))
    }

    /// The relation network as an SVG diagram.
    pub async fn relations_svg(&self, project: &Project) -> Result<String, AppError> {
        let (codes, rels) = self.network_input(project).await?;
        Ok(axial_analysis::network::svg(&codes, &rels))
    }

    /// Codes in tree order (so the diagram is stable) and all relations.
    async fn network_input(
        &self,
        project: &Project,
    ) -> Result<(Vec<Code>, Vec<CodeRelation>), AppError> {
        let codes = self.store.codes(project.id).await?;
        let ordered: Vec<Code> = tree_order(&codes).into_iter().map(|(c, _, _)| c).collect();
        let mut rels = self.store.relations(project.id).await?;
        rels.sort_by_key(|r| (r.created_at, r.id.as_uuid()));
        Ok((ordered, rels))
    }
}
