//! The two organisational documents used to triangulate the interviews: a
//! practice quality strategy and the minutes of a quality-improvement
//! meeting, both Markdown, with the passages the researcher coded.
//!
//! The wording is fixed; only the code-point offsets are computed.

use crate::codebook::*;
use crate::composer::Composer;
use crate::interview::RESEARCHER;
use crate::{CodingDef, Document};

pub(crate) const STRATEGY: &str = "quality-strategy.md";
pub(crate) const MINUTES: &str = "quality-meeting-minutes.md";

/// A piece of a paragraph: plain text, or text the researcher coded.
enum Piece {
    P(&'static str),
    C(&'static [&'static str], &'static str),
}
use Piece::{C, P};

struct DocWriter {
    file: &'static str,
    out: Composer,
    codings: Vec<CodingDef>,
}

impl DocWriter {
    fn new(file: &'static str) -> DocWriter {
        DocWriter {
            file,
            out: Composer::new(),
            codings: Vec::new(),
        }
    }

    fn pieces(&mut self, pieces: &[Piece]) {
        for (n, piece) in pieces.iter().enumerate() {
            if n > 0 {
                self.out.push(" ");
            }
            match piece {
                P(text) => {
                    self.out.push(text);
                }
                C(codes, text) => {
                    let (start, end) = self.out.push(text);
                    for code in *codes {
                        self.codings.push(CodingDef {
                            document: self.file.to_string(),
                            code: (*code).to_string(),
                            start,
                            end,
                            coder: RESEARCHER.to_string(),
                        });
                    }
                }
            }
        }
    }

    /// A heading or other single line, followed by a blank line.
    fn line(&mut self, text: &str) {
        self.out.push(text);
        self.out.push("\n\n");
    }

    fn para(&mut self, pieces: &[Piece]) {
        self.pieces(pieces);
        self.out.push("\n\n");
    }

    /// A list item; the list ends with `end_list`.
    fn item(&mut self, pieces: &[Piece]) {
        self.out.push("- ");
        self.pieces(pieces);
        self.out.push("\n");
    }

    fn end_list(&mut self) {
        self.out.push("\n");
    }

    fn finish(self, title: &str) -> (Document, Vec<CodingDef>) {
        let mut text = self.out.finish();
        while text.ends_with("\n\n") {
            text.pop();
        }
        (
            Document {
                file_name: self.file.to_string(),
                title: title.to_string(),
                text,
                participant: None,
            },
            self.codings,
        )
    }
}

fn strategy() -> (Document, Vec<CodingDef>) {
    let mut d = DocWriter::new(STRATEGY);
    d.line("# Quality strategy 2023–2026");
    d.line("*[practice name] · agreed at the partners’ meeting, June 2023 · review due June 2024*");
    d.line("## 1. Why we have a strategy");
    d.para(&[
        P("This document sets out how the practice means to look after, and improve, the quality of the care it gives over the next three years."),
        P("It was drafted by the practice manager and the clinical lead after the staff away-day in April, where every team had a chance to say what “good” looks like from where they sit."),
        P("It replaces the quality statement written in 2019, which most staff told us they had never read."),
    ]);
    d.para(&[
        P("We use “quality” to mean care that is safe, effective, timely and kind, and that patients would recognise as care designed around them."),
        C(&[PRIDE], "We are proud of the care we give, and the away-day showed how much of it depends on the goodwill and standards of individual staff."),
        P("A strategy cannot replace that goodwill, but it can stop us from relying on it without noticing."),
    ]);
    d.line("## 2. Where we are now");
    d.para(&[
        P("The practice serves about eleven thousand patients across the town and the estate, with a growing share of people over seventy-five and of people living with more than one long-term condition."),
        C(&[DEMAND], "Requests for same-day appointments rose by around a fifth between 2020 and 2023, while the number of clinical sessions we can offer stayed almost flat."),
        C(&[SHORT_STAFFED], "Two practice nurse posts have been vacant for most of the last year, and we have covered sessions with locums where we could."),
    ]);
    d.para(&[
        P("At our last inspection the practice was rated good overall."),
        C(&[INSPECTION], "The report praised our safeguarding arrangements and asked us to strengthen how we record staff training and check emergency equipment."),
        P("Both actions have been completed."),
    ]);
    d.line("## 3. Our priorities");
    d.para(&[P(
        "Over the life of this strategy we will concentrate on five things.",
    )]);
    d.item(&[
        P("**Access that is fair.**"),
        C(&[IT_SYSTEM, DEMAND], "We will review the new telephone system and the online consultation form every quarter to check that neither makes it harder for older or less confident patients to reach us."),
    ]);
    d.item(&[
        P("**Continuity for those who need it most.**"),
        C(&[CONTINUITY], "Patients with complex needs, and those who ask for it, will be offered a named clinician and booked with that clinician wherever possible."),
    ]);
    d.item(&[
        P("**Care planned with patients.**"),
        C(&[SHARED_DECISION], "Long-term condition reviews will end with a care plan agreed with the patient, written in plain language and given to them to keep."),
    ]);
    d.item(&[
        P("**Learning from what goes wrong and what goes right.**"),
        C(&[SEA], "Every significant event will be reviewed within four weeks, without blame, and the learning shared with the whole team, not just the people involved."),
    ]);
    d.item(&[
        P("**A team with time to improve.**"),
        C(&[PROTECTED_TIME], "We will keep one protected learning afternoon a month for all staff, and we will not cancel it for routine service pressure."),
    ]);
    d.end_list();
    d.line("## 4. How we will know");
    d.para(&[
        C(&[DATA], "The practice manager will keep a quality dashboard, updated monthly, covering access, call answering, reviews completed, referrals, prescribing and complaints."),
        P("The dashboard will be shared at the monthly practice meeting and kept on the shared drive where every member of staff can see it."),
    ]);
    d.para(&[
        C(&[AUDIT], "Each quarter the clinical team will complete at least one audit against a published standard and report the results, and what changed as a result, to the clinical meeting."),
        C(&[PATIENT_FEEDBACK], "We will read every friends and family comment and every complaint, and publish a short “you said, we did” note in the waiting room twice a year."),
    ]);
    d.para(&[
        P("We know that numbers do not tell the whole story."),
        C(&[TARGETS], "Some of the indicators we are paid against measure whether a task was recorded rather than whether it helped, and we will not let them become the definition of quality here."),
        P("Where staff think a measure is misleading, we want to hear about it."),
    ]);
    d.line("## 5. Roles and responsibilities");
    d.para(&[
        P("The partners are accountable for quality. The clinical lead chairs the clinical meeting and leads on audit and significant events."),
        P("The practice manager leads on the dashboard, complaints and the protected learning programme."),
        C(&[RESPONSIBLE, GOLDEN_RULE], "Every member of staff is responsible for the quality of their own work and for treating patients as they would wish their own family to be treated."),
    ]);
    d.para(&[
        C(&[PROTOCOLS], "Clinical and administrative protocols are kept on the shared drive, each with a named owner, and are reviewed at least once a year or when national guidance changes."),
        C(&[RULES_NET], "Protocols are there to support judgement and to keep people safe on difficult days, not to replace the knowledge that experienced staff bring."),
    ]);
    d.line("## 6. Reviewing this strategy");
    d.para(&[
        P("The partners will review progress against this strategy every six months, using the dashboard, audit reports and what staff and patients tell us."),
        C(&[MEETINGS], "Each review will start at a practice meeting, so that staff from every team can say what has helped and what has got in the way."),
        P("A revised version will be agreed by June 2024."),
    ]);
    d.finish("Practice quality strategy 2023–2026")
}

fn minutes() -> (Document, Vec<CodingDef>) {
    let mut d = DocWriter::new(MINUTES);
    d.line("# Quality improvement meeting – minutes");
    d.line("**Date:** Thursday 9 November 2023, 12.30–13.45, meeting room 2");
    d.para(&[
        P("**Present:** practice manager (chair), GP partner, lead nurse, reception manager, practice nurse, two receptionists, medical secretary."),
        P("**Apologies:** clinical pharmacist, healthcare assistant."),
        P("**Notes taken by:** medical secretary."),
    ]);
    d.line("## 1. Minutes of the last meeting and actions");
    d.para(&[
        P("The minutes of 12 October were agreed."),
        P("The new fridge temperature log is in place. The patient information leaflet on results is still with the printers; carried forward."),
    ]);
    d.line("## 2. Call-answering figures");
    d.para(&[
        C(&[DATA], "The practice manager presented October’s figures: average wait to answer was just under four minutes, and 11% of calls were abandoned, up from 7% in September."),
        C(&[TARGETS], "The network target is for fewer than 5% of calls to be abandoned."),
    ]);
    d.para(&[
        C(&[NO_TIME, CORNERS], "The reception manager said the team were answering faster by keeping calls short, and that this meant less time to find out what callers actually needed."),
        C(&[NO_TIME, GUILT], "One receptionist said that on Monday mornings it was impossible to do the job as well as she wanted, and that she went home feeling she had let people down."),
    ]);
    d.para(&[
        P("The GP partner asked whether faster answering was the right aim if it meant more calls being passed to the duty doctor without enough information."),
        P("Agreed that the figures should be read alongside the duty doctor’s record of inappropriate transfers."),
    ]);
    d.line("## 3. Significant event: message not passed on");
    d.para(&[
        C(&[SEA], "The lead nurse presented the review of the event in October, when a message from the hospital about an abnormal blood result reached the GP two days late."),
        C(&[INTERRUPTIONS, CORNERS], "The message was taken at the front desk during a busy period, written on a note and not added to the clinical system until the next day."),
        P("No harm came to the patient, who was contacted and treated promptly once the message was seen."),
    ]);
    d.para(&[
        C(&[MEETINGS], "Discussion was open and constructive, and several people said it helped to hear how the same pressures showed up in other teams."),
        C(&[PROTOCOLS, RULES_NET], "Agreed that all messages from hospitals about results will be entered directly on the system at the time of the call, and a short checklist will sit by each phone."),
    ]);
    d.line("## 4. Friends and family comments");
    d.para(&[
        C(&[PATIENT_FEEDBACK], "Sixty-two responses in October; 86% would recommend the practice. Comments about reception staff were mostly warm, with several naming individual receptionists for their kindness."),
        C(&[EXPECTATIONS], "Negative comments were almost all about getting through on the phone and waiting for routine appointments."),
    ]);
    d.para(&[
        C(&[PRIDE], "The chair asked that the positive comments be shared with the reception team, who rarely hear them."),
    ]);
    d.line("## 5. Protected learning time");
    d.para(&[
        C(&[PROTECTED_TIME], "The November learning afternoon was cancelled because of a flu clinic, the second cancellation this year."),
        C(&[NO_STEP_BACK], "The practice nurse said staff had noticed, and that without the afternoons there was nowhere to talk about how work was going."),
        P("The GP partner was less sure the afternoons were well used, and suggested they include more case discussion and less information-giving."),
    ]);
    d.para(&[
        P("Agreed to keep the December afternoon and to give the first half hour to a case brought by one of the teams."),
    ]);
    d.line("## 6. Continuity pilot");
    d.para(&[
        C(&[CONTINUITY, KNOW_PATIENTS], "The GP partner reported on the pilot of named clinicians for patients with three or more long-term conditions: 140 patients are now linked to a named GP, and reception book them with that GP where they can."),
        P("Early impressions from clinicians are positive; reception find it difficult when the named GP has no free appointments."),
        P("To be reviewed in February with data on how often patients saw their named GP."),
    ]);
    d.line("## 7. Any other business");
    d.para(&[
        C(&[PAPERWORK], "The medical secretary raised the backlog of scanned letters, currently about four working days, and asked whether an extra session of admin time could be found."),
        P("The practice manager will look at the rota."),
    ]);
    d.line("## Actions");
    d.line("| Action | Who | By |\n|---|---|---|\n| Add duty doctor transfer data to the call report | Practice manager | December meeting |\n| Results checklist by every phone | Reception manager | 17 November |\n| Share positive patient comments with reception | Chair | 17 November |\n| Plan December learning afternoon with a case slot | Lead nurse | 1 December |\n| Review scanning backlog and admin rota | Practice manager | December meeting |");
    d.para(&[P("**Next meeting:** Thursday 14 December 2023, 12.30.")]);
    d.finish("Minutes of the quality improvement meeting, 9 November 2023")
}

/// Both documents with the researcher's codings of them.
pub(crate) fn documents() -> Vec<(Document, Vec<CodingDef>)> {
    vec![strategy(), minutes()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coded_passages_are_where_the_offsets_say() {
        for (doc, codings) in documents() {
            let chars: Vec<char> = doc.text.chars().collect();
            assert!(!codings.is_empty());
            for c in codings {
                let text: String = chars[c.start as usize..c.end as usize].iter().collect();
                assert!(text.ends_with('.'), "{}: {text:?}", doc.file_name);
                assert!(
                    text.chars().next().is_some_and(|ch| ch.is_uppercase()),
                    "{text:?}"
                );
            }
        }
    }

    #[test]
    fn documents_are_markdown_with_a_title() {
        for (doc, _) in documents() {
            assert!(doc.text.starts_with("# "));
            assert!(doc.file_name.ends_with(".md"));
            assert!(doc.text.ends_with('\n') && !doc.text.ends_with("\n\n"));
        }
    }
}
