#!/usr/bin/env bash
# Demonstrates scripts/check-abi.sh on a temporary copy of the tree: it must
# pass on the unchanged tree and on an added function, fail on real breaks,
# and pass again when the break comes with a RUNLOG_ABI_VERSION bump.
#
#   tests/abi/test_abi_check.sh              cases (a)-(d)
#   tests/abi/test_abi_check.sh --extended   also (e) a member appended to
#                                            runlog_options with and without a
#                                            RUNLOG_OPTIONS_VERSION bump
#
# One line per case, then "N passed, N failed". Exit status 0 only if every
# case behaved as expected. Not a ctest test: it rebuilds the core library once
# per case (4-5 minutes on 2 cores; --extended adds about 1.5 minutes).
# RUNLOG_ABI_TEST_KEEP=1 keeps the temporary directory (its path is printed).
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
extended=0
case "${1:-}" in
    --extended) extended=1 ;;
    "") ;;
    -h|--help) sed -n '2,/^set -uo/{/^set -uo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "usage: $0 [--extended]" >&2; exit 2 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/runlog-abi-test.XXXXXX")
if [ "${RUNLOG_ABI_TEST_KEEP:-0}" = 1 ]; then
    echo "keeping $work"
else
    trap 'rm -rf "$work"' EXIT
fi
src="$work/src"
build="$work/build"
logs="$work/logs"
mkdir -p "$src" "$logs"

# ---- copy the tree (sources only: no build trees, no .git) -----------------------
if git -C "$root" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    (cd "$root" && git ls-files -co --exclude-standard -z |
        while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
        tar --null -cf - -T -) | tar -xf - -C "$src"
else
    (cd "$root" && tar --exclude=./build --exclude='./build-*' --exclude=./.git -cf - .) |
        tar -xf - -C "$src"
fi
[ -f "$src/abi/runlog-abi1.xml" ] || { echo "no abi/runlog-abi1.xml in the tree: run scripts/check-abi.sh --update"; exit 2; }

touched=(capi/runlog.h capi/runlog.cpp core/settings.cpp CMakeLists.txt)
mkdir -p "$work/pristine"
for f in "${touched[@]}"; do cp "$src/$f" "$work/pristine/${f//\//_}"; done
restore() {
    local f
    for f in "${touched[@]}"; do
        # Only copy back what differs, so ninja rebuilds no more than needed.
        cmp -s "$work/pristine/${f//\//_}" "$src/$f" || cp "$work/pristine/${f//\//_}" "$src/$f"
    done
}

# ---- the edits (each checks that it applied, so a drifting header cannot
#      turn a break case into a silent pass) ------------------------------------------
applied() { grep -q -- "$2" "$src/$1" || { echo "edit did not apply: '$2' not in $1"; return 1; }; }

edit_add_function() {
    # Declared just before the closing extern "C" block, defined in runlog.cpp.
    awk '/^#ifdef __cplusplus$/ { last = NR } { line[NR] = $0 }
         END { for (i = 1; i <= NR; i++) {
                 if (i == last) print "RUNLOG_API int runlog_abi_demo_added(runlog_run *run, runlog_error *err);\n"
                 print line[i] } }' "$src/capi/runlog.h" > "$work/h" && mv "$work/h" "$src/capi/runlog.h"
    printf '\nextern "C" int runlog_abi_demo_added(runlog_run *, runlog_error *) { return RUNLOG_OK; }\n' \
        >> "$src/capi/runlog.cpp"
    applied capi/runlog.h 'runlog_abi_demo_added'
}
edit_remove_field() {
    # runlog_options loses `notes`; its _INIT macro loses one NULL; the core
    # stops reading it.
    sed -i '/^    const char \*notes;/d
            s/^\(#define RUNLOG_OPTIONS_INIT { RUNLOG_OPTIONS_VERSION\), NULL,/\1,/' "$src/capi/runlog.h"
    sed -i 's/opts->notes/nullptr/' "$src/core/settings.cpp"
    ! grep -q 'const char \*notes;' "$src/capi/runlog.h" || { echo "edit did not apply: notes still in runlog_options"; return 1; }
}
edit_param_type() {
    # runlog_flush(run, int32_t timeout_ms, err) -> int64_t timeout_ms
    sed -i 's/^\(RUNLOG_API int runlog_flush(runlog_run \*[a-z_]*, \)int32_t /\1int64_t /' "$src/capi/runlog.h"
    sed -i 's/^\(int runlog_flush(runlog_run \*[a-z_]*, \)int32_t /\1int64_t /' "$src/capi/runlog.cpp"
    applied capi/runlog.h 'runlog_flush(runlog_run \*[a-z_]*, int64_t' &&
        applied capi/runlog.cpp 'runlog_flush(runlog_run \*[a-z_]*, int64_t'
}
edit_reorder_enum() {
    # enum runlog_status: NOT_OBJECT moves above INVALID_JSON and the values
    # are renumbered in order (INVALID_JSON -2 -> -3, NOT_OBJECT -3 -> -2).
    awk '/^    RUNLOG_E_INVALID_JSON = -2,/ { held = $0; sub(/-2,/, "-3,", held); next }
         /^    RUNLOG_E_NOT_OBJECT = -3,/ { sub(/-3,/, "-2,"); print; if (held != "") print held; held = ""; next }
         { print }' "$src/capi/runlog.h" > "$work/h" && mv "$work/h" "$src/capi/runlog.h"
    applied capi/runlog.h 'RUNLOG_E_INVALID_JSON = -3,' && applied capi/runlog.h 'RUNLOG_E_NOT_OBJECT = -2,'
}
edit_bump_abi() {
    sed -i 's/^#define RUNLOG_ABI_VERSION 1$/#define RUNLOG_ABI_VERSION 2/' "$src/capi/runlog.h"
    sed -i 's/^set(RUNLOG_ABI_VERSION 1)$/set(RUNLOG_ABI_VERSION 2)/' "$src/CMakeLists.txt"
    applied capi/runlog.h '^#define RUNLOG_ABI_VERSION 2$' && applied CMakeLists.txt '^set(RUNLOG_ABI_VERSION 2)$'
}
edit_append_field() {
    # A new last member of runlog_options (and a 0 at the end of its _INIT).
    awk 'inopts && /^} runlog_options;/ { print "    uint32_t abi_demo_appended;    /* new in RUNLOG_OPTIONS_VERSION 2 */"; inopts = 0 }
         /^typedef struct runlog_options \{/ { inopts = 1 }
         { print }' "$src/capi/runlog.h" > "$work/h" && mv "$work/h" "$src/capi/runlog.h"
    sed -i '/^#define RUNLOG_OPTIONS_INIT/,/}$/s/ }$/, 0 }/' "$src/capi/runlog.h"
    applied capi/runlog.h 'abi_demo_appended;'
}
edit_bump_options_version() {
    sed -i 's/^#define RUNLOG_OPTIONS_VERSION 1$/#define RUNLOG_OPTIONS_VERSION 2/' "$src/capi/runlog.h"
    # The library must accept callers built against version 1 too.
    sed -i 's/version != RUNLOG_OPTIONS_VERSION/version < 1 || version > RUNLOG_OPTIONS_VERSION/' "$src/capi/runlog.cpp"
    applied capi/runlog.h '^#define RUNLOG_OPTIONS_VERSION 2$'
}

# ---- run the cases -------------------------------------------------------------------
passed=0
failed=0
n=0
# case LABEL EXPECT(pass|fail) PATTERN EDIT...
#   PATTERN: an extended regex the check's output must contain.
run_case() {
    local label=$1 expect=$2 pattern=$3
    shift 3
    n=$((n + 1))
    local log="$logs/case$n.log" start rc=0 verdict why=""
    start=$(date +%s)
    restore
    local e
    for e in "$@"; do
        if ! "edit_$e" > "$log" 2>&1; then
            rc=-1; break
        fi
    done
    if [ $rc = 0 ]; then
        "$src/scripts/check-abi.sh" "$build" >> "$log" 2>&1 || rc=$?
    fi
    local got="pass"
    [ $rc = 0 ] || got="fail"
    if [ $rc = -1 ]; then
        verdict=FAIL; why="the edit did not apply ($(tail -1 "$log"))"
    elif [ $rc = 2 ]; then
        verdict=FAIL; why="check-abi.sh could not run (exit 2)"
    elif [ "$got" != "$expect" ]; then
        verdict=FAIL; why="check-abi.sh exit $rc, expected it to $expect"
    elif ! grep -Eq -- "$pattern" "$log"; then
        verdict=FAIL; why="exit $rc as expected, but the output lacks /$pattern/"
    else
        verdict=PASS; why="check ${got}ed (exit $rc)"
    fi
    printf '%s %-62s %s [%ss]\n' "$verdict" "$label" "$why" "$(( $(date +%s) - start ))"
    if [ $verdict = PASS ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        sed 's/^/    | /' "$log" | tail -40
    fi
}

echo "tree copied to $src; building in $build"
run_case "(a) unchanged tree -> passes" pass 'OK: librunlog.so.1 matches'
run_case "(b) new function runlog_abi_demo_added -> passes" pass \
    'functions added \(allowed\)' add_function
run_case "(c1) field removed from runlog_options -> fails" fail \
    "data member deletion:|'const char\* notes'" remove_field
run_case "(c2) runlog_flush timeout int32_t -> int64_t -> fails" fail \
    'runlog_flush' param_type
run_case "(c3) enum runlog_status reordered -> fails" fail \
    'RUNLOG_E_INVALID_JSON: -2 -> -3' reorder_enum
if [ $extended = 1 ]; then
    run_case "(e1) member appended to runlog_options, no version bump -> fails" fail \
        'data member insertion' append_field
    run_case "(e2) member appended + RUNLOG_OPTIONS_VERSION 2 -> passes" pass \
        'RUNLOG_OPTIONS_VERSION 1 -> 2' append_field bump_options_version
fi
run_case "(d) field removed + RUNLOG_ABI_VERSION 2 -> passes, 'bumped'" pass \
    'RUNLOG_ABI_VERSION was bumped from 1 to 2' remove_field bump_abi
restore

echo "$passed passed, $failed failed"
[ $failed = 0 ]
