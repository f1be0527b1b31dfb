# shellcheck shell=bash
# Helpers shared by longhaul's bash scripts. Source it after setting LH_PROG to the script's name.
#
# Exit codes used by the scripts: 0 success, 1 runtime failure, 2 bad usage or bad input,
# 3 a kernel feature the request needs is missing (for example sch_netem).

LH_PROG=${LH_PROG:-${0##*/}}

# lh_die CODE MESSAGE...: prints "prog: MESSAGE" on stderr and exits with CODE.
lh_die() {
    local code=$1
    shift
    printf '%s: %s\n' "$LH_PROG" "$*" >&2
    exit "$code"
}

# lh_usage_error MESSAGE...: a bad command line; exits 2 with a pointer to --help.
lh_usage_error() {
    printf '%s: %s\n' "$LH_PROG" "$*" >&2
    printf "Run '%s --help' for usage.\n" "$LH_PROG" >&2
    exit 2
}

# lh_warn MESSAGE...: prints "prog: warning: MESSAGE" on stderr.
lh_warn() {
    printf '%s: warning: %s\n' "$LH_PROG" "$*" >&2
}

# lh_info MESSAGE...: prints "prog: MESSAGE" on stderr.
lh_info() {
    printf '%s: %s\n' "$LH_PROG" "$*" >&2
}

# lh_export_job_key: exports LONGHAUL_KEY, a fresh random job key (64 hex digits) unless one is set,
# so that every longhaul end started from here shares it.
lh_export_job_key() {
    if [[ -z ${LONGHAUL_KEY:-} ]]; then
        LONGHAUL_KEY=$(od -An -N32 -tx1 /dev/urandom | tr -d ' \n')
    fi
    export LONGHAUL_KEY
}

# lh_is_uint TEXT: true if TEXT is a non-negative decimal integer without sign or leading zeros.
lh_is_uint() {
    [[ $1 =~ ^(0|[1-9][0-9]{0,17})$ ]]
}

# lh_require_root WHAT: exits 1 unless running as root.
lh_require_root() {
    if [[ ${EUID:-$(id -u)} -ne 0 ]]; then
        lh_die 1 "$1 needs root (it changes the kernel's network configuration); rerun with sudo"
    fi
}

# lh_require_cmd CMD PACKAGE: exits 1 if CMD is not on PATH.
lh_require_cmd() {
    if ! command -v "$1" >/dev/null 2>&1; then
        lh_die 1 "'$1' is not installed; install $2 (for example: apt-get install -y $2)"
    fi
}

# lh_resolve_path PATH: prints PATH with every symlink resolved.
lh_resolve_path() {
    local p=$1 dir link
    if readlink -f -- "$p" >/dev/null 2>&1; then
        readlink -f -- "$p"
        return
    fi
    while [[ -L $p ]]; do
        dir=$(cd -P -- "$(dirname -- "$p")" && pwd)
        link=$(readlink -- "$p")
        [[ $link == /* ]] || link=$dir/$link
        p=$link
    done
    printf '%s/%s\n' "$(cd -P -- "$(dirname -- "$p")" && pwd)" "$(basename -- "$p")"
}
