#!/usr/bin/env python3
"""HTTP proxy for the proxy tests (loopback only).

usage: proxy_fixture.py LOG [--refuse CODE] [--auth USER:PASSWORD]
Prints its port on the first line of stdout, then serves until killed.

Takes CONNECT host:port (a tunnel) and absolute-form requests
(GET http://host:port/path: forwarded). Whatever the host, it connects to
127.0.0.1 at that port, so tests can name hosts that do not resolve and
still never leave loopback. Each connection's first request is appended to
LOG as a JSON line: {"kind": "connect"|"forward", "target", "auth"}.
--refuse CODE answers every request with CODE; --auth requires
Proxy-Authorization: Basic base64(USER:PASSWORD), else 407.
"""
import base64
import json
import socket
import sys
import threading

LOG = sys.argv[1]
REFUSE = int(sys.argv[sys.argv.index("--refuse") + 1]) if "--refuse" in sys.argv else None
AUTH = sys.argv[sys.argv.index("--auth") + 1] if "--auth" in sys.argv else None
lock = threading.Lock()
REASONS = {403: "Forbidden", 407: "Proxy Authentication Required", 502: "Bad Gateway"}


def log(entry):
    with lock:
        with open(LOG, "a") as f:
            f.write(json.dumps(entry) + "\n")


def pipe(source, target):
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            target.sendall(data)
    except OSError:
        pass
    finally:
        for s in (source, target):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def handle(client):
    head = b""
    while b"\r\n\r\n" not in head:
        data = client.recv(1)
        if not data:
            client.close()
            return
        head += data
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    auth = headers.get("proxy-authorization")
    kind = "connect" if method == "CONNECT" else "forward"
    log({"kind": kind, "target": target, "auth": auth})
    status = REFUSE
    if status is None and AUTH is not None and auth != "Basic " + base64.b64encode(AUTH.encode()).decode():
        status = 407
    if status is not None:
        client.sendall(b"HTTP/1.1 %d %s\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                       % (status, REASONS.get(status, "Refused").encode()))
        client.close()
        return
    if kind == "connect":
        port = int(target.rsplit(":", 1)[1])
    else:
        authority = target.split("://", 1)[1].split("/", 1)[0]
        port = int(authority.rsplit(":", 1)[1]) if ":" in authority.rsplit("]", 1)[-1] else 80
    try:
        upstream = socket.create_connection(("127.0.0.1", port))
    except OSError:
        client.sendall(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
        client.close()
        return
    if kind == "connect":
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
    else:
        upstream.sendall(head)
    threading.Thread(target=pipe, args=(upstream, client), daemon=True).start()
    pipe(client, upstream)


server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
server.bind(("127.0.0.1", 0))
server.listen(64)
print(server.getsockname()[1], flush=True)
while True:
    connection, _ = server.accept()
    connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    threading.Thread(target=handle, args=(connection,), daemon=True).start()
