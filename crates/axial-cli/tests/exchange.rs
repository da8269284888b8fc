//! REFI-QDA exchange through the built `axial` binary: export, import into a
//! fresh database, export again and compare; schema validation of every
//! export with `xmllint`; the loss report of real samples; hostile archives
//! and dry runs leave the database as it was.
//!
//! The schemas and samples live in the shared folder next to the repository
//! (`CARGO_MANIFEST_DIR/../../../shared`, or `$AXIAL_SHARED`).

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

mod common;
use common::Env;

use serde_json::Value;

/// The shared folder with the REFI-QDA schemas and samples.
fn shared() -> PathBuf {
    match std::env::var_os("AXIAL_SHARED") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    }
}

fn refi(name: &str) -> PathBuf {
    let p = shared().join("refi-qda").join(name);
    assert!(
        p.exists(),
        "{} is missing; set AXIAL_SHARED to the folder holding refi-qda/",
        p.display()
    );
    p
}

/// One entry of a ZIP archive.
fn entry(archive: &Path, name: &str) -> Vec<u8> {
    let bytes = std::fs::read(archive).expect("read archive");
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).expect("a ZIP archive");
    let mut f = zip.by_name(name).expect("entry present");
    let mut out = Vec::new();
    f.read_to_end(&mut out).expect("read entry");
    out
}

/// Validates an XML file against a schema of the shared folder.
fn validate(xml: &Path, schema: &str) {
    let out = match Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(refi(schema))
        .arg(xml)
        .output()
    {
        Ok(o) => o,
        Err(e) => panic!(
            "cannot run xmllint ({e}); install it with `sudo apt-get install libxml2-utils` (scripts/test.sh does this when run as root)"
        ),
    };
    assert!(
        out.status.success(),
        "{} does not validate against {schema}:\n{}",
        xml.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `project.qde` of an archive, written next to it and validated.
fn exported_qde(env: &Env, archive: &str) -> String {
    let xml = entry(&env.file(archive), "project.qde");
    let path = env.file(&format!("{archive}.qde"));
    std::fs::write(&path, &xml).expect("write qde");
    validate(&path, "Project.xsd");
    String::from_utf8(xml).expect("UTF-8 XML")
}

/// The XML with each user GUID replaced by the user's name, and the record
/// of user creation times dropped: users are matched by name on import, so
/// the importing user keeps the id (and creation time) of the database it
/// already lives in.
fn canonical(xml: &str) -> String {
    let mut names = Vec::new();
    for line in xml.lines().filter(|l| l.trim_start().starts_with("<User ")) {
        let attr = |a: &str| {
            let key = format!(" {a}=\"");
            let from = line.find(&key).map(|i| i + key.len())?;
            let len = line[from..].find('"')?;
            Some(line[from..from + len].to_string())
        };
        if let (Some(g), Some(n)) = (attr("guid"), attr("name")) {
            names.push((g, format!("user:{n}")));
        }
    }
    let mut out: String = xml
        .lines()
        .filter(|l| !l.contains("users_created_at"))
        .collect::<Vec<_>>()
        .join("\n");
    for (g, n) in names {
        out = out.replace(&g, &n);
    }
    out
}

fn counts(env: &Env, db: &str) -> Value {
    let mut v = env.json(&["--db", db, "stats"]);
    let o = v.as_object_mut().expect("stats is an object");
    o.remove("changes");
    v
}

#[test]
fn demo_round_trips_through_a_fresh_database() {
    let env = Env::new();
    env.ok(&["demo"]);
    env.ok(&["export", "qdpx", "a.qdpx"]);
    let first = exported_qde(&env, "a.qdpx");

    let other = env.second_db("other.db");
    let out = env.ok(&["--db", &other, "import-project", "a.qdpx"]);
    assert!(out.contains("loss report:"), "{out}");
    assert!(out.contains("nothing was left out"), "{out}");
    env.ok(&["--db", &other, "export", "qdpx", "b.qdpx"]);
    let second = exported_qde(&env, "b.qdpx");

    assert_eq!(counts(&env, &env.db()), counts(&env, &other));
    assert_eq!(canonical(&first), canonical(&second));
    // Source texts travel byte for byte.
    let src = first
        .split("plainTextPath=\"internal://")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a source path");
    assert_eq!(
        entry(&env.file("a.qdpx"), &format!("sources/{src}")),
        entry(&env.file("b.qdpx"), &format!("sources/{src}"))
    );

    // The whole import is one change: one undo removes it.
    let history = env.json(&["--db", &other, "history"]);
    assert_eq!(history.as_array().map(Vec::len), Some(1), "{history}");
}

#[test]
fn importing_twice_gives_fresh_ids_and_a_unique_name() {
    let env = Env::new();
    env.ok(&["demo"]);
    env.ok(&["export", "qdpx", "a.qdpx"]);
    let r = env.json(&["import-project", "a.qdpx"]);
    assert_eq!(r["remapped_ids"], true, "{r}");
    assert_eq!(r["dry_run"], false);
    let name = r["project"]["name"].as_str().expect("name").to_string();
    assert!(name.ends_with(" (2)"), "{name}");
    let projects = env.json(&["project", "list"]);
    assert_eq!(projects.as_array().map(Vec::len), Some(2));
    let a = env.json(&["-p", "Quality in primary care (demo)", "stats"]);
    let b = env.json(&["-p", &name, "stats"]);
    for k in ["sources", "codes", "codings", "memos", "cases", "variables"] {
        assert_eq!(a[k], b[k], "{k}");
    }
}

#[test]
fn codebook_exports_validate_and_merge() {
    let env = Env::new();
    env.ok(&["demo"]);
    env.ok(&["export", "qdc", "codes.qdc"]);
    validate(&env.file("codes.qdc"), "Codebook.xsd");
    let demo_codes = env.json(&["stats"])["codes"].as_u64().expect("codes");

    let cb = env.second_db("cb.db");
    let cb = cb.as_str();
    env.ok(&["--db", cb, "project", "new", "fresh"]);
    let dry = env.json(&["--db", cb, "import-codebook", "codes.qdc", "--dry-run"]);
    assert_eq!(dry["codes_added"].as_u64(), Some(demo_codes));
    assert_eq!(env.json(&["--db", cb, "stats"])["codes"], 0);

    let out = env.ok(&["--db", cb, "import-codebook", "codes.qdc"]);
    assert!(out.contains(&format!("{demo_codes} codes added")), "{out}");
    let again = env.json(&["--db", cb, "import-codebook", "codes.qdc"]);
    assert_eq!(again["codes_added"], 0);
    assert_eq!(again["codes_kept"].as_u64(), Some(demo_codes));
    assert_eq!(
        env.json(&["--db", cb, "stats"])["codes"].as_u64(),
        Some(demo_codes)
    );

    std::fs::write(
        env.file("codes.csv"),
        "name,parent,description,colour\nTrust,,how far people rely on each other,#336699\nErosion of trust,Trust,,\n",
    )
    .expect("write csv");
    let r = env.json(&["--db", cb, "import-codebook", "codes.csv"]);
    assert_eq!(r["codes_added"], 2, "{r}");
}

#[test]
fn samples_from_other_programs_print_a_loss_report() {
    let env = Env::new();
    let nvivo = refi("samples/nvivo12.6-win_oltas0517.qdpx");
    let out = env.ok(&["import-project", nvivo.to_str().expect("UTF-8 path")]);
    assert!(out.contains("152 codes, 303 codings"), "{out}");
    assert!(out.contains("loss report:"), "{out}");
    assert!(out.contains("converted 303 × PlainTextSelection"), "{out}");

    let atlas = refi("samples/atlasti8.4-mac_standard-project.qde");
    let out = env.ok(&["import-project", atlas.to_str().expect("UTF-8 path")]);
    assert!(out.contains("not imported 1 × PictureSource"), "{out}");
    assert!(out.contains("not imported 1 × Graph"), "{out}");

    // What came in goes out valid.
    env.ok(&["-p", "Untitled", "export", "qdpx", "nvivo.qdpx"]);
    exported_qde(&env, "nvivo.qdpx");
}

/// A .qdpx whose second entry escapes the archive folder.
fn zip_slip_archive(env: &Env) -> PathBuf {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("project.qde", opts).expect("entry");
    w.write_all(
        br#"<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:1.0" name="evil"><Users><User guid="6f0a3c1e-0a57-4b7e-9a57-0c1d2e3f4a5b" name="x"/></Users></Project>"#,
    )
    .expect("write");
    w.start_file("../outside.txt", opts).expect("entry");
    w.write_all(b"escaped").expect("write");
    let bytes = w.finish().expect("finish").into_inner();
    let p = env.file("evil.qdpx");
    std::fs::write(&p, bytes).expect("write archive");
    p
}

#[test]
fn hostile_archives_and_dry_runs_change_nothing() {
    let env = Env::new();
    env.ok(&["demo"]);
    let before = (env.json(&["project", "list"]), counts(&env, &env.db()));

    let evil = zip_slip_archive(&env);
    let err = env.fails(&["import-project", evil.to_str().expect("UTF-8 path")]);
    assert!(err.contains("../outside.txt"), "{err}");
    assert!(!env.file("../outside.txt").exists());

    std::fs::write(
        env.file("bomb.qde"),
        r#"<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><Project xmlns="urn:QDA-XML:project:1.0" name="&b;"/>"#,
    )
    .expect("write");
    let err = env.fails(&["import-project", "bomb.qde"]);
    assert!(err.contains("DOCTYPE"), "{err}");

    std::fs::write(env.file("junk.qdpx"), b"PK\x03\x04 not really a zip").expect("write");
    env.fails(&["import-project", "junk.qdpx"]);

    env.ok(&["export", "qdpx", "a.qdpx"]);
    let out = env.ok(&["import-project", "a.qdpx", "--dry-run", "--name", "copy"]);
    assert!(
        out.contains("dry run: would import project 'copy'"),
        "{out}"
    );
    assert!(out.contains("nothing was written"), "{out}");

    let after = (env.json(&["project", "list"]), counts(&env, &env.db()));
    assert_eq!(before, after);
    let history = env.json(&["history", "--limit", "1000"]);
    assert!(
        history
            .as_array()
            .expect("history")
            .iter()
            .all(|c| c["action"] != "project.import"),
        "{history}"
    );
}

/// `axial import qdpx FILE` and `axial import qdc FILE`, as the export
/// commands are spelled, do what `import-project` and `import-codebook` do.
#[test]
fn import_takes_the_format_keyword_like_export() {
    let env = Env::new();
    env.ok(&["demo"]);
    env.ok(&["export", "qdpx", "a.qdpx"]);
    env.ok(&["export", "qdc", "codes.qdc"]);
    let codes = env.json(&["stats"])["codes"].as_u64().expect("codes");

    let other = env.second_db("other.db");
    let dry = env.ok(&["--db", &other, "import", "qdpx", "a.qdpx", "--dry-run"]);
    assert!(dry.contains("dry run: would import"), "{dry}");
    assert!(env
        .json(&["--db", &other, "project", "list"])
        .as_array()
        .is_some_and(|a| a.is_empty()));
    let out = env.ok(&["--db", &other, "import", "QDPX", "a.qdpx", "--name", "copy"]);
    assert!(out.contains("imported project 'copy'"), "{out}");
    assert!(out.contains("loss report:"), "{out}");
    let (a, b) = (counts(&env, &env.db()), counts(&env, &other));
    for k in [
        "sources",
        "codes",
        "codings",
        "memos",
        "cases",
        "variables",
        "sets",
    ] {
        assert_eq!(a[k], b[k], "{k}");
    }

    let cb = env.second_db("cb.db");
    env.ok(&["--db", &cb, "project", "new", "fresh"]);
    let r = env.json(&["--db", &cb, "import", "qdc", "codes.qdc"]);
    assert_eq!(r["codes_added"].as_u64(), Some(codes), "{r}");

    // Wrong shapes are refused with what to write instead.
    let err = env.fails(&["import", "qdpx"]);
    assert!(err.contains("axial import qdpx FILE"), "{err}");
    let err = env.fails(&["import", "qdpx", "a.qdpx", "b.qdpx"]);
    assert!(err.contains("one file"), "{err}");
    let err = env.fails(&["import", "qdc", "codes.qdc", "--name", "x"]);
    assert!(err.contains("--name"), "{err}");
    let err = env.fails(&["import", "qdpx", "a.qdpx", "--survey"]);
    assert!(err.contains("--dry-run"), "{err}");
    std::fs::write(env.file("note.txt"), "A short note.\n").expect("write");
    let err = env.fails(&["import", "note.txt", "--dry-run"]);
    assert!(err.contains("axial import qdpx FILE"), "{err}");
}
