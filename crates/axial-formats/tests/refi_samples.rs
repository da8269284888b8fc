//! Real exports from NVivo, ATLAS.ti, MAXQDA and Taguette (in
//! `$AXIAL_SHARED/refi-qda/samples`, see SOURCE.md there) import with the
//! expected counts, report only what is truly unsupported, and — for NVivo's
//! UTF-16/CRLF positions — land on the intended text. Plus a hand-made
//! archive with the vendor quirks NOTES.md lists.
//!
//! Expected counts were computed independently of this crate, from the XML
//! with Python's ElementTree, e.g. for the NVivo sample:
//!
//! ```text
//! python3 -c "import zipfile,xml.etree.ElementTree as E; N='{urn:QDA-XML:project:1.0}';
//!   r=E.fromstring(zipfile.ZipFile('nvivo12.6-win_oltas0517.qdpx').read('project.qde'));
//!   print({t: len(r.findall('.//'+N+t)) for t in ['Code','TextSource','Coding','Note','Case','Variable','User','Set']})"
//! ```
//!
//! giving NVivo 152/2/303/0/0/0/2/0, MAXQDA 307/10/0/0/0/0/1/2, ATLAS.ti 23
//! blank 0/0/0/0/0/0/2/0, ATLAS.ti 8.4 14/6/16/2/0/0/3/16 (of its 16 sets,
//! four are "gender: male", "gender: female", "age: 67", "age: 25", holding
//! only MemberSource), Taguette 3 codes. The NVivo line-boundary count (274
//! of 303) and the three quoted passages were measured the same way, slicing
//! the BOM-less UTF-16 text with CRLF kept.

use std::io::{Cursor, Write};
use std::path::PathBuf;

use axial_core::{CodingId, MemoLink, ProjectId, UserId};
use axial_formats::refi::{read_qdc, read_qde, read_qdpx, Bundle, ImportOptions, LossReport};

fn samples() -> PathBuf {
    match std::env::var_os("AXIAL_SHARED") {
        Some(p) => PathBuf::from(p).join("refi-qda/samples"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/refi-qda/samples"),
    }
}

fn read_sample(name: &str) -> Vec<u8> {
    let p = samples().join(name);
    std::fs::read(&p).unwrap_or_else(|e| {
        panic!(
            "sample {} missing ({e}); set AXIAL_SHARED to the shared/ folder",
            p.display()
        )
    })
}

fn opts() -> ImportOptions {
    ImportOptions::new(
        UserId::from_uuid(uuid::Uuid::from_u128(7)),
        axial_core::now(),
    )
}

fn import(name: &str) -> (Bundle, LossReport) {
    let bytes = read_sample(name);
    let r = if name.ends_with(".qdpx") {
        read_qdpx(Cursor::new(bytes), &opts())
    } else {
        read_qde(&bytes, &opts())
    };
    r.unwrap_or_else(|e| panic!("{name} imports: {e}"))
}

/// (codes, sources, codings, memos, cases, variables, users, sets) as imported.
fn counts(b: &Bundle) -> [usize; 8] {
    [
        b.codes.len(),
        b.sources.len(),
        b.codings.len(),
        b.memos.len(),
        b.cases.len(),
        b.variables.len(),
        b.users.len(),
        b.sets.len(),
    ]
}

fn lost(r: &LossReport) -> Vec<String> {
    let mut v: Vec<String> = r
        .unsupported
        .iter()
        .map(|l| format!("{} {}", l.count, l.element))
        .collect();
    v.sort();
    v
}

fn text_of(b: &Bundle, coding: &str) -> String {
    let id: CodingId = coding.parse().expect("guid");
    let c = b
        .codings
        .iter()
        .find(|c| c.id == id)
        .unwrap_or_else(|| panic!("coding {coding} imported"));
    b.texts[&c.source]
        .chars()
        .skip(c.span.start().0 as usize)
        .take(c.span.len() as usize)
        .collect()
}

#[test]
fn nvivo_12_windows() {
    let (b, r) = import("nvivo12.6-win_oltas0517.qdpx");
    assert_eq!(counts(&b), [152, 2, 303, 0, 0, 0, 2, 0]);
    assert!(lost(&r).is_empty(), "{r}");
    assert!(
        r.converted
            .iter()
            .any(|c| c.what == "PlainTextSelection" && c.count == 303 && c.how.contains("UTF-16")),
        "{r}"
    );
    // Passages measured from the raw file (UTF-16 units, BOM skipped, CRLF kept).
    let first = text_of(&b, "da50c6de-cd58-40da-a7e3-be4b82d7f00c");
    assert!(
        first.starts_with("Senkit nem lehet kötelezni oltásra, ilyet csak ostoba korlátolt agyi"),
        "{first}"
    );
    assert!(
        first.ends_with("hozhat aki nem szaporodhat és nem élhet."),
        "{first}"
    );
    assert_eq!(
        text_of(&b, "a8f5ed5e-0d07-4818-89c3-19c4d1fed821"),
        "tudatos hal äl reklám, hatalmas árulás"
    );
    assert_eq!(
        text_of(&b, "bc52af39-c4fd-478d-9cf0-e459a73f0c11"),
        "Záhertorta egy alkesz nulla"
    );
    let third = text_of(&b, "ce116280-6f1f-4eca-bd9c-c0b9a9438417");
    assert!(
        third.starts_with("--------------------- Oltás-fasizmus, kovid-vallás"),
        "{third}"
    );
    // Every span fits its text (Span guarantees start < end) and starts and
    // ends on sensible boundaries: never on a combining mark, joiner or
    // emoji modifier; 274 of 303 cover whole lines exactly.
    let mut whole_lines = 0;
    for c in &b.codings {
        let text: Vec<char> = b.texts[&c.source].chars().collect();
        let (s, e) = (c.span.start().0 as usize, c.span.end().0 as usize);
        assert!(e <= text.len());
        let bad_start = |ch: char| matches!(ch, '\u{300}'..='\u{36f}' | '\u{200d}' | '\u{fe0f}' | '\u{1f3fb}'..='\u{1f3ff}');
        assert!(
            !bad_start(text[s]),
            "coding {} starts inside a character cluster",
            c.id
        );
        assert!(
            e == text.len() || !bad_start(text[e]),
            "coding {} ends inside a character cluster",
            c.id
        );
        if (s == 0 || text[s - 1] == '\n') && (e == text.len() || text[e] == '\n') {
            whole_lines += 1;
        }
    }
    assert_eq!(whole_lines, 274);
    assert!(b
        .texts
        .values()
        .all(|t| !t.contains('\r') && !t.starts_with('\u{feff}')));
}

#[test]
fn maxqda_24() {
    let (b, r) = import("maxqda24.7_ICLS_Conf_Themes_ALL_just10.qdpx");
    assert_eq!(counts(&b), [307, 10, 0, 0, 0, 0, 1, 2]);
    assert!(r.is_clean(), "{r}");
    assert!(b
        .codes
        .iter()
        .any(|c| c.name == "THEME - Affordances" && c.description.contains("affordances")));
    assert!(
        b.sets.iter().all(|s| s.members.len() == 5),
        "each set holds five sources"
    );
}

#[test]
fn atlas_ti_23_blank() {
    let (b, r) = import("atlasti23.2-win_blank-atlas-project.qdpx");
    assert_eq!(counts(&b), [0, 0, 0, 0, 0, 0, 2, 0]);
    assert!(r.is_clean(), "{r}");
    assert_eq!(b.project.name, "blank-atlas-project");
}

#[test]
fn atlas_ti_8_bare_qde() {
    let (b, r) = import("atlasti8.4-mac_standard-project.qde");
    // No source files in a bare .qde, so no sources and no codings; the four
    // attribute sets became two category variables.
    assert_eq!(counts(&b), [14, 0, 0, 2, 0, 2, 3, 12]);
    let gender = b
        .variables
        .iter()
        .find(|v| v.name == "gender")
        .expect("gender variable");
    assert_eq!(
        gender.kind,
        axial_core::VariableKind::Category {
            values: vec!["male".into(), "female".into()]
        }
    );
    assert_eq!(r.lost("Coding"), 16, "{r}");
    assert_eq!(
        r.lost("TextSource") + r.lost("PDFSource") + r.lost("Transcript"),
        11
    );
    for (element, n) in [
        ("PictureSelection", 1),
        ("PDFSelection", 4),
        ("VideoSelection", 2),
        ("Graph", 1),
        ("AudioSource", 1),
        ("VideoSource", 2),
    ] {
        assert_eq!(r.lost(element), n, "{element}: {r}");
    }
    let memo = b
        .memos
        .iter()
        .find(|m| m.title == "Research Plan")
        .expect("note imported");
    assert!(memo.body.contains("dynamic team"));
}

#[test]
fn taguette_codebook_with_empty_sets() {
    let bytes = read_sample("taguette1.4.1_codebook.qdc");
    let (cb, r) = read_qdc(
        &bytes,
        &opts(),
        ProjectId::from_uuid(uuid::Uuid::from_u128(1)),
    )
    .expect("qdc imports");
    assert_eq!(cb.codes.len(), 3);
    assert_eq!(cb.origin.as_deref(), Some("Taguette 1.4.1"));
    assert!(cb.sets.is_empty());
    assert!(r.warnings.iter().any(|w| w.contains("<Sets/>")), "{r}");
}

/// A hand-made archive with the quirks of NOTES.md: `Sources/` in capitals,
/// `*.qde` not named project.qde, a BOM and CRLF text, a draft namespace,
/// scheme-less path, no colours, no creatingUser, an NVivo-style memo tied by
/// a Link, a MAXQDA-style comment, a transcript with inline text.
#[test]
fn vendor_quirks() {
    let g = |n: u32| format!("00000000-0000-4000-8000-{n:012}");
    let qde = format!(
        r##"<?xml version="1.0" encoding="UTF-8"?>
<Project xmlns="urn:QDA-XML:project:0:4" name="quirks" origin="SomeTool 1">
 <CodeBook><Codes><Code guid="{c1}" name="Kód" isCodable="true"/><Code guid="{c2}" name="Two" isCodable="false" color="#ABC"/></Codes></CodeBook>
 <Sources>
  <TextSource guid="{s1}" name="crlf" plainTextPath="{s1}.TXT">
   <PlainTextSelection guid="{p1}" name="wörld" startPosition="7" endPosition="12">
    <Description>a comment</Description>
    <Coding guid="{k1}"><CodeRef targetGUID="{c1}"/></Coding>
   </PlainTextSelection>
  </TextSource>
  <VideoSource guid="{v1}" name="clip" path="relative:///clip.mp4">
   <Transcript guid="{t1}" name="clip transcript"><PlainTextContent>A: hi 😀 there</PlainTextContent>
    <PlainTextSelection guid="{p2}" startPosition="6" endPosition="7"/>
   </Transcript>
  </VideoSource>
 </Sources>
 <Notes><Note guid="{n1}" name="annotation"><PlainTextContent>see this</PlainTextContent></Note></Notes>
 <Links><Link guid="{l1}" originGUID="{n1}" targetGUID="{p1}" direction="Associative"/></Links>
</Project>"##,
        c1 = g(1),
        c2 = g(2),
        s1 = g(3),
        p1 = g(4),
        k1 = g(5),
        v1 = g(6),
        t1 = g(7),
        p2 = g(8),
        n1 = g(9),
        l1 = g(10)
    );
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default();
    zip.start_file("Export.qde", o).expect("zip");
    zip.write_all(qde.as_bytes()).expect("zip");
    zip.start_file(format!("Sources/{}.txt", g(3)), o)
        .expect("zip");
    zip.write_all("\u{feff}hello\r\nwörld\r\n".as_bytes())
        .expect("zip");
    let bytes = zip.finish().expect("zip").into_inner();

    let (b, r) = read_qdpx(Cursor::new(bytes), &opts()).expect("quirky archive imports");
    assert_eq!(b.sources.len(), 2, "{r}");
    assert_eq!(b.texts[&b.sources[0].id], "hello\nwörld\n");
    assert_eq!(b.texts[&b.sources[1].id], "A: hi 😀 there");
    assert_eq!(b.sources[1].name, "clip transcript");
    assert_eq!(b.codings.len(), 1);
    // 7..12 counts CRLF as two; the selection's name picks that reading.
    assert_eq!(text_of(&b, &g(5)), "wörld");
    assert!(
        r.converted
            .iter()
            .any(|c| c.what == "PlainTextSelection" && c.how.contains("CRLF counted as two")),
        "{r}"
    );
    assert_eq!(b.codings[0].coder, opts().importing_user);
    assert_eq!(b.codes[1].color, axial_core::Color::rgb(0xaa, 0xbb, 0xcc));
    assert!(!b.codes[1].codable);
    let annotation = b
        .memos
        .iter()
        .find(|m| m.title == "annotation")
        .expect("note");
    assert_eq!(annotation.links, vec![MemoLink::Coding(b.codings[0].id)]);
    let comment = b
        .memos
        .iter()
        .find(|m| m.body == "a comment")
        .expect("comment memo");
    assert_eq!(comment.links, vec![MemoLink::Coding(b.codings[0].id)]);
    assert!(r.warnings.iter().any(|w| w.contains("0:4")), "{r}");
    assert_eq!(lost(&r), vec!["1 VideoSource".to_string()], "{r}");
    assert!(
        r.converted
            .iter()
            .any(|c| c.what == "source text" && c.how.contains("CRLF")),
        "{r}"
    );
}
