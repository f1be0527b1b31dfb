#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Real-socket goodput of one session over the in-process ECMP fabric, per path scheduler: runs
# interleaved (run 1 of every scheduler, then run 2, ...), a fresh JVM per run, min/median/max
# goodput and how many of the group's links carried data. A benchmark, not a test: it asserts nothing.
set -euo pipefail

LH_PROG=bench-multipath.sh
_self=${BASH_SOURCE[0]}
_self=$(readlink -f -- "$_self" 2>/dev/null || printf '%s' "$_self")
LH_SCRIPTS=$(cd -P -- "$(dirname -- "$_self")" && pwd)
# shellcheck source=lib/common.sh
. "$LH_SCRIPTS/lib/common.sh"

DEFAULT_FABRIC=ecmp=4,delay=5ms,rate=250mbit,queue=2bdp,nic=1gbit

usage() {
    cat <<EOF
Usage: scripts/bench-multipath.sh [--runs N] [--duration TIME] [--paths N] [--schedulers LIST]
                                  [--fabric SPEC] [--kernel] [--out DIR] [--dry-run]

Runs 'scripts/longhaul perf --local --paths N --scheduler S --link SPEC' N times per scheduler
(default 5), interleaved so a slow spell of the machine hits every scheduler alike, one JVM per
run, and prints per scheduler the min/median/max goodput, its share of the NIC rate, and the
min/max number of links that carried the session's data. Each run's --json and log go to DIR
(default results/bench-multipath).

Every run opens its paths from fresh ephemeral UDP ports, so each run is a different draw of the
ECMP hash: which paths collide on a link varies from run to run, as it does between real flows.
'single' (one path, what a TCP flow gets) is the baseline.

With --kernel (root, network namespaces, TUN and iperf3) the same fabric is built as the
kernel-level fabric ('longhaul fabric up --hosts 2 --link SPEC', prefix lhbm): perf runs as a
real client and server between its two hosts, and each run adds kernel TCP (iperf3, bbr if the
kernel has it, else cubic) with one flow and with as many flows as paths, on the same links.
Links used are not counted in this mode (see 'longhaul fabric status').

Options:
  --runs N            runs per scheduler, 1-100 (default 5)
  --duration TIME     perf --duration of each run, after a 1 s --omit (default 8s)
  --paths N           paths per session, 1-16 (default 4)
  --schedulers LIST   comma-separated path schedulers (default single,spray,weighted,minrtt,flowlet,plb)
  --fabric SPEC       the ECMP fabric (default $DEFAULT_FABRIC)
  --kernel            over the kernel-level fabric, with kernel TCP beside it (see above)
  --out DIR           where the JSON files and logs go (default results/bench-multipath)
  --dry-run           print the commands, run nothing

Example:
  scripts/bench-multipath.sh --runs 5 --duration 8s --schedulers single,spray,plb
  sudo scripts/bench-multipath.sh --kernel --runs 5
EOF
}

runs=5
duration=8s
paths=4
schedulers=single,spray,weighted,minrtt,flowlet,plb
fabric=$DEFAULT_FABRIC
out=results/bench-multipath
dry=0
kernel=0
while [[ $# -gt 0 ]]; do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --runs) [[ $# -ge 2 ]] || lh_usage_error "--runs needs a value"; runs=$2; shift 2 ;;
        --duration) [[ $# -ge 2 ]] || lh_usage_error "--duration needs a value"; duration=$2; shift 2 ;;
        --paths) [[ $# -ge 2 ]] || lh_usage_error "--paths needs a value"; paths=$2; shift 2 ;;
        --schedulers) [[ $# -ge 2 ]] || lh_usage_error "--schedulers needs a value"; schedulers=$2; shift 2 ;;
        --fabric) [[ $# -ge 2 ]] || lh_usage_error "--fabric needs a value"; fabric=$2; shift 2 ;;
        --out) [[ $# -ge 2 ]] || lh_usage_error "--out needs a value"; out=$2; shift 2 ;;
        --kernel) kernel=1; shift ;;
        --dry-run) dry=1; shift ;;
        *) lh_usage_error "unknown argument '$1'" ;;
    esac
done
if ! lh_is_uint "$runs" || [[ $runs -lt 1 || $runs -gt 100 ]]; then
    lh_usage_error "--runs: '$runs' is out of range; accepted: 1 to 100"
fi
if ! lh_is_uint "$paths" || [[ $paths -lt 1 || $paths -gt 16 ]]; then
    lh_usage_error "--paths: '$paths' is out of range; accepted: 1 to 16"
fi
[[ $duration =~ ^[0-9]+(ms|s|m)$ ]] || lh_usage_error "--duration: '$duration' is not a duration; e.g. 8s, 500ms, 1m"
[[ $kernel -eq 0 || $duration =~ ^[0-9]+s$ ]] || lh_usage_error "--duration: '$duration' must be whole seconds with --kernel (iperf3 -t); e.g. 8s"
[[ $fabric == *ecmp=* ]] || lh_usage_error "--fabric: '$fabric' is not an ECMP fabric spec; e.g. $DEFAULT_FABRIC"
IFS=',' read -r -a names <<<"$schedulers"
[[ ${#names[@]} -gt 0 ]] || lh_usage_error "--schedulers: empty list"
for s in "${names[@]}"; do
    [[ $s =~ ^[a-z0-9]+(:[a-z0-9=.:%]+)?$ ]] || lh_usage_error "--schedulers: '$s' is not a scheduler name; e.g. spray or plb:rounds=16"
done
nic=$(sed -n 's/.*nic=\([0-9.]*\)\([kmgt]\)bit.*/\1 \2/p' <<<"$fabric")

LONGHAUL=$LH_SCRIPTS/longhaul
PREFIX=lhbm
SERVER=10.78.0.2:9000
if [[ $kernel -eq 1 && $dry -eq 0 ]]; then
    [[ ${EUID:-$(id -u)} -eq 0 ]] || lh_die 3 "--kernel needs root (network namespaces and TUN)"
    command -v iperf3 >/dev/null || lh_die 3 "--kernel needs iperf3 (apt-get install -y iperf3)"
fi
kcc=cubic
grep -qw bbr /proc/sys/net/ipv4/tcp_available_congestion_control 2>/dev/null && kcc=bbr
BG_PIDS=()
cleanup() {
    local pid
    for pid in "${BG_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    [[ $kernel -eq 0 || $dry -eq 1 ]] || "$LONGHAUL" fabric down --prefix "$PREFIX" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [[ $dry -eq 0 ]]; then
    mkdir -p "$out"
    # Build once up front, so the first run does not time the build; then never rebuild mid-run.
    "$LONGHAUL" --version >/dev/null
    export LONGHAUL_NO_BUILD=1
    # One job key for both ends (perf --client/--server need one; --local makes its own).
    lh_export_job_key
    printf '# %s, %s, %s cores, %s\n# fabric %s, %s paths, %s runs of %s per scheduler\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
        "$(uname -r)" "$(nproc)" "$(java -version 2>&1 | head -1)" "$fabric" "$paths" "$runs" "$duration"
fi

json_number() { # json_number FILE KEY: the first number after "KEY" :
    sed -n "s/.*\"$2\" *: *\\([0-9.eE+-]*\\).*/\\1/p" "$1" | head -1
}

# links_used FILE: how many sender->receiver links delivered more than 1 MB.
links_used() {
    tr -d '\n ' <"$1" | grep -o '{[^{}]*"from":"sender"[^{}]*}' | sed -n 's/.*"delivered_bytes":\([0-9]*\).*/\1/p' |
        awk '$1 > 1000000 { n++ } END { print n + 0 }'
}

if [[ $kernel -eq 1 ]]; then
    if [[ $dry -eq 1 ]]; then
        printf '%q ' "$LONGHAUL" fabric up --prefix "$PREFIX" --hosts 2 --dcs 2 --link "$fabric"
        printf '\n'
    else
        "$LONGHAUL" fabric down --prefix "$PREFIX" >/dev/null 2>&1 || true
        "$LONGHAUL" fabric up --prefix "$PREFIX" --hosts 2 --dcs 2 --link "$fabric" >"$out/fabric-up.log" 2>&1 \
            || { cat "$out/fabric-up.log" >&2; lh_die 1 "fabric up failed"; }
        ip netns exec "${PREFIX}1" "$LONGHAUL" perf --server --bind "$SERVER" -i 0 >"$out/perf-server.log" 2>&1 &
        BG_PIDS+=("$!")
        ip netns exec "${PREFIX}1" iperf3 -s >"$out/iperf3-server.log" 2>&1 &
        BG_PIDS+=("$!")
        for ((tries = 0; tries < 200; tries++)); do
            grep -q 'perf server on' "$out/perf-server.log" 2>/dev/null && break
            sleep 0.1
        done
    fi
    names+=("kernel-tcp-1" "kernel-tcp-$paths")
fi

# iperf3_mbps FILE: the receiver's goodput of an iperf3 -J report in bit/s, or 0.
iperf3_bps() {
    tr -d '\n\t ' <"$1" | grep -o '"sum_received":{[^}]*}' | sed -n 's/.*"bits_per_second":\([0-9.eE+]*\).*/\1/p' | head -1
}

declare -A goodput used
for ((run = 1; run <= runs; run++)); do
    for s in "${names[@]}"; do
        tag=${s//[:=]/_}
        file=$out/$tag-run$run.json
        if [[ $s == kernel-tcp-* ]]; then
            cmd=(ip netns exec "${PREFIX}0" iperf3 -c "${SERVER%:*}" -C "$kcc" -P "${s#kernel-tcp-}" -O 1 -t "${duration%s}" -J)
        elif [[ $kernel -eq 1 ]]; then
            cmd=(ip netns exec "${PREFIX}0" "$LONGHAUL" perf --client "$SERVER" --paths "$paths" --scheduler "$s" --omit 1s
                --duration "$duration" -i 0 --json "$file")
        else
            cmd=("$LONGHAUL" perf --local --paths "$paths" --scheduler "$s" --link "$fabric" --omit 1s --duration "$duration"
                -i 0 --json "$file")
        fi
        if [[ $dry -eq 1 ]]; then
            printf '%q ' "${cmd[@]}"
            printf '\n'
            continue
        fi
        if [[ $s == kernel-tcp-* ]]; then
            "${cmd[@]}" >"$file" 2>"$out/$tag-run$run.log" || lh_warn "$s run $run failed; see $file"
            bps=$(iperf3_bps "$file" 2>/dev/null || true)
        else
            "${cmd[@]}" >"$out/$tag-run$run.log" 2>&1 || lh_warn "$s run $run failed; see $out/$tag-run$run.log"
            bps=$(json_number "$file" goodput_bps 2>/dev/null || true)
        fi
        goodput[$s]+="${bps:-0} "
        if [[ $kernel -eq 0 ]]; then
            used[$s]+="$(links_used "$file" 2>/dev/null || echo 0) "
        fi
    done
done
[[ $dry -eq 1 ]] && exit 0

printf '%-22s %-24s %-12s %s\n' scheduler "goodput min/med/max" "of the NIC" "links used min/max"
for s in "${names[@]}"; do
    # shellcheck disable=SC2086
    triple=$(printf '%s\n' ${goodput[$s]} | sort -g | awk -v nic="$nic" '{ v[NR] = $1 } END {
        split(nic, r, " "); mult = r[2] == "k" ? 1e3 : r[2] == "m" ? 1e6 : r[2] == "g" ? 1e9 : 1e12
        med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        share = nic == "" ? "-" : sprintf("%.0f%%", 100 * med / (r[1] * mult))
        printf "%.1f/%.1f/%.1f %s", v[1] / 1e6, med / 1e6, v[NR] / 1e6, share }')
    read -r mbps share <<<"$triple"
    links=-
    if [[ $kernel -eq 0 ]]; then
        # shellcheck disable=SC2086
        links=$(printf '%s\n' ${used[$s]} | sort -n | awk '{ v[NR] = $1 } END { printf "%d/%d", v[1], v[NR] }')
    fi
    printf '%-22s %-24s %-12s %s\n' "$s" "$mbps" "$share" "$links"
done
printf '(goodput in Mbit/s of payload; the median share is of the NIC rate; %s%s)\n' "$fabric" \
    "$([[ $kernel -eq 1 ]] && printf '; kernel-level fabric, kernel-tcp-N = iperf3 -C %s -P N' "$kcc")"
