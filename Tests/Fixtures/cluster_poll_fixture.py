#!/usr/bin/env python3
"""HTTP API of many sources for the cluster-mode tests (loopback only).

usage: cluster_poll_fixture.py [--delay SECONDS]
Prints its port on the first line of stdout, then serves until killed.

Routes:
  /s/<n>     one poll of source n: {"rid": "r-<n>-<k>", "source": n, "k": k, "member": M},
             k counting the polls of source n; M is the X-Member header. The
             answer waits --delay seconds (default 0.05), so that two pollers of
             one source at the same time overlap and are counted.
  /stats     {"max_in_flight": the most members polling one source at once, "interleaved":
             polls made while another member was polling the same source at its
             pace (a poll of another member before and after it, less than `window`
             seconds apart; ?window=S, default 1), "polls": total, "sources":
             sources polled, "members": {member: polls}, "overlaps": [source, members
             polling it, time] for the first 20 times a source had two polls at once}
  /log       every poll as [source, member, start time, rid, answered], in the order
             received; answered: the answer was written without error (a poller that
             gave up or was stopped may not have read it)
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

delay = 0.05
if "--delay" in sys.argv:
    delay = float(sys.argv[sys.argv.index("--delay") + 1])

lock = threading.Lock()
in_flight = {}
max_in_flight = 0
counts = {}
log = []
polling = {}
overlaps = []


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, value):
        body = json.dumps(value).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
            self.wfile.flush()
            return True
        except (BrokenPipeError, ConnectionResetError):
            return False  # a poller stopped mid-poll (SIGTERM, a lease lost): its poll is abandoned

    def do_GET(self):
        global max_in_flight
        url = urlparse(self.path)
        parts = url.path.strip("/").split("/")
        if len(parts) == 2 and parts[0] == "s":
            source = int(parts[1])
            member = self.headers.get("X-Member", "?")
            with lock:
                in_flight[source] = in_flight.get(source, 0) + 1
                polling.setdefault(source, []).append(member)
                # One member with two polls of a source in flight (one cancelled, not yet
                # read by this server) is not two members collecting it.
                members_at_once = len(set(polling[source]))
                if members_at_once > 1:
                    overlaps.append([source, list(polling[source]), time.time()])
                max_in_flight = max(max_in_flight, members_at_once)
                k = counts.get(source, 0) + 1
                counts[source] = k
                rid = "r-%d-%d" % (source, k)
                entry = [source, member, time.time(), rid, False]
                log.append(entry)
            time.sleep(delay)
            with lock:
                in_flight[source] -= 1
                polling[source].remove(member)
            if self.send_json({"rid": rid, "source": source, "k": k, "member": member}):
                with lock:
                    entry[4] = True
        elif url.path == "/stats":
            window = float(parse_qs(url.query).get("window", ["1"])[0])
            with lock:
                entries = list(log)
                peak = max_in_flight
            by_source = {}
            members = {}
            for source, member, at, _, _ in entries:
                by_source.setdefault(source, []).append((at, member))
                members[member] = members.get(member, 0) + 1
            interleaved = 0
            for polls in by_source.values():
                for i in range(1, len(polls) - 1):
                    at, member = polls[i]
                    before = [p for p in polls[:i] if p[1] != member]
                    after = [p for p in polls[i + 1:] if p[1] != member]
                    if before and after and before[-1][1] == after[0][1] and after[0][0] - before[-1][0] < window:
                        interleaved += 1
            self.send_json({"max_in_flight": peak, "overlaps": overlaps[:20], "interleaved": interleaved, "polls": len(entries),
                            "sources": len(by_source), "members": members})
        elif url.path == "/log":
            with lock:
                entries = list(log)
            self.send_json(entries)
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
print(server.server_address[1], flush=True)
server.serve_forever()
