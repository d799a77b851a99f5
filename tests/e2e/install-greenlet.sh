#!/bin/sh
# The greenlet end-to-end test runs a Python program whose greenlets switch
# C stacks inside a traced call: Debian's python3-greenlet. Idempotent:
# prints nothing when it is there. Debian's own /usr/bin/python3: the one
# the package is built for, whatever python3 comes first in PATH.
set -eu

/usr/bin/python3 -c 'import greenlet' >/dev/null 2>&1 && exit 0
say() { printf 'install-greenlet: %s\n' "$*" >&2; }
[ "$(id -u)" = 0 ] || { say "python3-greenlet is missing and we are not root: run 'sudo $0'"; exit 1; }
command -v apt-get >/dev/null || { say "no apt-get: install python3-greenlet by hand"; exit 1; }

say "installing python3-greenlet"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
# Another apt run on this machine may hold the lock for a while: wait for it.
if ! { apt-get install -y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 \
	--no-install-recommends python3-greenlet ||
	{ apt-get update -q -o DPkg::Lock::Timeout=300 &&
	  apt-get install -y -q -o Dpkg::Use-Pty=0 -o DPkg::Lock::Timeout=300 \
		--no-install-recommends python3-greenlet; }; } >"$log" 2>&1; then
	cat "$log" >&2
	rm -f "$log"
	say "error: could not install python3-greenlet"
	exit 1
fi
rm -f "$log"
/usr/bin//usr/bin/python3 -c 'import greenlet' >/dev/null 2>&1 || { say "error: /usr/bin/python3 cannot import greenlet after installing"; exit 1; }
say "done"
