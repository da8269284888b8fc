//! Memos: write, edit, list, delete.

use axial_core::{
    Action, ChangeSet, Entity, Memo, MemoId, MemoKind, MemoLink, Op, Project, Version,
};

use crate::{Actor, App, AppError};

impl App {
    pub async fn memos(&self, project: &Project) -> Result<Vec<Memo>, AppError> {
        Ok(self.store.memos(project.id).await?)
    }

    /// A memo by exact title, case-insensitive title, or id.
    pub async fn find_memo(&self, project: &Project, title: &str) -> Result<Memo, AppError> {
        let memos = self.store.memos(project.id).await?;
        let t = title.trim();
        let exact: Vec<&Memo> = memos.iter().filter(|m| m.title == t).collect();
        let pick = match exact.len() {
            1 => Some(exact[0]),
            0 => {
                let ci: Vec<&Memo> = memos
                    .iter()
                    .filter(|m| m.title.eq_ignore_ascii_case(t))
                    .collect();
                if ci.len() == 1 {
                    Some(ci[0])
                } else {
                    t.parse::<MemoId>()
                        .ok()
                        .and_then(|id| memos.iter().find(|m| m.id == id))
                }
            }
            _ => {
                return Err(AppError::Ambiguous {
                    what: "memos",
                    name: t.into(),
                    candidates: exact
                        .iter()
                        .map(|m| m.id.to_string())
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        };
        pick.cloned().ok_or_else(|| AppError::NotFound {
            what: "memo",
            name: t.into(),
            hint: "list them with `axial memo list`".into(),
        })
    }

    pub async fn create_memo(
        &self,
        actor: &Actor,
        project: &Project,
        title: &str,
        body: &str,
        kind: MemoKind,
        links: Vec<MemoLink>,
    ) -> Result<Memo, AppError> {
        let title = axial_core::validate_name("memo title", title)?;
        let now = axial_core::now();
        let memo = Memo {
            id: MemoId::new(),
            project: project.id,
            title: title.clone(),
            body: body.to_string(),
            kind,
            links,
            author: actor.id(),
            created_at: now,
            updated_at: now,
            version: Version::FIRST,
        };
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::MemoCreate,
            format!("wrote {kind} memo '{title}'"),
        )
        .op(Op::insert(Entity::Memo(memo.clone())));
        self.store.commit(cs).await?;
        Ok(memo)
    }

    /// Saves an edited memo. `expected` is the version the editor started
    /// from: if someone saved in between, this fails with a conflict that
    /// carries both versions' numbers rather than overwriting their text.
    pub async fn edit_memo(
        &self,
        actor: &Actor,
        project: &Project,
        memo: &Memo,
        edit: impl FnOnce(&mut Memo),
    ) -> Result<Memo, AppError> {
        let mut after = memo.clone();
        edit(&mut after);
        after.title = axial_core::validate_name("memo title", &after.title)?;
        after.id = memo.id;
        after.updated_at = axial_core::now();
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::MemoUpdate,
            format!("edited memo '{}'", after.title),
        )
        .op(Op::update(
            Entity::Memo(memo.clone()),
            Entity::Memo(after.clone()),
        ));
        self.store.commit(cs).await?;
        Ok(Memo {
            version: memo.version.next(),
            ..after
        })
    }

    pub async fn delete_memo(
        &self,
        actor: &Actor,
        project: &Project,
        memo: &Memo,
    ) -> Result<(), AppError> {
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::MemoDelete,
            format!("deleted memo '{}'", memo.title),
        )
        .op(Op::delete(Entity::Memo(memo.clone())));
        self.store.commit(cs).await?;
        Ok(())
    }
}
