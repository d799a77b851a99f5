#!/bin/sh
# End-to-end tests: real targets, the real binary, real BPF. Needs root.
# Arguments go to run.py: -k NAME (a part of a test's name), --area AREA
# (one file, tests/e2e/test_AREA.py), --list.
set -eu
OUT=${OUT:-build}
if [ "$(id -u)" != 0 ]; then
	echo "test-e2e: the end-to-end tests load BPF programs: run them as root (sudo make check)" >&2
	exit 1
fi
# The metrics test scrapes wrapmon with a real Prometheus server.
sh tests/e2e/install-prometheus.sh
# The Go test builds its target with Debian's golang-go.
sh tests/e2e/install-go.sh
# The returns tests build a Rust target and run a greenlet program.
sh tests/e2e/install-rustc.sh
sh tests/e2e/install-greenlet.sh
# The launch tests start the sqlite3 shell with SQL on its command line.
sh tests/e2e/install-pkg.sh sqlite3 'command -v sqlite3' 'the sqlite3 shell'
exec python3 tests/e2e/run.py --out "$OUT" "$@"
