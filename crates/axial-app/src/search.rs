//! Text search across all sources of a project, with hit spans and context.

use axial_core::{CharOffset, Project, SourceId, Span};
use serde::Serialize;

use crate::{App, AppError};

#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub pattern: String,
    /// Treat the pattern as a regular expression (else as plain text).
    pub regex: bool,
    pub ignore_case: bool,
    /// Characters of context on each side.
    pub context: u32,
    /// Stop after this many hits (0: no limit).
    pub limit: usize,
    /// Only these sources (empty: all).
    pub sources: Vec<SourceId>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub source: String,
    pub source_id: SourceId,
    pub start: u32,
    pub end: u32,
    /// Line of the hit's start, counted from 1.
    pub line: usize,
    pub text: String,
    pub before: String,
    pub after: String,
}

impl App {
    pub async fn search(
        &self,
        project: &Project,
        q: &SearchQuery,
    ) -> Result<Vec<SearchHit>, AppError> {
        if q.pattern.is_empty() {
            return Err(AppError::invalid("the search pattern is empty"));
        }
        let pat = if q.regex {
            q.pattern.clone()
        } else {
            regex::escape(&q.pattern)
        };
        let re = regex::RegexBuilder::new(&pat)
            .case_insensitive(q.ignore_case)
            .size_limit(1 << 24)
            .build()
            .map_err(|e| AppError::invalid(format!("invalid regular expression: {e}")))?;
        let sources = self.store.sources(project.id).await?;
        let mut texts = Vec::new();
        for s in sources
            .into_iter()
            .filter(|s| q.sources.is_empty() || q.sources.contains(&s.id))
        {
            let t = self.text(&s).await?;
            texts.push((s, t));
        }
        // The scan is CPU work: run it off the async threads, split over the cores.
        let workers = std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
            .min(texts.len().max(1));
        let chunk = texts.len().div_ceil(workers).max(1);
        let texts = std::sync::Arc::new(texts);
        let mut tasks = Vec::new();
        for w in 0..workers {
            let texts = texts.clone();
            let re = re.clone();
            let (context, limit) = (q.context, q.limit);
            tasks.push(tokio::task::spawn_blocking(move || {
                let part = texts
                    .get(w * chunk..((w + 1) * chunk).min(texts.len()))
                    .unwrap_or(&[]);
                scan(part, &re, context, limit)
            }));
        }
        let mut hits = Vec::new();
        for t in tasks {
            hits.extend(
                t.await
                    .map_err(|e| AppError::Internal(format!("search stopped: {e}")))??,
            );
        }
        if q.limit > 0 {
            hits.truncate(q.limit);
        }
        Ok(hits)
    }
}

/// Finds every match in some texts (at most `limit` when it is not 0).
fn scan(
    texts: &[(axial_core::Source, std::sync::Arc<crate::LoadedText>)],
    re: &regex::Regex,
    context: u32,
    limit: usize,
) -> Result<Vec<SearchHit>, AppError> {
    let mut hits = Vec::new();
    for (s, t) in texts {
        // Matches come in text order: convert byte offsets to code points by
        // counting forward from the previous match instead of from a checkpoint.
        let (mut at_byte, mut at_char) = (0usize, 0u32);
        let mut to_char = |byte: usize| -> u32 {
            at_char += t.text[at_byte..byte].chars().count() as u32;
            at_byte = byte;
            at_char
        };
        for m in re.find_iter(&t.text) {
            if m.start() == m.end() {
                continue;
            }
            let a = CharOffset(to_char(m.start()));
            let b = CharOffset(to_char(m.end()));
            let ctx_a = a.0.saturating_sub(context);
            let ctx_b = (b.0 + context).min(t.char_len());
            let slice = |x: u32, y: u32| -> String {
                Span::new(x, y, t.char_len())
                    .map(|sp| t.slice(sp).to_string())
                    .unwrap_or_default()
            };
            hits.push(SearchHit {
                source: s.name.clone(),
                source_id: s.id,
                start: a.0,
                end: b.0,
                line: t.lines.line_of(CharOffset(a.0)) + 1,
                text: m.as_str().to_string(),
                before: slice(ctx_a, a.0),
                after: slice(b.0, ctx_b),
            });
            if limit > 0 && hits.len() >= limit {
                return Ok(hits);
            }
        }
    }
    Ok(hits)
}
