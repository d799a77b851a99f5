#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# run.sh SECONDS TARGET...: replay each target's regression inputs, then
# fuzz it for SECONDS. Executions are appended to $OUT/fuzz/stats.tsv so
# the totals in docs/RELIABILITY.md can be brought up to date.
set -u
OUT=${OUT:-build}
secs=$1
shift
F=$OUT/fuzz
mkdir -p "$F/artifacts"
fail=0
for t in "$@"; do
	bin=$F/fuzz_$t
	work=$F/corpus/$t
	mkdir -p "$work"
	seeds=""
	[ -d "tests/fuzz/corpus/$t" ] && seeds="tests/fuzz/corpus/$t"
	case $t in elf|dwarf) seeds="$seeds $F/seeds" ;; esac
	dict=""
	[ -f "tests/fuzz/$t.dict" ] && dict="-dict=tests/fuzz/$t.dict"

	# Every input that once crashed a target must keep passing.
	if [ -d "tests/fuzz/regress/$t" ] && [ -n "$(ls "tests/fuzz/regress/$t")" ]; then
		if ! "$bin" tests/fuzz/regress/"$t"/* >"$F/$t.regress.log" 2>&1; then
			echo "fuzz $t: a regression input fails again; see $F/$t.regress.log" >&2
			tail -n 30 "$F/$t.regress.log" >&2
			fail=1
			continue
		fi
	fi

	# shellcheck disable=SC2086
	if "$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 $dict \
		-artifact_prefix="$F/artifacts/$t-" "$work" $seeds >"$F/$t.log" 2>&1; then
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$F/$t.log" | tail -n 1)
		printf '  %-8s %s: %s runs in %s s, corpus %s\n' FUZZ "$t" "${runs:-?}" "$secs" \
			"$(ls "$work" | wc -l)"
		printf '%s\t%s\t%s\t%s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$t" "$secs" \
			"${runs:-0}" >>"$F/stats.tsv"
	else
		echo "fuzz $t: FAILED; the input is in $F/artifacts/$t-*, the log in $F/$t.log" >&2
		grep -A 30 -m 1 'ERROR\|runtime error\|deadly signal\|timeout' "$F/$t.log" >&2
		fail=1
	fi
done
exit $fail
