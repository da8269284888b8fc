//! RTF documents: a small parser for the text-bearing subset of RTF.
//!
//! It follows groups and control words, turns `\par`, `\line`, `\tab` and
//! `\cell` into paragraphs, line breaks and tabs, decodes `\'hh` bytes in the
//! document's code page (`\ansicpg`) or the current font's character set
//! (`\fcharset` in the font table), `\uN` Unicode escapes (with their `\ucN`
//! fallback skipped and surrogate pairs joined), and takes the title from
//! `{\info{\title …}}`. Destinations that hold no body text (font, colour and
//! style tables, pictures, objects, headers, footers, field instructions and
//! every `{\*\…}` group) are skipped.
//!
//! It does not keep formatting, footnotes or comments (it warns about them),
//! and it does not render fields beyond their displayed result.

use std::collections::HashMap;

use axial_core::SourceKind;
use encoding_rs::{Encoding, WINDOWS_1252};

use super::{DocumentBuilder, ImportError, ImportedDocument};

pub(crate) fn import(file: &str, bytes: &[u8]) -> Result<ImportedDocument, ImportError> {
    let parsed = parse(bytes);
    if !parsed.saw_rtf_header {
        return Err(ImportError::corrupt(
            file,
            SourceKind::Rtf,
            "it does not start with {\\rtf",
        ));
    }
    let mut doc = DocumentBuilder::default();
    for p in &parsed.paragraphs {
        doc.push_paragraph(p);
    }
    Ok(doc.finish(SourceKind::Rtf, parsed.warnings, parsed.title))
}

/// Where the text of the current group goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    Body,
    Skip,
    FontTable,
    Info,
    Title,
}

#[derive(Debug, Clone, Copy)]
struct Group {
    dest: Dest,
    /// Fallback characters after each `\uN` (`\ucN`).
    uc: usize,
    /// Encoding of `\'hh` bytes: the current font's, or the document's.
    encoding: &'static Encoding,
    /// The font being defined, inside the font table.
    font: Option<i64>,
}

#[derive(Debug, Default)]
struct Parsed {
    paragraphs: Vec<String>,
    title: Option<String>,
    warnings: Vec<String>,
    saw_rtf_header: bool,
}

/// Groups that hold no body text.
const SKIPPED: &[&str] = &[
    "colortbl",
    "stylesheet",
    "pict",
    "object",
    "header",
    "headerl",
    "headerr",
    "headerf",
    "footer",
    "footerl",
    "footerr",
    "footerf",
    "fldinst",
    "listtable",
    "listoverridetable",
    "rsidtbl",
    "generator",
    "xmlnstbl",
    "themedata",
    "colorschememapping",
    "latentstyles",
    "datastore",
    "pgdsctbl",
    "revtbl",
    "filetbl",
    "private",
    "nonshppict",
    "bkmkstart",
    "bkmkend",
    "atnid",
    "atnauthor",
    "atndate",
    "atnref",
    "xe",
    "tc",
    "txe",
    "sp",
    "sn",
    "sv",
    "shpinst",
    "author",
    "operator",
    "subject",
    "keywords",
    "comment",
    "doccomm",
    "company",
    "category",
    "manager",
    "hlinkbase",
];

struct Parser<'b> {
    bytes: &'b [u8],
    pos: usize,
    stack: Vec<Group>,
    group: Group,
    document_encoding: &'static Encoding,
    fonts: HashMap<i64, &'static Encoding>,
    default_font: Option<i64>,
    /// `\'hh` and raw bytes waiting to be decoded together (multi-byte code
    /// pages need the whole run).
    pending: Vec<u8>,
    /// Fallback characters still to skip after a `\uN`.
    skip: usize,
    high_surrogate: Option<u16>,
    paragraph: String,
    out: Parsed,
    title: String,
    footnotes: usize,
    comments: usize,
    unknown_code_page: Option<i64>,
    /// Groups opened beyond [`MAX_DEPTH`] and not yet closed.
    too_deep: usize,
}

/// The deepest group nesting kept; real documents stay far below it.
const MAX_DEPTH: usize = 1000;

fn parse(bytes: &[u8]) -> Parsed {
    let group = Group {
        dest: Dest::Body,
        uc: 1,
        encoding: WINDOWS_1252,
        font: None,
    };
    let mut p = Parser {
        bytes,
        pos: 0,
        stack: Vec::new(),
        group,
        document_encoding: WINDOWS_1252,
        fonts: HashMap::new(),
        default_font: None,
        pending: Vec::new(),
        skip: 0,
        high_surrogate: None,
        paragraph: String::new(),
        out: Parsed::default(),
        title: String::new(),
        footnotes: 0,
        comments: 0,
        unknown_code_page: None,
        too_deep: 0,
    };
    let start = bytes.iter().position(|&b| b == b'{').unwrap_or(bytes.len());
    p.out.saw_rtf_header = bytes[start..].starts_with(b"{\\rtf");
    p.pos = start;
    p.run();
    p.finish()
}

impl Parser<'_> {
    fn run(&mut self) {
        let mut closed_top = false;
        while self.pos < self.bytes.len() && !closed_top {
            let b = self.bytes[self.pos];
            self.pos += 1;
            match b {
                b'{' => {
                    self.flush_bytes();
                    self.skip = 0;
                    if self.stack.len() < MAX_DEPTH {
                        self.stack.push(self.group);
                    } else {
                        // Hostile nesting: deeper groups share the state of
                        // the deepest one kept, so memory stays bounded.
                        self.too_deep += 1;
                    }
                }
                b'}' => {
                    self.flush_bytes();
                    self.skip = 0;
                    closed_top = self.close_group();
                }
                b'\\' => self.control(),
                b'\r' | b'\n' => {}
                _ => self.byte(b),
            }
        }
        self.flush_bytes();
        if !self.stack.is_empty() {
            self.out.warnings.push(
                "the RTF file ends before all its groups are closed (it may be truncated): check the end of the text"
                    .to_string(),
            );
        }
    }

    /// Returns true when the outermost group closed (the end of the document).
    fn close_group(&mut self) -> bool {
        if self.too_deep > 0 {
            self.too_deep -= 1;
            return false;
        }
        let Some(outer) = self.stack.pop() else {
            return true;
        };
        if self.group.dest == Dest::FontTable && outer.dest != Dest::FontTable {
            // The font table is complete: the default font's charset applies.
            if let Some(enc) = self.default_font.and_then(|f| self.fonts.get(&f)) {
                self.group = Group {
                    encoding: enc,
                    ..outer
                };
                return false;
            }
        }
        self.group = outer;
        self.stack.is_empty()
    }

    fn control(&mut self) {
        let Some(&c) = self.bytes.get(self.pos) else {
            return;
        };
        if c.is_ascii_alphabetic() {
            let start = self.pos;
            while self
                .bytes
                .get(self.pos)
                .is_some_and(u8::is_ascii_alphabetic)
            {
                self.pos += 1;
            }
            let word = String::from_utf8_lossy(&self.bytes[start..self.pos]).into_owned();
            let num_start = self.pos;
            if self.bytes.get(self.pos) == Some(&b'-') {
                self.pos += 1;
            }
            while self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
                self.pos += 1;
            }
            let param = std::str::from_utf8(&self.bytes[num_start..self.pos])
                .ok()
                .and_then(|s| s.parse::<i64>().ok());
            if self.bytes.get(self.pos) == Some(&b' ') {
                self.pos += 1;
            }
            self.word(&word, param);
            return;
        }
        self.pos += 1;
        match c {
            b'\'' => {
                let hex = self
                    .bytes
                    .get(self.pos..self.pos + 2)
                    .and_then(|h| std::str::from_utf8(h).ok());
                if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    self.pos += 2;
                    self.byte(b);
                }
            }
            b'\\' | b'{' | b'}' => self.byte(c),
            b'*' => {
                self.flush_bytes();
                self.group.dest = Dest::Skip;
            }
            b'~' => self.chars("\u{a0}"),
            b'_' => self.chars("-"),
            b'\r' | b'\n' => self.word("par", None),
            _ => {
                // \- (optional hyphen), \| and \: are formatting only.
                self.flush_bytes();
                self.skip = self.skip.saturating_sub(1);
            }
        }
    }

    fn word(&mut self, word: &str, param: Option<i64>) {
        self.flush_bytes();
        if word == "bin" {
            // Raw binary data: skip it whatever the destination.
            let n = usize::try_from(param.unwrap_or(0)).unwrap_or(0);
            self.pos = self.pos.saturating_add(n).min(self.bytes.len());
            return;
        }
        if self.group.dest == Dest::Skip {
            return;
        }
        if word == "u" {
            if let Some(n) = param {
                self.unicode(n);
            }
            return;
        }
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        match (self.group.dest, word) {
            (_, "uc") => self.group.uc = usize::try_from(param.unwrap_or(1)).unwrap_or(1).min(10),
            (_, "fonttbl") => self.group.dest = Dest::FontTable,
            (_, "info") => self.group.dest = Dest::Info,
            (Dest::Info, "title") => self.group.dest = Dest::Title,
            (Dest::Info, _) => {}
            (_, "footnote") => {
                self.footnotes += 1;
                self.group.dest = Dest::Skip;
            }
            (_, "annotation") => {
                self.comments += 1;
                self.group.dest = Dest::Skip;
            }
            (_, w) if SKIPPED.contains(&w) => self.group.dest = Dest::Skip,
            (Dest::FontTable, "f") => self.group.font = param,
            (Dest::FontTable, "fcharset") => {
                if let (Some(f), Some(cs)) = (self.group.font, param) {
                    let enc = charset_encoding(cs).unwrap_or(self.document_encoding);
                    self.fonts.insert(f, enc);
                }
            }
            (Dest::FontTable, "cpg") => {
                if let (Some(f), Some(enc)) = (self.group.font, param.and_then(code_page_encoding))
                {
                    self.fonts.insert(f, enc);
                }
            }
            (Dest::FontTable, _) => {}
            (_, "ansicpg") => match param.and_then(code_page_encoding) {
                Some(enc) => {
                    self.document_encoding = enc;
                    self.group.encoding = enc;
                }
                None => self.unknown_code_page = param,
            },
            (_, "mac") => {
                self.document_encoding = encoding_rs::MACINTOSH;
                self.group.encoding = encoding_rs::MACINTOSH;
            }
            (_, "deff") => self.default_font = param,
            (_, "f") => {
                self.group.encoding = param
                    .and_then(|f| self.fonts.get(&f).copied())
                    .unwrap_or(self.document_encoding);
            }
            (_, "par" | "sect" | "page" | "row") => self.end_paragraph(),
            (_, "line") => self.chars("\n"),
            (_, "tab" | "cell") => self.chars("\t"),
            (_, "emdash") => self.chars("\u{2014}"),
            (_, "endash") => self.chars("\u{2013}"),
            (_, "lquote") => self.chars("\u{2018}"),
            (_, "rquote") => self.chars("\u{2019}"),
            (_, "ldblquote") => self.chars("\u{201c}"),
            (_, "rdblquote") => self.chars("\u{201d}"),
            (_, "bullet") => self.chars("\u{2022}"),
            (_, "emspace" | "enspace" | "qmspace") => self.chars(" "),
            _ => {}
        }
    }

    fn unicode(&mut self, n: i64) {
        // \uN is a signed 16-bit value; negative numbers wrap.
        let unit = (n.rem_euclid(65_536)) as u16;
        let c = match (self.high_surrogate.take(), unit) {
            (None, 0xD800..=0xDBFF) => {
                self.high_surrogate = Some(unit);
                None
            }
            (Some(high), 0xDC00..=0xDFFF) => {
                char::decode_utf16([high, unit]).next().and_then(Result::ok)
            }
            (_, unit) => char::from_u32(u32::from(unit)),
        };
        if let Some(c) = c {
            let mut buf = [0u8; 4];
            self.push_text(c.encode_utf8(&mut buf));
        }
        self.skip = self.group.uc;
    }

    /// A text byte (raw or `\'hh`), decoded later with its neighbours.
    fn byte(&mut self, b: u8) {
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        if matches!(self.group.dest, Dest::Body | Dest::Title) {
            self.pending.push(b);
        }
    }

    fn chars(&mut self, s: &str) {
        self.flush_bytes();
        if self.skip > 0 {
            self.skip -= 1;
            return;
        }
        self.push_text(s);
    }

    fn push_text(&mut self, s: &str) {
        match self.group.dest {
            Dest::Body => self.paragraph.push_str(s),
            Dest::Title => self.title.push_str(s),
            _ => {}
        }
    }

    fn flush_bytes(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        let bytes = std::mem::take(&mut self.pending);
        let (text, _, _) = self.group.encoding.decode(&bytes);
        self.push_text(&text);
    }

    fn end_paragraph(&mut self) {
        if self.group.dest == Dest::Body {
            self.out
                .paragraphs
                .push(std::mem::take(&mut self.paragraph));
        }
    }

    fn finish(mut self) -> Parsed {
        if !self.paragraph.is_empty() {
            self.out
                .paragraphs
                .push(std::mem::take(&mut self.paragraph));
        }
        let title = self.title.trim();
        if !title.is_empty() {
            self.out.title = Some(title.to_string());
        }
        if self.footnotes > 0 {
            self.out
                .warnings
                .push(format!("{} footnote(s) are not imported", self.footnotes));
        }
        if self.comments > 0 {
            self.out
                .warnings
                .push(format!("{} comment(s) are not imported", self.comments));
        }
        if let Some(cp) = self.unknown_code_page {
            self.out.warnings.push(format!(
                "the RTF code page {cp} is not supported; accented letters were read as Windows-1252: check them"
            ));
        }
        self.out
    }
}

/// The encoding of an RTF `\fcharset` number.
fn charset_encoding(charset: i64) -> Option<&'static Encoding> {
    let cp = match charset {
        77 => 10000,
        128 => 932,
        129 => 949,
        134 => 936,
        136 => 950,
        161 => 1253,
        162 => 1254,
        163 => 1258,
        177 => 1255,
        178 => 1256,
        186 => 1257,
        204 => 1251,
        222 => 874,
        238 => 1250,
        _ => return None,
    };
    code_page_encoding(cp)
}

/// The encoding of a Windows code page number.
fn code_page_encoding(cp: i64) -> Option<&'static Encoding> {
    let label = match cp {
        874 => "windows-874".to_string(),
        932 => "shift_jis".to_string(),
        936 => "gbk".to_string(),
        949 => "euc-kr".to_string(),
        950 => "big5".to_string(),
        1250..=1258 => format!("windows-{cp}"),
        10000 => "macintosh".to_string(),
        20866 => "koi8-r".to_string(),
        28591 => "windows-1252".to_string(),
        28592..=28605 => format!("iso-8859-{}", cp - 28590),
        65001 => "utf-8".to_string(),
        _ => return None,
    };
    Encoding::for_label(label.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(rtf: &str, paragraphs: &[&str]) {
        let parsed = parse(rtf.as_bytes());
        assert!(parsed.saw_rtf_header);
        let got: Vec<&str> = parsed
            .paragraphs
            .iter()
            .map(String::as_str)
            .filter(|p| !p.is_empty())
            .collect();
        assert_eq!(got, paragraphs);
    }

    #[test]
    fn plain_paragraphs_tabs_and_lines() {
        check(
            r"{\rtf1\ansi Hello \b world\b0 .\par Second\tab cell\line next\par}",
            &["Hello world.", "Second\tcell\nnext"],
        );
    }

    #[test]
    fn code_page_and_hex_escapes() {
        check(
            r"{\rtf1\ansi\ansicpg1252 Zo\'eb na\'efve \'93quoted\'94\par}",
            &["Zoë naïve \u{201c}quoted\u{201d}"],
        );
        // Cyrillic through a font whose charset is 204 (Windows-1251).
        check(
            r"{\rtf1\ansi\deff0{\fonttbl{\f0\fswiss Arial;}{\f1\fcharset204 Arial Cyr;}}\f1 \'cf\'f0\'e8\'e2\'e5\'f2\f0  ok\par}",
            &["Привет ok"],
        );
    }

    #[test]
    fn unicode_escapes_skip_fallbacks_and_join_surrogates() {
        check(
            r"{\rtf1\ansi\uc1 \u1513?\u1500?\u1493?\u1501? and \u-10179?\u-8704? e\u769?\par}",
            &["שלום and 😀 e\u{301}"],
        );
        check(r"{\rtf1\ansi\uc2 \u233\'3f\'3fx\par}", &["éx"]);
        check(
            r"{\rtf1\ansi\uc0 \u1605\u1585\u1581\u1576\u1575\par}",
            &["مرحبا"],
        );
    }

    #[test]
    fn destinations_are_skipped_and_title_kept() {
        let parsed = parse(
            br"{\rtf1\ansi{\fonttbl{\f0 Times;}}{\colortbl;\red0\green0\blue0;}{\stylesheet{\s0 Normal;}}{\info{\title Zo\'eb interview}{\author Someone}}{\*\generator Tool;}{\header Page head\par}Body {\footnote a note}{\field{\*\fldinst HYPERLINK x}{\fldrslt link}} end\par}",
        );
        assert_eq!(parsed.paragraphs, ["Body link end"]);
        assert_eq!(parsed.title.as_deref(), Some("Zoë interview"));
        assert_eq!(parsed.warnings, ["1 footnote(s) are not imported"]);
    }

    #[test]
    fn truncated_file_warns() {
        let parsed = parse(br"{\rtf1\ansi Cut {\b here");
        assert_eq!(parsed.paragraphs, ["Cut here"]);
        assert_eq!(parsed.warnings.len(), 1);
    }

    #[test]
    fn text_survives_hostile_nesting() {
        let depth = MAX_DEPTH * 3;
        let rtf = format!(
            "{{\\rtf1 {}deep{} after\\par}}",
            "{".repeat(depth),
            "}".repeat(depth)
        );
        check(&rtf, &["deep after"]);
    }

    #[test]
    fn bin_data_is_skipped() {
        check("{\\rtf1 a\\par{\\pict\\bin4 \x00}{}}b\\par}", &["a", "b"]);
    }
}
