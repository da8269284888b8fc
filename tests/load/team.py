#!/usr/bin/env python3
"""Team load and crash test: many coders on several `axial serve` processes.

Starts SERVERS `axial serve` processes on one database (a postgres:// URL or
a SQLite file), creates CODERS accounts that are coders of the demo project,
and drives them over HTTP on 127.0.0.1 for DURATION seconds: each coder signs
in, reads sources, applies and removes codings and edits memos. With
--kill-server it kill -9's the first server halfway and starts it again;
with --crash-postgres it crashes PostgreSQL (immediate stop) and restarts it.
Clients retry through the outage (their sessions live in the database, so
they stay signed in).

Afterwards the database must hold exactly the codings the clients were told
exist: every acknowledged coding present, every acknowledged removal
absent, nothing else from the load coders except writes whose answer was
lost in a crash (at most once each), and no duplicates. Prints a JSON report
(throughput, p50/p99 latency per operation, outcome counts) and exits
non-zero if any check fails.

Only loopback is used. Standard library only.
"""

import argparse
import atexit
import http.client
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PASSWORD = "load-test-password-42"


def log(*a):
    print("team.py:", *a, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Axial:
    def __init__(self, binary, db):
        self.binary, self.db = binary, db
        self.env = dict(os.environ, AXIAL_NO_AUTO_BACKUP="1", NO_COLOR="1", AXIAL_USER="loadadmin")

    def run(self, *args, stdin=None):
        p = subprocess.run([self.binary, "--db", self.db, *args], input=stdin, capture_output=True, text=True, env=self.env)
        if p.returncode != 0:
            raise SystemExit(f"axial {' '.join(args)} failed: {p.stderr.strip()}")
        return p.stdout


class Server:
    def __init__(self, axial, n):
        self.axial, self.n, self.port, self.proc = axial, n, free_port(), None

    def start(self):
        self.proc = subprocess.Popen(
            [self.axial.binary, "--db", self.axial.db, "serve", "--addr", f"127.0.0.1:{self.port}"],
            stdout=subprocess.DEVNULL, stderr=open(f"/tmp/axial-load-server{self.n}.log", "a"), env=self.axial.env,
        )
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/api/v1/session")
                if c.getresponse().status == 200:
                    return
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise SystemExit(f"server {self.n} exited with {self.proc.returncode}; see /tmp/axial-load-server{self.n}.log")
            time.sleep(0.05)
        raise SystemExit(f"server {self.n} did not answer within 60 s")

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


class Outage(Exception):
    """The server could not be reached or failed; the outcome is unknown."""


class Client:
    """One coder's HTTP session with one server."""

    def __init__(self, name, server):
        self.name, self.server = name, server
        self.cookie = None
        self.csrf = ""
        self.conn = None

    def _conn(self):
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.server.port, timeout=30)
        return self.conn

    def call(self, method, path, body=None):
        headers = {"Content-Type": "application/json", "X-Axial-CSRF": self.csrf, "Host": f"127.0.0.1:{self.server.port}"}
        if self.cookie:
            headers["Cookie"] = self.cookie
        data = None if body is None else json.dumps(body)
        try:
            c = self._conn()
            c.request(method, "/api/v1" + path, body=data, headers=headers)
            r = c.getresponse()
            raw = r.read()
        except (OSError, http.client.HTTPException) as e:
            self.conn = None
            raise Outage(str(e))
        for k, v in r.getheaders():
            if k.lower() == "set-cookie" and v.startswith("axial_session="):
                self.cookie = v.split(";", 1)[0]
        if r.status >= 500:
            raise Outage(f"{r.status}: {raw[:200]!r}")
        try:
            payload = json.loads(raw) if raw else None
        except ValueError:
            payload = raw.decode("utf-8", "replace")
        if r.status == 403 and isinstance(payload, dict) and payload.get("error", {}).get("code") == "csrf" and path != "/session":
            # A restarted server: fetch the token again and repeat once.
            st, s = self.call("GET", "/session")
            self.csrf = s["csrf_token"]
            return self.call(method, path, body)
        return r.status, payload

    def sign_in(self):
        st, s = self.call("GET", "/session")
        self.csrf = s["csrf_token"]
        st, r = self.call("POST", "/auth/login", {"name": self.name, "password": PASSWORD})
        if st != 200:
            raise SystemExit(f"{self.name} cannot sign in: {st} {r}")
        st, s = self.call("GET", "/session")
        self.csrf = s["csrf_token"]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.lat = {}
        self.counts = {}

    def add(self, op, seconds, outcome):
        """Counts an outcome; latencies are kept for answered requests only."""
        with self.lock:
            if outcome == "ok":
                self.lat.setdefault(op, []).append(seconds)
            self.counts[f"{op}:{outcome}"] = self.counts.get(f"{op}:{outcome}", 0) + 1


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))] if xs else None


def coder(i, args, servers, project, sources, codes, memos, stats, deadline, ledger, errors):
    name = f"coder{i:02d}"
    rng = random.Random(1000 + i)
    cl = Client(name, servers[i % len(servers)])
    acked, removed, maybe_added, maybe_removed = set(), set(), [], set()
    lines = {}

    def retrying(op, fn):
        """Runs fn until it gets an answer; True if an outage hid an answer first."""
        lost = False
        while True:
            t0 = time.perf_counter()
            try:
                r = fn()
                stats.add(op, time.perf_counter() - t0, "ok")
                return r, lost
            except Outage:
                stats.add(op, time.perf_counter() - t0, "outage")
                lost = True
                if time.time() > deadline + 120:
                    raise SystemExit(f"{name}: the service did not come back within 2 minutes")
                time.sleep(0.2)

    try:
        retrying("login", cl.sign_in)
        while time.time() < deadline:
            r = rng.random()
            src = rng.choice(sources)
            if src not in lines or r < 0.10:
                (st, lay), _ = retrying("read", lambda: cl.call("GET", f"/projects/{project}/sources/{src}/layout"))
                if st != 200:
                    errors.append(f"{name}: layout {st} {lay}")
                    continue
                full = [l["number"] for l in lay["lines"] if l["text"].strip()]
                if full:
                    lines[src] = full
                continue
            if r < 0.75:
                full = lines[src]
                k = rng.randrange(len(full))
                first, last = full[k], full[min(len(full) - 1, k + rng.randrange(3))]
                code = rng.choice(codes)
                body = {"source": src, "code": code, "first_line": first, "last_line": last}
                (st, res), lost = retrying("apply", lambda: cl.call("POST", f"/projects/{project}/codings", body))
                if st in (200, 201):
                    for cid in res["codings"]:
                        acked.add(cid)
                    if lost and not res["codings"]:
                        # an earlier attempt may have made it: unknown id
                        maybe_added.append((src, code, first, last))
                else:
                    errors.append(f"{name}: apply {st} {res}")
            elif r < 0.90 and acked:
                cid = rng.choice(sorted(acked))
                (st, res), lost = retrying("remove", lambda: cl.call("DELETE", f"/projects/{project}/codings/{cid}"))
                if st == 200:
                    acked.discard(cid)
                    removed.add(cid)
                elif st == 404 and lost:
                    # the lost attempt removed it
                    acked.discard(cid)
                    removed.add(cid)
                else:
                    errors.append(f"{name}: remove {st} {res}")
            else:
                mid = rng.choice(memos)
                (st, m), _ = retrying("read", lambda: cl.call("GET", f"/projects/{project}/memos/{mid}"))
                if st != 200:
                    errors.append(f"{name}: memo read {st} {m}")
                    continue
                change = {"version": m["version"], "body": m["body"] + f"\n\n{name} was here {rng.random():.6f}"}
                (st, res), _ = retrying("memo", lambda: cl.call("PATCH", f"/projects/{project}/memos/{mid}", change))
                if st not in (200, 409):
                    errors.append(f"{name}: memo edit {st} {res}")
                stats.add("memo-result", 0, "conflict" if st == 409 else "saved")
    except SystemExit as e:
        errors.append(str(e))
    ledger[name] = (acked, removed, maybe_added)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="postgres:// URL of an empty database, or a SQLite file path")
    ap.add_argument("--axial", default=os.path.join(ROOT, "target", "debug", "axial"))
    ap.add_argument("--servers", type=int, default=2)
    ap.add_argument("--coders", type=int, default=50)
    ap.add_argument("--duration", type=float, default=20)
    ap.add_argument("--kill-server", action="store_true", help="kill -9 the first server halfway and restart it")
    ap.add_argument("--crash-postgres", action="store_true", help="crash and restart PostgreSQL halfway (needs AXIAL_PG_DIR)")
    ap.add_argument("--json", help="also write the report to this file")
    args = ap.parse_args()

    ax = Axial(args.axial, args.db)
    log("building the demo study and", args.coders, "coder accounts")
    ax.run("demo")
    ax.run("user", "add", "loadadmin", "--admin", "--password-stdin", stdin=PASSWORD + "\n")
    ax.run("member", "add", "loadadmin", "--role", "owner")
    for i in range(args.coders):
        ax.run("user", "add", f"coder{i:02d}", "--password-stdin", stdin=PASSWORD + "\n")
        ax.run("member", "add", f"coder{i:02d}", "--role", "coder")
    servers = [Server(ax, n) for n in range(args.servers)]
    atexit.register(lambda: [s.stop() for s in servers])
    for s in servers:
        s.start()

    admin = Client("loadadmin", servers[0])
    admin.sign_in()
    st, projects = admin.call("GET", "/projects")
    project = projects[0]["id"]
    st, srcs = admin.call("GET", f"/projects/{project}/sources")
    sources = [s["id"] for s in srcs if s["kind"] != "survey"][:20]
    st, tree = admin.call("GET", f"/projects/{project}/codes")
    codes = []

    def walk(ns):
        for n in ns:
            if n.get("codable", True):
                codes.append(n["id"])
            walk(n.get("children", []))

    walk(tree)
    st, ms = admin.call("GET", f"/projects/{project}/memos")
    memos = [m["id"] for m in ms][:5]

    stats, ledger, errors = Stats(), {}, []
    start = time.time()
    deadline = start + args.duration
    threads = [
        threading.Thread(target=coder, args=(i, args, servers, project, sources, codes, memos, stats, deadline, ledger, errors))
        for i in range(args.coders)
    ]
    for t in threads:
        t.start()
    events = []
    if args.kill_server or args.crash_postgres:
        time.sleep(args.duration / 2)
        if args.kill_server:
            log("kill -9 server 0")
            servers[0].kill9()
            events.append({"at": round(time.time() - start, 2), "event": "server 0 killed (SIGKILL)"})
            servers[0].start()
            events.append({"at": round(time.time() - start, 2), "event": "server 0 restarted"})
        if args.crash_postgres:
            log("crash and restart PostgreSQL")
            subprocess.run(["bash", os.path.join(ROOT, "scripts", "pg.sh"), "crash-restart"], check=True)
            events.append({"at": round(time.time() - start, 2), "event": "PostgreSQL crashed and restarted"})
    for t in threads:
        t.join()
    elapsed = time.time() - start

    # What the database holds, read by a fresh process.
    ok_checks = []
    report_checks(ax, ledger, errors, ok_checks)

    total_ops = sum(len(v) for v in stats.lat.values())
    report = {
        "backend": "postgres" if args.db.startswith("postgres") else "sqlite",
        "servers": args.servers,
        "coders": args.coders,
        "seconds": round(elapsed, 1),
        "requests": total_ops,
        "throughput_per_s": round(total_ops / elapsed, 1),
        "note": "latencies of answered requests; attempts that met an outage are counted under outcomes",
        "latency_ms": {
            op: {"n": len(xs), "p50": round(pct(xs, 50) * 1000, 1), "p99": round(pct(xs, 99) * 1000, 1)}
            for op, xs in sorted(stats.lat.items())
            if xs
        },
        "outcomes": dict(sorted(stats.counts.items())),
        "events": events,
        "checks": ok_checks,
        "errors": errors[:20],
    }
    for s in servers:
        s.stop()
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        with open(args.json, "w") as f:
            f.write(text + "\n")
    if errors:
        sys.exit(1)


def report_checks(ax, ledger, errors, ok_checks):
    """Compares the database with what the clients were told."""
    rows = json.loads(ax.run("--json", "codings"))
    by_coder = {}
    keys = set()
    for r in rows:
        k = (r["coder"], r["source"], r["code"], r["start"], r["end"])
        if k in keys:
            errors.append(f"duplicate coding {k}")
        keys.add(k)
        by_coder.setdefault(r["coder"], set()).add(r["id"])
    acked_total = removed_total = lost_total = 0
    for name, (acked, removed, maybe) in sorted(ledger.items()):
        have = by_coder.get(name, set())
        missing = acked - have
        if missing:
            errors.append(f"{name}: {len(missing)} acknowledged coding(s) missing, e.g. {sorted(missing)[:3]}")
        back = removed & have
        if back:
            errors.append(f"{name}: {len(back)} acknowledged removal(s) undone, e.g. {sorted(back)[:3]}")
        extra = have - acked
        if len(extra) > len(maybe):
            errors.append(f"{name}: {len(extra)} coding(s) nobody was told about (only {len(maybe)} answers were lost)")
        acked_total += len(acked)
        removed_total += len(removed)
        lost_total += len(maybe)
    ok_checks.append(
        f"{acked_total} acknowledged codings present, {removed_total} acknowledged removals absent, "
        f"{lost_total} lost answers, {len(rows)} codings in the project, no duplicates"
    )


if __name__ == "__main__":
    main()
