#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Screenshots an HTML report with headless Chromium and checks the picture is not blank. See --help.
set -euo pipefail

LH_PROG=check-report.sh
_self=${BASH_SOURCE[0]}
_self=$(readlink -f -- "$_self" 2>/dev/null || printf '%s' "$_self")
LH_SCRIPTS=$(cd -P -- "$(dirname -- "$_self")" && pwd)
# shellcheck source=lib/common.sh
. "$LH_SCRIPTS/lib/common.sh"

# A rendered report has charts in many colours; a blank or broken page has a handful.
MIN_COLOURS=${CHECK_REPORT_MIN_COLOURS:-64}
MIN_NON_WHITE_PERCENT=${CHECK_REPORT_MIN_NON_WHITE:-5}
WINDOW=${CHECK_REPORT_WINDOW:-1400,2400}

usage() {
    cat <<'HELP'
Usage: scripts/check-report.sh REPORT.html OUT.png

Takes a screenshot of REPORT.html with headless Chromium (installing Debian's chromium with
apt-get when it is missing), writes it to OUT.png and checks the picture is not blank: at least
64 distinct colours and 5 % of pixels not white. Exits 0 when the page rendered, 1 when it looks
blank or Chromium failed, 2 on bad usage.

Chromium runs offline-friendly (no sandbox, GPU, QUIC, sync, background networking or component
updates) in a throw-away profile, so a report that tried to load anything from the network
would show it as missing pieces.

Environment: CHECK_REPORT_WINDOW (default 1400,2400), CHECK_REPORT_MIN_COLOURS (64),
CHECK_REPORT_MIN_NON_WHITE (percent, 5).

Example:
  scripts/longhaul sweep --out results/ --report report.html
  scripts/check-report.sh report.html report.png
HELP
}

[[ ${1:-} == -h || ${1:-} == --help ]] && { usage; exit 0; }
[[ $# -eq 2 ]] || lh_usage_error "expected REPORT.html OUT.png"
report=$1
png=$2
[[ -f $report ]] || lh_usage_error "no such report: $report"

chromium_bin() {
    local c
    for c in chromium chromium-browser google-chrome; do
        if command -v "$c" >/dev/null 2>&1; then
            command -v "$c"
            return 0
        fi
    done
    return 1
}

if ! browser=$(chromium_bin); then
    lh_info "chromium is missing; installing Debian's chromium"
    if [[ $(id -u) -ne 0 ]]; then
        lh_die 1 "chromium is not installed and this is not root; install it with: sudo apt-get install -y chromium"
    fi
    if ! { apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; then
        lh_die 1 "apt-get install chromium failed"
    fi
    browser=$(chromium_bin) || lh_die 1 "chromium still not found after installing it"
fi

abs_report=$(readlink -f -- "$report")
profile=$(mktemp -d)
trap 'rm -rf -- "$profile"' EXIT
rm -f -- "$png"
if ! timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" --screenshot="$png" \
    --window-size="$WINDOW" "file://$abs_report" >"$profile/chromium.log" 2>&1; then
    tail -n 20 "$profile/chromium.log" >&2
    lh_die 1 "chromium failed to take the screenshot"
fi
[[ -s $png ]] || { tail -n 20 "$profile/chromium.log" >&2; lh_die 1 "chromium wrote no screenshot to $png"; }

# Count distinct colours and non-white pixels (Java's ImageIO: a JDK is always here for longhaul).
checker=$profile/PngCheck.java
cat >"$checker" <<'JAVA'
import java.awt.image.BufferedImage;
import java.io.File;
import java.util.HashSet;
import java.util.Set;
import javax.imageio.ImageIO;

public class PngCheck {
    public static void main(String[] a) throws Exception {
        BufferedImage img = ImageIO.read(new File(a[0]));
        if (img == null) {
            System.out.println("0 0 0 0");
            return;
        }
        Set<Integer> colours = new HashSet<>();
        long nonWhite = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y) & 0xffffff;
                colours.add(rgb);
                if (rgb != 0xffffff) {
                    nonWhite++;
                }
            }
        }
        System.out.println(img.getWidth() + " " + img.getHeight() + " " + colours.size() + " " + (100 * nonWhite / ((long) img.getWidth() * img.getHeight())));
    }
}
JAVA
read -r width height colours non_white < <(java -Djava.awt.headless=true "$checker" "$png")
printf '%s: %s: %sx%s px, %s distinct colours, %s%% non-white\n' "$LH_PROG" "$png" "$width" "$height" "$colours" "$non_white"
if (( colours < MIN_COLOURS || non_white < MIN_NON_WHITE_PERCENT )); then
    lh_die 1 "$png looks blank (need >= $MIN_COLOURS colours and >= $MIN_NON_WHITE_PERCENT% non-white pixels)"
fi
echo "$LH_PROG: OK"
