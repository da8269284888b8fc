//! Project members and their roles.
//!
//! A member is a [`RecordKind::Member`] record keyed by the user's id, whose
//! body names the user and their [`MemberRole`]. Adding, removing and
//! changing members are logged changes (`member.change`). Owners manage
//! members; a project always keeps at least one owner. When accounts exist,
//! whoever creates a project becomes its owner in the same change.
//!
//! This module says who has which role; it does not decide what a role may
//! do on which route (the server's access policy does that).

use std::fmt;
use std::str::FromStr;

use axial_core::{Action, ChangeSet, Entity, Op, Project, ProjectId, RecordKind, User, UserId};
use serde::{Deserialize, Serialize};

use crate::records::{new_record, parse, update_op, RecordBody, Typed};
use crate::{Actor, App, AppError};

/// What a member may do in a project; each role includes the ones below it.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum MemberRole {
    /// Reads everything, changes nothing.
    #[default]
    Viewer,
    /// Codes, writes memos, imports and edits the codebook.
    Coder,
    /// Also manages members, renames or deletes the project and withdraws
    /// participants.
    Owner,
}

impl MemberRole {
    pub const ALL: [MemberRole; 3] = [MemberRole::Viewer, MemberRole::Coder, MemberRole::Owner];

    pub fn as_str(self) -> &'static str {
        match self {
            MemberRole::Viewer => "viewer",
            MemberRole::Coder => "coder",
            MemberRole::Owner => "owner",
        }
    }

    /// Whether this role includes `needed`.
    pub fn allows(self, needed: MemberRole) -> bool {
        self >= needed
    }
}

impl fmt::Display for MemberRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for MemberRole {
    type Err = AppError;
    fn from_str(s: &str) -> Result<Self, AppError> {
        let t = s.trim();
        MemberRole::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| {
                AppError::invalid(format!(
                    "unknown role '{t}'; a member is an owner, a coder or a viewer"
                ))
            })
    }
}

/// The body of a member record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub user: UserId,
    pub role: MemberRole,
}

impl RecordBody for Member {
    const KIND: RecordKind = RecordKind::Member;
    fn key(&self) -> String {
        self.user.to_string()
    }
}

/// A member with their user's names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MemberView {
    pub user: UserId,
    pub name: String,
    pub display_name: String,
    pub role: MemberRole,
}

impl App {
    /// The project's members, owners first, then by name.
    pub async fn members(&self, project: &Project) -> Result<Vec<MemberView>, AppError> {
        let users = self.store.users().await?;
        let mut out: Vec<MemberView> = self
            .records_of::<Member>(project)
            .await?
            .into_iter()
            .map(|m| {
                let user = users.iter().find(|u| u.id == m.body.user);
                MemberView {
                    user: m.body.user,
                    name: user.map(|u| u.name.clone()).unwrap_or_default(),
                    display_name: user.map(|u| u.display_name.clone()).unwrap_or_default(),
                    role: m.body.role,
                }
            })
            .collect();
        out.sort_by(|a, b| b.role.cmp(&a.role).then_with(|| a.name.cmp(&b.name)));
        Ok(out)
    }

    /// The user's role in the project, `None` when they are not a member.
    pub async fn role(
        &self,
        project: ProjectId,
        user: UserId,
    ) -> Result<Option<MemberRole>, AppError> {
        Ok(self
            .member_record(project, user)
            .await?
            .map(|m| m.body.role))
    }

    /// The projects the user is a member of.
    pub async fn member_projects(&self, user: UserId) -> Result<Vec<Project>, AppError> {
        let mut out = Vec::new();
        for p in self.store.projects().await? {
            if self.role(p.id, user).await?.is_some() {
                out.push(p);
            }
        }
        Ok(out)
    }

    /// Adds `user` (who must have an account) to the project with `role`,
    /// or changes their role. The last owner cannot be demoted.
    pub async fn set_member(
        &self,
        actor: &Actor,
        project: &Project,
        user: &User,
        role: MemberRole,
    ) -> Result<MemberView, AppError> {
        if self.store.account(user.id).await?.is_none() {
            return Err(AppError::invalid(format!(
                "'{}' has no account, so they could not sign in to work on '{}'; create one first with \
                 `axial user add {} --password-stdin`",
                user.name, project.name, user.name
            )));
        }
        let body = Member {
            user: user.id,
            role,
        };
        let view = MemberView {
            user: user.id,
            name: user.name.clone(),
            display_name: user.display_name.clone(),
            role,
        };
        let (op, summary) = match self.member_record(project.id, user.id).await? {
            Some(old) if old.body.role == role => return Ok(view),
            Some(old) => {
                if old.body.role == MemberRole::Owner {
                    self.keep_an_owner(project, user, "make them").await?;
                }
                (
                    update_op(&old, &body)?,
                    format!(
                        "changed the role of '{}' from {} to {role}",
                        user.name, old.body.role
                    ),
                )
            }
            None => (
                Op::insert(Entity::Record(new_record(project, actor.id(), &body)?)),
                format!("added '{}' to the project as {role}", user.name),
            ),
        };
        let cs = ChangeSet::new(Some(project.id), actor.id(), Action::MemberChange, summary).op(op);
        self.store.commit(cs).await?;
        Ok(view)
    }

    /// Removes `user` from the project. The last owner cannot be removed.
    pub async fn remove_member(
        &self,
        actor: &Actor,
        project: &Project,
        user: &User,
    ) -> Result<(), AppError> {
        let Some(old) = self.member_record(project.id, user.id).await? else {
            return Err(AppError::NotFound {
                what: "member",
                name: user.name.clone(),
                hint: format!("'{}' is not a member of '{}'", user.name, project.name),
            });
        };
        if old.body.role == MemberRole::Owner {
            self.keep_an_owner(project, user, "remove them").await?;
        }
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::MemberChange,
            format!("removed '{}' from the project", user.name),
        )
        .op(Op::delete(Entity::Record(old.record)));
        self.store.commit(cs).await?;
        Ok(())
    }

    /// The op that makes `actor` the owner of a project being created, when
    /// accounts exist (without accounts there are no roles).
    pub(crate) async fn owner_op(
        &self,
        actor: &Actor,
        project: &Project,
    ) -> Result<Option<Op>, AppError> {
        if !self.accounts_on().await? {
            return Ok(None);
        }
        let body = Member {
            user: actor.id(),
            role: MemberRole::Owner,
        };
        Ok(Some(Op::insert(Entity::Record(new_record(
            project,
            actor.id(),
            &body,
        )?))))
    }

    async fn member_record(
        &self,
        project: ProjectId,
        user: UserId,
    ) -> Result<Option<Typed<Member>>, AppError> {
        let key = user.to_string();
        self.store
            .records(project, Some(RecordKind::Member))
            .await?
            .into_iter()
            .find(|r| r.key == key)
            .map(parse::<Member>)
            .transpose()
    }

    /// Fails when `user` is the project's only owner.
    async fn keep_an_owner(
        &self,
        project: &Project,
        user: &User,
        verb: &str,
    ) -> Result<(), AppError> {
        let owners = self
            .records_of::<Member>(project)
            .await?
            .into_iter()
            .filter(|m| m.body.role == MemberRole::Owner && m.body.user != user.id)
            .count();
        if owners == 0 {
            return Err(AppError::invalid(format!(
                "cannot {verb} anything but owner: '{}' is the last owner of '{}'; make another member owner first",
                user.name, project.name
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    async fn app() -> (App, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("members.db");
        let store = axial_store_sqlite::SqliteStore::open(&db.display().to_string())
            .await
            .expect("open sqlite");
        (App::new(Arc::new(store)), dir)
    }

    #[test]
    fn roles_are_ordered_and_parse() {
        assert!(MemberRole::Owner.allows(MemberRole::Coder));
        assert!(MemberRole::Coder.allows(MemberRole::Viewer));
        assert!(!MemberRole::Viewer.allows(MemberRole::Coder));
        assert_eq!("Owner".parse::<MemberRole>().unwrap(), MemberRole::Owner);
        let e = "admin".parse::<MemberRole>().unwrap_err().to_string();
        assert!(e.contains("owner, a coder or a viewer"), "{e}");
    }

    #[tokio::test]
    async fn creator_becomes_owner_only_with_accounts_and_last_owner_stays() {
        let (app, _dir) = app().await;
        let alice = app.local_user("alice").await.unwrap();
        let before = app.create_project(&alice, "Before", "").await.unwrap();
        assert_eq!(app.role(before.id, alice.id()).await.unwrap(), None);

        app.create_account(&alice, "alice", None, "a long password", true)
            .await
            .unwrap();
        let p = app.create_project(&alice, "Study", "").await.unwrap();
        assert_eq!(
            app.role(p.id, alice.id()).await.unwrap(),
            Some(MemberRole::Owner)
        );
        let query = axial_store::HistoryQuery {
            project: Some(p.id),
            author: None,
            before: None,
            limit: 10,
        };
        let history = app.store().history(&query).await.unwrap();
        assert_eq!(history.len(), 1, "one change for both");

        let bob = app.local_user("bob").await.unwrap().user;
        let e = app
            .set_member(&alice, &p, &bob, MemberRole::Viewer)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("has no account"), "{e}");
        app.create_account(&alice, "bob", None, "bob's password", false)
            .await
            .unwrap();
        app.set_member(&alice, &p, &bob, MemberRole::Viewer)
            .await
            .unwrap();
        app.set_member(&alice, &p, &bob, MemberRole::Coder)
            .await
            .unwrap();
        assert_eq!(
            app.role(p.id, bob.id).await.unwrap(),
            Some(MemberRole::Coder)
        );
        let e = app
            .remove_member(&alice, &p, &alice.user)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("last owner"), "{e}");
        let e = app
            .set_member(&alice, &p, &alice.user, MemberRole::Coder)
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("last owner"), "{e}");
        app.set_member(&alice, &p, &bob, MemberRole::Owner)
            .await
            .unwrap();
        app.remove_member(&alice, &p, &alice.user).await.unwrap();
        assert_eq!(app.role(p.id, alice.id()).await.unwrap(), None);
        let names: Vec<_> = app
            .members(&p)
            .await
            .unwrap()
            .into_iter()
            .map(|m| (m.name, m.role))
            .collect();
        assert_eq!(names, vec![("bob".to_string(), MemberRole::Owner)]);
        assert_eq!(
            app.member_projects(bob.id).await.unwrap().len(),
            1,
            "bob is in Study only"
        );
    }
}
