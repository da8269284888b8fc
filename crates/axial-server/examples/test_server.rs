//! A throwaway Axial server for the browser tests: a fresh SQLite database
//! in a temporary directory with the demo study loaded, served on a free
//! loopback port. Prints `AXIAL_URL=http://127.0.0.1:PORT` once it listens,
//! and stops when its standard input closes (or on Ctrl+C).
//!
//! `--big` adds a generated 300,000-character transcript with 2,000 codings
//! (project "Long transcript") for scrolling tests. `--accounts` turns
//! sign-in on: "owner" (an administrator, owner of the demo) and "viewer"
//! (a viewer of it), both with the password "browser test password".
//! Key files for pseudonymisation and backups go beside the database
//! (`axial-test.db.keys/`, `axial-test.db.backups/`); `--backup` takes one
//! backup of the demo, so an erasure has an older backup to warn about.

use std::io::{Read, Write};
use std::sync::Arc;

use axial_app::backup::BackupFolder;
use axial_app::pseudonymise::key_dir_beside;
use axial_app::{App, ImportOutcome, ImportRequest};
use axial_server::{serve, ServerConfig};
use axial_store_sqlite::SqliteStore;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let big = std::env::args().any(|a| a == "--big");
    let dir = tempfile::tempdir()?;
    let db = dir.path().join("axial-test.db");
    let store = SqliteStore::open(&db.display().to_string()).await?;
    // Key files and backups beside the database, as `axial serve` keeps them.
    let backups = BackupFolder::of(&db);
    let app = App::new(Arc::new(store))
        .with_key_dir(key_dir_beside(&db))
        .with_backup_folder(backups.clone());
    app.build_demo(&|_| {}).await?;
    if std::env::args().any(|a| a == "--backup") {
        app.backup_into(&backups).await?;
    }
    if big {
        add_long_transcript(&app).await?;
    }
    if std::env::args().any(|a| a == "--accounts") {
        add_accounts(&app).await?;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    println!("AXIAL_DB={}", db.display());
    println!("AXIAL_URL=http://{addr}");
    std::io::stdout().flush()?;
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
        let _ = tx.send(());
    });
    let shutdown = async move {
        tokio::select! {
            _ = rx => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    };
    serve(listener, app, ServerConfig::default(), shutdown).await?;
    drop(dir);
    Ok(())
}

/// Two accounts and their roles in the demo study.
async fn add_accounts(app: &App) -> Result<(), Box<dyn std::error::Error>> {
    let setup = app.local_user("researcher").await?;
    let demo = app
        .resolve_project(Some("Quality in primary care (demo)"))
        .await?;
    for (name, admin, role) in [
        ("owner", true, axial_app::MemberRole::Owner),
        ("viewer", false, axial_app::MemberRole::Viewer),
    ] {
        app.create_account(&setup, name, None, "browser test password", admin)
            .await?;
        let user = app.find_user(name).await?;
        app.set_member(&setup, &demo, &user, role).await?;
    }
    Ok(())
}

/// A 300,000-character transcript with 2,000 codings over 10 codes.
async fn add_long_transcript(app: &App) -> Result<(), Box<dyn std::error::Error>> {
    let actor = app.local_user("researcher").await?;
    let project = app
        .create_project(
            &actor,
            "Long transcript",
            "a generated long interview for scrolling tests",
        )
        .await?;
    let text = axial_server::bench::long_transcript(300_000);
    let req = ImportRequest {
        file_name: "long interview.txt".into(),
        bytes: text.into_bytes(),
        name: None,
        case: None,
    };
    let ImportOutcome::Imported { source, .. } = app.import_document(&actor, &project, req).await?
    else {
        return Err("the long transcript was already there".into());
    };
    let mut codes = Vec::new();
    for i in 0..10 {
        codes.push(
            app.create_code(
                &actor,
                &project,
                &format!("theme {i}"),
                None,
                None,
                "",
                true,
            )
            .await?,
        );
    }
    let spans = axial_server::bench::coding_spans(source.char_len, 2000);
    for (i, code) in codes.iter().enumerate() {
        let mine = spans
            .iter()
            .skip(i)
            .step_by(codes.len())
            .map(|&(a, b)| {
                axial_core::Span::new(a, b, source.char_len)
                    .map(|s| (axial_core::Source::clone(&source), s))
            })
            .collect::<Result<Vec<_>, _>>()?;
        app.apply_spans(&actor, &project, code, mine).await?;
    }
    Ok(())
}
