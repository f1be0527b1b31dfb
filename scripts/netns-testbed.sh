#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# A one-host testbed of N network namespaces joined by a bridge, so ranks talk over the kernel's
# real network path (veth, bridge, qdiscs) instead of loopback. See --help.
set -euo pipefail

LH_PROG=netns-testbed.sh
_self=${BASH_SOURCE[0]}
_self=$(readlink -f -- "$_self" 2>/dev/null || printf '%s' "$_self")
LH_SCRIPTS=$(cd -P -- "$(dirname -- "$_self")" && pwd)
# shellcheck source=lib/common.sh
. "$LH_SCRIPTS/lib/common.sh"
# shellcheck source=lib/linkspec.sh
. "$LH_SCRIPTS/lib/linkspec.sh"
NETEM_SH=$LH_SCRIPTS/netem.sh

MAX_NAMESPACES=1000

usage() {
    cat <<'EOF'
Usage: netns-testbed.sh up N [--prefix lh] [--subnet 10.77.0.0/24] [--rate RATE] [--link SPEC] [--allow-rate-only]
       netns-testbed.sh down [--prefix lh]
       netns-testbed.sh status [--prefix lh]
       netns-testbed.sh exec I [--prefix lh] -- COMMAND [ARGS...]
       netns-testbed.sh --help

Builds N network namespaces PREFIX0..PREFIX{N-1} on this host, each with an interface eth0
(address: host i+1 of the subnet, so 10.77.0.1 for namespace 0) whose veth peer is a port of a
bridge in a hub namespace PREFIX-hub. Nothing is added to the host's own namespace, so its
firewall and routes are untouched. Loopback is up in every namespace.

  namespace lh0 [eth0 10.77.0.1/24] --veth-- [lhp0] bridge lhbr (in lh-hub) [lhp1] --veth-- [eth0 10.77.0.2/24] lh1

Commands:
  up N       create the testbed (fails if one with the same prefix exists; run down first)
  down       delete every namespace of the testbed (and with them its veths and bridge);
             succeeds when there is nothing to delete
  status     list the namespaces, addresses and qdiscs; exits 1 if there is no testbed
  exec I     run COMMAND inside namespace I (I = 0..N-1, or 'hub'); thin wrapper over
             'ip netns exec'

Options:
  --prefix P        name prefix, a lower-case letter then up to 7 letters or digits (default lh)
  --subnet CIDR     IPv4 subnet for the namespaces (default 10.77.0.0/24)
  --rate RATE       shape both directions of each namespace's veth with tbf at RATE (1gbit,
                    100mbit, ...): works on every kernel
  --link SPEC       shape traffic leaving each namespace with a full link spec through netem.sh
                    (delay=5ms,loss=0.1%,rate=1gbit,...); a packet between two namespaces
                    crosses it once, so RTT = 2 x delay. With --rate and no rate in SPEC, --rate
                    is added to SPEC. Delay and loss need sch_netem: if the kernel lacks it, up
                    fails unless --allow-rate-only is given, which keeps only SPEC's rate/queue
  --allow-rate-only  see --link
  -h, --help        this help

up, down and exec need root; status does not need it for listing. Exit codes: 0 ok, 1 failure,
2 bad usage, 3 the kernel lacks sch_netem and --link needs it.

Examples:
  sudo scripts/netns-testbed.sh up 2 --rate 1gbit
  sudo scripts/netns-testbed.sh exec 0 -- ping -c 3 10.77.0.2
  sudo scripts/netns-testbed.sh up 4 --link delay=4.9ms,rate=10gbit,loss=0.01% --allow-rate-only
  # each rank in its own namespace, rendezvous at rank 0's address:
  sudo scripts/longhaul launch -n 2 --master-addr 10.77.0.1 -- \
      bash -c 'exec scripts/netns-testbed.sh exec "$RANK" -- scripts/longhaul allreduce -b 1M -e 64M'
  scripts/netns-testbed.sh status
  sudo scripts/netns-testbed.sh down
EOF
}

validate_prefix() {
    [[ $1 =~ ^[a-z][a-z0-9]{0,7}$ ]] || lh_usage_error "--prefix: '$1' is not accepted; use a lower-case letter then up to 7 letters or digits (interface names are limited to 15 characters)"
}

hub_ns() { printf '%s-hub\n' "$PREFIX"; }

# testbed_namespaces: the testbed's namespaces, ranks in order, then the hub.
testbed_namespaces() {
    local name
    { ip netns list 2>/dev/null || true; } | awk '{ print $1 }' | while read -r name; do
        if [[ $name =~ ^$PREFIX([0-9]+)$ ]]; then
            printf '%s %s\n' "${BASH_REMATCH[1]}" "$name"
        elif [[ $name == "$PREFIX-hub" ]]; then
            printf '999999 %s\n' "$name"
        fi
    done | sort -n | awk '{ print $2 }'
}

ip_to_int() {
    local IFS=.
    local -a o
    read -r -a o <<<"$1"
    printf '%s\n' $(((o[0] << 24) + (o[1] << 16) + (o[2] << 8) + o[3]))
}

int_to_ip() {
    printf '%d.%d.%d.%d\n' $((($1 >> 24) & 255)) $((($1 >> 16) & 255)) $((($1 >> 8) & 255)) $(($1 & 255))
}

# parse_subnet CIDR N: sets SUBNET_BASE (int) and SUBNET_LEN.
parse_subnet() {
    local text=$1 n=$2 o size mask base
    if [[ ! $text =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})/([0-9]{1,2})$ ]]; then
        lh_usage_error "--subnet: '$text' is not an IPv4 CIDR; accepted: A.B.C.D/LEN, for example 10.77.0.0/24"
    fi
    for o in "${BASH_REMATCH[@]:1:4}"; do
        ((10#$o <= 255)) || lh_usage_error "--subnet: '$text' has an octet $o > 255"
    done
    SUBNET_LEN=$((10#${BASH_REMATCH[5]}))
    ((SUBNET_LEN >= 8 && SUBNET_LEN <= 30)) || lh_usage_error "--subnet: prefix length /$SUBNET_LEN of '$text' is out of range; accepted: /8 to /30"
    base=$(ip_to_int "${text%/*}")
    size=$((1 << (32 - SUBNET_LEN)))
    mask=$(((0xFFFFFFFF << (32 - SUBNET_LEN)) & 0xFFFFFFFF))
    if ((base & ~mask & 0xFFFFFFFF)); then
        lh_usage_error "--subnet: '$text' has host bits set; did you mean $(int_to_ip $((base & mask)))/$SUBNET_LEN?"
    fi
    if ((n > size - 2)); then
        lh_usage_error "--subnet: '$text' has room for $((size - 2)) namespaces, not $n; use a shorter prefix length"
    fi
    SUBNET_BASE=$base
}

require_netns() {
    lh_require_cmd ip iproute2
    if ! ip netns list >/dev/null 2>&1; then
        lh_die 1 "'ip netns' does not work here; network namespaces are needed"
    fi
}

# apply_shaping NS DEV SPEC [netem.sh options...]: runs netem.sh inside NS quietly; on failure
# prints its output and returns its exit code.
apply_shaping() {
    local ns=$1 dev=$2 spec=$3 out rc=0
    shift 3
    out=$(ip netns exec "$ns" "$NETEM_SH" apply "$dev" "$spec" "$@" 2>&1) || rc=$?
    if ((rc != 0)); then
        SHAPING_ERROR=$out
    fi
    return "$rc"
}

cmd_up() {
    local n=$1 rate=$2 link=$3 allow_rate_only=$4 subnet=$5
    local hub br i ns addr egress="" out rc rate_only=() existing
    if ! lh_is_uint "$n" || ((n < 1 || n > MAX_NAMESPACES)); then
        lh_usage_error "up: N must be a whole number from 1 to $MAX_NAMESPACES, not '$n'"
    fi
    parse_subnet "$subnet" "$n"
    if [[ -n $rate ]]; then
        LH_PROG="$LH_PROG: --rate" lh_spec_parse "rate=$rate"
    fi
    if [[ -n $link ]]; then
        egress=$link
        if [[ -n $rate ]]; then
            lh_spec_parse "$link"
            [[ $LS_RATE_BITS != 0 ]] || egress="$link,rate=$rate"
        fi
        # Validates the spec and shows netem.sh's warnings once, before anything is created.
        rc=0
        out=$("$NETEM_SH" --dry-run apply eth0 "$egress" 2>&1 >/dev/null) || rc=$?
        if ((rc != 0)); then
            printf '%s\n' "$out" >&2
            exit "$rc"
        fi
        [[ -z $out ]] || printf '%s\n' "$out" >&2
    elif [[ -n $rate ]]; then
        egress="rate=$rate"
    fi
    [[ $allow_rate_only == 0 || -n $link ]] || lh_usage_error "--allow-rate-only goes with --link"

    lh_require_root "netns-testbed.sh up"
    require_netns
    existing=$(testbed_namespaces)
    if [[ -n $existing ]]; then
        lh_die 1 "a testbed with prefix '$PREFIX' exists ($(tr '\n' ' ' <<<"$existing" | sed 's/ $//')); run 'netns-testbed.sh down --prefix $PREFIX' first"
    fi

    hub=$(hub_ns)
    br=${PREFIX}br
    trap 'rc=$?; trap - EXIT; if ((rc != 0)); then lh_info "setup failed; removing the partial testbed"; cmd_down quiet || true; fi; exit $rc' EXIT
    ip netns add "$hub"
    ip -n "$hub" link set lo up
    ip -n "$hub" link add "$br" type bridge
    ip -n "$hub" link set "$br" up
    for ((i = 0; i < n; i++)); do
        ns=$PREFIX$i
        addr=$(int_to_ip $((SUBNET_BASE + i + 1)))
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        ip link add "${PREFIX}p$i" netns "$hub" type veth peer name eth0 netns "$ns"
        ip -n "$hub" link set "${PREFIX}p$i" master "$br"
        ip -n "$hub" link set "${PREFIX}p$i" up
        ip -n "$ns" addr add "$addr/$SUBNET_LEN" dev eth0
        ip -n "$ns" link set eth0 up
    done

    if [[ -n $egress ]]; then
        for ((i = 0; i < n; i++)); do
            ns=$PREFIX$i
            SHAPING_ERROR=""
            rc=0
            apply_shaping "$ns" eth0 "$egress" "${rate_only[@]}" || rc=$?
            if ((rc == 3)) && [[ $allow_rate_only == 1 ]]; then
                lh_warn "this kernel has no sch_netem; --allow-rate-only: shaping rate only (no delay, loss or reordering). For the full link use the in-process emulator: scripts/longhaul perf --link '$link'"
                rate_only=(--rate-only)
                rc=0
                apply_shaping "$ns" eth0 "$egress" "${rate_only[@]}" || rc=$?
                ((rc != 3)) || rc=1
                ((rc == 0)) || { printf '%s\n' "$SHAPING_ERROR" >&2; exit "$rc"; }
            elif ((rc == 3)); then
                printf '%s\n' "$SHAPING_ERROR" >&2
                lh_info "pass --allow-rate-only to build the testbed with rate shaping only"
                exit 3
            elif ((rc != 0)); then
                printf '%s\n' "$SHAPING_ERROR" >&2
                exit "$rc"
            fi
            if [[ -n $rate ]]; then
                apply_shaping "$hub" "${PREFIX}p$i" "rate=$rate" || { printf '%s\n' "$SHAPING_ERROR" >&2; exit 1; }
            fi
        done
    fi
    trap - EXIT

    printf 'testbed %s: %d namespaces on %s/%d, bridge %s in %s\n' "$PREFIX" "$n" "$(int_to_ip "$SUBNET_BASE")" "$SUBNET_LEN" "$br" "$hub"
    for ((i = 0; i < n; i++)); do
        printf '  %s  eth0 %s\n' "$PREFIX$i" "$(int_to_ip $((SUBNET_BASE + i + 1)))"
    done
    [[ -z $rate ]] || printf '  rate %s each way on every veth (tbf)\n' "$rate"
    if [[ -n $link ]]; then
        printf '  link %s on traffic leaving each namespace%s\n' "$egress" "${rate_only[*]:+ (rate only: no sch_netem)}"
    fi
    printf "run in one: %s exec 0 -- COMMAND; remove: %s down --prefix %s\n" "$0" "$0" "$PREFIX"
}

# cmd_down [quiet]
cmd_down() {
    local quiet=${1:-} ns pids removed=0
    lh_require_root "netns-testbed.sh down"
    require_netns
    while read -r ns; do
        [[ -n $ns ]] || continue
        pids=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ' || true)
        if [[ -n ${pids// /} ]]; then
            lh_warn "processes still run in $ns (pids ${pids% }); its interfaces stay until they exit"
        fi
        ip netns del "$ns" 2>/dev/null || ip netns del "$ns"
        removed=$((removed + 1))
    done < <(testbed_namespaces)
    if [[ -z $quiet ]]; then
        if ((removed)); then
            printf 'testbed %s: removed %d namespaces\n' "$PREFIX" "$removed"
        else
            printf 'testbed %s: nothing to remove\n' "$PREFIX"
        fi
    fi
}

cmd_status() {
    local ns all addr qdisc found=0
    lh_require_cmd ip iproute2
    all=$(testbed_namespaces)
    if [[ -z $all ]]; then
        printf 'no testbed with prefix %s\n' "$PREFIX"
        return 1
    fi
    printf 'testbed %s:\n' "$PREFIX"
    while read -r ns; do
        found=1
        if [[ $ns == "$PREFIX-hub" ]]; then
            printf '  %-10s hub, bridge %sbr\n' "$ns" "$PREFIX"
            continue
        fi
        if ! addr=$(ip -n "$ns" -o -4 addr show dev eth0 2>/dev/null | awk '{ print $4 }'); then
            addr="?"
        fi
        qdisc=$(tc -n "$ns" qdisc show dev eth0 2>/dev/null | awk '{ $2 = $2; print }' | paste -sd ';' - || true)
        printf '  %-10s eth0 %-18s %s\n' "$ns" "${addr:-no address}" "${qdisc:-?}"
    done <<<"$all"
    ((found))
}

cmd_exec() {
    local which=$1 ns
    shift
    if [[ $which == hub ]]; then
        ns=$(hub_ns)
    elif lh_is_uint "$which"; then
        ns=$PREFIX$which
    else
        lh_usage_error "exec: '$which' is not a namespace index; accepted: 0..N-1 or hub"
    fi
    (($#)) || lh_usage_error "exec: missing command after --; for example: netns-testbed.sh exec 0 -- ping -c 1 10.77.0.2"
    lh_require_root "netns-testbed.sh exec"
    require_netns
    if ! ip netns list 2>/dev/null | awk '{ print $1 }' | grep -qxF "$ns"; then
        lh_die 1 "no namespace $ns; is the testbed up? (netns-testbed.sh status --prefix $PREFIX)"
    fi
    exec ip netns exec "$ns" "$@"
}

main() {
    PREFIX=lh
    local subnet=10.77.0.0/24 rate="" link="" allow_rate_only=0
    local -a pos=() cmdline=()
    local have_dashdash=0
    while (($#)); do
        case $1 in
            -h | --help) usage; exit 0 ;;
            --prefix | --subnet | --rate | --link)
                (($# >= 2)) || lh_usage_error "$1 needs a value"
                case $1 in
                    --prefix) PREFIX=$2 ;;
                    --subnet) subnet=$2 ;;
                    --rate) rate=$2 ;;
                    --link) link=$2 ;;
                esac
                shift
                ;;
            --prefix=*) PREFIX=${1#*=} ;;
            --subnet=*) subnet=${1#*=} ;;
            --rate=*) rate=${1#*=} ;;
            --link=*) link=${1#*=} ;;
            --allow-rate-only) allow_rate_only=1 ;;
            --) shift; cmdline=("$@"); have_dashdash=1; break ;;
            -*) lh_usage_error "unknown option '$1'" ;;
            *) pos+=("$1") ;;
        esac
        shift
    done
    validate_prefix "$PREFIX"
    ((${#pos[@]})) || lh_usage_error "missing command; expected up, down, status or exec"
    local cmd=${pos[0]}
    if [[ $cmd != up ]] && [[ -n $rate || -n $link || $allow_rate_only == 1 || $subnet != 10.77.0.0/24 ]]; then
        lh_usage_error "--subnet, --rate, --link and --allow-rate-only go with up"
    fi
    if [[ $cmd != exec && $have_dashdash == 1 ]]; then
        lh_usage_error "'--' goes with exec"
    fi
    case $cmd in
        up)
            ((${#pos[@]} == 2)) || lh_usage_error "up takes one argument, N (the number of namespaces)"
            cmd_up "${pos[1]}" "$rate" "$link" "$allow_rate_only" "$subnet"
            ;;
        down | status)
            ((${#pos[@]} == 1)) || lh_usage_error "$cmd takes no arguments besides --prefix"
            "cmd_$cmd"
            ;;
        exec)
            ((have_dashdash)) || lh_usage_error "exec: put -- before the command, for example: netns-testbed.sh exec 0 -- ip addr"
            ((${#pos[@]} == 2)) || lh_usage_error "exec takes one index I, then -- and a command"
            cmd_exec "${pos[1]}" "${cmdline[@]}"
            ;;
        *) lh_usage_error "unknown command '$cmd'; expected up, down, status or exec" ;;
    esac
}

main "$@"
