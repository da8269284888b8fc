//! The coded layout of a source: its text split into numbered lines, speaker
//! turn starts marked, and every coding clipped to each line it touches,
//! with offsets in code points and in UTF-16 code units relative to the line.
//!
//! This is the heavy lifting behind the browser reader, done once on the
//! server so the browser only paints. Margin lanes (which column a coding's
//! stripe occupies) are assigned over the whole source, so they stay stable
//! when the reader pages through a long transcript. This module does no IO
//! beyond reading the source, its codings and codes through the store, and
//! knows nothing of HTTP.
//!
//! For blind coding ([`App::source_layout_for`] with a coder) the layout
//! holds only that coder's codings, so a coder's view hides the others'
//! until the agreement comparison is run; lanes and counts are then those of
//! the coder's own codings.

use std::collections::HashMap;

use axial_core::{
    CharOffset, Code, CodeId, Coding, CodingId, Project, Source, SourceId, Span, UserId,
};
use axial_store::CodingFilter;
use serde::Serialize;

use crate::texts::LoadedText;
use crate::{App, AppError};

/// Which lines to lay out, counted from 1, both inclusive; `None` means from
/// the first line / to the last.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LayoutRange {
    pub from_line: Option<usize>,
    pub to_line: Option<usize>,
}

/// A code that has codings in the source.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LayoutCode {
    pub id: CodeId,
    pub name: String,
    pub color: String,
    /// Codings of this code in the source.
    pub codings: usize,
}

/// The laid-out lines of one source (or of a window of its lines).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct SourceLayout {
    pub source: SourceId,
    pub name: String,
    /// Length of the whole text in code points and in UTF-16 code units.
    pub char_len: u32,
    pub utf16_len: usize,
    /// Lines in the whole text.
    pub line_count: usize,
    /// The window returned, counted from 1, inclusive (`to_line < from_line`
    /// when the window is empty).
    pub from_line: usize,
    pub to_line: usize,
    /// Margin lanes needed by the whole source.
    pub lanes: usize,
    /// Codes used in the source, in order of first use.
    pub codes: Vec<LayoutCode>,
    pub lines: Vec<LayoutLine>,
}

/// One line of text, without its line break (and without a `\r` before it).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LayoutLine {
    /// Counted from 1.
    pub number: usize,
    /// Code points `[start, end)` of the line's text in the source.
    pub start: u32,
    pub end: u32,
    /// UTF-16 offset of `start` in the source (what a browser counts).
    pub start_utf16: usize,
    pub text: String,
    /// Index of the speaker turn the line belongs to, if any.
    pub turn: Option<usize>,
    /// The speaker, on the line where their turn starts.
    pub speaker: Option<String>,
    pub segments: Vec<LineSegment>,
}

/// The part of one coding that lies on one line. Offsets are relative to
/// the line start; `start == end` when the coding covers only the line's
/// break (or an empty line), which keeps its margin stripe continuous.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LineSegment {
    pub coding: CodingId,
    pub code: CodeId,
    pub code_name: String,
    pub color: String,
    /// Margin column of this coding's stripe.
    pub lane: usize,
    pub start: u32,
    pub end: u32,
    pub start_utf16: usize,
    pub end_utf16: usize,
    /// The coding starts on this line.
    pub first: bool,
    /// The coding ends on this line.
    pub last: bool,
}

impl App {
    /// The coded layout of a source, or of a window of its lines, with every
    /// coder's codings.
    pub async fn source_layout(
        &self,
        project: &Project,
        source: SourceId,
        range: LayoutRange,
    ) -> Result<SourceLayout, AppError> {
        self.source_layout_for(project, source, range, None).await
    }

    /// Like [`App::source_layout`], but with `coder` given only that coder's
    /// codings are laid out (blind coding: the others' stay hidden).
    pub async fn source_layout_for(
        &self,
        project: &Project,
        source: SourceId,
        range: LayoutRange,
        coder: Option<UserId>,
    ) -> Result<SourceLayout, AppError> {
        let source = self.store.source(source).await?;
        if source.project != project.id {
            return Err(AppError::NotFound {
                what: "source",
                name: source.id.to_string(),
                hint: format!("it is not in project '{}'", project.name),
            });
        }
        let text = self.text(&source).await?;
        let filter = CodingFilter {
            coders: coder.into_iter().collect(),
            ..CodingFilter::source(source.id)
        };
        let codings = self.store.codings(project.id, &filter).await?;
        let codes = self.store.codes(project.id).await?;
        tokio::task::spawn_blocking(move || layout_source(&source, &text, &codings, &codes, range))
            .await
            .map_err(|e| AppError::Internal(format!("layout stopped: {e}")))
    }

    /// Converts a browser's UTF-16 range in a source to a code-point span
    /// (the one conversion point for the browser: [`axial_core::TextIndex`]).
    pub async fn span_of_utf16(
        &self,
        source: &Source,
        start: usize,
        end: usize,
    ) -> Result<Span, AppError> {
        let text = self.text(source).await?;
        let a = text.index.char_of_utf16(&text.text, start)?;
        let b = text.index.char_of_utf16(&text.text, end)?;
        Ok(Span::new(a.0, b.0, text.char_len())?)
    }
}

/// Lays out `source` (pure: everything it needs is passed in). `codings`
/// must all belong to the source; `codes` may hold the whole code book.
pub fn layout_source(
    source: &Source,
    text: &LoadedText,
    codings: &[Coding],
    codes: &[Code],
    range: LayoutRange,
) -> SourceLayout {
    let code_by_id: HashMap<CodeId, &Code> = codes.iter().map(|c| (c.id, c)).collect();
    let mut sorted: Vec<&Coding> = codings.iter().filter(|c| c.source == source.id).collect();
    sorted.sort_by_key(|c| (c.span.start(), std::cmp::Reverse(c.span.end()), c.id));

    // Lanes: greedy interval colouring in start order, lowest free lane first.
    let mut lane_of: HashMap<CodingId, usize> = HashMap::with_capacity(sorted.len());
    let mut lane_end: Vec<u32> = Vec::new();
    let lines = &text.lines;
    for c in &sorted {
        // Stripes cover whole lines, so lanes are allocated by line.
        let first = lines.line_of(c.span.start());
        let last = lines.line_of(CharOffset(c.span.end().0 - 1));
        let lane = match lane_end.iter().position(|&end| (end as usize) < first) {
            Some(l) => l,
            None => {
                lane_end.push(0);
                lane_end.len() - 1
            }
        };
        lane_end[lane] = last as u32;
        lane_of.insert(c.id, lane);
    }

    let mut used: Vec<LayoutCode> = Vec::new();
    let mut used_at: HashMap<CodeId, usize> = HashMap::new();
    for c in &sorted {
        match used_at.get(&c.code) {
            Some(&i) => used[i].codings += 1,
            None => {
                let (name, color) = code_label(&code_by_id, c.code);
                used_at.insert(c.code, used.len());
                used.push(LayoutCode {
                    id: c.code,
                    name,
                    color,
                    codings: 1,
                });
            }
        }
    }

    let count = lines.count();
    let from = range.from_line.unwrap_or(1).max(1);
    let to = range.to_line.unwrap_or(count).min(count);
    let mut out = Vec::with_capacity(to.saturating_sub(from) + 1);
    let raw = &text.text;
    let index = &text.index;
    let turns = &source.structure.turns;
    let mut turn_ix = 0usize;
    let mut next = 0usize;
    let mut active: Vec<&Coding> = Vec::new();
    for number in from..=to {
        let Some((ls, le_raw)) = lines.line_range(number - 1) else {
            break;
        };
        let full_end = lines
            .starts()
            .get(number)
            .copied()
            .unwrap_or(text.char_len());
        let b0 = index.byte_of(raw, CharOffset(ls));
        let b1 = index.byte_of(raw, CharOffset(le_raw));
        let mut line_text = &raw[b0..b1];
        let mut le = le_raw;
        if let Some(t) = line_text.strip_suffix('\r') {
            line_text = t;
            le -= 1;
        }
        let start_utf16 = index.utf16_of(raw, CharOffset(ls));

        // Codings touching [ls, full_end) — or the empty line at ls.
        while next < sorted.len()
            && (sorted[next].span.start().0 < full_end || sorted[next].span.start().0 <= ls)
        {
            active.push(sorted[next]);
            next += 1;
        }
        active.retain(|c| c.span.end().0 > ls);
        let mut segments = Vec::with_capacity(active.len());
        for c in &active {
            let a = c.span.start().0.max(ls).min(le);
            let b = c.span.end().0.min(le).max(a);
            let (code_name, color) = code_label(&code_by_id, c.code);
            segments.push(LineSegment {
                coding: c.id,
                code: c.code,
                code_name,
                color,
                lane: lane_of.get(&c.id).copied().unwrap_or(0),
                start: a - ls,
                end: b - ls,
                start_utf16: index.utf16_of(raw, CharOffset(a)) - start_utf16,
                end_utf16: index.utf16_of(raw, CharOffset(b)) - start_utf16,
                first: c.span.start().0 >= ls,
                last: c.span.end().0 <= full_end,
            });
        }

        // Turns: the one covering the line start, or starting on the line.
        while turn_ix < turns.len() && turns[turn_ix].span.end().0 <= ls {
            turn_ix += 1;
        }
        let (turn, speaker) = match turns.get(turn_ix) {
            Some(t) if t.span.start().0 < full_end.max(ls + 1) => {
                let starts_here = t.span.start().0 >= ls;
                (Some(turn_ix), starts_here.then(|| t.speaker.clone()))
            }
            _ => (None, None),
        };
        out.push(LayoutLine {
            number,
            start: ls,
            end: le,
            start_utf16,
            text: line_text.to_string(),
            turn,
            speaker,
            segments,
        });
    }

    SourceLayout {
        source: source.id,
        name: source.name.clone(),
        char_len: text.char_len(),
        utf16_len: index.utf16_of(raw, CharOffset(text.char_len())),
        line_count: count,
        from_line: from,
        to_line: to,
        lanes: lane_end.len(),
        codes: used,
        lines: out,
    }
}

fn code_label(codes: &HashMap<CodeId, &Code>, id: CodeId) -> (String, String) {
    match codes.get(&id) {
        Some(c) => (c.name.clone(), c.color.to_string()),
        None => (String::from("(deleted code)"), String::from("#7f7f7f")),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use axial_core::{Color, ContentHash, ProjectId, SourceKind, Structure, Turn, UserId, Version};

    use super::*;

    fn source(text: &str, turns: Vec<Turn>) -> (Source, LoadedText) {
        let loaded = LoadedText::new(Arc::from(text));
        let s = Source {
            id: SourceId::new(),
            project: ProjectId::new(),
            name: "interview".into(),
            kind: SourceKind::Text,
            content_hash: ContentHash([0; 32]),
            char_len: loaded.char_len(),
            imported_at: axial_core::now(),
            imported_by: UserId::new(),
            case: None,
            description: String::new(),
            structure: std::sync::Arc::new(Structure {
                turns,
                ..Default::default()
            }),
            revision_of: None,
            version: Version::FIRST,
        };
        (s, loaded)
    }

    fn code(name: &str) -> Code {
        Code {
            id: CodeId::new(),
            project: ProjectId::new(),
            parent: None,
            name: name.into(),
            color: Color::palette(0),
            description: String::new(),
            inclusion: String::new(),
            exclusion: String::new(),
            example: String::new(),
            codable: true,
            created_by: UserId::new(),
            created_at: axial_core::now(),
            version: Version::FIRST,
        }
    }

    fn coding(s: &Source, c: &Code, a: u32, b: u32) -> Coding {
        Coding {
            id: CodingId::new(),
            project: s.project,
            source: s.id,
            code: c.id,
            span: Span::unbounded(a, b).expect("test spans are non-empty"),
            coder: UserId::new(),
            created_at: axial_core::now(),
            version: Version::FIRST,
        }
    }

    /// Renders a layout as one row per line: `number|text|segments` where a
    /// segment is `code[start..end u16 a..b lane first/last]`.
    fn render(l: &SourceLayout) -> String {
        let mut out = format!(
            "lines {}..={} of {}, lanes {}\n",
            l.from_line, l.to_line, l.line_count, l.lanes
        );
        for line in &l.lines {
            out.push_str(&format!(
                "{}@{}/{}|{}|",
                line.number, line.start, line.start_utf16, line.text
            ));
            if let Some(sp) = &line.speaker {
                out.push_str(&format!("<{sp}>"));
            }
            for s in &line.segments {
                out.push_str(&format!(
                    " {}[{}..{} u16 {}..{} L{}{}{}]",
                    s.code_name,
                    s.start,
                    s.end,
                    s.start_utf16,
                    s.end_utf16,
                    s.lane,
                    if s.first { " first" } else { "" },
                    if s.last { " last" } else { "" }
                ));
            }
            out.push('\n');
        }
        out
    }

    fn check(
        text: &str,
        turns: Vec<Turn>,
        spans: &[(&str, u32, u32)],
        range: LayoutRange,
        expect: &str,
    ) {
        let (s, loaded) = source(text, turns);
        let mut codes: Vec<Code> = Vec::new();
        let mut codings = Vec::new();
        for (name, a, b) in spans {
            if !codes.iter().any(|c| c.name == *name) {
                codes.push(code(name));
            }
            let c = codes.iter().find(|c| c.name == *name).expect("just pushed");
            codings.push(coding(&s, c, *a, *b));
        }
        let got = render(&layout_source(&s, &loaded, &codings, &codes, range));
        assert_eq!(got, expect, "\n--- got ---\n{got}");
    }

    #[test]
    fn clips_codings_to_lines_with_utf16_offsets() {
        // "😀" is one code point but two UTF-16 units; CRLF keeps the \r out of the text.
        check(
            "I: hi 😀 there\r\nR: well\n\nend",
            vec![],
            &[("joy", 6, 13), ("talk", 3, 20), ("end", 21, 24)],
            LayoutRange::default(),
            concat!(
                "lines 1..=4 of 4, lanes 2\n",
                "1@0/0|I: hi 😀 there| talk[3..13 u16 3..14 L0 first] joy[6..13 u16 6..14 L1 first last]\n",
                "2@15/16|R: well| talk[0..5 u16 0..5 L0 last] end[6..7 u16 6..7 L1 first]\n",
                "3@23/24|| end[0..0 u16 0..0 L1 last]\n",
                "4@24/25|end|\n",
            ),
        );
    }

    #[test]
    fn pages_keep_lanes_and_mark_turns() {
        let text = "A: one\ntwo\nB: three\nfour\n";
        let turns = vec![
            Turn {
                span: Span::unbounded(0, 11).expect("span"),
                speaker: "A".into(),
                start_ms: None,
                end_ms: None,
            },
            Turn {
                span: Span::unbounded(11, 25).expect("span"),
                speaker: "B".into(),
                start_ms: None,
                end_ms: None,
            },
        ];
        check(
            text,
            turns,
            &[("x", 0, 9), ("y", 3, 6), ("z", 14, 18)],
            LayoutRange {
                from_line: Some(2),
                to_line: Some(9),
            },
            concat!(
                "lines 2..=4 of 4, lanes 2\n",
                "2@7/7|two| x[0..2 u16 0..2 L0 last]\n",
                "3@11/11|B: three|<B> z[3..7 u16 3..7 L0 first last]\n",
                "4@20/20|four|\n",
            ),
        );
    }
}
