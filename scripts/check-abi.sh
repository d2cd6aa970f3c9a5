#!/usr/bin/env bash
# Checks that librunlog.so still has the binary interface recorded in
# abi/runlog-abi<N>.xml (+ abi/runlog-abi<N>.constants), N = RUNLOG_ABI_VERSION.
# The rules it enforces are in docs/abi.md.
#
#   scripts/check-abi.sh [BUILD_DIR]            check (default BUILD_DIR: build/abi)
#   scripts/check-abi.sh --update [BUILD_DIR]   (re)write the baseline of the current
#                                               ABI version from BUILD_DIR's library
#   scripts/check-abi.sh --update --force [BUILD_DIR]  overwrite it even if incompatible
#   scripts/check-abi.sh --help
#
# BUILD_DIR is a CMake build tree of this source tree. If it is not configured
# yet it is configured here (Debug: -O0 -g, core library only); if it is, only
# the `runlog` target is rebuilt. The library needs DWARF (-g): Debug or
# RelWithDebInfo, not Release. Both give the same ABI dump.
#
# What is checked:
#   1. RUNLOG_ABI_VERSION is the same in capi/runlog.h and CMakeLists.txt, and
#      the library's SONAME is librunlog.so.<N>.
#   2. Every exported symbol (nm -D --defined-only) is a runlog_* function.
#   3. The header's constants (every enumerator, every integer #define except
#      the release version) keep their values; struct version macros
#      (RUNLOG_<X>_VERSION) may only grow. Enumerators are invisible to abidiff
#      (the API passes them as int), hence this separate check.
#   4. abidiff of the library's ABI (the public types and runlog_* functions)
#      against the baseline: any change fails (abidiff's ABI_CHANGE bit 4 or
#      ABI_INCOMPATIBLE_CHANGE bit 8) except
#        - added functions;
#        - members appended at the end of a struct whose RUNLOG_<X>_VERSION
#          grew (runlog_options <- RUNLOG_OPTIONS_VERSION, and so on).
# If RUNLOG_ABI_VERSION is newer than the newest baseline, 3 and 4 are skipped
# with a note that the ABI version was bumped: run --update and commit the new
# baseline. --update refuses to overwrite a baseline of the same ABI version
# that the library no longer matches (that would hide a break) unless --force.
#
# Needs: cmake, a C/C++ toolchain (scripts/setup-debian.sh), binutils (nm,
# readelf) and abigail-tools (abidw/abidiff; tested with libabigail 2.2 on
# Debian 12), which this script installs with apt-get when missing (as root,
# or through sudo).
#
# Exit status: 0 compatible (or version bumped), 1 ABI check failed,
# 2 usage or environment error.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
header="$root/capi/runlog.h"
abidir="$root/abi"

die() { echo "check-abi: $*" >&2; exit 2; }
say() { echo "check-abi: $*"; }

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }

update=0
force=0
build_dir=""
while [ $# -gt 0 ]; do
    case "$1" in
        --update) update=1 ;;
        --force) force=1 ;;
        -h|--help) usage; exit 0 ;;
        -*) echo "check-abi: unknown option $1" >&2; usage >&2; exit 2 ;;
        *) [ -z "$build_dir" ] || die "only one BUILD_DIR, got '$build_dir' and '$1'"; build_dir="$1" ;;
    esac
    shift
done
[ -n "$build_dir" ] || build_dir="$root/build/abi"
mkdir -p "$build_dir"
build_dir="$(cd "$build_dir" && pwd)"

# ---- tools -------------------------------------------------------------------
need_apt=()
command -v abidw >/dev/null 2>&1 && command -v abidiff >/dev/null 2>&1 || need_apt+=(abigail-tools)
command -v nm >/dev/null 2>&1 && command -v readelf >/dev/null 2>&1 || need_apt+=(binutils)
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v cmake >/dev/null 2>&1 || need_apt+=(cmake)
if [ ${#need_apt[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        die "missing ${need_apt[*]} and no apt-get: install libabigail's abidw/abidiff, binutils and a C compiler"
    fi
    if [ "$(id -u)" = 0 ]; then sudo=()
    elif command -v sudo >/dev/null 2>&1; then sudo=(sudo)
    else die "missing ${need_apt[*]}: run as root, or: apt-get install -y ${need_apt[*]}"; fi
    say "installing ${need_apt[*]} (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    "${sudo[@]}" apt-get update -q >/dev/null
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${need_apt[@]}" >/dev/null
fi
[ "$(getconf LONG_BIT 2>/dev/null || echo 64)" = 64 ] ||
    die "the baseline describes the LP64 ABI (x86_64, aarch64...); this is a $(getconf LONG_BIT)-bit system"

# ---- versions ------------------------------------------------------------------
abi=$(sed -n 's/^#define RUNLOG_ABI_VERSION \([0-9][0-9]*\).*/\1/p' "$header")
cmake_abi=$(sed -n 's/^set(RUNLOG_ABI_VERSION \([0-9][0-9]*\)).*/\1/p' "$root/CMakeLists.txt")
[ -n "$abi" ] || die "no '#define RUNLOG_ABI_VERSION <n>' in capi/runlog.h"
[ -n "$cmake_abi" ] || die "no 'set(RUNLOG_ABI_VERSION <n>)' in CMakeLists.txt"
failures=0
fail() { echo "check-abi: FAIL: $*"; failures=$((failures + 1)); }
if [ "$abi" != "$cmake_abi" ]; then
    fail "RUNLOG_ABI_VERSION is $abi in capi/runlog.h but $cmake_abi in CMakeLists.txt (it is the SONAME): make them equal"
fi

newest=""
for f in "$abidir"/runlog-abi*.xml; do
    [ -e "$f" ] || continue
    v=${f##*/runlog-abi}; v=${v%.xml}
    case "$v" in ''|*[!0-9]*) continue ;; esac
    if [ -z "$newest" ] || [ "$v" -gt "$newest" ]; then newest=$v; fi
done
baseline_xml="$abidir/runlog-abi$abi.xml"
baseline_constants="$abidir/runlog-abi$abi.constants"

# ---- build -------------------------------------------------------------------------
if [ ! -f "$build_dir/CMakeCache.txt" ]; then
    generator=()
    command -v ninja >/dev/null 2>&1 && generator=(-G Ninja)
    say "configuring $build_dir (Debug, core library only)"
    cmake -S "$root" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Debug \
        -DRUNLOG_BUILD_TESTS=OFF -DRUNLOG_BUILD_BENCH=OFF -DRUNLOG_BUILD_EXAMPLES=OFF \
        -DRUNLOG_BUILD_CLI=OFF >/dev/null ||
        die "cmake configure failed (missing dependencies? run scripts/setup-debian.sh)"
else
    src=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build_dir/CMakeCache.txt")
    if [ -n "$src" ] && [ "$(cd "$src" 2>/dev/null && pwd -P)" != "$(cd "$root" && pwd -P)" ]; then
        die "$build_dir is a build tree of $src, not of $root"
    fi
fi
say "building librunlog.so in $build_dir"
if ! build_log=$(cmake --build "$build_dir" --target runlog 2>&1); then
    echo "$build_log" | tail -40
    die "the build failed"
fi
lib="$build_dir/core/librunlog.so"
[ -e "$lib" ] || lib=$(find "$build_dir" -name 'librunlog.so' -print -quit)
[ -n "$lib" ] && [ -e "$lib" ] || die "no librunlog.so under $build_dir"
lib=$(readlink -f "$lib")
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
    die "$lib has no debug info: configure $build_dir with -DCMAKE_BUILD_TYPE=Debug or RelWithDebInfo (or use another BUILD_DIR)"
fi

# ---- SONAME and exports ---------------------------------------------------------------
soname=$(readelf -d "$lib" | sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p')
[ "$soname" = "librunlog.so.$cmake_abi" ] ||
    fail "SONAME is '$soname', expected librunlog.so.$cmake_abi"
exports=$(nm -D --defined-only "$lib" | awk 'NF >= 3 { print $2, $3 }')
[ -n "$exports" ] || fail "the library exports nothing"
bad_names=$(echo "$exports" | awk '$2 !~ /^runlog_/ { print "  " $2 " (" $1 ")" }')
if [ -n "$bad_names" ]; then
    fail "exported symbols not named runlog_* (core/runlog.map must keep them local):"
    echo "$bad_names"
fi
bad_kinds=$(echo "$exports" | awk '$2 ~ /^runlog_/ && $1 != "T" { print "  " $2 " (" $1 ")" }')
if [ -n "$bad_kinds" ]; then
    fail "exported runlog_* symbols that are not functions (the ABI exports functions only):"
    echo "$bad_kinds"
fi
say "exports: $(echo "$exports" | wc -l) symbols, SONAME $soname"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/runlog-abi.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# ---- the two artefacts ------------------------------------------------------------
# ABI dump: only the runlog_* functions and the types of capi/. Compare dumps
# made with the same flags (never pass --headers-dir to abidiff itself: with a
# location-free baseline it filters every change out).
dump_abi() {
    abidw --headers-dir "$root/capi" --drop-private-types --exported-interfaces-only \
        --no-show-locs --no-corpus-path --no-comp-dir-path --no-elf-needed \
        --no-architecture --type-id-style hash "$lib" --out-file "$1.raw"
    # The translation unit's absolute path is noise: make it relative.
    sed "s|path='$root/|path='|" "$1.raw" > "$1"
    rm -f "$1.raw"
}
# Constants: every enumerator and integer macro of the header, evaluated by
# the C compiler. Release numbers (RUNLOG_VERSION_*) and RUNLOG_ABI_VERSION
# are left out: they change by design.
dump_constants() {
    local names="$tmp/names" probe="$tmp/probe.c"
    gcc_clean() { cc -fpreprocessed -dD -E -P -x c "$header" 2>/dev/null; }
    {
        gcc_clean | awk '/^#define RUNLOG_[A-Z0-9_]+[ \t]+[-(0-9]/ { print $2 }'
        gcc_clean | tr '\n' ' ' | awk '{
            s = $0
            while (match(s, /enum[ \t]+[A-Za-z_0-9]+[ \t]*\{[^}]*\}/)) {
                block = substr(s, RSTART, RLENGTH); s = substr(s, RSTART + RLENGTH)
                sub(/^[^{]*\{/, "", block); sub(/\}$/, "", block)
                n = split(block, items, ",")
                for (i = 1; i <= n; i++) {
                    item = items[i]; sub(/^[ \t]+/, "", item); sub(/[ \t=].*$/, "", item)
                    if (item != "") print item
                }
            }
        }'
    } | grep -v -E '^RUNLOG_(VERSION_[A-Z]+|ABI_VERSION)$' | sort -u > "$names"
    {
        echo '#include <stdio.h>'
        echo '#include "runlog.h"'
        echo '#define P(x) do { if ((x) < 0) printf("%s %lld\n", #x, (long long)(x)); \'
        echo '    else printf("%s %llu\n", #x, (unsigned long long)(x)); } while (0)'
        echo 'int main(void) {'
        sed 's/.*/    P(&);/' "$names"
        echo '    return 0;'
        echo '}'
    } > "$probe"
    cc -std=c99 -w -I"$root/capi" "$probe" -o "$tmp/probe" ||
        die "could not compile the constants probe ($probe)"
    {
        echo "# runlog ABI $abi: values of the public enumerators and integer macros of"
        echo "# capi/runlog.h. Generated by scripts/check-abi.sh --update; do not edit."
        "$tmp/probe"
    } > "$1"
}

dump_abi "$tmp/current.xml"
dump_constants "$tmp/current.constants"

# ---- compare --------------------------------------------------------------------------
# Sets compare_ok=1/0 and prints the findings.
compare() {
    local ok=1
    # Constants.
    local supp="$tmp/appended.supp"
    : > "$supp"
    local missing changed grown added
    missing="" changed="" grown="" added=""
    while read -r name value; do
        case "$name" in ''|'#'*) continue ;; esac
        local now
        now=$(awk -v n="$name" '$1 == n { print $2 }' "$tmp/current.constants")
        if [ -z "$now" ]; then
            missing+="  $name (was $value)"$'\n'
        elif [ "$now" != "$value" ]; then
            if [[ "$name" =~ ^RUNLOG_[A-Z0-9_]+_VERSION$ ]] && [ "$now" -gt "$value" ] 2>/dev/null; then
                local struct
                struct="runlog_$(echo "${name#RUNLOG_}" | sed 's/_VERSION$//' | tr 'A-Z' 'a-z')"
                grown+="  $name $value -> $now: $struct may have members appended"$'\n'
                printf '[suppress_type]\n  type_kind = struct\n  name = %s\n  has_data_member_inserted_at = end\n\n' \
                    "$struct" >> "$supp"
            else
                changed+="  $name: $value -> $now"$'\n'
            fi
        fi
    done < "$baseline_constants"
    added=$(awk 'NR == FNR { if ($1 !~ /^#/) seen[$1] = 1; next }
                 $1 !~ /^#/ && !($1 in seen) { print "  " $1 " = " $2 }' \
                "$baseline_constants" "$tmp/current.constants")
    if [ -n "$missing" ]; then
        fail "constants removed from capi/runlog.h:"; printf '%s' "$missing"; ok=0
    fi
    if [ -n "$changed" ]; then
        fail "constants changed value (enumerators are never renumbered or reordered; struct versions only grow):"
        printf '%s' "$changed"; ok=0
    fi
    [ -z "$grown" ] || { say "struct versions bumped:"; printf '%s' "$grown"; }
    [ -z "$added" ] || { say "constants added (allowed):"; echo "$added"; }

    # Types and functions.
    local supp_args=()
    [ -s "$supp" ] && supp_args=(--suppressions "$supp")
    local rc=0
    abidiff --no-added-syms "${supp_args[@]}" "$baseline_xml" "$tmp/current.xml" \
        > "$tmp/abidiff.txt" 2>&1 || rc=$?
    if [ $((rc & 3)) -ne 0 ]; then
        cat "$tmp/abidiff.txt"
        die "abidiff itself failed (exit $rc)"
    fi
    if [ $((rc & 12)) -ne 0 ]; then
        local what="changed"
        [ $((rc & 8)) -ne 0 ] && what="changed incompatibly"
        fail "the binary interface $what (abidiff exit $rc) against abi/${baseline_xml##*/}:"
        sed 's/^/  | /' "$tmp/abidiff.txt"
        echo "  Within an ABI version only functions and (behind a bumped RUNLOG_<X>_VERSION)"
        echo "  struct members at the end may be added; see docs/abi.md."
        ok=0
    fi
    # Added functions: allowed; list them.
    local rc2=0
    abidiff "${supp_args[@]}" "$baseline_xml" "$tmp/current.xml" > "$tmp/abidiff-all.txt" 2>&1 || rc2=$?
    local new_fns
    new_fns=$(sed -n "s/^  \[A\] 'function \(.*\)'.*/  \1/p" "$tmp/abidiff-all.txt")
    [ -z "$new_fns" ] || { say "functions added (allowed):"; echo "$new_fns"; }
    if [ $ok = 1 ] && { [ -n "$new_fns" ] || [ -n "$added" ] || [ -n "$grown" ]; }; then
        say "(record the additions in the baseline with scripts/check-abi.sh --update, so that"
        say " removing them later is caught)"
    fi
    compare_ok=$ok
}

write_baseline() {
    mkdir -p "$abidir"
    cp "$tmp/current.xml" "$baseline_xml"
    cp "$tmp/current.constants" "$baseline_constants"
    say "wrote abi/${baseline_xml##*/} ($(wc -c < "$baseline_xml") bytes) and abi/${baseline_constants##*/}; commit them"
}

if [ $update = 1 ]; then
    [ $failures = 0 ] || { echo "check-abi: fix the failures above before --update"; exit 1; }
    if [ -f "$baseline_xml" ] && [ -f "$baseline_constants" ] && [ $force = 0 ]; then
        compare_ok=1
        compare
        if [ "$compare_ok" != 1 ]; then
            echo "check-abi: refusing to overwrite the ABI $abi baseline with an incompatible interface:"
            echo "           bump RUNLOG_ABI_VERSION (capi/runlog.h and CMakeLists.txt) first, or use --force"
            echo "           if the baseline itself is wrong."
            exit 1
        fi
    fi
    write_baseline
    exit 0
fi

if [ ! -f "$baseline_xml" ] || [ ! -f "$baseline_constants" ]; then
    if [ -n "$newest" ] && [ "$abi" -gt "$newest" ]; then
        say "RUNLOG_ABI_VERSION was bumped from $newest to $abi: the ABI $newest baseline does not apply."
        say "Regenerate the baseline with: scripts/check-abi.sh --update   (then commit abi/runlog-abi$abi.*)"
        [ $failures = 0 ] || exit 1
        say "OK (ABI version bumped; SONAME and exports checked)"
        exit 0
    elif [ -n "$newest" ] && [ "$abi" -lt "$newest" ]; then
        fail "RUNLOG_ABI_VERSION is $abi but abi/ has a baseline for ABI $newest: the version went backwards"
        exit 1
    fi
    fail "no baseline abi/runlog-abi$abi.xml + .constants: create it with scripts/check-abi.sh --update"
    exit 1
fi

compare_ok=1
compare
if [ $failures -gt 0 ]; then
    echo "check-abi: $failures check(s) failed: ABI $abi is not kept. Either undo the change, or"
    echo "           bump RUNLOG_ABI_VERSION in capi/runlog.h and CMakeLists.txt and run"
    echo "           scripts/check-abi.sh --update."
    exit 1
fi
say "OK: librunlog.so.$abi matches abi/${baseline_xml##*/} and abi/${baseline_constants##*/}"
