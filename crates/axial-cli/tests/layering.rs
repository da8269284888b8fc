//! The layering of ARCHITECTURE.md, checked: reads `cargo metadata` and fails
//! on a dependency edge between crates that the invariants do not allow.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

/// Which axial crates each crate may use (normal dependencies; tests may use more).
fn allowed() -> BTreeMap<&'static str, Vec<&'static str>> {
    BTreeMap::from([
        ("axial-core", vec![]),
        ("axial-demo", vec![]),
        ("axial-store", vec!["axial-core"]),
        ("axial-store-sqlite", vec!["axial-core", "axial-store"]),
        ("axial-store-postgres", vec!["axial-core", "axial-store"]),
        ("axial-formats", vec!["axial-core"]),
        ("axial-analysis", vec!["axial-core"]),
        ("axial-privacy", vec![]),
        (
            "axial-app",
            vec![
                "axial-core",
                "axial-store",
                "axial-formats",
                "axial-analysis",
                "axial-demo",
                "axial-privacy",
            ],
        ),
        (
            "axial-server",
            vec!["axial-core", "axial-store", "axial-app", "axial-formats"],
        ),
        (
            "axial-cli",
            vec![
                "axial-core",
                "axial-store",
                "axial-store-sqlite",
                "axial-store-postgres",
                "axial-formats",
                "axial-app",
                "axial-server",
            ],
        ),
    ])
}

/// External crates only some crates may use: (crate, the only users).
const RESTRICTED: &[(&str, &[&str])] = &[
    ("sqlx", &["axial-store-sqlite", "axial-store-postgres"]),
    ("axum", &["axial-server"]),
    ("clap", &["axial-cli"]),
    ("anyhow", &["axial-cli"]),
];

#[test]
fn crates_use_only_what_the_architecture_allows() {
    let out = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--offline",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let allowed = allowed();
    let mut seen = BTreeSet::new();
    let mut wrong = Vec::new();
    for pkg in meta["packages"].as_array().expect("packages") {
        let name = pkg["name"].as_str().expect("package name");
        let Some(ok) = allowed.get(name) else {
            wrong.push(format!(
                "{name} is not in the layering table: add it to ARCHITECTURE.md and this test"
            ));
            continue;
        };
        seen.insert(name);
        for dep in pkg["dependencies"].as_array().expect("dependencies") {
            let dep_name = dep["name"].as_str().expect("dependency name");
            if !dep["kind"].is_null() {
                continue; // dev- and build-dependencies
            }
            if dep_name.starts_with("axial-") && !ok.contains(&dep_name) {
                wrong.push(format!("{name} depends on {dep_name}"));
            }
            for (ext, users) in RESTRICTED {
                if dep_name == *ext && !users.contains(&name) {
                    wrong.push(format!(
                        "{name} depends on {ext}, which only {users:?} may use"
                    ));
                }
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
    assert_eq!(seen.len(), allowed.len(), "every crate of the table exists");
}
