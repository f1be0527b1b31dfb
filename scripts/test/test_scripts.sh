#!/usr/bin/env bash
# The single-quoted commands are meant for the shells that run them, not for this one.
# shellcheck disable=SC2016
# Tests of scripts/longhaul, scripts/netem.sh and scripts/netns-testbed.sh. Needs no network;
# the parts that need root, network namespaces or a real tc skip themselves with a message.
# Exits non-zero if any check fails. Usage: scripts/test/test_scripts.sh [-v]
set -euo pipefail

HERE=$(cd -P -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd)
SCRIPTS=$(cd -P -- "$HERE/.." && pwd)
LONGHAUL=$SCRIPTS/longhaul
NETEM=$SCRIPTS/netem.sh
TESTBED=$SCRIPTS/netns-testbed.sh
VERBOSE=0
[[ ${1:-} != -v ]] || VERBOSE=1

PASSED=0 FAILED=0 SKIPPED=0
FAILURES=()
TMP=$(mktemp -d "${TMPDIR:-/tmp}/longhaul-scripts-test.XXXXXX")
TESTBED_PREFIX=lht$((RANDOM % 10000))
cleanup() {
    if [[ -n ${FABRIC_PREFIX:-} ]]; then
        "$LONGHAUL" fabric down --prefix "$FABRIC_PREFIX" >/dev/null 2>&1 || true
        "$LONGHAUL" fabric down --prefix "${FABRIC_PREFIX}c" >/dev/null 2>&1 || true
    fi
    if [[ -n ${TESTBED_UP:-} ]]; then
        "$TESTBED" down --prefix "$TESTBED_PREFIX" >/dev/null 2>&1 || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT

# run CMD...: runs CMD, capturing OUT, ERR and RC.
run() {
    RC=0
    "$@" >"$TMP/out" 2>"$TMP/err" </dev/null || RC=$?
    OUT=$(<"$TMP/out")
    ERR=$(<"$TMP/err")
    if ((VERBOSE)); then
        printf '  $ %s\n  rc=%s\n  out: %s\n  err: %s\n' "$*" "$RC" "$OUT" "$ERR"
    fi
}

pass() { PASSED=$((PASSED + 1)); }
fail() {
    FAILED=$((FAILED + 1))
    FAILURES+=("$1")
    printf 'FAIL: %s\n' "$1" >&2
    [[ -z ${2:-} ]] || printf '%s\n' "$2" | sed 's/^/      /' >&2
}
skip() {
    SKIPPED=$((SKIPPED + 1))
    printf 'SKIP: %s\n' "$1"
}

expect_rc() {
    local want=$1 name=$2
    if [[ $RC == "$want" ]]; then pass; else fail "$name: exit $RC, expected $want" "stdout: $OUT"$'\n'"stderr: $ERR"; fi
}
# expect_in WHERE NEEDLE NAME: WHERE is OUT or ERR.
expect_in() {
    local where=$1 needle=$2 name=$3 text
    text=${!where}
    if [[ $text == *"$needle"* ]]; then pass; else fail "$name: $where lacks '$needle'" "$where: $text"; fi
}
expect_not_in() {
    local where=$1 needle=$2 name=$3 text
    text=${!where}
    if [[ $text != *"$needle"* ]]; then pass; else fail "$name: $where has '$needle'" "$where: $text"; fi
}
expect_eq() {
    local got=$1 want=$2 name=$3
    if [[ $got == "$want" ]]; then pass; else fail "$name" "expected:"$'\n'"$want"$'\n'"got:"$'\n'"$got"; fi
}

is_root() { [[ ${EUID:-$(id -u)} -eq 0 ]]; }

# ------------------------------------------------------------------ --help
test_help() {
    local s
    for s in "$LONGHAUL" "$NETEM" "$TESTBED"; do
        run "$s" --help
        expect_rc 0 "${s##*/} --help"
        expect_in OUT "Usage:" "${s##*/} --help"
        expect_in OUT "Examples:" "${s##*/} --help"
    done
    run "$LONGHAUL" launch --help
    expect_rc 0 "longhaul launch --help"
    expect_in OUT "RANK" "longhaul launch --help"
}

# ------------------------------------------------------------------ usage errors
# usage_error NEEDLE CMD...: CMD must exit 2 with NEEDLE on stderr.
usage_error() {
    local needle=$1
    shift
    run "$@"
    expect_rc 2 "usage error: ${*##*/}"
    expect_in ERR "$needle" "usage error: ${*##*/}"
}

test_usage_errors() {
    usage_error "missing command" "$NETEM"
    usage_error "unknown command 'bogus'" "$NETEM" bogus
    usage_error "unknown option '--frob'" "$NETEM" --frob check
    usage_error "apply takes DEV and SPEC" "$NETEM" apply lhtest0
    usage_error "clear takes exactly one argument" "$NETEM" clear
    usage_error "--dst needs a value" "$NETEM" apply lhtest0 rate=1gbit --dst
    usage_error "octet 300 > 255" "$NETEM" --dry-run apply lhtest0 rate=1gbit --dst 10.0.0.300
    usage_error "prefix '/33'" "$NETEM" --dry-run apply lhtest0 rate=1gbit --dst 10.0.0.3/33
    usage_error "--limit: 'x'" "$NETEM" --dry-run apply lhtest0 delay=1ms --limit x
    usage_error "only go with apply" "$NETEM" clear lhtest0 --dst 10.0.0.1
    usage_error "not a network interface name" "$NETEM" --dry-run apply "a b" rate=1gbit
    usage_error "Run 'netem.sh --help'" "$NETEM" apply

    usage_error "missing command" "$TESTBED"
    usage_error "unknown command 'sideways'" "$TESTBED" sideways
    usage_error "up takes one argument" "$TESTBED" up
    usage_error "N must be a whole number from 1 to 1000, not '0'" "$TESTBED" up 0
    usage_error "not 'two'" "$TESTBED" up two
    usage_error "--prefix: 'Bad'" "$TESTBED" up 2 --prefix Bad
    usage_error "has room for 254 namespaces, not 300" "$TESTBED" up 300
    usage_error "has host bits set; did you mean 10.77.0.0/24?" "$TESTBED" up 2 --subnet 10.77.0.5/24
    usage_error "not an IPv4 CIDR" "$TESTBED" up 2 --subnet 10.77.0.0
    usage_error "rate: 'fast' does not start with a number" "$TESTBED" up 2 --rate fast
    usage_error "unknown key 'dealy'" "$TESTBED" up 2 --link dealy=5ms
    usage_error "go with up" "$TESTBED" down --rate 1gbit
    usage_error "put -- before the command" "$TESTBED" exec 0 ip addr
    usage_error "missing command after --" "$TESTBED" exec 0 --

    usage_error "Usage:" "$LONGHAUL"
    usage_error "-n N is required" "$LONGHAUL" launch -- true
    usage_error "-n must be a whole number from 1 to 1024, not '0'" "$LONGHAUL" launch -n 0 -- true
    usage_error "-n must be a whole number" "$LONGHAUL" launch -n x -- true
    usage_error "missing command after --" "$LONGHAUL" launch -n 2
    usage_error "missing command after --" "$LONGHAUL" launch -n 2 --
    usage_error "--master-port must be a port number from 1 to 65535, not '70000'" "$LONGHAUL" launch -n 2 --master-port 70000 -- true
    usage_error "unexpected 'echo'" "$LONGHAUL" launch -n 2 echo hi
}

# ------------------------------------------------------------------ netem.sh --dry-run
# dry SPEC [OPTIONS...] then the expected lines on stdin.
dry() {
    local spec=$1 want
    shift
    want=$(cat)
    run "$NETEM" --dry-run apply lhtest0 "$spec" "$@"
    expect_rc 0 "dry-run '$spec' $*"
    expect_eq "$OUT" "$want" "dry-run '$spec' $* prints the tc commands"
}

test_dry_run() {
    dry 'delay=5ms,jitter=50us,rate=1gbit,queue=2bdp,loss=0.1%,burst=gilbert:p=0.01:r=0.3,reorder=1%,dup=0.01%,corrupt=0.01%' <<'EOF'
tc qdisc del dev lhtest0 root 2>/dev/null || true
tc qdisc add dev lhtest0 root handle 1: netem limit 2509 delay 5ms 50us loss gemodel 1% 30% 100% 0.1% duplicate 0.01% corrupt 0.01% reorder 1%
tc qdisc add dev lhtest0 parent 1:1 handle 10: tbf rate 1gbit burst 125000 limit 2500000
EOF
    expect_in ERR "jitter may reorder" "dry-run warns that netem's jitter reorders"

    dry 'delay=5ms,loss=0.1' <<'EOF'
tc qdisc del dev lhtest0 root 2>/dev/null || true
tc qdisc add dev lhtest0 root handle 1: netem delay 5ms loss 0.1%
EOF
    # Rate only: tbf alone, default queue 2 BDP but at least 64 KiB.
    dry 'rate=1gbit' <<'EOF'
tc qdisc del dev lhtest0 root 2>/dev/null || true
tc qdisc add dev lhtest0 root handle 1: tbf rate 1gbit burst 125000 limit 65536
EOF
    # Packets are 1500 bytes; bytes per second units; burst is 1 ms at the rate.
    dry 'rate=1250mbps,queue=100p' <<'EOF'
tc qdisc del dev lhtest0 root 2>/dev/null || true
tc qdisc add dev lhtest0 root handle 1: tbf rate 10gbit burst 1250000 limit 150000
EOF
    dry 'rate=100mbit,queue=256K' <<'EOF'
tc qdisc del dev lhtest0 root 2>/dev/null || true
tc qdisc add dev lhtest0 root handle 1: tbf rate 100mbit burst 15000 limit 262144
EOF
    # 1000 km at 10 Gbit/s: netem's limit grows to hold the packets in flight.
    dry 'delay=4.9ms,rate=10gbit,loss=0.01%' <<'EOF'
tc qdisc del dev lhtest0 root 2>/dev/null || true
tc qdisc add dev lhtest0 root handle 1: netem limit 24500 delay 4.9ms loss 0.01%
tc qdisc add dev lhtest0 parent 1:1 handle 10: tbf rate 10gbit burst 1250000 limit 24500000
EOF
    # Bernoulli and Gilbert-Elliott loss fold into one gemodel: 1-h' = 1-(1-l)h, 1-k' = 1-(1-l)k.
    dry 'loss=1%,burst=gilbert:p=1%:r=30%:h=10%:k=99%' <<'EOF'
tc qdisc del dev lhtest0 root 2>/dev/null || true
tc qdisc add dev lhtest0 root handle 1: netem loss gemodel 1% 30% 90.1% 1.99%
EOF
    dry 'delay=100us,dup=0.5%,corrupt=0.1%,reorder=25%' --limit 5000 <<'EOF'
tc qdisc del dev lhtest0 root 2>/dev/null || true
tc qdisc add dev lhtest0 root handle 1: netem limit 5000 delay 100us duplicate 0.5% corrupt 0.1% reorder 25%
EOF
    dry 'delay=5ms,rate=1gbit' --dst 10.0.0.2 <<'EOF'
tc qdisc del dev lhtest0 root 2>/dev/null || true
tc qdisc add dev lhtest0 root handle 1: htb
tc class add dev lhtest0 parent 1: classid 1:1 htb rate 100gbit burst 4m cburst 4m quantum 60000
tc qdisc add dev lhtest0 parent 1:1 handle 10: netem limit 2500 delay 5ms
tc qdisc add dev lhtest0 parent 10:1 handle 20: tbf rate 1gbit burst 125000 limit 2500000
tc filter add dev lhtest0 parent 1: protocol ip prio 1 u32 match ip dst 10.0.0.2/32 flowid 1:1
EOF
    dry 'rate=1gbit,queue=1M' --dst fd00::2/64 --burst 64K <<'EOF'
tc qdisc del dev lhtest0 root 2>/dev/null || true
tc qdisc add dev lhtest0 root handle 1: htb
tc class add dev lhtest0 parent 1: classid 1:1 htb rate 100gbit burst 4m cburst 4m quantum 60000
tc qdisc add dev lhtest0 parent 1:1 handle 10: tbf rate 1gbit burst 65536 limit 1048576
tc filter add dev lhtest0 parent 1: protocol ipv6 prio 1 u32 match ip6 dst fd00::2/64 flowid 1:1
EOF
    dry 'delay=5ms,loss=1%,rate=1gbit' --rate-only <<'EOF'
tc qdisc del dev lhtest0 root 2>/dev/null || true
tc qdisc add dev lhtest0 root handle 1: tbf rate 1gbit burst 125000 limit 2500000
EOF
    dry 'none' <<'EOF'
tc qdisc del dev lhtest0 root 2>/dev/null || true
EOF
    run "$NETEM" --dry-run clear lhtest0
    expect_rc 0 "dry-run clear"
    expect_eq "$OUT" "tc qdisc del dev lhtest0 root 2>/dev/null || true" "dry-run clear prints the tc command"
}

# ------------------------------------------------------------------ spec validation
# bad_spec SPEC MESSAGE: netem.sh must reject SPEC with exit 2 and MESSAGE.
bad_spec() {
    run "$NETEM" --dry-run apply lhtest0 "$1"
    expect_rc 2 "bad spec '$1'"
    expect_in ERR "link spec '$1': $2" "bad spec '$1'"
    expect_eq "$OUT" "" "bad spec '$1' prints no tc command"
}

test_spec_errors() {
    bad_spec 'delay=5xs' "delay: '5xs' has unknown unit 'xs'; accepted: ns, us, ms, s, m"
    bad_spec 'delay=5' "delay: '5' has no unit; accepted: ns, us, ms, s, m"
    bad_spec 'delay=-5ms' "delay: '-5ms' must not be negative"
    bad_spec 'delay=2h' "delay: '2h' has unknown unit 'h'"
    bad_spec 'delay=61m' "delay: '61m' is out of range; accepted: 0 to 1 hour"
    bad_spec 'loss=200%' "loss: '200%' is out of range; accepted: 0% to 100%"
    bad_spec 'loss=lots' "loss: 'lots' is not a percentage; expected for example 0.1%"
    bad_spec 'rate=fast' "rate: 'fast' does not start with a number; accepted units: bit, kbit"
    bad_spec 'rate=1gb' "rate: '1gb' has unknown unit 'gb'; accepted: bit, kbit, mbit, gbit, tbit (bits/s); bps"
    bad_spec 'rate=0gbit' "rate: '0gbit' must be positive"
    bad_spec 'rate=200tbit' "rate: '200tbit' is out of range; accepted: up to 100tbit"
    bad_spec 'dealy=5ms' "unknown key 'dealy' (did you mean 'delay'?); accepted: delay, jitter, rate, queue, loss, burst, reorder, dup, corrupt, seed"
    bad_spec 'color=red' "unknown key 'color'; accepted: delay, jitter"
    bad_spec 'delay=5ms,delay=6ms' "duplicate key 'delay'; each key may appear once"
    bad_spec 'delay=5ms,,loss=1%' "entry 2 is empty; expected key=value entries separated by single commas"
    bad_spec 'delay' "'delay' is not key=value; expected for example delay=5ms"
    bad_spec 'loss=' "loss: value is empty"
    bad_spec 'burst=gilbert:p=1%' "burst: 'gilbert:p=1%' lacks r; accepted: gilbert:p=P:r=R[:h=H][:k=K]"
    bad_spec 'burst=markov:p=1%:r=2%' "burst: 'markov:p=1%:r=2%' has unknown model 'markov'"
    bad_spec 'burst=gilbert:p=1%:r=0' "burst: r must be > 0"
    bad_spec 'burst=gilbert:p=2:r=0.3' "burst p: '2' is out of range; accepted: a fraction 0 to 1 or a percentage 0% to 100%"
    bad_spec 'burst=gilbert:p=1%:r=3%:x=1' "burst: unknown parameter 'x'"
    bad_spec 'rate=1gbit,queue=2bdp' "queue: 2bdp resolves to 0 bytes (rate=1gbit, delay=0ms); give the queue in bytes or packets"
    bad_spec 'rate=1gbit,queue=lots' "queue: 'lots' does not start with a number"
    bad_spec 'rate=1gbit,queue=0p' "queue: '0p' is out of range; accepted: 1p to 4194304p"
    bad_spec 'rate=1gbit,queue=1.5p' "queue: '1.5p' is not a whole number of packets"
    bad_spec 'reorder=1%:5' "reorder gap: '5' has no unit"
    bad_spec 'dup=101' "dup: '101' is out of range; accepted: 0% to 100%"
    bad_spec 'seed=abc' "seed: 'abc' is not an integer; accepted: a 64-bit signed integer"
}

# ------------------------------------------------------------------ netem.sh on a real interface
test_netem_real() {
    if ! is_root; then
        skip "netem.sh apply/clear on a real interface: not root"
        return
    fi
    if ! command -v tc >/dev/null || ! command -v unshare >/dev/null || ! unshare -n true 2>/dev/null; then
        skip "netem.sh apply/clear on a real interface: needs tc and 'unshare -n'"
        return
    fi
    # A throwaway network namespace: its loopback is the interface under test.
    run unshare -n bash -c '"$0" apply lo rate=100mbit,queue=100p && tc qdisc show dev lo' "$NETEM"
    expect_rc 0 "apply rate-only spec with tbf"
    expect_in OUT "tbf 1: root" "apply rate-only spec with tbf"
    expect_in OUT "rate 100Mbit" "apply rate-only spec with tbf"

    run unshare -n bash -c 'ip link set lo up && "$0" apply lo rate=100mbit --dst 127.0.0.2 && "$0" show lo' "$NETEM"
    expect_rc 0 "apply --dst with htb and a u32 filter"
    expect_in OUT "qdisc htb 1: root" "apply --dst with htb and a u32 filter"
    expect_in OUT "qdisc tbf 10: parent 1:1" "apply --dst with htb and a u32 filter"
    expect_in OUT "match 7f000002/ffffffff at 16" "apply --dst with htb and a u32 filter"

    run unshare -n bash -c '"$0" apply lo rate=1gbit && "$0" clear lo && "$0" clear lo && tc qdisc show dev lo' "$NETEM"
    expect_rc 0 "clear twice"
    expect_not_in OUT "tbf" "clear removes the tbf"

    run "$NETEM" apply lhnosuchdev0 rate=1gbit
    expect_rc 1 "apply on a missing interface"
    expect_in ERR "no network interface 'lhnosuchdev0'" "apply on a missing interface"

    local netem_rc=0
    "$NETEM" check >"$TMP/check" 2>&1 || netem_rc=$?
    if ((netem_rc == 3)); then
        expect_in OUT "" "check"
        run cat "$TMP/check"
        expect_in OUT "sch_netem  MISSING" "check reports a missing sch_netem"
        expect_in OUT "sch_tbf    available" "check reports sch_tbf"
        run unshare -n "$NETEM" apply lo delay=5ms,rate=1gbit
        expect_rc 3 "apply delay without sch_netem"
        expect_in ERR "this kernel has no sch_netem; delay/loss/reorder cannot be shaped here. Use the in-process emulator instead: scripts/longhaul perf --link 'delay=5ms,rate=1gbit'" "apply delay without sch_netem"
        run unshare -n bash -c 'ip link set lo up; "$0" apply lo delay=5ms --dst 127.0.0.2; rc=$?; tc qdisc show dev lo; exit $rc' "$NETEM"
        expect_rc 3 "apply --dst delay without sch_netem"
        expect_not_in OUT "htb" "a failed apply leaves the interface unshaped"
    elif ((netem_rc == 0)); then
        run unshare -n bash -c '"$0" apply lo delay=5ms,loss=1%,rate=1gbit && tc qdisc show dev lo' "$NETEM"
        expect_rc 0 "apply netem + tbf"
        expect_in OUT "netem 1: root" "apply netem + tbf"
        expect_in OUT "tbf 10: parent 1:1" "apply netem + tbf"
    else
        fail "netem.sh check exited $netem_rc" "$(<"$TMP/check")"
    fi

    if command -v setpriv >/dev/null; then
        run setpriv --reuid=65534 --regid=65534 --clear-groups "$NETEM" apply lo rate=1gbit
        expect_rc 1 "apply as non-root"
        expect_in ERR "needs root" "apply as non-root"
    fi
}

# ------------------------------------------------------------------ netns-testbed.sh
test_testbed() {
    if ! is_root; then
        skip "netns-testbed.sh up/ping/down: not root"
        return
    fi
    if ! command -v ip >/dev/null || ! ip netns list >/dev/null 2>&1 || ! ip netns add "${TESTBED_PREFIX}probe" 2>/dev/null; then
        skip "netns-testbed.sh up/ping/down: 'ip netns' does not work here"
        return
    fi
    ip netns del "${TESTBED_PREFIX}probe"
    local p=$TESTBED_PREFIX
    TESTBED_UP=1
    run "$TESTBED" up 2 --prefix "$p" --rate 1gbit
    expect_rc 0 "testbed up 2"
    expect_in OUT "${p}1  eth0 10.77.0.2" "testbed up 2 lists the addresses"

    run "$TESTBED" status --prefix "$p"
    expect_rc 0 "testbed status"
    expect_in OUT "10.77.0.1/24" "testbed status"
    expect_in OUT "tbf" "testbed status shows the tbf"

    if command -v ping >/dev/null; then
        run "$TESTBED" exec 0 --prefix "$p" -- ping -c 2 -W 2 10.77.0.2
        expect_rc 0 "ping from namespace 0 to namespace 1"
        expect_in OUT "2 received" "ping from namespace 0 to namespace 1"
    else
        skip "ping between namespaces: ping is not installed"
    fi
    run "$TESTBED" exec 1 --prefix "$p" -- ip -4 -o addr show dev eth0
    expect_rc 0 "exec in namespace 1"
    expect_in OUT "10.77.0.2/24" "exec in namespace 1"

    run "$TESTBED" up 2 --prefix "$p"
    expect_rc 1 "up over an existing testbed"
    expect_in ERR "run 'netns-testbed.sh down --prefix $p' first" "up over an existing testbed"

    run "$TESTBED" down --prefix "$p"
    expect_rc 0 "testbed down"
    expect_in OUT "removed 3 namespaces" "testbed down"
    run "$TESTBED" down --prefix "$p"
    expect_rc 0 "testbed down again"
    expect_in OUT "nothing to remove" "testbed down again"
    run "$TESTBED" status --prefix "$p"
    expect_rc 1 "status without a testbed"
    expect_eq "$(ip netns list | awk '{ print $1 }' | grep -c "^$p" || true)" 0 "down leaves no namespace"

    run "$TESTBED" exec 0 --prefix "$p" -- true
    expect_rc 1 "exec without a testbed"
    expect_in ERR "no namespace ${p}0" "exec without a testbed"

    # --link with delay: needs sch_netem; without it up fails (and cleans up) unless
    # --allow-rate-only is given.
    if "$NETEM" check >/dev/null 2>&1; then
        run "$TESTBED" up 2 --prefix "$p" --link delay=1ms,rate=1gbit
        expect_rc 0 "testbed up with --link"
    else
        run "$TESTBED" up 2 --prefix "$p" --link delay=1ms,loss=0.1%
        expect_rc 3 "testbed up --link without sch_netem"
        expect_in ERR "this kernel has no sch_netem" "testbed up --link without sch_netem"
        expect_in ERR "--allow-rate-only" "testbed up --link without sch_netem"
        expect_eq "$(ip netns list | awk '{ print $1 }' | grep -c "^$p" || true)" 0 "a failed up removes what it created"

        run "$TESTBED" up 2 --prefix "$p" --link delay=1ms,loss=0.1% --rate 500mbit --allow-rate-only
        expect_rc 0 "testbed up --link --allow-rate-only"
        expect_in ERR "shaping rate only" "testbed up --link --allow-rate-only"
        run "$TESTBED" status --prefix "$p"
        expect_in OUT "rate 500Mbit" "--allow-rate-only keeps the rate"
    fi
    run "$TESTBED" down --prefix "$p"
    expect_rc 0 "testbed down after --link"
    TESTBED_UP=""
}

# ------------------------------------------------------------------ longhaul launch
test_launch() {
    local want
    run "$LONGHAUL" launch -n 3 -- bash -c 'echo $RANK/$WORLD_SIZE'
    expect_rc 0 "launch -n 3"
    want=$'[rank 0] 0/3\n[rank 1] 1/3\n[rank 2] 2/3'
    expect_eq "$(sort <<<"$OUT")" "$want" "launch -n 3 prints one prefixed line per rank"

    run "$LONGHAUL" launch -n 2 --master-port 29611 -- bash -c 'echo "$LOCAL_RANK $LOCAL_WORLD_SIZE $MASTER_ADDR:$MASTER_PORT"; echo "oops $RANK" >&2'
    expect_rc 0 "launch sets the torchrun variables"
    expect_eq "$(sort <<<"$OUT")" $'[rank 0] 0 2 127.0.0.1:29611\n[rank 1] 1 2 127.0.0.1:29611' "launch sets the torchrun variables"
    expect_eq "$(sort <<<"$ERR")" $'[rank 0] oops 0\n[rank 1] oops 1' "launch prefixes stderr on stderr"

    run "$LONGHAUL" launch -n 3 -- bash -c 'exit $RANK'
    expect_rc 1 "launch propagates failure"
    expect_in ERR "ranks 1, 2 failed (rank 1: exit 1, rank 2: exit 2)" "launch names the failed ranks"

    # One rank fails; the others (which would run for a minute) are stopped at once.
    local start=$SECONDS
    run "$LONGHAUL" launch -n 3 -- bash -c 'if [ "$RANK" = 1 ]; then exit 7; fi; exec sleep 60'
    expect_rc 1 "launch stops the others when one fails"
    expect_in ERR "launch: rank 1 failed (exit 7)" "launch stops the others when one fails"
    expect_not_in ERR "rank 0 failed" "stopped ranks are not reported as failed"
    if ((SECONDS - start < 30)); then pass; else fail "launch took $((SECONDS - start)) s to stop the other ranks"; fi

    # Rank 2 is stopped (SIGSTOP); rank 0 notices and fails: launch names the stopped rank as the cause.
    run env LONGHAUL_LAUNCH_GRACE=1 "$LONGHAUL" launch -n 3 -- bash -c \
        'if [ "$RANK" = 2 ]; then kill -STOP $$; fi; if [ "$RANK" = 0 ]; then sleep 1; exit 4; fi; exec sleep 60'
    expect_rc 1 "launch fails when a rank is stopped"
    expect_in ERR "launch: rank 2 is stopped (state T: SIGSTOP or a debugger) while others failed" "launch sees the stopped rank"
    expect_in ERR "launch: rank 0 failed (exit 4) after rank 2 stopped responding (stopped by a signal; killed)" \
        "launch names the stopped rank, not only the survivor"
}

# ------------------------------------------------------------------ longhaul jar handling
# A fake checkout (fake mvnw, fake java) checks building, staleness, symlinks and JVM options
# without running Maven.
test_longhaul_jar() {
    local repo=$TMP/repo jdk=$TMP/jdk jar
    mkdir -p "$repo/scripts/lib" "$repo/harness/src/main/java" "$jdk/bin" "$TMP/bin" "$TMP/cwd"
    cp "$LONGHAUL" "$repo/scripts/longhaul"
    cp "$SCRIPTS"/lib/*.sh "$repo/scripts/lib/"
    jar=$repo/harness/target/longhaul.jar
    echo '<project/>' >"$repo/pom.xml"
    echo 'class A {}' >"$repo/harness/src/main/java/A.java"
    cat >"$repo/mvnw" <<'EOF'
#!/usr/bin/env bash
echo "mvnw $*" >>"$(dirname "$0")/mvnw.log"
if [[ -n ${FAKE_MVN_FAIL:-} ]]; then echo "[ERROR] BUILD FAILURE: fake compiler error"; exit 1; fi
mkdir -p "$(dirname "$0")/harness/target" && echo jar >"$(dirname "$0")/harness/target/longhaul.jar"
EOF
    cat >"$jdk/bin/java" <<'EOF'
#!/usr/bin/env bash
echo "java $*"
EOF
    chmod +x "$repo/mvnw" "$jdk/bin/java"
    ln -s "$repo/scripts/longhaul" "$TMP/bin/lh"

    cd "$TMP/cwd"
    run env JAVA_HOME="$jdk" JAVA_OPTS= LONGHAUL_JAVA_OPTS= "$TMP/bin/lh" perf --link 'delay=5ms'
    expect_rc 0 "first run through a symlink from another directory"
    expect_eq "$ERR" "building longhaul (first run)..." "first run builds with one line on stderr"
    expect_eq "$OUT" "java -Xmx4g -jar $jar perf --link delay=5ms" "runs java -jar with the default heap"
    expect_eq "$(<"$repo/mvnw.log")" "mvnw -B -q -DskipTests install" "builds with mvnw -B -q -DskipTests install"

    run env JAVA_HOME="$jdk" JAVA_OPTS="-Xmx1g -Dx=1" LONGHAUL_JAVA_OPTS="-Dy=2" "$TMP/bin/lh" sweep
    expect_rc 0 "second run"
    expect_eq "$ERR" "" "an up-to-date jar is not rebuilt"
    expect_eq "$OUT" "java -Xmx1g -Dx=1 -Dy=2 -jar $jar sweep" "JAVA_OPTS and LONGHAUL_JAVA_OPTS replace the default heap"
    expect_eq "$(wc -l <"$repo/mvnw.log")" 1 "one build so far"

    touch -d "@$(($(date +%s) + 5))" "$repo/harness/src/main/java/A.java"
    run env JAVA_HOME="$jdk" "$TMP/bin/lh" demo
    expect_eq "$ERR" "building longhaul (sources changed)..." "a newer source file triggers a build"
    touch -d "@$(($(date +%s) + 10))" "$repo/pom.xml"
    run env JAVA_HOME="$jdk" "$TMP/bin/lh" demo
    expect_eq "$ERR" "building longhaul (sources changed)..." "a newer pom.xml triggers a build"

    rm -f "$jar"
    run env JAVA_HOME="$jdk" FAKE_MVN_FAIL=1 "$TMP/bin/lh" demo
    expect_rc 1 "a failed build fails"
    expect_in ERR "BUILD FAILURE: fake compiler error" "a failed build shows the build output"
    expect_in ERR "build failed (exit 1)" "a failed build says so"
    expect_eq "$OUT" "" "a failed build runs nothing"

    run env JAVA_HOME="$TMP/nojdk" "$TMP/bin/lh" demo
    expect_rc 1 "a bad JAVA_HOME"
    expect_in ERR "JAVA_HOME is '$TMP/nojdk'" "a bad JAVA_HOME"
    cd "$HERE"
}

# ------------------------------------------------------------------ kernel-level fabric
COMPARE=$SCRIPTS/compare.sh
AGENT=$SCRIPTS/fabric-agent.sh
test_fabric_usage() {
    run "$COMPARE" --distances 10,far
    expect_rc 2 "compare.sh rejects a bad distance"
    expect_in ERR "--distances: 'far' is out of range; accepted: whole km from 0 to 20000" "compare.sh names the bad distance"
    run "$COMPARE" --losses 150
    expect_rc 2 "compare.sh rejects a loss above 100%"
    expect_in ERR "--losses: '150' is out of range; accepted: a percentage from 0 to 100" "compare.sh names the bad loss"
    run "$COMPARE" --runs 0
    expect_in ERR "--runs: '0' is out of range; accepted: 1 to 20" "compare.sh names the bad run count"
    run "$COMPARE" --no-perf
    expect_rc 2 "compare.sh with nothing to compare"
    run "$COMPARE" --dry-run --distances 1000 --losses 1 --cc bbr --kernel-cc cubic,bbr --allreduce -b 1M -e 4M
    expect_rc 0 "compare.sh --dry-run"
    expect_in OUT "fabric up --prefix lhcmp --hosts 2 --dcs 2 --link delay=5100us,rate=1gbit,loss=1%" "1000 km is 4.9 ms of fiber plus 0.2 ms"
    expect_in OUT "perf --client 10.78.0.2:9000 --cc bbr --duration 10s" "the longhaul client in host 0"
    expect_in OUT "iperf3 -c 10.78.0.2 -C cubic -t 10 -J" "iperf3 with the kernel's cubic"
    expect_in OUT "iperf3 -c 10.78.0.2 -C bbr -t 10 -J" "iperf3 with the kernel's bbr"
    expect_in OUT "--mca plm_rsh_agent $SCRIPTS/fabric-agent.sh" "MPI ranks start through the fabric agent"
    run "$COMPARE" --dry-run --distances 0 --losses 0
    expect_in OUT "--link delay=200us,rate=1gbit"$'\n' "0 km is the equipment delay alone, no loss key"
    run "$AGENT"
    expect_rc 2 "fabric-agent.sh without a host"
    run "$AGENT" -x -o BatchMode=yes lhnosuch9 true
    expect_rc 255 "fabric-agent.sh: an unknown host fails as ssh does"
    expect_in ERR "'lhnosuch9' is not a host of a fabric on this machine" "fabric-agent.sh names the unknown host"
}

# The fabric for real: up, a 4-rank all-reduce through real launchers (mpirun with the fabric
# agent, run-hosts.sh's ssh launcher with it), one compare cell, down.
test_fabric_real() {
    if [[ ${EUID:-$(id -u)} -ne 0 ]]; then
        skip "fabric up/all-reduce/down: not root"
        return
    fi
    if [[ ! -c /dev/net/tun ]]; then
        skip "fabric up/all-reduce/down: /dev/net/tun is missing (no TUN)"
        return
    fi
    if [[ ! -f $SCRIPTS/../harness/target/longhaul.jar ]]; then
        skip "fabric up/all-reduce/down: harness/target/longhaul.jar is not built (./mvnw package)"
        return
    fi
    local p=lhs$((RANDOM % 1000))
    if command -v setpriv >/dev/null; then
        run setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp LONGHAUL_NO_BUILD=1 "$LONGHAUL" fabric up --prefix "$p" --hosts 2
        expect_rc 3 "fabric up as an unprivileged user"
        expect_in ERR "the fabric needs root (it creates network namespaces and TUN devices); rerun with sudo" "fabric up says it needs root"
        run setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp LONGHAUL_NO_BUILD=1 "$LONGHAUL" fabric down --prefix "$p"
        expect_rc 3 "fabric down as an unprivileged user"
    else
        skip "fabric as an unprivileged user: setpriv is not installed"
    fi
    FABRIC_PREFIX=$p
    export LONGHAUL_NO_BUILD=1 LONGHAUL_JAVA_OPTS=-Xmx512m
    run "$LONGHAUL" fabric up --prefix "$p" --hosts 4 --dcs 2 --link delay=2ms,rate=200mbit
    expect_rc 0 "fabric up --hosts 4 --dcs 2"
    expect_eq "$(grep -cE "^  ${p}3 +dc1 +10\.78\.0\.4$" <<<"$OUT")" 1 "fabric up lists the hosts with their DC and address"
    run "$LONGHAUL" fabric up --prefix "$p" --hosts 2
    expect_rc 1 "fabric up over an existing fabric"
    expect_in ERR "a fabric with prefix '$p' exists" "fabric up over an existing fabric says so"
    run "$AGENT" 10.78.0.3 'hostname -I'
    expect_eq "$(tr -d ' ' <<<"$OUT")" "10.78.0.3" "fabric-agent.sh runs in the host that has the address"

    if command -v mpirun >/dev/null; then
        run ip netns exec "${p}0" mpirun --allow-run-as-root --mca plm_rsh_agent "$AGENT" -H "${p}0,${p}1,${p}2,${p}3" -np 4 \
            --mca oob_tcp_if_include lhtun -x MASTER_ADDR=10.78.0.1 -x MASTER_PORT=29571 -x LONGHAUL_NO_BUILD -x LONGHAUL_JAVA_OPTS \
            bash -c "cd '$SCRIPTS/..' && exec scripts/longhaul allreduce --topology 2x2 -b 64K -e 1M -f 4 -n 2 -w 1"
        expect_rc 0 "mpirun starts 4 longhaul ranks in the 4 namespaces through fabric-agent.sh"
        expect_in OUT "4 ranks one per process (mpirun)" "the ranks found their place from mpirun's variables"
        expect_eq "$(awk '$1 ~ /^[0-9]+$/ && $9 == 0 && $13 == 0' <<<"$OUT" | wc -l)" 3 "all-reduce across the fabric through mpirun: 3 sizes, #wrong 0"
    else
        skip "mpirun across the fabric: Open MPI is not installed (apt-get install -y openmpi-bin)"
    fi

    printf '10.78.0.1\n10.78.0.2\n10.78.0.3\n10.78.0.4\n' >"$TMP/fabric-hosts"
    run "$SCRIPTS/run-hosts.sh" --hostfile "$TMP/fabric-hosts" --launcher ssh --agent "$AGENT" --skip-train --master-port 29572 \
        --out "$TMP/fabric-results" -- -b 64K -e 256K -f 2 -n 2 -w 1
    expect_rc 0 "run-hosts.sh's ssh launcher through fabric-agent.sh"
    expect_in OUT "[rank 0] # longhaul all_reduce: 4 ranks one per process (torchrun)" "run-hosts.sh's ranks found their place"
    expect_in OUT "[rank 0] # Sessions: authenticated, AES-256-GCM (key: LONGHAUL_KEY)" "run-hosts.sh's ssh ranks got the job key on their standard input"
    expect_eq "$(sed -n 's/^\[rank 0\] //p' <<<"$OUT" | awk '$1 ~ /^[0-9]+$/ && $9 == 0 && $13 == 0' | wc -l)" 3 \
        "all-reduce across the fabric through run-hosts.sh: 3 sizes, #wrong 0"
    if [[ -s $TMP/fabric-results/allreduce-rank0.json ]]; then pass; else fail "run-hosts.sh gathered rank 0's JSON through the agent"; fi

    if command -v iperf3 >/dev/null && command -v jq >/dev/null; then
        run "$COMPARE" --prefix "${p}c" --distances 10 --losses 0 --duration 2 --cc bbr --kernel-cc cubic --no-install --out "$TMP/compare"
        expect_rc 0 "one real compare cell"
        expect_eq "$(awk -F, 'NR == 2 { print ($3 > 0 && $4 > 0) ? "measured" : "missing" }' "$TMP/compare/perf.csv")" measured \
            "compare.sh measured longhaul and kernel TCP across the fabric"
        expect_in OUT "wrote $TMP/compare/compare.md" "compare.sh writes the report section"
    else
        skip "compare.sh cell: iperf3 or jq is not installed"
    fi

    run "$LONGHAUL" fabric down --prefix "$p"
    expect_rc 0 "fabric down"
    expect_eq "$(ip netns list | awk '{ print $1 }' | grep -c "^${p}[0-9]" || true)" 0 "fabric down leaves no namespace"
    expect_eq "$(pgrep -f "fabric forward --prefix $p\$" | wc -l)" 0 "fabric down leaves no forwarder"
    if [[ ! -e /run/longhaul/fabric/$p ]]; then pass; else fail "fabric down leaves its state directory"; fi
    FABRIC_PREFIX=""
    unset LONGHAUL_NO_BUILD LONGHAUL_JAVA_OPTS
}

# ------------------------------------------------------------------ shellcheck
# ------------------------------------------------------------------ bench-multipath.sh
test_bench_multipath() {
    local bench=$SCRIPTS/bench-multipath.sh
    usage_error "--runs: '0' is out of range; accepted: 1 to 100" "$bench" --runs 0
    usage_error "--paths: '17' is out of range; accepted: 1 to 16" "$bench" --paths 17
    usage_error "--fabric: 'rate=1gbit' is not an ECMP fabric spec" "$bench" --fabric rate=1gbit
    usage_error "--schedulers: 'a b' is not a scheduler name" "$bench" --schedulers 'a b'
    usage_error "--duration: 'soon' is not a duration" "$bench" --duration soon
    usage_error "unknown argument '--frob'" "$bench" --frob
    usage_error "must be whole seconds with --kernel" "$bench" --kernel --duration 500ms
    run "$bench" --dry-run --kernel --runs 1 --schedulers spray --paths 2
    expect_rc 0 "bench-multipath --kernel --dry-run"
    expect_in OUT "fabric up --prefix lhbm --hosts 2 --dcs 2 --link ecmp=4" "bench-multipath --kernel builds the kernel-level fabric"
    expect_in OUT "ip netns exec lhbm0 $SCRIPTS/longhaul perf --client 10.78.0.2:9000 --paths 2 --scheduler spray" \
        "bench-multipath --kernel runs perf as a client in the fabric"
    expect_in OUT "iperf3 -c 10.78.0.2 -C" "bench-multipath --kernel runs kernel TCP beside it"
    expect_in OUT "-P 2 -O 1 -t 8 -J" "bench-multipath --kernel runs as many TCP flows as paths"
    run "$bench" --dry-run --runs 2 --schedulers single,plb:rounds=16 --paths 3 --out "$TMP/bm"
    expect_rc 0 "bench-multipath --dry-run"
    expect_eq "$(grep -o -- '--scheduler [^ ]*' <<<"$OUT" | tr '\n' ' ')" \
        "--scheduler single --scheduler plb:rounds=16 --scheduler single --scheduler plb:rounds=16 " \
        "bench-multipath runs the schedulers interleaved, run by run"
    expect_in OUT "--paths 3 " "bench-multipath passes --paths"
    expect_in OUT "--json $TMP/bm/plb_rounds_16-run2.json" "bench-multipath names each run's JSON by scheduler and run"
}

# ------------------------------------------------------------------ bench-datapath.sh
test_bench_datapath() {
    local bench=$SCRIPTS/bench-datapath.sh
    usage_error "--rounds: '0' is out of range; accepted: 1 to 50" "$bench" --rounds 0
    usage_error "--only: no system named in 'nccl'" "$bench" --only nccl
    usage_error "--perf-duration: '500ms' is not a whole number of seconds" "$bench" --perf-duration 500ms
    usage_error "unknown argument '--frob'" "$bench" --frob
    run "$bench" --dry-run --rounds 2 --only gloo,lh-insecure,lh-mpirun --out "$TMP/bd" -- -b 1M -e 4M -f 2
    expect_rc 0 "bench-datapath --dry-run"
    expect_eq "$(grep -c -- '--only gloo' <<<"$OUT") $(grep -c -- 'allreduce --ranks 4 --insecure -b 1M -e 4M -f 2' <<<"$OUT")" "2 2" \
        "bench-datapath runs every system once per round, with the all-reduce flags given after --"
    expect_in OUT "mpirun --oversubscribe" "bench-datapath runs one rank per process under mpirun"
    run "$bench" --dry-run --rounds 1 --only perf --perf-duration 3s --out "$TMP/bd"
    expect_in OUT "perf --local --insecure --duration 3s -i 0 --json $TMP/bd/perf-insecure-round1.json" \
        "bench-datapath measures perf unauthenticated and keyed"
}

test_shellcheck() {
    if ! command -v shellcheck >/dev/null; then
        skip "shellcheck: not installed"
        return
    fi
    run shellcheck -x "$LONGHAUL" "$NETEM" "$TESTBED" "$SCRIPTS"/compare.sh "$SCRIPTS"/fabric-agent.sh "$SCRIPTS"/fabric-bench.sh \
        "$SCRIPTS"/bench-multipath.sh "$SCRIPTS"/bench-datapath.sh \
        "$SCRIPTS"/lib/*.sh "$HERE"/*.sh
    expect_rc 0 "shellcheck is clean"
}

for t in test_help test_usage_errors test_dry_run test_spec_errors test_netem_real test_testbed test_launch test_longhaul_jar test_fabric_usage \
    test_fabric_real test_bench_multipath test_bench_datapath test_shellcheck; do
    printf '== %s\n' "${t#test_}"
    "$t"
done

printf '\n%d checks passed, %d failed, %d skipped\n' "$PASSED" "$FAILED" "$SKIPPED"
if ((FAILED)); then
    printf 'failed:\n' >&2
    printf '  %s\n' "${FAILURES[@]}" >&2
    exit 1
fi
