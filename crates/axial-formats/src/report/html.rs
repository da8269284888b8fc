//! A standalone HTML page for a [`Document`]: every piece of text is escaped;
//! SVG blocks are embedded as given (they come from Axial's own chart
//! writer, which escapes its labels).

use std::io::Write;

use super::{Block, Document, ReportError};

/// Writes `doc` as one self-contained HTML5 page.
pub fn write_html(doc: &Document, out: &mut dyn Write) -> Result<(), ReportError> {
    writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"
    )?;
    writeln!(out, "<title>{}</title>", escape(&doc.title))?;
    writeln!(out, "<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.45}}blockquote{{border-left:4px solid #ccc;margin:1em 0;padding:.2em 1em;color:#333}}blockquote footer{{color:#666;font-size:.9em}}table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:.2em .5em;text-align:left}}</style>")?;
    writeln!(out, "</head>\n<body>\n<h1>{}</h1>", escape(&doc.title))?;
    if let Some(s) = &doc.subtitle {
        writeln!(out, "<p><em>{}</em></p>", escape(s))?;
    }
    for b in &doc.blocks {
        match b {
            Block::Heading { level, text } => {
                let l = (*level).clamp(1, 5) + 1;
                writeln!(out, "<h{l}>{}</h{l}>", escape(text))?;
            }
            Block::Paragraph(t) => writeln!(out, "<p>{}</p>", escape(t))?,
            Block::Field { label, text } => writeln!(
                out,
                "<p><strong>{}:</strong> {}</p>",
                escape(label),
                escape(text)
            )?,
            Block::Quote { text, attribution } => writeln!(
                out,
                "<blockquote><p>{}</p><footer>{}</footer></blockquote>",
                escape(text),
                escape(attribution)
            )?,
            Block::Table(t) => {
                writeln!(out, "<table>\n<tr>")?;
                for h in &t.header {
                    write!(out, "<th>{}</th>", escape(h))?;
                }
                writeln!(out, "</tr>")?;
                for r in &t.rows {
                    write!(out, "<tr>")?;
                    for c in r {
                        write!(out, "<td>{}</td>", escape(&c.text()))?;
                    }
                    writeln!(out, "</tr>")?;
                }
                writeln!(out, "</table>")?;
            }
            Block::Svg(svg) => writeln!(out, "<figure>{svg}</figure>")?,
        }
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

    fn check(blocks: Vec<Block>, fragment: &str) {
        let doc = Document {
            title: "T & <b>".into(),
            subtitle: None,
            blocks,
        };
        let mut out = Vec::new();
        write_html(&doc, &mut out).expect("writing to memory");
        let s = String::from_utf8(out).expect("utf-8");
        assert!(s.contains("<h1>T &amp; &lt;b&gt;</h1>"), "{s}");
        assert!(s.contains(fragment), "{fragment} missing in {s}");
        assert!(!s.contains("<script>"), "{s}");
    }

    #[test]
    fn escapes_text_and_keeps_svg() {
        check(
            vec![Block::Quote {
                text: "<script>x</script>".into(),
                attribution: "(A, \"b\")".into(),
            }],
            "<blockquote><p>&lt;script&gt;x&lt;/script&gt;</p><footer>(A, &quot;b&quot;)</footer></blockquote>",
        );
        check(
            vec![Block::Svg("<svg id=\"c\"></svg>".into())],
            "<figure><svg id=\"c\"></svg></figure>",
        );
    }
}
