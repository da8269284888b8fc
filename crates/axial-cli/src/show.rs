//! `axial show`: a source's text with line numbers and codings marked.

use std::collections::HashMap;

use axial_app::App;
use axial_core::{CodeId, Project, Source};
use axial_store::CodingFilter;

use crate::output::{bg, DIM, RESET};

pub async fn run(
    app: &App,
    project: &Project,
    source: &Source,
    numbered: bool,
    color: bool,
) -> anyhow::Result<()> {
    let text = app.text(source).await?;
    let codes: HashMap<CodeId, (String, String)> = app
        .codes(project)
        .await?
        .into_iter()
        .map(|c| (c.id, (c.name, c.color.to_string())))
        .collect();
    let codings = app
        .store()
        .codings(project.id, &CodingFilter::source(source.id))
        .await?;
    let width = text.lines.count().to_string().len();
    for line in 0..text.lines.count() {
        let (a, b) = text
            .lines
            .line_range(line)
            .expect("line index within count");
        let on_line: Vec<_> = codings
            .iter()
            .filter(|c| c.span.start().0 < b.max(a + 1) && c.span.end().0 > a)
            .collect();
        let chars: Vec<char> = if b > a {
            text.slice(axial_core::Span::new(a, b, text.char_len()).expect("line range is a span"))
                .chars()
                .collect()
        } else {
            Vec::new()
        };
        let mut out = String::new();
        if numbered {
            if color {
                out.push_str(&format!("{DIM}{:>width$} │{RESET} ", line + 1));
            } else {
                out.push_str(&format!("{:>width$} │ ", line + 1));
            }
        }
        if color && !on_line.is_empty() {
            let mut current: Option<String> = None;
            for (i, ch) in chars.iter().enumerate() {
                let pos = a + i as u32;
                let top = on_line
                    .iter()
                    .rev()
                    .find(|c| c.span.start().0 <= pos && pos < c.span.end().0);
                let want = top
                    .and_then(|c| codes.get(&c.code))
                    .map(|(_, col)| col.clone());
                if want != current {
                    out.push_str(RESET);
                    if let Some(col) = &want {
                        out.push_str(&bg(col));
                    }
                    current = want;
                }
                out.push(*ch);
            }
            out.push_str(RESET);
        } else {
            out.extend(chars.iter());
        }
        if !on_line.is_empty() {
            let mut names: Vec<&str> = Vec::new();
            for c in &on_line {
                if let Some((n, _)) = codes.get(&c.code) {
                    if !names.contains(&n.as_str()) {
                        names.push(n);
                    }
                }
            }
            if color {
                out.push_str(&format!("  {DIM}◂ {}{RESET}", names.join(", ")));
            } else {
                out.push_str(&format!("  ◂ {}", names.join(", ")));
            }
        }
        println!("{out}");
    }
    Ok(())
}
