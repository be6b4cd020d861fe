#!/usr/bin/env bash
# run.sh -- benchmarks: EM API login+logout throughput and latency with durable commits, against
# nginx answering the same requests with a fixed body (the cost of HTTP alone) in the same run;
# PIN versus password check rates; SIP REGISTER rate against Kamailio's registrar; EMCC logins
# between two clusters against local logins, and the home lookup over 1, 10 and 50 remote clusters;
# provisioning fetches over TFTP against tftpd-hpa and over HTTP 6970 against nginx (bench/prov.sh).
# Prints a table; writes BUILD/bench/results.json.
set -euo pipefail
BUILD=${1:-build}
CLIENTS=${BENCH_CLIENTS:-16}
SECONDS_PER_RUN=${BENCH_SECONDS:-10}
EMCCD="$BUILD/src/daemon/emccd"
EMCC="$BUILD/src/cli/emcc"
EMLOAD="$BUILD/bench/emload"
ADDR=127.0.8.1
PEER=127.0.8.2
DIR=$(mktemp -d /tmp/emcc-bench.XXXXXX)
export EMCC_SOCKET="$DIR/admin.sock"
PIDS=()
cleanup() {
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT

cat >"$DIR/emccd.ini" <<INI
[cluster]
id = BenchCluster
node_address = $ADDR
[server]
http = $ADDR:8080
https =
data_dir = $DIR
workers = 4
[log]
level = info
[parameters]
max_concurrent_requests = 256
INI
"$EMCCD" -c "$DIR/emccd.ini" &
PIDS+=($!)
for _ in $(seq 1 100); do "$EMCC" status >/dev/null 2>&1 && break; sleep 0.05; done

# One user, profile and phone per client, loaded through the bulk import.
"$EMCC" appuser add CCMSysUser --password Bench-Pass-1 --proxy-rights >/dev/null
{
	echo "name,model"
	for i in $(seq 0 $((CLIENTS - 1))); do echo "bench_udp$i,7821"; done
} >"$DIR/profiles.csv"
{
	echo "id,pin,profiles"
	for i in $(seq 0 $((CLIENTS - 1))); do echo "bench$i,1234,bench_udp$i"; done
} >"$DIR/users.csv"
{
	echo "name,model"
	for i in $(seq 0 $((CLIENTS - 1))); do printf 'SEP%012X,7821\n' $((0xBE0000 + i)); done
} >"$DIR/devices.csv"
"$EMCC" profile import "$DIR/profiles.csv" >/dev/null
"$EMCC" user import "$DIR/users.csv" >/dev/null
"$EMCC" device import "$DIR/devices.csv" >/dev/null

# Warm up (fills the credential cache, as a running integration would), then measure.
"$EMLOAD" $ADDR 8080 /emservice/EMServiceServlet "$CLIENTS" 1 pairs >/dev/null
em=$("$EMLOAD" $ADDR 8080 /emservice/EMServiceServlet "$CLIENTS" "$SECONDS_PER_RUN" pairs)

# The peer: nginx answering every POST with the success body, same clients, same requests.
mkdir -p "$DIR/nginx/logs"
cat >"$DIR/nginx/nginx.conf" <<NGINX
worker_processes 2;
error_log $DIR/nginx/logs/error.log;
pid $DIR/nginx/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $DIR/nginx;
	server {
		listen $PEER:8080;
		location / { default_type text/xml; return 200 '<response><success/></response>'; }
	}
}
NGINX
nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
sleep 0.5
peer=$("$EMLOAD" $PEER 8080 /emservice/EMServiceServlet "$CLIENTS" "$SECONDS_PER_RUN" static)

pin=$("$BUILD/bench/pin_bench")

# ---- SIP: REGISTER rate of emccd's registrar (its SIP follows the HTTP host: $ADDR:5060) against
# Kamailio's registrar + usrloc in memory (bench/sip/kamailio.cfg), the same sipp scenario (a 7821's
# REGISTER, a new phone per call) and load, one after the other. One SIP worker each: emccd runs
# one SIP thread, Kamailio gets children=1 (BENCH_KAMAILIO_CHILDREN to change). Bounded: sipp -m
# count, -timeout; Kamailio is stopped right after its run.
HERE=$(cd "$(dirname "$0")" && pwd)
SIP_CALLS=${BENCH_SIP_CALLS:-50000}
SIP_INFLIGHT=${BENCH_SIP_INFLIGHT:-100}
KAM_CHILDREN=${BENCH_KAMAILIO_CHILDREN:-1}
KAM=127.0.8.3
SIPP_ADDR=127.0.8.4

# cpu_ticks PID...: user+system clock ticks of the processes (all their threads).
cpu_ticks() {
	local t=0 p f
	for p in "$@"; do
		read -r -a f <<<"$(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null || echo '0 0')"
		t=$((t + f[0] + f[1]))
	done
	echo "$t"
}

# sip_rate TARGET PID...: one sipp REGISTER run against TARGET:5060; prints JSON.
sip_rate() {
	local target=$1 csv="$DIR/sipp-$1.csv" c0 c1 t0 t1
	shift
	rm -f "$csv"
	c0=$(cpu_ticks "$@")
	t0=$(date +%s.%N)
	(cd "$DIR" && timeout 300 sipp "$target:5060" -sf "$HERE/sip/register.xml" -t u1 \
		-i "$SIPP_ADDR" -p 5090 -m "$SIP_CALLS" -r 1000000 -l "$SIP_INFLIGHT" -timeout 240s \
		-nostdin -trace_stat -stf "$csv" -fd 3600 >/dev/null 2>&1) || true
	t1=$(date +%s.%N)
	c1=$(cpu_ticks "$@")
	python3 - "$csv" "$t0" "$t1" "$c0" "$c1" "$(getconf CLK_TCK)" <<'PY'
import csv, json, sys
path, t0, t1 = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
c0, c1, hz = int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
try:
    rows = list(csv.reader(open(path), delimiter=';'))
    h, last = rows[0], rows[-1]
    ok = int(last[h.index('SuccessfulCall(C)')])
    failed = int(last[h.index('FailedCall(C)')])
    retrans = int(last[h.index('Retransmissions(C)')])
except (OSError, IndexError, ValueError):
    ok, failed, retrans = 0, -1, 0
el = t1 - t0
print(json.dumps({"per_s": ok / el if el > 0 else 0.0, "ok": ok, "failed": failed,
                  "retrans": retrans, "cpu_us": (c1 - c0) * 1e6 / hz / ok if ok else None}))
PY
}

# udp_bound ADDR PORT: something listens there (from /proc, no extra tools).
udp_bound() {
	local hex
	hex=$(printf '%02X%02X%02X%02X:%04X' $(echo "$1" | awk -F. '{print $4, $3, $2, $1}') "$2")
	grep -q " $hex " /proc/net/udp
}

sip_em='{}'
sip_kam='{}'
if command -v sipp >/dev/null && command -v kamailio >/dev/null; then
	sip_em=$(sip_rate "$ADDR" "${PIDS[0]}")
	kamailio -f "$HERE/sip/kamailio.cfg" -A "LISTEN=udp:$KAM:5060" -A "CHILDREN=$KAM_CHILDREN" \
		-DD -E -m 256 -M 16 -P "$DIR/kamailio.pid" >"$DIR/kamailio.log" 2>&1 &
	KAM_PID=$!
	PIDS+=("$KAM_PID")
	for _ in $(seq 1 100); do udp_bound "$KAM" 5060 && break; sleep 0.05; done
	sleep 0.2 # its children fork after the socket is bound
	# shellcheck disable=SC2046
	sip_kam=$(sip_rate "$KAM" "$KAM_PID" $(pgrep -P "$KAM_PID"))
	kill -TERM "$KAM_PID" 2>/dev/null || true
	wait "$KAM_PID" 2>/dev/null || true
else
	echo "bench: sipp or kamailio missing (scripts/deps.sh bench installs them); SIP rows skipped" >&2
fi

# ---- EMCC: a login and logout at a visiting cluster's phone app for users of a home cluster, two
# real nodes with mutual TLS set up through the CLI (bench/emload phone-emcc: the guide's GET forms,
# each client its own phone and user, keep-alive). The peer, in the same run: the same load as
# local (non-EMCC) logins on the visiting cluster. Then the home lookup (emcc cluster lookup) over
# 1, 10 and 50 remote clusters, the user on the last one, with the time the node reports.
EMCC_CLIENTS=${BENCH_EMCC_CLIENTS:-4}
EMCC_SECONDS=${BENCH_EMCC_SECONDS:-5}
LOOKUP_RUNS=${BENCH_LOOKUP_RUNS:-50}
EV=127.0.14.1   # BenchVisit (the phones)
EH=127.0.14.2   # BenchHome (the users)
LA=127.0.14.10  # LookAsk; its remotes LookR01.. on 127.0.14.11..
ecli() { local n=$1; shift; EMCC_SOCKET="$DIR/$n/admin.sock" "$EMCC" "$@"; }
# enode NAME ADDR WORKERS HTTP [ini lines]: starts a node with HTTPS, no SIP, no TFTP.
enode() {
	local n=$1 a=$2 w=$3 http=$4 l
	shift 4
	mkdir -p "$DIR/$n"
	{
		printf '[cluster]\nid = %s\nnode_address = %s\n[server]\nhttp = %s\nhttps = %s:8443\n' \
			"$n" "$a" "$http" "$a"
		printf 'tftp_http =\ntftp_https =\ntftp =\ndata_dir = %s\nworkers = %s\n[sip]\nudp =\ntcp =\n[log]\nlevel = info\n' \
			"$DIR/$n" "$w"
		for l in "$@"; do echo "$l"; done
	} >"$DIR/$n/emccd.ini"
	"$EMCCD" -c "$DIR/$n/emccd.ini" >"$DIR/$n/stdout.log" 2>&1 &
	PIDS+=($!)
	echo $! >"$DIR/$n/pid"
}
enode_wait() {
	for _ in $(seq 1 400); do ecli "$1" status >/dev/null 2>&1 && return 0; sleep 0.05; done
	echo "bench: node $1 did not start" >&2
	cat "$DIR/$1/stdout.log" >&2
	return 1
}
# enode_stop NAME...: SIGTERM by PID, then wait for each.
enode_stop() {
	local n p i
	for n in "$@"; do kill -TERM "$(cat "$DIR/$n/pid")" 2>/dev/null || true; done
	for n in "$@"; do
		p=$(cat "$DIR/$n/pid")
		wait "$p" 2>/dev/null || true
		# gone: cleanup must not signal whatever gets this PID next
		for i in "${!PIDS[@]}"; do [ "${PIDS[$i]}" = "$p" ] && unset 'PIDS[i]'; done
	done
}

enode BenchVisit $EV 4 "$EV:8080" "[parameters]" "max_concurrent_requests = 256"
enode BenchHome $EH 4 "" "[parameters]" "max_concurrent_requests = 256" "max_emcc_devices = 10000" \
	"inter_cluster_max_login_time = 10:00"
enode_wait BenchVisit
enode_wait BenchHome
ecli BenchVisit trust export "$DIR/visit.bundle" >/dev/null
ecli BenchHome trust export "$DIR/home.bundle" >/dev/null
ecli BenchVisit cluster add BenchHome $EH:8443 --bundle "$DIR/home.bundle" >/dev/null
ecli BenchHome cluster add BenchVisit $EV:8443 --bundle "$DIR/visit.bundle" >/dev/null
{
	echo "name,model"
	for i in $(seq 0 $((EMCC_CLIENTS - 1))); do echo "bench_udp$i,7821"; done
} >"$DIR/emcc-profiles.csv"
{
	echo "id,pin,profiles,emcc_enabled"
	for i in $(seq 0 $((EMCC_CLIENTS - 1))); do echo "bench$i,1234,bench_udp$i,true"; done
} >"$DIR/emcc-users.csv"
{
	echo "id,pin,profiles"
	for i in $(seq 0 $((EMCC_CLIENTS - 1))); do echo "local$i,1234,bench_udp$i"; done
} >"$DIR/emcc-local.csv"
{
	echo "name,model,emcc_enabled"
	for i in $(seq 0 $((EMCC_CLIENTS - 1))); do printf 'SEP%012X,7821,true\n' $((0xBE0000 + i)); done
} >"$DIR/emcc-devices.csv"
ecli BenchHome profile import "$DIR/emcc-profiles.csv" >/dev/null
ecli BenchHome user import "$DIR/emcc-users.csv" >/dev/null
ecli BenchVisit profile import "$DIR/emcc-profiles.csv" >/dev/null
ecli BenchVisit user import "$DIR/emcc-local.csv" >/dev/null
ecli BenchVisit device import "$DIR/emcc-devices.csv" >/dev/null
# Warm up (TLS connections between the clusters, the home cache, the PIN keys), then measure.
"$EMLOAD" $EV 8080 /emapp/EMAppServlet "$EMCC_CLIENTS" 1 phone-emcc >/dev/null || true
"$EMLOAD" $EV 8080 /emapp/EMAppServlet "$EMCC_CLIENTS" 1 phone local 1234 >/dev/null || true
emcc_run=$("$EMLOAD" $EV 8080 /emapp/EMAppServlet "$EMCC_CLIENTS" "$EMCC_SECONDS" phone-emcc || true)
emcc_local=$("$EMLOAD" $EV 8080 /emapp/EMAppServlet "$EMCC_CLIENTS" "$EMCC_SECONDS" phone local 1234 || true)
enode_stop BenchVisit BenchHome

# The lookup: LookAsk and 50 remote clusters, one worker each, HTTPS only. Trust both ways
# through the CLI; the user lives on LookR50 only. Clusters are added in three steps (LookR50;
# LookR41..49; LookR01..40) so the same nodes serve the 1, 10 and 50 cluster runs.
NREMOTE=50
rname() { printf 'LookR%02d\n' "$1"; }
enode LookAsk $LA 1 "" "[parameters]" "emcc_request_timeout_ms = 3000"
for i in $(seq 1 $NREMOTE); do enode "$(rname "$i")" "127.0.14.$((10 + i))" 1 ""; done
enode_wait LookAsk
ecli LookAsk trust export "$DIR/ask.bundle" >/dev/null
for i in $(seq 1 $NREMOTE); do
	n=$(rname "$i")
	enode_wait "$n"
	ecli "$n" trust export "$DIR/$n.bundle" >/dev/null
	ecli "$n" cluster add LookAsk $LA:8443 --bundle "$DIR/ask.bundle" >/dev/null
done
ecli "$(rname $NREMOTE)" user add lookupuser --pin 1234 --emcc >/dev/null
# lookup_run: LOOKUP_RUNS lookups after one cold one; prints JSON (median, p99, cold, answers).
lookup_run() {
	local i out=()
	for i in $(seq 0 "$LOOKUP_RUNS"); do out+=("$(ecli LookAsk cluster lookup lookupuser --json | tr -d "\n")"); done
	printf '%s\n' "${out[@]}" | python3 -c '
import json, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
cold, warm = rows[0], rows[1:]
t = sorted(r["total_ms"] for r in warm)
bad = sum(1 for r in warm if r["home"] != "'"$(rname $NREMOTE)"'" or
          any(c["answer"] == "error" for c in r["clusters"]))
print(json.dumps({"clusters": len(cold["clusters"]), "median_ms": t[len(t) // 2],
                  "p99_ms": t[min(len(t) - 1, int(len(t) * 0.99))], "cold_ms": cold["total_ms"],
                  "failed": bad}))'
}
add_remotes() { # FROM TO
	local i n
	for i in $(seq "$1" "$2"); do
		n=$(rname "$i")
		ecli LookAsk cluster add "$n" "127.0.14.$((10 + i)):8443" --bundle "$DIR/$n.bundle" >/dev/null
	done
}
add_remotes $NREMOTE $NREMOTE
lookup1=$(lookup_run)
add_remotes $((NREMOTE - 9)) $((NREMOTE - 1))
lookup10=$(lookup_run)
add_remotes 1 $((NREMOTE - 10))
lookup50=$(lookup_run)
look_rss=$(for i in $(seq 1 $NREMOTE); do ps -o rss= -p "$(cat "$DIR/$(rname "$i")/pid")"; done |
	awk '{s += $1} END {printf "%.1f", s / NR / 1024}')
enode_stop LookAsk $(for i in $(seq 1 $NREMOTE); do rname "$i"; done)
lookup="{\"1\": $lookup1, \"10\": $lookup10, \"50\": $lookup50, \"rss_mb\": $look_rss}"

# ---- provisioning: TFTP against tftpd-hpa, HTTP 6970 against nginx, same bytes (bench/prov.sh) ----
prov=$(bash "$HERE/prov.sh" "$BUILD" || echo '{}')

python3 - "$BUILD" "$em" "$peer" "$pin" "$CLIENTS" "$sip_em" "$sip_kam" "$SIP_INFLIGHT" "$KAM_CHILDREN" \
	"$emcc_run" "$emcc_local" "$EMCC_CLIENTS" "$lookup" "$prov" <<'PY'
import json, os, sys
build, em, peer, pin, clients = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5]
sip_em, sip_kam, inflight, kam_children = json.loads(sys.argv[6]), json.loads(sys.argv[7]), sys.argv[8], sys.argv[9]
rows = [
    ("EM API login+logout pairs/s (%s clients, durable)" % clients, em["pairs_per_s"], "pairs/s", "nginx fixed answer", peer["pairs_per_s"], ">= 2000"),
    ("EM API p50 latency", em["p50_ms"], "ms", "nginx fixed answer", peer["p50_ms"], ""),
    ("EM API p99 latency", em["p99_ms"], "ms", "nginx fixed answer", peer["p99_ms"], "< 10"),
    ("EM API failed pairs", em["errors"], "pairs", "", None, "0"),
    ("PIN checks per second (keyed BLAKE2b)", pin["pin_verify_per_s"], "/s", "Argon2id check", pin["argon2id_verify_per_s"], ">= 2000"),
]
if sip_em:
    kam = "kamailio (%s worker)" % kam_children
    rows += [
        ("SIP REGISTER/s (UDP, %s in flight, 7821 msgs)" % inflight, sip_em["per_s"], "reg/s", kam, sip_kam.get("per_s"), ">= kamailio"),
        ("SIP CPU per REGISTER (whole process)", sip_em["cpu_us"] or 0.0, "us", kam, sip_kam.get("cpu_us"), "<= kamailio"),
        ("SIP REGISTER retransmissions (UDP loss)", sip_em["retrans"], "msgs", kam, sip_kam.get("retrans"), ""),
        ("SIP REGISTER failed", sip_em["failed"], "reg", kam, sip_kam.get("failed"), "0"),
    ]
emcc_run = json.loads(sys.argv[10]) if sys.argv[10].strip() else {}
emcc_local = json.loads(sys.argv[11]) if sys.argv[11].strip() else {}
emcc_clients, lookup = sys.argv[12], json.loads(sys.argv[13])
if emcc_run:
    loc = "local EM login"
    rows += [
        ("EMCC logins/s (login+logout, %s phones, 2 clusters)" % emcc_clients, emcc_run["pairs_per_s"], "login/s", loc, emcc_local.get("pairs_per_s"), ">= 300"),
        ("EMCC login p50 (phone's GET in to answer out)", emcc_run["login_p50_ms"], "ms", loc, emcc_local.get("login_p50_ms"), "< 5"),
        ("EMCC login p99", emcc_run["login_p99_ms"], "ms", loc, emcc_local.get("login_p99_ms"), ""),
        ("EMCC logout p50 (homeLogout via the outbox)", emcc_run["logout_p50_ms"], "ms", loc, emcc_local.get("logout_p50_ms"), ""),
        ("EMCC failed logins/logouts", emcc_run["errors"], "pairs", loc, emcc_local.get("errors"), "0"),
    ]
for k in ("1", "10", "50"):
    lk = lookup.get(k)
    if lk:
        rows += [
            ("home lookup, %s remote cluster(s): median" % k, lk["median_ms"], "ms", "", None, "< 10" if k == "50" else ""),
            ("home lookup, %s remote cluster(s): p99" % k, lk["p99_ms"], "ms", "", None, ""),
            ("home lookup, %s remote cluster(s): first (TLS handshakes)" % k, lk["cold_ms"], "ms", "", None, ""),
        ]
        if lk["failed"]:
            rows.append(("home lookup, %s remote cluster(s): wrong answers" % k, lk["failed"], "runs", "", None, "0"))
prov = json.loads(sys.argv[14]) if sys.argv[14].strip() else {}
if prov.get("tftp"):
    t, h = prov["tftp"], prov["tftpd_hpa"]
    tb, hb = prov["tftp_1428"], prov["tftpd_hpa_1428"]
    what = "%s clients, %d-byte cnf" % (prov["clients"], prov["size"])
    rows += [
        ("TFTP cnf fetches/s (512-byte blocks, %s), median" % what, t["median"], "fetch/s", "tftpd-hpa", h["median"], ">= 2x tftpd-hpa"),
        ("TFTP cnf fetches/s (512-byte blocks), min of %d" % len(t["runs"]), t["min"], "fetch/s", "tftpd-hpa", h["min"], ""),
        ("TFTP cnf fetches/s (512-byte blocks), max of %d" % len(t["runs"]), t["max"], "fetch/s", "tftpd-hpa", h["max"], ""),
        ("TFTP cnf fetches/s (blksize 1428), median", tb["median"], "fetch/s", "tftpd-hpa", hb["median"], ">= 2x tftpd-hpa"),
        ("TFTP cnf fetch p50 (512-byte blocks)", t["p50_ms"], "ms", "tftpd-hpa", h["p50_ms"], ""),
        ("TFTP failed fetches", t["errors"] + tb["errors"], "fetches", "tftpd-hpa", h["errors"] + hb["errors"], "0"),
        ("HTTP 6970 cnf fetches/s (keep-alive, %s)" % what, prov["http"]["per_s"], "fetch/s", "nginx static file", prov["nginx"]["per_s"], ""),
        ("HTTP 6970 cnf fetch p99", prov["http"]["p99_ms"], "ms", "nginx static file", prov["nginx"]["p99_ms"], ""),
    ]
if lookup.get("rss_mb"):
    rows.append(("emccd RSS, small node (workers = 1, HTTPS only)", lookup["rss_mb"], "MB", "", None, ""))
print("%-52s %12s %-8s %-20s %12s %8s %s" % ("figure", "value", "unit", "peer", "peer value", "ratio", "target"))
out = []
for name, val, unit, peer_name, peer_val, target in rows:
    ratio = (val / peer_val) if peer_val else None
    print("%-52s %12.2f %-8s %-20s %12s %8s %s" % (name, val, unit, peer_name,
          "" if peer_val is None else "%.2f" % peer_val, "" if ratio is None else "%.2f" % ratio, target))
    out.append({"figure": name, "value": val, "unit": unit, "peer": peer_name, "peer_value": peer_val,
                "ratio": ratio, "target": target})
os.makedirs(os.path.join(build, "bench"), exist_ok=True)
with open(os.path.join(build, "bench", "results.json"), "w") as f:
    json.dump(out, f, indent=1)
print("\nwritten: %s" % os.path.join(build, "bench", "results.json"))
PY
