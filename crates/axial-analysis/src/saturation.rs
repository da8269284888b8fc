//! Saturation, as defined in `shared/methods/ANALYTICS.md` §2–3: new and
//! cumulative codes per interview with the percentage of the final count,
//! Guest, Namey & Chen's (2020) base/run/threshold assessment with its full
//! run table, the order-free expected accumulation curve (exact sample-based
//! rarefaction, as vegan's `specaccum(method = "exact")`), Chao2 with sample
//! coverage and the expected new codes in one more interview, Lowe et al.'s
//! (2018) binomial model fitted by least squares, and Galvin's (2015)
//! interviews-needed table computed exactly.
//!
//! Input is the interviews in analysis order, each with the full set of codes
//! applied in it (an interview with no codes is allowed). Thresholds are
//! compared in exact integer arithmetic. Nothing here decides the order of
//! interviews or reads storage.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::fmt;

use axial_core::{CodeId, SourceId};
use num_bigint::BigUint;
use serde::Serialize;

use crate::{AnalysisError, Corpus};

/// One interview and every code applied in it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Interview {
    pub source: Option<SourceId>,
    pub label: String,
    pub codes: BTreeSet<CodeId>,
}

/// The interviews of a corpus in the order given, with the codes applied in
/// each (all coders), for the saturation functions.
pub fn interviews(
    corpus: &Corpus<'_>,
    order: &[SourceId],
) -> Result<Vec<Interview>, AnalysisError> {
    order
        .iter()
        .map(|&id| {
            let s = corpus.source(id).ok_or_else(|| AnalysisError::Input {
                field: "order".into(),
                message: format!("source {id} is not in the corpus"),
            })?;
            Ok(Interview {
                source: Some(id),
                label: s.source.name.clone(),
                codes: s.codings.iter().map(|c| c.code).collect(),
            })
        })
        .collect()
}

/// An exact proportion `num/den` in `[0, 1]`, such as a threshold of 5% or a
/// confidence of 0.95.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Proportion {
    pub num: u64,
    pub den: u64,
}

impl Proportion {
    pub fn new(num: u64, den: u64) -> Result<Proportion, AnalysisError> {
        if den == 0 || num > den {
            return Err(AnalysisError::Parameter {
                parameter: "proportion",
                value: format!("{num}/{den}"),
                expected: "give a proportion between 0 and 1",
            });
        }
        Ok(Proportion { num, den })
    }

    /// Parses a decimal such as `0.95` or `1` exactly, or a percentage such as `5%`.
    pub fn parse(s: &str) -> Result<Proportion, AnalysisError> {
        let bad = || AnalysisError::Parameter {
            parameter: "proportion",
            value: s.to_string(),
            expected: "write a decimal between 0 and 1 (like 0.95) or a percentage (like 5%)",
        };
        let t = s.trim();
        let (digits, scale) = match t.strip_suffix('%') {
            Some(p) => (p.trim(), 100u64),
            None => (t, 1u64),
        };
        let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if int.is_empty() && frac.is_empty()
            || !int.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
            || frac.len() > 12
            || int.len() > 6
        {
            return Err(bad());
        }
        let den = 10u64.pow(frac.len() as u32) * scale;
        let int_v: u64 = if int.is_empty() {
            0
        } else {
            int.parse().map_err(|_| bad())?
        };
        let frac_v: u64 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        let num = int_v * 10u64.pow(frac.len() as u32) + frac_v;
        Proportion::new(num, den).map_err(|_| bad())
    }

    pub fn value(&self) -> f64 {
        self.num as f64 / self.den as f64
    }
}

impl fmt::Display for Proportion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}%", 100.0 * self.value())
    }
}

/// One row of the accumulation table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AccumulationRow {
    pub interview: usize,
    pub label: String,
    pub codes: usize,
    pub new: usize,
    pub cumulative: usize,
    /// `100·cumulative/final`; `None` when no interview has a code.
    pub percent_of_final: Option<f64>,
    pub new_codes: Vec<CodeId>,
}

/// New and cumulative codes per interview, in order (§3.1).
pub fn accumulation(interviews: &[Interview]) -> Vec<AccumulationRow> {
    let mut seen = HashSet::new();
    let mut rows: Vec<AccumulationRow> = interviews
        .iter()
        .enumerate()
        .map(|(i, iv)| {
            let new_codes: Vec<CodeId> = iv
                .codes
                .iter()
                .copied()
                .filter(|c| seen.insert(*c))
                .collect();
            AccumulationRow {
                interview: i + 1,
                label: iv.label.clone(),
                codes: iv.codes.len(),
                new: new_codes.len(),
                cumulative: seen.len(),
                percent_of_final: None,
                new_codes,
            }
        })
        .collect();
    let total = seen.len();
    if total > 0 {
        for r in &mut rows {
            r.percent_of_final = Some(100.0 * r.cumulative as f64 / total as f64);
        }
    }
    rows
}

/// Which count divides the new codes of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Denominator {
    /// The distinct codes of the base interviews (Axial's rule; §3.2).
    FixedBase,
    /// The distinct codes up to the interview before the run (a labelled variant).
    Cumulative,
}

/// Parameters of Guest, Namey & Chen (2020).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct GuestParams {
    pub base: usize,
    pub run: usize,
    pub threshold: Proportion,
    pub denominator: Denominator,
}

impl GuestParams {
    /// Francis et al. (2010): initial sample 10, stop after 3 interviews with no new codes.
    pub fn francis_10_plus_3() -> GuestParams {
        GuestParams {
            base: 10,
            run: 3,
            threshold: Proportion { num: 0, den: 1 },
            denominator: Denominator::FixedBase,
        }
    }
}

/// Why a Guest assessment could not be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotAssessable {
    /// Fewer interviews than base plus run: no full run exists.
    TooFewInterviews,
    /// The base interviews hold no codes, so the ratio has no denominator.
    NoCodesInBase,
}

/// One run of the Guest table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRow {
    /// 1-based first and last interview of the run.
    pub run_first: usize,
    pub run_last: usize,
    pub new_in_run: usize,
    pub denominator: usize,
    pub ratio: f64,
    pub saturated: bool,
}

/// The Guest, Namey & Chen (2020) assessment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GuestResult {
    pub params: GuestParams,
    pub not_assessable: Option<NotAssessable>,
    pub base_codes: usize,
    /// Saturation at interview `s`, confirmed by the run `s+1..=s+r`.
    pub saturation_point: Option<usize>,
    /// `s + r`.
    pub interviews_including_run: Option<usize>,
    pub runs: Vec<RunRow>,
    /// For example "saturation at 9+2 (base 4, run 2, ≤5%, fixed base denominator)".
    pub summary: String,
}

/// Guest, Namey & Chen (2020) with the rule of ANALYTICS.md §3.2.
pub fn guest_2020(interviews: &[Interview], params: GuestParams) -> GuestResult {
    let acc = accumulation(interviews);
    let GuestParams {
        base: b,
        run: r,
        threshold: t,
        denominator,
    } = params;
    let rule = format!(
        "base {b}, run {r}, ≤{}, {} denominator",
        t,
        match denominator {
            Denominator::FixedBase => "fixed base",
            Denominator::Cumulative => "cumulative",
        }
    );
    let n = interviews.len();
    let fail = |why: NotAssessable, base_codes: usize| GuestResult {
        params,
        not_assessable: Some(why),
        base_codes,
        saturation_point: None,
        interviews_including_run: None,
        runs: Vec::new(),
        summary: match why {
            NotAssessable::TooFewInterviews => {
                format!("not assessable: too few interviews for one full run ({rule})")
            }
            NotAssessable::NoCodesInBase => {
                format!("not assessable: no codes in the base ({rule})")
            }
        },
    };
    if r == 0 || n < b + r {
        return fail(NotAssessable::TooFewInterviews, 0);
    }
    let base_codes = if b == 0 { 0 } else { acc[b - 1].cumulative };
    if base_codes == 0 {
        return fail(NotAssessable::NoCodesInBase, 0);
    }
    let mut runs = Vec::new();
    let mut point = None;
    for s in b..=n - r {
        let new_in_run: usize = acc[s..s + r].iter().map(|x| x.new).sum();
        let den = match denominator {
            Denominator::FixedBase => base_codes,
            Denominator::Cumulative => acc[s - 1].cumulative,
        };
        // new/den ≤ num/tden  ⇔  new·tden ≤ num·den, in integers.
        let saturated = (new_in_run as u128) * u128::from(t.den) <= u128::from(t.num) * den as u128;
        if saturated && point.is_none() {
            point = Some(s);
        }
        runs.push(RunRow {
            run_first: s + 1,
            run_last: s + r,
            new_in_run,
            denominator: den,
            ratio: new_in_run as f64 / den as f64,
            saturated,
        });
    }
    let summary = match point {
        Some(s) => format!("saturation at {s}+{r} ({rule})"),
        None => format!("no saturation within {n} interviews ({rule})"),
    };
    GuestResult {
        params,
        not_assessable: None,
        base_codes,
        saturation_point: point,
        interviews_including_run: point.map(|s| s + r),
        runs,
        summary,
    }
}

/// Incidence counts: `m`, `S_obs`, `Q_j` and `U`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incidence {
    pub interviews: usize,
    pub s_obs: usize,
    /// `q[j]` = codes occurring in exactly `j` interviews (index 0 unused).
    pub q: Vec<usize>,
    pub incidences: usize,
}

pub fn incidence(interviews: &[Interview]) -> Incidence {
    let mut counts: HashMap<CodeId, usize> = HashMap::new();
    for iv in interviews {
        for c in &iv.codes {
            *counts.entry(*c).or_default() += 1;
        }
    }
    let m = interviews.len();
    let mut q = vec![0usize; m + 1];
    for &v in counts.values() {
        q[v] += 1;
    }
    Incidence {
        interviews: m,
        s_obs: counts.len(),
        q,
        incidences: counts.values().sum(),
    }
}

/// The expected number of distinct codes in `h` interviews drawn from the
/// `m` (all subsets equally likely), for h = 1..=m (§3.3, Mao tau).
pub fn expected_accumulation(interviews: &[Interview]) -> Vec<f64> {
    let inc = incidence(interviews);
    let m = inc.interviews;
    (1..=m)
        .map(|h| {
            let mut tau = inc.s_obs as f64;
            for (j, &qj) in inc.q.iter().enumerate().skip(1) {
                if qj == 0 || j > m - h {
                    continue;
                }
                // C(m-h, j)/C(m, j) = Π_{i<j} (m-h-i)/(m-i)
                let mut coef = 1.0;
                for i in 0..j {
                    coef *= (m - h - i) as f64 / (m - i) as f64;
                }
                tau -= coef * qj as f64;
            }
            tau
        })
        .collect()
}

/// Chao2 richness and related estimates (§3.4).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chao2 {
    pub interviews: usize,
    pub s_obs: usize,
    pub q1: usize,
    pub q2: usize,
    pub incidences: usize,
    /// Estimated codes not yet seen; `None` without interviews.
    pub f0: Option<f64>,
    pub chao2: Option<f64>,
    pub chao2_bias_corrected: Option<f64>,
    /// `S_obs / Chao2`; `None` when both are 0.
    pub saturation: Option<f64>,
    /// Sample coverage Ĉ (Chao & Jost 2012).
    pub coverage: Option<f64>,
    /// Expected new codes in one more interview.
    pub expected_new_next: Option<f64>,
}

pub fn chao2(interviews: &[Interview]) -> Chao2 {
    let inc = incidence(interviews);
    let m = inc.interviews;
    let q1 = inc.q.get(1).copied().unwrap_or(0);
    let q2 = inc.q.get(2).copied().unwrap_or(0);
    let mut out = Chao2 {
        interviews: m,
        s_obs: inc.s_obs,
        q1,
        q2,
        incidences: inc.incidences,
        f0: None,
        chao2: None,
        chao2_bias_corrected: None,
        saturation: None,
        coverage: None,
        expected_new_next: None,
    };
    if m == 0 {
        return out;
    }
    let (mf, q1f, q2f, u) = (m as f64, q1 as f64, q2 as f64, inc.incidences as f64);
    let k = (mf - 1.0) / mf;
    let f0 = if q2 > 0 {
        k * q1f * q1f / (2.0 * q2f)
    } else {
        k * q1f * (q1f - 1.0) / 2.0
    };
    let s = inc.s_obs as f64;
    let ch = s + f0;
    out.f0 = Some(f0);
    out.chao2 = Some(ch);
    out.chao2_bias_corrected = Some(s + k * q1f * (q1f - 1.0) / (2.0 * (q2f + 1.0)));
    out.saturation = (ch > 0.0).then(|| s / ch);
    out.coverage = Some(if q1 == 0 {
        1.0
    } else if q2 > 0 {
        1.0 - (q1f / u) * ((mf - 1.0) * q1f / ((mf - 1.0) * q1f + 2.0 * q2f))
    } else {
        1.0 - (q1f / u) * ((mf - 1.0) * (q1f - 1.0) / ((mf - 1.0) * (q1f - 1.0) + 2.0))
    });
    out.expected_new_next = Some(if f0 == 0.0 {
        0.0
    } else {
        f0 * q1f / (mf * f0 + q1f)
    });
    out
}

/// Lowe et al. (2018): `E[S(n)] = T·(1 − (1−p)^n)`, fitted by least squares
/// to the expected accumulation curve (§3.5; the fitting is Axial's choice).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LoweFit {
    pub t_hat: f64,
    pub p_hat: f64,
    pub sse: f64,
    pub model_saturation_at_m: f64,
    pub s_obs_over_t_hat: f64,
    pub n_for_saturation_0_90: f64,
    pub n_for_saturation_0_90_ceil: u64,
    pub n_for_saturation_0_95: f64,
    pub n_for_saturation_0_95_ceil: u64,
}

/// The fit, or `None` with fewer than two interviews, no codes, or when the
/// best `p` lies at the edge of (0, 1) (every interview holds every code).
pub fn lowe_2018(interviews: &[Interview]) -> Option<LoweFit> {
    let tau = expected_accumulation(interviews);
    let m = tau.len();
    let s_obs = *tau.last()?;
    if m < 2 || s_obs <= 0.0 {
        return None;
    }
    let t_of = |p: f64| {
        let (mut num, mut den) = (0.0, 0.0);
        for (h, y) in tau.iter().enumerate() {
            let f = 1.0 - (1.0 - p).powi(h as i32 + 1);
            num += y * f;
            den += f * f;
        }
        num / den
    };
    let sse = |p: f64| {
        let t = t_of(p);
        tau.iter()
            .enumerate()
            .map(|(h, y)| (y - t * (1.0 - (1.0 - p).powi(h as i32 + 1))).powi(2))
            .sum::<f64>()
    };
    // Coarse scan, then golden-section refinement around the best cell.
    let (lo, hi) = (1e-9, 1.0 - 1e-9);
    let steps = 2000;
    let grid = |i: usize| lo + (hi - lo) * i as f64 / steps as f64;
    let best = (0..=steps).min_by(|&a, &b| sse(grid(a)).total_cmp(&sse(grid(b))))?;
    let (mut a, mut b) = (grid(best.saturating_sub(1)), grid((best + 1).min(steps)));
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut c, mut d) = (b - g * (b - a), a + g * (b - a));
    for _ in 0..200 {
        if (b - a).abs() < 1e-15 {
            break;
        }
        if sse(c) < sse(d) {
            b = d;
        } else {
            a = c;
        }
        c = b - g * (b - a);
        d = a + g * (b - a);
    }
    let p = (a + b) / 2.0;
    if !(1e-4..=1.0 - 1e-4).contains(&p) {
        return None;
    }
    let t = t_of(p);
    let n_for = |s: f64| (1.0 - s).ln() / (1.0 - p).ln();
    let n90 = n_for(0.90);
    let n95 = n_for(0.95);
    Some(LoweFit {
        t_hat: t,
        p_hat: p,
        sse: sse(p),
        model_saturation_at_m: 1.0 - (1.0 - p).powi(m as i32),
        s_obs_over_t_hat: s_obs / t,
        n_for_saturation_0_90: n90,
        n_for_saturation_0_90_ceil: n90.ceil() as u64,
        n_for_saturation_0_95: n95,
        n_for_saturation_0_95_ceil: n95.ceil() as u64,
    })
}

/// Galvin (2015): the least `n` with `1 − (1−p)^n ≥ C`, computed exactly.
/// `None` when no `n` reaches `C` (p = 0 with C > 0, or C = 1 with p < 1).
pub fn galvin_interviews_needed(p: Proportion, confidence: Proportion) -> Option<u64> {
    // (1-p)^n ≤ 1-C  ⇔  (den_p - num_p)^n · den_c ≤ (den_c - num_c) · den_p^n
    let q_num = BigUint::from(p.den - p.num);
    let q_den = BigUint::from(p.den);
    let rest_num = BigUint::from(confidence.den - confidence.num);
    if confidence.num == 0 {
        return Some(0);
    }
    if p.num == p.den {
        return Some(1);
    }
    if p.num == 0 || confidence.num == confidence.den {
        return None;
    }
    // Start near the floating-point answer and settle exactly.
    let guess = ((1.0 - confidence.value()).ln() / (1.0 - p.value()).ln()).floor();
    let mut n: u64 = if guess.is_finite() && guess > 1.0 {
        guess as u64 - 1
    } else {
        0
    };
    let reaches = |n: u64| {
        q_num.pow(n as u32) * BigUint::from(confidence.den)
            <= rest_num.clone() * q_den.pow(n as u32)
    };
    while n > 0 && reaches(n) {
        n -= 1;
    }
    while !reaches(n) {
        n += 1;
        if n > 1_000_000 {
            return None;
        }
    }
    Some(n)
}

/// One row of Galvin's table.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GalvinRow {
    pub p: Proportion,
    pub confidence: Proportion,
    pub interviews: Option<u64>,
}

/// Galvin's table for every pair of proportion and confidence.
pub fn galvin_table(ps: &[Proportion], confidences: &[Proportion]) -> Vec<GalvinRow> {
    ps.iter()
        .flat_map(|&p| {
            confidences.iter().map(move |&c| GalvinRow {
                p,
                confidence: c,
                interviews: galvin_interviews_needed(p, c),
            })
        })
        .collect()
}

/// Everything above for one ordered set of interviews.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SaturationReport {
    pub accumulation: Vec<AccumulationRow>,
    pub expected_accumulation: Vec<f64>,
    pub guest: Vec<GuestResult>,
    pub chao2: Chao2,
    pub lowe: Option<LoweFit>,
}

pub fn saturation_report(
    interviews: &[Interview],
    guest_params: &[GuestParams],
) -> SaturationReport {
    SaturationReport {
        accumulation: accumulation(interviews),
        expected_accumulation: expected_accumulation(interviews),
        guest: guest_params
            .iter()
            .map(|p| guest_2020(interviews, *p))
            .collect(),
        chao2: chao2(interviews),
        lowe: lowe_2018(interviews),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_parse(s: &str, expect: Option<(u64, u64)>) {
        let got = Proportion::parse(s).ok().map(|p| (p.num, p.den));
        assert_eq!(got, expect, "{s}");
    }

    #[test]
    fn proportions_parse_exactly() {
        check_parse("0.95", Some((95, 100)));
        check_parse("5%", Some((5, 100)));
        check_parse("0", Some((0, 1)));
        check_parse("1", Some((1, 1)));
        check_parse(".5", Some((5, 10)));
        check_parse("1.5", None);
        check_parse("abc", None);
        check_parse("-0.1", None);
        check_parse("", None);
    }

    #[test]
    fn galvin_edges() {
        let p = |s| Proportion::parse(s).expect("valid proportion in test");
        assert_eq!(galvin_interviews_needed(p("0.1"), p("0.95")), Some(29));
        assert_eq!(galvin_interviews_needed(p("0"), p("0.5")), None);
        assert_eq!(galvin_interviews_needed(p("1"), p("0.99")), Some(1));
        assert_eq!(galvin_interviews_needed(p("0.5"), p("0")), Some(0));
        assert_eq!(galvin_interviews_needed(p("0.5"), p("1")), None);
    }
}
