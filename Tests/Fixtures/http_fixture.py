#!/usr/bin/env python3
"""HTTP and SSE test server for the source tests (loopback only).

usage: http_fixture.py [--tls DIR] [--port N] [--generation G]   (--tls: https, with a
throwaway certificate for 127.0.0.1 made by openssl as DIR/cert.pem and DIR/key.pem;
--port: listen there, e.g. to stand in for a server that restarted; --generation:
a name for this start, which /generation tells, default 1)
Prints its port on the first line of stdout, then serves until killed.

Routes:
  /ok                 200 JSON {"n": <request count>}
  /bad-then-good      a body that is not JSON on the first request, then {"n": <request count>}
  /generation         {"generation": G, "n": <request count>}
  /conn               {"connection": <connection number>, "request": <request number on it>};
                      ?close=1 answers with Connection: close
  /conn/close         as /conn, then closes the connection without saying so (an idle timeout)
  /conn/drop-next     as /conn; the next request on this connection is read, then the
                      connection is closed without an answer
  /chunked?pieces=N   a chunked body of N pieces (extensions, a trailer); ?cut=1 closes after the first
  /redirect?to=URL    302 to URL (&status=S for another status); /redirect/loop redirects to itself
  /auth               200 with "Authorization: Bearer secret", else 401 {"error": "bad token"}
  /echo               the method, path, query, headers and body as JSON (any method);
                      ?status=S answers with that status (a server that echoes the request in its errors)
  /etag               200 with ETag "v<version>" and Last-Modified; 304 (with the length
                      the 200 would have, and no body) when If-None-Match matches
  /etag/bump          changes the version
  /status/<code>      that status with a body; ?retry_after=S adds Retry-After
  /flaky/<code>       <code> with Retry-After: 1 on the first request, 200 after
  /slow?delay=S       answers after S seconds
  /stall              reads the request and never answers
  /cut                promises 1000 bytes, sends 10 and closes
  /big?size=N         N bytes (&chunked=1: in chunks of 8 KiB)
  /binary             invalid UTF-8 under Content-Type text/plain
  /pages?page=N       pages 1..3, Link: rel="next" until the last
  /cursor?cursor=C    {"items": [...], "meta": {"next": ...}} over three pages
  /numbered?page=N    {"data": [...]} with two items on pages 1..3, none after
  /array              a top-level JSON array of three objects
  /sse/basic          a stream of the WHATWG cases, then the connection closes
  /sse/resume         events with ids; honours Last-Event-ID; closes after two
  /sse/forever        an event every 50 ms, ids numbered on from Last-Event-ID, until closed
  /sse/garbage        garbage lines and a 10 MB event, then a good event
  /sse/chunked        events in a chunked body, split mid-line across chunks
  /sse/bad-then-good  an event whose data is not JSON, then {"n": i} every 50 ms until closed
  /sse/generation     {"generation": G, "n": i} every 50 ms until closed
  /requests           how many requests each path has had
"""
import json
import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

lock = threading.Lock()
counts = {}
state = {"version": 1, "connections": 0}


def count(path):
    with lock:
        counts[path] = counts.get(path, 0) + 1
        return counts[path]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; without TCP_NODELAY, Nagle
    # and the client's delayed ACK add 40 ms to every keep-alive request.
    disable_nagle_algorithm = True

    def log_message(self, *args):
        pass

    def setup(self):
        super().setup()
        with lock:
            state["connections"] += 1
            self.connection_number = state["connections"]
        self.served = 0
        self.drop_next = False

    def send(self, status, body, content_type="application/json", headers=(), length=None):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if status != 204:
            self.send_header("Content-Length", str(len(body) if length is None else length))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD" and status not in (204, 304):
            self.wfile.write(body)

    def send_chunked(self, pieces, content_type="application/json", cut=False):
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index, piece in enumerate(pieces):
            data = piece.encode() if isinstance(piece, str) else piece
            self.wfile.write(b"%x;piece=%d\r\n%s\r\n" % (len(data), index, data))
            self.wfile.flush()
            if cut:
                return self.hang_up()
        self.wfile.write(b"0\r\nX-Checksum: none\r\n\r\n")

    def hang_up(self):
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)
        self.close_connection = True

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_POST(self):
        self.do_GET()

    def do_PUT(self):
        self.do_GET()

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        path = url.path
        n = count(path)
        self.served += 1
        # Read whatever the route, so that the next request on the connection starts clean.
        request_body = self.body()
        if self.drop_next:
            return self.hang_up()
        if path == "/ok":
            return self.send(200, json.dumps({"n": n}))
        if path == "/generation":
            return self.send(200, json.dumps({"generation": state["generation"], "n": n}))
        if path == "/bad-then-good":
            return self.send(200, "{not json" if n == 1 else json.dumps({"n": n}))
        if path.startswith("/conn"):
            answer = json.dumps({"connection": self.connection_number, "request": self.served})
            closing = [("Connection", "close")] if query.get("close") == "1" else []
            self.send(200, answer, headers=closing)
            if path == "/conn/close":
                self.hang_up()
            self.drop_next = path == "/conn/drop-next"
            return
        if path == "/chunked":
            pieces = ['{"piece":%d}\n' % i for i in range(int(query.get("pieces", "3")))]
            return self.send_chunked(pieces, cut=query.get("cut") == "1")
        if path.startswith("/redirect"):
            if path == "/redirect/loop":
                return self.send(302, "{}", headers=[("Location", "/redirect/loop")])
            return self.send(int(query.get("status", "302")), "{}", headers=[("Location", query["to"])])
        if path == "/auth":
            if self.headers.get("Authorization") == "Bearer secret":
                return self.send(200, '{"ok":true}')
            return self.send(401, '{"error":"bad token"}')
        if path == "/echo":
            return self.send(int(query.get("status", "200")), json.dumps({
                "method": self.command, "path": path, "query": query,
                "headers": {k.lower(): v for k, v in self.headers.items()},
                "body": request_body.decode("utf-8", "replace"),
            }))
        if path == "/etag":
            tag = '"v%d"' % state["version"]
            modified = "Sat, 28 Nov 2026 00:00:0%d GMT" % state["version"]
            if self.headers.get("If-None-Match") == tag:
                length = len(json.dumps({"version": state["version"]}))
                return self.send(304, b"", headers=[("ETag", tag)], length=length)
            return self.send(200, json.dumps({"version": state["version"]}),
                             headers=[("ETag", tag), ("Last-Modified", modified)])
        if path == "/etag/bump":
            state["version"] += 1
            return self.send(200, "{}")
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            headers = [("Retry-After", query["retry_after"])] if "retry_after" in query else []
            return self.send(code, json.dumps({"status": code, "detail": "status %d from the fixture" % code}),
                             headers=headers)
        if path.startswith("/flaky/"):
            code = int(path.rsplit("/", 1)[1])
            if n == 1:
                return self.send(code, '{"error":"try later"}', headers=[("Retry-After", "1")])
            return self.send(200, '{"ok":true}')
        if path == "/slow":
            time.sleep(float(query.get("delay", "1")))
            return self.send(200, '{"slow":true}')
        if path == "/stall":
            time.sleep(120)
            return
        if path == "/cut":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b'{"partial":')
            return self.hang_up()
        if path == "/big":
            body = b"x" * int(query.get("size", "1000"))
            if query.get("chunked") == "1":
                return self.send_chunked([body[i:i + 8192] for i in range(0, len(body), 8192)], "text/plain")
            return self.send(200, body, content_type="text/plain")
        if path == "/binary":
            return self.send(200, b"\xff\xfe\x00binary\x80", content_type="text/plain")
        if path == "/pages":
            page = int(query.get("page", "1"))
            headers = []
            if page < 3:
                headers.append(("Link", '<%s?page=%d>; rel="next", </pages?page=1>; rel="first"' % (path, page + 1)))
            return self.send(200, json.dumps({"page": page}), headers=headers)
        if path == "/cursor":
            cursor = query.get("cursor", "")
            following = {"": "c2", "c2": "c3", "c3": None}[cursor]
            return self.send(200, json.dumps({"items": [cursor or "c1"], "meta": {"next": following}}))
        if path == "/array":
            return self.send(200, json.dumps([{"n": i} for i in (1, 2, 3)]))
        if path == "/numbered":
            page = int(query.get("page", "0"))
            items = [{"page": page, "item": i} for i in (1, 2)] if 1 <= page <= 3 else []
            return self.send(200, json.dumps({"data": items}))
        if path.startswith("/sse/"):
            return self.sse(path, n)
        if path == "/requests":
            with lock:
                return self.send(200, json.dumps(counts))
        return self.send(404, '{"error":"no such route"}')

    def sse_start(self, headers=()):
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.close_connection = True

    def emit(self, raw):
        self.wfile.write(raw if isinstance(raw, bytes) else raw.encode())
        self.wfile.flush()

    def sse(self, path, n):
        if path == "/sse/basic":
            self.sse_start()
            self.emit("\ufeff: a comment\n")
            self.emit("data: one\n\n")
            self.emit("event: update\r\ndata: two\r\ndata: lines\r\nid: 7\r\n\r\n")
            self.emit("data: three\rid\r\r")
            self.emit("retry: 50\ndata:no space\n\n")
            self.emit("data: unfinished at close")
            return
        if path == "/sse/forever":
            # An event every 50 ms, numbered on from Last-Event-ID, until the client or the server goes.
            last = self.headers.get("Last-Event-ID")
            i = int(last) if last else 0
            self.sse_start()
            try:
                while True:
                    i += 1
                    self.emit("id: %d\ndata: %d\n\n" % (i, i))
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                return
        if path == "/sse/generation":
            self.sse_start()
            try:
                i = 0
                while True:
                    i += 1
                    self.emit("data: %s\n\n" % json.dumps({"generation": state["generation"], "n": i}))
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                return
        if path == "/sse/bad-then-good":
            self.sse_start()
            try:
                self.emit("data: {not json\n\n")
                i = 0
                while True:
                    i += 1
                    self.emit("data: %s\n\n" % json.dumps({"n": i}))
                    time.sleep(0.05)
            except (BrokenPipeError, ConnectionResetError):
                return
        if path == "/sse/resume":
            last = self.headers.get("Last-Event-ID")
            start = int(last) + 1 if last else 1
            self.sse_start()
            self.emit("retry: 20\n\n")
            for i in range(start, start + 2):
                self.emit("id: %d\ndata: event %d\n\n" % (i, i))
                time.sleep(0.02)
            return
        if path == "/sse/garbage":
            self.sse_start()
            self.emit("nonsense line without colon\n:comment\n\x00\x01 weird: stuff\n\n")
            self.emit(b"data: " + b"y" * (10 * 1024 * 1024) + b"\n\n")
            self.emit("data: after\n\n")
            return
        if path == "/sse/chunked":
            self.close_connection = True
            return self.send_chunked(["id: 1\ndata: fi", "rst\n\nid: 2\r", "\ndata: second\r\n\r\n"],
                                     "text/event-stream")
        return self.send(404, "{}")


def certificate(directory):
    """A throwaway self-signed certificate for 127.0.0.1, made once per directory."""
    cert, key = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    return cert, key


class Server(ThreadingHTTPServer):
    # socketserver listens with a backlog of 5: the benchmark's 200 sources
    # connecting at once would overflow it, and a connection whose handshake
    # the kernel dropped waits out TCP's retransmission backoff.
    request_queue_size = 256
    daemon_threads = True


def main():
    args = sys.argv[1:]
    port = int(args[args.index("--port") + 1]) if "--port" in args else 0
    state["generation"] = int(args[args.index("--generation") + 1]) if "--generation" in args else 1
    server = Server(("127.0.0.1", port), Handler)
    if "--tls" in args:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*certificate(args[args.index("--tls") + 1]))
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
