# lib.sh -- helpers for end-to-end tests: start real emccd nodes on loopback, drive them with
# curl and the emcc CLI, and stop them whatever happens. Sourced by each tests/e2e/*.sh.
set -euo pipefail

: "${EMCCD:?EMCCD must point at the emccd binary}"
: "${EMCC:?EMCC must point at the emcc binary}"

E2E_TMP=$(mktemp -d /tmp/emcc-e2e.XXXXXX)
E2E_PIDS=()
E2E_FAILS=0
E2E_PASSES=0

e2e_cleanup() {
	local pid
	for pid in "${E2E_PIDS[@]:-}"; do
		[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${E2E_PIDS[@]:-}"; do
		[ -n "$pid" ] && wait "$pid" 2>/dev/null || true
	done
	if [ "${E2E_KEEP:-0}" = 1 ] || [ "$E2E_FAILS" -ne 0 ]; then
		echo "e2e: files kept in $E2E_TMP" >&2
		# Show the logs of a failing run: they are the first thing to read.
		if [ "$E2E_FAILS" -ne 0 ]; then
			tail -n 30 "$E2E_TMP"/*/log/*.log 2>/dev/null | sed 's/^/    /' >&2 || true
		fi
	else
		rm -rf "$E2E_TMP"
	fi
}
trap e2e_cleanup EXIT

# node_config NAME ADDR [extra ini lines...]: writes $E2E_TMP/NAME/emccd.ini
node_config() {
	local name=$1 addr=$2
	shift 2
	mkdir -p "$E2E_TMP/$name"
	{
		echo "[cluster]"
		echo "id = $name"
		echo "node_address = $addr"
		echo "[server]"
		echo "http = $addr:${HTTP_PORT:-8080}"
		echo "https = $addr:${HTTPS_PORT:-8443}"
		echo "data_dir = $E2E_TMP/$name"
		echo "workers = ${WORKERS:-2}"
		echo "[log]"
		echo "level = debug"
		local line
		for line in "$@"; do echo "$line"; done
	} >"$E2E_TMP/$name/emccd.ini"
}

# node_start NAME: starts emccd on the config written by node_config; waits until it answers.
node_start() {
	local name=$1 dir="$E2E_TMP/$1"
	# EMCCD_ENV adds NAME=VALUE words to the daemon's environment (e.g. libfaketime); env execs,
	# so $! is the daemon itself and signals reach it. Word-split on purpose.
	# shellcheck disable=SC2086
	env ${EMCCD_ENV:-} "$EMCCD" -c "$dir/emccd.ini" >>"$dir/stdout.log" 2>&1 &
	local pid=$!
	E2E_PIDS+=("$pid")
	echo "$pid" >"$dir/pid"
	local i
	for i in $(seq 1 200); do
		if [ -S "$dir/admin.sock" ] && EMCC_SOCKET="$dir/admin.sock" "$EMCC" status >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "emccd $name exited at start:" >&2
			cat "$dir/stdout.log" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "emccd $name did not come up" >&2
	return 1
}

node_pid() { cat "$E2E_TMP/$1/pid"; }

node_stop() {
	local pid
	pid=$(node_pid "$1")
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

node_kill9() {
	local pid
	pid=$(node_pid "$1")
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# cli NAME args...: the emcc CLI against node NAME's admin socket.
cli() {
	local name=$1
	shift
	EMCC_SOCKET="$E2E_TMP/$name/admin.sock" "$EMCC" "$@"
}

# em_post URL XML: posts an EM API document as form field xml; prints the body.
em_post() {
	curl -sS --max-time 10 --data-urlencode "xml=$2" "$1"
}

# expect_eq WHAT EXPECTED ACTUAL
expect_eq() {
	if [ "$2" == "$3" ]; then
		E2E_PASSES=$((E2E_PASSES + 1))
		echo "ok - $1"
	else
		E2E_FAILS=$((E2E_FAILS + 1))
		echo "not ok - $1"
		echo "    expected: $2"
		echo "    actual:   $3"
	fi
}

# expect_match WHAT REGEX ACTUAL
expect_match() {
	if [[ "$3" =~ $2 ]]; then
		E2E_PASSES=$((E2E_PASSES + 1))
		echo "ok - $1"
	else
		E2E_FAILS=$((E2E_FAILS + 1))
		echo "not ok - $1"
		echo "    expected to match: $2"
		echo "    actual:            $3"
	fi
}

e2e_done() {
	echo "$E2E_PASSES passed, $E2E_FAILS failed"
	[ "$E2E_FAILS" -eq 0 ]
}

# The seed lab on one cluster: app user, user adgjm with profile test_emcc_udp, the 7821 phone.
load_seed_lab() {
	local n=$1
	cli "$n" appuser add CCMSysUser --password 'Sys-Secret-1' --proxy-rights >/dev/null
	cli "$n" profile add test_emcc_udp --model 7821 --description "adgjm EMCC profile" \
		--line 1:2001:adgjm >/dev/null
	cli "$n" user add adgjm --name "Adgjm User" --pin 12345 --password 'Adgjm-Pass-1' \
		--extension 2001 --emcc >/dev/null
	cli "$n" user profile add adgjm test_emcc_udp --default >/dev/null
	cli "$n" device add SEPC80084AA8743 --model 7821 --description "lab 7821" \
		--line 1:1000:visitor >/dev/null
}

# ---- EMCC: two or more clusters (used by the emcc_*.sh tests) ----

# emcc_trust A B: node A trusts cluster B (imports B's exported bundle under B's id, which is
# its node name). Node names are cluster ids in these tests.
emcc_trust() {
	local f="$E2E_TMP/$2.bundle"
	[ -s "$f" ] || cli "$2" trust export "$f" >/dev/null
	cli "$1" cluster add "$2" "$(sed -n 's/^address: //p' "$f")" --bundle "$f" >/dev/null
}

# emcc_pair A B: A and B trust each other.
emcc_pair() {
	emcc_trust "$1" "$2"
	emcc_trust "$2" "$1"
}

# emcc_text_page TEXT: the EMApp's Cisco IP Phone text page with TEXT (the answer to a login).
emcc_text_page() {
	echo "<CiscoIPPhoneText><Title>Extension Mobility</Title><Text>$1</Text><SoftKeyItem><Name>Exit</Name><URL>SoftKey:Exit</URL><Position>1</Position></SoftKeyItem></CiscoIPPhoneText>"
}

# e2e_wait_for WHAT CMD REGEX: polls CMD (eval'd) until its output matches REGEX, then asserts
# it; the assertion is on the state reached, never on how long it took.
e2e_wait_for() {
	local what=$1 cmd=$2 re=$3 out i
	for i in $(seq 1 150); do
		out=$(eval "$cmd" 2>&1 || true)
		[[ "$out" =~ $re ]] && break
		sleep 0.1
	done
	expect_match "$what" "$re" "$out"
}

# faketime_env OFFSET: EMCCD_ENV words that start the next node under libfaketime, OFFSET ahead.
faketime_env() {
	local lib
	lib=$(dpkg -L libfaketime | grep -m1 '/libfaketimeMT.so.1$')
	# ASan wants to be first in the library list; libfaketime must be preloaded: allow it.
	echo "LD_PRELOAD=$lib ASAN_OPTIONS=${ASAN_OPTIONS:-}:verify_asan_link_order=0 FAKETIME=$1"
}
