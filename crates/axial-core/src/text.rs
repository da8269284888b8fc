//! Positions in source text.
//!
//! Axial counts positions in Unicode code points (`char`s), `[start, end)`, as
//! REFI-QDA does. Rust strings index by byte and browsers by UTF-16 code unit;
//! [`TextIndex`] is the one place that converts between the three, and it is
//! used only at the edges (slicing a `&str`, talking to the browser).

use std::fmt;
use std::ops::Range;

/// A position in a text, counted in Unicode code points from 0.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(transparent)
)]
pub struct CharOffset(pub u32);

impl fmt::Debug for CharOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Display for CharOffset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Why a pair of positions is not a span of a text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SpanError {
    #[error("span {start}..{end} is empty: the end must be after the start")]
    Empty { start: u32, end: u32 },
    #[error("span {start}..{end} is reversed: the start must come before the end")]
    Reversed { start: u32, end: u32 },
    #[error("span {start}..{end} ends after the end of the text ({len} characters)")]
    OutOfRange { start: u32, end: u32, len: u32 },
    #[error("position {offset} is not a character boundary in {unit}")]
    NotABoundary { offset: usize, unit: &'static str },
}

/// A non-empty range `[start, end)` of code points.
///
/// The only constructors check `start < end`, and [`Span::new`] also checks
/// `end <= len` against the text it belongs to.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(try_from = "RawSpan", into = "RawSpan")
)]
pub struct Span {
    start: CharOffset,
    end: CharOffset,
}

#[cfg(feature = "serde")]
#[derive(serde::Serialize, serde::Deserialize)]
struct RawSpan {
    start: u32,
    end: u32,
}

#[cfg(feature = "serde")]
impl TryFrom<RawSpan> for Span {
    type Error = SpanError;
    fn try_from(r: RawSpan) -> Result<Self, SpanError> {
        Span::unbounded(r.start, r.end)
    }
}

#[cfg(feature = "serde")]
impl From<Span> for RawSpan {
    fn from(s: Span) -> Self {
        RawSpan {
            start: s.start.0,
            end: s.end.0,
        }
    }
}

impl Span {
    /// A span of a text `len` code points long.
    pub fn new(start: u32, end: u32, len: u32) -> Result<Span, SpanError> {
        let span = Span::unbounded(start, end)?;
        span.check_within(len)
    }

    /// A span whose text length is not known here; callers must check it
    /// against its text with [`Span::check_within`] before storing it.
    pub fn unbounded(start: u32, end: u32) -> Result<Span, SpanError> {
        if start == end {
            return Err(SpanError::Empty { start, end });
        }
        if start > end {
            return Err(SpanError::Reversed { start, end });
        }
        Ok(Span {
            start: CharOffset(start),
            end: CharOffset(end),
        })
    }

    /// This span, if it fits in a text of `len` code points.
    pub fn check_within(self, len: u32) -> Result<Span, SpanError> {
        if self.end.0 > len {
            return Err(SpanError::OutOfRange {
                start: self.start.0,
                end: self.end.0,
                len,
            });
        }
        Ok(self)
    }

    pub fn start(&self) -> CharOffset {
        self.start
    }
    pub fn end(&self) -> CharOffset {
        self.end
    }
    /// Number of code points covered (always at least 1).
    pub fn len(&self) -> u32 {
        self.end.0 - self.start.0
    }
    /// Never true; present for the `len` convention.
    pub fn is_empty(&self) -> bool {
        false
    }
    pub fn chars(&self) -> Range<usize> {
        self.start.0 as usize..self.end.0 as usize
    }
    /// True when the two spans share at least one code point.
    pub fn overlaps(&self, other: &Span) -> bool {
        self.start < other.end && other.start < self.end
    }
    /// True when the spans overlap or touch end to start.
    pub fn touches(&self, other: &Span) -> bool {
        self.start <= other.end && other.start <= self.end
    }
    pub fn contains(&self, offset: CharOffset) -> bool {
        self.start <= offset && offset < self.end
    }
    pub fn intersection(&self, other: &Span) -> Option<Span> {
        let start = self.start.max(other.start);
        let end = self.end.min(other.end);
        (start < end).then_some(Span { start, end })
    }
    /// The smallest span covering both.
    pub fn cover(&self, other: &Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    /// Code points between the two spans (0 when they overlap or touch).
    pub fn gap(&self, other: &Span) -> u32 {
        if self.touches(other) {
            0
        } else if self.end <= other.start {
            other.start.0 - self.end.0
        } else {
            self.start.0 - other.end.0
        }
    }
}

impl fmt::Debug for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start.0, self.end.0)
    }
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}..{}", self.start.0, self.end.0)
    }
}

const STRIDE: usize = 64;

/// Converts positions in one text between code points, bytes and UTF-16
/// code units in O(1) plus at most 64 characters of scanning.
#[derive(Debug, Clone)]
pub struct TextIndex {
    char_len: u32,
    ascii: bool,
    /// Byte offset of every `STRIDE`th code point (index k → char k*STRIDE).
    bytes_at: Vec<usize>,
    /// UTF-16 offset of every `STRIDE`th code point.
    utf16_at: Vec<usize>,
}

impl TextIndex {
    pub fn new(text: &str) -> TextIndex {
        if text.is_ascii() {
            return TextIndex {
                char_len: text.len() as u32,
                ascii: true,
                bytes_at: Vec::new(),
                utf16_at: Vec::new(),
            };
        }
        let mut bytes_at = Vec::with_capacity(text.len() / STRIDE + 1);
        let mut utf16_at = Vec::with_capacity(text.len() / STRIDE + 1);
        let mut n = 0usize;
        let mut u16 = 0usize;
        for (b, c) in text.char_indices() {
            if n.is_multiple_of(STRIDE) {
                bytes_at.push(b);
                utf16_at.push(u16);
            }
            n += 1;
            u16 += c.len_utf16();
        }
        TextIndex {
            char_len: n as u32,
            ascii: false,
            bytes_at,
            utf16_at,
        }
    }

    /// Length of the text in code points.
    pub fn char_len(&self) -> u32 {
        self.char_len
    }

    /// Byte offset of a code-point position (`char_len` maps to the byte length).
    pub fn byte_of(&self, text: &str, c: CharOffset) -> usize {
        let c = c.0 as usize;
        if self.ascii {
            return c.min(text.len());
        }
        if c >= self.char_len as usize {
            return text.len();
        }
        let k = c / STRIDE;
        let from = self.bytes_at[k];
        let skip = c - k * STRIDE;
        match text[from..].char_indices().nth(skip) {
            Some((b, _)) => from + b,
            None => text.len(),
        }
    }

    /// Code-point position of a byte offset, which must be a char boundary.
    pub fn char_of_byte(&self, text: &str, byte: usize) -> Result<CharOffset, SpanError> {
        if byte > text.len() || !text.is_char_boundary(byte) {
            return Err(SpanError::NotABoundary {
                offset: byte,
                unit: "bytes",
            });
        }
        if self.ascii {
            return Ok(CharOffset(byte as u32));
        }
        let k = self
            .bytes_at
            .partition_point(|&b| b <= byte)
            .saturating_sub(1);
        let from = self.bytes_at.get(k).copied().unwrap_or(0);
        let n = text[from..byte].chars().count();
        Ok(CharOffset((k * STRIDE + n) as u32))
    }

    /// The slice of `text` a span covers.
    pub fn slice<'t>(&self, text: &'t str, span: Span) -> &'t str {
        let a = self.byte_of(text, span.start());
        let b = self.byte_of(text, span.end());
        &text[a..b]
    }

    /// UTF-16 offset (what a browser counts) of a code-point position.
    pub fn utf16_of(&self, text: &str, c: CharOffset) -> usize {
        let c = (c.0 as usize).min(self.char_len as usize);
        if self.ascii {
            return c;
        }
        if self.bytes_at.is_empty() {
            return 0;
        }
        let k = (c / STRIDE).min(self.bytes_at.len() - 1);
        let mut u = self.utf16_at[k];
        let from = self.bytes_at[k];
        for ch in text[from..].chars().take(c - k * STRIDE) {
            u += ch.len_utf16();
        }
        u
    }

    /// Code-point position of a UTF-16 offset; an offset inside a surrogate
    /// pair is an error.
    pub fn char_of_utf16(&self, text: &str, u: usize) -> Result<CharOffset, SpanError> {
        if self.ascii {
            if u > text.len() {
                return Err(SpanError::NotABoundary {
                    offset: u,
                    unit: "UTF-16 code units",
                });
            }
            return Ok(CharOffset(u as u32));
        }
        let k = self.utf16_at.partition_point(|&x| x <= u).saturating_sub(1);
        let mut at = self.utf16_at.get(k).copied().unwrap_or(0);
        let mut n = k * STRIDE;
        let from = self.bytes_at.get(k).copied().unwrap_or(0);
        for ch in text[from..].chars() {
            if at >= u {
                break;
            }
            at += ch.len_utf16();
            n += 1;
        }
        if at != u {
            return Err(SpanError::NotABoundary {
                offset: u,
                unit: "UTF-16 code units",
            });
        }
        Ok(CharOffset(n as u32))
    }
}

/// Line starts of a text (lines end at `\n`), for line numbers and
/// line-by-line coding.
#[derive(Debug, Clone)]
pub struct LineIndex {
    /// Code-point offset where each line starts.
    starts: Vec<u32>,
    char_len: u32,
    ends_with_newline: bool,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut starts = vec![0u32];
        let mut n = 0u32;
        for c in text.chars() {
            n += 1;
            if c == '\n' {
                starts.push(n);
            }
        }
        let ends_with_newline = text.ends_with('\n');
        // A final newline does not open an empty last line.
        if ends_with_newline {
            starts.pop();
        }
        LineIndex {
            starts,
            char_len: n,
            ends_with_newline,
        }
    }

    /// Number of lines (an empty text has one empty line).
    pub fn count(&self) -> usize {
        self.starts.len()
    }

    /// 0-based line holding a position.
    pub fn line_of(&self, c: CharOffset) -> usize {
        self.starts.partition_point(|&s| s <= c.0).saturating_sub(1)
    }

    /// The code points `[start, end)` of a 0-based line, without its line break.
    pub fn line_range(&self, line: usize) -> Option<(u32, u32)> {
        let start = *self.starts.get(line)?;
        let end = match self.starts.get(line + 1) {
            Some(next) => next - 1,
            None if self.ends_with_newline => self.char_len - 1,
            None => self.char_len,
        };
        Some((start, end))
    }

    /// The span of lines `first..=last` (0-based), without the final line break;
    /// `None` when the lines are out of range or hold no characters.
    pub fn span_of_lines(&self, first: usize, last: usize) -> Option<Span> {
        if first > last || last >= self.count() {
            return None;
        }
        let (a, _) = self.line_range(first)?;
        let (_, b) = self.line_range(last)?;
        Span::new(a, b, self.char_len).ok()
    }

    pub fn starts(&self) -> &[u32] {
        &self.starts
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(text: &str) {
        let ix = TextIndex::new(text);
        assert_eq!(ix.char_len() as usize, text.chars().count());
        let mut u16 = 0;
        for (n, (b, c)) in text.char_indices().enumerate() {
            assert_eq!(ix.byte_of(text, CharOffset(n as u32)), b, "byte of {n}");
            assert_eq!(ix.char_of_byte(text, b).unwrap(), CharOffset(n as u32));
            assert_eq!(ix.utf16_of(text, CharOffset(n as u32)), u16, "utf16 of {n}");
            assert_eq!(ix.char_of_utf16(text, u16).unwrap(), CharOffset(n as u32));
            u16 += c.len_utf16();
        }
        let n = ix.char_len();
        assert_eq!(ix.byte_of(text, CharOffset(n)), text.len());
        assert_eq!(ix.utf16_of(text, CharOffset(n)), u16);
        assert_eq!(ix.char_of_utf16(text, u16).unwrap(), CharOffset(n));
    }

    #[test]
    fn offsets_on_hard_text() {
        // Astral emoji (surrogate pairs in UTF-16), combining accents,
        // right-to-left scripts, CRLF, and long runs to cross the stride.
        round_trip("");
        round_trip("plain ascii\r\nwith CRLF\r\n");
        round_trip("Zoë said 😀 then e\u{301} and 👩‍⚕️ nurse");
        round_trip("שלום עולם and مرحبا بالعالم in one line");
        let long: String = (0..500)
            .map(|i| {
                if i % 7 == 0 {
                    "🙂"
                } else if i % 5 == 0 {
                    "é"
                } else {
                    "a"
                }
            })
            .collect();
        round_trip(&long);
    }

    #[test]
    fn utf16_inside_surrogate_pair_is_rejected() {
        let t = "a😀b";
        let ix = TextIndex::new(t);
        assert!(ix.char_of_utf16(t, 2).is_err());
        assert_eq!(ix.char_of_utf16(t, 3).unwrap(), CharOffset(2));
    }

    #[test]
    fn slicing_spans() {
        let t = "Zoë 😀 שלום\r\nend";
        let ix = TextIndex::new(t);
        let s = Span::new(4, 10, ix.char_len()).unwrap();
        assert_eq!(ix.slice(t, s), "😀 שלום");
        let s = Span::new(10, 15, ix.char_len()).unwrap();
        assert_eq!(ix.slice(t, s), "\r\nend");
    }

    #[test]
    fn span_invariants() {
        assert_eq!(
            Span::new(3, 3, 10),
            Err(SpanError::Empty { start: 3, end: 3 })
        );
        assert_eq!(
            Span::new(5, 3, 10),
            Err(SpanError::Reversed { start: 5, end: 3 })
        );
        assert_eq!(
            Span::new(5, 11, 10),
            Err(SpanError::OutOfRange {
                start: 5,
                end: 11,
                len: 10
            })
        );
        let s = Span::new(0, 10, 10).unwrap();
        assert_eq!(s.len(), 10);
        let a = Span::new(0, 5, 10).unwrap();
        let b = Span::new(5, 8, 10).unwrap();
        assert!(!a.overlaps(&b));
        assert!(a.touches(&b));
        assert_eq!(a.gap(&b), 0);
        assert_eq!(a.intersection(&b), None);
        let c = Span::new(7, 9, 10).unwrap();
        assert_eq!(a.gap(&c), 2);
        assert_eq!(c.gap(&a), 2);
    }

    #[test]
    fn lines() {
        let t = "one\ntwo 😀\n\nfour\n";
        let li = LineIndex::new(t);
        assert_eq!(li.count(), 4);
        assert_eq!(li.line_of(CharOffset(0)), 0);
        assert_eq!(li.line_of(CharOffset(4)), 1);
        assert_eq!(li.line_of(CharOffset(10)), 2);
        assert_eq!(li.line_of(CharOffset(11)), 3);
        let ix = TextIndex::new(t);
        let s = li.span_of_lines(1, 1).unwrap();
        assert_eq!(ix.slice(t, s), "two 😀");
        let s = li.span_of_lines(0, 3).unwrap();
        assert_eq!(ix.slice(t, s), "one\ntwo 😀\n\nfour");
        assert!(
            li.span_of_lines(2, 2).is_none(),
            "an empty line holds no characters"
        );
        assert!(li.span_of_lines(3, 4).is_none());
        let t = "no newline at end";
        let li = LineIndex::new(t);
        assert_eq!(li.count(), 1);
        assert_eq!(li.span_of_lines(0, 0).unwrap().len(), 17);
    }
}
