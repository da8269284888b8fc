//! REFI-QDA exchange use cases: a whole project out as `.qdpx` and back in
//! as a new project, and codebooks (`.qdc`, codebook CSV) out of and into an
//! existing project.
//!
//! The translation itself lives in `axial_formats::refi`; this module decides
//! what an import means for the database: an imported project is one
//! [`ChangeSet`] (`project.import`), so it is atomic and undoable; GUIDs that
//! already exist in the database (the same file imported twice) are replaced
//! by fresh ids consistently; users are matched by name or created; the
//! project name is made unique. A codebook is merged into a project by name
//! path (existing codes kept, new ones added). A dry run does all of this
//! except the commit. An export holds one source text at a time and none of
//! the XML: it goes to a writer, or out in chunks for a download. This
//! module does no file-system IO and prints nothing.

use std::collections::{HashMap, HashSet};
use std::io::{Cursor, Seek, Write};
use std::sync::Arc;

use axial_core::{
    Action, ChangeSeq, ChangeSet, Code, CodeId, Entity, MemoLink, Op, Project, Set, SetId,
    SetMember, Source, SourceId, Subject, User, UserId, Version,
};
use axial_formats::refi::{self, Bundle, ImportOptions, TextFacts};
use axial_store::StoreError;
use serde::Serialize;
use tokio::sync::mpsc;
use uuid::Uuid;

pub use axial_formats::refi::{Conversion, Loss, LossReport, RefiError};

use crate::{Actor, App, AppError};

/// Why an exchange failed: the file (with what is wrong in it) or the app.
#[derive(Debug, thiserror::Error)]
pub enum ExchangeError {
    /// The file is not valid REFI-QDA, is hostile, or could not be written.
    #[error("{file}: {source}")]
    Refi {
        file: String,
        #[source]
        source: RefiError,
    },
    #[error(transparent)]
    App(#[from] AppError),
}

impl From<StoreError> for ExchangeError {
    fn from(e: StoreError) -> Self {
        ExchangeError::App(AppError::Store(e))
    }
}

/// How many of each thing an import brings (or would bring) in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ExchangeCounts {
    pub users_created: u64,
    pub users_matched: u64,
    pub sources: u64,
    pub cases: u64,
    pub variables: u64,
    pub values: u64,
    pub codes: u64,
    pub codings: u64,
    pub memos: u64,
    pub sets: u64,
    pub relations: u64,
}

/// The outcome of importing a REFI-QDA project.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectImport {
    /// The new project (for a dry run: the project that would be created).
    pub project: Project,
    pub dry_run: bool,
    /// The log entry of the import; `None` for a dry run.
    pub change: Option<i64>,
    pub counts: ExchangeCounts,
    /// True when the file's GUIDs were already in the database and every id
    /// was replaced by a fresh one.
    pub remapped_ids: bool,
    pub report: LossReport,
}

/// The outcome of merging a codebook into a project.
#[derive(Debug, Clone, Serialize)]
pub struct CodebookImport {
    pub dry_run: bool,
    pub change: Option<i64>,
    /// Codes in the file whose name path already existed: kept as they are.
    pub codes_kept: u64,
    pub codes_added: u64,
    pub sets_added: u64,
    pub sets_extended: u64,
    pub remapped_ids: bool,
    pub report: LossReport,
}

/// Bytes an export hands on at a time ([`App::export_qdpx_stream`]).
pub const EXPORT_CHUNK: usize = 64 << 10;

/// A `.qdpx` archive being written: the first chunk, then the rest as it
/// is produced. An `Err` on `rest` means the archive is incomplete.
pub struct QdpxStream {
    pub first: Vec<u8>,
    pub rest: mpsc::Receiver<Result<Vec<u8>, ExchangeError>>,
}

/// A `Write` that hands full chunks to a channel. Used from a blocking
/// thread only (it blocks while the receiver is [`EXPORT_CHUNK`]s behind).
struct ChunkSink {
    tx: mpsc::Sender<Result<Vec<u8>, ExchangeError>>,
    buf: Vec<u8>,
}

impl ChunkSink {
    fn send(&mut self) -> std::io::Result<()> {
        let chunk = std::mem::replace(&mut self.buf, Vec::with_capacity(EXPORT_CHUNK));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the download was cancelled")
        })
    }

    /// Sends what is left.
    fn send_rest(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        self.send()
    }
}

impl Write for ChunkSink {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= EXPORT_CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The kinds of file a project import accepts, told apart by content.
fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK")
}

impl App {
    /// Every value of a project with its source texts: what an export writes.
    pub async fn export_bundle(&self, project: &Project) -> Result<Bundle, AppError> {
        let mut b = self.export_values(project).await?;
        for s in &b.sources {
            let text = self.export_text(s).await?;
            b.texts.insert(s.id, text.to_string());
        }
        Ok(b)
    }

    /// Every value of a project without the texts, in canonical order.
    async fn export_values(&self, project: &Project) -> Result<Bundle, AppError> {
        let snap = self.store.snapshot(project.id).await?;
        let mut b = Bundle::new(snap.project.unwrap_or_else(|| project.clone()));
        b.users = snap.users;
        b.sources = snap.sources;
        b.cases = snap.cases;
        b.variables = snap.variables;
        b.values = snap.values;
        b.sets = snap.sets;
        b.codes = snap.codes;
        b.codings = snap.codings;
        b.memos = snap.memos;
        b.relations = snap.relations;
        b.canonicalize();
        Ok(b)
    }

    /// A source's text for an export: the cached one if it is cached, else
    /// read from the store without caching it (an export of a project
    /// nobody has opened should not fill the cache with all its texts).
    async fn export_text(&self, source: &Source) -> Result<Arc<str>, AppError> {
        match self.texts.lookup(&source.content_hash) {
            Some(t) => Ok(t.text.clone()),
            None => Ok(self.store.text(source.content_hash).await?),
        }
    }

    /// Writes a project as a `.qdpx` archive to `w`, holding one source
    /// text at a time and none of the XML (see [`App::export_qdpx_stream`]).
    pub async fn export_qdpx<W: Write + Seek + Send + 'static>(
        &self,
        project: &Project,
        w: W,
    ) -> Result<W, ExchangeError> {
        self.export_archive(project, w, |b, facts, texts, w| {
            refi::write_qdpx_streamed(b, facts, texts, w)
        })
        .await
    }

    /// A project as the bytes of a `.qdpx` archive.
    pub async fn export_qdpx_bytes(&self, project: &Project) -> Result<Vec<u8>, ExchangeError> {
        Ok(self
            .export_qdpx(project, Cursor::new(Vec::new()))
            .await?
            .into_inner())
    }

    /// Starts writing a project as a `.qdpx` archive for a writer that
    /// cannot seek (an HTTP response body) and returns once the first
    /// chunk is ready, so a project that cannot be exported is an error
    /// rather than a broken download. The rest arrives on
    /// [`QdpxStream::rest`] as it is produced (an `Err` there means the
    /// archive is incomplete); at most a few chunks of
    /// [`EXPORT_CHUNK`] bytes and one source text are held at a time.
    pub async fn export_qdpx_stream(&self, project: &Project) -> Result<QdpxStream, ExchangeError> {
        let (tx, mut rx) = mpsc::channel(4);
        let app = self.clone();
        let project = project.clone();
        tokio::spawn(async move {
            let sink = ChunkSink {
                tx: tx.clone(),
                buf: Vec::with_capacity(EXPORT_CHUNK),
            };
            let done = app
                .export_archive(&project, sink, |b, facts, texts, w| {
                    let mut sink = refi::write_qdpx_to_stream(b, facts, texts, w)?;
                    sink.send_rest().map_err(|e| RefiError::Write {
                        detail: e.to_string(),
                    })?;
                    Ok(sink)
                })
                .await;
            if let Err(e) = done {
                // The receiver may be gone (the client left): nothing to tell.
                let _ = tx.send(Err(e)).await;
            }
        });
        match rx.recv().await {
            Some(Ok(first)) => Ok(QdpxStream { first, rest: rx }),
            Some(Err(e)) => Err(e),
            None => {
                Err(AppError::Internal("the export stopped before writing anything".into()).into())
            }
        }
    }

    /// The export pipeline: values (no texts) and the facts of each text
    /// (one text held at a time), then `write` runs off the async threads
    /// and is fed the texts one by one, in source order, through a small
    /// channel.
    async fn export_archive<W, F>(
        &self,
        project: &Project,
        w: W,
        write: F,
    ) -> Result<W, ExchangeError>
    where
        W: Send + 'static,
        F: FnOnce(
                Bundle,
                &HashMap<SourceId, TextFacts>,
                &mut dyn FnMut(&Source) -> Result<Arc<str>, RefiError>,
                W,
            ) -> Result<W, RefiError>
            + Send
            + 'static,
    {
        let b = self.export_values(project).await?;
        let mut facts = HashMap::with_capacity(b.sources.len());
        for s in &b.sources {
            let text = self.export_text(s).await?;
            facts.insert(s.id, TextFacts::of(&text));
        }
        let sources: Vec<Source> = b.sources.clone();
        let file = format!("{}.qdpx", project.name);
        let (tx, mut rx) = mpsc::channel::<(SourceId, Arc<str>)>(2);
        let task = tokio::task::spawn_blocking(move || {
            let mut next = |s: &Source| match rx.blocking_recv() {
                Some((id, text)) if id == s.id => Ok(text),
                _ => Err(RefiError::Write {
                    detail: format!("the text of source '{}' did not arrive", s.name),
                }),
            };
            write(b, &facts, &mut next, w)
        });
        for s in &sources {
            let text = self.export_text(s).await?;
            if tx.send((s.id, text)).await.is_err() {
                break; // the writer stopped; its error is below
            }
        }
        drop(tx);
        task.await
            .map_err(|e| AppError::Internal(format!("the export task failed: {e}")))?
            .map_err(|source| ExchangeError::Refi { file, source })
    }

    /// The project's codebook as `.qdc` XML: the code tree and the code
    /// members of its sets.
    pub async fn export_qdc(&self, project: &Project) -> Result<String, ExchangeError> {
        let codes: Vec<Code> = crate::codebook::tree_order(&self.store.codes(project.id).await?)
            .into_iter()
            .map(|(c, _, _)| c)
            .collect();
        let sets = self.store.sets(project.id).await?;
        refi::write_qdc(&codes, &sets).map_err(|source| ExchangeError::Refi {
            file: format!("{}.qdc", project.name),
            source,
        })
    }

    /// Imports a `.qdpx` archive (or a bare `.qde`, told apart by content)
    /// as a new project in one change. `name` overrides the project name of
    /// the file; either is made unique with " (2)", " (3)", ….
    pub async fn import_qdpx(
        &self,
        actor: &Actor,
        file: &str,
        bytes: Vec<u8>,
        name: Option<String>,
        dry_run: bool,
    ) -> Result<ProjectImport, ExchangeError> {
        let opts = ImportOptions::new(actor.id(), axial_core::now());
        let fname = file.to_string();
        let (bundle, mut report) = tokio::task::spawn_blocking(move || {
            if is_zip(&bytes) {
                refi::read_qdpx(Cursor::new(bytes), &opts)
            } else {
                refi::read_qde(&bytes, &opts)
            }
        })
        .await
        .map_err(|e| AppError::Internal(format!("the import task failed: {e}")))?
        .map_err(|source| ExchangeError::Refi {
            file: fname,
            source,
        })?;

        let mut bundle = bundle;
        let base = match name {
            // A name the user typed must be valid; a file's name may fall back.
            Some(n) => axial_core::validate_name("project", &n),
            None => axial_core::validate_name("project", &bundle.project.name).or_else(|_| {
                axial_core::validate_name("project", crate::sources::file_stem(file).as_str())
            }),
        }
        .map_err(AppError::from)?;
        let projects = self.store.projects().await?;
        bundle.project.name = unique_name(&base, projects.iter().map(|p| p.name.as_str()));
        if bundle.project.name != base {
            report.warnings.push(format!(
                "a project named '{base}' already exists; imported as '{}'",
                bundle.project.name
            ));
        }

        let mut remapped = self.ids_taken(&bundle, &projects).await?;
        if remapped {
            bundle = remap(bundle);
        }
        loop {
            let (cs, counts) = self.import_change(actor, &bundle).await?;
            if dry_run {
                return Ok(self.finish_import(bundle, None, counts, remapped, report, true));
            }
            match self.store.commit(cs).await {
                Ok(change) => {
                    return Ok(self.finish_import(
                        bundle,
                        Some(change.seq),
                        counts,
                        remapped,
                        report,
                        false,
                    ))
                }
                // A GUID the quick check did not see is taken: fresh ids, once.
                Err(StoreError::AlreadyExists { .. }) if !remapped => {
                    remapped = true;
                    bundle = remap(bundle);
                }
                Err(e) => return Err(AppError::from(e).into()),
            }
        }
    }

    fn finish_import(
        &self,
        bundle: Bundle,
        change: Option<ChangeSeq>,
        counts: ExchangeCounts,
        remapped: bool,
        mut report: LossReport,
        dry_run: bool,
    ) -> ProjectImport {
        if remapped {
            report.warnings.push(
                "the file's GUIDs are already in this database (was it imported before?); every id was replaced by a fresh one"
                    .into(),
            );
        }
        ProjectImport {
            project: bundle.project,
            dry_run,
            change: change.map(|c| c.0),
            counts,
            remapped_ids: remapped,
            report,
        }
    }

    /// Whether any GUID of the bundle is already used in the database. Checks
    /// the project and the first few sources and memos by id (a file
    /// imported twice collides on all of them); any other collision is
    /// caught by the store at commit, which then retries with fresh ids.
    /// Checking every source would cost one query each (200,000 for a large
    /// survey).
    async fn ids_taken(&self, b: &Bundle, projects: &[Project]) -> Result<bool, AppError> {
        const SAMPLE: usize = 16;
        if projects.iter().any(|p| p.id == b.project.id) {
            return Ok(true);
        }
        for s in b.sources.iter().take(SAMPLE) {
            match self.store.source(s.id).await {
                Ok(_) => return Ok(true),
                Err(StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        for m in b.memos.iter().take(SAMPLE) {
            match self.store.memo(m.id).await {
                Ok(_) => return Ok(true),
                Err(StoreError::NotFound { .. }) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Ok(false)
    }

    /// The change set that creates the bundle as a project: users (matched
    /// by name, or created), then the project and everything in it, parents
    /// before children.
    async fn import_change(
        &self,
        actor: &Actor,
        b: &Bundle,
    ) -> Result<(ChangeSet, ExchangeCounts), AppError> {
        let existing = self.store.users().await?;
        let mut counts = ExchangeCounts::default();
        let mut users: HashMap<UserId, UserId> = HashMap::new();
        let mut new_users: Vec<User> = Vec::new();
        let mut taken_names: HashSet<String> =
            existing.iter().map(|u| u.name.to_lowercase()).collect();
        for u in &b.users {
            let found = existing
                .iter()
                .find(|e| e.name == u.name)
                .or_else(|| existing.iter().find(|e| e.id == u.id))
                .or_else(|| {
                    existing
                        .iter()
                        .find(|e| e.name.eq_ignore_ascii_case(&u.name))
                });
            match found {
                Some(e) => {
                    users.insert(u.id, e.id);
                    counts.users_matched += 1;
                }
                None => {
                    let name = axial_core::validate_name("user", &u.name)
                        .or_else(|_| axial_core::validate_name("user", &u.display_name))
                        .unwrap_or_else(|_| format!("user {}", u.id));
                    let name = unique_name(
                        &name,
                        taken_names
                            .iter()
                            .map(String::as_str)
                            .collect::<Vec<_>>()
                            .into_iter(),
                    );
                    taken_names.insert(name.to_lowercase());
                    let user = User {
                        id: u.id,
                        name,
                        display_name: if u.display_name.trim().is_empty() {
                            u.name.clone()
                        } else {
                            u.display_name.clone()
                        },
                        created_at: u.created_at,
                        version: Version::FIRST,
                    };
                    users.insert(u.id, user.id);
                    new_users.push(user);
                    counts.users_created += 1;
                }
            }
        }
        let known: HashSet<UserId> = existing
            .iter()
            .map(|u| u.id)
            .chain(new_users.iter().map(|u| u.id))
            .collect();
        // A user the file names but does not define becomes the importer.
        let user = |id: UserId| -> UserId {
            users
                .get(&id)
                .copied()
                .unwrap_or(if known.contains(&id) { id } else { actor.id() })
        };

        let p = &b.project;
        let mut cs = ChangeSet::new(
            Some(p.id),
            actor.id(),
            Action::ProjectImport,
            format!(
                "imported project '{}' from REFI-QDA ({} sources, {} codes, {} codings)",
                p.name,
                b.sources.len(),
                b.codes.len(),
                b.codings.len()
            ),
        );
        for u in new_users {
            cs.push(Op::insert(Entity::User(u)));
        }
        cs.push(Op::insert(Entity::Project(Project {
            version: Version::FIRST,
            ..p.clone()
        })));
        if let Some(op) = self.owner_op(actor, p).await? {
            cs.push(op);
        }
        for c in &b.cases {
            cs.push(Op::insert(Entity::Case(c.clone())));
        }
        for v in &b.variables {
            cs.push(Op::insert(Entity::Variable(v.clone())));
        }
        let mut hashes = HashSet::new();
        for s in &b.sources {
            let text = b.texts.get(&s.id).ok_or_else(|| {
                AppError::Internal(format!("the import lost the text of source '{}'", s.name))
            })?;
            let hash = crate::sources::content_hash(text);
            if hashes.insert(hash) {
                cs.texts.push((hash, Arc::from(text.as_str())));
            }
            let mut s = s.clone();
            s.content_hash = hash;
            s.char_len = text.chars().count() as u32;
            s.imported_by = user(s.imported_by);
            cs.push(Op::insert(Entity::Source(s)));
        }
        for v in &b.values {
            cs.push(Op::insert(Entity::Value(v.clone())));
        }
        for c in refi_codes_parents_first(&b.codes) {
            let mut c = c.clone();
            c.created_by = user(c.created_by);
            cs.push(Op::insert(Entity::Code(c)));
        }
        for c in &b.codings {
            let mut c = c.clone();
            c.coder = user(c.coder);
            cs.push(Op::insert(Entity::Coding(c)));
        }
        for m in &b.memos {
            let mut m = m.clone();
            m.author = user(m.author);
            cs.push(Op::insert(Entity::Memo(m)));
        }
        for s in &b.sets {
            cs.push(Op::insert(Entity::Set(s.clone())));
        }
        for r in &b.relations {
            let mut r = r.clone();
            r.created_by = user(r.created_by);
            cs.push(Op::insert(Entity::Relation(r)));
        }
        counts.sources = b.sources.len() as u64;
        counts.cases = b.cases.len() as u64;
        counts.variables = b.variables.len() as u64;
        counts.values = b.values.len() as u64;
        counts.codes = b.codes.len() as u64;
        counts.codings = b.codings.len() as u64;
        counts.memos = b.memos.len() as u64;
        counts.sets = b.sets.len() as u64;
        counts.relations = b.relations.len() as u64;
        Ok((cs, counts))
    }

    /// Merges a `.qdc` codebook (or, for `*.csv` file names, a codebook CSV:
    /// name, parent, description, colour) into a project: codes whose name
    /// path exists are kept as they are, the others are added under their
    /// (matched or new) parent; code sets are added or extended.
    pub async fn import_codebook(
        &self,
        actor: &Actor,
        project: &Project,
        file: &str,
        bytes: &[u8],
        dry_run: bool,
    ) -> Result<CodebookImport, ExchangeError> {
        let opts = ImportOptions::new(actor.id(), axial_core::now());
        let refi_err = |source| ExchangeError::Refi {
            file: file.to_string(),
            source,
        };
        let csv = file.to_ascii_lowercase().ends_with(".csv");
        let (codes, sets, mut report) = if csv {
            let codes = refi::read_codebook_csv(bytes, project.id, actor.id(), opts.now)
                .map_err(refi_err)?;
            let mut r = LossReport::default();
            r.imported.insert("Code".into(), codes.len() as u64);
            (codes, Vec::new(), r)
        } else {
            let (cb, r) = refi::read_qdc(bytes, &opts, project.id).map_err(refi_err)?;
            (cb.codes, cb.sets, r)
        };

        let mut fresh = false;
        loop {
            let (cs, mut out) = self
                .codebook_change(actor, project, &codes, &sets, fresh)
                .await?;
            out.dry_run = dry_run;
            out.remapped_ids = fresh;
            if dry_run || cs.ops.is_empty() {
                out.report = report;
                return Ok(out);
            }
            match self.store.commit(cs).await {
                Ok(change) => {
                    out.change = Some(change.seq.0);
                    if fresh {
                        report.warnings.push(
                            "the codebook's GUIDs are already in this database; new codes got fresh ids"
                                .into(),
                        );
                    }
                    out.report = report;
                    return Ok(out);
                }
                Err(StoreError::AlreadyExists { .. }) if !fresh => fresh = true,
                Err(e) => return Err(AppError::from(e).into()),
            }
        }
    }

    async fn codebook_change(
        &self,
        actor: &Actor,
        project: &Project,
        codes: &[Code],
        sets: &[Set],
        fresh: bool,
    ) -> Result<(ChangeSet, CodebookImport), AppError> {
        let current = self.store.codes(project.id).await?;
        let mut by_path: HashMap<String, CodeId> = crate::codebook::tree_order(&current)
            .into_iter()
            .map(|(c, path, _)| (path.to_lowercase(), c.id))
            .collect();
        let mut out = CodebookImport {
            dry_run: false,
            change: None,
            codes_kept: 0,
            codes_added: 0,
            sets_added: 0,
            sets_extended: 0,
            remapped_ids: false,
            report: LossReport::default(),
        };
        let mut cs = ChangeSet::new(
            Some(project.id),
            actor.id(),
            Action::CodeCreate,
            "imported a codebook",
        );
        // Incoming id → (id in the project, path).
        let mut ids: HashMap<CodeId, (CodeId, String)> = HashMap::new();
        for c in refi_codes_parents_first(codes) {
            let parent = match c.parent {
                Some(p) => match ids.get(&p) {
                    Some((id, path)) => Some((*id, path.clone())),
                    None => {
                        return Err(AppError::invalid(format!(
                            "code '{}' has a parent that is not in the codebook",
                            c.name
                        )))
                    }
                },
                None => None,
            };
            let path = match &parent {
                Some((_, pp)) => format!("{pp}/{}", c.name),
                None => c.name.clone(),
            };
            if let Some(&id) = by_path.get(&path.to_lowercase()) {
                out.codes_kept += 1;
                ids.insert(c.id, (id, path));
                continue;
            }
            let id = if fresh { CodeId::new() } else { c.id };
            let code = Code {
                id,
                project: project.id,
                parent: parent.map(|(id, _)| id),
                created_by: actor.id(),
                version: Version::FIRST,
                ..c.clone()
            };
            by_path.insert(path.to_lowercase(), id);
            ids.insert(c.id, (id, path));
            cs.push(Op::insert(Entity::Code(code)));
            out.codes_added += 1;
        }
        let existing_sets = self.store.sets(project.id).await?;
        for s in sets {
            let members: Vec<SetMember> = s
                .members
                .iter()
                .filter_map(|m| match m {
                    SetMember::Code(c) => ids.get(c).map(|(id, _)| SetMember::Code(*id)),
                    _ => None,
                })
                .collect();
            match existing_sets
                .iter()
                .find(|e| e.name.eq_ignore_ascii_case(&s.name))
            {
                Some(e) => {
                    let mut after = e.clone();
                    for m in members {
                        if !after.members.contains(&m) {
                            after.members.push(m);
                        }
                    }
                    if after.members != e.members {
                        cs.push(Op::update(Entity::Set(e.clone()), Entity::Set(after)));
                        out.sets_extended += 1;
                    }
                }
                None => {
                    cs.push(Op::insert(Entity::Set(Set {
                        id: if fresh { SetId::new() } else { s.id },
                        project: project.id,
                        members,
                        version: Version::FIRST,
                        ..s.clone()
                    })));
                    out.sets_added += 1;
                }
            }
        }
        cs.summary = format!(
            "imported a codebook: {} codes added, {} kept",
            out.codes_added, out.codes_kept
        );
        Ok((cs, out))
    }
}

/// Codes with every parent before its children (the order REFI import
/// gives; re-established here so a hand-built list is safe too).
fn refi_codes_parents_first(codes: &[Code]) -> Vec<&Code> {
    let ids: HashSet<CodeId> = codes.iter().map(|c| c.id).collect();
    let mut done: HashSet<CodeId> = HashSet::new();
    let mut out = Vec::with_capacity(codes.len());
    let mut rest: Vec<&Code> = codes.iter().collect();
    while !rest.is_empty() {
        let before = rest.len();
        rest.retain(|c| {
            let ready = c
                .parent
                .is_none_or(|p| !ids.contains(&p) || done.contains(&p));
            if ready {
                done.insert(c.id);
                out.push(*c);
            }
            !ready
        });
        if rest.len() == before {
            // A parent cycle: the store rejects it with a clear error.
            out.append(&mut rest);
        }
    }
    out
}

/// `base`, or `base (2)`, `base (3)`, … whichever is not taken (ignoring case).
pub(crate) fn unique_name<'a>(base: &str, taken: impl Iterator<Item = &'a str>) -> String {
    let taken: HashSet<String> = taken.map(str::to_lowercase).collect();
    if !taken.contains(&base.to_lowercase()) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base} ({n})"))
        .find(|n| !taken.contains(&n.to_lowercase()))
        .expect("an unbounded counter finds a free name")
}

/// The bundle with every id replaced by a fresh one, references included.
/// Users keep their ids (they are matched by name separately).
fn remap(mut b: Bundle) -> Bundle {
    let mut map: HashMap<Uuid, Uuid> = HashMap::new();
    let mut fresh = |u: Uuid| -> Uuid { *map.entry(u).or_insert_with(Uuid::new_v4) };
    use axial_core::{
        CaseId, CodingId, MemoId, ProjectId, RelationId, SourceId, ValueId, VariableId,
    };
    macro_rules! id {
        ($t:ident, $v:expr) => {
            $t::from_uuid(fresh($v.as_uuid()))
        };
    }
    let pid = id!(ProjectId, b.project.id);
    b.project.id = pid;
    for c in &mut b.cases {
        c.id = id!(CaseId, c.id);
        c.project = pid;
    }
    for v in &mut b.variables {
        v.id = id!(VariableId, v.id);
        v.project = pid;
    }
    let mut texts = HashMap::new();
    for s in &mut b.sources {
        let old = s.id;
        s.id = id!(SourceId, s.id);
        s.project = pid;
        s.case = s.case.map(|c| id!(CaseId, c));
        s.revision_of = s.revision_of.map(|r| id!(SourceId, r));
        if let Some(t) = b.texts.remove(&old) {
            texts.insert(s.id, t);
        }
    }
    b.texts = texts;
    for v in &mut b.values {
        v.id = id!(ValueId, v.id);
        v.project = pid;
        v.variable = id!(VariableId, v.variable);
        v.subject = match v.subject {
            Subject::Case(c) => Subject::Case(id!(CaseId, c)),
            Subject::Source(s) => Subject::Source(id!(SourceId, s)),
        };
    }
    for c in &mut b.codes {
        c.id = id!(CodeId, c.id);
        c.project = pid;
        c.parent = c.parent.map(|p| id!(CodeId, p));
    }
    for c in &mut b.codings {
        c.id = id!(CodingId, c.id);
        c.project = pid;
        c.source = id!(SourceId, c.source);
        c.code = id!(CodeId, c.code);
    }
    for m in &mut b.memos {
        m.id = id!(MemoId, m.id);
        m.project = pid;
        for l in &mut m.links {
            *l = match *l {
                MemoLink::Project => MemoLink::Project,
                MemoLink::Source(s) => MemoLink::Source(id!(SourceId, s)),
                MemoLink::Case(c) => MemoLink::Case(id!(CaseId, c)),
                MemoLink::Code(c) => MemoLink::Code(id!(CodeId, c)),
                MemoLink::Coding(c) => MemoLink::Coding(id!(CodingId, c)),
            };
        }
    }
    for s in &mut b.sets {
        s.id = id!(SetId, s.id);
        s.project = pid;
        for m in &mut s.members {
            *m = match *m {
                SetMember::Source(x) => SetMember::Source(id!(SourceId, x)),
                SetMember::Case(x) => SetMember::Case(id!(CaseId, x)),
                SetMember::Code(x) => SetMember::Code(id!(CodeId, x)),
                SetMember::Memo(x) => SetMember::Memo(id!(MemoId, x)),
            };
        }
    }
    for r in &mut b.relations {
        r.id = id!(RelationId, r.id);
        r.project = pid;
        r.from = id!(CodeId, r.from);
        r.to = id!(CodeId, r.to);
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_unique(base: &str, taken: &[&str], expect: &str) {
        assert_eq!(unique_name(base, taken.iter().copied()), expect);
    }

    #[test]
    fn names_are_made_unique() {
        check_unique("Study", &[], "Study");
        check_unique("Study", &["study"], "Study (2)");
        check_unique("Study", &["Study", "Study (2)"], "Study (3)");
    }

    async fn app() -> (tempfile::TempDir, App, Actor) {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = dir.path().join("t.db");
        let store = axial_store_sqlite::SqliteStore::open(&db.display().to_string())
            .await
            .expect("open store");
        let app = App::new(Arc::new(store));
        let actor = app.local_user("tester").await.expect("user");
        (dir, app, actor)
    }

    #[tokio::test]
    async fn demo_goes_out_and_comes_back_twice_with_fresh_ids() {
        let (_d, app, actor) = app().await;
        let (demo, _) = app.build_demo(&|_| {}).await.expect("demo");
        let bytes = app.export_qdpx_bytes(&demo).await.expect("export");

        let dry = app
            .import_qdpx(&actor, "demo.qdpx", bytes.clone(), None, true)
            .await
            .expect("dry run");
        assert!(dry.dry_run && dry.change.is_none());
        assert_eq!(app.projects().await.expect("projects").len(), 1);
        // The demo's own GUIDs are in the database: a dry run already says so.
        assert!(dry.remapped_ids);

        let again = app
            .import_qdpx(&actor, "demo.qdpx", bytes, None, false)
            .await
            .expect("import");
        assert!(again.remapped_ids);
        assert_ne!(again.project.id, demo.id);
        assert_eq!(again.project.name, format!("{} (2)", demo.name));
        let (a, b) = (
            app.counts(&demo).await.expect("counts"),
            app.counts(&again.project).await.expect("counts"),
        );
        assert_eq!(
            (
                a.sources,
                a.codes,
                a.codings,
                a.memos,
                a.cases,
                a.variables,
                a.sets,
                a.relations
            ),
            (
                b.sources,
                b.codes,
                b.codings,
                b.memos,
                b.cases,
                b.variables,
                b.sets,
                b.relations
            )
        );
        assert_eq!(again.counts.codings, a.codings);
        // One change, so one undo removes the whole import.
        assert_eq!(b.changes, 1);
    }

    #[tokio::test]
    async fn codebook_merges_by_path() {
        let (_d, app, actor) = app().await;
        let (demo, _) = app.build_demo(&|_| {}).await.expect("demo");
        let qdc = app.export_qdc(&demo).await.expect("qdc");
        let n = app.codes(&demo).await.expect("codes").len() as u64;
        let r = app
            .import_codebook(&actor, &demo, "c.qdc", qdc.as_bytes(), false)
            .await
            .expect("merge into itself");
        assert_eq!((r.codes_kept, r.codes_added), (n, 0));

        let other = app
            .create_project(&actor, "empty", "")
            .await
            .expect("project");
        let r = app
            .import_codebook(&actor, &other, "c.qdc", qdc.as_bytes(), false)
            .await
            .expect("into another project");
        assert_eq!((r.codes_kept, r.codes_added), (0, n));
        assert!(r.remapped_ids, "the demo's code GUIDs are taken");
        assert_eq!(app.codes(&other).await.expect("codes").len() as u64, n);

        let csv = "name,parent,description,colour\nNew root,,a root,#112233\nChild,New root,,\n";
        let r = app
            .import_codebook(&actor, &other, "c.csv", csv.as_bytes(), true)
            .await
            .expect("csv dry run");
        assert_eq!((r.codes_added, r.dry_run), (2, true));
        assert_eq!(app.codes(&other).await.expect("codes").len() as u64, n);
    }
}
