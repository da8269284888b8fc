//! Document importers over the committed fixtures in `test_data/import/`
//! (see the README there for how each was made): the extracted text exactly,
//! every paragraph, turn and page span checked by slicing, and the errors
//! for damaged, empty, mislabelled and binary files.

use std::fmt::Write as _;

use axial_core::{SourceKind, Span, TextIndex};
use axial_formats::import::{
    import_document, paragraphs, ImportError, ImportedDocument, MAX_FILE_BYTES,
};
use expect_test::{expect, Expect};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!("{}/test_data/import/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("fixture {path} is missing: {e}"))
}

fn import(name: &str) -> ImportedDocument {
    import_document(name, &fixture(name)).unwrap_or_else(|e| panic!("{name} should import: {e}"))
}

/// The document as a reviewable snapshot: title, warnings, the text, then
/// each span of the structure as the text it covers.
fn render(doc: &ImportedDocument) -> String {
    let ix = TextIndex::new(&doc.text);
    let len = ix.char_len();
    let slice = |s: &Span| {
        assert!(
            s.check_within(len).is_ok(),
            "span {s} is outside the text ({len} characters)"
        );
        format!("{:?}", ix.slice(&doc.text, *s))
    };
    let mut out = String::new();
    writeln!(out, "kind: {}", doc.kind).unwrap();
    writeln!(out, "title: {:?}", doc.title).unwrap();
    for w in &doc.warnings {
        writeln!(out, "warning: {w}").unwrap();
    }
    writeln!(out, "--- text").unwrap();
    writeln!(out, "{}", doc.text).unwrap();
    writeln!(out, "--- paragraphs").unwrap();
    for p in &doc.structure.paragraphs {
        writeln!(out, "{}", slice(p)).unwrap();
    }
    if !doc.structure.turns.is_empty() {
        writeln!(out, "--- turns").unwrap();
    }
    for t in &doc.structure.turns {
        let time = match (t.start_ms, t.end_ms) {
            (Some(a), Some(b)) => format!(" [{a}-{b} ms]"),
            _ => String::new(),
        };
        writeln!(out, "{:?}{time}: {}", t.speaker, slice(&t.span)).unwrap();
    }
    if !doc.structure.pages.is_empty() {
        writeln!(out, "--- pages").unwrap();
    }
    for p in &doc.structure.pages {
        writeln!(out, "{}", slice(p)).unwrap();
    }
    out
}

/// Invariants every import keeps, whatever the format.
fn check_invariants(doc: &ImportedDocument) {
    assert!(!doc.text.contains('\r'), "no CR survives");
    assert!(!doc.text.starts_with('\u{feff}'), "no BOM survives");
    assert!(
        !doc.text
            .chars()
            .any(|c| (c as u32) < 0x20 && c != '\n' && c != '\t'),
        "no C0 control survives"
    );
    let sorted = |spans: &[Span]| spans.windows(2).all(|w| w[0].end() <= w[1].start());
    assert!(
        sorted(&doc.structure.paragraphs),
        "paragraphs are in order and do not overlap"
    );
    assert!(
        sorted(&doc.structure.pages),
        "pages are in order and do not overlap"
    );
    let turns: Vec<Span> = doc.structure.turns.iter().map(|t| t.span).collect();
    assert!(sorted(&turns), "turns are in order and do not overlap");
}

fn check(name: &str, expected: Expect) {
    let doc = import(name);
    check_invariants(&doc);
    expected.assert_eq(&render(&doc));
}

#[test]
fn plain_text_transcript() {
    check(
        "interview.txt",
        expect![[r#"
            kind: text
            title: None
            --- text
            Interview 07 with Zoë

            Interviewer: Thank you for coming, Zoë. How did the project start?
            P07: It started with a naïve idea 😀 and a notebook.
            Interviewer: Which words did people use for it?
            P07: My grandmother said שלום and my neighbour said مرحبا; the café owner just smiled.

            --- paragraphs
            "Interview 07 with Zoë"
            "Interviewer: Thank you for coming, Zoë. How did the project start?\nP07: It started with a naïve idea 😀 and a notebook.\nInterviewer: Which words did people use for it?\nP07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
            --- turns
            "Interviewer": "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07": "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer": "Interviewer: Which words did people use for it?"
            "P07": "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
        "#]],
    );
}

#[test]
fn combining_accent_stays_decomposed() {
    let doc = import("interview.txt");
    assert!(
        doc.text.contains("cafe\u{301}"),
        "e + U+0301 must not be composed to é"
    );
    assert!(!doc.text.contains('\u{e9}'));
}

#[test]
fn crlf_and_utf16_give_the_same_text() {
    let plain = import("interview.txt");
    for name in ["interview_crlf.txt", "interview_utf16le.txt"] {
        let doc = import(name);
        check_invariants(&doc);
        assert_eq!(doc.text, plain.text, "{name}");
        assert_eq!(doc.structure, plain.structure, "{name}");
        assert!(doc.warnings.is_empty(), "{name}: {:?}", doc.warnings);
    }
}

#[test]
fn windows_1252_is_decoded_with_a_warning() {
    check(
        "legacy_cp1252.txt",
        expect![[r#"
            kind: text
            title: None
            warning: decoded as windows-1252 (the file is not UTF-8): check accented letters and other non-English characters
            --- text
            Interviewer: Zoë, was it naïve?
            P07: Perhaps “naïve” – but honest.

            --- paragraphs
            "Interviewer: Zoë, was it naïve?"
            "P07: Perhaps “naïve” – but honest."
            --- turns
            "Interviewer": "Interviewer: Zoë, was it naïve?"
            "P07": "P07: Perhaps “naïve” – but honest."
        "#]],
    );
}

#[test]
fn markdown_is_kept_as_written() {
    check(
        "notes.md",
        expect![[r###"
            kind: markdown
            title: Some("Interview 07 with Zoë")
            --- text
            # Interview 07 with Zoë

            Recorded in the *community garden*; notes by the interviewer.

            ## Transcript

            **Interviewer**: Thank you for coming, Zoë. How did the project start?

            **P07**: It started with a naïve idea 😀 and a notebook.

            **Interviewer**: Which words did people use for it?

            **P07**: My grandmother said שלום and my neighbour said مرحبا; the café owner just smiled.

            --- paragraphs
            "# Interview 07 with Zoë"
            "Recorded in the *community garden*; notes by the interviewer."
            "## Transcript"
            "**Interviewer**: Thank you for coming, Zoë. How did the project start?"
            "**P07**: It started with a naïve idea 😀 and a notebook."
            "**Interviewer**: Which words did people use for it?"
            "**P07**: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
            --- turns
            "Interviewer": "**Interviewer**: Thank you for coming, Zoë. How did the project start?"
            "P07": "**P07**: It started with a naïve idea 😀 and a notebook."
            "Interviewer": "**Interviewer**: Which words did people use for it?"
            "P07": "**P07**: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
        "###]],
    );
}

#[test]
fn nul_in_text_is_removed_with_a_warning() {
    let doc = import("with_nul.md");
    assert_eq!(doc.text, "# Notes\n\nZoë wrote this.\n");
    assert_eq!(doc.warnings.len(), 1, "{:?}", doc.warnings);
    assert!(
        doc.warnings[0].starts_with("removed 1 invisible control character "),
        "{:?}",
        doc.warnings
    );
}

#[test]
fn html_page() {
    check(
        "page.html",
        expect![[r#"
            kind: html
            title: Some("Interview 07 with Zoë")
            --- text
            Interview 07 with Zoë

            Place: garden & kitchen
            Date: 3 May

            Interviewer: Thank you for coming, Zoë. How did the project start?

            P07: It started with a naïve idea 😀 and a notebook.

            Interviewer: Which words did people use for it?

            P07: My grandmother said שלום and my neighbour said مرحبا; the café owner just smiled.

            first note

            second note 😀

            Code	Count

            hope	3
            --- paragraphs
            "Interview 07 with Zoë"
            "Place: garden & kitchen\nDate: 3\u{a0}May"
            "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer: Which words did people use for it?"
            "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
            "first note"
            "second note 😀"
            "Code\tCount"
            "hope\t3"
            --- turns
            "Interviewer": "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07": "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer": "Interviewer: Which words did people use for it?"
            "P07": "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled.\n\nfirst note\n\nsecond note 😀\n\nCode\tCount\n\nhope\t3"
        "#]],
    );
}

#[test]
fn docx_document() {
    check(
        "interview.docx",
        expect![[r#"
            kind: docx
            title: Some("Interview 07 with Zoë")
            warning: the document has comments in the margin; they are not imported
            --- text
            Interview 07 with Zoë

            Interviewer: Thank you for coming, Zoë. How did the project start?

            P07: It started with a naïve idea 😀 and a notebook.

            Interviewer: Which words did people use for it?

            P07: My grandmother said שלום and my neighbour said مرحبا; the café owner just smiled.

            Notes:	garden
            second line

            naïve

            😀
            --- paragraphs
            "Interview 07 with Zoë"
            "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer: Which words did people use for it?"
            "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
            "Notes:\tgarden\nsecond line"
            "naïve"
            "😀"
            --- turns
            "Interviewer": "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07": "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer": "Interviewer: Which words did people use for it?"
            "P07": "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled.\n\nNotes:\tgarden\nsecond line\n\nnaïve\n\n😀"
        "#]],
    );
}

#[test]
fn odt_document() {
    check(
        "interview.odt",
        expect![[r#"
            kind: odt
            title: Some("Interview 07 with Zoë")
            warning: 1 footnote(s) or endnote(s) are not imported
            --- text
            Interview 07 with Zoë

            Interviewer: Thank you for coming, Zoë. How did the project start?

            P07: It started with a naïve idea 😀 and a notebook.

            Interviewer: Which words did people use for it?

            P07: My grandmother said שלום and my neighbour said مرحبا; the café owner just smiled.

            Spaces:   three	tab
            new line
            --- paragraphs
            "Interview 07 with Zoë"
            "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer: Which words did people use for it?"
            "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
            "Spaces:   three\ttab\nnew line"
            --- turns
            "Interviewer": "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07": "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer": "Interviewer: Which words did people use for it?"
            "P07": "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled.\n\nSpaces:   three\ttab\nnew line"
        "#]],
    );
}

#[test]
fn rtf_document() {
    check(
        "interview.rtf",
        expect![[r#"
            kind: rtf
            title: Some("Interview 07 with Zoë")
            --- text
            Interview 07 with Zoë

            Interviewer: Thank you for coming, Zoë. How did the project start?

            P07: It started with a naïve idea 😀 and a notebook.

            Interviewer: Which words did people use for it?

            P07: My grandmother said שלום and my neighbour said مرحبا; the café owner just smiled.

            Notes:	garden
            second line Привет (Cyrillic)
            --- paragraphs
            "Interview 07 with Zoë"
            "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer: Which words did people use for it?"
            "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
            "Notes:\tgarden\nsecond line Привет (Cyrillic)"
            --- turns
            "Interviewer": "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07": "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer": "Interviewer: Which words did people use for it?"
            "P07": "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled.\n\nNotes:\tgarden\nsecond line Привет (Cyrillic)"
        "#]],
    );
}

#[test]
fn pdf_pages() {
    check(
        "report.pdf",
        expect![[r#"
            kind: pdf
            title: Some("Interview 07 with Zoë")
            --- text
            Interview 07 with Zoë

            Interviewer: Thank you for coming, Zoë. How did the project start?

            P07: It started with a naïve idea and a notebook.

            Interviewer: Which words did people use for it?

            P07: My grandmother said שלום and my neighbour said مرحبا; the café owner just smiled.
            --- paragraphs
            "Interview 07 with Zoë"
            "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07: It started with a naïve idea and a notebook."
            "Interviewer: Which words did people use for it?"
            "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
            --- turns
            "Interviewer": "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07": "P07: It started with a naïve idea and a notebook."
            "Interviewer": "Interviewer: Which words did people use for it?"
            "P07": "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
            --- pages
            "Interview 07 with Zoë\n\nInterviewer: Thank you for coming, Zoë. How did the project start?\n\nP07: It started with a naïve idea and a notebook."
            "Interviewer: Which words did people use for it?\n\nP07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
        "#]],
    );
}

#[test]
fn vtt_transcript() {
    check(
        "interview.vtt",
        expect![[r#"
            kind: vtt
            title: Some("Interview 07 with Zoë")
            --- text
            Interviewer: Thank you for coming, Zoë. How did the project start?

            P07: It started with a naïve idea 😀 and a notebook.

            Interviewer: Which words did people use for it?

            P07: My grandmother said שלום and my neighbour said مرحبا; the café owner just smiled. Sorry, one more thing.
            --- paragraphs
            "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer: Which words did people use for it?"
            "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled. Sorry, one more thing."
            --- turns
            "Interviewer" [0-3200 ms]: "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07" [3200-7000 ms]: "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer" [7000-9500 ms]: "Interviewer: Which words did people use for it?"
            "P07" [9500-16500 ms]: "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled. Sorry, one more thing."
        "#]],
    );
}

#[test]
fn srt_transcript() {
    check(
        "interview.srt",
        expect![[r#"
            kind: srt
            title: None
            --- text
            Interviewer: Thank you for coming, Zoë. How did the project start?

            P07: It started with a naïve idea 😀 and a notebook.

            Interviewer: Which words did people use for it?

            P07: My grandmother said שלום and my neighbour said مرحبا; the café owner just smiled.

            (laughter)
            --- paragraphs
            "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer: Which words did people use for it?"
            "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
            "(laughter)"
            --- turns
            "Interviewer" [0-3200 ms]: "Interviewer: Thank you for coming, Zoë. How did the project start?"
            "P07" [3200-7000 ms]: "P07: It started with a naïve idea 😀 and a notebook."
            "Interviewer" [7000-9500 ms]: "Interviewer: Which words did people use for it?"
            "P07" [9500-15000 ms]: "P07: My grandmother said שלום and my neighbour said مرحبا; the cafe\u{301} owner just smiled."
            "" [15000-16500 ms]: "(laughter)"
        "#]],
    );
}

/// Block formats record exactly the paragraphs that [`paragraphs`] finds in
/// their text, so the layout can be recomputed from the text alone.
#[test]
fn block_formats_agree_with_paragraphs() {
    for name in [
        "page.html",
        "interview.docx",
        "interview.odt",
        "interview.rtf",
        "interview.vtt",
        "interview.srt",
    ] {
        let doc = import(name);
        assert_eq!(doc.structure.paragraphs, paragraphs(&doc.text), "{name}");
    }
}

fn check_error(name: &str, expected: Expect) {
    let err = import_document(name, &fixture(name)).expect_err("should not import");
    assert_eq!(err.file(), name, "the error names the file");
    expected.assert_eq(&format!("{err:?}\n{err}"));
}

#[test]
fn empty_text_file() {
    check_error(
        "empty.txt",
        expect![[r#"
            Empty { file: "empty.txt" }
            empty.txt is empty (it holds no text): check that it is the right file"#]],
    );
}

#[test]
fn binary_text_file() {
    check_error(
        "binary.txt",
        expect![[r#"
            Binary { file: "binary.txt" }
            binary.txt is a binary file, not text: open it in the program that made it and save it as .txt, .docx or .pdf"#]],
    );
}

#[test]
fn truncated_docx() {
    check_error(
        "truncated.docx",
        expect![[r#"
            Corrupt { file: "truncated.docx", kind: Docx, detail: "not a readable ZIP package: invalid Zip archive: Could not find EOCD" }
            truncated.docx is a damaged docx file (not a readable ZIP package: invalid Zip archive: Could not find EOCD): open and re-save it in the program that made it, then import again"#]],
    );
}

#[test]
fn docx_that_is_not_a_zip() {
    check_error(
        "not_a_zip.docx",
        expect![[r#"
            Mislabelled { file: "not_a_zip.docx", claimed: Docx, actual: "plain text" }
            not_a_zip.docx is named as docx but is plain text: rename it with the right extension or re-save it as docx"#]],
    );
}

#[test]
fn zip_bomb_docx() {
    check_error(
        "bomb.docx",
        expect![[r#"
            TooLargeUnpacked { file: "bomb.docx", part: "word/document.xml", limit: 67108864 }
            bomb.docx unpacks to more than 64 MiB in 'word/document.xml' (a ZIP bomb or a damaged file): re-save it and try again"#]],
    );
}

#[test]
fn pdf_of_random_bytes() {
    check_error(
        "random.pdf",
        expect![[r#"
            Mislabelled { file: "random.pdf", claimed: Pdf, actual: "unrecognised binary data" }
            random.pdf is named as pdf but is unrecognised binary data: rename it with the right extension or re-save it as pdf"#]],
    );
}

#[test]
fn damaged_pdf() {
    let err = import_document("damaged.pdf", &fixture("damaged.pdf")).expect_err("damaged");
    assert!(
        matches!(
            &err,
            ImportError::Corrupt {
                kind: SourceKind::Pdf,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("damaged.pdf is a damaged pdf file ("),
        "{err}"
    );
}

#[test]
fn scanned_pdf_has_no_text_layer() {
    check_error(
        "scan.pdf",
        expect![[r#"
            NoTextLayer { file: "scan.pdf" }
            scan.pdf: the PDF has no text layer (it is a scan); run OCR on it first, then import the result"#]],
    );
}

#[test]
fn xlsx_is_a_table_not_a_document() {
    check_error(
        "survey.xlsx",
        expect![[r#"
            NotADocument { file: "survey.xlsx", kind: Xlsx }
            survey.xlsx is a table (xlsx), not a document: import it as a survey (one source per row)"#]],
    );
}

#[test]
fn too_large_is_refused_before_parsing() {
    // A zero-filled buffer one byte over the limit: the size check comes
    // first, so its content is never looked at.
    let bytes = vec![0u8; usize::try_from(MAX_FILE_BYTES).expect("fits in memory") + 1];
    let err = import_document("huge.txt", &bytes).expect_err("too large");
    assert_eq!(
        err,
        ImportError::TooLarge {
            file: "huge.txt".into(),
            size: MAX_FILE_BYTES + 1,
            limit: MAX_FILE_BYTES
        }
    );
}

/// Cut and scrambled copies of every fixture give a document or an error,
/// never a panic (the PDF reader's own panics are caught and reported).
#[test]
fn damaged_copies_never_panic() {
    let names = [
        "interview.txt",
        "interview_utf16le.txt",
        "notes.md",
        "page.html",
        "interview.docx",
        "interview.odt",
        "interview.rtf",
        "report.pdf",
        "interview.vtt",
        "interview.srt",
    ];
    for name in names {
        let bytes = fixture(name);
        let len = bytes.len();
        for cut in [1, 2, 7, 64, len / 3, len / 2, len - 1] {
            let _ = import_document(name, &bytes[..cut.min(len)]);
        }
        for (k, at) in [len / 5, len / 4, len / 2, 3 * len / 4]
            .into_iter()
            .enumerate()
        {
            let mut scrambled = bytes.clone();
            for b in scrambled.iter_mut().skip(at).take(16) {
                *b ^= 0x5a ^ (k as u8);
            }
            if let Ok(doc) = import_document(name, &scrambled) {
                check_invariants(&doc);
            }
        }
    }
}
