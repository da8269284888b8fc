#!/usr/bin/env python3
"""Side-by-side benchmark of Axial and Taguette over HTTP on loopback.

Owns: the deterministic corpus (documents, tags/codes, highlights/codings),
starting both servers on fresh databases, driving them through their HTTP
APIs with identical work, timing each step and writing the comparison table.

Does not: install Taguette or build Axial (run.sh does), or isolate the
network (run.sh runs this script inside a loopback-only network namespace,
so the servers it starts cannot reach anything beyond 127.0.0.1).

Standard library only. Every request goes to 127.0.0.1, one keep-alive
connection per server, each with a timeout.
"""

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import quote

TIMEOUT = 600  # seconds for any single request (exports of big projects)
START_TIMEOUT = 60  # seconds for a server to come up


class BenchError(Exception):
    """A step failed; the message says which server, request and why."""


# ---------------------------------------------------------------- corpus

SYLLABLES = [
    "ka", "lo", "mi", "ren", "tu", "sa", "vel", "dor", "ni", "pa", "quo", "ber",
    "tal", "shi", "mon", "gra", "fe", "lin", "os", "ut", "ar", "ek", "zim", "hol",
]


def make_words(rng, n):
    words = set()
    while len(words) < n:
        k = rng.randint(1, 4)
        words.add("".join(rng.choice(SYLLABLES) for _ in range(k)))
    return sorted(words)


def make_corpus(docs, words_per_doc, tags, highlights, seed=8):
    """Documents as lists of ASCII paragraphs, and highlights as
    (doc, paragraph, start, end, tag) with offsets inside the paragraph.

    One tag (index 0) gets about a fifth of the highlights, like the busy
    tag of the issue's reference measurement; the rest are spread evenly.
    """
    rng = random.Random(seed)
    vocab = make_words(rng, 3000)
    corpus = []
    for d in range(docs):
        paras = []
        left = words_per_doc
        while left > 0:
            n = min(left, rng.randint(40, 160))
            left -= n
            ws = [rng.choice(vocab) for _ in range(n)]
            ws[0] = ws[0].capitalize()
            text = " ".join(ws) + "."
            paras.append(text)
        # a unique first paragraph so no two documents are duplicates
        paras[0] = "Interview %04d. %s" % (d + 1, paras[0])
        corpus.append(paras)
    tag_names = ["code-%02d" % (t + 1) for t in range(tags)]
    hls = []
    seen = set()
    while len(hls) < highlights:
        d = rng.randrange(docs)
        p = rng.randrange(len(corpus[d]))
        text = corpus[d][p]
        starts = [0] + [m.end() for m in re.finditer(" ", text)]
        i = rng.randrange(len(starts))
        j = min(len(starts) - 1, i + rng.randint(2, 30))
        start = starts[i]
        end = (starts[j] - 1) if j > i else len(text)
        if end <= start:
            continue
        t = 0 if rng.random() < 0.19 else rng.randrange(1, tags)
        key = (d, p, start, end, t)
        if key in seen:
            continue
        seen.add(key)
        hls.append(key)
    return corpus, tag_names, hls


def html_of(paras):
    # No white space between tags: Taguette counts every text node, so the
    # text it sees is exactly the paragraphs one after the other.
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>"
            + "".join("<p>%s</p>" % p for p in paras) + "</body></html>")


# ---------------------------------------------------------------- HTTP


class Client:
    """One keep-alive connection to 127.0.0.1:port with a cookie jar."""

    def __init__(self, name, port):
        self.name = name
        self.port = port
        self.cookies = {}
        self.headers = {}
        self.conn = None
        self.requests = 0

    def _connect(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=TIMEOUT)

    def request(self, method, path, body=None, headers=None, ok=(200, 201)):
        h = dict(self.headers)
        h.update(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        for attempt in range(2):
            if self.conn is None:
                self._connect()
            try:
                self.conn.request(method, path, body=body, headers=h)
                resp = self.conn.getresponse()
                data = resp.read()
                break
            except (http.client.HTTPException, ConnectionError) as e:
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise BenchError("%s: %s %s failed: %s" % (self.name, method, path, e))
        self.requests += 1
        for k, v in resp.getheaders():
            if k.lower() == "set-cookie":
                name, _, rest = v.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
        if resp.status not in ok:
            raise BenchError("%s: %s %s answered %d: %s" % (
                self.name, method, path, resp.status, data[:300].decode("utf-8", "replace")))
        return resp, data

    def json(self, method, path, obj=None, ok=(200, 201)):
        body = None if obj is None else json.dumps(obj).encode("utf-8")
        hdr = {"Content-Type": "application/json"} if body is not None else {}
        _, data = self.request(method, path, body, hdr, ok)
        return json.loads(data) if data else None


def multipart(fields, files):
    """fields: {name: str}; files: [(field, filename, content_type, bytes)]."""
    boundary = "----axialbench" + uuid.uuid4().hex
    out = []
    for k, v in fields.items():
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, k, v)).encode("utf-8"))
    for field, filename, ctype, data in files:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"; filename=\"%s\"\r\n"
                    "Content-Type: %s\r\n\r\n" % (boundary, field, filename, ctype)).encode("utf-8"))
        out.append(data)
        out.append(b"\r\n")
    out.append(("--%s--\r\n" % boundary).encode("utf-8"))
    return b"".join(out), "multipart/form-data; boundary=" + boundary


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def status_kib(pid, field):
    """A memory field of /proc/PID/status (VmHWM, RssAnon, RssFile) in KiB."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def vm_hwm_kib(pid):
    return status_kib(pid, "VmHWM")


def wait_for_line(proc, pattern, what, log):
    """Read the server's stdout until a line matches; bounded in time."""
    deadline = time.time() + START_TIMEOUT
    rx = re.compile(pattern)
    while time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            if proc.poll() is not None:
                raise BenchError("%s exited with %s before it was ready; see %s" % (what, proc.returncode, log))
            continue
        m = rx.search(line)
        if m:
            return m
    raise BenchError("%s did not say it was ready within %d s" % (what, START_TIMEOUT))


# ---------------------------------------------------------------- servers


class Taguette:
    name = "Taguette"

    def __init__(self, venv, work):
        self.work = work
        port = free_port()
        db = os.path.join(work, "taguette", "taguette.sqlite3")
        os.makedirs(os.path.dirname(db))
        self.log = os.path.join(work, "taguette.log")
        env = dict(os.environ, HOME=os.path.join(work, "taguette"), PYTHONUNBUFFERED="1")
        self.proc = subprocess.Popen(
            [os.path.join(venv, "bin", "taguette"), "--no-browser", "--database", db,
             "-b", "127.0.0.1", "-p", str(port)],
            stdout=subprocess.PIPE, stderr=open(self.log, "w"), text=True, env=env)
        m = wait_for_line(self.proc, r"\?token=([0-9a-f]+)", "taguette", self.log)
        self.c = Client("taguette", port)
        # single-user login: the token in the printed link sets the user cookie
        self.c.request("GET", "/?token=" + m.group(1), ok=(200, 302))
        if "user" not in self.c.cookies:
            raise BenchError("taguette: the single-user token did not log in")
        # any form page sets the _xsrf cookie Tornado checks on POST
        self.c.request("GET", "/project/new")
        xsrf = self.c.cookies.get("_xsrf")
        if not xsrf:
            raise BenchError("taguette: no _xsrf cookie after GET /project/new")
        self.c.headers["X-XSRFToken"] = xsrf
        self.pid = self.proc.pid

    def create_project(self, name):
        body = "name=%s&description=benchmark" % quote(name)
        resp, _ = self.c.request("POST", "/project/new", body.encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded"}, ok=(302, 303))
        m = re.search(r"/project/(\d+)", resp.getheader("Location") or "")
        if not m:
            raise BenchError("taguette: project creation did not redirect to the project")
        self.project = m.group(1)

    def upload(self, i, html):
        body, ctype = multipart(
            {"name": "interview-%04d" % (i + 1), "description": ""},
            [("file", "interview-%04d.html" % (i + 1), "text/html", html.encode("utf-8"))])
        r = self.c.request(
            "POST", "/api/project/%s/document/new" % self.project, body, {"Content-Type": ctype})
        return json.loads(r[1])["created"]

    def create_tag(self, name):
        return self.c.json("POST", "/api/project/%s/tag/new" % self.project,
                           {"path": name, "description": ""})["id"]

    def highlight(self, doc, start, end, tag):
        return self.c.json("POST", "/api/project/%s/document/%s/highlight/new" % (self.project, doc),
                           {"start_offset": start, "end_offset": end, "tags": [tag]})["id"]

    def segments(self, tag_name):
        """All highlights of one tag: Taguette pages them 50 at a time."""
        out = []
        page = 1
        while True:
            r = self.c.json("GET", "/api/project/%s/highlights/%s?page=%d"
                            % (self.project, quote(tag_name), page))
            out.extend(re.sub(r"<[^>]*>", "", h["content"]) for h in r["highlights"])
            if page >= r["pages"]:
                return out
            page += 1

    def document(self, doc):
        meta = self.c.json("GET", "/api/project/%s/document/%s" % (self.project, doc))
        self.c.json("GET", "/api/project/%s/document/%s/contents" % (self.project, doc))
        return len(meta["highlights"])

    def export(self):
        _, data = self.c.request("GET", "/project/%s/export/project.sqlite3" % self.project)
        return len(data)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


class Axial:
    name = "Axial"

    def __init__(self, binary, work):
        self.log = os.path.join(work, "axial.log")
        db = os.path.join(work, "axial.db")
        self.proc = subprocess.Popen(
            [binary, "--db", db, "serve", "--addr", "127.0.0.1:0"],
            stdout=subprocess.PIPE, stderr=open(self.log, "w"), text=True,
            env=dict(os.environ, HOME=work))
        m = wait_for_line(self.proc, r"http://127\.0\.0\.1:(\d+)/", "axial serve", self.log)
        self.c = Client("axial", int(m.group(1)))
        token = self.c.json("GET", "/api/v1/session")["csrf_token"]
        self.c.headers["X-Axial-CSRF"] = token
        self.pid = self.proc.pid

    def create_project(self, name):
        self.project = self.c.json("POST", "/api/v1/projects", {"name": name})["id"]

    def upload(self, i, html):
        body, ctype = multipart(
            {}, [("file", "interview-%04d.html" % (i + 1), "text/html", html.encode("utf-8"))])
        _, data = self.c.request("POST", "/api/v1/projects/%s/sources" % self.project, body,
                                 {"Content-Type": ctype})
        f = json.loads(data)["files"][0]
        if f["status"] != "imported":
            raise BenchError("axial: upload of %s: %s %s" % (f["file"], f["status"], f.get("message")))
        return f["source_id"]

    def paragraph_starts(self, source, paras):
        """Code point where each paragraph starts in Axial's text, found in
        the layout (Axial separates paragraphs; Taguette does not)."""
        lay = self.c.json("GET", "/api/v1/projects/%s/sources/%s/layout" % (self.project, source))
        starts = []
        lines = lay["lines"]
        k = 0
        for p in paras:
            while k < len(lines) and p not in lines[k]["text"]:
                k += 1
            if k == len(lines):
                raise BenchError("axial: paragraph not found in the layout of %s" % source)
            starts.append(lines[k]["start"] + lines[k]["text"].index(p))
            k += 1
        return starts

    def create_tag(self, name):
        return self.c.json("POST", "/api/v1/projects/%s/codes" % self.project, {"name": name})["id"]

    def highlight(self, doc, start, end, tag):
        # ASCII corpus: UTF-16 units, code points and bytes coincide
        r = self.c.json("POST", "/api/v1/projects/%s/codings" % self.project,
                        {"source": doc, "code": tag, "start_utf16": start, "end_utf16": end})
        return r["codings"]

    def segments(self, tag_id):
        r = self.c.json("GET", "/api/v1/projects/%s/codes/%s/segments" % (self.project, tag_id))
        return [s["text"] for g in r["groups"] for s in g["segments"]]

    def document(self, doc):
        lay = self.c.json("GET", "/api/v1/projects/%s/sources/%s/layout" % (self.project, doc))
        ids = set()
        for line in lay["lines"]:
            for s in line["segments"]:
                ids.add(s["coding"])
        return len(ids)

    def export(self):
        _, data = self.c.request("GET", "/api/v1/projects/%s/export.qdpx" % self.project)
        return len(data)

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# ---------------------------------------------------------------- run


def timed(fn, runs):
    """Median and spread of `runs` calls; returns (median, min, max, result)."""
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times), result


def drive(server, corpus, tag_names, hls, runs, say):
    fig = {}
    server.create_project("Taguette comparison")
    htmls = [html_of(p) for p in corpus]
    t0 = time.perf_counter()
    docs = [server.upload(i, h) for i, h in enumerate(htmls)]
    fig["upload"] = time.perf_counter() - t0
    fig["hwm_phases"] = [("upload", vm_hwm_kib(server.pid))]
    say("%s: uploaded %d documents in %.2f s" % (server.name, len(docs), fig["upload"]))

    if isinstance(server, Axial):
        starts = [server.paragraph_starts(d, p) for d, p in zip(docs, corpus)]
    else:
        starts = []
        for paras in corpus:
            acc, s = 0, []
            for p in paras:
                s.append(acc)
                acc += len(p.encode("utf-8"))
            starts.append(s)

    tags = [server.create_tag(n) for n in tag_names]

    t0 = time.perf_counter()
    for d, p, a, b, t in hls:
        server.highlight(docs[d], starts[d][p] + a, starts[d][p] + b, tags[t])
    fig["apply"] = time.perf_counter() - t0
    fig["hwm_phases"].append(("apply", vm_hwm_kib(server.pid)))
    say("%s: applied %d codings in %.2f s" % (server.name, len(hls), fig["apply"]))

    key = tag_names[0] if isinstance(server, Taguette) else tags[0]
    med, lo, hi, texts = timed(lambda: server.segments(key), runs)
    fig["segments"] = (med, lo, hi)
    fig["segments_n"] = len(texts)
    fig["segment_texts"] = sorted(" ".join(t.split()) for t in texts)
    busiest = max(range(len(docs)), key=lambda i: sum(1 for h in hls if h[0] == i))
    med, lo, hi, n = timed(lambda: server.document(docs[busiest]), runs)
    fig["document"] = (med, lo, hi)
    fig["document_n"] = n
    fig["hwm_phases"].append(("reads", vm_hwm_kib(server.pid)))
    med, lo, hi, size = timed(server.export, max(1, min(runs, 3)))
    fig["export"] = (med, lo, hi)
    fig["export_bytes"] = size
    fig["hwm_kib"] = vm_hwm_kib(server.pid)
    fig["hwm_phases"].append(("export", fig["hwm_kib"]))
    # What the resident memory is made of at the end: the process's own
    # (heap, stacks) and mapped files (the program's code and libraries).
    fig["rss_anon_kib"] = status_kib(server.pid, "RssAnon")
    fig["rss_file_kib"] = status_kib(server.pid, "RssFile")
    if isinstance(server, Axial):
        fig["http_floor"] = request_floor(server.c, len(hls))
    fig["requests"] = server.c.requests
    say("%s: segments %d, document codings %d, export %d bytes, peak RSS %s KiB"
        % (server.name, fig["segments_n"], fig["document_n"], size, fig["hwm_kib"]))
    return fig


def request_floor(client, n):
    """Mean time of one request that does no database work (a static file of
    the server), through the same client: the HTTP part of every request."""
    t0 = time.perf_counter()
    for _ in range(n):
        client.request("GET", "/favicon.ico")
    return (time.perf_counter() - t0) / n


def fsync_floor(folder, n=2000):
    """Mean time of a 4 KiB write plus fsync in `folder` (where the databases
    are): the least one durable commit costs on this disk."""
    path = os.path.join(folder, "fsync-probe")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        block = b"x" * 4096
        t0 = time.perf_counter()
        for _ in range(n):
            os.write(fd, block)
            os.fsync(fd)
        return (time.perf_counter() - t0) / n
    finally:
        os.close(fd)
        os.remove(path)


def fmt_s(x):
    return "%.1f ms" % (x * 1000) if x < 1 else "%.2f s" % x


def cell(v):
    if isinstance(v, tuple):
        return "%s (%s–%s)" % (fmt_s(v[0]), fmt_s(v[1]), fmt_s(v[2]))
    return fmt_s(v)


def ratio(t, a):
    t = t[0] if isinstance(t, tuple) else t
    a = a[0] if isinstance(a, tuple) else a
    return "%.1f×" % (t / a) if a > 0 else "—"


def report(args, hls, tg, ax):
    n_docs, n_words = args.docs, args.words
    rows = [
        ("upload %d HTML documents, one request each" % n_docs, "upload"),
        ("apply %d codings, one request each" % len(hls), "apply"),
        ("list all segments of one code (%d in Taguette, %d in Axial)"
         % (tg["segments_n"], ax["segments_n"]), "segments"),
        ("fetch one coded document (%d / %d codings)" % (tg["document_n"], ax["document_n"]),
         "document"),
        ("export the project (Taguette SQLite %.1f MB, Axial QDPX %.1f MB)"
         % (tg["export_bytes"] / 1e6, ax["export_bytes"] / 1e6), "export"),
    ]
    out = []
    out.append("# Axial vs Taguette, side by side\n")
    out.append("Corpus: %d documents × %d words, %d tags/codes, %d highlights/codings "
               "(seed %d). Both servers on fresh databases, HTTP on loopback, inside a "
               "network namespace with only loopback. Timed: median (min–max) over %d runs "
               "for reads; writes timed once over the whole sequence.\n"
               % (n_docs, n_words, args.tags, len(hls), args.seed, args.runs))
    out.append("| operation | Taguette | Axial | Axial faster by |")
    out.append("|---|---|---|---|")
    for label, k in rows:
        out.append("| %s | %s | %s | %s |" % (label, cell(tg[k]), cell(ax[k]), ratio(tg[k], ax[k])))
    th, ah = tg["hwm_kib"], ax["hwm_kib"]
    if th and ah:
        out.append("| server peak resident memory (VmHWM) | %.0f MiB | %.0f MiB | %.0f%% of Taguette |"
                   % (th / 1024, ah / 1024, 100.0 * ah / th))
    if ax.get("http_floor") and ax.get("fsync_floor"):
        n = len(hls)
        floor = n * (ax["http_floor"] + ax["fsync_floor"])
        out.append("")
        out.append("Floors measured in this run: a request that does no database work (a static file, "
                   "same client, same connection) takes %.2f ms; a 4 KiB write plus fsync on this disk "
                   "%.2f ms. %d sequential requests that each end in a durable commit therefore take at "
                   "least %s here, which bounds the apply ratio at %.0f× for any server; Axial took "
                   "%.2f ms per coding request (%.2f ms above the two floors)."
                   % (ax["http_floor"] * 1e3, ax["fsync_floor"] * 1e3, n, fmt_s(floor), tg["apply"] / floor,
                      ax["apply"] / n * 1e3, (ax["apply"] / n - ax["http_floor"] - ax["fsync_floor"]) * 1e3))
    out.append("")
    for name, f in (("Taguette", tg), ("Axial", ax)):
        out.append("%s peak resident memory after each phase: %s." % (name, ", ".join(
            "%s %.0f MiB" % (k, v / 1024) for k, v in f["hwm_phases"] if v)))
    if all(f.get(k) for f in (tg, ax) for k in ("rss_anon_kib", "rss_file_kib")):
        out.append("")
        out.append("Resident memory at the end, by kind: Taguette %.0f MiB of its own (heap, stacks) and "
                   "%.0f MiB of mapped files (interpreter, libraries); Axial %.0f MiB of its own and "
                   "%.0f MiB of mapped files (its executable's code), so %.0f%% of Taguette's own memory."
                   % (tg["rss_anon_kib"] / 1024, tg["rss_file_kib"] / 1024, ax["rss_anon_kib"] / 1024,
                      ax["rss_file_kib"] / 1024, 100.0 * ax["rss_anon_kib"] / tg["rss_anon_kib"]))
    out.append("")
    out.append("Load average (1 min) at the start and end of the run: %.2f, %.2f on %d cores; "
               "other work on the machine makes the figures noisier." % (
                   args.load_start, os.getloadavg()[0], os.cpu_count() or 0))
    out.append("")
    out.append("Taguette %s; Axial %s. Command: `%s`." % (
        args.taguette_version or "?", args.axial_version or "?", args.command or "bench/taguette/run.sh"))
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--venv", required=True)
    ap.add_argument("--axial", required=True, help="the axial binary")
    ap.add_argument("--out", required=True, help="Markdown report to write")
    ap.add_argument("--small", action="store_true", help="20 documents × 1,500 words, 600 codings")
    ap.add_argument("--docs", type=int, default=200)
    ap.add_argument("--words", type=int, default=6000)
    ap.add_argument("--tags", type=int, default=60)
    ap.add_argument("--highlights", type=int, default=6000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=8)
    ap.add_argument("--taguette-version")
    ap.add_argument("--axial-version")
    ap.add_argument("--command")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    args = ap.parse_args()
    args.load_start = os.getloadavg()[0]
    if args.small:
        args.docs, args.words, args.highlights = 20, 1500, 600

    def say(msg):
        print(msg, flush=True)

    corpus, tag_names, hls = make_corpus(args.docs, args.words, args.tags, args.highlights, args.seed)
    say("corpus: %d documents, %d words each, %d tags, %d highlights (%d on the busiest tag)"
        % (len(corpus), args.words, len(tag_names), len(hls), sum(1 for h in hls if h[4] == 0)))
    work = tempfile.mkdtemp(prefix="taguette-bench-")
    servers = []
    try:
        tg = Taguette(args.venv, work)
        servers.append(tg)
        ax = Axial(args.axial, work)
        servers.append(ax)
        say("taguette pid %d port %d; axial pid %d port %d" % (tg.pid, tg.c.port, ax.pid, ax.c.port))
        ftg = drive(tg, corpus, tag_names, hls, args.runs, say)
        fax = drive(ax, corpus, tag_names, hls, args.runs, say)
        # the same highlights at the same places: the busy code's texts must agree
        if ftg["segment_texts"] != fax["segment_texts"]:
            diff = sum(1 for a, b in zip(ftg["segment_texts"], fax["segment_texts"]) if a != b)
            raise BenchError("the servers disagree on the busy code's segments (%d vs %d, %d differ): "
                             "the offsets were not applied at the same places"
                             % (ftg["segments_n"], fax["segments_n"], diff))
        say("check: both servers return the same %d segment texts for the busy code" % ftg["segments_n"])
        fax["fsync_floor"] = fsync_floor(work)
        md = report(args, hls, ftg, fax)
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(md)
        print()
        print(md)
        say("written to %s" % args.out)
        return 0
    except BenchError as e:
        print("error: %s" % e, file=sys.stderr)
        print("server logs are in %s" % work, file=sys.stderr)
        args.keep = True
        return 1
    finally:
        for s in servers:
            s.stop()
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
