//! The project description and the memos: code, theoretical, method and
//! document memos written as the analysis went along, in Markdown, linked to
//! codes and documents by name.
//!
//! The few figures quoted in memos (new codes per interview, how often a code
//! was used, agreement with the second coder) are computed from the generated
//! codings and handed in as [`Figures`], so the memos never contradict the data.

use crate::codebook::*;
use crate::documents::{MINUTES, STRATEGY};
use crate::interview::file_name;
use crate::second_coder::SECOND_CODED;
use crate::MemoDef;

/// Figures from the generated codings that memos quote.
pub(crate) struct Figures {
    /// New codes per interview, by the researcher, in interview order.
    pub(crate) new_codes: Vec<usize>,
    /// Researcher codings of "Not enough time" per interview: front line
    /// groups, then managers (clinical and senior).
    pub(crate) no_time_front: f64,
    pub(crate) no_time_managers: f64,
    /// Of the second coder's codings, how many match a researcher coding exactly.
    pub(crate) agreed: usize,
    pub(crate) second_total: usize,
}

pub(crate) const PROJECT_NAME: &str = "Quality in primary care (demo)";

pub(crate) const DESCRIPTION: &str = "\
# Quality in primary care (demo project)

*This is a fictional study generated for demonstration. The practices, people and events are invented.*

## Aims
To understand how staff in general practice make sense of “quality” in their everyday work – not as it is defined in policy, but as it is planned, done, watched over and looked back on by the people doing the work – and to develop a grounded account of how these understandings differ across staff groups.

## Design
A constructivist grounded theory study. Semi-structured interviews with 21 staff in five practices (Practice A–E) between September 2023 and February 2024, following a topic guide built around four moments of work: planning, acting, monitoring and reviewing. Interviews were audio-recorded, transcribed in full and anonymised. Analysis ran alongside data collection: open coding, constant comparison, memo writing and, later, focused coding into six categories. A staff survey (60 respondents) and two practice documents were used for triangulation.

## Sampling
Purposive, then theoretical. We began with a spread of roles and then interleaved the five staff groups – front line clinicians, non-clinical front line staff, non-clinical front line managers, clinical managers and senior managers – so that each new interview could test emerging ideas against a different vantage point. Recruitment stopped when new interviews no longer added codes or changed the categories.

## Ethics
Participants received an information sheet, gave written consent and could withdraw until analysis began. Names of people, practices and places were replaced with bracketed descriptions such as [colleague] and [practice name] at transcription. Recordings were deleted once transcripts had been checked.
";

fn memo(title: &str, kind: &str, body: String, codes: &[&str], documents: &[String]) -> MemoDef {
    MemoDef {
        title: title.to_string(),
        kind: kind.to_string(),
        body,
        codes: codes.iter().map(|c| (*c).to_string()).collect(),
        documents: documents.to_vec(),
    }
}

fn interviews(numbers: &[usize]) -> Vec<String> {
    numbers.iter().map(|n| file_name(n - 1)).collect()
}

pub(crate) fn memos(fig: &Figures) -> Vec<MemoDef> {
    let saturation_table: String = fig
        .new_codes
        .iter()
        .enumerate()
        .map(|(i, n)| format!("| {:02} | {n} |\n", i + 1))
        .collect();
    let first_three: usize = fig.new_codes.iter().take(3).sum();
    let total: usize = fig.new_codes.iter().sum();
    let last_six: usize = fig.new_codes.iter().rev().take(6).sum();
    let percent = (fig.agreed * 100)
        .checked_div(fig.second_total)
        .unwrap_or(0);
    let second: Vec<String> = SECOND_CODED.iter().map(|i| file_name(*i)).collect();

    vec![
        memo(
            "Not enough time",
            "code",
            format!(
                "Time comes up in almost every front line interview, usually unprompted. I am keeping this code for the work in hand – the consultation, the call, the shift – and using *Demand outstripping capacity* for the practice-level picture.\n\n\
                 It is used about {:.1} times per interview with front line staff and front line managers, against {:.1} with clinical and senior managers. Managers talk about time *for others* (“the nurses tell me…”); front line staff talk about their own.\n\n\
                 It rarely travels alone: the same answer often goes on to *Guilt when standards slip* or *Doing it properly*. See the theoretical memo on personal standards.",
                fig.no_time_front, fig.no_time_managers
            ),
            &[NO_TIME, DEMAND, GUILT, PROPERLY],
            &interviews(&[1, 2, 4]),
        ),
        memo(
            "Gut feeling",
            "code",
            "Receptionists describe a “sixth sense” on the phones in almost the same words as GPs describe clinical intuition. I had assumed this was a clinical code; the reception interviews changed my mind.\n\n\
             Keep it separate from *Knowing the patients*: gut feeling can fire with a stranger, while knowing the patients needs a history.\n\n\
             Question for later interviews: does anyone *check* their gut feeling, and against what?"
                .to_string(),
            &[GUT, KNOW_PATIENTS],
            &interviews(&[1, 2]),
        ),
        memo(
            "Monitoring through data",
            "code",
            "Almost entirely a manager code. Senior managers describe dashboards and benchmarks as the way they *see* the practice; front line staff meet data mainly as targets (call-answering times, template completion), which I code under *Targets and box-ticking* instead.\n\n\
             The strategy document makes the monthly dashboard its main way of knowing whether quality is improving.\n\n\
             Interviewee 14 is the exception among senior managers: he reads the figures but distrusts them, preferring what he knows of families and staff. Coded here too, because it is about data – but as a dissenting voice."
                .to_string(),
            &[DATA, AUDIT, TARGETS],
            &[file_name(2), file_name(13), STRATEGY.to_string()],
        ),
        memo(
            "Deciding together",
            "code",
            "Only clinicians use this code, and mostly front line clinicians. It sits close to *Listening to what matters to the patient*: the decision is shared only after the agenda has been opened up.\n\n\
             Several clinicians describe learning to do this over years (“a few years ago I'd have pushed”), which links the category to *Learning on the job*."
                .to_string(),
            &[SHARED_DECISION, LISTENING, LEARN_JOB],
            &interviews(&[1, 6]),
        ),
        memo(
            "Efficiency pressure crowds out reflective space",
            "theoretical",
            "Working hypothesis: efficiency pressure does not only shorten the work, it removes the places where people would look back on it. Front line accounts move from *Not enough time* to *No time to step back* within the same answer, and protected afternoons are the first thing cancelled (see the QI meeting minutes).\n\n\
             Managers, by contrast, describe reflective space that exists – meetings, significant event reviews, supervision – but that front line staff seldom mention attending. The same practice looks reflective from the top and relentless from the desk.\n\n\
             To test: do front line managers sit in between? So far, yes: they speak of huddles and checking in, but also of phones that nobody answers if the team stops."
                .to_string(),
            &[NO_TIME, NO_STEP_BACK, PROTECTED_TIME, MEETINGS],
            &[file_name(3), file_name(6), MINUTES.to_string()],
        ),
        memo(
            "Personal standards as the hidden quality system",
            "theoretical",
            "What keeps quality up on a bad day is not the protocol but the person: *Doing it properly*, *Feeling responsible*, *Going the extra mile*. Nobody checks these standards – “I'd know if I'd done it badly” – and they are paid for in guilt when time runs out.\n\n\
             This suggests a conditional relation: efficiency pressure (condition) → staff absorb the gap through personal standards and unpaid effort (strategy) → guilt and fatigue (consequence). The strategy document names this reliance on goodwill but does not say how it will reduce it."
                .to_string(),
            &[PROPERLY, RESPONSIBLE, EXTRA_MILE, GUILT, NO_TIME],
            &[file_name(1), STRATEGY.to_string()],
        ),
        memo(
            "The measured and the felt",
            "theoretical",
            "Two ways of knowing whether the work is good run side by side. One is measured: dashboards, targets, audit, inspection. The other is felt: gut feeling, what patients say, knowing the families. Managers lean on the first, front line staff on the second, and each is partly blind to what the other sees.\n\n\
             Patient feedback is where the two meet – counted on a dashboard, but read one comment at a time."
                .to_string(),
            &[DATA, TARGETS, PATIENT_FEEDBACK, GUT, KNOW_PATIENTS],
            &interviews(&[3, 14]),
        ),
        memo(
            "Negative cases",
            "theoretical",
            "**Interviewee 13** (salaried GP, 21 years in post) never mentions time pressure, targets or staffing. She works part-time, has a stable list and describes continuity and shared decisions at length. Rather than contradicting the efficiency-pressure account, the case seems to show what quality looks like when the pressure is absent – which strengthens the claim that pressure is a condition, not a trait of the job.\n\n\
             **Interviewee 14** (GP partner) contradicts the common managerial view: he doubts the dashboards, defends targets that front line staff resent, thinks time is not the main problem and is sceptical of protected time. His account locates quality in experienced people rather than systems. I have kept these passages under the ordinary codes and flagged them here; they mark the edge of the *Systems and rules* category."
                .to_string(),
            &[EXPERIENCE, TARGETS, DATA, PROTECTED_TIME, CONTINUITY],
            &interviews(&[13, 14]),
        ),
        memo(
            "Sampling decisions",
            "method",
            "We started with a salaried GP and a receptionist because the early literature was written almost entirely about clinicians. After interview 03 we interleaved the five staff groups deliberately, so that every idea met at least one other vantage point within a fortnight.\n\n\
             From interview 10 sampling became theoretical: we sought a long-serving clinician with a stable list (interview 13) to test the role of time pressure, and a second GP partner (interview 14) after the first senior managers spoke so uniformly about data.\n\n\
             The survey was added to check whether group differences seen in the interviews held across a larger staff sample."
                .to_string(),
            &[],
            &interviews(&[1, 2, 13, 14]),
        ),
        memo(
            "Saturation judgement",
            "method",
            format!(
                "New codes per interview (researcher's coding, in interview order):\n\n| Interview | New codes |\n|---|---|\n{saturation_table}\n\
                 The first three interviews produced {first_three} of the {total} codes; the last six produced {last_six}. From interview 13 on, interviews deepened existing categories – especially through the negative cases – without adding to them. We judged code saturation reached and stopped recruiting after interview 21. Meaning saturation is a separate question, taken up in the theoretical memos."
            ),
            &[],
            &[],
        ),
        memo(
            "Coding procedure and second coding",
            "method",
            format!(
                "Open coding was done line by line on the first six transcripts, then codes were grouped into six categories and the codebook written up with definitions, inclusion and exclusion criteria. A coding covers the sentence or sentences that carry the meaning, not the whole turn.\n\n\
                 José, a second coder who had not seen the researcher's coding, coded four interviews independently from the codebook: {}. {percent}% of the second coder's codings ({} of {}) match a researcher coding exactly. Most disagreements were boundary differences of a few words or a neighbouring code in the same category; a few segments were missed. Definitions for *Corridor debriefs* and *Asking a trusted colleague* were sharpened after discussion.",
                second.join(", "),
                fig.agreed,
                fig.second_total
            ),
            &[DEBRIEF, ASK_COLLEAGUE],
            &second,
        ),
        memo(
            "The quality strategy",
            "document",
            "Read after interview 8. The strategy speaks the managers' language: a monthly dashboard, quarterly audits, protected learning time that “will not be cancelled”. Its section on measures is more candid than expected – it admits some indicators record tasks rather than benefit.\n\n\
             Against the interviews: the strategy promises protected time that front line staff describe as cancelled; it names goodwill as a resource but not as a risk."
                .to_string(),
            &[DATA, PROTECTED_TIME, TARGETS],
            &[STRATEGY.to_string()],
        ),
        memo(
            "Minutes of the November QI meeting",
            "document",
            "Useful because the meeting brought groups together. The call-answering item shows the two ways of knowing in one room: the figures improve while the receptionists say the calls have got worse. The significant event item is a textbook case of interruptions and workarounds. And the November learning afternoon was cancelled – recorded in the same minutes that reaffirm it."
                .to_string(),
            &[DATA, NO_TIME, SEA, PROTECTED_TIME, NO_STEP_BACK],
            &[MINUTES.to_string(), STRATEGY.to_string()],
        ),
    ]
}
