#!/usr/bin/env python3
# phone_fake_node.py -- a stand-in node for checking emcc-phone alone: the EM phone pages on HTTP
# and a registrar on SIP (UDP and TCP) that sends the restart NOTIFY after a login or logout.
# Usage: phone_fake_node.py ADDR HTTP_PORT SIP_PORT LOGFILE   (user adgjm, PIN 12345)
import re
import socket
import socketserver
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

ADDR, HTTP_PORT, SIP_PORT, LOG = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
USERS = {"adgjm": ("12345", ["test_emcc_udp"]), "multi": ("2468", ["first_udp", "second_udp"])}
state = {"user": None, "contact": None, "tcp": None, "call_id": "", "registers": 0}
lock = threading.Lock()


def log(line):
    with lock, open(LOG, "a") as f:
        f.write(line + "\n")


def em_base(dev, emcc):
    return f"http://{ADDR}:{HTTP_PORT}/emapp/EMAppServlet?device={dev}&amp;EMCC={emcc}"


class Http(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def send_xml(self, xml):
        body = xml.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        u = urlsplit(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        log(f"GET {self.path} lang={self.headers.get('Accept-Language')} "
            f"charset={self.headers.get('Accept-Charset')} ua={self.headers.get('User-Agent')} "
            f"from={self.client_address[0]}")
        dev = q.get("device", "")
        if u.path == "/ccmcip/getservicesmenu.jsp":
            tmpl = f"http://{ADDR}:{HTTP_PORT}/emapp/EMAppServlet?device=#DEVICENAME#&amp;EMCC=#EMCC#"
            return self.send_xml(
                "<CiscoIPPhoneMenu><Title>Services</Title><Prompt>Select a service</Prompt>"
                "<MenuItem><Name>Corporate Directory</Name><URL>http://x/dir</URL></MenuItem>"
                f"<MenuItem><Name>Extension Mobility</Name><URL>{tmpl}</URL></MenuItem>"
                "</CiscoIPPhoneMenu>")
        if u.path != "/emapp/EMAppServlet":
            self.send_error(404)
            return
        emcc = q.get("EMCC", "false")
        if q.get("doLogout") == "true":
            state["user"] = None
            notify()
            return self.send_xml("<CiscoIPPhoneText><Title>Extension Mobility</Title>"
                                 "<Text>Logout successful</Text></CiscoIPPhoneText>")
        if "userid" in q:
            pin, profiles = USERS.get(q["userid"], (None, []))
            if pin is None or q.get("seq") != pin:
                return self.send_xml("<CiscoIPPhoneText><Title>Extension Mobility</Title>"
                                     "<Text>Please try to login again (201)</Text></CiscoIPPhoneText>")
            if len(profiles) > 1 and "profile" not in q:
                items = "".join(
                    f"<MenuItem><Name>{p}</Name><URL>/emapp/EMAppServlet?device={dev}&amp;EMCC={emcc}"
                    f"&amp;userid={q['userid']}&amp;seq={pin}&amp;profile={p}</URL></MenuItem>"
                    for p in profiles)
                return self.send_xml(f"<CiscoIPPhoneMenu><Title>Select profile</Title>{items}"
                                     "</CiscoIPPhoneMenu>")
            state["user"] = q["userid"]
            log(f"login {q['userid']} profile={q.get('profile', profiles[0])}")
            threading.Timer(0.05, notify).start()
            return self.send_xml("<CiscoIPPhoneText><Title>Extension Mobility</Title>"
                                 "<Text>Login successful</Text></CiscoIPPhoneText>")
        if state["user"]:
            return self.send_xml(
                "<CiscoIPPhoneText><Title>Extension Mobility</Title>"
                f"<Text>{state['user']} is logged in. Log out?</Text>"
                f"<SoftKeyItem><Name>Yes</Name><URL>http://{ADDR}:{HTTP_PORT}/emapp/EMAppServlet?"
                f"device={dev}&amp;doLogout=true</URL><Position>1</Position></SoftKeyItem>"
                "</CiscoIPPhoneText>")
        return self.send_xml(
            "<CiscoIPPhoneInput><Title>Extension Mobility</Title><Prompt>Enter User ID and PIN</Prompt>"
            f"<URL>{em_base(dev, emcc)}</URL>"
            "<InputItem><DisplayName>User ID</DisplayName><QueryStringParam>userid</QueryStringParam>"
            "<DefaultValue></DefaultValue><InputFlags>A</InputFlags></InputItem>"
            "<InputItem><DisplayName>PIN</DisplayName><QueryStringParam>seq</QueryStringParam>"
            "<DefaultValue></DefaultValue><InputFlags>NP</InputFlags></InputItem>"
            "</CiscoIPPhoneInput>")


def hdr(msg, name):
    m = re.search(r"^" + name + r":\s*(.*?)\r$", msg, re.M | re.I)
    return m.group(1) if m else ""


def reply(msg, code, reason, extra=""):
    vias = "".join(f"Via: {v}\r\n" for v in re.findall(r"^Via:\s*(.*?)\r$", msg, re.M))
    to = hdr(msg, "To")
    if ";tag=" not in to:
        to += ";tag=fake1"
    return (f"SIP/2.0 {code} {reason}\r\n{vias}From: {hdr(msg, 'From')}\r\nTo: {to}\r\n"
            f"Call-ID: {hdr(msg, 'Call-ID')}\r\nCSeq: {hdr(msg, 'CSeq')}\r\n{extra}"
            "Content-Length: 0\r\n\r\n")


def handle_sip(msg, send, src, tcp):
    first = msg.split("\r\n", 1)[0]
    log(f"SIP {first} Call-ID={hdr(msg, 'Call-ID')} Expires={hdr(msg, 'Expires')}")
    if first.startswith("SIP/2.0"):
        return
    method = first.split()[0]
    if method == "REGISTER":
        if "<service-control>" not in msg and "<service-control/>" not in msg:
            send(reply(msg, 400, "No service-control"))
            return
        contact = hdr(msg, "Contact")
        exp = int(hdr(msg, "Expires") or "3600")
        m = re.match(r"<sip:[^@]+@([^:;>]+):(\d+)", contact)
        with lock:
            state["registers"] += 1
            if exp == 0:
                state["contact"] = None
                send(reply(msg, 200, "OK"))
                return
            state["contact"] = (m.group(1), int(m.group(2))) if m else src
            state["tcp"] = tcp
            state["call_id"] = hdr(msg, "Call-ID")
        send(reply(msg, 200, "OK", f"Contact: {contact};expires={exp}\r\n"))
    elif method == "REFER":
        send(reply(msg, 202, "Accepted"))
    else:
        send(reply(msg, 200, "OK"))


udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
udp.bind((ADDR, SIP_PORT))
notify_seq = [0]


def notify():
    with lock:
        contact, tcp, call_id = state["contact"], state["tcp"], state["call_id"]
    if not contact:
        log("NOTIFY skipped: no binding")
        return
    notify_seq[0] += 1
    body = (f"action=restart\r\nRegisterCallId={{{call_id}}}\r\nConfigVersionStamp={{stamp-{notify_seq[0]}}}\r\n"
            "DialplanVersionStamp={}\r\nSoftkeyVersionStamp={}\r\n")
    tp = "TCP" if tcp else "UDP"
    msg = (f"NOTIFY sip:{contact[0]}:{contact[1]} SIP/2.0\r\n"
           f"Via: SIP/2.0/{tp} {ADDR}:{SIP_PORT};branch=z9hG4bKfake{notify_seq[0]}{int(time.time())}\r\n"
           f"From: <sip:{ADDR}>;tag=n{notify_seq[0]}\r\nTo: <sip:{contact[0]}>\r\n"
           f"Call-ID: notify{notify_seq[0]}@{ADDR}\r\nCSeq: 101 NOTIFY\r\nMax-Forwards: 70\r\n"
           "Event: service-control\r\nSubscription-State: active\r\nContent-Type: text/plain\r\n"
           f"Content-Length: {len(body)}\r\n\r\n{body}")
    log(f"NOTIFY sent over {tp}")
    if tcp:
        tcp(msg)
    else:
        udp.sendto(msg.encode(), contact)


def udp_loop():
    while True:
        data, src = udp.recvfrom(65535)
        handle_sip(data.decode(errors="replace"), lambda m, s=src: udp.sendto(m.encode(), s), src, None)


class Tcp(socketserver.BaseRequestHandler):
    def handle(self):
        buf = b""
        wlock = threading.Lock()

        def send(m):
            with wlock:
                self.request.sendall(m.encode())
        while True:
            try:
                data = self.request.recv(65535)
            except ConnectionError:
                return
            if not data:
                return
            buf += data
            while b"\r\n\r\n" in buf:
                head, rest = buf.split(b"\r\n\r\n", 1)
                m = re.search(rb"Content-Length:\s*(\d+)", head, re.I)
                n = int(m.group(1)) if m else 0
                if len(rest) < n:
                    break
                msg = (head + b"\r\n\r\n" + rest[:n]).decode(errors="replace")
                buf = rest[n:]
                handle_sip(msg, send, self.client_address, send)


socketserver.ThreadingTCPServer.allow_reuse_address = True
tcpd = socketserver.ThreadingTCPServer((ADDR, SIP_PORT), Tcp)
tcpd.daemon_threads = True
threading.Thread(target=udp_loop, daemon=True).start()
threading.Thread(target=tcpd.serve_forever, daemon=True).start()
ThreadingHTTPServer((ADDR, HTTP_PORT), Http).serve_forever()
