//! Pseudonymisation end to end on a SQLite file: a transcript with planted
//! identifiers is imported and coded, reviewed and pseudonymised over the
//! API, and then no original may be found anywhere — the snapshot, the
//! change log, search, segments, every export and report download, the
//! layout the browser reads, and the database file's bytes once closed.
//! The key file is encrypted and maps back; codings still cover the same
//! words; a second source reuses the labels; undo is refused.

use std::sync::Arc;

use axial_app::axial_privacy::{Category, KeyFile};
use axial_app::backup::BackupFolder;
use axial_app::pseudonymise::key_dir_beside;
use axial_app::quotes::{Quote, QuoteStatus, QuoteUse};
use axial_app::{
    Accept, App, ApplyTarget, Decisions, ImportOutcome, ImportRequest, KeyAccess, SearchQuery,
    SegmentQuery,
};
use axial_core::{Project, Source};
use axial_server::{router, ServerConfig};
use axial_store::HistoryQuery;
use axial_store_sqlite::SqliteStore;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

const PASSPHRASE: &str = "a long and private passphrase";

const TRANSCRIPT: &str = "Interviewer: Thank you for joining. Can you tell me about your role?
Margaret Okonkwo: I moved to Harrogate in 2019. My email is m.okonkwo@example.org and my mobile is 07700 900123.
Interviewer: And for the record?
Margaret Okonkwo: My NHS number is 943 476 5919 and I was born on 12/03/1985. Post goes to LS1 4AP.
Interviewer: Who else works nights?
Margaret Okonkwo: Zoë Ó Súilleabháin runs the night shift, and we share the workload fairly.
";

/// Every planted identifier (and the parts of names).
const ORIGINALS: &[&str] = &[
    "Margaret Okonkwo",
    "Okonkwo",
    "Harrogate",
    "m.okonkwo@example.org",
    "07700 900123",
    "943 476 5919",
    "12/03/1985",
    "LS1 4AP",
    "Zoë Ó Súilleabháin",
    "Súilleabháin",
];

struct Env {
    app: App,
    router: Router,
    csrf: String,
    db: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Env {
    async fn send(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Vec<u8>) {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header("host", "127.0.0.1")
            .header("x-axial-csrf", &self.csrf);
        if body.is_some() {
            req = req.header("content-type", "application/json");
        }
        let req = req
            .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
            .expect("request");
        let resp = self
            .router
            .clone()
            .oneshot(req)
            .await
            .expect("router answers");
        let status = resp.status();
        let bytes = resp.into_body().collect().await.expect("body").to_bytes();
        (status, bytes.to_vec())
    }

    async fn json(&self, method: &str, uri: &str, body: Option<Value>) -> (StatusCode, Value) {
        let (s, b) = self.send(method, uri, body).await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }
}

async fn env() -> Env {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = dir.path().join("study.db");
    let store = SqliteStore::open(&db.display().to_string())
        .await
        .expect("open sqlite");
    let app = App::new(Arc::new(store))
        .with_key_dir(key_dir_beside(&db))
        .with_backup_folder(BackupFolder::of(&db));
    let router = router(app.clone(), ServerConfig::default());
    let mut e = Env {
        app,
        router,
        csrf: String::new(),
        db,
        _dir: dir,
    };
    let (_, s) = e.json("GET", "/api/v1/session", None).await;
    e.csrf = s["csrf_token"].as_str().expect("csrf token").to_string();
    e
}

async fn import(app: &App, p: &Project, name: &str, text: &str) -> Source {
    let actor = app.local_user("tester").await.expect("user");
    match app
        .import_document(
            &actor,
            p,
            ImportRequest {
                file_name: format!("{name}.txt"),
                bytes: text.as_bytes().to_vec(),
                name: Some(name.into()),
                case: None,
            },
        )
        .await
        .expect("import")
    {
        ImportOutcome::Imported { source, .. } => *source,
        other => panic!("not imported: {other:?}"),
    }
}

/// Fails naming the first original found in `what`.
fn assert_clean(place: &str, what: &str) {
    for o in ORIGINALS {
        assert!(
            !what.to_lowercase().contains(&o.to_lowercase()),
            "'{o}' is still in {place}"
        );
    }
}

fn contains_bytes(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn pseudonymised_originals_are_gone_everywhere_and_the_key_maps_back() {
    let e = env().await;
    let app = &e.app;
    let actor = app.local_user("tester").await.expect("user");
    let p = app
        .create_project(&actor, "Night shifts", "")
        .await
        .expect("project");
    let key_path = app.key_file(&p).expect("a key file beside the database");
    let access = KeyAccess {
        path: key_path.clone(),
        passphrase: PASSPHRASE.into(),
    };
    for (name, kind) in [
        ("Margaret Okonkwo", Category::Person),
        ("Harrogate", Category::Place),
        ("Zoë Ó Súilleabháin", Category::Person),
    ] {
        assert!(app
            .add_key_name(&p, &access, name, kind)
            .await
            .expect("name added"));
    }

    let source = import(app, &p, "Margaret Okonkwo interview", TRANSCRIPT).await;
    let workload = app
        .create_code(&actor, &p, "Workload", None, None, "sharing work", true)
        .await
        .expect("code");
    let moving = app
        .create_code(&actor, &p, "Moving", None, None, "", true)
        .await
        .expect("code");
    let code = |c, pattern: &str| {
        let app = app.clone();
        let actor = actor.clone();
        let p = p.clone();
        let source = source.clone();
        let pattern = regex_escape(pattern);
        async move {
            app.apply_code(
                &actor,
                &p,
                c,
                &[source],
                &ApplyTarget::Match {
                    pattern,
                    ignore_case: false,
                },
            )
            .await
            .expect("coded")
        }
    };
    code(&workload, "we share the workload fairly").await;
    code(&moving, "moved to Harrogate in 2019").await;
    code(&moving, "Súilleabháin").await;

    // Review: without the key only patterns are found; with it, the names too.
    let base = format!(
        "/api/v1/projects/{}/sources/{}/pseudonymise",
        p.id, source.id
    );
    let (s, plain) = e.json("GET", &format!("{base}/proposals"), None).await;
    assert_eq!(s, StatusCode::OK, "{plain}");
    assert_eq!(plain["key_used"], false);
    let (s, bad) = e
        .json(
            "POST",
            &format!("{base}/proposals"),
            Some(json!({"passphrase": "wrong"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    assert!(
        bad["error"]["message"]
            .as_str()
            .unwrap()
            .contains("passphrase does not open"),
        "{bad}"
    );
    let (s, props) = e
        .json(
            "POST",
            &format!("{base}/proposals"),
            Some(json!({"passphrase": PASSPHRASE})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{props}");
    let list = props["proposals"].as_array().expect("proposals");
    let by_original = |o: &str| {
        list.iter()
            .find(|x| x["original"] == o)
            .unwrap_or_else(|| panic!("no proposal for {o}: {props}"))
    };
    for (o, cat, label) in [
        ("Margaret Okonkwo", "person", "[Person A]"),
        ("Harrogate", "place", "[Place A]"),
        ("m.okonkwo@example.org", "email", "[email]"),
        ("07700 900123", "phone", "[phone]"),
        ("943 476 5919", "nhs_number", "[NHS number]"),
        ("12/03/1985", "date_of_birth", "[date of birth]"),
        ("LS1 4AP", "postcode", "[postcode]"),
        ("Zoë Ó Súilleabháin", "person", "[Person B]"),
    ] {
        let x = by_original(o);
        assert_eq!(x["category"], cat, "{x}");
        assert_eq!(x["replacement"], label, "{x}");
    }
    // Nothing was replaced before, so nothing comes from the key yet (the
    // second "Margaret Okonkwo" included).
    assert!(list.iter().all(|x| x["known"] == false), "{props}");
    // The name's offsets are code points (the text before it has none
    // outside ASCII, the name itself has four).
    let zoe = by_original("Zoë Ó Súilleabháin");
    let start = TRANSCRIPT.find("Zoë").unwrap();
    assert_eq!(zoe["start"], TRANSCRIPT[..start].chars().count());
    assert_eq!(
        zoe["end"].as_u64().unwrap() - zoe["start"].as_u64().unwrap(),
        18
    );

    // A stale review and an unknown proposal are refused; nothing changes.
    let ids: Vec<u64> = list.iter().map(|x| x["id"].as_u64().unwrap()).collect();
    let (s, r) = e
        .json(
            "POST",
            &base,
            Some(json!({"passphrase": PASSPHRASE, "accept": ids, "fingerprint": "0000"})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    let (s, r) = e
        .json(
            "POST",
            &base,
            Some(json!({"passphrase": PASSPHRASE, "accept": [999]})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    let key_dir: Vec<_> = std::fs::read_dir(key_path.parent().unwrap())
        .unwrap()
        .map(|f| f.unwrap().file_name())
        .collect();
    assert_eq!(
        key_dir,
        [key_path.file_name().unwrap()],
        "only the key file"
    );

    // A memo and a quote record copied a sentence with two names.
    let sentence = "Zoë Ó Súilleabháin runs the night shift, and we share the workload fairly.";
    let memo = app
        .create_memo(
            &actor,
            &p,
            "Nights with Zoë Ó Súilleabháin",
            &format!("Margaret Okonkwo on the rota: \"{sentence}\""),
            axial_core::MemoKind::Theoretical,
            vec![axial_core::MemoLink::Source(source.id)],
        )
        .await
        .expect("memo");
    let start = TRANSCRIPT[..TRANSCRIPT.find(sentence).unwrap()]
        .chars()
        .count() as u32;
    let quote = app
        .create_record(
            &actor,
            &p,
            &Quote {
                participant: None,
                source: source.id,
                start,
                end: start + sentence.chars().count() as u32,
                used_in: vec![
                    QuoteUse::Memo(memo.id),
                    QuoteUse::Report("Final report".into()),
                ],
                status: QuoteStatus::Amended,
                note: format!("as told by Margaret Okonkwo: {sentence}"),
                amended_text: "Zoë Ó Súilleabháin leads nights.".into(),
            },
            "quote",
        )
        .await
        .expect("quote record");

    // A backup taken now holds the originals, and the answer says so.
    let backup = app
        .backup_into(&BackupFolder::of(&e.db))
        .await
        .expect("backup");

    // Before: the originals are in the database's bytes (so the check at the
    // end can see them).
    let mut before = std::fs::read(&e.db).expect("database file");
    before.extend(std::fs::read(e.db.with_file_name("study.db-wal")).unwrap_or_default());
    assert!(contains_bytes(&before, "Súilleabháin".as_bytes()));

    let (s, done) = e
        .json(
            "POST",
            &base,
            Some(json!({"passphrase": PASSPHRASE, "accept": ids, "fingerprint": props["fingerprint"]})),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{done}");
    assert_eq!(done["sources"][0]["name"], "[Person A] interview");
    assert_eq!(done["sources"][0]["codings_dropped"], json!([]));
    assert_eq!(done["memos_changed"], 1, "{done}");
    assert_eq!(done["records_changed"], 1, "{done}");
    assert_eq!(done["backups_with_erased_data"], 1, "{done}");
    let warning = done["backup_warning"].as_str().expect("a backup warning");
    assert!(
        warning.contains("axial backup purge --before-erasure")
            && warning.contains("still holds the erased data"),
        "{warning}"
    );
    assert!(backup.path.exists());

    // The memo and the quote record now carry the labels; the quote still
    // covers the same words of the new text.
    let memo = app.store().memo(memo.id).await.expect("memo");
    assert_eq!(memo.title, "Nights with [Person B]");
    assert_eq!(
        memo.body,
        "[Person A] on the rota: \"[Person B] runs the night shift, and we share the workload fairly.\""
    );
    let quote = app
        .record_of::<Quote>(&p, quote.id())
        .await
        .expect("quote record");
    assert_eq!(
        quote.body.note,
        "as told by [Person A]: [Person B] runs the night shift, and we share the workload fairly."
    );
    assert_eq!(quote.body.amended_text, "[Person B] leads nights.");
    assert_eq!(
        quote.body.used_in,
        [
            QuoteUse::Memo(memo.id),
            QuoteUse::Report("Final report".into())
        ]
    );
    let view = app.quote_view(&p, quote.clone()).await.expect("quote view");
    assert_eq!(
        view.text,
        "[Person B] runs the night shift, and we share the workload fairly."
    );
    assert_eq!(
        quote.record.key,
        format!("{}:{}-{}", source.id, quote.body.start, quote.body.end)
    );

    // The new text, and codings that still cover the same words.
    let source = app.store().source(source.id).await.expect("source");
    let text = app.text(&source).await.expect("text");
    assert!(text.text.contains("[Person A]: I moved to [Place A] in 2019. My email is [email] and my mobile is [phone]."), "{}", text.text);
    assert!(text.text.contains(
        "My NHS number is [NHS number] and I was born on [date of birth]. Post goes to [postcode]."
    ));
    assert!(text
        .text
        .contains("[Person A]: [Person B] runs the night shift"));
    let mut coded: Vec<String> = app
        .store()
        .codings(p.id, &axial_store::CodingFilter::source(source.id))
        .await
        .expect("codings")
        .iter()
        .map(|c| text.slice(c.span).to_string())
        .collect();
    coded.sort();
    assert_eq!(
        coded,
        [
            "[Person B]",
            "moved to [Place A] in 2019",
            "we share the workload fairly"
        ]
    );
    for t in &source.structure.turns {
        assert!(
            t.speaker == "Interviewer" || t.speaker == "[Person A]",
            "{t:?}"
        );
    }

    // Nothing anywhere in the project still holds an original.
    let snapshot = app.store().snapshot(p.id).await.expect("snapshot");
    assert_clean("the snapshot", &format!("{snapshot:?}"));
    for s in &snapshot.sources {
        assert_clean(
            "a source text",
            &app.store().text(s.content_hash).await.expect("text"),
        );
    }
    let log = app
        .store()
        .history(&HistoryQuery {
            project: Some(p.id),
            author: None,
            before: None,
            limit: 10_000,
        })
        .await
        .expect("history");
    assert!(log.len() >= 5);
    for c in &log {
        assert_clean(&format!("change {}", c.seq), &format!("{c:?}"));
    }
    let history = app.history(&p, None, 10_000).await.expect("history");
    assert_clean("the history", &format!("{history:?}"));
    for o in ORIGINALS {
        let hits = app
            .search(
                &p,
                &SearchQuery {
                    pattern: o.to_string(),
                    ignore_case: true,
                    ..Default::default()
                },
            )
            .await
            .expect("search");
        assert!(hits.is_empty(), "search finds {o}: {hits:?}");
    }
    let segments = app
        .segments(
            &p,
            &SegmentQuery {
                codes: vec![workload.id, moving.id],
                context: 200,
                ..Default::default()
            },
        )
        .await
        .expect("segments");
    assert_eq!(segments.len(), 3);
    assert_clean("the segments", &format!("{segments:?}"));
    let qdpx = app.export_qdpx_bytes(&p).await.expect("qdpx");
    for o in ORIGINALS {
        assert!(
            !contains_bytes(&qdpx, o.as_bytes()),
            "{o} in the QDPX bytes"
        );
    }
    let (bundle, _) = axial_formats::refi::read_qdpx(
        std::io::Cursor::new(qdpx),
        &axial_formats::refi::ImportOptions::new(actor.id(), axial_core::now()),
    )
    .expect("the export reads back");
    assert_clean("the QDPX export", &format!("{bundle:?}"));
    assert_clean("the QDC codebook", &app.export_qdc(&p).await.expect("qdc"));
    let reports = [
        format!(
            "/api/v1/projects/{}/analysis/reports/themes?codes=Workload,Moving&format=md",
            p.id
        ),
        format!(
            "/api/v1/projects/{}/analysis/reports/themes?codes=Workload,Moving&format=html",
            p.id
        ),
        format!(
            "/api/v1/projects/{}/analysis/reports/segments?code=Moving&format=csv",
            p.id
        ),
        format!(
            "/api/v1/projects/{}/analysis/reports/codebook?format=md",
            p.id
        ),
        format!("/api/v1/projects/{}/sources/{}/layout", p.id, source.id),
        format!("/api/v1/projects/{}/sources", p.id),
        format!("/api/v1/projects/{}/pseudonyms", p.id),
    ];
    for uri in &reports {
        let (s, body) = e.send("GET", uri, None).await;
        assert_eq!(
            s,
            StatusCode::OK,
            "{uri}: {}",
            String::from_utf8_lossy(&body)
        );
        assert_clean(uri, &String::from_utf8_lossy(&body));
    }
    let (_, csv) = e.send("GET", &reports[2], None).await;
    assert!(String::from_utf8_lossy(&csv).contains("moved to [Place A] in 2019"));
    let (_, labels) = e.json("GET", &reports[6], None).await;
    let person_a = labels
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["label"] == "[Person A]")
        .expect("[Person A] recorded");
    assert_eq!(person_a["count"], 3);

    // The key file is encrypted, opens only with the passphrase, maps back.
    let key_bytes = std::fs::read(&key_path).expect("key file written");
    for o in ORIGINALS {
        assert!(
            !contains_bytes(&key_bytes, o.as_bytes()),
            "{o} in clear in the key file"
        );
    }
    assert!(KeyFile::decrypt(&key_bytes, "wrong").is_err());
    let key = KeyFile::decrypt(&key_bytes, PASSPHRASE).expect("key opens");
    let back = |label: &str| -> Vec<String> {
        key.mappings
            .iter()
            .filter(|m| m.replacement == label)
            .map(|m| m.original.clone())
            .collect()
    };
    assert_eq!(back("[Person A]"), ["Margaret Okonkwo"]);
    assert_eq!(back("[Person B]"), ["Zoë Ó Súilleabháin"]);
    assert_eq!(back("[NHS number]"), ["943 476 5919"]);

    // Undo refuses to bring anything back.
    let (s, r) = e
        .json(
            "POST",
            &format!("/api/v1/projects/{}/undo", p.id),
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{r}");
    assert!(
        r["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot be undone"),
        "{r}"
    );

    // A second source later: the same person gets the same label.
    let second = import(
        app,
        &p,
        "Follow-up",
        "Interviewer: Welcome back.\nParticipant: Okonkwo is my married name; Margaret Okonkwo in full.\n",
    )
    .await;
    let props = app
        .propose_pseudonyms(&p, &second, Some(&access))
        .await
        .expect("proposals");
    let names: Vec<(&str, &str, bool)> = props
        .proposals
        .iter()
        .map(|x| (x.original.as_str(), x.replacement.as_str(), x.known))
        .collect();
    assert_eq!(
        names,
        [
            ("Okonkwo", "[Person A]", true),
            ("Margaret Okonkwo", "[Person A]", true)
        ]
    );
    app.pseudonymise(
        &actor,
        &p,
        &second,
        &Decisions {
            accept: Accept::All,
            ..Default::default()
        },
        &access,
    )
    .await
    .expect("second source pseudonymised");
    let err = app.undo(&actor, &p).await.expect_err("undo is refused");
    assert!(err.to_string().contains("cannot be undone"), "{err}");
    let second = app.store().source(second.id).await.expect("source");
    assert_eq!(
        &*app.text(&second).await.expect("text").text,
        "Interviewer: Welcome back.\nParticipant: [Person A] is my married name; [Person A] in full.\n"
    );

    // The database file itself, closed: no original in its bytes.
    app.store().close().await;
    let bytes = std::fs::read(&e.db).expect("database file");
    for o in ORIGINALS {
        assert!(
            !contains_bytes(&bytes, o.as_bytes()),
            "{o} in the database file"
        );
    }
    let wal = e.db.with_file_name("study.db-wal");
    if wal.exists() {
        let wal = std::fs::read(&wal).expect("wal");
        for o in ORIGINALS {
            assert!(
                !contains_bytes(&wal, o.as_bytes()),
                "{o} in the write-ahead log"
            );
        }
    }
}

fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if "\\.+*?()|[]{}^$#&-~".contains(c) {
                vec!['\\', c]
            } else {
                vec![c]
            }
        })
        .collect()
}
