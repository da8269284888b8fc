//! The network of typed code relations (axial coding as data), written as
//! GraphML for network tools and as a plain SVG diagram for people.
//!
//! Nodes are the codes that take part in at least one relation, in the order
//! the codes are given; edges are the relations whose both ends are among the
//! codes given (a relation to a code not passed in is left out, never a
//! panic). Both writers are pure and deterministic: the same input gives the
//! same bytes. All text is escaped. This module does no IO and does not know
//! how relations are stored or validated (that is the app's job).

use std::collections::HashMap;
use std::fmt::Write;

use axial_core::{Code, CodeId, CodeRelation, RelationKind};

use crate::svg::escape;

/// The codes that take part in a relation, and the relations whose ends are
/// both known, each end given as an index into the node list.
fn graph<'a>(
    codes: &'a [Code],
    relations: &'a [CodeRelation],
) -> (Vec<&'a Code>, Vec<(usize, usize, &'a CodeRelation)>) {
    let known: HashMap<CodeId, &Code> = codes.iter().map(|c| (c.id, c)).collect();
    let edges_in: Vec<&CodeRelation> = relations
        .iter()
        .filter(|r| known.contains_key(&r.from) && known.contains_key(&r.to))
        .collect();
    let nodes: Vec<&Code> = codes
        .iter()
        .filter(|c| edges_in.iter().any(|r| r.from == c.id || r.to == c.id))
        .collect();
    let index: HashMap<CodeId, usize> = nodes.iter().enumerate().map(|(i, c)| (c.id, i)).collect();
    let edges = edges_in
        .into_iter()
        .filter_map(|r| Some((*index.get(&r.from)?, *index.get(&r.to)?, r)))
        .collect();
    (nodes, edges)
}

/// What a relation says, for labels: the label, or the kind in words.
fn edge_text(r: &CodeRelation) -> String {
    let kind = kind_words(r.kind);
    match (r.kind, r.label.trim()) {
        (_, "") => kind.to_string(),
        (RelationKind::Other, l) => l.to_string(),
        (_, l) => format!("{kind}: {l}"),
    }
}

fn kind_words(kind: RelationKind) -> &'static str {
    match kind {
        RelationKind::CausalCondition => "causal condition",
        RelationKind::Context => "context",
        RelationKind::InterveningCondition => "intervening condition",
        RelationKind::Strategy => "strategy",
        RelationKind::Consequence => "consequence",
        RelationKind::Other => "other",
    }
}

/// The relation network as GraphML: one node per related code (attributes
/// `label` and `color`), one directed edge per relation (`kind`, `label`).
pub fn graphml(codes: &[Code], relations: &[CodeRelation]) -> String {
    let (nodes, edges) = graph(codes, relations);
    let mut out = String::new();
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    out.push_str("<graphml xmlns=\"http://graphml.graphdrawing.org/xmlns\">\n");
    out.push_str("  <key id=\"label\" for=\"node\" attr.name=\"label\" attr.type=\"string\"/>\n");
    out.push_str("  <key id=\"color\" for=\"node\" attr.name=\"color\" attr.type=\"string\"/>\n");
    out.push_str("  <key id=\"kind\" for=\"edge\" attr.name=\"kind\" attr.type=\"string\"/>\n");
    out.push_str("  <key id=\"elabel\" for=\"edge\" attr.name=\"label\" attr.type=\"string\"/>\n");
    out.push_str("  <graph id=\"relations\" edgedefault=\"directed\">\n");
    for c in &nodes {
        let _ = writeln!(
            out,
            "    <node id=\"{}\"><data key=\"label\">{}</data><data key=\"color\">{}</data></node>",
            c.id,
            escape(&c.name),
            c.color
        );
    }
    for (_, _, r) in &edges {
        let _ = writeln!(
            out,
            "    <edge id=\"{}\" source=\"{}\" target=\"{}\"><data key=\"kind\">{}</data><data key=\"elabel\">{}</data></edge>",
            r.id,
            r.from,
            r.to,
            r.kind.as_str(),
            escape(&r.label)
        );
    }
    out.push_str("  </graph>\n</graphml>\n");
    out
}

fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.1}")
    } else {
        "0".into()
    }
}

/// Shortens long names so labels stay readable (the full name is in `<title>`).
fn short(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

/// The relation network as an SVG diagram: related codes on a circle in the
/// order given, each a dot in its colour with its name; each relation an
/// arrow from its source to its target with its kind (and label) at the
/// middle. A project without relations gives a small diagram saying so.
pub fn svg(codes: &[Code], relations: &[CodeRelation]) -> String {
    let (nodes, edges) = graph(codes, relations);
    let n = nodes.len();
    let size = (320.0 + 60.0 * n as f64).clamp(480.0, 1200.0);
    let (cx, cy) = (size / 2.0, size / 2.0);
    let radius = size / 2.0 - 130.0;
    let node_r = 10.0;
    let pos: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = -std::f64::consts::FRAC_PI_2 + std::f64::consts::TAU * i as f64 / n as f64;
            (cx + radius * a.cos(), cy + radius * a.sin())
        })
        .collect();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{s}\" height=\"{s}\" viewBox=\"0 0 {s} {s}\" font-family=\"sans-serif\" font-size=\"12\">",
        s = num(size)
    );
    out.push_str("<title>Code relations</title>\n");
    out.push_str("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"8\" markerHeight=\"8\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555555\"/></marker></defs>\n");
    let _ = writeln!(
        out,
        "<rect x=\"0\" y=\"0\" width=\"{s}\" height=\"{s}\" fill=\"#ffffff\"/>",
        s = num(size)
    );
    if n == 0 {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#555555\">No relations between codes yet</text>",
            num(cx),
            num(cy)
        );
        out.push_str("</svg>\n");
        return out;
    }
    // Edges first so nodes sit on top. Parallel edges between the same two
    // codes get bent apart so their labels do not overlap.
    let mut seen: HashMap<(usize, usize), usize> = HashMap::new();
    for (a, b, r) in &edges {
        let key = ((*a).min(*b), (*a).max(*b));
        let nth = seen.entry(key).or_insert(0);
        let bend = 30.0 * *nth as f64;
        *nth += 1;
        let text = edge_text(r);
        let _ = write!(out, "<g class=\"edge\"><title>{}</title>", escape(&text));
        if a == b {
            // A relation of a code to itself (not created by Axial, but may
            // come from an import): a small loop outside the circle.
            let (x, y) = pos[*a];
            let (dx, dy) = ((x - cx) / radius, (y - cy) / radius);
            let (lx, ly) = (x + dx * (40.0 + bend), y + dy * (40.0 + bend));
            let _ = write!(
                out,
                "<path d=\"M{},{} Q{},{} {},{}\" fill=\"none\" stroke=\"#555555\" marker-end=\"url(#arrow)\"/>",
                num(x), num(y), num(lx + dy * 30.0), num(ly - dx * 30.0), num(x + dy * node_r), num(y - dx * node_r)
            );
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#333333\">{}</text>",
                num(lx),
                num(ly),
                escape(&short(&text, 40))
            );
        } else {
            let (x1, y1) = pos[*a];
            let (x2, y2) = pos[*b];
            let (dx, dy) = (x2 - x1, y2 - y1);
            let len = (dx * dx + dy * dy).sqrt().max(1.0);
            let (ux, uy) = (dx / len, dy / len);
            // Stop the line at the edge of each dot.
            let (sx, sy) = (x1 + ux * node_r, y1 + uy * node_r);
            let (ex, ey) = (x2 - ux * (node_r + 2.0), y2 - uy * (node_r + 2.0));
            let (mx, my) = ((sx + ex) / 2.0 - uy * bend, (sy + ey) / 2.0 + ux * bend);
            let _ = write!(
                out,
                "<path d=\"M{},{} Q{},{} {},{}\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.5\" marker-end=\"url(#arrow)\"/>",
                num(sx), num(sy), num(2.0 * mx - (sx + ex) / 2.0), num(2.0 * my - (sy + ey) / 2.0), num(ex), num(ey)
            );
            let _ = write!(
                out,
                "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" fill=\"#333333\" font-size=\"11\" paint-order=\"stroke\" stroke=\"#ffffff\" stroke-width=\"3\">{}</text>",
                num(mx),
                num(my - 3.0),
                escape(&short(&text, 40))
            );
        }
        out.push_str("</g>\n");
    }
    for (i, c) in nodes.iter().enumerate() {
        let (x, y) = pos[i];
        // Labels point away from the centre so they do not cover edges.
        let anchor = if (x - cx).abs() < 1.0 {
            "middle"
        } else if x > cx {
            "start"
        } else {
            "end"
        };
        let lx = x + (x - cx) / radius * (node_r + 6.0);
        let ly = y + (y - cy) / radius * (node_r + 6.0) + 4.0;
        let _ = writeln!(
            out,
            "<g class=\"node\"><title>{}</title><circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{}\" stroke=\"#333333\"/><text x=\"{}\" y=\"{}\" text-anchor=\"{}\" fill=\"#111111\">{}</text></g>",
            escape(&c.name),
            num(x),
            num(y),
            num(node_r),
            c.color,
            num(lx),
            num(ly),
            anchor,
            escape(&short(&c.name, 30))
        );
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use axial_core::{Color, ProjectId, RelationId, UserId, Version};
    use quick_xml::events::Event;
    use quick_xml::Reader;

    fn code(project: ProjectId, name: &str, n: usize) -> Code {
        Code {
            id: CodeId::new(),
            project,
            parent: None,
            name: name.into(),
            color: Color::palette(n),
            description: String::new(),
            inclusion: String::new(),
            exclusion: String::new(),
            example: String::new(),
            codable: true,
            created_by: UserId::new(),
            created_at: axial_core::now(),
            version: Version::FIRST,
        }
    }

    fn rel(from: &Code, to: &Code, kind: RelationKind, label: &str) -> CodeRelation {
        CodeRelation {
            id: RelationId::new(),
            project: from.project,
            from: from.id,
            to: to.id,
            kind,
            label: label.into(),
            created_by: UserId::new(),
            created_at: axial_core::now(),
            version: Version::FIRST,
        }
    }

    /// Parses `xml` fully and returns (element name → count, all text content).
    fn parse(xml: &str) -> (HashMap<String, usize>, String) {
        let mut reader = Reader::from_str(xml);
        let mut counts = HashMap::new();
        let mut text = String::new();
        loop {
            match reader.read_event() {
                Ok(Event::Start(e)) | Ok(Event::Empty(e)) => {
                    let name = e.name().as_ref().to_string();
                    *counts.entry(name).or_insert(0) += 1;
                }
                Ok(Event::Text(t)) => {
                    let raw = t.to_string();
                    text.push_str(&quick_xml::escape::unescape(&raw).expect("valid escapes"));
                }
                Ok(Event::GeneralRef(r)) => {
                    let name = r.to_string();
                    let c = match name.as_str() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        other => panic!("unexpected entity {other}"),
                    };
                    text.push_str(c);
                }
                Ok(Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("not well-formed XML: {e}\n{xml}"),
            }
        }
        (counts, text)
    }

    /// A small network: three related codes, one unrelated, a hostile name.
    fn sample() -> (Vec<Code>, Vec<CodeRelation>) {
        let p = ProjectId::new();
        let a = code(p, "Job loss", 0);
        let b = code(p, "<script>alert('x')</script> & co", 1);
        let c = code(p, "Asking family \"for help\"", 2);
        let d = code(p, "Unrelated", 3);
        let rels = vec![
            rel(&a, &b, RelationKind::CausalCondition, ""),
            rel(&b, &c, RelationKind::Strategy, "when <urgent>"),
            rel(&c, &a, RelationKind::Other, "feeds back & forth"),
        ];
        (vec![a, b, c, d], rels)
    }

    fn check(xml: &str, element_counts: &[(&str, usize)], texts: &[&str]) {
        let (counts, text) = parse(xml);
        for (name, n) in element_counts {
            assert_eq!(
                counts.get(*name).copied().unwrap_or(0),
                *n,
                "count of <{name}>"
            );
        }
        for t in texts {
            assert!(text.contains(t), "missing text {t:?} in {text:?}");
        }
    }

    #[test]
    fn graphml_parses_with_right_counts_and_escapes() {
        let (codes, rels) = sample();
        let xml = graphml(&codes, &rels);
        check(
            &xml,
            &[("node", 3), ("edge", 3), ("key", 4), ("graph", 1)],
            &[
                "<script>alert('x')</script> & co",
                "when <urgent>",
                "causal_condition",
                "#ff7f0e",
            ],
        );
        assert!(!xml.contains("<script>"));
        assert!(!xml.contains("Unrelated"));
    }

    #[test]
    fn svg_parses_with_right_counts_and_escapes() {
        let (codes, rels) = sample();
        let s = svg(&codes, &rels);
        check(
            &s,
            &[("circle", 3), ("path", 4), ("svg", 1)],
            &[
                "<script>alert('x')</script> & co",
                "strategy: when <urgent>",
                "feeds back & forth",
                "causal condition",
            ],
        );
        assert!(!s.contains("<script>"));
        assert_eq!(s, svg(&codes, &rels), "deterministic");
    }

    #[test]
    fn relations_to_unknown_codes_are_left_out() {
        let (codes, rels) = sample();
        // Without the first code, only the middle relation remains.
        let xml = graphml(&codes[1..], &rels);
        check(&xml, &[("node", 2), ("edge", 1)], &["strategy"]);
    }

    #[test]
    fn empty_network_says_so() {
        let (codes, _) = sample();
        let s = svg(&codes, &[]);
        check(&s, &[("circle", 0)], &["No relations between codes yet"]);
        check(&graphml(&codes, &[]), &[("node", 0), ("edge", 0)], &[]);
    }
}
