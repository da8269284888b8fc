//! A per-process cache of source texts with their position indexes.
//!
//! Texts are immutable and stored by content hash, so a cached text is never
//! stale; nothing else is cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axial_core::{ContentHash, LineIndex, Source, Span, TextIndex};
use axial_store::Store;

use crate::AppError;

/// A source text with its code-point, byte and line indexes.
#[derive(Debug)]
pub struct LoadedText {
    pub text: Arc<str>,
    pub index: TextIndex,
    pub lines: LineIndex,
}

impl LoadedText {
    pub fn new(text: Arc<str>) -> LoadedText {
        let index = TextIndex::new(&text);
        let lines = LineIndex::new(&text);
        LoadedText { text, index, lines }
    }
    pub fn slice(&self, span: Span) -> &str {
        self.index.slice(&self.text, span)
    }
    pub fn char_len(&self) -> u32 {
        self.index.char_len()
    }
}

#[derive(Clone, Default)]
pub struct TextCache {
    inner: Arc<Mutex<HashMap<ContentHash, Arc<LoadedText>>>>,
}

impl TextCache {
    pub async fn get(
        &self,
        store: &dyn Store,
        source: &Source,
    ) -> Result<Arc<LoadedText>, AppError> {
        if let Some(t) = self.lookup(&source.content_hash) {
            return Ok(t);
        }
        let text = store.text(source.content_hash).await?;
        let loaded = Arc::new(
            tokio::task::spawn_blocking(move || LoadedText::new(text))
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?,
        );
        self.put(source.content_hash, loaded.clone());
        Ok(loaded)
    }

    pub fn lookup(&self, hash: &ContentHash) -> Option<Arc<LoadedText>> {
        self.inner
            .lock()
            .expect("text cache lock is never poisoned: no panics while held")
            .get(hash)
            .cloned()
    }

    pub fn put(&self, hash: ContentHash, text: Arc<LoadedText>) {
        self.inner
            .lock()
            .expect("text cache lock is never poisoned: no panics while held")
            .insert(hash, text);
    }

    /// Drops a text from the cache (after the store purged it).
    pub fn forget(&self, hash: &ContentHash) {
        self.inner
            .lock()
            .expect("text cache lock is never poisoned: no panics while held")
            .remove(hash);
    }

    /// Loads the texts of many sources (those not cached yet) concurrently.
    pub async fn get_many(
        &self,
        store: &dyn Store,
        sources: &[Source],
    ) -> Result<HashMap<axial_core::SourceId, Arc<LoadedText>>, AppError> {
        let mut out = HashMap::with_capacity(sources.len());
        for s in sources {
            out.insert(s.id, self.get(store, s).await?);
        }
        Ok(out)
    }
}
