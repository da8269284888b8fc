//! Axial's use cases: the one façade the CLI and the HTTP server call.
//!
//! Each use case reads what it needs through the [`Store`] trait, decides the
//! entity-level ops (what a merge, an import or an undo consists of), and
//! commits them as one change set. This is the only place that logic lives,
//! so every backend behaves the same. No HTTP types, no clap, no SQL and no
//! concrete backend here.

use std::sync::Arc;

use axial_core::{Project, ProjectId, User, UserId};
use axial_store::{Store, StoreError};

pub mod accounts;
mod analysis;
mod audit;
/// The statistics crate, for the parameter and result types of the analysis use cases.
pub use axial_analysis;
pub mod backup;
pub mod bench;
mod blind;
mod cases;
mod codebook;
mod coding;
pub mod demo;
mod error;
mod exchange;
mod history;
mod layout;
mod live;
mod members;
mod memos;
pub mod migrate;
pub mod participants;
mod project;
pub mod properties;
pub mod pseudonymise;
pub mod quotes;
pub mod records;
mod relations;
mod report;
mod search;
mod sources;
mod texts;
mod workspace;

pub use accounts::{AccountView, NewSession, SignedIn};
pub use analysis::{
    AgreementRequest, AgreementView, AnalysisData, ContradictionView, CooccurrenceView,
    DisagreementView, KwicRow, KwicView, MatrixView, NegativeView, QueryRequest, QuerySegment,
    QueryView, Restriction, SaturationRequest, SaturationView, SourceAgreementRow, WordsView,
    SAVED_QUERY_PREFIX,
};
pub use audit::{
    audit_csv, audit_table, parse_action, parse_entity_kind, parse_instant, AuditEntry, AuditOp,
    AuditPage, AuditQuery, CodeRef, FieldChange, Genealogy, GenealogyEvent, GenealogyStep,
    AUDIT_CSV_HEADER,
};
/// The pseudonymisation rules, for the category, confidence and key file types.
pub use axial_privacy;
pub use cases::{AttributeSheetReport, CaseSummary};
pub use codebook::{CodeNode, CodeUsage, MergePreview};
pub use coding::{ApplyTarget, Segment, SegmentQuery};
pub use error::AppError;
pub use exchange::{
    CodebookImport, Conversion, ExchangeCounts, ExchangeError, Loss, LossReport, ProjectImport,
    QdpxStream, RefiError, EXPORT_CHUNK,
};
pub use history::HistoryEntry;
pub use layout::{layout_source, LayoutCode, LayoutLine, LayoutRange, LineSegment, SourceLayout};
pub use members::{Member, MemberRole, MemberView};
pub use pseudonymise::{Accept, Decisions, KeyAccess, Proposal, Proposals, Pseudonymised};
pub use relations::RelationView;
pub use report::ThemeReportRequest;
pub use search::{SearchHit, SearchQuery};
pub use sources::{BatchImporter, ImportOutcome, ImportRequest, PreparedImport, SurveyImport};
pub use texts::{LoadedText, TextCache};

/// Largest file the importers accept.
pub const MAX_IMPORT_BYTES: u64 = axial_formats::import::MAX_FILE_BYTES;
pub use workspace::{SegmentGroup, SourceSummary};

/// Who is acting: every change records its author.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    pub user: User,
}

impl Actor {
    pub fn id(&self) -> UserId {
        self.user.id
    }
}

/// The façade: a store plus per-process caches. Cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Arc<dyn Store>,
    texts: TextCache,
    live: live::LiveFeed,
    /// Where the projects' key files live (see `pseudonymise.rs`).
    key_dir: Option<Arc<std::path::Path>>,
    /// The database's backup folder, when it has one (see `backup.rs`).
    backups: Option<Arc<backup::BackupFolder>>,
}

/// How many times a use case re-reads and retries when someone else changed
/// what it read in the meantime.
const CONFLICT_RETRIES: usize = 3;

impl App {
    pub fn new(store: Arc<dyn Store>) -> App {
        App {
            store,
            texts: TextCache::default(),
            live: live::LiveFeed::default(),
            key_dir: None,
            backups: None,
        }
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn texts(&self) -> &TextCache {
        &self.texts
    }

    /// The user with this login name, created on first use (local mode: no
    /// accounts, one identity per login name).
    pub async fn local_user(&self, name: &str) -> Result<Actor, AppError> {
        let name = axial_core::validate_name("user", name)?;
        for _ in 0..CONFLICT_RETRIES {
            if let Some(u) = self
                .store
                .users()
                .await?
                .into_iter()
                .find(|u| u.name == name)
            {
                return Ok(Actor { user: u });
            }
            let user = User {
                id: UserId::new(),
                name: name.clone(),
                display_name: name.clone(),
                created_at: axial_core::now(),
                version: axial_core::Version::FIRST,
            };
            let cs = axial_core::ChangeSet::new(
                None,
                user.id,
                axial_core::Action::UserCreate,
                format!("created user '{name}'"),
            )
            .op(axial_core::Op::insert(axial_core::Entity::User(
                user.clone(),
            )));
            match self.store.commit(cs).await {
                Ok(_) => return Ok(Actor { user }),
                // Someone created the same name at the same moment: read it.
                Err(StoreError::Constraint { .. }) | Err(StoreError::AlreadyExists { .. }) => {
                    continue
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(AppError::Busy {
            what: format!("creating user '{name}'"),
        })
    }

    /// A project by name, or the only project when no name is given.
    pub async fn resolve_project(&self, name: Option<&str>) -> Result<Project, AppError> {
        let projects = self.store.projects().await?;
        match name {
            Some(n) => {
                let n = n.trim();
                projects
                    .iter()
                    .find(|p| p.name == n)
                    .or_else(|| projects.iter().find(|p| p.name.eq_ignore_ascii_case(n)))
                    .cloned()
                    .ok_or_else(|| AppError::NotFound {
                        what: "project",
                        name: n.to_string(),
                        hint: list_hint("projects", projects.iter().map(|p| p.name.as_str())),
                    })
            }
            None => match projects.len() {
                0 => Err(AppError::NoProject),
                1 => Ok(projects.into_iter().next().expect("one project")),
                _ => Err(AppError::WhichProject {
                    names: projects.into_iter().map(|p| p.name).collect(),
                }),
            },
        }
    }

    pub async fn project(&self, id: ProjectId) -> Result<Project, AppError> {
        Ok(self.store.project(id).await?)
    }
}

/// "the projects are: a, b, c" (or a note that there are none), for error hints.
pub(crate) fn list_hint<'a>(what: &str, names: impl Iterator<Item = &'a str>) -> String {
    let names: Vec<&str> = names.take(20).collect();
    if names.is_empty() {
        format!("there are no {what} yet")
    } else {
        format!("the {what} are: {}", names.join(", "))
    }
}
