# shellcheck shell=bash
# The all-reduce part of scripts/compare.sh (sourced by it; uses its variables and helpers):
# longhaul allreduce, Gloo's ring all-reduce and Open MPI's MPI_Allreduce, one rank per fabric
# namespace, on the same fabric.

BASELINE_DIR=${BUILD_DIR:-${TMPDIR:-/tmp}/longhaul-baselines}
# Seconds one contender may take for a whole size sweep before it is stopped and marked n/a.
ALLREDUCE_TIMEOUT=${LONGHAUL_COMPARE_TIMEOUT:-900}

# build_baselines: the Gloo and MPI benchmarks from scripts/baselines (installing what they need
# through scripts/baselines/run.sh's own installer, which also runs them once on 2 ranks locally).
build_baselines() {
    if [[ ! -x $BASELINE_DIR/gloo_allreduce || ! -x $BASELINE_DIR/mpi_allreduce ]]; then
        local -a flags=()
        ((INSTALL)) || flags=(--no-install)
        BUILD_DIR=$BASELINE_DIR "$LH_SCRIPTS/baselines/run.sh" --ranks 2 --min 4096 --max 4096 --iters 1 --warmup 0 "${flags[@]}" \
            >"$OUT/baselines-build.log" 2>&1 || lh_warn "scripts/baselines/run.sh failed; see $OUT/baselines-build.log"
    fi
    HAVE_GLOO=0 HAVE_MPI=0
    [[ -x $BASELINE_DIR/gloo_allreduce ]] && HAVE_GLOO=1
    [[ -x $BASELINE_DIR/mpi_allreduce ]] && command -v mpirun >/dev/null && HAVE_MPI=1
    ((HAVE_GLOO)) || lh_warn "no Gloo benchmark ($BASELINE_DIR/gloo_allreduce): its column is n/a"
    ((HAVE_MPI)) || lh_warn "no Open MPI benchmark ($BASELINE_DIR/mpi_allreduce or mpirun): its column is n/a"
}

# busbw_by_size FILE: "SIZE BUSBW" per result line of an nccl-tests style table, recomputed from
# the first time column (us; out of place for longhaul and MPI, in place for Gloo, which has only
# that) with four decimals: busbw = size / time x 2(n-1)/n, in GB/s.
busbw_by_size() {
    awk -v n="$RANKS" '$1 ~ /^[0-9]+$/ && NF >= 9 && $6 > 0 { printf "%s %.4f\n", $1, $1 / ($6 * 1e3) * 2 * (n - 1) / n }' "$1" 2>/dev/null || true
}

# run_longhaul_allreduce FILE: one rank per namespace, started with torchrun's variables by
# 'scripts/longhaul launch', each inside its namespace.
run_longhaul_allreduce() {
    local per_dc=$((RANKS / 2))
    timeout "$ALLREDUCE_TIMEOUT" "$LONGHAUL" launch -n "$RANKS" --master-addr 10.78.0.1 -- bash -c \
        "exec ip netns exec $PREFIX\$RANK '$LONGHAUL' allreduce --topology 2x$per_dc -b $MIN_BYTES -e $MAX_BYTES -f 2 -n $ITERS -w 1" \
        >"$1.all" 2>&1 || lh_warn "longhaul allreduce failed or timed out; see $1.all"
    sed -n 's/^\[rank 0\] //p' "$1.all" >"$1"
}

run_gloo_allreduce() {
    local store r
    local -a pids=()
    store=$(mktemp -d "$BASELINE_DIR/store.XXXXXX")
    for ((r = 0; r < RANKS; r++)); do
        if ((r == 0)); then
            timeout "$ALLREDUCE_TIMEOUT" ip netns exec "$PREFIX$r" "$BASELINE_DIR/gloo_allreduce" "$r" "$RANKS" "$store" "$MIN_BYTES" "$MAX_BYTES" \
                "$ITERS" 1 "10.78.0.$((r + 1))" >"$1" 2>&1 &
        else
            timeout "$ALLREDUCE_TIMEOUT" ip netns exec "$PREFIX$r" "$BASELINE_DIR/gloo_allreduce" "$r" "$RANKS" "$store" "$MIN_BYTES" "$MAX_BYTES" \
                "$ITERS" 1 "10.78.0.$((r + 1))" >"$1.rank$r" 2>&1 &
        fi
        pids+=($!)
    done
    for r in "${pids[@]}"; do wait "$r" || true; done
    rm -rf "$store"
}

# run_mpi_allreduce FILE: mpirun inside host 0, starting every rank through fabric-agent.sh
# (Open MPI's ssh launch with the agent in place of ssh), TCP only, over the fabric's devices.
run_mpi_allreduce() {
    local hosts="" r
    for ((r = 0; r < RANKS; r++)); do hosts+="${hosts:+,}$PREFIX$r"; done
    timeout "$ALLREDUCE_TIMEOUT" ip netns exec "${PREFIX}0" mpirun --allow-run-as-root --mca plm_rsh_agent "$LH_SCRIPTS/fabric-agent.sh" \
        -H "$hosts" -np "$RANKS" --mca oob_tcp_if_include lhtun --mca btl tcp,self --mca btl_tcp_if_include lhtun \
        "$BASELINE_DIR/mpi_allreduce" "$MIN_BYTES" "$MAX_BYTES" "$ITERS" 1 >"$1" 2>&1 || lh_warn "mpirun failed or timed out; see $1"
}

compare_allreduce() {
    build_baselines
    printf 'km,loss_pct,size_bytes,longhaul_busbw,gloo_busbw,mpi_busbw,longhaul_over_gloo,longhaul_over_mpi,link\n' >"$OUT/allreduce.csv"
    printf '\n# all-reduce: %d ranks, one per namespace, in 2 DCs; busbw in GB/s (nccl-tests), sizes %s..%s, -n %d; %s\n' \
        "$RANKS" "$MIN_SIZE" "$MAX_SIZE" "$ITERS" "$(date -u +%FT%TZ)"
    printf "# '!' after the distance: the forwarder was the bottleneck during one of the three (see forwarder.csv)\n"
    printf '%-9s %-6s %10s %10s %10s %10s %9s %9s\n' km loss size longhaul gloo mpi lh/gloo lh/mpi
    local km loss spec tag lh gloo mpi size flag
    for km in "${DIST_LIST[@]}"; do
        for loss in "${LOSS_LIST[@]}"; do
            spec=$(link_spec "$km" "$loss")
            fabric_up "$RANKS" "$spec"
            tag="$km,$loss"
            flag=$(run_measured "$tag,allreduce_longhaul,1" run_longhaul_allreduce "$OUT/allreduce-${km}km-$loss-longhaul.txt")
            if ((HAVE_GLOO)); then
                flag+=$(run_measured "$tag,allreduce_gloo,1" run_gloo_allreduce "$OUT/allreduce-${km}km-$loss-gloo.txt")
            fi
            if ((HAVE_MPI)); then
                flag+=$(run_measured "$tag,allreduce_mpi,1" run_mpi_allreduce "$OUT/allreduce-${km}km-$loss-mpi.txt")
            fi
            [[ $flag == *'!'* ]] && flag='!' || flag=''
            declare -A LH=() GL=() MP=()
            while read -r size v; do LH[$size]=$v; done < <(busbw_by_size "$OUT/allreduce-${km}km-$loss-longhaul.txt")
            while read -r size v; do GL[$size]=$v; done < <(busbw_by_size "$OUT/allreduce-${km}km-$loss-gloo.txt")
            while read -r size v; do MP[$size]=$v; done < <(busbw_by_size "$OUT/allreduce-${km}km-$loss-mpi.txt")
            for ((size = MIN_BYTES; size <= MAX_BYTES; size *= 2)); do
                lh=${LH[$size]:-n/a} gloo=${GL[$size]:-n/a} mpi=${MP[$size]:-n/a}
                printf '%-9s %-6s %10s %10s %10s %10s %9s %9s\n' "$km$flag" "$loss%" "$size" "$lh" "$gloo" "$mpi" \
                    "$(ratio "$lh" "$gloo")" "$(ratio "$lh" "$mpi")"
                printf '%s,%s,%s,%s,%s,%s,%s,%s,"%s"\n' "$km" "$loss" "$size" "$lh" "$gloo" "$mpi" "$(ratio "$lh" "$gloo")" \
                    "$(ratio "$lh" "$mpi")" "$spec" >>"$OUT/allreduce.csv"
            done
            unset LH GL MP
            "$LONGHAUL" fabric down --prefix "$PREFIX" >/dev/null
        done
    done
    {
        printf 'All-reduce busbw in GB/s, %d ranks (one per namespace, 2 DCs, the link above between the DCs), ' "$RANKS"
        printf 'longhaul out of place (started with torchrun variables), Gloo ring in place, Open MPI TCP out of place (mpirun through fabric-agent.sh):\n\n'
        printf '| km | loss %% | size | longhaul | Gloo | MPI | longhaul/Gloo | longhaul/MPI |\n|---|---|---|---|---|---|---|---|\n'
        awk -F, 'NR > 1 { printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7, $8 }' "$OUT/allreduce.csv"
        printf '\n'
    } >"$OUT/allreduce.md"
}
