#!/usr/bin/env python3
"""A loopback server for the connector benchmarks (scripts/bench-connectors.sh).

usage: bench_stream_server.py          prints its port on the first line, serves until killed
       bench_stream_server.py sse-client PORT N    reads N events of /sse, decodes each (json)
       bench_stream_server.py ws-client PORT N     reads N messages of /ws, decodes each (json)

Routes (every body is made before the first byte is sent, so the server is
not what is measured):
  /ok          200, a small JSON object, keep-alive (polling)
  /sse?count=N N events "data: <canonical line>", then the connection closes
  /ws?count=N  a WebSocket handshake, N text messages (a canonical line
               each), then a close frame

The clients are what a user would write in Python with the standard
library: a socket, split on the format's delimiters, `json.loads` of each
message.
"""
import base64
import hashlib
import json
import socket
import sys
import threading
from urllib.parse import parse_qs, urlparse

LINE = (b'{"sensor_id":"s-0593","value":20.73,"unit":"RH","ts":1764288000009,'
        b'"site":"plant-8","tags":{"line":"c","shift":1}}')
WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def read_head(conn, buffer):
    while b"\r\n\r\n" not in buffer:
        chunk = conn.recv(65536)
        if not chunk:
            return None, b""
        buffer += chunk
    head, _, rest = buffer.partition(b"\r\n\r\n")
    return head.decode("latin-1"), rest


def serve(conn):
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    buffer = b""
    try:
        while True:
            head, buffer = read_head(conn, buffer)
            if head is None:
                return
            lines = head.split("\r\n")
            target = lines[0].split(" ")[1]
            headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
            url = urlparse(target)
            count = int(parse_qs(url.query).get("count", ["100000"])[0])
            if url.path == "/ok":
                body = b'{"ok":true,"n":1}'
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
                             % (len(body), body))
            elif url.path == "/sse":
                stream = b"data: " + LINE + b"\n\n"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n"
                             + stream * count)
                return
            elif url.path == "/ws":
                accept = base64.b64encode(hashlib.sha1(headers["sec-websocket-key"].encode() + WS_GUID).digest())
                frame = bytes([0x81, len(LINE)]) + LINE
                conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + frame * count
                             + bytes([0x88, 2, 0x03, 0xE8]))
                conn.settimeout(5)
                try:
                    while conn.recv(65536):
                        pass
                except OSError:
                    pass
                return
            else:
                conn.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    except OSError:
        pass
    finally:
        conn.close()


def server():
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(256)
    print(listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


def request(port, path, extra=b""):
    conn = socket.create_connection(("127.0.0.1", port))
    conn.sendall(b"GET " + path.encode() + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + b"\r\n")
    head, rest = read_head(conn, b"")
    return conn, rest


def sse_client(port, n):
    conn, buffer = request(port, "/sse?count=%d" % n)
    seen = 0
    while True:
        *events, buffer = buffer.split(b"\n\n")
        for event in events:
            for line in event.split(b"\n"):
                if line.startswith(b"data:"):
                    json.loads(line[5:])
                    seen += 1
        chunk = conn.recv(1 << 20)
        if not chunk:
            break
        buffer += chunk
    assert seen == n, (seen, n)


def ws_client(port, n):
    key = base64.b64encode(b"0123456789abcdef")
    conn, buffer = request(port, "/ws?count=%d" % n,
                           b"Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                           b"Sec-WebSocket-Key: " + key + b"\r\n")
    seen = 0
    closed = False
    buffer = bytearray(buffer)
    while not closed:
        offset = 0
        while len(buffer) - offset >= 2:
            opcode, length = buffer[offset] & 0x0F, buffer[offset + 1] & 0x7F
            header = 2
            if length == 126:
                if len(buffer) - offset < 4:
                    break
                length, header = int.from_bytes(buffer[offset + 2:offset + 4], "big"), 4
            if len(buffer) - offset < header + length:
                break
            payload = bytes(buffer[offset + header:offset + header + length])
            offset += header + length
            if opcode == 1:
                json.loads(payload)
                seen += 1
            elif opcode == 8:
                conn.sendall(bytes([0x88, 0x82, 0, 0, 0, 0, 0x03, 0xE8]))
                closed = True
                break
        del buffer[:offset]
        if closed:
            break
        chunk = conn.recv(1 << 20)
        if not chunk:
            break
        buffer += chunk
    assert seen == n, (seen, n)


if __name__ == "__main__":
    if len(sys.argv) == 1:
        server()
    elif sys.argv[1] == "sse-client":
        sse_client(int(sys.argv[2]), int(sys.argv[3]))
    elif sys.argv[1] == "ws-client":
        ws_client(int(sys.argv[2]), int(sys.argv[3]))
    else:
        sys.exit(__doc__)
