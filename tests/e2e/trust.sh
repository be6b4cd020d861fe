#!/usr/bin/env bash
# trust.sh -- two real clusters exchange trust bundles, fetch them by fingerprint, update each other's status, and notice a replaced certificate.
. "$(dirname "$0")/lib.sh"
A=127.0.11.1
B=127.0.11.2
node_config TrustOne "$A" "[sip]" "udp =" "tcp ="
node_config TrustTwo "$B" "[sip]" "udp =" "tcp ="
node_start TrustOne
node_start TrustTwo
T=$E2E_TMP

# ---- export ----
out=$(cli TrustOne trust export "$T/one.bundle")
expect_match "export to a file names the file and the fingerprint" \
	"written: $T/one.bundle" "$out"
expect_match "... and prints the colon fingerprint" "fingerprint: ([0-9A-F]{2}:){31}[0-9A-F]{2}" "$out"
expect_eq "the bundle file starts with the header" "# emcc trust bundle v1" "$(head -n1 "$T/one.bundle")"
expect_match "... names our cluster and HTTPS address" $'cluster: TrustOne\naddress: 127.0.11.1:8443' \
	"$(grep -E '^(cluster|address):' "$T/one.bundle")"
cli TrustTwo trust export >"$T/two.bundle" 2>"$T/two.err"
expect_eq "export without FILE writes the bundle to stdout" "# emcc trust bundle v1" "$(head -n1 "$T/two.bundle")"
FP2=$(sed -n 's/^SHA-256 fingerprint: //p' "$T/two.err")
expect_match "... and the fingerprint to stderr" "^([0-9A-F]{2}:){31}[0-9A-F]{2}$" "$FP2"
expect_eq "trust show prints the same fingerprint" "$FP2" "$(cli TrustTwo trust show --json | jq -r .fingerprint)"
FP1=$(cli TrustOne trust show --json | jq -r .fingerprint)
expect_eq "... as openssl computes it" "$FP1" \
	"$(openssl x509 -in "$T/TrustOne/https.crt" -noout -fingerprint -sha256 | sed 's/.*=//')"
r=$(curl -sS --max-time 10 "http://$B:8080/emcc/bundle")
expect_match "GET /emcc/bundle over HTTP answers the bundle" $'^# emcc trust bundle v1\ncluster: TrustTwo\n' "$r"
r=$(curl -sSk --max-time 10 "https://$B:8443/emcc/bundle")
expect_match "... and over HTTPS" $'^# emcc trust bundle v1\ncluster: TrustTwo\n' "$r"

# ---- refusals at import (nothing stored) ----
r=$(cli TrustOne cluster add Other "$B" --bundle "$T/two.bundle" 2>&1 || true)
expect_match "a bundle for another cluster id is refused, naming both" "for cluster 'TrustTwo', not 'Other'" "$r"
r=$(cli TrustOne cluster add TrustOne "$B" --bundle "$T/two.bundle" 2>&1 || true)
expect_match "our own cluster id is refused" "own id" "$r"
r=$(cli TrustOne cluster add TrustTwo "$B" --bundle "$T/two.bundle" --tftp 2>&1 || true)
expect_match "proxy TFTP with EMCC is refused" "TFTP.*EMCC" "$r"
r=$(cli TrustOne cluster add "Two'; DROP TABLE x;--" "$B" --bundle "$T/two.bundle" 2>&1 || true)
expect_match "SQL metacharacters in a cluster id are refused" "may only hold letters" "$r"
echo "garbage" >"$T/garbage.bundle"
r=$(cli TrustOne cluster add TrustTwo "$B" --bundle "$T/garbage.bundle" 2>&1 || true)
expect_match "a file that is no bundle is refused" "not a trust bundle" "$r"
expect_eq "... and nothing was stored" "(no clusters)" "$(cli TrustOne cluster list)"

# ---- import each other's bundle ----
r=$(cli TrustOne cluster add TrustTwo "$B" --bundle "$T/two.bundle")
expect_match "TrustOne imports TrustTwo's bundle (default port 8443)" "address: 127.0.11.2:8443" "$r"
cli TrustTwo cluster add TrustOne "$A:8443" --bundle "$T/one.bundle" >/dev/null
expect_match "TrustOne lists TrustTwo" "TrustTwo +127.0.11.2:8443 +emcc +unknown" "$(cli TrustOne cluster list)"
expect_match "TrustTwo lists TrustOne" "TrustOne +127.0.11.1:8443 +emcc +unknown" "$(cli TrustTwo cluster list)"
r=$(cli TrustOne cluster add TrustTwo "$B" --bundle "$T/two.bundle" 2>&1 || true)
expect_match "a second add of the same cluster is refused" "already exists" "$r"

# ---- fetch by fingerprint ----
cli TrustOne cluster del TrustTwo >/dev/null
WRONG=$(printf 'AB:%.0s' $(seq 1 31))AB
r=$(cli TrustOne cluster add TrustTwo "$B" --fetch --fingerprint "$WRONG" 2>&1 || true)
expect_match "--fetch with a wrong fingerprint is refused" "fingerprint mismatch" "$r"
r=$(cli TrustOne cluster show TrustTwo 2>&1 || true)
expect_match "... and nothing was stored" "no remote cluster 'TrustTwo'" "$r"
r=$(cli TrustOne cluster add TrustTwo "$B" --fetch 2>&1 || true)
expect_match "--fetch without a fingerprint is refused" "needs --fingerprint" "$r"
HEX2=$(tr -d ':' <<<"$FP2" | tr 'A-F' 'a-f')
r=$(cli TrustOne cluster add TrustTwo "$B" --fetch --fingerprint "$HEX2")
expect_match "--fetch with the right fingerprint (hex form) imports it" "sha256: $HEX2" "$r"

# ---- Remote Cluster Update ----
# The answer to clusterInfo is the other engineer's servlet: "up" once it exists, else "down"
# for a reason that is not about trust (the TLS handshake with the pinned certificate worked).
check_reachable() { # WHAT JSON
	local st err ver
	st=$(jq -r '.clusters[0].status' <<<"$2")
	err=$(jq -r '.clusters[0].last_error' <<<"$2")
	ver=$(jq -r '.clusters[0].version' <<<"$2")
	if [ "$st" = up ]; then
		expect_match "$1: up with a version" "^[0-9]" "$ver"
	else
		expect_match "$1: down for a reason past the TLS handshake ($err)" \
			"^(unparsable answer|failure code|HTTP status|unexpected answer)" "$err"
	fi
}
r=$(cli TrustOne cluster update --json)
check_reachable "cluster update TrustOne -> TrustTwo" "$r"
r=$(cli TrustTwo cluster update --id TrustOne --json)
check_reachable "cluster update TrustTwo -> TrustOne (one cluster)" "$r"
expect_match "the status is stored" "TrustTwo +127.0.11.2:8443 +emcc +(up|down)" "$(cli TrustOne cluster list)"
r=$(cli TrustOne cluster update --id Nobody 2>&1 || true)
expect_match "update of an unknown cluster is refused" "no remote cluster 'Nobody'" "$r"

# ---- a replaced certificate is refused until re-imported ----
node_stop TrustTwo
rm -f "$T/TrustTwo/https.crt" "$T/TrustTwo/https.key"
node_start TrustTwo
r=$(cli TrustOne cluster update --json)
expect_eq "a peer with a new certificate is down" "down" "$(jq -r '.clusters[0].status' <<<"$r")"
expect_match "... with a TLS mismatch reason" "^TLS: certificate mismatch" "$(jq -r '.clusters[0].last_error' <<<"$r")"
expect_match "... logged in emcc.log" "remote cluster TrustTwo .* is down: TLS: certificate mismatch" \
	"$(cat "$T/TrustOne/log/emcc.log")"
cli TrustTwo trust export "$T/two-new.bundle" >/dev/null
r=$(cli TrustOne cluster set TrustTwo --bundle "$T/two-new.bundle")
expect_match "re-importing its new bundle is accepted" "status: unknown" "$r"
r=$(cli TrustOne cluster update --json)
check_reachable "after the re-import" "$r"

# ---- an unreachable peer ----
node_stop TrustTwo
r=$(cli TrustOne cluster update --json)
expect_match "a stopped peer is down: connect" "^down connect" \
	"$(jq -r '.clusters[0] | .status + " " + .last_error' <<<"$r")"

r=$(cli TrustOne cluster del TrustTwo)
expect_match "cluster del" "deleted: TrustTwo" "$r"
e2e_done
