//! Report writers: a small document model ([`Document`] of [`Block`]s) written
//! to DOCX, HTML and Markdown, and a [`Table`] written to CSV and XLSX.
//!
//! The app decides what a theme report, a codebook or a segment export
//! contains and builds these values; this module only lays them out. It does
//! not compute statistics or draw charts: an SVG chart arrives as finished
//! markup (from `axial-analysis`) and is embedded in HTML only (DOCX and
//! Markdown list the chart's data as a table instead, when the caller adds
//! one). All text is escaped for the target format.

mod docx;
mod html;
mod markdown;
mod member_check;
mod table;

use std::io;

pub use docx::write_docx;
pub use html::write_html;
pub use markdown::write_markdown;
pub use member_check::{write_pack_docx, write_pack_html, MemberCheckPack, PackItem};
pub use table::{write_csv, write_xlsx};

/// A report: a title and blocks in reading order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    pub title: String,
    /// Shown under the title (for example the parameters of the report).
    pub subtitle: Option<String>,
    pub blocks: Vec<Block>,
}

/// One piece of a report.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A heading; level 1 is a section, 2 a subsection, 3 below that.
    Heading { level: u8, text: String },
    /// A plain paragraph (no markup is interpreted).
    Paragraph(String),
    /// A labelled paragraph: "Label: text" with the label in bold.
    Field { label: String, text: String },
    /// A quotation with its attribution, e.g. "(Interviewee 07, front line clinician)".
    Quote { text: String, attribution: String },
    /// A table with a header row.
    Table(Table),
    /// A finished SVG image; written into HTML only.
    Svg(String),
}

/// A table: header and rows of cells.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Sheet name in XLSX (at most 31 characters are used).
    pub name: String,
    pub header: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

/// A table cell: text or a number (numbers stay numbers in XLSX).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
    Empty,
}

impl Cell {
    /// The cell as text, as written to CSV, DOCX, HTML and Markdown.
    pub fn text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => format!("{}", *n as i64),
            Cell::Number(n) => format!("{n:.2}"),
            Cell::Empty => String::new(),
        }
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Cell {
        Cell::Text(s.to_string())
    }
}

impl From<String> for Cell {
    fn from(s: String) -> Cell {
        Cell::Text(s)
    }
}

impl From<f64> for Cell {
    fn from(n: f64) -> Cell {
        Cell::Number(n)
    }
}

impl From<u64> for Cell {
    fn from(n: u64) -> Cell {
        Cell::Number(n as f64)
    }
}

impl From<Option<f64>> for Cell {
    fn from(n: Option<f64>) -> Cell {
        n.map_or(Cell::Empty, Cell::Number)
    }
}

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("could not write the report: {0}")]
    Io(#[from] io::Error),
    #[error("could not build the DOCX file: {0}")]
    Docx(String),
    #[error("could not build the XLSX file: {0}")]
    Xlsx(String),
    #[error("could not write CSV: {0}")]
    Csv(String),
}
