# shellcheck shell=bash
# shellcheck disable=SC2034 # the LS_* and LH_* variables are read by the scripts that source this
# Link specs in bash: the vocabulary of io.longhaul.transport.sim.LinkSpec
# (delay=5ms,jitter=50us,rate=1gbit,queue=2bdp,loss=0.1%,burst=gilbert:p=1%:r=30%,reorder=1%,
# dup=0.01%,corrupt=0.01%,seed=N), parsed with the same rules and error messages, and translated
# to tc netem/tbf arguments. Needs common.sh sourced first.
#
# lh_spec_parse SPEC sets:
#   LS_TEXT            the spec as given
#   LS_DELAY_NS        one-way delay, ns                 LS_JITTER_NS    jitter, ns
#   LS_RATE_BITS       rate in bit/s, 0 = unlimited
#   LS_QUEUE_KIND      default|bytes|packets|bdp         LS_QUEUE_VALUE  the number given
#   LS_QUEUE_BYTES     resolved queue in bytes (0 without a rate)
#   LS_LOSS_PCT        Bernoulli loss, percent
#   LS_BURST           1 if Gilbert-Elliott loss; LS_BURST_P/R/H/K_PCT its parameters, percent
#   LS_REORDER_PCT     reorder probability, percent;     LS_REORDER_GAP_NS  gap, -1 = default
#   LS_DUP_PCT         duplication, percent;             LS_CORRUPT_PCT     corruption, percent
#   LS_SEED            seed as given, or empty
#   LS_NEEDS_NETEM     1 if anything but rate/queue/seed is set (so sch_netem is needed)
# Bad specs exit 2 with "link spec 'SPEC': KEY: 'VALUE' ...; accepted: ...".

LH_SPEC_KEYS="delay, jitter, rate, queue, loss, burst, reorder, dup, corrupt, seed"
LH_DURATION_UNITS="ns, us, ms, s, m"
LH_RATE_UNITS="bit, kbit, mbit, gbit, tbit (bits/s); bps, kbps, mbps, gbps, tbps (bytes/s)"
LH_SIZE_UNITS="B, K/KB/KiB, M/MB/MiB, G/GB/GiB (powers of 1024)"
LH_QUEUE_ACCEPTED="bytes (256K, 1500; $LH_SIZE_UNITS), packets (100p) or multiples of the BDP (2bdp)"
LH_BURST_ACCEPTED="gilbert:p=P:r=R[:h=H][:k=K] (percentages such as 1% or fractions such as 0.01)"
# Bytes per packet when a queue is given in packets (100p).
LH_PACKET_BYTES=1500
LH_MAX_DURATION_NS=3600000000000
LH_MAX_RATE_BITS=100000000000000
LH_MAX_QUEUE_PACKETS=4194304
LH_MIN_DEFAULT_QUEUE_BYTES=65536

_LH_NUM_RE='([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][-+]?[0-9]+)?'

_lh_spec_fail() {
    lh_die 2 "link spec '$LS_TEXT': $*"
}

_lh_trim() {
    local s=$1
    s=${s#"${s%%[![:space:]]*}"}
    s=${s%"${s##*[![:space:]]}"}
    printf '%s' "$s"
}

# _lh_split_number FIELD TEXT ACCEPTED: sets _LH_N (number) and _LH_U (unit, lower case).
_lh_split_number() {
    local field=$1 text=$2 accepted=$3
    if [[ $text == -* ]]; then
        _lh_spec_fail "$field: '$text' must not be negative"
    fi
    if [[ ! $text =~ ^[0-9.] ]]; then
        _lh_spec_fail "$field: '$text' does not start with a number; accepted units: $accepted"
    fi
    if [[ ! $text =~ ^$_LH_NUM_RE([^0-9.].*)?$ ]]; then
        _lh_spec_fail "$field: '$text' is not a number; accepted units: $accepted"
    fi
    _LH_N=${BASH_REMATCH[1]}${BASH_REMATCH[3]}
    _LH_U=${text:${#_LH_N}}
    _LH_U=${_LH_U,,}
}

# _lh_scale NUMBER FACTOR: prints round(NUMBER * FACTOR).
_lh_scale() {
    awk -v n="$1" -v f="$2" 'BEGIN { printf "%.0f\n", n * f }'
}

# _lh_cmp A OP B: numeric comparison through awk (OP one of < <= > >= == !=).
_lh_cmp() {
    awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
        a += 0; b += 0
        r = (op == "<") ? a < b : (op == "<=") ? a <= b : (op == ">") ? a > b : (op == ">=") ? a >= b : (op == "==") ? a == b : a != b
        exit !r }'
}

_lh_parse_duration_ns() {
    local field=$1 text=$2 scale ns
    _lh_split_number "$field" "$text" "$LH_DURATION_UNITS"
    case $_LH_U in
        ns) scale=1 ;;
        us | µs) scale=1000 ;;
        ms) scale=1000000 ;;
        s) scale=1000000000 ;;
        m | min) scale=60000000000 ;;
        "") _lh_spec_fail "$field: '$text' has no unit; accepted: $LH_DURATION_UNITS" ;;
        *) _lh_spec_fail "$field: '$text' has unknown unit '$_LH_U'; accepted: $LH_DURATION_UNITS" ;;
    esac
    ns=$(_lh_scale "$_LH_N" "$scale")
    if _lh_cmp "$ns" ">" "$LH_MAX_DURATION_NS"; then
        _lh_spec_fail "$field: '$text' is out of range; accepted: 0 to 1 hour"
    fi
    _LH_RESULT=$ns
}

_lh_parse_rate_bits() {
    local field=$1 text=$2 scale bits
    _lh_split_number "$field" "$text" "$LH_RATE_UNITS"
    case $_LH_U in
        bit) scale=1 ;;
        kbit) scale=1e3 ;;
        mbit) scale=1e6 ;;
        gbit) scale=1e9 ;;
        tbit) scale=1e12 ;;
        bps) scale=8 ;;
        kbps) scale=8e3 ;;
        mbps) scale=8e6 ;;
        gbps) scale=8e9 ;;
        tbps) scale=8e12 ;;
        "") _lh_spec_fail "$field: '$text' has no unit; accepted: $LH_RATE_UNITS" ;;
        *) _lh_spec_fail "$field: '$text' has unknown unit '$_LH_U'; accepted: $LH_RATE_UNITS" ;;
    esac
    bits=$(_lh_scale "$_LH_N" "$scale")
    if [[ $bits == 0 ]]; then
        _lh_spec_fail "$field: '$text' must be positive"
    fi
    if _lh_cmp "$bits" ">" "$LH_MAX_RATE_BITS"; then
        _lh_spec_fail "$field: '$text' is out of range; accepted: up to 100tbit"
    fi
    _LH_RESULT=$bits
}

_lh_parse_size_bytes() {
    local field=$1 text=$2 scale
    _lh_split_number "$field" "$text" "$LH_SIZE_UNITS"
    case $_LH_U in
        "" | b) scale=1 ;;
        k | kb | kib) scale=1024 ;;
        m | mb | mib) scale=1048576 ;;
        g | gb | gib) scale=1073741824 ;;
        *) _lh_spec_fail "$field: '$text' is not a queue size; accepted: $LH_QUEUE_ACCEPTED" ;;
    esac
    _LH_RESULT=$(_lh_scale "$_LH_N" "$scale")
}

# Percent with an optional % sign (loss=0.1 is 0.1 %). Result in percent.
_lh_parse_percent() {
    local field=$1 text=$2 s=$2
    s=${s%\%}
    if [[ ! $s =~ ^[-+]?$_LH_NUM_RE$ ]]; then
        _lh_spec_fail "$field: '$text' is not a percentage; expected for example 0.1%"
    fi
    if _lh_cmp "$s" "<" 0 || _lh_cmp "$s" ">" 100; then
        _lh_spec_fail "$field: '$text' is out of range; accepted: 0% to 100%"
    fi
    _LH_RESULT=$(awk -v n="$s" 'BEGIN { printf "%.10g\n", n + 0 }')
}

# A percentage with % (1%) or a fraction without (0.01). Result in percent.
_lh_parse_fraction_or_percent() {
    local field=$1 text=$2
    if [[ $text == *% ]]; then
        _lh_parse_percent "$field" "$text"
        return
    fi
    if [[ ! $text =~ ^[-+]?$_LH_NUM_RE$ ]]; then
        _lh_spec_fail "$field: '$text' is not a number"
    fi
    if _lh_cmp "$text" "<" 0 || _lh_cmp "$text" ">" 1; then
        _lh_spec_fail "$field: '$text' is out of range; accepted: a fraction 0 to 1 or a percentage 0% to 100%"
    fi
    _LH_RESULT=$(awk -v n="$text" 'BEGIN { printf "%.10g\n", n * 100 }')
}

_lh_suggest_key() {
    awk -v key="$1" -v keys="$LH_SPEC_KEYS" 'BEGIN {
        n = split(keys, cand, ", "); best = ""; bestd = 3
        for (c = 1; c <= n; c++) {
            b = cand[c]; la = length(key); lb = length(b)
            for (j = 0; j <= lb; j++) prev[j] = j
            for (i = 1; i <= la; i++) {
                cur[0] = i
                for (j = 1; j <= lb; j++) {
                    cost = (substr(key, i, 1) == substr(b, j, 1)) ? 0 : 1
                    v = cur[j - 1] + 1
                    if (prev[j] + 1 < v) v = prev[j] + 1
                    if (prev[j - 1] + cost < v) v = prev[j - 1] + cost
                    cur[j] = v
                }
                for (j = 0; j <= lb; j++) prev[j] = cur[j]
            }
            if (prev[lb] < bestd) { bestd = prev[lb]; best = b }
        }
        if (best != "") printf " (did you mean '\''%s'\''?)", best
    }'
}

_lh_parse_queue() {
    local value=$1 lower=${1,,} digits
    if [[ $lower == *bdp ]]; then
        digits=$(_lh_trim "${lower%bdp}")
        if [[ ! $digits =~ ^$_LH_NUM_RE$ ]]; then
            _lh_spec_fail "queue: '$value' is not a number of BDPs; accepted: $LH_QUEUE_ACCEPTED"
        fi
        if ! _lh_cmp "$digits" ">" 0; then
            _lh_spec_fail "queue: '$value' must be a positive multiple of the BDP"
        fi
        LS_QUEUE_KIND=bdp
        LS_QUEUE_VALUE=$digits
    elif [[ $lower == *p ]]; then
        digits=$(_lh_trim "${lower%p}")
        if [[ ! $digits =~ ^[0-9]{1,18}$ ]]; then
            _lh_spec_fail "queue: '$value' is not a whole number of packets; accepted: $LH_QUEUE_ACCEPTED"
        fi
        if ((10#$digits < 1 || 10#$digits > LH_MAX_QUEUE_PACKETS)); then
            _lh_spec_fail "queue: '$value' is out of range; accepted: 1p to ${LH_MAX_QUEUE_PACKETS}p"
        fi
        LS_QUEUE_KIND=packets
        LS_QUEUE_VALUE=$((10#$digits))
    else
        _lh_parse_size_bytes queue "$value"
        if [[ $_LH_RESULT == 0 ]]; then
            _lh_spec_fail "queue: '$value' must be at least 1 byte"
        fi
        LS_QUEUE_KIND=bytes
        LS_QUEUE_VALUE=$_LH_RESULT
    fi
}

_lh_parse_burst() {
    local value=$1 model part name v seen=" "
    local -a parts
    IFS=: read -r -a parts <<<"$value"
    model=$(_lh_trim "${parts[0]:-}")
    if [[ ${model,,} != gilbert && ${model,,} != gemodel ]]; then
        _lh_spec_fail "burst: '$value' has unknown model '$model'; accepted: $LH_BURST_ACCEPTED"
    fi
    LS_BURST_P_PCT="" LS_BURST_R_PCT="" LS_BURST_H_PCT=0 LS_BURST_K_PCT=100
    for part in "${parts[@]:1}"; do
        part=$(_lh_trim "$part")
        if [[ $part != *=* ]]; then
            _lh_spec_fail "burst: '$part' in '$value' is not name=value; accepted: $LH_BURST_ACCEPTED"
        fi
        name=$(_lh_trim "${part%%=*}")
        name=${name,,}
        v=$(_lh_trim "${part#*=}")
        if [[ $seen == *" $name "* ]]; then
            _lh_spec_fail "burst: duplicate parameter '$name' in '$value'"
        fi
        seen+="$name "
        case $name in
            p | r | h | k) _lh_parse_fraction_or_percent "burst $name" "$v" ;;
            *) _lh_spec_fail "burst: unknown parameter '$name' in '$value'; accepted: p, r, h, k as in $LH_BURST_ACCEPTED" ;;
        esac
        case $name in
            p) LS_BURST_P_PCT=$_LH_RESULT ;;
            r) LS_BURST_R_PCT=$_LH_RESULT ;;
            h) LS_BURST_H_PCT=$_LH_RESULT ;;
            k) LS_BURST_K_PCT=$_LH_RESULT ;;
        esac
    done
    if [[ -z $LS_BURST_P_PCT ]]; then
        _lh_spec_fail "burst: '$value' lacks p; accepted: $LH_BURST_ACCEPTED"
    fi
    if [[ -z $LS_BURST_R_PCT ]]; then
        _lh_spec_fail "burst: '$value' lacks r; accepted: $LH_BURST_ACCEPTED"
    fi
    if _lh_cmp "$LS_BURST_R_PCT" "==" 0; then
        _lh_spec_fail "burst: r must be > 0 (with r = 0 the link never leaves the bad state; use loss=100% for a dead link)"
    fi
    LS_BURST=1
}

# lh_spec_parse SPEC: parses and validates SPEC into the LS_* variables (see the file comment).
lh_spec_parse() {
    LS_TEXT=$1
    LS_DELAY_NS=0 LS_JITTER_NS=0 LS_RATE_BITS=0 LS_QUEUE_KIND=default LS_QUEUE_VALUE=0 LS_QUEUE_BYTES=0
    LS_LOSS_PCT=0 LS_BURST=0 LS_BURST_P_PCT=0 LS_BURST_R_PCT=0 LS_BURST_H_PCT=0 LS_BURST_K_PCT=100
    LS_REORDER_PCT=0 LS_REORDER_GAP_NS=-1 LS_DUP_PCT=0 LS_CORRUPT_PCT=0 LS_SEED="" LS_NEEDS_NETEM=0
    local text rest entry key value digits i=0 seen=" "
    text=$(_lh_trim "$1")
    if [[ -z $text || ${text,,} == none ]]; then
        return 0
    fi
    rest=$text
    while :; do
        i=$((i + 1))
        entry=$(_lh_trim "${rest%%,*}")
        if [[ -z $entry ]]; then
            _lh_spec_fail "entry $i is empty; expected key=value entries separated by single commas"
        fi
        if [[ $entry != *=* ]]; then
            _lh_spec_fail "'$entry' is not key=value; expected for example delay=5ms"
        fi
        key=$(_lh_trim "${entry%%=*}")
        key=${key,,}
        value=$(_lh_trim "${entry#*=}")
        if [[ -z $key ]]; then
            _lh_spec_fail "'$entry' has no key; accepted: $LH_SPEC_KEYS"
        fi
        if [[ $seen == *" $key "* ]]; then
            _lh_spec_fail "duplicate key '$key'; each key may appear once"
        fi
        seen+="$key "
        if [[ -z $value ]]; then
            _lh_spec_fail "$key: value is empty"
        fi
        case $key in
            delay) _lh_parse_duration_ns delay "$value" && LS_DELAY_NS=$_LH_RESULT ;;
            jitter) _lh_parse_duration_ns jitter "$value" && LS_JITTER_NS=$_LH_RESULT ;;
            rate) _lh_parse_rate_bits rate "$value" && LS_RATE_BITS=$_LH_RESULT ;;
            queue) _lh_parse_queue "$value" ;;
            loss) _lh_parse_percent loss "$value" && LS_LOSS_PCT=$_LH_RESULT ;;
            burst) _lh_parse_burst "$value" ;;
            reorder)
                if [[ $value == *:* ]]; then
                    _lh_parse_duration_ns "reorder gap" "$(_lh_trim "${value#*:}")"
                    LS_REORDER_GAP_NS=$_LH_RESULT
                    value=$(_lh_trim "${value%%:*}")
                fi
                _lh_parse_percent reorder "$value" && LS_REORDER_PCT=$_LH_RESULT
                ;;
            dup) _lh_parse_percent dup "$value" && LS_DUP_PCT=$_LH_RESULT ;;
            corrupt) _lh_parse_percent corrupt "$value" && LS_CORRUPT_PCT=$_LH_RESULT ;;
            seed)
                digits=${value#-}
                # Same length, so comparing as strings compares as numbers.
                # shellcheck disable=SC2071
                if [[ ! $value =~ ^-?[0-9]{1,19}$ ]] || [[ ${#digits} -eq 19 && $digits > 9223372036854775807 ]]; then
                    _lh_spec_fail "seed: '$value' is not an integer; accepted: a 64-bit signed integer"
                fi
                LS_SEED=$value
                ;;
            *) _lh_spec_fail "unknown key '$key'$(_lh_suggest_key "$key"); accepted: $LH_SPEC_KEYS" ;;
        esac
        [[ $rest == *,* ]] || break
        rest=${rest#*,}
    done
    lh_spec_resolve_queue
    if [[ $LS_DELAY_NS != 0 || $LS_JITTER_NS != 0 || $LS_BURST == 1 ]] ||
        ! _lh_cmp "$LS_LOSS_PCT" "==" 0 || ! _lh_cmp "$LS_REORDER_PCT" "==" 0 ||
        ! _lh_cmp "$LS_DUP_PCT" "==" 0 || ! _lh_cmp "$LS_CORRUPT_PCT" "==" 0; then
        LS_NEEDS_NETEM=1
    fi
}

# lh_spec_resolve_queue: LS_QUEUE_BYTES from the queue kind, the rate and the delay.
# BDP = rate x 2 x delay (one round trip when both directions have the same delay).
lh_spec_resolve_queue() {
    LS_QUEUE_BYTES=0
    [[ $LS_RATE_BITS != 0 ]] || return 0
    local bdp_bytes
    case $LS_QUEUE_KIND in
        default)
            bdp_bytes=$(awk -v r="$LS_RATE_BITS" -v d="$LS_DELAY_NS" 'BEGIN { printf "%.0f\n", int(2 * r * 2 * d / 8e9) }')
            LS_QUEUE_BYTES=$((bdp_bytes > LH_MIN_DEFAULT_QUEUE_BYTES ? bdp_bytes : LH_MIN_DEFAULT_QUEUE_BYTES))
            ;;
        bytes) LS_QUEUE_BYTES=$LS_QUEUE_VALUE ;;
        packets) LS_QUEUE_BYTES=$((LS_QUEUE_VALUE * LH_PACKET_BYTES)) ;;
        bdp)
            LS_QUEUE_BYTES=$(awk -v m="$LS_QUEUE_VALUE" -v r="$LS_RATE_BITS" -v d="$LS_DELAY_NS" 'BEGIN { printf "%.0f\n", int(m * r * 2 * d / 8e9) }')
            if [[ $LS_QUEUE_BYTES == 0 ]]; then
                _lh_spec_fail "queue: ${LS_QUEUE_VALUE}bdp resolves to 0 bytes (rate=$(lh_fmt_rate "$LS_RATE_BITS"), delay=$(lh_fmt_time "$LS_DELAY_NS")); give the queue in bytes or packets"
            fi
            ;;
    esac
}

# lh_fmt_time NS: a tc time: ms when at least 1 ms and whole microseconds, else us.
lh_fmt_time() {
    awk -v ns="$1" 'function trim(x) { sub(/0+$/, "", x); sub(/[.]$/, "", x); return x }
        BEGIN {
        if (ns % 1000000 == 0) printf "%dms\n", ns / 1000000
        else if (ns >= 1000000 && ns % 1000 == 0) printf "%sms\n", trim(sprintf("%.3f", ns / 1000000))
        else if (ns % 1000 == 0) printf "%dus\n", ns / 1000
        else printf "%sus\n", trim(sprintf("%.3f", ns / 1000)) }'
}

# lh_fmt_rate BITS: a tc rate in the largest whole unit.
lh_fmt_rate() {
    awk -v b="$1" 'BEGIN {
        split("1e12 1e9 1e6 1e3", s, " "); split("tbit gbit mbit kbit", u, " ")
        for (i = 1; i <= 4; i++) if (b % s[i] == 0) { printf "%d%s\n", b / s[i], u[i]; exit }
        printf "%dbit\n", b }'
}

# lh_fmt_pct PERCENT: a tc percentage.
lh_fmt_pct() {
    awk -v p="$1" 'BEGIN { printf "%.10g%%\n", p }'
}

# lh_spec_netem_args: prints netem's arguments for the parsed spec (without limit), one line.
# Bernoulli loss and Gilbert-Elliott loss combine exactly into one gemodel, since a packet is
# lost if either model loses it: 1-h' = 1-(1-loss)h and 1-k' = 1-(1-loss)k.
lh_spec_netem_args() {
    local -a a=()
    if [[ $LS_DELAY_NS != 0 || $LS_JITTER_NS != 0 ]]; then
        a+=(delay "$(lh_fmt_time "$LS_DELAY_NS")")
        [[ $LS_JITTER_NS == 0 ]] || a+=("$(lh_fmt_time "$LS_JITTER_NS")")
    fi
    if [[ $LS_BURST == 1 ]]; then
        local bad good
        bad=$(awk -v l="$LS_LOSS_PCT" -v h="$LS_BURST_H_PCT" 'BEGIN { printf "%.10g\n", 100 - (100 - l) * h / 100 }')
        good=$(awk -v l="$LS_LOSS_PCT" -v k="$LS_BURST_K_PCT" 'BEGIN { printf "%.10g\n", 100 - (100 - l) * k / 100 }')
        a+=(loss gemodel "$(lh_fmt_pct "$LS_BURST_P_PCT")" "$(lh_fmt_pct "$LS_BURST_R_PCT")" "$(lh_fmt_pct "$bad")" "$(lh_fmt_pct "$good")")
    elif ! _lh_cmp "$LS_LOSS_PCT" "==" 0; then
        a+=(loss "$(lh_fmt_pct "$LS_LOSS_PCT")")
    fi
    _lh_cmp "$LS_DUP_PCT" "==" 0 || a+=(duplicate "$(lh_fmt_pct "$LS_DUP_PCT")")
    _lh_cmp "$LS_CORRUPT_PCT" "==" 0 || a+=(corrupt "$(lh_fmt_pct "$LS_CORRUPT_PCT")")
    _lh_cmp "$LS_REORDER_PCT" "==" 0 || a+=(reorder "$(lh_fmt_pct "$LS_REORDER_PCT")")
    printf '%s\n' "${a[*]}"
}
