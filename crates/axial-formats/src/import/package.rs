//! Reading parts out of ZIP-based files (DOCX, ODT, XLSX) with a cap on how
//! much each part may unpack to, so a ZIP bomb stops early with an error,
//! and the small XML helpers the office formats share.
//!
//! It does not know what the parts mean; the format modules do.

use std::io::{Cursor, Read};

use axial_core::SourceKind;
use zip::result::ZipError;
use zip::ZipArchive;

use super::{ImportError, MAX_PART_BYTES};

/// An opened ZIP package, remembering which file it came from.
pub(crate) struct Package<'b> {
    file: String,
    kind: SourceKind,
    zip: ZipArchive<Cursor<&'b [u8]>>,
}

impl<'b> Package<'b> {
    pub(crate) fn open(
        file: &str,
        kind: SourceKind,
        bytes: &'b [u8],
    ) -> Result<Package<'b>, ImportError> {
        let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|e| {
            ImportError::corrupt(file, kind, format!("not a readable ZIP package: {e}"))
        })?;
        Ok(Package {
            file: file.to_string(),
            kind,
            zip,
        })
    }

    pub(crate) fn has(&self, name: &str) -> bool {
        self.zip.index_for_name(name).is_some()
    }

    /// The sum of the unpacked sizes the package declares for its parts.
    pub(crate) fn total_declared_size(&mut self) -> u64 {
        (0..self.zip.len())
            .filter_map(|i| self.zip.by_index_raw(i).ok().map(|f| f.size()))
            .fold(0u64, u64::saturating_add)
    }

    /// A part as UTF-8 text, or `None` when the package has no such part.
    pub(crate) fn read_optional(&mut self, name: &str) -> Result<Option<String>, ImportError> {
        let file = self.file.clone();
        let kind = self.kind;
        let mut part = match self.zip.by_name(name) {
            Ok(part) => part,
            Err(ZipError::FileNotFound) => return Ok(None),
            Err(ZipError::UnsupportedArchive(msg)) if msg.to_lowercase().contains("password") => {
                return Err(ImportError::Encrypted { file });
            }
            Err(e) => {
                return Err(ImportError::corrupt(
                    &file,
                    kind,
                    format!("cannot read part '{name}': {e}"),
                ))
            }
        };
        let too_large = || ImportError::TooLargeUnpacked {
            file: file.clone(),
            part: name.to_string(),
            limit: MAX_PART_BYTES,
        };
        if part.size() > MAX_PART_BYTES {
            return Err(too_large());
        }
        let mut bytes = Vec::new();
        // The declared size may lie: never read past the cap whatever it says.
        (&mut part)
            .take(MAX_PART_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                ImportError::corrupt(&file, kind, format!("part '{name}' is damaged: {e}"))
            })?;
        if bytes.len() as u64 > MAX_PART_BYTES {
            return Err(too_large());
        }
        let text = String::from_utf8(bytes).map_err(|_| {
            ImportError::corrupt(&file, kind, format!("part '{name}' is not UTF-8 text"))
        })?;
        Ok(Some(text))
    }

    /// A part that must be there.
    pub(crate) fn read(&mut self, name: &str) -> Result<String, ImportError> {
        self.read_optional(name)?.ok_or_else(|| {
            ImportError::corrupt(
                &self.file,
                self.kind,
                format!("the part '{name}' is missing"),
            )
        })
    }
}

/// The text of an entity or character reference (`&amp;`, `&#233;`) met in
/// an XML part; `None` for an unknown entity.
pub(crate) fn xml_reference(r: &quick_xml::events::BytesRef<'_>) -> Option<String> {
    if let Ok(Some(c)) = r.resolve_char_ref() {
        return Some(c.to_string());
    }
    let name = r.xml10_content();
    quick_xml::escape::resolve_xml_entity(&name).map(str::to_string)
}

/// The value of the attribute with this local name, if the element has it.
pub(crate) fn attribute(e: &quick_xml::events::BytesStart<'_>, local: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == local)
        .map(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .map(|v| v.into_owned())
                .unwrap_or_else(|_| a.value.to_string())
        })
}

/// The text of the first element with this local name in a small XML part
/// (such as `dc:title` in document metadata).
pub(crate) fn first_element_text(xml: &str, local: &str) -> Option<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut inside = false;
    let mut out = String::new();
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) if e.local_name().as_ref() == local => inside = true,
            Event::End(e) if inside && e.local_name().as_ref() == local => {
                return Some(out.trim().to_string()).filter(|t| !t.is_empty());
            }
            Event::Text(t) if inside => out.push_str(&t.xml10_content()),
            Event::GeneralRef(r) if inside => out.extend(xml_reference(&r)),
            Event::Eof => return None,
            _ => {}
        }
    }
}
