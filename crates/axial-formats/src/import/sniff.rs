//! Which kind of file this is: the extension says what the file claims to
//! be, the first bytes (and, for ZIP packages, the parts inside) say what it
//! is. A mismatch is an error, so a PDF renamed `.docx` is reported as such
//! instead of failing deep inside the wrong parser.
//!
//! It does not parse the documents; it looks only at magic bytes and ZIP
//! part names.

use std::io::{Cursor, Read};

use axial_core::SourceKind;

use super::error::SUPPORTED_DOCUMENTS;
use super::ImportError;

/// The lower-case extension of a file name (without the dot), if it has one.
pub(crate) fn extension(file_name: &str) -> Option<String> {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let (stem, ext) = base.rsplit_once('.')?;
    (!stem.is_empty() && !ext.is_empty()).then(|| ext.to_ascii_lowercase())
}

fn kind_of_extension(ext: &str) -> Option<SourceKind> {
    Some(match ext {
        "txt" | "text" => SourceKind::Text,
        "md" | "markdown" => SourceKind::Markdown,
        "html" | "htm" | "xhtml" => SourceKind::Html,
        "docx" => SourceKind::Docx,
        "odt" => SourceKind::Odt,
        "rtf" => SourceKind::Rtf,
        "pdf" => SourceKind::Pdf,
        "vtt" => SourceKind::Vtt,
        "srt" => SourceKind::Srt,
        "csv" | "tsv" => SourceKind::Csv,
        "xlsx" => SourceKind::Xlsx,
        _ => return None,
    })
}

/// What the bytes are, as far as magic numbers tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    Empty,
    Pdf,
    Rtf,
    /// A ZIP package, with what its parts say it is.
    Zip(Package),
    /// An OLE2 compound file: an old .doc/.xls, or an encrypted Office file.
    Ole {
        encrypted: bool,
    },
    Image(&'static str),
    /// Bytes that are neither a known format nor text.
    Binary,
    /// Anything else: text (or binary that the text decoder will refuse).
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Package {
    Docx,
    Xlsx,
    Pptx,
    Odt,
    OtherOpenDocument,
    /// A ZIP that is none of the above.
    Archive,
    /// Starts like a ZIP but its directory cannot be read (truncated).
    Unreadable,
}

impl Content {
    fn describe(self) -> String {
        match self {
            Content::Empty => "an empty file".into(),
            Content::Pdf => "a PDF file".into(),
            Content::Rtf => "an RTF file".into(),
            Content::Zip(Package::Docx) => "a Word (.docx) file".into(),
            Content::Zip(Package::Xlsx) => "an Excel (.xlsx) workbook".into(),
            Content::Zip(Package::Pptx) => "a PowerPoint (.pptx) file".into(),
            Content::Zip(Package::Odt) => "an OpenDocument text (.odt) file".into(),
            Content::Zip(Package::OtherOpenDocument) => {
                "an OpenDocument spreadsheet or presentation".into()
            }
            Content::Zip(Package::Archive | Package::Unreadable) => "a ZIP archive".into(),
            Content::Ole { .. } => "an old-style Office file (.doc/.xls)".into(),
            Content::Image(what) => format!("a {what} image"),
            Content::Binary => "unrecognised binary data".into(),
            Content::Other => "plain text".into(),
        }
    }

    fn kind(self) -> Option<SourceKind> {
        match self {
            Content::Pdf => Some(SourceKind::Pdf),
            Content::Rtf => Some(SourceKind::Rtf),
            Content::Zip(Package::Docx) => Some(SourceKind::Docx),
            Content::Zip(Package::Xlsx) => Some(SourceKind::Xlsx),
            Content::Zip(Package::Odt) => Some(SourceKind::Odt),
            _ => None,
        }
    }
}

pub(crate) fn sniff(bytes: &[u8]) -> Content {
    if bytes.is_empty() {
        return Content::Empty;
    }
    if bytes.starts_with(b"%PDF-") {
        return Content::Pdf;
    }
    if bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06") {
        return Content::Zip(package(bytes));
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        let marker: Vec<u8> = "EncryptedPackage"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let encrypted = bytes.windows(marker.len()).any(|w| w == marker.as_slice());
        return Content::Ole { encrypted };
    }
    let text_start = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text_start = &text_start[text_start
        .iter()
        .take_while(|b| b.is_ascii_whitespace())
        .count()..];
    if text_start.starts_with(b"{\\rtf") {
        return Content::Rtf;
    }
    for (magic, what) in [
        (&b"\x89PNG"[..], "PNG"),
        (&b"\xFF\xD8\xFF"[..], "JPEG"),
        (&b"GIF8"[..], "GIF"),
    ] {
        if bytes.starts_with(magic) {
            return Content::Image(what);
        }
    }
    if super::text::looks_like_binary(bytes) {
        return Content::Binary;
    }
    Content::Other
}

fn package(bytes: &[u8]) -> Package {
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return Package::Unreadable;
    };
    let has = |zip: &zip::ZipArchive<_>, name: &str| zip.index_for_name(name).is_some();
    if has(&zip, "word/document.xml") {
        return Package::Docx;
    }
    if has(&zip, "xl/workbook.xml") {
        return Package::Xlsx;
    }
    if has(&zip, "ppt/presentation.xml") {
        return Package::Pptx;
    }
    if has(&zip, "mimetype") {
        let mut mime = String::new();
        let read = zip
            .by_name("mimetype")
            .ok()
            .map(|f| f.take(200).read_to_string(&mut mime).is_ok())
            .unwrap_or(false);
        if read {
            let mime = mime.trim();
            if mime == "application/vnd.oasis.opendocument.text" {
                return Package::Odt;
            }
            if mime.starts_with("application/vnd.oasis.opendocument.") {
                return Package::OtherOpenDocument;
            }
        }
    }
    if has(&zip, "content.xml") {
        // An OpenDocument file without its mimetype part: let the ODT
        // reader try it.
        return Package::Odt;
    }
    Package::Archive
}

/// Detect the kind from the extension and the content (magic bytes; for ZIP
/// packages, the parts inside). A mismatch is [`ImportError::Mislabelled`];
/// an unknown extension is [`ImportError::Unsupported`]; a name without an
/// extension is taken for what its content is (plain text by default).
pub fn detect_kind(file_name: &str, bytes: &[u8]) -> Result<SourceKind, ImportError> {
    let file = file_name.to_string();
    let content = sniff(bytes);
    if content == Content::Empty {
        return Err(ImportError::Empty { file });
    }
    let Some(ext) = extension(file_name) else {
        return Ok(content.kind().unwrap_or(SourceKind::Text));
    };
    let Some(claimed) = kind_of_extension(&ext) else {
        return Err(ImportError::Unsupported {
            file,
            ext,
            supported: SUPPORTED_DOCUMENTS,
        });
    };
    let mislabelled = || ImportError::Mislabelled {
        file: file.clone(),
        claimed,
        actual: content.describe(),
    };
    match claimed {
        SourceKind::Docx | SourceKind::Odt | SourceKind::Xlsx => match content {
            Content::Ole { encrypted: true } => Err(ImportError::Encrypted { file: file.clone() }),
            // A damaged package: its own reader says what is wrong.
            Content::Zip(Package::Unreadable) => Ok(claimed),
            _ if content.kind() == Some(claimed) => Ok(claimed),
            _ => Err(mislabelled()),
        },
        SourceKind::Pdf | SourceKind::Rtf if content.kind() == Some(claimed) => Ok(claimed),
        // PDF readers accept up to 1 KiB of junk before the header.
        SourceKind::Pdf
            if bytes[..bytes.len().min(1024)]
                .windows(5)
                .any(|w| w == b"%PDF-") =>
        {
            Ok(claimed)
        }
        SourceKind::Pdf | SourceKind::Rtf => Err(mislabelled()),
        _ => match content {
            // The text decoder refuses binary content with its own error.
            Content::Other | Content::Binary => Ok(claimed),
            _ => Err(mislabelled()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(file_name: &str, bytes: &[u8], expected: Result<SourceKind, &str>) {
        let got = detect_kind(file_name, bytes).map_err(|e| e.to_string());
        assert_eq!(got, expected.map_err(str::to_string));
    }

    #[test]
    fn extensions_and_magic_agree() {
        check("a/b/Notes.TXT", b"hello", Ok(SourceKind::Text));
        check("x.md", b"# hi", Ok(SourceKind::Markdown));
        check("x.pdf", b"%PDF-1.4\n...", Ok(SourceKind::Pdf));
        check("x.rtf", b"\xEF\xBB\xBF {\\rtf1 hi}", Ok(SourceKind::Rtf));
        check("no_extension", b"%PDF-1.7", Ok(SourceKind::Pdf));
        check("no_extension", b"just words", Ok(SourceKind::Text));
        check(".hidden", b"just words", Ok(SourceKind::Text));
    }

    #[test]
    fn mismatches_are_named() {
        check(
            "interview.docx",
            b"%PDF-1.4",
            Err("interview.docx is named as docx but is a PDF file: rename it with the right extension or re-save it as docx"),
        );
        check(
            "notes.pdf",
            b"plain words",
            Err("notes.pdf is named as pdf but is plain text: rename it with the right extension or re-save it as pdf"),
        );
        check(
            "old.docx",
            &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1, 0, 0],
            Err("old.docx is named as docx but is an old-style Office file (.doc/.xls): rename it with the right extension or re-save it as docx"),
        );
        check(
            "photo.txt",
            b"\x89PNG\r\n\x1a\n",
            Err("photo.txt is named as text but is a PNG image: rename it with the right extension or re-save it as text"),
        );
        check(
            "interview.doc",
            b"whatever",
            Err("interview.doc: files ending in 'doc' cannot be imported; supported kinds are .txt, .md, .html, .docx, .odt, .rtf, .pdf, .vtt, .srt (and .csv, .tsv, .xlsx as surveys)"),
        );
        check(
            "empty.docx",
            b"",
            Err("empty.docx is empty (it holds no text): check that it is the right file"),
        );
    }

    #[test]
    fn truncated_zip_is_left_to_its_reader() {
        check(
            "cut.docx",
            b"PK\x03\x04\x14\x00\x00\x00",
            Ok(SourceKind::Docx),
        );
        check("cut.txt", b"PK\x03\x04\x14\x00\x00\x00", Err("cut.txt is named as text but is a ZIP archive: rename it with the right extension or re-save it as text"));
    }
}
