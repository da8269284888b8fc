"""Interoperability check: an independent REFI-QDA reader (the `pyqdpx`
package from PyPI, not written by the Axial authors) opens Axial's export of
the demo project and must see the same sources, codes and codings as Axial.

Usage: pyqdpx_check.py AXIAL_BINARY WORK_DIR

Builds the demo in WORK_DIR, exports it with `axial export qdpx`, reads the
archive with pyqdpx, and compares against `axial stats/sources/code list
--json` and `axial segments --json` (each coding's text slice as pyqdpx cuts
it must equal the text Axial prints for that segment). Prints one line per
check and ends with 'N passed, N failed'; exits non-zero on any failure.
"""

import collections
import json
import os
import subprocess
import sys

import pyqdpx


def main() -> int:
    axial, work = sys.argv[1], sys.argv[2]
    env = dict(os.environ, AXIAL_USER="interop", NO_COLOR="1")
    env.pop("AXIAL_DB", None)
    env.pop("AXIAL_PROJECT", None)

    def run(*args: str) -> str:
        out = subprocess.run([axial, *args], cwd=work, env=env, capture_output=True, text=True)
        if out.returncode != 0:
            raise SystemExit(f"axial {' '.join(args)} failed:\n{out.stderr}")
        return out.stdout

    def js(*args: str):
        return json.loads(run(*args, "--json"))

    run("demo")
    run("export", "qdpx", "demo.qdpx")
    stats = js("stats")
    sources = js("sources")
    codes = js("code", "list")
    expected = {}
    # Two coders may code the same span with the same code: count keys.
    segment_keys = collections.Counter()
    for c in codes:
        if not c["codable"]:
            continue
        for s in js("segments", c["path"]):
            if s["code_id"] != c["id"]:
                continue
            key = (s["source_id"], s["code_id"], s["start"], s["end"])
            expected[key] = s["text"]
            segment_keys[key] += 1

    qde = pyqdpx.QDPX(os.path.join(work, "demo.qdpx")).get_project()
    results = []

    def check(name: str, ok: bool, detail: str = "") -> None:
        results.append(ok)
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail))

    check("pyqdpx opens the archive", qde is not None, "get_project() returned None")
    if qde is None:
        print(f"0 passed, {len(results)} failed")
        return 1

    got_sources = {s.guid: s for s in qde.sources.values()}
    check("source count", len(got_sources) == stats["sources"], f"{len(got_sources)} != {stats['sources']}")
    want_names = sorted(s["name"] for s in sources)
    got_names = sorted(s.name for s in got_sources.values())
    check("source names", got_names == want_names, f"{got_names[:5]} … != {want_names[:5]} …")
    check(
        "source texts loaded",
        all(s.text_content for s in got_sources.values()),
        "some source has no text",
    )

    check("code count", len(qde.codes) == stats["codes"], f"{len(qde.codes)} != {stats['codes']}")
    want_codes = {c["id"]: c for c in codes}
    bad_codes = [
        c.name
        for g, c in qde.codes.items()
        if g not in want_codes
        or want_codes[g]["name"] != c.name
        or want_codes[g]["codable"] != c.is_codable
        or (want_codes[g]["parent"] or None) != (c.parent.guid if c.parent else None)
    ]
    check("code names, tree and codable flags", not bad_codes, f"differ: {bad_codes[:5]}")

    selections = [(g, sel) for g, s in got_sources.items() for sel in s.coded_selections.values()]
    check("coding count", len(selections) == stats["codings"], f"{len(selections)} != {stats['codings']}")
    check("axial segments lists every coding", sum(segment_keys.values()) == stats["codings"], f"{sum(segment_keys.values())} != {stats['codings']}")
    missing, wrong = [], []
    for g, sel in selections:
        key = (g, sel.code.guid, sel.start, sel.end)
        if key not in expected:
            missing.append(key)
        elif sel.text != expected[key]:
            wrong.append((key, sel.text[:40], expected[key][:40]))
    check("every coding is one Axial has", not missing, f"{len(missing)} unknown, e.g. {missing[:2]}")
    got_keys = collections.Counter((g, sel.code.guid, sel.start, sel.end) for g, sel in selections)
    check("codings match one for one (source, code, span)", got_keys == segment_keys, f"{len(got_keys - segment_keys)} extra, {len(segment_keys - got_keys)} missing")
    check("every coding's text slice equals Axial's segment text", not wrong, f"{len(wrong)} differ, e.g. {wrong[:2]}")

    passed = sum(results)
    print(f"{passed} passed, {len(results) - passed} failed")
    return 0 if passed == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
