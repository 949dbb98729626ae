#!/usr/bin/env bash
# Fuzzes the JSON readers and the Lua boundary with libFuzzer.
#
#   scripts/fuzz.sh [SECONDS]        (default: 300)
#   scripts/fuzz.sh --replay FILE... runs the given inputs once (a crash file, the seed corpus)
#
# The target is Fuzz/ (a package of its own, so the main build never sees
# it), built in release mode with -sanitize=fuzzer,address. Every input is
# checked as JSON text (JSONReader into DataValue and JSONText into Lua must
# agree; what was read must write and read back the same) and as a recipe
# for a DataValue (through Lua and back bit for bit; JSON text written by the
# state or by JSONWriter reads back the same). A failed check or a sanitizer
# report stops the run; libFuzzer saves the input under Fuzz/.build/crashes/.
# New inputs collect in Fuzz/.build/corpus/ (kept between runs); the seeds in
# Fuzz/corpus/ are only read.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "fuzz: building Fuzz/ (release, libFuzzer and AddressSanitizer)"
swift build --package-path Fuzz -c release --product collector-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -g \
    -Xcc -fsanitize=fuzzer-no-link,address -Xswiftc -use-ld=lld
fuzzer=Fuzz/.build/release/collector-fuzz

# Leak checks stay off: Lua frees garbage when its collector runs, not
# within the input that made it, which libFuzzer's per-input leak check
# would take for a leak (and it would scan the heap after every input).
# Swift's own crash backtracer is off: libFuzzer reports the crash (with
# the sanitizer's stack) and saves the input.
export SWIFT_BACKTRACE=enable=no
options=(-detect_leaks=0 -max_len=4096 -timeout=10)

if [[ "${1:-}" == "--replay" ]]; then
    shift
    exec "$fuzzer" "${options[@]}" "$@"
fi

seconds=${1:-300}
mkdir -p Fuzz/.build/corpus Fuzz/.build/crashes
echo "fuzz: fuzzing for $seconds s (seeds: Fuzz/corpus, found inputs: Fuzz/.build/corpus)"
set +e
"$fuzzer" "${options[@]}" -max_total_time="$seconds" -print_final_stats=1 \
    -artifact_prefix=Fuzz/.build/crashes/ Fuzz/.build/corpus Fuzz/corpus
status=$?
set -e
if [[ $status -ne 0 ]]; then
    echo "fuzz: a check failed or a sanitizer reported an error; the input is in Fuzz/.build/crashes/" >&2
    echo "fuzz: replay it with: scripts/fuzz.sh --replay Fuzz/.build/crashes/<file>" >&2
    exit 1
fi
echo "fuzz: no failure in $seconds s"
