#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Shapes a real interface (or a veth) like a long-haul link with tc netem + tbf, from a longhaul
# link spec. See --help.
set -euo pipefail

LH_PROG=netem.sh
_self=${BASH_SOURCE[0]}
_self=$(readlink -f -- "$_self" 2>/dev/null || printf '%s' "$_self")
LH_SCRIPTS=$(cd -P -- "$(dirname -- "$_self")" && pwd)
# shellcheck source=lib/common.sh
. "$LH_SCRIPTS/lib/common.sh"
# shellcheck source=lib/linkspec.sh
. "$LH_SCRIPTS/lib/linkspec.sh"

# Rate of the htb class that carries the shaped destination with --dst: high enough never to bind
# (netem itself cannot shape faster), with an explicit burst since tc's default overflows.
HTB_CLASS_ARGS="rate 100gbit burst 4m cburst 4m quantum 60000"
# Largest tbf burst tc accepts comfortably (it is a 32-bit byte count).
MAX_TBF_BURST=1073741824

usage() {
    cat <<'EOF'
Usage: netem.sh [--dry-run] apply DEV SPEC [--dst IP[/PREFIX]] [--limit PACKETS] [--burst BYTES] [--rate-only]
       netem.sh [--dry-run] clear DEV
       netem.sh show DEV
       netem.sh check
       netem.sh --help

Shapes traffic leaving DEV (a NIC or a veth) like a long-haul link, with tc netem for delay,
jitter, loss, reordering, duplication and corruption and a tbf child for the bottleneck rate and
its finite queue. SPEC is longhaul's link spec, the same text the harness takes with --link:

  delay=5ms,jitter=50us,rate=1gbit,queue=2bdp,loss=0.1%,burst=gilbert:p=0.01:r=0.3,reorder=1%,dup=0.01%,corrupt=0.01%,seed=7

  delay, jitter   ns, us, ms, s, m             -> netem delay DELAY [JITTER]
  loss            percent, % optional         -> netem loss P%
  burst           gilbert:p=P:r=R[:h=H][:k=K]  -> netem loss gemodel p r 1-h 1-k
                  (with loss too, both combine exactly into the gemodel's 1-h and 1-k)
  dup, corrupt    percent                      -> netem duplicate P% / corrupt P%
  reorder         P[:gap]                      -> netem reorder P% (netem sends P of the packets
                                                  without the delay; it has no gap duration)
  seed            integer                      -> netem seed N (when this tc supports it)
  rate            bit/kbit/mbit/gbit/tbit, bps/kbps/mbps/gbps/tbps (bytes/s)
  queue           bytes (256K), packets (100p = x1500 bytes) or BDPs (2bdp = 2 x rate x 2 x delay);
                  default with a rate: 2bdp but at least 64 KiB
                                               -> tbf rate RATE burst B limit QUEUE_BYTES
  A spec of only rate/queue needs tbf alone and works on kernels without sch_netem.

Commands:
  apply DEV SPEC   replace DEV's root qdisc with the shaping for SPEC ('none' clears)
  clear DEV        remove DEV's root qdisc (back to the kernel default); fine if already clear
  show DEV         print DEV's qdiscs (with counters), classes and filters
  check            report whether sch_netem, sch_tbf and sch_htb are available

Options:
  --dry-run        print the tc commands instead of running them (no root needed)
  --dst IP[/PREFIX]  shape only packets to this destination (IPv4 or IPv6): an htb root whose
                   u32 filter sends 'ip dst IP/PREFIX' to a class holding netem/tbf; other
                   traffic passes unshaped
  --limit PACKETS  netem's queue limit (default 1000, raised to cover 2 x rate x delay when
                   a rate is given)
  --burst BYTES    tbf bucket size (default: 1 ms at the rate, but at least 10 x DEV's MTU)
  --rate-only      apply only the rate and queue of SPEC (ignore delay, loss, ...)
  -h, --help       this help

Exit codes: 0 ok, 1 failure (tc error, not root), 2 bad usage or spec,
            3 the kernel lacks sch_netem and SPEC needs it.
apply and clear need root; show, check and --dry-run do not.

Examples:
  netem.sh check
  netem.sh --dry-run apply eth0 delay=5ms,jitter=50us,rate=1gbit,queue=2bdp,loss=0.1%
  sudo netem.sh apply eth0 delay=4.9ms,rate=10gbit,loss=0.01% --dst 10.0.0.2/32
  sudo netem.sh apply veth0 rate=1gbit,queue=100p
  netem.sh show eth0
  sudo netem.sh clear eth0
EOF
}

netem_missing_message() {
    local spec=${1:-<spec>}
    printf "this kernel has no sch_netem; delay/loss/reorder cannot be shaped here. Use the in-process emulator instead: scripts/longhaul perf --link '%s'" "$spec"
}

validate_dev() {
    local dev=$1
    if [[ -z $dev || ${#dev} -gt 15 || $dev == *[[:space:]/]* || $dev == -* ]]; then
        lh_usage_error "'$dev' is not a network interface name (1 to 15 characters, no spaces or '/')"
    fi
}

require_dev() {
    lh_require_cmd ip iproute2
    if ! ip link show dev "$1" >/dev/null 2>&1; then
        lh_die 1 "no network interface '$1' here (see 'ip link')"
    fi
}

# parse_dst TEXT: sets DST_PROTO (ip|ipv6), DST_MATCH (ip|ip6) and DST (address/prefix).
parse_dst() {
    local text=$1 addr prefix o
    addr=${text%%/*}
    if [[ $text == */* ]]; then prefix=${text#*/}; else prefix=""; fi
    if [[ $addr =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})$ ]]; then
        for o in "${BASH_REMATCH[@]:1}"; do
            ((10#$o <= 255)) || lh_usage_error "--dst: '$text' is not an IPv4 address (octet $o > 255); accepted: IP[/PREFIX], for example 10.0.0.2/32"
        done
        [[ -n $prefix ]] || prefix=32
        if [[ ! $prefix =~ ^[0-9]{1,2}$ ]] || ((10#$prefix > 32)); then
            lh_usage_error "--dst: prefix '/$prefix' of '$text' is out of range; accepted: /0 to /32 for IPv4"
        fi
        DST_PROTO=ip DST_MATCH=ip DST="$addr/$((10#$prefix))"
    elif [[ $addr == *:* && $addr =~ ^[0-9A-Fa-f:.]+$ ]]; then
        [[ -n $prefix ]] || prefix=128
        if [[ ! $prefix =~ ^[0-9]{1,3}$ ]] || ((10#$prefix > 128)); then
            lh_usage_error "--dst: prefix '/$prefix' of '$text' is out of range; accepted: /0 to /128 for IPv6"
        fi
        DST_PROTO=ipv6 DST_MATCH=ip6 DST="$addr/$((10#$prefix))"
    else
        lh_usage_error "--dst: '$text' is not an IP address; accepted: IP[/PREFIX], for example 10.0.0.2/32 or fd00::2/128"
    fi
}

tc_supports_netem_seed() {
    tc qdisc add dev lo root netem help 2>&1 | grep -qw seed
}

dev_mtu() {
    local mtu
    if [[ -r /sys/class/net/$1/mtu ]] && mtu=$(<"/sys/class/net/$1/mtu") && lh_is_uint "$mtu" && ((mtu > 0)); then
        printf '%s\n' "$mtu"
    else
        printf '1500\n'
    fi
}

# build_commands DEV: fills CMDS (one tc command per element, words separated by spaces) and
# CMD_KINDS (the qdisc kind each adds, or '-') for the parsed spec.
build_commands() {
    local dev=$1 netem_args="" tbf_args="" limit="" burst parent handle
    CMDS=("tc qdisc del dev $dev root")
    CMD_KINDS=(del)

    if [[ $RATE_ONLY == 1 ]]; then
        LS_NEEDS_NETEM=0
    fi
    if [[ $LS_NEEDS_NETEM == 1 ]]; then
        netem_args=$(lh_spec_netem_args)
        if [[ -n $LS_SEED ]]; then
            if tc_supports_netem_seed; then
                netem_args+=" seed $LS_SEED"
            else
                lh_warn "this tc has no netem 'seed' option (iproute2 >= 6.3 has it); seed=$LS_SEED is not passed to netem"
            fi
        fi
        if [[ -n $OPT_LIMIT ]]; then
            limit=$OPT_LIMIT
        elif [[ $LS_RATE_BITS != 0 ]]; then
            limit=$(awk -v r="$LS_RATE_BITS" -v d="$LS_DELAY_NS" -v j="$LS_JITTER_NS" -v q="$LS_QUEUE_BYTES" -v p="$LH_PACKET_BYTES" 'BEGIN {
                inflight = r * (d + j) / 8e9 / p; n = 2 * inflight + q / p
                n = (n == int(n)) ? n : int(n) + 1
                printf "%d\n", (n > 1000) ? n : 1000 }')
            [[ $limit != 1000 ]] || limit=""
        fi
        [[ -z $limit ]] || netem_args="limit $limit $netem_args"
        netem_args=${netem_args% }
    fi
    if [[ $LS_RATE_BITS != 0 ]]; then
        if [[ -n $OPT_BURST ]]; then
            burst=$OPT_BURST
        else
            burst=$(awk -v r="$LS_RATE_BITS" -v mtu="$(dev_mtu "$dev")" -v cap="$MAX_TBF_BURST" 'BEGIN {
                b = r / 8 / 1000; b = (b == int(b)) ? b : int(b) + 1
                if (b < 10 * mtu) b = 10 * mtu
                if (b > cap) b = cap
                printf "%d\n", b }')
        fi
        tbf_args="rate $(lh_fmt_rate "$LS_RATE_BITS") burst $burst limit $LS_QUEUE_BYTES"
    fi
    if [[ -z $netem_args && -z $tbf_args ]]; then
        return 0
    fi

    if [[ -n $DST ]]; then
        CMDS+=("tc qdisc add dev $dev root handle 1: htb" "tc class add dev $dev parent 1: classid 1:1 htb $HTB_CLASS_ARGS")
        CMD_KINDS+=(htb -)
        parent="parent 1:1" handle=10
    else
        parent=root handle=1
    fi
    if [[ -n $netem_args ]]; then
        CMDS+=("tc qdisc add dev $dev $parent handle $handle: netem $netem_args")
        CMD_KINDS+=(netem)
        parent="parent $handle:1" handle=$((handle == 1 ? 10 : handle + 10))
    fi
    if [[ -n $tbf_args ]]; then
        CMDS+=("tc qdisc add dev $dev $parent handle $handle: tbf $tbf_args")
        CMD_KINDS+=(tbf)
    fi
    if [[ -n $DST ]]; then
        CMDS+=("tc filter add dev $dev parent 1: protocol $DST_PROTO prio 1 u32 match $DST_MATCH dst $DST flowid 1:1")
        CMD_KINDS+=(-)
    fi
}

spec_warnings() {
    if [[ $RATE_ONLY == 0 ]]; then
        if ! _lh_cmp "$LS_REORDER_PCT" "==" 0 && [[ $LS_DELAY_NS == 0 ]]; then
            lh_warn "reorder without delay: netem reorders by sending some packets without the delay, so with delay=0 nothing is reordered"
        fi
        if [[ $LS_REORDER_GAP_NS != -1 ]]; then
            lh_warn "reorder gap $(lh_fmt_time "$LS_REORDER_GAP_NS") has no netem equivalent; netem's reordered packets skip the delay and overtake by up to $(lh_fmt_time "$LS_DELAY_NS")"
        fi
        if [[ $LS_JITTER_NS != 0 ]]; then
            lh_warn "netem's jitter may reorder packets (the in-process emulator never does)"
        fi
    elif [[ $LS_NEEDS_NETEM == 1 ]]; then
        lh_warn "--rate-only: ignoring the delay/loss/reorder/dup/corrupt parts of '$LS_TEXT'"
    fi
    if [[ $LS_QUEUE_KIND != default && $LS_RATE_BITS == 0 ]]; then
        lh_warn "queue has no effect without a rate"
    fi
    if [[ $LS_RATE_BITS != 0 ]] && ((LS_QUEUE_BYTES < 1514)); then
        lh_warn "queue of $LS_QUEUE_BYTES bytes is smaller than one full-size packet; tbf will drop every such packet"
    fi
}

is_unknown_qdisc_error() {
    grep -qiE 'qdisc kind is unknown|unknown qdisc' <<<"$1"
}

rollback() {
    tc qdisc del dev "$1" root >/dev/null 2>&1 || true
}

# run_commands DEV: runs CMDS; on failure restores DEV's default qdisc and exits.
run_commands() {
    local dev=$1 i cmd kind err
    local -a words
    for i in "${!CMDS[@]}"; do
        cmd=${CMDS[$i]} kind=${CMD_KINDS[$i]}
        read -r -a words <<<"$cmd"
        if [[ $kind == del ]]; then
            "${words[@]}" >/dev/null 2>&1 || true
            continue
        fi
        if err=$("${words[@]}" 2>&1); then
            continue
        fi
        if is_unknown_qdisc_error "$err" && [[ $kind == netem ]] && command -v modprobe >/dev/null 2>&1 &&
            modprobe sch_netem >/dev/null 2>&1 && err=$("${words[@]}" 2>&1); then
            continue
        fi
        rollback "$dev"
        if is_unknown_qdisc_error "$err" && [[ $kind == netem ]]; then
            lh_die 3 "$(netem_missing_message "$LS_TEXT") ($dev left unshaped)"
        elif is_unknown_qdisc_error "$err" && [[ $kind != - ]]; then
            lh_die 1 "this kernel has no sch_$kind; '$cmd' failed: $err ($dev left unshaped)"
        fi
        lh_die 1 "'$cmd' failed: $err ($dev left unshaped)"
    done
}

print_commands() {
    local i
    for i in "${!CMDS[@]}"; do
        if [[ ${CMD_KINDS[$i]} == del ]]; then
            printf '%s 2>/dev/null || true\n' "${CMDS[$i]}"
        else
            printf '%s\n' "${CMDS[$i]}"
        fi
    done
}

cmd_apply() {
    local dev=$1 spec=$2
    validate_dev "$dev"
    lh_spec_parse "$spec"
    if [[ -n $OPT_BURST ]]; then
        local mult=1
        [[ $OPT_BURST =~ ^([0-9]{1,10})([kKmMgG]?)$ ]] || lh_usage_error "--burst: '$OPT_BURST' is not a size; accepted: bytes, optionally with K, M or G (powers of 1024)"
        case ${BASH_REMATCH[2],,} in k) mult=1024 ;; m) mult=1048576 ;; g) mult=1073741824 ;; esac
        OPT_BURST=$((10#${BASH_REMATCH[1]} * mult))
        ((OPT_BURST >= 1 && OPT_BURST <= MAX_TBF_BURST)) || lh_usage_error "--burst: $OPT_BURST bytes is out of range; accepted: 1 to $MAX_TBF_BURST bytes"
    fi
    [[ $DRY_RUN == 1 ]] || { lh_require_root "netem.sh apply"; lh_require_cmd tc iproute2; require_dev "$dev"; }
    spec_warnings
    build_commands "$dev"
    if [[ $DRY_RUN == 1 ]]; then
        print_commands
        return 0
    fi
    run_commands "$dev"
    if ((${#CMDS[@]} == 1)); then
        lh_info "$dev: spec '$spec' shapes nothing; cleared"
    else
        lh_info "$dev: shaped as '$spec'${DST:+ toward $DST}"
    fi
}

cmd_clear() {
    local dev=$1 err
    validate_dev "$dev"
    if [[ $DRY_RUN == 1 ]]; then
        printf 'tc qdisc del dev %s root 2>/dev/null || true\n' "$dev"
        return 0
    fi
    lh_require_root "netem.sh clear"
    lh_require_cmd tc iproute2
    require_dev "$dev"
    if ! err=$(tc qdisc del dev "$dev" root 2>&1); then
        if ! grep -qiE 'handle of zero|no such file|cannot find' <<<"$err"; then
            lh_die 1 "'tc qdisc del dev $dev root' failed: $err"
        fi
    fi
    lh_info "$dev: cleared (kernel default qdisc)"
}

cmd_show() {
    local dev=$1 out
    validate_dev "$dev"
    lh_require_cmd tc iproute2
    require_dev "$dev"
    printf 'qdiscs:\n'
    tc -s qdisc show dev "$dev" | sed 's/^/  /'
    if out=$(tc class show dev "$dev" 2>/dev/null) && [[ -n $out ]]; then
        printf 'classes:\n  %s\n' "${out//$'\n'/$'\n  '}"
    fi
    if out=$(tc filter show dev "$dev" parent 1: 2>/dev/null) && [[ -n $out ]]; then
        printf 'filters:\n  %s\n' "${out//$'\n'/$'\n  '}"
    fi
}

# probe_qdisc KIND ARGS...: 0 available, 1 missing, 2 cannot tell. Probes in a throwaway
# network namespace, so the host is never touched.
probe_qdisc() {
    local kind=$1 err
    shift
    local -a ns=(unshare -n)
    [[ ${EUID:-$(id -u)} -eq 0 ]] || ns=(unshare -r -n)
    if command -v unshare >/dev/null 2>&1 && "${ns[@]}" true >/dev/null 2>&1; then
        if err=$("${ns[@]}" tc qdisc add dev lo root handle 1: "$@" 2>&1); then
            return 0
        fi
        if is_unknown_qdisc_error "$err"; then
            return 1
        fi
    fi
    if [[ -d /sys/module/sch_$kind ]]; then
        return 0
    fi
    return 2
}

cmd_check() {
    lh_require_cmd tc iproute2
    local kind rc status=0 netem=""
    local -A args=([netem]="netem delay 1ms" [tbf]="tbf rate 1gbit burst 15000 limit 65536" [htb]="htb")
    for kind in netem tbf htb; do
        rc=0
        # shellcheck disable=SC2086 # the probe arguments are words
        probe_qdisc "$kind" ${args[$kind]} || rc=$?
        case $rc in
            0) printf 'sch_%-6s available\n' "$kind" ;;
            1) printf 'sch_%-6s MISSING\n' "$kind" ;;
            *) printf 'sch_%-6s unknown (could not probe: needs root or unprivileged user namespaces)\n' "$kind" ;;
        esac
        if [[ $kind == netem ]]; then
            netem=$rc
        elif [[ $rc == 1 ]]; then
            status=1
        fi
    done
    if [[ $netem == 1 ]]; then
        printf '%s\n' "$(netem_missing_message)"
        printf 'Rate-only specs (rate=...,queue=...) still work here with tbf.\n'
        ((status != 0)) || status=3
    fi
    return "$status"
}

main() {
    DRY_RUN=0 RATE_ONLY=0 OPT_LIMIT="" OPT_BURST="" DST="" DST_PROTO="" DST_MATCH=""
    local -a pos=()
    local dst_text=""
    while (($#)); do
        case $1 in
            -h | --help) usage; exit 0 ;;
            --dry-run | -n) DRY_RUN=1 ;;
            --rate-only) RATE_ONLY=1 ;;
            --dst | --limit | --burst)
                (($# >= 2)) || lh_usage_error "$1 needs a value"
                case $1 in
                    --dst) dst_text=$2 ;;
                    --limit) OPT_LIMIT=$2 ;;
                    --burst) OPT_BURST=$2 ;;
                esac
                shift
                ;;
            --dst=*) dst_text=${1#*=} ;;
            --limit=*) OPT_LIMIT=${1#*=} ;;
            --burst=*) OPT_BURST=${1#*=} ;;
            --) shift; pos+=("$@"); break ;;
            -*) lh_usage_error "unknown option '$1'" ;;
            *) pos+=("$1") ;;
        esac
        shift
    done
    ((${#pos[@]})) || lh_usage_error "missing command; expected apply, clear, show or check"
    local cmd=${pos[0]}
    local -a rest=("${pos[@]:1}")
    if [[ $cmd != apply ]] && [[ -n $dst_text || -n $OPT_LIMIT || -n $OPT_BURST || $RATE_ONLY == 1 ]]; then
        lh_usage_error "--dst, --limit, --burst and --rate-only only go with apply"
    fi
    case $cmd in
        apply)
            ((${#rest[@]} == 2)) || lh_usage_error "apply takes DEV and SPEC (got ${#rest[@]} arguments); for example: netem.sh apply eth0 delay=5ms,rate=1gbit"
            if [[ -n $OPT_LIMIT ]] && { ! lh_is_uint "$OPT_LIMIT" || ((OPT_LIMIT < 1 || OPT_LIMIT > 100000000)); }; then
                lh_usage_error "--limit: '$OPT_LIMIT' is not a packet count; accepted: 1 to 100000000"
            fi
            [[ -z $dst_text ]] || parse_dst "$dst_text"
            cmd_apply "${rest[0]}" "${rest[1]}"
            ;;
        clear | show)
            ((${#rest[@]} == 1)) || lh_usage_error "$cmd takes exactly one argument, DEV (got ${#rest[@]})"
            [[ $cmd == clear ]] || [[ $DRY_RUN == 0 ]] || lh_usage_error "--dry-run goes with apply and clear"
            "cmd_$cmd" "${rest[0]}"
            ;;
        check)
            ((${#rest[@]} == 0)) || lh_usage_error "check takes no arguments"
            cmd_check
            ;;
        *) lh_usage_error "unknown command '$cmd'; expected apply, clear, show or check" ;;
    esac
}

main "$@"
