//! The order in which a backend applies a change's ops so that like ops can
//! run as multi-row statements (shared by both backends).
//!
//! A change set may interleave kinds: a survey import gives case, value and
//! source inserts row by row. Applied as given, no two neighbours share a
//! table and every op becomes its own statement. [`batch_order`] groups the
//! ops of each run of consecutive inserts (or deletes) by kind, in an order
//! that keeps every foreign key of the schema satisfied; updates are never
//! moved, and the change log keeps the order the change set gave.

use axial_core::{EntityKind, Op};

/// The order in which inserts of each kind can go, whatever the change set
/// interleaves: everything a foreign key of the schema points to comes
/// first (a project before what is in it, sources and codes before their
/// codings). Deletes go in the reverse order.
pub fn insert_rank(kind: EntityKind) -> u8 {
    match kind {
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
    }
}

/// `ops` reordered for batching: within each run of consecutive inserts
/// (or deletes) stably sorted by [`insert_rank`] (deletes by its reverse),
/// so ops of one kind keep their order (a parent code before its children,
/// or after them when deleting); updates stay where they are.
pub fn batch_order(ops: &[Op]) -> Vec<&Op> {
    #[derive(PartialEq, Eq, Clone, Copy)]
    enum Verb {
        Insert,
        Update,
        Delete,
    }
    let verb = |op: &Op| match op {
        Op::Insert { .. } => Verb::Insert,
        Op::Update { .. } => Verb::Update,
        Op::Delete { .. } => Verb::Delete,
    };
    let mut out: Vec<&Op> = Vec::with_capacity(ops.len());
    let mut start = 0;
    while start < ops.len() {
        let v = verb(&ops[start]);
        let end = start + ops[start..].iter().take_while(|op| verb(op) == v).count();
        let from = out.len();
        out.extend(&ops[start..end]);
        let run = &mut out[from..];
        match v {
            Verb::Insert => run.sort_by_key(|op| insert_rank(op.entity().kind())),
            Verb::Delete => {
                run.sort_by_key(|op| std::cmp::Reverse(insert_rank(op.entity().kind())))
            }
            Verb::Update => {}
        }
        start = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axial_core::{Case, CaseId, Entity, ProjectId, Version};

    fn case(name: &str) -> Entity {
        Entity::Case(Case {
            id: CaseId::new(),
            project: ProjectId::new(),
            name: name.into(),
            description: String::new(),
            version: Version::FIRST,
        })
    }

    #[test]
    fn runs_are_grouped_by_kind_and_updates_stay() {
        let project = axial_core::Project {
            id: ProjectId::new(),
            name: "p".into(),
            description: String::new(),
            created_at: axial_core::now(),
            version: Version::FIRST,
        };
        let (a, b) = (case("a"), case("b"));
        let ops = vec![
            Op::insert(a.clone()),
            Op::insert(Entity::Project(project.clone())),
            Op::insert(b.clone()),
            Op::Update {
                before: a.clone(),
                after: case("a2"),
            },
            Op::delete(Entity::Project(project)),
            Op::delete(b.clone()),
        ];
        let kinds: Vec<(u8, EntityKind)> = batch_order(&ops)
            .iter()
            .map(|op| {
                let verb = match op {
                    Op::Insert { .. } => 0,
                    Op::Update { .. } => 1,
                    Op::Delete { .. } => 2,
                };
                (verb, op.entity().kind())
            })
            .collect();
        assert_eq!(
            kinds,
            [
                (0, EntityKind::Project),
                (0, EntityKind::Case),
                (0, EntityKind::Case),
                (1, EntityKind::Case),
                (2, EntityKind::Case),
                (2, EntityKind::Project),
            ]
        );
        // Stable: the two cases keep their order.
        let names: Vec<String> = batch_order(&ops)[1..3]
            .iter()
            .map(|op| match op.entity() {
                Entity::Case(c) => c.name.clone(),
                _ => unreachable!("cases only"),
            })
            .collect();
        assert_eq!(names, ["a", "b"]);
    }
}
