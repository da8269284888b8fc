//! Survey tables over the committed fixtures in `test_data/import/` (see the
//! README there): CSV and XLSX read into headers and rows, mislabelled and
//! missing sheets reported, and one source text built per respondent.

use std::fmt::Write as _;

use axial_core::{SourceKind, TextIndex};
use axial_formats::import::{
    read_survey, read_survey_sheet, survey_row_document, ImportError, SurveyTable,
};
use expect_test::{expect, Expect};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/test_data/import/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path} is missing: {e}"))
}

fn render(table: &SurveyTable) -> String {
    let mut out = String::new();
    writeln!(out, "kind: {}", table.kind).unwrap();
    for w in &table.warnings {
        writeln!(out, "warning: {w}").unwrap();
    }
    writeln!(out, "headers: {:?}", table.headers).unwrap();
    for row in &table.rows {
        assert_eq!(
            row.len(),
            table.headers.len(),
            "every row is as wide as the headers"
        );
        writeln!(out, "row: {row:?}").unwrap();
    }
    out
}

fn check(name: &str, sheet: Option<&str>, expected: Expect) {
    let table =
        read_survey_sheet(name, &fixture(name), sheet).unwrap_or_else(|e| panic!("{name}: {e}"));
    expected.assert_eq(&render(&table));
}

#[test]
fn csv_with_semicolons_bom_and_quoted_line_breaks() {
    check(
        "survey.csv",
        None,
        expect![[r#"
            kind: csv
            headers: ["respondent", "age", "What helped you most?", "Anything else?"]
            row: ["R1", "34", "My sister Zoë; she was never naïve 😀", ""]
            row: ["R2", "51", "The group\nand the walks", "שלום, مرحبا and cafe\u{301}"]
            row: ["R3", "29", "", "Nothing"]
        "#]],
    );
}

#[test]
fn xlsx_first_sheet_with_dates_and_numbers() {
    check(
        "survey.xlsx",
        None,
        expect![[r#"
            kind: xlsx
            warning: the workbook has 2 sheets; only the first, 'Answers', was read
            headers: ["respondent", "joined", "score", "What helped you most?"]
            row: ["R1", "2024-03-05", "4", "My sister Zoë 😀"]
            row: ["R2", "2024-11-30 14:05:00", "3.5", "שלום and مرحبا, e\u{301}"]
            row: ["R3", "", "TRUE", ""]
        "#]],
    );
}

#[test]
fn xlsx_named_sheet() {
    check(
        "survey.xlsx",
        Some("Codes"),
        expect![[r#"
            kind: xlsx
            headers: ["code", "count"]
            row: ["hope", "3"]
        "#]],
    );
}

#[test]
fn xlsx_missing_sheet_lists_the_sheets() {
    let err = read_survey_sheet("survey.xlsx", &fixture("survey.xlsx"), Some("Answers 2"))
        .expect_err("no such sheet");
    assert_eq!(
        err.to_string(),
        "survey.xlsx has no sheet named 'Answers 2'; its sheets are: Answers, Codes"
    );
}

#[test]
fn xlsx_that_is_a_text_file() {
    let err = read_survey("text_as.xlsx", &fixture("text_as.xlsx")).expect_err("mislabelled");
    assert_eq!(
        err,
        ImportError::Mislabelled {
            file: "text_as.xlsx".into(),
            claimed: SourceKind::Xlsx,
            actual: "plain text".into()
        }
    );
}

#[test]
fn a_document_is_not_a_table() {
    let err = read_survey("interview.docx", &fixture("interview.docx")).expect_err("not a table");
    assert!(matches!(err, ImportError::Unsupported { .. }), "{err:?}");
    assert_eq!(err.file(), "interview.docx");
}

fn render_document(table: &SurveyTable, row: usize, columns: &[usize]) -> String {
    let doc = survey_row_document(table, row, columns);
    let ix = TextIndex::new(&doc.text);
    let mut out = format!("{}\n--- answers\n", doc.text);
    for p in &doc.structure.paragraphs {
        writeln!(out, "{:?}", ix.slice(&doc.text, *p)).unwrap();
    }
    writeln!(out, "--- turns").unwrap();
    for t in &doc.structure.turns {
        writeln!(out, "{:?}: {:?}", t.speaker, ix.slice(&doc.text, t.span)).unwrap();
    }
    for w in &doc.warnings {
        writeln!(out, "warning: {w}").unwrap();
    }
    out
}

#[test]
fn one_document_per_respondent() {
    let table = read_survey("survey.csv", &fixture("survey.csv")).expect("reads");
    let open_text = [2, 3];
    expect![[r#"
        What helped you most?
        The group
        and the walks

        Anything else?
        שלום, مرحبا and café
        --- answers
        "The group\nand the walks"
        "שלום, مرحبا and cafe\u{301}"
        --- turns
        "What helped you most?": "What helped you most?\nThe group\nand the walks"
        "Anything else?": "Anything else?\nשלום, مرحبا and cafe\u{301}"
    "#]]
    .assert_eq(&render_document(&table, 1, &open_text));
    // R1 left the last question empty: only one answer block.
    expect![[r#"
        What helped you most?
        My sister Zoë; she was never naïve 😀
        --- answers
        "My sister Zoë; she was never naïve 😀"
        --- turns
        "What helped you most?": "What helped you most?\nMy sister Zoë; she was never naïve 😀"
    "#]]
    .assert_eq(&render_document(&table, 0, &open_text));
}
