#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# The data path against its baselines, on this host, in one session: longhaul's all-reduce (ranks
# in one process, keyed and not; one rank per process under mpirun and 'longhaul launch') beside
# Gloo's ring all-reduce and Open MPI (TCP and shared memory), and one 'perf' session beside kernel
# TCP (iperf3) with the CPU seconds each spends per GB. Rounds alternate the systems, so a busy
# spell of the host spreads over all of them. A benchmark, not a test: it asserts nothing.
set -euo pipefail

LH_PROG=bench-datapath.sh
_self=${BASH_SOURCE[0]}
_self=$(readlink -f -- "$_self" 2>/dev/null || printf '%s' "$_self")
LH_SCRIPTS=$(cd -P -- "$(dirname -- "$_self")" && pwd)
# shellcheck source=lib/common.sh
. "$LH_SCRIPTS/lib/common.sh"

usage() {
    cat <<'EOF'
Usage: scripts/bench-datapath.sh [--rounds N] [--only LIST] [--out DIR] [--perf-duration TIME]
                                 [--no-install] [--dry-run] [-- ALLREDUCE FLAGS]

Runs every system once per round (default 3 rounds) and prints, per system, the min/median/max
over rounds of the average bus bandwidth of 'allreduce -b 1M -e 64M -f 2 -n 20 -w 5' (nccl-tests'
default iteration counts; override after --), its median against Gloo's, and for the perf rows
the goodput and the CPU seconds (user + system, both ends, from /usr/bin/time) per GB moved.

Systems (--only takes a comma-separated list, default all):
  gloo          Gloo's AllreduceRing, 4 processes, kernel TCP on loopback (scripts/baselines/run.sh)
  mpi           Open MPI MPI_Allreduce, 4 processes: shared memory, then TCP on loopback
  lh-local      longhaul allreduce --ranks 4 (one process, keyed: AES-256-GCM)
  lh-insecure   longhaul allreduce --ranks 4 --insecure (unauthenticated, as Gloo and MPI are)
  lh-mpirun     mpirun -np 4 longhaul allreduce (one rank per process, unauthenticated)
  lh-launch     longhaul launch -n 4 -- longhaul allreduce (one rank per process, keyed)
  perf          longhaul perf --local --insecure, then keyed, for --perf-duration (default 10s)
  iperf3        iperf3 over loopback for the same time, one TCP flow

gloo and mpi need libgloo-dev, openmpi-bin and libopenmpi-dev, iperf3 needs iperf3: installed with
apt-get when missing unless --no-install (then those systems are skipped). Logs go to DIR (default
results/bench-datapath).

Example:
  scripts/bench-datapath.sh --rounds 3
  scripts/bench-datapath.sh --rounds 5 --only gloo,lh-insecure,lh-mpirun -- -b 1M -e 16M -f 2
EOF
}

rounds=3
only=all
out=results/bench-datapath
perf_duration=10s
install=1
dry=0
ar_flags=(-b 1M -e 64M -f 2 -n 20 -w 5)
while [[ $# -gt 0 ]]; do
    case $1 in
        -h | --help) usage; exit 0 ;;
        --rounds) [[ $# -ge 2 ]] || lh_usage_error "--rounds needs a value"; rounds=$2; shift 2 ;;
        --only) [[ $# -ge 2 ]] || lh_usage_error "--only needs a value"; only=$2; shift 2 ;;
        --out) [[ $# -ge 2 ]] || lh_usage_error "--out needs a value"; out=$2; shift 2 ;;
        --perf-duration) [[ $# -ge 2 ]] || lh_usage_error "--perf-duration needs a value"; perf_duration=$2; shift 2 ;;
        --no-install) install=0; shift ;;
        --dry-run) dry=1; shift ;;
        --) shift; ar_flags=("$@"); break ;;
        *) lh_usage_error "unknown argument '$1'" ;;
    esac
done
if ! lh_is_uint "$rounds" || [[ $rounds -lt 1 || $rounds -gt 50 ]]; then
    lh_usage_error "--rounds: '$rounds' is out of range; accepted: 1 to 50"
fi
[[ $perf_duration =~ ^[0-9]+s$ ]] || lh_usage_error "--perf-duration: '$perf_duration' is not a whole number of seconds; e.g. 10s"
ALL=(gloo mpi lh-local lh-insecure lh-mpirun lh-launch perf iperf3)
systems=()
for s in "${ALL[@]}"; do
    if [[ $only == all || ,$only, == *",$s,"* ]]; then
        systems+=("$s")
    fi
done
[[ ${#systems[@]} -gt 0 ]] || lh_usage_error "--only: no system named in '$only'; accepted: ${ALL[*]}"

LONGHAUL=$LH_SCRIPTS/longhaul
want() { [[ " ${systems[*]} " == *" $1 "* ]]; }
drop() { # drop SYSTEM REASON
    lh_warn "skipping $1: $2"
    local kept=()
    for s in "${systems[@]}"; do [[ $s == "$1" ]] || kept+=("$s"); done
    systems=("${kept[@]}")
}
run() { # run LOG CMD...: the command's output to LOG; prints the commands only with --dry-run
    local log=$1
    shift
    if [[ $dry -eq 1 ]]; then
        printf '%q ' "$@"
        printf '\n'
        return 0
    fi
    "$@" >"$log" 2>&1 || lh_warn "$* failed; see $log"
}
avg_busbw() { # avg_busbw LOG [NTH]: the NTH (default 1st) "Avg bus bandwidth" of LOG
    grep 'Avg bus bandwidth' "$1" 2>/dev/null | sed -n "${2:-1}p" | awk '{ print $NF }'
}

mpi_flags=(--oversubscribe)
[[ $(id -u) -eq 0 ]] && mpi_flags+=(--allow-run-as-root)
if [[ $dry -eq 0 ]]; then
    mkdir -p "$out"
    "$LONGHAUL" --version >/dev/null
    baseline_install=(--no-install)
    [[ $install -eq 1 ]] && baseline_install=()
    if want gloo || want mpi; then
        # Installs and builds the baselines once, outside the measured rounds.
        "$LH_SCRIPTS/baselines/run.sh" "${baseline_install[@]}" --min 4 --max 4 --iters 1 --warmup 0 >"$out/baselines-setup.log" 2>&1 \
            || { drop gloo "scripts/baselines/run.sh failed; see $out/baselines-setup.log"; drop mpi "likewise"; }
    fi
    if want lh-mpirun && ! command -v mpirun >/dev/null; then
        drop lh-mpirun "mpirun is not installed (scripts/baselines/run.sh installs openmpi-bin)"
    fi
    if want iperf3 && ! command -v iperf3 >/dev/null; then
        if [[ $install -eq 1 ]]; then
            SUDO=
            [[ $(id -u) -eq 0 ]] || SUDO=sudo
            { $SUDO apt-get update -q && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q iperf3; } >"$out/iperf3-install.log" 2>&1 || true
        fi
        command -v iperf3 >/dev/null || drop iperf3 "iperf3 is not installed"
    fi
    printf '# %s, %s, %s cores, %s, allreduce %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(uname -r)" "$(nproc)" \
        "$(java -version 2>&1 | head -1)" "${ar_flags[*]}"
fi

declare -A results
add() { results[$1]="${results[$1]:-} $2"; }
timed() { # timed LOG CMD...: runs CMD under /usr/bin/time, appending "cpu SECONDS" to LOG
    if [[ $dry -eq 1 ]]; then
        printf '%q ' "${@:2}"
        printf '\n'
        return 0
    fi
    /usr/bin/time -f 'cpu %U %S' -a -o "$1.time" "${@:2}" >"$1" 2>&1 || lh_warn "${*:2} failed; see $1"
}
cpu_of() { awk '/^cpu/ { s += $2 + $3 } END { printf "%.2f", s }' "$1.time" 2>/dev/null; }
secs=${perf_duration%s}

for ((r = 1; r <= rounds; r++)); do
    [[ $dry -eq 0 ]] && lh_info "round $r of $rounds"
    for s in "${systems[@]}"; do
        log=$out/$s-round$r.log
        case $s in
            gloo)
                run "$log" "$LH_SCRIPTS/baselines/run.sh" --no-install --only gloo --min 1048576 --max 67108864
                [[ $dry -eq 1 ]] || add gloo "$(avg_busbw "$log")" ;;
            mpi)
                run "$log" "$LH_SCRIPTS/baselines/run.sh" --no-install --only mpi --min 1048576 --max 67108864
                [[ $dry -eq 1 ]] || { add mpi-shm "$(avg_busbw "$log" 1)"; add mpi-tcp "$(avg_busbw "$log" 2)"; } ;;
            lh-local)
                run "$log" "$LONGHAUL" allreduce --ranks 4 "${ar_flags[@]}"
                [[ $dry -eq 1 ]] || add "$s" "$(avg_busbw "$log")" ;;
            lh-insecure)
                run "$log" "$LONGHAUL" allreduce --ranks 4 --insecure "${ar_flags[@]}"
                [[ $dry -eq 1 ]] || add "$s" "$(avg_busbw "$log")" ;;
            lh-mpirun)
                run "$log" env LONGHAUL_NO_BUILD=1 mpirun "${mpi_flags[@]}" -np 4 -x LONGHAUL_NO_BUILD "$LONGHAUL" allreduce "${ar_flags[@]}"
                [[ $dry -eq 1 ]] || add "$s" "$(avg_busbw "$log")" ;;
            lh-launch)
                run "$log" env LONGHAUL_NO_BUILD=1 "$LONGHAUL" launch -n 4 -- "$LONGHAUL" allreduce "${ar_flags[@]}"
                [[ $dry -eq 1 ]] || add "$s" "$(avg_busbw "$log")" ;;
            perf)
                for mode in insecure keyed; do
                    flags=()
                    [[ $mode == insecure ]] && flags=(--insecure)
                    plog=$out/perf-$mode-round$r
                    rm -f "$plog.log.time"
                    timed "$plog.log" "$LONGHAUL" perf --local "${flags[@]}" --duration "$perf_duration" -i 0 --json "$plog.json"
                    [[ $dry -eq 1 ]] && continue
                    bytes=$(sed -n 's/.*"bytes" *: *\([0-9]*\).*/\1/p' "$plog.json" | head -1)
                    bps=$(sed -n 's/.*"goodput_bps" *: *\([0-9.eE+-]*\).*/\1/p' "$plog.json" | head -1)
                    add "perf-$mode-gbit" "$(awk -v b="${bps:-0}" 'BEGIN { printf "%.2f", b / 1e9 }')"
                    add "perf-$mode-cpu-s/GB" "$(awk -v c="$(cpu_of "$plog.log")" -v b="${bytes:-0}" 'BEGIN { printf "%.2f", (b > 0 ? c / (b / 1e9) : 0) }')"
                done ;;
            iperf3)
                ilog=$out/iperf3-round$r
                rm -f "$ilog-server.log.time" "$ilog-client.log.time"
                port=$((5201 + r))
                if [[ $dry -eq 1 ]]; then
                    printf 'iperf3 -s -1 -p %s & iperf3 -c 127.0.0.1 -p %s -t %s -J\n' "$port" "$port" "$secs"
                    continue
                fi
                timed "$ilog-server.log" iperf3 -s -1 -p "$port" &
                server=$!
                sleep 0.5 # iperf3 has no readiness signal; a client that comes too early is retried below
                timed "$ilog-client.log" iperf3 -c 127.0.0.1 -p "$port" -t "$secs" -J \
                    || timed "$ilog-client.log" iperf3 -c 127.0.0.1 -p "$port" -t "$secs" -J
                wait "$server" || true
                bps=$(sed -n '/"sum_received"/,/}/p' "$ilog-client.log" | sed -n 's/.*"bits_per_second":[[:space:]]*\([0-9.eE+-]*\).*/\1/p' | head -1)
                bytes=$(sed -n '/"sum_received"/,/}/p' "$ilog-client.log" | sed -n 's/.*"bytes":[[:space:]]*\([0-9]*\).*/\1/p' | head -1)
                cpu=$(awk -v a="$(cpu_of "$ilog-server.log")" -v b="$(cpu_of "$ilog-client.log")" 'BEGIN { print a + b }')
                add iperf3-gbit "$(awk -v b="${bps:-0}" 'BEGIN { printf "%.2f", b / 1e9 }')"
                add iperf3-cpu-s/GB "$(awk -v c="$cpu" -v b="${bytes:-0}" 'BEGIN { printf "%.2f", (b > 0 ? c / (b / 1e9) : 0) }')" ;;
        esac
    done
done
[[ $dry -eq 1 ]] && exit 0

stats() { # stats VALUES...: "min/median/max median"
    printf '%s\n' "$@" | grep -v '^$' | sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) { print "- 0"; exit }
        med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%s/%s/%s %s\n", v[1], med, v[NR], med }'
}
gloo_median=
if [[ -n ${results[gloo]:-} ]]; then
    # shellcheck disable=SC2086
    read -r _ gloo_median <<<"$(stats ${results[gloo]})"
fi
printf '%-22s %-26s %s\n' metric "min/median/max" "median vs gloo"
for key in gloo mpi-shm mpi-tcp lh-local lh-insecure lh-mpirun lh-launch \
    perf-insecure-gbit perf-keyed-gbit iperf3-gbit perf-insecure-cpu-s/GB perf-keyed-cpu-s/GB iperf3-cpu-s/GB; do
    [[ -n ${results[$key]:-} ]] || continue
    # shellcheck disable=SC2086
    read -r triple med <<<"$(stats ${results[$key]})"
    ratio=
    if [[ $key != perf* && $key != iperf3* && -n $gloo_median ]]; then
        ratio=$(awk -v m="$med" -v g="$gloo_median" 'BEGIN { if (g > 0) printf "%.2fx", m / g }')
    fi
    label=$key
    [[ $key == perf* || $key == iperf3* ]] || label="$key busbw GB/s"
    printf '%-22s %-26s %s\n' "$label" "$triple" "$ratio"
done
