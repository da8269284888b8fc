//! `axial relation …` on the demo study: add, list, export (GraphML and SVG),
//! undo, delete, and bad input that must fail clearly and change nothing.

mod common;

use common::Env;

/// Checks that `xml` is well formed as far as tags go (every element closed
/// in order, no stray `<`) and returns how many `<name …>` elements it has.
fn count_elements(xml: &str, name: &str) -> usize {
    let mut stack: Vec<String> = Vec::new();
    let mut count = 0;
    let mut rest = xml;
    while let Some(i) = rest.find('<') {
        let after = &rest[i + 1..];
        let end = after.find('>').expect("every tag is closed with '>'");
        let tag = &after[..end];
        assert!(!tag.contains('<'), "stray '<' inside a tag: {tag}");
        rest = &after[end + 1..];
        if tag.starts_with('?') || tag.starts_with('!') {
            continue;
        }
        if let Some(closing) = tag.strip_prefix('/') {
            let open = stack.pop().expect("a closing tag has an opening tag");
            assert_eq!(open, closing.trim(), "tags close in order");
            continue;
        }
        let tag_name = tag
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or_default()
            .to_string();
        if tag_name == name {
            count += 1;
        }
        if !tag.ends_with('/') {
            stack.push(tag_name);
        }
    }
    assert!(stack.is_empty(), "unclosed elements: {stack:?}");
    count
}

#[test]
fn relations_on_the_demo_study() {
    let env = Env::new();
    env.ok(&["demo"]);
    assert!(env.ok(&["relation", "list"]).contains("no relations yet"));

    env.ok(&[
        "relation",
        "add",
        "Not enough time",
        "Cutting corners",
        "--kind",
        "causal_condition",
    ]);
    env.ok(&[
        "relation",
        "add",
        "Cutting corners",
        "Guilt when standards slip",
        "--kind",
        "other",
        "--label",
        "leads to <feeling> & more",
    ]);

    let list = env.json(&["relation", "list"]);
    let rels = list.as_array().expect("a JSON list");
    assert_eq!(rels.len(), 2);
    assert!(rels.iter().any(|r| r["kind"] == "causal_condition"
        && r["from_name"]
            .as_str()
            .is_some_and(|n| n.ends_with("Not enough time"))
        && r["to_name"]
            .as_str()
            .is_some_and(|n| n.ends_with("Cutting corners"))));
    let text = env.ok(&["relation", "list"]);
    assert!(text.contains("leads to <feeling> & more"), "{text}");

    let graphml = env.file("net.graphml");
    env.ok(&[
        "relation",
        "export",
        "--format",
        "graphml",
        "--out",
        graphml.to_str().expect("utf-8 temp path"),
    ]);
    let xml = std::fs::read_to_string(&graphml).expect("graphml written");
    assert_eq!(count_elements(&xml, "node"), 3);
    assert_eq!(count_elements(&xml, "edge"), 2);
    assert!(xml.contains("leads to &lt;feeling&gt; &amp; more"));

    let svg = env.file("net.svg");
    env.ok(&[
        "relation",
        "export",
        "--format",
        "svg",
        "--out",
        svg.to_str().expect("utf-8 temp path"),
    ]);
    let s = std::fs::read_to_string(&svg).expect("svg written");
    assert_eq!(count_elements(&s, "svg"), 1);
    assert_eq!(count_elements(&s, "circle"), 3);
    assert!(s.contains("Cutting corners"));

    // Bad input fails with a clear message and changes nothing.
    let before = env.changes();
    let cases: [(&[&str], &str); 5] = [
        (
            &[
                "relation",
                "add",
                "No such code",
                "Cutting corners",
                "--kind",
                "context",
            ],
            "no code named 'No such code'",
        ),
        (
            &[
                "relation",
                "add",
                "Cutting corners",
                "Cutting corners",
                "--kind",
                "context",
            ],
            "cannot be related to itself",
        ),
        (
            &[
                "relation",
                "add",
                "Cutting corners",
                "Short-staffed",
                "--kind",
                "other",
            ],
            "needs a label",
        ),
        (
            &[
                "relation",
                "add",
                "Cutting corners",
                "Short-staffed",
                "--kind",
                "because",
            ],
            "unknown relation kind 'because'",
        ),
        (
            &[
                "relation",
                "add",
                "Not enough time",
                "Cutting corners",
                "--kind",
                "causal_condition",
            ],
            "already has a causal_condition relation",
        ),
    ];
    for (args, expect) in cases {
        let err = env.fails(args);
        assert!(err.contains(expect), "{args:?}: {err}");
    }
    assert_eq!(env.changes(), before);
    assert_eq!(
        env.json(&["relation", "list"]).as_array().map(Vec::len),
        Some(2)
    );

    // Undo removes the last relation added.
    env.ok(&["undo"]);
    let after_undo = env.json(&["relation", "list"]);
    let rels = after_undo.as_array().expect("a JSON list");
    assert_eq!(rels.len(), 1);
    assert_eq!(rels[0]["kind"], "causal_condition");

    // Delete the remaining one by its ends.
    env.ok(&["relation", "delete", "Not enough time", "Cutting corners"]);
    assert!(env.ok(&["relation", "list"]).contains("no relations yet"));
    let err = env.fails(&["relation", "delete", "Not enough time", "Cutting corners"]);
    assert!(err.contains("there is no relation"), "{err}");
}
