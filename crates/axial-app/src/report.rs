//! Report use cases: decide what a theme report, a coded-segment export and
//! a codebook contain, and build them as `axial_formats::report` values
//! (a `Document` or `Table`) that the caller writes to DOCX, HTML, Markdown,
//! CSV or XLSX. Nothing here touches files or lays out pages.
//!
//! Selected quotes: a coding linked from a memo counts as chosen by the
//! researcher. A theme report quotes those first and fills up to the number
//! asked for with further segments, one per source, in source order;
//! `approved_only` quotes only the memo-linked ones, and
//! `approved_quotes_only` only quotes that passed member checking.

use std::collections::{HashMap, HashSet};

use axial_core::{CodeId, CodingId, MemoLink, Project, RecordId, SourceId, Span};
use axial_formats::report::{Block, Cell, Document, Table};

use crate::codebook::{descendants, tree_order};
use crate::{App, AppError, SegmentQuery};

/// What goes into a theme report.
#[derive(Debug, Clone, Default)]
pub struct ThemeReportRequest {
    /// Categories or codes (names or paths), in the order wanted.
    pub codes: Vec<String>,
    /// Quote only the segments a memo links to.
    pub approved_only: bool,
    /// Quote only excerpts that passed member checking: quotes (see
    /// `crate::quotes`) approved as they are, or amended (in the amended
    /// wording), that overlap a segment of the code.
    pub approved_quotes_only: bool,
    /// Quotes per code (at most).
    pub quotes_per_code: usize,
    /// Variable for the attribution label (default: the staff-group-like one).
    pub label_by: Option<String>,
}

/// A quote cleared by member checking, with the words to print.
struct ClearedQuote {
    id: RecordId,
    source: SourceId,
    start: u32,
    end: u32,
    text: String,
}

impl App {
    /// The theme report: each chosen category or code with its definition,
    /// the memos about it and attributed quotes, plus a code-frequency chart.
    pub async fn theme_report(
        &self,
        project: &Project,
        request: &ThemeReportRequest,
    ) -> Result<Document, AppError> {
        if request.codes.is_empty() {
            return Err(AppError::invalid(
                "name the categories or codes to report on, e.g. --codes \"Efficiency pressure,Personal standards\"",
            ));
        }
        let all = self.store().codes(project.id).await?;
        let memos = self.memos(project).await?;
        let chosen_quotes: HashSet<CodingId> = memos
            .iter()
            .flat_map(|m| m.links.iter())
            .filter_map(|l| match l {
                MemoLink::Coding(c) => Some(*c),
                _ => None,
            })
            .collect();
        let paths: HashMap<CodeId, String> = tree_order(&all)
            .into_iter()
            .map(|(c, p, _)| (c.id, p))
            .collect();
        let cleared = if request.approved_quotes_only {
            self.cleared_quotes(project).await?
        } else {
            Vec::new()
        };
        let mut blocks = Vec::new();
        let mut bars = Vec::new();
        let mut counts = Vec::new();
        let per_code = request.quotes_per_code.max(1);
        for name in &request.codes {
            let top = self.find_code(project, name).await?;
            let mut members = vec![top.clone()];
            let kids = descendants(&all, top.id);
            members.extend(all.iter().filter(|c| kids.contains(&c.id)).cloned());
            let mut total = 0u64;
            for (i, code) in members.iter().enumerate() {
                let level = if i == 0 { 1 } else { 2 };
                blocks.push(Block::Heading {
                    level,
                    text: if i == 0 {
                        paths
                            .get(&code.id)
                            .cloned()
                            .unwrap_or_else(|| code.name.clone())
                    } else {
                        code.name.clone()
                    },
                });
                for (label, text) in [
                    ("Definition", &code.description),
                    ("Include", &code.inclusion),
                    ("Exclude", &code.exclusion),
                ] {
                    if !text.trim().is_empty() {
                        blocks.push(Block::Field {
                            label: label.into(),
                            text: text.trim().to_string(),
                        });
                    }
                }
                for m in memos
                    .iter()
                    .filter(|m| m.links.contains(&MemoLink::Code(code.id)))
                {
                    blocks.push(Block::Heading {
                        level: 3,
                        text: format!("Memo: {}", m.title),
                    });
                    blocks.push(Block::Paragraph(m.body.trim().to_string()));
                }
                if !code.codable {
                    continue;
                }
                let segs = self
                    .segments(
                        project,
                        &SegmentQuery {
                            codes: vec![code.id],
                            label_by: request.label_by.clone(),
                            ..Default::default()
                        },
                    )
                    .await?;
                total += segs.len() as u64;
                if request.approved_quotes_only {
                    // Memo-linked segments first, then the rest, each
                    // quoting the cleared quotes that overlap it.
                    let ordered = segs
                        .iter()
                        .filter(|s| chosen_quotes.contains(&s.coding))
                        .chain(segs.iter().filter(|s| !chosen_quotes.contains(&s.coding)));
                    let mut used = HashSet::new();
                    let mut n = 0;
                    'segs: for s in ordered {
                        for q in cleared.iter().filter(|q| {
                            q.source == s.source_id && q.start < s.end && s.start < q.end
                        }) {
                            if n >= per_code {
                                break 'segs;
                            }
                            if used.insert(q.id) {
                                blocks.push(Block::Quote {
                                    text: q.text.clone(),
                                    attribution: s.attribution.clone(),
                                });
                                n += 1;
                            }
                        }
                    }
                    continue;
                }
                let mut picked: Vec<&crate::Segment> = segs
                    .iter()
                    .filter(|s| chosen_quotes.contains(&s.coding))
                    .take(per_code)
                    .collect();
                if !request.approved_only {
                    let mut seen: HashSet<_> = picked.iter().map(|s| s.source_id).collect();
                    for s in &segs {
                        if picked.len() >= per_code {
                            break;
                        }
                        if seen.insert(s.source_id) && !picked.iter().any(|p| p.coding == s.coding)
                        {
                            picked.push(s);
                        }
                    }
                }
                for s in picked {
                    blocks.push(Block::Quote {
                        text: s.text.trim().to_string(),
                        attribution: s.attribution.clone(),
                    });
                }
            }
            bars.push((top.name.clone(), total as f64));
            counts.push(vec![Cell::from(top.name.clone()), Cell::from(total)]);
        }
        let mut head = vec![
            Block::Heading {
                level: 1,
                text: "Code frequencies".into(),
            },
            Block::Svg(axial_analysis::svg::bar_chart(
                "Coded segments per theme",
                &bars,
            )),
            Block::Table(Table {
                name: "Code frequencies".into(),
                header: vec!["theme".into(), "coded segments".into()],
                rows: counts,
            }),
        ];
        head.extend(blocks);
        Ok(Document {
            title: format!("Themes: {}", project.name),
            subtitle: Some(format!(
                "Themes: {}. Quotes: up to {per_code} per code, {}; attribution by {}.",
                request.codes.join(", "),
                if request.approved_quotes_only {
                    "only quotes approved in member checking (amended ones as amended)"
                } else if request.approved_only {
                    "only segments linked from a memo"
                } else {
                    "segments linked from a memo first, then one per source"
                },
                request
                    .label_by
                    .as_deref()
                    .unwrap_or("the staff-group variable")
            )),
            blocks: head,
        })
    }

    /// The quotes a report may print: approved, or amended (with the
    /// amended wording).
    async fn cleared_quotes(&self, project: &Project) -> Result<Vec<ClearedQuote>, AppError> {
        let sources: HashMap<SourceId, axial_core::Source> = self
            .store()
            .sources(project.id)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect();
        let mut out = Vec::new();
        for q in self.quotes(project).await? {
            if !q.body.status.is_cleared() {
                continue;
            }
            let Some(source) = sources.get(&q.body.source) else {
                continue;
            };
            let text = self.text(source).await?;
            let Ok(span) = Span::new(q.body.start, q.body.end, text.char_len()) else {
                continue;
            };
            out.push(ClearedQuote {
                id: q.id(),
                source: source.id,
                start: q.body.start,
                end: q.body.end,
                text: q.body.wording(text.slice(span)),
            });
        }
        Ok(out)
    }

    /// Every coded segment of a code (and the codes under it) with full
    /// attribution, as a table.
    pub async fn segments_table(
        &self,
        project: &Project,
        code: &str,
        label_by: Option<&str>,
    ) -> Result<Table, AppError> {
        let code = self.find_code(project, code).await?;
        let segs = self
            .segments(
                project,
                &SegmentQuery {
                    codes: vec![code.id],
                    include_children: true,
                    label_by: label_by.map(str::to_string),
                    ..Default::default()
                },
            )
            .await?;
        let mut vars: Vec<String> = segs
            .iter()
            .flat_map(|s| s.attributes.keys().cloned())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        vars.sort();
        let mut header: Vec<String> = ["source", "case"].map(String::from).to_vec();
        header.extend(vars.iter().cloned());
        header.extend(
            [
                "code path",
                "coder",
                "start",
                "end",
                "first line",
                "last line",
                "text",
                "attribution",
            ]
            .map(String::from),
        );
        let rows = segs
            .iter()
            .map(|s| {
                let mut r = vec![
                    Cell::from(s.source.clone()),
                    s.case.clone().map_or(Cell::Empty, Cell::from),
                ];
                r.extend(
                    vars.iter()
                        .map(|v| s.attributes.get(v).cloned().map_or(Cell::Empty, Cell::from)),
                );
                r.extend([
                    Cell::from(s.code_path.clone()),
                    Cell::from(s.coder.clone()),
                    Cell::from(u64::from(s.start)),
                    Cell::from(u64::from(s.end)),
                    Cell::from(s.first_line as u64),
                    Cell::from(s.last_line as u64),
                    Cell::from(s.text.clone()),
                    Cell::from(s.attribution.clone()),
                ]);
                r
            })
            .collect();
        Ok(Table {
            name: format!("Segments {}", code.name),
            header,
            rows,
        })
    }

    /// The codebook: every code in tree order with definition, criteria,
    /// example and counts.
    pub async fn codebook_document(&self, project: &Project) -> Result<Document, AppError> {
        let codes = self.store().codes(project.id).await?;
        let usage: HashMap<CodeId, (u64, u64)> = self
            .code_usage(project)
            .await?
            .into_iter()
            .map(|u| (u.id, (u.codings, u.sources)))
            .collect();
        let mut blocks = Vec::new();
        for (code, path, depth) in tree_order(&codes) {
            blocks.push(Block::Heading {
                level: (depth + 1).min(3) as u8,
                text: path,
            });
            let (n, s) = usage.get(&code.id).copied().unwrap_or_default();
            blocks.push(Block::Field {
                label: "Use".into(),
                text: if code.codable {
                    format!("{n} codings in {s} sources")
                } else {
                    "category (groups codes; not applied to text)".into()
                },
            });
            for (label, text) in [
                ("Definition", &code.description),
                ("Include", &code.inclusion),
                ("Exclude", &code.exclusion),
                ("Example", &code.example),
            ] {
                if !text.trim().is_empty() {
                    blocks.push(Block::Field {
                        label: label.into(),
                        text: text.trim().to_string(),
                    });
                }
            }
        }
        Ok(Document {
            title: format!("Codebook: {}", project.name),
            subtitle: Some(format!("{} codes and categories", codes.len())),
            blocks,
        })
    }
}
