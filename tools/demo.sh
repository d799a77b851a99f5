#!/bin/sh
# `make demo`: start the demo target, trace search() in it for a few seconds,
# end with the summary. Only the demo's own PID is ever signalled.
set -eu
OUT=${OUT:-build}
SECS=${DEMO_SECONDS:-4}

# Each target prints its PID once it runs; a file left by an earlier run must
# not pass for that, so the wait is for this process's own PID.
rm -f "$OUT/demo.pid" "$OUT/demo-py.pid"
"$OUT/demo-search" >"$OUT/demo.pid" &
demo=$!
trap 'kill "$demo" 2>/dev/null || true' EXIT INT TERM
# Wait until the target runs its main() before tracing it.
i=0
while [ "$(cat "$OUT/demo.pid" 2>/dev/null)" != "$demo" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

echo "demo: tracing search() in process $demo for $SECS s:"
echo "      $OUT/wrapmon-trace -p $demo -f search -d $SECS"
echo
"$OUT/wrapmon-trace" -p "$demo" -f search -d "$SECS"

# The seed's monitor, from outside: re.search in a running Python program.
python3 tools/demo-research.py >"$OUT/demo-py.pid" &
py=$!
trap 'kill "$demo" "$py" 2>/dev/null || true' EXIT INT TERM
i=0
while [ "$(cat "$OUT/demo-py.pid" 2>/dev/null)" != "$py" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo
echo "demo: tracing re.search in Python process $py for $SECS s:"
echo "      $OUT/wrapmon-trace -p $py -f re.search -d $SECS"
echo
"$OUT/wrapmon-trace" -p "$py" -f re.search -d "$SECS"
