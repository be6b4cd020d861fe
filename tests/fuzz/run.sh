#!/usr/bin/env bash
# run.sh -- runs every libFuzzer target for SECONDS each, on a corpus kept under build-fuzz/
# (plus tests/fuzz/seeds/<target>/ when there is one).
# usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]
set -euo pipefail
BUILD=${1:-build-fuzz}
SECS=${2:-30}
status=0
for t in fuzz_emapi fuzz_form fuzz_csv fuzz_config fuzz_phonexml fuzz_cnf fuzz_emccmsg \
	fuzz_sipmsg fuzz_trust fuzz_xmlsafe fuzz_addr fuzz_sgn fuzz_itl fuzz_tftp; do
	corpus="$BUILD/corpus/$t"
	mkdir -p "$corpus"
	# Hand-made seeds (tests/fuzz/seeds/<target>/) get a target past its format's first checks.
	seeds=()
	[ -d "$(dirname "$0")/seeds/$t" ] && seeds=("$(dirname "$0")/seeds/$t")
	echo "== $t ($SECS s)"
	if ! "$BUILD/tests/fuzz/$t" -max_total_time="$SECS" -artifact_prefix="$BUILD/" -print_final_stats=1 "$corpus" ${seeds[@]+"${seeds[@]}"} 2>"$BUILD/$t.log"; then
		echo "$t FAILED: see $BUILD/$t.log"
		status=1
	fi
	grep -E 'stat::number_of_executed_units|cov:' "$BUILD/$t.log" | tail -2
done
exit $status
