//! The 21 fictional participants: staff group, role, practice, interview date
//! and length, and the few facts the transcript generator needs about each
//! (whether they are clinically qualified, whether they are a negative case).
//!
//! Participants are anonymised; nothing here names a real person or place.

use crate::codebook::{AUDIT, DATA, PROTECTED_TIME, PROTOCOLS};
use crate::codebook::{CORNERS, DEMAND, INTERRUPTIONS, NO_TIME, PAPERWORK, SHORT_STAFFED, TARGETS};
use crate::Participant;

/// The five staff groups of the purposive sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Group {
    FrontLineClinician,
    NonClinicalFrontLine,
    NonClinicalManager,
    ClinicalManager,
    SeniorManager,
}

impl Group {
    pub(crate) const ALL: [Group; 5] = [
        Group::FrontLineClinician,
        Group::NonClinicalFrontLine,
        Group::NonClinicalManager,
        Group::ClinicalManager,
        Group::SeniorManager,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            Group::FrontLineClinician => "front line clinician",
            Group::NonClinicalFrontLine => "non-clinical front line staff",
            Group::NonClinicalManager => "non-clinical front line manager",
            Group::ClinicalManager => "clinical manager",
            Group::SeniorManager => "senior manager",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// This group's bit in a fragment's voice mask.
    pub(crate) fn bit(self) -> u8 {
        1 << self.index()
    }
}

/// Everything the generator knows about one participant.
pub(crate) struct Profile {
    pub(crate) group: Group,
    pub(crate) role: &'static str,
    pub(crate) site: &'static str,
    pub(crate) clinical: bool,
    pub(crate) years: u32,
    pub(crate) minutes: u32,
    /// Speaks the fragments written for the contrarian senior manager.
    pub(crate) contrarian: bool,
    /// Codes this participant never expresses (outside contrarian fragments).
    pub(crate) excludes: &'static [&'static str],
    pub(crate) interviewer: &'static str,
}

use Group::*;

const fn p(
    group: Group,
    role: &'static str,
    site: &'static str,
    clinical: bool,
    years: u32,
    minutes: u32,
    interviewer: &'static str,
) -> Profile {
    Profile {
        group,
        role,
        site,
        clinical,
        years,
        minutes,
        contrarian: false,
        excludes: &[],
        interviewer,
    }
}

/// The negative-case clinician never talks about efficiency pressure.
const NO_PRESSURE: &[&str] = &[
    NO_TIME,
    DEMAND,
    TARGETS,
    CORNERS,
    SHORT_STAFFED,
    PAPERWORK,
    INTERRUPTIONS,
];
/// The contrarian senior manager only speaks about data, targets, protocols
/// and protected time in his own, dissenting words.
const DISSENT: &[&str] = &[DATA, TARGETS, AUDIT, PROTOCOLS, PROTECTED_TIME, NO_TIME];

pub(crate) const PROFILES: [Profile; 21] = [
    p(
        FrontLineClinician,
        "salaried GP",
        "Practice A",
        true,
        6,
        44,
        "Zoë",
    ),
    p(
        NonClinicalFrontLine,
        "receptionist",
        "Practice B",
        false,
        11,
        40,
        "Siân",
    ),
    p(
        SeniorManager,
        "practice manager",
        "Practice A",
        false,
        9,
        62,
        "Zoë",
    ),
    p(
        NonClinicalManager,
        "reception manager",
        "Practice C",
        false,
        7,
        51,
        "Siân",
    ),
    p(
        ClinicalManager,
        "lead nurse",
        "Practice B",
        true,
        14,
        66,
        "Zoë",
    ),
    p(
        FrontLineClinician,
        "practice nurse",
        "Practice D",
        true,
        8,
        57,
        "Siân",
    ),
    p(
        NonClinicalFrontLine,
        "medical secretary",
        "Practice C",
        false,
        4,
        42,
        "Zoë",
    ),
    p(
        SeniorManager,
        "GP partner",
        "Practice E",
        true,
        17,
        73,
        "Siân",
    ),
    p(
        FrontLineClinician,
        "healthcare assistant",
        "Practice A",
        true,
        3,
        39,
        "Zoë",
    ),
    p(
        NonClinicalManager,
        "office manager",
        "Practice D",
        false,
        12,
        55,
        "Siân",
    ),
    p(
        NonClinicalFrontLine,
        "receptionist",
        "Practice E",
        false,
        2,
        36,
        "Zoë",
    ),
    p(
        ClinicalManager,
        "GP clinical lead",
        "Practice C",
        true,
        10,
        68,
        "Siân",
    ),
    Profile {
        excludes: NO_PRESSURE,
        ..p(
            FrontLineClinician,
            "salaried GP",
            "Practice B",
            true,
            21,
            49,
            "Zoë",
        )
    },
    Profile {
        contrarian: true,
        excludes: DISSENT,
        ..p(
            SeniorManager,
            "GP partner",
            "Practice D",
            true,
            23,
            81,
            "Siân",
        )
    },
    p(
        NonClinicalFrontLine,
        "patient services administrator",
        "Practice A",
        false,
        5,
        43,
        "Zoë",
    ),
    p(
        FrontLineClinician,
        "clinical pharmacist",
        "Practice E",
        true,
        3,
        47,
        "Siân",
    ),
    p(
        NonClinicalManager,
        "patient services supervisor",
        "Practice B",
        false,
        6,
        52,
        "Zoë",
    ),
    p(
        ClinicalManager,
        "nurse manager",
        "Practice E",
        true,
        15,
        60,
        "Siân",
    ),
    p(
        NonClinicalFrontLine,
        "receptionist",
        "Practice D",
        false,
        9,
        45,
        "Zoë",
    ),
    p(
        SeniorManager,
        "business manager",
        "Practice C",
        false,
        5,
        58,
        "Siân",
    ),
    p(
        FrontLineClinician,
        "practice nurse",
        "Practice C",
        true,
        12,
        54,
        "Zoë",
    ),
];

/// The label a participant speaks under, e.g. `Interviewee 07`.
pub(crate) fn label(index: usize) -> String {
    format!("Interviewee {:02}", index + 1)
}

/// Days after Monday 4 September 2023 on which interview `index` took place:
/// about every eight and a half days, never on a weekend.
fn day_offset(index: usize) -> u32 {
    const JITTER: [u32; 21] = [
        0, 2, 1, 3, 0, 1, 2, 0, 3, 1, 0, 2, 1, 3, 2, 0, 1, 3, 0, 2, 1,
    ];
    let raw = (index as u32 * 17) / 2 + JITTER[index % JITTER.len()];
    match raw % 7 {
        5 => raw + 2,
        6 => raw + 1,
        _ => raw,
    }
}

/// Calendar date `offset` days after 4 September 2023.
fn date_after(offset: u32) -> (i32, u8, u8) {
    let (mut y, mut m, mut d) = (2023i32, 9u8, 4u32 + offset);
    loop {
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let len = match m {
            2 if leap => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if d <= len {
            return (y, m, d as u8);
        }
        d -= len;
        m += 1;
        if m > 12 {
            m = 1;
            y += 1;
        }
    }
}

pub(crate) fn participants() -> Vec<Participant> {
    PROFILES
        .iter()
        .enumerate()
        .map(|(i, pr)| Participant {
            label: label(i),
            staff_group: pr.group.name().to_string(),
            role: pr.role.to_string(),
            site: pr.site.to_string(),
            interview_date: date_after(day_offset(i)),
            years_in_role: pr.years,
            duration_minutes: pr.minutes,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(offset: u32, expect: (i32, u8, u8)) {
        assert_eq!(date_after(offset), expect);
    }

    #[test]
    fn dates_cross_month_year_and_leap_day() {
        check(0, (2023, 9, 4));
        check(26, (2023, 9, 30));
        check(27, (2023, 10, 1));
        check(118, (2023, 12, 31));
        check(119, (2024, 1, 1));
        check(177, (2024, 2, 28));
        check(178, (2024, 2, 29));
        check(179, (2024, 3, 1));
    }

    #[test]
    fn interviews_fall_on_weekdays() {
        for i in 0..PROFILES.len() {
            assert!(day_offset(i) % 7 < 5, "interview {} on a weekend", i + 1);
        }
    }
}
