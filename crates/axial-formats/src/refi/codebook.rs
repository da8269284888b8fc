//! Codebooks on their own: REFI-QDA `.qdc` in and out, and a simple CSV in.
//!
//! A `.qdc` carries the code tree (names, colours, codable flag, the
//! description with Axial's inclusion/exclusion/example sections) and sets of
//! codes. Project sets with other members are not codebook material: only
//! their code members are written, and sets without code members are left
//! out. This module does not merge a codebook into a project.

use std::collections::{HashMap, HashSet};

use axial_core::{
    validate_name, Code, CodeId, Color, MemoLink, ProjectId, Set, SetMember, Timestamp, UserId,
    Version,
};

use super::export::code_xml;
use super::import::{import_codebook, parse_color};
use super::xml::{self, XmlOut};
use super::{ImportOptions, LossReport, RefiError};

const CODEBOOK_NS: &str = "urn:QDA-XML:codebook:1.0";

/// Codes (parents before children) and sets of codes.
#[derive(Debug, Clone, PartialEq)]
pub struct Codebook {
    pub codes: Vec<Code>,
    pub sets: Vec<Set>,
    /// The program that wrote it (`CodeBook@origin`).
    pub origin: Option<String>,
}

/// Reads a `.qdc` codebook into codes and sets of `project`.
pub fn read_qdc(
    xml: &[u8],
    opts: &ImportOptions,
    project: ProjectId,
) -> Result<(Codebook, LossReport), RefiError> {
    let root = xml::parse(xml, "codebook.qdc", opts.limits.max_xml_bytes)?;
    import_codebook(&root, "codebook.qdc", opts, project)
}

/// Writes a `.qdc` codebook. `codes` must hold at least one code (the
/// schema requires it) and every parent of a code it holds.
pub fn write_qdc(codes: &[Code], sets: &[Set]) -> Result<String, RefiError> {
    if codes.is_empty() {
        return Err(RefiError::Export {
            detail: "a REFI-QDA codebook must hold at least one code".into(),
        });
    }
    let ids: HashSet<CodeId> = codes.iter().map(|c| c.id).collect();
    let mut kids: HashMap<Option<CodeId>, Vec<&Code>> = HashMap::new();
    for c in codes {
        if let Some(p) = c.parent.filter(|p| !ids.contains(p)) {
            return Err(RefiError::Export {
                detail: format!(
                    "code '{}' has parent {p}, which is not in the codebook",
                    c.name
                ),
            });
        }
        kids.entry(c.parent).or_default().push(c);
    }
    // Every code must hang below a root (no cycles).
    let mut reach = 0;
    let mut stack: Vec<CodeId> = kids
        .get(&None)
        .into_iter()
        .flatten()
        .map(|c| c.id)
        .collect();
    let mut seen = HashSet::new();
    while let Some(id) = stack.pop() {
        if seen.insert(id) {
            reach += 1;
            stack.extend(kids.get(&Some(id)).into_iter().flatten().map(|c| c.id));
        }
    }
    if reach != codes.len() {
        return Err(RefiError::Export {
            detail: "the codes' parents form a cycle".into(),
        });
    }
    let mut o = XmlOut::new();
    o.open(
        "CodeBook",
        &[
            ("xmlns", CODEBOOK_NS.to_string()),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance".to_string()),
            ("xsi:schemaLocation", format!("{CODEBOOK_NS} http://schema.qdasoftware.org/versions/Codebook/v1.0/Codebook.xsd")),
            ("origin", format!("Axial {}", env!("CARGO_PKG_VERSION"))),
        ],
    )?;
    o.open("Codes", &[])?;
    let no_notes = |_: &mut XmlOut, _: MemoLink| Ok(());
    for c in kids.get(&None).into_iter().flatten() {
        code_xml(&mut o, c, &kids, &no_notes)?;
    }
    o.close("Codes")?;
    let with_codes: Vec<&Set> = sets
        .iter()
        .filter(|s| {
            s.members
                .iter()
                .any(|m| matches!(m, SetMember::Code(c) if ids.contains(c)))
        })
        .collect();
    if !with_codes.is_empty() {
        o.open("Sets", &[])?;
        for s in with_codes {
            o.open(
                "Set",
                &[("guid", s.id.to_string()), ("name", s.name.clone())],
            )?;
            if !s.description.is_empty() {
                o.text_element("Description", &[], &s.description)?;
            }
            for m in &s.members {
                if let SetMember::Code(c) = m {
                    if ids.contains(c) {
                        o.empty("MemberCode", &[("guid", c.to_string())])?;
                    }
                }
            }
            o.close("Set")?;
        }
        o.close("Sets")?;
    }
    o.close("CodeBook")?;
    Ok(o.finish())
}

/// Reads a codebook from CSV with a header row. Columns (header names are
/// case-insensitive, in any order): `name` (required), `parent` (the parent's
/// name, empty for a top-level code), `description`, `colour` or `color`
/// (`#rrggbb`), and optionally `inclusion`, `exclusion`, `example`. Codes
/// come back parents first; errors name the CSV line.
pub fn read_codebook_csv(
    bytes: &[u8],
    project: ProjectId,
    user: UserId,
    now: Timestamp,
) -> Result<Vec<Code>, RefiError> {
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    let mut rd = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
    let csv_err = |e: csv::Error| {
        let line = e.position().map(|p| p.line()).unwrap_or(0);
        RefiError::Csv {
            line,
            detail: e.to_string(),
        }
    };
    let headers = rd.headers().map_err(csv_err)?.clone();
    let col = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.iter().any(|n| h.trim().eq_ignore_ascii_case(n)))
    };
    let name_col = col(&["name"]).ok_or_else(|| RefiError::Csv {
        line: 1,
        detail:
            "the header row has no 'name' column; the columns are name, parent, description, colour"
                .into(),
    })?;
    let (parent_col, desc_col, colour_col) = (
        col(&["parent"]),
        col(&["description"]),
        col(&["colour", "color"]),
    );
    let (inc_col, exc_col, ex_col) = (col(&["inclusion"]), col(&["exclusion"]), col(&["example"]));

    struct Row {
        line: u64,
        code: Code,
        parent: String,
    }
    let mut rows: Vec<Row> = Vec::new();
    for rec in rd.records() {
        let rec = rec.map_err(csv_err)?;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        let get = |c: Option<usize>| c.and_then(|i| rec.get(i)).unwrap_or("").to_string();
        if rec.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let name = validate_name("code", &get(Some(name_col))).map_err(|e| RefiError::Csv {
            line,
            detail: e.to_string(),
        })?;
        let colour = get(colour_col);
        let color = if colour.trim().is_empty() {
            Color::palette(rows.len())
        } else {
            parse_color(&colour).ok_or_else(|| RefiError::Csv {
                line,
                detail: format!(
                    "colour '{colour}' is not a colour; write it as #rrggbb, for example #1f77b4"
                ),
            })?
        };
        rows.push(Row {
            line,
            parent: get(parent_col).trim().to_string(),
            code: Code {
                id: CodeId::new(),
                project,
                parent: None,
                name,
                color,
                description: get(desc_col),
                inclusion: get(inc_col),
                exclusion: get(exc_col),
                example: get(ex_col),
                codable: true,
                created_by: user,
                created_at: now,
                version: Version::FIRST,
            },
        });
    }
    // Parents by name.
    let mut by_name: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        by_name.entry(r.code.name.clone()).or_default().push(i);
    }
    let mut parents = vec![None; rows.len()];
    for (i, r) in rows.iter().enumerate() {
        if r.parent.is_empty() {
            continue;
        }
        match by_name.get(&r.parent).map(Vec::as_slice) {
            None | Some([]) => {
                return Err(RefiError::Csv {
                    line: r.line,
                    detail: format!(
                        "parent '{}' of '{}' is not a code in this file",
                        r.parent, r.code.name
                    ),
                })
            }
            Some([p]) if *p == i => {
                return Err(RefiError::Csv {
                    line: r.line,
                    detail: format!("'{}' is its own parent", r.code.name),
                })
            }
            Some([p]) => parents[i] = Some(*p),
            Some(_) => {
                return Err(RefiError::Csv {
                    line: r.line,
                    detail: format!(
                        "parent '{}' is ambiguous: several codes have that name",
                        r.parent
                    ),
                })
            }
        }
    }
    for i in 0..rows.len() {
        rows[i].code.parent = parents[i].map(|p| rows[p].code.id);
        // Cycle check: walking up must end within rows.len() steps.
        let (mut at, mut steps) = (parents[i], 0);
        while let Some(p) = at {
            steps += 1;
            if steps > rows.len() {
                return Err(RefiError::Csv {
                    line: rows[i].line,
                    detail: format!("the parents of '{}' form a cycle", rows[i].code.name),
                });
            }
            at = parents[p];
        }
    }
    let mut siblings = HashSet::new();
    for r in &rows {
        if !siblings.insert((r.code.parent, r.code.name.clone())) {
            return Err(RefiError::Csv {
                line: r.line,
                detail: format!("'{}' appears twice under the same parent", r.code.name),
            });
        }
    }
    Ok(super::order_code_tree(
        rows.into_iter().map(|r| r.code).collect(),
    ))
}
