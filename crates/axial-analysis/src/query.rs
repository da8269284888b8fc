//! Coding queries: an expression tree over codes ([`Query`]) evaluated per
//! source to result segments, restricted by a caller's predicate on sources
//! (their case, attribute values, sets); and a small text syntax for it:
//!
//! ```text
//! "efficiency pressure" NEAR 200 "personal standards"
//! coping AND NOT (efficiency OR "personal standards")
//! "efficiency pressure" FOLLOWED BY 50 coping
//! ```
//!
//! Precedence, loosest first: `OR`, `AND`, `NOT`, then the proximity
//! operators (`NEAR n`, `OVERLAPPING`, `FOLLOWED BY [n]`), left to right.
//! Names are single words or quoted (`"…"`, with `\"` for a quote); a run of
//! bare words is one name. Keywords are case-insensitive. Code names are
//! resolved through a closure, so this module knows nothing of where codes
//! live. Parse errors name the character position (0-based) and what was
//! expected there.

use std::fmt;

use axial_core::{CodeId, SourceId, Span};
use serde::Serialize;

use crate::corpus::{complement_ranges, intersect_ranges, merge_ranges, CodeTree, SourceEntry};
use crate::Corpus;

/// A coding query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Query {
    /// Text coded with this code.
    Code(CodeId),
    /// Text coded with this code or any code below it.
    Tree(CodeId),
    /// Text matched by both (character intersection).
    And(Box<Query>, Box<Query>),
    /// Text matched by either (union).
    Or(Box<Query>, Box<Query>),
    /// Text of the source not matched.
    Not(Box<Query>),
    /// Segments of `a` and of `b` that lie within `n` characters of a segment of the other.
    Near {
        a: Box<Query>,
        b: Box<Query>,
        n: u32,
    },
    /// Whole segments of `a` that share a character with a segment of `b`.
    Overlapping { a: Box<Query>, b: Box<Query> },
    /// From the start of a segment of `a` to the end of the first segment of
    /// `b` starting at or after its end, at most `n` characters later if given.
    FollowedBy {
        a: Box<Query>,
        b: Box<Query>,
        n: Option<u32>,
    },
}

type Ranges = Vec<(u32, u32)>;

impl Query {
    /// The matching text of one source, as sorted disjoint ranges.
    pub fn ranges(&self, source: &SourceEntry<'_>, codes: &CodeTree<'_>) -> Vec<(u32, u32)> {
        let len = source.source.char_len;
        match self {
            Query::Code(id) => coded(source, &[*id]),
            Query::Tree(id) => coded(source, &codes.with_descendants(*id)),
            Query::And(a, b) => {
                intersect_ranges(&a.ranges(source, codes), &b.ranges(source, codes))
            }
            Query::Or(a, b) => {
                let mut r = a.ranges(source, codes);
                r.extend(b.ranges(source, codes));
                merge_ranges(r)
            }
            Query::Not(a) => complement_ranges(&a.ranges(source, codes), len),
            Query::Near { a, b, n } => {
                let (ra, rb) = (a.ranges(source, codes), b.ranges(source, codes));
                let mut out = near(&ra, &rb, *n);
                out.extend(near(&rb, &ra, *n));
                merge_ranges(out)
            }
            Query::Overlapping { a, b } => {
                let (ra, rb) = (a.ranges(source, codes), b.ranges(source, codes));
                overlapping(&ra, &rb)
            }
            Query::FollowedBy { a, b, n } => {
                let (ra, rb) = (a.ranges(source, codes), b.ranges(source, codes));
                let mut out = Vec::new();
                for &s in &ra {
                    let i = rb.partition_point(|t| t.0 < s.1);
                    if let Some(&t) = rb.get(i) {
                        if n.is_none_or(|n| t.0 - s.1 <= n) {
                            out.push((s.0, t.1));
                        }
                    }
                }
                merge_ranges(out)
            }
        }
    }

    /// The query in the text syntax, with code names from the tree.
    pub fn to_text(&self, codes: &CodeTree<'_>) -> String {
        let name = |id: &CodeId| format!("\"{}\"", codes.name(*id).replace('"', "\\\""));
        match self {
            Query::Code(id) => name(id),
            Query::Tree(id) => format!("TREE {}", name(id)),
            Query::And(a, b) => format!("({} AND {})", a.to_text(codes), b.to_text(codes)),
            Query::Or(a, b) => format!("({} OR {})", a.to_text(codes), b.to_text(codes)),
            Query::Not(a) => format!("NOT {}", a.to_text(codes)),
            Query::Near { a, b, n } => {
                format!("({} NEAR {n} {})", a.to_text(codes), b.to_text(codes))
            }
            Query::Overlapping { a, b } => {
                format!("({} OVERLAPPING {})", a.to_text(codes), b.to_text(codes))
            }
            Query::FollowedBy { a, b, n } => match n {
                Some(n) => format!(
                    "({} FOLLOWED BY {n} {})",
                    a.to_text(codes),
                    b.to_text(codes)
                ),
                None => format!("({} FOLLOWED BY {})", a.to_text(codes), b.to_text(codes)),
            },
        }
    }
}

fn coded(source: &SourceEntry<'_>, ids: &[CodeId]) -> Ranges {
    merge_ranges(
        source
            .codings
            .iter()
            .filter(|c| ids.contains(&c.code))
            .map(|c| (c.span.start().0, c.span.end().0))
            .collect(),
    )
}

/// Segments of `a` with a segment of `b` at most `n` characters away
/// (gap `≤ n`; overlapping and touching segments have gap 0). Both inputs
/// are sorted and disjoint, so one binary search per segment suffices.
fn near(a: &[(u32, u32)], b: &[(u32, u32)], n: u32) -> Ranges {
    let n = u64::from(n);
    a.iter()
        .copied()
        .filter(|&s| {
            let i = b.partition_point(|t| u64::from(t.1) + n < u64::from(s.0));
            b.get(i)
                .is_some_and(|t| u64::from(t.0) <= u64::from(s.1) + n)
        })
        .collect()
}

/// Segments of `a` sharing at least one character with a segment of `b`.
fn overlapping(a: &[(u32, u32)], b: &[(u32, u32)]) -> Ranges {
    a.iter()
        .copied()
        .filter(|&s| {
            let i = b.partition_point(|t| t.1 <= s.0);
            b.get(i).is_some_and(|t| t.0 < s.1)
        })
        .collect()
}

/// One matching stretch of text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryHit {
    pub source: SourceId,
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueryResult {
    /// The query as text, with code names.
    pub query: String,
    pub hits: Vec<QueryHit>,
    /// Sources searched (those passing the restriction).
    pub sources_searched: u64,
    /// Sources with at least one hit.
    pub sources_matched: u64,
}

/// Runs a query over the sources that pass `scope`.
pub fn run_query(
    corpus: &Corpus<'_>,
    query: &Query,
    scope: &dyn Fn(&SourceEntry<'_>) -> bool,
) -> QueryResult {
    let mut hits = Vec::new();
    let (mut searched, mut matched) = (0, 0);
    for s in corpus.sources.iter().filter(|s| scope(s)) {
        searched += 1;
        let r = query.ranges(s, &corpus.codes);
        if !r.is_empty() {
            matched += 1;
        }
        hits.extend(
            r.into_iter()
                .filter_map(|(a, b)| Span::unbounded(a, b).ok())
                .map(|span| QueryHit {
                    source: s.id(),
                    span,
                }),
        );
    }
    QueryResult {
        query: query.to_text(&corpus.codes),
        hits,
        sources_searched: searched,
        sources_matched: matched,
    }
}

/// What went wrong while parsing a query, and where (0-based character).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("at position {position}: {message}")]
pub struct QueryParseError {
    pub position: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Name(String),
    Number(u32),
    And,
    Or,
    Not,
    Near,
    Overlapping,
    Followed,
    By,
    Tree,
    Open,
    Close,
    End,
}

impl fmt::Display for Tok {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Tok::Name(n) => write!(f, "the name \"{n}\""),
            Tok::Number(n) => write!(f, "the number {n}"),
            Tok::And => f.write_str("AND"),
            Tok::Or => f.write_str("OR"),
            Tok::Not => f.write_str("NOT"),
            Tok::Near => f.write_str("NEAR"),
            Tok::Overlapping => f.write_str("OVERLAPPING"),
            Tok::Followed => f.write_str("FOLLOWED"),
            Tok::By => f.write_str("BY"),
            Tok::Tree => f.write_str("TREE"),
            Tok::Open => f.write_str("'('"),
            Tok::Close => f.write_str("')'"),
            Tok::End => f.write_str("the end of the query"),
        }
    }
}

fn err(position: usize, message: impl Into<String>) -> QueryParseError {
    QueryParseError {
        position,
        message: message.into(),
    }
}

fn lex(text: &str) -> Result<Vec<(usize, Tok)>, QueryParseError> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<(usize, Tok)> = Vec::new();
    // True while the last token is a name made of bare words, which a
    // following bare word extends.
    let mut bare = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_whitespace() {
            i += 1;
        } else if c == '(' {
            bare = false;
            out.push((i, Tok::Open));
            i += 1;
        } else if c == ')' {
            bare = false;
            out.push((i, Tok::Close));
            i += 1;
        } else if c == '"' {
            let start = i;
            let mut name = String::new();
            i += 1;
            loop {
                match chars.get(i) {
                    None => {
                        return Err(err(
                            start,
                            "this quoted name is not closed; add a closing \"",
                        ))
                    }
                    Some('\\') if matches!(chars.get(i + 1), Some('"') | Some('\\')) => {
                        name.push(chars[i + 1]);
                        i += 2;
                    }
                    Some('"') => {
                        i += 1;
                        break;
                    }
                    Some(&ch) => {
                        name.push(ch);
                        i += 1;
                    }
                }
            }
            if name.trim().is_empty() {
                return Err(err(start, "a quoted code name is empty"));
            }
            bare = false;
            out.push((start, Tok::Name(name)));
        } else {
            let start = i;
            while i < chars.len()
                && !chars[i].is_whitespace()
                && !matches!(chars[i], '(' | ')' | '"')
            {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            let tok = match word.to_ascii_uppercase().as_str() {
                "AND" => Tok::And,
                "OR" => Tok::Or,
                "NOT" => Tok::Not,
                "NEAR" => Tok::Near,
                "OVERLAPPING" => Tok::Overlapping,
                "FOLLOWED" => Tok::Followed,
                "BY" => Tok::By,
                "TREE" => Tok::Tree,
                _ if word.chars().all(|c| c.is_ascii_digit()) => match word.parse() {
                    Ok(n) => Tok::Number(n),
                    Err(_) => {
                        return Err(err(
                            start,
                            format!("{word} is too large a number of characters"),
                        ))
                    }
                },
                _ => {
                    if let (true, Some((_, Tok::Name(prev)))) = (bare, out.last_mut()) {
                        prev.push(' ');
                        prev.push_str(&word);
                        continue;
                    }
                    bare = true;
                    out.push((start, Tok::Name(word)));
                    continue;
                }
            };
            bare = false;
            out.push((start, tok));
        }
    }
    out.push((chars.len(), Tok::End));
    Ok(out)
}

struct Parser<'r> {
    toks: Vec<(usize, Tok)>,
    at: usize,
    resolve: &'r dyn Fn(&str) -> Option<CodeId>,
}

impl Parser<'_> {
    fn peek(&self) -> &(usize, Tok) {
        &self.toks[self.at.min(self.toks.len() - 1)]
    }
    fn next(&mut self) -> (usize, Tok) {
        let t = self.peek().clone();
        self.at += 1;
        t
    }
    fn or(&mut self) -> Result<Query, QueryParseError> {
        let mut q = self.and()?;
        while self.peek().1 == Tok::Or {
            self.next();
            q = Query::Or(Box::new(q), Box::new(self.and()?));
        }
        Ok(q)
    }
    fn and(&mut self) -> Result<Query, QueryParseError> {
        let mut q = self.unary()?;
        while self.peek().1 == Tok::And {
            self.next();
            q = Query::And(Box::new(q), Box::new(self.unary()?));
        }
        Ok(q)
    }
    fn unary(&mut self) -> Result<Query, QueryParseError> {
        if self.peek().1 == Tok::Not {
            self.next();
            return Ok(Query::Not(Box::new(self.unary()?)));
        }
        self.proximity()
    }
    fn proximity(&mut self) -> Result<Query, QueryParseError> {
        let mut q = self.primary()?;
        loop {
            match self.peek().1 {
                Tok::Near => {
                    let (pos, _) = self.next();
                    let n = match self.next() {
                        (_, Tok::Number(n)) => n,
                        (p, t) => {
                            return Err(err(
                                p,
                                format!("expected a number of characters after NEAR (at {pos}), found {t}; write for example NEAR 200"),
                            ))
                        }
                    };
                    q = Query::Near {
                        a: Box::new(q),
                        b: Box::new(self.primary()?),
                        n,
                    };
                }
                Tok::Overlapping => {
                    self.next();
                    q = Query::Overlapping {
                        a: Box::new(q),
                        b: Box::new(self.primary()?),
                    };
                }
                Tok::Followed => {
                    self.next();
                    match self.next() {
                        (_, Tok::By) => {}
                        (p, t) => {
                            return Err(err(p, format!("expected BY after FOLLOWED, found {t}")))
                        }
                    }
                    let n = match self.peek().1 {
                        Tok::Number(n) => {
                            self.next();
                            Some(n)
                        }
                        _ => None,
                    };
                    q = Query::FollowedBy {
                        a: Box::new(q),
                        b: Box::new(self.primary()?),
                        n,
                    };
                }
                _ => return Ok(q),
            }
        }
    }
    fn primary(&mut self) -> Result<Query, QueryParseError> {
        match self.next() {
            (p, Tok::Name(name)) => (self.resolve)(&name).map(Query::Code).ok_or_else(|| {
                err(
                    p,
                    format!(
                        "there is no code named \"{name}\"; check the spelling or quote the name"
                    ),
                )
            }),
            (_, Tok::Tree) => match self.next() {
                (p, Tok::Name(name)) => (self.resolve)(&name)
                    .map(Query::Tree)
                    .ok_or_else(|| err(p, format!("there is no code named \"{name}\""))),
                (p, t) => Err(err(
                    p,
                    format!("expected a code name after TREE, found {t}"),
                )),
            },
            (p, Tok::Open) => {
                let q = self.or()?;
                match self.next() {
                    (_, Tok::Close) => Ok(q),
                    (c, t) => Err(err(
                        c,
                        format!("expected ')' to close the '(' at position {p}, found {t}"),
                    )),
                }
            }
            (p, Tok::Number(n)) => Err(err(
                p,
                format!("expected a code name, found the number {n}; quote it if it is a name"),
            )),
            (p, t) => Err(err(p, format!("expected a code name or '(', found {t}"))),
        }
    }
}

/// Parses the text syntax; `resolve` maps a code name to its id.
pub fn parse_query(
    text: &str,
    resolve: &dyn Fn(&str) -> Option<CodeId>,
) -> Result<Query, QueryParseError> {
    let toks = lex(text)?;
    let mut p = Parser {
        toks,
        at: 0,
        resolve,
    };
    let q = p.or()?;
    match p.next() {
        (_, Tok::End) => Ok(q),
        (pos, t) => Err(err(
            pos,
            format!("expected AND, OR, NEAR, OVERLAPPING, FOLLOWED BY or the end, found {t}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::sample::{span_of, Sample, TEXTS};

    fn check_error(text: &str, position: usize, fragment: &str) {
        let s = Sample::new();
        let e = parse_query(text, &|n| s.resolve(n)).expect_err(text);
        assert_eq!(e.position, position, "{text}: {e}");
        assert!(e.to_string().contains(fragment), "{text}: {e}");
    }

    #[test]
    fn parse_errors_name_the_position() {
        check_error("coping AND", 10, "expected a code name");
        check_error("\"efficiency pressure\" NEAR coping", 27, "NEAR 200");
        check_error("(coping OR time", 15, "close the '(' at position 0");
        check_error("coping AND \"nope", 11, "not closed");
        check_error(
            "coping AND unknown code",
            11,
            "no code named \"unknown code\"",
        );
        check_error("coping time", 0, "no code named \"coping time\"");
        check_error("\"coping\" \"time\"", 9, "found the name \"time\"");
        check_error("coping FOLLOWED coping", 16, "BY after FOLLOWED");
        check_error("coping )", 7, "found ')'");
    }

    #[test]
    fn parses_precedence_and_names() {
        let s = Sample::new();
        let parse = |t: &str| parse_query(t, &|n| s.resolve(n)).expect(t);
        let code = |id| Box::new(Query::Code(id));
        assert_eq!(
            parse("coping AND NOT time OR \"personal standards\""),
            Query::Or(
                Box::new(Query::And(
                    code(s.coping),
                    Box::new(Query::Not(code(s.time)))
                )),
                code(s.standards)
            )
        );
        assert_eq!(
            parse("efficiency pressure near 200 \"personal standards\""),
            Query::Near {
                a: code(s.efficiency),
                b: code(s.standards),
                n: 200
            }
        );
        assert_eq!(
            parse("coping FOLLOWED BY time"),
            Query::FollowedBy {
                a: code(s.coping),
                b: code(s.time),
                n: None
            }
        );
        let q = parse("TREE Pressure OVERLAPPING (coping)");
        assert_eq!(
            q,
            Query::Overlapping {
                a: Box::new(Query::Tree(s.pressure)),
                b: code(s.coping)
            }
        );
        let corpus = s.corpus();
        assert_eq!(parse(&q.to_text(&corpus.codes)), q, "to_text round-trips");
    }

    fn check(query: &str, expect: &[(usize, &str)]) {
        let s = Sample::new();
        let corpus = s.corpus();
        let q = parse_query(query, &|n| s.resolve(n)).expect(query);
        let got: Vec<(SourceId, Span)> = run_query(&corpus, &q, &|_| true)
            .hits
            .into_iter()
            .map(|h| (h.source, h.span))
            .collect();
        let want: Vec<(SourceId, Span)> = expect
            .iter()
            .map(|&(i, quote)| (s.sources[i].id, span_of(TEXTS[i], quote)))
            .collect();
        assert_eq!(got, want, "{query}");
    }

    #[test]
    fn evaluates_over_the_sample() {
        check("coping", &[(1, "I take a walk at lunch to cope.")]);
        check(
            "\"efficiency pressure\" AND \"personal standards\"",
            &[(2, "measure.")],
        );
        check(
            "\"efficiency pressure\" AND NOT \"personal standards\"",
            &[
                (0, "more with less"),
                (1, "The rota is cut again and again."),
                (2, "Speed is all they "),
                (3, "counts minutes per patient"),
            ],
        );
        check(
            "\"efficiency pressure\" NEAR 1 coping",
            &[
                (1, "The rota is cut again and again."),
                (1, "I take a walk at lunch to cope."),
            ],
        );
        check("\"efficiency pressure\" NEAR 0 coping", &[]);
        check(
            "\"personal standards\" OVERLAPPING \"efficiency pressure\"",
            &[(2, "measure. Patients deserve my best work")],
        );
        check(
            "\"efficiency pressure\" FOLLOWED BY \"personal standards\"",
            &[(
                0,
                "more with less every week. I hold myself to high standards anyway.",
            )],
        );
        check(
            "\"efficiency pressure\" FOLLOWED BY 12 \"personal standards\"",
            &[],
        );
        check("TREE Pressure AND coping", &[]);
        check("Pressure", &[]);
    }

    #[test]
    fn restriction_by_attribute() {
        let s = Sample::new();
        let corpus = s.corpus();
        let q = parse_query("\"efficiency pressure\"", &|n| s.resolve(n)).expect("valid");
        let group = s.group;
        let nurses =
            |e: &SourceEntry<'_>| e.value(group).map(|v| v.to_string()) == Some("nurse".into());
        let r = run_query(&corpus, &q, &nurses);
        assert_eq!(
            (r.sources_searched, r.sources_matched, r.hits.len()),
            (2, 2, 2)
        );
        let pilot = s.pilot;
        let r = run_query(&corpus, &q, &|e| e.in_set(pilot));
        assert_eq!(
            r.sources_searched, 3,
            "the set holds source 1 and the nurse's two sources"
        );
    }
}
