//! `axial property …`: properties of a category with their dimensions,
//! placing segments on them, the dimensional profile, and bad input that
//! must fail clearly and change nothing. Runs on a small project built here
//! and on the demo study, which ships with placed segments.

mod common;

use common::Env;
use serde_json::Value;

const TEXT_A: &str = "Nobody writes it down, you just know when a job is done properly.\n\
The protocol says check twice, so we check twice.\n";
const TEXT_B: &str = "I take pride in the work even when nobody is watching.\n";

/// A project with two interviews in two cases (with a "role" attribute), a
/// category "Standards" with the code "Doing it properly" under it, and
/// three codings of that code. Returns the coding ids in text order.
fn small_project(env: &Env) -> Vec<String> {
    env.ok(&["project", "new", "Standards study"]);
    env.write("nurse.txt", TEXT_A.as_bytes());
    env.write("manager.txt", TEXT_B.as_bytes());
    env.ok(&["import", "nurse.txt", "manager.txt"]);
    env.ok(&["case", "assign", "nurse", "Interviewee 01"]);
    env.ok(&["case", "assign", "manager", "Interviewee 02"]);
    env.ok(&[
        "attr",
        "define",
        "role",
        "--type",
        "category",
        "--values",
        "nurse,manager",
    ]);
    env.ok(&["attr", "set", "role", "nurse", "--case", "Interviewee 01"]);
    env.ok(&["attr", "set", "role", "manager", "--case", "Interviewee 02"]);
    env.ok(&["code", "new", "Standards", "--category"]);
    env.ok(&["code", "new", "Doing it properly", "--parent", "Standards"]);
    env.ok(&["code", "new", "Elsewhere"]);
    let mut ids = Vec::new();
    for (source, lines) in [("nurse", "1-1"), ("nurse", "2-2"), ("manager", "1-1")] {
        let made = env.json(&[
            "code",
            "apply",
            "Doing it properly",
            "--source",
            source,
            "--lines",
            lines,
        ]);
        ids.push(made[0]["id"].as_str().expect("a new coding id").to_string());
    }
    ids
}

fn placements(list: &Value) -> &Vec<Value> {
    list[0]["placements"].as_array().expect("placements")
}

#[test]
fn properties_place_segments_and_profile_them() {
    let env = Env::new();
    let ids = small_project(&env);
    assert!(env
        .ok(&["property", "list", "Standards"])
        .contains("has no properties yet"));

    let added = env.json(&[
        "property",
        "add",
        "Standards",
        "explicitness",
        "--low",
        "tacit",
        "--high",
        "explicit",
        "--steps",
        "5",
    ]);
    assert_eq!(added["name"], "explicitness");
    assert_eq!(added["steps"], 5);
    assert_eq!(added["placements"].as_array().map(Vec::len), Some(0));

    // A bare name is found on the coding's code or the codes above it.
    env.ok(&["property", "place", &ids[0], "explicitness", "1"]);
    env.ok(&[
        "property",
        "place",
        &ids[1],
        "Standards/explicitness",
        "5",
        "--note",
        "the rule is written down",
    ]);
    env.ok(&["property", "place", &ids[2], "explicitness", "2"]);
    // Placing again moves the segment; it is never on the dimension twice.
    let moved = env.json(&["property", "place", &ids[2], "explicitness", "3"]);
    assert_eq!(moved["position"], 3.0);
    assert_eq!(moved["at"], 0.5);

    let list = env.json(&["property", "list", "Standards"]);
    let placed = placements(&list);
    assert_eq!(placed.len(), 3, "{list}");
    let at: Vec<f64> = placed
        .iter()
        .map(|p| p["at"].as_f64().expect("at"))
        .collect();
    assert_eq!(at, vec![0.0, 0.5, 1.0], "lowest first");
    // Each placed segment comes with its text and attribution.
    assert_eq!(placed[0]["coding"], ids[0].as_str());
    assert_eq!(
        placed[0]["segment"]["text"],
        "Nobody writes it down, you just know when a job is done properly."
    );
    assert_eq!(
        placed[0]["segment"]["attribution"],
        "(Interviewee 01, nurse)"
    );
    assert_eq!(placed[2]["note"], "the rule is written down");
    assert_eq!(placed[1]["segment"]["case"], "Interviewee 02");
    let text = env.ok(&["property", "list", "Standards"]);
    assert!(
        text.contains("1 (tacit) to 5 (explicit), 3 segments placed"),
        "{text}"
    );
    assert!(text.contains(&ids[1]), "coding ids are listed: {text}");

    // The profile by role: the nurse's two segments average step 3.
    let profile = env.json(&[
        "property",
        "profile",
        "Standards",
        "explicitness",
        "--by",
        "role",
    ]);
    assert_eq!(profile["by"], "role");
    let groups = profile["groups"].as_array().expect("groups");
    let values: Vec<&str> = groups
        .iter()
        .map(|g| g["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, vec!["nurse", "manager"], "in the variable's order");
    assert_eq!(groups[0]["placements"], 2);
    assert_eq!(groups[0]["mean_position"], 3.0);
    assert_eq!(
        groups[0]["distribution"],
        serde_json::json!([1, 0, 0, 0, 1])
    );
    assert_eq!(groups[1]["mean"], 0.5);
    assert_eq!(profile["overall"]["placements"], 3);
    let by_case = env.json(&["property", "profile", "Standards", "explicitness"]);
    assert_eq!(by_case["by"], "case");
    assert_eq!(by_case["groups"][0]["value"], "Interviewee 01");
    let table = env.ok(&[
        "property",
        "profile",
        "Standards",
        "explicitness",
        "--by",
        "role",
    ]);
    assert!(
        table.contains("nurse") && table.contains("manager"),
        "{table}"
    );

    // Undo takes back the last placement change (the move).
    env.ok(&["undo"]);
    let list = env.json(&["property", "list", "Standards"]);
    let back = placements(&list)
        .iter()
        .find(|p| p["coding"] == ids[2].as_str())
        .expect("still placed");
    assert_eq!(back["position"], 2.0);

    // Unplace, rename, and changing the steps keeps places between the poles.
    env.ok(&["property", "unplace", &ids[2], "explicitness"]);
    assert_eq!(
        placements(&env.json(&["property", "list", "Standards"])).len(),
        2
    );
    env.ok(&[
        "property",
        "rename",
        "Standards",
        "explicitness",
        "spelled out",
    ]);
    let list = env.json(&["property", "list", "Standards"]);
    assert_eq!(list[0]["name"], "spelled out");

    // Deleting the property deletes its placements in the same change.
    let before = env.changes();
    let gone = env.json(&["property", "delete", "Standards", "spelled out"]);
    assert_eq!(gone["placements"], 2);
    assert_eq!(env.changes(), before + 1, "one change");
    assert!(env
        .ok(&["property", "list", "Standards"])
        .contains("has no properties yet"));
    env.ok(&["undo"]);
    assert_eq!(
        placements(&env.json(&["property", "list", "Standards"])).len(),
        2,
        "undo brings the property back with its placements"
    );
}

#[test]
fn bad_property_input_fails_clearly_and_changes_nothing() {
    let env = Env::new();
    let ids = small_project(&env);
    env.ok(&[
        "property",
        "add",
        "Standards",
        "explicitness",
        "--low",
        "tacit",
        "--high",
        "explicit",
        "--steps",
        "5",
    ]);
    env.ok(&[
        "property",
        "add",
        "Standards",
        "certainty",
        "--low",
        "doubtful",
        "--high",
        "sure",
    ]);
    let elsewhere = env.json(&[
        "code",
        "apply",
        "Elsewhere",
        "--source",
        "manager",
        "--lines",
        "1-1",
    ]);
    let elsewhere = elsewhere[0]["id"].as_str().expect("coding id").to_string();
    let before = env.changes();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![
                "property",
                "add",
                "Standards",
                "Explicitness",
                "--low",
                "a",
                "--high",
                "b",
            ],
            "already has a property named 'Explicitness'",
        ),
        (
            vec![
                "property",
                "add",
                "Standards",
                "x",
                "--low",
                "a",
                "--high",
                "b",
                "--steps",
                "1",
            ],
            "2 to 11 steps",
        ),
        (
            vec![
                "property",
                "add",
                "Standards",
                "x",
                "--low",
                " ",
                "--high",
                "b",
            ],
            "the low pole is empty",
        ),
        (
            vec![
                "property",
                "add",
                "No such code",
                "x",
                "--low",
                "a",
                "--high",
                "b",
            ],
            "no code named 'No such code'",
        ),
        (
            vec!["property", "place", &ids[0], "explicitness", "6"],
            "give a whole step from 1 (tacit) to 5 (explicit)",
        ),
        (
            vec!["property", "place", &ids[0], "explicitness", "2.5"],
            "give a whole step from 1 (tacit) to 5 (explicit)",
        ),
        (
            vec!["property", "place", &ids[0], "certainty", "1.5"],
            "give a number from 0 (doubtful) to 1 (sure)",
        ),
        (
            vec!["property", "place", &ids[0], "loudness", "1"],
            "no property named 'loudness'",
        ),
        (
            vec!["property", "place", "not-an-id", "explicitness", "1"],
            "is not a coding id",
        ),
        (
            vec![
                "property",
                "place",
                &elsewhere,
                "Standards/explicitness",
                "1",
            ],
            "neither 'Standards' nor a code under it",
        ),
        (
            vec!["property", "unplace", &ids[0], "explicitness"],
            "is not placed on 'explicitness'",
        ),
        (
            vec![
                "property",
                "profile",
                "Standards",
                "explicitness",
                "--by",
                "shoe size",
            ],
            "no variable named 'shoe size'",
        ),
    ];
    for (args, want) in cases {
        let err = env.fails(&args);
        assert!(err.contains(want), "axial {args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
    assert_eq!(env.changes(), before, "nothing changed");
}

#[test]
fn the_demo_places_segments_on_two_dimensions() {
    let env = Env::new();
    env.ok(&["demo"]);
    let list = env.json(&["property", "list", "Personal standards"]);
    assert_eq!(list[0]["name"], "explicitness");
    assert_eq!(list[0]["low"], "tacit");
    assert_eq!(list[0]["high"], "explicit");
    let placed = placements(&list);
    assert_eq!(placed.len(), 15);
    assert!(placed.iter().all(|p| p["segment"]["attribution"]
        .as_str()
        .is_some_and(|a| a.starts_with("(Interviewee "))));

    let profile = env.json(&[
        "property",
        "profile",
        "Personal standards",
        "explicitness",
        "--by",
        "staff group",
    ]);
    let groups = profile["groups"].as_array().expect("groups");
    assert!(groups.len() >= 3, "several staff groups: {profile}");
    let mean = |name: &str| {
        groups
            .iter()
            .find(|g| g["value"] == name)
            .and_then(|g| g["mean"].as_f64())
    };
    if let (Some(front), Some(senior)) = (
        mean("non-clinical front line staff"),
        mean("senior manager"),
    ) {
        assert!(senior > front, "managers' standards are more explicit");
    }
    let total: u64 = groups
        .iter()
        .map(|g| g["placements"].as_u64().expect("count"))
        .sum();
    assert_eq!(total, 15);

    let intensity = env.json(&["property", "list", "Efficiency pressure"]);
    assert_eq!(intensity[0]["steps"], Value::Null, "continuous");
    assert_eq!(placements(&intensity).len(), 8);

    // The demo is the same every time: ids are derived from names.
    let again = Env::new();
    again.ok(&["demo"]);
    let list2 = again.json(&["property", "list", "Personal standards"]);
    assert_eq!(list[0]["id"], list2[0]["id"]);
    let spots = |l: &Value| -> Vec<(Value, Value, Value)> {
        placements(l)
            .iter()
            .map(|p| (p["id"].clone(), p["coding"].clone(), p["position"].clone()))
            .collect()
    };
    assert_eq!(spots(&list), spots(&list2));
}
