//! Hostile and broken REFI-QDA input: each case is crafted here and must be
//! rejected with its specific error, producing nothing. The last test is the
//! stable-Rust stand-in for fuzzing (see FUZZING.md): thousands of
//! deterministic mutations and truncations of real files must never panic.

use std::io::{Cursor, Write};
use std::path::PathBuf;

use axial_core::UserId;
use axial_formats::refi::{read_qdc, read_qde, read_qdpx, ImportOptions, Limits, RefiError};
use zip::write::SimpleFileOptions;
use zip::CompressionMethod;

fn opts() -> ImportOptions {
    ImportOptions::new(
        UserId::from_uuid(uuid::Uuid::from_u128(7)),
        axial_core::now(),
    )
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let o = SimpleFileOptions::default().compression_method(CompressionMethod::Deflated);
    for (name, bytes) in entries {
        z.start_file(*name, o).expect("zip entry");
        z.write_all(bytes).expect("zip write");
    }
    z.finish().expect("zip finish").into_inner()
}

fn g(n: u32) -> String {
    format!("00000000-0000-4000-8000-{n:012}")
}

/// A small valid project: one code, one source "hello world" with a coding.
fn project(codes: &str, sources: &str, extra: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="p">
 <CodeBook><Codes>{codes}</Codes></CodeBook>
 <Sources>{sources}</Sources>
 {extra}
</Project>"#
    )
}

fn code(n: u32) -> String {
    format!(r#"<Code guid="{}" name="c{n}" isCodable="true"/>"#, g(n))
}

fn source(guid: u32, start: u32, end: u32, code_ref: u32) -> String {
    format!(
        r#"<TextSource guid="{}" name="s"><PlainTextContent>hello world</PlainTextContent>
<PlainTextSelection guid="{}" startPosition="{start}" endPosition="{end}"><Coding guid="{}"><CodeRef targetGUID="{}"/></Coding></PlainTextSelection></TextSource>"#,
        g(guid),
        g(guid + 100),
        g(guid + 200),
        g(code_ref)
    )
}

fn qde_err(xml: &str) -> RefiError {
    read_qde(xml.as_bytes(), &opts()).expect_err("hostile input is rejected")
}

fn qdpx_err(bytes: Vec<u8>, limits: Limits) -> RefiError {
    let mut o = opts();
    o.limits = limits;
    read_qdpx(Cursor::new(bytes), &o).expect_err("hostile archive is rejected")
}

#[test]
fn the_baseline_is_valid() {
    let (b, r) = read_qde(
        project(&code(1), &source(2, 0, 5, 1), "").as_bytes(),
        &opts(),
    )
    .expect("valid");
    assert_eq!(
        (b.codes.len(), b.sources.len(), b.codings.len()),
        (1, 1, 1),
        "{r}"
    );
    let qdpx = zip_of(&[("project.qde", project(&code(1), "", "").as_bytes())]);
    assert!(read_qdpx(Cursor::new(qdpx), &opts()).is_ok());
}

#[test]
fn zip_slip_and_absolute_paths() {
    let ok = project(&code(1), "", "");
    for (name, want) in [
        ("../evil.txt", "climbs out"),
        ("sources/../../evil.txt", "climbs out"),
        ("/etc/cron.d/x", "absolute path"),
        ("C:/Windows/x", "drive letter"),
        ("..\\evil", "climbs out"),
    ] {
        let e = qdpx_err(
            zip_of(&[("project.qde", ok.as_bytes()), (name, b"x")]),
            Limits::default(),
        );
        assert!(
            matches!(&e, RefiError::UnsafeEntryName { name: n, .. } if n == name),
            "{name}: {e}"
        );
        assert!(e.to_string().contains(want), "{e}");
    }
}

#[test]
fn doctype_external_entities_and_entity_expansion() {
    let xxe = r#"<?xml version="1.0"?><!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><Project name="&xxe;"/>"#;
    assert!(matches!(qde_err(xxe), RefiError::Doctype { line: 1, .. }));
    let mut laughs =
        String::from("<?xml version=\"1.0\"?>\n<!DOCTYPE lolz [\n<!ENTITY lol \"lol\">\n");
    for i in 1..10 {
        let prev = if i == 1 {
            "lol".to_string()
        } else {
            format!("lol{}", i - 1)
        };
        laughs.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">\n",
            format!("&{prev};").repeat(10)
        ));
    }
    laughs.push_str("]>\n<Project name=\"x\"><Description>&lol9;</Description></Project>");
    assert!(matches!(
        qde_err(&laughs),
        RefiError::Doctype { line: 2, .. }
    ));
    // Entities without a DTD are unknown, in text and in attributes.
    let e = qde_err(r#"<Project name="x"><Description>&lol9;</Description></Project>"#);
    assert!(
        matches!(&e, RefiError::UnknownEntity { name, .. } if name == "lol9"),
        "{e}"
    );
    assert!(matches!(
        qde_err(r#"<Project name="&x;"/>"#),
        RefiError::UnknownEntity { .. }
    ));
    // Inside an archive too.
    let e = qdpx_err(
        zip_of(&[("project.qde", xxe.as_bytes())]),
        Limits::default(),
    );
    assert!(matches!(e, RefiError::Doctype { .. }), "{e}");
}

#[test]
fn zip_bombs_and_entry_limits() {
    let ok = project(&code(1), "", "");
    // 32 MiB of zeros deflates about 1000:1.
    let zeros = vec![0u8; 32 << 20];
    let e = qdpx_err(
        zip_of(&[("project.qde", ok.as_bytes()), ("sources/bomb.txt", &zeros)]),
        Limits::default(),
    );
    assert!(
        matches!(&e, RefiError::CompressionRatio { name, ratio, max: 200 } if name == "sources/bomb.txt" && *ratio > 200),
        "{e}"
    );
    let small = |f: &dyn Fn(&mut Limits)| {
        let mut l = Limits::default();
        f(&mut l);
        l
    };
    let text = vec![b'a'; 5000];
    let e = qdpx_err(
        zip_of(&[("project.qde", ok.as_bytes()), ("sources/a.txt", &text)]),
        small(&|l| l.max_entry_uncompressed = 4096),
    );
    assert!(
        matches!(&e, RefiError::EntryTooLarge { name, size: 5000, max: 4096 } if name == "sources/a.txt"),
        "{e}"
    );
    let e = qdpx_err(
        zip_of(&[
            ("project.qde", ok.as_bytes()),
            ("sources/a.txt", &text),
            ("sources/b.txt", &text),
        ]),
        small(&|l| l.max_total_uncompressed = 9000),
    );
    assert!(matches!(e, RefiError::TotalTooLarge { max: 9000 }), "{e}");
    let many: Vec<(String, Vec<u8>)> = (0..11)
        .map(|i| (format!("sources/{i}.txt"), vec![b'x']))
        .collect();
    let mut entries: Vec<(&str, &[u8])> = many
        .iter()
        .map(|(n, b)| (n.as_str(), b.as_slice()))
        .collect();
    entries.push(("project.qde", ok.as_bytes()));
    let e = qdpx_err(zip_of(&entries), small(&|l| l.max_entries = 10));
    assert!(
        matches!(e, RefiError::TooManyEntries { count: 12, max: 10 }),
        "{e}"
    );
    let e = qdpx_err(
        zip_of(&[("project.qde", ok.as_bytes())]),
        small(&|l| l.max_xml_bytes = 100),
    );
    assert!(matches!(e, RefiError::XmlTooLarge { max: 100, .. }), "{e}");
    assert!(matches!(
        qdpx_err(b"not a zip at all".to_vec(), Limits::default()),
        RefiError::NotZip { .. }
    ));
    assert!(matches!(
        qdpx_err(zip_of(&[("sources/a.txt", b"x")]), Limits::default()),
        RefiError::NoProjectFile
    ));
}

#[test]
fn duplicate_guids() {
    let xml = project(&format!("{}{}", code(1), code(1)), "", "");
    let e = qde_err(&xml);
    assert!(
        matches!(&e, RefiError::DuplicateGuid { guid, element, first_element, .. } if *guid == g(1) && element == "Code" && first_element == "Code"),
        "{e}"
    );
    // Across element kinds too, and GUIDs compare case-insensitively.
    let xml = project(
        &code(2),
        &source(2, 0, 5, 2).replace(&g(2), &g(2).to_uppercase()),
        "",
    );
    assert!(matches!(qde_err(&xml), RefiError::DuplicateGuid { .. }));
}

#[test]
fn references_to_missing_guids() {
    let check = |xml: String, element: &str| {
        let e = qde_err(&xml);
        assert!(
            matches!(&e, RefiError::MissingReference { element: el, .. } if el == element),
            "{element}: {e}"
        );
    };
    check(project(&code(1), &source(2, 0, 5, 99), ""), "CodeRef");
    check(
        project(
            &code(1),
            &source(2, 0, 5, 1),
            &format!(
                r#"<Description>d</Description><NoteRef targetGUID="{}"/>"#,
                g(98)
            ),
        ),
        "NoteRef",
    );
    check(
        project(
            &code(1),
            "",
            &format!(
                r#"<Cases><Case guid="{}"><SourceRef targetGUID="{}"/></Case></Cases>"#,
                g(5),
                g(97)
            ),
        ),
        "SourceRef",
    );
    check(
        project(
            &code(1),
            "",
            &format!(
                r#"<Cases><Case guid="{}"><VariableValue><VariableRef targetGUID="{}"/><TextValue>x</TextValue></VariableValue></Case></Cases>"#,
                g(5),
                g(96)
            ),
        ),
        "VariableRef",
    );
    check(
        project(
            &code(1),
            "",
            &format!(
                r#"<Sets><Set guid="{}" name="s"><MemberSource targetGUID="{}"/></Set></Sets>"#,
                g(5),
                g(95)
            ),
        ),
        "MemberSource",
    );
    check(
        project(
            &code(1),
            "",
            &format!(
                r#"<Sets><Set guid="{}" name="s"><MemberCode targetGUID="{}"/></Set></Sets>"#,
                g(5),
                g(94)
            ),
        ),
        "MemberCode",
    );
    check(
        project(
            &code(1),
            "",
            &format!(
                r#"<Links><Link guid="{}" originGUID="{}" targetGUID="{}"/></Links>"#,
                g(5),
                g(1),
                g(93)
            ),
        ),
        "Link",
    );
    // A CodeRef must point at a code, not at any object.
    check(project(&code(1), &source(2, 0, 5, 2), ""), "CodeRef");
}

#[test]
fn spans_outside_the_text() {
    let e = qde_err(&project(&code(1), &source(2, 3, 12, 1), ""));
    assert!(
        matches!(
            &e,
            RefiError::SpanOutOfRange {
                start: 3,
                end: 12,
                len: 11,
                ..
            }
        ),
        "{e}"
    );
    let e = qde_err(&project(&code(1), &source(2, 7, 3, 1), ""));
    assert!(
        matches!(
            e,
            RefiError::ReversedSpan {
                start: 7,
                end: 3,
                ..
            }
        ),
        "{e}"
    );
    let e = qde_err(&project(
        &code(1),
        &source(2, 0, 5, 1).replace("startPosition=\"0\"", "startPosition=\"-1\""),
        "",
    ));
    assert!(
        matches!(
            e,
            RefiError::InvalidAttribute {
                attribute: "startPosition",
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn not_utf8_or_not_refi() {
    let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><Project name=\"Z\xfcrich\"/>";
    assert!(matches!(
        read_qde(latin1, &opts()),
        Err(RefiError::NotUtf8 { .. })
    ));
    let raw = b"<Project name=\"Z\xfcrich\"/>";
    assert!(matches!(
        read_qde(raw, &opts()),
        Err(RefiError::NotUtf8 { .. })
    ));
    let utf16: Vec<u8> = "\u{feff}<Project name=\"x\"/>"
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    assert!(matches!(
        read_qde(&utf16, &opts()),
        Err(RefiError::NotUtf8 { .. })
    ));
    assert!(matches!(
        read_qde(b"<html/>", &opts()),
        Err(RefiError::NotRefi { .. })
    ));
    let e = read_qdc(
        b"<Project name=\"x\"/>",
        &opts(),
        axial_core::ProjectId::from_uuid(uuid::Uuid::from_u128(1)),
    );
    assert!(matches!(
        e,
        Err(RefiError::NotRefi {
            expected: "CodeBook",
            ..
        })
    ));
    // A source file that is not UTF-8.
    let src = format!(
        r#"<TextSource guid="{}" name="s" plainTextPath="internal://{}.txt"/>"#,
        g(2),
        g(2)
    );
    let bytes = zip_of(&[
        ("project.qde", project(&code(1), &src, "").as_bytes()),
        (&format!("sources/{}.txt", g(2)), b"caf\xe9"),
    ]);
    assert!(matches!(
        qdpx_err(bytes, Limits::default()),
        RefiError::SourceText { .. }
    ));
}

// ---- mutation smoke test (stable-Rust stand-in for cargo-fuzz) -------------

/// xorshift64*: deterministic, so every run feeds the same inputs.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    let tokens: [&[u8]; 12] = [
        b"<",
        b">",
        b"&",
        b"\"",
        b"</Code>",
        b"<Code guid=\"x\">",
        b"&#0;",
        b"\xff",
        b"\xf0\x9f",
        b"]]>",
        b"<!DOCTYPE x>",
        b"999999999999999999999",
    ];
    for _ in 0..1 + rng.below(4) {
        if v.is_empty() {
            break;
        }
        let at = rng.below(v.len());
        match rng.below(5) {
            0 => v.truncate(at),
            1 => v[at] ^= 1 << rng.below(8),
            2 => {
                let t = tokens[rng.below(tokens.len())];
                v.splice(at..at, t.iter().copied());
            }
            3 => {
                let len = rng.below(64).min(v.len() - at);
                v.drain(at..at + len);
            }
            _ => {
                let from = rng.below(v.len());
                let len = rng.below(256).min(v.len() - from);
                let chunk: Vec<u8> = v[from..from + len].to_vec();
                v.splice(at..at, chunk);
            }
        }
    }
    v
}

fn sample(name: &str) -> Vec<u8> {
    let dir = match std::env::var_os("AXIAL_SHARED") {
        Some(p) => PathBuf::from(p).join("refi-qda/samples"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/refi-qda/samples"),
    };
    std::fs::read(dir.join(name))
        .unwrap_or_else(|e| panic!("sample {name} missing ({e}); set AXIAL_SHARED"))
}

#[test]
fn mutated_inputs_never_panic() {
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut small_limits = opts();
    small_limits.limits = Limits {
        max_total_uncompressed: 8 << 20,
        max_entry_uncompressed: 4 << 20,
        max_ratio: 200,
        max_entries: 200,
        max_xml_bytes: 2 << 20,
    };
    let mut runs = 0;
    let mut accepted = 0;
    // The XML parser and importer: the ATLAS.ti project (every element kind)
    // and a small project with codings.
    let qdes = [
        sample("atlasti8.4-mac_standard-project.qde"),
        project(&code(1), &source(2, 0, 5, 1), "").into_bytes(),
    ];
    for q in &qdes {
        for _ in 0..1500 {
            let m = mutate(&mut rng, q);
            accepted += usize::from(read_qde(&m, &small_limits).is_ok());
            runs += 1;
        }
    }
    // The codebook reader.
    let qdc = sample("taguette1.4.1_codebook.qdc");
    for _ in 0..500 {
        let m = mutate(&mut rng, &qdc);
        accepted += usize::from(
            read_qdc(
                &m,
                &small_limits,
                axial_core::ProjectId::from_uuid(uuid::Uuid::from_u128(1)),
            )
            .is_ok(),
        );
        runs += 1;
    }
    // The archive reader: raw byte mutations of real archives, and archives
    // whose entries are mutated (so the XML inside is what breaks).
    for name in [
        "maxqda24.7_ICLS_Conf_Themes_ALL_just10.qdpx",
        "atlasti23.2-win_blank-atlas-project.qdpx",
    ] {
        let z = sample(name);
        for _ in 0..300 {
            let m = mutate(&mut rng, &z);
            accepted += usize::from(read_qdpx(Cursor::new(m), &small_limits).is_ok());
            runs += 1;
        }
    }
    let base = project(
        &code(1),
        &format!(
            r#"<TextSource guid="{}" name="s" plainTextPath="internal://{}.txt"><PlainTextSelection guid="{}" startPosition="0" endPosition="3"><Coding guid="{}"><CodeRef targetGUID="{}"/></Coding></PlainTextSelection></TextSource>"#,
            g(2),
            g(2),
            g(3),
            g(4),
            g(1)
        ),
        "",
    );
    let text = "h\u{e9}llo 😀\r\nw\u{301}orld".as_bytes().to_vec();
    for _ in 0..700 {
        let (x, t) = if rng.below(2) == 0 {
            (mutate(&mut rng, base.as_bytes()), text.clone())
        } else {
            (base.clone().into_bytes(), mutate(&mut rng, &text))
        };
        let z = zip_of(&[("project.qde", &x), (&format!("Sources/{}.txt", g(2)), &t)]);
        accepted += usize::from(read_qdpx(Cursor::new(z), &small_limits).is_ok());
        runs += 1;
    }
    assert_eq!(runs, 4800);
    eprintln!("mutation smoke: {runs} inputs, {accepted} accepted, no panic");
    // Some mutations are harmless (inside text), most are not: both paths ran.
    assert!(
        accepted > 100 && accepted < runs - 100,
        "accepted {accepted} of {runs}"
    );
}
