//! Builds a document's text piece by piece and reports where each piece
//! landed, as `[start, end)` offsets in Unicode code points.
//!
//! It knows nothing about codes or interviews; callers decide which pieces
//! are coded and keep the spans it hands back.

/// A growing text that counts code points and words as it goes.
#[derive(Debug, Default)]
pub(crate) struct Composer {
    text: String,
    chars: u32,
    words: usize,
}

impl Composer {
    pub(crate) fn new() -> Composer {
        Composer::default()
    }

    /// Appends `piece` and returns its span in code points.
    pub(crate) fn push(&mut self, piece: &str) -> (u32, u32) {
        let start = self.chars;
        let len = u32::try_from(piece.chars().count()).unwrap_or(u32::MAX);
        self.text.push_str(piece);
        self.chars = self.chars.saturating_add(len);
        self.words += piece.split_whitespace().count();
        (start, self.chars)
    }

    /// Words written so far (whitespace-separated).
    pub(crate) fn words(&self) -> usize {
        self.words
    }

    pub(crate) fn finish(self) -> String {
        self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(pieces: &[&str], expect: &[(u32, u32)]) {
        let mut c = Composer::new();
        let spans: Vec<_> = pieces.iter().map(|p| c.push(p)).collect();
        assert_eq!(spans, expect);
        let text = c.finish();
        let chars: Vec<char> = text.chars().collect();
        for (p, (s, e)) in pieces.iter().zip(spans) {
            let got: String = chars[s as usize..e as usize].iter().collect();
            assert_eq!(&got, p);
        }
    }

    #[test]
    fn spans_count_code_points_not_bytes() {
        check(
            &["Zoë: ", "“quality” – ", "ok"],
            &[(0, 5), (5, 17), (17, 19)],
        );
    }

    #[test]
    fn counts_words() {
        let mut c = Composer::new();
        c.push("Interviewer: how are you?\n\n");
        c.push("Fine – thanks.");
        assert_eq!(c.words(), 7);
    }
}
