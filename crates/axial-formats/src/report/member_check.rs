//! Member-check packs: for one participant, every quote the study would
//! like to use, each with the words around it, where it is used, its
//! current status and a box for the participant's answer — written as a
//! Word document (to print or annotate) or a standalone HTML page.
//!
//! The app decides which quotes go in and finds their context; this module
//! only lays the pack out and escapes every piece of text.

use std::io::{Seek, Write};

use docx_rs::{Docx, Paragraph, Run, Style, StyleType, Table, TableCell, TableRow, WidthType};

use super::ReportError;

/// A member-check pack for one participant.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MemberCheckPack {
    /// e.g. "Member check: Interviewee 07".
    pub title: String,
    /// The participant's pseudonymous label.
    pub participant: String,
    /// The study (project) name.
    pub study: String,
    /// Paragraphs telling the participant what to do.
    pub introduction: Vec<String>,
    pub items: Vec<PackItem>,
}

/// One quote in a pack.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PackItem {
    /// The quoted words as they appear in the source.
    pub quote: String,
    /// The participant's earlier amendment, if any.
    pub amended: Option<String>,
    /// The words just before and after the quote (sentence or speaker turn).
    pub context_before: String,
    pub context_after: String,
    /// Which of the participant's sources it comes from.
    pub source: String,
    /// Where the study uses it (memo titles, report names).
    pub used_in: Vec<String>,
    /// e.g. "not sent", "approved".
    pub status: String,
    pub note: String,
}

/// The choices offered in every response box.
const CHOICES: [&str; 3] = [
    "I agree to this quote being used as it is.",
    "Please use it with the changes I have written below.",
    "Please do not use this quote.",
];

/// Writes the pack as a Word document.
pub fn write_pack_docx<W: Write + Seek>(pack: &MemberCheckPack, out: W) -> Result<(), ReportError> {
    let mut d = Docx::new()
        .add_style(heading("Title", "Title", 40))
        .add_style(heading("Heading1", "heading 1", 30))
        .add_style(heading("Heading2", "heading 2", 25))
        .add_paragraph(
            Paragraph::new()
                .style("Title")
                .add_run(Run::new().add_text(pack.title.as_str())),
        )
        .add_paragraph(
            Paragraph::new().add_run(
                Run::new()
                    .add_text(format!("{} \u{2014} {}", pack.study, pack.participant))
                    .italic(),
            ),
        );
    for p in &pack.introduction {
        d = d.add_paragraph(Paragraph::new().add_run(Run::new().add_text(p.as_str())));
    }
    if pack.items.is_empty() {
        d = d.add_paragraph(
            Paragraph::new().add_run(Run::new().add_text("There are no quotes to check.")),
        );
    }
    for (i, item) in pack.items.iter().enumerate() {
        d = d.add_paragraph(
            Paragraph::new()
                .style("Heading1")
                .add_run(Run::new().add_text(format!("Quote {}", i + 1))),
        );
        d = d.add_paragraph(
            Paragraph::new()
                .indent(Some(720), None, Some(720), None)
                .add_run(
                    Run::new()
                        .add_text(format!("\u{201c}{}\u{201d}", item.quote.trim()))
                        .bold(),
                ),
        );
        if let Some(a) = &item.amended {
            d = d.add_paragraph(field("Your amended wording", a));
        }
        d = d.add_paragraph(
            Paragraph::new()
                .add_run(Run::new().add_text("In context: ").bold())
                .add_run(Run::new().add_text(item.context_before.as_str()).italic())
                .add_run(Run::new().add_text(item.quote.as_str()).italic().bold())
                .add_run(Run::new().add_text(item.context_after.as_str()).italic()),
        );
        d = d
            .add_paragraph(field("From", &item.source))
            .add_paragraph(field(
                "Used in",
                &if item.used_in.is_empty() {
                    "not used yet".to_string()
                } else {
                    item.used_in.join("; ")
                },
            ))
            .add_paragraph(field("Status", &item.status));
        if !item.note.trim().is_empty() {
            d = d.add_paragraph(field("Note", &item.note));
        }
        let mut cell = TableCell::new()
            .width(9000, WidthType::Dxa)
            .add_paragraph(Paragraph::new().add_run(Run::new().add_text("Your response").bold()));
        for c in CHOICES {
            cell = cell.add_paragraph(
                Paragraph::new().add_run(Run::new().add_text(format!("\u{2610} {c}"))),
            );
        }
        cell = cell.add_paragraph(
            Paragraph::new().add_run(Run::new().add_text("Changes or comments:").italic()),
        );
        for _ in 0..4 {
            cell = cell.add_paragraph(Paragraph::new());
        }
        d = d.add_table(Table::new(vec![TableRow::new(vec![cell])]).width(9000, WidthType::Dxa));
    }
    d.pack(out).map_err(|e| ReportError::Docx(e.to_string()))
}

fn heading(id: &str, name: &str, half_points: usize) -> Style {
    Style::new(id, StyleType::Paragraph)
        .name(name)
        .size(half_points)
        .bold()
}

fn field(label: &str, text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(Run::new().add_text(format!("{label}: ")).bold())
        .add_run(Run::new().add_text(text))
}

/// Writes the pack as one self-contained HTML5 page.
pub fn write_pack_html(pack: &MemberCheckPack, out: &mut dyn Write) -> Result<(), ReportError> {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>",
        escape(&pack.title)
    )?;
    writeln!(out, "<style>body{{font-family:sans-serif;max-width:46em;margin:2em auto;line-height:1.5}}blockquote{{font-size:1.1em;font-weight:bold;border-left:4px solid #888;margin:1em 0;padding:.2em 1em}}.context{{color:#333;font-style:italic}}.context mark{{background:#fff3b0;font-weight:bold}}.response{{border:1px solid #444;padding:.6em 1em;margin:1em 0 2.5em}}.response .write{{border-top:1px dashed #999;min-height:7em;margin-top:.5em}}dt{{font-weight:bold;float:left;margin-right:.4em}}dd{{margin:0 0 .2em}}</style>")?;
    writeln!(out, "</head>\n<body>\n<h1>{}</h1>", escape(&pack.title))?;
    writeln!(
        out,
        "<p><em>{} \u{2014} {}</em></p>",
        escape(&pack.study),
        escape(&pack.participant)
    )?;
    for p in &pack.introduction {
        writeln!(out, "<p>{}</p>", escape(p))?;
    }
    if pack.items.is_empty() {
        writeln!(out, "<p>There are no quotes to check.</p>")?;
    }
    for (i, item) in pack.items.iter().enumerate() {
        writeln!(out, "<section class=\"quote\">\n<h2>Quote {}</h2>", i + 1)?;
        writeln!(
            out,
            "<blockquote>\u{201c}{}\u{201d}</blockquote>",
            escape(item.quote.trim())
        )?;
        if let Some(a) = &item.amended {
            writeln!(
                out,
                "<p><strong>Your amended wording:</strong> {}</p>",
                escape(a)
            )?;
        }
        writeln!(
            out,
            "<p class=\"context\"><strong>In context:</strong> {}<mark>{}</mark>{}</p>",
            escape(&item.context_before),
            escape(&item.quote),
            escape(&item.context_after)
        )?;
        let used = if item.used_in.is_empty() {
            "not used yet".to_string()
        } else {
            item.used_in.join("; ")
        };
        writeln!(
            out,
            "<dl><dt>From:</dt><dd>{}</dd><dt>Used in:</dt><dd>{}</dd><dt>Status:</dt><dd>{}</dd>",
            escape(&item.source),
            escape(&used),
            escape(&item.status)
        )?;
        if !item.note.trim().is_empty() {
            writeln!(out, "<dt>Note:</dt><dd>{}</dd>", escape(&item.note))?;
        }
        writeln!(
            out,
            "</dl>\n<div class=\"response\">\n<p><strong>Your response</strong></p>"
        )?;
        for c in CHOICES {
            writeln!(out, "<p>\u{2610} {}</p>", escape(c))?;
        }
        writeln!(
            out,
            "<p><em>Changes or comments:</em></p>\n<div class=\"write\"></div>\n</div>\n</section>"
        )?;
    }
    writeln!(out, "</body>\n</html>")?;
    Ok(())
}

fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Read};

    fn pack() -> MemberCheckPack {
        MemberCheckPack {
            title: "Member check: Interviewee 07".into(),
            participant: "Interviewee 07".into(),
            study: "Quality <study>".into(),
            introduction: vec!["Please read each quote.".into()],
            items: vec![PackItem {
                quote: "you can feel it in the room".into(),
                amended: None,
                context_before: "Honestly, ".into(),
                context_after: " when they leave.".into(),
                source: "interview-07".into(),
                used_in: vec!["Memo: knowing".into()],
                status: "not sent".into(),
                note: "check <this> & that".into(),
            }],
        }
    }

    #[test]
    fn html_pack_escapes_and_has_a_response_box() {
        let mut out = Vec::new();
        write_pack_html(&pack(), &mut out).expect("write");
        let s = String::from_utf8(out).expect("utf-8");
        assert!(s.contains("Quality &lt;study&gt;"), "{s}");
        assert!(s.contains("<mark>you can feel it in the room</mark> when they leave."));
        assert!(s.contains("check &lt;this&gt; &amp; that"));
        assert!(s.contains("class=\"response\""));
        assert!(s.contains("Please do not use this quote."));
    }

    #[test]
    fn docx_pack_holds_the_quote_and_its_context() {
        let mut buf = Cursor::new(Vec::new());
        write_pack_docx(&pack(), &mut buf).expect("write");
        let mut zip = zip::ZipArchive::new(Cursor::new(buf.into_inner())).expect("a zip");
        let mut xml = String::new();
        zip.by_name("word/document.xml")
            .expect("document part")
            .read_to_string(&mut xml)
            .expect("utf-8");
        assert!(xml.contains("you can feel it in the room"), "{xml}");
        assert!(xml.contains(" when they leave."), "{xml}");
        assert!(xml.contains("check &lt;this&gt; &amp; that"), "{xml}");
        assert!(xml.contains("Your response"), "{xml}");
    }
}
