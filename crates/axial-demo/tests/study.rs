//! Checks the demo study through its public API: shape, offsets, codebook
//! integrity, and the patterns the analyses are meant to find.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use axial_demo::{study, CodingDef, Document, Study};

const GROUPS: [(&str, usize); 5] = [
    ("front line clinician", 6),
    ("non-clinical front line staff", 5),
    ("non-clinical front line manager", 3),
    ("clinical manager", 3),
    ("senior manager", 4),
];
const FRONT_LINE: [&str; 3] = [
    "front line clinician",
    "non-clinical front line staff",
    "non-clinical front line manager",
];
const MANAGERS: [&str; 2] = ["clinical manager", "senior manager"];

fn demo() -> &'static Study {
    static STUDY: OnceLock<Study> = OnceLock::new();
    STUDY.get_or_init(study)
}

fn all_documents(s: &Study) -> impl Iterator<Item = &Document> {
    s.interviews.iter().chain(&s.documents)
}

fn text_of(doc: &Document, c: &CodingDef) -> String {
    doc.text
        .chars()
        .skip(c.start as usize)
        .take((c.end - c.start) as usize)
        .collect()
}

fn researcher(s: &Study) -> impl Iterator<Item = &CodingDef> {
    s.codings.iter().filter(|c| c.coder == "researcher")
}

fn words(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Researcher codings of `code` per interview, over the interviews of `groups`.
fn rate(s: &Study, codes: &[&str], groups: &[&str]) -> f64 {
    let docs: Vec<&str> = s
        .interviews
        .iter()
        .zip(&s.participants)
        .filter(|(_, p)| groups.contains(&p.staff_group.as_str()))
        .map(|(d, _)| d.file_name.as_str())
        .collect();
    let n = researcher(s)
        .filter(|c| codes.contains(&c.code.as_str()) && docs.contains(&c.document.as_str()))
        .count();
    n as f64 / docs.len() as f64
}

fn codes_of_category<'a>(s: &'a Study, category: &str) -> Vec<&'a str> {
    s.codes
        .iter()
        .filter(|c| c.parent.as_deref() == Some(category))
        .map(|c| c.name.as_str())
        .collect()
}

#[test]
fn two_calls_give_the_same_study() {
    assert!(study() == *demo());
}

#[test]
fn participants_and_groups_have_the_planned_sizes() {
    let s = demo();
    assert_eq!(s.project_name, "Quality in primary care (demo)");
    assert_eq!(s.staff_groups, GROUPS.map(|(g, _)| g.to_string()));
    assert_eq!(s.participants.len(), 21);
    assert_eq!(s.interviews.len(), 21);
    for (group, n) in GROUPS {
        assert_eq!(
            s.participants
                .iter()
                .filter(|p| p.staff_group == group)
                .count(),
            n,
            "{group}"
        );
    }
    for (i, (p, doc)) in s.participants.iter().zip(&s.interviews).enumerate() {
        assert_eq!(p.label, format!("Interviewee {:02}", i + 1));
        assert_eq!(doc.participant, Some(i));
        assert_eq!(doc.file_name, format!("interview-{:02}.txt", i + 1));
        assert!((35..=85).contains(&p.duration_minutes), "{}", p.label);
        assert!([
            "Practice A",
            "Practice B",
            "Practice C",
            "Practice D",
            "Practice E"
        ]
        .contains(&p.site.as_str()));
        assert!(!p.role.is_empty() && p.years_in_role > 0);
    }
    // Groups are interleaved: no three interviews in a row from one group.
    for w in s.participants.windows(3) {
        assert!(!(w[0].staff_group == w[1].staff_group && w[1].staff_group == w[2].staff_group));
    }
    assert_eq!(s.documents.len(), 2);
    assert!(s.description.contains("## Ethics") && s.description.contains("## Sampling"));
}

#[test]
fn interview_dates_increase_over_about_six_months() {
    let s = demo();
    let days = |(y, m, d): (i32, u8, u8)| {
        let before: [u32; 12] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334];
        let leap = u32::from(y % 4 == 0 && m > 2);
        i64::from(y) * 365 + i64::from(before[usize::from(m) - 1] + u32::from(d) + leap)
    };
    let dates: Vec<i64> = s
        .participants
        .iter()
        .map(|p| days(p.interview_date))
        .collect();
    assert!(dates.windows(2).all(|w| w[0] < w[1]), "{dates:?}");
    let spread = dates[20] - dates[0];
    assert!((150..=200).contains(&spread), "{spread} days");
}

#[test]
fn interviews_and_documents_have_the_right_length() {
    let s = demo();
    for doc in &s.interviews {
        let n = words(&doc.text);
        assert!((2000..=6000).contains(&n), "{}: {n} words", doc.file_name);
    }
    for doc in &s.documents {
        let n = words(&doc.text);
        assert!((600..=1500).contains(&n), "{}: {n} words", doc.file_name);
    }
}

#[test]
fn longer_interviews_have_longer_transcripts() {
    let s = demo();
    let mut pairs: Vec<(u32, usize)> = s
        .participants
        .iter()
        .zip(&s.interviews)
        .map(|(p, d)| (p.duration_minutes, words(&d.text)))
        .collect();
    pairs.sort();
    let short: usize = pairs[..5].iter().map(|p| p.1).sum();
    let long: usize = pairs[16..].iter().map(|p| p.1).sum();
    assert!(long > short, "{pairs:?}");
}

#[test]
fn transcripts_are_speaker_turns_separated_by_blank_lines() {
    let s = demo();
    for (doc, p) in s.interviews.iter().zip(&s.participants) {
        assert!(doc.text.ends_with('\n'));
        let own = format!("{}: ", p.label);
        for turn in doc.text.trim_end().split("\n\n") {
            assert!(
                turn.starts_with("Interviewer: ") || turn.starts_with(&own),
                "{}: {turn:?}",
                doc.file_name
            );
            assert!(!turn.contains('\n'), "a turn is one line: {turn:?}");
        }
        assert!(
            doc.text.contains("erm"),
            "{} has no hesitations",
            doc.file_name
        );
        assert!(
            !doc.text.contains('{'),
            "{} has an unfilled slot",
            doc.file_name
        );
    }
}

#[test]
fn transcripts_have_no_bare_carriage_return_and_some_non_ascii() {
    let s = demo();
    assert!(s.interviews.iter().all(|d| !d.text.contains('\r')));
    assert!(s.interviews.iter().any(|d| !d.text.is_ascii()));
    let all: String = s.interviews.iter().map(|d| d.text.as_str()).collect();
    for needle in ["Zoë", "Siân", "–", "“", "’", "…"] {
        assert!(all.contains(needle), "no {needle} in any transcript");
    }
}

#[test]
fn codings_are_sentence_like_spans_inside_their_documents() {
    let s = demo();
    let docs: BTreeMap<&str, &Document> = all_documents(s)
        .map(|d| (d.file_name.as_str(), d))
        .collect();
    let codable: BTreeSet<&str> = s
        .codes
        .iter()
        .filter(|c| c.codable)
        .map(|c| c.name.as_str())
        .collect();
    for c in &s.codings {
        let doc = docs
            .get(c.document.as_str())
            .unwrap_or_else(|| panic!("unknown document {}", c.document));
        assert!(
            codable.contains(c.code.as_str()),
            "{} is not a codable code",
            c.code
        );
        assert!(c.start < c.end, "{c:?}");
        assert!(c.end as usize <= doc.text.chars().count(), "{c:?}");
        let text = text_of(doc, c);
        let first = text.chars().next().unwrap_or(' ');
        let last = text.chars().last().unwrap_or(' ');
        assert!(
            !first.is_whitespace() && !last.is_whitespace(),
            "{c:?}: {text:?}"
        );
        assert!(
            !text.contains("\n\n") && !text.contains("Interviewer:"),
            "a coding stays inside one turn: {text:?}"
        );
        assert!(c.coder == "researcher" || c.coder == "second coder");
    }
    let n = researcher(s).count();
    assert!((600..=1000).contains(&n), "{n} researcher codings");
    for doc in &s.documents {
        assert!(
            researcher(s).any(|c| c.document == doc.file_name),
            "{} is not coded",
            doc.file_name
        );
    }
}

#[test]
fn codebook_is_a_tree_with_unique_names_and_parents_first() {
    let s = demo();
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for code in &s.codes {
        if let Some(parent) = &code.parent {
            assert!(
                seen.contains(parent.as_str()),
                "{} comes before its parent {parent}",
                code.name
            );
            let p = s.codes.iter().find(|c| &c.name == parent);
            assert!(
                p.is_some_and(|p| !p.codable),
                "{parent} should be a category"
            );
        }
        assert!(seen.insert(&code.name), "duplicate name {}", code.name);
    }
    let categories: Vec<&str> = s
        .codes
        .iter()
        .filter(|c| !c.codable)
        .map(|c| c.name.as_str())
        .collect();
    assert!((5..=7).contains(&categories.len()));
    for cat in &categories {
        let n = codes_of_category(s, cat).len();
        assert!((4..=8).contains(&n), "{cat} has {n} codes");
    }
    let codable = s.codes.iter().filter(|c| c.codable).count();
    assert!((30..=45).contains(&codable), "{codable} codes");
}

#[test]
fn codes_are_documented_with_real_examples_and_distinct_colours() {
    let s = demo();
    let mut colours = BTreeSet::new();
    for code in &s.codes {
        let hex = code.color.strip_prefix('#').unwrap_or("");
        assert!(
            hex.len() == 6 && hex.chars().all(|c| c.is_ascii_hexdigit()),
            "{}: {}",
            code.name,
            code.color
        );
        assert!(
            colours.insert(code.color.clone()),
            "colour {} used twice",
            code.color
        );
        assert!(!code.description.is_empty());
        if code.codable {
            assert!(
                !code.inclusion.is_empty() && !code.exclusion.is_empty(),
                "{}",
                code.name
            );
            assert!(!code.example.is_empty(), "{} has no example", code.name);
            assert!(
                s.interviews.iter().any(|d| d.text.contains(&code.example)),
                "example of {} not in the data",
                code.name
            );
        }
    }
    // Codes share their category's hue: the dominant channel matches the parent's.
    let dominant = |hex: &str| {
        let v: Vec<u8> = (0..3)
            .filter_map(|i| u8::from_str_radix(hex.get(1 + 2 * i..3 + 2 * i)?, 16).ok())
            .collect();
        (0..v.len()).max_by_key(|&i| v[i])
    };
    for code in s.codes.iter().filter(|c| c.codable) {
        let parent = s
            .codes
            .iter()
            .find(|p| Some(&p.name) == code.parent.as_ref());
        assert_eq!(
            dominant(&code.color),
            parent.and_then(|p| dominant(&p.color)),
            "{}",
            code.name
        );
    }
}

#[test]
fn memos_link_to_existing_codes_and_documents() {
    let s = demo();
    assert!((8..=15).contains(&s.memos.len()));
    let names: BTreeSet<&str> = s.codes.iter().map(|c| c.name.as_str()).collect();
    let files: BTreeSet<&str> = all_documents(s).map(|d| d.file_name.as_str()).collect();
    let mut kinds = BTreeSet::new();
    for m in &s.memos {
        assert!(
            ["code", "theoretical", "method", "document"].contains(&m.kind.as_str()),
            "{}",
            m.kind
        );
        kinds.insert(m.kind.as_str());
        assert!(!m.body.trim().is_empty());
        for c in &m.codes {
            assert!(
                names.contains(c.as_str()),
                "memo {:?} links to unknown code {c}",
                m.title
            );
        }
        for d in &m.documents {
            assert!(
                files.contains(d.as_str()),
                "memo {:?} links to unknown document {d}",
                m.title
            );
        }
    }
    assert_eq!(kinds.len(), 4, "every kind of memo is represented");
}

fn new_codes_per_interview(s: &Study) -> Vec<usize> {
    let mut seen = BTreeSet::new();
    s.interviews
        .iter()
        .map(|d| {
            let before = seen.len();
            seen.extend(
                researcher(s)
                    .filter(|c| c.document == d.file_name)
                    .map(|c| c.code.as_str()),
            );
            seen.len() - before
        })
        .collect()
}

#[test]
fn new_codes_dry_up_over_the_interview_order() {
    let s = demo();
    let new = new_codes_per_interview(s);
    let total: usize = new.iter().sum();
    let codable = s.codes.iter().filter(|c| c.codable).count();
    assert_eq!(
        total, codable,
        "every code is used in the interviews: {new:?}"
    );
    let first_three: usize = new[..3].iter().sum();
    let last_six: usize = new[15..].iter().sum();
    assert!(2 * first_three >= total, "{new:?}");
    assert!(last_six <= 2, "{new:?}");
    assert!(new[0] > new[3] && new[3] >= new[8], "{new:?}");
    // The saturation memo quotes the same figures.
    let memo = s
        .memos
        .iter()
        .find(|m| m.title == "Saturation judgement")
        .map(|m| m.body.as_str())
        .unwrap_or("");
    assert!(memo.contains(&format!("| 01 | {} |", new[0])), "{memo}");
}

#[test]
fn efficiency_pressure_is_a_front_line_concern() {
    let s = demo();
    let pressure = codes_of_category(s, "Efficiency pressure");
    let front = rate(s, &pressure, &FRONT_LINE);
    let managers = rate(s, &pressure, &MANAGERS);
    assert!(
        front > 2.5 * managers,
        "front line {front:.2} vs managers {managers:.2}"
    );
    let time_front = rate(s, &["Not enough time"], &FRONT_LINE);
    let time_managers = rate(s, &["Not enough time"], &MANAGERS);
    assert!(
        time_front > 2.0 * time_managers,
        "{time_front:.2} vs {time_managers:.2}"
    );
}

#[test]
fn managers_monitor_through_data_and_reflect_more() {
    let s = demo();
    let data_senior = rate(s, &["Monitoring through data"], &["senior manager"]);
    let data_staff = rate(
        s,
        &["Monitoring through data"],
        &["non-clinical front line staff"],
    );
    assert!(
        data_senior > 2.0 * data_staff.max(0.25),
        "{data_senior:.2} vs {data_staff:.2}"
    );
    let reflective = codes_of_category(s, "Reflective space");
    let r_managers = rate(s, &reflective, &MANAGERS);
    let r_staff = rate(s, &reflective, &["non-clinical front line staff"]);
    assert!(
        r_managers > 1.5 * r_staff,
        "{r_managers:.2} vs {r_staff:.2}"
    );
}

#[test]
fn co_producing_quality_is_mostly_a_clinicians_category() {
    let s = demo();
    let coproducing = codes_of_category(s, "Co-producing quality with patients");
    let clinicians = rate(s, &coproducing, &["front line clinician"]);
    let others = rate(
        s,
        &coproducing,
        &[
            "non-clinical front line staff",
            "non-clinical front line manager",
            "senior manager",
        ],
    );
    assert!(clinicians > 2.0 * others, "{clinicians:.2} vs {others:.2}");
}

#[test]
fn one_clinician_never_mentions_efficiency_pressure() {
    let s = demo();
    let pressure = codes_of_category(s, "Efficiency pressure");
    let silent: Vec<&str> = s
        .interviews
        .iter()
        .zip(&s.participants)
        .filter(|(_, p)| p.staff_group == "front line clinician")
        .filter(|(d, _)| {
            !researcher(s).any(|c| c.document == d.file_name && pressure.contains(&c.code.as_str()))
        })
        .map(|(_, p)| p.label.as_str())
        .collect();
    assert_eq!(silent, ["Interviewee 13"]);
}

#[test]
fn the_contrarian_senior_manager_is_coded_on_data_and_protocols() {
    let s = demo();
    let doc = &s.interviews[13];
    assert_eq!(s.participants[13].staff_group, "senior manager");
    let coded: BTreeSet<&str> = researcher(s)
        .filter(|c| c.document == doc.file_name)
        .map(|c| c.code.as_str())
        .collect();
    assert!(
        coded.contains("Monitoring through data") && coded.contains("Experience over protocol"),
        "{coded:?}"
    );
    assert!(doc.text.contains("dashboards tell me less"));
}

#[test]
fn time_pressure_and_personal_standards_share_turns() {
    let s = demo();
    let standards = codes_of_category(s, "Personal standards");
    let (mut with, mut with_both, mut without, mut without_but_standards) = (0, 0, 0, 0);
    for doc in &s.interviews {
        let mut offset = 0u32;
        for turn in doc.text.split("\n\n") {
            let len = turn.chars().count() as u32;
            let inside: Vec<&str> = researcher(s)
                .filter(|c| {
                    c.document == doc.file_name && c.start >= offset && c.end <= offset + len
                })
                .map(|c| c.code.as_str())
                .collect();
            offset += len + 2;
            let has_standards = inside.iter().any(|c| standards.contains(c));
            if inside.contains(&"Not enough time") {
                with += 1;
                with_both += usize::from(has_standards);
            } else if !inside.is_empty() {
                without += 1;
                without_but_standards += usize::from(has_standards);
            }
        }
    }
    let p_with = with_both as f64 / with as f64;
    let p_without = without_but_standards as f64 / without as f64;
    assert!(p_with > 1.5 * p_without, "{p_with:.2} vs {p_without:.2}");
}

#[test]
fn second_coder_coded_four_interviews_and_mostly_agrees() {
    let s = demo();
    let second: Vec<&CodingDef> = s
        .codings
        .iter()
        .filter(|c| c.coder == "second coder")
        .collect();
    let docs: BTreeSet<&str> = second.iter().map(|c| c.document.as_str()).collect();
    assert_eq!(docs.len(), 4, "{docs:?}");
    assert!(docs.iter().all(|d| d.starts_with("interview-")));
    let same = |a: &CodingDef, b: &CodingDef| {
        a.document == b.document && a.code == b.code && a.start == b.start && a.end == b.end
    };
    let agreed = second
        .iter()
        .filter(|c| researcher(s).any(|r| same(r, c)))
        .count();
    let share = agreed as f64 / second.len() as f64;
    assert!((0.6..1.0).contains(&share), "{agreed} of {}", second.len());
    let theirs: Vec<&CodingDef> = researcher(s)
        .filter(|c| docs.contains(c.document.as_str()))
        .collect();
    let missed = theirs
        .iter()
        .filter(|r| {
            !second
                .iter()
                .any(|c| c.start < r.end && r.start < c.end && c.code == r.code)
        })
        .count();
    assert!(
        missed > 0 && missed < theirs.len() / 3,
        "{missed} of {} missed",
        theirs.len()
    );
}

/// Splits one CSV line, honouring quoted fields with doubled quotes.
fn csv_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().map(|f| f.push('"')).unwrap_or_default();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            (c, _) => fields.last_mut().map(|f| f.push(c)).unwrap_or_default(),
        }
    }
    fields
}

#[test]
fn survey_has_sixty_respondents_with_group_differences() {
    let s = demo();
    let mut lines = s.survey_csv.lines();
    assert_eq!(
        lines.next(),
        Some("respondent,staff_group,years_in_role,q1_quality_clear,q2_time_to_do_well,q3_feedback_useful,q4_team_reflection,open_what_helps")
    );
    let rows: Vec<Vec<String>> = lines.map(csv_fields).collect();
    assert_eq!(rows.len(), 60);
    let mut time: BTreeMap<bool, Vec<f64>> = BTreeMap::new();
    let mut groups = BTreeSet::new();
    for (n, row) in rows.iter().enumerate() {
        assert_eq!(row.len(), 8, "row {}: {row:?}", n + 1);
        assert_eq!(row[0], format!("R{:02}", n + 1));
        assert!(s.staff_groups.contains(&row[1]), "{}", row[1]);
        groups.insert(row[1].clone());
        for q in &row[3..7] {
            assert!(matches!(q.as_str(), "1" | "2" | "3" | "4" | "5"), "{q}");
        }
        assert!(!row[7].is_empty());
        let q2: f64 = row[4].parse().unwrap_or(0.0);
        time.entry(FRONT_LINE.contains(&row[1].as_str()))
            .or_default()
            .push(q2);
    }
    assert_eq!(groups.len(), 5);
    let mean = |v: &Vec<f64>| v.iter().sum::<f64>() / v.len() as f64;
    let (front, managers) = (mean(&time[&true]), mean(&time[&false]));
    assert!(
        front + 0.5 < managers,
        "time to do well: front line {front:.2}, managers {managers:.2}"
    );
    assert!(s.survey_csv.contains('"'), "some open answers need quoting");
}
