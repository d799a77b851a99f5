#!/bin/sh
# Install the other tracers and the plotter `make bench` compares against,
# from the distribution's own packages. Idempotent: when everything is
# present it prints nothing. A package that cannot be installed is not fatal:
# the harness reports that contender as missing.
set -u

PKGS="bpftrace ltrace gnuplot-nox"

say() { printf 'install-bench-deps: %s\n' "$*" >&2; }

missing_pkgs() {
	for p in $PKGS; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
			printf '%s ' "$p"
	done
}

missing=$(missing_pkgs)
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
	say "not installing $missing(needs root and apt-get): those contenders will show as missing"
	exit 0
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
say "installing $missing"
# One package at a time, so that one that is unavailable does not keep the others out.
apt-get update -q >"$log" 2>&1 || { cat "$log" >&2; say "apt-get update failed"; }
for p in $missing; do
	if ! apt-get install -y -q -o Dpkg::Use-Pty=0 --no-install-recommends "$p" >"$log" 2>&1; then
		tail -n 5 "$log" >&2
		say "could not install $p: it will show as missing"
	fi
done
rm -f "$log"
exit 0
