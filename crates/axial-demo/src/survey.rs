//! The staff survey: sixty fictional respondents, four Likert items (1–5)
//! whose group means follow the interviews, and a short open answer each,
//! written out as UTF-8 CSV with a header.
//!
//! It produces text only; parsing CSV is axial-formats' job.

use crate::participants::Group;
use crate::rng::Rng;

pub(crate) const HEADER: &str =
    "respondent,staff_group,years_in_role,q1_quality_clear,q2_time_to_do_well,q3_feedback_useful,q4_team_reflection,open_what_helps";

/// Respondents per group, in `Group::ALL` order (60 in all).
const GROUP_SIZES: [usize; 5] = [18, 16, 8, 8, 10];

/// Mean answer per question (columns q1..q4) for each group.
const MEANS: [[f64; 4]; 5] = [
    [3.2, 2.0, 2.8, 2.5], // front line clinician
    [2.8, 2.1, 2.5, 2.1], // non-clinical front line staff
    [3.3, 2.3, 3.0, 2.9], // non-clinical front line manager
    [3.9, 3.0, 3.7, 3.8], // clinical manager
    [4.3, 3.4, 4.0, 4.1], // senior manager
];

/// Open answers to "what helps you do your job well?", by group.
fn open_answers(group: Group) -> &'static [&'static str] {
    match group {
        Group::FrontLineClinician => &[
            "Longer appointments for complex patients",
            "Being able to see the same patients over time",
            "A colleague to talk a case through with",
            "Less time on templates, more time listening",
            "Protected learning time that actually happens",
            "Knowing my patients – and them knowing me",
            "Fewer interruptions during clinics",
        ],
        Group::NonClinicalFrontLine => &[
            "Enough people on the desk",
            "A quiet place to go after a difficult call",
            "Clear rules on what counts as urgent",
            "When patients say thank you",
            "Being told about changes before they happen",
            "More time per call, honestly",
            "Supportive colleagues – we carry each other",
        ],
        Group::NonClinicalManager => &[
            "A rota with some slack in it",
            "Call data I can act on the same day",
            "Time to train new starters properly",
            "Partners who listen to reception",
            "A short team huddle every morning",
        ],
        Group::ClinicalManager => &[
            "Regular clinical supervision",
            "Good audit data, fed back quickly",
            "Protected time for the nursing team",
            "Clear protocols that leave room for judgement",
            "Case discussion at the clinical meeting",
        ],
        Group::SeniorManager => &[
            "A monthly dashboard everyone can see",
            "Honest significant event reviews",
            "Time set aside to think, not just react",
            "Benchmarking against the other practices",
            "A team that speaks up when something is wrong",
        ],
    }
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value.to_string()
    }
}

fn likert(mean: f64, rng: &mut Rng) -> u8 {
    // Triangular noise in (-1.5, 1.5) keeps answers near the mean.
    let noise = (rng.unit() + rng.unit() - 1.0) * 1.5;
    (mean + noise).round().clamp(1.0, 5.0) as u8
}

/// The survey as CSV text, header first, one respondent per line.
pub(crate) fn survey_csv() -> String {
    let mut rng = Rng::new(0x0500_0000_0C5F);
    let mut groups: Vec<Group> = Group::ALL
        .iter()
        .zip(GROUP_SIZES)
        .flat_map(|(g, n)| std::iter::repeat_n(*g, n))
        .collect();
    // Fisher–Yates, so respondent numbers do not follow staff group.
    for i in (1..groups.len()).rev() {
        let j = rng.below(i + 1);
        groups.swap(i, j);
    }
    let mut out = String::from(HEADER);
    out.push('\n');
    for (n, group) in groups.iter().enumerate() {
        let years = match group {
            Group::SeniorManager | Group::ClinicalManager => rng.range(4, 25),
            _ => rng.range(1, 18),
        };
        let means = MEANS[group.index()];
        let answers: Vec<String> = means
            .iter()
            .map(|m| likert(*m, &mut rng).to_string())
            .collect();
        let bank = open_answers(*group);
        let first = *rng.pick(bank);
        let open = if rng.chance(0.35) {
            let second = *rng.pick(bank);
            if second == first {
                first.to_string()
            } else {
                format!("{first}; {}", second.to_lowercase())
            }
        } else if rng.chance(0.15) {
            format!("{first}, and a bit more understanding from above")
        } else {
            first.to_string()
        };
        let row = [
            format!("R{:02}", n + 1),
            group.name().to_string(),
            years.to_string(),
            answers.join(","),
            field(&open),
        ];
        out.push_str(&row.join(","));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(value: &str, expect: &str) {
        assert_eq!(field(value), expect);
    }

    #[test]
    fn fields_are_quoted_only_when_needed() {
        check("plain text", "plain text");
        check("a, b", "\"a, b\"");
        check("say \"hi\"", "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn likert_answers_stay_on_the_scale() {
        let mut rng = Rng::new(1);
        for mean in [1.0, 2.5, 5.0] {
            for _ in 0..200 {
                assert!((1..=5).contains(&likert(mean, &mut rng)));
            }
        }
    }
}
