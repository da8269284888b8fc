//! `/projects/{project}/codes/{code}/properties` and
//! `/projects/{project}/placements`: the properties of a category with
//! their dimensions (list with placed segments, add, change, delete), the
//! dimensional profile per case or attribute value, and placing codings on
//! a dimension. The rules (unique names per code, positions on the scale,
//! only segments of the code and the codes under it) are the app's; this
//! module maps requests and results.

use axial_app::properties::{
    DimensionProfile, NewProperty, Placement, PlacementView, ProfileBy, ProfileGroup,
    PropertyChanges, PropertyView,
};
use axial_core::{CodeId, CodingId, Project, ProjectId, RecordId};
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::codes::{segment_dto, CodedSegmentDto};
use super::{ApiResult, Json, Path, Query};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(update, delete))
        .routes(routes!(profile))
        .routes(routes!(of_coding, place))
        .routes(routes!(unplace))
}

/// A property of a code: a dimension from `low` to `high`, with the
/// segments placed on it, lowest first.
#[derive(Serialize, ToSchema)]
struct PropertyDto {
    id: String,
    code_id: String,
    /// The code's path in the tree.
    code: String,
    name: String,
    description: String,
    low: String,
    high: String,
    /// Steps from pole to pole (positions 1 to steps); null for a
    /// continuous dimension (positions 0 to 1).
    steps: Option<u32>,
    placements: Vec<PlacementDto>,
}

#[derive(Serialize, ToSchema)]
struct PlacementDto {
    id: String,
    coding: String,
    /// As stored: a step, or 0 to 1.
    position: f64,
    /// Between the poles, 0 (low) to 1 (high).
    at: f64,
    note: String,
    placed_by: String,
    segment: CodedSegmentDto,
}

fn placement_dto(p: PlacementView) -> PlacementDto {
    PlacementDto {
        id: p.id.to_string(),
        coding: p.coding.to_string(),
        position: p.position,
        at: p.at,
        note: p.note,
        placed_by: p.placed_by,
        segment: segment_dto(p.segment),
    }
}

fn property_dto(p: PropertyView) -> PropertyDto {
    PropertyDto {
        id: p.id.to_string(),
        code_id: p.code_id.to_string(),
        code: p.code,
        name: p.name,
        description: p.description,
        low: p.low,
        high: p.high,
        steps: p.steps,
        placements: p.placements.into_iter().map(placement_dto).collect(),
    }
}

#[derive(Deserialize, ToSchema)]
struct NewPropertyDto {
    name: String,
    #[serde(default)]
    description: String,
    /// Label of the low pole, e.g. "tacit".
    low: String,
    /// Label of the high pole, e.g. "explicit".
    high: String,
    /// 2 to 11 steps; absent or null for a continuous 0 to 1 dimension.
    #[serde(default)]
    steps: Option<u32>,
}

/// Fields to change; absent fields stay. `steps: null` makes the dimension
/// continuous; placements keep their place between the poles.
#[derive(Deserialize, ToSchema)]
struct PropertyChangesDto {
    name: Option<String>,
    description: Option<String>,
    low: Option<String>,
    high: Option<String>,
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<u32>)]
    steps: Option<Option<u32>>,
}

/// A field that is present (even as null) becomes `Some`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<u32>>, D::Error> {
    Option::<u32>::deserialize(d).map(Some)
}

#[derive(Serialize, ToSchema)]
struct DeletedDto {
    deleted: bool,
    /// Placements deleted with the property.
    placements: usize,
}

#[derive(Deserialize, IntoParams)]
struct ProfileParams {
    /// A variable name (e.g. "staff group"), or "case" for one group per
    /// case (default "case").
    by: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct ProfileGroupDto {
    /// The case or attribute value, or "(no value)".
    value: String,
    placements: usize,
    /// Mean, lowest and highest place between the poles (0 to 1).
    mean: Option<f64>,
    min: Option<f64>,
    max: Option<f64>,
    /// The mean in the property's own scale.
    mean_position: Option<f64>,
    /// Placements per bin (see `bins`).
    distribution: Vec<u64>,
}

#[derive(Serialize, ToSchema)]
struct ProfileDto {
    property: String,
    code: String,
    name: String,
    low: String,
    high: String,
    steps: Option<u32>,
    /// "case" or the variable's name.
    by: String,
    /// One bin per step, or five equal parts of 0 to 1.
    bins: Vec<String>,
    groups: Vec<ProfileGroupDto>,
    overall: ProfileGroupDto,
}

fn group_dto(g: ProfileGroup) -> ProfileGroupDto {
    ProfileGroupDto {
        value: g.value,
        placements: g.placements,
        mean: g.mean,
        min: g.min,
        max: g.max,
        mean_position: g.mean_position,
        distribution: g.distribution,
    }
}

fn profile_dto(p: DimensionProfile) -> ProfileDto {
    ProfileDto {
        property: p.property.to_string(),
        code: p.code,
        name: p.name,
        low: p.low,
        high: p.high,
        steps: p.steps,
        by: p.by,
        bins: p.bins,
        groups: p.groups.into_iter().map(group_dto).collect(),
        overall: group_dto(p.overall),
    }
}

#[derive(Deserialize, ToSchema)]
struct PlaceDto {
    /// The coding (segment) to place.
    coding: String,
    /// The property whose dimension it goes on.
    property: String,
    /// A whole step from 1 to the property's steps, or 0 to 1 when continuous.
    position: f64,
    /// A note on why it sits there; absent keeps the note of a placement
    /// being moved.
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct PlacedDto {
    id: String,
    property: String,
    coding: String,
    position: f64,
    note: String,
}

fn placed_dto(id: RecordId, p: &Placement) -> PlacedDto {
    PlacedDto {
        id: id.to_string(),
        property: p.property.to_string(),
        coding: p.coding.to_string(),
        position: p.position,
        note: p.note.clone(),
    }
}

#[derive(Deserialize, IntoParams)]
struct OfCodingParams {
    /// The coding whose possible dimensions to list.
    coding: String,
}

/// A property a coding can be placed on, and where it is placed now.
#[derive(Serialize, ToSchema)]
struct CodingPropertyDto {
    property: String,
    code_id: String,
    code: String,
    name: String,
    low: String,
    high: String,
    steps: Option<u32>,
    /// The placement, when the coding is placed on this property.
    placement: Option<PlacedDto>,
}

fn parse<T: std::str::FromStr>(field: &str, s: &str) -> Result<T, ApiError>
where
    T::Err: std::fmt::Display,
{
    s.trim()
        .parse()
        .map_err(|e: T::Err| ApiError::invalid(field, format!("'{s}': {e}")))
}

/// The property with this id, which must belong to the code.
async fn property_of(
    s: &AppState,
    p: &Project,
    code: CodeId,
    id: RecordId,
) -> Result<PropertyView, ApiError> {
    let c = super::code_in(s, p, code).await?;
    s.app
        .property_views(p, &c)
        .await?
        .into_iter()
        .find(|v| v.id == id)
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "no property with id {id} on code '{}'; list them with GET …/codes/{code}/properties",
                c.name
            ))
        })
}

#[utoipa::path(get, path = "/projects/{project}/codes/{code}/properties", tag = "properties",
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "code id")),
    responses((status = 200, body = [PropertyDto], description = "by name; placements lowest first")))]
async fn list(
    State(s): State<AppState>,
    Path((project, code)): Path<(ProjectId, CodeId)>,
) -> ApiResult<Vec<PropertyDto>> {
    let p = super::project(&s, project).await?;
    let c = super::code_in(&s, &p, code).await?;
    Ok(Json(
        s.app
            .property_views(&p, &c)
            .await?
            .into_iter()
            .map(property_dto)
            .collect(),
    ))
}

#[utoipa::path(post, path = "/projects/{project}/codes/{code}/properties", tag = "properties", request_body = NewPropertyDto,
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "code id")),
    responses((status = 201, body = PropertyDto), (status = 422, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody, description = "the code has a property of that name")))]
async fn create(
    State(s): State<AppState>,
    Path((project, code)): Path<(ProjectId, CodeId)>,
    Json(body): Json<NewPropertyDto>,
) -> Result<(StatusCode, Json<PropertyDto>), ApiError> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let c = super::code_in(&s, &p, code).await?;
    let made = s
        .app
        .add_property(
            &actor,
            &p,
            &c,
            NewProperty {
                name: body.name,
                description: body.description,
                low: body.low,
                high: body.high,
                steps: body.steps,
            },
        )
        .await?;
    let view = property_of(&s, &p, code, made.id()).await?;
    Ok((StatusCode::CREATED, Json(property_dto(view))))
}

#[utoipa::path(patch, path = "/projects/{project}/codes/{code}/properties/{property}", tag = "properties", request_body = PropertyChangesDto,
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "code id"),
        ("property" = String, Path, description = "property id")),
    responses((status = 200, body = PropertyDto), (status = 404, body = crate::error::ErrorBody),
        (status = 409, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn update(
    State(s): State<AppState>,
    Path((project, code, property)): Path<(ProjectId, CodeId, RecordId)>,
    Json(body): Json<PropertyChangesDto>,
) -> ApiResult<PropertyDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    property_of(&s, &p, code, property).await?;
    s.app
        .update_property(
            &actor,
            &p,
            property,
            PropertyChanges {
                name: body.name,
                description: body.description,
                low: body.low,
                high: body.high,
                steps: body.steps,
            },
        )
        .await?;
    Ok(Json(property_dto(
        property_of(&s, &p, code, property).await?,
    )))
}

#[utoipa::path(delete, path = "/projects/{project}/codes/{code}/properties/{property}", tag = "properties",
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "code id"),
        ("property" = String, Path, description = "property id")),
    responses((status = 200, body = DeletedDto, description = "the property and its placements are gone, in one change"),
        (status = 404, body = crate::error::ErrorBody)))]
async fn delete(
    State(s): State<AppState>,
    Path((project, code, property)): Path<(ProjectId, CodeId, RecordId)>,
) -> ApiResult<DeletedDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    property_of(&s, &p, code, property).await?;
    let n = s.app.delete_property(&actor, &p, property).await?;
    Ok(Json(DeletedDto {
        deleted: true,
        placements: n,
    }))
}

#[utoipa::path(get, path = "/projects/{project}/codes/{code}/properties/{property}/profile", tag = "properties",
    params(("project" = String, Path, description = "project id"), ("code" = String, Path, description = "code id"),
        ("property" = String, Path, description = "property id"), ProfileParams),
    responses((status = 200, body = ProfileDto, description = "where each group's placed segments lie"),
        (status = 404, body = crate::error::ErrorBody, description = "no such property or variable")))]
async fn profile(
    State(s): State<AppState>,
    Path((project, code, property)): Path<(ProjectId, CodeId, RecordId)>,
    Query(q): Query<ProfileParams>,
) -> ApiResult<ProfileDto> {
    let p = super::project(&s, project).await?;
    property_of(&s, &p, code, property).await?;
    let by = ProfileBy::parse(q.by.as_deref().unwrap_or("case"));
    Ok(Json(profile_dto(
        s.app.property_profile(&p, property, &by).await?,
    )))
}

#[utoipa::path(get, path = "/projects/{project}/placements", tag = "properties",
    params(("project" = String, Path, description = "project id"), OfCodingParams),
    responses((status = 200, body = [CodingPropertyDto], description = "the properties of the coding's code and the codes above it, nearest first"),
        (status = 404, body = crate::error::ErrorBody)))]
async fn of_coding(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Query(q): Query<OfCodingParams>,
) -> ApiResult<Vec<CodingPropertyDto>> {
    let p = super::project(&s, project).await?;
    let coding: CodingId = parse("coding", &q.coding)?;
    let options = s.app.coding_properties(&p, coding).await?;
    Ok(Json(
        options
            .into_iter()
            .map(|o| CodingPropertyDto {
                property: o.property.id().to_string(),
                code_id: o.property.body.code.to_string(),
                code: o.code,
                name: o.property.body.name.clone(),
                low: o.property.body.low.clone(),
                high: o.property.body.high.clone(),
                steps: o.property.body.steps,
                placement: o.placement.as_ref().map(|pl| placed_dto(pl.id(), &pl.body)),
            })
            .collect(),
    ))
}

#[utoipa::path(post, path = "/projects/{project}/placements", tag = "properties", request_body = PlaceDto,
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, body = PlacedDto, description = "placed, or moved when it was placed already"),
        (status = 404, body = crate::error::ErrorBody), (status = 422, body = crate::error::ErrorBody)))]
async fn place(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
    Json(body): Json<PlaceDto>,
) -> ApiResult<PlacedDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let coding: CodingId = parse("coding", &body.coding)?;
    let property: RecordId = parse("property", &body.property)?;
    let placed = s
        .app
        .place_coding(
            &actor,
            &p,
            coding,
            property,
            body.position,
            body.note.as_deref(),
        )
        .await?;
    Ok(Json(placed_dto(placed.id(), &placed.body)))
}

#[utoipa::path(delete, path = "/projects/{project}/placements/{placement}", tag = "properties",
    params(("project" = String, Path, description = "project id"), ("placement" = String, Path, description = "placement id")),
    responses((status = 200, body = PlacedDto, description = "the placement taken off"), (status = 404, body = crate::error::ErrorBody)))]
async fn unplace(
    State(s): State<AppState>,
    Path((project, placement)): Path<(ProjectId, RecordId)>,
) -> ApiResult<PlacedDto> {
    let p = super::project(&s, project).await?;
    let actor = s.actor().await?;
    let pl = s.app.placement(&p, placement).await?;
    s.app
        .unplace_coding(&actor, &p, pl.body.coding, pl.body.property)
        .await?;
    Ok(Json(placed_dto(pl.id(), &pl.body)))
}
