//! Assembles one interview transcript from the fragment bank, following the
//! topic guide (warm-up, planning, acting, monitoring, reviewing, closing),
//! and records the researcher's codings as code-point spans of the fragments.
//!
//! Which codes may appear is governed by the codebook's introduction
//! schedule (the saturation pattern); how often they appear by the staff
//! group (the group differences); some codes pull a partner code into the
//! same turn (the co-occurrence pattern). This module does not invent
//! wording: every sentence comes from `bank`.

use crate::bank::{
    main_questions, probes, Fragment, Section, ASIDES, CONTRA, DAYS, FILLERS, FRAGMENTS,
    GENERAL_PROBES, GOODBYES, OPENERS, OPENINGS, PATIENTS, REFLECTIONS, SHRUGS, STORY_ENDINGS,
    STORY_EVENTS, STORY_SETTINGS, THANKS,
};
use crate::codebook;
use crate::codebook::{
    AUDIT, CORNERS, DATA, DEMAND, GUILT, INTERRUPTIONS, LISTENING, MEETINGS, NO_TIME,
};
use crate::codebook::{PROPERLY, PROTECTED_TIME, SEA, SHARED_DECISION};
use crate::composer::Composer;
use crate::participants::{label, Profile};
use crate::rng::Rng;
use crate::{CodingDef, Document};

pub(crate) const RESEARCHER: &str = "researcher";

/// How often each category is drawn, by staff group (rows follow
/// `codebook::CATEGORIES`, columns `Group::ALL`).
const CATEGORY_WEIGHT: [[f64; 5]; 6] = [
    [1.0, 1.0, 0.9, 1.0, 0.7],  // tacit knowledge
    [1.1, 1.2, 1.0, 0.9, 0.6],  // personal standards
    [1.8, 0.6, 0.4, 1.2, 0.3],  // co-producing with patients
    [1.5, 2.2, 2.0, 0.35, 0.2], // efficiency pressure
    [0.5, 0.35, 0.7, 1.8, 1.8], // reflective space
    [0.6, 0.6, 1.0, 1.5, 2.0],  // systems and rules
];
const UNCODED_WEIGHT: f64 = 1.3;
/// After a coded point: the chance of an aside, else of an anecdote.
const ASIDE_CHANCE: f64 = 0.6;
const STORY_CHANCE: f64 = 0.4;

/// A code that tends to bring its partner into the same answer.
const PAIRS: &[(&str, &str)] = &[
    (NO_TIME, GUILT),
    (NO_TIME, PROPERLY),
    (DEMAND, CORNERS),
    (INTERRUPTIONS, NO_TIME),
    (PROTECTED_TIME, MEETINGS),
    (SEA, MEETINGS),
    (DATA, AUDIT),
    (LISTENING, SHARED_DECISION),
];
const PAIR_CHANCE: f64 = 0.6;

const BODY: [Section; 4] = [
    Section::Plan,
    Section::Act,
    Section::Monitor,
    Section::Review,
];

/// A transcript and the researcher's codings of it.
pub(crate) struct Transcript {
    pub(crate) document: Document,
    pub(crate) codings: Vec<CodingDef>,
}

/// The file name of interview `index` (0-based), e.g. `interview-07.txt`.
pub(crate) fn file_name(index: usize) -> String {
    format!("interview-{:02}.txt", index + 1)
}

/// Words the transcript of an interview of `minutes` should reach.
fn word_target(minutes: u32) -> usize {
    2100 + (minutes.saturating_sub(35) as usize) * 32
}

fn slot(section: Section) -> usize {
    match section {
        Section::Warmup => 0,
        Section::Plan => 1,
        Section::Act | Section::Any => 2,
        Section::Monitor => 3,
        Section::Review => 4,
        Section::Closing => 5,
    }
}

struct Writer<'a> {
    index: usize,
    profile: &'a Profile,
    label: String,
    file: String,
    rng: Rng,
    out: Composer,
    used: Vec<bool>,
    /// Fragments that must appear (they introduce a code), by section slot.
    forced: [Vec<usize>; 6],
    codings: Vec<CodingDef>,
    typographic: bool,
    turns: usize,
    /// Uses of asides, story parts and reflections so far (each at most once).
    asides: Vec<bool>,
    settings: Vec<bool>,
    events: Vec<bool>,
    endings: Vec<bool>,
    reflections: Vec<bool>,
    probes_used: Vec<&'static str>,
}

/// An unused item of a list, marked used; `None` when all are used.
fn take<T: Copy>(
    rng: &mut Rng,
    items: &[T],
    used: &mut [bool],
    ok: impl Fn(&T) -> bool,
) -> Option<T> {
    let free: Vec<usize> = (0..items.len())
        .filter(|&i| !used[i] && ok(&items[i]))
        .collect();
    if free.is_empty() {
        return None;
    }
    let i = free[rng.below(free.len())];
    used[i] = true;
    Some(items[i])
}

impl<'a> Writer<'a> {
    fn voice(&self) -> u8 {
        self.profile.group.bit() | if self.profile.contrarian { CONTRA } else { 0 }
    }

    fn usable(&self, i: usize) -> bool {
        let fr = &FRAGMENTS[i];
        if self.used[i] || fr.voice & self.voice() == 0 || (fr.clinical && !self.profile.clinical) {
            return false;
        }
        let dissent = fr.voice & CONTRA != 0;
        fr.codes.iter().all(|c| {
            codebook::intro(c).is_some_and(|n| n <= self.index + 1)
                && (dissent || !self.profile.excludes.contains(c))
        })
    }

    fn base_weight(&self, fr: &Fragment) -> f64 {
        if fr.codes.is_empty() {
            return UNCODED_WEIGHT;
        }
        let g = self.profile.group.index();
        let sum: f64 = fr
            .codes
            .iter()
            .map(|c| codebook::locate(c).map_or(0.0, |(cat, _)| CATEGORY_WEIGHT[cat][g]))
            .sum();
        let dissent = if fr.voice & CONTRA != 0 { 8.0 } else { 1.0 };
        dissent * sum / fr.codes.len() as f64
    }

    fn weight(&self, i: usize, section: Section) -> f64 {
        let fr = &FRAGMENTS[i];
        if !self.usable(i) {
            return 0.0;
        }
        let place = if fr.section == section {
            1.0
        } else if fr.section == Section::Any && BODY.contains(&section) {
            0.5
        } else {
            0.0
        };
        place * self.base_weight(fr)
    }

    fn has_material(&self, section: Section) -> bool {
        !self.forced[slot(section)].is_empty()
            || (0..FRAGMENTS.len()).any(|i| self.weight(i, section) > 0.0)
    }

    /// Reserves one fragment for every code this interview introduces.
    fn plan_introductions(&mut self) {
        let n = self.index + 1;
        let mut covered: Vec<&str> = Vec::new();
        for name in codebook::code_names() {
            if codebook::intro(name) != Some(n) || covered.contains(&name) {
                continue;
            }
            let candidates: Vec<usize> = (0..FRAGMENTS.len())
                .filter(|&i| self.usable(i) && FRAGMENTS[i].codes.contains(&name))
                .collect();
            if candidates.is_empty() {
                continue;
            }
            let i = *self.rng.pick(&candidates);
            self.used[i] = true;
            covered.extend(FRAGMENTS[i].codes.iter().copied());
            self.forced[slot(FRAGMENTS[i].section)].push(i);
        }
    }

    /// An interviewee's words: slots filled, now and then a hesitation or a
    /// false start, in the transcriber's apostrophe style.
    fn render(&mut self, text: &str) -> String {
        let mut out = self.fill_slots(text);
        if self.rng.chance(0.12) {
            if let Some(pos) = out.find(", ") {
                let next = out[pos + 2..].chars().next();
                if next.is_some_and(|c| c.is_lowercase()) {
                    out.insert_str(pos + 2, "erm, ");
                }
            }
        } else if out.starts_with("I ") && self.rng.chance(0.12) {
            out.insert_str(0, "I – ");
        }
        self.typeset(out)
    }

    /// The interviewer's words: slots filled, no hesitations.
    fn render_plain(&mut self, text: &str) -> String {
        let out = self.fill_slots(text);
        self.typeset(out)
    }

    fn typeset(&self, text: String) -> String {
        if self.typographic {
            text.replace('\'', "’")
        } else {
            text
        }
    }

    fn fill_slots(&mut self, text: &str) -> String {
        let mut out = String::with_capacity(text.len() + 16);
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            match after.find('}') {
                Some(close) => {
                    let name = &after[..close];
                    match self.fill(name) {
                        Some(value) => out.push_str(&value),
                        None => {
                            out.push('{');
                            out.push_str(name);
                            out.push('}');
                        }
                    }
                    rest = &after[close + 1..];
                }
                None => {
                    out.push_str(&rest[open..]);
                    rest = "";
                }
            }
        }
        out.push_str(rest);
        out
    }

    fn fill(&mut self, name: &str) -> Option<String> {
        Some(match name {
            "colleague" => "[colleague]".to_string(),
            "patient" => self.rng.pick(PATIENTS).to_string(),
            "day" => self.rng.pick(DAYS).to_string(),
            "years" => self.profile.years.to_string(),
            "interviewer" => self.profile.interviewer.to_string(),
            "role_a" => {
                let article = if self.profile.role.starts_with(['a', 'e', 'i', 'o', 'u']) {
                    "an"
                } else {
                    "a"
                };
                format!("{article} {}", self.profile.role)
            }
            _ => return None,
        })
    }

    fn begin_turn(&mut self, speaker: &str) {
        if self.turns > 0 {
            self.out.push("\n\n");
        }
        self.out.push(speaker);
        self.out.push(":");
        self.turns += 1;
    }

    /// Appends one piece of the current turn and returns its span.
    fn piece(&mut self, text: &str) -> (u32, u32) {
        self.out.push(" ");
        self.out.push(text)
    }

    fn interviewer(&mut self, text: &str) {
        let text = self.render_plain(text);
        self.begin_turn("Interviewer");
        self.piece(&text);
    }

    fn place(&mut self, i: usize) {
        self.used[i] = true;
        let fr = &FRAGMENTS[i];
        let text = self.render(fr.text);
        let (start, end) = self.piece(&text);
        for code in fr.codes {
            self.codings.push(CodingDef {
                document: self.file.clone(),
                code: (*code).to_string(),
                start,
                end,
                coder: RESEARCHER.to_string(),
            });
        }
    }

    /// An uncoded remark or anecdote after a coded point, now and then.
    fn elaborate(&mut self) {
        if self.rng.chance(ASIDE_CHANCE) {
            if let Some(aside) = take(&mut self.rng, ASIDES, &mut self.asides, |_| true) {
                let text = self.render(aside);
                self.piece(&text);
            }
        } else if self.rng.chance(STORY_CHANCE) {
            let bit = self.profile.group.bit();
            let setting = take(&mut self.rng, STORY_SETTINGS, &mut self.settings, |_| true);
            let event = take(
                &mut self.rng,
                STORY_EVENTS,
                &mut self.events,
                |(voice, _)| voice & bit != 0,
            );
            let ending = take(&mut self.rng, STORY_ENDINGS, &mut self.endings, |_| true);
            if let (Some(setting), Some((_, event)), Some(ending)) = (setting, event, ending) {
                let text = self.render(&format!("{setting}, {event}. {ending}"));
                self.piece(&text);
            }
        }
    }

    fn next_fragment(&mut self, section: Section) -> Option<usize> {
        let queue = &mut self.forced[slot(section)];
        if !queue.is_empty() {
            return Some(queue.remove(0));
        }
        let weights: Vec<f64> = (0..FRAGMENTS.len())
            .map(|i| self.weight(i, section))
            .collect();
        self.rng.weighted(&weights)
    }

    /// A fragment carrying the partner of one of `i`'s codes, if the pairing fires.
    fn partner(&mut self, i: usize) -> Option<usize> {
        for code in FRAGMENTS[i].codes {
            for (a, b) in PAIRS {
                if a != code {
                    continue;
                }
                let candidates: Vec<usize> = (0..FRAGMENTS.len())
                    .filter(|&j| {
                        self.usable(j)
                            && FRAGMENTS[j].codes.contains(b)
                            && !matches!(FRAGMENTS[j].section, Section::Warmup | Section::Closing)
                    })
                    .collect();
                if !candidates.is_empty() && self.rng.chance(PAIR_CHANCE) {
                    return Some(*self.rng.pick(&candidates));
                }
            }
        }
        None
    }

    fn answer(&mut self, section: Section, lo: usize, hi: usize) {
        let want = self
            .rng
            .range(lo, hi)
            .max(self.forced[slot(section)].len().min(hi + 2));
        let label = self.label.clone();
        self.begin_turn(&label);
        if self.rng.chance(0.45) {
            let opener = *self.rng.pick(OPENERS);
            self.piece(opener);
        }
        let mut placed = 0;
        while placed < want {
            let Some(i) = self.next_fragment(section) else {
                break;
            };
            self.place(i);
            placed += 1;
            if let Some(j) = self.partner(i) {
                self.place(j);
                placed += 1;
            }
            if !FRAGMENTS[i].codes.is_empty() {
                self.elaborate();
            }
            if placed < want && self.rng.chance(0.2) {
                let filler = {
                    let t = *self.rng.pick(FILLERS);
                    self.render(t)
                };
                self.piece(&filler);
            }
        }
        if placed == 0 {
            let shrug = {
                let t = *self.rng.pick(SHRUGS);
                self.render(t)
            };
            self.piece(&shrug);
        }
    }

    fn probe(&mut self, section: Section) {
        if self.rng.chance(0.12) {
            if let Some(reflection) =
                take(&mut self.rng, REFLECTIONS, &mut self.reflections, |_| true)
            {
                self.interviewer(reflection);
                return;
            }
        }
        let list = if self.rng.chance(0.6) {
            probes(section)
        } else {
            GENERAL_PROBES
        };
        let fresh: Vec<&'static str> = list
            .iter()
            .copied()
            .filter(|p| !self.probes_used.contains(p))
            .collect();
        let text = if fresh.is_empty() {
            *self.rng.pick(list)
        } else {
            *self.rng.pick(&fresh)
        };
        self.probes_used.push(text);
        self.interviewer(text);
    }

    fn write(mut self) -> Transcript {
        // The warm-up answer opens with the participant's role.
        if let Some(role) = FRAGMENTS.iter().position(|f| f.text.contains("{role_a}")) {
            self.used[role] = true;
            self.forced[slot(Section::Warmup)].insert(0, role);
        }
        self.plan_introductions();
        let target = word_target(self.profile.minutes);
        let share = [0.27, 0.50, 0.71, 0.94];

        let opening = *self.rng.pick(OPENINGS);
        self.interviewer(opening);
        self.answer(Section::Warmup, 2, 3);
        let follow = *self.rng.pick(main_questions(Section::Warmup));
        self.interviewer(follow);
        self.answer(Section::Warmup, 1, 2);

        for (section, share) in BODY.into_iter().zip(share) {
            let goal = (target as f64 * share) as usize;
            let question = *self.rng.pick(main_questions(section));
            self.interviewer(question);
            self.answer(section, 2, 4);
            while (self.out.words() < goal || !self.forced[slot(section)].is_empty())
                && self.has_material(section)
            {
                self.probe(section);
                self.answer(section, 1, 3);
            }
        }

        let closing = *self.rng.pick(main_questions(Section::Closing));
        self.interviewer(closing);
        self.answer(Section::Closing, 1, 2);
        let thanks = *self.rng.pick(THANKS);
        self.interviewer(thanks);
        let label = self.label.clone();
        let bye = {
            let t = *self.rng.pick(GOODBYES);
            self.render(t)
        };
        self.begin_turn(&label);
        self.piece(&bye);
        self.out.push("\n");

        let title = format!(
            "Interview {:02}: {}, {}",
            self.index + 1,
            self.profile.role,
            self.profile.site
        );
        Transcript {
            document: Document {
                file_name: self.file,
                title,
                text: self.out.finish(),
                participant: Some(self.index),
            },
            codings: self.codings,
        }
    }
}

/// Interview `index` (0-based) with `profile`, identical on every call.
pub(crate) fn transcript(index: usize, profile: &Profile) -> Transcript {
    let writer = Writer {
        index,
        profile,
        label: label(index),
        file: file_name(index),
        rng: Rng::new(
            0xA71A_u64
                .wrapping_mul(7919)
                .wrapping_add(index as u64 * 104_729),
        ),
        out: Composer::new(),
        used: vec![false; FRAGMENTS.len()],
        forced: Default::default(),
        codings: Vec::new(),
        typographic: index % 3 == 1,
        turns: 0,
        asides: vec![false; ASIDES.len()],
        settings: vec![false; STORY_SETTINGS.len()],
        events: vec![false; STORY_EVENTS.len()],
        endings: vec![false; STORY_ENDINGS.len()],
        reflections: vec![false; REFLECTIONS.len()],
        probes_used: Vec::new(),
    };
    writer.write()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::participants::PROFILES;

    #[test]
    fn word_targets_grow_with_minutes_and_stay_in_range() {
        assert_eq!(word_target(35), 2100);
        assert!(word_target(85) > word_target(60));
        assert!(word_target(85) < 6000);
    }

    #[test]
    fn turns_alternate_between_interviewer_and_interviewee() {
        let t = transcript(6, &PROFILES[6]);
        let speakers: Vec<&str> = t
            .document
            .text
            .split("\n\n")
            .map(|turn| turn.split(':').next().unwrap_or_default())
            .collect();
        assert_eq!(speakers[0], "Interviewer");
        for pair in speakers.windows(2) {
            assert_ne!(pair[0], pair[1], "two turns in a row by {}", pair[0]);
        }
        assert!(speakers
            .iter()
            .all(|s| *s == "Interviewer" || *s == "Interviewee 07"));
    }

    #[test]
    fn slots_are_all_filled() {
        for (i, p) in PROFILES.iter().enumerate() {
            let t = transcript(i, p);
            assert!(
                !t.document.text.contains('{') && !t.document.text.contains('}'),
                "interview {}",
                i + 1
            );
        }
    }
}
