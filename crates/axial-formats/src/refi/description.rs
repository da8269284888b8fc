//! How Axial fields that REFI-QDA has no element for are folded into the
//! human-readable `<Description>` text, and read back out.
//!
//! Other programs show these descriptions as they are, so the encodings are
//! plain Markdown-like sections a person can read and edit:
//!
//! - code: the definition, then `## Inclusion`, `## Exclusion`, `## Example`
//!   sections (each only when non-empty), separated by a blank line;
//! - category variable: the description, then `## Allowed values` and one
//!   `- value` line per allowed value (the variable is written as Text);
//! - memo: `Memo type: theoretical` (the title is the Note's `name`).
//!
//! A header counts only at the start of the text or after a blank line, and
//! sections are recognised only in the order above. A definition that itself
//! contains such a header line after a blank line cannot be told apart from
//! a section; that is the one ambiguity, and it is documented in `mod.rs`.

use axial_core::MemoKind;

const INCLUSION: &str = "## Inclusion";
const EXCLUSION: &str = "## Exclusion";
const EXAMPLE: &str = "## Example";
const ALLOWED: &str = "## Allowed values";
const MEMO_TYPE: &str = "Memo type: ";

/// The four texts of a code.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CodeTexts {
    pub definition: String,
    pub inclusion: String,
    pub exclusion: String,
    pub example: String,
}

fn join(parts: Vec<String>) -> String {
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

pub(crate) fn compose_code(t: &CodeTexts) -> String {
    let section = |h: &str, s: &str| {
        if s.is_empty() {
            String::new()
        } else {
            format!("{h}\n{s}")
        }
    };
    join(vec![
        t.definition.clone(),
        section(INCLUSION, &t.inclusion),
        section(EXCLUSION, &t.exclusion),
        section(EXAMPLE, &t.example),
    ])
}

/// Finds `header` as a section start at or after `from`: at the very start
/// of the text or after a blank line, followed by a newline.
fn find_header(text: &str, header: &str, from: usize) -> Option<usize> {
    let mut at = from;
    while let Some(i) = text.get(at..)?.find(header) {
        let pos = at + i;
        let before_ok = pos == 0 || text[..pos].ends_with("\n\n");
        let after = &text[pos + header.len()..];
        if before_ok && after.starts_with('\n') {
            return Some(pos);
        }
        at = pos + header.len();
    }
    None
}

pub(crate) fn parse_code(text: &str) -> CodeTexts {
    let headers = [INCLUSION, EXCLUSION, EXAMPLE];
    let mut found: Vec<(usize, usize)> = Vec::new(); // (header index, position)
    let mut from = 0;
    for (k, h) in headers.iter().enumerate() {
        if let Some(p) = find_header(text, h, from) {
            found.push((k, p));
            from = p + h.len();
        }
    }
    let mut out = CodeTexts::default();
    let end_of = |i: usize| -> usize {
        match found.get(i + 1) {
            Some(&(_, next)) => next - 2, // drop the blank line before the next header
            None => text.len(),
        }
    };
    out.definition = match found.first() {
        Some(&(_, p)) => text[..p.saturating_sub(2)].to_string(),
        None => text.to_string(),
    };
    for (i, &(k, p)) in found.iter().enumerate() {
        let body_start = p + headers[k].len() + 1;
        let body = text
            .get(body_start..end_of(i).max(body_start))
            .unwrap_or("")
            .to_string();
        match k {
            0 => out.inclusion = body,
            1 => out.exclusion = body,
            _ => out.example = body,
        }
    }
    out
}

pub(crate) fn compose_category(description: &str, values: &[String]) -> String {
    let list = values
        .iter()
        .map(|v| format!("\n- {v}"))
        .collect::<String>();
    join(vec![description.to_string(), format!("{ALLOWED}{list}")])
}

/// Splits a Text variable's description into its own text and, when it has
/// a well-formed `## Allowed values` section at the end, the allowed values.
pub(crate) fn parse_category(text: &str) -> (String, Option<Vec<String>>) {
    let pos = if text == ALLOWED || text.starts_with(&format!("{ALLOWED}\n")) {
        Some(0)
    } else {
        let mut found = None;
        let mut at = 0;
        while let Some(i) = text[at..].find(&format!("\n\n{ALLOWED}")) {
            let p = at + i + 2;
            let rest = &text[p + ALLOWED.len()..];
            if rest.is_empty() || rest.starts_with('\n') {
                found = Some(p);
            }
            at = p;
        }
        found
    };
    let Some(p) = pos else {
        return (text.to_string(), None);
    };
    let rest = &text[p + ALLOWED.len()..];
    let mut values = Vec::new();
    for line in rest.split('\n').skip(1) {
        match line.strip_prefix("- ") {
            Some(v) => values.push(v.to_string()),
            None => return (text.to_string(), None),
        }
    }
    (text[..p.saturating_sub(2)].to_string(), Some(values))
}

pub(crate) fn compose_memo(kind: MemoKind) -> String {
    format!("{MEMO_TYPE}{kind}")
}

/// The memo type a Note description names, if it is one Axial wrote.
pub(crate) fn parse_memo(text: &str) -> Option<MemoKind> {
    text.trim()
        .strip_prefix(MEMO_TYPE.trim_end())
        .and_then(|k| k.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_code(t: CodeTexts, want: &str) {
        let s = compose_code(&t);
        assert_eq!(s, want);
        assert_eq!(parse_code(&s), t, "round trip of {s:?}");
    }

    fn texts(d: &str, i: &str, e: &str, x: &str) -> CodeTexts {
        CodeTexts {
            definition: d.into(),
            inclusion: i.into(),
            exclusion: e.into(),
            example: x.into(),
        }
    }

    #[test]
    fn code_sections_round_trip() {
        check_code(texts("", "", "", ""), "");
        check_code(texts("Means pressure.", "", "", ""), "Means pressure.");
        check_code(
            texts("Def\n\nmore", "when A", "", "“quote”\nline"),
            "Def\n\nmore\n\n## Inclusion\nwhen A\n\n## Example\n“quote”\nline",
        );
        check_code(texts("", "", "not B", ""), "## Exclusion\nnot B");
        check_code(
            texts("ends with newline\n", "x\n", "y", ""),
            "ends with newline\n\n\n## Inclusion\nx\n\n\n## Exclusion\ny",
        );
    }

    #[test]
    fn plain_descriptions_stay_definitions() {
        for s in [
            "## Inclusion",
            "a ## Inclusion\nb",
            "a\n## Inclusion\nb",
            "## Example",
        ] {
            assert_eq!(parse_code(s), texts(s, "", "", ""), "{s:?}");
        }
    }

    #[test]
    fn categories_round_trip() {
        for (d, v) in [
            ("", vec![]),
            (
                "Staff group.",
                vec!["nurse".to_string(), "doctor – senior".to_string()],
            ),
            ("x\n\ny", vec!["".to_string()]),
        ] {
            let s = compose_category(d, &v);
            assert_eq!(
                parse_category(&s),
                (d.to_string(), Some(v.clone())),
                "{s:?}"
            );
        }
        assert_eq!(parse_category("just text"), ("just text".to_string(), None));
        assert_eq!(
            parse_category("a\n\n## Allowed values\nnot a list"),
            ("a\n\n## Allowed values\nnot a list".to_string(), None)
        );
    }

    #[test]
    fn memo_types() {
        for k in MemoKind::ALL {
            assert_eq!(parse_memo(&compose_memo(k)), Some(k));
        }
        assert_eq!(parse_memo("day to day log"), None);
        assert_eq!(parse_memo("Memo type: banana"), None);
    }
}
