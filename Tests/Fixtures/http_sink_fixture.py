#!/usr/bin/env python3
"""HTTP receiver for the storage.http tests and benchmark (loopback only).

usage: http_sink_fixture.py LOG [--quiet]
Prints its port on the first line of stdout, then serves until killed. Every
POST it accepts (2xx) is appended to LOG as one JSON line: {"path", "headers",
"gzip", "format", "records", "key", "duplicate"}; a POST whose idempotency key
it has accepted before is answered 200 and logged with "duplicate": true (a
server that honours the key would not store it again). With --quiet, nothing is logged or decoded (for the benchmark).

Paths (any POST; the query sets the behaviour):
  /ingest                      accepts
  ?fail=S&times=N              answers S to the first N POSTs on this path
                               (&retry_after=V adds Retry-After: V)
  ?refuse=bad                  400 when a record has "bad": true, else accepts
  ?delay=S&times=N             the first N POSTs wait S seconds before the answer
GET /stats                     {"accepted": n, "duplicates": n, "posts": n}
"""
import gzip
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

LOG = sys.argv[1]
QUIET = "--quiet" in sys.argv
lock = threading.Lock()
seen_keys = set()
per_path = {}
stats = {"accepted": 0, "duplicates": 0, "posts": 0}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        # Head and body go out in two writes: without this, Nagle holds the
        # body back until the client's delayed ACK (40 ms a request).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"{}", headers=()):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            self.answer(200, json.dumps(stats).encode())

    def do_POST(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        with lock:
            stats["posts"] += 1
            n = per_path[self.path] = per_path.get(self.path, 0) + 1
        times = int(query.get("times", "1"))
        if "delay" in query and n <= times:
            time.sleep(float(query["delay"]))
        if "fail" in query and n <= times:
            headers = [("Retry-After", query["retry_after"])] if "retry_after" in query else []
            return self.answer(int(query["fail"]), b'{"error":"not now"}', headers)
        if QUIET:
            with lock:
                stats["accepted"] += 1
            return self.answer(200)
        zipped = self.headers.get("Content-Encoding") == "gzip"
        text = gzip.decompress(raw) if zipped else raw
        kind = self.headers.get("Content-Type", "")
        if kind.startswith("application/x-ndjson"):
            lines = text.split(b"\n")
            if lines[-1] != b"":
                return self.answer(400, b'{"error":"the last line has no newline"}')
            records = [json.loads(line) for line in lines[:-1]]
        else:
            records = json.loads(text)
        if query.get("refuse") == "bad" and any(r.get("bad") for r in records):
            return self.answer(400, b'{"error":"a bad record"}')
        key = self.headers.get("Idempotency-Key")
        with lock:
            duplicate = key is not None and key in seen_keys
            if key is not None:
                seen_keys.add(key)
            stats["duplicates" if duplicate else "accepted"] += 1
            entry = {"path": url.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                     "gzip": zipped, "format": kind, "records": records, "key": key, "duplicate": duplicate}
            with open(LOG, "a") as log:
                log.write(json.dumps(entry) + "\n")
        self.answer(200)


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
