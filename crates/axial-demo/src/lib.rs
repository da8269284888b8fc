//! The built-in demo study: a fictional grounded-theory interview study of
//! how primary-care staff understand quality in their everyday work, with
//! transcripts, a survey, two practice documents, a codebook, codings by two
//! coders and memos.
//!
//! This crate is pure data generation. [`study`] is deterministic (a seeded
//! SplitMix64, never the operating system's randomness), does no IO and
//! returns plain values; turning them into a project is `axial demo`'s job.
//! All wording is original and every name of a person or place is fictional.
//!
//! The data carry patterns for the analyses to find: code saturation over
//! the interview order, differences between staff groups, codes that occur
//! together, two negative cases, and a second coder who mostly agrees.

mod bank;
mod codebook;
mod composer;
mod documents;
mod interview;
mod memos;
mod participants;
mod rng;
mod second_coder;
mod survey;

use std::collections::BTreeMap;

/// Everything in the demo project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Study {
    /// "Quality in primary care (demo)".
    pub project_name: String,
    /// The project memo: aims, design, sampling, ethics (Markdown).
    pub description: String,
    /// The five staff groups, in sampling-frame order.
    pub staff_groups: Vec<String>,
    /// 21 participants; `participants[i]` gave `interviews[i]`.
    pub participants: Vec<Participant>,
    /// 21 transcripts, in interview order.
    pub interviews: Vec<Document>,
    /// The staff survey as UTF-8 CSV with a header row.
    pub survey_csv: String,
    /// Two organisational documents (Markdown) used for triangulation.
    pub documents: Vec<Document>,
    /// Categories (not codable) and codes, parents before children.
    pub codes: Vec<CodeDef>,
    /// Codings by "researcher" (all documents) and "second coder" (four interviews).
    pub codings: Vec<CodingDef>,
    pub memos: Vec<MemoDef>,
}

/// An interviewee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    /// "Interviewee 01" … "Interviewee 21"; also the speaker label in the transcript.
    pub label: String,
    /// One of [`Study::staff_groups`].
    pub staff_group: String,
    /// e.g. "practice nurse", "receptionist", "practice manager", "GP partner".
    pub role: String,
    /// A fictional practice, "Practice A" … "Practice E".
    pub site: String,
    /// (year, month, day); increases with the interview number.
    pub interview_date: (i32, u8, u8),
    pub years_in_role: u32,
    /// 35 to 85.
    pub duration_minutes: u32,
}

/// A text document: a transcript or an organisational document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    /// e.g. "interview-01.txt", "quality-strategy.md".
    pub file_name: String,
    pub title: String,
    pub text: String,
    /// Index into [`Study::participants`] for transcripts.
    pub participant: Option<usize>,
}

/// A category (`codable == false`) or a code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeDef {
    /// Unique across the codebook.
    pub name: String,
    /// The parent category's name.
    pub parent: Option<String>,
    pub codable: bool,
    /// "#rrggbb"; codes share their category's hue.
    pub color: String,
    /// The definition.
    pub description: String,
    pub inclusion: String,
    pub exclusion: String,
    /// A quote from the demo data; empty for categories.
    pub example: String,
}

/// One coded segment.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CodingDef {
    /// The document's file name.
    pub document: String,
    /// The code's name.
    pub code: String,
    /// `[start, end)` in Unicode code points of the document's text.
    pub start: u32,
    pub end: u32,
    /// "researcher" or "second coder".
    pub coder: String,
}

/// A memo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemoDef {
    pub title: String,
    /// "code", "theoretical", "method" or "document".
    pub kind: String,
    /// Markdown.
    pub body: String,
    /// Names of the codes it is about.
    pub codes: Vec<String>,
    /// File names of the documents it is about.
    pub documents: Vec<String>,
}

/// The demo study. Deterministic: every call returns the same value.
pub fn study() -> Study {
    let profiles = &participants::PROFILES;
    let participants = participants::participants();

    let mut interviews = Vec::with_capacity(profiles.len());
    let mut codings = Vec::new();
    for (i, profile) in profiles.iter().enumerate() {
        let t = interview::transcript(i, profile);
        interviews.push(t.document);
        codings.extend(t.codings);
    }
    let mut documents = Vec::new();
    for (doc, doc_codings) in documents::documents() {
        documents.push(doc);
        codings.extend(doc_codings);
    }
    let researcher = codings.clone();
    for i in second_coder::SECOND_CODED {
        codings.extend(second_coder::second_coding(&interviews[i], &researcher));
    }

    let examples = examples(&interviews, &researcher);
    let figures = figures(&participants, &interviews, &codings);

    Study {
        project_name: memos::PROJECT_NAME.to_string(),
        description: memos::DESCRIPTION.to_string(),
        staff_groups: participants::Group::ALL
            .iter()
            .map(|g| g.name().to_string())
            .collect(),
        participants,
        interviews,
        survey_csv: survey::survey_csv(),
        documents,
        codes: codebook::code_defs(&examples),
        codings,
        memos: memos::memos(&figures),
    }
}

/// The text of `[start, end)` in `text`, counted in code points.
fn slice(text: &str, start: u32, end: u32) -> String {
    text.chars()
        .skip(start as usize)
        .take(end.saturating_sub(start) as usize)
        .collect()
}

/// For each code, the shortest segment the researcher coded with it in the
/// transcripts (the earliest when several are as short).
fn examples<'a>(interviews: &[Document], researcher: &'a [CodingDef]) -> BTreeMap<&'a str, String> {
    let mut best: BTreeMap<&str, String> = BTreeMap::new();
    for doc in interviews {
        for c in researcher.iter().filter(|c| c.document == doc.file_name) {
            let quote = slice(&doc.text, c.start, c.end);
            let shorter = best
                .get(c.code.as_str())
                .is_none_or(|q| quote.chars().count() < q.chars().count());
            if shorter {
                best.insert(c.code.as_str(), quote);
            }
        }
    }
    best
}

fn figures(
    participants: &[Participant],
    interviews: &[Document],
    codings: &[CodingDef],
) -> memos::Figures {
    let researcher: Vec<&CodingDef> = codings
        .iter()
        .filter(|c| c.coder == interview::RESEARCHER)
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    let mut new_codes = Vec::new();
    for doc in interviews {
        let before = seen.len();
        for c in researcher.iter().filter(|c| c.document == doc.file_name) {
            if !seen.contains(&c.code.as_str()) {
                seen.push(&c.code);
            }
        }
        new_codes.push(seen.len() - before);
    }
    let rate = |groups: &[participants::Group]| {
        let names: Vec<&str> = groups.iter().map(|g| g.name()).collect();
        let docs: Vec<&str> = interviews
            .iter()
            .zip(participants)
            .filter(|(_, p)| names.contains(&p.staff_group.as_str()))
            .map(|(d, _)| d.file_name.as_str())
            .collect();
        let n = researcher
            .iter()
            .filter(|c| c.code == codebook::NO_TIME && docs.contains(&c.document.as_str()))
            .count();
        n as f64 / docs.len().max(1) as f64
    };
    use participants::Group::*;
    let second: Vec<&CodingDef> = codings
        .iter()
        .filter(|c| c.coder == second_coder::SECOND_CODER)
        .collect();
    let agreed = second
        .iter()
        .filter(|s| {
            researcher.iter().any(|r| {
                r.document == s.document && r.code == s.code && r.start == s.start && r.end == s.end
            })
        })
        .count();
    memos::Figures {
        new_codes,
        no_time_front: rate(&[FrontLineClinician, NonClinicalFrontLine, NonClinicalManager]),
        no_time_managers: rate(&[ClinicalManager, SeniorManager]),
        agreed,
        second_total: second.len(),
    }
}
