#!/bin/sh
# The Go end-to-end test builds a small Go program with Debian's golang-go.
# Idempotent: prints nothing when go is there.
set -eu

command -v go >/dev/null 2>&1 && exit 0
[ -x /usr/lib/go/bin/go ] && exit 0
say() { printf 'install-go: %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "go is missing and we are not root: run 'sudo $0'"; exit 1; }
command -v apt-get >/dev/null || { say "no apt-get: install Go by hand"; exit 1; }

say "installing golang-go"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
# Another apt run on this machine may hold the lock for a while: wait for it.
if ! { apt-get install -y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 \
	--no-install-recommends golang-go ||
	{ apt-get update -q -o DPkg::Lock::Timeout=300 &&
	  apt-get install -y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 \
		--no-install-recommends golang-go; }; } >"$log" 2>&1; then
	cat "$log" >&2
	rm -f "$log"
	say "error: could not install golang-go"
	exit 1
fi
rm -f "$log"
command -v go >/dev/null 2>&1 || { say "error: no go binary after installing"; exit 1; }
say "done ($(go version))"
