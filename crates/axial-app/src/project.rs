//! Projects: create, list, rename, describe, delete.

use axial_core::{validate_name, Action, ChangeSet, Entity, Op, Project, ProjectId, Version};
use axial_store::ProjectCounts;

use crate::{Actor, App, AppError};

impl App {
    pub async fn projects(&self) -> Result<Vec<Project>, AppError> {
        Ok(self.store.projects().await?)
    }

    pub async fn create_project(
        &self,
        actor: &Actor,
        name: &str,
        description: &str,
    ) -> Result<Project, AppError> {
        let name = validate_name("project", name)?;
        if self
            .store
            .projects()
            .await?
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case(&name))
        {
            return Err(AppError::Exists(format!(
                "a project named '{name}' already exists; pick another name"
            )));
        }
        let project = Project {
            id: ProjectId::new(),
            name: name.clone(),
            description: description.to_string(),
            created_at: axial_core::now(),
            version: Version::FIRST,
        };
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::ProjectCreate,
            format!("created project '{name}'"),
        )
        .op(Op::insert(Entity::Project(project.clone())));
        if let Some(op) = self.owner_op(actor, &project).await? {
            cs.push(op);
        }
        self.store.commit(cs).await?;
        Ok(project)
    }

    pub async fn rename_project(
        &self,
        actor: &Actor,
        project: &Project,
        new_name: &str,
    ) -> Result<Project, AppError> {
        let name = validate_name("project", new_name)?;
        if self
            .store
            .projects()
            .await?
            .iter()
            .any(|p| p.id != project.id && p.name.eq_ignore_ascii_case(&name))
        {
            return Err(AppError::Exists(format!(
                "a project named '{name}' already exists; pick another name"
            )));
        }
        let current = self.store.project(project.id).await?;
        let after = Project {
            name: name.clone(),
            ..current.clone()
        };
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::ProjectUpdate,
            format!("renamed project '{}' to '{name}'", current.name),
        )
        .op(Op::update(
            Entity::Project(current),
            Entity::Project(after.clone()),
        ));
        let change = self.store.commit(cs).await?;
        Ok(match change.ops.into_iter().next() {
            Some(Op::Update {
                after: Entity::Project(p),
                ..
            }) => p,
            _ => after,
        })
    }

    pub async fn describe_project(
        &self,
        actor: &Actor,
        project: &Project,
        description: &str,
    ) -> Result<(), AppError> {
        let current = self.store.project(project.id).await?;
        let after = Project {
            description: description.to_string(),
            ..current.clone()
        };
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::ProjectUpdate,
            "edited the project description",
        )
        .op(Op::update(Entity::Project(current), Entity::Project(after)));
        self.store.commit(cs).await?;
        Ok(())
    }

    pub async fn delete_project(&self, actor: &Actor, project: &Project) -> Result<(), AppError> {
        Ok(self.store.delete_project(project.id, actor.id()).await?)
    }

    pub async fn counts(&self, project: &Project) -> Result<ProjectCounts, AppError> {
        Ok(self.store.counts(project.id).await?)
    }
}
