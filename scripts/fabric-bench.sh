#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# How much the fabric's forwarder moves: 1500-byte IP packets (iperf3 UDP, 1472-byte payloads)
# offered at a given aggregate rate by FLOWS pairs of hosts over perfect links, and iperf3 TCP.
# See --help.
set -euo pipefail

LH_PROG=fabric-bench.sh
_self=${BASH_SOURCE[0]}
_self=$(readlink -f -- "$_self" 2>/dev/null || printf '%s' "$_self")
LH_SCRIPTS=$(cd -P -- "$(dirname -- "$_self")" && pwd)
# shellcheck source=lib/common.sh
. "$LH_SCRIPTS/lib/common.sh"
LONGHAUL=$LH_SCRIPTS/longhaul

usage() {
    cat <<'EOF'
Usage: scripts/fabric-bench.sh [--rates 800M,1200M,1600M] [--flows 2] [--duration 5] [--runs 3] [--tcp]
                               [--prefix lhbn]

Brings up a fabric of 2 x FLOWS hosts with perfect links (so only the forwarder limits it) and,
for each aggregate rate, runs FLOWS iperf3 UDP flows at once (host 2i -> host 2i+1, 1472-byte
payloads: every packet is 1500 bytes of IP) for --duration seconds, --runs times. Prints per run
what the forwarder moved (Mbit/s of IP packets out and packets/s), its CPU share of one core,
the packets it delivered more than 1 ms late, and the packets the kernel dropped at the TUN
devices because the forwarder did not read them in time. --tcp adds FLOWS iperf3 TCP flows.
Needs root, TUN and iperf3. Removes the fabric on exit.

Example: sudo scripts/fabric-bench.sh --rates 1000M --flows 2 --runs 5 --tcp
EOF
}

RATES=800M,1200M,1600M
FLOWS=2
DURATION=5
RUNS=3
TCP=0
PREFIX=lhbn
while (($#)); do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --rates | --flows | --duration | --runs | --prefix)
            (($# >= 2)) || lh_usage_error "$1 needs a value"
            case $1 in
                --rates) RATES=$2 ;;
                --flows) FLOWS=$2 ;;
                --duration) DURATION=${2%s} ;;
                --runs) RUNS=$2 ;;
                --prefix) PREFIX=$2 ;;
            esac
            shift
            ;;
        --tcp) TCP=1 ;;
        *) lh_usage_error "unknown option '$1'" ;;
    esac
    shift
done
if ! lh_is_uint "$FLOWS" || ((FLOWS < 1 || FLOWS > 8)); then lh_usage_error "--flows: '$FLOWS' is out of range; accepted: 1 to 8"; fi
if ! lh_is_uint "$DURATION" || ((DURATION < 1 || DURATION > 600)); then lh_usage_error "--duration: '$DURATION' is out of range; accepted: 1 to 600 seconds"; fi
if ! lh_is_uint "$RUNS" || ((RUNS < 1 || RUNS > 50)); then lh_usage_error "--runs: '$RUNS' is out of range; accepted: 1 to 50"; fi
[[ $PREFIX =~ ^lh[a-z0-9]{0,6}$ ]] || lh_usage_error "--prefix: '$PREFIX' is not accepted; accepted: 'lh' then up to 6 lower-case letters or digits"
IFS=, read -r -a RATE_LIST <<<"$RATES"
for r in "${RATE_LIST[@]}"; do
    [[ $r =~ ^[0-9]+[KMG]$ ]] || lh_usage_error "--rates: '$r' is not accepted; accepted: iperf3 rates such as 800M or 1G"
done
lh_require_root fabric-bench.sh
lh_require_cmd iperf3 iperf3
lh_require_cmd jq jq

HOSTS=$((2 * FLOWS))
STATUS=/run/longhaul/fabric/$PREFIX/status.json
trap '"$LONGHAUL" fabric down --prefix "$PREFIX" >/dev/null 2>&1 || true' EXIT
"$LONGHAUL" fabric down --prefix "$PREFIX" >/dev/null 2>&1 || true
"$LONGHAUL" fabric up --prefix "$PREFIX" --hosts "$HOSTS" --dcs 1 >/dev/null

tun_drops() {
    local i sum=0 d
    for ((i = 0; i < HOSTS; i++)); do
        d=$(ip -n "$PREFIX$i" -s -j link show dev lhtun | jq -r '.[0].stats64.tx.dropped')
        sum=$((sum + d))
    done
    printf '%s\n' "$sum"
}
snap() { printf '%s %s %s\n' "$(jq -r '"\(.cpuSeconds) \(.packetsOut) \(.bytesOut) \(.lateOver1ms)"' "$STATUS")" "$(tun_drops)" "$(date +%s.%N)"; }

# one_run KIND RATE: FLOWS flows at once; prints the forwarder's figures for the run.
one_run() {
    local kind=$1 rate=$2 i before after
    local -a servers=() clients=()
    for ((i = 0; i < FLOWS; i++)); do
        ip netns exec "$PREFIX$((2 * i + 1))" iperf3 -s -1 >/dev/null 2>&1 &
        servers+=($!)
    done
    sleep 0.5
    before=$(snap)
    for ((i = 0; i < FLOWS; i++)); do
        if [[ $kind == udp ]]; then
            ip netns exec "$PREFIX$((2 * i))" iperf3 -c "10.78.0.$((2 * i + 2))" -u -l 1472 -w 4M -b "$rate" -t "$DURATION" -J >"/tmp/$PREFIX-$i.json" 2>/dev/null &
        else
            ip netns exec "$PREFIX$((2 * i))" iperf3 -c "10.78.0.$((2 * i + 2))" -t "$DURATION" -J >"/tmp/$PREFIX-$i.json" 2>/dev/null &
        fi
        clients+=($!)
    done
    for i in "${clients[@]}"; do wait "$i" || true; done
    sleep 0.6
    after=$(snap)
    for i in "${servers[@]}"; do kill "$i" 2>/dev/null || true; wait "$i" 2>/dev/null || true; done
    local goodput=0
    for ((i = 0; i < FLOWS; i++)); do
        if [[ $kind == udp ]]; then
            goodput=$(jq -r --argjson g "$goodput" '$g + .end.sum.bits_per_second * (1 - .end.sum.lost_percent / 100) / 1e6' "/tmp/$PREFIX-$i.json")
        else
            goodput=$(jq -r --argjson g "$goodput" '$g + .end.sum_received.bits_per_second / 1e6' "/tmp/$PREFIX-$i.json")
        fi
        rm -f "/tmp/$PREFIX-$i.json"
    done
    awk -v b="$before" -v a="$after" -v d="$DURATION" -v kind="$kind" -v rate="${FLOWS}x$rate" -v g="$goodput" 'BEGIN {
        split(b, x, " "); split(a, y, " ")
        printf "%-4s %-9s forwarded %7.1f Mbit/s of IP (%6.0f packets/s), cpu %3.0f%% of a core, late >1 ms %5.2f%%, tun drops %6d; iperf3 received %7.1f Mbit/s\n",
            kind, rate, (y[3] - x[3]) * 8 / d / 1e6, (y[2] - x[2]) / d, 100 * (y[1] - x[1]) / (y[6] - x[6]),
            (y[2] > x[2]) ? 100 * (y[4] - x[4]) / (y[2] - x[2]) : 0, y[5] - x[5], g
    }'
}

printf '# %d flows at once across the fabric, %d s each, %s, %s CPUs\n' "$FLOWS" "$DURATION" "$(date -u +%FT%TZ)" "$(nproc)"
for rate in "${RATE_LIST[@]}"; do
    per_flow=$(awk -v r="${rate%[KMG]}" -v f="$FLOWS" 'BEGIN { printf "%d", r / f }')${rate: -1}
    for ((run = 1; run <= RUNS; run++)); do
        one_run udp "$per_flow"
    done
done
if ((TCP)); then
    for ((run = 1; run <= RUNS; run++)); do
        one_run tcp -
    done
fi
