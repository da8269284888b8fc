//! `/projects/{project}/events`: live updates as server-sent events. Every
//! change committed to the project — by this server process, another one
//! on the same PostgreSQL database, or the CLI — arrives as one `change`
//! event naming its author, action and the things it touched, so a browser
//! can refresh just those views. A subscriber that fell behind gets a
//! `reload` event instead of the changes it missed.

use std::collections::{BTreeSet, HashMap};
use std::convert::Infallible;
use std::sync::Arc;

use axial_core::{Change, Entity, ProjectId, UserId};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::stream::{self, Stream};
use serde::Serialize;
use tokio::sync::broadcast::error::RecvError;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use super::{rfc3339, Path};
use crate::{ApiError, AppState};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

/// One committed change, as the browser needs it to refresh.
#[derive(Serialize, ToSchema)]
struct ChangeEventDto {
    seq: i64,
    at: String,
    author: String,
    author_name: String,
    action: String,
    summary: String,
    /// Kinds of thing the change touched ("coding", "code", "memo", ...).
    kinds: Vec<String>,
    /// Sources whose codings or text changed.
    sources: Vec<String>,
    codes: Vec<String>,
    memos: Vec<String>,
}

fn describe(c: &Change, names: &HashMap<UserId, String>) -> ChangeEventDto {
    let (mut kinds, mut sources, mut codes, mut memos) = (
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
        BTreeSet::new(),
    );
    for op in &c.ops {
        let e = op.entity();
        kinds.insert(e.kind().as_str().to_string());
        match e {
            Entity::Coding(x) => {
                sources.insert(x.source.to_string());
                codes.insert(x.code.to_string());
            }
            Entity::Source(x) => {
                sources.insert(x.id.to_string());
            }
            Entity::Code(x) => {
                codes.insert(x.id.to_string());
            }
            Entity::Memo(x) => {
                memos.insert(x.id.to_string());
            }
            _ => {}
        }
    }
    ChangeEventDto {
        seq: c.seq.0,
        at: rfc3339(c.at),
        author: c.author.to_string(),
        author_name: names.get(&c.author).cloned().unwrap_or_default(),
        action: c.action.to_string(),
        summary: c.summary.clone(),
        kinds: kinds.into_iter().collect(),
        sources: sources.into_iter().collect(),
        codes: codes.into_iter().collect(),
        memos: memos.into_iter().collect(),
    }
}

struct Feed {
    state: AppState,
    project: ProjectId,
    rx: tokio::sync::broadcast::Receiver<Arc<Change>>,
    names: HashMap<UserId, String>,
}

impl Feed {
    async fn name_of(&mut self, user: UserId) {
        if self.names.contains_key(&user) {
            return;
        }
        if let Ok(users) = self.state.app.store().users().await {
            self.names = users.into_iter().map(|u| (u.id, u.name)).collect();
        }
    }

    /// The next event for this project.
    async fn next(&mut self) -> Option<Event> {
        loop {
            match self.rx.recv().await {
                Ok(c) if c.project == Some(self.project) => {
                    self.name_of(c.author).await;
                    let dto = describe(&c, &self.names);
                    return Some(
                        Event::default()
                            .event("change")
                            .id(c.seq.0.to_string())
                            .json_data(dto)
                            .unwrap_or_else(|_| Event::default().event("reload")),
                    );
                }
                Ok(_) => continue,
                Err(RecvError::Lagged(missed)) => {
                    return Some(Event::default().event("reload").data(missed.to_string()))
                }
                Err(RecvError::Closed) => return None,
            }
        }
    }
}

#[utoipa::path(get, path = "/projects/{project}/events", tag = "live",
    params(("project" = String, Path, description = "project id")),
    responses((status = 200, content_type = "text/event-stream", body = ChangeEventDto,
        description = "server-sent events: `change` (data: the change) and `reload` (the subscriber missed changes)")))]
async fn events(
    State(s): State<AppState>,
    Path(project): Path<ProjectId>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let p = super::project(&s, project).await?;
    let feed = Feed {
        rx: s.app.live_changes().await,
        state: s,
        project: p.id,
        names: HashMap::new(),
    };
    let stream = stream::unfold(feed, |mut feed| async move {
        feed.next().await.map(|e| (Ok(e), feed))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
