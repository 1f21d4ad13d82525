#!/usr/bin/env python3
"""A hostile frontdeskd stand-in for the console's tests (loopback only).

  hostile-server.py PORT MODE SECONDS
MODE more:      every pull answers one change and "more": true, the cursor
                moving on by one each time (a server that never finishes);
MODE stuck:     every pull answers no changes, the same cursor, "more": true;
MODE backwards: every pull answers a cursor lower than asked for.
Pushes are answered as held. Serves for at most SECONDS, then exits.
"""
import gzip
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT, MODE, SECONDS = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, obj):
        body = json.dumps(obj).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        if self.headers.get("Content-Encoding", "") == "gzip":
            raw = gzip.decompress(raw)
        req = json.loads(raw or b"{}")
        seqs = [c["seq"] for c in req.get("changes", [])]
        self.answer({"held": max(seqs) if seqs else 0, "refused": []})

    def do_GET(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        after = int(q.get("after", ["0"])[0])
        if MODE == "more":
            change = {"cursor": after + 1, "type": "hot_topic",
                      "body": {"id": "01900000-0000-7000-8000-%012d" % (after + 1),
                               "text": "Hostile topic", "created_at": "2026-11-20T10:00:00.000Z"}}
            self.answer({"changes": [change], "next": after + 1, "more": True})
        elif MODE == "stuck":
            self.answer({"changes": [], "next": after, "more": True})
        else:
            self.answer({"changes": [], "next": max(after - 5, 0) if after else -1, "more": False})


server = ThreadingHTTPServer(("127.0.0.1", PORT), Handler)
threading.Timer(SECONDS, server.shutdown).start()
server.serve_forever()
