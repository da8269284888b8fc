//! What an import brought in, what it converted, and what it had to leave out.
//!
//! The REFI-QDA standard asks importers to tell the user about data loss
//! (§7). [`LossReport`] is that message: counts per imported element,
//! conversions with their reason, unsupported elements with counts, and
//! warnings. It is a plain value; showing it is the caller's business.

use std::collections::BTreeMap;
use std::fmt;

/// Something that was changed on the way in, e.g. offsets re-counted.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Conversion {
    pub what: String,
    pub count: u64,
    pub how: String,
}

/// Something that could not be imported.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Loss {
    pub element: String,
    pub count: u64,
    pub why: String,
}

/// The account of one import.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LossReport {
    /// Element name → number imported, e.g. `"TextSource" → 12`.
    pub imported: BTreeMap<String, u64>,
    pub converted: Vec<Conversion>,
    pub unsupported: Vec<Loss>,
    pub warnings: Vec<String>,
}

impl LossReport {
    /// Number imported of one element ("Code", "Coding", ...), 0 when none.
    pub fn count(&self, element: &str) -> u64 {
        self.imported.get(element).copied().unwrap_or(0)
    }

    /// Total lost of one element, 0 when nothing was lost.
    pub fn lost(&self, element: &str) -> u64 {
        self.unsupported
            .iter()
            .filter(|l| l.element == element)
            .map(|l| l.count)
            .sum()
    }

    /// True when nothing was converted, left out or warned about.
    pub fn is_clean(&self) -> bool {
        self.converted.is_empty() && self.unsupported.is_empty() && self.warnings.is_empty()
    }

    pub(crate) fn set_imported(&mut self, element: &str, n: usize) {
        if n > 0 {
            self.imported.insert(element.to_string(), n as u64);
        }
    }

    pub(crate) fn convert(&mut self, what: impl Into<String>, count: u64, how: impl Into<String>) {
        if count == 0 {
            return;
        }
        let (what, how) = (what.into(), how.into());
        match self
            .converted
            .iter_mut()
            .find(|c| c.what == what && c.how == how)
        {
            Some(c) => c.count += count,
            None => self.converted.push(Conversion { what, count, how }),
        }
    }

    pub(crate) fn lose(&mut self, element: impl Into<String>, count: u64, why: impl Into<String>) {
        if count == 0 {
            return;
        }
        let (element, why) = (element.into(), why.into());
        match self
            .unsupported
            .iter_mut()
            .find(|l| l.element == element && l.why == why)
        {
            Some(l) => l.count += count,
            None => self.unsupported.push(Loss {
                element,
                count,
                why,
            }),
        }
    }

    pub(crate) fn warn(&mut self, w: impl Into<String>) {
        let w = w.into();
        if !self.warnings.contains(&w) {
            self.warnings.push(w);
        }
    }
}

impl fmt::Display for LossReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self
            .imported
            .iter()
            .map(|(k, v)| format!("{v} {k}"))
            .collect();
        if parts.is_empty() {
            writeln!(f, "imported: nothing")?;
        } else {
            writeln!(f, "imported: {}", parts.join(", "))?;
        }
        for c in &self.converted {
            writeln!(f, "converted {} × {}: {}", c.count, c.what, c.how)?;
        }
        for l in &self.unsupported {
            writeln!(f, "not imported {} × {}: {}", l.count, l.element, l.why)?;
        }
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merges_repeated_entries_and_prints_them() {
        let mut r = LossReport::default();
        r.set_imported("Code", 3);
        r.set_imported("Coding", 0);
        r.lose("PictureSelection", 2, "image areas are not supported yet");
        r.lose("PictureSelection", 1, "image areas are not supported yet");
        r.convert("PlainTextSelection", 0, "nothing");
        r.warn("w");
        r.warn("w");
        assert_eq!(r.lost("PictureSelection"), 3);
        assert_eq!(r.count("Code"), 3);
        assert_eq!(r.count("Coding"), 0);
        assert!(r.converted.is_empty());
        assert_eq!(
            r.to_string(),
            "imported: 3 Code\nnot imported 3 × PictureSelection: image areas are not supported yet\nwarning: w\n"
        );
    }
}
