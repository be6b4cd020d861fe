#!/usr/bin/env bash
# sip.sh -- the node's SIP side driven by sipp: a 7821 registers and an EM login restarts it with
# NOTIFY service-control (UDP, then TCP after its connection is gone); its alarm REFER, OPTIONS
# and refused methods; garbage over UDP and TCP; a login on a device that is not registered;
# unregister. The phone's listening side is a second sipp (notify_uas.xml) on its Contact port.
. "$(dirname "$0")/lib.sh"
ADDR=${E2E_ADDR:-127.0.9.31}
SC=$(cd "$(dirname "$0")/sipp" && pwd)
DEV=SEPC80084AA8743
if ! command -v sipp >/dev/null; then
	echo "sipp is missing: apt-get install sip-tester (scripts/deps.sh does)" >&2
	exit 1
fi

node_config one "$ADDR"
node_start one
load_seed_lab one
URL="http://$ADDR:8080/emservice/EMServiceServlet"
APP='<appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo>'
OK='<response><success/></response>'
LOG="$E2E_TMP/one/log"
mkdir -p "$E2E_TMP/sipp"

# sipp_run ARGS...: one bounded sipp run against the node (files land in $E2E_TMP/sipp).
sipp_run() {
	(cd "$E2E_TMP/sipp" && timeout 60 sipp "$ADDR:5060" -i "$ADDR" -nostdin -trace_err \
		-timeout 20s -timeout_error "$@" >/dev/null 2>&1)
}

# phone_listen TRANSPORT PORT: the phone's side, in the background; waits until it is bound.
phone_listen() {
	local tp=$1 port=$2 hex i
	(cd "$E2E_TMP/sipp" && exec timeout 60 sipp -sf "$SC/notify_uas.xml" -t "$tp" -i "$ADDR" \
		-p "$port" -m 1 -nostdin -trace_err -trace_msg -timeout 30s -timeout_error \
		>/dev/null 2>&1) &
	PHONE_PID=$!
	# /proc/net lists addresses as little-endian hex; no ss or netstat needed.
	hex=$(printf '%02X%02X%02X%02X:%04X' $(echo "$ADDR" | awk -F. '{print $4, $3, $2, $1}') "$port")
	for i in $(seq 1 200); do
		if [ "$tp" = t1 ]; then
			grep -q " $hex 00000000:0000 0A " /proc/net/tcp && return 0
		else
			grep -q " $hex " /proc/net/udp && return 0
		fi
		sleep 0.05
	done
	echo "phone sipp did not bind $port" >&2
	return 1
}

# wait_log FILE TEXT: until FILE holds TEXT (fixed string); fails after 10 s.
wait_log() {
	local i
	for i in $(seq 1 200); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# bindings: the live bindings as JSON lines, without the countdown that changes every second.
bindings() { cli one --json sip bindings | grep -v '"expires_in"'; }

# sip_udp TEXT: sends one datagram from a connected socket, prints the first line answered
# (or "" after 5 s). Requests carry ";rport" so the answer comes back to this socket.
sip_udp() {
	local line=""
	exec 7<>"/dev/udp/$ADDR/5060"
	# One write, one datagram: printf alone may write a message in pieces.
	printf '%b' "$1" | dd iflag=fullblock bs=65000 count=1 status=none >&7
	# And one read for the answer: bash's read takes a byte at a time, which on a datagram
	# socket would keep one byte of it.
	line=$(timeout 5 dd bs=65535 count=1 status=none <&7 | head -n 1) || true
	exec 7>&-
	printf '%s' "${line%$'\r'}"
}
sip_tcp() {
	local line=""
	exec 8<>"/dev/tcp/$ADDR/5060"
	printf '%b' "$1" >&8
	IFS= read -r -t 5 line <&8 || true
	exec 8>&-
	printf '%s' "${line%$'\r'}"
}
options() { # TRANSPORT TAG
	local tp=${1^^}
	printf 'OPTIONS sip:%s SIP/2.0\\r\\nVia: SIP/2.0/%s %s:9;branch=z9hG4bK%s;rport\\r\\nFrom: <sip:probe@%s>;tag=1\\r\\nTo: <sip:%s>\\r\\nCall-ID: %s@e2e\\r\\nCSeq: 1 OPTIONS\\r\\nMax-Forwards: 70\\r\\nContent-Length: 0\\r\\n\\r\\n' \
		"$ADDR" "$tp" "$ADDR" "$2" "$ADDR" "$ADDR" "$2"
}

# ---- (1) REGISTER as the 7821, then the login's restart NOTIFY reaches it (UDP) ----
phone_listen u1 5072
rc=0
sipp_run -sf "$SC/register.xml" -t u1 -p 5071 -key device $DEV -key cport 5072 -key expires 3600 \
	-cid_str 'emcc-e2e-%u-%p@%s' -m 1 -trace_logs || rc=$?
expect_eq "sipp REGISTER (7821 Contact params, multipart body) -> 200 as CUCM's (Date, Expires, Contact, remotecc body)" 0 "$rc"
expect_match "the first REGISTER is a new registration (x-cisco-newreg)" "newreg=;x-cisco-newreg noexp=" \
	"$(cat "$E2E_TMP"/sipp/register_*_logs.log 2>/dev/null)"
b=$(cli one sip bindings)
expect_match "emcc sip bindings lists the phone" \
	"$DEV +621 +udp +$ADDR:5071 +[0-9]+ +sip:84984998-fe29-08c0-6d47-5993bf4ce06@$ADDR:5072;transport=UDP" "$b"
expect_match "the binding keeps the REGISTER's Call-ID and instance" \
	"emcc-e2e-1-[0-9]+@$ADDR +<urn:uuid:00000000-0000-0000-0000-c80084aa8743> +Cisco-CP7821/12.1.1" "$b"

r=$(em_post "$URL" "<request>$APP<login><deviceName>$DEV</deviceName><userID>adgjm</userID></login></request>")
expect_eq "EM API login adgjm on the registered phone" "$OK" "$r"
rc=0
wait "$PHONE_PID" || rc=$?
expect_eq "phone sipp got NOTIFY Event: service-control, action=restart, its Call-ID; answered 200" 0 "$rc"
wait_log "$LOG/sip.log" "NOTIFY service-control action=restart to $DEV ($ADDR:5072;transport=udp): 200 OK" && rc=0 || rc=1
expect_eq "sip.log: the NOTIFY's 200 OK" 0 "$rc"
wait_log "$LOG/emservice.log" "device $DEV: login committed; restart NOTIFY queued" && rc=0 || rc=1
expect_eq "emservice.log: restart NOTIFY queued after the commit" 0 "$rc"

# ---- (1b) the same over TCP: the phone registers, closes its connection; the logout's NOTIFY
# finds the connection gone and goes to the Contact ----
phone_listen t1 5074
rc=0
sipp_run -sf "$SC/register.xml" -t t1 -p 5075 -key device $DEV -key cport 5074 -key expires 3600 \
	-cid_str 'emcc-e2e-%u-%p@%s' -m 1 || rc=$?
expect_eq "sipp REGISTER over TCP -> 200" 0 "$rc"
expect_match "the binding is now the TCP one" "$DEV +621 +tcp +" "$(cli one sip bindings)"
r=$(em_post "$URL" "<request>$APP<logout><deviceName>$DEV</deviceName></logout></request>")
expect_eq "EM API logout" "$OK" "$r"
rc=0
wait "$PHONE_PID" || rc=$?
expect_eq "phone sipp on TCP got the restart NOTIFY and answered 200" 0 "$rc"
wait_log "$LOG/sip.log" "NOTIFY service-control action=restart to $DEV ($ADDR:5074;transport=tcp): 200 OK" && rc=0 || rc=1
expect_eq "sip.log: registration connection gone, Contact tried, 200 OK" 0 "$rc"

# ---- (2) REFER alarm -> 202, OPTIONS -> 200, INVITE and MESSAGE -> 405, unknown -> 501 ----
for tp in u1 t1; do
	rc=0
	sipp_run -sf "$SC/requests.xml" -t $tp -p 5076 -key device $DEV -m 1 || rc=$?
	expect_eq "sipp ($tp): REFER alarm 202, OPTIONS 200, INVITE 405 + ACK, MESSAGE 405" 0 "$rc"
done
wait_log "$LOG/sip.log" "alarm DeviceTLInfo from $ADDR:5076/udp: DeviceName=$DEV IPv4Address=$ADDR IPv6Address=\"\"" && rc=0 || rc=1
expect_eq "sip.log: the DeviceTLInfo alarm on one line" 0 "$rc"
expect_match "sip.log: the alarm's CTL, ITL signature and TFTP server, status, as the lab's phone sends them" \
	'CTL_Signature="Not Installed" CTL_TFTP_Server=N/A ITL_Signature="1B A1 C9 07 E9 9E 4D 3C 53 9D C8 14 24 AF 6C 9F 7D CE 4D 6D " ITL_TFTP_Server=cucm-115.home.lab StatusCode=3' \
	"$(grep 'alarm DeviceTLInfo' "$LOG/sip.log" | head -1)"
r=$(sip_udp "FOO sip:$ADDR SIP/2.0\r\nVia: SIP/2.0/UDP $ADDR:9;branch=z9hG4bKfoo;rport\r\nFrom: <sip:a@$ADDR>;tag=1\r\nTo: <sip:$ADDR>\r\nCall-ID: foo@e2e\r\nCSeq: 1 FOO\r\nContent-Length: 0\r\n\r\n")
expect_eq "an unknown method -> 501" "SIP/2.0 501 Not Implemented" "$r"

# ---- (3) garbage never crashes the node or touches a binding ----
rc=0
sipp_run -sf "$SC/register.xml" -t u1 -p 5077 -key device SEP000000000031 -key cport 5077 \
	-key expires 3600 -m 1 || rc=$?
expect_eq "second phone registers" 0 "$rc"
before=$(bindings)
head -c 1400 /dev/urandom | dd iflag=fullblock bs=65000 count=1 status=none >"/dev/udp/$ADDR/5060"
printf '\x00\xff\r\n\r\nSIP/2.0\r\n' | dd iflag=fullblock bs=65000 count=1 status=none >"/dev/udp/$ADDR/5060"
# A 60000-byte datagram: libre reads 8 KB of it, which ends in the middle of nothing useful.
head -c 60000 /dev/zero | tr '\0' 'A' | dd iflag=fullblock bs=65000 count=1 status=none >"/dev/udp/$ADDR/5060"
r=$(sip_udp "REGISTER sip:$ADDR SIP/2.0\r\nVia: SIP/2.0/UDP $ADDR:9;branch=z9hG4bKcl;rport\r\nFrom: <sip:SEP000000000031@$ADDR>;tag=1\r\nTo: <sip:SEP000000000031@$ADDR>\r\nCall-ID: cl@e2e\r\nCSeq: 9 REGISTER\r\nContact: <sip:x@$ADDR:1>\r\nExpires: 0\r\nContent-Length: 99999999\r\n\r\nshort")
expect_eq "UDP: Content-Length past the datagram -> 400, nothing changed" "SIP/2.0 400 Bad Content-Length" "$r"
r=$(sip_udp "REGISTER sip:$ADDR SIP/2.0\r\nVia: SIP/2.0/UDP $ADDR:9;branch=z9hG4bKnc;rport\r\nFrom: <sip:SEP000000000031@$ADDR>;tag=1\r\nTo: <sip:SEP000000000031@$ADDR>\r\nCSeq: 9 REGISTER\r\nContact: *\r\nExpires: 0\r\nContent-Length: 0\r\n\r\n")
expect_eq "UDP: REGISTER without Call-ID -> 400" "SIP/2.0 400 Missing Mandatory Header" "$r"
r=$(sip_udp "REGISTER sip:$ADDR SIP/2.0\r\nVia: SIP/2.0/UDP $ADDR:9;branch=z9hG4bKbe;rport\r\nFrom: <sip:SEP000000000031@$ADDR>;tag=1\r\nTo: <sip:SEP000000000031@$ADDR>\r\nCall-ID: be@e2e\r\nCSeq: 9 REGISTER\r\nContact: <sip:x@$ADDR:1>\r\nExpires: forever\r\nContent-Length: 0\r\n\r\n")
expect_eq "UDP: Expires that is not a number -> 400" "SIP/2.0 400 Bad Expires" "$r"
# TCP: a Content-Length the sender never fills, a message past libre's 64 KB stream buffer, a
# request without Content-Length (the stream cannot be framed: connection closed), binary noise.
exec 9<>"/dev/tcp/$ADDR/5060"
printf 'REGISTER sip:%s SIP/2.0\r\nVia: SIP/2.0/TCP %s:9;branch=z9hG4bKt1\r\nContent-Length: 4000000000\r\n\r\nabc' "$ADDR" "$ADDR" >&9
exec 9>&-
( printf 'OPTIONS sip:%s SIP/2.0\r\nX-Big: ' "$ADDR"; head -c 70000 /dev/zero | tr '\0' 'B' ) >"/dev/tcp/$ADDR/5060" 2>/dev/null || true
r=$(sip_tcp "OPTIONS sip:$ADDR SIP/2.0\r\nVia: SIP/2.0/TCP $ADDR:9;branch=z9hG4bKt3\r\nFrom: <sip:a@$ADDR>;tag=1\r\nTo: <sip:$ADDR>\r\nCall-ID: t3@e2e\r\nCSeq: 1 OPTIONS\r\n\r\n")
expect_eq "TCP: a request without Content-Length is not answered" "" "$r"
head -c 3000 /dev/urandom >"/dev/tcp/$ADDR/5060" 2>/dev/null || true
r=$(sip_udp "$(options udp after-garbage)")
expect_eq "after the garbage: OPTIONS over UDP -> 200" "SIP/2.0 200 OK" "$r"
r=$(sip_tcp "$(options tcp after-garbage-tcp)")
expect_eq "after the garbage: OPTIONS over TCP -> 200" "SIP/2.0 200 OK" "$r"
expect_eq "emcc sip bindings unchanged by the garbage" "$before" "$(bindings)"
kill -0 "$(node_pid one)" && rc=0 || rc=1
expect_eq "emccd still running" 0 "$rc"

# ---- (4) a login on a device that is not registered still succeeds; the logs say why no NOTIFY ----
cli one device add SEP111111111111 --model 7821 >/dev/null
r=$(em_post "$URL" "<request>$APP<login><deviceName>SEP111111111111</deviceName><userID>adgjm</userID></login></request>")
expect_eq "EM API login on an unregistered device" "$OK" "$r"
wait_log "$LOG/emservice.log" "device SEP111111111111 not registered: restart NOTIFY not sent" && rc=0 || rc=1
expect_eq "emservice.log: not registered, NOTIFY not sent" 0 "$rc"
wait_log "$LOG/sip.log" "NOTIFY service-control action=restart for SEP111111111111 not sent: device not registered" && rc=0 || rc=1
expect_eq "sip.log: not registered, NOTIFY not sent" 0 "$rc"

# ---- (5) a backup call manager's keep-alive keeps the binding; unregister (Expires: 0) removes it ----
rc=0
sipp_run -sf "$SC/keepalive.xml" -t u1 -p 5077 -key device SEP000000000031 -key cport 5077 -m 1 || rc=$?
expect_eq "sipp keep-alive (expires=0;cisco-keep-alive) -> 200 without Contact" 0 "$rc"
expect_match "the keep-alive left the binding" "SEP000000000031 +621 +udp" "$(cli one sip bindings --device SEP000000000031)"
rc=0
sipp_run -sf "$SC/unregister.xml" -t u1 -p 5077 -key device SEP000000000031 -key cport 5077 -m 1 || rc=$?
expect_eq "sipp unregister (Expires: 0) -> 200 without Contact" 0 "$rc"
expect_eq "emcc sip bindings --device: gone" "(no bindings)" "$(cli one sip bindings --device SEP000000000031)"
expect_match "the other phone's binding stays" "$DEV +621 +tcp" "$(cli one sip bindings)"
expect_match "emcc status counts the live bindings" '"sip_bindings": 1' "$(cli one --json status)"

e2e_done
