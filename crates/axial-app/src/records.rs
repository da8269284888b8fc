//! Typed access to project records ([`axial_core::Record`]): each record kind
//! has a body type here or in its use-case module implementing [`RecordBody`],
//! and these helpers read, create, update and delete them as ordinary logged
//! changes. Bodies are JSON; unknown fields are kept out by the types, and a
//! body that does not parse is reported with the record's kind and id.

use axial_core::{
    Action, ChangeSet, Entity, Op, Project, Record, RecordId, RecordKind, UserId, Version,
};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::{Actor, App, AppError};

/// The JSON body of one record kind.
pub trait RecordBody: Serialize + DeserializeOwned + Clone {
    const KIND: RecordKind;
    /// The unique key of this body among the project's records of its kind,
    /// or empty for none.
    fn key(&self) -> String {
        String::new()
    }
}

/// A record with its parsed body.
#[derive(Debug, Clone, PartialEq)]
pub struct Typed<T> {
    pub record: Record,
    pub body: T,
}

impl<T: RecordBody> Typed<T> {
    pub fn id(&self) -> RecordId {
        self.record.id
    }
}

pub(crate) fn parse<T: RecordBody>(record: Record) -> Result<Typed<T>, AppError> {
    let body = serde_json::from_str(&record.body).map_err(|e| {
        AppError::Invalid(format!(
            "the {} record {} holds a body Axial cannot read ({e}); it may be damaged",
            record.kind, record.id
        ))
    })?;
    Ok(Typed { record, body })
}

fn to_json<T: RecordBody>(body: &T) -> Result<String, AppError> {
    serde_json::to_string(body)
        .map_err(|e| AppError::Invalid(format!("could not write a {} record: {e}", T::KIND)))
}

/// A new record value (not yet committed) holding `body`.
pub(crate) fn new_record<T: RecordBody>(
    project: &Project,
    by: UserId,
    body: &T,
) -> Result<Record, AppError> {
    let now = axial_core::now();
    Ok(Record {
        id: RecordId::new(),
        project: project.id,
        kind: T::KIND,
        key: body.key(),
        body: to_json(body)?,
        created_by: by,
        created_at: now,
        updated_at: now,
        version: Version::FIRST,
    })
}

/// The op that replaces a record's body.
pub(crate) fn update_op<T: RecordBody>(old: &Typed<T>, body: &T) -> Result<Op, AppError> {
    let mut after = old.record.clone();
    after.key = body.key();
    after.body = to_json(body)?;
    after.updated_at = axial_core::now();
    Ok(Op::update(
        Entity::Record(old.record.clone()),
        Entity::Record(after),
    ))
}

impl App {
    /// The project's records of kind `T`, oldest first.
    pub async fn records_of<T: RecordBody>(
        &self,
        project: &Project,
    ) -> Result<Vec<Typed<T>>, AppError> {
        self.store()
            .records(project.id, Some(T::KIND))
            .await?
            .into_iter()
            .map(parse)
            .collect()
    }

    /// One record of kind `T` by id, which must be in the project.
    pub async fn record_of<T: RecordBody>(
        &self,
        project: &Project,
        id: RecordId,
    ) -> Result<Typed<T>, AppError> {
        let r = self.store().record(id).await?;
        if r.project != project.id || r.kind != T::KIND {
            return Err(AppError::NotFound {
                what: T::KIND.as_str(),
                name: id.to_string(),
                hint: format!("it is not in project '{}'", project.name),
            });
        }
        parse(r)
    }

    /// Creates a record as one logged change.
    pub async fn create_record<T: RecordBody>(
        &self,
        actor: &Actor,
        project: &Project,
        body: &T,
        summary: impl Into<String>,
    ) -> Result<Typed<T>, AppError> {
        let record = new_record(project, actor.id(), body)?;
        let cs = ChangeSet::new(Some(project.id), actor.id(), Action::RecordCreate, summary)
            .op(Op::insert(Entity::Record(record.clone())));
        self.store().commit(cs).await?;
        Ok(Typed {
            record,
            body: body.clone(),
        })
    }

    /// Replaces a record's body; a stale `old` is a conflict.
    pub async fn update_record<T: RecordBody>(
        &self,
        actor: &Actor,
        project: &Project,
        old: &Typed<T>,
        body: &T,
        summary: impl Into<String>,
    ) -> Result<Typed<T>, AppError> {
        let op = update_op(old, body)?;
        let after = match op.entity() {
            Entity::Record(r) => r.clone(),
            _ => unreachable!("update_op makes a record update"),
        };
        let cs = ChangeSet::new(Some(project.id), actor.id(), Action::RecordUpdate, summary).op(op);
        self.store().commit(cs).await?;
        Ok(Typed {
            record: after,
            body: body.clone(),
        })
    }

    /// Deletes a record; a stale `old` is a conflict.
    pub async fn delete_record<T: RecordBody>(
        &self,
        actor: &Actor,
        project: &Project,
        old: &Typed<T>,
        summary: impl Into<String>,
    ) -> Result<(), AppError> {
        let cs = ChangeSet::new(Some(project.id), actor.id(), Action::RecordDelete, summary)
            .op(Op::delete(Entity::Record(old.record.clone())));
        self.store().commit(cs).await?;
        Ok(())
    }
}
