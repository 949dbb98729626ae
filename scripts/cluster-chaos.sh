#!/usr/bin/env bash
# Cluster mode under chaos, longer than the test suite's version
# (Tests/CollectorCLITests/ClusterRunTests.swift): collectors run with
# --cluster share SOURCES polled sources of a local fixture API that counts
# pollers per source; one is killed (kill -9), one paused past its lease
# (SIGSTOP, then SIGCONT), a fourth joins, then all stop with SIGTERM. Checks:
# no source polled by two members at once, takeover within two lease periods,
# every record served to a member that was not killed stored once (or
# dead-lettered as fenced off). Prints the takeover times.
#
#   scripts/cluster-chaos.sh [SOURCES] [LEASE_SECONDS] [PHASE_SECONDS]   (default 200 2 10)
#
# Needs COLLECTOR (default .build/debug/collector) and COLLECTOR_TEST_POSTGRES_URL
# (default: from .build/postgres-test.env; scripts/postgres-test-cluster.sh start makes it).
set -euo pipefail
cd "$(dirname "$0")/.."
sources=${1:-200}
lease=${2:-2}
phase=${3:-10}
collector=${COLLECTOR:-$PWD/.build/debug/collector}
if [[ -z ${COLLECTOR_TEST_POSTGRES_URL:-} && -f .build/postgres-test.env ]]; then
    # shellcheck disable=SC1091
    source .build/postgres-test.env
fi
url=${COLLECTOR_TEST_POSTGRES_URL:?set COLLECTOR_TEST_POSTGRES_URL or run scripts/postgres-test-cluster.sh start}
work=$(mktemp -d)
table="chaos_$(date +%s)_$$"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    [[ -n ${fixture:-} ]] && kill -KILL "$fixture" 2>/dev/null || true
    psql "$url" -qc "DROP TABLE IF EXISTS $table" >/dev/null 2>&1 || true
    rm -rf "$work"
}
trap cleanup EXIT

python3 -u Tests/Fixtures/cluster_poll_fixture.py > "$work/fixture.out" &
fixture=$!
for _ in $(seq 100); do [[ -s $work/fixture.out ]] && break; sleep 0.1; done
base="http://127.0.0.1:$(head -n 1 "$work/fixture.out")"
cat > "$work/chaos.lua" <<LUA
cluster { lease = "${lease}s", name = "$table" }
local sources = {}
for i = 1, $sources do
  sources[i] = source.http {
    id = "s" .. i, url = "$base/s/" .. i, every = "2s", jitter = 0,
    conditional = false, headers = { ["X-Member"] = env("MEMBER") },
  }
end
pipeline "poll" {
  from = sources,
  to = storage.postgres { url = env("DB_URL"), table = "$table" },
  dead_letter = storage.jsonl { path = env("DEAD") },
  batch_size = 100,
}
LUA
start() {
    MEMBER=$1 DB_URL=$url DEAD="$work/$1.dead.jsonl" "$collector" run --quiet --cluster "$url" "$work/chaos.lua" \
        > "$work/$1.out" 2> "$work/$1.err" &
    pids+=($!)
    eval "pid_$1=$!"
}
analyse() { curl -s --noproxy '*' "$base/log" > "$work/log.json"; python3 - "$work" "$lease" "$@" <<'PY'
import json, sys
work, lease = sys.argv[1], float(sys.argv[2])
log = json.load(open(work + "/log.json"))
mode = sys.argv[3]
now = max(e[2] for e in log) if log else 0
if mode == "holders":      # members polling in the last 2 s, and how many sources each
    recent = {}
    for source, member, at, _, _ in log:
        if at > now - 2: recent[source] = member
    counts = {}
    for m in recent.values(): counts[m] = counts.get(m, 0) + 1
    print(len(recent), json.dumps(counts, sort_keys=True))
elif mode == "takeover":   # per source of the killed member: from the kill to the first poll by another
    killed, since = sys.argv[4], float(sys.argv[5])
    gaps = []
    by = {}
    for source, member, at, _, _ in log: by.setdefault(source, []).append((at, member))
    for polls in by.values():
        mine = [at for at, m in polls if m == killed]
        if not mine or max(mine) < since - 3: continue
        later = [at for at, m in polls if m != killed and at > since]
        if later: gaps.append(min(later) - since)
    gaps.sort()
    if gaps:
        print("takeover of %d sources, from kill -9 to the successor's first poll: median %.2fs, max %.2fs (lease %.1fs)" % (len(gaps), gaps[len(gaps)//2], gaps[-1], lease))
        if gaps[-1] > 2 * lease: print("FAIL: a takeover took longer than two lease periods"); sys.exit(1)
PY
}
wait_holders() {  # wait until $1 sources are polled by $2 members
    for _ in $(seq 600); do
        read -r n counts < <(analyse holders) || true
        if [[ ${n:-0} -ge $1 && $(echo "$counts" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') -ge $2 ]]; then
            echo "  $n sources polled: $counts"; return 0
        fi
        sleep 0.5
    done
    echo "FAIL: timed out waiting for $1 sources polled by $2 members"; exit 1
}

echo "cluster-chaos: $sources sources, lease ${lease}s, collector $collector"
start m1; start m2; start m3
wait_holders "$sources" 3
sleep "$phase"
echo "kill -9 m1"
killed_at=$(date +%s.%N)
kill -KILL "$pid_m1"
wait_holders "$sources" 2
sleep "$phase"
analyse takeover m1 "$killed_at"
echo "SIGSTOP m2 for $((2 * lease + 2))s, then SIGCONT"
kill -STOP "$pid_m2"
sleep $((2 * lease + 2))
kill -CONT "$pid_m2"
sleep "$phase"
echo "m4 joins"
start m4
sleep "$phase"
wait_holders "$sources" 3
echo "SIGTERM m2 m3 m4"
kill -TERM "$pid_m2" "$pid_m3" "$pid_m4"
for name in m2 m3 m4; do
    pid_var="pid_$name"
    status=0; wait "${!pid_var}" || status=$?
    echo "  $name exited $status"; [[ $status == 0 ]] || tail -n 3 "$work/$name.err"
done
psql "$url" -qAtc "SELECT data->>'rid' FROM $table" > "$work/stored.txt"
cat "$work"/*.dead.jsonl > "$work/dead.txt" 2>/dev/null || true
curl -s --noproxy '*' "$base/stats?window=0.6" > "$work/stats.json"
curl -s --noproxy '*' "$base/log" > "$work/log.json"
python3 - "$work" "$lease" <<'PY'
import json, sys
work, lease = sys.argv[1], float(sys.argv[2])
stats = json.load(open(work + "/stats.json"))
log = json.load(open(work + "/log.json"))
stored = open(work + "/stored.txt").read().split()
dead = open(work + "/dead.txt").read()
failed = False
print("polls %d, most pollers of one source at once %d, interleaved polls %d" % (stats["polls"], stats["max_in_flight"], stats["interleaved"]))
if stats["max_in_flight"] != 1 or stats["interleaved"] != 0:
    print("FAIL: a source was polled by two members at once:", stats["overlaps"]); failed = True
if len(set(stored)) != len(stored):
    print("FAIL: %d records stored twice" % (len(stored) - len(set(stored)))); failed = True
kept = set(stored)
missing = []
unanswered = sum(1 for e in log if not e[4])
for i, (source, member, at, rid, answered) in enumerate(log):
    if member == "m1" or not answered or rid in kept or ('"%s"' % rid) in dead: continue
    nxt = next((e for e in log[i + 1:] if e[0] == source), None)
    if nxt is None or nxt[1] != member or nxt[2] - at > lease: continue  # abandoned in flight
    missing.append(rid)
fenced = dead.count("no longer holds the lease")
print("stored %d records once each; %d fenced off into dead letters; %d polls unanswered (the poller gave up or stopped); %d lost" % (len(stored), fenced, unanswered, len(missing)))
if missing:
    print("FAIL: served and neither stored nor dead-lettered:", missing[:10]); failed = True
print("FAIL" if failed else "PASS")
sys.exit(1 if failed else 0)
PY
