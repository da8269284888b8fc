#!/usr/bin/env python3
"""Builds the JSON fixtures that crates/axial-analysis/tests/fixtures.rs checks.

The inputs are small, hand-made and tricky (touching and overlapping
segments, missing coverage, a coder who coded nothing, perfect agreement,
0/0 cases, overlap rates exactly on a threshold, three coders, interviews
with no codes). The expected values come from established implementations
wherever one exists, and from the formulas of shared/methods/ANALYTICS.md,
written out independently of the Rust code, where none does:

* Cohen's kappa: scikit-learn `cohen_kappa_score(labels=[0, 1])`.
* Fleiss' kappa and Brennan & Prediger / Randolph kappa: statsmodels
  `fleiss_kappa(method="fleiss" | "randolph")` on a two-column table.
* Krippendorff's nominal alpha: the `krippendorff` package (0.9.0).
* Krippendorff's unitizing alpha: no Python package exists; `alpha_u_dkpro`
  below follows the section walk of DKPro Statistics'
  KrippendorffAlphaUnitizingAgreement step by step (written from its
  description, not copied).
* MAXQDA segment agreement: brute force over all segment pairs with
  `fractions.Fraction`, so the threshold comparison is exact.
* Rarefaction and Chao2: formulas in exact `Fraction` arithmetic, the
  rarefaction also checked by enumerating every subset of interviews, and
  both checked against R vegan (`specaccum(method="exact")`, `specpool`)
  when `Rscript` with vegan is installed (`apt-get install r-cran-vegan`);
  the script says whether that check ran.
* Lowe et al.: bounded scalar minimisation (scipy) of the least-squares
  error with the closed-form T(p), checked against `scipy.optimize.curve_fit`.
* Galvin: exact rational search for the least n.

Undefined values (0/0) are written as null. Floats are rounded to 6 decimals.

Run from this folder:  python3 make_fixtures.py
Needs: pip install krippendorff scikit-learn statsmodels numpy scipy
"""

import itertools
import json
import math
import os
import shutil
import subprocess
import warnings
from fractions import Fraction

import krippendorff
import numpy as np
from scipy.optimize import curve_fit, minimize_scalar
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa

warnings.filterwarnings("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))


def r6(x):
    if x is None:
        return None
    x = float(x)
    if math.isnan(x) or math.isinf(x):
        return None
    return round(x, 6)


def write(name, data):
    with open(os.path.join(HERE, name), "w", encoding="utf-8") as f:
        json.dump(data, f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("wrote", name)


# ---------------------------------------------------------------------------
# Agreement
# ---------------------------------------------------------------------------


def merge(ranges):
    out = []
    for a, b in sorted(r for r in ranges if r[0] < r[1]):
        if out and a <= out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [tuple(r) for r in out]


def char_values(doc, coders, codes):
    """values[code][coder] = list of 0/1/None per character."""
    n = doc["len"]
    cov = doc.get("coverage", {})
    out = {}
    for code in codes:
        out[code] = {}
        for coder in coders:
            covered = [False] * n
            for a, b in cov.get(coder, [[0, n]]):
                for i in range(a, min(b, n)):
                    covered[i] = True
            vals = [0 if covered[i] else None for i in range(n)]
            for (c, k, a, b) in doc["segments"]:
                if c == coder and k == code:
                    for i in range(a, b):
                        if covered[i]:
                            vals[i] = 1
            out[code][coder] = vals
    return out


def alpha_nominal(rows):
    """rows: coders x units with None for missing."""
    data = np.array([[np.nan if v is None else v for v in r] for r in rows], dtype=float)
    if data.size == 0:
        return None
    try:
        return r6(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))
    except Exception:  # one value only, or nothing pairable: undefined
        return None


def pair_stats(x, y):
    units = both = fo = so = ne = 0
    xs, ys = [], []
    for a, b in zip(x, y):
        if a is None or b is None:
            continue
        units += 1
        xs.append(a)
        ys.append(b)
        if a and b:
            both += 1
        elif a:
            fo += 1
        elif b:
            so += 1
        else:
            ne += 1
    res = {"units": units, "both": both, "first_only": fo, "second_only": so, "neither": ne}
    if units == 0:
        res.update(percent_agreement=None, cohen_kappa=None, nvivo_kappa=None, brennan_prediger=None)
        return res
    res["percent_agreement"] = r6(100.0 * (both + ne) / units)
    ck = cohen_kappa_score(xs, ys, labels=[0, 1])
    res["cohen_kappa"] = r6(ck)
    res["nvivo_kappa"] = 1.0 if both + ne == units else r6(ck)
    table = np.array([[2 - (a + b), a + b] for a, b in zip(xs, ys)])
    res["brennan_prediger"] = r6(fleiss_kappa(table, method="randolph"))
    return res


def all_coder_stats(vals, coders):
    cols = [vals[c] for c in coders]
    full = [i for i in range(len(cols[0])) if all(col[i] is not None for col in cols)]
    m = len(coders)
    res = {"all_coders_units": len(full)}
    if not full:
        res.update(unanimous_percent=None, fleiss_kappa=None, randolph_kappa=None)
        return res
    ones = [sum(col[i] for col in cols) for i in full]
    res["unanimous_percent"] = r6(100.0 * sum(1 for o in ones if o in (0, m)) / len(full))
    table = np.array([[m - o, o] for o in ones])
    res["fleiss_kappa"] = r6(fleiss_kappa(table, method="fleiss"))
    res["randolph_kappa"] = r6(fleiss_kappa(table, method="randolph"))
    return res


def find_next_unit(units, i):
    return units[i] if i < len(units) else None


def alpha_u_dkpro(units_by_coder, length):
    """(D_o, D_e, any_unit) for one category; follows DKPro's walk."""
    B, L, R = 0, length, len(units_by_coder)

    def distance(o1, l1, c1, o2, l2, c2):
        bd, ld = o1 - o2, l1 - l2
        if c1 and c2 and -l1 < bd < l2:
            return bd * bd + (bd + ld) * (bd + ld)
        if c1 and not c2 and -ld >= bd >= 0:
            return l1 * l1
        if not c1 and c2 and -ld <= bd <= 0:
            return l2 * l2
        return 0

    observed = 0
    for r1 in range(R):
        for r2 in range(r1 + 1, R):
            u1, u2 = units_by_coder[r1], units_by_coder[r2]
            i1 = i2 = 0
            n1, n2 = find_next_unit(u1, 0), find_next_unit(u2, 0)
            off1 = off2 = B
            len1 = len2 = 0
            cat1 = cat2 = False
            pos = B
            while pos < B + L and (n1 is not None or n2 is not None):
                if pos == off1 + len1:
                    if n1 is not None and pos == n1[0]:
                        len1, cat1 = n1[1] - n1[0], True
                        i1 += 1
                        n1 = find_next_unit(u1, i1)
                    else:
                        len1, cat1 = (n1[0] if n1 is not None else B + L) - pos, False
                    off1 = pos
                if pos == off2 + len2:
                    if n2 is not None and pos == n2[0]:
                        len2, cat2 = n2[1] - n2[0], True
                        i2 += 1
                        n2 = find_next_unit(u2, i2)
                    else:
                        len2, cat2 = (n2[0] if n2 is not None else B + L) - pos, False
                    off2 = pos
                observed += distance(off1, len1, cat1, off2, len2, cat2)
                pos = min(off1 + len1, off2 + len2)
    d_o = Fraction(2 * observed, R * (R - 1) * L * L)

    all_units = [b - a for u in units_by_coder for (a, b) in u]
    if not all_units:
        return d_o, Fraction(0), False
    gaps = []
    for u in units_by_coder:
        pos = 0
        for a, b in u:
            if a > pos:
                gaps.append(a - pos)
            pos = b
        if pos < L:
            gaps.append(L - pos)
    n_c = len(all_units)
    num = Fraction(0)
    sq = sum(l * (l - 1) for l in all_units)
    for l in all_units:
        num += Fraction((n_c - 1) * (2 * l ** 3 - 3 * l ** 2 + l), 3)
        num += l * l * sum(g - l + 1 for g in gaps if g >= l)
    den = R * L * (R * L - 1) - sq
    d_e = Fraction(0) if den == 0 else Fraction(2, L) * num / den
    return d_o, d_e, True


def combination_labels(doc, coders, codes):
    n = doc["len"]
    vals = char_values(doc, coders, codes)
    rows = []
    for coder in coders:
        row = []
        for i in range(n):
            if vals[codes[0]][coder][i] is None:
                row.append(None)
            else:
                row.append("+".join(sorted(k for k in codes if vals[k][coder][i] == 1)))
        rows.append(row)
    domain = sorted({v for r in rows for v in r if v is not None})
    index = {v: i for i, v in enumerate(domain)}
    data = [[None if v is None else index[v] for v in r] for r in rows]
    return alpha_nominal(data), domain


def segments_of(doc, coder, code):
    return merge([[a, b] for (c, k, a, b) in doc["segments"] if c == coder and k == code])


def maxqda_segments(docs, coders, codes, x):
    rows = []
    a_tot = b_tot = c_tot = 0
    thr = Fraction(x, 100)

    def agrees(s, t):
        inter = max(0, min(s[1], t[1]) - max(s[0], t[0]))
        union = max(s[1], t[1]) - min(s[0], t[0])
        return inter > 0 and Fraction(inter, union) >= thr

    for code in codes:
        a = b = c = 0
        for doc in docs:
            s1 = segments_of(doc, coders[0], code)
            s2 = segments_of(doc, coders[1], code)
            m1 = sum(1 for s in s1 if any(agrees(s, t) for t in s2))
            m2 = sum(1 for t in s2 if any(agrees(t, s) for s in s1))
            a += m1 + m2
            b += len(s1) - m1
            c += len(s2) - m2
        if a + b + c == 0:
            continue
        rows.append({"code": code, "agreements": a, "disagreements": b + c,
                     "percentage": r6(Fraction(a, a + b + c))})
        a_tot, b_tot, c_tot = a_tot + a, b_tot + b, c_tot + c
    total = a_tot + b_tot + c_tot
    k = len(rows)
    po = Fraction(a_tot, total) if total else None
    kappa = None
    if po is not None and k > 1:
        pc = Fraction(1, k)
        kappa = r6((po - pc) / (1 - pc))
    return {"threshold_percent": x, "rows": rows, "a": a_tot, "b": b_tot, "c": c_tot,
            "observed": r6(po), "chance": r6(Fraction(1, k)) if k else None, "kappa": kappa}


def maxqda_existence(docs, coders, codes):
    xs, ys = [], []
    used_codes = set()
    for doc in docs:
        for code in codes:
            u1 = bool(segments_of(doc, coders[0], code))
            u2 = bool(segments_of(doc, coders[1], code))
            xs.append(int(u1))
            ys.append(int(u2))
            if u1 or u2:
                used_codes.add(code)
    rows_all = len(xs)
    agree_all = sum(1 for a, b in zip(xs, ys) if a == b)
    used = [(a, b) for a, b in zip(xs, ys) if a or b]
    agree_used = sum(1 for a, b in used if a and b)
    k = len(used_codes)
    p_used = Fraction(agree_used, len(used)) if used else None
    kappa_n = None
    if p_used is not None and k > 1:
        kappa_n = r6((p_used - Fraction(1, k)) / (1 - Fraction(1, k)))
    return {
        "rows_all": rows_all, "agree_all": agree_all,
        "percent_all": r6(100 * Fraction(agree_all, rows_all)) if rows_all else None,
        "rows_used": len(used), "agree_used": agree_used,
        "percent_used": r6(100 * p_used) if p_used is not None else None,
        "cohen_kappa": r6(cohen_kappa_score(xs, ys, labels=[0, 1])) if rows_all else None,
        "codes_used": k, "kappa_n": kappa_n,
    }


def agreement_case(name, note, coders, codes, docs):
    pairs = list(itertools.combinations(range(len(coders)), 2))
    out_docs = []
    per_code_kappas = {code: {p: [] for p in pairs} for code in codes}
    pooled_vals = {code: {c: [] for c in coders} for code in codes}
    for doc in docs:
        vals = char_values(doc, coders, codes)
        per_code = {}
        unitizing = []
        full = all(
            merge(doc.get("coverage", {}).get(c, [[0, doc["len"]]])) == [(0, doc["len"])] for c in coders
        )
        for code in codes:
            v = vals[code]
            for c in coders:
                pooled_vals[code][c].extend(v[c])
            entry = {"pairs": []}
            for (i, j) in pairs:
                ps = pair_stats(v[coders[i]], v[coders[j]])
                ps["first"], ps["second"] = coders[i], coders[j]
                entry["pairs"].append(ps)
                per_code_kappas[code][(i, j)].append((doc["len"], ps["nvivo_kappa"]))
            entry.update(all_coder_stats(v, coders))
            entry["krippendorff_alpha_nominal_char"] = alpha_nominal([v[c] for c in coders])
            if full:
                d_o, d_e, any_unit = alpha_u_dkpro([segments_of(doc, c, code) for c in coders], doc["len"])
                if any_unit:
                    entry["alpha_u"] = 0.0 if d_o == d_e else r6(1 - d_o / d_e)
                    unitizing.append((d_o, d_e))
                else:
                    entry["alpha_u"] = None
            else:
                entry["alpha_u"] = None
            per_code[code] = entry
        comb, domain = combination_labels(doc, coders, codes)
        pooled_rows = [sum((vals[code][c] for code in codes), []) for c in coders]
        if full and unitizing:
            mo = sum(x[0] for x in unitizing) / len(unitizing)
            me = sum(x[1] for x in unitizing) / len(unitizing)
            if mo == 0 and me == 0:
                overall = 1.0
            elif mo == me:
                overall = 0.0
            else:
                overall = r6(1 - mo / me)
        else:
            overall = None
        out_docs.append({
            "per_code": per_code,
            "krippendorff_alpha_nominal_char": comb,
            "krippendorff_alpha_nominal_char_value_domain": domain,
            "krippendorff_alpha_nominal_char_code_pooled": alpha_nominal(pooled_rows),
            "alpha_u": overall,
        })
    summary = {}
    for code in codes:
        pooled_pairs = []
        for (i, j) in pairs:
            ks = [(l, k) for (l, k) in per_code_kappas[code][(i, j)] if k is not None]
            unweighted = r6(sum(k for _, k in ks) / len(ks)) if ks else None
            tot = sum(l for l, _ in ks)
            weighted = r6(sum(k * l for l, k in ks) / tot) if tot else None
            pooled = pair_stats(pooled_vals[code][coders[i]], pooled_vals[code][coders[j]])
            pooled_pairs.append({"first": coders[i], "second": coders[j], "kappa_unweighted": unweighted,
                                 "kappa_weighted": weighted, "pooled_char": pooled})
        allc = all_coder_stats(pooled_vals[code], coders)
        allc["krippendorff_alpha_nominal_char"] = alpha_nominal([pooled_vals[code][c] for c in coders])
        summary[code] = {"pairs": pooled_pairs, "pooled": allc}
    case = {"name": name, "note": note, "coders": coders, "codes": codes, "documents": docs,
            "expected": {"documents": out_docs, "per_code_summary": summary}}
    if len(coders) >= 2:
        case["expected"]["maxqda_segments"] = [maxqda_segments(docs, coders, codes, x) for x in (50, 90)]
        case["expected"]["maxqda_code_existence"] = maxqda_existence(docs, coders, codes)
    return case


def agreement_cases():
    cases = []
    cases.append(agreement_case(
        "touching_and_overlapping",
        "A's c1 segments 0-5 and 5-10 touch and merge; A's c2 segments 8-15 and 14-22 overlap and merge.",
        ["A", "B"], ["c1", "c2"],
        [{"len": 40, "segments": [
            ["A", "c1", 0, 5], ["A", "c1", 5, 10], ["A", "c1", 12, 20],
            ["A", "c2", 8, 15], ["A", "c2", 14, 22],
            ["B", "c1", 2, 10], ["B", "c1", 14, 20], ["B", "c2", 10, 22], ["B", "c2", 30, 33]]}]))
    cases.append(agreement_case(
        "nvivo_help_example",
        "1000 characters: 50 coded by both, 150 by one only, 800 by neither: agreement 85%.",
        ["A", "B"], ["c1"],
        [{"len": 1000, "segments": [["A", "c1", 0, 100], ["B", "c1", 50, 200]]}]))
    cases.append(agreement_case(
        "one_coder_coded_nothing",
        "B coded nothing: kappa is exactly 0; c2 coded by neither: Cohen undefined, NVivo 1.",
        ["A", "B"], ["c1", "c2"],
        [{"len": 30, "segments": [["A", "c1", 3, 9], ["A", "c1", 20, 25]]}]))
    cases.append(agreement_case(
        "perfect_agreement",
        "Identical codings (B's split in two touching pieces) give 1 everywhere.",
        ["A", "B"], ["c1", "c2"],
        [{"len": 25, "segments": [["A", "c1", 2, 12], ["B", "c1", 2, 7], ["B", "c1", 7, 12],
                                  ["A", "c2", 10, 20], ["B", "c2", 10, 20]]}]))
    cases.append(agreement_case(
        "missing_coverage",
        "A read 0-30 and B read 10-50: only 10-30 is compared; alpha_U is undefined.",
        ["A", "B"], ["c1", "c2"],
        [{"len": 50, "coverage": {"A": [[0, 30]], "B": [[10, 50]]}, "segments": [
            ["A", "c1", 5, 15], ["A", "c1", 18, 26], ["A", "c2", 12, 14],
            ["B", "c1", 12, 24], ["B", "c1", 35, 45], ["B", "c2", 26, 29]]}]))
    cases.append(agreement_case(
        "three_coders",
        "Three coders, C reads only 0-45: Fleiss over characters all three covered.",
        ["A", "B", "C"], ["c1", "c2"],
        [{"len": 60, "coverage": {"C": [[0, 45]]}, "segments": [
            ["A", "c1", 0, 10], ["A", "c1", 20, 35], ["A", "c2", 40, 55],
            ["B", "c1", 2, 12], ["B", "c1", 22, 30], ["B", "c2", 38, 58],
            ["C", "c1", 0, 12], ["C", "c1", 25, 35], ["C", "c2", 5, 8], ["C", "c2", 41, 44]]}]))
    cases.append(agreement_case(
        "three_coders_full",
        "Three coders covering everything: alpha_U over three coders.",
        ["A", "B", "C"], ["c1"],
        [{"len": 30, "segments": [["A", "c1", 0, 10], ["B", "c1", 1, 10], ["C", "c1", 0, 8],
                                  ["C", "c1", 20, 24]]}]))
    cases.append(agreement_case(
        "maxqda_threshold_boundary",
        "Overlap rates exactly 50% (5/10) and 90% (9/10) agree at those thresholds; 8/10 misses 90%.",
        ["A", "B"], ["c1", "c2", "c3"],
        [{"len": 80, "segments": [
            ["A", "c1", 0, 10], ["B", "c1", 0, 5],
            ["A", "c1", 20, 30], ["B", "c1", 20, 29],
            ["A", "c2", 40, 50], ["B", "c2", 42, 50],
            ["A", "c2", 60, 64], ["B", "c2", 66, 70],
            ["A", "c3", 72, 80], ["B", "c3", 71, 79]]}]))
    cases.append(agreement_case(
        "several_documents",
        "Three documents of different sizes, one with no codings: NVivo averages, pooled table, MAXQDA existence.",
        ["A", "B"], ["c1", "c2", "c3"],
        [{"len": 100, "segments": [["A", "c1", 0, 40], ["B", "c1", 10, 40], ["A", "c2", 50, 60],
                                   ["B", "c2", 50, 70], ["B", "c3", 80, 90]]},
         {"len": 20, "segments": []},
         {"len": 60, "segments": [["A", "c1", 5, 15], ["B", "c1", 5, 15], ["A", "c3", 30, 50],
                                  ["B", "c3", 35, 50], ["A", "c2", 52, 55]]}]))
    cases.append(agreement_case(
        "single_character_text",
        "A one-character text coded by both: every unitizing disagreement is 0.",
        ["A", "B"], ["c1"],
        [{"len": 1, "segments": [["A", "c1", 0, 1], ["B", "c1", 0, 1]]}]))
    return cases


# ---------------------------------------------------------------------------
# Saturation
# ---------------------------------------------------------------------------


def accumulation(interviews):
    seen = set()
    new, cum = [], []
    for codes in interviews:
        fresh = set(codes) - seen
        seen |= set(codes)
        new.append(len(fresh))
        cum.append(len(seen))
    final = cum[-1] if cum else 0
    pct = [r6(Fraction(100 * c, final)) if final else None for c in cum]
    return new, cum, pct


def incidence(interviews):
    counts = {}
    for codes in interviews:
        for c in set(codes):
            counts[c] = counts.get(c, 0) + 1
    q = {}
    for v in counts.values():
        q[v] = q.get(v, 0) + 1
    return counts, q


def rarefaction(interviews):
    m = len(interviews)
    counts, q = incidence(interviews)
    s_obs = len(counts)
    out = []
    for h in range(1, m + 1):
        tau = Fraction(s_obs)
        for j, qj in q.items():
            if j <= m - h:
                tau -= Fraction(math.comb(m - h, j), math.comb(m, j)) * qj
        out.append(tau)
    # Brute-force check: the mean richness over all subsets of size h.
    if m <= 12:
        for h in range(1, m + 1):
            subsets = list(itertools.combinations(range(m), h))
            mean = Fraction(sum(len(set().union(*[set(interviews[i]) for i in s])) for s in subsets), len(subsets))
            assert mean == out[h - 1], (h, mean, out[h - 1])
    return out


def chao2(interviews):
    m = len(interviews)
    counts, q = incidence(interviews)
    s_obs = len(counts)
    q1, q2 = q.get(1, 0), q.get(2, 0)
    u = sum(counts.values())
    if m == 0:
        return {"m": 0, "s_obs": 0, "q1": 0, "q2": 0, "u": 0, "f0": None, "chao2": None,
                "chao2_bias_corrected": None, "saturation": None, "coverage": None,
                "expected_new_next": None}
    k = Fraction(m - 1, m)
    f0 = k * Fraction(q1 * q1, 2 * q2) if q2 > 0 else k * Fraction(q1 * (q1 - 1), 2)
    ch = s_obs + f0
    bc = s_obs + k * Fraction(q1 * (q1 - 1), 2 * (q2 + 1))
    if q1 == 0:
        cov = Fraction(1)
    elif q2 > 0:
        cov = 1 - Fraction(q1, u) * Fraction((m - 1) * q1, (m - 1) * q1 + 2 * q2)
    else:
        cov = 1 - Fraction(q1, u) * Fraction((m - 1) * (q1 - 1), (m - 1) * (q1 - 1) + 2)
    new_next = Fraction(0) if f0 == 0 else f0 * q1 / (m * f0 + q1)
    return {"m": m, "s_obs": s_obs, "q1": q1, "q2": q2, "u": u, "f0": r6(f0), "chao2": r6(ch),
            "chao2_bias_corrected": r6(bc), "saturation": r6(Fraction(s_obs) / ch) if ch else None,
            "coverage": r6(cov), "expected_new_next": r6(new_next)}


def guest(interviews, b, r, t, denominator="fixed_base"):
    new, cum, _ = accumulation(interviews)
    n = len(interviews)
    res = {"base": b, "run": r, "threshold": [t.numerator, t.denominator], "denominator": denominator}
    if n < b + r:
        res.update(assessable=False, reason="too_few_interviews", saturation_point=None, run_table=[])
        return res
    base_codes = cum[b - 1] if b > 0 else 0
    if base_codes == 0:
        res.update(assessable=False, reason="no_codes_in_base", saturation_point=None, run_table=[])
        return res
    table = []
    point = None
    for s in range(b, n - r + 1):
        new_run = sum(new[s:s + r])
        den = base_codes if denominator == "fixed_base" else cum[s - 1]
        ratio = Fraction(new_run, den)
        ok = ratio <= t
        table.append({"run_first": s + 1, "run_last": s + r, "new_in_run": new_run, "denominator": den,
                      "ratio": r6(ratio), "saturated": ok})
        if ok and point is None:
            point = s
    res.update(assessable=True, reason=None, base_codes=base_codes, saturation_point=point, run_table=table)
    return res


def lowe(interviews):
    m = len(interviews)
    tau = [float(x) for x in rarefaction(interviews)]
    if m < 2 or tau[-1] == 0:
        return None
    h = np.arange(1, m + 1, dtype=float)
    y = np.array(tau)

    def t_of(p):
        f = 1 - (1 - p) ** h
        return float((y * f).sum() / (f * f).sum())

    def sse(p):
        f = 1 - (1 - p) ** h
        return float(((y - t_of(p) * f) ** 2).sum())

    best = minimize_scalar(sse, bounds=(1e-9, 1 - 1e-9), method="bounded", options={"xatol": 1e-13})
    p = float(best.x)
    if p > 1 - 1e-4 or p < 1e-4:
        return None  # the optimum is at a bound: no interior fit to compare
    T = t_of(p)
    (T2, p2), _ = curve_fit(lambda hh, TT, pp: TT * (1 - (1 - pp) ** hh), h, y, p0=[T, p],
                            bounds=([0, 1e-9], [np.inf, 1 - 1e-9]))
    assert abs(T2 - T) < 1e-3 and abs(p2 - p) < 1e-4, (T, p, T2, p2)
    out = {"T_hat": r6(T), "p_hat": r6(p), "sse": r6(sse(p)), "model_saturation_at_m": r6(1 - (1 - p) ** m),
           "s_obs_over_T_hat": r6(tau[-1] / T)}
    for s, key in ((0.90, "0_90"), (0.95, "0_95")):
        nval = math.log(1 - s) / math.log(1 - p)
        out["n_for_saturation_" + key] = r6(nval)
        out["n_for_saturation_" + key + "_ceil"] = math.ceil(nval)
    return out


def saturation_case(name, note, interviews, guest_params):
    new, cum, pct = accumulation(interviews)
    return {
        "name": name, "note": note, "interviews": interviews,
        "expected": {
            "new": new, "cumulative": cum, "percent_of_final": pct,
            "rarefaction": [r6(x) for x in rarefaction(interviews)],
            "chao2": chao2(interviews),
            "guest": [guest(interviews, b, r, Fraction(tn, td), d) for (b, r, tn, td, d) in guest_params],
            "lowe": lowe(interviews),
        },
    }


def codes(prefix, a, b):
    return [f"{prefix}{i:02d}" for i in range(a, b)]


def saturation_cases():
    # Twelve interviews: the base (1-4) holds 20 codes; interviews 5-6 add
    # exactly one code (1/20 = 5%, exactly on the threshold); 9 adds three
    # late codes, so a later run fails again while the first point holds.
    classic = [
        codes("k", 0, 8), codes("k", 4, 13) + ["k01"], codes("k", 10, 17), codes("k", 15, 20) + ["k02"],
        ["k03", "k05", "k20"], ["k07", "k11"], ["k00", "k19"], ["k04", "k12"],
        ["k21", "k22", "k23", "k06"], ["k09"], ["k10", "k14"], ["k21"],
    ]
    params = [(4, 2, 5, 100, "fixed_base"), (4, 2, 0, 1, "fixed_base"), (6, 3, 0, 1, "fixed_base"),
              (4, 2, 5, 100, "cumulative"), (4, 3, 1, 20, "fixed_base")]
    out = [saturation_case("classic", "Exactly 5% in the first run; late codes in interview 9.", classic, params)]
    out.append(saturation_case(
        "empty_interviews", "Interviews 1 and 5 have no codes.",
        [[], ["a", "b", "c"], ["b", "d"], ["a", "e"], [], ["c", "f"], ["a"], ["b", "c"]],
        [(2, 2, 5, 100, "fixed_base"), (1, 2, 0, 1, "fixed_base"), (4, 2, 1, 10, "fixed_base")]))
    out.append(saturation_case(
        "too_few", "Fewer interviews than base plus run.",
        [["a", "b"], ["b", "c"], ["c"]], [(4, 2, 5, 100, "fixed_base"), (2, 1, 0, 1, "fixed_base")]))
    francis = [codes("f", 0, 6), codes("f", 3, 9), ["f09", "f01"], ["f10"], codes("f", 5, 11), ["f11"],
               ["f02", "f12"], ["f13"], ["f00"], ["f14"], ["f03"], ["f04", "f05"], ["f06"], ["f15"],
               ["f07"], ["f08"], ["f01"]]
    out.append(saturation_case("francis_10_plus_3", "The 10+3 rule is base 10, run 3, threshold 0.", francis,
                               [(10, 3, 0, 1, "fixed_base")]))
    return out


def chao2_edge_cases():
    cases = [
        ("q2_zero", "No code occurs in exactly two interviews.", [["a", "b"], ["a", "c"], ["a", "d"]]),
        ("q1_zero", "Every code occurs at least twice.", [["a", "b"], ["a", "b"], ["b", "c"], ["c"]]),
        ("one_interview", "A single interview: (m-1)/m = 0.", [["a", "b", "c"]]),
        ("all_singletons", "Every code occurs once.", [["a"], ["b"], ["c"], ["d", "e"]]),
        ("no_codes", "Interviews without any code: the saturation estimate is 0/0.", [[], []]),
        ("mixed", "Q1 = 3, Q2 = 2.", [["a", "b", "x"], ["a", "c", "y"], ["b", "c", "a"], ["a", "z"]]),
    ]
    return [{"name": n, "note": note, "interviews": iv, "expected": chao2(iv),
             "rarefaction": [r6(x) for x in rarefaction(iv)]} for (n, note, iv) in cases]


def galvin_table():
    rows = []
    pairs = [(p, c) for p in ["0.01", "0.05", "0.1", "0.2", "0.25", "0.3", "0.5", "0.9"]
             for c in ["0.5", "0.8", "0.9", "0.95", "0.99", "0.75"]]
    # Quotients that are whole numbers, where a floating-point ceil goes wrong.
    pairs += [("0.9", "0.9999"), ("0.99", "0.9999"), ("0.6", "0.936")]
    for p, c in pairs:
        pf, cf = Fraction(p), Fraction(c)
        n = 1
        while 1 - (1 - pf) ** n < cf:
            n += 1
        rows.append({"p": p, "confidence": c, "n": n, "float_ceil": math.ceil(math.log(1 - float(cf)) / math.log(1 - float(pf)))})
    return rows


def vegan_check(cases):
    """Compares rarefaction and Chao2 with R vegan when it is installed."""
    if shutil.which("Rscript") is None:
        return "not run: Rscript not installed"
    checked = 0
    for case in cases:
        iv = case["interviews"]
        species = sorted({c for codes_ in iv for c in codes_})
        if len(iv) < 2 or not species:
            continue
        rows = [",".join("1" if s in set(codes_) else "0" for s in species) for codes_ in iv]
        script = (
            "suppressMessages(library(vegan));"
            f"x <- matrix(c({','.join(rows)}), nrow={len(iv)}, byrow=TRUE);"
            "a <- specaccum(x, method='exact')$richness;"
            "p <- specpool(x);"
            "cat(sprintf('%.9f', a), sep=' '); cat('\\n'); cat(sprintf('%.9f', p$chao))"
        )
        res = subprocess.run(["Rscript", "-e", script], capture_output=True, text=True)
        if res.returncode != 0:
            return "not run: vegan failed: " + res.stderr.strip()[:200]
        lines = res.stdout.strip().splitlines()
        accum = [float(v) for v in lines[0].split()]
        chao = float(lines[1])
        full = "new" in case["expected"]
        mine = case["expected"]["rarefaction"] if full else case["rarefaction"]
        for a, b in zip(accum, mine):
            assert abs(a - b) < 1e-6, (case["name"], accum, mine)
        ch = case["expected"]["chao2"] if full else case["expected"]
        assert abs(chao - ch["chao2"]) < 1e-6, (case["name"], chao, ch)
        checked += 1
    return f"checked {checked} cases against R vegan specaccum(method='exact') and specpool"


def main():
    write("agreement.json", {"about": "Inter-coder agreement reference values; see make_fixtures.py",
                             "cases": agreement_cases()})
    sat = saturation_cases()
    edges = chao2_edge_cases()
    status = vegan_check(sat + edges)
    print("vegan:", status)
    write("saturation.json", {"about": "Saturation reference values; see make_fixtures.py", "vegan": status,
                              "cases": sat})
    write("chao2_edge_cases.json", {"about": "Chao2 edge cases; see make_fixtures.py", "vegan": status,
                                    "cases": edges})
    write("galvin_binomial.json", {"about": "Least n with 1-(1-p)^n >= C, exact; float_ceil shows the naive float answer",
                                   "rows": galvin_table()})


if __name__ == "__main__":
    main()
