//! The `.qdpx` container: a ZIP holding one `.qde` and a flat `sources/`
//! folder. Reading checks every entry before anything is unpacked (names that
//! could escape a folder, encryption, entry count, declared sizes and
//! compression ratios) and re-checks actual sizes while unpacking; writing
//! produces a deterministic archive (fixed timestamps and permissions).
//! This module does not interpret the XML or the texts.

use std::collections::HashMap;
use std::io::{Read, Seek, Write};

use axial_core::{Source, SourceId};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

use super::export::{self, TextFacts};
use super::{Bundle, Limits, RefiError};

/// Entries smaller than this are never judged by their compression ratio.
const RATIO_FLOOR: u64 = 1 << 20;

/// The result of looking up an internal file.
pub(crate) enum Fetched {
    Found { entry: String, bytes: Vec<u8> },
    Missing(String),
}

/// Where the importer gets source files from.
pub(crate) trait Files {
    /// Looks up a `plainTextPath`/`path` value.
    fn fetch(&mut self, path: &str) -> Result<Fetched, RefiError>;
}

/// A bare `.qde`: no files at all.
pub(crate) struct NoFiles;

impl Files for NoFiles {
    fn fetch(&mut self, _path: &str) -> Result<Fetched, RefiError> {
        Ok(Fetched::Missing(
            "a bare .qde file carries no source files".into(),
        ))
    }
}

/// An opened, pre-checked archive.
pub(crate) struct Archive<R: Read + Seek> {
    zip: ZipArchive<R>,
    /// Entry names, lower-cased with `/` separators, by index.
    names: Vec<String>,
    /// Index of each name (the first entry of a name wins).
    by_name: HashMap<String, usize>,
    /// Index of each file name directly in `sources/` or at the root, for
    /// lookups by base name (the first wins).
    by_base: HashMap<String, usize>,
    limits: Limits,
    unpacked: u64,
}

/// Why a name could write outside the folder it is unpacked into.
fn unsafe_name(name: &str) -> Option<&'static str> {
    if name.contains('\0') {
        return Some("contains a NUL character");
    }
    if name.starts_with('/') || name.starts_with('\\') {
        return Some("is an absolute path");
    }
    let b = name.as_bytes();
    if b.len() >= 2 && b[1] == b':' {
        return Some("is an absolute path with a drive letter");
    }
    if name.split(['/', '\\']).any(|c| c == "..") {
        return Some("climbs out of its folder with '..'");
    }
    None
}

impl<R: Read + Seek> Archive<R> {
    pub fn open(r: R, limits: &Limits) -> Result<Archive<R>, RefiError> {
        let mut zip = ZipArchive::new(r)?;
        if zip.len() > limits.max_entries {
            return Err(RefiError::TooManyEntries {
                count: zip.len(),
                max: limits.max_entries,
            });
        }
        let mut names = Vec::with_capacity(zip.len());
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let f = zip.by_index_raw(i)?;
            let name = f.name()?.to_string();
            if let Some(why) = unsafe_name(&name) {
                return Err(RefiError::UnsafeEntryName { name, why });
            }
            if f.encrypted() {
                return Err(RefiError::Encrypted { name });
            }
            let size = f.size();
            if size > limits.max_entry_uncompressed {
                return Err(RefiError::EntryTooLarge {
                    name,
                    size,
                    max: limits.max_entry_uncompressed,
                });
            }
            total = total.saturating_add(size);
            if total > limits.max_total_uncompressed {
                return Err(RefiError::TotalTooLarge {
                    max: limits.max_total_uncompressed,
                });
            }
            let ratio = size / f.compressed_size().max(1);
            if size > RATIO_FLOOR && ratio > limits.max_ratio {
                return Err(RefiError::CompressionRatio {
                    name,
                    ratio,
                    max: limits.max_ratio,
                });
            }
            names.push(name.replace('\\', "/").to_lowercase());
        }
        // Looked up once per source: maps, not scans (200,000 sources).
        let mut by_name = HashMap::with_capacity(names.len());
        let mut by_base = HashMap::new();
        for (i, n) in names.iter().enumerate() {
            by_name.entry(n.clone()).or_insert(i);
            let base = match n.rsplit_once('/') {
                Some(("sources", file)) => Some(file),
                Some(_) => None,
                None => Some(n.as_str()),
            };
            if let Some(b) = base {
                by_base.entry(b.to_string()).or_insert(i);
            }
        }
        Ok(Archive {
            zip,
            names,
            by_name,
            by_base,
            limits: *limits,
            unpacked: 0,
        })
    }

    /// Unpacks one entry, enforcing the limits on the bytes actually produced.
    fn read(&mut self, i: usize) -> Result<(String, Vec<u8>), RefiError> {
        let mut f = self.zip.by_index(i)?;
        let name = f.name()?.to_string();
        let compressed = f.compressed_size().max(1);
        let max = self.limits.max_entry_uncompressed;
        let mut bytes = Vec::new();
        (&mut f)
            .take(max + 1)
            .read_to_end(&mut bytes)
            .map_err(|e| RefiError::NotZip {
                detail: format!("entry '{name}' cannot be unpacked: {e}"),
            })?;
        let size = bytes.len() as u64;
        if size > max {
            return Err(RefiError::EntryTooLarge { name, size, max });
        }
        if size > RATIO_FLOOR && size / compressed > self.limits.max_ratio {
            return Err(RefiError::CompressionRatio {
                name,
                ratio: size / compressed,
                max: self.limits.max_ratio,
            });
        }
        self.unpacked += size;
        if self.unpacked > self.limits.max_total_uncompressed {
            return Err(RefiError::TotalTooLarge {
                max: self.limits.max_total_uncompressed,
            });
        }
        Ok((name, bytes))
    }

    /// The project XML: `project.qde` at the root, or the only `.qde` there.
    pub fn project_xml(&mut self) -> Result<(String, Vec<u8>), RefiError> {
        let at_root: Vec<usize> = (0..self.names.len())
            .filter(|&i| !self.names[i].contains('/') && self.names[i].ends_with(".qde"))
            .collect();
        let pick = match at_root.iter().find(|&&i| self.names[i] == "project.qde") {
            Some(&i) => i,
            None => match at_root.as_slice() {
                [] => return Err(RefiError::NoProjectFile),
                [i] => *i,
                more => {
                    let names = more
                        .iter()
                        .map(|&i| self.names[i].clone())
                        .collect::<Vec<_>>()
                        .join(", ");
                    return Err(RefiError::SeveralProjectFiles { names });
                }
            },
        };
        if self.zip.by_index_raw(pick)?.size() > self.limits.max_xml_bytes {
            let size = self.zip.by_index_raw(pick)?.size();
            return Err(RefiError::XmlTooLarge {
                entry: self.names[pick].clone(),
                size,
                max: self.limits.max_xml_bytes,
            });
        }
        self.read(pick)
    }
}

impl<R: Read + Seek> Files for Archive<R> {
    fn fetch(&mut self, path: &str) -> Result<Fetched, RefiError> {
        let p = path.trim();
        let lower = p.to_lowercase();
        let rest = if let Some(r) = lower.strip_prefix("internal://") {
            r.trim_start_matches('/').to_string()
        } else if lower.starts_with("relative://") || lower.starts_with("absolute://") {
            return Ok(Fetched::Missing(format!(
                "'{p}' is an external file, not inside the archive"
            )));
        } else if let Some((scheme, _)) = lower.split_once("://") {
            return Ok(Fetched::Missing(format!(
                "'{p}' uses the unknown scheme '{scheme}://'"
            )));
        } else {
            lower.trim_start_matches('/').to_string()
        };
        let rest = rest.replace('\\', "/");
        let base = rest.rsplit('/').next().unwrap_or(&rest).to_string();
        let in_sources = format!("sources/{rest}");
        // The first entry that is either name, as a scan would find it.
        let exact = match (self.by_name.get(&in_sources), self.by_name.get(&rest)) {
            (Some(&a), Some(&b)) => Some(a.min(b)),
            (a, b) => a.or(b).copied(),
        };
        match exact.or_else(|| self.by_base.get(&base).copied()) {
            Some(i) => {
                let (entry, bytes) = self.read(i)?;
                Ok(Fetched::Found { entry, bytes })
            }
            None => Ok(Fetched::Missing(format!("'{p}' is not in the archive"))),
        }
    }
}

/// Writes `project.qde` (the XML streamed into the entry as it is produced),
/// then `sources/<GUID>.txt` for each source in bundle order, deflated, with
/// fixed timestamps so the same input always gives the same bytes. Each text
/// is asked of `texts` when its entry is written and dropped after it, so
/// at most one text is held here at a time.
pub(crate) fn write<S, F, T>(
    mut zip: ZipWriter<S>,
    b: &Bundle,
    facts: &HashMap<SourceId, TextFacts>,
    mut texts: F,
) -> Result<S, RefiError>
where
    S: Write + Seek,
    F: FnMut(&Source) -> Result<T, RefiError>,
    T: AsRef<str>,
{
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::DEFAULT)
        .unix_permissions(0o644);
    let werr = |e: &dyn std::fmt::Display| RefiError::Write {
        detail: e.to_string(),
    };
    zip.start_file("project.qde", opts).map_err(|e| werr(&e))?;
    export::write_xml(b, facts, &mut zip)?;
    for s in &b.sources {
        let text = texts(s)?;
        let text = text.as_ref();
        let f = facts.get(&s.id).ok_or_else(|| RefiError::Export {
            detail: format!("source '{}' ({}) has no text", s.name, s.id),
        })?;
        if !f.fits(text) {
            return Err(RefiError::Export {
                detail: format!(
                    "the text of source '{}' changed while it was being exported; export again",
                    s.name
                ),
            });
        }
        zip.start_file(format!("sources/{}", export::text_file(s.id)), opts)
            .map_err(|e| werr(&e))?;
        zip.write_all(f.written(text).as_bytes())
            .map_err(|e| werr(&e))?;
    }
    zip.finish().map_err(|e| werr(&e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_escape_are_unsafe() {
        for bad in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "\\x",
            "C:/x",
            "a\\..\\x",
            "a\0b",
        ] {
            assert!(unsafe_name(bad).is_some(), "{bad}");
        }
        for ok in ["project.qde", "sources/a.txt", "Sources/..a.txt", "a..b/c"] {
            assert_eq!(unsafe_name(ok), None, "{ok}");
        }
    }
}
