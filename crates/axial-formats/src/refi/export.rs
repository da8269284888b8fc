//! Bundle → `project.qde` XML plus the source `.txt` files.
//!
//! Checks the bundle's integrity first (every reference resolves, every span
//! fits its text, values fit their variables) and refuses to write a file
//! another program would choke on. Writes elements in the exact order of
//! `Project.xsd` and omits empty containers. The mapping is documented in
//! `refi/mod.rs`; this module does not write the ZIP itself.
//!
//! The texts themselves are not needed to write the XML, only their
//! [`TextFacts`] (length, and where CRLF and a BOM are dropped), and the XML
//! goes to any `Write` a chunk at a time, so a whole project can be exported
//! holding one text at a time and no full copy of the XML. Every per-item
//! lookup goes through an index built once (no quadratic loops over cases,
//! values or sources).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use axial_core::case::format_date;
use axial_core::{
    Code, CodeId, Coding, MemoLink, SetMember, SourceId, Span, Subject, Timestamp, Value,
    VariableKind,
};
use serde_json::{json, Value as Json};
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::description::{compose_category, compose_code, compose_memo, CodeTexts};
use super::xml::XmlOut;
use super::{Bundle, RefiError};

/// Namespace of the UUIDv5 ids Axial derives for REFI-only objects
/// (selections, case-memo links, values without a recorded id).
pub(crate) const NAMESPACE: Uuid = Uuid::from_u128(0x6a1f_3c2e_94d7_4b0a_8e51_2d7c_90f3_aa14);

pub(crate) const PROJECT_NS: &str = "urn:QDA-XML:project:1.0";

/// GUID of the selection that carries a coding.
pub(crate) fn selection_guid(coding: axial_core::CodingId) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("selection/{coding}").as_bytes())
}

/// GUID of the Link that ties a memo to a case.
pub(crate) fn case_link_guid(memo: axial_core::MemoId, case: axial_core::CaseId) -> Uuid {
    Uuid::new_v5(&NAMESPACE, format!("memo-case/{memo}/{case}").as_bytes())
}

/// Id of a value that carries none: derived from its variable and subject.
pub(crate) fn value_id(variable: axial_core::VariableId, subject: Subject) -> axial_core::ValueId {
    let s = match subject {
        Subject::Case(c) => format!("value/{variable}/case/{c}"),
        Subject::Source(s) => format!("value/{variable}/source/{s}"),
    };
    axial_core::ValueId::from_uuid(Uuid::new_v5(&NAMESPACE, s.as_bytes()))
}

pub(crate) fn timestamp(t: Timestamp) -> Result<String, RefiError> {
    t.format(&Rfc3339).map_err(|e| RefiError::Export {
        detail: format!("time {t} cannot be written as xsd:dateTime: {e}"),
    })
}

pub(crate) fn span_json(s: Span) -> Json {
    json!([s.start().0, s.end().0])
}

/// What the exporter must know of a source text before it writes
/// `project.qde`: its length, and the code points REFI-QDA text files drop
/// (a leading U+FEFF, the CR of each CRLF), so positions can be moved to
/// the text as written. Small: the text itself is not kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextFacts {
    char_len: u32,
    bytes: u64,
    /// Code-point positions (in the stored text) that are not written, ascending.
    dropped: Vec<u32>,
}

impl TextFacts {
    /// Scans a text once.
    pub fn of(text: &str) -> TextFacts {
        let bytes = text.len() as u64;
        if !text.contains('\r') && !text.starts_with('\u{feff}') {
            let char_len = if text.is_ascii() {
                text.len()
            } else {
                text.chars().count()
            };
            return TextFacts {
                char_len: char_len as u32,
                bytes,
                dropped: Vec::new(),
            };
        }
        let mut dropped = Vec::new();
        let mut n = 0u32;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if (n == 0 && c == '\u{feff}') || (c == '\r' && chars.peek() == Some(&'\n')) {
                dropped.push(n);
            }
            n += 1;
        }
        TextFacts {
            char_len: n,
            bytes,
            dropped,
        }
    }

    /// Where stored position `p` lands in the written text.
    fn moved_pos(&self, p: u32) -> u32 {
        p - self.dropped.partition_point(|&d| d < p) as u32
    }

    /// A span of the stored text, moved to the written text.
    fn moved(&self, span: Span, what: &str) -> Result<Span, RefiError> {
        if self.dropped.is_empty() {
            return Ok(span);
        }
        let (a, b) = (self.moved_pos(span.start().0), self.moved_pos(span.end().0));
        if a < b {
            Span::unbounded(a, b).map_err(|e| err(format!("{what}: {e}")))
        } else {
            Err(err(format!("{what} covers {span}, which holds only line-end or byte-order-mark characters that REFI-QDA text files drop")))
        }
    }

    /// The text as written into the archive (borrowed when nothing is dropped).
    pub(crate) fn written<'t>(&self, text: &'t str) -> Cow<'t, str> {
        if self.dropped.is_empty() {
            return Cow::Borrowed(text);
        }
        let mut out = String::with_capacity(text.len());
        let mut next = self.dropped.iter().copied().peekable();
        for (i, c) in text.chars().enumerate() {
            if next.peek() == Some(&(i as u32)) {
                next.next();
                continue;
            }
            out.push(c);
        }
        Cow::Owned(out)
    }

    /// Whether `text` is the text these facts were taken from (cheap checks).
    pub(crate) fn fits(&self, text: &str) -> bool {
        text.len() as u64 == self.bytes
    }
}

fn err(detail: String) -> RefiError {
    RefiError::Export { detail }
}

/// Everything of a bundle indexed once, so no part of the export is
/// quadratic (200,000 survey cases with a value and a source each).
struct Index<'b> {
    values_of: HashMap<Subject, Vec<&'b axial_core::VariableValue>>,
    sources_of_case: HashMap<axial_core::CaseId, Vec<&'b axial_core::Source>>,
    codings_of: HashMap<axial_core::SourceId, Vec<&'b Coding>>,
    notes_of: HashMap<MemoLink, Vec<axial_core::MemoId>>,
}

impl<'b> Index<'b> {
    fn new(b: &'b Bundle) -> Index<'b> {
        let mut values_of: HashMap<Subject, Vec<_>> = HashMap::new();
        for v in &b.values {
            values_of.entry(v.subject).or_default().push(v);
        }
        let mut sources_of_case: HashMap<_, Vec<_>> = HashMap::new();
        for s in &b.sources {
            if let Some(c) = s.case {
                sources_of_case.entry(c).or_default().push(s);
            }
        }
        let mut codings_of: HashMap<_, Vec<_>> = HashMap::new();
        for c in &b.codings {
            codings_of.entry(c.source).or_default().push(c);
        }
        let mut notes_of: HashMap<MemoLink, Vec<_>> = HashMap::new();
        for m in &b.memos {
            for l in &m.links {
                notes_of.entry(*l).or_default().push(m.id);
            }
        }
        Index {
            values_of,
            sources_of_case,
            codings_of,
            notes_of,
        }
    }
}

/// Checks a canonical bundle's integrity against the facts of its texts:
/// every reference resolves, every span fits its text, values fit their
/// variables, one GUID per object. Nothing is written.
pub(crate) fn check(b: &Bundle, facts: &HashMap<SourceId, TextFacts>) -> Result<(), RefiError> {
    let code_ids: HashMap<CodeId, &Code> = b.codes.iter().map(|c| (c.id, c)).collect();
    let source_ids: HashSet<_> = b.sources.iter().map(|s| s.id).collect();
    let case_ids: HashSet<_> = b.cases.iter().map(|c| c.id).collect();
    let memo_ids: HashSet<_> = b.memos.iter().map(|m| m.id).collect();
    let coding_ids: HashSet<_> = b.codings.iter().map(|c| c.id).collect();
    let variables: HashMap<_, _> = b.variables.iter().map(|v| (v.id, v)).collect();

    // Integrity: one GUID per object.
    let mut guids = HashSet::new();
    let all = b
        .users
        .iter()
        .map(|x| x.id.as_uuid())
        .chain(b.codes.iter().map(|x| x.id.as_uuid()))
        .chain(b.variables.iter().map(|x| x.id.as_uuid()))
        .chain(b.cases.iter().map(|x| x.id.as_uuid()))
        .chain(b.sources.iter().map(|x| x.id.as_uuid()))
        .chain(b.codings.iter().map(|x| x.id.as_uuid()))
        .chain(b.codings.iter().map(|x| selection_guid(x.id)))
        .chain(b.memos.iter().map(|x| x.id.as_uuid()))
        .chain(b.relations.iter().map(|x| x.id.as_uuid()))
        .chain(b.sets.iter().map(|x| x.id.as_uuid()));
    for g in all {
        if !guids.insert(g) {
            return Err(err(format!(
                "the id {g} is used by two objects; REFI-QDA needs one GUID per object"
            )));
        }
    }
    // Codes: parents exist and come first (canonical order puts cycles last).
    let mut seen = HashSet::new();
    for c in &b.codes {
        if let Some(p) = c.parent {
            if !code_ids.contains_key(&p) {
                return Err(err(format!(
                    "code '{}' has parent {p}, which is not in the bundle",
                    c.name
                )));
            }
            if !seen.contains(&p) {
                return Err(err(format!("code '{}' is part of a parent cycle", c.name)));
            }
        }
        seen.insert(c.id);
    }

    // Texts, and coding spans against them.
    for s in &b.sources {
        let f = facts.get(&s.id).ok_or_else(|| {
            err(format!(
                "source '{}' ({}) has no text in the bundle",
                s.name, s.id
            ))
        })?;
        if f.bytes > i32::MAX as u64 {
            return Err(err(format!("source '{}' is over 2 GiB; REFI-QDA internal files may not exceed 2,147,483,647 bytes", s.name)));
        }
    }
    for c in &b.codings {
        let f = facts
            .get(&c.source)
            .filter(|_| source_ids.contains(&c.source))
            .ok_or_else(|| {
                err(format!(
                    "coding {} is on source {}, which is not in the bundle",
                    c.id, c.source
                ))
            })?;
        if !code_ids.contains_key(&c.code) {
            return Err(err(format!(
                "coding {} applies code {}, which is not in the bundle",
                c.id, c.code
            )));
        }
        c.span
            .check_within(f.char_len)
            .map_err(|e| err(format!("coding {}: {e}", c.id)))?;
        f.moved(c.span, &format!("coding {}", c.id))?;
    }
    for v in &b.values {
        let var = variables.get(&v.variable).ok_or_else(|| {
            err(format!(
                "value {} is of variable {}, which is not in the bundle",
                v.id, v.variable
            ))
        })?;
        let ok = match v.subject {
            Subject::Case(c) => case_ids.contains(&c),
            Subject::Source(s) => source_ids.contains(&s),
        };
        if !ok {
            return Err(err(format!(
                "value {} describes {:?}, which is not in the bundle",
                v.id, v.subject
            )));
        }
        if !v.value.fits(&var.kind) {
            return Err(err(format!(
                "value '{}' does not fit variable '{}' ({})",
                v.value,
                var.name,
                var.kind.name()
            )));
        }
        if let Value::Decimal(x) = v.value {
            if !x.is_finite() {
                return Err(err(format!(
                    "value {} of '{}' is not a finite number",
                    v.id, var.name
                )));
            }
        }
    }
    for v in &b.variables {
        if let VariableKind::Category { values } = &v.kind {
            if let Some(bad) = values.iter().find(|x| x.contains(['\n', '\r'])) {
                return Err(err(format!(
                    "category '{bad}' of variable '{}' contains a line break",
                    v.name
                )));
            }
        }
    }
    for m in &b.memos {
        for l in &m.links {
            let ok = match *l {
                MemoLink::Project => true,
                MemoLink::Source(s) => source_ids.contains(&s),
                MemoLink::Case(c) => case_ids.contains(&c),
                MemoLink::Code(c) => code_ids.contains_key(&c),
                MemoLink::Coding(c) => coding_ids.contains(&c),
            };
            if !ok {
                return Err(err(format!(
                    "memo '{}' is linked to {l:?}, which is not in the bundle",
                    m.title
                )));
            }
        }
    }
    for s in &b.sets {
        for m in &s.members {
            let ok = match *m {
                SetMember::Source(x) => source_ids.contains(&x),
                SetMember::Case(x) => case_ids.contains(&x),
                SetMember::Code(x) => code_ids.contains_key(&x),
                SetMember::Memo(x) => memo_ids.contains(&x),
            };
            if !ok {
                return Err(err(format!(
                    "set '{}' holds {m:?}, which is not in the bundle",
                    s.name
                )));
            }
        }
    }
    for r in &b.relations {
        if !code_ids.contains_key(&r.from) || !code_ids.contains_key(&r.to) {
            return Err(err(format!(
                "relation '{}' ({}) joins codes that are not in the bundle",
                r.label, r.id
            )));
        }
    }
    // Source structures must survive the move too.
    for s in &b.sources {
        let f = &facts[&s.id];
        if f.dropped.is_empty() {
            continue;
        }
        let what = format!("structure of source '{}'", s.name);
        let st = &s.structure;
        for sp in st
            .paragraphs
            .iter()
            .chain(&st.pages)
            .copied()
            .chain(st.turns.iter().map(|t| t.span))
        {
            f.moved(sp, &what)?;
        }
    }
    Ok(())
}

/// Bytes of XML gathered before they are handed to the output.
const CHUNK: usize = 64 << 10;

/// Writes the `project.qde` XML of a canonical bundle that passed [`check`]
/// to `out`, a chunk at a time.
pub(crate) fn write_xml(
    b: &Bundle,
    facts: &HashMap<SourceId, TextFacts>,
    out: &mut dyn std::io::Write,
) -> Result<(), RefiError> {
    let ix = Index::new(b);
    let note_refs = |o: &mut XmlOut, link: MemoLink| -> Result<(), RefiError> {
        for m in ix.notes_of.get(&link).into_iter().flatten() {
            o.empty("NoteRef", &[("targetGUID", m.to_string())])?;
        }
        Ok(())
    };
    let value_xml = |o: &mut XmlOut, v: &axial_core::VariableValue| -> Result<(), RefiError> {
        o.open("VariableValue", &[])?;
        if v.id != value_id(v.variable, v.subject) {
            o.axial(&json!({ "id": v.id.to_string() }))?;
        }
        o.empty("VariableRef", &[("targetGUID", v.variable.to_string())])?;
        match &v.value {
            Value::Text(s) | Value::Category(s) => o.text_element("TextValue", &[], s)?,
            Value::Integer(i) => o.text_element("IntegerValue", &[], &i.to_string())?,
            Value::Decimal(x) => o.text_element("FloatValue", &[], &x.to_string())?,
            Value::Date(d) => o.text_element("DateValue", &[], &format_date(*d))?,
            Value::Boolean(x) => o.text_element("BooleanValue", &[], &x.to_string())?,
        }
        o.close("VariableValue")
    };
    let values_of = |subject: Subject| ix.values_of.get(&subject).into_iter().flatten();

    let mut o = XmlOut::new();
    let p = &b.project;
    o.open(
        "Project",
        &[
            ("xmlns", PROJECT_NS.to_string()),
            (
                "xmlns:xsi",
                "http://www.w3.org/2001/XMLSchema-instance".to_string(),
            ),
            (
                "xsi:schemaLocation",
                format!(
                    "{PROJECT_NS} http://schema.qdasoftware.org/versions/Project/v1.0/Project.xsd"
                ),
            ),
            ("name", p.name.clone()),
            ("origin", format!("Axial {}", env!("CARGO_PKG_VERSION"))),
            ("creationDateTime", timestamp(p.created_at)?),
        ],
    )?;
    o.axial(&json!({ "project": p.id.to_string() }))?;

    if !b.users.is_empty() {
        o.open("Users", &[])?;
        // User has empty content in the schema, so its extra data sits in <Users>.
        let mut created = serde_json::Map::new();
        for u in &b.users {
            created.insert(u.id.to_string(), json!(timestamp(u.created_at)?));
        }
        o.axial(&json!({ "users_created_at": created }))?;
        for u in &b.users {
            o.empty(
                "User",
                &[
                    ("guid", u.id.to_string()),
                    ("name", u.display_name.clone()),
                    ("id", u.name.clone()),
                ],
            )?;
        }
        o.close("Users")?;
    }

    if !b.codes.is_empty() {
        let mut kids: HashMap<Option<CodeId>, Vec<&Code>> = HashMap::new();
        for c in &b.codes {
            kids.entry(c.parent).or_default().push(c);
        }
        o.open("CodeBook", &[])?;
        o.open("Codes", &[])?;
        for c in kids.get(&None).into_iter().flatten() {
            code_xml(&mut o, c, &kids, &note_refs)?;
        }
        o.close("Codes")?;
        o.close("CodeBook")?;
    }
    o.drain_to(out, CHUNK)?;

    if !b.variables.is_empty() {
        o.open("Variables", &[])?;
        for v in &b.variables {
            let (ty, desc) = match &v.kind {
                VariableKind::Text => ("Text", v.description.clone()),
                VariableKind::Integer => ("Integer", v.description.clone()),
                VariableKind::Decimal => ("Float", v.description.clone()),
                VariableKind::Date => ("Date", v.description.clone()),
                VariableKind::Boolean => ("Boolean", v.description.clone()),
                VariableKind::Category { values } => {
                    ("Text", compose_category(&v.description, values))
                }
            };
            o.open(
                "Variable",
                &[
                    ("guid", v.id.to_string()),
                    ("name", v.name.clone()),
                    ("typeOfVariable", ty.to_string()),
                ],
            )?;
            if !desc.is_empty() {
                o.text_element("Description", &[], &desc)?;
            }
            o.close("Variable")?;
        }
        o.close("Variables")?;
    }

    if !b.cases.is_empty() {
        o.open("Cases", &[])?;
        for c in &b.cases {
            o.open(
                "Case",
                &[("guid", c.id.to_string()), ("name", c.name.clone())],
            )?;
            if !c.description.is_empty() {
                o.text_element("Description", &[], &c.description)?;
            }
            for v in values_of(Subject::Case(c.id)) {
                value_xml(&mut o, v)?;
            }
            for s in ix.sources_of_case.get(&c.id).into_iter().flatten() {
                o.empty("SourceRef", &[("targetGUID", s.id.to_string())])?;
            }
            o.close("Case")?;
            o.drain_to(out, CHUNK)?;
        }
        o.close("Cases")?;
    }

    if !b.sources.is_empty() {
        o.open("Sources", &[])?;
        for s in &b.sources {
            let f = facts
                .get(&s.id)
                .ok_or_else(|| err(format!("source '{}' has no text", s.name)))?;
            o.open(
                "TextSource",
                &[
                    ("guid", s.id.to_string()),
                    ("name", s.name.clone()),
                    ("plainTextPath", format!("internal://{}", text_file(s.id))),
                    ("creatingUser", s.imported_by.to_string()),
                    ("creationDateTime", timestamp(s.imported_at)?),
                ],
            )?;
            let mut extra = json!({ "kind": s.kind.as_str() });
            if let Some(r) = s.revision_of {
                extra["revision_of"] = json!(r.to_string());
            }
            let st = &s.structure;
            if !(st.paragraphs.is_empty() && st.turns.is_empty() && st.pages.is_empty()) {
                let what = format!("structure of source '{}'", s.name);
                let mv = |sp: Span| f.moved(sp, &what).map(span_json);
                extra["structure"] = json!({
                    "paragraphs": st.paragraphs.iter().map(|&x| mv(x)).collect::<Result<Vec<_>, _>>()?,
                    "pages": st.pages.iter().map(|&x| mv(x)).collect::<Result<Vec<_>, _>>()?,
                    "turns": st.turns.iter().map(|t| Ok(json!({
                        "span": mv(t.span)?, "speaker": t.speaker, "start_ms": t.start_ms, "end_ms": t.end_ms,
                    }))).collect::<Result<Vec<_>, RefiError>>()?,
                });
            }
            o.axial(&extra)?;
            if !s.description.is_empty() {
                o.text_element("Description", &[], &s.description)?;
            }
            for c in ix.codings_of.get(&s.id).into_iter().flatten() {
                let span = f.moved(c.span, &format!("coding {}", c.id))?;
                let when = timestamp(c.created_at)?;
                o.open(
                    "PlainTextSelection",
                    &[
                        ("guid", selection_guid(c.id).to_string()),
                        ("startPosition", span.start().0.to_string()),
                        ("endPosition", span.end().0.to_string()),
                        ("creatingUser", c.coder.to_string()),
                        ("creationDateTime", when.clone()),
                    ],
                )?;
                o.open(
                    "Coding",
                    &[
                        ("guid", c.id.to_string()),
                        ("creatingUser", c.coder.to_string()),
                        ("creationDateTime", when),
                    ],
                )?;
                o.empty("CodeRef", &[("targetGUID", c.code.to_string())])?;
                note_refs(&mut o, MemoLink::Coding(c.id))?;
                o.close("Coding")?;
                o.close("PlainTextSelection")?;
            }
            note_refs(&mut o, MemoLink::Source(s.id))?;
            for v in values_of(Subject::Source(s.id)) {
                value_xml(&mut o, v)?;
            }
            o.close("TextSource")?;
            o.drain_to(out, CHUNK)?;
        }
        o.close("Sources")?;
    }

    if !b.memos.is_empty() {
        o.open("Notes", &[])?;
        for m in &b.memos {
            o.open(
                "Note",
                &[
                    ("guid", m.id.to_string()),
                    ("name", m.title.clone()),
                    ("creatingUser", m.author.to_string()),
                    ("creationDateTime", timestamp(m.created_at)?),
                    ("modifyingUser", m.author.to_string()),
                    ("modifiedDateTime", timestamp(m.updated_at)?),
                ],
            )?;
            o.text_element("Description", &[], &compose_memo(m.kind))?;
            o.text_element("PlainTextContent", &[], &m.body)?;
            o.close("Note")?;
            o.drain_to(out, CHUNK)?;
        }
        o.close("Notes")?;
    }

    let case_links: Vec<(axial_core::MemoId, axial_core::CaseId)> = b
        .memos
        .iter()
        .flat_map(|m| {
            m.links.iter().filter_map(move |l| {
                if let MemoLink::Case(c) = l {
                    Some((m.id, *c))
                } else {
                    None
                }
            })
        })
        .collect();
    if !b.relations.is_empty() || !case_links.is_empty() {
        o.open("Links", &[])?;
        for r in &b.relations {
            o.open(
                "Link",
                &[
                    ("guid", r.id.to_string()),
                    ("name", r.label.clone()),
                    ("direction", "OneWay".to_string()),
                    ("originGUID", r.from.to_string()),
                    ("targetGUID", r.to.to_string()),
                ],
            )?;
            o.axial(&json!({
                "relation": r.kind.as_str(), "created_by": r.created_by.to_string(), "created_at": timestamp(r.created_at)?,
            }))?;
            o.close("Link")?;
        }
        for (m, c) in case_links {
            o.empty(
                "Link",
                &[
                    ("guid", case_link_guid(m, c).to_string()),
                    ("name", "memo about case".to_string()),
                    ("direction", "OneWay".to_string()),
                    ("originGUID", m.to_string()),
                    ("targetGUID", c.to_string()),
                ],
            )?;
        }
        o.close("Links")?;
    }
    o.drain_to(out, CHUNK)?;

    if !b.sets.is_empty() {
        o.open("Sets", &[])?;
        for s in &b.sets {
            o.open(
                "Set",
                &[("guid", s.id.to_string()), ("name", s.name.clone())],
            )?;
            let cases: Vec<String> = s
                .members
                .iter()
                .filter_map(|m| {
                    if let SetMember::Case(c) = m {
                        Some(c.to_string())
                    } else {
                        None
                    }
                })
                .collect();
            if !cases.is_empty() {
                o.axial(&json!({ "cases": cases }))?;
            }
            if !s.description.is_empty() {
                o.text_element("Description", &[], &s.description)?;
            }
            for m in &s.members {
                if let SetMember::Code(c) = m {
                    o.empty("MemberCode", &[("targetGUID", c.to_string())])?;
                }
            }
            for m in &s.members {
                if let SetMember::Source(c) = m {
                    o.empty("MemberSource", &[("targetGUID", c.to_string())])?;
                    o.drain_to(out, CHUNK)?;
                }
            }
            for m in &s.members {
                if let SetMember::Memo(c) = m {
                    o.empty("MemberNote", &[("targetGUID", c.to_string())])?;
                }
            }
            o.close("Set")?;
            o.drain_to(out, CHUNK)?;
        }
        o.close("Sets")?;
    }

    if !p.description.is_empty() {
        o.text_element("Description", &[], &p.description)?;
    }
    note_refs(&mut o, MemoLink::Project)?;
    o.close("Project")?;
    o.finish_to(out)
}

/// The name of a source's text file inside `sources/`.
pub(crate) fn text_file(source: SourceId) -> String {
    format!("{source}.txt")
}

/// The facts of every text a bundle carries.
pub(crate) fn facts_of(b: &Bundle) -> HashMap<SourceId, TextFacts> {
    b.texts
        .iter()
        .map(|(id, t)| (*id, TextFacts::of(t)))
        .collect()
}

/// `project.qde` of a bundle (texts from the bundle).
pub(crate) fn export_xml(bundle: &Bundle) -> Result<String, RefiError> {
    let b = bundle.canonical_without_texts();
    let facts = facts_of(bundle);
    check(&b, &facts)?;
    let mut out = Vec::new();
    write_xml(&b, &facts, &mut out)?;
    // Only `&str` pieces were written, so the buffer is UTF-8.
    String::from_utf8(out).map_err(|e| err(format!("the XML is not UTF-8: {e}")))
}

/// One code and its subtree, in Project.xsd / Codebook.xsd order.
pub(crate) fn code_xml(
    o: &mut XmlOut,
    c: &Code,
    kids: &HashMap<Option<CodeId>, Vec<&Code>>,
    note_refs: &dyn Fn(&mut XmlOut, MemoLink) -> Result<(), RefiError>,
) -> Result<(), RefiError> {
    o.open(
        "Code",
        &[
            ("guid", c.id.to_string()),
            ("name", c.name.clone()),
            ("isCodable", c.codable.to_string()),
            ("color", c.color.to_string()),
        ],
    )?;
    o.axial(
        &json!({ "created_by": c.created_by.to_string(), "created_at": timestamp(c.created_at)? }),
    )?;
    let d = compose_code(&CodeTexts {
        definition: c.description.clone(),
        inclusion: c.inclusion.clone(),
        exclusion: c.exclusion.clone(),
        example: c.example.clone(),
    });
    if !d.is_empty() {
        o.text_element("Description", &[], &d)?;
    }
    note_refs(o, MemoLink::Code(c.id))?;
    for k in kids.get(&Some(c.id)).into_iter().flatten() {
        code_xml(o, k, kids, note_refs)?;
    }
    o.close("Code")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_facts_drop_crlf_and_bom_and_move_positions() {
        let text = "\u{feff}a\r\nb\rc";
        let f = TextFacts::of(text);
        assert_eq!(f.written(text), "a\nb\rc");
        assert_eq!(f.char_len, 7);
        assert_eq!(f.dropped, vec![0, 2]);
        let moved: Vec<u32> = (0..=7).map(|p| f.moved_pos(p)).collect();
        assert_eq!(moved, vec![0, 0, 1, 1, 2, 3, 4, 5]);
        assert_eq!(
            f.moved(Span::unbounded(1, 4).unwrap(), "x").unwrap(),
            Span::unbounded(0, 2).unwrap()
        );
        assert!(
            f.moved(Span::unbounded(0, 1).unwrap(), "x").is_err(),
            "only the BOM"
        );
        let plain = TextFacts::of("plain é");
        assert!(plain.dropped.is_empty());
        assert_eq!(plain.char_len, 7);
        assert!(matches!(plain.written("plain é"), Cow::Borrowed(_)));
    }

    #[test]
    fn drained_xml_is_the_same_as_whole_xml() {
        let mut whole = XmlOut::new();
        let mut parts = XmlOut::new();
        let mut out = Vec::new();
        for o in [&mut whole, &mut parts] {
            o.open("R", &[("a", "1".into())]).unwrap();
        }
        parts.drain_to(&mut out, 0).unwrap();
        for o in [&mut whole, &mut parts] {
            o.open("S", &[]).unwrap();
            o.text_element("T", &[], "x").unwrap();
            o.close("S").unwrap();
        }
        parts.drain_to(&mut out, 0).unwrap();
        for o in [&mut whole, &mut parts] {
            o.close("R").unwrap();
        }
        parts.finish_to(&mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), whole.finish());
    }
}
