//! A small, defensive XML layer over `quick-xml`: a streaming parse into a
//! compact element tree, and the escaping/writing helpers the exporter uses.
//!
//! The parser refuses what REFI-QDA never needs and attackers love: any
//! DOCTYPE (so no DTD, no external entity, no entity expansion), entities
//! other than the five predefined ones, non-UTF-8 input, input over the size
//! limit, and absurd nesting. It keeps only local names (namespace prefixes
//! are dropped; namespace declarations are collected separately), applies
//! XML end-of-line and attribute-value normalisation, and keeps the payload
//! of `<?axial …?>` processing instructions, which carry the Axial-only
//! fields REFI-QDA has no place for. It knows nothing of REFI-QDA semantics.

use std::borrow::Cow;

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesPI, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::{Reader, Writer, XmlVersion};

use super::RefiError;

/// Deepest nesting accepted (REFI-QDA code trees are the deepest part).
pub(crate) const MAX_DEPTH: usize = 200;

/// One element with its attributes, children and direct text.
#[derive(Debug, Clone, Default)]
pub(crate) struct Element {
    /// Local name (prefix removed).
    pub name: String,
    /// Attributes by local name, values normalised and unescaped.
    pub attrs: Vec<(String, String)>,
    /// `xmlns` / `xmlns:p` declarations on this element (namespace URIs).
    pub namespaces: Vec<String>,
    pub children: Vec<Element>,
    /// Concatenated direct text (and CDATA) content.
    pub text: String,
    /// Payloads of `<?axial …?>` instructions directly inside this element.
    pub axial: Vec<String>,
    /// 1-based line of the start tag.
    pub line: u32,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    /// The first child of that name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    /// Text of a child element, when present.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Parses a whole document into its root element.
pub(crate) fn parse(xml: &[u8], entry: &str, max_bytes: u64) -> Result<Element, RefiError> {
    if xml.len() as u64 > max_bytes {
        return Err(RefiError::XmlTooLarge {
            entry: entry.to_string(),
            size: xml.len() as u64,
            max: max_bytes,
        });
    }
    if xml.starts_with(&[0xFE, 0xFF]) || xml.starts_with(&[0xFF, 0xFE]) {
        return Err(RefiError::NotUtf8 {
            entry: entry.to_string(),
            detail: "it starts with a UTF-16 byte-order mark".into(),
        });
    }
    let xml = xml.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(xml);
    let text = std::str::from_utf8(xml).map_err(|e| RefiError::NotUtf8 {
        entry: entry.to_string(),
        detail: format!(
            "invalid byte sequence on line {}",
            line_at(xml, e.valid_up_to())
        ),
    })?;
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    // Positions only grow, so lines are counted incrementally.
    let (mut seen_pos, mut seen_line) = (0usize, 1u32);
    let mut line = |pos: u64| {
        let pos = (pos as usize).min(text.len());
        if pos >= seen_pos {
            seen_line += text.as_bytes()[seen_pos..pos]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u32;
            seen_pos = pos;
            seen_line
        } else {
            line_at(text.as_bytes(), pos)
        }
    };
    loop {
        let pos = reader.buffer_position();
        let event = reader.read_event().map_err(|e| RefiError::Xml {
            entry: entry.to_string(),
            line: line(reader.error_position()),
            message: e.to_string(),
        })?;
        match event {
            Event::Decl(d) => {
                if let Some(enc) = d.encoding() {
                    let enc = enc.map_err(|e| RefiError::Xml {
                        entry: entry.into(),
                        line: 1,
                        message: e.to_string(),
                    })?;
                    let enc = enc.to_ascii_lowercase();
                    if enc != "utf-8" && enc != "utf8" {
                        return Err(RefiError::NotUtf8 {
                            entry: entry.to_string(),
                            detail: format!("the XML declaration says encoding=\"{enc}\""),
                        });
                    }
                }
            }
            Event::DocType(_) => {
                return Err(RefiError::Doctype {
                    entry: entry.to_string(),
                    line: line(pos),
                })
            }
            Event::Start(s) => {
                if root.is_some() {
                    return Err(RefiError::Xml {
                        entry: entry.into(),
                        line: line(pos),
                        message: "content after the root element".into(),
                    });
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(RefiError::TooDeep {
                        entry: entry.to_string(),
                        max: MAX_DEPTH,
                    });
                }
                stack.push(element(&s, entry, line(pos))?);
            }
            Event::Empty(s) => {
                let el = element(&s, entry, line(pos))?;
                close(&mut stack, &mut root, el, entry, line(pos))?;
            }
            Event::End(_) => {
                let el = stack.pop().ok_or_else(|| RefiError::Xml {
                    entry: entry.into(),
                    line: line(pos),
                    message: "closing tag without an opening tag".into(),
                })?;
                close(&mut stack, &mut root, el, entry, line(pos))?;
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&t.xml10_content());
                }
            }
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    Ok(None) => match predefined(&r) {
                        Some(s) => s.to_string(),
                        None => {
                            return Err(RefiError::UnknownEntity {
                                entry: entry.to_string(),
                                line: line(pos),
                                name: r.to_string(),
                            })
                        }
                    },
                    Err(e) => {
                        return Err(RefiError::Xml {
                            entry: entry.into(),
                            line: line(pos),
                            message: e.to_string(),
                        })
                    }
                };
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&c);
                }
            }
            Event::PI(p) => {
                if p.target() == "axial" {
                    if let Some(top) = stack.last_mut() {
                        top.axial.push(p.content().trim().to_string());
                    }
                }
            }
            Event::Comment(_) => {}
            Event::Eof => break,
        }
    }
    if !stack.is_empty() {
        return Err(RefiError::Xml {
            entry: entry.into(),
            line: line(text.len() as u64),
            message: format!(
                "the file ends inside <{}>; it is truncated",
                stack.last().map(|e| e.name.as_str()).unwrap_or("?")
            ),
        });
    }
    root.ok_or_else(|| RefiError::Xml {
        entry: entry.into(),
        line: 1,
        message: "the file holds no XML element".into(),
    })
}

fn close(
    stack: &mut [Element],
    root: &mut Option<Element>,
    el: Element,
    entry: &str,
    line: u32,
) -> Result<(), RefiError> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(el),
        None if root.is_none() => *root = Some(el),
        None => {
            return Err(RefiError::Xml {
                entry: entry.into(),
                line,
                message: "more than one root element".into(),
            })
        }
    }
    Ok(())
}

fn predefined(name: &str) -> Option<&'static str> {
    Some(match name {
        "lt" => "<",
        "gt" => ">",
        "amp" => "&",
        "apos" => "'",
        "quot" => "\"",
        _ => return None,
    })
}

fn element(s: &BytesStart<'_>, entry: &str, line: u32) -> Result<Element, RefiError> {
    let name = s.local_name().into_inner().to_string();
    let mut el = Element {
        name,
        line,
        ..Default::default()
    };
    for a in s.attributes() {
        let a = a.map_err(|e| RefiError::Xml {
            entry: entry.into(),
            line,
            message: e.to_string(),
        })?;
        let value =
            a.normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| match e {
                    quick_xml::Error::Escape(
                        quick_xml::escape::EscapeError::UnrecognizedEntity(_, name),
                    ) => RefiError::UnknownEntity {
                        entry: entry.into(),
                        line,
                        name,
                    },
                    e => RefiError::Xml {
                        entry: entry.into(),
                        line,
                        message: e.to_string(),
                    },
                })?;
        if a.key.as_namespace_binding().is_some() {
            el.namespaces.push(value.into_owned());
            continue;
        }
        let key = a.key.local_name().into_inner().to_string();
        if el.attrs.iter().any(|(k, _)| *k == key) {
            return Err(RefiError::Xml {
                entry: entry.into(),
                line,
                message: format!("attribute '{key}' appears twice on <{}>", el.name),
            });
        }
        el.attrs.push((key, value.into_owned()));
    }
    Ok(el)
}

/// 1-based line number of a byte position.
pub(crate) fn line_at(text: &[u8], pos: usize) -> u32 {
    let pos = pos.min(text.len());
    text[..pos].iter().filter(|&&b| b == b'\n').count() as u32 + 1
}

/// True for characters XML 1.0 can carry at all (even as a reference).
pub(crate) fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Escapes element text so that it reads back exactly (CR kept as `&#13;`).
pub(crate) fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
    out
}

/// Escapes an attribute value so that normalisation leaves it unchanged.
pub(crate) fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            '\t' => out.push_str("&#9;"),
            c => out.push(c),
        }
    }
    out
}

/// An indented XML writer over a byte buffer with exact escaping.
pub(crate) struct XmlOut {
    w: Writer<Vec<u8>>,
}

/// Refuses characters XML 1.0 cannot carry, naming the element.
fn check_chars(name: &str, attrs: &[(&str, String)], text: &str) -> Result<(), RefiError> {
    let all = attrs
        .iter()
        .map(|(_, v)| v.as_str())
        .chain(std::iter::once(text));
    for s in all {
        if let Some(c) = s.chars().find(|&c| !xml_char(c)) {
            return Err(RefiError::Export {
                detail: format!(
                    "<{name}> would hold the character U+{:04X}, which XML 1.0 cannot carry; remove it from {:?}",
                    c as u32,
                    s.chars().take(60).collect::<String>()
                ),
            });
        }
    }
    Ok(())
}

fn io_err(e: std::io::Error) -> RefiError {
    RefiError::Write {
        detail: e.to_string(),
    }
}

impl XmlOut {
    pub fn new() -> XmlOut {
        let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
        // The declaration is written by hand so its quoting is stable.
        w.get_mut()
            .extend_from_slice(b"<?xml version=\"1.0\" encoding=\"utf-8\"?>");
        XmlOut { w }
    }

    fn start_tag<'a>(name: &'a str, attrs: &[(&'a str, String)]) -> BytesStart<'a> {
        let mut s = BytesStart::new(name);
        for (k, v) in attrs {
            s.push_attribute(Attribute {
                key: QName(k),
                value: Cow::Owned(escape_attr(v)),
            });
        }
        s
    }

    pub fn open(&mut self, name: &str, attrs: &[(&str, String)]) -> Result<(), RefiError> {
        check_chars(name, attrs, "")?;
        self.w
            .write_event(Event::Start(Self::start_tag(name, attrs)))
            .map_err(io_err)
    }

    pub fn close(&mut self, name: &str) -> Result<(), RefiError> {
        self.w
            .write_event(Event::End(quick_xml::events::BytesEnd::new(name)))
            .map_err(io_err)
    }

    pub fn empty(&mut self, name: &str, attrs: &[(&str, String)]) -> Result<(), RefiError> {
        check_chars(name, attrs, "")?;
        self.w
            .write_event(Event::Empty(Self::start_tag(name, attrs)))
            .map_err(io_err)
    }

    /// `<name attrs>text</name>` on one line.
    pub fn text_element(
        &mut self,
        name: &str,
        attrs: &[(&str, String)],
        text: &str,
    ) -> Result<(), RefiError> {
        check_chars(name, attrs, text)?;
        self.w
            .write_event(Event::Start(Self::start_tag(name, attrs)))
            .map_err(io_err)?;
        // Written even when empty: a text event keeps the writer from
        // indenting the end tag, which would turn "" into whitespace.
        self.w
            .write_event(Event::Text(BytesText::from_escaped(escape_text(text))))
            .map_err(io_err)?;
        self.w
            .write_event(Event::End(quick_xml::events::BytesEnd::new(name)))
            .map_err(io_err)
    }

    /// `<?axial {json}?>`; `>` inside the JSON is written as `\u003e` so
    /// the payload can never end the instruction early.
    pub fn axial(&mut self, payload: &serde_json::Value) -> Result<(), RefiError> {
        let json = payload.to_string().replace('>', "\\u003e");
        self.w
            .write_event(Event::PI(BytesPI::new(format!("axial {json}"))))
            .map_err(io_err)
    }

    /// Moves what was written so far to `out` once it holds at least `min`
    /// bytes (0: always), so a large document streams through a small buffer.
    /// The writer's indentation state stays, so the output is the same as
    /// one [`XmlOut::finish`] would give.
    pub fn drain_to(&mut self, out: &mut dyn std::io::Write, min: usize) -> Result<(), RefiError> {
        let buf = self.w.get_mut();
        if buf.len() >= min.max(1) {
            out.write_all(buf).map_err(io_err)?;
            buf.clear();
        }
        Ok(())
    }

    /// Ends the document: the final newline goes to `out` with the rest.
    pub fn finish_to(mut self, out: &mut dyn std::io::Write) -> Result<(), RefiError> {
        self.w.get_mut().push(b'\n');
        self.drain_to(out, 0)
    }

    pub fn finish(self) -> String {
        let mut bytes = self.w.into_inner();
        bytes.push(b'\n');
        // Only `&str` pieces were written, so the buffer is UTF-8.
        String::from_utf8(bytes)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_err(xml: &str, want: &str) {
        let e = parse(xml.as_bytes(), "t.qde", 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{e}");
    }

    #[test]
    fn parses_text_attributes_and_instructions() {
        let x = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\r\n<p:R xmlns:p=\"urn:QDA-XML:project:1.0\" a=\"x&#10;y\r\nz&amp;\">\r\n<?axial {\"k\":1}?><C>a\r\nb&#13;&lt;&#x1F600;<![CDATA[<&>]]></C><E/></p:R>";
        let r = parse(x.as_bytes(), "t", 1 << 20).unwrap();
        assert_eq!(r.name, "R");
        assert_eq!(r.namespaces, vec!["urn:QDA-XML:project:1.0".to_string()]);
        assert_eq!(r.attr("a"), Some("x\ny z&"));
        assert_eq!(r.axial, vec!["{\"k\":1}".to_string()]);
        assert_eq!(r.child_text("C"), Some("a\nb\r<😀<&>"));
        assert_eq!(
            r.child("E").map(|e| e.line),
            Some(5),
            "the attribute's raw CRLF counts as a line"
        );
    }

    #[test]
    fn rejects_what_it_must() {
        check_err("<!DOCTYPE r [<!ENTITY a \"b\">]><r>&a;</r>", "DOCTYPE");
        check_err("<r>&a;</r>", "unknown entity '&a;'");
        check_err("<r x=\"&a;\"/>", "unknown entity");
        check_err(
            "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><r/>",
            "not UTF-8",
        );
        check_err("<r><a></r>", "malformed XML");
        check_err("<r><a>", "truncated");
        check_err("<r/><r/>", "root");
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        check_err(&deep, "nested more than");
        assert!(matches!(
            parse(b"<r>\xff</r>", "t", 100),
            Err(RefiError::NotUtf8 { .. })
        ));
        assert!(matches!(
            parse(b"<r/>", "t", 2),
            Err(RefiError::XmlTooLarge { .. })
        ));
    }

    #[test]
    fn escaping_reads_back_exactly() {
        let nasty = "a<b>&\"c'\r\n\td 😀";
        let mut o = XmlOut::new();
        o.open("R", &[("v", nasty.to_string())]).unwrap();
        o.text_element("T", &[], nasty).unwrap();
        o.text_element("Empty", &[], "").unwrap();
        o.axial(&serde_json::json!({"s": "?>x"})).unwrap();
        o.close("R").unwrap();
        let s = o.finish();
        let r = parse(s.as_bytes(), "t", 1 << 20).unwrap();
        assert_eq!(r.attr("v"), Some(nasty));
        assert_eq!(r.child_text("T"), Some(nasty));
        assert_eq!(r.child_text("Empty"), Some(""));
        let v: serde_json::Value = serde_json::from_str(&r.axial[0]).unwrap();
        assert_eq!(v["s"], "?>x");
    }
}
