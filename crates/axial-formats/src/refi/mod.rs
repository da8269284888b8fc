//! REFI-QDA exchange: projects (`.qdpx` archives and bare `.qde` XML) and
//! codebooks (`.qdc`, plus a simple codebook CSV), in and out.
//!
//! This module owns the translation between REFI-QDA 1.0 XML (standard
//! document 1.5) and plain Axial values ([`Bundle`], [`Codebook`]). It reads
//! from `Read + Seek`/byte slices and writes to `Write + Seek`/strings; it
//! never touches the file system, the database or the network, and it does
//! not decide what to do with an import (merging into an existing project is
//! `axial-app`'s job).
//!
//! # Export: what Axial writes
//!
//! `project.qde` plus `sources/<SourceGUID>.txt` (UTF-8, no BOM, LF line ends),
//! deflated, elements in exactly the order of `Project.xsd`, empty containers
//! omitted, namespace `urn:QDA-XML:project:1.0`, origin `Axial <version>`.
//! Axial ids are the GUIDs end to end. Output is deterministic: writing the
//! same bundle twice gives byte-identical XML and archives.
//! [`write_qdpx_streamed`] and [`write_qdpx_to_stream`] write the same
//! archive holding one source text at a time (the texts are asked for in
//! source order) and the XML a chunk at a time; the second is for writers
//! that cannot seek, its entries carrying their sizes after the data.
//!
//! | Axial | REFI-QDA |
//! |---|---|
//! | project name, description, created_at | `Project@name`, `Project/Description`, `@creationDateTime` |
//! | project id | `<?axial {"project":…}?>` in `Project` (REFI has no project GUID) |
//! | user | `User@guid`, `@name` = display name, `@id` = handle; created_at in the `<?axial?>` of `<Users>` (User must stay empty) |
//! | code | `Code` nested as the tree; `@isCodable` = codable; `@color`; `Description` = definition + `## Inclusion` / `## Exclusion` / `## Example` sections; creator and time in `<?axial?>` |
//! | variable | `Variable@typeOfVariable`: Text, Integer, Float (decimal), Date, Boolean; a category is Text with `## Allowed values` in its Description |
//! | case | `Case` with Description, `VariableValue`s and a `SourceRef` per source of the case |
//! | source | `TextSource@plainTextPath="internal://<guid>.txt"`, creatingUser/creationDateTime = imported by/at, Description, `VariableValue`s; kind, revision_of and structure (paragraphs, turns, pages) in `<?axial?>` |
//! | coding | one `PlainTextSelection` per coding (GUID = UUIDv5 of the coding id), holding one `Coding` whose GUID is the coding id, `creatingUser` = coder, `creationDateTime` |
//! | value | `VariableValue` (value id in `<?axial?>`; without it the id is derived from variable + subject) |
//! | memo | `Note` with `name` = title, `Description` = `Memo type: <kind>`, `PlainTextContent` = markdown body, author and created/updated times in the audit attributes; `NoteRef` from the Project, TextSource, Code or Coding it is about; memos about a case are a `Link` Note → Case (Case has no NoteRef) |
//! | code relation | `Link` origin → target, `name` = label, `direction="OneWay"`; kind, creator and time in `<?axial?>` |
//! | set | `Set` with `MemberCode`/`MemberSource`/`MemberNote`; case members (REFI sets cannot hold cases) are listed in the Set's `<?axial {"cases":[…]}?>`, so other programs do not see them |
//!
//! Not carried at all (a re-import gives the value shown): `version` of every
//! entity (`Version::FIRST`), a user's `created_at` outside Axial files
//! (the import time), `content_hash` and `char_len` (recomputed from the
//! text). Source texts are written with CRLF turned into LF (spans moved to
//! match) and a leading U+FEFF is dropped on import, so texts holding CRLF
//! or starting with U+FEFF do not come back byte-identical. A code
//! definition that itself contains a line `## Inclusion` (or Exclusion,
//! Example) after a blank line is read back as a section, and a Text
//! variable whose description ends in an `## Allowed values` list of `- `
//! lines is read back as a category. Characters XML 1.0
//! cannot hold (C0 controls other than tab/newline/CR, U+FFFE/U+FFFF) are an
//! export error outside source texts.
//!
//! # Import: what Axial reads
//!
//! Lenient about form, strict about safety and integrity:
//! - any single `*.qde` at the archive root (`project.qde` preferred), the
//!   sources folder and file names matched case-insensitively, `internal://`,
//!   scheme-less and `relative://`/`absolute://` paths (external files are
//!   not in the archive: reported as lost), BOMs, CRLF texts (turned into LF
//!   with positions moved), namespace variants (warning unless `1.0`);
//! - positions: code points per the standard, but UTF-16 code units with
//!   CRLF counted as two are tried first for NVivo files, and every unit
//!   ([`PositionUnit`]) is tried when the preferred one does not fit; the
//!   unit whose spans all fit the text and best match the selections' names
//!   wins, the conversion is reported, and a span that fits under no unit is
//!   an error ([`RefiError::SpanOutOfRange`]) rather than being clamped;
//!   zero-length selections are reported and skipped;
//! - memos from `Note` + `NoteRef`, from `Link`s between a Note and anything
//!   Axial has, and from selection `Description`s (comments, ATLAS.ti);
//! - attributes from `Variable`s or from Sets named `variable: value`
//!   whose members are all sources (ATLAS.ti), turned into category variables;
//! - codings without `creatingUser` get [`ImportOptions::importing_user`];
//!   codes without (valid) colour get palette colours;
//! - `Transcript`s with text become text sources (the media is reported),
//!   a `PDFSource`'s `Representation` text becomes a text source;
//! - reported as not imported, with counts: pictures, audio, video, PDF
//!   areas and their selections and codings, transcript selections, graphs,
//!   case codings and selection refs, sources without text, and anything
//!   that depended on those.
//!
//! Rejected with an error and nothing produced: zip slip and absolute entry
//! names, any DOCTYPE (so no DTD, external entity or entity expansion),
//! unknown entities, zip bombs and oversized XML ([`Limits`]), non-UTF-8 XML
//! or text files, duplicate GUIDs (except ATLAS.ti's PDF selection pairs),
//! references to missing GUIDs (CodeRef, NoteRef, SourceRef, VariableRef,
//! Member*, Link ends), spans outside the text.

mod archive;
mod codebook;
mod description;
mod error;
mod export;
mod import;
mod offsets;
mod report;
mod xml;

use std::collections::HashMap;
use std::io::{Read, Seek, Write};

use axial_core::{
    Case, Code, CodeId, CodeRelation, Coding, Memo, MemoLink, Project, ProjectId, Set, SetMember,
    Source, SourceId, Subject, Timestamp, User, UserId, Variable, VariableValue,
};

pub use codebook::{read_codebook_csv, read_qdc, write_qdc, Codebook};
pub use error::RefiError;
pub use export::TextFacts;
pub use offsets::Unit as PositionUnit;
pub use report::{Conversion, Loss, LossReport};

/// A whole project as plain core values, the unit of exchange.
#[derive(Debug, Clone, PartialEq)]
pub struct Bundle {
    pub project: Project,
    pub users: Vec<User>,
    pub sources: Vec<Source>,
    /// The text of each source.
    pub texts: HashMap<SourceId, String>,
    pub cases: Vec<Case>,
    pub variables: Vec<Variable>,
    pub values: Vec<VariableValue>,
    pub sets: Vec<Set>,
    /// Parents come before their children (see [`Bundle::canonicalize`]).
    pub codes: Vec<Code>,
    pub codings: Vec<Coding>,
    pub memos: Vec<Memo>,
    pub relations: Vec<CodeRelation>,
}

/// Bounds that keep a hostile archive from exhausting memory or disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Sum of the unpacked sizes of all entries.
    pub max_total_uncompressed: u64,
    /// Unpacked size of any one entry.
    pub max_entry_uncompressed: u64,
    /// Unpacked : packed size ratio, checked for entries over 1 MiB.
    pub max_ratio: u64,
    pub max_entries: usize,
    /// Size of the `.qde`/`.qdc` XML.
    pub max_xml_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            // Media entries are checked by declared size only (never unpacked),
            // so the total is generous; 2 GiB per entry is the standard's own cap.
            max_total_uncompressed: 16 << 30,
            max_entry_uncompressed: 2 << 30,
            max_ratio: 200,
            // One text file per source: a survey of 200,000 responses
            // exported by Axial has 200,001 entries.
            max_entries: 500_000,
            max_xml_bytes: 256 << 20,
        }
    }
}

/// How to import.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportOptions {
    pub limits: Limits,
    /// Coder of codings and author of memos that name no user.
    pub importing_user: UserId,
    /// Time given to things that carry none.
    pub now: Timestamp,
    /// Id for the project; `None` takes the id an Axial export recorded, or a new one.
    pub project: Option<ProjectId>,
    /// Forces the unit of text positions; `None` detects it per source.
    pub positions: Option<PositionUnit>,
}

impl ImportOptions {
    pub fn new(importing_user: UserId, now: Timestamp) -> ImportOptions {
        ImportOptions {
            limits: Limits::default(),
            importing_user,
            now,
            project: None,
            positions: None,
        }
    }
}

/// Reads a `.qdpx` archive.
pub fn read_qdpx<R: Read + Seek>(
    r: R,
    opts: &ImportOptions,
) -> Result<(Bundle, LossReport), RefiError> {
    let mut archive = archive::Archive::open(r, &opts.limits)?;
    let (entry, xml) = archive.project_xml()?;
    let root = xml::parse(&xml, &entry, opts.limits.max_xml_bytes)?;
    import::import(&root, &entry, &mut archive, opts)
}

/// Reads a bare `project.qde`: only sources whose text is inside the XML
/// (`PlainTextContent`) come in; the others are reported.
pub fn read_qde(xml: &[u8], opts: &ImportOptions) -> Result<(Bundle, LossReport), RefiError> {
    let root = xml::parse(xml, "project.qde", opts.limits.max_xml_bytes)?;
    import::import(&root, "project.qde", &mut archive::NoFiles, opts)
}

/// Writes a `.qdpx` archive: `project.qde` plus one `.txt` per source.
pub fn write_qdpx<W: Write + Seek>(b: &Bundle, w: W) -> Result<(), RefiError> {
    let facts = export::facts_of(b);
    let texts = |s: &Source| {
        b.texts
            .get(&s.id)
            .map(String::as_str)
            .ok_or_else(|| RefiError::Export {
                detail: format!("source '{}' ({}) has no text in the bundle", s.name, s.id),
            })
    };
    write_qdpx_streamed(b.canonical_without_texts(), &facts, texts, w).map(|_| ())
}

/// Writes a `.qdpx` archive without holding the texts or the XML: `b`
/// carries no texts (they are ignored if it does), `facts` has the
/// [`TextFacts`] of every source's text, and `texts` is asked for each
/// source's text once, in order, after `project.qde` was written. The
/// bundle is checked before anything is written. Gives back the writer.
pub fn write_qdpx_streamed<W, F, T>(
    b: Bundle,
    facts: &HashMap<SourceId, TextFacts>,
    texts: F,
    w: W,
) -> Result<W, RefiError>
where
    W: Write + Seek,
    F: FnMut(&Source) -> Result<T, RefiError>,
    T: AsRef<str>,
{
    let b = checked(b, facts)?;
    archive::write(zip::ZipWriter::new(w), &b, facts, texts)
}

/// [`write_qdpx_streamed`] to a writer that cannot seek (an HTTP response
/// body): the entries carry their sizes after the data (ZIP data
/// descriptors), which every ZIP reader accepts. The same inputs always
/// give the same bytes.
pub fn write_qdpx_to_stream<W, F, T>(
    b: Bundle,
    facts: &HashMap<SourceId, TextFacts>,
    texts: F,
    w: W,
) -> Result<W, RefiError>
where
    W: Write,
    F: FnMut(&Source) -> Result<T, RefiError>,
    T: AsRef<str>,
{
    let b = checked(b, facts)?;
    archive::write(zip::ZipWriter::new_stream(w), &b, facts, texts).map(|s| s.into_inner())
}

/// The bundle an archive is written from: without texts, in canonical
/// order, checked against the texts' facts before anything is written.
fn checked(mut b: Bundle, facts: &HashMap<SourceId, TextFacts>) -> Result<Bundle, RefiError> {
    b.texts.clear();
    b.canonicalize();
    export::check(&b, facts)?;
    Ok(b)
}

/// The `project.qde` XML of a bundle (source texts are referenced, not included).
pub fn write_qde(b: &Bundle) -> Result<String, RefiError> {
    export::export_xml(b)
}

/// Codes in tree pre-order: roots in their order, each followed by its
/// subtree, siblings in their order. Codes in a parent cycle go last.
pub(crate) fn order_code_tree(codes: Vec<Code>) -> Vec<Code> {
    let mut children: HashMap<Option<CodeId>, Vec<usize>> = HashMap::new();
    let known: HashMap<CodeId, usize> = codes.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    for (i, c) in codes.iter().enumerate() {
        let parent = c.parent.filter(|p| known.contains_key(p) && *p != c.id);
        children.entry(parent).or_default().push(i);
    }
    let mut order = Vec::with_capacity(codes.len());
    let mut seen = vec![false; codes.len()];
    let mut stack: Vec<usize> = children
        .get(&None)
        .map(|v| v.iter().rev().copied().collect())
        .unwrap_or_default();
    while let Some(i) = stack.pop() {
        if std::mem::replace(&mut seen[i], true) {
            continue;
        }
        order.push(i);
        if let Some(kids) = children.get(&Some(codes[i].id)) {
            stack.extend(kids.iter().rev().copied());
        }
    }
    order.extend((0..codes.len()).filter(|&i| !seen[i]));
    let mut old: Vec<Option<Code>> = codes.into_iter().map(Some).collect();
    order.into_iter().filter_map(|i| old[i].take()).collect()
}

impl Bundle {
    /// An empty bundle around a project.
    pub fn new(project: Project) -> Bundle {
        Bundle {
            project,
            users: Vec::new(),
            sources: Vec::new(),
            texts: HashMap::new(),
            cases: Vec::new(),
            variables: Vec::new(),
            values: Vec::new(),
            sets: Vec::new(),
            codes: Vec::new(),
            codings: Vec::new(),
            memos: Vec::new(),
            relations: Vec::new(),
        }
    }

    /// Puts every list whose order REFI-QDA does not carry into the order an
    /// import produces, so that bundles can be compared with `==`:
    /// codes in tree pre-order (siblings keep their order), codings by source
    /// then span then code, values by subject (cases, then sources) then
    /// variable, memo links by target kind (project, source, case, code,
    /// coding) then target order, set members by kind (source, case, code,
    /// memo) then order. Duplicate memo links and set members are dropped.
    /// Users, sources, cases, variables, sets, memos and relations keep
    /// their order.
    pub fn canonicalize(&mut self) {
        self.codes = order_code_tree(std::mem::take(&mut self.codes));

        let idx = |ids: Vec<uuid::Uuid>| -> HashMap<uuid::Uuid, usize> {
            ids.into_iter().enumerate().map(|(i, u)| (u, i)).collect()
        };
        let src = idx(self.sources.iter().map(|s| s.id.as_uuid()).collect());
        let code = idx(self.codes.iter().map(|c| c.id.as_uuid()).collect());
        let case = idx(self.cases.iter().map(|c| c.id.as_uuid()).collect());
        let var = idx(self.variables.iter().map(|v| v.id.as_uuid()).collect());
        let memo = idx(self.memos.iter().map(|m| m.id.as_uuid()).collect());
        let at = |m: &HashMap<uuid::Uuid, usize>, u: uuid::Uuid| {
            m.get(&u).copied().unwrap_or(usize::MAX)
        };

        self.codings.sort_by_key(|c| {
            (
                at(&src, c.source.as_uuid()),
                c.span.start(),
                c.span.end(),
                at(&code, c.code.as_uuid()),
                c.id,
            )
        });
        let coding = idx(self.codings.iter().map(|c| c.id.as_uuid()).collect());
        self.values.sort_by_key(|v| {
            let subject = match v.subject {
                Subject::Case(c) => (0, at(&case, c.as_uuid()), c.as_uuid()),
                Subject::Source(s) => (1, at(&src, s.as_uuid()), s.as_uuid()),
            };
            (subject, at(&var, v.variable.as_uuid()), v.variable, v.id)
        });
        for m in &mut self.memos {
            let key = |l: &MemoLink| match *l {
                MemoLink::Project => (0, 0, uuid::Uuid::nil()),
                MemoLink::Source(s) => (1, at(&src, s.as_uuid()), s.as_uuid()),
                MemoLink::Case(c) => (2, at(&case, c.as_uuid()), c.as_uuid()),
                MemoLink::Code(c) => (3, at(&code, c.as_uuid()), c.as_uuid()),
                MemoLink::Coding(c) => (4, at(&coding, c.as_uuid()), c.as_uuid()),
            };
            m.links.sort_by_key(key);
            m.links.dedup();
        }
        for s in &mut self.sets {
            let key = |m: &SetMember| match *m {
                SetMember::Source(s) => (0, at(&src, s.as_uuid()), s.as_uuid()),
                SetMember::Case(c) => (1, at(&case, c.as_uuid()), c.as_uuid()),
                SetMember::Code(c) => (2, at(&code, c.as_uuid()), c.as_uuid()),
                SetMember::Memo(m) => (3, at(&memo, m.as_uuid()), m.as_uuid()),
            };
            s.members.sort_by_key(key);
            s.members.dedup();
        }
    }

    /// A copy with [`Bundle::canonicalize`] applied.
    pub fn canonical(&self) -> Bundle {
        let mut b = self.clone();
        b.canonicalize();
        b
    }

    /// [`Bundle::canonical`] without the texts (which canonical order does
    /// not touch): what an export needs besides the texts, at a fraction of
    /// the memory.
    pub fn canonical_without_texts(&self) -> Bundle {
        let mut b = Bundle {
            project: self.project.clone(),
            users: self.users.clone(),
            sources: self.sources.clone(),
            texts: HashMap::new(),
            cases: self.cases.clone(),
            variables: self.variables.clone(),
            values: self.values.clone(),
            sets: self.sets.clone(),
            codes: self.codes.clone(),
            codings: self.codings.clone(),
            memos: self.memos.clone(),
            relations: self.relations.clone(),
        };
        b.canonicalize();
        b
    }
}
