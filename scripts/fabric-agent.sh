#!/usr/bin/env bash
# An ssh stand-in for the kernel-level fabric: 'fabric-agent.sh HOST COMMAND...' runs COMMAND in
# the fabric namespace HOST instead of on a remote machine, so that launchers that start remote
# ranks through ssh (mpirun's rsh agent, scripts/run-hosts.sh, pdsh-style tools) start them in
# the fabric's hosts. See --help.
set -euo pipefail

usage() {
    cat <<'EOF'
Usage: scripts/fabric-agent.sh [SSH OPTIONS] [USER@]HOST COMMAND [ARGS...]

Runs COMMAND in the network namespace of fabric host HOST, the way 'ssh HOST COMMAND' runs it
on a remote machine: the words after HOST are joined with spaces and run by /bin/sh -c, in the
current directory when it exists (the namespaces share this machine's file system). HOST is a
namespace name (lhf2) or a fabric address (10.78.0.3); USER@ is ignored. ssh's own options
(-x -q -T -t -n -A, and -o -p -l -i -F with a value) are accepted and ignored, so the script can
stand in for ssh wherever a launcher lets you name the ssh command. Needs root (ip netns exec).

Exit codes: COMMAND's, 255 when HOST is not a fabric host (as ssh exits 255 when it cannot connect).

Examples:
  scripts/fabric-agent.sh lhf1 hostname -I
  ip netns exec lhf0 mpirun --mca plm_rsh_agent scripts/fabric-agent.sh -H lhf0,lhf1,lhf2,lhf3 \
      --mca oob_tcp_if_include lhtun --mca btl tcp,self --mca btl_tcp_if_include lhtun -np 4 hostname -I
  scripts/run-hosts.sh --hostfile hosts.txt --launcher ssh --agent scripts/fabric-agent.sh
EOF
}

die() {
    printf 'fabric-agent.sh: %s\n' "$2" >&2
    exit "$1"
}

while (($#)); do
    case $1 in
        -h | --help) usage; exit 0 ;;
        -o | -p | -l | -i | -F | -E | -b | -c | -m | -J | -L | -R | -D | -S | -W)
            (($# >= 2)) || die 2 "$1 needs a value"
            shift 2
            ;;
        -[xXqTtnAaCfgGkKMNsvVyY46]*) shift ;;
        --) shift; break ;;
        -*) die 2 "unknown option '$1'" ;;
        *) break ;;
    esac
done
(($# >= 1)) || die 2 "missing HOST; for example: fabric-agent.sh lhf1 hostname"
host=${1#*@}
shift
(($# >= 1)) || die 2 "missing COMMAND after $host (an interactive shell is not offered)"

ns=""
if [[ $host =~ ^lh[a-z0-9]*[0-9]$ ]] && [[ -e /run/netns/$host ]]; then
    ns=$host
elif [[ $host =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]]; then
    for candidate in /run/netns/lh*; do
        [[ -e $candidate ]] || continue
        if ip -n "${candidate##*/}" -4 -o addr show 2>/dev/null | grep -q " inet $host/"; then
            ns=${candidate##*/}
            break
        fi
    done
fi
[[ -n $ns ]] || die 255 "'$host' is not a host of a fabric on this machine (no namespace /run/netns/$host, and no fabric namespace has that address); see 'longhaul fabric status'"
((${EUID:-$(id -u)} == 0)) || die 255 "needs root to enter namespace $ns (ip netns exec); rerun with sudo"

exec ip netns exec "$ns" /bin/sh -c "$*"
