#!/bin/sh
# test_package.sh BUILD_DIR: the Debian package as a user gets it: built
# with cpack, unpacked into a scratch root (what dpkg -i would install),
# its dependencies satisfiable here, and then, from that root alone:
# renacer-run -c -- ls works, the man pages open, completion is found.
set -eu
build=$1
root=$(mktemp -d /tmp/rn-pkg.XXXXXX)
trap 'rm -rf "$root"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

cd "$build"
# a private package directory: cpack runs the install step of this build
cpack -G DEB -B "$root/out" >"$root/cpack.log" 2>&1 || { cat "$root/cpack.log"; fail "cpack"; }
deb=$(ls "$root"/out/renacer_*_amd64.deb) || fail "no package in $root/out"
echo "package: $(basename "$deb")"

deps=$(dpkg-deb -f "$deb" Depends)
# OTLP bodies: gzip by libdeflate, zstd (zlib is no longer linked)
for lib in libzmq5 libcurl4 libprotobuf-c1 libdeflate0 libzstd1 libc6 python3; do
	case "$deps" in *"$lib"*) ;; *) fail "Depends lacks $lib: $deps" ;; esac
done
# what dpkg -i would say about the dependencies, changing nothing
dpkg --dry-run -i "$deb" >"$root/dry.log" 2>&1 || { cat "$root/dry.log"; fail "dpkg -i --dry-run"; }

dpkg-deb -x "$deb" "$root/fs"
for f in usr/bin/renacer-run usr/bin/renacer-exporter usr/bin/renacer-ctl usr/bin/renacer-report \
	usr/lib/renacer/librenacer.so usr/share/man/man1/renacer-run.1.gz \
	usr/share/man/man8/renacer-exporter.8.gz usr/share/man/man1/renacer-ctl.1.gz \
	usr/share/bash-completion/completions/renacer-run usr/share/doc/renacer/LICENSE \
	usr/lib/systemd/system/renacer.service; do
	[ -e "$root/fs/$f" ] || fail "$f not in the package"
done

# the unit runs the packaged exporter
grep -q '^ExecStart=/usr/bin/renacer-exporter --daemon' "$root/fs/usr/lib/systemd/system/renacer.service" ||
	fail "renacer.service: $(grep ExecStart "$root/fs/usr/lib/systemd/system/renacer.service")"

# the installed renacer-run finds its exporter and library beside itself
out=$(cd "$root" && "$root/fs/usr/bin/renacer-run" -c -o "$root/summary" -- ls / 2>&1) ||
	fail "renacer-run -c -- ls: $out"
grep -q '^100.00 .* total$' "$root/summary" || { cat "$root/summary"; fail "no summary total"; }
grep -q ' openat$\| getdents64$\| close$' "$root/summary" || { cat "$root/summary"; fail "no calls counted"; }
echo "renacer-run -c -- ls: $(grep ' total$' "$root/summary")"

# the man pages render and carry the options the programs take
MANWIDTH=100 man -l "$root/fs/usr/share/man/man1/renacer-run.1.gz" >"$root/man.txt" 2>&1 ||
	fail "man -l renacer-run.1"
grep -q -- '--otlp-endpoint' "$root/man.txt" || fail "renacer-run(1) lacks --otlp-endpoint"
MANWIDTH=100 man -l "$root/fs/usr/share/man/man1/renacer-ctl.1.gz" | grep -q 'tail' ||
	fail "renacer-ctl(1) lacks tail"

# bash finds the completion and it offers the programs' own options
words=$(bash -c ". '$root/fs/usr/share/bash-completion/completions/renacer-run'
	_renacer_opts '$root/fs/usr/bin/renacer-exporter'")
case "$words" in *--otlp-endpoint*) ;; *) fail "completion offers: $words" ;; esac
echo "package test passed"
