//! Why a file could not be imported, in words a researcher can act on.
//!
//! Every variant names the file; the message says what is wrong and what to
//! do next. Problems that still let an import go ahead are warnings on the
//! result instead, not errors.

use axial_core::SourceKind;

/// The document kinds [`super::import_document`] reads, for messages.
pub const SUPPORTED_DOCUMENTS: &str =
    ".txt, .md, .html, .docx, .odt, .rtf, .pdf, .vtt, .srt (and .csv, .tsv, .xlsx as surveys)";

/// The table kinds [`super::read_survey`] reads, for messages.
pub const SUPPORTED_TABLES: &str = ".csv, .tsv, .xlsx";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("{file} is {}, more than the {} limit: split it into smaller files", size_text(*size), size_text(*limit))]
    TooLarge { file: String, size: u64, limit: u64 },

    #[error("{file} unpacks to more than {} in '{part}' (a ZIP bomb or a damaged file): re-save it and try again", size_text(*limit))]
    TooLargeUnpacked {
        file: String,
        part: String,
        limit: u64,
    },

    #[error("{file} is empty (it holds no text): check that it is the right file")]
    Empty { file: String },

    #[error("{file} is a binary file, not text: open it in the program that made it and save it as .txt, .docx or .pdf")]
    Binary { file: String },

    #[error("{file}: files ending in '{ext}' cannot be imported; supported kinds are {supported}")]
    Unsupported {
        file: String,
        ext: String,
        supported: &'static str,
    },

    #[error("{file} is named as {claimed} but is {actual}: rename it with the right extension or re-save it as {claimed}")]
    Mislabelled {
        file: String,
        claimed: SourceKind,
        actual: String,
    },

    #[error("{file} is a damaged {kind} file ({detail}): open and re-save it in the program that made it, then import again")]
    Corrupt {
        file: String,
        kind: SourceKind,
        detail: String,
    },

    #[error("{file}: the PDF has no text layer (it is a scan); run OCR on it first, then import the result")]
    NoTextLayer { file: String },

    #[error("{file} is password-protected: remove the protection in the program that made it, then import again")]
    Encrypted { file: String },

    #[error(
        "{file} is a table ({kind}), not a document: import it as a survey (one source per row)"
    )]
    NotADocument { file: String, kind: SourceKind },

    #[error("{file} has no sheet named '{sheet}'; its sheets are: {available}")]
    NoSuchSheet {
        file: String,
        sheet: String,
        available: String,
    },
}

/// A byte count in words: "512 bytes", "3.4 KiB", "200 MiB".
fn size_text(bytes: u64) -> String {
    const UNITS: [&str; 3] = ["KiB", "MiB", "GiB"];
    if bytes < 1024 {
        return format!("{bytes} bytes");
    }
    let mut value = bytes as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    let value = format!("{value:.1}");
    let value = value.strip_suffix(".0").unwrap_or(&value);
    format!("{value} {}", UNITS[unit])
}

impl ImportError {
    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            ImportError::TooLarge { file, .. }
            | ImportError::TooLargeUnpacked { file, .. }
            | ImportError::Empty { file }
            | ImportError::Binary { file }
            | ImportError::Unsupported { file, .. }
            | ImportError::Mislabelled { file, .. }
            | ImportError::Corrupt { file, .. }
            | ImportError::NoTextLayer { file }
            | ImportError::Encrypted { file }
            | ImportError::NotADocument { file, .. }
            | ImportError::NoSuchSheet { file, .. } => file,
        }
    }

    pub(crate) fn corrupt(file: &str, kind: SourceKind, detail: impl Into<String>) -> ImportError {
        ImportError::Corrupt {
            file: file.to_string(),
            kind,
            detail: detail.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_in_words() {
        assert_eq!(size_text(512), "512 bytes");
        assert_eq!(size_text(3500), "3.4 KiB");
        assert_eq!(size_text(200 * 1024 * 1024), "200 MiB");
        assert_eq!(size_text(200 * 1024 * 1024 + 1), "200 MiB");
        assert_eq!(size_text(5 * 1024 * 1024 * 1024 * 1024), "5120 GiB");
    }

    #[test]
    fn every_error_names_its_file() {
        let e = ImportError::TooLarge {
            file: "big.pdf".into(),
            size: 300 * 1024 * 1024,
            limit: 200 * 1024 * 1024,
        };
        assert_eq!(
            e.to_string(),
            "big.pdf is 300 MiB, more than the 200 MiB limit: split it into smaller files"
        );
        assert_eq!(e.file(), "big.pdf");
    }
}
