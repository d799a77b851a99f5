#!/bin/sh
# Install one Debian package an end-to-end test needs, unless CHECK (a shell
# command) already succeeds. Idempotent: prints nothing when it does.
#   sh tests/e2e/install-pkg.sh PACKAGE 'CHECK' [WHAT]
# Another apt run on this machine may hold the lock: wait for it, and update
# the package lists once if the package is not found in them.
set -eu

pkg=$1 check=$2 what=${3:-$1}
sh -c "$check" >/dev/null 2>&1 && exit 0
say() { printf 'install-%s: %s\n' "$pkg" "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "$what is missing and we are not root: run 'sudo $0 $*'"; exit 1; }
command -v apt-get >/dev/null || { say "no apt-get: install $what by hand"; exit 1; }

say "installing $pkg"
export DEBIAN_FRONTEND=noninteractive
opts="-y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 --no-install-recommends"
log=$(mktemp)
# shellcheck disable=SC2086
if ! { apt-get install $opts "$pkg" ||
	{ apt-get update -q -o DPkg::Lock::Timeout=300 && apt-get install $opts "$pkg"; }; } \
	>"$log" 2>&1; then
	cat "$log" >&2
	rm -f "$log"
	say "error: could not install $pkg"
	exit 1
fi
rm -f "$log"
sh -c "$check" >/dev/null 2>&1 || { say "error: $what still missing after installing $pkg"; exit 1; }
say "done"
