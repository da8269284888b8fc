//! Bundle → `project.qde` XML plus the source `.txt` files.
//!
//! Checks the bundle's integrity first (every reference resolves, every span
//! fits its text, values fit their variables) and refuses to write a file
//! another program would choke on. Writes elements in the exact order of
//! `Project.xsd` and omits empty containers. The mapping is documented in
//! `refi/mod.rs`; this module does not write the ZIP itself.

use std::collections::{HashMap, HashSet};

use axial_core::case::format_date;
use axial_core::{
    Code, CodeId, Coding, MemoLink, SetMember, Span, Subject, Timestamp, Value, VariableKind,
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

/// What the exporter produced.
pub(crate) struct Exported {
    pub xml: String,
    /// `(file name inside sources/, text)`.
    pub files: Vec<(String, String)>,
}

/// A source text as written: no leading BOM, LF only, and the map from old
/// code-point positions to new ones.
struct WrittenText {
    text: String,
    map: Option<Vec<u32>>,
}

fn written_text(text: &str) -> WrittenText {
    if !text.contains('\r') && !text.starts_with('\u{feff}') {
        return WrittenText {
            text: text.to_string(),
            map: None,
        };
    }
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(chars.len() + 1);
    let mut n = 0u32;
    for (i, &c) in chars.iter().enumerate() {
        map.push(n);
        let drop = (i == 0 && c == '\u{feff}') || (c == '\r' && chars.get(i + 1) == Some(&'\n'));
        if !drop {
            out.push(c);
            n += 1;
        }
    }
    map.push(n);
    WrittenText {
        text: out,
        map: Some(map),
    }
}

fn moved(span: Span, map: &Option<Vec<u32>>, what: &str) -> Result<Span, RefiError> {
    let Some(map) = map else { return Ok(span) };
    let at = |p: u32| map.get(p as usize).copied();
    match (at(span.start().0), at(span.end().0)) {
        (Some(a), Some(b)) if a < b => Span::unbounded(a, b).map_err(|e| RefiError::Export { detail: format!("{what}: {e}") }),
        _ => Err(RefiError::Export {
            detail: format!("{what} covers {span}, which holds only line-end or byte-order-mark characters that REFI-QDA text files drop"),
        }),
    }
}

fn err(detail: String) -> RefiError {
    RefiError::Export { detail }
}

pub(crate) fn export(bundle: &Bundle) -> Result<Exported, RefiError> {
    let b = bundle.canonical();
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

    // Texts, in the form they are written, and moved coding spans.
    let mut written: HashMap<_, WrittenText> = HashMap::new();
    for s in &b.sources {
        let text = b.texts.get(&s.id).ok_or_else(|| {
            err(format!(
                "source '{}' ({}) has no text in the bundle",
                s.name, s.id
            ))
        })?;
        if text.len() as u64 > i32::MAX as u64 {
            return Err(err(format!("source '{}' is over 2 GiB; REFI-QDA internal files may not exceed 2,147,483,647 bytes", s.name)));
        }
        written.insert(s.id, written_text(text));
    }
    let mut spans: HashMap<_, Span> = HashMap::new();
    for c in &b.codings {
        let w = written.get(&c.source).ok_or_else(|| {
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
        let len = b
            .texts
            .get(&c.source)
            .map(|t| t.chars().count() as u32)
            .unwrap_or(0);
        c.span
            .check_within(len)
            .map_err(|e| err(format!("coding {}: {e}", c.id)))?;
        spans.insert(c.id, moved(c.span, &w.map, &format!("coding {}", c.id))?);
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

    // Who links to what, in memo order.
    let mut notes_of: HashMap<MemoLink, Vec<axial_core::MemoId>> = HashMap::new();
    for m in &b.memos {
        for l in &m.links {
            notes_of.entry(*l).or_default().push(m.id);
        }
    }
    let note_refs = |o: &mut XmlOut, link: MemoLink| -> Result<(), RefiError> {
        for m in notes_of.get(&link).into_iter().flatten() {
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
            for v in b.values.iter().filter(|v| v.subject == Subject::Case(c.id)) {
                value_xml(&mut o, v)?;
            }
            for s in b.sources.iter().filter(|s| s.case == Some(c.id)) {
                o.empty("SourceRef", &[("targetGUID", s.id.to_string())])?;
            }
            o.close("Case")?;
        }
        o.close("Cases")?;
    }

    let mut files = Vec::new();
    if !b.sources.is_empty() {
        let mut codings_of: HashMap<_, Vec<&Coding>> = HashMap::new();
        for c in &b.codings {
            codings_of.entry(c.source).or_default().push(c);
        }
        o.open("Sources", &[])?;
        for s in &b.sources {
            let file = format!("{}.txt", s.id);
            let w = written
                .get(&s.id)
                .ok_or_else(|| err(format!("source '{}' has no text", s.name)))?;
            o.open(
                "TextSource",
                &[
                    ("guid", s.id.to_string()),
                    ("name", s.name.clone()),
                    ("plainTextPath", format!("internal://{file}")),
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
                let mv = |sp: Span| moved(sp, &w.map, &what).map(span_json);
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
            for c in codings_of.get(&s.id).into_iter().flatten() {
                let span = spans.get(&c.id).copied().unwrap_or(c.span);
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
            for v in b
                .values
                .iter()
                .filter(|v| v.subject == Subject::Source(s.id))
            {
                value_xml(&mut o, v)?;
            }
            o.close("TextSource")?;
            files.push((file, w.text.clone()));
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
                }
            }
            for m in &s.members {
                if let SetMember::Memo(c) = m {
                    o.empty("MemberNote", &[("targetGUID", c.to_string())])?;
                }
            }
            o.close("Set")?;
        }
        o.close("Sets")?;
    }

    if !p.description.is_empty() {
        o.text_element("Description", &[], &p.description)?;
    }
    note_refs(&mut o, MemoLink::Project)?;
    o.close("Project")?;
    Ok(Exported {
        xml: o.finish(),
        files,
    })
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
    fn written_text_drops_crlf_and_bom_and_maps_positions() {
        let w = written_text("\u{feff}a\r\nb\rc");
        assert_eq!(w.text, "a\nb\rc");
        let map = w.map.clone().unwrap();
        assert_eq!(map, vec![0, 0, 1, 1, 2, 3, 4, 5]);
        assert_eq!(
            moved(Span::unbounded(1, 4).unwrap(), &w.map, "x").unwrap(),
            Span::unbounded(0, 2).unwrap()
        );
        assert!(
            moved(Span::unbounded(0, 1).unwrap(), &w.map, "x").is_err(),
            "only the BOM"
        );
        assert!(written_text("plain").map.is_none());
    }
}
