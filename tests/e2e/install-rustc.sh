#!/bin/sh
# The Rust end-to-end test builds its target with the machine's rustc (one
# file, no cargo): the one in PATH or ~/.cargo/bin, else Debian's rustc.
# Idempotent: prints nothing when there is one.
set -eu

command -v rustc >/dev/null 2>&1 && exit 0
[ -x "$HOME/.cargo/bin/rustc" ] && exit 0
say() { printf 'install-rustc: %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "rustc is missing and we are not root: run 'sudo $0'"; exit 1; }
command -v apt-get >/dev/null || { say "no apt-get: install rustc by hand"; exit 1; }

say "installing rustc"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
# Another apt run on this machine may hold the lock for a while: wait for it.
if ! { apt-get install -y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 \
	--no-install-recommends rustc ||
	{ apt-get update -q -o DPkg::Lock::Timeout=300 &&
	  apt-get install -y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 \
		--no-install-recommends rustc; }; } >"$log" 2>&1; then
	cat "$log" >&2
	rm -f "$log"
	say "error: could not install rustc"
	exit 1
fi
rm -f "$log"
command -v rustc >/dev/null 2>&1 || { say "error: no rustc after installing"; exit 1; }
say "done ($(rustc --version))"
