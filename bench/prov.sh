#!/usr/bin/env bash
# prov.sh -- provisioning benchmark: SEP<MAC>.cnf.xml fetches per second from emccd over TFTP
# (UDP 69) against tftpd-hpa serving the same bytes from a directory, and over HTTP 6970 against
# nginx serving them from the same directory, in the same run, same client (bench/provload),
# same load. TFTP rounds alternate between the two servers (BENCH_PROV_ROUNDS, default 3).
# Everything on loopback: emccd on 127.0.8.21, tftpd-hpa and nginx on 127.0.8.22 (tftpd-hpa in
# the foreground as a child of this script, never a system service), clients from 127.0.8.23.
# Prints one JSON object; bench/run.sh turns it into table rows.
# usage: bench/prov.sh [BUILD]
set -euo pipefail
BUILD=${1:-build}
CLIENTS=${BENCH_PROV_CLIENTS:-16}
SECS=${BENCH_PROV_SECONDS:-5}
ROUNDS=${BENCH_PROV_ROUNDS:-3}
EMCCD="$BUILD/src/daemon/emccd"
EMCC="$BUILD/src/cli/emcc"
LOAD="$BUILD/bench/provload"
ADDR=127.0.8.21
PEER=127.0.8.22
SRC=127.0.8.23
DEV=SEP000000BE1000
DIR=$(mktemp -d /tmp/emcc-bench-prov.XXXXXX)
PIDS=()
cleanup() {
	for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$DIR"
}
trap cleanup EXIT

if ! command -v in.tftpd >/dev/null; then
	echo "bench/prov.sh: in.tftpd missing (scripts/deps.sh bench installs tftpd-hpa)" >&2
	exit 1
fi
cat >"$DIR/emccd.ini" <<INI
[cluster]
id = BenchProv
node_address = $ADDR
[server]
http = $ADDR:8080
https =
data_dir = $DIR
workers = 4
[sip]
udp =
tcp =
[log]
level = info
INI
"$EMCCD" -c "$DIR/emccd.ini" >"$DIR/stdout.log" 2>&1 &
PIDS+=($!)
export EMCC_SOCKET="$DIR/admin.sock"
for _ in $(seq 1 100); do "$EMCC" status >/dev/null 2>&1 && break; sleep 0.05; done
"$EMCC" device add $DEV --model 7821 --line 1:1000:bench --line 2:1001:bench >/dev/null

# The same bytes for the peers: what emccd serves, into a directory they serve from.
mkdir -p "$DIR/root" "$DIR/nginx/logs"
chmod 755 "$DIR" # nginx's workers read the files as an unprivileged user
curl -sS --max-time 10 -o "$DIR/root/$DEV.cnf.xml" "http://$ADDR:6970/$DEV.cnf.xml"
chmod 755 "$DIR/root"
chmod 644 "$DIR/root/$DEV.cnf.xml"
SIZE=$(stat -c %s "$DIR/root/$DEV.cnf.xml")
# tftpd-hpa as Debian ships it, in the foreground (-L), chrooted to the directory (-s).
in.tftpd -L -a "$PEER:69" -s "$DIR/root" &
PIDS+=($!)
cat >"$DIR/nginx/nginx.conf" <<NGINX
worker_processes 2;
error_log $DIR/nginx/logs/error.log;
pid $DIR/nginx/nginx.pid;
events { worker_connections 1024; }
http {
	access_log off;
	keepalive_requests 1000000;
	server {
		listen $PEER:6970;
		root $DIR/root;
		location / { default_type "*/*"; add_header Cache-Control no-store; }
	}
}
NGINX
nginx -p "$DIR/nginx" -c "$DIR/nginx/nginx.conf" -g 'daemon off;' &
PIDS+=($!)
sleep 0.5

run() { "$LOAD" "$@"; }
em_tftp=()
hpa_tftp=()
em_tftp_big=()
hpa_tftp_big=()
# Warm up (the cache, the page cache), then alternate: emccd, tftpd-hpa, for each round.
run tftp $ADDR 69 $DEV.cnf.xml "$CLIENTS" 1 "$SIZE" 0 $SRC >/dev/null
run tftp $PEER 69 $DEV.cnf.xml "$CLIENTS" 1 "$SIZE" 0 $SRC >/dev/null
for _ in $(seq 1 "$ROUNDS"); do
	em_tftp+=("$(run tftp $ADDR 69 $DEV.cnf.xml "$CLIENTS" "$SECS" "$SIZE" 0 $SRC)")
	hpa_tftp+=("$(run tftp $PEER 69 $DEV.cnf.xml "$CLIENTS" "$SECS" "$SIZE" 0 $SRC)")
	em_tftp_big+=("$(run tftp $ADDR 69 $DEV.cnf.xml "$CLIENTS" "$SECS" "$SIZE" 1428 $SRC)")
	hpa_tftp_big+=("$(run tftp $PEER 69 $DEV.cnf.xml "$CLIENTS" "$SECS" "$SIZE" 1428 $SRC)")
done
em_http=$(run http $ADDR 6970 $DEV.cnf.xml "$CLIENTS" "$SECS" "$SIZE")
nginx_http=$(run http $PEER 6970 $DEV.cnf.xml "$CLIENTS" "$SECS" "$SIZE")
rss=$(ps -o rss= -p "${PIDS[0]}" | tr -d ' ')

python3 - "$SIZE" "$CLIENTS" "$rss" "$em_http" "$nginx_http" \
	"$(printf '%s\n' "${em_tftp[@]}")" "$(printf '%s\n' "${hpa_tftp[@]}")" \
	"$(printf '%s\n' "${em_tftp_big[@]}")" "$(printf '%s\n' "${hpa_tftp_big[@]}")" <<'PY'
import json, sys
size, clients, rss = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3] or 0)
def runs(text):
    return [json.loads(l) for l in text.splitlines() if l.strip()]
def summary(rs):
    v = sorted(r["per_s"] for r in rs)
    return {"min": v[0], "median": v[len(v) // 2], "max": v[-1], "runs": v,
            "errors": sum(r["errors"] for r in rs),
            "p50_ms": sorted(r["p50_ms"] for r in rs)[len(rs) // 2]}
print(json.dumps({
    "size": size, "clients": clients, "rss_kb": rss,
    "http": json.loads(sys.argv[4]), "nginx": json.loads(sys.argv[5]),
    "tftp": summary(runs(sys.argv[6])), "tftpd_hpa": summary(runs(sys.argv[7])),
    "tftp_1428": summary(runs(sys.argv[8])), "tftpd_hpa_1428": summary(runs(sys.argv[9])),
}))
PY
