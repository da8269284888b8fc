//! Markdown output of a [`Document`]: headings, paragraphs, block quotes with
//! attribution and pipe tables. Characters Markdown would read as markup are
//! backslash-escaped; SVG blocks are left out (Markdown has no inline SVG
//! that every reader shows).

use std::io::Write;

use super::{Block, Document, ReportError, Table};

/// Writes `doc` as CommonMark.
pub fn write_markdown(doc: &Document, out: &mut dyn Write) -> Result<(), ReportError> {
    writeln!(out, "# {}\n", escape(&doc.title))?;
    if let Some(s) = &doc.subtitle {
        writeln!(out, "*{}*\n", escape(s))?;
    }
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text } => {
                let hashes = "#".repeat(usize::from((*level).clamp(1, 5)) + 1);
                writeln!(out, "{hashes} {}\n", escape(text))?;
            }
            Block::Paragraph(t) => writeln!(out, "{}\n", escape(t))?,
            Block::Field { label, text } => {
                writeln!(out, "**{}:** {}\n", escape(label), escape(text))?
            }
            Block::Quote { text, attribution } => {
                for line in text.lines() {
                    writeln!(out, "> {}", escape(line))?;
                }
                writeln!(out, "> — {}\n", escape(attribution))?;
            }
            Block::Table(t) => write_table(t, out)?,
            Block::Svg(_) => {}
        }
    }
    Ok(())
}

fn write_table(t: &Table, out: &mut dyn Write) -> Result<(), ReportError> {
    let row = |cells: Vec<String>| {
        format!(
            "| {} |",
            cells
                .iter()
                .map(|c| escape(c).replace('|', "\\|").replace('\n', " "))
                .collect::<Vec<_>>()
                .join(" | ")
        )
    };
    writeln!(out, "{}", row(t.header.clone()))?;
    writeln!(out, "|{}", " --- |".repeat(t.header.len()))?;
    for r in &t.rows {
        writeln!(out, "{}", row(r.iter().map(|c| c.text()).collect()))?;
    }
    writeln!(out)?;
    Ok(())
}

/// Escapes the characters that start or delimit Markdown markup.
fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '!' | '{' | '}'
        ) {
            o.push('\\');
        }
        o.push(c);
    }
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Cell;

    fn check(doc: &Document, expect: &str) {
        let mut out = Vec::new();
        write_markdown(doc, &mut out).expect("writing to memory");
        assert_eq!(String::from_utf8(out).expect("utf-8"), expect);
    }

    #[test]
    fn quotes_tables_and_escaping() {
        let doc = Document {
            title: "Themes *draft*".into(),
            subtitle: None,
            blocks: vec![
                Block::Quote {
                    text: "I <never> stop".into(),
                    attribution: "(Interviewee 07, nurse)".into(),
                },
                Block::Table(Table {
                    name: "t".into(),
                    header: vec!["code".into(), "n".into()],
                    rows: vec![vec![Cell::from("a|b"), Cell::from(3u64)]],
                }),
                Block::Svg("<svg/>".into()),
            ],
        };
        check(
            &doc,
            "# Themes \\*draft\\*\n\n> I \\<never\\> stop\n> — (Interviewee 07, nurse)\n\n| code | n |\n| --- | --- |\n| a\\|b | 3 |\n\n",
        );
    }
}
