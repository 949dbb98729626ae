#!/usr/bin/env python3
"""Fault injection: records with unique ids, bad lines, failing processors,
backends that go down, and a collector killed and started again; after each
seed, every id must be stored exactly once or dead-lettered exactly once.

Run by scripts/chaos.sh (see there for the options). A seeded PRNG decides
everything, so a failing seed is reproduced by running it again.
"""
import argparse
import base64
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

# Over the file sources' 16 MiB line limit.
OVERSIZE = 16 * 1024 * 1024 + 100
DRAIN_TIMEOUT = 5
# A run must have exited this long after its signal (the drain deadline, then exit).
EXIT_BOUND = DRAIN_TIMEOUT + 60


def fnv1a(text):
    """The hash the Lua processor computes too (32-bit FNV-1a)."""
    h = 2166136261
    for b in text.encode():
        h = ((h ^ b) * 16777619) & 0xFFFFFFFF
    return h


def fails_in_processing(seed, ident):
    return fnv1a(f"{seed}:{ident}") % 13 == 0


PROCESSOR = """\
-- Fails the records whose id the chaos seed picks (the driver knows which).
local SEED = %d
local M = {}
local function fnv1a(text)
  local h = 2166136261
  for i = 1, #text do
    h = ((h ~ text:byte(i)) * 16777619) & 0xFFFFFFFF
  end
  return h
end
function M.process(record)
  if fnv1a(SEED .. ":" .. record.id) %% 13 == 0 then
    error("chaos: processing fails for " .. record.id)
  end
  record.processed = true
  return record
end
return M
"""


class Failure(Exception):
    pass


class Outages:
    """The backends' outages: an sqlite3 shell holding the write lock, the PostgreSQL cluster killed."""

    def __init__(self, db, cluster, log):
        self.db = db
        self.cluster = cluster
        self.log = log
        self.lock = None
        self.pg_down = False

    def lock_sqlite(self):
        if self.lock is not None:
            return
        self.lock = subprocess.Popen(["sqlite3", self.db], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True)
        self.lock.stdin.write(".timeout 20000\nBEGIN EXCLUSIVE;\nSELECT 'locked';\n")
        self.lock.stdin.flush()
        line = self.lock.stdout.readline()
        if "locked" not in line:
            self.log(f"  sqlite lock not taken: {line.strip()}")
        self.log("  fault: SQLite database locked by another process")

    def unlock_sqlite(self):
        if self.lock is None:
            return
        try:
            self.lock.stdin.write("ROLLBACK;\n.quit\n")
            self.lock.stdin.close()
        except BrokenPipeError:
            pass
        try:
            self.lock.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.lock.kill()
            self.lock.wait()
        self.lock = None
        self.log("  fault over: SQLite lock released")

    def stop_postgres(self):
        if self.cluster is None or self.pg_down:
            return
        subprocess.run(["scripts/postgres-test-cluster.sh", "kill", self.cluster], check=True,
                       stdout=subprocess.DEVNULL)
        self.pg_down = True
        self.log("  fault: PostgreSQL killed")

    def start_postgres(self):
        if not self.pg_down:
            return
        subprocess.run(["scripts/postgres-test-cluster.sh", "resume", self.cluster], check=True,
                       stdout=subprocess.DEVNULL)
        self.pg_down = False
        self.log("  fault over: PostgreSQL running again")

    def any(self):
        return self.lock is not None or self.pg_down

    def end_all(self):
        self.unlock_sqlite()
        self.start_postgres()


class Seed:
    def __init__(self, args, seed, work):
        self.args = args
        self.seed = seed
        self.rng = random.Random(seed)
        self.work = work
        self.input = os.path.join(work, "in.jsonl")
        self.db = os.path.join(work, "out.db")
        self.dead = os.path.join(work, "dead.db")
        self.pg_url = args.postgres_url
        self.pg_table = f"chaos_{seed}_{os.getpid()}"
        self.ids = []
        self.bad = {}  # marker -> kind
        self.next_n = 1
        self.runs = []  # (how it ended, status)
        self.log_lines = []
        self.outages = Outages(self.db, args.cluster if self.pg_url else None, self.log)

    def log(self, text):
        self.log_lines.append(text)
        if self.args.verbose:
            print(text, flush=True)

    # The input: good records with an id, and bad lines among them.
    def append_input(self, count):
        with open(self.input, "ab") as f:
            for _ in range(count):
                n = self.next_n
                self.next_n += 1
                if self.rng.random() < self.args.bad_ratio:
                    kinds = ["not-json", "non-utf8", "truncated"]
                    # 16 MiB each: a few per seed.
                    kind = "oversize" if self.args.oversize and self.rng.random() < 0.05 else self.rng.choice(kinds)
                    marker = f"bad-{self.seed}-{n}"
                    self.bad[marker] = kind
                    if kind == "not-json":
                        f.write(f"this is not JSON {marker}\n".encode())
                    elif kind == "non-utf8":
                        f.write(b'{"bad":"' + marker.encode() + b'","x":"\xff\xfe\xc3("}\n')
                    elif kind == "truncated":
                        f.write(f'{{"bad":"{marker}","x":[1,2\n'.encode())
                    else:
                        f.write(f'{{"bad":"{marker}","pad":"'.encode() + b"x" * OVERSIZE + b'"}\n')
                    continue
                ident = f"r{self.seed}-{n}"
                self.ids.append(ident)
                pad = "y" * self.rng.randint(0, 200)
                f.write(json.dumps({"id": ident, "n": n, "pad": pad}).encode() + b"\n")

    def script(self):
        processor = os.path.join(self.work, "chaos_processor.lua")
        with open(processor, "w") as f:
            f.write(PROCESSOR % self.seed)
        backends = [f'storage.sqlite {{ id = "sqlite", path = "{self.db}" }}']
        if self.pg_url:
            backends.append(f'storage.postgres {{ id = "postgres", url = env("CHAOS_PG_URL", ""), '
                            f'table = "{self.pg_table}" }}')
        path = os.path.join(self.work, "chaos.lua")
        with open(path, "w") as f:
            f.write(f"""\
pipeline "chaos" {{
  from = source.follow {{ path = "{self.input}", position_file = "{self.work}/in.position", poll = "50ms" }},
  process = {{ processor.file "{processor}" }},
  to = {{ {", ".join(backends)} }},
  dead_letter = storage.sqlite {{ id = "dead", path = "{self.dead}", table = "dead_letters" }},
  spool = "{self.work}/spool.db",
  batch_size = {self.rng.choice([50, 200, 500])},
}}
""")
        return path

    def start(self, script, index):
        out = open(os.path.join(self.work, f"run{index}.out"), "wb")
        err = open(os.path.join(self.work, f"run{index}.err"), "wb")
        env = dict(os.environ)
        if self.pg_url:
            env["CHAOS_PG_URL"] = self.pg_url
        proc = subprocess.Popen([self.args.collector, "run", script, "--drain-timeout", f"{DRAIN_TIMEOUT}s",
                                 "--log-format", "logfmt"],
                                cwd=self.work, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        out.close()
        err.close()
        return proc

    def wait_exit(self, proc, index, bound):
        try:
            return proc.wait(timeout=bound)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise Failure(f"run {index} hung: not ended {bound} s after its signal (killed); see "
                          f"{self.work}/run{index}.err")

    def read(self, name):
        with open(os.path.join(self.work, name), "rb") as f:
            return f.read().decode("utf-8", "replace")

    def check_run(self, index, sent, status, faults_at_start):
        err = self.read(f"run{index}.err")
        out = self.read(f"run{index}.out")
        summary = out.strip().splitlines()[-1] if out.strip() else ""
        self.runs.append((sent, status))
        self.log(f"  run {index}: {sent} -> status {status}; {summary}")
        if "do not add up" in err:
            raise Failure(f"run {index}: the ledger did not balance:\n{err[-3000:]}")
        if sent == "SIGKILL":
            if status != -signal.SIGKILL:
                raise Failure(f"run {index}: SIGKILL gave status {status}")
            return
        allowed = {0, 3}
        # A backend that is down when the run starts may not connect within its retries: documented status 1.
        if faults_at_start and re.search(r"backend '\w+' could not connect", out + err):
            allowed.add(1)
        if status not in allowed:
            raise Failure(f"run {index}: {sent} gave status {status}, expected one of {sorted(allowed)}:\n"
                          f"{summary}\n{err[-3000:]}")
        if status == 3 and "spool" not in err:
            raise Failure(f"run {index}: status 3 without naming the spool:\n{err[-2000:]}")
        lost = re.search(r"(\d+) dead letters lost", summary)
        if lost and int(lost.group(1)) > 0:
            raise Failure(f"run {index}: dead letters lost: {summary}")

    # What the backends hold.
    def sqlite_rows(self, path, table):
        if not os.path.exists(path):
            return []
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
        try:
            return [row[0] for row in con.execute(f"SELECT data FROM {table}")]
        except sqlite3.OperationalError as error:
            if "no such table" in str(error):
                return []
            raise
        finally:
            con.close()

    def stored_ids(self, rows):
        ids = []
        for data in rows:
            ids.append(json.loads(data).get("id"))
        return ids

    def postgres_ids(self):
        result = subprocess.run(["psql", self.pg_url, "-At", "-v", "ON_ERROR_STOP=1", "-c",
                                 f"SELECT data->>'id' FROM {self.pg_table}"],
                                capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            if "does not exist" in result.stderr:
                return []
            raise Failure(f"psql failed: {result.stderr}")
        return [line for line in result.stdout.splitlines() if line]

    def dead_letters(self):
        """(record ids, bad-line markers) of the dead letters."""
        ids, markers = [], []
        for data in self.sqlite_rows(self.dead, "dead_letters"):
            letter = json.loads(data)
            record = letter.get("record") or {}
            text = json.dumps(letter)
            if isinstance(record, dict) and isinstance(record.get("id"), str):
                ids.append(record["id"])
                continue
            raw = (record.get("base64") or record.get("bytes_base64")) if isinstance(record, dict) else None
            if raw:
                text += base64.b64decode(raw).decode("utf-8", "replace")
            found = re.search(rf"bad-{self.seed}-\d+", text)
            markers.append(found.group(0) if found else f"unidentified: {text[:300]}")
        return ids, markers

    def accounted(self):
        try:
            sqlite_count = len(self.sqlite_rows(self.db, "records"))
            dead = len(self.sqlite_rows(self.dead, "dead_letters"))
            pg_count = len(self.postgres_ids()) if self.pg_url else None
        except (sqlite3.Error, Failure, subprocess.TimeoutExpired):
            return False
        failing = sum(1 for i in self.ids if fails_in_processing(self.seed, i))
        want = len(self.ids) - failing
        return (sqlite_count >= want and (pg_count is None or pg_count >= want)
                and dead >= failing + len(self.bad))

    def verify(self):
        problems = []
        failing = {i for i in self.ids if fails_in_processing(self.seed, i)}
        good = set(self.ids)

        def exactly_once(name, found, expected):
            counts = {}
            for i in found:
                counts[i] = counts.get(i, 0) + 1
            missing = sorted(expected - counts.keys())
            twice = sorted(i for i, c in counts.items() if c > 1)
            extra = sorted(str(i) for i in counts.keys() - expected)
            for what, items in (("missing", missing), ("more than once", twice), ("not expected", extra)):
                if items:
                    problems.append(f"{name}: {len(items)} {what}, e.g. {items[:5]}")

        exactly_once("sqlite", self.stored_ids(self.sqlite_rows(self.db, "records")), good - failing)
        if self.pg_url:
            exactly_once("postgres", self.postgres_ids(), good - failing)
        dead_ids, markers = self.dead_letters()
        exactly_once("dead letters (records)", dead_ids, failing)
        exactly_once("dead letters (bad lines)", markers, set(self.bad))
        if problems:
            raise Failure("\n".join(problems))
        return len(good - failing), len(failing), len(self.bad)

    def run(self):
        if self.pg_url:
            subprocess.run(["psql", self.pg_url, "-q", "-c", f"DROP TABLE IF EXISTS {self.pg_table}"],
                           capture_output=True, timeout=60)
        script = self.script()
        runs = self.rng.randint(self.args.min_runs, self.args.max_runs)
        index = 0
        try:
            for index in range(1, runs + 1):
                self.append_input(self.rng.randint(self.args.records // 2, self.args.records))
                faults_at_start = self.outages.any()
                proc = self.start(script, index)
                end = time.monotonic() + self.rng.uniform(0.5, self.args.run_seconds)
                # Faults come and go while the run lasts; some outlive it into the next start.
                while time.monotonic() < end:
                    time.sleep(self.rng.uniform(0.1, 0.8))
                    roll = self.rng.random()
                    if roll < 0.2:
                        self.outages.lock_sqlite()
                    elif roll < 0.4:
                        self.outages.unlock_sqlite()
                    elif roll < 0.55:
                        self.outages.stop_postgres()
                    elif roll < 0.7:
                        self.outages.start_postgres()
                    elif roll < 0.8:
                        self.append_input(self.rng.randint(1, self.args.records // 4 + 1))
                    if proc.poll() is not None:
                        break
                sent = "SIGKILL" if self.rng.random() < 0.4 else "SIGTERM"
                if proc.poll() is None:
                    proc.send_signal(signal.SIGKILL if sent == "SIGKILL" else signal.SIGTERM)
                else:
                    sent = "nothing (it ended by itself)"
                # A lock held past the signal keeps the drain waiting: release it at a random moment of the drain.
                if self.outages.lock is not None and self.rng.random() < 0.5:
                    time.sleep(self.rng.uniform(0, DRAIN_TIMEOUT + 1))
                    self.outages.unlock_sqlite()
                status = self.wait_exit(proc, index, EXIT_BOUND)
                self.check_run(index, sent, status, faults_at_start)
                # An outage may outlast the run into the next start: the lock often, PostgreSQL
                # sometimes (a backend down at start fails the run after its connect retries: status 1).
                if self.rng.random() < 0.5:
                    self.outages.unlock_sqlite()
                if self.rng.random() < 0.85:
                    self.outages.start_postgres()
            # The last run: no faults; everything must arrive, then SIGTERM ends it with 0.
            self.outages.end_all()
            index += 1
            proc = self.start(script, index)
            deadline = time.monotonic() + self.args.settle
            while not self.accounted() and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(0.5)
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            status = self.wait_exit(proc, index, EXIT_BOUND)
            self.check_run(index, "SIGTERM (final)", status, False)
            if status != 0:
                raise Failure(f"final run: status {status}, expected 0:\n{self.read(f'run{index}.err')[-3000:]}")
            return self.verify()
        finally:
            self.outages.end_all()


    def soak(self, minutes, every):
        """One long run at full rate under the same faults; samples its RSS. Returns the samples (seconds, KiB)."""
        if self.pg_url:
            subprocess.run(["psql", self.pg_url, "-q", "-c", f"DROP TABLE IF EXISTS {self.pg_table}"],
                           capture_output=True, timeout=60)
        script = self.script()
        self.append_input(self.args.records)
        proc = self.start(script, 1)
        samples = []
        started = time.monotonic()
        next_sample = started + every
        next_fault = started + self.rng.uniform(5, 20)
        fault_ends = None
        try:
            while time.monotonic() - started < minutes * 60:
                if proc.poll() is not None:
                    raise Failure(f"soak: the collector ended early with {proc.returncode}:\n"
                                  f"{self.read('run1.err')[-3000:]}")
                # Keep the input ahead of the collector: full rate, with a bounded backlog.
                size = os.path.getsize(self.input)
                position = self.position()
                if size - position < 20 * 1024 * 1024:
                    self.append_input(self.args.records)
                else:
                    time.sleep(0.2)
                now = time.monotonic()
                if fault_ends is None and now >= next_fault:
                    if self.rng.random() < 0.5 or not self.pg_url:
                        self.outages.lock_sqlite()
                    else:
                        self.outages.stop_postgres()
                    fault_ends = now + self.rng.uniform(1, 8)
                elif fault_ends is not None and now >= fault_ends:
                    self.outages.end_all()
                    fault_ends = None
                    next_fault = now + self.rng.uniform(5, 30)
                if now >= next_sample:
                    with open(f"/proc/{proc.pid}/status") as f:
                        rss = int(next(line.split()[1] for line in f if line.startswith("VmRSS:")))
                    samples.append((round(now - started), rss, position))
                    print(f"soak: {samples[-1][0]} s rss {rss} KiB, input read to byte {position}", flush=True)
                    next_sample += every
            self.outages.end_all()
            proc.send_signal(signal.SIGTERM)
            status = self.wait_exit(proc, 1, EXIT_BOUND)
            self.check_run(1, "SIGTERM", status, False)
            # A last run stores what the spool holds and what was not read yet.
            proc = self.start(script, 2)
            deadline = time.monotonic() + self.args.settle
            while not self.accounted() and time.monotonic() < deadline and proc.poll() is None:
                time.sleep(1)
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
            status = self.wait_exit(proc, 2, EXIT_BOUND)
            self.check_run(2, "SIGTERM (final)", status, False)
            self.verify()
            return samples
        finally:
            if proc.poll() is None:
                proc.kill()
            self.outages.end_all()

    def position(self):
        try:
            with open(os.path.join(self.work, "in.position")) as f:
                return json.load(f).get("offset", 0)
        except (OSError, ValueError):
            return 0


def report_soak(samples):
    warm = [s for s in samples if s[0] >= 60] or samples
    ys = [s[1] for s in warm]
    mean = sum(ys) / len(ys)
    third = max(1, len(ys) // 3)
    early, late = sum(ys[:third]) / third, sum(ys[-third:]) / third
    print(f"soak: RSS after the first minute: mean {mean / 1024:.1f} MiB, min {min(ys) / 1024:.1f}, "
          f"max {max(ys) / 1024:.1f}; last third vs first third {(late - early) / early * 100:+.1f} %")
    marks = [samples[0], samples[len(samples) // 2], samples[-1]]
    print("soak: RSS at start, middle, end: " + ", ".join(f"{s[1] / 1024:.1f} MiB at {s[0]} s" for s in marks))
    if len(samples) > 1:
        (t0, _, b0), (t1, _, b1) = samples[0], samples[-1]
        print(f"soak: input read at {(b1 - b0) / (t1 - t0) / 1e6:.2f} MB/s between the first and last samples")
    return abs(late - early) / early <= 0.05


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--collector", required=True)
    parser.add_argument("--seeds", type=int, nargs="+", required=True)
    parser.add_argument("--records", type=int, default=2000, help="records appended before each run (at most)")
    parser.add_argument("--min-runs", type=int, default=2)
    parser.add_argument("--max-runs", type=int, default=4)
    parser.add_argument("--run-seconds", type=float, default=4.0, help="longest a run lasts before its signal")
    parser.add_argument("--bad-ratio", type=float, default=0.01)
    parser.add_argument("--oversize", action="store_true", help="oversized (16 MiB) bad lines too")
    parser.add_argument("--settle", type=float, default=120, help="bound for the last run to store everything")
    parser.add_argument("--keep", action="store_true", help="keep each seed's directory")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--soak", type=float, metavar="MINUTES", help="one long run under faults, sampling RSS")
    parser.add_argument("--sample", type=float, default=10, help="seconds between RSS samples (soak)")
    args = parser.parse_args()
    args.collector = os.path.abspath(args.collector)
    args.postgres_url = os.environ.get("COLLECTOR_TEST_POSTGRES_URL")
    args.cluster = os.environ.get("COLLECTOR_TEST_POSTGRES_CLUSTER", "main")
    if args.postgres_url:
        print(f"chaos: backends SQLite and PostgreSQL (cluster '{args.cluster}')")
    else:
        print("chaos: backend SQLite only (COLLECTOR_TEST_POSTGRES_URL is not set: no PostgreSQL)")
    if args.soak:
        seed = args.seeds[0]
        work = tempfile.mkdtemp(prefix=f"collector-soak-{seed}-")
        run = Seed(args, seed, work)
        try:
            samples = run.soak(args.soak, args.sample)
        except Failure as error:
            print(f"chaos: soak seed {seed} FAILED (files kept in {work})")
            print("\n".join(run.log_lines))
            print(str(error))
            return 1
        print(f"chaos: soak seed {seed}: {len(run.ids)} ids stored or dead-lettered exactly once")
        # Each run's end (signal, exit status, summary line): what the docs quote.
        for line in run.log_lines:
            if line.lstrip().startswith("run "):
                print(f"soak:{line}")
        locks = sum(1 for line in run.log_lines if "fault: SQLite" in line)
        kills = sum(1 for line in run.log_lines if "fault: PostgreSQL" in line)
        print(f"soak: outages: SQLite locked {locks} times, PostgreSQL killed {kills} times")
        flat = report_soak(samples)
        print("soak: RSS flat within 5 %" if flat else "soak: RSS NOT flat within 5 %")
        if not args.keep:
            subprocess.run(["rm", "-rf", work])
        return 0 if flat else 1
    failed = []
    for seed in args.seeds:
        work = tempfile.mkdtemp(prefix=f"collector-chaos-{seed}-")
        run = Seed(args, seed, work)
        started = time.monotonic()
        try:
            stored, dead, bad = run.run()
            ends = ", ".join(f"{sent}->{status}" for sent, status in run.runs)
            kinds = {}
            for kind in run.bad.values():
                kinds[kind] = kinds.get(kind, 0) + 1
            kinds = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items()))
            print(f"chaos: seed {seed} ok in {time.monotonic() - started:.0f} s: {len(run.ids)} ids, "
                  f"{stored} stored once per backend, {dead} failed in processing and {bad} bad lines ({kinds}) "
                  f"dead-lettered once; runs: {ends}", flush=True)
            if not args.keep:
                subprocess.run(["rm", "-rf", work])
        except Failure as error:
            failed.append(seed)
            print(f"chaos: seed {seed} FAILED (reproduce: scripts/chaos.sh {seed}; files kept in {work})",
                  flush=True)
            print("\n".join(run.log_lines))
            print(str(error), flush=True)
    if failed:
        print(f"chaos: FAILED seeds: {' '.join(map(str, failed))}")
        return 1
    print(f"chaos: all {len(args.seeds)} seeds passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
