#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Real-socket goodput over the in-process emulated link, each cell over several seeds, a fresh JVM
# per run (as a user runs it): min/median/max goodput against the line rate or the fixed rate's
# payload ceiling, plus the driver's timer lateness. A benchmark, not a test: it asserts nothing.
set -euo pipefail

LH_PROG=bench-realtime.sh
_self=${BASH_SOURCE[0]}
_self=$(readlink -f -- "$_self" 2>/dev/null || printf '%s' "$_self")
LH_SCRIPTS=$(cd -P -- "$(dirname -- "$_self")" && pwd)
# shellcheck source=lib/common.sh
. "$LH_SCRIPTS/lib/common.sh"

usage() {
    cat <<'EOF'
Usage: scripts/bench-realtime.sh [--seeds N] [--duration TIME] [--out DIR] [--cells LIST] [--dry-run]

Runs 'scripts/longhaul perf --local' for every cell and seed (seeds 1..N, default 5), one JVM
per run, and prints per cell the min/median/max goodput, the worst seed, the share of the line
rate (bbr) or of the fixed rate's payload ceiling (fixed), and the worst p99 and max timer
lateness of the sender. Each run's --json goes to DIR (default results/bench-realtime).

Cells (--cells takes a comma-separated list of names, default all):
  bbr-1g-loss1     --link delay=5ms,rate=1gbit,loss=1%              (bbr)
  bbr-1g-loss0     --link delay=5ms,rate=1gbit                      (bbr)
  fixed-1g         --link delay=5ms,rate=1gbit  --cc fixed:rate=950mbit
  fixed-100m       --link delay=5ms,rate=100mbit --cc fixed:rate=95mbit --size 256K
  bbr-100m-loss1   --link delay=5ms,rate=100mbit,loss=1% --size 256K (bbr)

The emulated link counts 28 bytes of IPv4 and UDP headers per datagram, so a 1472-byte datagram
carries 1420/1500 of the rate as payload: the payload ceiling of a rate R is R * 1420 / 1500.

Options:
  --seeds N         seeds per cell, 1-100 (default 5)
  --duration TIME   perf --duration of each run (default 10s)
  --out DIR         where the JSON files go (default results/bench-realtime)
  --cells LIST      only these cells
  --dry-run         print the commands, run nothing

Example:
  scripts/bench-realtime.sh --seeds 5 --duration 10s
EOF
}

seeds=5
duration=10s
out=results/bench-realtime
cells=all
dry=0
while [[ $# -gt 0 ]]; do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --seeds) [[ $# -ge 2 ]] || lh_usage_error "--seeds needs a value"; seeds=$2; shift 2 ;;
        --duration) [[ $# -ge 2 ]] || lh_usage_error "--duration needs a value"; duration=$2; shift 2 ;;
        --out) [[ $# -ge 2 ]] || lh_usage_error "--out needs a value"; out=$2; shift 2 ;;
        --cells) [[ $# -ge 2 ]] || lh_usage_error "--cells needs a value"; cells=$2; shift 2 ;;
        --dry-run) dry=1; shift ;;
        *) lh_usage_error "unknown argument '$1'" ;;
    esac
done
if ! lh_is_uint "$seeds" || [[ $seeds -lt 1 || $seeds -gt 100 ]]; then
    lh_usage_error "--seeds: '$seeds' is out of range; accepted: 1 to 100"
fi
[[ $duration =~ ^[0-9]+(ms|s|m)$ ]] || lh_usage_error "--duration: '$duration' is not a duration; e.g. 10s, 500ms, 1m"

# name|line rate in bit/s|fixed rate in bit/s (0 for bbr)|perf arguments
ALL_CELLS=(
    "bbr-1g-loss1|1000000000|0|--link delay=5ms,rate=1gbit,loss=1%"
    "bbr-1g-loss0|1000000000|0|--link delay=5ms,rate=1gbit"
    "fixed-1g|1000000000|950000000|--link delay=5ms,rate=1gbit --cc fixed:rate=950mbit"
    "fixed-100m|100000000|95000000|--link delay=5ms,rate=100mbit --cc fixed:rate=95mbit --size 256K"
    "bbr-100m-loss1|100000000|0|--link delay=5ms,rate=100mbit,loss=1% --size 256K"
)
selected=()
for c in "${ALL_CELLS[@]}"; do
    name=${c%%|*}
    if [[ $cells == all || ,$cells, == *",$name,"* ]]; then
        selected+=("$c")
    fi
done
[[ ${#selected[@]} -gt 0 ]] || lh_usage_error "--cells: no cell named in '$cells'; see --help for the names"

LONGHAUL=$LH_SCRIPTS/longhaul
if [[ $dry -eq 0 ]]; then
    mkdir -p "$out"
    # Build once up front, so the first run does not time the build.
    "$LONGHAUL" --version >/dev/null
    printf '# %s, %s, %s cores, %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -r)" "$(nproc)" \
        "$(java -version 2>&1 | head -1)"
fi

json_number() { # json_number FILE KEY: the first number after "KEY" :
    sed -n "s/.*\"$2\" *: *\\([0-9.eE+-]*\\).*/\\1/p" "$1" | head -1
}

printf '%-15s %-24s %-10s %6s %-14s %s\n' cell "goodput min/med/max" "worst seed" share "of" "timer p99/max (us)"
for c in "${selected[@]}"; do
    IFS='|' read -r name line fixed args <<<"$c"
    values=()
    worst_seed=0
    worst=0
    p99max=0
    latemax=0
    for ((seed = 1; seed <= seeds; seed++)); do
        file=$out/$name-seed$seed.json
        # shellcheck disable=SC2086
        cmd=("$LONGHAUL" perf --local $args --duration "$duration" --seed "$seed" -i 0 --json "$file")
        if [[ $dry -eq 1 ]]; then
            printf '%q ' "${cmd[@]}"
            printf '\n'
            continue
        fi
        "${cmd[@]}" >"$out/$name-seed$seed.log" 2>&1 || lh_warn "$name seed $seed failed; see $out/$name-seed$seed.log"
        bps=$(json_number "$file" goodput_bps)
        bps=${bps:-0}
        values+=("$bps")
        if [[ $worst_seed -eq 0 ]] || awk -v a="$bps" -v b="$worst" 'BEGIN { exit !(a < b) }'; then
            worst=$bps
            worst_seed=$seed
        fi
        p99=$(sed -n '/"timer_lateness_us"/,/}/p' "$file" | sed -n 's/.*"p99" *: *\([0-9.]*\).*/\1/p')
        late=$(sed -n '/"timer_lateness_us"/,/}/p' "$file" | sed -n 's/.*"max" *: *\([0-9.]*\).*/\1/p')
        p99max=$(awk -v a="${p99:-0}" -v b="$p99max" 'BEGIN { print (a > b) ? a : b }')
        latemax=$(awk -v a="${late:-0}" -v b="$latemax" 'BEGIN { print (a > b) ? a : b }')
    done
    [[ $dry -eq 1 ]] && continue
    stats=$(printf '%s\n' "${values[@]}" | sort -g | awk '{ v[NR] = $1 } END {
        med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.1f/%.1f/%.1f %.6f", v[1] / 1e6, med / 1e6, v[NR] / 1e6, v[1] }')
    read -r triple min <<<"$stats"
    if [[ $fixed -eq 0 ]]; then
        share=$(awk -v m="$min" -v l="$line" 'BEGIN { printf "%.1f%%", 100 * m / l }')
        of="line rate"
    else
        share=$(awk -v m="$min" -v f="$fixed" 'BEGIN { printf "%.1f%%", 100 * m / (f * 1420 / 1500) }')
        of="fixed ceiling"
    fi
    printf '%-15s %-24s %-10s %6s %-14s %s/%s\n' "$name" "$triple" "$worst_seed" "$share" "$of" "$p99max" "$latemax"
done
