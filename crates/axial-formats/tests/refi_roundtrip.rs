//! REFI-QDA export → import round trips: a hand-built rich bundle and
//! random bundles (proptest) come back equal, exports are deterministic, and
//! every export validates against the REFI-QDA schemas with xmllint.
//!
//! The schemas are found in `$AXIAL_SHARED/refi-qda` (default: the `shared/`
//! folder next to the repository). xmllint comes from Debian's
//! `libxml2-utils`; the tests fail (never skip) without it.

use std::collections::HashMap;
use std::io::{Cursor, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use axial_core::{
    Case, CaseId, Code, CodeId, CodeRelation, Coding, CodingId, Color, ContentHash, Memo, MemoId,
    MemoKind, MemoLink, Project, ProjectId, RelationId, RelationKind, Set, SetId, SetMember,
    Source, SourceId, SourceKind, Span, Structure, Subject, Timestamp, Turn, User, UserId, Value,
    ValueId, Variable, VariableId, VariableKind, VariableValue, Version,
};
use axial_formats::refi::{
    read_codebook_csv, read_qdc, read_qdpx, write_qdc, write_qde, write_qdpx, write_qdpx_streamed,
    write_qdpx_to_stream, Bundle, ImportOptions, RefiError, TextFacts,
};
use proptest::prelude::*;
use sha2::{Digest, Sha256};
use uuid::Uuid;

fn shared() -> PathBuf {
    match std::env::var_os("AXIAL_SHARED") {
        Some(p) => PathBuf::from(p).join("refi-qda"),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/refi-qda"),
    }
}

/// Validates XML against one of the REFI-QDA schemas with xmllint.
fn validate(xml: &str, schema: &str) {
    let xsd = shared().join(schema);
    assert!(
        xsd.exists(),
        "schema {} not found; set AXIAL_SHARED to the shared/ folder",
        xsd.display()
    );
    let child = Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg("-")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            panic!("cannot run xmllint ({e}); install it with `apt-get install -y libxml2-utils`")
        }
    };
    child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(xml.as_bytes())
        .expect("xmllint reads stdin");
    let out = child.wait_with_output().expect("xmllint finishes");
    assert!(
        out.status.success(),
        "export does not validate against {schema}:\n{}\n--- document ---\n{}",
        String::from_utf8_lossy(&out.stderr),
        xml.chars().take(4000).collect::<String>()
    );
}

const NS: Uuid = Uuid::from_u128(0x0c0f_fee0_1234_4abc_8def_0123_4567_89ab);

fn t(s: i64) -> Timestamp {
    // Microsecond precision, as Axial keeps it.
    time::OffsetDateTime::from_unix_timestamp(1_700_000_000 + s).expect("valid time")
        + time::Duration::microseconds(123_456 + s)
}

fn hash(text: &str) -> ContentHash {
    ContentHash(Sha256::digest(text.as_bytes()).into())
}

fn span(a: u32, b: u32) -> Span {
    Span::unbounded(a, b).expect("test spans are non-empty")
}

fn opts() -> ImportOptions {
    ImportOptions::new(UserId::derived(NS, "importer"), t(999))
}

struct B {
    b: Bundle,
}

impl B {
    fn new(name: &str) -> B {
        let project = Project {
            id: ProjectId::derived(NS, name),
            name: name.to_string(),
            description: String::new(),
            created_at: t(0),
            version: Version::FIRST,
        };
        B {
            b: Bundle::new(project),
        }
    }
    fn user(&mut self, handle: &str, display: &str) -> UserId {
        let id = UserId::derived(NS, &format!("user/{handle}"));
        self.b.users.push(User {
            id,
            name: handle.into(),
            display_name: display.into(),
            created_at: t(1),
            version: Version::FIRST,
        });
        id
    }
    fn source(&mut self, name: &str, text: &str, kind: SourceKind, by: UserId) -> SourceId {
        let id = SourceId::derived(NS, &format!("source/{name}"));
        self.b.sources.push(Source {
            id,
            project: self.b.project.id,
            name: name.into(),
            kind,
            content_hash: hash(text),
            char_len: text.chars().count() as u32,
            imported_at: t(2),
            imported_by: by,
            case: None,
            description: String::new(),
            structure: Default::default(),
            revision_of: None,
            version: Version::FIRST,
        });
        self.b.texts.insert(id, text.to_string());
        id
    }
    fn code(&mut self, name: &str, parent: Option<CodeId>, by: UserId) -> CodeId {
        let id = CodeId::derived(NS, &format!("code/{name}"));
        let n = self.b.codes.len();
        self.b.codes.push(Code {
            id,
            project: self.b.project.id,
            parent,
            name: name.into(),
            color: Color::palette(n),
            description: String::new(),
            inclusion: String::new(),
            exclusion: String::new(),
            example: String::new(),
            codable: true,
            created_by: by,
            created_at: t(3 + n as i64),
            version: Version::FIRST,
        });
        id
    }
    fn coding(&mut self, source: SourceId, code: CodeId, s: Span, coder: UserId) -> CodingId {
        let id = CodingId::derived(NS, &format!("coding{}", self.b.codings.len()));
        self.b.codings.push(Coding {
            id,
            project: self.b.project.id,
            source,
            code,
            span: s,
            coder,
            created_at: t(50),
            version: Version::FIRST,
        });
        id
    }
    fn case(&mut self, name: &str) -> CaseId {
        let id = CaseId::derived(NS, &format!("case/{name}"));
        self.b.cases.push(Case {
            id,
            project: self.b.project.id,
            name: name.into(),
            description: String::new(),
            version: Version::FIRST,
        });
        id
    }
    fn variable(&mut self, name: &str, kind: VariableKind, description: &str) -> VariableId {
        let id = VariableId::derived(NS, &format!("variable/{name}"));
        self.b.variables.push(Variable {
            id,
            project: self.b.project.id,
            name: name.into(),
            kind,
            description: description.into(),
            version: Version::FIRST,
        });
        id
    }
    fn value(&mut self, variable: VariableId, subject: Subject, value: Value, own_id: bool) {
        let id = if own_id {
            ValueId::derived(NS, &format!("value{}", self.b.values.len()))
        } else {
            // What an import derives when no id is recorded.
            let s = match subject {
                Subject::Case(c) => format!("value/{variable}/case/{c}"),
                Subject::Source(s) => format!("value/{variable}/source/{s}"),
            };
            ValueId::from_uuid(Uuid::new_v5(
                &Uuid::from_u128(0x6a1f_3c2e_94d7_4b0a_8e51_2d7c_90f3_aa14),
                s.as_bytes(),
            ))
        };
        self.b.values.push(VariableValue {
            id,
            project: self.b.project.id,
            variable,
            subject,
            value,
            version: Version::FIRST,
        });
    }
    fn memo(
        &mut self,
        title: &str,
        body: &str,
        kind: MemoKind,
        links: Vec<MemoLink>,
        author: UserId,
    ) -> MemoId {
        let id = MemoId::derived(NS, &format!("memo/{title}"));
        self.b.memos.push(Memo {
            id,
            project: self.b.project.id,
            title: title.into(),
            body: body.into(),
            kind,
            links,
            author,
            created_at: t(60),
            updated_at: t(70),
            version: Version::FIRST,
        });
        id
    }
}

/// Non-ASCII everywhere: emoji (astral, ZWJ, skin tone), combining marks,
/// right-to-left text, markup characters; all variable types, nested codes,
/// categories, cases, sets, memos linked to everything, relations, two users.
fn rich() -> Bundle {
    let mut x = B::new("Pflege – Studie 😀 <&>");
    x.b.project.description = "Projekt-Memo:\nZeile 2 & <mehr>\r\nmit CR".into();
    let ana = x.user("ana", "Ana Núñez 👩🏽‍🔬");
    let bo = x.user("bo", "Bo \"the coder\" Ø");

    let t1 = "Interviewer: Grüß Gott! 😀👍🏽\nParticipant: cafe\u{301} e\u{301}e\u{301} – שלום עולם (RTL) مرحبا\n\nI: 👨‍👩‍👧 family?\nP: Ja.\n";
    let t2 = "Zweites Dokument: 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 & <tags> \"quotes\"\n\ttab\n";
    let t3 = "x";
    let s1 = x.source("Interview 1 – Zoë.docx", t1, SourceKind::Docx, ana);
    let s2 = x.source("Zweites 📄", t2, SourceKind::Vtt, bo);
    let s3 = x.source("tiny", t3, SourceKind::Text, ana);
    x.b.sources[0].description = "Erstes Interview, Station 3".into();
    x.b.sources[1].revision_of = Some(s1);
    x.b.sources[1].structure = std::sync::Arc::new(Structure {
        paragraphs: vec![span(0, 10), span(10, 20)],
        turns: vec![Turn {
            span: span(0, 20),
            speaker: "Dr. <Who> ?>".into(),
            start_ms: Some(1500),
            end_ms: None,
        }],
        pages: vec![span(0, t2.chars().count() as u32)],
    });

    let a = x.case("P01 – Zoë");
    let bcase = x.case("P02");
    x.b.cases[0].description = "Pflegekraft, 🌙 Nachtdienst".into();
    x.b.sources[0].case = Some(a);
    x.b.sources[1].case = Some(a);

    let v_text = x.variable("Station", VariableKind::Text, "");
    let v_int = x.variable("Alter", VariableKind::Integer, "in Jahren");
    let v_dec = x.variable("Stunden/Woche", VariableKind::Decimal, "");
    let v_date = x.variable("Interviewdatum", VariableKind::Date, "");
    let v_bool = x.variable("Leitung", VariableKind::Boolean, "");
    let v_cat = x.variable(
        "Berufsgruppe",
        VariableKind::Category {
            values: vec!["Pflege".into(), "Ärztin – Oberärztin".into(), "".into()],
        },
        "Gruppe laut Dienstplan.\n\nMehrzeilig.",
    );
    x.value(
        v_text,
        Subject::Case(a),
        Value::Text("Kardiologie 💓".into()),
        false,
    );
    x.value(v_int, Subject::Case(a), Value::Integer(-42), true);
    x.value(v_dec, Subject::Case(a), Value::Decimal(38.5), false);
    x.value(
        v_date,
        Subject::Case(a),
        Value::Date(time::macros::date!(2024 - 02 - 29)),
        false,
    );
    x.value(v_bool, Subject::Case(a), Value::Boolean(false), false);
    x.value(
        v_cat,
        Subject::Case(a),
        Value::Category("Ärztin – Oberärztin".into()),
        false,
    );
    x.value(
        v_dec,
        Subject::Case(bcase),
        Value::Decimal(0.000_001_5),
        true,
    );
    x.value(v_int, Subject::Source(s1), Value::Integer(i64::MAX), false);
    x.value(
        v_text,
        Subject::Source(s2),
        Value::Text("  leading and trailing  ".into()),
        false,
    );

    let belastung = x.code("Belastung", None, ana);
    x.b.codes[0].codable = false;
    x.b.codes[0].description = "Kategorie für Belastungen.".into();
    let zeit = x.code("Zeitdruck ⏱", Some(belastung), ana);
    x.b.codes[1].description = "Wenn Zeit fehlt.".into();
    x.b.codes[1].inclusion = "explizite Nennung von Zeitmangel".into();
    x.b.codes[1].exclusion = "bloße Müdigkeit".into();
    x.b.codes[1].example = "„Ich komme zu nichts“\nzweite Zeile".into();
    let personal = x.code("Personal", Some(belastung), bo);
    x.b.codes[2].example = "nur Beispiel".into();
    let mangel = x.code("Mangel", Some(personal), bo);
    let res = x.code("Ressourcen 🌱", None, bo);
    x.b.codes[4].color = Color::rgb(0, 0, 0);

    let n1 = t1.chars().count() as u32;
    // In canonical order: by source, then span, then code.
    let c3 = x.coding(s1, res, span(0, n1), ana); // whole text
    let c1 = x.coding(s1, zeit, span(13, 27), ana); // covers emoji + skin tone
    let _c4 = x.coding(s1, personal, span(13, 27), bo); // same span, other code and coder
    let c2 = x.coding(s1, mangel, span(41, 46), bo); // inside combining marks
    let _c5 = x.coding(s2, personal, span(18, 25), ana); // astral math letters
    let _c6 = x.coding(s3, res, span(0, 1), bo);

    let m1 = x.memo(
        "Projekt-Memo 📝",
        "# Überblick\n\n- Punkt *eins*\r\n- <zwei> & drei\n",
        MemoKind::Method,
        vec![MemoLink::Project],
        ana,
    );
    x.memo(
        "Zum Code",
        "Zeitdruck erscheint oft.",
        MemoKind::Code,
        vec![MemoLink::Code(zeit), MemoLink::Code(res)],
        bo,
    );
    x.memo(
        "Zur Stelle",
        "",
        MemoKind::Document,
        vec![
            MemoLink::Source(s1),
            MemoLink::Coding(c1),
            MemoLink::Coding(c2),
        ],
        ana,
    );
    let m4 = x.memo(
        "Theorie",
        "Alles hängt zusammen.",
        MemoKind::Theoretical,
        vec![
            MemoLink::Project,
            MemoLink::Source(s2),
            MemoLink::Case(a),
            MemoLink::Case(bcase),
            MemoLink::Code(belastung),
            MemoLink::Coding(c3),
        ],
        bo,
    );
    x.memo("Unverknüpft", "frei", MemoKind::Theoretical, vec![], ana);

    x.b.relations.push(CodeRelation {
        id: RelationId::derived(NS, "r1"),
        project: x.b.project.id,
        from: zeit,
        to: mangel,
        kind: RelationKind::CausalCondition,
        label: "führt zu → mehr".into(),
        created_by: ana,
        created_at: t(80),
        version: Version::FIRST,
    });
    x.b.relations.push(CodeRelation {
        id: RelationId::derived(NS, "r2"),
        project: x.b.project.id,
        from: res,
        to: belastung,
        kind: RelationKind::Strategy,
        label: String::new(),
        created_by: bo,
        created_at: t(81),
        version: Version::FIRST,
    });

    let pid = x.b.project.id;
    x.b.sets.push(Set {
        id: SetId::derived(NS, "set1"),
        project: pid,
        name: "Alles gemischt".into(),
        description: "Quellen, Fälle, Codes, Memos".into(),
        members: vec![
            SetMember::Source(s1),
            SetMember::Source(s3),
            SetMember::Case(a),
            SetMember::Code(zeit),
            SetMember::Code(res),
            SetMember::Memo(m1),
            SetMember::Memo(m4),
        ],
        version: Version::FIRST,
    });
    x.b.sets.push(Set {
        id: SetId::derived(NS, "set2"),
        project: pid,
        name: "gender: female".into(),
        description: String::new(),
        members: vec![SetMember::Case(bcase)],
        version: Version::FIRST,
    });
    x.b.sets.push(Set {
        id: SetId::derived(NS, "set3"),
        project: pid,
        name: "Leer".into(),
        description: String::new(),
        members: vec![],
        version: Version::FIRST,
    });
    x.b
}

fn to_qdpx(b: &Bundle) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    write_qdpx(b, &mut out).expect("bundle exports");
    out.into_inner()
}

fn check_round_trip(b: &Bundle) {
    let bytes = to_qdpx(b);
    let (back, report) = read_qdpx(Cursor::new(&bytes), &opts()).expect("own export imports");
    assert!(
        report.is_clean(),
        "an Axial export re-imports without conversions or losses:\n{report}"
    );
    assert_eq!(back, b.canonical());
    assert_eq!(
        write_qde(&back).expect("re-export"),
        write_qde(b).expect("export"),
        "re-export is byte-identical"
    );
}

#[test]
fn rich_bundle_round_trips_exactly() {
    let b = rich();
    assert_eq!(
        b,
        b.canonical(),
        "the test bundle is built in canonical order"
    );
    let bytes = to_qdpx(&b);
    let (back, report) = read_qdpx(Cursor::new(&bytes), &opts()).expect("own export imports");
    assert!(report.is_clean(), "{report}");
    for (element, n) in [
        ("User", 2),
        ("Code", 5),
        ("Variable", 6),
        ("Case", 2),
        ("TextSource", 3),
        ("Coding", 6),
        ("Note", 5),
        ("Link", 2),
        ("Set", 3),
        ("VariableValue", 9),
    ] {
        assert_eq!(report.count(element), n, "{element} in {report}");
    }
    // Field by field first, for readable failures; then the whole bundle.
    assert_eq!(back.project, b.project);
    assert_eq!(back.users, b.users);
    assert_eq!(back.sources, b.sources);
    assert_eq!(back.texts, b.texts);
    assert_eq!(back.cases, b.cases);
    assert_eq!(back.variables, b.variables);
    assert_eq!(back.values, b.values);
    assert_eq!(back.codes, b.codes);
    assert_eq!(back.codings, b.codings);
    for (got, want) in back.memos.iter().zip(&b.memos) {
        assert_eq!(got, want);
    }
    assert_eq!(back.memos, b.memos);
    assert_eq!(back.relations, b.relations);
    assert_eq!(back.sets, b.sets);
    assert_eq!(back, b);
}

#[test]
fn exports_are_deterministic_and_valid() {
    let b = rich();
    let xml = write_qde(&b).expect("export");
    assert_eq!(xml, write_qde(&b).expect("export again"));
    assert_eq!(
        to_qdpx(&b),
        to_qdpx(&b),
        "whole archives are byte-identical too"
    );
    // Shuffled list order does not change the output.
    let mut shuffled = b.clone();
    shuffled.codings.reverse();
    shuffled.values.reverse();
    for m in &mut shuffled.memos {
        m.links.reverse();
    }
    for s in &mut shuffled.sets {
        s.members.reverse();
    }
    assert_eq!(write_qde(&shuffled).expect("export"), xml);
    validate(&xml, "Project.xsd");
    // The archive layout the standard asks for.
    let mut zip = zip::ZipArchive::new(Cursor::new(to_qdpx(&b))).expect("zip");
    let names: Vec<String> = (0..zip.len())
        .map(|i| {
            zip.by_index(i)
                .expect("entry")
                .name()
                .expect("utf-8 name")
                .to_string()
        })
        .collect();
    assert_eq!(names[0], "project.qde");
    assert_eq!(names.len(), 4);
    for s in &b.sources {
        let mut f = zip
            .by_name(&format!("sources/{}.txt", s.id))
            .expect("text file per source");
        assert_eq!(f.compression(), zip::CompressionMethod::Deflated);
        let mut text = String::new();
        std::io::Read::read_to_string(&mut f, &mut text).expect("utf-8");
        assert_eq!(&text, &b.texts[&s.id]);
    }
}

#[test]
fn minimal_bundles_validate_without_empty_containers() {
    let b = B::new("leer").b;
    let xml = write_qde(&b).expect("export");
    validate(&xml, "Project.xsd");
    assert!(!xml.contains("<Users") && !xml.contains("<Sets"), "{xml}");
    check_round_trip(&b);
}

/// A writer that cannot seek, like an HTTP response body.
struct NoSeek(Vec<u8>);

impl Write for NoSeek {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn streamed_exports_ask_each_text_once_and_read_back_the_same() {
    let b = rich();
    let facts: HashMap<SourceId, TextFacts> = b
        .texts
        .iter()
        .map(|(id, t)| (*id, TextFacts::of(t)))
        .collect();
    let mut no_texts = b.clone();
    no_texts.texts.clear();
    let mut asked = Vec::new();
    let mut text = |s: &Source| {
        asked.push(s.id);
        Ok::<_, RefiError>(b.texts[&s.id].clone())
    };
    let seekable =
        write_qdpx_streamed(no_texts.clone(), &facts, &mut text, Cursor::new(Vec::new()))
            .expect("streamed export")
            .into_inner();
    assert_eq!(seekable, to_qdpx(&b), "the same bytes as write_qdpx");
    let canonical = b.canonical();
    let order: Vec<SourceId> = canonical.sources.iter().map(|s| s.id).collect();
    assert_eq!(asked, order, "each text once, in source order");

    let stream = write_qdpx_to_stream(
        no_texts.clone(),
        &facts,
        |s: &Source| Ok::<_, RefiError>(b.texts[&s.id].clone()),
        NoSeek(Vec::new()),
    )
    .expect("export to a stream")
    .0;
    let again = write_qdpx_to_stream(
        no_texts.clone(),
        &facts,
        |s: &Source| Ok::<_, RefiError>(b.texts[&s.id].clone()),
        NoSeek(Vec::new()),
    )
    .expect("export to a stream")
    .0;
    assert_eq!(stream, again, "streamed archives are deterministic too");
    let (back, report) =
        read_qdpx(Cursor::new(&stream), &opts()).expect("streamed archive imports");
    assert!(report.is_clean(), "{report}");
    assert_eq!(back, canonical);

    // A text that is not the one the facts were taken from is refused.
    let changed = write_qdpx_to_stream(
        no_texts.clone(),
        &facts,
        |_: &Source| Ok::<_, RefiError>(String::from("other")),
        NoSeek(Vec::new()),
    );
    assert!(
        matches!(&changed, Err(RefiError::Export { detail }) if detail.contains("changed while")),
        "{:?}",
        changed.err()
    );
    // A source without facts is refused before anything is written.
    let mut missing = facts.clone();
    missing.remove(&order[0]);
    let mut out = NoSeek(Vec::new());
    let r = write_qdpx_to_stream(
        no_texts,
        &missing,
        |s: &Source| Ok::<_, RefiError>(b.texts[&s.id].clone()),
        &mut out,
    );
    assert!(matches!(r, Err(RefiError::Export { .. })));
    assert!(
        out.0.is_empty(),
        "nothing written for a bundle that fails its check"
    );
}

#[test]
fn crlf_texts_are_written_with_lf_and_spans_moved() {
    let mut x = B::new("crlf");
    let u = x.user("u", "U");
    let s = x.source("s", "ab\r\ncd\r\nef", SourceKind::Text, u);
    let c = x.code("c", None, u);
    x.coding(s, c, span(4, 6), u); // "cd"
    let (back, _) = read_qdpx(Cursor::new(to_qdpx(&x.b)), &opts()).expect("imports");
    assert_eq!(back.texts[&s], "ab\ncd\nef");
    let sp = back.codings[0].span;
    assert_eq!((sp.start().0, sp.end().0), (3, 5));
}

#[test]
fn export_refuses_broken_bundles() {
    let check = |f: &dyn Fn(&mut Bundle), want: &str| {
        let mut b = rich();
        f(&mut b);
        match write_qde(&b) {
            Err(RefiError::Export { detail }) => assert!(detail.contains(want), "{detail}"),
            other => panic!("expected an export error containing {want:?}, got {other:?}"),
        }
    };
    check(
        &|b| b.codings[0].span = span(0, 10_000),
        "ends after the end",
    );
    check(
        &|b| b.codings[0].code = CodeId::derived(NS, "nope"),
        "not in the bundle",
    );
    check(&|b| b.texts.clear(), "has no text");
    check(
        &|b| {
            b.memos[0]
                .links
                .push(MemoLink::Case(CaseId::derived(NS, "nope")))
        },
        "not in the bundle",
    );
    check(&|b| b.codes[1].name = "bad\u{1}name".into(), "U+0001");
    check(&|b| b.values[0].value = Value::Integer(3), "does not fit");
    check(&|b| b.codes[0].parent = Some(b.codes[3].id), "cycle");
}

#[test]
fn codebooks_round_trip_and_validate() {
    let b = rich();
    let qdc = write_qdc(&b.codes, &b.sets).expect("codebook exports");
    validate(&qdc, "Codebook.xsd");
    let (cb, report) =
        read_qdc(qdc.as_bytes(), &opts(), b.project.id).expect("own codebook imports");
    assert!(report.is_clean(), "{report}");
    assert_eq!(cb.codes, b.codes);
    assert_eq!(
        cb.origin.as_deref().map(|o| o.starts_with("Axial ")),
        Some(true)
    );
    // Only sets with code members, holding only their code members.
    assert_eq!(cb.sets.len(), 1);
    assert_eq!(
        cb.sets[0].members,
        vec![
            SetMember::Code(b.codes[1].id),
            SetMember::Code(b.codes[4].id)
        ]
    );
    assert!(
        write_qdc(&[], &[]).is_err(),
        "an empty codebook is not valid REFI-QDA"
    );
}

fn csv_check(input: &str, want: &[(&str, Option<&str>, &str)]) {
    let codes = read_codebook_csv(
        input.as_bytes(),
        ProjectId::derived(NS, "p"),
        UserId::derived(NS, "u"),
        t(0),
    )
    .expect("csv reads");
    let name_of: HashMap<CodeId, String> = codes.iter().map(|c| (c.id, c.name.clone())).collect();
    let got: Vec<(String, Option<String>, String)> = codes
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                c.parent.map(|p| name_of[&p].clone()),
                c.color.to_string(),
            )
        })
        .collect();
    let want: Vec<(String, Option<String>, String)> = want
        .iter()
        .map(|(n, p, c)| (n.to_string(), p.map(str::to_string), c.to_string()))
        .collect();
    assert_eq!(got, want);
}

#[test]
fn codebook_csv() {
    let palette = |n| Color::palette(n).to_string();
    csv_check(
        "\u{feff}Name,Parent,Description,Color\nKind,Eltern,\"a, b\",#FF0000\nEltern,,,\n\nEnkel,Kind,,\n",
        &[("Eltern", None, &palette(1)), ("Kind", Some("Eltern"), "#ff0000"), ("Enkel", Some("Kind"), &palette(2))],
    );
    csv_check(
        "colour,NAME\n#00ff00,Zoë 😀\n",
        &[("Zoë 😀", None, "#00ff00")],
    );
    let err = |input: &str| {
        read_codebook_csv(
            input.as_bytes(),
            ProjectId::derived(NS, "p"),
            UserId::derived(NS, "u"),
            t(0),
        )
        .expect_err("bad csv")
        .to_string()
    };
    assert!(err("parent\nx\n").contains("no 'name' column"));
    assert!(
        err("name,parent\na,\nb,zzz\n").contains("line 3"),
        "{}",
        err("name,parent\na,\nb,zzz\n")
    );
    assert!(err("name,parent\na,b\nb,a\n").contains("cycle"));
    assert!(err("name,parent\na,\na,\n").contains("twice"));
    assert!(err("name,colour\na,blue\n").contains("line 2"));
    assert!(err("name,description\n,some text\n").contains("empty"));
}

// ---- random bundles -------------------------------------------------------

fn text_strategy() -> impl Strategy<Value = String> {
    let pool: Vec<&'static str> = vec![
        "a",
        "Z",
        " ",
        "\n",
        "\t",
        "é",
        "e\u{301}",
        "ß",
        "ø",
        "😀",
        "👍🏽",
        "👨‍👩‍👧",
        "𝔘",
        "ש",
        "ل",
        "\u{200f}",
        "&",
        "<",
        ">",
        "\"",
        "'",
        "]]>",
        "—",
        "中",
        "\u{fffd}",
        "?>",
    ];
    prop::collection::vec(prop::sample::select(pool), 1..60).prop_map(|v| v.concat())
}

fn name_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["a", "é", "😀", "ש", "&", "<", "x", "—", " "]),
        1..8,
    )
    .prop_map(|v| format!("n{}", v.concat()))
}

/// (title, body, kind, links as (link kind, target index)).
type MemoPlan = (String, String, usize, Vec<(u8, usize)>);

#[derive(Debug, Clone)]
struct Plan {
    texts: Vec<String>,
    code_names: Vec<(String, Option<usize>, bool)>,
    codings: Vec<(usize, usize, u32, u32, usize)>,
    memos: Vec<MemoPlan>,
    values: Vec<(usize, i64, String)>,
}

fn plan_strategy() -> impl Strategy<Value = Plan> {
    (
        prop::collection::vec(text_strategy(), 1..4),
        prop::collection::vec(
            (name_strategy(), prop::option::of(0usize..6), any::<bool>()),
            1..7,
        ),
        prop::collection::vec((0usize..4, 0usize..7, 0u32..70, 1u32..70, 0usize..2), 0..12),
        prop::collection::vec(
            (
                name_strategy(),
                text_strategy(),
                0usize..4,
                prop::collection::vec((0u8..5, 0usize..12), 0..4),
            ),
            0..4,
        ),
        prop::collection::vec((0usize..4, any::<i64>(), text_strategy()), 0..4),
    )
        .prop_map(|(texts, code_names, codings, memos, values)| Plan {
            texts,
            code_names,
            codings,
            memos,
            values,
        })
}

fn build(plan: &Plan) -> Bundle {
    let mut x = B::new("random");
    let users = [x.user("u1", "Ünal"), x.user("u2", "李")];
    let sources: Vec<SourceId> = plan
        .texts
        .iter()
        .enumerate()
        .map(|(i, t)| x.source(&format!("s{i}"), t, SourceKind::Text, users[i % 2]))
        .collect();
    let mut codes: Vec<CodeId> = Vec::new();
    for (i, (name, parent, codable)) in plan.code_names.iter().enumerate() {
        // Parents only among earlier codes, so the tree is well formed; names unique.
        let parent = parent.filter(|p| *p < i).map(|p| codes[p]);
        let id = x.code(&format!("{name}{i}"), parent, users[i % 2]);
        x.b.codes.last_mut().expect("just pushed").codable = *codable;
        x.b.codes.last_mut().expect("just pushed").description = name.clone();
        codes.push(id);
    }
    let mut codings = Vec::new();
    for &(s, c, a, len, u) in &plan.codings {
        let s = s % sources.len();
        let n = plan.texts[s].chars().count() as u32;
        let start = a % n;
        let end = (start + len).min(n);
        if start < end {
            codings.push(x.coding(
                sources[s],
                codes[c % codes.len()],
                span(start, end),
                users[u],
            ));
        }
    }
    let case = x.case("Fall ✓");
    let var = x.variable("v", VariableKind::Integer, "");
    let tvar = x.variable("t", VariableKind::Text, "");
    for (i, (s, n, text)) in plan.values.iter().enumerate() {
        if i == 0 {
            x.value(var, Subject::Case(case), Value::Integer(*n), true);
        }
        let subject = Subject::Source(sources[s % sources.len()]);
        if !x
            .b
            .values
            .iter()
            .any(|v| v.variable == tvar && v.subject == subject)
        {
            x.value(tvar, subject, Value::Text(text.clone()), false);
        }
    }
    for (i, (title, body, kind, links)) in plan.memos.iter().enumerate() {
        let links = links
            .iter()
            .filter_map(|&(k, j)| match k {
                0 => Some(MemoLink::Project),
                1 => Some(MemoLink::Source(sources[j % sources.len()])),
                2 => Some(MemoLink::Case(case)),
                3 => Some(MemoLink::Code(codes[j % codes.len()])),
                _ => (!codings.is_empty()).then(|| MemoLink::Coding(codings[j % codings.len()])),
            })
            .collect();
        x.memo(
            &format!("{title}{i}"),
            body,
            MemoKind::ALL[kind % 4],
            links,
            users[i % 2],
        );
    }
    x.b.canonical()
}

proptest! {
    // No failure-persistence file: failures print their minimal input instead.
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn random_bundles_round_trip(plan in plan_strategy()) {
        let b = build(&plan);
        let bytes = to_qdpx(&b);
        let (back, report) = read_qdpx(Cursor::new(&bytes), &opts()).expect("own export imports");
        prop_assert!(report.is_clean(), "{}", report);
        prop_assert_eq!(&back, &b);
        prop_assert_eq!(write_qde(&back).expect("re-export"), write_qde(&b).expect("export"));
    }
}
