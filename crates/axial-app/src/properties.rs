//! Axial coding as data: the properties of a category, each with a
//! dimension between two poles, and coded segments placed on those
//! dimensions.
//!
//! A property is a [`RecordKind::Property`] record keyed "code-id/name", so
//! a name is unique per code; a placement is a [`RecordKind::Placement`]
//! record keyed "property-id/coding-id", so a coding has at most one
//! position per property and placing it again moves it. This module owns
//! both body types and their use cases: add, change and delete a property
//! (deleting it deletes its placements in the same change), place, move and
//! unplace a coding, list a code's properties with their placed segments
//! (text and attribution from [`App::segments`]), and the dimensional
//! profile of a property per case or per attribute value. It also builds
//! the ops `codebook.rs` and `coding.rs` add so that nothing dangles when
//! codings or codes are deleted or merged; placements whose coding is gone
//! some other way (a deleted source) are skipped at read time.
//! Drawing the dimensions is the front ends' business.

use std::collections::{BTreeMap, HashMap, HashSet};

use axial_core::{
    Action, ChangeSet, Code, CodeId, Coding, CodingId, Entity, Op, Project, RecordId, RecordKind,
    UserId, VariableKind,
};
use axial_store::CodingFilter;
use serde::{Deserialize, Serialize};

use crate::codebook::{descendants, find_code_in, tree_order};
use crate::coding::Attribution;
use crate::records::{self, RecordBody, Typed};
use crate::{Actor, App, AppError, Segment, SegmentQuery};

/// Fewest and most steps a stepped dimension may have.
pub const MIN_STEPS: u32 = 2;
pub const MAX_STEPS: u32 = 11;
/// Longest pole label and note, in characters.
const MAX_POLE: usize = 100;
const MAX_NOTE: usize = 2000;
/// Characters of context around a placed segment.
const CONTEXT: u32 = 60;

/// A property of a category: a dimension from a low pole to a high pole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Property {
    pub code: CodeId,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Label of the low end, e.g. "tacit".
    pub low: String,
    /// Label of the high end, e.g. "explicit".
    pub high: String,
    /// Number of steps from pole to pole (positions 1 to `steps`), or
    /// `None` for a continuous dimension (positions 0 to 1).
    #[serde(default)]
    pub steps: Option<u32>,
}

impl RecordBody for Property {
    const KIND: RecordKind = RecordKind::Property;
    fn key(&self) -> String {
        format!("{}/{}", self.code, self.name)
    }
}

impl Property {
    /// Where `position` lies between the poles, from 0 (low) to 1 (high).
    pub fn at(&self, position: f64) -> f64 {
        match self.steps {
            Some(n) if n > 1 => ((position - 1.0) / f64::from(n - 1)).clamp(0.0, 1.0),
            _ => position.clamp(0.0, 1.0),
        }
    }

    /// The position on this dimension nearest to `at` (0 to 1).
    pub fn position_at(&self, at: f64) -> f64 {
        match self.steps {
            Some(n) if n > 1 => 1.0 + (at.clamp(0.0, 1.0) * f64::from(n - 1)).round(),
            _ => at.clamp(0.0, 1.0),
        }
    }

    /// The position as given, if it lies on this dimension.
    pub fn check_position(&self, position: f64) -> Result<f64, AppError> {
        let ok = position.is_finite()
            && match self.steps {
                Some(n) => position.fract() == 0.0 && position >= 1.0 && position <= f64::from(n),
                None => (0.0..=1.0).contains(&position),
            };
        if ok {
            return Ok(position);
        }
        Err(AppError::invalid(match self.steps {
            Some(n) => format!(
                "position {position} is not on the dimension of '{}': give a whole step from 1 ({}) to {n} ({})",
                self.name, self.low, self.high
            ),
            None => format!(
                "position {position} is not on the dimension of '{}': give a number from 0 ({}) to 1 ({})",
                self.name, self.low, self.high
            ),
        }))
    }

    /// The scale in words: "1 (tacit) to 5 (explicit)".
    pub fn scale(&self) -> String {
        match self.steps {
            Some(n) => format!("1 ({}) to {n} ({})", self.low, self.high),
            None => format!("0 ({}) to 1 ({})", self.low, self.high),
        }
    }
}

/// A coding placed on a property's dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    pub property: RecordId,
    pub coding: CodingId,
    /// A step from 1 to the property's steps, or 0 to 1 when continuous.
    pub position: f64,
    #[serde(default)]
    pub note: String,
    pub placed_by: UserId,
}

impl RecordBody for Placement {
    const KIND: RecordKind = RecordKind::Placement;
    fn key(&self) -> String {
        format!("{}/{}", self.property, self.coding)
    }
}

/// What a new property is.
#[derive(Debug, Clone, Default)]
pub struct NewProperty {
    pub name: String,
    pub description: String,
    pub low: String,
    pub high: String,
    pub steps: Option<u32>,
}

/// A partial change to a property; `None` keeps a field.
#[derive(Debug, Clone, Default)]
pub struct PropertyChanges {
    pub name: Option<String>,
    pub description: Option<String>,
    pub low: Option<String>,
    pub high: Option<String>,
    /// `Some(None)` makes the dimension continuous. Placements keep their
    /// place between the poles, rounded to the nearest new step.
    pub steps: Option<Option<u32>>,
}

/// A property with its placed segments, lowest first.
#[derive(Debug, Clone, Serialize)]
pub struct PropertyView {
    pub id: RecordId,
    pub code_id: CodeId,
    /// The code's path in the tree.
    pub code: String,
    pub name: String,
    pub description: String,
    pub low: String,
    pub high: String,
    pub steps: Option<u32>,
    pub placements: Vec<PlacementView>,
}

/// A placed segment with its text and attribution.
#[derive(Debug, Clone, Serialize)]
pub struct PlacementView {
    pub id: RecordId,
    pub coding: CodingId,
    /// As stored: a step, or 0 to 1.
    pub position: f64,
    /// Between the poles, from 0 (low) to 1 (high).
    pub at: f64,
    pub note: String,
    pub placed_by: String,
    pub segment: Segment,
}

/// A property a coding can be placed on, with its current placement.
#[derive(Debug, Clone)]
pub struct CodingProperty {
    pub property: Typed<Property>,
    /// The path of the property's code.
    pub code: String,
    pub placement: Option<Typed<Placement>>,
}

/// How to group a profile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProfileBy {
    /// One group per case.
    Case,
    /// One group per value of this variable (by name).
    Variable(String),
}

impl ProfileBy {
    /// "case" means per case; any other word names a variable.
    pub fn parse(s: &str) -> ProfileBy {
        let s = s.trim();
        if s.eq_ignore_ascii_case("case") || s.eq_ignore_ascii_case("cases") {
            ProfileBy::Case
        } else {
            ProfileBy::Variable(s.to_string())
        }
    }
}

/// Where the placed segments of one group lie on a dimension.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct ProfileGroup {
    /// The case or attribute value, or "(no value)".
    pub value: String,
    pub placements: usize,
    /// Mean, lowest and highest place between the poles (0 to 1); `None`
    /// when nothing of the group is placed.
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// The mean in the property's own scale (a step, or 0 to 1).
    pub mean_position: Option<f64>,
    /// How many placements fall in each bin of [`DimensionProfile::bins`].
    pub distribution: Vec<u64>,
}

/// A property's dimensional profile: where each group's segments lie.
#[derive(Debug, Clone, Serialize)]
pub struct DimensionProfile {
    pub property: RecordId,
    pub code: String,
    pub name: String,
    pub low: String,
    pub high: String,
    pub steps: Option<u32>,
    /// "case" or the variable's name.
    pub by: String,
    /// Bin labels: one per step, or five equal parts of 0 to 1.
    pub bins: Vec<String>,
    pub groups: Vec<ProfileGroup>,
    pub overall: ProfileGroup,
}

/// Which group a placed segment belongs to, in a profile.
type GroupOf = Box<dyn Fn(&Segment) -> String>;

/// Rounds for output, so JSON shows 0.625 rather than 0.6250000000000001.
fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

fn check_label(what: &str, s: &str, max: usize) -> Result<String, AppError> {
    let s = s.trim();
    if s.is_empty() {
        return Err(AppError::invalid(format!(
            "the {what} is empty; name it (e.g. --low \"tacit\" --high \"explicit\")"
        )));
    }
    if s.chars().count() > max {
        return Err(AppError::invalid(format!(
            "the {what} is longer than {max} characters; shorten it"
        )));
    }
    if s.chars().any(char::is_control) {
        return Err(AppError::invalid(format!(
            "the {what} contains control characters; use plain text on one line"
        )));
    }
    Ok(s.to_string())
}

fn check_steps(steps: Option<u32>) -> Result<Option<u32>, AppError> {
    match steps {
        Some(n) if !(MIN_STEPS..=MAX_STEPS).contains(&n) => Err(AppError::invalid(format!(
            "a dimension has {MIN_STEPS} to {MAX_STEPS} steps ({n} given); leave the steps out for a continuous 0 to 1 scale"
        ))),
        s => Ok(s),
    }
}

fn check_note(note: &str) -> Result<String, AppError> {
    let note = note.trim();
    if note.chars().count() > MAX_NOTE {
        return Err(AppError::invalid(format!(
            "the note is longer than {MAX_NOTE} characters; put longer thoughts in a memo"
        )));
    }
    Ok(note.to_string())
}

fn not_found_property(name: &str, hint: String) -> AppError {
    AppError::NotFound {
        what: "property",
        name: name.to_string(),
        hint,
    }
}

/// The ops that delete what a change leaves dangling: placements of
/// `codings`, and the properties of `codes` with all their placements.
pub(crate) fn cleanup_ops(
    properties: &[Typed<Property>],
    placements: &[Typed<Placement>],
    codings: &HashSet<CodingId>,
    codes: &HashSet<CodeId>,
) -> Vec<Op> {
    let gone: HashSet<RecordId> = properties
        .iter()
        .filter(|p| codes.contains(&p.body.code))
        .map(|p| p.id())
        .collect();
    let mut ops: Vec<Op> = placements
        .iter()
        .filter(|pl| codings.contains(&pl.body.coding) || gone.contains(&pl.body.property))
        .map(|pl| Op::delete(Entity::Record(pl.record.clone())))
        .collect();
    ops.extend(
        properties
            .iter()
            .filter(|p| gone.contains(&p.id()))
            .map(|p| Op::delete(Entity::Record(p.record.clone()))),
    );
    ops
}

impl App {
    /// The project's properties and placements.
    async fn property_records(
        &self,
        project: &Project,
    ) -> Result<(Vec<Typed<Property>>, Vec<Typed<Placement>>), AppError> {
        Ok((
            self.records_of::<Property>(project).await?,
            self.records_of::<Placement>(project).await?,
        ))
    }

    /// The ops a use case adds so that placements of the `codings` it
    /// deletes, and the properties of the `codes` it deletes, go with them.
    pub(crate) async fn property_cleanup_ops(
        &self,
        project: &Project,
        codings: &HashSet<CodingId>,
        codes: &HashSet<CodeId>,
    ) -> Result<Vec<Op>, AppError> {
        let (props, places) = self.property_records(project).await?;
        Ok(cleanup_ops(&props, &places, codings, codes))
    }

    /// The ops that carry properties along when `from` is merged into
    /// `into`: a property moves to `into`, or, when `into` has one of the
    /// same name, its placements move to that one (kept in place between
    /// the poles) and it goes. Placements of `dropped` codings (duplicates
    /// the merge deletes) move to the coding they duplicate.
    pub(crate) async fn property_merge_ops(
        &self,
        project: &Project,
        from: CodeId,
        into: CodeId,
        dropped: &HashMap<CodingId, CodingId>,
    ) -> Result<Vec<Op>, AppError> {
        let (props, places) = self.property_records(project).await?;
        let mut ops = Vec::new();
        let by_id: HashMap<RecordId, &Typed<Property>> =
            props.iter().map(|p| (p.id(), p)).collect();
        // Where each property of `from` ends up.
        let mut target: HashMap<RecordId, &Typed<Property>> = HashMap::new();
        for p in props.iter().filter(|p| p.body.code == from) {
            let twin = props.iter().find(|q| {
                q.body.code == into && q.body.name.to_lowercase() == p.body.name.to_lowercase()
            });
            match twin {
                Some(t) => {
                    target.insert(p.id(), t);
                    ops.push(Op::delete(Entity::Record(p.record.clone())));
                }
                None => {
                    let body = Property {
                        code: into,
                        ..p.body.clone()
                    };
                    ops.push(records::update_op(p, &body)?);
                }
            }
        }
        // (property, coding) of every placement that stays where it is, so
        // a moved one never lands on a spot that is taken.
        let mut taken: HashSet<(RecordId, CodingId)> = places
            .iter()
            .filter(|pl| {
                !dropped.contains_key(&pl.body.coding) && !target.contains_key(&pl.body.property)
            })
            .map(|pl| (pl.body.property, pl.body.coding))
            .collect();
        for pl in &places {
            let Some(prop) = by_id.get(&pl.body.property) else {
                continue;
            };
            let new_prop = target.get(&prop.id()).copied();
            let new_coding = dropped.get(&pl.body.coding).copied();
            if new_prop.is_none() && new_coding.is_none() {
                continue;
            }
            let dest = new_prop.unwrap_or(prop);
            let coding = new_coding.unwrap_or(pl.body.coding);
            if !taken.insert((dest.id(), coding)) {
                ops.push(Op::delete(Entity::Record(pl.record.clone())));
                continue;
            }
            let body = Placement {
                property: dest.id(),
                coding,
                position: dest.body.position_at(prop.body.at(pl.body.position)),
                ..pl.body.clone()
            };
            ops.push(records::update_op(pl, &body)?);
        }
        Ok(ops)
    }

    /// A property by id.
    pub async fn property(
        &self,
        project: &Project,
        id: RecordId,
    ) -> Result<Typed<Property>, AppError> {
        self.record_of::<Property>(project, id)
            .await
            .map_err(|e| match e {
                AppError::Store(axial_store::StoreError::NotFound { .. })
                | AppError::NotFound { .. } => not_found_property(
                    &id.to_string(),
                    "list a code's properties with `axial property list CODE`".into(),
                ),
                e => e,
            })
    }

    /// A placement by id.
    pub async fn placement(
        &self,
        project: &Project,
        id: RecordId,
    ) -> Result<Typed<Placement>, AppError> {
        self.record_of::<Placement>(project, id)
            .await
            .map_err(|e| match e {
                AppError::Store(axial_store::StoreError::NotFound { .. })
                | AppError::NotFound { .. } => AppError::NotFound {
                    what: "placement",
                    name: id.to_string(),
                    hint: "list a code's placements with `axial property list CODE`".into(),
                },
                e => e,
            })
    }

    /// The properties of a code, by name.
    pub async fn code_properties(
        &self,
        project: &Project,
        code: &Code,
    ) -> Result<Vec<Typed<Property>>, AppError> {
        let mut v: Vec<Typed<Property>> = self
            .records_of::<Property>(project)
            .await?
            .into_iter()
            .filter(|p| p.body.code == code.id)
            .collect();
        v.sort_by_key(|p| p.body.name.to_lowercase());
        Ok(v)
    }

    /// A property by id, by name among a code's properties, or by
    /// "CODE/NAME". With `coding`, a bare name is looked up among the
    /// properties of the coding's code and the codes above it.
    pub async fn find_property(
        &self,
        project: &Project,
        code: Option<&Code>,
        coding: Option<&Coding>,
        name: &str,
    ) -> Result<Typed<Property>, AppError> {
        let name = name.trim();
        let props = self.records_of::<Property>(project).await?;
        if let Ok(id) = name.parse::<RecordId>() {
            if let Some(p) = props.iter().find(|p| p.id() == id) {
                return Ok(p.clone());
            }
        }
        let codes = self.store.codes(project.id).await?;
        let path_of = |id: CodeId| {
            tree_order(&codes)
                .into_iter()
                .find(|(c, _, _)| c.id == id)
                .map(|(_, p, _)| p)
                .unwrap_or_else(|| id.to_string())
        };
        // Which codes a bare name may belong to.
        let (scope, bare): (Vec<CodeId>, &str) = match (code, name.rsplit_once('/')) {
            (Some(c), _) => (vec![c.id], name),
            (None, Some((code_name, prop)))
                if find_code_in(&codes, code_name).is_ok() && !prop.trim().is_empty() =>
            {
                (vec![find_code_in(&codes, code_name)?.id], prop.trim())
            }
            (None, _) => match coding {
                Some(c) => {
                    let mut up = vec![c.code];
                    let mut at = codes.iter().find(|k| k.id == c.code);
                    while let Some(k) = at {
                        match k.parent {
                            Some(p) => {
                                up.push(p);
                                at = codes.iter().find(|x| x.id == p);
                            }
                            None => break,
                        }
                    }
                    (up, name)
                }
                None => (codes.iter().map(|c| c.id).collect(), name),
            },
        };
        let in_scope: Vec<&Typed<Property>> = props
            .iter()
            .filter(|p| scope.contains(&p.body.code))
            .collect();
        let exact: Vec<&&Typed<Property>> =
            in_scope.iter().filter(|p| p.body.name == bare).collect();
        let found: Vec<&&Typed<Property>> = if exact.is_empty() {
            in_scope
                .iter()
                .filter(|p| p.body.name.to_lowercase() == bare.to_lowercase())
                .collect()
        } else {
            exact
        };
        match found.as_slice() {
            [one] => Ok((**one).clone()),
            [] => Err(not_found_property(
                bare,
                if in_scope.is_empty() {
                    "there are no properties there yet; add one with `axial property add CODE NAME --low … --high …`".into()
                } else {
                    crate::list_hint("properties", in_scope.iter().map(|p| p.body.name.as_str()))
                },
            )),
            many => Err(AppError::Ambiguous {
                what: "properties",
                name: bare.to_string(),
                candidates: many
                    .iter()
                    .map(|p| format!("{}/{}", path_of(p.body.code), p.body.name))
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Adds a property to a code.
    pub async fn add_property(
        &self,
        actor: &Actor,
        project: &Project,
        code: &Code,
        new: NewProperty,
    ) -> Result<Typed<Property>, AppError> {
        let name = axial_core::validate_name("property", &new.name)?;
        let body = Property {
            code: code.id,
            name: name.clone(),
            description: new.description.trim().to_string(),
            low: check_label("low pole", &new.low, MAX_POLE)?,
            high: check_label("high pole", &new.high, MAX_POLE)?,
            steps: check_steps(new.steps)?,
        };
        if !self
            .store
            .codes(project.id)
            .await?
            .iter()
            .any(|c| c.id == code.id)
        {
            return Err(AppError::NotFound {
                what: "code",
                name: code.name.clone(),
                hint: "list them with `axial code tree`".into(),
            });
        }
        self.check_property_name(project, code, &name, None).await?;
        self.create_record(
            actor,
            project,
            &body,
            format!(
                "added property '{name}' ({} to {}) to '{}'",
                body.low, body.high, code.name
            ),
        )
        .await
    }

    async fn check_property_name(
        &self,
        project: &Project,
        code: &Code,
        name: &str,
        except: Option<RecordId>,
    ) -> Result<(), AppError> {
        let lower = name.to_lowercase();
        if self
            .code_properties(project, code)
            .await?
            .iter()
            .any(|p| p.body.name.to_lowercase() == lower && Some(p.id()) != except)
        {
            return Err(AppError::Exists(format!(
                "'{}' already has a property named '{name}'; choose another name or change that one",
                code.name
            )));
        }
        Ok(())
    }

    /// Renames or redescribes a property, relabels its poles or changes its
    /// steps (placements keep their place between the poles), in one change.
    pub async fn update_property(
        &self,
        actor: &Actor,
        project: &Project,
        id: RecordId,
        changes: PropertyChanges,
    ) -> Result<Typed<Property>, AppError> {
        let old = self.property(project, id).await?;
        let code = self.fresh_code_by_id(project, old.body.code).await?;
        let mut body = old.body.clone();
        if let Some(n) = &changes.name {
            body.name = axial_core::validate_name("property", n)?;
            if body.name != old.body.name {
                self.check_property_name(project, &code, &body.name, Some(id))
                    .await?;
            }
        }
        if let Some(d) = &changes.description {
            body.description = d.trim().to_string();
        }
        if let Some(l) = &changes.low {
            body.low = check_label("low pole", l, MAX_POLE)?;
        }
        if let Some(h) = &changes.high {
            body.high = check_label("high pole", h, MAX_POLE)?;
        }
        if let Some(s) = changes.steps {
            body.steps = check_steps(s)?;
        }
        if body == old.body {
            return Ok(old);
        }
        let summary = if body.name != old.body.name {
            format!(
                "renamed property '{}' of '{}' to '{}'",
                old.body.name, code.name, body.name
            )
        } else {
            format!("changed property '{}' of '{}'", body.name, code.name)
        };
        let op = records::update_op(&old, &body)?;
        let after = match op.entity() {
            Entity::Record(r) => r.clone(),
            _ => unreachable!("update_op makes a record update"),
        };
        let mut cs =
            ChangeSet::new(Some(project.id), actor.id(), Action::RecordUpdate, summary).op(op);
        if body.steps != old.body.steps {
            for pl in self.records_of::<Placement>(project).await? {
                if pl.body.property != id {
                    continue;
                }
                let moved = Placement {
                    position: body.position_at(old.body.at(pl.body.position)),
                    ..pl.body.clone()
                };
                if moved != pl.body {
                    cs.push(records::update_op(&pl, &moved)?);
                }
            }
        }
        self.store.commit(cs).await?;
        Ok(Typed {
            record: after,
            body,
        })
    }

    /// Deletes a property and its placements in one change; returns how
    /// many placements went with it.
    pub async fn delete_property(
        &self,
        actor: &Actor,
        project: &Project,
        id: RecordId,
    ) -> Result<usize, AppError> {
        let prop = self.property(project, id).await?;
        let code_name = self
            .store
            .codes(project.id)
            .await?
            .into_iter()
            .find(|c| c.id == prop.body.code)
            .map(|c| c.name)
            .unwrap_or_else(|| prop.body.code.to_string());
        let placements: Vec<Typed<Placement>> = self
            .records_of::<Placement>(project)
            .await?
            .into_iter()
            .filter(|pl| pl.body.property == id)
            .collect();
        let n = placements.len();
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::RecordDelete,
            format!(
                "deleted property '{}' of '{code_name}' with {n} placement{}",
                prop.body.name,
                if n == 1 { "" } else { "s" }
            ),
        );
        for pl in placements {
            cs.push(Op::delete(Entity::Record(pl.record)));
        }
        cs.push(Op::delete(Entity::Record(prop.record)));
        self.store.commit(cs).await?;
        Ok(n)
    }

    /// Places a coding on a property's dimension, or moves it there if it
    /// is placed already. The coding must be of the property's code or of a
    /// code under it.
    pub async fn place_coding(
        &self,
        actor: &Actor,
        project: &Project,
        coding: CodingId,
        property: RecordId,
        position: f64,
        note: Option<&str>,
    ) -> Result<Typed<Placement>, AppError> {
        let prop = self.property(project, property).await?;
        let position = prop.body.check_position(position)?;
        let coding = self.coding_in(project, coding).await?;
        let codes = self.store.codes(project.id).await?;
        if coding.code != prop.body.code
            && !descendants(&codes, prop.body.code).contains(&coding.code)
        {
            let name = |id: CodeId| {
                codes
                    .iter()
                    .find(|c| c.id == id)
                    .map(|c| c.name.clone())
                    .unwrap_or_else(|| id.to_string())
            };
            return Err(AppError::invalid(format!(
                "coding {} is coded '{}', which is neither '{}' nor a code under it; place segments of '{}' on its properties",
                coding.id,
                name(coding.code),
                name(prop.body.code),
                name(prop.body.code)
            )));
        }
        let existing = self
            .records_of::<Placement>(project)
            .await?
            .into_iter()
            .find(|pl| pl.body.property == property && pl.body.coding == coding.id);
        let where_ = format!(
            "on '{}' at {}",
            prop.body.name,
            match prop.body.steps {
                Some(_) => format!("step {position}"),
                None => format!("{position}"),
            }
        );
        match existing {
            Some(old) => {
                let body = Placement {
                    position,
                    note: match note {
                        Some(n) => check_note(n)?,
                        None => old.body.note.clone(),
                    },
                    placed_by: actor.id(),
                    ..old.body.clone()
                };
                if body.position == old.body.position && body.note == old.body.note {
                    return Ok(old);
                }
                self.update_record(
                    actor,
                    project,
                    &old,
                    &body,
                    format!("moved a segment {where_}"),
                )
                .await
            }
            None => {
                let body = Placement {
                    property,
                    coding: coding.id,
                    position,
                    note: check_note(note.unwrap_or(""))?,
                    placed_by: actor.id(),
                };
                self.create_record(actor, project, &body, format!("placed a segment {where_}"))
                    .await
            }
        }
    }

    /// Takes a coding off a property's dimension.
    pub async fn unplace_coding(
        &self,
        actor: &Actor,
        project: &Project,
        coding: CodingId,
        property: RecordId,
    ) -> Result<(), AppError> {
        let prop = self.property(project, property).await?;
        let placement = self
            .records_of::<Placement>(project)
            .await?
            .into_iter()
            .find(|pl| pl.body.property == property && pl.body.coding == coding)
            .ok_or_else(|| {
                AppError::invalid(format!(
                    "coding {coding} is not placed on '{}'; nothing to take off",
                    prop.body.name
                ))
            })?;
        self.delete_record(
            actor,
            project,
            &placement,
            format!("took a segment off '{}'", prop.body.name),
        )
        .await
    }

    /// A coding of the project (as the store lets this app see it).
    async fn coding_in(&self, project: &Project, id: CodingId) -> Result<Coding, AppError> {
        match self.store.coding(id).await {
            Ok(c) if c.project == project.id => Ok(c),
            Ok(_) | Err(axial_store::StoreError::NotFound { .. }) => Err(AppError::NotFound {
                what: "coding",
                name: id.to_string(),
                hint: format!(
                    "it is not in project '{}'; coding ids are shown by `axial segments --json`",
                    project.name
                ),
            }),
            Err(e) => Err(e.into()),
        }
    }

    async fn fresh_code_by_id(&self, project: &Project, id: CodeId) -> Result<Code, AppError> {
        self.store
            .codes(project.id)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .ok_or_else(|| AppError::NotFound {
                what: "code",
                name: id.to_string(),
                hint: "list them with `axial code tree`".into(),
            })
    }

    /// The properties a coding can be placed on (those of its code and of
    /// the codes above it, nearest first, then by name), each with the
    /// coding's placement on it if any.
    pub async fn coding_properties(
        &self,
        project: &Project,
        coding: CodingId,
    ) -> Result<Vec<CodingProperty>, AppError> {
        let coding = self.coding_in(project, coding).await?;
        let codes = self.store.codes(project.id).await?;
        let paths: HashMap<CodeId, String> = tree_order(&codes)
            .into_iter()
            .map(|(c, p, _)| (c.id, p))
            .collect();
        let mut up = vec![coding.code];
        while let Some(parent) = up
            .last()
            .and_then(|id| codes.iter().find(|c| c.id == *id))
            .and_then(|c| c.parent)
        {
            if up.contains(&parent) {
                break;
            }
            up.push(parent);
        }
        let (props, places) = self.property_records(project).await?;
        let mut out: Vec<CodingProperty> = props
            .into_iter()
            .filter(|p| up.contains(&p.body.code))
            .map(|p| CodingProperty {
                code: paths.get(&p.body.code).cloned().unwrap_or_default(),
                placement: places
                    .iter()
                    .find(|pl| pl.body.property == p.id() && pl.body.coding == coding.id)
                    .cloned(),
                property: p,
            })
            .collect();
        out.sort_by_key(|o| {
            (
                up.iter().position(|c| *c == o.property.body.code),
                o.property.body.name.to_lowercase(),
            )
        });
        Ok(out)
    }

    /// A code's properties, each with its placed segments (lowest first).
    /// Placements whose coding no longer exists are left out.
    pub async fn property_views(
        &self,
        project: &Project,
        code: &Code,
    ) -> Result<Vec<PropertyView>, AppError> {
        let props = self.code_properties(project, code).await?;
        if props.is_empty() {
            return Ok(Vec::new());
        }
        let ids: HashSet<RecordId> = props.iter().map(|p| p.id()).collect();
        let placements: Vec<Typed<Placement>> = self
            .records_of::<Placement>(project)
            .await?
            .into_iter()
            .filter(|pl| ids.contains(&pl.body.property))
            .collect();
        let segments = self
            .segments_of_codings(project, placements.iter().map(|pl| pl.body.coding))
            .await?;
        let users: HashMap<UserId, String> = self
            .store
            .users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect();
        let codes = self.store.codes(project.id).await?;
        let path = tree_order(&codes)
            .into_iter()
            .find(|(c, _, _)| c.id == code.id)
            .map(|(_, p, _)| p)
            .unwrap_or_else(|| code.name.clone());
        Ok(props
            .into_iter()
            .map(|p| {
                let mut placed: Vec<PlacementView> = placements
                    .iter()
                    .filter(|pl| pl.body.property == p.id())
                    .filter_map(|pl| {
                        let seg = segments.get(&pl.body.coding)?;
                        Some(PlacementView {
                            id: pl.id(),
                            coding: pl.body.coding,
                            position: pl.body.position,
                            at: round4(p.body.at(pl.body.position)),
                            note: pl.body.note.clone(),
                            placed_by: users
                                .get(&pl.body.placed_by)
                                .cloned()
                                .unwrap_or_else(|| pl.body.placed_by.to_string()),
                            segment: seg.clone(),
                        })
                    })
                    .collect();
                placed.sort_by(|a, b| {
                    a.at.total_cmp(&b.at)
                        .then(a.segment.source.cmp(&b.segment.source))
                        .then(a.segment.start.cmp(&b.segment.start))
                });
                PropertyView {
                    id: p.id(),
                    code_id: p.body.code,
                    code: path.clone(),
                    name: p.body.name,
                    description: p.body.description,
                    low: p.body.low,
                    high: p.body.high,
                    steps: p.body.steps,
                    placements: placed,
                }
            })
            .collect())
    }

    /// The segments of these codings (those that still exist), by coding.
    async fn segments_of_codings(
        &self,
        project: &Project,
        wanted: impl Iterator<Item = CodingId>,
    ) -> Result<HashMap<CodingId, Segment>, AppError> {
        let wanted: HashSet<CodingId> = wanted.collect();
        if wanted.is_empty() {
            return Ok(HashMap::new());
        }
        let codings = self.store.codings(project.id, &CodingFilter::all()).await?;
        let mut codes: Vec<CodeId> = Vec::new();
        let mut sources = Vec::new();
        for c in codings.iter().filter(|c| wanted.contains(&c.id)) {
            if !codes.contains(&c.code) {
                codes.push(c.code);
            }
            if !sources.contains(&c.source) {
                sources.push(c.source);
            }
        }
        if codes.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(self
            .segments(
                project,
                &SegmentQuery {
                    codes,
                    sources,
                    context: CONTEXT,
                    ..Default::default()
                },
            )
            .await?
            .into_iter()
            .filter(|s| wanted.contains(&s.coding))
            .map(|s| (s.coding, s))
            .collect())
    }

    /// Where a property's placed segments lie, per case or per value of a
    /// variable: mean, range and distribution per group and overall.
    pub async fn property_profile(
        &self,
        project: &Project,
        property: RecordId,
        by: &ProfileBy,
    ) -> Result<DimensionProfile, AppError> {
        let prop = self.property(project, property).await?;
        let code = self.fresh_code_by_id(project, prop.body.code).await?;
        let view = self
            .property_views(project, &code)
            .await?
            .into_iter()
            .find(|v| v.id == property)
            .ok_or_else(|| AppError::Internal("a property vanished while reading it".into()))?;
        let ctx = Attribution::load(self, project, None).await?;
        // The group of each placement, and the order groups are shown in.
        let (by_name, order, group_of): (String, Vec<String>, GroupOf) = match by {
            ProfileBy::Case => {
                let mut names: Vec<String> = ctx.case_names.values().cloned().collect();
                names.sort_by_key(|n| n.to_lowercase());
                (
                    "case".into(),
                    names,
                    Box::new(|s: &Segment| s.case.clone().unwrap_or_default()),
                )
            }
            ProfileBy::Variable(name) => {
                let var = ctx
                    .vars
                    .iter()
                    .find(|v| v.name.eq_ignore_ascii_case(name.trim()))
                    .ok_or_else(|| AppError::NotFound {
                        what: "variable",
                        name: name.clone(),
                        hint: format!(
                            "{}; or use 'case' for one group per case",
                            crate::list_hint("variables", ctx.vars.iter().map(|v| v.name.as_str()))
                        ),
                    })?;
                let order = match &var.kind {
                    VariableKind::Category { values } => values.clone(),
                    _ => Vec::new(),
                };
                let values: HashMap<CodingId, String> = view
                    .placements
                    .iter()
                    .map(|pl| {
                        let source = ctx.sources.get(&pl.segment.source_id);
                        let v = ctx
                            .case_value(
                                source.and_then(|s| s.case),
                                Some(pl.segment.source_id),
                                var.id,
                            )
                            .cloned()
                            .unwrap_or_default();
                        (pl.coding, v)
                    })
                    .collect();
                (
                    var.name.clone(),
                    order,
                    Box::new(move |s: &Segment| values.get(&s.coding).cloned().unwrap_or_default()),
                )
            }
        };
        let bins: Vec<String> = match prop.body.steps {
            Some(n) => (1..=n)
                .map(|i| {
                    if i == 1 {
                        format!("1 ({})", prop.body.low)
                    } else if i == n {
                        format!("{n} ({})", prop.body.high)
                    } else {
                        i.to_string()
                    }
                })
                .collect(),
            None => (0..5)
                .map(|i| format!("{:.1}–{:.1}", f64::from(i) / 5.0, f64::from(i + 1) / 5.0))
                .collect(),
        };
        let nbins = bins.len();
        let stepped = prop.body.steps.is_some();
        let bin_of = |at: f64| -> usize {
            let i = if stepped {
                (at * (nbins - 1) as f64).round()
            } else {
                (at * nbins as f64).floor()
            };
            (i.max(0.0) as usize).min(nbins - 1)
        };
        let mut groups: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for pl in &view.placements {
            groups.entry(group_of(&pl.segment)).or_default().push(pl.at);
        }
        let summarise = |value: String, ats: &[f64]| -> ProfileGroup {
            let n = ats.len();
            let mut distribution = vec![0u64; bins.len()];
            for a in ats {
                distribution[bin_of(*a)] += 1;
            }
            let mean = (n > 0).then(|| ats.iter().sum::<f64>() / n as f64);
            ProfileGroup {
                value,
                placements: n,
                mean: mean.map(round4),
                min: ats.iter().copied().reduce(f64::min).map(round4),
                max: ats.iter().copied().reduce(f64::max).map(round4),
                mean_position: mean.map(|m| {
                    round4(match prop.body.steps {
                        Some(s) => 1.0 + m * f64::from(s - 1),
                        None => m,
                    })
                }),
                distribution,
            }
        };
        let rank = |v: &str| order.iter().position(|o| o == v).unwrap_or(order.len());
        let mut keys: Vec<&String> = groups.keys().collect();
        keys.sort_by(|a, b| {
            (a.is_empty(), rank(a), a.to_lowercase()).cmp(&(
                b.is_empty(),
                rank(b),
                b.to_lowercase(),
            ))
        });
        let out_groups = keys
            .into_iter()
            .map(|k| {
                let label = if k.is_empty() {
                    "(no value)".to_string()
                } else {
                    k.clone()
                };
                summarise(label, &groups[k])
            })
            .collect();
        let all: Vec<f64> = view.placements.iter().map(|pl| pl.at).collect();
        Ok(DimensionProfile {
            property,
            code: view.code.clone(),
            name: prop.body.name.clone(),
            low: prop.body.low.clone(),
            high: prop.body.high.clone(),
            steps: prop.body.steps,
            by: by_name,
            bins: bins.clone(),
            groups: out_groups,
            overall: summarise("all".into(), &all),
        })
    }
}

/// A demo property: its category, name, poles, steps, how many segments
/// to place, and each staff group's typical place (0 to 1).
struct DemoProperty {
    category: &'static str,
    name: &'static str,
    description: &'static str,
    low: &'static str,
    high: &'static str,
    steps: Option<u32>,
    placed: usize,
    by_group: [(&'static str, f64); 5],
    /// Added in turn to the group's place, so groups overlap a little.
    jitter: [f64; 4],
}

const DEMO_PROPERTIES: [DemoProperty; 2] = [
    DemoProperty {
        category: "Personal standards",
        name: "explicitness",
        description: "How far the standard is spelled out (in a rule, target or written procedure) rather than carried as an unspoken sense of what good work is.",
        low: "tacit",
        high: "explicit",
        steps: Some(5),
        placed: 15,
        by_group: [
            ("front line clinician", 0.25),
            ("non-clinical front line staff", 0.0),
            ("non-clinical front line manager", 0.5),
            ("clinical manager", 0.75),
            ("senior manager", 1.0),
        ],
        jitter: [0.0, -0.25, 0.25, 0.0],
    },
    DemoProperty {
        category: "Efficiency pressure",
        name: "intensity",
        description: "How constant the pressure is in the speaker's account.",
        low: "now and then",
        high: "constant",
        steps: None,
        placed: 8,
        by_group: [
            ("front line clinician", 0.85),
            ("non-clinical front line staff", 0.7),
            ("non-clinical front line manager", 0.6),
            ("clinical manager", 0.55),
            ("senior manager", 0.35),
        ],
        jitter: [0.0, 0.1, -0.1, 0.05],
    },
];

impl App {
    /// The demo's properties with placed segments of the researcher's
    /// codings, in one change, with ids derived from `ns` and stable names.
    pub(crate) async fn add_demo_properties(
        &self,
        actor: &Actor,
        project: &Project,
        ns: uuid::Uuid,
    ) -> Result<usize, AppError> {
        let codes = self.store.codes(project.id).await?;
        let ctx = Attribution::load(self, project, Some("staff group")).await?;
        let group_var = ctx
            .vars
            .iter()
            .find(|v| v.name == "staff group")
            .map(|v| v.id)
            .ok_or_else(|| AppError::Internal("the demo has no 'staff group' variable".into()))?;
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::RecordCreate,
            "added properties of two categories with placed segments",
        );
        let mut placed = 0;
        for d in &DEMO_PROPERTIES {
            let cat = find_code_in(&codes, d.category)?;
            let body = Property {
                code: cat.id,
                name: d.name.into(),
                description: d.description.into(),
                low: d.low.into(),
                high: d.high.into(),
                steps: d.steps,
            };
            let mut record = records::new_record(project, actor.id(), &body)?;
            record.id = RecordId::derived(ns, &format!("property:{}:{}", d.category, d.name));
            let prop_id = record.id;
            cs.push(Op::insert(Entity::Record(record)));
            let under: HashSet<CodeId> = descendants(&codes, cat.id).into_iter().collect();
            let mut codings: Vec<Coding> = self
                .store
                .codings(
                    project.id,
                    &CodingFilter {
                        codes: under.into_iter().collect(),
                        coders: vec![actor.id()],
                        ..Default::default()
                    },
                )
                .await?;
            let name_of = |c: &Coding| {
                ctx.sources
                    .get(&c.source)
                    .map(|s| s.name.clone())
                    .unwrap_or_default()
            };
            codings.sort_by_key(|c| (name_of(c), c.span.start().0, c.span.end().0));
            let n = d.placed.min(codings.len());
            for i in 0..n {
                let c = &codings[i * codings.len() / n];
                let source = ctx.sources.get(&c.source);
                let group = ctx
                    .case_value(source.and_then(|s| s.case), Some(c.source), group_var)
                    .cloned()
                    .unwrap_or_default();
                let base = d
                    .by_group
                    .iter()
                    .find(|(g, _)| *g == group)
                    .map(|(_, at)| *at)
                    .unwrap_or(0.5);
                let position = body.position_at(base + d.jitter[i % d.jitter.len()]);
                let pl = Placement {
                    property: prop_id,
                    coding: c.id,
                    position,
                    note: String::new(),
                    placed_by: actor.id(),
                };
                let mut record = records::new_record(project, actor.id(), &pl)?;
                record.id = RecordId::derived(ns, &format!("placement:{}:{}", d.name, c.id));
                cs.push(Op::insert(Entity::Record(record)));
                placed += 1;
            }
        }
        self.store.commit(cs).await?;
        Ok(placed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prop(steps: Option<u32>) -> Property {
        Property {
            code: CodeId::new(),
            name: "explicitness".into(),
            description: String::new(),
            low: "tacit".into(),
            high: "explicit".into(),
            steps,
        }
    }

    #[test]
    fn positions_map_to_the_line_between_the_poles() {
        let five = prop(Some(5));
        assert_eq!(five.at(1.0), 0.0);
        assert_eq!(five.at(3.0), 0.5);
        assert_eq!(five.at(5.0), 1.0);
        assert_eq!(five.position_at(0.5), 3.0);
        assert_eq!(five.position_at(0.6), 3.0);
        assert_eq!(five.position_at(0.7), 4.0);
        let cont = prop(None);
        assert_eq!(cont.at(0.25), 0.25);
        assert_eq!(cont.position_at(0.25), 0.25);
    }

    #[test]
    fn positions_off_the_dimension_are_refused_with_the_scale() {
        let five = prop(Some(5));
        for bad in [0.0, 6.0, 2.5, f64::NAN, f64::INFINITY] {
            let e = five.check_position(bad).unwrap_err().to_string();
            assert!(e.contains("from 1 (tacit) to 5 (explicit)"), "{e}");
        }
        assert_eq!(five.check_position(4.0).unwrap(), 4.0);
        let cont = prop(None);
        for bad in [-0.1, 1.5, f64::NAN] {
            let e = cont.check_position(bad).unwrap_err().to_string();
            assert!(e.contains("from 0 (tacit) to 1 (explicit)"), "{e}");
        }
        assert_eq!(cont.check_position(0.0).unwrap(), 0.0);
    }

    #[test]
    fn steps_outside_the_range_are_refused() {
        assert!(check_steps(Some(1)).is_err());
        assert!(check_steps(Some(12)).is_err());
        assert_eq!(check_steps(Some(5)).unwrap(), Some(5));
        assert_eq!(check_steps(None).unwrap(), None);
    }

    #[test]
    fn keys_make_names_unique_per_code_and_placements_unique_per_coding() {
        let p = prop(None);
        assert_eq!(p.key(), format!("{}/explicitness", p.code));
        let pl = Placement {
            property: RecordId::new(),
            coding: CodingId::new(),
            position: 0.5,
            note: String::new(),
            placed_by: UserId::new(),
        };
        assert_eq!(pl.key(), format!("{}/{}", pl.property, pl.coding));
    }

    #[test]
    fn profile_by_parses_case_and_variables() {
        assert_eq!(ProfileBy::parse(" Case "), ProfileBy::Case);
        assert_eq!(
            ProfileBy::parse("staff group"),
            ProfileBy::Variable("staff group".into())
        );
    }
}
