//! The code tree: create, find, rename, recolour, describe, move, merge, split, delete.

use std::collections::{HashMap, HashSet};

use axial_core::{
    validate_name, Action, ChangeSet, Code, CodeId, Coding, Color, Entity, MemoLink, Op, Project,
    Set, SetMember, Version,
};
use axial_store::CodingFilter;
use serde::Serialize;

use crate::{Actor, App, AppError};

/// A code with its place in the tree and how much it is used.
#[derive(Debug, Clone, Serialize)]
pub struct CodeUsage {
    pub id: CodeId,
    pub name: String,
    /// Names from the root, joined with '/'.
    pub path: String,
    pub depth: usize,
    pub parent: Option<CodeId>,
    pub color: String,
    pub codable: bool,
    pub description: String,
    pub codings: u64,
    pub sources: u64,
}

/// A code and its children, for the tree view.
#[derive(Debug, Clone, Serialize)]
pub struct CodeNode {
    #[serde(flatten)]
    pub usage: CodeUsage,
    pub children: Vec<CodeNode>,
}

/// What merging one code into another would do.
#[derive(Debug, Clone, Serialize)]
pub struct MergePreview {
    pub from: String,
    pub into: String,
    pub codings_moved: usize,
    /// Codings that would duplicate an identical coding of the target and are dropped.
    pub codings_dropped: usize,
    pub children_moved: usize,
    pub memos_relinked: usize,
}

/// Codes in tree order (parents first, siblings by name) with their paths.
pub(crate) fn tree_order(codes: &[Code]) -> Vec<(Code, String, usize)> {
    let mut children: HashMap<Option<CodeId>, Vec<&Code>> = HashMap::new();
    for c in codes {
        children.entry(c.parent).or_default().push(c);
    }
    for v in children.values_mut() {
        v.sort_by(|a, b| {
            a.name
                .to_lowercase()
                .cmp(&b.name.to_lowercase())
                .then(a.name.cmp(&b.name))
        });
    }
    let mut out = Vec::with_capacity(codes.len());
    fn walk(
        parent: Option<CodeId>,
        prefix: &str,
        depth: usize,
        children: &HashMap<Option<CodeId>, Vec<&Code>>,
        out: &mut Vec<(Code, String, usize)>,
    ) {
        if let Some(kids) = children.get(&parent) {
            for c in kids {
                let path = if prefix.is_empty() {
                    c.name.clone()
                } else {
                    format!("{prefix}/{}", c.name)
                };
                out.push(((*c).clone(), path.clone(), depth));
                walk(Some(c.id), &path, depth + 1, children, out);
            }
        }
    }
    walk(None, "", 0, &children, &mut out);
    out
}

/// All descendants of a code (not the code itself), deepest last.
pub(crate) fn descendants(codes: &[Code], root: CodeId) -> Vec<CodeId> {
    let mut out = Vec::new();
    let mut frontier = vec![root];
    while let Some(p) = frontier.pop() {
        for c in codes.iter().filter(|c| c.parent == Some(p)) {
            out.push(c.id);
            frontier.push(c.id);
        }
    }
    out
}

impl App {
    pub async fn codes(&self, project: &Project) -> Result<Vec<Code>, AppError> {
        Ok(self.store.codes(project.id).await?)
    }

    /// Codes in tree order with usage counts.
    pub async fn code_usage(&self, project: &Project) -> Result<Vec<CodeUsage>, AppError> {
        let codes = self.store.codes(project.id).await?;
        let codings = self.store.codings(project.id, &CodingFilter::all()).await?;
        let mut count: HashMap<CodeId, u64> = HashMap::new();
        let mut sources: HashMap<CodeId, HashSet<axial_core::SourceId>> = HashMap::new();
        for c in &codings {
            *count.entry(c.code).or_default() += 1;
            sources.entry(c.code).or_default().insert(c.source);
        }
        Ok(tree_order(&codes)
            .into_iter()
            .map(|(c, path, depth)| CodeUsage {
                codings: count.get(&c.id).copied().unwrap_or(0),
                sources: sources.get(&c.id).map(|s| s.len() as u64).unwrap_or(0),
                id: c.id,
                name: c.name,
                path,
                depth,
                parent: c.parent,
                color: c.color.to_string(),
                codable: c.codable,
                description: c.description,
            })
            .collect())
    }

    /// The code tree as nested nodes.
    pub async fn code_tree(&self, project: &Project) -> Result<Vec<CodeNode>, AppError> {
        let flat = self.code_usage(project).await?;
        fn build(parent: Option<CodeId>, flat: &[CodeUsage]) -> Vec<CodeNode> {
            flat.iter()
                .filter(|u| u.parent == parent)
                .map(|u| CodeNode {
                    usage: u.clone(),
                    children: build(Some(u.id), flat),
                })
                .collect()
        }
        Ok(build(None, &flat))
    }

    /// A code by name, by path ("Category/Code"), or by id.
    pub async fn find_code(&self, project: &Project, name: &str) -> Result<Code, AppError> {
        let codes = self.store.codes(project.id).await?;
        find_code_in(&codes, name)
    }

    #[allow(clippy::too_many_arguments)]
    pub async fn create_code(
        &self,
        actor: &Actor,
        project: &Project,
        name: &str,
        parent: Option<&Code>,
        color: Option<Color>,
        description: &str,
        codable: bool,
    ) -> Result<Code, AppError> {
        let name = validate_name("code", name)?;
        let codes = self.store.codes(project.id).await?;
        check_sibling_name(&codes, parent.map(|p| p.id), &name, None)?;
        let code = Code {
            id: CodeId::new(),
            project: project.id,
            parent: parent.map(|p| p.id),
            name: name.clone(),
            color: color.unwrap_or_else(|| Color::palette(codes.len())),
            description: description.to_string(),
            inclusion: String::new(),
            exclusion: String::new(),
            example: String::new(),
            codable,
            created_by: actor.id(),
            created_at: axial_core::now(),
            version: Version::FIRST,
        };
        let what = if codable { "code" } else { "category" };
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CodeCreate,
            format!("created {what} '{name}'"),
        )
        .op(Op::insert(Entity::Code(code.clone())));
        self.store.commit(cs).await?;
        Ok(code)
    }

    /// Applies an edit to a code's fields (not its place in the tree).
    pub async fn update_code(
        &self,
        actor: &Actor,
        project: &Project,
        code: &Code,
        edit: impl FnOnce(&mut Code),
        summary: &str,
    ) -> Result<Code, AppError> {
        let current = self.fresh_code(project, code.id).await?;
        let mut after = current.clone();
        edit(&mut after);
        after.name = validate_name("code", &after.name)?;
        after.id = current.id;
        after.parent = current.parent;
        if after.name != current.name {
            let codes = self.store.codes(project.id).await?;
            check_sibling_name(&codes, current.parent, &after.name, Some(current.id))?;
        }
        if after == current {
            return Ok(current);
        }
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CodeUpdate,
            format!("{summary} '{}'", current.name),
        )
        .op(Op::update(
            Entity::Code(current),
            Entity::Code(after.clone()),
        ));
        self.store.commit(cs).await?;
        Ok(Code {
            version: after.version.next(),
            ..after
        })
    }

    pub async fn rename_code(
        &self,
        actor: &Actor,
        project: &Project,
        code: &Code,
        new_name: &str,
    ) -> Result<Code, AppError> {
        let n = new_name.to_string();
        self.update_code(actor, project, code, |c| c.name = n, "renamed code")
            .await
    }

    /// Moves a code under another (or to the top level with `None`).
    pub async fn move_code(
        &self,
        actor: &Actor,
        project: &Project,
        code: &Code,
        new_parent: Option<&Code>,
    ) -> Result<(), AppError> {
        let codes = self.store.codes(project.id).await?;
        let current = codes
            .iter()
            .find(|c| c.id == code.id)
            .cloned()
            .ok_or_else(|| not_found_code(&code.name))?;
        if let Some(p) = new_parent {
            if p.id == code.id || descendants(&codes, code.id).contains(&p.id) {
                return Err(AppError::invalid(format!(
                    "cannot move '{}' under '{}': that is inside it",
                    code.name, p.name
                )));
            }
        }
        check_sibling_name(
            &codes,
            new_parent.map(|p| p.id),
            &current.name,
            Some(current.id),
        )?;
        let after = Code {
            parent: new_parent.map(|p| p.id),
            ..current.clone()
        };
        let where_to = new_parent
            .map(|p| format!("under '{}'", p.name))
            .unwrap_or_else(|| "to the top level".into());
        let cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CodeMove,
            format!("moved code '{}' {where_to}", current.name),
        )
        .op(Op::update(Entity::Code(current), Entity::Code(after)));
        self.store.commit(cs).await?;
        Ok(())
    }

    /// What merging `from` into `into` would do, without doing it.
    pub async fn merge_preview(
        &self,
        project: &Project,
        from: &Code,
        into: &Code,
    ) -> Result<MergePreview, AppError> {
        let (cs, preview) = self.merge_ops(None, project, from, into).await?;
        drop(cs);
        Ok(preview)
    }

    /// Merges `from` into `into`: its codings, children, memo links, relations
    /// and set memberships move to `into`; then `from` is deleted.
    pub async fn merge_codes(
        &self,
        actor: &Actor,
        project: &Project,
        from: &Code,
        into: &Code,
    ) -> Result<MergePreview, AppError> {
        for _ in 0..crate::CONFLICT_RETRIES {
            let (cs, preview) = self.merge_ops(Some(actor), project, from, into).await?;
            match self.store.commit(cs).await {
                Ok(_) => return Ok(preview),
                Err(axial_store::StoreError::Conflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Busy {
            what: format!("merging '{}' into '{}'", from.name, into.name),
        })
    }

    async fn merge_ops(
        &self,
        actor: Option<&Actor>,
        project: &Project,
        from: &Code,
        into: &Code,
    ) -> Result<(ChangeSet, MergePreview), AppError> {
        if from.id == into.id {
            return Err(AppError::invalid("cannot merge a code into itself"));
        }
        let codes = self.store.codes(project.id).await?;
        let from = codes
            .iter()
            .find(|c| c.id == from.id)
            .cloned()
            .ok_or_else(|| not_found_code(&from.name))?;
        let into = codes
            .iter()
            .find(|c| c.id == into.id)
            .cloned()
            .ok_or_else(|| not_found_code(&into.name))?;
        if descendants(&codes, from.id).contains(&into.id) {
            return Err(AppError::invalid(format!(
                "cannot merge '{}' into '{}', which is inside it; move '{}' out first",
                from.name, into.name, into.name
            )));
        }
        let author = actor.map(|a| a.id()).unwrap_or(from.created_by);
        let mut cs = ChangeSet::new(
            Some(project.id),
            author,
            Action::CodeMerge,
            format!("merged code '{}' into '{}'", from.name, into.name),
        );
        let codings = self
            .store
            .codings(
                project.id,
                &CodingFilter {
                    codes: vec![from.id, into.id],
                    ..Default::default()
                },
            )
            .await?;
        let target: HashMap<
            (axial_core::SourceId, axial_core::Span, axial_core::UserId),
            axial_core::CodingId,
        > = codings
            .iter()
            .filter(|c| c.code == into.id)
            .map(|c| ((c.source, c.span, c.coder), c.id))
            .collect();
        let mut moved = 0;
        let mut dropped_ids = HashSet::new();
        // Dropped duplicate → the target's coding it duplicates.
        let mut kept_for = HashMap::new();
        for c in codings.iter().filter(|c| c.code == from.id) {
            if let Some(kept) = target.get(&(c.source, c.span, c.coder)) {
                kept_for.insert(c.id, *kept);
                dropped_ids.insert(c.id);
                cs.push(Op::delete(Entity::Coding(c.clone())));
            } else {
                let after = Coding {
                    code: into.id,
                    ..c.clone()
                };
                cs.push(Op::update(Entity::Coding(c.clone()), Entity::Coding(after)));
                moved += 1;
            }
        }
        // Children move under the target; a name clash is an error to resolve first.
        let mut children_moved = 0;
        for child in codes.iter().filter(|c| c.parent == Some(from.id)) {
            check_sibling_name(&codes, Some(into.id), &child.name, Some(child.id)).map_err(|_| {
                AppError::invalid(format!(
                    "cannot merge: '{}' has a child '{}' and '{}' already has a child of that name; rename or merge them first",
                    from.name, child.name, into.name
                ))
            })?;
            let after = Code {
                parent: Some(into.id),
                ..child.clone()
            };
            cs.push(Op::update(Entity::Code(child.clone()), Entity::Code(after)));
            children_moved += 1;
        }
        let mut memos_relinked = 0;
        for m in self.store.memos(project.id).await? {
            let mut changed = false;
            let mut links = Vec::with_capacity(m.links.len());
            for l in &m.links {
                let nl = match l {
                    MemoLink::Code(c) if *c == from.id => {
                        changed = true;
                        MemoLink::Code(into.id)
                    }
                    MemoLink::Coding(c) if dropped_ids.contains(c) => {
                        changed = true;
                        continue;
                    }
                    other => *other,
                };
                if !links.contains(&nl) {
                    links.push(nl);
                }
            }
            if changed {
                memos_relinked += 1;
                let after = axial_core::Memo { links, ..m.clone() };
                cs.push(Op::update(Entity::Memo(m), Entity::Memo(after)));
            }
        }
        for r in self.store.relations(project.id).await? {
            if r.from == from.id || r.to == from.id {
                let nf = if r.from == from.id { into.id } else { r.from };
                let nt = if r.to == from.id { into.id } else { r.to };
                if nf == nt {
                    cs.push(Op::delete(Entity::Relation(r)));
                } else {
                    let after = axial_core::CodeRelation {
                        from: nf,
                        to: nt,
                        ..r.clone()
                    };
                    cs.push(Op::update(Entity::Relation(r), Entity::Relation(after)));
                }
            }
        }
        for s in self.store.sets(project.id).await? {
            if s.members.contains(&SetMember::Code(from.id)) {
                let mut members: Vec<SetMember> = s
                    .members
                    .iter()
                    .copied()
                    .filter(|m| *m != SetMember::Code(from.id))
                    .collect();
                if !members.contains(&SetMember::Code(into.id)) {
                    members.push(SetMember::Code(into.id));
                }
                let after = Set {
                    members,
                    ..s.clone()
                };
                cs.push(Op::update(Entity::Set(s), Entity::Set(after)));
            }
        }
        // Properties move to the target, with their placements.
        for op in self
            .property_merge_ops(project, from.id, into.id, &kept_for)
            .await?
        {
            cs.push(op);
        }
        cs.push(Op::delete(Entity::Code(from.clone())));
        let preview = MergePreview {
            from: from.name.clone(),
            into: into.name.clone(),
            codings_moved: moved,
            codings_dropped: dropped_ids.len(),
            children_moved,
            memos_relinked,
        };
        Ok((cs, preview))
    }

    /// Splits a code: creates `new_name` beside it (same parent, same kind)
    /// and moves the given codings of `code` to it, in one change that the
    /// genealogy of both codes tells as a split.
    pub async fn split_code(
        &self,
        actor: &Actor,
        project: &Project,
        code: &Code,
        new_name: &str,
        codings: &[axial_core::CodingId],
    ) -> Result<Code, AppError> {
        let name = validate_name("code", new_name)?;
        if codings.is_empty() {
            return Err(AppError::invalid(format!(
                "say which codings of '{}' go to '{name}'; a split moves at least one",
                code.name
            )));
        }
        let codes = self.store.codes(project.id).await?;
        let current = codes
            .iter()
            .find(|c| c.id == code.id)
            .cloned()
            .ok_or_else(|| not_found_code(&code.name))?;
        check_sibling_name(&codes, current.parent, &name, None)?;
        let own = self
            .store
            .codings(project.id, &CodingFilter::code(current.id))
            .await?;
        let wanted: HashSet<axial_core::CodingId> = codings.iter().copied().collect();
        if let Some(stray) = wanted.iter().find(|id| !own.iter().any(|c| c.id == **id)) {
            return Err(AppError::invalid(format!(
                "coding {stray} is not a coding of '{}'; list them with `axial segments '{}' --json`",
                current.name, current.name
            )));
        }
        let new = Code {
            id: CodeId::new(),
            project: project.id,
            parent: current.parent,
            name: name.clone(),
            color: Color::palette(codes.len()),
            description: String::new(),
            inclusion: String::new(),
            exclusion: String::new(),
            example: String::new(),
            codable: current.codable,
            created_by: actor.id(),
            created_at: axial_core::now(),
            version: Version::FIRST,
        };
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CodeCreate,
            format!(
                "split code '{}': moved {} coding{} to the new code '{name}'",
                current.name,
                wanted.len(),
                if wanted.len() == 1 { "" } else { "s" }
            ),
        )
        .op(Op::insert(Entity::Code(new.clone())));
        for c in own.into_iter().filter(|c| wanted.contains(&c.id)) {
            let after = Coding {
                code: new.id,
                ..c.clone()
            };
            cs.push(Op::update(Entity::Coding(c), Entity::Coding(after)));
        }
        self.store.commit(cs).await?;
        Ok(new)
    }

    /// How many codings deleting a code (with everything under it) removes.
    pub async fn delete_code_count(
        &self,
        project: &Project,
        code: &Code,
    ) -> Result<(usize, usize), AppError> {
        let codes = self.store.codes(project.id).await?;
        let mut ids = descendants(&codes, code.id);
        let subcodes = ids.len();
        ids.push(code.id);
        let n = self
            .store
            .codings(
                project.id,
                &CodingFilter {
                    codes: ids,
                    ..Default::default()
                },
            )
            .await?
            .len();
        Ok((n, subcodes))
    }

    /// Deletes a code, the codes under it and all their codings; memo links,
    /// relations and set memberships to them go too. Undo restores all.
    pub async fn delete_code(
        &self,
        actor: &Actor,
        project: &Project,
        code: &Code,
    ) -> Result<usize, AppError> {
        let codes = self.store.codes(project.id).await?;
        let current = codes
            .iter()
            .find(|c| c.id == code.id)
            .cloned()
            .ok_or_else(|| not_found_code(&code.name))?;
        let desc = descendants(&codes, code.id);
        let mut all: Vec<CodeId> = desc.clone();
        all.push(code.id);
        let gone: HashSet<CodeId> = all.iter().copied().collect();
        let codings = self
            .store
            .codings(
                project.id,
                &CodingFilter {
                    codes: all.clone(),
                    ..Default::default()
                },
            )
            .await?;
        let coding_ids: HashSet<_> = codings.iter().map(|c| c.id).collect();
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CodeDelete,
            format!(
                "deleted code '{}' with {} codings{}",
                current.name,
                codings.len(),
                if desc.is_empty() {
                    String::new()
                } else {
                    format!(" and {} codes under it", desc.len())
                }
            ),
        );
        for m in self.store.memos(project.id).await? {
            let links: Vec<MemoLink> = m
                .links
                .iter()
                .copied()
                .filter(|l| match l {
                    MemoLink::Code(c) => !gone.contains(c),
                    MemoLink::Coding(c) => !coding_ids.contains(c),
                    _ => true,
                })
                .collect();
            if links.len() != m.links.len() {
                let after = axial_core::Memo { links, ..m.clone() };
                cs.push(Op::update(Entity::Memo(m), Entity::Memo(after)));
            }
        }
        for r in self.store.relations(project.id).await? {
            if gone.contains(&r.from) || gone.contains(&r.to) {
                cs.push(Op::delete(Entity::Relation(r)));
            }
        }
        for s in self.store.sets(project.id).await? {
            if s.members
                .iter()
                .any(|m| matches!(m, SetMember::Code(c) if gone.contains(c)))
            {
                let members = s
                    .members
                    .iter()
                    .copied()
                    .filter(|m| !matches!(m, SetMember::Code(c) if gone.contains(c)))
                    .collect();
                let after = Set {
                    members,
                    ..s.clone()
                };
                cs.push(Op::update(Entity::Set(s), Entity::Set(after)));
            }
        }
        // Properties of the deleted codes and placements of their codings.
        for op in self
            .property_cleanup_ops(project, &coding_ids, &gone)
            .await?
        {
            cs.push(op);
        }
        let n = codings.len();
        for c in codings {
            cs.push(Op::delete(Entity::Coding(c)));
        }
        // Children before parents.
        for id in desc.iter().rev() {
            if let Some(c) = codes.iter().find(|c| c.id == *id) {
                cs.push(Op::delete(Entity::Code(c.clone())));
            }
        }
        cs.push(Op::delete(Entity::Code(current)));
        self.store.commit(cs).await?;
        Ok(n)
    }

    async fn fresh_code(&self, project: &Project, id: CodeId) -> Result<Code, AppError> {
        self.store
            .codes(project.id)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| not_found_code(&id.to_string()))
    }
}

fn not_found_code(name: &str) -> AppError {
    AppError::NotFound {
        what: "code",
        name: name.to_string(),
        hint: "list them with `axial code tree`".into(),
    }
}

/// Finds a code by exact name, full path, case-insensitive name, or id.
pub(crate) fn find_code_in(codes: &[Code], name: &str) -> Result<Code, AppError> {
    let n = name.trim();
    let exact: Vec<&Code> = codes.iter().filter(|c| c.name == n).collect();
    if exact.len() == 1 {
        return Ok(exact[0].clone());
    }
    let ordered = tree_order(codes);
    if let Some((c, _, _)) = ordered.iter().find(|(_, path, _)| path == n) {
        return Ok(c.clone());
    }
    if exact.len() > 1 {
        let paths: Vec<String> = ordered
            .iter()
            .filter(|(c, _, _)| c.name == n)
            .map(|(_, p, _)| p.clone())
            .collect();
        return Err(AppError::Ambiguous {
            what: "codes",
            name: n.into(),
            candidates: paths.join(", "),
        });
    }
    let ci: Vec<&Code> = codes
        .iter()
        .filter(|c| c.name.eq_ignore_ascii_case(n))
        .collect();
    if ci.len() == 1 {
        return Ok(ci[0].clone());
    }
    if let Ok(id) = n.parse::<CodeId>() {
        if let Some(c) = codes.iter().find(|c| c.id == id) {
            return Ok(c.clone());
        }
    }
    Err(not_found_code(n))
}

fn check_sibling_name(
    codes: &[Code],
    parent: Option<CodeId>,
    name: &str,
    except: Option<CodeId>,
) -> Result<(), AppError> {
    if codes
        .iter()
        .any(|c| c.parent == parent && c.name == name && Some(c.id) != except)
    {
        let place = match parent.and_then(|p| codes.iter().find(|c| c.id == p)) {
            Some(p) => format!("under '{}'", p.name),
            None => "at the top level".into(),
        };
        return Err(AppError::Exists(format!(
            "a code named '{name}' already exists {place}; choose another name or merge the two"
        )));
    }
    Ok(())
}
