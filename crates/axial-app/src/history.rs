//! History, undo and redo, from the change log.

use std::collections::HashMap;

use axial_core::{Action, Change, Project, UserId};
use axial_store::{HistoryQuery, StoreError};
use serde::Serialize;

use crate::{Actor, App, AppError};

/// One line of history.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryEntry {
    pub seq: i64,
    pub at: String,
    pub author: String,
    pub action: String,
    pub summary: String,
    pub ops: usize,
    pub reverted_by: Option<i64>,
}

impl App {
    pub async fn history(
        &self,
        project: &Project,
        author: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<HistoryEntry>, AppError> {
        let changes = self
            .store
            .history(&HistoryQuery {
                project: Some(project.id),
                author,
                before: None,
                limit,
            })
            .await?;
        let users: HashMap<UserId, String> = self
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.name))
            .collect();
        Ok(changes
            .into_iter()
            .map(|c| HistoryEntry {
                seq: c.seq.0,
                at: c
                    .at
                    .format(&time::format_description::well_known::Rfc3339)
                    .unwrap_or_default(),
                author: users
                    .get(&c.author)
                    .cloned()
                    .unwrap_or_else(|| c.author.to_string()),
                action: c.action.to_string(),
                summary: c.summary,
                ops: c.ops.len(),
                reverted_by: c.reverted_by.map(|s| s.0),
            })
            .collect())
    }

    /// Reverts the actor's last change in the project.
    pub async fn undo(&self, actor: &Actor, project: &Project) -> Result<Change, AppError> {
        let target = self
            .store
            .undo_candidate(project.id, actor.id())
            .await?
            .ok_or(AppError::NothingTo("undo"))?;
        if target.action.is_irreversible() {
            return Err(AppError::Invalid(format!(
                "'{}' erased data on purpose and cannot be undone; nothing older can be undone past it",
                target.summary
            )));
        }
        let cs = target.inverse(
            actor.id(),
            Action::Undo,
            format!("undo: {}", target.summary),
        );
        self.store
            .commit(cs)
            .await
            .map_err(|e| revert_error("undo", &target, e))
    }

    /// Re-applies the change the actor's last undo reverted.
    pub async fn redo(&self, actor: &Actor, project: &Project) -> Result<Change, AppError> {
        let undo = self
            .store
            .redo_candidate(project.id, actor.id())
            .await?
            .ok_or(AppError::NothingTo("redo"))?;
        let summary = undo
            .summary
            .strip_prefix("undo: ")
            .unwrap_or(&undo.summary)
            .to_string();
        let cs = undo.inverse(actor.id(), Action::Redo, format!("redo: {summary}"));
        self.store
            .commit(cs)
            .await
            .map_err(|e| revert_error("redo", &undo, e))
    }
}

fn revert_error(verb: &'static str, target: &Change, e: StoreError) -> AppError {
    match e {
        StoreError::Conflict { .. }
        | StoreError::Constraint { .. }
        | StoreError::AlreadyExists { .. }
        | StoreError::AlreadyReverted { .. } => AppError::CannotRevert {
            verb,
            detail: format!(
                "'{}' (change {}): later changes depend on it: {e}",
                target.summary, target.seq
            ),
        },
        other => AppError::Store(other),
    }
}
