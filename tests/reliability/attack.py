#!/usr/bin/env python3
"""Hostile HTTP clients for the reliability suite (loopback only).

  attack.py slowloris PORT N SECONDS SRC
      N connections from address SRC to 127.0.0.1:PORT, each sending a
      request's headers one line every second and never finishing them.
  attack.py hold PORT N SECONDS SRC-PREFIX TOKEN|-
      N connections from SRC-PREFIX.1, .2, ... (10 per address), each
      sending headers for a 2,000,000-byte push (with the device token, or
      none for "-") and then 64 KiB of body a second, never finishing it.

Runs at most SECONDS, then prints one line of counts:
  opened=N refused=N answered=N cut=N open=N statuses=CODE:N,...
refused: the connection was refused or ended before anything was sent;
answered: the server sent a status line; cut: the server ended the
connection without an answer while the client was still sending; open:
still open when the time ran out. Every loop is bounded in count and time.
"""
import collections
import select
import socket
import sys
import time


def connect(port, src):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(2)
    s.bind((src, 0))
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    return s


def main():
    mode, port, n, seconds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    if n > 5000 or seconds > 600:
        sys.exit("attack.py: at most 5000 connections and 600 seconds")
    conns = {}  # socket -> state
    counts = collections.Counter()
    statuses = collections.Counter()
    for i in range(n):
        if mode == "slowloris":
            src = sys.argv[5]
            head = b"POST /v1/push HTTP/1.1\r\nHost: frontdesk\r\n"
        else:
            src = "%s.%d" % (sys.argv[5], 1 + i // 10)
            token = sys.argv[6]
            head = (b"POST /v1/push HTTP/1.1\r\nHost: frontdesk\r\n"
                    b"Content-Type: application/json\r\nContent-Length: 2000000\r\n")
            if token != "-":
                head += b"Authorization: Bearer " + token.encode() + b"\r\n"
            head += b"\r\n"
        try:
            s = connect(port, src)
            s.send(head)
        except OSError:
            counts["refused"] += 1
            continue
        counts["opened"] += 1
        conns[s] = "sending"
    end = time.monotonic() + seconds
    tick = 0
    next_send = time.monotonic() + 1.0
    while conns and time.monotonic() < end:
        readable, _, _ = select.select(list(conns), [], [], 1.0)
        for s in readable:
            try:
                data = s.recv(4096)
            except OSError:
                data = b""
            if data.startswith(b"HTTP/1."):
                code = data.split(b" ", 2)[1].decode()
                # (a 503 says when to come back, or it is counted apart)
                if code == "503" and b"\r\nretry-after:" not in data.lower():
                    code = "503-without-retry-after"
                statuses[code] += 1
                counts["answered"] += 1
            else:
                counts["cut"] += 1
            del conns[s]
            s.close()
        if time.monotonic() < next_send:
            continue  # one line (or 64 KiB) a second, however often woken
        next_send += 1.0
        tick += 1
        for s in list(conns):
            try:
                if mode == "slowloris":
                    s.send(b"X-Slow-%d: 1\r\n" % tick)
                else:
                    s.send(b" " * 65536)
            except BlockingIOError:
                pass
            except OSError:
                counts["cut"] += 1
                del conns[s]
                s.close()
    counts["open"] = len(conns)
    for s in conns:
        s.close()
    print("opened=%d refused=%d answered=%d cut=%d open=%d statuses=%s" % (
        counts["opened"], counts["refused"], counts["answered"], counts["cut"], counts["open"],
        ",".join("%s:%d" % kv for kv in sorted(statuses.items())) or "-"))


main()
