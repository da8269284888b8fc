//! Survey tables: CSV (delimiter sniffed among comma, semicolon and tab;
//! any encoding the text importer reads) and XLSX (first sheet or a named
//! one, cells as text, dates as `YYYY-MM-DD`), and the per-respondent source
//! text built from a row's open-text answers.
//!
//! It does not decide which columns are attributes and which are open text
//! (the caller chooses), nor create cases or variables.

use std::io::Cursor;

use axial_core::{SourceKind, Span, Structure, Turn};
use calamine::{Data, Reader, Xlsx};

use super::error::SUPPORTED_TABLES;
use super::package::Package;
use super::sniff::extension;
use super::text::{controls_warning, decode, normalise, Decoded};
use super::{check_size, detect_kind, ImportError, ImportedDocument};

/// The most all parts of an XLSX file together may unpack to (256 MiB).
const MAX_WORKBOOK_UNPACKED: u64 = 256 * 1024 * 1024;

/// How much of a CSV file is read to choose its delimiter.
const SNIFF_CHARS: usize = 64 * 1024;

/// A table of survey answers: one header per column, one row per
/// respondent, every cell as text (empty string for an empty cell; every row
/// as wide as the headers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SurveyTable {
    pub kind: SourceKind,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    pub warnings: Vec<String>,
}

/// Read a survey table from a CSV/TSV file or the first sheet of an XLSX file.
pub fn read_survey(file_name: &str, bytes: &[u8]) -> Result<SurveyTable, ImportError> {
    read_survey_sheet(file_name, bytes, None)
}

/// Like [`read_survey`], choosing an XLSX sheet by name (`None`: the first).
pub fn read_survey_sheet(
    file_name: &str,
    bytes: &[u8],
    sheet: Option<&str>,
) -> Result<SurveyTable, ImportError> {
    check_size(file_name, bytes)?;
    let unsupported = || ImportError::Unsupported {
        file: file_name.to_string(),
        ext: extension(file_name).unwrap_or_else(|| "(none)".to_string()),
        supported: SUPPORTED_TABLES,
    };
    match detect_kind(file_name, bytes) {
        Ok(SourceKind::Csv) => read_csv(file_name, bytes),
        Ok(SourceKind::Xlsx) => read_xlsx(file_name, bytes, sheet),
        Ok(_) | Err(ImportError::Unsupported { .. }) => Err(unsupported()),
        Err(e) => Err(e),
    }
}

fn read_csv(file: &str, bytes: &[u8]) -> Result<SurveyTable, ImportError> {
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
    let delimiter = if extension(file).as_deref() == Some("tsv") {
        b'\t'
    } else {
        sniff_delimiter(&text)
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e
                .position()
                .map(|p| format!(" at line {}", p.line()))
                .unwrap_or_default();
            ImportError::corrupt(file, SourceKind::Csv, format!("unreadable CSV{line}: {e}"))
        })?;
        records.push(record.iter().map(str::to_string).collect::<Vec<_>>());
    }
    table(file, SourceKind::Csv, records, warnings)
}

/// The delimiter (comma, semicolon or tab) that splits the first records
/// into the same number of fields, preferring the one giving most fields.
fn sniff_delimiter(text: &str) -> u8 {
    let sample = match text.char_indices().nth(SNIFF_CHARS) {
        Some((b, _)) => &text[..b],
        None => text,
    };
    let mut best = (b',', (false, 0usize));
    for delimiter in [b',', b';', b'\t'] {
        let mut reader = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .has_headers(false)
            .flexible(true)
            .from_reader(sample.as_bytes());
        let counts: Vec<usize> = reader
            .records()
            .take(20)
            .filter_map(Result::ok)
            .map(|r| r.len())
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        // The last sampled record may be cut short by the sample's end.
        let whole = if counts.len() > 2 {
            &counts[..counts.len() - 1]
        } else {
            &counts[..]
        };
        let consistent = first > 1 && whole.iter().all(|&c| c == first);
        let score = (
            consistent,
            if consistent {
                first
            } else {
                counts.iter().sum::<usize>() / counts.len()
            },
        );
        if score > best.1 {
            best = (delimiter, score);
        }
    }
    best.0
}

fn read_xlsx(file: &str, bytes: &[u8], sheet: Option<&str>) -> Result<SurveyTable, ImportError> {
    let kind = SourceKind::Xlsx;
    let mut package = Package::open(file, kind, bytes)?;
    if package.total_declared_size() > MAX_WORKBOOK_UNPACKED {
        return Err(ImportError::TooLargeUnpacked {
            file: file.to_string(),
            part: "the whole workbook".to_string(),
            limit: MAX_WORKBOOK_UNPACKED,
        });
    }
    let mut workbook = Xlsx::new(Cursor::new(bytes)).map_err(|e| {
        ImportError::corrupt(file, kind, format!("the workbook cannot be read: {e}"))
    })?;
    let names = workbook.sheet_names();
    let name = match sheet {
        Some(wanted) => names
            .iter()
            .find(|n| n.as_str() == wanted)
            .cloned()
            .ok_or_else(|| ImportError::NoSuchSheet {
                file: file.to_string(),
                sheet: wanted.to_string(),
                available: names.join(", "),
            })?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| ImportError::corrupt(file, kind, "the workbook has no sheets"))?,
    };
    let range = workbook.worksheet_range(&name).map_err(|e| {
        ImportError::corrupt(file, kind, format!("sheet '{name}' cannot be read: {e}"))
    })?;
    let mut warnings = Vec::new();
    if names.len() > 1 && sheet.is_none() {
        warnings.push(format!(
            "the workbook has {} sheets; only the first, '{name}', was read",
            names.len()
        ));
    }
    let mut errors = 0usize;
    let records: Vec<Vec<String>> = range
        .rows()
        .map(|row| row.iter().map(|c| cell_text(c, &mut errors)).collect())
        .collect();
    if errors > 0 {
        warnings.push(format!(
            "{errors} cell(s) hold formula errors (such as #DIV/0!); they are imported as written"
        ));
    }
    table(file, kind, records, warnings)
}

/// A cell as the text a researcher sees: whole numbers without ".0", dates
/// as `YYYY-MM-DD` (with the time when there is one), booleans as TRUE/FALSE.
fn cell_text(cell: &Data, errors: &mut usize) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
            if (h, mi, s) == (0, 0, 0) {
                format!("{y:04}-{mo:02}-{d:02}")
            } else {
                format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
            }
        }
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => {
            *errors += 1;
            e.to_string()
        }
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// Headers from the first non-empty record, rows padded to the same width,
/// with warnings for what was filled in.
fn table(
    file: &str,
    kind: SourceKind,
    records: Vec<Vec<String>>,
    mut warnings: Vec<String>,
) -> Result<SurveyTable, ImportError> {
    let clean = |s: &str| {
        let (s, _) = normalise(s);
        s
    };
    let mut records = records
        .into_iter()
        .map(|r| r.iter().map(|c| clean(c)).collect::<Vec<_>>())
        .filter(|r| r.iter().any(|c| !c.trim().is_empty()));
    let Some(first) = records.next() else {
        return Err(ImportError::Empty {
            file: file.to_string(),
        });
    };
    let mut headers: Vec<String> = first
        .iter()
        .map(|h| h.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let mut rows: Vec<Vec<String>> = records.collect();
    let width = rows
        .iter()
        .map(Vec::len)
        .chain([headers.len()])
        .max()
        .unwrap_or(0);
    let (mut short, mut unnamed) = (0usize, 0usize);
    for row in &mut rows {
        if row.len() < width {
            short += usize::from(row.len() < headers.len());
            row.resize(width, String::new());
        }
    }
    headers.resize(width, String::new());
    for (i, h) in headers.iter_mut().enumerate() {
        if h.is_empty() {
            *h = format!("Column {}", i + 1);
            unnamed += 1;
        }
    }
    if short > 0 {
        warnings.push(format!(
            "{short} row(s) have fewer cells than there are headers; the missing cells are empty"
        ));
    }
    if unnamed > 0 {
        warnings.push(format!(
            "{unnamed} column(s) have no header and were named \"Column N\" by position"
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let duplicates: Vec<&str> = headers
        .iter()
        .filter(|h| !seen.insert(h.as_str()))
        .map(String::as_str)
        .collect();
    if !duplicates.is_empty() {
        warnings.push(format!(
            "some headers appear more than once: {}",
            duplicates.join(", ")
        ));
    }
    Ok(SurveyTable {
        kind,
        headers,
        rows,
        warnings,
    })
}

/// One source text for one respondent: for each chosen column with an
/// answer, the question (header) on one line and the answer below it, blocks
/// separated by a blank line. Each answer is a paragraph; each question plus
/// answer is a [`Turn`] whose speaker is the question, so answers to one
/// question can be retrieved together across respondents. A row or column
/// that does not exist gives a warning, not a panic.
pub fn survey_row_document(
    table: &SurveyTable,
    row: usize,
    text_columns: &[usize],
) -> ImportedDocument {
    let mut warnings = Vec::new();
    let mut text = String::new();
    let mut chars = 0u32;
    let mut structure = Structure::default();
    let cells = match table.rows.get(row) {
        Some(cells) => cells.as_slice(),
        None => {
            warnings.push(format!(
                "row {} does not exist (the table has {} rows)",
                row + 1,
                table.rows.len()
            ));
            &[]
        }
    };
    for &col in text_columns {
        let Some(question) = table.headers.get(col) else {
            warnings.push(format!(
                "column {} does not exist (the table has {} columns)",
                col + 1,
                table.headers.len()
            ));
            continue;
        };
        let answer = cells.get(col).map(|a| a.trim()).unwrap_or_default();
        if answer.is_empty() {
            continue;
        }
        let question = question.trim();
        if !text.is_empty() {
            text.push_str("\n\n");
            chars += 2;
        }
        let start = chars;
        let header_len = question.chars().count() as u32 + 1;
        let answer_len = answer.chars().count() as u32;
        text.push_str(question);
        text.push('\n');
        text.push_str(answer);
        chars += header_len + answer_len;
        if let (Ok(p), Ok(t)) = (
            Span::unbounded(start + header_len, chars),
            Span::unbounded(start, chars),
        ) {
            structure.paragraphs.push(p);
            structure.turns.push(Turn {
                span: t,
                speaker: question.to_string(),
                start_ms: None,
                end_ms: None,
            });
        }
    }
    ImportedDocument {
        text,
        kind: table.kind,
        structure,
        warnings,
        title: None,
    }
}

#[cfg(test)]
mod tests {
    use axial_core::TextIndex;

    use super::*;

    fn check_csv(file: &str, input: &str, headers: &[&str], rows: &[&[&str]], warnings: usize) {
        let t = read_survey(file, input.as_bytes()).expect("reads");
        assert_eq!(t.headers, headers);
        let got: Vec<Vec<&str>> = t
            .rows
            .iter()
            .map(|r| r.iter().map(String::as_str).collect())
            .collect();
        assert_eq!(got, rows);
        assert_eq!(t.warnings.len(), warnings, "{:?}", t.warnings);
    }

    #[test]
    fn delimiters_are_sniffed() {
        check_csv(
            "a.csv",
            "id,answer\n1,\"Zoë, naïve\"\n2,😀\n",
            &["id", "answer"],
            &[&["1", "Zoë, naïve"], &["2", "😀"]],
            0,
        );
        check_csv(
            "a.csv",
            "id;answer\r\n1;1,5 litres\r\n2;e\u{301}\r\n",
            &["id", "answer"],
            &[&["1", "1,5 litres"], &["2", "e\u{301}"]],
            0,
        );
        check_csv(
            "a.csv",
            "id\tanswer\n1\tשלום\n",
            &["id", "answer"],
            &[&["1", "שלום"]],
            0,
        );
        check_csv(
            "a.tsv",
            "x\ty,z\n1\t2,3\n",
            &["x", "y,z"],
            &[&["1", "2,3"]],
            0,
        );
    }

    #[test]
    fn ragged_rows_and_missing_headers() {
        check_csv(
            "a.csv",
            "id,,q\n1,2\n3,4,5,6\n\n,,\n",
            &["id", "Column 2", "q", "Column 4"],
            &[&["1", "2", "", ""], &["3", "4", "5", "6"]],
            2,
        );
        check_csv(
            "a.csv",
            "\u{feff}q,q\n\"multi\r\nline\",x\n",
            &["q", "q"],
            &[&["multi\nline", "x"]],
            1,
        );
    }

    #[test]
    fn not_a_table() {
        let err = read_survey("notes.docx", b"PK\x03\x04").expect_err("not a table");
        assert_eq!(err.to_string(), "notes.docx: files ending in 'docx' cannot be imported; supported kinds are .csv, .tsv, .xlsx");
        let err = read_survey("empty.csv", b" \n\n").expect_err("empty");
        assert_eq!(
            err,
            ImportError::Empty {
                file: "empty.csv".into()
            }
        );
    }

    #[test]
    fn numbers_as_written() {
        assert_eq!(number_text(42.0), "42");
        assert_eq!(number_text(2.5), "2.5");
        assert_eq!(number_text(-0.125), "-0.125");
    }

    #[test]
    fn row_document_heads_answers_with_questions() {
        let table = SurveyTable {
            kind: SourceKind::Csv,
            headers: vec![
                "id".into(),
                "What helped?".into(),
                "Age".into(),
                "Anything else?".into(),
            ],
            rows: vec![
                vec!["7".into(), "Zoë, mostly 😀".into(), "41".into(), " ".into()],
                vec!["8".into(), "".into(), "".into(), "שלום\nline two".into()],
            ],
            warnings: vec![],
        };
        let doc = survey_row_document(&table, 0, &[1, 3]);
        assert_eq!(doc.text, "What helped?\nZoë, mostly 😀");
        let ix = TextIndex::new(&doc.text);
        assert_eq!(
            ix.slice(&doc.text, doc.structure.paragraphs[0]),
            "Zoë, mostly 😀"
        );
        assert_eq!(doc.structure.turns[0].speaker, "What helped?");
        assert_eq!(ix.slice(&doc.text, doc.structure.turns[0].span), doc.text);

        let doc = survey_row_document(&table, 1, &[1, 3, 9]);
        assert_eq!(doc.text, "Anything else?\nשלום\nline two");
        assert_eq!(
            doc.warnings,
            ["column 10 does not exist (the table has 4 columns)"]
        );
        let doc = survey_row_document(&table, 5, &[1]);
        assert_eq!((doc.text.as_str(), doc.warnings.len()), ("", 1));
    }
}
