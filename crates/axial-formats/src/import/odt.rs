//! ODT (OpenDocument text) documents: the body of `content.xml`, one
//! paragraph per `text:p` or `text:h`, with ODF's white-space rules
//! (`text:s`, `text:tab`, `text:line-break`); the title from `meta.xml`.
//!
//! It does not import footnotes, comments (annotations) or tracked-change
//! history (it warns about footnotes and comments), and ignores formatting.

use axial_core::SourceKind;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use super::package::{attribute, first_element_text, xml_reference, Package};
use super::{DocumentBuilder, ImportError, ImportedDocument};

/// Elements skipped with all their content.
const SKIPPED: &[&str] = &[
    "note",
    "annotation",
    "tracked-changes",
    "sequence-decls",
    "variable-decls",
    "forms",
];

/// Most spaces one `text:s` may stand for (a guard against absurd counts).
const MAX_SPACES: usize = 1000;

pub(crate) fn import(file: &str, bytes: &[u8]) -> Result<ImportedDocument, ImportError> {
    let kind = SourceKind::Odt;
    let mut package = Package::open(file, kind, bytes)?;
    let xml = package.read("content.xml")?;
    let body = body_paragraphs(&xml).map_err(|detail| ImportError::corrupt(file, kind, detail))?;
    let mut warnings = Vec::new();
    if body.notes > 0 {
        warnings.push(format!(
            "{} footnote(s) or endnote(s) are not imported",
            body.notes
        ));
    }
    if body.annotations > 0 {
        warnings.push(format!(
            "{} comment(s) in the margin are not imported",
            body.annotations
        ));
    }
    let title = package
        .read_optional("meta.xml")?
        .and_then(|x| first_element_text(&x, "title"));
    let mut doc = DocumentBuilder::default();
    for p in &body.paragraphs {
        doc.push_paragraph(p);
    }
    Ok(doc.finish(kind, warnings, title))
}

#[derive(Debug, Default)]
struct Body {
    paragraphs: Vec<String>,
    notes: usize,
    annotations: usize,
}

/// One open paragraph and whether its last character is a collapsible space.
#[derive(Debug, Default)]
struct Para {
    text: String,
    after_space: bool,
}

impl Para {
    /// Text content: white space collapses to one space, none at the start.
    fn push_text(&mut self, s: &str) {
        for c in s.chars() {
            if matches!(c, ' ' | '\t' | '\n' | '\r') {
                if !self.after_space && !self.text.is_empty() {
                    self.text.push(' ');
                }
                self.after_space = true;
            } else {
                self.text.push(c);
                self.after_space = false;
            }
        }
    }
    /// Characters from elements (`text:s`, `text:tab`, …) are kept as they are.
    fn push_literal(&mut self, s: &str) {
        self.text.push_str(s);
        self.after_space = false;
    }
}

fn body_paragraphs(xml: &str) -> Result<Body, String> {
    let mut reader = Reader::from_str(xml);
    let mut body = Body::default();
    let mut open: Vec<Para> = Vec::new();
    let not_xml = |e: quick_xml::Error| format!("content.xml is not well-formed XML: {e}");
    loop {
        match reader.read_event().map_err(not_xml)? {
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if SKIPPED.contains(&name) {
                    body.notes += usize::from(name == "note");
                    body.annotations += usize::from(name == "annotation");
                    reader.read_to_end(e.name()).map_err(not_xml)?;
                    continue;
                }
                match name {
                    "p" | "h" => open.push(Para::default()),
                    _ => push_mark(&mut open, &e),
                }
            }
            Event::Empty(e) => push_mark(&mut open, &e),
            Event::End(e) => {
                if matches!(e.local_name().as_ref(), "p" | "h") {
                    if let Some(p) = open.pop() {
                        body.paragraphs.push(p.text);
                    }
                }
            }
            Event::Text(t) => {
                if let Some(p) = open.last_mut() {
                    p.push_text(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                if let Some(p) = open.last_mut() {
                    p.push_text(&xml_reference(&r).unwrap_or_default());
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    body.paragraphs.extend(open.into_iter().map(|p| p.text));
    Ok(body)
}

fn push_mark(open: &mut [Para], e: &BytesStart<'_>) {
    let Some(p) = open.last_mut() else {
        return;
    };
    match e.local_name().as_ref() {
        "s" => {
            let n = attribute(e, "c")
                .and_then(|c| c.parse::<usize>().ok())
                .unwrap_or(1);
            p.push_literal(&" ".repeat(n.min(MAX_SPACES)));
        }
        "tab" => p.push_literal("\t"),
        "line-break" => p.push_literal("\n"),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text_xml: &str, expected: &[&str]) {
        let xml = format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>{text_xml}</office:text></office:body></office:document-content>"#
        );
        let body = body_paragraphs(&xml).expect("well-formed");
        assert_eq!(body.paragraphs, expected);
    }

    #[test]
    fn white_space_rules() {
        check(
            "<text:h>Zoë  &amp;\n  naïve</text:h><text:p>  a<text:s text:c=\"3\"/>b<text:tab/>c<text:line-break/>e\u{301} 😀 <text:span>שלום</text:span></text:p>",
            &["Zoë & naïve", "a   b\tc\ne\u{301} 😀 שלום"],
        );
    }

    #[test]
    fn notes_and_comments_are_left_out() {
        let xml = r#"<office:text xmlns:office="o" xmlns:text="t"><text:p>Before<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>footnote</text:p></text:note-body></text:note> after<office:annotation><text:p>margin</text:p></office:annotation></text:p></office:text>"#;
        let body = body_paragraphs(xml).expect("well-formed");
        assert_eq!(body.paragraphs, ["Before after"]);
        assert_eq!((body.notes, body.annotations), (1, 1));
    }
}
