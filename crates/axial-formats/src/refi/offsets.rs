//! Text positions as exporters really write them, and their conversion to
//! Axial's code points over LF-normalised text.
//!
//! The standard counts code points from 0 (REFI-QDA 1.5 §10.2), but NVivo for
//! Windows writes .NET string indices: UTF-16 code units over the raw file
//! with CRLF counted as two (NOTES.md §5). [`SourceText`] holds one text in
//! both forms and converts positions under each [`Unit`]; the importer picks
//! the unit per source and checks every converted span against the text.
//! This module does not decide which unit a file uses.

use std::fmt;

/// How a file counts positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Code points over the text with CRLF read as one LF (the standard, ATLAS.ti, Axial).
    CodePoints,
    /// Code points over the raw text, CRLF counted as two.
    CodePointsCrlf,
    /// UTF-16 code units over the raw text, CRLF counted as two (NVivo for Windows).
    Utf16Crlf,
    /// UTF-16 code units over the text with CRLF read as one LF.
    Utf16,
}

impl Unit {
    pub const ALL: [Unit; 4] = [
        Unit::CodePoints,
        Unit::Utf16Crlf,
        Unit::CodePointsCrlf,
        Unit::Utf16,
    ];
}

impl fmt::Display for Unit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Unit::CodePoints => "Unicode code points",
            Unit::CodePointsCrlf => "Unicode code points with CRLF counted as two",
            Unit::Utf16Crlf => "UTF-16 code units with CRLF counted as two",
            Unit::Utf16 => "UTF-16 code units",
        })
    }
}

/// One source text: the normalised text (BOM removed, CRLF → LF) plus the
/// tables to map positions of the raw text onto it.
#[derive(Debug, Clone)]
pub(crate) struct SourceText {
    /// The text Axial keeps.
    pub text: String,
    pub had_bom: bool,
    pub had_crlf: bool,
    pub has_astral: bool,
    /// For raw code point i (0..=n): UTF-16 offset in the raw text.
    raw_utf16: Vec<u32>,
    /// For raw code point i (0..=n): code point offset in the normalised text.
    raw_to_norm: Vec<u32>,
    /// For normalised code point j (0..=m): UTF-16 offset in the normalised text.
    norm_utf16: Vec<u32>,
}

impl SourceText {
    /// Takes the text as read from the file or the XML.
    pub fn new(raw: &str) -> SourceText {
        let had_bom = raw.starts_with('\u{feff}');
        let raw = raw.strip_prefix('\u{feff}').unwrap_or(raw);
        let chars: Vec<char> = raw.chars().collect();
        let mut text = String::with_capacity(raw.len());
        let mut raw_utf16 = Vec::with_capacity(chars.len() + 1);
        let mut raw_to_norm = Vec::with_capacity(chars.len() + 1);
        let mut norm_utf16 = Vec::with_capacity(chars.len() + 1);
        let (mut u16_raw, mut norm, mut u16_norm) = (0u32, 0u32, 0u32);
        let mut had_crlf = false;
        let mut has_astral = false;
        for (i, &c) in chars.iter().enumerate() {
            raw_utf16.push(u16_raw);
            raw_to_norm.push(norm);
            u16_raw += c.len_utf16() as u32;
            has_astral |= c.len_utf16() == 2;
            if c == '\r' && chars.get(i + 1) == Some(&'\n') {
                had_crlf = true;
                continue;
            }
            norm_utf16.push(u16_norm);
            text.push(c);
            norm += 1;
            u16_norm += c.len_utf16() as u32;
        }
        raw_utf16.push(u16_raw);
        raw_to_norm.push(norm);
        norm_utf16.push(u16_norm);
        SourceText {
            text,
            had_bom,
            had_crlf,
            has_astral,
            raw_utf16,
            raw_to_norm,
            norm_utf16,
        }
    }

    /// Length of the normalised text in code points.
    pub fn char_len(&self) -> u32 {
        (self.norm_utf16.len() - 1) as u32
    }

    /// True when `unit` can give a different answer than [`Unit::CodePoints`].
    pub fn unit_matters(&self, unit: Unit) -> bool {
        match unit {
            Unit::CodePoints => false,
            Unit::CodePointsCrlf => self.had_crlf,
            Unit::Utf16 => self.has_astral,
            Unit::Utf16Crlf => self.had_crlf || self.has_astral,
        }
    }

    /// A position in `unit` as a code point of the normalised text; `None`
    /// when it is past the end or inside a surrogate pair.
    pub fn position(&self, unit: Unit, p: u64) -> Option<u32> {
        let p = u32::try_from(p).ok()?;
        match unit {
            Unit::CodePoints => (p <= self.char_len()).then_some(p),
            Unit::CodePointsCrlf => self.raw_to_norm.get(p as usize).copied(),
            Unit::Utf16Crlf => {
                let i = self.raw_utf16.binary_search(&p).ok()?;
                self.raw_to_norm.get(i).copied()
            }
            Unit::Utf16 => self.norm_utf16.binary_search(&p).ok().map(|j| j as u32),
        }
    }
}

/// The text of `[start, end)` code points of `text` (for checks and tests).
pub(crate) fn slice(text: &str, start: u32, end: u32) -> String {
    text.chars()
        .skip(start as usize)
        .take(end.saturating_sub(start) as usize)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(raw: &str, unit: Unit, range: (u64, u64), want: &str) {
        let t = SourceText::new(raw);
        let a = t.position(unit, range.0).expect("start converts");
        let b = t.position(unit, range.1).expect("end converts");
        assert_eq!(slice(&t.text, a, b), want, "{unit} {range:?} in {raw:?}");
    }

    #[test]
    fn converts_each_unit() {
        let raw = "\u{feff}a😀b\r\nc😀d";
        check(raw, Unit::CodePoints, (1, 5), "😀b\nc");
        check(
            raw,
            Unit::CodePointsCrlf,
            (1, 6),
            "😀b\r\nc".replace('\r', "").as_str(),
        );
        check(raw, Unit::Utf16Crlf, (1, 7), "😀b\nc");
        check(raw, Unit::Utf16Crlf, (7, 10), "😀d");
        check(raw, Unit::Utf16, (1, 6), "😀b\nc");
        let t = SourceText::new(raw);
        assert_eq!(t.text, "a😀b\nc😀d");
        assert!(t.had_bom && t.had_crlf && t.has_astral);
        assert_eq!(t.char_len(), 7);
        assert_eq!(
            t.position(Unit::Utf16Crlf, 2),
            None,
            "inside a surrogate pair"
        );
        assert_eq!(t.position(Unit::CodePoints, 8), None, "past the end");
        assert_eq!(t.position(Unit::CodePoints, u64::MAX), None);
    }

    #[test]
    fn plain_bmp_lf_text_makes_every_unit_agree() {
        let t = SourceText::new("héllo\nwörld");
        for u in Unit::ALL {
            assert!(!t.unit_matters(u));
            assert_eq!(t.position(u, 7), Some(7));
        }
    }
}
