#!/usr/bin/env bash
# run.sh -- runs every libFuzzer target for SECONDS each, on a corpus kept under build-fuzz/.
# usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -euo pipefail
BUILD=${1:-build-fuzz}
SECS=${2:-30}
status=0
for t in fuzz_emapi fuzz_form fuzz_csv fuzz_config fuzz_phonexml fuzz_cnf fuzz_emccmsg; do
	corpus="$BUILD/corpus/$t"
	mkdir -p "$corpus"
	echo "== $t ($SECS s)"
	if ! "$BUILD/tests/fuzz/$t" -max_total_time="$SECS" -print_final_stats=1 "$corpus" 2>"$BUILD/$t.log"; then
		echo "$t FAILED: see $BUILD/$t.log"
		status=1
	fi
	grep -E 'stat::number_of_executed_units|cov:' "$BUILD/$t.log" | tail -2
done
exit $status
