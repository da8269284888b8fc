//! Bytes to text: byte-order marks, UTF-16, legacy encodings, binary
//! detection, and the one normalisation every importer applies.
//!
//! It does not look at structure beyond what plain text and Markdown need
//! (paragraphs from blank lines, speaker turns), and never changes letters:
//! no Unicode normalisation, no trimming of the text as written.

use axial_core::{SourceKind, Structure};
use encoding_rs::{Encoding, UTF_16BE, UTF_16LE, UTF_8};

use super::{detect_turns, paragraphs, ImportError, ImportedDocument};

/// How many bytes at the start are inspected for binary content.
const SNIFF_BYTES: usize = 8 * 1024;

/// Text decoded from bytes, with what the user should know about it.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub text: String,
    pub warnings: Vec<String>,
}

/// Decode a text file: UTF-8 (with or without BOM), UTF-16 with BOM, or a
/// legacy encoding guessed from the bytes (with a warning naming it).
pub(crate) fn decode(file: &str, bytes: &[u8]) -> Result<Decoded, ImportError> {
    let mut warnings = Vec::new();
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        let body = &bytes[bom_len..];
        let (text, had_errors) = encoding.decode_without_bom_handling(body);
        if had_errors {
            warnings.push(format!(
                "some bytes are not valid {} and were replaced by \u{FFFD}: check the text around them",
                encoding.name()
            ));
        }
        return Ok(Decoded {
            text: text.into_owned(),
            warnings,
        });
    }
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if many_nuls(head) {
        if let Some(encoding) = bomless_utf16(head) {
            let (text, _) = encoding.decode_without_bom_handling(bytes);
            warnings.push(format!(
                "decoded as {} (the file has no byte-order mark): check that the text reads correctly",
                encoding.name()
            ));
            return Ok(Decoded {
                text: text.into_owned(),
                warnings,
            });
        }
        return Err(ImportError::Binary {
            file: file.to_string(),
        });
    }
    if looks_binary(head) {
        return Err(ImportError::Binary {
            file: file.to_string(),
        });
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        return Ok(Decoded {
            text: text.to_string(),
            warnings,
        });
    }
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(bytes, true);
    let encoding = detector.guess(None, chardetng::Utf8Detection::Deny);
    let encoding = if encoding == UTF_8 {
        encoding_rs::WINDOWS_1252
    } else {
        encoding
    };
    let (text, _, had_errors) = encoding.decode(bytes);
    warnings.push(format!(
        "decoded as {} (the file is not UTF-8): check accented letters and other non-English characters",
        encoding.name()
    ));
    if had_errors {
        warnings.push(format!(
            "some bytes are not valid {} and were replaced by \u{FFFD}: check the text around them",
            encoding.name()
        ));
    }
    Ok(Decoded {
        text: text.into_owned(),
        warnings,
    })
}

/// A stray NUL or two in a text (a bad export) is removed later with a
/// warning; more than that means UTF-16 without a BOM, or binary.
fn many_nuls(head: &[u8]) -> bool {
    head.iter().filter(|&&b| b == 0).count() > (head.len() / 1000).max(2)
}

/// True when the start of a file without a byte-order mark is neither text
/// nor UTF-16 text: the text decoder would refuse it as binary.
pub(crate) fn looks_like_binary(bytes: &[u8]) -> bool {
    if Encoding::for_bom(bytes).is_some() {
        return false;
    }
    let head = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if many_nuls(head) {
        return bomless_utf16(head).is_none();
    }
    looks_binary(head)
}

/// UTF-16 without a byte-order mark shows as a zero in every other byte.
fn bomless_utf16(head: &[u8]) -> Option<&'static Encoding> {
    if head.len() < 4 {
        return None;
    }
    let pairs = head.len() / 2;
    let even_zero = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd_zero = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    // Mostly ASCII text: one byte of each pair is zero, the other is not.
    if odd_zero * 10 >= pairs * 9 && even_zero * 10 <= pairs {
        Some(UTF_16LE)
    } else if even_zero * 10 >= pairs * 9 && odd_zero * 10 <= pairs {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// More than one byte in twenty is a control character that text does not use.
fn looks_binary(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    let odd = head
        .iter()
        .filter(|&&b| {
            // NUL is counted separately (see `many_nuls`).
            (b > 0 && b < 0x20 && !matches!(b, b'\n' | b'\r' | b'\t' | 0x0c | 0x0b | 0x1a))
                || b == 0x7f
        })
        .count();
    odd * 20 > head.len()
}

/// The normalisation every importer applies: CRLF and CR become LF, form
/// feed and vertical tab become LF, a byte-order mark and the other C0
/// controls (except `\t`) are removed. Returns the text and how many
/// characters were removed (for [`controls_warning`]).
pub(crate) fn normalise(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut removed = 0;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push('\n');
            }
            '\n' | '\t' => out.push(c),
            '\u{0b}' | '\u{0c}' => out.push('\n'),
            '\u{feff}' if out.is_empty() => {}
            c if (c as u32) < 0x20 => removed += 1,
            c => out.push(c),
        }
    }
    (out, removed)
}

pub(crate) fn controls_warning(removed: usize) -> String {
    format!(
        "removed {removed} invisible control character{} (such as NUL) that cannot be shown: check the text if something seems missing",
        if removed == 1 { "" } else { "s" }
    )
}

/// Plain text and Markdown: decoded, normalised, kept as written.
pub(crate) fn import_plain(
    file: &str,
    bytes: &[u8],
    kind: SourceKind,
) -> Result<ImportedDocument, ImportError> {
    let Decoded { text, mut warnings } = decode(file, bytes)?;
    let (text, removed) = normalise(&text);
    if removed > 0 {
        warnings.push(controls_warning(removed));
    }
    if text.trim().is_empty() {
        return Err(ImportError::Empty {
            file: file.to_string(),
        });
    }
    let title = match kind {
        SourceKind::Markdown => markdown_title(&text),
        _ => None,
    };
    let structure = Structure {
        paragraphs: paragraphs(&text),
        turns: detect_turns(&text),
        pages: Vec::new(),
    };
    Ok(ImportedDocument {
        text,
        kind,
        structure,
        warnings,
        title,
    })
}

/// The first level-one ATX heading (`# Title`) of a Markdown text.
fn markdown_title(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.strip_prefix("# "))
        .map(|t| t.trim().trim_end_matches('#').trim().to_string())
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_decode(bytes: &[u8], text: &str, warnings: usize) {
        let d = decode("t.txt", bytes).expect("decodes");
        assert_eq!(d.text, text);
        assert_eq!(d.warnings.len(), warnings, "{:?}", d.warnings);
    }

    #[test]
    fn decodes_boms_and_legacy_encodings() {
        check_decode("Zoë 😀".as_bytes(), "Zoë 😀", 0);
        check_decode(b"\xEF\xBB\xBFZo\xC3\xAB", "Zoë", 0);
        check_decode(b"\xFF\xFEZ\x00o\x00\xEB\x00", "Zoë", 0);
        check_decode(b"\xFE\xFF\x00Z\x00o\x00\xEB", "Zoë", 0);
        check_decode(b"Z\x00o\x00\xEB\x00 \x00a\x00", "Zoë a", 1);
        // One stray NUL is text (it is removed later, with a warning).
        check_decode(b"Zo\xC3\xAB\x00 wrote", "Zoë\u{0} wrote", 0);
        // Windows-1252: ë is 0xEB, the curly quotes 0x93/0x94.
        let d = decode("t.txt", b"Zo\xEB said \x93na\xEFve\x94 twice").expect("decodes");
        assert_eq!(d.text, "Zoë said \u{201c}naïve\u{201d} twice");
        assert!(
            d.warnings[0].starts_with("decoded as windows-1252"),
            "{:?}",
            d.warnings
        );
    }

    #[test]
    fn refuses_binary() {
        let err = decode("photo.txt", b"GIF89a\x00\x01\x00\x02\x00\x03").expect_err("binary");
        assert_eq!(
            err,
            ImportError::Binary {
                file: "photo.txt".into()
            }
        );
        let err = decode("noise.txt", &[1u8, 2, 3, 4, 5, 6, 7, 8, b'a', b'b']).expect_err("binary");
        assert!(matches!(err, ImportError::Binary { .. }));
    }

    fn check_normalise(input: &str, output: &str, removed: usize) {
        assert_eq!(normalise(input), (output.to_string(), removed));
    }

    #[test]
    fn normalises_line_breaks_and_controls() {
        check_normalise("a\r\nb\rc\nd", "a\nb\nc\nd", 0);
        check_normalise("\u{feff}tab\there", "tab\there", 0);
        check_normalise("nu\u{0}l and bell\u{7}", "nul and bell", 2);
        check_normalise("page\u{0c}two", "page\ntwo", 0);
        check_normalise("e\u{301} stays decomposed", "e\u{301} stays decomposed", 0);
    }

    #[test]
    fn markdown_title_is_first_h1() {
        assert_eq!(
            markdown_title("intro\n\n# Zoë's interview #\n\n# later"),
            Some("Zoë's interview".into())
        );
        assert_eq!(markdown_title("## only h2"), None);
    }
}
