//! Inter-coder agreement, as defined in `shared/methods/ANALYTICS.md` §4:
//! character-level percentage agreement and Cohen's kappa per code (NVivo's
//! coding comparison, with its "1 when both agree completely" convention and
//! the unweighted, size-weighted and pooled summaries across sources),
//! Brennan & Prediger's free-marginal kappa, Fleiss' kappa for three or more
//! coders, Krippendorff's nominal alpha per code, over code combinations and
//! pooled, Krippendorff's unitizing alpha α_U (DKPro Statistics' definition),
//! MAXQDA's code-existence and segment-overlap agreement with its kappa, and
//! the list of disagreeing stretches side by side.
//!
//! Segments are normalised first: one coder's segments of one code that
//! overlap or touch are merged. Characters outside a coder's coverage are
//! missing for that coder, not "not coded". Undefined values are `None`,
//! never NaN. Thresholds are compared in integers. This module computes over
//! plain [`ComparedText`]s (what the fixtures test) and, as a thin adapter,
//! over a [`Corpus`]; it never reads storage.

use std::collections::{BTreeMap, HashMap};

use axial_core::{CodeId, SourceId, Span, UserId};
use serde::Serialize;

use crate::corpus::{complement_ranges, intersect_ranges, merge_ranges, Corpus};
use crate::AnalysisError;

/// One coder's application of one code to a span.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CodedSegment {
    pub coder: UserId,
    pub code: CodeId,
    pub span: Span,
}

/// One text as compared: its length, every coder's segments, and optionally
/// the parts each coder looked at (a coder absent from `coverage` covered all
/// of it).
#[derive(Debug, Clone, Default)]
pub struct ComparedText {
    pub source: Option<SourceId>,
    pub len: u32,
    pub segments: Vec<CodedSegment>,
    pub coverage: HashMap<UserId, Vec<Span>>,
}

/// A code taking part in a comparison, with the name used in combination
/// labels and tables.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ComparedCode {
    pub id: CodeId,
    pub name: String,
}

/// What to compare.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementParams {
    /// At least two coders; pairs follow this order.
    pub coders: Vec<UserId>,
    /// The codes compared; segments of other codes are ignored.
    pub codes: Vec<ComparedCode>,
    /// Minimum overlap rates X (in percent, 0..=100) for MAXQDA's segment
    /// agreement; a segment agrees when `100·|∩| ≥ X·|∪|` and `|∩| > 0`.
    pub overlap_thresholds: Vec<u32>,
}

/// Character counts for two coders and one code, over characters both cover.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct PairCounts {
    pub units: u64,
    pub both: u64,
    pub first_only: u64,
    pub second_only: u64,
    pub neither: u64,
}

/// Two coders' agreement on one code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairAgreement {
    pub first: UserId,
    pub second: UserId,
    pub counts: PairCounts,
    /// `100·(both + neither)/units` (NVivo "Agreement").
    pub percent_agreement: Option<f64>,
    pub percent_both: Option<f64>,
    pub percent_neither: Option<f64>,
    pub percent_disagreement: Option<f64>,
    /// Cohen's kappa; `None` when undefined (both coders constant and equal).
    pub cohen_kappa: Option<f64>,
    /// Cohen's kappa with NVivo's convention: 1 when the coders agree on
    /// every character, even when neither coded.
    pub nvivo_kappa: Option<f64>,
    /// Brennan & Prediger's κ_n with two categories: `2·P_o − 1`.
    pub brennan_prediger: Option<f64>,
}

impl PairAgreement {
    fn new(first: UserId, second: UserId, counts: PairCounts) -> PairAgreement {
        let n = counts.units as f64;
        let pct = |x: u64| (counts.units > 0).then(|| 100.0 * x as f64 / n);
        let agree = counts.both + counts.neither;
        let (cohen, nvivo, bp) = if counts.units == 0 {
            (None, None, None)
        } else {
            let a1 = (counts.both + counts.first_only) as f64;
            let b1 = (counts.both + counts.second_only) as f64;
            let ef1 = a1 * b1 / n;
            let ef2 = (n - a1) * (n - b1) / n;
            let chance = ef1 + ef2;
            let cohen = if (n - chance).abs() < 1e-12 * n.max(1.0) {
                None
            } else {
                Some((agree as f64 - chance) / (n - chance))
            };
            let nvivo = if agree == counts.units {
                Some(1.0)
            } else {
                cohen
            };
            (cohen, nvivo, Some(2.0 * agree as f64 / n - 1.0))
        };
        PairAgreement {
            first,
            second,
            counts,
            percent_agreement: pct(agree),
            percent_both: pct(counts.both),
            percent_neither: pct(counts.neither),
            percent_disagreement: pct(counts.first_only + counts.second_only),
            cohen_kappa: cohen,
            nvivo_kappa: nvivo,
            brennan_prediger: bp,
        }
    }
}

/// Agreement on one code in one text (or pooled over texts).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeAgreement {
    pub code: CodeId,
    pub name: String,
    /// One entry per pair of coders, in the order of [`AgreementParams::coders`].
    pub pairs: Vec<PairAgreement>,
    /// Mean of the pairwise percentages (Holsti style).
    pub mean_pairwise_percent: Option<f64>,
    /// Characters every coder covered.
    pub all_coders_units: u64,
    /// Share of those where every coder agreed.
    pub unanimous_percent: Option<f64>,
    /// Fleiss' kappa over characters every coder covered.
    pub fleiss_kappa: Option<f64>,
    /// Randolph's free-marginal multi-rater kappa (Brennan & Prediger, q = 2).
    pub randolph_kappa: Option<f64>,
    /// Krippendorff's nominal alpha over this code's binary values.
    pub krippendorff_alpha: Option<f64>,
    /// Krippendorff's unitizing alpha α_U; `None` for a pooled table, when a
    /// coder covers only part of the text, or when no coder used the code.
    pub alpha_u: Option<f64>,
}

/// Whole-text summaries over all compared codes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextSummary {
    /// Nominal alpha over each character's set of codes (`"a+b"` labels).
    pub combination_alpha: Option<f64>,
    /// The labels that occur, sorted.
    pub combination_domain: Vec<String>,
    /// Nominal alpha over all (character, code) binary values.
    pub pooled_alpha: Option<f64>,
    /// α_U over the codes that occur: `1 − mean D_o / mean D_e`.
    pub alpha_u: Option<f64>,
}

/// One stretch of text where the coders covering it did not all agree on a code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Disagreement {
    pub source: Option<SourceId>,
    pub code: CodeId,
    pub span: Span,
    pub coded_by: Vec<UserId>,
    pub not_coded_by: Vec<UserId>,
}

/// Agreement within one text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextAgreement {
    pub source: Option<SourceId>,
    pub len: u32,
    pub codes: Vec<CodeAgreement>,
    pub summary: TextSummary,
    pub disagreements: Vec<Disagreement>,
}

/// One code's MAXQDA segment table row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentRow {
    pub code: CodeId,
    pub name: String,
    pub agreements: u64,
    pub disagreements: u64,
    pub percentage: Option<f64>,
    pub first_unmatched: u64,
    pub second_unmatched: u64,
}

/// MAXQDA's segment agreement at one minimum overlap rate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SegmentAgreement {
    pub threshold_percent: u32,
    /// Codes used by at least one coder.
    pub rows: Vec<SegmentRow>,
    /// Matched segments of both coders (`a`).
    pub agreements: u64,
    pub first_unmatched: u64,
    pub second_unmatched: u64,
    /// `a/(a+b+c)`.
    pub observed: Option<f64>,
    /// `1/k`, k = number of rows.
    pub chance: Option<f64>,
    /// Brennan & Prediger's `(P_o − P_c)/(1 − P_c)`.
    pub kappa: Option<f64>,
}

/// MAXQDA's "code existence in the document".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExistenceAgreement {
    /// (document, code) rows over all documents and compared codes.
    pub rows_all: u64,
    pub agree_all: u64,
    pub percent_all: Option<f64>,
    /// Rows where at least one coder used the code.
    pub rows_used: u64,
    pub agree_used: u64,
    pub percent_used: Option<f64>,
    /// Cohen's kappa over all rows (used = 1, not used = 0).
    pub cohen_kappa: Option<f64>,
    /// Codes used by at least one coder somewhere.
    pub codes_used: u64,
    /// `(P_used − 1/k)/(1 − 1/k)` with k = `codes_used`.
    pub kappa_n: Option<f64>,
}

/// NVivo-style summary of one pair on one code across texts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PairSummary {
    pub first: UserId,
    pub second: UserId,
    /// Mean of the per-text NVivo kappas (texts where it is defined).
    pub kappa_unweighted: Option<f64>,
    /// Mean weighted by text length in characters.
    pub kappa_weighted: Option<f64>,
    /// All characters of all texts in one table.
    pub pooled: PairAgreement,
}

/// Per-code summary across all texts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CodeSummary {
    pub code: CodeId,
    pub name: String,
    pub pairs: Vec<PairSummary>,
    /// Every statistic over the pooled characters of all texts.
    pub pooled: CodeAgreement,
}

/// The whole comparison: parameters, one table per text, one per code.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AgreementReport {
    pub params: AgreementParams,
    pub texts: Vec<TextAgreement>,
    pub codes: Vec<CodeSummary>,
    pub segments: Vec<SegmentAgreement>,
    pub existence: Option<ExistenceAgreement>,
}

type Ranges = Vec<(u32, u32)>;
type SizedKappa = (u32, Option<f64>);

/// Counts accumulated for one code over texts.
#[derive(Debug, Clone, Default)]
struct CodeTally {
    pairs: Vec<PairCounts>,
    coincidence: Coincidence,
    all_units: u64,
    unanimous: u64,
    /// Σ over fully covered units of coders coding (for Fleiss' p_1).
    fleiss_coded: u64,
    /// Σ P_i over fully covered units (unnormalised).
    fleiss_p: f64,
}

/// Compares coders over plain texts.
pub fn compare(
    params: &AgreementParams,
    texts: &[ComparedText],
) -> Result<AgreementReport, AnalysisError> {
    let m = params.coders.len();
    if m < 2 {
        return Err(AnalysisError::Parameter {
            parameter: "coders",
            value: m.to_string(),
            expected: "name at least two coders to compare",
        });
    }
    for &x in &params.overlap_thresholds {
        if x > 100 {
            return Err(AnalysisError::Parameter {
                parameter: "overlap threshold",
                value: format!("{x}%"),
                expected: "give a percentage from 0 to 100",
            });
        }
    }
    let coder_ix: HashMap<UserId, usize> = params
        .coders
        .iter()
        .enumerate()
        .map(|(i, u)| (*u, i))
        .collect();
    let code_ix: HashMap<CodeId, usize> = params
        .codes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id, i))
        .collect();
    let k = params.codes.len();
    let pair_list: Vec<(usize, usize)> = (0..m)
        .flat_map(|a| (a + 1..m).map(move |b| (a, b)))
        .collect();

    let mut tallies: Vec<CodeTally> = vec![
        CodeTally {
            pairs: vec![PairCounts::default(); pair_list.len()],
            ..Default::default()
        };
        k
    ];
    // Per code and pair: (text length, NVivo kappa) of every text.
    let mut per_text_pairs: Vec<Vec<Vec<SizedKappa>>> = vec![vec![Vec::new(); pair_list.len()]; k];
    let mut out_texts = Vec::with_capacity(texts.len());
    let mut seg_tables: Vec<Vec<(u64, u64, u64)>> =
        vec![vec![(0, 0, 0); k]; params.overlap_thresholds.len()];
    let mut existence_rows: Vec<(bool, bool, usize)> = Vec::new();

    for (t_ix, text) in texts.iter().enumerate() {
        // Normalised ranges per code and coder.
        let mut coded: Vec<Vec<Ranges>> = vec![vec![Vec::new(); m]; k];
        for (s_ix, s) in text.segments.iter().enumerate() {
            if s.span.end().0 > text.len {
                return Err(AnalysisError::Input {
                    field: format!("text {t_ix}, segment {s_ix}"),
                    message: format!(
                        "span {} runs past the end of the text ({} characters)",
                        s.span, text.len
                    ),
                });
            }
            let (Some(&ci), Some(&ki)) = (coder_ix.get(&s.coder), code_ix.get(&s.code)) else {
                continue;
            };
            coded[ki][ci].push((s.span.start().0, s.span.end().0));
        }
        for code in coded.iter_mut() {
            for r in code.iter_mut() {
                *r = merge_ranges(std::mem::take(r));
            }
        }
        let coverage: Vec<Ranges> = params
            .coders
            .iter()
            .map(|u| match text.coverage.get(u) {
                Some(spans) => merge_ranges(
                    spans
                        .iter()
                        .map(|s| (s.start().0.min(text.len), s.end().0.min(text.len)))
                        .collect(),
                ),
                None => vec![(0, text.len)]
                    .into_iter()
                    .filter(|(a, b)| a < b)
                    .collect(),
            })
            .collect();
        let full_coverage = coverage
            .iter()
            .all(|c| c.len() == 1 && c[0] == (0, text.len))
            || text.len == 0;

        let mut codes_out = Vec::with_capacity(k);
        let mut disagreements = Vec::new();
        let mut pooled_binary = Coincidence::default();
        let mut unitizing: Vec<(f64, f64, bool)> = Vec::new();
        for (ki, code) in params.codes.iter().enumerate() {
            let mut tally = CodeTally {
                pairs: vec![PairCounts::default(); pair_list.len()],
                ..Default::default()
            };
            // Each coder's partition of their coverage into coded (1) and not coded (0).
            let partitions: Vec<Vec<(u32, u32, usize)>> = (0..m)
                .map(|ci| {
                    let yes = intersect_ranges(&coded[ki][ci], &coverage[ci]);
                    let no = intersect_ranges(
                        &complement_ranges(&coded[ki][ci], text.len),
                        &coverage[ci],
                    );
                    let mut p: Vec<(u32, u32, usize)> = yes
                        .into_iter()
                        .map(|(a, b)| (a, b, 1))
                        .chain(no.into_iter().map(|(a, b)| (a, b, 0)))
                        .collect();
                    p.sort_unstable();
                    p
                })
                .collect();
            let mut current: Option<(u32, u32, Vec<UserId>, Vec<UserId>)> = None;
            for_each_run(text.len, &partitions, |start, end, values| {
                let len = u64::from(end - start);
                tally.add(&pair_list, values, len);
                // Disagreements: covering coders not unanimous.
                let present: Vec<(usize, usize)> = values
                    .iter()
                    .enumerate()
                    .filter_map(|(c, v)| v.map(|v| (c, v)))
                    .collect();
                let ones = present.iter().filter(|(_, v)| *v == 1).count();
                let split = present.len() >= 2 && ones > 0 && ones < present.len();
                if split {
                    let by: Vec<UserId> = present
                        .iter()
                        .filter(|(_, v)| *v == 1)
                        .map(|(c, _)| params.coders[*c])
                        .collect();
                    let not: Vec<UserId> = present
                        .iter()
                        .filter(|(_, v)| *v == 0)
                        .map(|(c, _)| params.coders[*c])
                        .collect();
                    match &mut current {
                        Some((_, e, b, n)) if *e == start && *b == by && *n == not => *e = end,
                        _ => {
                            if let Some(d) = current.take() {
                                disagreements.push(d);
                            }
                            current = Some((start, end, by, not));
                        }
                    }
                } else if let Some(d) = current.take() {
                    disagreements.push(d);
                }
            });
            if let Some(d) = current.take() {
                disagreements.push(d);
            }
            let disagreements_for_code: Vec<Disagreement> = disagreements
                .drain(..)
                .filter_map(|(s, e, by, not)| {
                    Span::unbounded(s, e).ok().map(|span| Disagreement {
                        source: text.source,
                        code: code.id,
                        span,
                        coded_by: by,
                        not_coded_by: not,
                    })
                })
                .collect();
            pooled_binary.merge(&tally.coincidence);
            let (alpha_u, du) = if full_coverage && text.len > 0 {
                let units: Vec<Ranges> = (0..m).map(|ci| coded[ki][ci].clone()).collect();
                let (d_o, d_e, any_units) = unitizing_disagreement(&units, text.len);
                if any_units {
                    let a = if d_o == d_e { 0.0 } else { 1.0 - d_o / d_e };
                    (
                        Some(a),
                        Some((d_o, d_e, units.iter().flatten().any(|(a, b)| b > a))),
                    )
                } else {
                    (None, None)
                }
            } else {
                (None, None)
            };
            if let Some(x) = du {
                unitizing.push(x);
            }
            let agreement = tally.finish(code, &params.coders, &pair_list, m, alpha_u);
            for (p, pa) in agreement.pairs.iter().enumerate() {
                per_text_pairs[ki][p].push((text.len, pa.nvivo_kappa));
            }
            tallies[ki].absorb(&tally);
            codes_out.push((agreement, disagreements_for_code));

            // MAXQDA segment level (first two coders).
            for (ti, &x) in params.overlap_thresholds.iter().enumerate() {
                let (a, b, c) = segment_matches(&coded[ki][0], &coded[ki][1], x);
                let row = &mut seg_tables[ti][ki];
                row.0 += a;
                row.1 += b;
                row.2 += c;
            }
            existence_rows.push((!coded[ki][0].is_empty(), !coded[ki][1].is_empty(), ki));
        }

        // Whole-text summaries.
        let (combination_alpha, combination_domain) =
            combination_alpha(text.len, &params.codes, &coded, &coverage);
        let alpha_u = if full_coverage && !unitizing.is_empty() {
            let n = unitizing.len() as f64;
            let d_o = unitizing.iter().map(|x| x.0).sum::<f64>() / n;
            let d_e = unitizing.iter().map(|x| x.1).sum::<f64>() / n;
            Some(if d_o == 0.0 && d_e == 0.0 {
                if unitizing.iter().any(|x| x.2) {
                    1.0
                } else {
                    0.0
                }
            } else if d_o == d_e {
                0.0
            } else {
                1.0 - d_o / d_e
            })
        } else {
            None
        };
        let mut codes = Vec::with_capacity(k);
        let mut all_disagreements = Vec::new();
        for (a, d) in codes_out {
            codes.push(a);
            all_disagreements.extend(d);
        }
        all_disagreements.sort_by_key(|d| (d.span.start(), d.span.end()));
        out_texts.push(TextAgreement {
            source: text.source,
            len: text.len,
            codes,
            summary: TextSummary {
                combination_alpha,
                combination_domain,
                pooled_alpha: pooled_binary.alpha(),
                alpha_u,
            },
            disagreements: all_disagreements,
        });
    }

    // Per-code summaries across texts.
    let code_summaries = params
        .codes
        .iter()
        .enumerate()
        .map(|(ki, code)| {
            let pooled = tallies[ki].finish(code, &params.coders, &pair_list, m, None);
            let pairs = pair_list
                .iter()
                .enumerate()
                .map(|(p, &(a, b))| {
                    let defined: Vec<(u32, f64)> = per_text_pairs[ki][p]
                        .iter()
                        .filter_map(|(len, k)| k.map(|k| (*len, k)))
                        .collect();
                    let unweighted = (!defined.is_empty())
                        .then(|| defined.iter().map(|x| x.1).sum::<f64>() / defined.len() as f64);
                    let total: f64 = defined.iter().map(|x| f64::from(x.0)).sum();
                    let weighted = (total > 0.0)
                        .then(|| defined.iter().map(|x| x.1 * f64::from(x.0)).sum::<f64>() / total);
                    PairSummary {
                        first: params.coders[a],
                        second: params.coders[b],
                        kappa_unweighted: unweighted,
                        kappa_weighted: weighted,
                        pooled: pooled.pairs[p].clone(),
                    }
                })
                .collect();
            CodeSummary {
                code: code.id,
                name: code.name.clone(),
                pairs,
                pooled,
            }
        })
        .collect();

    let segments = params
        .overlap_thresholds
        .iter()
        .zip(seg_tables)
        .map(|(&x, table)| segment_summary(x, &params.codes, &table))
        .collect();
    let existence = Some(existence_summary(&existence_rows, k));

    Ok(AgreementReport {
        params: params.clone(),
        texts: out_texts,
        codes: code_summaries,
        segments,
        existence,
    })
}

/// Which source parts each coder looked at, when not all of every source.
pub type CoverageMap = HashMap<SourceId, HashMap<UserId, Vec<Span>>>;

/// Compares coders over every source of a corpus that holds a coding of a
/// compared coder and code, or that has coverage recorded.
pub fn compare_corpus(
    corpus: &Corpus<'_>,
    coders: &[UserId],
    codes: &[CodeId],
    overlap_thresholds: &[u32],
    coverage: &CoverageMap,
) -> Result<AgreementReport, AnalysisError> {
    let mut compared = Vec::with_capacity(codes.len());
    for &c in codes {
        let code = corpus
            .codes
            .get(c)
            .ok_or(AnalysisError::UnknownCode { code: c })?;
        compared.push(ComparedCode {
            id: c,
            name: code.name.clone(),
        });
    }
    let params = AgreementParams {
        coders: coders.to_vec(),
        codes: compared,
        overlap_thresholds: overlap_thresholds.to_vec(),
    };
    let texts: Vec<ComparedText> = corpus
        .sources
        .iter()
        .map(|s| ComparedText {
            source: Some(s.id()),
            len: s.source.char_len,
            segments: s
                .codings
                .iter()
                .filter(|c| coders.contains(&c.coder) && codes.contains(&c.code))
                .map(|c| CodedSegment {
                    coder: c.coder,
                    code: c.code,
                    span: c.span,
                })
                .collect(),
            coverage: coverage.get(&s.id()).cloned().unwrap_or_default(),
        })
        .collect();
    compare(&params, &texts)
}

impl CodeTally {
    fn add(&mut self, pairs: &[(usize, usize)], values: &[Option<usize>], len: u64) {
        for (p, &(a, b)) in pairs.iter().enumerate() {
            if let (Some(x), Some(y)) = (values[a], values[b]) {
                let c = &mut self.pairs[p];
                c.units += len;
                match (x, y) {
                    (1, 1) => c.both += len,
                    (1, _) => c.first_only += len,
                    (_, 1) => c.second_only += len,
                    _ => c.neither += len,
                }
            }
        }
        let present: Vec<usize> = values.iter().flatten().copied().collect();
        self.coincidence.add_unit(&present, len as f64);
        if present.len() == values.len() {
            let m = values.len() as u64;
            let ones = present.iter().filter(|&&v| v == 1).count() as u64;
            self.all_units += len;
            if ones == 0 || ones == m {
                self.unanimous += len;
            }
            self.fleiss_coded += ones * len;
            let zeros = m - ones;
            let p_i = (ones * ones + zeros * zeros - m) as f64 / (m * (m - 1)) as f64;
            self.fleiss_p += p_i * len as f64;
        }
    }

    fn absorb(&mut self, other: &CodeTally) {
        for (a, b) in self.pairs.iter_mut().zip(&other.pairs) {
            a.units += b.units;
            a.both += b.both;
            a.first_only += b.first_only;
            a.second_only += b.second_only;
            a.neither += b.neither;
        }
        self.coincidence.merge(&other.coincidence);
        self.all_units += other.all_units;
        self.unanimous += other.unanimous;
        self.fleiss_coded += other.fleiss_coded;
        self.fleiss_p += other.fleiss_p;
    }

    fn finish(
        &self,
        code: &ComparedCode,
        coders: &[UserId],
        pair_list: &[(usize, usize)],
        m: usize,
        alpha_u: Option<f64>,
    ) -> CodeAgreement {
        let pairs: Vec<PairAgreement> = pair_list
            .iter()
            .zip(&self.pairs)
            .map(|(&(a, b), c)| PairAgreement::new(coders[a], coders[b], *c))
            .collect();
        let defined: Vec<f64> = pairs.iter().filter_map(|p| p.percent_agreement).collect();
        let mean_pairwise_percent = (!defined.is_empty() && defined.len() == pairs.len())
            .then(|| defined.iter().sum::<f64>() / defined.len() as f64);
        let (unanimous_percent, fleiss, randolph) = if self.all_units == 0 {
            (None, None, None)
        } else {
            let n = self.all_units as f64;
            let p_bar = self.fleiss_p / n;
            let p1 = self.fleiss_coded as f64 / (n * m as f64);
            let pe = p1 * p1 + (1.0 - p1) * (1.0 - p1);
            let fleiss = if (1.0 - pe).abs() < 1e-15 {
                None
            } else {
                Some((p_bar - pe) / (1.0 - pe))
            };
            (
                Some(100.0 * self.unanimous as f64 / n),
                fleiss,
                Some((p_bar - 0.5) / 0.5),
            )
        };
        CodeAgreement {
            code: code.id,
            name: code.name.clone(),
            pairs,
            mean_pairwise_percent,
            all_coders_units: self.all_units,
            unanimous_percent,
            fleiss_kappa: fleiss,
            randolph_kappa: randolph,
            krippendorff_alpha: self.coincidence.alpha(),
            alpha_u,
        }
    }
}

/// Walks the elementary runs of `[0, len)` on which every coder's value is
/// constant; each coder's partition lists disjoint `(start, end, value)`
/// triples sorted by start, and positions outside them are missing.
fn for_each_run(
    len: u32,
    partitions: &[Vec<(u32, u32, usize)>],
    mut f: impl FnMut(u32, u32, &[Option<usize>]),
) {
    let mut cuts: Vec<u32> = vec![0, len];
    for p in partitions {
        for &(a, b, _) in p {
            cuts.push(a);
            cuts.push(b);
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    let mut idx = vec![0usize; partitions.len()];
    let mut values = vec![None; partitions.len()];
    for w in cuts.windows(2) {
        let (s, e) = (w[0], w[1]);
        if s >= len {
            break;
        }
        for (c, p) in partitions.iter().enumerate() {
            while idx[c] < p.len() && p[idx[c]].1 <= s {
                idx[c] += 1;
            }
            values[c] = match p.get(idx[c]) {
                Some(&(a, _, v)) if a <= s => Some(v),
                _ => None,
            };
        }
        f(s, e, &values);
    }
}

/// A coincidence matrix for Krippendorff's nominal alpha.
#[derive(Debug, Clone, Default)]
struct Coincidence {
    o: BTreeMap<(usize, usize), f64>,
}

impl Coincidence {
    /// Adds a unit holding `values` (one per coder who gave one), `weight` times.
    fn add_unit(&mut self, values: &[usize], weight: f64) {
        let m_u = values.len();
        if m_u < 2 {
            return;
        }
        let mut counts: BTreeMap<usize, f64> = BTreeMap::new();
        for &v in values {
            *counts.entry(v).or_default() += 1.0;
        }
        let w = weight / (m_u - 1) as f64;
        for (&c, &nc) in &counts {
            for (&k, &nk) in &counts {
                let pairs = if c == k { nc * (nc - 1.0) } else { nc * nk };
                if pairs > 0.0 {
                    *self.o.entry((c, k)).or_default() += pairs * w;
                }
            }
        }
    }

    fn merge(&mut self, other: &Coincidence) {
        for (&key, &v) in &other.o {
            *self.o.entry(key).or_default() += v;
        }
    }

    fn alpha(&self) -> Option<f64> {
        let mut n_c: BTreeMap<usize, f64> = BTreeMap::new();
        let mut disagree = 0.0;
        for (&(c, k), &v) in &self.o {
            *n_c.entry(c).or_default() += v;
            if c != k {
                disagree += v;
            }
        }
        let n: f64 = n_c.values().sum();
        let sum_sq: f64 = n_c.values().map(|x| x * x).sum();
        let expected = n * n - sum_sq;
        if n_c.values().filter(|&&x| x > 0.0).count() < 2 || expected <= 0.0 {
            return None;
        }
        Some(1.0 - (n - 1.0) * disagree / expected)
    }
}

/// Nominal alpha over each character's combination of codes.
fn combination_alpha(
    len: u32,
    codes: &[ComparedCode],
    coded: &[Vec<Ranges>],
    coverage: &[Ranges],
) -> (Option<f64>, Vec<String>) {
    let m = coverage.len();
    let mut labels: HashMap<Vec<usize>, usize> = HashMap::new();
    let mut label_list: Vec<Vec<usize>> = Vec::new();
    let mut intern = |set: Vec<usize>| -> usize {
        *labels.entry(set.clone()).or_insert_with(|| {
            label_list.push(set);
            label_list.len() - 1
        })
    };
    let mut partitions = Vec::with_capacity(m);
    for (ci, cov) in coverage.iter().enumerate() {
        // Events of this coder's codes, cut to the coverage.
        let mut cuts: Vec<u32> = Vec::new();
        for &(a, b) in cov {
            cuts.push(a);
            cuts.push(b);
        }
        for code in coded {
            for &(a, b) in &code[ci] {
                cuts.push(a);
                cuts.push(b);
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        let mut ptr = vec![0usize; coded.len()];
        let mut part = Vec::new();
        let mut cov_ix = 0;
        for w in cuts.windows(2) {
            let (s, e) = (w[0], w[1]);
            while cov_ix < cov.len() && cov[cov_ix].1 <= s {
                cov_ix += 1;
            }
            if !matches!(cov.get(cov_ix), Some(&(a, _)) if a <= s) {
                continue;
            }
            let mut set = Vec::new();
            for (ki, code) in coded.iter().enumerate() {
                let r = &code[ci];
                while ptr[ki] < r.len() && r[ptr[ki]].1 <= s {
                    ptr[ki] += 1;
                }
                if matches!(r.get(ptr[ki]), Some(&(a, _)) if a <= s) {
                    set.push(ki);
                }
            }
            let id = intern(set);
            match part.last_mut() {
                Some((_, end, v)) if *end == s && *v == id => *end = e,
                _ => part.push((s, e, id)),
            }
        }
        partitions.push(part);
    }
    let mut co = Coincidence::default();
    let mut seen = vec![false; label_list.len()];
    for_each_run(len, &partitions, |s, e, values| {
        let present: Vec<usize> = values.iter().flatten().copied().collect();
        for &v in &present {
            seen[v] = true;
        }
        co.add_unit(&present, f64::from(e - s));
    });
    let label_name = |set: &Vec<usize>| {
        let mut names: Vec<&str> = set.iter().map(|&k| codes[k].name.as_str()).collect();
        names.sort_unstable();
        names.join("+")
    };
    let mut domain: Vec<String> = label_list
        .iter()
        .zip(&seen)
        .filter(|(_, s)| **s)
        .map(|(l, _)| label_name(l))
        .collect();
    domain.sort();
    domain.dedup();
    (co.alpha(), domain)
}

/// Observed and expected disagreement of α_U for one code over `[0, len)`:
/// `units[c]` is coder c's merged units. Returns `(D_o, D_e, any unit)`.
fn unitizing_disagreement(units: &[Ranges], len: u32) -> (f64, f64, bool) {
    let m = units.len() as f64;
    let l = f64::from(len);
    // Each coder's line as sections: (start, end, is_unit).
    let sections: Vec<Vec<(u32, u32, bool)>> = units
        .iter()
        .map(|u| {
            let mut s: Vec<(u32, u32, bool)> = u.iter().map(|&(a, b)| (a, b, true)).collect();
            s.extend(
                complement_ranges(u, len)
                    .into_iter()
                    .map(|(a, b)| (a, b, false)),
            );
            s.sort_unstable();
            s
        })
        .collect();
    let mut observed = 0.0;
    for i in 0..units.len() {
        for j in i + 1..units.len() {
            let (a, b) = (&sections[i], &sections[j]);
            let (mut x, mut y) = (0, 0);
            while x < a.len() && y < b.len() {
                let (s, t) = (a[x], b[y]);
                if s.0 < t.1 && t.0 < s.1 {
                    observed += delta_sq(s, t);
                }
                if s.1 <= t.1 {
                    x += 1;
                } else {
                    y += 1;
                }
            }
        }
    }
    let d_o = 2.0 * observed / (m * (m - 1.0) * l * l);

    let all_units: Vec<f64> = units
        .iter()
        .flatten()
        .map(|&(a, b)| f64::from(b - a))
        .collect();
    if all_units.is_empty() {
        return (d_o, 0.0, false);
    }
    let mut gaps: Vec<f64> = sections
        .iter()
        .flatten()
        .filter(|s| !s.2)
        .map(|s| f64::from(s.1 - s.0))
        .collect();
    gaps.sort_by(|a, b| b.total_cmp(a));
    let n_c = all_units.len() as f64;
    let mut numerator = 0.0;
    let mut sq = 0.0;
    for &u in &all_units {
        sq += u * (u - 1.0);
        let within = (n_c - 1.0) * (2.0 * u * u * u - 3.0 * u * u + u) / 3.0;
        let across: f64 = gaps
            .iter()
            .take_while(|&&g| g >= u)
            .map(|g| g - u + 1.0)
            .sum();
        numerator += within + u * u * across;
    }
    let denominator = m * l * (m * l - 1.0) - sq;
    let d_e = if denominator == 0.0 {
        0.0
    } else {
        (2.0 / l) * numerator / denominator
    };
    (d_o, d_e, true)
}

fn delta_sq(s: (u32, u32, bool), t: (u32, u32, bool)) -> f64 {
    let sq = |x: i64| (x * x) as f64;
    let (bs, es, bt, et) = (
        i64::from(s.0),
        i64::from(s.1),
        i64::from(t.0),
        i64::from(t.1),
    );
    match (s.2, t.2) {
        (true, true) => sq(bs - bt) + sq(es - et),
        (true, false) if bt <= bs && es <= et => sq(es - bs),
        (false, true) if bs <= bt && et <= es => sq(et - bt),
        _ => 0.0,
    }
}

/// MAXQDA segment matching for one code: `(a, b, c)` = matched segments of
/// both coders, unmatched of the first, unmatched of the second.
fn segment_matches(first: &[(u32, u32)], second: &[(u32, u32)], threshold: u32) -> (u64, u64, u64) {
    let agrees = |s: (u32, u32), t: (u32, u32)| {
        let inter = u64::from(s.1.min(t.1).saturating_sub(s.0.max(t.0)));
        let union = u64::from(s.1.max(t.1) - s.0.min(t.0));
        inter > 0 && 100 * inter >= u64::from(threshold) * union
    };
    let count = |mine: &[(u32, u32)], other: &[(u32, u32)]| -> u64 {
        let mut j = 0;
        let mut matched = 0;
        for &s in mine {
            while j < other.len() && other[j].1 <= s.0 {
                j += 1;
            }
            let mut q = j;
            let mut hit = false;
            while q < other.len() && other[q].0 < s.1 {
                if agrees(s, other[q]) {
                    hit = true;
                    break;
                }
                q += 1;
            }
            matched += u64::from(hit);
        }
        matched
    };
    let a1 = count(first, second);
    let a2 = count(second, first);
    (a1 + a2, first.len() as u64 - a1, second.len() as u64 - a2)
}

fn segment_summary(
    threshold: u32,
    codes: &[ComparedCode],
    table: &[(u64, u64, u64)],
) -> SegmentAgreement {
    let rows: Vec<SegmentRow> = codes
        .iter()
        .zip(table)
        .filter(|(_, &(a, b, c))| a + b + c > 0)
        .map(|(code, &(a, b, c))| SegmentRow {
            code: code.id,
            name: code.name.clone(),
            agreements: a,
            disagreements: b + c,
            percentage: Some(a as f64 / (a + b + c) as f64),
            first_unmatched: b,
            second_unmatched: c,
        })
        .collect();
    let a: u64 = rows.iter().map(|r| r.agreements).sum();
    let b: u64 = rows.iter().map(|r| r.first_unmatched).sum();
    let c: u64 = rows.iter().map(|r| r.second_unmatched).sum();
    let total = a + b + c;
    let observed = (total > 0).then(|| a as f64 / total as f64);
    let k = rows.len();
    let chance = (k > 0).then(|| 1.0 / k as f64);
    let kappa = match (observed, chance) {
        (Some(po), Some(pc)) if k > 1 => Some((po - pc) / (1.0 - pc)),
        _ => None,
    };
    SegmentAgreement {
        threshold_percent: threshold,
        rows,
        agreements: a,
        first_unmatched: b,
        second_unmatched: c,
        observed,
        chance,
        kappa,
    }
}

fn existence_summary(rows: &[(bool, bool, usize)], k: usize) -> ExistenceAgreement {
    let rows_all = rows.len() as u64;
    let agree_all = rows.iter().filter(|r| r.0 == r.1).count() as u64;
    let used: Vec<&(bool, bool, usize)> = rows.iter().filter(|r| r.0 || r.1).collect();
    let rows_used = used.len() as u64;
    let agree_used = used.iter().filter(|r| r.0 && r.1).count() as u64;
    let mut codes_used = vec![false; k];
    for r in &used {
        codes_used[r.2] = true;
    }
    let codes_used = codes_used.iter().filter(|&&u| u).count() as u64;
    let counts = PairCounts {
        units: rows_all,
        both: rows.iter().filter(|r| r.0 && r.1).count() as u64,
        first_only: rows.iter().filter(|r| r.0 && !r.1).count() as u64,
        second_only: rows.iter().filter(|r| !r.0 && r.1).count() as u64,
        neither: rows.iter().filter(|r| !r.0 && !r.1).count() as u64,
    };
    let cohen = PairAgreement::new(
        UserId::from_uuid(Default::default()),
        UserId::from_uuid(Default::default()),
        counts,
    )
    .cohen_kappa;
    let percent_used = (rows_used > 0).then(|| 100.0 * agree_used as f64 / rows_used as f64);
    let kappa_n = match percent_used {
        Some(p) if codes_used > 1 => {
            let pc = 1.0 / codes_used as f64;
            Some((p / 100.0 - pc) / (1.0 - pc))
        }
        _ => None,
    };
    ExistenceAgreement {
        rows_all,
        agree_all,
        percent_all: (rows_all > 0).then(|| 100.0 * agree_all as f64 / rows_all as f64),
        rows_used,
        agree_used,
        percent_used,
        cohen_kappa: cohen,
        codes_used,
        kappa_n,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seg(coder: UserId, code: CodeId, a: u32, b: u32) -> CodedSegment {
        CodedSegment {
            coder,
            code,
            span: Span::unbounded(a, b).expect("non-empty test span"),
        }
    }

    fn check_disagreements(
        segments: Vec<CodedSegment>,
        coders: &[UserId],
        code: CodeId,
        expect: &[(u32, u32, usize)],
    ) {
        let params = AgreementParams {
            coders: coders.to_vec(),
            codes: vec![ComparedCode {
                id: code,
                name: "c".into(),
            }],
            overlap_thresholds: vec![],
        };
        let text = ComparedText {
            source: None,
            len: 20,
            segments,
            coverage: HashMap::new(),
        };
        let report = compare(&params, &[text]).expect("valid input");
        let got: Vec<(u32, u32, usize)> = report.texts[0]
            .disagreements
            .iter()
            .map(|d| (d.span.start().0, d.span.end().0, d.coded_by.len()))
            .collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn disagreements_side_by_side() {
        let (a, b, c) = (UserId::new(), UserId::new(), UserId::new());
        let k = CodeId::new();
        check_disagreements(
            vec![seg(a, k, 0, 10), seg(b, k, 5, 12)],
            &[a, b],
            k,
            &[(0, 5, 1), (10, 12, 1)],
        );
        check_disagreements(vec![seg(a, k, 0, 10), seg(b, k, 0, 10)], &[a, b], k, &[]);
        // Three coders: the run splits where the set of coders coding changes.
        check_disagreements(
            vec![seg(a, k, 0, 10), seg(b, k, 0, 6), seg(c, k, 4, 6)],
            &[a, b, c],
            k,
            &[(0, 4, 2), (6, 10, 1)],
        );
    }

    #[test]
    fn bad_parameters_are_errors() {
        let a = UserId::new();
        let params = AgreementParams {
            coders: vec![a],
            codes: vec![],
            overlap_thresholds: vec![],
        };
        assert!(matches!(
            compare(&params, &[]),
            Err(AnalysisError::Parameter {
                parameter: "coders",
                ..
            })
        ));
        let params = AgreementParams {
            coders: vec![a, UserId::new()],
            codes: vec![],
            overlap_thresholds: vec![101],
        };
        assert!(compare(&params, &[]).is_err());
        let k = CodeId::new();
        let params = AgreementParams {
            coders: vec![a, UserId::new()],
            codes: vec![ComparedCode {
                id: k,
                name: "k".into(),
            }],
            overlap_thresholds: vec![],
        };
        let text = ComparedText {
            source: None,
            len: 5,
            segments: vec![seg(a, k, 2, 9)],
            coverage: HashMap::new(),
        };
        let e = compare(&params, &[text]).expect_err("segment past the end");
        assert!(e.to_string().contains("text 0, segment 0"), "{e}");
    }

    #[test]
    fn corpus_adapter_compares_coders_per_source() {
        use crate::corpus::sample::Sample;
        let mut s = Sample::new();
        // A second coder repeats the first coding of source 0 exactly and misses the rest.
        let other = UserId::new();
        let mut copy = s.codings[0].clone();
        copy.id = axial_core::CodingId::new();
        copy.coder = other;
        s.codings.push(copy);
        let first = s.codings[0].coder;
        let corpus = s.corpus();
        let report = compare_corpus(
            &corpus,
            &[first, other],
            &[s.efficiency],
            &[90],
            &CoverageMap::new(),
        )
        .expect("known code");
        assert_eq!(report.texts.len(), 4);
        let t0 = &report.texts[0].codes[0].pairs[0];
        assert_eq!(
            (t0.counts.both, t0.counts.first_only, t0.counts.second_only),
            (14, 0, 0)
        );
        assert_eq!(t0.nvivo_kappa, Some(1.0));
        let t1 = &report.texts[1].codes[0].pairs[0];
        assert_eq!(t1.cohen_kappa, Some(0.0), "one coder coded nothing here");
        assert_eq!(report.segments[0].agreements, 2);
        assert!(compare_corpus(
            &corpus,
            &[first, other],
            &[CodeId::new()],
            &[],
            &CoverageMap::new()
        )
        .is_err());
    }
}
