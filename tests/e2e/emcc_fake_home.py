#!/usr/bin/env python3
# emcc_fake_home.py -- a misbehaving "home cluster" for emcc_garbage.sh: an HTTPS server that answers EMCC requests as its mode file says.
#
# Usage: emcc_fake_home.py ADDR PORT CERT KEY MODEFILE CLUSTER_ID
# MODEFILE holds words OP=MODE (OP: checkUser, homeLogin, homeLogout, clusterInfo), read on
# every request so the test switches behaviour without a restart. Modes:
#   ok            a valid answer (checkUser: the user exists; homeLogout: success)
#   garbage       random bytes with HTTP 200
#   http500       HTTP 500
#   truncated     the first half of a valid <emccResponse>
#   wrongreq      a valid answer for another request number
#   wrongcluster  a valid answer from another cluster id
#   hang          reads the request and never answers (until the test ends)
#   close         reads the request and closes the connection without a byte
# It asks nothing of the client (no client certificate). Every request is appended to
# MODEFILE.log as "OP MODE".
import os
import re
import socket
import ssl
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ADDR, PORT, CERT, KEY, MODEFILE, CLUSTER = sys.argv[1:7]


def modes():
    try:
        with open(MODEFILE) as f:
            return dict(w.split("=", 1) for w in f.read().split() if "=" in w)
    except OSError:
        return {}


def answer_body(op, cluster, reqno, user):
    head = f'<emccResponse version="1"><cluster>{cluster}</cluster><requestNumber>{reqno}</requestNumber>'
    if op == "checkUser":
        body = (f'<checkUser><user id="{user}"><numProfiles>1</numProfiles><exists/>'
                f'<deviceProfile1>test_emcc_udp</deviceProfile1></user></checkUser>')
    elif op == "clusterInfo":
        body = ('<clusterInfo><version>0.0.1-fake</version><emcc>true</emcc>'
                '<pstnAccess>false</pstnAccess><tftp>false</tftp></clusterInfo>')
    elif op == "homeLogin":
        body = ('<homeLogin><success/><deviceProfile>test_emcc_udp</deviceProfile>'
                '<loginDuration>3600</loginDuration><tftpServer>127.0.0.1:6970</tftpServer>'
                '<callManager>127.0.0.1:5060</callManager><tvs>127.0.0.1:2445</tvs>'
                '<configVersion>1</configVersion></homeLogin>')
    else:
        body = "<success/>"
    return head + body + "</emccResponse>"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, code, data, ctype="text/xml; charset=utf-8"):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.send(404, b"not here\n", "text/plain")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode("utf-8", "replace")
        xml = urllib.parse.parse_qs(raw).get("xml", [""])[0]
        m = re.search(r"<(checkUser|homeLogin|homeLogout|visitingLogout|clusterInfo)\b", xml)
        op = m.group(1) if m else "?"
        rq = re.search(r"<requestNumber>(\d+)</requestNumber>", xml)
        reqno = int(rq.group(1)) if rq else 0
        us = re.search(r"<userID>([^<]*)</userID>", xml)
        user = us.group(1) if us else ""
        mode = modes().get(op, "ok")
        with open(MODEFILE + ".log", "a") as f:
            f.write(f"{op} {mode}\n")
        if mode == "hang":
            time.sleep(60)
            return
        if mode == "close":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if mode == "garbage":
            self.send(200, os.urandom(300) + b"\x00<emccResponse \xff\xfe")
            return
        if mode == "http500":
            self.send(500, b"internal error\n", "text/plain")
            return
        if mode == "wrongreq":
            reqno += 1000
        cluster = "SomeoneElse" if mode == "wrongcluster" else CLUSTER
        data = answer_body(op, cluster, reqno, user).encode()
        if mode == "truncated":
            data = data[: len(data) // 2]
        self.send(200, data)


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # a client hanging up on a hung request is expected


ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
ctx.load_cert_chain(CERT, KEY)
srv = Server((ADDR, int(PORT)), Handler)
srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
