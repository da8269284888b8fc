//! HTML pages: the visible text, parsed with a real HTML parser (`scraper`,
//! on html5ever), one paragraph per block element, `<br>` as a line break,
//! table cells separated by tabs, entities decoded, white space collapsed
//! within blocks (kept inside `<pre>`); the title from `<title>`.
//!
//! It does not run scripts, apply CSS (text hidden by styles is imported),
//! or keep links, images or formatting.

use axial_core::SourceKind;
use encoding_rs::Encoding;
use scraper::{Html, Node, Selector};

use super::text::{decode, Decoded};
use super::{DocumentBuilder, ImportError, ImportedDocument};

/// Elements whose content is not visible text.
const SKIPPED: &[&str] = &[
    "head", "script", "style", "noscript", "template", "iframe", "object", "svg", "math", "select",
];

/// Elements that start and end a paragraph.
const BLOCKS: &[&str] = &[
    "address",
    "article",
    "aside",
    "blockquote",
    "body",
    "caption",
    "dd",
    "details",
    "dialog",
    "div",
    "dl",
    "dt",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "header",
    "hgroup",
    "hr",
    "html",
    "legend",
    "li",
    "main",
    "nav",
    "ol",
    "p",
    "pre",
    "section",
    "summary",
    "table",
    "tbody",
    "tfoot",
    "thead",
    "tr",
    "ul",
];

pub(crate) fn import(file: &str, bytes: &[u8]) -> Result<ImportedDocument, ImportError> {
    let Decoded {
        text: source,
        warnings,
    } = decode_html(file, bytes)?;
    let html = Html::parse_document(&source);
    let title = title(&html);
    let mut out = Extractor::default();
    out.walk(&html);
    let mut doc = DocumentBuilder::default();
    for block in &out.blocks {
        doc.push_paragraph(block);
    }
    Ok(doc.finish(SourceKind::Html, warnings, title))
}

/// Bytes to text, honouring a `<meta charset>` when the bytes are not UTF-8.
fn decode_html(file: &str, bytes: &[u8]) -> Result<Decoded, ImportError> {
    if Encoding::for_bom(bytes).is_none() && std::str::from_utf8(bytes).is_err() {
        if let Some(encoding) = declared_charset(bytes) {
            let (text, _, _) = encoding.decode(bytes);
            return Ok(Decoded {
                text: text.into_owned(),
                warnings: Vec::new(),
            });
        }
    }
    decode(file, bytes)
}

/// The encoding named by `charset=` in the first kilobyte, if any.
fn declared_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(1024)];
    let lower: Vec<u8> = head.to_ascii_lowercase();
    let at = lower.windows(8).position(|w| w == b"charset=")? + 8;
    let label: Vec<u8> = lower[at..]
        .iter()
        .copied()
        .skip_while(|b| *b == b'"' || *b == b'\'')
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        .collect();
    Encoding::for_label(&label)
}

fn title(html: &Html) -> Option<String> {
    let selector = Selector::parse("title").ok()?;
    let element = html.select(&selector).next()?;
    let text: String = element.text().collect();
    Some(text.split_whitespace().collect::<Vec<_>>().join(" ")).filter(|t| !t.is_empty())
}

#[derive(Debug, Default)]
struct Extractor {
    blocks: Vec<String>,
    current: String,
    pending_space: bool,
    pre_depth: usize,
}

impl Extractor {
    fn walk(&mut self, html: &Html) {
        // Iterative, so that deeply nested pages cannot overflow the stack.
        let mut stack = vec![(html.tree.root(), false)];
        while let Some((node, closing)) = stack.pop() {
            match node.value() {
                Node::Element(e) => {
                    let name = e.name();
                    if closing {
                        self.close(name);
                        continue;
                    }
                    if SKIPPED.contains(&name) {
                        continue;
                    }
                    self.open(name);
                    stack.push((node, true));
                    let children: Vec<_> = node.children().collect();
                    stack.extend(children.into_iter().rev().map(|c| (c, false)));
                }
                Node::Text(t) => self.text(t),
                Node::Document | Node::Fragment => {
                    let children: Vec<_> = node.children().collect();
                    stack.extend(children.into_iter().rev().map(|c| (c, false)));
                }
                _ => {}
            }
        }
        self.flush();
    }

    fn open(&mut self, name: &str) {
        if BLOCKS.contains(&name) {
            self.flush();
        }
        match name {
            "pre" => self.pre_depth += 1,
            "br" => {
                self.current.push('\n');
                self.pending_space = false;
            }
            "td" | "th" if !self.current.is_empty() && !self.current.ends_with('\n') => {
                self.current.push('\t');
                self.pending_space = false;
            }
            _ => {}
        }
    }

    fn close(&mut self, name: &str) {
        if name == "pre" {
            self.pre_depth = self.pre_depth.saturating_sub(1);
        }
        if BLOCKS.contains(&name) {
            self.flush();
        }
    }

    fn text(&mut self, text: &str) {
        if self.pre_depth > 0 {
            self.current.push_str(text);
            return;
        }
        for c in text.chars() {
            if c.is_whitespace() && c != '\u{a0}' {
                self.pending_space = true;
                continue;
            }
            if self.pending_space
                && !self.current.is_empty()
                && !self.current.ends_with(['\n', '\t'])
            {
                self.current.push(' ');
            }
            self.pending_space = false;
            self.current.push(c);
        }
    }

    fn flush(&mut self) {
        if !self.current.trim().is_empty() {
            self.blocks.push(std::mem::take(&mut self.current));
        }
        self.current.clear();
        self.pending_space = false;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(html: &str, blocks: &[&str]) {
        let parsed = Html::parse_document(html);
        let mut out = Extractor::default();
        out.walk(&parsed);
        assert_eq!(out.blocks, blocks);
    }

    #[test]
    fn blocks_breaks_and_entities() {
        check(
            "<html><head><title>t</title><style>p{}</style></head><body><h1>Zoë&rsquo;s   story</h1>\n<p>na&iuml;ve <b>bold</b>\n text<br>next &amp; line</p><ul><li>one 😀</li><li>שלום</li></ul><script>var x = 1;</script><div>outer<div>inner</div>tail</div></body></html>",
            &["Zoë\u{2019}s story", "naïve bold text\nnext & line", "one 😀", "שלום", "outer", "inner", "tail"],
        );
    }

    #[test]
    fn tables_and_pre() {
        check(
            "<table><tr><th>Q</th><th>A</th></tr><tr><td>e&#x301;</td><td> yes </td></tr></table><pre>  keep\n    spacing</pre>",
            &["Q\tA", "e\u{301}\tyes", "  keep\n    spacing"],
        );
    }

    #[test]
    fn charset_from_meta() {
        let bytes =
            b"<html><head><meta charset=\"windows-1252\"></head><body><p>Zo\xEB</p></body></html>";
        let doc = import("page.html", bytes).expect("imports");
        assert_eq!(doc.text, "Zoë");
        assert!(doc.warnings.is_empty(), "{:?}", doc.warnings);
    }
}
