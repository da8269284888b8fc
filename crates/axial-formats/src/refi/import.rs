//! `project.qde` element tree (+ archive files) → [`Bundle`] and [`LossReport`].
//!
//! Lenient about vendor form, strict about integrity: every GUID must be
//! unique and every reference must resolve, or the import fails with the
//! element and line. What Axial cannot hold is counted in the report. The
//! mapping rules are listed in `refi/mod.rs`; this module does not read ZIP
//! archives or parse XML itself.

use std::collections::{HashMap, HashSet};

use axial_core::case::parse_date;
use axial_core::{
    validate_name, Case, CaseId, Code, CodeId, CodeRelation, Coding, CodingId, Color, ContentHash,
    Memo, MemoId, MemoKind, MemoLink, Project, ProjectId, RelationId, RelationKind, Set, SetId,
    SetMember, Source, SourceId, SourceKind, Span, Structure, Subject, Timestamp, Turn, User,
    UserId, Value, ValueId, Variable, VariableId, VariableKind, VariableValue, Version,
};
use sha2::{Digest, Sha256};
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::archive::{Fetched, Files};
use super::description::{parse_category, parse_code, parse_memo};
use super::export::{value_id, NAMESPACE};
use super::offsets::{slice, SourceText, Unit};
use super::xml::Element;
use super::{Bundle, Codebook, ImportOptions, LossReport, RefiError};

const SOURCE_ELEMENTS: [&str; 5] = [
    "TextSource",
    "PDFSource",
    "PictureSource",
    "AudioSource",
    "VideoSource",
];

/// What an imported selection turned into.
struct SelectionInfo {
    source: SourceId,
    codings: Vec<CodingId>,
}

struct Ctx<'a> {
    entry: &'a str,
    opts: &'a ImportOptions,
    r: LossReport,
    b: Bundle,
    axial: bool,
    nvivo: bool,
    /// Every GUID in the file → (element name, line).
    guids: HashMap<Uuid, (String, u32)>,
    /// Source-like GUID (TextSource, PDFSource, media, Transcript) → the Axial source it became.
    source_alias: HashMap<Uuid, SourceId>,
    selections: HashMap<Uuid, SelectionInfo>,
    /// (note, link) pairs gathered from NoteRefs and Links.
    note_links: Vec<(MemoId, MemoLink)>,
    /// Memos made from selection descriptions.
    comment_memos: Vec<Memo>,
    /// (source, case) from Case/SourceRef and NVivo case codings.
    source_cases: Vec<(Uuid, CaseId, u32)>,
    users: HashSet<UserId>,
    palette: usize,
    counts: HashMap<&'static str, usize>,
    /// (variable, subject) of every value taken, to ignore a second one
    /// without scanning the values (400,000 in a large survey).
    values_seen: HashSet<(VariableId, Subject)>,
}

pub(crate) fn import(
    root: &Element,
    entry: &str,
    files: &mut dyn Files,
    opts: &ImportOptions,
) -> Result<(Bundle, LossReport), RefiError> {
    if root.name != "Project" {
        return Err(RefiError::NotRefi {
            entry: entry.into(),
            found: root.name.clone(),
            expected: "Project",
            kind: "project",
        });
    }
    let origin = root.attr("origin").unwrap_or("").to_string();
    let pi = axial_payload(root);
    let axial =
        pi.as_ref().is_some_and(|v| v.get("project").is_some()) || origin.starts_with("Axial ");
    let project_id = opts
        .project
        .or_else(|| {
            pi.as_ref()
                .and_then(|v| v.get("project")?.as_str()?.parse().ok())
        })
        .unwrap_or_else(ProjectId::new);
    let project = Project {
        id: project_id,
        name: root
            .attr("name")
            .filter(|n| !n.trim().is_empty())
            .unwrap_or("Imported project")
            .to_string(),
        description: String::new(),
        created_at: opts.now,
        version: Version::FIRST,
    };
    let nvivo = origin.to_lowercase().starts_with("nvivo");
    let mut cx = Ctx::new(entry, opts, project, axial, nvivo);
    cx.namespace(root, "urn:QDA-XML:project:");
    if let Some(t) = cx.time(root, "creationDateTime") {
        cx.b.project.created_at = t;
    }
    cx.register(root)?;
    cx.unknown_children(
        root,
        &[
            "Users",
            "CodeBook",
            "Variables",
            "Cases",
            "Sources",
            "Notes",
            "Links",
            "Sets",
            "Graphs",
            "Description",
            "NoteRef",
        ],
    );

    if let Some(users) = root.child("Users") {
        let created = axial_payload(users).and_then(|v| v.get("users_created_at").cloned());
        for u in users.children_named("User") {
            cx.user_element(u, created.as_ref())?;
        }
    }
    if let Some(codes) = root.child("CodeBook").and_then(|c| c.child("Codes")) {
        for c in codes.children_named("Code") {
            cx.code(c, None)?;
        }
    }
    if let Some(vars) = root.child("Variables") {
        for v in vars.children_named("Variable") {
            cx.variable(v)?;
        }
    }
    if let Some(sources) = root.child("Sources") {
        for s in &sources.children {
            match s.name.as_str() {
                "TextSource" => {
                    cx.text_source(s, s, files, s.attr("name").unwrap_or(""), "TextSource")?;
                }
                "PDFSource" => cx.pdf_source(s, files)?,
                "PictureSource" => cx.picture_source(s)?,
                "AudioSource" | "VideoSource" => cx.media_source(s, files)?,
                other => cx.r.warn(format!(
                    "unknown element <{other}> in <Sources> (line {}) ignored",
                    s.line
                )),
            }
        }
    }
    if let Some(cases) = root.child("Cases") {
        for c in cases.children_named("Case") {
            cx.case(c)?;
        }
    }
    if let Some(notes) = root.child("Notes") {
        for n in notes.children_named("Note") {
            cx.note(n, files)?;
        }
    }
    if let Some(links) = root.child("Links") {
        for l in links.children_named("Link") {
            cx.link(l)?;
        }
    }
    if let Some(sets) = root.child("Sets") {
        cx.sets(sets)?;
    }
    if let Some(g) = root.child("Graphs") {
        cx.r.lose(
            "Graph",
            g.children_named("Graph").count() as u64,
            "graphs (network views) are not supported",
        );
    }
    if let Some(d) = root.child_text("Description") {
        cx.b.project.description = d.to_string();
    }
    for n in root.children_named("NoteRef") {
        let m = cx.note_ref(n)?;
        cx.note_links.push((m, MemoLink::Project));
    }
    cx.finish()
}

/// A `.qdc` codebook → codes and sets of `project`.
pub(crate) fn import_codebook(
    root: &Element,
    entry: &str,
    opts: &ImportOptions,
    project: ProjectId,
) -> Result<(Codebook, LossReport), RefiError> {
    if root.name != "CodeBook" {
        return Err(RefiError::NotRefi {
            entry: entry.into(),
            found: root.name.clone(),
            expected: "CodeBook",
            kind: "codebook",
        });
    }
    let origin = root.attr("origin").map(str::to_string);
    let axial = origin.as_deref().is_some_and(|o| o.starts_with("Axial "));
    let p = Project {
        id: project,
        name: String::new(),
        description: String::new(),
        created_at: opts.now,
        version: Version::FIRST,
    };
    let mut cx = Ctx::new(entry, opts, p, axial, false);
    cx.namespace(root, "urn:QDA-XML:codebook:");
    cx.register(root)?;
    cx.unknown_children(root, &["Codes", "Sets"]);
    if let Some(codes) = root.child("Codes") {
        for c in codes.children_named("Code") {
            cx.code(c, None)?;
        }
    }
    if let Some(sets) = root.child("Sets") {
        if sets.children.is_empty() {
            cx.r.warn("empty <Sets/> (invalid per Codebook.xsd; Taguette writes it) ignored");
        }
        for s in sets.children_named("Set") {
            let id = SetId::from_uuid(cx.guid(s, "guid")?);
            let name = cx.required(s, "name")?.to_string();
            let mut members = Vec::new();
            for m in s.children_named("MemberCode") {
                let attr = if m.attr("guid").is_some() {
                    "guid"
                } else {
                    "targetGUID"
                };
                let (g, _) = cx.reference(m, attr, &["Code"], "a Code")?;
                members.push(SetMember::Code(CodeId::from_uuid(g)));
            }
            let description = s.child_text("Description").unwrap_or("").to_string();
            cx.b.sets.push(Set {
                id,
                project,
                name,
                description,
                members,
                version: Version::FIRST,
            });
            cx.count("Set");
        }
    }
    let (b, r) = cx.finish()?;
    Ok((
        Codebook {
            codes: b.codes,
            sets: b.sets,
            origin,
        },
        r,
    ))
}

fn axial_payload(el: &Element) -> Option<serde_json::Value> {
    el.axial
        .iter()
        .find_map(|p| serde_json::from_str::<serde_json::Value>(p).ok())
}

fn sha256(text: &str) -> ContentHash {
    let d = Sha256::digest(text.as_bytes());
    let mut h = [0u8; 32];
    h.copy_from_slice(&d);
    ContentHash(h)
}

/// Parses a colour leniently: `#RGB`, `#RRGGBB`, `#RRGGBBAA`, `rgb(r,g,b)`.
pub(crate) fn parse_color(s: &str) -> Option<Color> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    if let Some(inner) = lower
        .strip_prefix("rgba(")
        .or_else(|| lower.strip_prefix("rgb("))
        .and_then(|x| x.strip_suffix(')'))
    {
        let parts: Vec<u8> = inner
            .split(',')
            .take(3)
            .filter_map(|p| p.trim().parse().ok())
            .collect();
        return (parts.len() == 3).then(|| Color::rgb(parts[0], parts[1], parts[2]));
    }
    let hex = t.strip_prefix('#').unwrap_or(t);
    if !hex.is_ascii() {
        return None;
    }
    match hex.len() {
        3 => {
            let d: Vec<u8> = hex
                .chars()
                .filter_map(|c| c.to_digit(16).map(|v| v as u8 * 17))
                .collect();
            (d.len() == 3).then(|| Color::rgb(d[0], d[1], d[2]))
        }
        6 | 8 => hex[..6].parse().ok(),
        _ => None,
    }
}

fn normalise_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// True when a selection's `name` (ATLAS.ti puts the quoted text there,
/// shortened with "…") agrees with the text a span covers.
fn name_matches(name: &str, covered: &str) -> bool {
    let n = name.trim();
    let n = n
        .strip_suffix('…')
        .or_else(|| n.strip_suffix("..."))
        .unwrap_or(n);
    let n = normalise_ws(n);
    !n.is_empty() && normalise_ws(covered).starts_with(&n)
}

struct Sel<'e> {
    el: &'e Element,
    guid: Uuid,
    start: u64,
    end: u64,
}

impl<'a> Ctx<'a> {
    fn new(
        entry: &'a str,
        opts: &'a ImportOptions,
        project: Project,
        axial: bool,
        nvivo: bool,
    ) -> Ctx<'a> {
        Ctx {
            entry,
            opts,
            r: LossReport::default(),
            b: Bundle::new(project),
            axial,
            nvivo,
            guids: HashMap::new(),
            source_alias: HashMap::new(),
            selections: HashMap::new(),
            note_links: Vec::new(),
            comment_memos: Vec::new(),
            source_cases: Vec::new(),
            users: HashSet::new(),
            palette: 0,
            counts: HashMap::new(),
            values_seen: HashSet::new(),
        }
    }

    fn bad(
        &self,
        el: &Element,
        attribute: &'static str,
        value: &str,
        expected: &'static str,
    ) -> RefiError {
        RefiError::InvalidAttribute {
            entry: self.entry.into(),
            line: el.line,
            element: el.name.clone(),
            attribute,
            value: value.to_string(),
            expected,
        }
    }

    fn required<'e>(&self, el: &'e Element, attribute: &'static str) -> Result<&'e str, RefiError> {
        el.attr(attribute)
            .ok_or_else(|| RefiError::MissingAttribute {
                entry: self.entry.into(),
                line: el.line,
                element: el.name.clone(),
                attribute,
            })
    }

    fn guid(&self, el: &Element, attribute: &'static str) -> Result<Uuid, RefiError> {
        let v = self.required(el, attribute)?;
        axial_core::id::parse_guid(v)
            .map_err(|_| self.bad(el, attribute, v, "a GUID (8-4-4-4-12 hexadecimal digits)"))
    }

    /// A reference attribute whose target must be one of `kinds`.
    fn reference(
        &self,
        el: &Element,
        attribute: &'static str,
        kinds: &[&str],
        expected: &'static str,
    ) -> Result<(Uuid, String), RefiError> {
        let g = self.guid(el, attribute)?;
        match self.guids.get(&g) {
            Some((k, _)) if kinds.is_empty() || kinds.contains(&k.as_str()) => Ok((g, k.clone())),
            _ => Err(RefiError::MissingReference {
                entry: self.entry.into(),
                line: el.line,
                element: el.name.clone(),
                guid: self.required(el, attribute)?.to_string(),
                expected,
            }),
        }
    }

    fn namespace(&mut self, root: &Element, prefix: &str) {
        match root.namespaces.iter().find(|n| n.starts_with(prefix)) {
            Some(ns) if ns.ends_with(":1.0") => {}
            Some(ns) => self.r.warn(format!(
                "namespace '{ns}' is not the 1.0 version; read as 1.0"
            )),
            None => self.r.warn(format!(
                "no {prefix}1.0 namespace declared; read as REFI-QDA 1.0 anyway"
            )),
        }
    }

    /// Records every GUID; a second object with the same GUID is an error
    /// (except ATLAS.ti's PDFSelection / PlainTextSelection pairs).
    fn register(&mut self, root: &Element) -> Result<(), RefiError> {
        let mut stack = vec![root];
        while let Some(el) = stack.pop() {
            if el.attr("guid").is_some() && el.name != "MemberCode" {
                let g = self.guid(el, "guid")?;
                if let Some((first, line)) = self.guids.get(&g) {
                    let pair = [first.as_str(), el.name.as_str()];
                    if pair.contains(&"PDFSelection") && pair.contains(&"PlainTextSelection") {
                        self.r.warn(format!(
                            "GUID {g} is shared by a PDFSelection and a PlainTextSelection (an ATLAS.ti habit); accepted"
                        ));
                    } else {
                        return Err(RefiError::DuplicateGuid {
                            entry: self.entry.into(),
                            line: el.line,
                            element: el.name.clone(),
                            guid: g.to_string(),
                            first_element: first.clone(),
                            first_line: *line,
                        });
                    }
                } else {
                    self.guids.insert(g, (el.name.clone(), el.line));
                }
            }
            stack.extend(el.children.iter().rev());
        }
        Ok(())
    }

    fn unknown_children(&mut self, el: &Element, known: &[&str]) {
        for c in &el.children {
            if !known.contains(&c.name.as_str()) {
                self.r.warn(format!(
                    "unknown element <{}> in <{}> (line {}) ignored",
                    c.name, el.name, c.line
                ));
            }
        }
    }

    fn time(&mut self, el: &Element, attribute: &str) -> Option<Timestamp> {
        let v = el.attr(attribute)?.trim();
        if let Ok(t) = time::OffsetDateTime::parse(v, &Rfc3339) {
            return Some(t);
        }
        let fmt = time::macros::format_description!(
            version = 2,
            "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]]"
        );
        match time::PrimitiveDateTime::parse(v, &fmt) {
            Ok(t) => Some(t.assume_utc()),
            Err(_) => {
                self.r.warn(format!(
                    "<{} {attribute}=\"{v}\"> (line {}) is not a date and time; ignored",
                    el.name, el.line
                ));
                None
            }
        }
    }

    /// The user an audit attribute names, or the importing user.
    fn user(&mut self, el: &Element, attribute: &str) -> UserId {
        let Some(v) = el.attr(attribute) else {
            return self.opts.importing_user;
        };
        let Ok(g) = axial_core::id::parse_guid(v) else {
            self.r.warn(format!(
                "<{} {attribute}=\"{v}\"> (line {}) is not a GUID; the importing user was used",
                el.name, el.line
            ));
            return self.opts.importing_user;
        };
        let id = UserId::from_uuid(g);
        if !self.users.contains(&id) {
            self.users.insert(id);
            let short: String = g.to_string().chars().take(8).collect();
            self.b.users.push(User {
                id,
                name: format!("user-{short}"),
                display_name: format!("Unknown user {short}"),
                created_at: self.opts.now,
                version: Version::FIRST,
            });
            self.r.convert(
                "User",
                1,
                "a user named in the project but missing from <Users> was added as 'Unknown user'",
            );
        }
        id
    }

    fn count(&mut self, element: &'static str) {
        *self.counts.entry(element).or_default() += 1;
    }

    fn user_element(
        &mut self,
        el: &Element,
        created: Option<&serde_json::Value>,
    ) -> Result<(), RefiError> {
        let id = UserId::from_uuid(self.guid(el, "guid")?);
        let display = el.attr("name").map(str::trim).filter(|s| !s.is_empty());
        let handle = el.attr("id").map(str::trim).filter(|s| !s.is_empty());
        let short: String = id.to_string().chars().take(8).collect();
        let name = handle
            .or(display)
            .map(str::to_string)
            .unwrap_or_else(|| format!("user-{short}"));
        let display_name = display
            .or(handle)
            .map(str::to_string)
            .unwrap_or_else(|| name.clone());
        let created_at = created
            .and_then(|v| {
                v.get(id.to_string())?
                    .as_str()
                    .and_then(|s| time::OffsetDateTime::parse(s, &Rfc3339).ok())
            })
            .unwrap_or(self.opts.now);
        if self.users.insert(id) {
            self.b.users.push(User {
                id,
                name,
                display_name,
                created_at,
                version: Version::FIRST,
            });
            self.count("User");
        }
        Ok(())
    }

    fn code(&mut self, el: &Element, parent: Option<CodeId>) -> Result<(), RefiError> {
        let id = CodeId::from_uuid(self.guid(el, "guid")?);
        let raw_name = self.required(el, "name")?;
        let name = match validate_name("code", raw_name) {
            Ok(n) => n,
            Err(_) => {
                let cleaned: String = raw_name
                    .chars()
                    .map(|c| if c.is_control() { ' ' } else { c })
                    .collect();
                let cleaned: String = cleaned
                    .trim()
                    .chars()
                    .take(axial_core::project::MAX_NAME)
                    .collect();
                let n = if cleaned.trim().is_empty() {
                    "Unnamed code".to_string()
                } else {
                    cleaned.trim().to_string()
                };
                self.r.convert(
                    "Code",
                    1,
                    "code names that were empty, too long or held line breaks were cleaned up",
                );
                n
            }
        };
        let mut unique = name.clone();
        let mut k = 2;
        while self
            .b
            .codes
            .iter()
            .any(|c| c.parent == parent && c.name == unique)
        {
            unique = format!("{name} ({k})");
            k += 1;
        }
        if unique != name {
            self.r.convert(
                "Code",
                1,
                "codes with the same name under the same parent got a number appended",
            );
        }
        let codable = match el.attr("isCodable").map(str::trim) {
            Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            None => {
                self.r.warn(format!(
                    "<Code> '{unique}' (line {}) has no isCodable; taken as codable",
                    el.line
                ));
                true
            }
            Some(v) => return Err(self.bad(el, "isCodable", v, "true or false")),
        };
        let color = match el.attr("color").and_then(parse_color) {
            Some(c) => c,
            None => {
                let c = Color::palette(self.palette);
                self.palette += 1;
                self.r.convert(
                    "Code",
                    1,
                    "codes without a valid colour got one from the palette",
                );
                c
            }
        };
        let texts = parse_code(el.child_text("Description").unwrap_or(""));
        let pi = axial_payload(el);
        let created_by = pi
            .as_ref()
            .and_then(|v| v.get("created_by")?.as_str()?.parse().ok())
            .unwrap_or(self.opts.importing_user);
        let created_at = pi
            .as_ref()
            .and_then(|v| {
                v.get("created_at")?
                    .as_str()
                    .and_then(|s| time::OffsetDateTime::parse(s, &Rfc3339).ok())
            })
            .unwrap_or(self.opts.now);
        self.b.codes.push(Code {
            id,
            project: self.b.project.id,
            parent,
            name: unique,
            color,
            description: texts.definition,
            inclusion: texts.inclusion,
            exclusion: texts.exclusion,
            example: texts.example,
            codable,
            created_by,
            created_at,
            version: Version::FIRST,
        });
        self.count("Code");
        self.unknown_children(el, &["Description", "NoteRef", "Code"]);
        for n in el.children_named("NoteRef") {
            let m = self.note_ref(n)?;
            self.note_links.push((m, MemoLink::Code(id)));
        }
        for c in el.children_named("Code") {
            self.code(c, Some(id))?;
        }
        Ok(())
    }

    fn variable(&mut self, el: &Element) -> Result<(), RefiError> {
        let id = VariableId::from_uuid(self.guid(el, "guid")?);
        let name = self.required(el, "name")?.trim().to_string();
        let ty = self.required(el, "typeOfVariable")?;
        let desc = el.child_text("Description").unwrap_or("").to_string();
        let (kind, description) = match ty {
            "Text" => match parse_category(&desc) {
                (d, Some(values)) => (VariableKind::Category { values }, d),
                (d, None) => (VariableKind::Text, d),
            },
            "Integer" => (VariableKind::Integer, desc),
            "Float" => (VariableKind::Decimal, desc),
            "Date" => (VariableKind::Date, desc),
            "Boolean" => (VariableKind::Boolean, desc),
            "DateTime" => {
                self.r.convert(
                    "Variable",
                    1,
                    "DateTime variables became Text variables (Axial has no date-and-time type)",
                );
                (VariableKind::Text, desc)
            }
            other => {
                return Err(self.bad(
                    el,
                    "typeOfVariable",
                    other,
                    "Text, Boolean, Integer, Float, Date or DateTime",
                ))
            }
        };
        self.b.variables.push(Variable {
            id,
            project: self.b.project.id,
            name,
            kind,
            description,
            version: Version::FIRST,
        });
        self.count("Variable");
        Ok(())
    }

    fn value(&mut self, el: &Element, subject: Subject) -> Result<(), RefiError> {
        let vref = el
            .child("VariableRef")
            .ok_or_else(|| RefiError::MissingReference {
                entry: self.entry.into(),
                line: el.line,
                element: "VariableValue".into(),
                guid: "(no VariableRef)".into(),
                expected: "a Variable",
            })?;
        let (g, _) = self.reference(vref, "targetGUID", &["Variable"], "a Variable")?;
        let variable = VariableId::from_uuid(g);
        let Some(var_idx) = self.b.variables.iter().position(|v| v.id == variable) else {
            return Ok(());
        };
        let raw = [
            "TextValue",
            "BooleanValue",
            "IntegerValue",
            "FloatValue",
            "DateValue",
            "DateTimeValue",
        ]
        .iter()
        .find_map(|k| el.child(k).map(|c| (*k, c.text.clone())));
        let Some((which, raw)) = raw else {
            return Ok(());
        };
        let kind = self.b.variables[var_idx].kind.clone();
        let text = raw.trim();
        let value = match &kind {
            VariableKind::Text => Some(Value::Text(raw.clone())),
            VariableKind::Category { values } => match values.iter().find(|v| **v == raw) {
                Some(v) => Some(Value::Category(v.clone())),
                None => {
                    if let VariableKind::Category { values } = &mut self.b.variables[var_idx].kind {
                        values.push(raw.clone());
                    }
                    self.r.warn(format!(
                        "value '{raw}' (line {}) was not among the allowed values of '{}'; it was added to them",
                        el.line, self.b.variables[var_idx].name
                    ));
                    Some(Value::Category(raw.clone()))
                }
            },
            VariableKind::Date if which == "DateTimeValue" => {
                parse_date(text.get(..10).unwrap_or(text)).map(Value::Date)
            }
            k => Value::parse(k, text).ok(),
        };
        let Some(value) = value else {
            self.r.lose(
                "VariableValue",
                1,
                "values that do not fit their variable's type were left out",
            );
            return Ok(());
        };
        let id = axial_payload(el)
            .and_then(|v| v.get("id")?.as_str()?.parse::<ValueId>().ok())
            .unwrap_or_else(|| value_id(variable, subject));
        if !self.values_seen.insert((variable, subject)) {
            self.r.warn(format!(
                "a second value of '{}' for the same case or source (line {}) was ignored",
                self.b.variables[var_idx].name, el.line
            ));
            return Ok(());
        }
        self.b.values.push(VariableValue {
            id,
            project: self.b.project.id,
            variable,
            subject,
            value,
            version: Version::FIRST,
        });
        self.count("VariableValue");
        Ok(())
    }

    fn note_ref(&mut self, el: &Element) -> Result<MemoId, RefiError> {
        let (g, _) = self.reference(el, "targetGUID", &["Note"], "a Note")?;
        Ok(MemoId::from_uuid(g))
    }

    fn case(&mut self, el: &Element) -> Result<(), RefiError> {
        let id = CaseId::from_uuid(self.guid(el, "guid")?);
        let name = match el.attr("name").map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => n.to_string(),
            None => format!("Case {}", self.b.cases.len() + 1),
        };
        let description = el.child_text("Description").unwrap_or("").to_string();
        self.b.cases.push(Case {
            id,
            project: self.b.project.id,
            name,
            description,
            version: Version::FIRST,
        });
        self.count("Case");
        self.unknown_children(
            el,
            &[
                "Description",
                "CodeRef",
                "VariableValue",
                "SourceRef",
                "SelectionRef",
            ],
        );
        for c in el.children_named("CodeRef") {
            self.reference(c, "targetGUID", &["Code"], "a Code")?;
            self.r.lose(
                "CodeRef in Case",
                1,
                "codes attached to a whole case are not supported",
            );
        }
        for v in el.children_named("VariableValue") {
            self.value(v, Subject::Case(id))?;
        }
        for s in el.children_named("SourceRef") {
            let (g, _) = self.reference(s, "targetGUID", &SOURCE_ELEMENTS, "a source")?;
            self.source_cases.push((g, id, s.line));
        }
        for s in el.children_named("SelectionRef") {
            self.reference(s, "targetGUID", &[], "an object")?;
            self.r.lose(
                "SelectionRef in Case",
                1,
                "selections attached to a case are not supported",
            );
        }
        Ok(())
    }

    /// Counts the codings under an element (any depth) as lost.
    fn lose_codings(&mut self, el: &Element, why: &str) -> Result<(), RefiError> {
        let mut n = 0;
        let mut stack = vec![el];
        while let Some(e) = stack.pop() {
            if e.name == "Coding" {
                if let Some(c) = e.child("CodeRef") {
                    self.reference(c, "targetGUID", &["Code", "Case"], "a Code")?;
                }
                n += 1;
            }
            stack.extend(e.children.iter());
        }
        self.r.lose("Coding", n, why);
        Ok(())
    }

    /// Reads the text of a TextSourceType element.
    fn text_of(
        &mut self,
        el: &Element,
        files: &mut dyn Files,
    ) -> Result<Result<String, String>, RefiError> {
        if let Some(t) = el.child_text("PlainTextContent") {
            return Ok(Ok(t.to_string()));
        }
        let Some(path) = el.attr("plainTextPath").filter(|p| !p.trim().is_empty()) else {
            return Ok(Err(if el.attr("richTextPath").is_some() {
                "only a rich-text file is given and Axial reads plain text".to_string()
            } else {
                "it has neither PlainTextContent nor plainTextPath".to_string()
            }));
        };
        match files.fetch(path)? {
            Fetched::Found { entry, bytes } => {
                if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
                    return Err(RefiError::SourceText {
                        entry,
                        detail: "it is UTF-16".into(),
                    });
                }
                let text =
                    String::from_utf8(bytes.to_vec()).map_err(|e| RefiError::SourceText {
                        entry,
                        detail: format!("invalid UTF-8 at byte {}", e.utf8_error().valid_up_to()),
                    })?;
                Ok(Ok(text))
            }
            Fetched::Missing(why) => Ok(Err(why)),
        }
    }

    /// Imports one text source. `text_el` holds the text and its selections
    /// (a TextSource, a PDF Representation, a Transcript); `meta_el` holds
    /// the name, audit data, description, notes, values and whole-source
    /// codings (the same element, or the PDFSource).
    fn text_source(
        &mut self,
        text_el: &Element,
        meta_el: &Element,
        files: &mut dyn Files,
        name: &str,
        label: &'static str,
    ) -> Result<Option<SourceId>, RefiError> {
        let guid = self.guid(meta_el, "guid")?;
        let id = SourceId::from_uuid(
            if std::ptr::eq(text_el, meta_el) || meta_el.name == "PDFSource" {
                guid
            } else {
                self.guid(text_el, "guid")?
            },
        );
        if label != "Transcript" {
            self.unknown_children(
                text_el,
                &[
                    "Description",
                    "PlainTextContent",
                    "PlainTextSelection",
                    "Coding",
                    "NoteRef",
                    "VariableValue",
                    "SyncPoint",
                    "TranscriptSelection",
                ],
            );
        }
        let raw = match self.text_of(text_el, files)? {
            Ok(t) => t,
            Err(why) => {
                self.r.lose(
                    label,
                    1,
                    format!("no text available, so the source was left out ({why})"),
                );
                self.lose_codings(text_el, "on a source whose text was not available")?;
                if !std::ptr::eq(text_el, meta_el) {
                    for c in meta_el.children_named("Coding") {
                        self.lose_codings(c, "on a source whose text was not available")?;
                    }
                }
                for n in meta_el.children_named("NoteRef") {
                    self.note_ref(n)?;
                    self.r
                        .lose("NoteRef", 1, "memo links to sources that were left out");
                }
                return Ok(None);
            }
        };
        let st = SourceText::new(&raw);
        if st.had_bom {
            self.r
                .convert("source text", 1, "a leading byte-order mark was removed");
        }
        if st.had_crlf {
            self.r.convert(
                "source text",
                1,
                "CRLF line ends were turned into LF (positions moved to match)",
            );
        }
        let pi = axial_payload(text_el);
        let kind = pi
            .as_ref()
            .and_then(|v| v.get("kind")?.as_str()?.parse::<SourceKind>().ok())
            .unwrap_or(SourceKind::Refi);
        let revision_of = pi
            .as_ref()
            .and_then(|v| v.get("revision_of")?.as_str()?.parse().ok());
        let structure = match pi.as_ref().and_then(|v| v.get("structure")) {
            Some(s) => match structure_from(s, st.char_len()) {
                Some(s) => s,
                None => {
                    self.r.warn(format!("the Axial layout data of source '{name}' did not fit its text and was dropped"));
                    Structure::default()
                }
            },
            None => Structure::default(),
        };
        let source = Source {
            id,
            project: self.b.project.id,
            name: if name.trim().is_empty() {
                format!("Source {}", self.b.sources.len() + 1)
            } else {
                name.to_string()
            },
            kind,
            content_hash: sha256(&st.text),
            char_len: st.char_len(),
            imported_at: self
                .time(meta_el, "creationDateTime")
                .unwrap_or(self.opts.now),
            imported_by: self.user(meta_el, "creatingUser"),
            case: None,
            description: meta_el.child_text("Description").unwrap_or("").to_string(),
            structure: structure.into(),
            revision_of,
            version: Version::FIRST,
        };
        self.b.sources.push(source);
        self.b.texts.insert(id, st.text.clone());
        self.source_alias.insert(guid, id);
        self.source_alias.insert(id.as_uuid(), id);
        self.count(label);

        // Selections, with the position unit chosen per source.
        let mut sels = Vec::new();
        for s in text_el.children_named("PlainTextSelection") {
            let guid = self.guid(s, "guid")?;
            let num = |a: &'static str| -> Result<u64, RefiError> {
                let v = self.required(s, a)?;
                v.trim()
                    .parse::<u64>()
                    .map_err(|_| self.bad(s, a, v, "a non-negative whole number"))
            };
            let (start, end) = (num("startPosition")?, num("endPosition")?);
            if start > end {
                return Err(RefiError::ReversedSpan {
                    entry: self.entry.into(),
                    line: s.line,
                    selection: guid.to_string(),
                    start,
                    end,
                });
            }
            sels.push(Sel {
                el: s,
                guid,
                start,
                end,
            });
        }
        let unit = self.choose_unit(&st, &sels, &source_name(&self.b, id))?;
        let moved = sels.iter().filter(|s| s.start < s.end).count() as u64;
        if st.unit_matters(unit) && moved > 0 {
            self.r.convert(
                "PlainTextSelection",
                moved,
                format!("positions were {unit}; converted to code points of the LF text and checked against the text"),
            );
        }
        for s in &sels {
            let (Some(a), Some(b)) = (st.position(unit, s.start), st.position(unit, s.end)) else {
                continue; // choose_unit checked every selection
            };
            let mut info = SelectionInfo {
                source: id,
                codings: Vec::new(),
            };
            if a >= b {
                self.r.lose(
                    "PlainTextSelection",
                    1,
                    "zero-length selections (nothing to code)",
                );
                self.lose_codings(s.el, "on zero-length selections")?;
            } else {
                let span =
                    Span::new(a, b, st.char_len()).map_err(|_| RefiError::SpanOutOfRange {
                        entry: self.entry.into(),
                        line: s.el.line,
                        selection: s.guid.to_string(),
                        source_name: name.to_string(),
                        start: s.start,
                        end: s.end,
                        len: st.char_len(),
                    })?;
                for c in s.el.children_named("Coding") {
                    if let Some(cid) = self.coding(c, id, span)? {
                        info.codings.push(cid);
                    }
                }
                if let Some(d) =
                    s.el.child_text("Description")
                        .filter(|d| !d.trim().is_empty())
                {
                    self.comment(s.el, d, &info, &slice(&st.text, a, b));
                }
            }
            for n in s.el.children_named("NoteRef") {
                let m = self.note_ref(n)?;
                self.link_to_selection(m, &info);
            }
            self.selections.insert(s.guid, info);
        }
        // Codings of the whole source.
        let mut whole: Vec<&Element> = meta_el.children_named("Coding").collect();
        if !std::ptr::eq(text_el, meta_el) {
            whole.extend(text_el.children_named("Coding"));
        }
        for c in whole {
            match Span::new(0, st.char_len(), st.char_len()) {
                Ok(span) => {
                    self.coding(c, id, span)?;
                    self.r.convert(
                        "Coding",
                        1,
                        "codings of a whole source became codings of its whole text",
                    );
                }
                Err(_) => self.lose_codings(c, "on an empty source")?,
            }
        }
        for n in meta_el.children_named("NoteRef") {
            let m = self.note_ref(n)?;
            self.note_links.push((m, MemoLink::Source(id)));
        }
        if !std::ptr::eq(text_el, meta_el) {
            for n in text_el.children_named("NoteRef") {
                let m = self.note_ref(n)?;
                self.note_links.push((m, MemoLink::Source(id)));
            }
        }
        for v in meta_el.children_named("VariableValue") {
            self.value(v, Subject::Source(id))?;
        }
        Ok(Some(id))
    }

    fn choose_unit(
        &mut self,
        st: &SourceText,
        sels: &[Sel<'_>],
        name: &str,
    ) -> Result<Unit, RefiError> {
        let preferred = self.opts.positions.unwrap_or(if self.nvivo {
            Unit::Utf16Crlf
        } else {
            Unit::CodePoints
        });
        let mut candidates = vec![preferred];
        if self.opts.positions.is_none() {
            candidates.extend(
                Unit::ALL
                    .into_iter()
                    .filter(|u| *u != preferred && st.unit_matters(*u)),
            );
        }
        let fits = |u: Unit| {
            sels.iter()
                .all(|s| st.position(u, s.start).is_some() && st.position(u, s.end).is_some())
        };
        let score = |u: Unit| {
            sels.iter()
                .filter(|s| {
                    let name = s.el.attr("name").unwrap_or("");
                    match (st.position(u, s.start), st.position(u, s.end)) {
                        (Some(a), Some(b)) if a < b && !name.trim().is_empty() => {
                            name_matches(name, &slice(&st.text, a, b))
                        }
                        _ => false,
                    }
                })
                .count()
        };
        let mut best: Option<(Unit, usize)> = None;
        for u in candidates {
            if !fits(u) {
                continue;
            }
            let sc = score(u);
            if best.is_none_or(|(_, b)| sc > b) {
                best = Some((u, sc));
            }
        }
        if let Some((u, _)) = best {
            return Ok(u);
        }
        let bad = sels
            .iter()
            .find(|s| {
                st.position(preferred, s.start).is_none() || st.position(preferred, s.end).is_none()
            })
            .or(sels.first());
        let (line, selection, start, end) = bad
            .map(|s| (s.el.line, s.guid.to_string(), s.start, s.end))
            .unwrap_or_default();
        Err(RefiError::SpanOutOfRange {
            entry: self.entry.into(),
            line,
            selection,
            source_name: name.to_string(),
            start,
            end,
            len: st.char_len(),
        })
    }

    /// One `<Coding>`; `None` when it is NVivo "case text" (CodeRef → Case).
    fn coding(
        &mut self,
        el: &Element,
        source: SourceId,
        span: Span,
    ) -> Result<Option<CodingId>, RefiError> {
        let id = CodingId::from_uuid(self.guid(el, "guid")?);
        let cref = el
            .child("CodeRef")
            .ok_or_else(|| RefiError::MissingReference {
                entry: self.entry.into(),
                line: el.line,
                element: "Coding".into(),
                guid: "(no CodeRef)".into(),
                expected: "a Code",
            })?;
        let (g, kind) = self.reference(cref, "targetGUID", &["Code", "Case"], "a Code")?;
        if kind == "Case" {
            self.source_cases
                .push((source.as_uuid(), CaseId::from_uuid(g), el.line));
            self.r.convert("Coding", 1, "codings whose CodeRef names a Case (NVivo case text) made the source part of that case");
            return Ok(None);
        }
        if el.attr("creatingUser").is_none() {
            self.r.convert(
                "Coding",
                1,
                "codings without creatingUser were given to the importing user",
            );
        }
        let coder = self.user(el, "creatingUser");
        let created_at = self.time(el, "creationDateTime").unwrap_or(self.opts.now);
        self.b.codings.push(Coding {
            id,
            project: self.b.project.id,
            source,
            code: CodeId::from_uuid(g),
            span,
            coder,
            created_at,
            version: Version::FIRST,
        });
        self.count("Coding");
        for n in el.children_named("NoteRef") {
            let m = self.note_ref(n)?;
            self.note_links.push((m, MemoLink::Coding(id)));
        }
        Ok(Some(id))
    }

    fn link_to_selection(&mut self, memo: MemoId, info: &SelectionInfo) {
        if info.codings.is_empty() {
            self.note_links.push((memo, MemoLink::Source(info.source)));
        } else {
            for c in &info.codings {
                self.note_links.push((memo, MemoLink::Coding(*c)));
            }
        }
    }

    /// A selection's Description (a comment, as ATLAS.ti and MAXQDA write them) becomes a memo.
    fn comment(&mut self, el: &Element, text: &str, info: &SelectionInfo, covered: &str) {
        let guid = el.attr("guid").unwrap_or("");
        let id = MemoId::from_uuid(Uuid::new_v5(
            &NAMESPACE,
            format!("comment/{}", guid.to_lowercase()).as_bytes(),
        ));
        let title: String = match el.attr("name").map(str::trim).filter(|n| !n.is_empty()) {
            Some(n) => n.chars().take(120).collect(),
            None => format!(
                "Comment on “{}”",
                covered.chars().take(40).collect::<String>().trim()
            ),
        };
        let author = self.user(el, "creatingUser");
        let created_at = self.time(el, "creationDateTime").unwrap_or(self.opts.now);
        let updated_at = self.time(el, "modifiedDateTime").unwrap_or(created_at);
        let links = if info.codings.is_empty() {
            vec![MemoLink::Source(info.source)]
        } else {
            info.codings.iter().map(|c| MemoLink::Coding(*c)).collect()
        };
        self.comment_memos.push(Memo {
            id,
            project: self.b.project.id,
            title,
            body: text.to_string(),
            kind: MemoKind::Document,
            links,
            author,
            created_at,
            updated_at,
            version: Version::FIRST,
        });
        self.r.convert(
            "Description of a selection",
            1,
            "selection comments became document memos linked to their codings (or source)",
        );
    }

    fn pdf_source(&mut self, el: &Element, files: &mut dyn Files) -> Result<(), RefiError> {
        let areas: Vec<&Element> = el.children_named("PDFSelection").collect();
        self.r.lose(
            "PDFSelection",
            areas.len() as u64,
            "PDF areas are not supported yet",
        );
        for a in areas {
            self.lose_codings(a, "on PDF areas")?;
        }
        let name = el.attr("name").unwrap_or("").to_string();
        match el.child("Representation") {
            Some(rep) => {
                if self
                    .text_source(rep, el, files, &name, "PDFSource")?
                    .is_some()
                {
                    self.r.convert("PDFSource", 1, "PDFs became text sources made of their text representation (the PDF file itself is not kept)");
                }
            }
            None => {
                self.r.lose(
                    "PDFSource",
                    1,
                    "PDFs without a text representation are not supported",
                );
                for c in el.children_named("Coding") {
                    self.lose_codings(c, "on a source whose text was not available")?;
                }
            }
        }
        Ok(())
    }

    fn picture_source(&mut self, el: &Element) -> Result<(), RefiError> {
        self.r
            .lose("PictureSource", 1, "images are not supported yet");
        let sels: Vec<&Element> = el.children_named("PictureSelection").collect();
        self.r.lose(
            "PictureSelection",
            sels.len() as u64,
            "image areas are not supported yet",
        );
        self.lose_codings(el, "on images")?;
        for n in el.children_named("NoteRef") {
            self.note_ref(n)?;
            self.r
                .lose("NoteRef", 1, "memo links to sources that were left out");
        }
        Ok(())
    }

    fn media_source(&mut self, el: &Element, files: &mut dyn Files) -> Result<(), RefiError> {
        self.r.lose(
            &el.name,
            1,
            "audio and video are not supported; transcripts with text are imported as text sources",
        );
        let sel_name = if el.name == "AudioSource" {
            "AudioSelection"
        } else {
            "VideoSelection"
        };
        let sels: Vec<&Element> = el.children_named(sel_name).collect();
        self.r.lose(
            sel_name,
            sels.len() as u64,
            "time ranges of audio and video are not supported",
        );
        for s in sels {
            self.lose_codings(s, "on audio or video time ranges")?;
        }
        let media_name = el.attr("name").unwrap_or("").to_string();
        let mut first = None;
        for t in el.children_named("Transcript") {
            let tsels: Vec<&Element> = t.children_named("TranscriptSelection").collect();
            self.r.lose(
                "TranscriptSelection",
                tsels.len() as u64,
                "transcript selections (between sync points) are not supported",
            );
            for s in tsels {
                self.lose_codings(s, "on transcript selections")?;
            }
            let tname = t
                .attr("name")
                .filter(|n| !n.trim().is_empty())
                .map(str::to_string)
                .unwrap_or_else(|| {
                    if media_name.trim().is_empty() {
                        String::new()
                    } else {
                        format!("{media_name} (transcript)")
                    }
                });
            if let Some(id) = self.text_source(t, t, files, &tname, "Transcript")? {
                first.get_or_insert(id);
            }
        }
        for c in el.children_named("Coding") {
            self.lose_codings(c, "on a whole audio or video file")?;
        }
        match first {
            Some(id) => {
                self.source_alias.insert(self.guid(el, "guid")?, id);
                for n in el.children_named("NoteRef") {
                    let m = self.note_ref(n)?;
                    self.note_links.push((m, MemoLink::Source(id)));
                }
                for v in el.children_named("VariableValue") {
                    self.value(v, Subject::Source(id))?;
                }
            }
            None => {
                for n in el.children_named("NoteRef") {
                    self.note_ref(n)?;
                    self.r
                        .lose("NoteRef", 1, "memo links to sources that were left out");
                }
            }
        }
        Ok(())
    }

    fn note(&mut self, el: &Element, files: &mut dyn Files) -> Result<(), RefiError> {
        let id = MemoId::from_uuid(self.guid(el, "guid")?);
        let title = el
            .attr("name")
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .unwrap_or("Untitled memo")
            .to_string();
        let inline = el.child("PlainTextContent").is_some();
        let body = match self.text_of(el, files)? {
            // Inline text is already XML-normalised; a CR in it was written on purpose.
            Ok(t) if inline => t,
            Ok(t) => SourceText::new(&t).text,
            Err(why) => {
                self.r.lose(
                    "Note text",
                    1,
                    format!(
                        "memo text not available, the memo came in with its title only ({why})"
                    ),
                );
                String::new()
            }
        };
        let desc = el.child_text("Description").unwrap_or("");
        let (kind, body) = match parse_memo(desc) {
            Some(k) => (k, body),
            None if desc.trim().is_empty() => (MemoKind::Theoretical, body),
            None => {
                self.r.convert(
                    "Note",
                    1,
                    "memo descriptions were put at the top of the memo text",
                );
                (
                    MemoKind::Theoretical,
                    if body.is_empty() {
                        desc.to_string()
                    } else {
                        format!("{desc}\n\n{body}")
                    },
                )
            }
        };
        let author = self.user(el, "creatingUser");
        let created_at = self.time(el, "creationDateTime").unwrap_or(self.opts.now);
        let updated_at = self.time(el, "modifiedDateTime").unwrap_or(created_at);
        let sels =
            el.children_named("PlainTextSelection").count() + el.children_named("Coding").count();
        self.r.lose(
            "Coding in Note",
            sels as u64,
            "codings inside memos are not supported",
        );
        for n in el.children_named("NoteRef") {
            self.note_ref(n)?;
            self.r
                .lose("NoteRef in Note", 1, "memos about memos are not supported");
        }
        self.b.memos.push(Memo {
            id,
            project: self.b.project.id,
            title,
            body,
            kind,
            links: Vec::new(),
            author,
            created_at,
            updated_at,
            version: Version::FIRST,
        });
        self.count("Note");
        Ok(())
    }

    /// What a Link end means to a memo.
    fn memo_target(&self, g: Uuid, kind: &str) -> Option<Vec<MemoLink>> {
        match kind {
            "Code" => Some(vec![MemoLink::Code(CodeId::from_uuid(g))]),
            "Case" => Some(vec![MemoLink::Case(CaseId::from_uuid(g))]),
            "Coding" => self
                .b
                .codings
                .iter()
                .any(|c| c.id.as_uuid() == g)
                .then(|| vec![MemoLink::Coding(CodingId::from_uuid(g))]),
            "PlainTextSelection" => self.selections.get(&g).map(|s| {
                if s.codings.is_empty() {
                    vec![MemoLink::Source(s.source)]
                } else {
                    s.codings.iter().map(|c| MemoLink::Coding(*c)).collect()
                }
            }),
            _ => self
                .source_alias
                .get(&g)
                .map(|s| vec![MemoLink::Source(*s)]),
        }
    }

    fn link(&mut self, el: &Element) -> Result<(), RefiError> {
        let id = self.guid(el, "guid")?;
        if el.attr("originGUID").is_none() || el.attr("targetGUID").is_none() {
            self.r.lose("Link", 1, "links without both ends");
            return Ok(());
        }
        let (from, from_kind) = self.reference(el, "originGUID", &[], "an object")?;
        let (to, to_kind) = self.reference(el, "targetGUID", &[], "an object")?;
        let pi = axial_payload(el);
        let label = el.attr("name").unwrap_or("").to_string();
        if from_kind == "Code" && to_kind == "Code" {
            let kind = pi
                .as_ref()
                .and_then(|v| v.get("relation")?.as_str()?.parse::<RelationKind>().ok())
                .or_else(|| label.trim().to_lowercase().replace(' ', "_").parse().ok())
                .unwrap_or(RelationKind::Other);
            if !self.axial && el.attr("direction").is_some_and(|d| d != "OneWay") {
                self.r.convert(
                    "Link",
                    1,
                    "undirected links between codes became relations from origin to target",
                );
            }
            let created_by = pi
                .as_ref()
                .and_then(|v| v.get("created_by")?.as_str()?.parse().ok())
                .unwrap_or(self.opts.importing_user);
            let created_at = pi
                .as_ref()
                .and_then(|v| {
                    v.get("created_at")?
                        .as_str()
                        .and_then(|s| time::OffsetDateTime::parse(s, &Rfc3339).ok())
                })
                .unwrap_or(self.opts.now);
            self.b.relations.push(CodeRelation {
                id: RelationId::from_uuid(id),
                project: self.b.project.id,
                from: CodeId::from_uuid(from),
                to: CodeId::from_uuid(to),
                kind,
                label,
                created_by,
                created_at,
                version: Version::FIRST,
            });
            self.count("Link");
            return Ok(());
        }
        let (memo, other, other_kind) = if from_kind == "Note" {
            (from, to, to_kind)
        } else if to_kind == "Note" {
            (to, from, from_kind)
        } else {
            self.r.lose(
                "Link",
                1,
                format!("links between a {from_kind} and a {to_kind} are not supported"),
            );
            return Ok(());
        };
        match self.memo_target(other, &other_kind) {
            Some(links) => {
                for l in links {
                    self.note_links.push((MemoId::from_uuid(memo), l));
                }
                if !self.axial {
                    self.r.convert(
                        "Link",
                        1,
                        "links between a memo and what it is about became memo links",
                    );
                }
            }
            None => self.r.lose(
                "Link",
                1,
                format!("links from a memo to a {other_kind}, which was not imported"),
            ),
        }
        Ok(())
    }

    fn sets(&mut self, sets: &Element) -> Result<(), RefiError> {
        // Attribute sets: "variable: value" with source members only (ATLAS.ti).
        let mut attribute_sets: Vec<(&Element, String, String)> = Vec::new();
        for s in sets.children_named("Set") {
            let name = self.required(s, "name")?;
            let only_sources = s
                .children
                .iter()
                .all(|c| c.name == "MemberSource" || c.name == "Description");
            let parts = name
                .split_once(':')
                .map(|(a, b)| (a.trim().to_string(), b.trim().to_string()));
            match parts {
                Some((var, val))
                    if !self.axial
                        && only_sources
                        && !var.is_empty()
                        && !val.is_empty()
                        && !self.b.variables.iter().any(|v| v.name == var) =>
                {
                    attribute_sets.push((s, var, val))
                }
                _ => {}
            }
        }
        for s in sets.children_named("Set") {
            if attribute_sets.iter().any(|(a, _, _)| std::ptr::eq(*a, s)) {
                continue;
            }
            self.set(s)?;
        }
        let mut made: Vec<VariableId> = Vec::new();
        for (s, var, val) in attribute_sets {
            let vid = VariableId::from_uuid(Uuid::new_v5(
                &NAMESPACE,
                format!("attribute-set/{var}").as_bytes(),
            ));
            if !made.contains(&vid) {
                made.push(vid);
                self.b.variables.push(Variable {
                    id: vid,
                    project: self.b.project.id,
                    name: var.clone(),
                    kind: VariableKind::Category { values: Vec::new() },
                    description: String::new(),
                    version: Version::FIRST,
                });
                self.count("Variable");
            }
            if let Some(v) = self.b.variables.iter_mut().find(|v| v.id == vid) {
                if let VariableKind::Category { values } = &mut v.kind {
                    if !values.contains(&val) {
                        values.push(val.clone());
                    }
                }
            }
            self.r.convert(
                "Set",
                1,
                "sets named 'variable: value' holding sources became category variables",
            );
            for m in s.children_named("MemberSource") {
                let (g, _) = self.reference(m, "targetGUID", &SOURCE_ELEMENTS, "a source")?;
                let Some(&sid) = self.source_alias.get(&g) else {
                    self.r.lose(
                        "MemberSource",
                        1,
                        "set members that are sources which were left out",
                    );
                    continue;
                };
                let subject = Subject::Source(sid);
                if self
                    .b
                    .values
                    .iter()
                    .any(|v| v.variable == vid && v.subject == subject)
                {
                    self.r.warn(format!(
                        "source is in two '{var}: …' sets; kept the first value"
                    ));
                    continue;
                }
                self.b.values.push(VariableValue {
                    id: value_id(vid, subject),
                    project: self.b.project.id,
                    variable: vid,
                    subject,
                    value: Value::Category(val.clone()),
                    version: Version::FIRST,
                });
                self.count("VariableValue");
            }
        }
        Ok(())
    }

    fn set(&mut self, el: &Element) -> Result<(), RefiError> {
        let id = SetId::from_uuid(self.guid(el, "guid")?);
        let name = self.required(el, "name")?.to_string();
        let mut members = Vec::new();
        self.unknown_children(
            el,
            &["Description", "MemberCode", "MemberSource", "MemberNote"],
        );
        for m in el.children_named("MemberCode") {
            let (g, _) = self.reference(m, "targetGUID", &["Code"], "a Code")?;
            members.push(SetMember::Code(CodeId::from_uuid(g)));
        }
        for m in el.children_named("MemberSource") {
            let (g, _) = self.reference(m, "targetGUID", &SOURCE_ELEMENTS, "a source")?;
            match self.source_alias.get(&g) {
                Some(s) => members.push(SetMember::Source(*s)),
                None => self.r.lose(
                    "MemberSource",
                    1,
                    "set members that are sources which were left out",
                ),
            }
        }
        for m in el.children_named("MemberNote") {
            let (g, _) = self.reference(m, "targetGUID", &["Note"], "a Note")?;
            members.push(SetMember::Memo(MemoId::from_uuid(g)));
        }
        if let Some(cases) = axial_payload(el).and_then(|v| v.get("cases").cloned()) {
            let known: HashSet<CaseId> = self.b.cases.iter().map(|k| k.id).collect();
            for c in cases
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str())
            {
                match c.parse::<CaseId>() {
                    Ok(cid) if known.contains(&cid) => members.push(SetMember::Case(cid)),
                    _ => {
                        return Err(RefiError::MissingReference {
                            entry: self.entry.into(),
                            line: el.line,
                            element: "Set".into(),
                            guid: c.to_string(),
                            expected: "a Case",
                        })
                    }
                }
            }
        }
        let description = el.child_text("Description").unwrap_or("").to_string();
        self.b.sets.push(Set {
            id,
            project: self.b.project.id,
            name,
            description,
            members,
            version: Version::FIRST,
        });
        self.count("Set");
        Ok(())
    }

    fn finish(mut self) -> Result<(Bundle, LossReport), RefiError> {
        // Sources in cases (looked up in maps: one case per source in a
        // large survey).
        let case_ids: HashSet<CaseId> = self.b.cases.iter().map(|c| c.id).collect();
        let mut source_at: HashMap<SourceId, usize> = HashMap::new();
        for (i, s) in self.b.sources.iter().enumerate() {
            source_at.entry(s.id).or_insert(i);
        }
        for (g, case, line) in std::mem::take(&mut self.source_cases) {
            let Some(&sid) = self.source_alias.get(&g) else {
                self.r.lose(
                    "SourceRef",
                    1,
                    "case members that are sources which were left out",
                );
                continue;
            };
            if !case_ids.contains(&case) {
                return Err(RefiError::MissingReference {
                    entry: self.entry.into(),
                    line,
                    element: "Case".into(),
                    guid: case.to_string(),
                    expected: "a Case",
                });
            }
            if let Some(s) = source_at.get(&sid).map(|&i| &mut self.b.sources[i]) {
                match s.case {
                    None => s.case = Some(case),
                    Some(c) if c == case => {}
                    Some(_) => self.r.warn(format!(
                        "source '{}' belongs to several cases; Axial keeps the first",
                        s.name
                    )),
                }
            }
        }
        // Memo links.
        let comments = std::mem::take(&mut self.comment_memos);
        self.count_n("Note (from selection comment)", comments.len());
        self.b.memos.extend(comments);
        let mut memo_at: HashMap<MemoId, usize> = HashMap::new();
        for (i, m) in self.b.memos.iter().enumerate() {
            memo_at.entry(m.id).or_insert(i);
        }
        for (m, l) in std::mem::take(&mut self.note_links) {
            if let Some(&i) = memo_at.get(&m) {
                self.b.memos[i].links.push(l);
            }
        }
        self.b.canonicalize();
        for (k, n) in &self.counts {
            self.r.set_imported(k, *n);
        }
        Ok((self.b, self.r))
    }

    fn count_n(&mut self, element: &'static str, n: usize) {
        if n > 0 {
            *self.counts.entry(element).or_default() += n;
        }
    }
}

fn source_name(b: &Bundle, id: SourceId) -> String {
    b.sources
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.name.clone())
        .unwrap_or_default()
}

/// Reads Axial's layout JSON back, checking every span against the text.
fn structure_from(v: &serde_json::Value, len: u32) -> Option<Structure> {
    let span = |x: &serde_json::Value| -> Option<Span> {
        let a = x.get(0)?.as_u64()?;
        let b = x.get(1)?.as_u64()?;
        Span::new(u32::try_from(a).ok()?, u32::try_from(b).ok()?, len).ok()
    };
    let spans = |k: &str| -> Option<Vec<Span>> {
        v.get(k)
            .and_then(|a| a.as_array())
            .map(|a| a.iter().map(span).collect::<Option<Vec<_>>>())
            .unwrap_or(Some(Vec::new()))
    };
    let mut turns = Vec::new();
    for t in v
        .get("turns")
        .and_then(|a| a.as_array())
        .into_iter()
        .flatten()
    {
        turns.push(Turn {
            span: span(t.get("span")?)?,
            speaker: t.get("speaker")?.as_str()?.to_string(),
            start_ms: t.get("start_ms").and_then(|x| x.as_u64()),
            end_ms: t.get("end_ms").and_then(|x| x.as_u64()),
        });
    }
    Some(Structure {
        paragraphs: spans("paragraphs")?,
        turns,
        pages: spans("pages")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_are_read_leniently() {
        for (s, want) in [
            ("#1f77b4", Some((0x1f, 0x77, 0xb4))),
            ("#F00", Some((255, 0, 0))),
            ("#1f77b4cc", Some((0x1f, 0x77, 0xb4))),
            ("rgb(1, 2, 3)", Some((1, 2, 3))),
            ("rgba(1,2,3,0.5)", Some((1, 2, 3))),
            ("red", None),
            ("", None),
            ("#ééé", None),
        ] {
            assert_eq!(
                parse_color(s),
                want.map(|(r, g, b)| Color::rgb(r, g, b)),
                "{s}"
            );
        }
    }

    #[test]
    fn selection_names_are_compared_loosely() {
        assert!(name_matches("granola", "granola bar"));
        assert!(name_matches("Mabel is  not…", "Mabel is not the only"));
        assert!(!name_matches("", "anything"));
        assert!(!name_matches("granola", "a granola"));
    }
}
