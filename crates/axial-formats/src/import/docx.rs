//! DOCX (Word) documents: the body text of `word/document.xml`, one
//! paragraph per `w:p`, with tabs, line breaks and text boxes; the title from
//! `docProps/core.xml`.
//!
//! It does not import comments, footnotes, headers, footers or deleted text
//! of tracked changes (it warns about comments and tracked changes), and it
//! ignores formatting.

use axial_core::SourceKind;
use quick_xml::events::Event;
use quick_xml::Reader;

use super::package::{first_element_text, xml_reference, Package};
use super::{DocumentBuilder, ImportError, ImportedDocument};

/// Elements whose whole content is skipped: properties (which hold tab-stop
/// definitions that look like tabs), field codes, deleted text and the
/// fallback copies of drawings that repeat the text of text boxes.
const SKIPPED: &[&str] = &[
    "pPr",
    "rPr",
    "sectPr",
    "tblPr",
    "Fallback",
    "instrText",
    "delText",
    "del",
];

pub(crate) fn import(file: &str, bytes: &[u8]) -> Result<ImportedDocument, ImportError> {
    let kind = SourceKind::Docx;
    let mut package = Package::open(file, kind, bytes)?;
    let xml = package.read("word/document.xml")?;
    let mut warnings = Vec::new();
    let body = body_paragraphs(&xml).map_err(|detail| ImportError::corrupt(file, kind, detail))?;
    if body.tracked_changes {
        warnings.push(
            "the document has tracked changes: insertions are kept and deletions left out; accept or reject the changes in Word to be sure"
                .to_string(),
        );
    }
    if package.has("word/comments.xml") {
        warnings.push("the document has comments in the margin; they are not imported".to_string());
    }
    let title = package
        .read_optional("docProps/core.xml")?
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
    tracked_changes: bool,
}

/// The paragraphs of `word/document.xml`, in document order (a text box's
/// paragraphs come before the paragraph that anchors it).
fn body_paragraphs(xml: &str) -> Result<Body, String> {
    let mut reader = Reader::from_str(xml);
    let mut body = Body::default();
    let mut open: Vec<String> = Vec::new();
    let mut in_text = false;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("word/document.xml is not well-formed XML: {e}"))?;
        match event {
            Event::Start(e) => {
                let name = e.local_name();
                let name = name.as_ref();
                if SKIPPED.contains(&name) {
                    body.tracked_changes |= name == "del";
                    reader.read_to_end(e.name()).map_err(|err| {
                        format!("word/document.xml is not well-formed XML: {err}")
                    })?;
                    continue;
                }
                match name {
                    "p" => open.push(String::new()),
                    "t" => in_text = true,
                    "ins" => body.tracked_changes = true,
                    _ => push_mark(&mut open, name),
                }
            }
            Event::Empty(e) => push_mark(&mut open, e.local_name().as_ref()),
            Event::End(e) => match e.local_name().as_ref() {
                "p" => {
                    if let Some(p) = open.pop() {
                        body.paragraphs.push(p);
                    }
                }
                "t" => in_text = false,
                _ => {}
            },
            Event::Text(t) if in_text => current(&mut open).push_str(&t.xml10_content()),
            Event::CData(t) if in_text => current(&mut open).push_str(t.as_ref()),
            Event::GeneralRef(r) if in_text => current(&mut open).extend(xml_reference(&r)),
            Event::Eof => break,
            _ => {}
        }
    }
    body.paragraphs.extend(open);
    Ok(body)
}

fn current(open: &mut Vec<String>) -> &mut String {
    if open.is_empty() {
        open.push(String::new());
    }
    let last = open.len() - 1;
    &mut open[last]
}

/// Empty elements that stand for characters.
fn push_mark(open: &mut Vec<String>, name: &str) {
    match name {
        "tab" | "ptab" => current(open).push('\t'),
        "br" | "cr" => current(open).push('\n'),
        "noBreakHyphen" => current(open).push('-'),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(body_xml: &str, expected: &[&str]) {
        let xml = format!(
            r#"<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006"><w:body>{body_xml}</w:body></w:document>"#
        );
        let body = body_paragraphs(&xml).expect("well-formed");
        assert_eq!(body.paragraphs, expected);
    }

    #[test]
    fn runs_tabs_breaks_and_entities() {
        check(
            r#"<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t xml:space="preserve">Zoë: </w:t></w:r><w:r><w:rPr><w:b/></w:rPr><w:t>naïve</w:t><w:tab/><w:t>&amp; e&#x301;</w:t><w:br/><w:t>😀</w:t></w:r></w:p><w:p/><w:p><w:r><w:t>שלום</w:t></w:r></w:p>"#,
            &["Zoë: naïve\t& e\u{301}\n😀", "שלום"],
        );
    }

    #[test]
    fn skips_field_codes_deletions_and_fallbacks() {
        check(
            r#"<w:p><w:r><w:instrText>PAGE</w:instrText></w:r><w:del><w:r><w:delText>gone</w:delText></w:r></w:del><w:ins><w:r><w:t>kept</w:t></w:r></w:ins><mc:AlternateContent><mc:Choice><w:txbxContent><w:p><w:r><w:t>box</w:t></w:r></w:p></w:txbxContent></mc:Choice><mc:Fallback><w:p><w:r><w:t>box</w:t></w:r></w:p></mc:Fallback></mc:AlternateContent></w:p>"#,
            &["box", "kept"],
        );
    }

    #[test]
    fn malformed_xml_is_an_error() {
        let err =
            body_paragraphs("<w:document><w:body><w:p></w:body>").expect_err("mismatched tags");
        assert!(
            err.starts_with("word/document.xml is not well-formed XML"),
            "{err}"
        );
    }
}
