//! Checks the statistics against the reference values in `test_data/`,
//! produced by `test_data/make_fixtures.py` with scikit-learn, statsmodels,
//! the `krippendorff` package and R vegan. Values match to 1e-6 (1e-4 for the
//! Lowe fit); `null` in a fixture means "undefined" and must be `None` here.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;

use axial_analysis::agreement::{
    compare, AgreementParams, AgreementReport, CodedSegment, ComparedCode, ComparedText,
    PairAgreement,
};
use axial_analysis::saturation::{
    accumulation, chao2, expected_accumulation, galvin_interviews_needed, guest_2020, lowe_2018,
    Chao2, Denominator, GuestParams, Interview, Proportion,
};
use axial_core::{CodeId, Span, UserId};
use serde_json::Value;

fn load(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test_data")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("fixture {} is not JSON: {e}", path.display()))
}

fn user(name: &str) -> UserId {
    UserId::derived(uuid::Uuid::nil(), name)
}
fn code(name: &str) -> CodeId {
    CodeId::derived(uuid::Uuid::nil(), name)
}

/// Compares an optional value with a fixture number or null.
fn close(what: &str, got: Option<f64>, want: &Value, tol: f64) {
    match (got, want.as_f64()) {
        (None, None) if want.is_null() => {}
        (Some(g), Some(w)) => assert!((g - w).abs() <= tol, "{what}: got {g}, expected {w}"),
        _ => panic!("{what}: got {got:?}, expected {want}"),
    }
}

fn int(v: &Value, what: &str) -> u64 {
    v.as_u64()
        .unwrap_or_else(|| panic!("fixture field {what} is not a whole number: {v}"))
}

fn str_list(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn range(v: &Value) -> Span {
    let a = int(&v[0], "start") as u32;
    let b = int(&v[1], "end") as u32;
    Span::unbounded(a, b).expect("fixture spans are non-empty")
}

fn run_agreement(case: &Value) -> AgreementReport {
    let coders = str_list(&case["coders"]);
    let codes = str_list(&case["codes"]);
    let params = AgreementParams {
        coders: coders.iter().map(|c| user(c)).collect(),
        codes: codes
            .iter()
            .map(|c| ComparedCode {
                id: code(c),
                name: c.clone(),
            })
            .collect(),
        overlap_thresholds: vec![50, 90],
    };
    let texts: Vec<ComparedText> = case["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .map(|d| ComparedText {
            source: None,
            len: int(&d["len"], "len") as u32,
            segments: d["segments"]
                .as_array()
                .expect("segments")
                .iter()
                .map(|s| CodedSegment {
                    coder: user(s[0].as_str().expect("coder")),
                    code: code(s[1].as_str().expect("code")),
                    span: Span::unbounded(int(&s[2], "start") as u32, int(&s[3], "end") as u32)
                        .expect("fixture spans are non-empty"),
                })
                .collect(),
            coverage: d["coverage"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(k, v)| {
                            (
                                user(k),
                                v.as_array().expect("ranges").iter().map(range).collect(),
                            )
                        })
                        .collect::<HashMap<_, _>>()
                })
                .unwrap_or_default(),
        })
        .collect();
    compare(&params, &texts).expect("fixture input is valid")
}

fn check_pair(what: &str, got: &PairAgreement, want: &Value) {
    for (field, value) in [
        ("units", got.counts.units),
        ("both", got.counts.both),
        ("first_only", got.counts.first_only),
        ("second_only", got.counts.second_only),
        ("neither", got.counts.neither),
    ] {
        assert_eq!(value, int(&want[field], field), "{what}: {field}");
    }
    close(
        &format!("{what}: percent_agreement"),
        got.percent_agreement,
        &want["percent_agreement"],
        1e-6,
    );
    close(
        &format!("{what}: cohen_kappa"),
        got.cohen_kappa,
        &want["cohen_kappa"],
        1e-6,
    );
    close(
        &format!("{what}: nvivo_kappa"),
        got.nvivo_kappa,
        &want["nvivo_kappa"],
        1e-6,
    );
    close(
        &format!("{what}: brennan_prediger"),
        got.brennan_prediger,
        &want["brennan_prediger"],
        1e-6,
    );
}

#[test]
fn agreement_matches_reference_implementations() {
    let fixture = load("agreement.json");
    let cases = fixture["cases"].as_array().expect("cases");
    assert!(cases.len() >= 8, "the fixture lost cases");
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let report = run_agreement(case);
        let codes = str_list(&case["codes"]);
        let expected = &case["expected"];
        for (d, (got, want)) in report
            .texts
            .iter()
            .zip(expected["documents"].as_array().expect("docs"))
            .enumerate()
        {
            for (k, c) in codes.iter().enumerate() {
                let what = format!("{name}, document {d}, code {c}");
                let g = &got.codes[k];
                let w = &want["per_code"][c];
                for (p, wp) in w["pairs"].as_array().expect("pairs").iter().enumerate() {
                    check_pair(&format!("{what}, pair {p}"), &g.pairs[p], wp);
                }
                assert_eq!(
                    g.all_coders_units,
                    int(&w["all_coders_units"], "all_coders_units"),
                    "{what}"
                );
                close(
                    &format!("{what}: unanimous"),
                    g.unanimous_percent,
                    &w["unanimous_percent"],
                    1e-6,
                );
                close(
                    &format!("{what}: fleiss"),
                    g.fleiss_kappa,
                    &w["fleiss_kappa"],
                    1e-6,
                );
                close(
                    &format!("{what}: randolph"),
                    g.randolph_kappa,
                    &w["randolph_kappa"],
                    1e-6,
                );
                close(
                    &format!("{what}: alpha"),
                    g.krippendorff_alpha,
                    &w["krippendorff_alpha_nominal_char"],
                    1e-6,
                );
                close(&format!("{what}: alpha_u"), g.alpha_u, &w["alpha_u"], 1e-6);
            }
            let what = format!("{name}, document {d}");
            close(
                &format!("{what}: combination alpha"),
                got.summary.combination_alpha,
                &want["krippendorff_alpha_nominal_char"],
                1e-6,
            );
            assert_eq!(
                got.summary.combination_domain,
                str_list(&want["krippendorff_alpha_nominal_char_value_domain"]),
                "{what}: combination domain"
            );
            close(
                &format!("{what}: pooled alpha"),
                got.summary.pooled_alpha,
                &want["krippendorff_alpha_nominal_char_code_pooled"],
                1e-6,
            );
            close(
                &format!("{what}: overall alpha_u"),
                got.summary.alpha_u,
                &want["alpha_u"],
                1e-6,
            );
        }
        for (k, c) in codes.iter().enumerate() {
            let what = format!("{name}, summary of {c}");
            let g = &report.codes[k];
            let w = &expected["per_code_summary"][c];
            for (p, wp) in w["pairs"].as_array().expect("pairs").iter().enumerate() {
                close(
                    &format!("{what}, pair {p}: unweighted"),
                    g.pairs[p].kappa_unweighted,
                    &wp["kappa_unweighted"],
                    1e-6,
                );
                close(
                    &format!("{what}, pair {p}: weighted"),
                    g.pairs[p].kappa_weighted,
                    &wp["kappa_weighted"],
                    1e-6,
                );
                check_pair(
                    &format!("{what}, pair {p}, pooled"),
                    &g.pairs[p].pooled,
                    &wp["pooled_char"],
                );
            }
            close(
                &format!("{what}: pooled fleiss"),
                g.pooled.fleiss_kappa,
                &w["pooled"]["fleiss_kappa"],
                1e-6,
            );
            close(
                &format!("{what}: pooled alpha"),
                g.pooled.krippendorff_alpha,
                &w["pooled"]["krippendorff_alpha_nominal_char"],
                1e-6,
            );
        }
        for (got, want) in report
            .segments
            .iter()
            .zip(expected["maxqda_segments"].as_array().expect("maxqda"))
        {
            let what = format!("{name}, MAXQDA at {}%", got.threshold_percent);
            assert_eq!(
                u64::from(got.threshold_percent),
                int(&want["threshold_percent"], "threshold")
            );
            assert_eq!(got.agreements, int(&want["a"], "a"), "{what}: a");
            assert_eq!(got.first_unmatched, int(&want["b"], "b"), "{what}: b");
            assert_eq!(got.second_unmatched, int(&want["c"], "c"), "{what}: c");
            close(
                &format!("{what}: observed"),
                got.observed,
                &want["observed"],
                1e-6,
            );
            close(
                &format!("{what}: chance"),
                got.chance,
                &want["chance"],
                1e-6,
            );
            close(&format!("{what}: kappa"), got.kappa, &want["kappa"], 1e-6);
            let rows = want["rows"].as_array().expect("rows");
            assert_eq!(got.rows.len(), rows.len(), "{what}: rows");
            for (gr, wr) in got.rows.iter().zip(rows) {
                assert_eq!(gr.name, wr["code"].as_str().expect("code"), "{what}");
                assert_eq!(
                    gr.agreements,
                    int(&wr["agreements"], "agreements"),
                    "{what}: {}",
                    gr.name
                );
                assert_eq!(
                    gr.disagreements,
                    int(&wr["disagreements"], "disagreements"),
                    "{what}: {}",
                    gr.name
                );
                close(
                    &format!("{what}: {} percentage", gr.name),
                    gr.percentage,
                    &wr["percentage"],
                    1e-6,
                );
            }
        }
        let got = report
            .existence
            .as_ref()
            .expect("two coders give an existence table");
        let want = &expected["maxqda_code_existence"];
        let what = format!("{name}, code existence");
        for (field, value) in [
            ("rows_all", got.rows_all),
            ("agree_all", got.agree_all),
            ("rows_used", got.rows_used),
            ("agree_used", got.agree_used),
            ("codes_used", got.codes_used),
        ] {
            assert_eq!(value, int(&want[field], field), "{what}: {field}");
        }
        close(
            &format!("{what}: percent_all"),
            got.percent_all,
            &want["percent_all"],
            1e-6,
        );
        close(
            &format!("{what}: percent_used"),
            got.percent_used,
            &want["percent_used"],
            1e-6,
        );
        close(
            &format!("{what}: cohen"),
            got.cohen_kappa,
            &want["cohen_kappa"],
            1e-6,
        );
        close(
            &format!("{what}: kappa_n"),
            got.kappa_n,
            &want["kappa_n"],
            1e-6,
        );
    }
}

fn interviews_of(v: &Value) -> Vec<Interview> {
    v.as_array()
        .expect("interviews")
        .iter()
        .enumerate()
        .map(|(i, codes)| Interview {
            source: None,
            label: format!("interview {}", i + 1),
            codes: str_list(codes)
                .iter()
                .map(|c| code(c))
                .collect::<BTreeSet<_>>(),
        })
        .collect()
}

fn check_chao2(what: &str, got: &Chao2, want: &Value) {
    assert_eq!(got.interviews as u64, int(&want["m"], "m"), "{what}: m");
    assert_eq!(
        got.s_obs as u64,
        int(&want["s_obs"], "s_obs"),
        "{what}: s_obs"
    );
    assert_eq!(got.q1 as u64, int(&want["q1"], "q1"), "{what}: q1");
    assert_eq!(got.q2 as u64, int(&want["q2"], "q2"), "{what}: q2");
    assert_eq!(got.incidences as u64, int(&want["u"], "u"), "{what}: u");
    close(&format!("{what}: f0"), got.f0, &want["f0"], 1e-6);
    close(&format!("{what}: chao2"), got.chao2, &want["chao2"], 1e-6);
    close(
        &format!("{what}: bias corrected"),
        got.chao2_bias_corrected,
        &want["chao2_bias_corrected"],
        1e-6,
    );
    close(
        &format!("{what}: saturation"),
        got.saturation,
        &want["saturation"],
        1e-6,
    );
    close(
        &format!("{what}: coverage"),
        got.coverage,
        &want["coverage"],
        1e-6,
    );
    close(
        &format!("{what}: expected new"),
        got.expected_new_next,
        &want["expected_new_next"],
        1e-6,
    );
}

fn check_curve(what: &str, got: &[f64], want: &Value) {
    let want = want.as_array().expect("curve");
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (h, (g, w)) in got.iter().zip(want).enumerate() {
        close(&format!("{what}: tau({})", h + 1), Some(*g), w, 1e-6);
    }
}

#[test]
fn saturation_matches_reference_values() {
    let fixture = load("saturation.json");
    for case in fixture["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let ivs = interviews_of(&case["interviews"]);
        let want = &case["expected"];
        let acc = accumulation(&ivs);
        for (i, row) in acc.iter().enumerate() {
            assert_eq!(
                row.new as u64,
                int(&want["new"][i], "new"),
                "{name}: new at {i}"
            );
            assert_eq!(
                row.cumulative as u64,
                int(&want["cumulative"][i], "cumulative"),
                "{name}: cumulative at {i}"
            );
            close(
                &format!("{name}: percent at {i}"),
                row.percent_of_final,
                &want["percent_of_final"][i],
                1e-6,
            );
        }
        check_curve(name, &expected_accumulation(&ivs), &want["rarefaction"]);
        check_chao2(name, &chao2(&ivs), &want["chao2"]);
        for g in want["guest"].as_array().expect("guest") {
            let params = GuestParams {
                base: int(&g["base"], "base") as usize,
                run: int(&g["run"], "run") as usize,
                threshold: Proportion::new(
                    int(&g["threshold"][0], "t"),
                    int(&g["threshold"][1], "t"),
                )
                .expect("fixture thresholds are proportions"),
                denominator: match g["denominator"].as_str() {
                    Some("cumulative") => Denominator::Cumulative,
                    _ => Denominator::FixedBase,
                },
            };
            let got = guest_2020(&ivs, params);
            let what = format!("{name}: guest {params:?}");
            assert_eq!(
                got.not_assessable.is_none(),
                g["assessable"].as_bool().expect("assessable"),
                "{what}"
            );
            assert_eq!(
                got.saturation_point.map(|s| s as u64),
                g["saturation_point"].as_u64(),
                "{what}"
            );
            let runs = g["run_table"].as_array().expect("runs");
            assert_eq!(got.runs.len(), runs.len(), "{what}: runs");
            for (gr, wr) in got.runs.iter().zip(runs) {
                assert_eq!(
                    gr.run_first as u64,
                    int(&wr["run_first"], "run_first"),
                    "{what}"
                );
                assert_eq!(
                    gr.run_last as u64,
                    int(&wr["run_last"], "run_last"),
                    "{what}"
                );
                assert_eq!(
                    gr.new_in_run as u64,
                    int(&wr["new_in_run"], "new_in_run"),
                    "{what}"
                );
                assert_eq!(
                    gr.denominator as u64,
                    int(&wr["denominator"], "denominator"),
                    "{what}"
                );
                assert_eq!(
                    gr.saturated,
                    wr["saturated"].as_bool().expect("saturated"),
                    "{what}: run {}",
                    gr.run_first
                );
                close(&what, Some(gr.ratio), &wr["ratio"], 1e-6);
            }
        }
        let lowe = lowe_2018(&ivs);
        if want["lowe"].is_null() {
            continue;
        }
        let got = lowe.unwrap_or_else(|| panic!("{name}: expected a Lowe fit"));
        let w = &want["lowe"];
        close(&format!("{name}: T"), Some(got.t_hat), &w["T_hat"], 1e-4);
        close(&format!("{name}: p"), Some(got.p_hat), &w["p_hat"], 1e-4);
        close(&format!("{name}: sse"), Some(got.sse), &w["sse"], 1e-4);
        close(
            &format!("{name}: model"),
            Some(got.model_saturation_at_m),
            &w["model_saturation_at_m"],
            1e-4,
        );
        close(
            &format!("{name}: s/T"),
            Some(got.s_obs_over_t_hat),
            &w["s_obs_over_T_hat"],
            1e-4,
        );
        close(
            &format!("{name}: n90"),
            Some(got.n_for_saturation_0_90),
            &w["n_for_saturation_0_90"],
            1e-3,
        );
        close(
            &format!("{name}: n95"),
            Some(got.n_for_saturation_0_95),
            &w["n_for_saturation_0_95"],
            1e-3,
        );
        assert_eq!(
            got.n_for_saturation_0_90_ceil,
            int(&w["n_for_saturation_0_90_ceil"], "ceil"),
            "{name}"
        );
        assert_eq!(
            got.n_for_saturation_0_95_ceil,
            int(&w["n_for_saturation_0_95_ceil"], "ceil"),
            "{name}"
        );
    }
}

#[test]
fn chao2_edge_cases_match() {
    let fixture = load("chao2_edge_cases.json");
    for case in fixture["cases"].as_array().expect("cases") {
        let name = case["name"].as_str().expect("name");
        let ivs = interviews_of(&case["interviews"]);
        check_chao2(name, &chao2(&ivs), &case["expected"]);
        check_curve(name, &expected_accumulation(&ivs), &case["rarefaction"]);
    }
}

#[test]
fn galvin_table_is_exact() {
    let fixture = load("galvin_binomial.json");
    let rows = fixture["rows"].as_array().expect("rows");
    let mut float_would_fail = 0;
    for row in rows {
        let p = Proportion::parse(row["p"].as_str().expect("p")).expect("fixture p parses");
        let c = Proportion::parse(row["confidence"].as_str().expect("confidence"))
            .expect("fixture C parses");
        let want = int(&row["n"], "n");
        assert_eq!(
            galvin_interviews_needed(p, c),
            Some(want),
            "p = {}, C = {}",
            row["p"],
            row["confidence"]
        );
        if int(&row["float_ceil"], "float_ceil") != want {
            float_would_fail += 1;
        }
    }
    assert!(
        float_would_fail > 0,
        "the table should hold cases where a floating-point ceil is wrong"
    );
}
