//! Pseudonymising sources: proposing identifiers for review, replacing the
//! accepted ones in one irreversible change, and keeping the mapping back
//! to the originals in an encrypted key file outside the database.
//!
//! A pseudonymisation rewrites the source's text (stored under a new
//! content hash; the old text is purged), moves its codings and layout to
//! the new positions, renames the source if its name or description held
//! an original, records the labels used as [`RecordKind::Pseudonym`]
//! records (never the originals), replaces every original the key maps
//! (longest first, the same labels) in every memo's title and text and in
//! the string values of every project record's JSON body (quotes copied
//! into notes, participant notes; a quote of the rewritten source also
//! moves to the new positions), and scrubs the originals out of every
//! earlier logged change of the project, all in one [`ChangeSet`] with
//! [`Action::SourcePseudonymise`]. The key file is rewritten only after
//! that change committed. Other sources are left as they are (they need
//! their own review); the key makes later pseudonymisations consistent
//! (`pseudonymise_all` applies every known replacement to every source at
//! once). Backups taken before the change still hold the originals: see
//! `backup.rs` (`App::backups_before_erasure`).
//!
//! The rules (detection, labels, rewriting, the key file format) live in
//! `axial-privacy`; this module reads and writes, decides the ops, and
//! commits.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axial_core::{
    Action, Change, ChangeSet, CodingId, Entity, Op, Project, ProjectId, RecordKind, Scrub, Source,
    SourceId, Span, Structure, Turn,
};
use axial_privacy::{
    Category, Confidence, Detection, KeyError, KeyFile, Labeller, Replacement, Rule, Scrubber,
    Vocabulary,
};
use axial_store::CodingFilter;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::participants::Participant;
use crate::records::{new_record, update_op, RecordBody, Typed};
use crate::sources::content_hash;
use crate::texts::LoadedText;
use crate::{Actor, App, AppError};

/// Characters of context shown on each side of a proposal.
const CONTEXT_CHARS: usize = 40;

/// A pseudonym in use in the project: the label and how often it replaced
/// something. Never holds the original.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pseudonym {
    pub label: String,
    pub category: Category,
    /// Replacements made with this label, over all sources.
    pub count: u64,
}

impl RecordBody for Pseudonym {
    const KIND: RecordKind = RecordKind::Pseudonym;
    fn key(&self) -> String {
        self.label.clone()
    }
}

/// Where a project's key file is and the passphrase that opens it.
#[derive(Clone)]
pub struct KeyAccess {
    pub path: PathBuf,
    pub passphrase: String,
}

impl std::fmt::Debug for KeyAccess {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyAccess")
            .field("path", &self.path)
            .field("passphrase", &"…")
            .finish()
    }
}

/// The directory of key files beside a SQLite database file:
/// `<db file>.keys`.
pub fn key_dir_beside(db_file: &Path) -> PathBuf {
    let mut s = db_file.as_os_str().to_owned();
    s.push(".keys");
    PathBuf::from(s)
}

/// The key file of a project in a key directory: `<dir>/<project id>.age`.
pub fn key_file_in(dir: &Path, project: ProjectId) -> PathBuf {
    dir.join(format!("{project}.age"))
}

/// One proposed replacement, for review. Not stored anywhere.
#[derive(Debug, Clone, Serialize)]
pub struct Proposal {
    /// 1, 2, … in text order; decisions refer to it.
    pub id: u32,
    pub category: Category,
    pub confidence: Confidence,
    pub rule: Rule,
    pub original: String,
    /// Code points `[start, end)`.
    pub start: u32,
    pub end: u32,
    pub context_before: String,
    pub context_after: String,
    /// The suggested replacement.
    pub replacement: String,
    /// Whether the replacement comes from the key (the original was
    /// replaced before, here or in another source).
    pub known: bool,
}

/// The proposals for one source.
#[derive(Debug, Clone, Serialize)]
pub struct Proposals {
    pub source: SourceId,
    pub source_name: String,
    /// Changes whenever the proposals would (the text, the key's names);
    /// give it back with the decisions to be sure they still apply.
    pub fingerprint: String,
    /// Whether the key file's names and earlier replacements were used.
    pub key_used: bool,
    pub proposals: Vec<Proposal>,
}

/// Which proposals to accept.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Accept {
    #[default]
    All,
    /// Only these ids.
    Only(Vec<u32>),
    /// Every proposal of high confidence.
    HighConfidence,
}

/// A researcher's decisions on the proposals of one source.
#[derive(Debug, Clone, Default)]
pub struct Decisions {
    pub accept: Accept,
    /// Ids not to replace (wins over `accept`).
    pub reject: Vec<u32>,
    /// Own labels for some ids (these are accepted); every accepted
    /// occurrence of the same original gets the same label.
    pub replace: Vec<(u32, String)>,
    /// Another category for some ids (e.g. a capitalised word that is a
    /// place), which chooses the label when none is given.
    pub recategorise: Vec<(u32, Category)>,
    /// The fingerprint of the proposals reviewed, if known.
    pub fingerprint: Option<String>,
}

/// A coding that covered only replaced text and could not be kept.
#[derive(Debug, Clone, Serialize)]
pub struct DroppedCoding {
    pub coding: CodingId,
    pub code: String,
    pub start: u32,
    pub end: u32,
}

/// What happened to one source.
#[derive(Debug, Clone, Serialize)]
pub struct SourcePseudonymised {
    pub source: SourceId,
    /// The name after pseudonymisation.
    pub name: String,
    pub replacements: usize,
    pub codings_moved: usize,
    pub codings_dropped: Vec<DroppedCoding>,
    pub char_len: u32,
}

/// One label and how many replacements it made in this change.
#[derive(Debug, Clone, Serialize)]
pub struct LabelUse {
    pub label: String,
    pub category: Category,
    pub count: u64,
}

/// The result of a pseudonymisation.
#[derive(Debug, Clone, Serialize)]
pub struct Pseudonymised {
    pub sources: Vec<SourcePseudonymised>,
    pub labels: Vec<LabelUse>,
    /// Memos whose title or text held an original.
    pub memos_changed: usize,
    /// Project records (quotes, participants, notes…) whose body held an
    /// original or pointed into a rewritten text.
    pub records_changed: usize,
    /// The change's position in the log.
    pub seq: i64,
    pub key_file: String,
}

/// One accepted replacement with its label and the category it was filed
/// under.
#[derive(Debug, Clone)]
struct Accepted {
    detection: Detection,
    label: String,
    category: Category,
}

/// One source to rewrite.
struct SourcePlan {
    source: Source,
    text: Arc<LoadedText>,
    accepted: Vec<Accepted>,
}

fn key_error(path: &Path, e: KeyError) -> AppError {
    AppError::Invalid(format!("key file {}: {e}", path.display()))
}

fn fingerprint(detections: &[Detection]) -> String {
    let mut h = Sha256::new();
    for d in detections {
        h.update(format!("{}:{}:{}:{}\n", d.start, d.end, d.category, d.key).as_bytes());
    }
    h.finalize()[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn context(text: &LoadedText, start: u32, end: u32) -> (String, String) {
    let flat = |s: &str| s.replace(['\n', '\r', '\t'], " ");
    let chars = text.char_len();
    let b0 = start.saturating_sub(CONTEXT_CHARS as u32);
    let a1 = (end + CONTEXT_CHARS as u32).min(chars);
    let before = Span::unbounded(b0, start)
        .map(|s| flat(text.slice(s)))
        .unwrap_or_default();
    let after = Span::unbounded(end, a1)
        .map(|s| flat(text.slice(s)))
        .unwrap_or_default();
    (before, after)
}

/// The display form of a detection's key: the listed name for a part of a
/// full name, else the text itself.
fn canonical_original(key: &KeyFile, d: &Detection) -> Option<String> {
    if axial_privacy::normalise(&d.text) == d.key {
        return None;
    }
    Some(
        key.names
            .iter()
            .map(|n| n.name.clone())
            .chain(key.mappings.iter().map(|m| m.original.clone()))
            .find(|n| axial_privacy::normalise(n) == d.key)
            .unwrap_or_else(|| d.key.clone()),
    )
}

impl App {
    /// Sets the directory that holds the projects' key files (the server
    /// uses it; the CLI may also name a file with `--key`).
    pub fn with_key_dir(mut self, dir: impl Into<PathBuf>) -> App {
        self.key_dir = Some(Arc::from(dir.into()));
        self
    }

    /// The default key file of a project, when a key directory is set.
    pub fn key_file(&self, project: &Project) -> Result<PathBuf, AppError> {
        match &self.key_dir {
            Some(dir) => Ok(key_file_in(dir, project.id)),
            None => Err(AppError::invalid(
                "no key file location is set for this database (PostgreSQL or in-memory); give one with --key FILE",
            )),
        }
    }

    /// The project's pseudonyms (labels with their counts).
    pub async fn pseudonyms(&self, project: &Project) -> Result<Vec<Typed<Pseudonym>>, AppError> {
        self.records_of::<Pseudonym>(project).await
    }

    /// Reads and decrypts a key file; a missing file is a new, empty key.
    pub async fn read_key(
        &self,
        project: &Project,
        access: &KeyAccess,
    ) -> Result<KeyFile, AppError> {
        let bytes = match tokio::fs::read(&access.path).await {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if access.passphrase.is_empty() {
                    return Err(key_error(&access.path, KeyError::EmptyPassphrase));
                }
                return Ok(KeyFile::new(project.id.to_string()));
            }
            Err(e) => {
                return Err(AppError::Invalid(format!(
                    "cannot read the key file {}: {e}",
                    access.path.display()
                )))
            }
        };
        let pass = access.passphrase.clone();
        let key = tokio::task::spawn_blocking(move || KeyFile::decrypt(&bytes, &pass))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| key_error(&access.path, e))?;
        if key.project != project.id.to_string() {
            return Err(AppError::Invalid(format!(
                "the key file {} belongs to another project (id {}), not '{}'; give this project's key file with --key",
                access.path.display(),
                key.project,
                project.name
            )));
        }
        Ok(key)
    }

    /// Encrypts `key` into a temporary file beside the key file and returns
    /// its path; [`finish_key`] moves it into place.
    async fn stage_key(&self, key: &KeyFile, access: &KeyAccess) -> Result<PathBuf, AppError> {
        let key = key.clone();
        let pass = access.passphrase.clone();
        let bytes = tokio::task::spawn_blocking(move || key.encrypt(&pass))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(|e| key_error(&access.path, e))?;
        let dir = access
            .path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        tokio::fs::create_dir_all(dir).await.map_err(|e| {
            AppError::Invalid(format!(
                "cannot create the key directory {}: {e}",
                dir.display()
            ))
        })?;
        let name = access
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "key".into());
        let tmp = dir.join(format!(".{name}.{}.tmp", uuid::Uuid::new_v4()));
        write_private(&tmp, &bytes).await.map_err(|e| {
            AppError::Invalid(format!("cannot write the key file {}: {e}", tmp.display()))
        })?;
        Ok(tmp)
    }

    /// Writes a key file (through a temporary file and a rename).
    pub async fn write_key(&self, key: &KeyFile, access: &KeyAccess) -> Result<(), AppError> {
        let tmp = self.stage_key(key, access).await?;
        finish_key(&tmp, &access.path).await
    }

    /// Adds an identifying name or place to the key's list (creating the
    /// key file if there is none). Returns false if it was listed already.
    pub async fn add_key_name(
        &self,
        project: &Project,
        access: &KeyAccess,
        name: &str,
        kind: Category,
    ) -> Result<bool, AppError> {
        if !matches!(kind, Category::Person | Category::Place) {
            return Err(AppError::invalid(format!(
                "a listed name is a person or a place, not {kind}"
            )));
        }
        let mut key = self.read_key(project, access).await?;
        let added = key
            .add_name(name, kind)
            .map_err(|e| key_error(&access.path, e))?;
        self.write_key(&key, access).await?;
        Ok(added)
    }

    /// What the detectors should know: the key's names and earlier
    /// originals, and the participant register's labels as safe words.
    async fn vocabulary(&self, project: &Project, key: &KeyFile) -> Result<Vocabulary, AppError> {
        let safe = self
            .records_of::<Participant>(project)
            .await?
            .into_iter()
            .map(|p| p.body.label)
            .collect();
        Ok(Vocabulary {
            names: key.vocabulary(),
            safe,
        })
    }

    async fn labeller(&self, project: &Project, key: &KeyFile) -> Result<Labeller, AppError> {
        let in_use: Vec<String> = self
            .pseudonyms(project)
            .await?
            .into_iter()
            .map(|p| p.body.label)
            .collect();
        Ok(Labeller::new(
            key.labels(),
            in_use.iter().map(String::as_str),
        ))
    }

    /// Proposes identifiers in a source for review, with suggested
    /// replacements. Without a key only the patterns and capitalised words
    /// are looked for.
    pub async fn propose_pseudonyms(
        &self,
        project: &Project,
        source: &Source,
        key: Option<&KeyAccess>,
    ) -> Result<Proposals, AppError> {
        let (key_file, key_used) = match key {
            Some(a) => (self.read_key(project, a).await?, true),
            None => (KeyFile::new(project.id.to_string()), false),
        };
        let (text, detections) = self.detect_in(project, source, &key_file).await?;
        let mut labeller = self.labeller(project, &key_file).await?;
        // Known before this review: labels chosen below do not count.
        let known = labeller.clone();
        let proposals = detections
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let (before, after) = context(&text, d.start, d.end);
                Proposal {
                    id: i as u32 + 1,
                    category: d.category,
                    confidence: d.confidence,
                    rule: d.rule,
                    original: d.text.clone(),
                    start: d.start,
                    end: d.end,
                    context_before: before,
                    context_after: after,
                    known: known.get(&d.key).is_some(),
                    replacement: labeller.label(&d.key, d.category),
                }
            })
            .collect();
        Ok(Proposals {
            source: source.id,
            source_name: source.name.clone(),
            fingerprint: fingerprint(&detections),
            key_used,
            proposals,
        })
    }

    async fn detect_in(
        &self,
        project: &Project,
        source: &Source,
        key: &KeyFile,
    ) -> Result<(Arc<LoadedText>, Vec<Detection>), AppError> {
        let vocab = self.vocabulary(project, key).await?;
        let text = self.text(source).await?;
        let t = text.clone();
        let detections =
            tokio::task::spawn_blocking(move || axial_privacy::detect(&t.text, &vocab))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
        Ok((text, detections))
    }

    /// Replaces the accepted proposals of one source, in one irreversible
    /// change, then records the mapping in the key file.
    pub async fn pseudonymise(
        &self,
        actor: &Actor,
        project: &Project,
        source: &Source,
        decisions: &Decisions,
        access: &KeyAccess,
    ) -> Result<Pseudonymised, AppError> {
        let key = self.read_key(project, access).await?;
        let source = self.store.source(source.id).await?;
        let (fp, text, detections, mut labeller) =
            self.propose_with(project, &source, &key).await?;
        if let Some(f) = &decisions.fingerprint {
            if *f != fp {
                return Err(AppError::invalid(format!(
                    "the proposals for source '{}' changed since they were listed (its text or the key's names changed); list them again and review",
                    source.name
                )));
            }
        }
        let accepted = decide(&detections, decisions, &mut labeller)?;
        if accepted.is_empty() {
            return Err(AppError::NothingTo(
                "pseudonymise: no proposal was accepted",
            ));
        }
        let plan = SourcePlan {
            text,
            source,
            accepted,
        };
        self.commit_plans(actor, project, vec![plan], key, access)
            .await
    }

    /// The fingerprint, text, detections and labeller of a source.
    async fn propose_with(
        &self,
        project: &Project,
        source: &Source,
        key: &KeyFile,
    ) -> Result<(String, Arc<LoadedText>, Vec<Detection>, Labeller), AppError> {
        let (text, detections) = self.detect_in(project, source, key).await?;
        let labeller = self.labeller(project, key).await?;
        Ok((fingerprint(&detections), text, detections, labeller))
    }

    /// Applies every replacement the key knows (its listed names and the
    /// originals replaced before) to every source of the project, in one
    /// change.
    pub async fn pseudonymise_all(
        &self,
        actor: &Actor,
        project: &Project,
        access: &KeyAccess,
    ) -> Result<Pseudonymised, AppError> {
        let key = self.read_key(project, access).await?;
        if key.names.is_empty() && key.mappings.is_empty() {
            return Err(AppError::invalid(format!(
                "the key file {} lists no names and no replacements yet; add names with `axial pseudonymise names add` or pseudonymise a source first",
                access.path.display()
            )));
        }
        let mut labeller = self.labeller(project, &key).await?;
        let mut plans = Vec::new();
        for source in self.store.sources(project.id).await? {
            let (text, detections) = self.detect_in(project, &source, &key).await?;
            let accepted: Vec<Accepted> = detections
                .into_iter()
                .filter(|d| {
                    matches!(d.rule, Rule::NameList | Rule::NamePart)
                        || key.mapping(&d.text).is_some()
                })
                .map(|d| Accepted {
                    label: labeller.label(&d.key, d.category),
                    category: d.category,
                    detection: d,
                })
                .collect();
            if !accepted.is_empty() {
                plans.push(SourcePlan {
                    source,
                    text,
                    accepted,
                });
            }
        }
        if plans.is_empty() {
            return Err(AppError::NothingTo(
                "pseudonymise: no source contains a name or original the key knows",
            ));
        }
        self.commit_plans(actor, project, plans, key, access).await
    }

    /// Builds and commits the one change that rewrites the planned sources,
    /// then moves the updated key file into place.
    async fn commit_plans(
        &self,
        actor: &Actor,
        project: &Project,
        plans: Vec<SourcePlan>,
        mut key: KeyFile,
        access: &KeyAccess,
    ) -> Result<Pseudonymised, AppError> {
        // The key first, so nothing is lost if a later step fails.
        for plan in &plans {
            let sid = plan.source.id.to_string();
            for a in &plan.accepted {
                key.record(&a.detection.text, &a.label, a.category, &sid);
                if let Some(c) = canonical_original(&key, &a.detection) {
                    key.record(&c, &a.label, a.category, &sid);
                }
            }
        }
        let scrubber = Arc::new(Scrubber::new(
            key.mappings
                .iter()
                .map(|m| (m.original.as_str(), m.replacement.as_str())),
        ));
        let all_sources = self.store.sources(project.id).await?;
        let mut taken: HashSet<String> = all_sources.iter().map(|s| s.name.clone()).collect();
        let codes: HashMap<_, _> = self
            .store
            .codes(project.id)
            .await?
            .into_iter()
            .map(|c| (c.id, c.name))
            .collect();
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::SourcePseudonymise,
            String::new(),
        );
        let mut report = Vec::new();
        let mut counts: BTreeMap<String, (Category, u64)> = BTreeMap::new();
        let mut old_texts = Vec::new();
        // Where each rewritten source's old positions went (for quotes).
        let mut maps: HashMap<SourceId, axial_privacy::OffsetMap> = HashMap::new();
        for plan in plans {
            let reps: Vec<Replacement> = plan
                .accepted
                .iter()
                .map(|a| Replacement {
                    start: a.detection.start,
                    end: a.detection.end,
                    label: a.label.clone(),
                })
                .collect();
            for a in &plan.accepted {
                counts.entry(a.label.clone()).or_insert((a.category, 0)).1 += 1;
            }
            let t = plan.text.clone();
            let rewritten =
                tokio::task::spawn_blocking(move || axial_privacy::rewrite(&t.text, &reps))
                    .await
                    .map_err(|e| AppError::Internal(e.to_string()))?
                    .map_err(|e| AppError::Invalid(e.to_string()))?;
            let new_text: Arc<str> = Arc::from(rewritten.text.as_str());
            let new_hash = content_hash(&new_text);
            let new_len = new_text.chars().count() as u32;
            let old = plan.source.clone();
            taken.remove(&old.name);
            let mut name = scrubber
                .scrub(&old.name)
                .unwrap_or_else(|| old.name.clone());
            if taken.contains(&name) {
                name = (2..)
                    .map(|n| format!("{name} ({n})"))
                    .find(|c| !taken.contains(c))
                    .expect("some suffix is free");
            }
            taken.insert(name.clone());
            let after = Source {
                name: name.clone(),
                description: scrubber
                    .scrub(&old.description)
                    .unwrap_or_else(|| old.description.clone()),
                content_hash: new_hash,
                char_len: new_len,
                structure: Arc::new(move_structure(&old.structure, &rewritten.map, &scrubber)),
                ..old.clone()
            };
            if old.content_hash != new_hash {
                old_texts.push(old.content_hash);
                cs.texts.push((new_hash, new_text));
            }
            cs.push(Op::update(
                Entity::Source(old.clone()),
                Entity::Source(after),
            ));
            let mut moved = 0;
            let mut dropped = Vec::new();
            for coding in self
                .store
                .codings(project.id, &CodingFilter::source(old.id))
                .await?
            {
                match rewritten
                    .map
                    .span(coding.span.start().0, coding.span.end().0)
                    .and_then(|(s, e)| Span::new(s, e, new_len).ok())
                {
                    Some(span) if span == coding.span => {}
                    Some(span) => {
                        moved += 1;
                        let after = axial_core::Coding {
                            span,
                            ..coding.clone()
                        };
                        cs.push(Op::update(Entity::Coding(coding), Entity::Coding(after)));
                    }
                    None => {
                        dropped.push(DroppedCoding {
                            coding: coding.id,
                            code: codes.get(&coding.code).cloned().unwrap_or_default(),
                            start: coding.span.start().0,
                            end: coding.span.end().0,
                        });
                        cs.push(Op::delete(Entity::Coding(coding)));
                    }
                }
            }
            maps.insert(old.id, rewritten.map);
            report.push(SourcePseudonymised {
                source: old.id,
                name,
                replacements: plan.accepted.len(),
                codings_moved: moved,
                codings_dropped: dropped,
                char_len: new_len,
            });
        }
        // Memos and records that copied text keep no original either.
        let mut memos_changed = 0;
        for memo in self.store.memos(project.id).await? {
            let title = scrubber.scrub(&memo.title);
            let body = scrubber.scrub(&memo.body);
            if title.is_none() && body.is_none() {
                continue;
            }
            let after = axial_core::Memo {
                title: title.unwrap_or_else(|| memo.title.clone()),
                body: body.unwrap_or_else(|| memo.body.clone()),
                updated_at: axial_core::now(),
                ..memo.clone()
            };
            cs.push(Op::update(Entity::Memo(memo), Entity::Memo(after)));
            memos_changed += 1;
        }
        let mut records_changed = 0;
        for record in self.store.records(project.id, None).await? {
            // Pseudonym records hold labels only, and are updated below.
            if record.kind == RecordKind::Pseudonym {
                continue;
            }
            if let Some(after) = rewrite_record(&record, &scrubber, &maps) {
                cs.push(Op::update(Entity::Record(record), Entity::Record(after)));
                records_changed += 1;
            }
        }
        // Pseudonym records: one per label, counting replacements.
        let existing: HashMap<String, Typed<Pseudonym>> = self
            .pseudonyms(project)
            .await?
            .into_iter()
            .map(|p| (p.body.label.clone(), p))
            .collect();
        for (label, (category, n)) in &counts {
            match existing.get(label) {
                Some(old) => {
                    let body = Pseudonym {
                        count: old.body.count + n,
                        ..old.body.clone()
                    };
                    cs.push(update_op(old, &body)?);
                }
                None => {
                    let body = Pseudonym {
                        label: label.clone(),
                        category: *category,
                        count: *n,
                    };
                    cs.push(Op::insert(Entity::Record(new_record(
                        project,
                        actor.id(),
                        &body,
                    )?)));
                }
            }
        }
        let total: usize = report.iter().map(|r| r.replacements).sum();
        cs.summary = match report.as_slice() {
            [one] => format!("pseudonymised source '{}' ({total} replacements)", one.name),
            many => format!(
                "pseudonymised {} sources ({total} replacements)",
                many.len()
            ),
        };
        let s = scrubber.clone();
        cs.scrub = Some(Scrub::new(move |c: &mut Change| scrub_change(&s, c)));
        cs.purge_texts = old_texts.clone();

        let staged = self.stage_key(&key, access).await?;
        let change = match self.store.commit(cs).await {
            Ok(c) => c,
            Err(e) => {
                let _ = tokio::fs::remove_file(&staged).await;
                return Err(e.into());
            }
        };
        for h in &old_texts {
            self.texts.forget(h);
        }
        finish_key(&staged, &access.path).await.map_err(|e| {
            AppError::Invalid(format!(
                "the sources were pseudonymised, but {e}; the new key is in {} — move it there by hand",
                staged.display()
            ))
        })?;
        Ok(Pseudonymised {
            sources: report,
            labels: counts
                .into_iter()
                .map(|(label, (category, count))| LabelUse {
                    label,
                    category,
                    count,
                })
                .collect(),
            memos_changed,
            records_changed,
            seq: change.seq.0,
            key_file: access.path.display().to_string(),
        })
    }
}

/// Resolves decisions against the proposals into accepted replacements.
fn decide(
    detections: &[Detection],
    d: &Decisions,
    labeller: &mut Labeller,
) -> Result<Vec<Accepted>, AppError> {
    let n = detections.len() as u32;
    let check_id = |id: u32| -> Result<usize, AppError> {
        if id == 0 || id > n {
            Err(AppError::invalid(if n == 0 {
                format!("there is no proposal {id}: nothing was proposed")
            } else {
                format!("there is no proposal {id}; the proposals are numbered 1 to {n}")
            }))
        } else {
            Ok(id as usize - 1)
        }
    };
    let known: Vec<bool> = detections
        .iter()
        .map(|x| labeller.get(&x.key).is_some())
        .collect();
    // Suggested labels exactly as the reviewer saw them, in order.
    let suggested: Vec<String> = detections
        .iter()
        .map(|x| labeller.label(&x.key, x.category))
        .collect();
    let mut accept: Vec<bool> = match &d.accept {
        Accept::All => vec![true; detections.len()],
        Accept::HighConfidence => detections
            .iter()
            .map(|x| x.confidence == Confidence::High)
            .collect(),
        Accept::Only(ids) => {
            let mut v = vec![false; detections.len()];
            for id in ids {
                v[check_id(*id)?] = true;
            }
            v
        }
    };
    // A new category applies to every occurrence of the same original.
    let mut recategorised: HashMap<&str, Category> = HashMap::new();
    for (id, c) in &d.recategorise {
        recategorised.insert(&detections[check_id(*id)?].key, *c);
    }
    let category: Vec<Category> = detections
        .iter()
        .map(|x| {
            recategorised
                .get(x.key.as_str())
                .copied()
                .unwrap_or(x.category)
        })
        .collect();
    // Edited labels by original key; two different edits of one original
    // are a mistake.
    let mut edits: HashMap<String, (u32, String)> = HashMap::new();
    for (id, label) in &d.replace {
        let i = check_id(*id)?;
        let det = &detections[i];
        let label = axial_privacy::check_label(&det.text, label)
            .map_err(|e| AppError::Invalid(format!("proposal {id}: {e}")))?;
        if label.contains(['"', '\\']) {
            return Err(AppError::invalid(format!(
                "proposal {id}: the replacement '{label}' contains a quote or backslash; use letters, digits, spaces and brackets"
            )));
        }
        if let Some((other, l)) = edits.get(&det.key) {
            if *l != label {
                return Err(AppError::invalid(format!(
                    "proposals {other} and {id} are the same original; give them the same replacement"
                )));
            }
        }
        edits.insert(det.key.clone(), (*id, label));
        accept[i] = true;
    }
    for id in &d.reject {
        accept[check_id(*id)?] = false;
    }
    for (key, (_, label)) in &edits {
        labeller.set(key, label);
    }
    let mut out = Vec::new();
    for (i, det) in detections.iter().enumerate() {
        if !accept[i] {
            continue;
        }
        let label = if let Some((_, l)) = edits.get(&det.key) {
            l.clone()
        } else if category[i] != det.category && !known[i] {
            // A fresh label of the new category, the same for every
            // occurrence (keyed apart from the suggestion it replaces).
            labeller.label(&format!("{}\u{0}{}", det.key, category[i]), category[i])
        } else {
            suggested[i].clone()
        };
        axial_privacy::check_label(&det.text, &label)
            .map_err(|e| AppError::Invalid(format!("proposal {}: {e}", i + 1)))?;
        out.push(Accepted {
            detection: det.clone(),
            label,
            category: category[i],
        });
    }
    Ok(out)
}

/// Moves a source's layout to the new positions; speaker names are
/// scrubbed too. Parts that vanish are dropped.
fn move_structure(s: &Structure, map: &axial_privacy::OffsetMap, scrubber: &Scrubber) -> Structure {
    let span = |sp: &Span| {
        map.span(sp.start().0, sp.end().0)
            .and_then(|(a, b)| Span::unbounded(a, b).ok())
    };
    Structure {
        paragraphs: s.paragraphs.iter().filter_map(span).collect(),
        turns: s
            .turns
            .iter()
            .filter_map(|t| {
                Some(Turn {
                    span: span(&t.span)?,
                    speaker: scrubber
                        .scrub(&t.speaker)
                        .unwrap_or_else(|| t.speaker.clone()),
                    ..t.clone()
                })
            })
            .collect(),
        pages: s.pages.iter().filter_map(span).collect(),
    }
}

/// A record with the originals replaced in the string values of its JSON
/// body (and in its key), and a quote of a rewritten source moved to the
/// new positions; `None` if nothing changes. A body that is not JSON is
/// scrubbed as plain text.
fn rewrite_record(
    record: &axial_core::Record,
    scrubber: &Scrubber,
    maps: &HashMap<SourceId, axial_privacy::OffsetMap>,
) -> Option<axial_core::Record> {
    let mut after = record.clone();
    match serde_json::from_str::<serde_json::Value>(&record.body) {
        Ok(mut body) => {
            let moved = record.kind == RecordKind::Quote && move_quote(&mut body, maps);
            let scrubbed = scrubber.scrub_json(&mut body);
            if !moved && !scrubbed {
                return None;
            }
            after.body = body.to_string();
            if moved {
                if let Ok(q) = serde_json::from_value::<crate::quotes::Quote>(body) {
                    after.key = q.key();
                }
            }
        }
        Err(_) => after.body = scrubber.scrub(&record.body)?,
    }
    if let Some(key) = scrubber.scrub(&after.key) {
        after.key = key;
    }
    after.updated_at = axial_core::now();
    Some(after)
}

/// Moves a quote body's `start`/`end` when its source was rewritten;
/// returns whether they changed.
fn move_quote(
    body: &mut serde_json::Value,
    maps: &HashMap<SourceId, axial_privacy::OffsetMap>,
) -> bool {
    let Some(map) = body
        .get("source")
        .and_then(|s| s.as_str())
        .and_then(|s| s.parse::<SourceId>().ok())
        .and_then(|id| maps.get(&id))
    else {
        return false;
    };
    let at = |k: &str| body.get(k).and_then(|v| v.as_u64()).map(|v| v as u32);
    let (Some(start), Some(end)) = (at("start"), at("end")) else {
        return false;
    };
    match map.span(start, end) {
        Some((s, e)) if (s, e) != (start, end) => {
            body["start"] = s.into();
            body["end"] = e.into();
            true
        }
        _ => false,
    }
}

/// Replaces originals in every string of a logged change.
fn scrub_change(scrubber: &Scrubber, change: &mut Change) -> bool {
    let Ok(mut v) = serde_json::to_value(&*change) else {
        return false;
    };
    if !scrubber.scrub_json(&mut v) {
        return false;
    }
    match serde_json::from_value::<Change>(v) {
        Ok(c) => {
            *change = c;
            true
        }
        Err(_) => false,
    }
}

/// Writes a file readable by its owner only (where the OS supports that).
async fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let path = path.to_path_buf();
    let bytes = bytes.to_vec();
    tokio::task::spawn_blocking(move || {
        use std::io::Write;
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut f = opts.open(&path)?;
        f.write_all(&bytes)?;
        f.sync_all()
    })
    .await
    .map_err(std::io::Error::other)?
}

/// Moves a staged key file into place.
async fn finish_key(staged: &Path, path: &Path) -> Result<(), AppError> {
    tokio::fs::rename(staged, path).await.map_err(|e| {
        AppError::Invalid(format!(
            "cannot move the new key file into {}: {e}",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn det(
        start: u32,
        end: u32,
        text: &str,
        category: Category,
        confidence: Confidence,
    ) -> Detection {
        Detection {
            start,
            end,
            text: text.into(),
            category,
            confidence,
            rule: Rule::NameList,
            key: axial_privacy::normalise(text),
        }
    }

    fn dets() -> Vec<Detection> {
        vec![
            det(0, 5, "Sarah", Category::Person, Confidence::High),
            det(10, 15, "Leeds", Category::Person, Confidence::Low),
            det(20, 25, "sarah", Category::Person, Confidence::High),
            det(30, 35, "a@b.c", Category::Email, Confidence::High),
        ]
    }

    fn check(d: Decisions) -> Result<Vec<(String, String)>, String> {
        let mut l = Labeller::default();
        decide(&dets(), &d, &mut l)
            .map(|v| v.into_iter().map(|a| (a.detection.text, a.label)).collect())
            .map_err(|e| e.to_string())
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn decisions_accept_reject_replace_and_recategorise() {
        assert_eq!(
            check(Decisions::default()),
            Ok(pairs(&[
                ("Sarah", "[Person A]"),
                ("Leeds", "[Person B]"),
                ("sarah", "[Person A]"),
                ("a@b.c", "[email]")
            ]))
        );
        assert_eq!(
            check(Decisions {
                accept: Accept::HighConfidence,
                reject: vec![4],
                ..Default::default()
            }),
            Ok(pairs(&[("Sarah", "[Person A]"), ("sarah", "[Person A]")]))
        );
        assert_eq!(
            check(Decisions {
                accept: Accept::Only(vec![2]),
                replace: vec![(1, "[Colleague A]".into())],
                recategorise: vec![(2, Category::Place)],
                ..Default::default()
            }),
            Ok(pairs(&[("Sarah", "[Colleague A]"), ("Leeds", "[Place A]")]))
        );
        // An edit applies to every accepted occurrence of the same original.
        assert_eq!(
            check(Decisions {
                replace: vec![(3, "[Mother]".into())],
                reject: vec![2, 4],
                ..Default::default()
            }),
            Ok(pairs(&[("Sarah", "[Mother]"), ("sarah", "[Mother]")]))
        );
    }

    #[test]
    fn bad_decisions_are_explained() {
        let e = check(Decisions {
            reject: vec![9],
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.contains("no proposal 9") && e.contains("1 to 4"), "{e}");
        let e = check(Decisions {
            replace: vec![(1, "[A]".into()), (3, "[B]".into())],
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.contains("same original"), "{e}");
        let e = check(Decisions {
            replace: vec![(1, "[Sarah's mum]".into())],
            ..Default::default()
        })
        .unwrap_err();
        assert!(e.contains("contains the original"), "{e}");
    }

    #[test]
    fn key_files_sit_beside_the_database() {
        let p = ProjectId::from_uuid(uuid::Uuid::nil());
        assert_eq!(
            key_file_in(&key_dir_beside(Path::new("/data/study.db")), p),
            PathBuf::from("/data/study.db.keys/00000000-0000-0000-0000-000000000000.age")
        );
    }
}
