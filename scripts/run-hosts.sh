#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Runs a longhaul scenario across real hosts through mpirun, srun or ssh, optionally shaping the
# inter-DC paths with netem, gathers the JSON results and builds the HTML report. See --help.
set -euo pipefail

LH_PROG=run-hosts.sh
_self=${BASH_SOURCE[0]}
_self=$(readlink -f -- "$_self" 2>/dev/null || printf '%s' "$_self")
LH_SCRIPTS=$(cd -P -- "$(dirname -- "$_self")" && pwd)
LH_ROOT=$(cd -P -- "$LH_SCRIPTS/.." && pwd)
# shellcheck source=lib/common.sh
. "$LH_SCRIPTS/lib/common.sh"

usage() {
    cat <<'HELP'
Usage: scripts/run-hosts.sh --hostfile FILE [options] [-- EXTRA LONGHAUL ARGS]

Runs 'longhaul allreduce' and 'longhaul train' with one rank per host line (RANK/WORLD_SIZE from
the launcher: mpirun sets OMPI_COMM_WORLD_*, srun SLURM_*, ssh mode sets RANK, WORLD_SIZE,
MASTER_ADDR, MASTER_PORT as torchrun does), optionally shapes the paths between hosts of
different DCs like the scenario's inter-DC link (scripts/netem.sh on each host, root needed),
copies every JSON result into --out and builds OUT/report.html with 'longhaul report'.

Hostfile: one host (name or IP) per line, '#' comments; 'host slots=N' gives N ranks to a host.
Hosts are split into DCs in order: the first half is DC 0, the second DC 1 (--dcs D for D DCs).

Options:
  --hostfile FILE        hosts, one per line (required)
  --launcher NAME        mpirun, srun or ssh (default: ssh)
  --scenario NAME|FILE   scenario preset or file (default: dci-1000km); its inter-DC link shapes
                         the paths with --shape, and train runs its model
  --dcs D                number of DCs the hosts are split into (default 2)
  --shape DEV            shape DEV on every host with netem.sh toward hosts of other DCs
  --link SPEC            link spec to shape with instead of the scenario's inter-DC link
  --remote-dir DIR       longhaul checkout on the hosts (default: this checkout's path)
  --agent CMD            the command that runs a command on a host, in place of ssh: used to start
                         the ranks (ssh launcher), as mpirun's remote agent (plm_rsh_agent), for
                         shaping and to gather results; scripts/fabric-agent.sh makes the hosts
                         of a kernel-level fabric ('longhaul fabric up') the hosts (default: ssh)
  --master-port P        rendezvous port on the first host (default 29500)
  --out DIR              local results directory (default results/hosts-DATE)
  --skip-allreduce       do not run the all-reduce sweep
  --skip-train           do not run the training model
  --dry-run              print the commands instead of running them
  -h, --help             this text

Example:
  printf 'dc-a-1\ndc-a-2\ndc-b-1\ndc-b-2\n' > hosts.txt
  scripts/run-hosts.sh --hostfile hosts.txt --launcher ssh --scenario dci-1000km --shape eth0 --out results/ -- -b 1M -e 64M -f 4
  scripts/run-hosts.sh --hostfile hosts.txt --launcher mpirun --dry-run
  # on one machine, the 4 namespaces of 'longhaul fabric up --hosts 4 --dcs 2 --link ...' as hosts:
  printf 'lhf0\nlhf1\nlhf2\nlhf3\n' > fabric-hosts.txt
  sudo scripts/run-hosts.sh --hostfile fabric-hosts.txt --launcher ssh --agent scripts/fabric-agent.sh --skip-train
HELP
}

hostfile=""
launcher=ssh
scenario=dci-1000km
dcs=2
shape_dev=""
link=""
remote_dir=$LH_ROOT
master_port=29500
out=""
run_allreduce=1
run_train=1
dry_run=0
agent=ssh
extra=()

while [[ $# -gt 0 ]]; do
    case $1 in
        -h|--help) usage; exit 0 ;;
        --hostfile) hostfile=${2:?--hostfile needs a file}; shift 2 ;;
        --launcher) launcher=${2:?--launcher needs a name}; shift 2 ;;
        --scenario) scenario=${2:?--scenario needs a name}; shift 2 ;;
        --dcs) dcs=${2:?--dcs needs a number}; shift 2 ;;
        --shape) shape_dev=${2:?--shape needs a device}; shift 2 ;;
        --link) link=${2:?--link needs a spec}; shift 2 ;;
        --remote-dir) remote_dir=${2:?--remote-dir needs a directory}; shift 2 ;;
        --agent) agent=${2:?--agent needs a command}; shift 2 ;;
        --master-port) master_port=${2:?--master-port needs a port}; shift 2 ;;
        --out) out=${2:?--out needs a directory}; shift 2 ;;
        --skip-allreduce) run_allreduce=0; shift ;;
        --skip-train) run_train=0; shift ;;
        --dry-run) dry_run=1; shift ;;
        --) shift; extra=("$@"); break ;;
        *) lh_usage_error "unknown option '$1'" ;;
    esac
done

[[ -n $hostfile ]] || lh_usage_error "--hostfile is required"
[[ -f $hostfile ]] || lh_usage_error "no such hostfile: $hostfile"
case $launcher in mpirun|srun|ssh) ;; *) lh_usage_error "--launcher '$launcher' is not one of: mpirun, srun, ssh" ;; esac
# The job key: mpirun passes it on (-x), srun with the environment, the ssh launcher on each
# rank's standard input (a key on the remote command line would show in ps).
lh_export_job_key
if ! lh_is_uint "$dcs" || (( dcs < 1 )); then
    lh_usage_error "--dcs '$dcs' is not a positive number"
fi
if ! lh_is_uint "$master_port" || (( master_port < 1 || master_port > 65535 )); then
    lh_usage_error "--master-port '$master_port' is out of range; accepted: 1 to 65535"
fi
out=${out:-results/hosts-$(date +%Y%m%d-%H%M%S)}

# One entry per rank: hosts repeated by their slots.
ranks=()
while read -r line; do
    line=${line%%#*}
    read -r host rest <<<"$line" || true
    [[ -n ${host:-} ]] || continue
    slots=1
    if [[ ${rest:-} =~ slots=([0-9]+) ]]; then
        slots=${BASH_REMATCH[1]}
    fi
    for ((s = 0; s < slots; s++)); do
        ranks+=("$host")
    done
done <"$hostfile"
world=${#ranks[@]}
(( world >= 2 )) || lh_usage_error "$hostfile lists $world rank(s); at least 2 are needed"
(( world % dcs == 0 )) || lh_usage_error "$world ranks do not split into $dcs DCs evenly"
per_dc=$(( world / dcs ))
master=${ranks[0]}

# run CMD...: prints the command with --dry-run, runs it otherwise.
run() {
    if (( dry_run )); then
        printf '+'
        printf ' %q' "$@"
        printf '\n'
    else
        "$@"
    fi
}

LONGHAUL=$remote_dir/scripts/longhaul
if [[ $out == /* ]]; then
    remote_out=$out
else
    remote_out=$remote_dir/$out
fi

if [[ -n $shape_dev ]]; then
    if [[ -z $link ]]; then
        if (( dry_run )); then
            link="<inter-DC link of $scenario>"
        else
            link=$("$LH_SCRIPTS/longhaul" train --scenario "$scenario" --print-link)
        fi
    fi
    lh_info "shaping $shape_dev on every host toward other DCs: $link"
    for ((a = 0; a < world; a++)); do
        for ((b = 0; b < world; b++)); do
            (( a / per_dc != b / per_dc )) || continue
            [[ ${ranks[a]} != "${ranks[b]}" ]] || continue
            run "$agent" "${ranks[a]}" "$remote_dir/scripts/netem.sh" apply "$shape_dev" "$link" --dst "${ranks[b]}/32"
        done
    done
fi

# launch NAME ARGS...: runs 'longhaul NAME ARGS --json OUT/NAME-rank$RANK.json' on every rank.
launch() {
    local name=$1
    shift
    local json="$remote_out/$name-rank\${RANK:-\${OMPI_COMM_WORLD_RANK:-\${SLURM_PROCID:-0}}}.json"
    local cmd="mkdir -p '$remote_out' && cd '$remote_dir' && exec '$LONGHAUL' $name $* --json \"$json\""
    case $launcher in
        mpirun)
            local -a agent_args=()
            [[ $agent == ssh ]] || agent_args=(--mca plm_rsh_agent "$agent")
            (( $(id -u) != 0 )) || agent_args+=(--allow-run-as-root)
            run mpirun "${agent_args[@]}" --hostfile "$hostfile" -np "$world" -x MASTER_ADDR="$master" -x MASTER_PORT="$master_port" \
                -x LONGHAUL_KEY bash -c "$cmd" ;;
        srun)
            local nodes
            nodes=$(printf '%s\n' "${ranks[@]}" | awk '!seen[$0]++' | paste -sd, -)
            run srun --nodelist="$nodes" --ntasks="$world" --export=ALL,MASTER_ADDR="$master",MASTER_PORT="$master_port" bash -c "$cmd" ;;
        ssh)
            local pids=() r
            for ((r = 0; r < world; r++)); do
                local remote
                # The job key goes over ssh's standard input, not its command line (which other users of the host can read).
                remote="IFS= read -r LONGHAUL_KEY && export LONGHAUL_KEY && RANK=$r LOCAL_RANK=0 WORLD_SIZE=$world MASTER_ADDR=$master"
                remote+=" MASTER_PORT=$master_port bash -c $(printf '%q' "$cmd")"
                if (( dry_run )); then
                    printf '+ %s %s RANK=%s WORLD_SIZE=%s MASTER_ADDR=%s MASTER_PORT=%s %s\n' "$agent" "${ranks[r]}" "$r" "$world" "$master" \
                        "$master_port" "$cmd"
                else
                    # shellcheck disable=SC2029 # the command is built here on purpose
                    "$agent" "${ranks[r]}" "$remote" <<<"$LONGHAUL_KEY" 2>&1 | sed "s/^/[rank $r] /" &
                    pids+=($!)
                fi
            done
            local failed=0 p
            for p in "${pids[@]}"; do
                wait "$p" || failed=1
            done
            (( failed == 0 )) || lh_die 1 "longhaul $name failed on some rank (see the [rank i] lines above)"
            ;;
    esac
}

topology="${dcs}x${per_dc}"
(( run_allreduce )) && launch allreduce --topology "$topology" "${extra[@]}"
(( run_train )) && launch train --scenario "$scenario" --backend launcher

# Gather every host's JSON files and build the report.
run mkdir -p "$out"
for host in $(printf '%s\n' "${ranks[@]}" | awk '!seen[$0]++'); do
    if (( dry_run )); then
        printf '+ %s %s tar -C %q -cf - . | tar -C %q -xf -\n' "$agent" "$host" "$remote_out" "$out"
    else
        "$agent" "$host" "tar -C '$remote_out' -cf - ." | tar -C "$out" -xf -
    fi
done
run "$LH_SCRIPTS/longhaul" report --in "$out" --out "$out/report.html"
(( dry_run )) || lh_info "report: $out/report.html"
