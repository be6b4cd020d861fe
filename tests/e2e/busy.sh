#!/usr/bin/env bash
# busy.sh -- over Maximum Concurrent Requests the node answers 26 at once and keeps serving.
. "$(dirname "$0")/lib.sh"
ADDR=${E2E_ADDR:-127.0.9.14}
node_config one "$ADDR" "[parameters]" "max_concurrent_requests = 1"
node_start one
load_seed_lab one
URL="http://$ADDR:8080/emservice/EMServiceServlet"
# Wrong passwords are never cached: every request pays a full Argon2id check, so 40 at once
# pile up behind the single admitted one.
BAD='<query><appInfo><appID>CCMSysUser</appID><appCertificate>not-the-password</appCertificate></appInfo><deviceUserQuery><deviceName>SEPC80084AA8743</deviceName></deviceUserQuery></query>'
pids=()
for i in $(seq 1 40); do
	em_post "$URL" "$BAD" >"$E2E_TMP/busy.$i" &
	pids+=($!)
done
wait "${pids[@]}"
busy=$(grep -l 'code="26"' "$E2E_TMP"/busy.* | wc -l)
auth=$(grep -l 'code="3"' "$E2E_TMP"/busy.* | wc -l)
expect_match "some requests answered 26 (busy)" '^[1-9][0-9]*$' "$busy"
expect_match "the admitted ones were answered normally (3)" '^[1-9][0-9]*$' "$auth"
expect_eq "every request got one of the two answers" "40" "$((busy + auth))"
r=$(em_post "$URL" '<query><appInfo><appID>CCMSysUser</appID><appCertificate>Sys-Secret-1</appCertificate></appInfo><checkUser><userID>adgjm</userID></checkUser></query>')
expect_match "the node still serves afterwards" '<exists/>' "$r"
e2e_done
