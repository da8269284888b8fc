//! The demo codebook: six categories (not codable) and their open codes, each
//! with a definition, inclusion and exclusion criteria, a colour and the
//! interview in which the researcher first used it.
//!
//! The introduction schedule is what gives the demo its saturation curve.
//! This module does not pick example quotes; `study()` takes those from the
//! generated text once the codings exist.

use std::collections::BTreeMap;

use crate::CodeDef;

// Tacit and experiential knowledge
pub(crate) const KNOW_PATIENTS: &str = "Knowing the patients";
pub(crate) const GUT: &str = "Gut feeling";
pub(crate) const LEARN_JOB: &str = "Learning on the job";
pub(crate) const ASK_COLLEAGUE: &str = "Asking a trusted colleague";
pub(crate) const KNOWHOW: &str = "Knowing how the practice really works";
pub(crate) const EXPERIENCE: &str = "Experience over protocol";
// Personal standards
pub(crate) const PROPERLY: &str = "Doing it properly";
pub(crate) const EXTRA_MILE: &str = "Going the extra mile";
pub(crate) const PRIDE: &str = "Pride in the work";
pub(crate) const RESPONSIBLE: &str = "Feeling responsible";
pub(crate) const GOLDEN_RULE: &str = "Treating people as you would want to be treated";
pub(crate) const GUILT: &str = "Guilt when standards slip";
// Co-producing quality with patients
pub(crate) const LISTENING: &str = "Listening to what matters to the patient";
pub(crate) const SHARED_DECISION: &str = "Deciding together";
pub(crate) const CONTINUITY: &str = "Continuity of care";
pub(crate) const EXPECTATIONS: &str = "Managing expectations";
pub(crate) const SAFETY_NETTING: &str = "Safety-netting with patients";
pub(crate) const PATIENT_FEEDBACK: &str = "Patient feedback";
// Efficiency pressure
pub(crate) const NO_TIME: &str = "Not enough time";
pub(crate) const DEMAND: &str = "Demand outstripping capacity";
pub(crate) const TARGETS: &str = "Targets and box-ticking";
pub(crate) const CORNERS: &str = "Cutting corners";
pub(crate) const SHORT_STAFFED: &str = "Short-staffed";
pub(crate) const PAPERWORK: &str = "Paperwork burden";
pub(crate) const INTERRUPTIONS: &str = "Juggling interruptions";
// Reflective space
pub(crate) const PROTECTED_TIME: &str = "Protected time";
pub(crate) const MEETINGS: &str = "Learning together in meetings";
pub(crate) const SEA: &str = "Significant event review";
pub(crate) const DEBRIEF: &str = "Corridor debriefs";
pub(crate) const NO_STEP_BACK: &str = "No time to step back";
pub(crate) const APPRAISAL: &str = "Appraisal and supervision";
pub(crate) const SELF_REVIEW: &str = "Looking back on the day";
// Systems and rules
pub(crate) const DATA: &str = "Monitoring through data";
pub(crate) const PROTOCOLS: &str = "Following protocols";
pub(crate) const INSPECTION: &str = "Inspection and regulation";
pub(crate) const IT_SYSTEM: &str = "The computer system shapes the work";
pub(crate) const AUDIT: &str = "Audit and feedback";
pub(crate) const RULES_NET: &str = "Rules as a safety net";

pub(crate) const TACIT: &str = "Tacit and experiential knowledge";
pub(crate) const STANDARDS: &str = "Personal standards";
pub(crate) const COPRODUCING: &str = "Co-producing quality with patients";
pub(crate) const EFFICIENCY: &str = "Efficiency pressure";
pub(crate) const REFLECTIVE: &str = "Reflective space";
pub(crate) const SYSTEMS: &str = "Systems and rules";

/// A category: a non-codable folder of codes sharing a hue.
pub(crate) struct CategorySpec {
    pub(crate) name: &'static str,
    pub(crate) rgb: (u8, u8, u8),
    pub(crate) description: &'static str,
    pub(crate) codes: &'static [CodeSpec],
}

/// One open code.
pub(crate) struct CodeSpec {
    pub(crate) name: &'static str,
    /// The 1-based interview in which the researcher first used this code.
    pub(crate) intro: usize,
    pub(crate) description: &'static str,
    pub(crate) inclusion: &'static str,
    pub(crate) exclusion: &'static str,
}

const fn code(
    name: &'static str,
    intro: usize,
    description: &'static str,
    inclusion: &'static str,
    exclusion: &'static str,
) -> CodeSpec {
    CodeSpec {
        name,
        intro,
        description,
        inclusion,
        exclusion,
    }
}

pub(crate) const CATEGORIES: &[CategorySpec] = &[
    CategorySpec {
        name: TACIT,
        rgb: (0x1f, 0x5f, 0xa8),
        description: "Knowledge of patients, colleagues and the practice that people build up by doing the work and rarely write down, and that they use to judge what good work looks like in a particular situation.",
        codes: &[
            code(KNOW_PATIENTS, 1,
                "Knowledge of individual patients, families and the local population, built up over time and used to tailor care.",
                "Talk of knowing who patients are, their histories, habits or circumstances, and acting on that knowledge.",
                "Continuity as an organisational arrangement (use Continuity of care); general statements about the area with no link to care."),
            code(GUT, 1,
                "Sensing that something is wrong, or that a day is about to go badly, before it can be named or measured.",
                "Instinct, a feeling, a sixth sense, noticing a tone of voice; acting on a hunch.",
                "Judgements backed by explicit tests or data (use Monitoring through data)."),
            code(LEARN_JOB, 2,
                "Competence acquired by doing the work, making mistakes and living through difficult episodes rather than through formal training.",
                "Learning by experience, being thrown in, picking things up, learning from bad days.",
                "Learning from a named colleague (use Asking a trusted colleague); structured training sessions (use Protected time)."),
            code(ASK_COLLEAGUE, 2,
                "Turning to a particular, trusted colleague for advice or a second opinion, informally and in the flow of work.",
                "Asking someone down the corridor, ringing a contact, running something past a person whose judgement is trusted.",
                "Formal case discussion in a meeting (use Learning together in meetings)."),
            code(KNOWHOW, 4,
                "Unwritten knowledge of how the practice and the wider system actually work: routes, people, informal rules.",
                "Back routes, who to ask, what really happens as opposed to the written process; knowledge held in people's heads.",
                "Deliberate shortcuts taken under pressure (use Cutting corners)."),
            code(EXPERIENCE, 6,
                "Preferring experienced judgement to a protocol, template or pathway when the two point different ways.",
                "Departing from or selectively using a protocol because experience suggests otherwise; contrasts of novices and experienced staff.",
                "Following a protocol (use Following protocols); departures explained only by lack of time (use Cutting corners)."),
        ],
    },
    CategorySpec {
        name: STANDARDS,
        rgb: (0xd9, 0x6b, 0x0b),
        description: "Standards people hold themselves to, whether or not anyone checks, and the feelings that come when the work falls short of them.",
        codes: &[
            code(PROPERLY, 1,
                "Quality understood as doing a task completely and correctly, by one's own standard, without leaving loose ends.",
                "“Properly”, “right first time”, finishing what you started, checking small details.",
                "Effort beyond the role (use Going the extra mile)."),
            code(EXTRA_MILE, 2,
                "Doing things that lie outside the job description or working hours for a patient's sake.",
                "Staying late, unpaid calls, personal favours, acts nobody asked for.",
                "Staying late only to clear routine work (use Not enough time)."),
            code(PRIDE, 3,
                "Pride and satisfaction in one's own, the team's or the practice's work.",
                "Being proud, job satisfaction, the practice's reputation, celebrating good feedback.",
                "Feedback as information about performance (use Patient feedback)."),
            code(RESPONSIBLE, 1,
                "A felt, personal responsibility for patients or for outcomes, beyond the formal allocation of tasks.",
                "“That's on me”, following things up oneself, carrying patients in one's head, the buck stopping here.",
                "Guilt about a specific lapse (use Guilt when standards slip)."),
            code(GOLDEN_RULE, 2,
                "Judging quality by how one would want oneself or one's family to be treated.",
                "Appeals to treating people like family, basic respect and courtesy as the measure.",
                "Respect for patients' choices about treatment (use Deciding together)."),
            code(GUILT, 1,
                "Guilt, distress or unease when the work falls short of one's own standard.",
                "Feeling awful, lying awake, things staying with you, not feeling good about cutting things short.",
                "Distress not linked to the quality of one's own work."),
        ],
    },
    CategorySpec {
        name: COPRODUCING,
        rgb: (0x23, 0x8b, 0x45),
        description: "Quality as something made with patients: listening, deciding together, continuity, negotiation and patients' own part in keeping care safe.",
        codes: &[
            code(LISTENING, 1,
                "Finding out and attending to what matters to the patient, rather than only to the clinical or administrative agenda.",
                "Asking what the patient hopes for, letting them tell their story, hearing the need behind a request.",
                "Knowing a patient's history (use Knowing the patients)."),
            code(SHARED_DECISION, 1,
                "Making decisions about care with the patient: laying out options, agreeing goals, respecting their choice.",
                "Options, agreeing targets together, care planning with people, accepting a decision one would not have made.",
                "Explaining the practice's limits (use Managing expectations)."),
            code(CONTINUITY, 1,
                "Patients seeing the same clinician over time, and arrangements that make that possible.",
                "Own GP, booking with the usual clinician, relationships over years, continuity being lost.",
                "Knowledge of patients without reference to an ongoing relationship (use Knowing the patients)."),
            code(EXPECTATIONS, 2,
                "Negotiating between what patients expect and what the practice can offer.",
                "Explaining waits, saying no, negotiating over antibiotics, honesty about call-back times.",
                "Demand described without an encounter with a patient (use Demand outstripping capacity)."),
            code(SAFETY_NETTING, 5,
                "Enlisting patients in keeping their own care safe: what to watch for, when to come back, chasing results.",
                "Safety-net advice, written information, asking patients to chase results.",
                "Practice rules and checklists (use Rules as a safety net)."),
            code(PATIENT_FEEDBACK, 3,
                "What patients say about their care, formally or informally, used as a sign of quality.",
                "Surveys, friends and family comments, complaints, thanks and gifts, patients returning or not.",
                "Numerical performance indicators (use Monitoring through data)."),
        ],
    },
    CategorySpec {
        name: EFFICIENCY,
        rgb: (0xc0, 0x1f, 0x2a),
        description: "Pressure to get more done with the same or fewer people and minutes, and what it does to the work.",
        codes: &[
            code(NO_TIME, 1,
                "Too little time for the work in hand, in a consultation, a call or a shift.",
                "Ten-minute appointments, running late, queues, no time to do things properly.",
                "Demand at the level of the practice (use Demand outstripping capacity); no time for reflection (use No time to step back)."),
            code(DEMAND, 2,
                "Demand for appointments and services growing faster than the practice's capacity.",
                "Appointments gone by 8.15, rising numbers, older and sicker patients, every month like winter.",
                "Vacancies and sickness (use Short-staffed)."),
            code(TARGETS, 1,
                "Targets, templates and payment indicators steering attention away from, or towards, what matters.",
                "Box-ticking, templates, incentive payments, call-answering times as the measure.",
                "Monitoring data used by managers to steer the service (use Monitoring through data)."),
            code(CORNERS, 2,
                "Steps left out or shortened to keep up, and errors that follow.",
                "Skipping checks, dealing with one problem only, things getting missed when it is manic.",
                "Deliberate, judgement-based departures from protocol (use Experience over protocol)."),
            code(SHORT_STAFFED, 3,
                "Vacancies, sickness and reliance on temporary staff.",
                "Gaps in the rota, locums, one person off bringing the day down.",
                "Too much demand with a full team (use Demand outstripping capacity)."),
            code(PAPERWORK, 4,
                "Administrative work and evidence-gathering that take time away from patients.",
                "Letters, forms, scanning, producing evidence.",
                "Evidence for inspection specifically (use Inspection and regulation)."),
            code(INTERRUPTIONS, 4,
                "Doing several things at once and being interrupted, with the risk of mistakes.",
                "Phones and desk at once, being pulled away, holding many things in one's head.",
                "Simple lack of time without interruption (use Not enough time)."),
        ],
    },
    CategorySpec {
        name: REFLECTIVE,
        rgb: (0x6a, 0x3d, 0x9a),
        description: "Time and places, formal or informal, in which people step back from the work, look at it and learn from it, and the lack of them.",
        codes: &[
            code(PROTECTED_TIME, 3,
                "Time set aside and protected from service demands for learning or reflection.",
                "Protected learning afternoons, closing for training, a guarded half hour.",
                "Meetings as such, unless their protection is the point (use Learning together in meetings)."),
            code(MEETINGS, 4,
                "Learning as a group in practice, clinical or team meetings.",
                "Case discussions, huddles, sharing what went well or badly in a meeting.",
                "Reviews of a specific incident (use Significant event review)."),
            code(SEA, 5,
                "Structured review of a specific incident to learn from it.",
                "Significant event reviews, writing up an event, changes that followed.",
                "Complaints as feedback (use Patient feedback)."),
            code(DEBRIEF, 1,
                "Informal talking-through of the work with colleagues, in corridors, over tea, after a hard call.",
                "Chats at the end of the day, checking in, a quick word in the back office.",
                "Seeking advice on a live decision (use Asking a trusted colleague)."),
            code(NO_STEP_BACK, 7,
                "Having no time or place to stop and look back at the work.",
                "No meetings, reflection squeezed into evenings, repeating mistakes because nobody can stop.",
                "Lack of time for the task itself (use Not enough time)."),
            code(APPRAISAL, 5,
                "Appraisal and clinical supervision as occasions to review one's work.",
                "Annual appraisal, supervision sessions, what appraisals do and do not cover.",
                "Informal self-reflection (use Looking back on the day)."),
            code(SELF_REVIEW, 9,
                "Individual, private reflection on one's own work.",
                "Going over the day on the drive home, notebooks, asking oneself what mattered.",
                "Reflection with others (use Corridor debriefs or Learning together in meetings)."),
        ],
    },
    CategorySpec {
        name: SYSTEMS,
        rgb: (0x0e, 0x7c, 0x86),
        description: "Formal systems that carry, check or shape quality: data, protocols, regulation, IT and audit.",
        codes: &[
            code(DATA, 3,
                "Using figures, dashboards, searches and benchmarks to see how the work is going.",
                "Dashboards, call statistics, searches, prescribing data, benchmarking; also scepticism about them.",
                "Targets as an external steer on clinical work (use Targets and box-ticking)."),
            code(PROTOCOLS, 1,
                "Working to written protocols, guidelines and flowcharts.",
                "Protocols, guidelines, flowcharts, written policies and keeping them current.",
                "Departing from them on the strength of experience (use Experience over protocol)."),
            code(INSPECTION, 3,
                "External inspection and regulation and the work of preparing for it.",
                "Inspection visits and ratings, evidence for the regulator, checking logs and certificates.",
                "Internal audit (use Audit and feedback)."),
            code(IT_SYSTEM, 2,
                "The clinical, telephone and online systems shaping what can be done and how.",
                "Screens, slots, templates, alerts, phone queues, online consultation tools, IT failures.",
                "Box-ticking for payment (use Targets and box-ticking)."),
            code(AUDIT, 8,
                "Audits of practice and their feedback to the team.",
                "Clinical audits, audits of call recordings, results fed back at meetings.",
                "Routine monitoring figures (use Monitoring through data)."),
            code(RULES_NET, 12,
                "Rules, checklists and procedures valued as a safety net on bad days.",
                "Falling back on rules, checklists that catch errors, procedures that protect staff.",
                "Protocols described as standardisation (use Following protocols)."),
        ],
    },
];

/// Where a code sits: its category's index and its own index in that category.
pub(crate) fn locate(name: &str) -> Option<(usize, usize)> {
    CATEGORIES.iter().enumerate().find_map(|(c, cat)| {
        cat.codes
            .iter()
            .position(|code| code.name == name)
            .map(|i| (c, i))
    })
}

/// The interview (1-based) in which the researcher first used `name`.
pub(crate) fn intro(name: &str) -> Option<usize> {
    locate(name).map(|(c, i)| CATEGORIES[c].codes[i].intro)
}

/// The other codes of the same category, in codebook order.
pub(crate) fn siblings(name: &str) -> Vec<&'static str> {
    match locate(name) {
        Some((c, _)) => CATEGORIES[c]
            .codes
            .iter()
            .map(|s| s.name)
            .filter(|n| *n != name)
            .collect(),
        None => Vec::new(),
    }
}

/// All code names (not categories) in codebook order.
pub(crate) fn code_names() -> Vec<&'static str> {
    CATEGORIES
        .iter()
        .flat_map(|c| c.codes.iter().map(|s| s.name))
        .collect()
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

/// The category's colour lightened towards white by `t` in `[0, 1)`.
fn tint((r, g, b): (u8, u8, u8), t: f64) -> (u8, u8, u8) {
    let f = |v: u8| {
        (f64::from(v) + (255.0 - f64::from(v)) * t)
            .round()
            .clamp(0.0, 255.0) as u8
    };
    (f(r), f(g), f(b))
}

/// The codebook in the public shape, parents before children. `examples`
/// maps a code name to a quote from the generated text.
pub(crate) fn code_defs(examples: &BTreeMap<&str, String>) -> Vec<CodeDef> {
    let mut out = Vec::new();
    for cat in CATEGORIES {
        out.push(CodeDef {
            name: cat.name.to_string(),
            parent: None,
            codable: false,
            color: hex(cat.rgb),
            description: cat.description.to_string(),
            inclusion: "A category groups codes; code the segment with one of its codes."
                .to_string(),
            exclusion: "Not used for coding directly.".to_string(),
            example: String::new(),
        });
        for (i, spec) in cat.codes.iter().enumerate() {
            out.push(CodeDef {
                name: spec.name.to_string(),
                parent: Some(cat.name.to_string()),
                codable: true,
                color: hex(tint(cat.rgb, 0.1 + 0.09 * i as f64)),
                description: spec.description.to_string(),
                inclusion: spec.inclusion.to_string(),
                exclusion: spec.exclusion.to_string(),
                example: examples.get(spec.name).cloned().unwrap_or_default(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_found_with_its_category() {
        for (c, cat) in CATEGORIES.iter().enumerate() {
            for (i, spec) in cat.codes.iter().enumerate() {
                assert_eq!(locate(spec.name), Some((c, i)));
            }
        }
        assert_eq!(locate(TACIT), None, "categories are not codes");
    }

    #[test]
    fn siblings_exclude_the_code_itself() {
        let s = siblings(NO_TIME);
        assert_eq!(s.len(), 6);
        assert!(!s.contains(&NO_TIME));
        assert!(s.contains(&DEMAND));
    }

    #[test]
    fn intros_fall_within_the_interviews() {
        for name in code_names() {
            let i = intro(name).unwrap_or(0);
            assert!((1..=21).contains(&i), "{name}: {i}");
        }
    }
}
