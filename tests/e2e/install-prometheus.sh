#!/bin/sh
# The metrics end-to-end test scrapes wrapmon with a real Prometheus server:
# Debian's prometheus package. Idempotent: prints nothing when it is there.
# Only the binary is used; the test starts its own server on loopback with
# its own configuration and storage, and never the system's service.
set -eu

command -v prometheus >/dev/null 2>&1 && exit 0
say() { printf 'install-prometheus: %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "prometheus is missing and we are not root: run 'sudo $0'"; exit 1; }
command -v apt-get >/dev/null || { say "no apt-get: install Prometheus (2.x) by hand"; exit 1; }

say "installing prometheus"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
# Another apt run on this machine may hold the lock for a while: wait for it.
if ! { apt-get install -y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 \
	--no-install-recommends prometheus ||
	{ apt-get update -q -o DPkg::Lock::Timeout=300 &&
	  apt-get install -y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 \
		--no-install-recommends prometheus; }; } >"$log" 2>&1; then
	cat "$log" >&2
	rm -f "$log"
	say "error: could not install prometheus"
	exit 1
fi
rm -f "$log"
command -v prometheus >/dev/null 2>&1 || { say "error: no prometheus binary after installing"; exit 1; }
say "done ($(prometheus --version 2>&1 | head -n1))"
