#!/usr/bin/env bash
# run.sh -- benchmarks: EM API login+logout throughput and latency with durable commits, against
# nginx answering the same requests with a fixed body (the cost of HTTP alone) in the same run;
# PIN versus password check rates. Prints a table; writes BUILD/bench/results.json.
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

python3 - "$BUILD" "$em" "$peer" "$pin" "$CLIENTS" <<'PY'
import json, os, sys
build, em, peer, pin, clients = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), json.loads(sys.argv[4]), sys.argv[5]
rows = [
    ("EM API login+logout pairs/s (%s clients, durable)" % clients, em["pairs_per_s"], "pairs/s", "nginx fixed answer", peer["pairs_per_s"], ">= 2000"),
    ("EM API p50 latency", em["p50_ms"], "ms", "nginx fixed answer", peer["p50_ms"], ""),
    ("EM API p99 latency", em["p99_ms"], "ms", "nginx fixed answer", peer["p99_ms"], "< 10"),
    ("EM API failed pairs", em["errors"], "pairs", "", None, "0"),
    ("PIN checks per second (keyed BLAKE2b)", pin["pin_verify_per_s"], "/s", "Argon2id check", pin["argon2id_verify_per_s"], ">= 2000"),
]
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
