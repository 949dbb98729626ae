#!/usr/bin/env bash
# Runs the tests of the Lua boundary under the sanitizers: LuaRuntimeTests,
# CollectorValuesTests (the JSON codec) and CollectorScriptingTests, built
# with AddressSanitizer (with LeakSanitizer) and with ThreadSanitizer, C
# (CLuaSupport) and Swift alike.
#
#   scripts/sanitize.sh [address|thread]...   (default: address thread)
#
# Each sanitizer has a build folder of its own (.build-asan, .build-tsan), so
# the normal build is untouched and a second run only rebuilds what changed.
# The run fails if a test fails or a sanitizer reports anything; the full
# logs are .build-asan/sanitize-*.log and .build-tsan/sanitize-*.log.
# Too slow for every CI run (see docs/architecture.md): run it before a release.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

sanitizers=("$@")
[[ ${#sanitizers[@]} -gt 0 ]] || sanitizers=(address thread)
filter='^(LuaRuntimeTests|CollectorValuesTests|CollectorScriptingTests)\.'

# Swift's crash backtracer is off: the sanitizer reports a crash itself, and
# the backtracer's reads of other threads' stacks would be reported as errors.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS=detect_leaks=1:detect_stack_use_after_return=1:strict_string_checks=1
export LSAN_OPTIONS=suppressions=$root/scripts/sanitizers/lsan.supp:print_suppressions=0
export TSAN_OPTIONS=halt_on_error=0:second_deadlock_stack=1:suppressions=$root/scripts/sanitizers/tsan.supp

failed=()
for sanitizer in "${sanitizers[@]}"; do
    case $sanitizer in
        address) scratch=.build-asan ;;
        thread) scratch=.build-tsan ;;
        *) echo "sanitize: unknown sanitizer '$sanitizer' (address or thread)" >&2; exit 2 ;;
    esac
    mkdir -p "$scratch"
    build_log=$scratch/sanitize-build.log
    test_log=$scratch/sanitize-test.log

    echo "sanitize: building the tests with -sanitize=$sanitizer in $scratch (log: $build_log)"
    start=$SECONDS
    if ! swift build --build-tests --scratch-path "$scratch" --sanitize="$sanitizer" > "$build_log" 2>&1; then
        grep -E "error:" "$build_log" | head -20 >&2 || tail -20 "$build_log" >&2
        echo "sanitize: the $sanitizer build failed (log: $build_log)" >&2
        exit 1
    fi
    built=$((SECONDS - start))

    echo "sanitize: running LuaRuntimeTests, CollectorValuesTests, CollectorScriptingTests (log: $test_log)"
    start=$SECONDS
    set +e
    swift test --skip-build --scratch-path "$scratch" --sanitize="$sanitizer" --filter "$filter" > "$test_log" 2>&1
    status=$?
    set -e
    ran=$((SECONDS - start))

    reports=$(grep -cE "^==[0-9]+==ERROR: (AddressSanitizer|LeakSanitizer)|^WARNING: ThreadSanitizer" "$test_log" || true)
    summary=$(grep -E "Test run with [0-9]+ tests" "$test_log" | tail -1 || true)
    echo "sanitize: $sanitizer: built in ${built}s, tests ran in ${ran}s; ${summary:-no test summary}"
    if [[ $status -ne 0 || $reports -ne 0 ]] || ! grep -qE "Test run with [0-9]+ tests? .*passed" "$test_log"; then
        echo "sanitize: $sanitizer: $reports sanitizer report(s), exit status $status:" >&2
        grep -E "^SUMMARY|✘" "$test_log" | head -10 >&2 || true
        # Each report (an error, a race, a leak) by its kind and the first
        # frame of ours in its stack, counted.
        awk -v root="$root/" '
            /^==[0-9]+==ERROR: |^WARNING: ThreadSanitizer: |^(Direct|Indirect) leak of / {
                kind = $0
                sub(/^==[0-9]+==/, "", kind); sub(/ on address.*| \(pid=.*| of [0-9]+ byte.*/, "", kind)
                open = 1; next
            }
            open && index($0, root) {
                match($0, root "[^ )]+"); print kind " at " substr($0, RSTART + length(root), RLENGTH - length(root)); open = 0
            }' "$test_log" | sort | uniq -c | sort -rn | head -20 >&2
        failed+=("$sanitizer")
    fi
done

if [[ ${#failed[@]} -ne 0 ]]; then
    echo "sanitize: FAILED under: ${failed[*]}" >&2
    exit 1
fi
echo "sanitize: clean under: ${sanitizers[*]}"
