//! Quotes: verbatim excerpts of a participant's source used in a memo or a
//! report, with their member-check status (not sent, sent, approved,
//! amended, withdrawn).
//!
//! A quote is a [`RecordKind::Quote`] record keyed by its source and span,
//! so one excerpt is one quote however many places use it. Quotes are made
//! explicitly (a source span) or found by [`App::scan_quotes`], which looks
//! for quotations of participants' source text in memos. The same matcher
//! ([`Finder`]) tells the withdrawal which memo passages quote a withdrawn
//! participant. Writing member-check packs is `axial_formats`' job; this
//! module only decides what a quote is and where it stands.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use axial_core::{
    Action, ChangeSet, Entity, MemoId, MemoLink, Op, Project, RecordId, RecordKind, Source,
    SourceId, Span,
};
use serde::{Deserialize, Serialize};

use crate::participants::{Participant, ParticipantStatus};
use crate::records::{self, RecordBody, Typed};
use crate::texts::LoadedText;
use crate::{Actor, App, AppError};

/// Where a quote stands in member checking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    /// Not yet shown to the participant.
    #[default]
    NotSent,
    /// In a member-check pack the participant has.
    Sent,
    /// The participant agreed to its use as it is.
    Approved,
    /// The participant agreed to its use in their amended wording.
    Amended,
    /// The participant asked for it not to be used.
    Withdrawn,
}

impl QuoteStatus {
    pub const ALL: [QuoteStatus; 5] = [
        QuoteStatus::NotSent,
        QuoteStatus::Sent,
        QuoteStatus::Approved,
        QuoteStatus::Amended,
        QuoteStatus::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            QuoteStatus::NotSent => "not_sent",
            QuoteStatus::Sent => "sent",
            QuoteStatus::Approved => "approved",
            QuoteStatus::Amended => "amended",
            QuoteStatus::Withdrawn => "withdrawn",
        }
    }

    /// The words used in packs and tables.
    pub fn label(self) -> &'static str {
        match self {
            QuoteStatus::NotSent => "not sent",
            QuoteStatus::Sent => "sent",
            QuoteStatus::Approved => "approved",
            QuoteStatus::Amended => "amended",
            QuoteStatus::Withdrawn => "withdrawn",
        }
    }

    /// May a report quote it (approved as it is, or in the amended wording)?
    pub fn is_cleared(self) -> bool {
        matches!(self, QuoteStatus::Approved | QuoteStatus::Amended)
    }
}

impl fmt::Display for QuoteStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for QuoteStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        QuoteStatus::ALL
            .into_iter()
            .find(|q| q.as_str() == t)
            .ok_or_else(|| {
                format!(
                    "unknown quote status '{s}'; use not_sent, sent, approved, amended or withdrawn"
                )
            })
    }
}

/// A place a quote is used.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", content = "id", rename_all = "lowercase")]
pub enum QuoteUse {
    Memo(MemoId),
    /// A report, by the name it was written under.
    Report(String),
}

/// A quote: a span of one participant's source and where it is used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    /// The participant record the source belongs to.
    pub participant: Option<RecordId>,
    pub source: SourceId,
    /// `[start, end)` in code points of the source text.
    pub start: u32,
    pub end: u32,
    #[serde(default)]
    pub used_in: Vec<QuoteUse>,
    #[serde(default)]
    pub status: QuoteStatus,
    #[serde(default)]
    pub note: String,
    /// The participant's wording, for an amended quote.
    #[serde(default)]
    pub amended_text: String,
}

impl RecordBody for Quote {
    const KIND: RecordKind = RecordKind::Quote;
    fn key(&self) -> String {
        quote_key(self.source, self.start, self.end)
    }
}

fn quote_key(source: SourceId, start: u32, end: u32) -> String {
    format!("{source}:{start}-{end}")
}

impl Quote {
    /// The words a report should print: the amended wording of an amended
    /// quote, else the source text.
    pub fn wording(&self, source_text: &str) -> String {
        if self.status == QuoteStatus::Amended && !self.amended_text.trim().is_empty() {
            self.amended_text.trim().to_string()
        } else {
            source_text.trim().to_string()
        }
    }
}

/// A place a quote is used, with a readable name.
#[derive(Debug, Clone, Serialize)]
pub struct QuoteUseView {
    /// "memo" or "report".
    pub kind: &'static str,
    /// The memo's id (reports have none).
    pub id: Option<String>,
    /// The memo's title or the report's name ("(deleted memo)" when gone).
    pub name: String,
}

/// A quote as listed: its text, participant, status and uses.
#[derive(Debug, Clone, Serialize)]
pub struct QuoteView {
    pub id: RecordId,
    pub participant: Option<String>,
    pub participant_id: Option<RecordId>,
    pub source: String,
    pub source_id: SourceId,
    pub start: u32,
    pub end: u32,
    pub text: String,
    pub status: QuoteStatus,
    pub note: String,
    pub amended_text: String,
    pub used_in: Vec<QuoteUseView>,
    /// Send back when changing the status, so a concurrent change is detected.
    pub version: u64,
}

/// What a quote scan found and registered.
#[derive(Debug, Clone, Serialize)]
pub struct QuoteScan {
    pub memos_scanned: usize,
    /// Quotations found (one per memo and excerpt).
    pub found: usize,
    /// New quote records.
    pub created: usize,
    /// Existing quotes that gained a use.
    pub updated: usize,
    /// The new and updated quotes.
    pub quotes: Vec<QuoteView>,
}

/// A change to a quote's member-check state.
#[derive(Debug, Clone, Default)]
pub struct QuoteChanges {
    pub status: Option<QuoteStatus>,
    pub note: Option<String>,
    pub amended_text: Option<String>,
}

impl App {
    /// The project's quotes, oldest first.
    pub async fn quotes(&self, project: &Project) -> Result<Vec<Typed<Quote>>, AppError> {
        self.records_of::<Quote>(project).await
    }

    /// The quotes as listed, with their text and the names of their uses.
    pub async fn quote_views(&self, project: &Project) -> Result<Vec<QuoteView>, AppError> {
        let quotes = self.quotes(project).await?;
        self.views_of(project, quotes).await
    }

    /// One quote as listed.
    pub async fn quote_view(
        &self,
        project: &Project,
        quote: Typed<Quote>,
    ) -> Result<QuoteView, AppError> {
        self.views_of(project, vec![quote])
            .await?
            .pop()
            .ok_or_else(|| AppError::Internal("a quote view went missing".into()))
    }

    pub(crate) async fn views_of(
        &self,
        project: &Project,
        quotes: Vec<Typed<Quote>>,
    ) -> Result<Vec<QuoteView>, AppError> {
        let sources: HashMap<SourceId, Source> = self
            .store()
            .sources(project.id)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let memos: HashMap<MemoId, String> = self
            .store()
            .memos(project.id)
            .await?
            .into_iter()
            .map(|m| (m.id, m.title))
            .collect();
        let labels: HashMap<RecordId, String> = self
            .records_of::<Participant>(project)
            .await?
            .into_iter()
            .map(|p| (p.id(), p.body.label))
            .collect();
        let mut out = Vec::with_capacity(quotes.len());
        for q in quotes {
            let b = &q.body;
            let (source, text) = match sources.get(&b.source) {
                Some(s) => {
                    let t = self.text(s).await?;
                    let text = Span::new(b.start, b.end, t.char_len())
                        .map(|sp| t.slice(sp).to_string())
                        .unwrap_or_default();
                    (s.name.clone(), text)
                }
                None => ("(deleted source)".to_string(), String::new()),
            };
            out.push(QuoteView {
                id: q.id(),
                participant: b.participant.and_then(|p| labels.get(&p).cloned()),
                participant_id: b.participant,
                source,
                source_id: b.source,
                start: b.start,
                end: b.end,
                text,
                status: b.status,
                note: b.note.clone(),
                amended_text: b.amended_text.clone(),
                used_in: b
                    .used_in
                    .iter()
                    .map(|u| match u {
                        QuoteUse::Memo(id) => QuoteUseView {
                            kind: "memo",
                            id: Some(id.to_string()),
                            name: memos
                                .get(id)
                                .cloned()
                                .unwrap_or_else(|| "(deleted memo)".into()),
                        },
                        QuoteUse::Report(name) => QuoteUseView {
                            kind: "report",
                            id: None,
                            name: name.clone(),
                        },
                    })
                    .collect(),
                version: q.record.version.0,
            });
        }
        Ok(out)
    }

    /// A quote by id or by a unique beginning of its id (at least 4 characters).
    pub async fn find_quote(&self, project: &Project, id: &str) -> Result<Typed<Quote>, AppError> {
        let t = id.trim().to_ascii_lowercase();
        let quotes = self.quotes(project).await?;
        let hits: Vec<&Typed<Quote>> = if t.len() >= 4 {
            quotes
                .iter()
                .filter(|q| q.id().to_string().starts_with(&t))
                .collect()
        } else {
            Vec::new()
        };
        match hits.len() {
            1 => Ok(hits[0].clone()),
            0 => Err(AppError::NotFound {
                what: "quote",
                name: id.trim().to_string(),
                hint: "list them with `axial quote list` (an id or its first 8 characters)".into(),
            }),
            _ => Err(AppError::Ambiguous {
                what: "quotes",
                name: id.trim().to_string(),
                candidates: hits
                    .iter()
                    .map(|q| q.id().to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
            }),
        }
    }

    /// Registers a span of a source as a quote used in `used_in`. The
    /// source must belong to a participant (through its case) who consented
    /// to quotes and has not withdrawn. The same span again adds the new
    /// uses to the existing quote.
    pub async fn add_quote(
        &self,
        actor: &Actor,
        project: &Project,
        source: &Source,
        span: Span,
        used_in: Vec<QuoteUse>,
        note: &str,
    ) -> Result<Typed<Quote>, AppError> {
        let span = span
            .check_within(source.char_len)
            .map_err(|e| AppError::invalid(format!("source '{}': {e}", source.name)))?;
        let participants = self.records_of::<Participant>(project).await?;
        let who = participant_of(&participants, source).ok_or_else(|| {
            AppError::invalid(format!(
                "source '{}' belongs to no participant; put it in a participant's case, or link the case with `axial participant edit LABEL --case CASE`",
                source.name
            ))
        })?;
        if who.body.status == ParticipantStatus::Withdrawn {
            return Err(AppError::invalid(format!(
                "{} has withdrawn; their words cannot be quoted",
                who.body.label
            )));
        }
        if !who.body.consent.quotes {
            return Err(AppError::invalid(format!(
                "{} did not consent to verbatim quotes; if they have since, record it with `axial participant edit '{}' --quotes yes`",
                who.body.label, who.body.label
            )));
        }
        self.check_uses(project, &used_in).await?;
        let key = quote_key(source.id, span.start().0, span.end().0);
        let existing = self
            .quotes(project)
            .await?
            .into_iter()
            .find(|q| q.record.key == key);
        let label = who.body.label.clone();
        if let Some(old) = existing {
            let mut body = old.body.clone();
            for u in used_in {
                if !body.used_in.contains(&u) {
                    body.used_in.push(u);
                }
            }
            if !note.trim().is_empty() {
                body.note = note.trim().to_string();
            }
            if body == old.body {
                return Ok(old);
            }
            return self
                .update_record(
                    actor,
                    project,
                    &old,
                    &body,
                    format!("noted another use of a quote of {label}"),
                )
                .await;
        }
        let body = Quote {
            participant: Some(who.id()),
            source: source.id,
            start: span.start().0,
            end: span.end().0,
            used_in,
            status: QuoteStatus::NotSent,
            note: note.trim().to_string(),
            amended_text: String::new(),
        };
        self.create_record(
            actor,
            project,
            &body,
            format!("registered a quote of {label} ({} characters)", span.len()),
        )
        .await
    }

    async fn check_uses(&self, project: &Project, uses: &[QuoteUse]) -> Result<(), AppError> {
        let memos: HashSet<MemoId> = self
            .store()
            .memos(project.id)
            .await?
            .into_iter()
            .map(|m| m.id)
            .collect();
        for u in uses {
            match u {
                QuoteUse::Memo(id) if !memos.contains(id) => {
                    return Err(AppError::NotFound {
                        what: "memo",
                        name: id.to_string(),
                        hint: "list them with `axial memo list`".into(),
                    })
                }
                QuoteUse::Report(name) if name.trim().is_empty() => return Err(AppError::invalid(
                    "name the report the quote is used in, e.g. --used-in \"report:Final report\"",
                )),
                _ => {}
            }
        }
        Ok(())
    }

    /// Records the participant's answer about a quote (or that it was sent).
    /// An amended quote needs the amended wording.
    pub async fn update_quote(
        &self,
        actor: &Actor,
        project: &Project,
        quote: &Typed<Quote>,
        changes: QuoteChanges,
    ) -> Result<Typed<Quote>, AppError> {
        let mut body = quote.body.clone();
        if let Some(s) = changes.status {
            body.status = s;
        }
        if let Some(n) = changes.note {
            body.note = n.trim().to_string();
        }
        if let Some(a) = changes.amended_text {
            body.amended_text = a.trim().to_string();
        }
        if body.status == QuoteStatus::Amended && body.amended_text.is_empty() {
            return Err(AppError::invalid(
                "an amended quote needs the participant's wording; give it with --amended \"…\"",
            ));
        }
        let short: String = quote.id().to_string().chars().take(8).collect();
        self.update_record(
            actor,
            project,
            quote,
            &body,
            format!("quote {short}: {}", body.status.label()),
        )
        .await
    }

    /// Finds quotations of participants' source text in memos (runs of at
    /// least [`MIN_RUN`] characters copied verbatim, or whole sentences in
    /// quotation marks) and registers each as a quote used in its memo, in
    /// one change. Already registered quotes gain the memo as a use. Only
    /// participants who consented to quotes and have not withdrawn count.
    pub async fn scan_quotes(
        &self,
        actor: &Actor,
        project: &Project,
    ) -> Result<QuoteScan, AppError> {
        let participants = self.records_of::<Participant>(project).await?;
        let sources: Vec<Source> = self
            .store()
            .sources(project.id)
            .await?
            .into_iter()
            .filter(|s| {
                participant_of(&participants, s).is_some_and(|p| {
                    p.body.status != ParticipantStatus::Withdrawn && p.body.consent.quotes
                })
            })
            .collect();
        let mut texts = Vec::with_capacity(sources.len());
        for s in &sources {
            texts.push((s.id, self.text(s).await?));
        }
        let memos = self.store().memos(project.id).await?;
        let finder = Arc::new(Finder::new(texts));
        // A quotation several sources hold alike goes to a source the memo
        // is linked to (directly, through a coding or through its case).
        let index: HashMap<SourceId, usize> =
            sources.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
        let coding_sources: HashMap<axial_core::CodingId, SourceId> = self
            .store()
            .codings(project.id, &axial_store::CodingFilter::all())
            .await?
            .into_iter()
            .map(|c| (c.id, c.source))
            .collect();
        let bodies: Vec<(MemoId, String, HashSet<usize>)> = memos
            .iter()
            .map(|m| {
                let preferred = m
                    .links
                    .iter()
                    .flat_map(|l| match l {
                        MemoLink::Source(s) => index.get(s).copied().into_iter().collect(),
                        MemoLink::Coding(c) => coding_sources
                            .get(c)
                            .and_then(|s| index.get(s))
                            .copied()
                            .into_iter()
                            .collect(),
                        MemoLink::Case(c) => sources
                            .iter()
                            .enumerate()
                            .filter(|(_, s)| s.case == Some(*c))
                            .map(|(i, _)| i)
                            .collect::<Vec<_>>(),
                        _ => Vec::new(),
                    })
                    .collect();
                (m.id, m.body.clone(), preferred)
            })
            .collect();
        let f = finder.clone();
        let found: Vec<(MemoId, Found)> = tokio::task::spawn_blocking(move || {
            bodies
                .iter()
                .flat_map(|(id, body, preferred)| {
                    f.find_preferring(body, preferred)
                        .into_iter()
                        .map(|x| (*id, x))
                })
                .collect()
        })
        .await
        .map_err(|e| AppError::Internal(format!("the quote scan stopped: {e}")))?;

        let existing = self.quotes(project).await?;
        let mut by_key: HashMap<String, Typed<Quote>> = existing
            .into_iter()
            .map(|q| (q.record.key.clone(), q))
            .collect();
        // key -> (new body, created?)
        let mut changed: Vec<(String, Quote, bool)> = Vec::new();
        for (memo, hit) in &found {
            let source = &sources[hit.text];
            let Some(who) = participant_of(&participants, source) else {
                continue;
            };
            let key = quote_key(source.id, hit.start as u32, hit.end as u32);
            let use_ = QuoteUse::Memo(*memo);
            if let Some((_, body, _)) = changed.iter_mut().find(|(k, _, _)| *k == key) {
                if !body.used_in.contains(&use_) {
                    body.used_in.push(use_);
                }
                continue;
            }
            match by_key.get(&key) {
                Some(old) if old.body.used_in.contains(&use_) => {}
                Some(old) => {
                    let mut body = old.body.clone();
                    body.used_in.push(use_);
                    changed.push((key, body, false));
                }
                None => changed.push((
                    key,
                    Quote {
                        participant: Some(who.id()),
                        source: source.id,
                        start: hit.start as u32,
                        end: hit.end as u32,
                        used_in: vec![use_],
                        status: QuoteStatus::NotSent,
                        note: String::new(),
                        amended_text: String::new(),
                    },
                    true,
                )),
            }
        }
        let created = changed.iter().filter(|c| c.2).count();
        let updated = changed.len() - created;
        let mut result = Vec::new();
        if !changed.is_empty() {
            let mut cs = ChangeSet::new(
                Some(project.id),
                actor.id(),
                Action::RecordCreate,
                format!(
                    "registered quotes found in memos: {created} new, {updated} with another use"
                ),
            );
            for (key, body, is_new) in changed {
                if is_new {
                    let r = records::new_record(project, actor.id(), &body)?;
                    cs.push(Op::insert(Entity::Record(r.clone())));
                    result.push(Typed { record: r, body });
                } else {
                    let old = by_key
                        .remove(&key)
                        .expect("an updated quote was read before");
                    let op = records::update_op(&old, &body)?;
                    if let Entity::Record(r) = op.entity() {
                        result.push(Typed {
                            record: r.clone(),
                            body: body.clone(),
                        });
                    }
                    cs.push(op);
                }
            }
            self.store().commit(cs).await?;
        }
        Ok(QuoteScan {
            memos_scanned: memos.len(),
            found: found.len(),
            created,
            updated,
            quotes: self.views_of(project, result).await?,
        })
    }
}

/// The participant whose case holds `source`.
pub(crate) fn participant_of<'a>(
    participants: &'a [Typed<Participant>],
    source: &Source,
) -> Option<&'a Typed<Participant>> {
    let case = source.case?;
    participants.iter().find(|p| p.body.case == Some(case))
}

/// Characters a verbatim run must have to count as a quotation.
pub const MIN_RUN: usize = 40;
/// Words a quoted sentence must have (shorter quoted phrases are too common
/// to attribute).
const MIN_QUOTED_WORDS: usize = 3;
/// Longest quotation-mark span considered a quotation.
const MAX_QUOTED: usize = 1200;

/// One quotation found in a memo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Found {
    /// Code points of the memo text.
    pub memo_start: usize,
    pub memo_end: usize,
    /// Index of the source text (in the order given to [`Finder::new`]).
    pub text: usize,
    /// Code points of the source text.
    pub start: usize,
    pub end: usize,
}

/// Finds quotations of a set of source texts in other text (memo bodies,
/// code definitions): verbatim runs of at least [`MIN_RUN`] characters and
/// whole sentences in quotation marks. Curly and straight quotes and
/// apostrophes, dashes, white space and ASCII case are compared loosely;
/// everything else exactly.
pub(crate) struct Finder {
    texts: Vec<Vec<char>>,
    /// Where each line break is in the source texts (sentence boundaries).
    breaks: Vec<HashSet<usize>>,
    windows: HashMap<u64, Vec<(u32, u32)>>,
}

const BASE: u64 = 1_000_003;

fn norm(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{02BC}' | '\u{2032}' | '`' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{2033}' | '\u{00AB}' | '\u{00BB}' => '"',
        '\u{2013}' | '\u{2014}' | '\u{2212}' => '-',
        c if c.is_whitespace() => ' ',
        c => c.to_ascii_lowercase(),
    }
}

/// Text compared the way the [`Finder`] compares it (same length in code
/// points).
pub(crate) fn normalize(s: &str) -> String {
    s.chars().map(norm).collect()
}

fn window_hashes(chars: &[char]) -> impl Iterator<Item = (usize, u64)> + '_ {
    let pow = (0..MIN_RUN).fold(1u64, |p, _| p.wrapping_mul(BASE));
    let mut h = 0u64;
    chars.iter().enumerate().filter_map(move |(i, c)| {
        h = h.wrapping_mul(BASE).wrapping_add(*c as u64);
        if i >= MIN_RUN {
            h = h.wrapping_sub((chars[i - MIN_RUN] as u64).wrapping_mul(pow));
        }
        (i + 1 >= MIN_RUN).then(|| (i + 1 - MIN_RUN, h))
    })
}

impl Finder {
    pub(crate) fn new(texts: Vec<(SourceId, Arc<LoadedText>)>) -> Finder {
        let mut windows: HashMap<u64, Vec<(u32, u32)>> = HashMap::new();
        let mut out = Vec::with_capacity(texts.len());
        let mut breaks = Vec::with_capacity(texts.len());
        for (i, (_, t)) in texts.iter().enumerate() {
            let raw: Vec<char> = t.text.chars().collect();
            breaks.push(
                raw.iter()
                    .enumerate()
                    .filter(|(_, c)| **c == '\n' || **c == '\r')
                    .map(|(k, _)| k)
                    .collect(),
            );
            let chars: Vec<char> = raw.into_iter().map(norm).collect();
            for (pos, h) in window_hashes(&chars) {
                windows.entry(h).or_default().push((i as u32, pos as u32));
            }
            out.push(chars);
        }
        Finder {
            texts: out,
            breaks,
            windows,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.texts.is_empty()
    }

    /// Every quotation in `text`, in the order they appear.
    pub(crate) fn find(&self, text: &str) -> Vec<Found> {
        self.find_preferring(text, &HashSet::new())
    }

    /// [`Finder::find`], attributing a quotation that several texts hold
    /// alike to one of `preferred` (indexes) when it can.
    pub(crate) fn find_preferring(&self, text: &str, preferred: &HashSet<usize>) -> Vec<Found> {
        if self.texts.is_empty() {
            return Vec::new();
        }
        let raw: Vec<char> = text.chars().collect();
        let m: Vec<char> = raw.iter().copied().map(norm).collect();
        let mut out = self.runs(&m, preferred);
        for q in self.quoted(&raw, &m, preferred) {
            if !out
                .iter()
                .any(|r| r.memo_start <= q.memo_start && q.memo_end <= r.memo_end)
            {
                out.push(q);
            }
        }
        out.sort_by_key(|f| (f.memo_start, f.memo_end));
        out
    }

    /// Verbatim runs of at least [`MIN_RUN`] characters.
    fn runs(&self, m: &[char], preferred: &HashSet<usize>) -> Vec<Found> {
        let hashes: Vec<u64> = window_hashes(m).map(|(_, h)| h).collect();
        let mut out = Vec::new();
        let mut i = 0;
        while i < hashes.len() {
            let mut best: Option<(usize, usize, usize)> = None; // (len, text, pos)
            if let Some(cands) = self.windows.get(&hashes[i]) {
                for &(t, p) in cands {
                    let (t, p) = (t as usize, p as usize);
                    let src = &self.texts[t];
                    if src[p..p + MIN_RUN] != m[i..i + MIN_RUN] {
                        continue;
                    }
                    let mut k = MIN_RUN;
                    while i + k < m.len() && p + k < src.len() && src[p + k] == m[i + k] {
                        k += 1;
                    }
                    let better = match best {
                        None => true,
                        Some((len, bt, _)) => {
                            k > len
                                || (k == len && preferred.contains(&t) && !preferred.contains(&bt))
                        }
                    };
                    if better {
                        best = Some((k, t, p));
                    }
                }
            }
            match best {
                Some((len, t, p)) => {
                    // Trim white space at both ends.
                    let lead = m[i..i + len].iter().take_while(|c| **c == ' ').count();
                    let trail = m[i..i + len]
                        .iter()
                        .rev()
                        .take_while(|c| **c == ' ')
                        .count();
                    if lead + trail < len {
                        out.push(Found {
                            memo_start: i + lead,
                            memo_end: i + len - trail,
                            text: t,
                            start: p + lead,
                            end: p + len - trail,
                        });
                    }
                    i += len;
                }
                None => i += 1,
            }
        }
        out
    }

    /// Whole sentences of a source quoted in quotation marks (both sides are
    /// already normalised, so ASCII case does not matter).
    fn quoted(&self, raw: &[char], m: &[char], preferred: &HashSet<usize>) -> Vec<Found> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < raw.len() {
            let close = match raw[i] {
                '\u{201C}' => Some(&['\u{201D}', '"'][..]),
                '"' => Some(&['"', '\u{201D}'][..]),
                '\u{00AB}' => Some(&['\u{00BB}'][..]),
                _ => None,
            };
            let Some(close) = close else {
                i += 1;
                continue;
            };
            let end = raw[i + 1..]
                .iter()
                .take(MAX_QUOTED)
                .position(|c| close.contains(c))
                .map(|k| i + 1 + k);
            let Some(end) = end else {
                i += 1;
                continue;
            };
            if let Some(f) = self.quoted_sentence(m, i + 1, end, preferred) {
                out.push(f);
            }
            i = end + 1;
        }
        out
    }

    /// The quotation `m[from..to]` if it is a whole sentence (or several)
    /// of a source.
    fn quoted_sentence(
        &self,
        m: &[char],
        from: usize,
        to: usize,
        preferred: &HashSet<usize>,
    ) -> Option<Found> {
        let mut a = from;
        let mut b = to;
        let lead = |c: char| c == ' ' || c == '.' || c == '\u{2026}';
        let trail =
            |c: char| c == ' ' || matches!(c, '.' | ',' | ';' | ':' | '!' | '?' | '\u{2026}');
        while a < b && lead(m[a]) {
            a += 1;
        }
        while b > a && trail(m[b - 1]) {
            b -= 1;
        }
        let q = &m[a..b];
        if q.split(|c| *c == ' ').filter(|w| !w.is_empty()).count() < MIN_QUOTED_WORDS {
            return None;
        }
        // Preferred texts first.
        let mut order: Vec<usize> = (0..self.texts.len()).collect();
        order.sort_by_key(|t| !preferred.contains(t));
        for t in order {
            let src = &self.texts[t];
            if src.len() < q.len() {
                continue;
            }
            for p in 0..=src.len() - q.len() {
                if src[p] != q[0] || src[p..p + q.len()] != *q {
                    continue;
                }
                if self.sentence_start(t, p) && self.sentence_end(t, p + q.len()) {
                    return Some(Found {
                        memo_start: a,
                        memo_end: b,
                        text: t,
                        start: p,
                        end: p + q.len(),
                    });
                }
            }
        }
        None
    }

    fn sentence_start(&self, t: usize, p: usize) -> bool {
        let src = &self.texts[t];
        let mut k = p;
        while k > 0 && src[k - 1] == ' ' {
            if self.breaks[t].contains(&(k - 1)) {
                return true;
            }
            k -= 1;
        }
        k == 0
            || matches!(
                src[k - 1],
                '.' | '!' | '?' | '\u{2026}' | ':' | '"' | '(' | '-'
            )
    }

    fn sentence_end(&self, t: usize, e: usize) -> bool {
        let src = &self.texts[t];
        e >= src.len()
            || self.breaks[t].contains(&e)
            || matches!(src[e], '.' | '!' | '?' | '\u{2026}' | '"')
    }

    /// Whether `text` (trimmed, at least three words) occurs verbatim in a
    /// source: a code's example is an excerpt even without quotation marks.
    pub(crate) fn contains_verbatim(&self, text: &str) -> bool {
        let m: Vec<char> = text.trim().chars().map(norm).collect();
        if m.split(|c| *c == ' ').filter(|w| !w.is_empty()).count() < MIN_QUOTED_WORDS {
            return false;
        }
        self.texts
            .iter()
            .any(|src| src.len() >= m.len() && src.windows(m.len()).any(|w| w == m.as_slice()))
    }
}

/// `body` with every paragraph that quotes one of the finder's texts
/// replaced by `replacement`, and the paragraphs removed; `None` when
/// nothing quotes them.
pub(crate) fn replace_quoting_paragraphs(
    body: &str,
    finder: &Finder,
    replacement: &str,
) -> Option<(String, Vec<String>)> {
    if finder.is_empty() || body.trim().is_empty() {
        return None;
    }
    let found = finder.find(body);
    if found.is_empty() {
        return None;
    }
    // Paragraphs: runs of lines separated by blank lines, as char ranges.
    let chars: Vec<char> = body.chars().collect();
    let mut paragraphs: Vec<(usize, usize)> = Vec::new();
    let mut line_start = 0;
    let mut para: Option<(usize, usize)> = None;
    for i in 0..=chars.len() {
        if i == chars.len() || chars[i] == '\n' {
            let line = &chars[line_start..i];
            if line.iter().all(|c| c.is_whitespace()) {
                if let Some(p) = para.take() {
                    paragraphs.push(p);
                }
            } else {
                para = Some(match para {
                    Some((s, _)) => (s, i),
                    None => (line_start, i),
                });
            }
            line_start = i + 1;
        }
    }
    if let Some(p) = para {
        paragraphs.push(p);
    }
    let hit: Vec<(usize, usize)> = paragraphs
        .into_iter()
        .filter(|(s, e)| found.iter().any(|f| f.memo_start < *e && f.memo_end > *s))
        .collect();
    let mut out = String::with_capacity(body.len());
    let mut removed = Vec::new();
    let mut at = 0;
    for (s, e) in hit {
        out.extend(&chars[at..s]);
        out.push_str(replacement);
        removed.push(chars[s..e].iter().collect());
        at = e;
    }
    out.extend(&chars[at..]);
    Some((out, removed))
}

/// The text around a quote for a member-check pack: the speaker turn that
/// holds it when the source has turns (and the turn is not too long), else
/// the sentence before, the quote's own sentence(s) and the one after.
pub(crate) fn context_of(text: &LoadedText, source: &Source, span: Span) -> (String, String) {
    const MAX_TURN: u32 = 2500;
    const MAX_SIDE: usize = 600;
    let len = text.char_len();
    let (s, e) = (span.start().0, span.end().0);
    let turn = source
        .structure
        .turns
        .iter()
        .find(|t| t.span.start().0 <= s && s < t.span.end().0 && t.span.len() <= MAX_TURN);
    let (from, to) = match turn {
        Some(t) => (t.span.start().0, t.span.end().0.max(e)),
        None => {
            let chars: Vec<char> = text.text.chars().collect();
            let is_end = |i: usize| {
                matches!(chars[i], '.' | '!' | '?' | '\u{2026}' | '\n')
                    && chars.get(i + 1).is_none_or(|c| c.is_whitespace())
            };
            // Back to the start of the sentence before the quote's sentence.
            let mut from = s as usize;
            let mut ends = 0;
            while from > 0 {
                if is_end(from - 1) && from < s as usize {
                    ends += 1;
                    if ends == 2 {
                        break;
                    }
                }
                from -= 1;
            }
            let mut to = e as usize;
            let mut ends = 0;
            while to < chars.len() {
                if is_end(to) {
                    ends += 1;
                    if ends == 2 {
                        to += 1;
                        break;
                    }
                }
                to += 1;
            }
            (from as u32, (to as u32).min(len))
        }
    };
    let clip = |a: u32, b: u32| -> String {
        if a >= b {
            return String::new();
        }
        Span::new(a, b, len)
            .map(|sp| text.slice(sp).to_string())
            .unwrap_or_default()
    };
    let before = clip(from, s);
    let after = clip(e, to);
    let before: String = if before.chars().count() > MAX_SIDE {
        let skip = before.chars().count() - MAX_SIDE;
        format!("\u{2026}{}", before.chars().skip(skip).collect::<String>())
    } else {
        before
    };
    let after: String = if after.chars().count() > MAX_SIDE {
        format!(
            "{}\u{2026}",
            after.chars().take(MAX_SIDE).collect::<String>()
        )
    } else {
        after
    };
    (before, after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finder(texts: &[&str]) -> Finder {
        Finder::new(
            texts
                .iter()
                .map(|t| (SourceId::new(), Arc::new(LoadedText::new(Arc::from(*t)))))
                .collect(),
        )
    }

    /// The quoted parts of `memo` found in `texts`, as (memo excerpt, text index).
    fn check(texts: &[&str], memo: &str, expect: &[(&str, usize)]) {
        let f = finder(texts);
        let found = f.find(memo);
        let chars: Vec<char> = memo.chars().collect();
        let got: Vec<(String, usize)> = found
            .iter()
            .map(|x| (chars[x.memo_start..x.memo_end].iter().collect(), x.text))
            .collect();
        let want: Vec<(String, usize)> = expect.iter().map(|(s, i)| (s.to_string(), *i)).collect();
        assert_eq!(got, want, "in memo: {memo}");
        for x in &found {
            let src: String = texts[x.text]
                .chars()
                .skip(x.start)
                .take(x.end - x.start)
                .collect();
            let m: String = chars[x.memo_start..x.memo_end].iter().collect();
            assert_eq!(
                src.chars()
                    .map(norm)
                    .collect::<String>()
                    .to_ascii_lowercase(),
                m.chars().map(norm).collect::<String>().to_ascii_lowercase()
            );
        }
    }

    const T1: &str = "Interviewer: How do you know it went well?\nInterviewee 07: Honestly, I just know when I have done it properly. You can feel it in the room when the patient leaves happier than they came in.\n";
    const T3: &str = "Interviewee 09: We check. Nobody else does it for us. Then we go home.\n";
    const T2: &str = "Interviewee 08: The phones never stop, not for a minute. I'd know if I'd done it badly, believe me.\n";

    #[test]
    fn finds_long_verbatim_runs_and_whole_quoted_sentences() {
        check(
            &[T1, T2],
            "She said you can feel it in the room when the patient leaves happier, which is telling.",
            &[("you can feel it in the room when the patient leaves happier", 0)],
        );
        // A whole sentence in quotation marks, curly apostrophe, other case.
        check(
            &[T1, T2],
            "Reception too: “The phones never stop, not for a minute.” Nobody checks.",
            &[("The phones never stop, not for a minute.", 1)],
        );
        // Shorter than a run: only a whole sentence in quotes counts.
        check(
            &[T1, T2, T3],
            "Managers: \"nobody else does it for us\", they said; \"else does it for\" too.",
            &[("nobody else does it for us", 2)],
        );
        // Part of a sentence in quotes is not a whole sentence.
        check(
            &[T1, T2],
            "They say \u{201c}I\u{2019}d know if I\u{2019}d done it\u{201d}.",
            &[],
        );
        // Too short to attribute, and text that is not in any source.
        check(
            &[T1, T2],
            "\"I just know.\" and \"something nobody said at all\"",
            &[],
        );
    }

    #[test]
    fn replaces_only_the_paragraphs_that_quote() {
        let f = finder(&[T1]);
        let body = "# Memo\n\nFirst thoughts on knowing.\n\nAs one put it, you can feel it in the room when the patient leaves happier than they came in.\nA second line.\n\nLast paragraph.";
        let (out, removed) =
            replace_quoting_paragraphs(body, &f, "[passage removed]").expect("a passage");
        assert_eq!(
            out,
            "# Memo\n\nFirst thoughts on knowing.\n\n[passage removed]\n\nLast paragraph."
        );
        assert_eq!(removed.len(), 1);
        assert!(replace_quoting_paragraphs("Nothing quoted here.", &f, "x").is_none());
        assert!(f.contains_verbatim("I just know when I have done it properly"));
        assert!(!f.contains_verbatim("just know"));
    }

    #[test]
    fn statuses_parse_in_several_spellings() {
        for s in QuoteStatus::ALL {
            assert_eq!(s.as_str().parse::<QuoteStatus>(), Ok(s));
            assert_eq!(s.label().parse::<QuoteStatus>(), Ok(s));
        }
        assert_eq!("Not-Sent".parse::<QuoteStatus>(), Ok(QuoteStatus::NotSent));
        assert!("maybe".parse::<QuoteStatus>().is_err());
    }
}
