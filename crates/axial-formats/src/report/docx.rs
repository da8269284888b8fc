//! DOCX output of a [`Document`] through the `docx-rs` crate: a title,
//! headings with named heading styles (so word processors build an outline),
//! paragraphs, indented italic quotations followed by their attribution, and
//! tables. SVG blocks are skipped: a chart's data belongs in a table there.

use std::io::{Seek, Write};

use docx_rs::{Docx, Paragraph, Run, Style, StyleType, Table as DocxTable, TableCell, TableRow};

use super::{Block, Document, ReportError, Table};

/// Writes `doc` as a Word document.
pub fn write_docx<W: Write + Seek>(doc: &Document, out: W) -> Result<(), ReportError> {
    let mut d = Docx::new()
        .add_style(heading_style("Title", "Title", 40))
        .add_style(heading_style("Heading1", "heading 1", 32))
        .add_style(heading_style("Heading2", "heading 2", 26))
        .add_style(heading_style("Heading3", "heading 3", 23))
        .add_paragraph(
            Paragraph::new()
                .style("Title")
                .add_run(Run::new().add_text(doc.title.as_str())),
        );
    if let Some(s) = &doc.subtitle {
        d = d.add_paragraph(Paragraph::new().add_run(Run::new().add_text(s.as_str()).italic()));
    }
    for b in &doc.blocks {
        d = match b {
            Block::Heading { level, text } => d.add_paragraph(
                Paragraph::new()
                    .style(&format!("Heading{}", (*level).clamp(1, 3)))
                    .add_run(Run::new().add_text(text.as_str())),
            ),
            Block::Paragraph(t) => d.add_paragraph(text_paragraph(t)),
            Block::Field { label, text } => d.add_paragraph(
                Paragraph::new()
                    .add_run(Run::new().add_text(format!("{label}: ")).bold())
                    .add_run(Run::new().add_text(text.as_str())),
            ),
            Block::Quote { text, attribution } => d
                .add_paragraph(
                    Paragraph::new()
                        .indent(Some(720), None, Some(720), None)
                        .add_run(
                            Run::new()
                                .add_text(format!("\u{201c}{text}\u{201d}"))
                                .italic(),
                        ),
                )
                .add_paragraph(
                    Paragraph::new()
                        .indent(Some(720), None, Some(720), None)
                        .add_run(Run::new().add_text(attribution.as_str())),
                ),
            Block::Table(t) => d.add_table(table(t)),
            Block::Svg(_) => d,
        };
    }
    d.pack(out).map_err(|e| ReportError::Docx(e.to_string()))
}

fn heading_style(id: &str, name: &str, half_points: usize) -> Style {
    Style::new(id, StyleType::Paragraph)
        .name(name)
        .size(half_points)
        .bold()
}

/// A paragraph keeping the text's line breaks.
fn text_paragraph(t: &str) -> Paragraph {
    let mut p = Paragraph::new();
    for (i, line) in t.lines().enumerate() {
        let mut r = Run::new();
        if i > 0 {
            r = r.add_break(docx_rs::BreakType::TextWrapping);
        }
        p = p.add_run(r.add_text(line));
    }
    p
}

fn table(t: &Table) -> DocxTable {
    let cell = |s: &str, bold: bool| {
        let r = Run::new().add_text(s);
        TableCell::new().add_paragraph(Paragraph::new().add_run(if bold { r.bold() } else { r }))
    };
    let mut rows = vec![TableRow::new(
        t.header.iter().map(|h| cell(h, true)).collect(),
    )];
    for r in &t.rows {
        rows.push(TableRow::new(
            r.iter().map(|c| cell(&c.text(), false)).collect(),
        ));
    }
    DocxTable::new(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    /// The document part of the written file, as XML text.
    fn document_xml(doc: &Document) -> String {
        let mut buf = Cursor::new(Vec::new());
        write_docx(doc, &mut buf).expect("writing to memory");
        let mut zip = zip::ZipArchive::new(Cursor::new(buf.into_inner())).expect("a zip file");
        let mut part = zip.by_name("word/document.xml").expect("a document part");
        let mut s = String::new();
        part.read_to_string(&mut s).expect("utf-8 xml");
        s
    }

    #[test]
    fn quotes_are_escaped_and_attributed() {
        let xml = document_xml(&Document {
            title: "Themes".into(),
            subtitle: None,
            blocks: vec![Block::Quote {
                text: "less <time> & more forms".into(),
                attribution: "(Interviewee 07, front line clinician)".into(),
            }],
        });
        assert!(xml.contains("less &lt;time&gt; &amp; more forms"), "{xml}");
        assert!(
            xml.contains("(Interviewee 07, front line clinician)"),
            "{xml}"
        );
    }
}
