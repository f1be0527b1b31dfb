#!/usr/bin/env bash
# The single-quoted $r and backticks below are printed for the reader, not expanded here.
# shellcheck disable=SC2016
# shellcheck source-path=SCRIPTDIR
# longhaul against kernel TCP (iperf3, cubic and bbr) on one kernel-level fabric, distance x loss,
# and optionally longhaul's all-reduce against Gloo and Open MPI on the same fabric. See --help.
set -euo pipefail

LH_PROG=compare.sh
_self=${BASH_SOURCE[0]}
_self=$(readlink -f -- "$_self" 2>/dev/null || printf '%s' "$_self")
LH_SCRIPTS=$(cd -P -- "$(dirname -- "$_self")" && pwd)
# shellcheck source=lib/common.sh
. "$LH_SCRIPTS/lib/common.sh"
LONGHAUL=$LH_SCRIPTS/longhaul

# Fiber: 4.9 us per km one way, plus 0.2 ms of equipment (the same as the demo's scenarios).
US_PER_KM_TENTHS=49
EQUIPMENT_US=200
PERF_PORT=9000

usage() {
    cat <<'EOF'
Usage: scripts/compare.sh [--distances 0,10,100,1000] [--losses 0,0.1,1] [--rate 1gbit]
                          [--duration 10s] [--runs 1] [--cc bbr,cubic] [--kernel-cc cubic,bbr]
                          [--allreduce] [--ranks 4] [-b 1M] [-e 64M] [-n 5] [--no-perf]
                          [--out results/compare] [--prefix lhcmp] [--no-install] [--dry-run]

On a kernel-level fabric ('longhaul fabric', network namespaces joined by a forwarder that runs
every packet through longhaul's link model), for each distance (km) and loss (%):

  one link each way: delay = 4.9 us/km x distance + 0.2 ms, rate RATE, loss LOSS, queue 2 BDP
  - 'longhaul perf' from host 0 to host 1, once per --cc;
  - iperf3 TCP from host 0 to host 1, once per --kernel-cc (the namespace's
    net.ipv4.tcp_congestion_control is set to it and iperf3 -C asks for it; iperf3's report of
    the algorithm used is checked, a cell whose algorithm could not be had is marked n/a);
  - with --allreduce: --ranks hosts in 2 DCs (the link above between the DCs, none inside),
    one rank per namespace: 'longhaul allreduce' started with torchrun's variables, Gloo's ring
    all-reduce and Open MPI's MPI_Allreduce over TCP (scripts/baselines), sizes -b..-e doubling.

Prints one table per part (medians over --runs; goodput in Mbit/s, busbw in GB/s, and the ratio
of each longhaul column to each baseline), and writes OUT/perf.csv, OUT/allreduce.csv, the raw
JSON of every run, the forwarder's counters per cell and OUT/compare.md (a report section).
A cell where the forwarder itself was the bottleneck (CPU, lateness, drops; see
'longhaul fabric status') is flagged with '!'.

Options:
  --distances LIST  km, comma-separated, 0 to 20000 (default 0,10,100,1000)
  --losses LIST     random loss in percent, comma-separated, 0 to 100 (default 0,0.1,1)
  --rate RATE       link rate (default 1gbit)
  --duration TIME   per perf/iperf3 run, seconds: 10s or 10 (default 10s)
  --runs N          runs of each, 1 to 20 (default 1); the table shows min/median/max when N > 1
  --cc LIST         longhaul congestion controls (default bbr,cubic)
  --kernel-cc LIST  kernel TCP congestion controls (default cubic,bbr)
  --allreduce       also compare all-reduce (longhaul, Gloo, Open MPI)
  --no-perf         skip the perf/iperf3 part
  --ranks N         all-reduce ranks = hosts, 2 to 16 (default 4)
  -b, -e SIZE       all-reduce sizes, doubling (default 1M to 64M)
  -n N              all-reduce iterations per size (default 5)
  --out DIR         results directory (default results/compare)
  --prefix P        fabric namespace prefix (default lhcmp)
  --no-install      do not apt-get install missing tools (iperf3, jq; the baselines install their own)
  --dry-run         print the plan and the commands, run nothing (no root needed)

Needs root and /dev/net/tun. Example, the 1000 km lossy cell only:
  sudo scripts/compare.sh --distances 1000 --losses 1 --duration 10s --runs 3
EOF
}

# ---------------------------------------------------------------- arguments

DISTANCES=0,10,100,1000
LOSSES=0,0.1,1
RATE=1gbit
DURATION=10
RUNS=1
LH_CCS=bbr,cubic
K_CCS=cubic,bbr
ALLREDUCE=0
PERF=1
RANKS=4
MIN_SIZE=1M
MAX_SIZE=64M
ITERS=5
OUT=results/compare
PREFIX=lhcmp
INSTALL=1
DRY=0

need_value() { (($2 >= 2)) || lh_usage_error "$1 needs a value"; }
while (($#)); do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --distances) need_value "$1" $#; DISTANCES=$2; shift ;;
        --losses) need_value "$1" $#; LOSSES=$2; shift ;;
        --rate) need_value "$1" $#; RATE=$2; shift ;;
        --duration) need_value "$1" $#; DURATION=$2; shift ;;
        --runs) need_value "$1" $#; RUNS=$2; shift ;;
        --cc) need_value "$1" $#; LH_CCS=$2; shift ;;
        --kernel-cc) need_value "$1" $#; K_CCS=$2; shift ;;
        --ranks) need_value "$1" $#; RANKS=$2; shift ;;
        -b) need_value "$1" $#; MIN_SIZE=$2; shift ;;
        -e) need_value "$1" $#; MAX_SIZE=$2; shift ;;
        -n) need_value "$1" $#; ITERS=$2; shift ;;
        --out) need_value "$1" $#; OUT=$2; shift ;;
        --prefix) need_value "$1" $#; PREFIX=$2; shift ;;
        --allreduce) ALLREDUCE=1 ;;
        --no-perf) PERF=0 ;;
        --no-install) INSTALL=0 ;;
        --dry-run) DRY=1 ;;
        *) lh_usage_error "unknown option '$1'" ;;
    esac
    shift
done

IFS=, read -r -a DIST_LIST <<<"$DISTANCES"
IFS=, read -r -a LOSS_LIST <<<"$LOSSES"
IFS=, read -r -a LH_CC_LIST <<<"$LH_CCS"
IFS=, read -r -a K_CC_LIST <<<"$K_CCS"
((${#DIST_LIST[@]})) || lh_usage_error "--distances: empty; accepted: km from 0 to 20000, comma-separated"
((${#LOSS_LIST[@]})) || lh_usage_error "--losses: empty; accepted: percentages from 0 to 100, comma-separated"
for d in "${DIST_LIST[@]}"; do
    if ! lh_is_uint "$d" || ((d > 20000)); then
        lh_usage_error "--distances: '$d' is out of range; accepted: whole km from 0 to 20000"
    fi
done
for l in "${LOSS_LIST[@]}"; do
    if ! [[ $l =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v l="$l" 'BEGIN { exit !(l <= 100) }'; then
        lh_usage_error "--losses: '$l' is out of range; accepted: a percentage from 0 to 100 (0.1 = 0.1%)"
    fi
done
DURATION=${DURATION%s}
if ! lh_is_uint "$DURATION" || ((DURATION < 1 || DURATION > 3600)); then
    lh_usage_error "--duration: '$DURATION' is out of range; accepted: 1 to 3600 seconds (10s or 10)"
fi
if ! lh_is_uint "$RUNS" || ((RUNS < 1 || RUNS > 20)); then
    lh_usage_error "--runs: '$RUNS' is out of range; accepted: 1 to 20"
fi
if ! lh_is_uint "$RANKS" || ((RANKS < 2 || RANKS > 16)); then
    lh_usage_error "--ranks: '$RANKS' is out of range; accepted: 2 to 16"
fi
if ! lh_is_uint "$ITERS" || ((ITERS < 1 || ITERS > 1000)); then
    lh_usage_error "-n: '$ITERS' is out of range; accepted: 1 to 1000"
fi
[[ $RATE =~ ^[0-9]+(\.[0-9]+)?([kmgt]bit|[kmgt]bps|bit)$ ]] || lh_usage_error "--rate: '$RATE' is not a rate; accepted: tc units such as 1gbit, 100mbit"
[[ $PREFIX =~ ^lh[a-z0-9]{0,6}$ ]] || lh_usage_error "--prefix: '$PREFIX' is not accepted; accepted: 'lh' then up to 6 lower-case letters or digits"
for c in "${LH_CC_LIST[@]}" "${K_CC_LIST[@]}"; do
    [[ $c =~ ^[a-z0-9_:=.%]+$ ]] || lh_usage_error "--cc/--kernel-cc: '$c' is not a congestion control name"
done
((PERF || ALLREDUCE)) || lh_usage_error "--no-perf without --allreduce leaves nothing to compare"

# size_bytes TEXT: 1M -> 1048576 (K, M, G are powers of 1024).
size_bytes() {
    local t=$1 n unit
    [[ $t =~ ^([0-9]+)([KMG]?)$ ]] || lh_usage_error "-b/-e: '$t' is not a size; accepted: bytes with K, M or G, e.g. 1M"
    n=${BASH_REMATCH[1]} unit=${BASH_REMATCH[2]}
    case $unit in
        K) n=$((n << 10)) ;;
        M) n=$((n << 20)) ;;
        G) n=$((n << 30)) ;;
    esac
    printf '%s\n' "$n"
}
MIN_BYTES=$(size_bytes "$MIN_SIZE")
MAX_BYTES=$(size_bytes "$MAX_SIZE")
((MIN_BYTES >= 4 && MIN_BYTES <= MAX_BYTES)) || lh_usage_error "-b $MIN_SIZE -e $MAX_SIZE: accepted: 4 bytes <= -b <= -e"

# link_spec KM LOSS: the fabric's link for one cell.
link_spec() {
    local us=$(((US_PER_KM_TENTHS * $1 + 5) / 10 + EQUIPMENT_US))
    local spec="delay=${us}us,rate=$RATE"
    [[ $2 == 0 || $2 =~ ^0+(\.0+)?$ ]] || spec+=",loss=$2%"
    printf '%s\n' "$spec"
}

# ---------------------------------------------------------------- dry run

if ((DRY)); then
    printf '# dry run: nothing is executed\n'
    for km in "${DIST_LIST[@]}"; do
        for loss in "${LOSS_LIST[@]}"; do
            spec=$(link_spec "$km" "$loss")
            printf '\n# %s km, loss %s%%\n' "$km" "$loss"
            if ((PERF)); then
                printf '%s fabric up --prefix %s --hosts 2 --dcs 2 --link %s\n' "$LONGHAUL" "$PREFIX" "$spec"
                for cc in "${LH_CC_LIST[@]}"; do
                    printf 'ip netns exec %s1 %s perf --server --bind 10.78.0.2:%d --one-off &\n' "$PREFIX" "$LONGHAUL" "$PERF_PORT"
                    printf 'ip netns exec %s0 %s perf --client 10.78.0.2:%d --cc %s --duration %ss --json OUT/perf-%skm-%s-lh-%s-RUN.json\n' \
                        "$PREFIX" "$LONGHAUL" "$PERF_PORT" "$cc" "$DURATION" "$km" "$loss" "$cc"
                done
                for cc in "${K_CC_LIST[@]}"; do
                    printf 'ip netns exec %s1 iperf3 -s -1 &\n' "$PREFIX"
                    printf 'ip netns exec %s0 sysctl -w net.ipv4.tcp_congestion_control=%s\n' "$PREFIX" "$cc"
                    printf 'ip netns exec %s0 iperf3 -c 10.78.0.2 -C %s -t %s -J\n' "$PREFIX" "$cc" "$DURATION"
                done
                printf '%s fabric down --prefix %s\n' "$LONGHAUL" "$PREFIX"
            fi
            if ((ALLREDUCE)); then
                printf '%s fabric up --prefix %s --hosts %d --dcs 2 --link %s\n' "$LONGHAUL" "$PREFIX" "$RANKS" "$spec"
                printf 'for r in 0..%d: ip netns exec %s$r env RANK=$r WORLD_SIZE=%d MASTER_ADDR=10.78.0.1 MASTER_PORT=29500 %s allreduce --bind 10.78.0.$((r+1)) -b %s -e %s -f 2 -n %d &\n' \
                    "$((RANKS - 1))" "$PREFIX" "$RANKS" "$LONGHAUL" "$MIN_SIZE" "$MAX_SIZE" "$ITERS"
                printf 'for r in 0..%d: ip netns exec %s$r gloo_allreduce $r %d STORE %d %d %d 1 10.78.0.$((r+1)) &\n' \
                    "$((RANKS - 1))" "$PREFIX" "$RANKS" "$MIN_BYTES" "$MAX_BYTES" "$ITERS"
                printf 'ip netns exec %s0 mpirun --mca plm_rsh_agent %s/fabric-agent.sh -H %s0,...,%s%d --mca btl tcp,self --mca btl_tcp_if_include %s -np %d mpi_allreduce %d %d %d 1\n' \
                    "$PREFIX" "$LH_SCRIPTS" "$PREFIX" "$PREFIX" "$((RANKS - 1))" lhtun "$RANKS" "$MIN_BYTES" "$MAX_BYTES" "$ITERS"
                printf '%s fabric down --prefix %s\n' "$LONGHAUL" "$PREFIX"
            fi
        done
    done
    exit 0
fi

# ---------------------------------------------------------------- preflight

lh_require_root "compare.sh"
install_missing() {
    local -a missing=()
    ((PERF == 0)) || command -v iperf3 >/dev/null || missing+=(iperf3)
    command -v jq >/dev/null || missing+=(jq)
    ((${#missing[@]})) || return 0
    ((INSTALL)) || lh_die 1 "missing: ${missing[*]}; install them (apt-get install -y ${missing[*]}) or run without --no-install"
    lh_info "installing ${missing[*]}"
    apt-get update -q >&2 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >&2 || lh_die 1 "apt-get install ${missing[*]} failed"
}
install_missing

# Kernel congestion controls: loaded on demand; one that cannot be had is reported and left out.
AVAILABLE_KCC=()
for cc in "${K_CC_LIST[@]}"; do
    if grep -qw "$cc" /proc/sys/net/ipv4/tcp_available_congestion_control && ! grep -qw "$cc" /proc/sys/net/ipv4/tcp_allowed_congestion_control; then
        lh_info "kernel TCP '$cc' is not in net.ipv4.tcp_allowed_congestion_control ($(cat /proc/sys/net/ipv4/tcp_allowed_congestion_control)), so it cannot be a namespace's default; iperf3 -C $cc sets it per socket (root may), and iperf3's report of the algorithm used is checked"
    fi
    if ! grep -qw "$cc" /proc/sys/net/ipv4/tcp_available_congestion_control; then
        modprobe "tcp_$cc" 2>/dev/null || true
    fi
    if grep -qw "$cc" /proc/sys/net/ipv4/tcp_available_congestion_control; then
        AVAILABLE_KCC+=("$cc")
    else
        lh_warn "kernel TCP congestion control '$cc' is not available here (tcp_available_congestion_control: $(cat /proc/sys/net/ipv4/tcp_available_congestion_control)); its column is n/a"
    fi
done

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
# One job key for both ends of every longhaul session (perf --client/--server need one).
lh_export_job_key
export LONGHAUL_JAVA_OPTS=${LONGHAUL_JAVA_OPTS:--Xmx1g}
BG_PIDS=()
cleanup() {
    local pid
    for pid in "${BG_PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    "$LONGHAUL" fabric down --prefix "$PREFIX" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Build the jar once, outside the timed runs.
"$LONGHAUL" --version >/dev/null

fabric_up() {
    "$LONGHAUL" fabric down --prefix "$PREFIX" >/dev/null 2>&1 || true
    "$LONGHAUL" fabric up --prefix "$PREFIX" --hosts "$1" --dcs 2 --link "$2" >"$OUT/fabric-up.log" 2>&1 \
        || { cat "$OUT/fabric-up.log" >&2; lh_die 1 "fabric up failed"; }
}

# snapshot: the forwarder's cumulative counters "cpuSeconds packetsOut lateOver1ms droppedPoolFull tunDrops".
snapshot() {
    local f=/run/longhaul/fabric/$PREFIX/status.json tun=0 ns d
    for ns in /run/netns/"$PREFIX"[0-9]*; do
        [[ -e $ns ]] || continue
        d=$(ip -n "${ns##*/}" -s -j link show dev lhtun 2>/dev/null | jq -r '.[0].stats64.tx.dropped // 0' 2>/dev/null || echo 0)
        tun=$((tun + ${d:-0}))
    done
    printf '%s %s\n' "$(jq -r '"\(.cpuSeconds) \(.packetsOut) \(.lateOver1ms) \(.droppedPoolFull)"' "$f" 2>/dev/null || echo '0 0 0 0')" "$tun"
}

# run_measured TAG FUNC ARGS...: runs FUNC (which prints one value), then appends the forwarder's
# share of the work to OUT/forwarder.csv and prints the value with '!' when the forwarder was the
# bottleneck during it (>= 85% of a core, >= 1% of packets over 1 ms late, or drops of its own).
run_measured() {
    local tag=$1 value before after t0 t1 flag
    shift
    before=$(snapshot)
    t0=$(date +%s.%N)
    value=$("$@")
    sleep 0.6 # one more status file
    t1=$(date +%s.%N)
    after=$(snapshot)
    flag=$(awk -v b="$before" -v a="$after" -v t0="$t0" -v t1="$t1" -v tag="$tag" -v csv="$OUT/forwarder.csv" 'BEGIN {
        split(b, x, " "); split(a, y, " ")
        cpu = 100 * (y[1] - x[1]) / (t1 - t0); pk = y[2] - x[2]; late = y[3] - x[3]; pool = y[4] - x[4]; tun = y[5] - x[5]
        latepct = pk > 0 ? 100 * late / pk : 0
        bad = (cpu >= 85 || latepct >= 1 || pool > 0 || tun > 0)
        printf "%s,%.0f,%d,%.2f,%d,%d,%s\n", tag, cpu, pk, latepct, pool, tun, bad ? "yes" : "" >> csv
        if (bad) printf "!"
    }')
    printf '%s%s\n' "$value" "$flag"
}

# stats V1 V2...: "median" or "median (min-max)" with one decimal.
stats() {
    printf '%s\n' "$@" | { grep -v '^n/a$' || true; } | sort -g | awk -v runs="$RUNS" '
        { v[NR] = $1 }
        END {
            if (NR == 0) { print "n/a"; exit }
            m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            if (runs > 1) printf "%.1f (%.1f-%.1f)\n", m, v[1], v[NR]; else printf "%.1f\n", m
        }'
}
median_of() { printf '%s\n' "$@" | { grep -v '^n/a$' || true; } | sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print "n/a"; else print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "n/a" || b == "n/a" || b + 0 == 0) print "n/a"; else printf "%.2f\n", a / b }'; }

# longhaul_perf KM LOSS CC RUN: goodput in Mbit/s, or n/a.
longhaul_perf() {
    local tag="$1km-$2-lh-$3-$4" json
    json=$OUT/perf-$tag.json
    rm -f "$json"
    ip netns exec "${PREFIX}1" "$LONGHAUL" perf --server --bind "10.78.0.2:$PERF_PORT" --one-off >"$OUT/perf-$tag-server.log" 2>&1 &
    local server=$!
    BG_PIDS+=("$server")
    if ip netns exec "${PREFIX}0" "$LONGHAUL" perf --client "10.78.0.2:$PERF_PORT" --cc "$3" --duration "${DURATION}s" \
        --json "$json" >"$OUT/perf-$tag.log" 2>&1; then
        jq -r '.goodput_bps / 1e6' "$json"
    else
        lh_warn "longhaul perf --cc $3 failed at $1 km, loss $2%: see $OUT/perf-$tag.log"
        echo n/a
    fi
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}

# iperf3_tcp KM LOSS CC RUN: goodput in Mbit/s, or n/a.
iperf3_tcp() {
    local tag="$1km-$2-tcp-$3-$4" json used
    json=$OUT/perf-$tag.json
    # A namespace's default may only be an algorithm of net.ipv4.tcp_allowed_congestion_control
    # (a global list); root can still pick any available one per socket, which is what -C does.
    ip netns exec "${PREFIX}0" sysctl -q -w "net.ipv4.tcp_congestion_control=$3" >/dev/null 2>&1 || true
    ip netns exec "${PREFIX}1" iperf3 -s -1 >/dev/null 2>&1 &
    local server=$! tries
    BG_PIDS+=("$server")
    # iperf3 has no readiness signal: wait until its port listens.
    for ((tries = 0; tries < 100; tries++)); do
        [[ -z $(ip netns exec "${PREFIX}1" ss -Hltn 'sport = :5201' 2>/dev/null) ]] || break
        sleep 0.05
    done
    for ((tries = 0; tries < 20; tries++)); do
        ip netns exec "${PREFIX}0" iperf3 -c 10.78.0.2 -C "$3" -t "$DURATION" -J >"$json" 2>"$json.err" || true
        # iperf3 -J may exit 0 with only an "error" in its report.
        grep -q 'Connection refused' "$json" "$json.err" || break
        sleep 0.1
    done
    used=$(jq -r '.end.sender_tcp_congestion // "unknown"' "$json" 2>/dev/null || echo unknown)
    if [[ $used != "$3" ]]; then
        lh_warn "iperf3 at $1 km, loss $2%: asked for $3, the kernel used '$used'; see $json"
        echo n/a
    else
        jq -r '.end.sum_received.bits_per_second / 1e6' "$json"
    fi
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
}

# ---------------------------------------------------------------- perf part

declare -A MED
# cell_text VALUES...: "median[ (min-max)]" with '!' if any run had the forwarder as its bottleneck.
cell_text() {
    local bang="" v
    local -a clean=()
    for v in "$@"; do
        [[ $v != *'!' ]] || bang='!'
        clean+=("${v%'!'}")
    done
    printf '%s%s\n' "$(stats "${clean[@]}")" "$bang"
}
cell_median() {
    local v
    local -a clean=()
    for v in "$@"; do clean+=("${v%'!'}"); done
    median_of "${clean[@]}"
}
printf 'km,loss_pct,what,run,forwarder_cpu_pct,packets,late_over_1ms_pct,pool_drops,tun_drops,bottleneck\n' >"$OUT/forwarder.csv"
if ((PERF)); then
    header="km,loss_pct"
    for cc in "${LH_CC_LIST[@]}"; do header+=",longhaul_$cc"; done
    for cc in "${K_CC_LIST[@]}"; do header+=",tcp_$cc"; done
    for a in "${LH_CC_LIST[@]}"; do for b in "${K_CC_LIST[@]}"; do header+=",longhaul_${a}_over_tcp_$b"; done; done
    header+=",forwarder_bottleneck_runs,link"
    printf '%s\n' "$header" >"$OUT/perf.csv"
    printf '\n# perf: goodput in Mbit/s from 10.78.0.1 to 10.78.0.2 across the fabric, %ss per run, %d run(s); %s\n' \
        "$DURATION" "$RUNS" "$(date -u +%FT%TZ)"
    printf "# '!': the forwarder was the bottleneck in at least one run (see forwarder.csv)\n"
    cols=$(printf '%-7s %-6s' km loss)
    for cc in "${LH_CC_LIST[@]}"; do cols+=$(printf ' %-22s' "longhaul $cc"); done
    for cc in "${K_CC_LIST[@]}"; do cols+=$(printf ' %-22s' "tcp $cc"); done
    for a in "${LH_CC_LIST[@]}"; do for b in "${K_CC_LIST[@]}"; do cols+=$(printf ' %-11s' "$a/$b"); done; done
    printf '%s\n' "$cols"
    for km in "${DIST_LIST[@]}"; do
        for loss in "${LOSS_LIST[@]}"; do
            spec=$(link_spec "$km" "$loss")
            fabric_up 2 "$spec"
            line=$(printf '%-7s %-6s' "$km" "$loss%")
            csv="$km,$loss"
            bad=0
            for cc in "${LH_CC_LIST[@]}"; do
                vals=()
                for ((r = 1; r <= RUNS; r++)); do vals+=("$(run_measured "$km,$loss,longhaul_$cc,$r" longhaul_perf "$km" "$loss" "$cc" "$r")"); done
                MED[lh_$cc]=$(cell_median "${vals[@]}")
                line+=$(printf ' %-22s' "$(cell_text "${vals[@]}")")
                csv+=",${MED[lh_$cc]}"
                for v in "${vals[@]}"; do [[ $v != *'!' ]] || bad=$((bad + 1)); done
            done
            for cc in "${K_CC_LIST[@]}"; do
                vals=()
                if [[ " ${AVAILABLE_KCC[*]} " == *" $cc "* ]]; then
                    for ((r = 1; r <= RUNS; r++)); do vals+=("$(run_measured "$km,$loss,tcp_$cc,$r" iperf3_tcp "$km" "$loss" "$cc" "$r")"); done
                else
                    vals=(n/a)
                fi
                MED[tcp_$cc]=$(cell_median "${vals[@]}")
                line+=$(printf ' %-22s' "$(cell_text "${vals[@]}")")
                csv+=",${MED[tcp_$cc]}"
                for v in "${vals[@]}"; do [[ $v != *'!' ]] || bad=$((bad + 1)); done
            done
            for a in "${LH_CC_LIST[@]}"; do
                for b in "${K_CC_LIST[@]}"; do
                    rt=$(ratio "${MED[lh_$a]}" "${MED[tcp_$b]}")
                    line+=$(printf ' %-11s' "$rt")
                    csv+=",$rt"
                done
            done
            "$LONGHAUL" fabric status --prefix "$PREFIX" --json >"$OUT/fabric-${km}km-$loss.json" 2>/dev/null || true
            printf '%s\n' "$line"
            printf '%s,%d,"%s"\n' "$csv" "$bad" "$spec" >>"$OUT/perf.csv"
            "$LONGHAUL" fabric down --prefix "$PREFIX" >/dev/null
        done
    done
fi

# ---------------------------------------------------------------- all-reduce part

if ((ALLREDUCE)); then
    # shellcheck source=lib/compare-allreduce.sh
    . "$LH_SCRIPTS/lib/compare-allreduce.sh"
    compare_allreduce
fi

# ---------------------------------------------------------------- report section

{
    printf '## longhaul against kernel TCP on the fabric\n\n'
    printf 'Produced by `scripts/compare.sh --distances %s --losses %s --rate %s --duration %ss --runs %d --cc %s --kernel-cc %s%s` on %s (%s CPUs), %s.\n\n' \
        "$DISTANCES" "$LOSSES" "$RATE" "$DURATION" "$RUNS" "$LH_CCS" "$K_CCS" "$( ((ALLREDUCE)) && echo ' --allreduce')" \
        "$(hostname)" "$(nproc)" "$(date -u +%F)"
    if [[ -f $OUT/perf.csv ]] && ((PERF)); then
        printf 'Goodput in Mbit/s (median of the runs); one link each way, delay = 4.9 us/km + 0.2 ms, rate %s, queue 2 BDP.\n\n' "$RATE"
        awk -F, 'NR == 1 { n = NF - 1; printf "|"; for (i = 1; i <= n; i++) printf " %s |", $i; printf "\n|"; for (i = 1; i <= n; i++) printf "---|"; printf "\n"; next }
                 { printf "|"; for (i = 1; i <= n; i++) printf " %s |", $i; printf "\n" }' "$OUT/perf.csv"
        printf '\n'
    fi
    if [[ -f $OUT/allreduce.md ]] && ((ALLREDUCE)); then
        cat "$OUT/allreduce.md"
    fi
} >"$OUT/compare.md"
printf '\nwrote %s/compare.md, the CSV files and the raw JSON of every run\n' "$OUT"
