#!/bin/sh
# test_report.sh BUILD_DIR: renacer-report's page in headless Chromium, as
# a user opens it: from a JSON-lines trace and from an OTLP JSON file of
# the same kind of run, the page renders with no script error, shows the
# run's number of processes and calls, and a screenshot of it is kept in
# BUILD_DIR/test-artifacts/ (report.png, report-otlp.png).
set -eu
build=$1
src=$(cd "$(dirname "$0")/../.." && pwd)
art="$build/test-artifacts"
mkdir -p "$art"
work=$(mktemp -d /tmp/rn-report.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
chromium=$(command -v chromium || command -v chromium-browser) || fail "no chromium (tools/setup installs it)"

# a process tree with failed calls: forkexec3 (3 processes), a missing file
prog="$build/test/integration/forkexec3"
# (forkexec3 exits with a status of its own making: not a failure here)
"$build/renacer-exporter" --format json -o "$work/t.jsonl" -- sh -c "$prog >/dev/null; cat /nonexistent/x 2>/dev/null; true"
(cd "$work" && "$build/renacer-exporter" -q --otlp-file "$work/t.otlp.jsonl" -o /dev/null -- "$prog" >/dev/null) || :

check() {	# trace, name, processes expected
	"$src/tools/renacer-report" "$1" -o "$work/$2.html" >/dev/null
	calls=$(grep -c '"syscall":' "$1" || true)
	[ "$2" = report-otlp ] && calls=$(python3 -c "
import json,sys
n=0
for l in open(sys.argv[1]):
    for rs in json.loads(l).get('resourceSpans',[]):
        for ss in rs['scopeSpans']:
            for s in ss['spans']:
                n += any(a['key'].endswith('syscall.name') for a in s.get('attributes',[]))
print(n)" "$1")
	# no profile of the user's, no network, no GPU; root needs --no-sandbox
	flags="--headless --no-sandbox --disable-gpu --no-first-run --user-data-dir=$work/profile"
	timeout 120 "$chromium" $flags --enable-logging=stderr --v=0 --virtual-time-budget=5000 \
		--dump-dom "file://$work/$2.html" >"$work/$2.dom" 2>"$work/$2.log" ||
		{ tail -20 "$work/$2.log"; fail "$2: chromium --dump-dom"; }
	grep -q 'data-rendered="1"' "$work/$2.dom" || { tail -20 "$work/$2.log"; fail "$2: the page did not finish rendering"; }
	if grep -i 'uncaught\|console.*error' "$work/$2.log"; then fail "$2: script error in the console"; fi
	grep -q '<div id="errors"></div>' "$work/$2.dom" || fail "$2: the page reported an error"
	grep -q "<span id=\"nprocs\">$3</span>" "$work/$2.dom" || fail "$2: not $3 processes: $(grep -o '<span id="nprocs">[^<]*' "$work/$2.dom")"
	grep -q "<span id=\"ncalls\">$calls</span>" "$work/$2.dom" || fail "$2: not $calls calls: $(grep -o '<span id="ncalls">[^<]*' "$work/$2.dom")"
	timeout 120 "$chromium" $flags --virtual-time-budget=5000 --window-size=1280,1400 \
		--screenshot="$art/$2.png" "file://$work/$2.html" >/dev/null 2>&1 || fail "$2: screenshot"
	[ -s "$art/$2.png" ] || fail "$2: empty screenshot"
	echo "$2: $3 processes, $calls calls, screenshot $art/$2.png"
}
# sh, the three levels of forkexec3, cat
check "$work/t.jsonl" report 5
check "$work/t.otlp.jsonl" report-otlp 3
echo "report test passed"
