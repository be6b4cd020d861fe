#!/usr/bin/env python3
"""tftp_client.py -- a TFTP client for the e2e tests, written from the RFCs on its own (it shares
no code with the server): options (RFC 2347-2349, 7440 windowsize), raw packets, and clients
that misbehave on purpose (acknowledging twice, vanishing mid-transfer). Loopback only.

  get HOST NAME OUT [--blksize N] [--windowsize N] [--tsize] [--timeout N] [--netascii]
      prints JSON: oack (options the server answered), blocks, dup_data (DATA blocks received
      more than once), server_port; the file goes to OUT.
  raw HOST HEX          sends the packet (hex) to port 69; prints the answer: "error CODE MSG",
                        "oack ...", "data BLOCK LEN", or "silence".
  rawmany HOST          raw for every line "LABEL<tab>HEX" of stdin, all at once; prints
                        "LABEL<tab>ANSWER" lines in the same order.
  dupack HOST NAME OUT  a get that acknowledges every block three times; prints JSON as get.
  vanish HOST NAME AFTER SECONDS [--close]
                        acknowledges AFTER blocks, then stays silent (or closes its socket) and
                        counts what the server still sends for SECONDS; prints JSON.
  flood HOST COUNT PARALLEL
                        COUNT requests for names nobody has, PARALLEL at a time, each from its
                        own port; prints JSON: answers by kind.
  hold HOST NAME N SECONDS
                        N requests at once from one address, each from its own port, none ever
                        acknowledged; prints JSON (answered, silent) as soon as it knows, then
                        keeps the sockets open for SECONDS and closes them.
  parallel HOST NAME N OUTDIR
                        N gets of NAME at once; prints JSON: files that arrived whole.
"""
import json
import os
import select
import socket
import struct
import sys
import time

RRQ, WRQ, DATA, ACK, ERROR, OACK = 1, 2, 3, 4, 5, 6


def request(op, name, mode="octet", options=None):
    p = struct.pack("!H", op) + name + b"\0" + mode.encode() + b"\0"
    for k, v in (options or {}).items():
        p += k.encode() + b"\0" + str(v).encode() + b"\0"
    return p


def parse_options(body):
    parts = body.split(b"\0")
    out = {}
    for i in range(0, len(parts) - 1, 2):
        out[parts[i].decode().lower()] = int(parts[i + 1])
    return out


def describe(pkt):
    if len(pkt) < 2:
        return "short"
    op = struct.unpack("!H", pkt[:2])[0]
    if op == ERROR:
        code = struct.unpack("!H", pkt[2:4])[0]
        return "error %d %s" % (code, pkt[4:].split(b"\0")[0].decode(errors="replace"))
    if op == OACK:
        return "oack " + " ".join("%s=%d" % kv for kv in sorted(parse_options(pkt[2:]).items()))
    if op == DATA:
        return "data %d %d" % (struct.unpack("!H", pkt[2:4])[0], len(pkt) - 4)
    return "opcode %d" % op


def new_sock(host):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s


def recv(s, timeout):
    r, _, _ = select.select([s], [], [], timeout)
    if not r:
        return None, None
    return s.recvfrom(70000)


def get(host, name, out, blksize=None, windowsize=None, tsize=False, timeout=None,
        netascii=False, acks=1):
    opts = {}
    if blksize:
        opts["blksize"] = blksize
    if tsize:
        opts["tsize"] = 0
    if timeout:
        opts["timeout"] = timeout
    if windowsize:
        opts["windowsize"] = windowsize
    s = new_sock(host)
    s.sendto(request(RRQ, name.encode(), "netascii" if netascii else "octet", opts), (host, 69))
    bs, ws = 512, 1
    data, got, dups, oack, server = bytearray(), 0, 0, None, None
    expect = 1
    while True:
        pkt, addr = recv(s, 5)
        if pkt is None:
            return {"error": "timeout", "blocks": got}
        if server is None:
            server = addr
        elif addr != server:
            continue
        op = struct.unpack("!H", pkt[:2])[0]
        if op == ERROR:
            return {"error": describe(pkt)}
        if op == OACK:
            oack = parse_options(pkt[2:])
            bs = oack.get("blksize", 512)
            ws = oack.get("windowsize", 1)
            for _ in range(acks):
                s.sendto(struct.pack("!HH", ACK, 0), server)
            continue
        if op != DATA:
            return {"error": "unexpected " + describe(pkt)}
        block = struct.unpack("!H", pkt[2:4])[0]
        payload = pkt[4:]
        if block != expect % 65536:
            dups += 1
            continue
        data += payload
        got += 1
        expect += 1
        last = len(payload) < bs
        # Acknowledge the end of each window (or the last block), as RFC 7440 says.
        if last or got % ws == 0:
            for _ in range(acks):
                s.sendto(struct.pack("!HH", ACK, block), server)
        if last:
            break
    # Anything the server still sends now is a duplicate (Sorcerer's Apprentice).
    while True:
        pkt, addr = recv(s, 0.3)
        if pkt is None:
            break
        dups += 1
    with open(out, "wb") as f:
        f.write(data)
    return {"oack": oack, "blocks": got, "dup_data": dups, "bytes": len(data),
            "server_port": server[1]}


def raw(host, hexpkt):
    s = new_sock(host)
    s.sendto(bytes.fromhex(hexpkt), (host, 69))
    pkt, _ = recv(s, 2)
    return "silence" if pkt is None else describe(pkt)


def rawmany(host, lines):
    socks = []
    for line in lines:
        label, hexpkt = line.rstrip("\n").split("\t", 1)
        s = new_sock(host)
        s.sendto(bytes.fromhex(hexpkt), (host, 69))
        socks.append((label, s))
    out = []
    deadline = time.time() + 2
    for label, s in socks:
        pkt, _ = recv(s, max(0.0, deadline - time.time()))
        out.append("%s\t%s" % (label, "silence" if pkt is None else describe(pkt)))
        s.close()
    return out


def vanish(host, name, after, seconds, close):
    s = new_sock(host)
    s.sendto(request(RRQ, name.encode(), "octet", {"timeout": 1}), (host, 69))
    seen, server, acked = {}, None, 0
    pkt, server = recv(s, 5)
    if pkt is None or describe(pkt).startswith("error"):
        return {"error": "no transfer"}
    s.sendto(struct.pack("!HH", ACK, 0), server)  # the OACK
    while acked < after:
        pkt, addr = recv(s, 5)
        if pkt is None:
            return {"error": "timeout"}
        block = struct.unpack("!H", pkt[2:4])[0]
        seen[block] = seen.get(block, 0) + 1
        acked = block
        if acked < after:
            s.sendto(struct.pack("!HH", ACK, block), server)
    if close:
        s.close()
        return {"closed_after": acked}
    t_end = time.time() + seconds
    resent, times = 0, []
    t0 = time.time()
    while time.time() < t_end:
        pkt, addr = recv(s, t_end - time.time())
        if pkt is None:
            break
        resent += 1
        times.append(round(time.time() - t0, 2))
    return {"acked": acked, "resent": resent, "at": times}


def flood(host, count, parallel):
    socks, answers, sent = [], {}, 0
    names = {}
    pending = {}
    for _ in range(parallel):
        socks.append(new_sock(host))
    free = list(socks)
    deadline = time.time() + 120
    while (sent < count or pending) and time.time() < deadline:
        while free and sent < count:
            s = free.pop()
            name = ("SEP%012X.cnf.xml" % (0xF00000000000 + sent)).encode()
            pkt = request(RRQ, name)
            s.sendto(pkt, (host, 69))
            pending[s] = (pkt, time.time(), 0)
            sent += 1
        r, _, _ = select.select(list(pending), [], [], 0.2)
        for s in r:
            pkt, _ = s.recvfrom(2048)
            kind = describe(pkt)
            answers[kind] = answers.get(kind, 0) + 1
            del pending[s]
            free.append(s)
        now = time.time()
        for s, (pkt, t, tries) in list(pending.items()):
            if now - t > 1.0:  # the server may drop a request when busy: send it again
                if tries >= 5:
                    answers["silence"] = answers.get("silence", 0) + 1
                    del pending[s]
                    free.append(s)
                else:
                    s.sendto(pkt, (host, 69))
                    pending[s] = (pkt, now, tries + 1)
    return {"sent": sent, "answers": answers}


def hold(host, name, n, seconds):
    socks = [new_sock(host) for _ in range(n)]
    for s in socks:
        s.sendto(request(RRQ, name.encode()), (host, 69))
    answered, deadline = 0, time.time() + 2
    for s in socks:
        pkt, _ = recv(s, max(0.0, deadline - time.time()))
        answered += pkt is not None
    print(json.dumps({"answered": answered, "silent": n - answered}), flush=True)
    time.sleep(seconds)
    for s in socks:
        s.close()
    return None


def parallel(host, name, n, outdir):
    # n clients at once: each sends its request, then all are served together (select loop).
    clients = []
    for i in range(n):
        s = new_sock(host)
        s.sendto(request(RRQ, name.encode()), (host, 69))
        clients.append({"s": s, "data": bytearray(), "expect": 1, "server": None, "done": False})
    deadline = time.time() + 30
    while not all(c["done"] for c in clients) and time.time() < deadline:
        r, _, _ = select.select([c["s"] for c in clients if not c["done"]], [], [], 1)
        for s in r:
            c = next(c for c in clients if c["s"] is s)
            pkt, addr = s.recvfrom(70000)
            c["server"] = c["server"] or addr
            if struct.unpack("!H", pkt[:2])[0] != DATA:
                c["done"] = True
                continue
            block = struct.unpack("!H", pkt[2:4])[0]
            if block == c["expect"]:
                c["data"] += pkt[4:]
                c["expect"] += 1
            s.sendto(struct.pack("!HH", ACK, block), addr)
            if len(pkt) - 4 < 512:
                c["done"] = True
    ports = set()
    for i, c in enumerate(clients):
        with open(os.path.join(outdir, "p%d" % i), "wb") as f:
            f.write(c["data"])
        if c["server"]:
            ports.add(c["server"][1])
    return {"done": sum(1 for c in clients if c["done"]), "server_ports": len(ports)}


def main(argv):
    cmd = argv[1]
    flags = [a for a in argv[2:] if a.startswith("--")]
    args = [a for a in argv[2:] if not a.startswith("--")]

    def flag(name, conv=int):
        for f in flags:
            if f.startswith("--" + name + "="):
                return conv(f.split("=", 1)[1])
        return None

    if cmd == "get":
        r = get(args[0], args[1], args[2], blksize=flag("blksize"),
                windowsize=flag("windowsize"), tsize="--tsize" in flags,
                timeout=flag("timeout"), netascii="--netascii" in flags)
    elif cmd == "dupack":
        r = get(args[0], args[1], args[2], acks=3)
    elif cmd == "raw":
        print(raw(args[0], args[1]))
        return 0
    elif cmd == "rawmany":
        print("\n".join(rawmany(args[0], [l for l in sys.stdin if l.strip()])))
        return 0
    elif cmd == "vanish":
        r = vanish(args[0], args[1], int(args[2]), float(args[3]), "--close" in flags)
    elif cmd == "flood":
        r = flood(args[0], int(args[1]), int(args[2]))
    elif cmd == "hold":
        hold(args[0], args[1], int(args[2]), float(args[3]))
        return 0
    elif cmd == "parallel":
        r = parallel(args[0], args[1], int(args[2]), args[3])
    else:
        print(__doc__)
        return 2
    print(json.dumps(r, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
