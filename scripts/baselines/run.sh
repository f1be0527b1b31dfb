#!/usr/bin/env bash
# Baselines for longhaul's all-reduce: a Gloo ring all-reduce (TCP) and Open MPI's MPI_Allreduce
# (shared memory, then TCP over loopback), N ranks on this host, sizes MIN..MAX doubling, printed
# in nccl-tests' columns (busbw = algbw * 2(n-1)/n).
#
# Installs libgloo-dev, openmpi-bin and libopenmpi-dev with apt-get when missing (needs root or
# sudo), builds the two benchmarks from this directory into $BUILD_DIR, then runs them.
#
# Usage: scripts/baselines/run.sh [--ranks N] [--min BYTES] [--max BYTES] [--iters N] [--warmup N]
#                                 [--only gloo|mpi] [--no-install]
# Defaults: --ranks 4 --min 1048576 --max 67108864 --iters 20 --warmup 5.
# Compare with: scripts/longhaul allreduce --ranks 4 -b 1M -e 64M -f 2
set -euo pipefail

HERE=$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
BUILD_DIR=${BUILD_DIR:-${TMPDIR:-/tmp}/longhaul-baselines}
RANKS=4
MIN=$((1 << 20))
MAX=$((64 << 20))
ITERS=20
WARMUP=5
ONLY=
INSTALL=1

die() { printf 'run.sh: %s\n' "$*" >&2; exit 2; }
usage() { sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; }

while (($#)); do
    case $1 in
        --ranks) RANKS=${2:?--ranks needs N}; shift 2 ;;
        --min) MIN=${2:?--min needs BYTES}; shift 2 ;;
        --max) MAX=${2:?--max needs BYTES}; shift 2 ;;
        --iters) ITERS=${2:?--iters needs N}; shift 2 ;;
        --warmup) WARMUP=${2:?--warmup needs N}; shift 2 ;;
        --only) ONLY=${2:?--only needs gloo or mpi}; shift 2 ;;
        --no-install) INSTALL=0; shift ;;
        -h|--help) usage; exit 0 ;;
        *) die "unknown option '$1' (see --help)" ;;
    esac
done
for v in RANKS MIN MAX ITERS WARMUP; do
    [[ ${!v} =~ ^[0-9]+$ ]] || die "--${v,,} '${!v}' is not a non-negative integer"
done
((RANKS >= 2 && RANKS <= 64)) || die "--ranks $RANKS is out of range; accepted: 2 to 64"
((MIN >= 4 && MIN <= MAX)) || die "sizes --min $MIN --max $MAX are invalid; accepted: 4 <= min <= max"
[[ -z $ONLY || $ONLY == gloo || $ONLY == mpi ]] || die "--only '$ONLY'; accepted: gloo, mpi"

want_gloo() { [[ -z $ONLY || $ONLY == gloo ]]; }
want_mpi() { [[ -z $ONLY || $ONLY == mpi ]]; }

# ---------------------------------------------------------------- install

missing=()
want_gloo && { [[ -f /usr/include/gloo/allreduce_ring.h ]] || missing+=(libgloo-dev); }
want_mpi && { command -v mpicc >/dev/null && command -v mpirun >/dev/null || missing+=(openmpi-bin libopenmpi-dev); }
command -v g++ >/dev/null || missing+=(g++)
if ((${#missing[@]})); then
    ((INSTALL)) || die "missing packages: ${missing[*]} (run without --no-install, or apt-get install them)"
    SUDO=
    (($(id -u) == 0)) || SUDO=sudo
    printf '# installing %s\n' "${missing[*]}" >&2
    $SUDO apt-get update -q >&2 || true
    if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${missing[@]}" >&2; then
        # Gloo is only packaged on some releases (Debian 12+, Ubuntu 22.04+); go on with MPI alone.
        if want_gloo && ! apt-cache show libgloo-dev >/dev/null 2>&1; then
            printf '# libgloo-dev is not installable here (no candidate in apt sources: %s); measuring MPI only\n' \
                "$(. /etc/os-release 2>/dev/null; echo "${PRETTY_NAME:-unknown OS}")" >&2
            ONLY=mpi
            missing=("${missing[@]/libgloo-dev}")
            DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q ${missing[@]} >&2
        else
            die "apt-get install ${missing[*]} failed"
        fi
    fi
fi

# ---------------------------------------------------------------- build

mkdir -p "$BUILD_DIR"
if want_gloo; then
    g++ -O2 -std=c++17 -o "$BUILD_DIR/gloo_allreduce" "$HERE/gloo_allreduce.cc" -lgloo -lpthread
fi
if want_mpi; then
    mpicc -O2 -o "$BUILD_DIR/mpi_allreduce" "$HERE/mpi_allreduce.c"
fi

# ---------------------------------------------------------------- run

printf '# host %s, %s CPUs, %d ranks, sizes %d..%d doubling, %d iterations after %d warm-up\n' \
    "$(hostname)" "$(nproc)" "$RANKS" "$MIN" "$MAX" "$ITERS" "$WARMUP"

if want_gloo; then
    store=$(mktemp -d "$BUILD_DIR/store.XXXXXX")
    pids=()
    for ((r = 0; r < RANKS; r++)); do
        if ((r == 0)); then
            "$BUILD_DIR/gloo_allreduce" "$r" "$RANKS" "$store" "$MIN" "$MAX" "$ITERS" "$WARMUP" &
        else
            "$BUILD_DIR/gloo_allreduce" "$r" "$RANKS" "$store" "$MIN" "$MAX" "$ITERS" "$WARMUP" >/dev/null &
        fi
        pids+=($!)
    done
    status=0
    for p in "${pids[@]}"; do wait "$p" || status=$?; done
    rm -rf "$store"
    ((status == 0)) || die "gloo benchmark failed (exit $status)"
fi

if want_mpi; then
    mpi_flags=(--oversubscribe)
    (($(id -u) == 0)) && mpi_flags+=(--allow-run-as-root)
    echo "# Open MPI, default transports (shared memory between local ranks)"
    mpirun "${mpi_flags[@]}" -np "$RANKS" "$BUILD_DIR/mpi_allreduce" "$MIN" "$MAX" "$ITERS" "$WARMUP"
    echo "# Open MPI, TCP over loopback (--mca btl tcp,self), the closest to a network transport"
    mpirun "${mpi_flags[@]}" --mca btl tcp,self --mca btl_tcp_if_include lo -np "$RANKS" \
        "$BUILD_DIR/mpi_allreduce" "$MIN" "$MAX" "$ITERS" "$WARMUP"
fi
