#!/usr/bin/env python3
"""WebSocket test server on the `websockets` package (not our code).

usage: ws_fixture.py [CERT KEY]   (with a certificate and key: wss://)
Prints its port on the first line of stdout, then serves until killed.

Paths:
  /feed     waits for a subscribe message, then sends a text echo of it, a
            binary message, a fragmented text message, a ping, a text, and
            closes with 4000 "bye"
  /normal   sends "n<connection number>" and closes normally (1000)
  /echo     echoes every message
  /big      sends a text message of ?size bytes
  /bad-then-good  sends a text message that is not JSON, then {"n": i} every 50 ms until closed
  /silent   sends nothing; waits until the client goes
  /auth     sends the handshake's Authorization header (or "none") and closes normally
  /flood    sends ?count canonical-workload lines as fast as it can, then
            closes normally (for collector-sources-bench websocket)
"""
import asyncio
import ssl
import sys
from urllib.parse import parse_qs, urlparse

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

connections = {"normal": 0}


async def handler(ws):
    url = urlparse(ws.request.path)
    path = url.path
    if path == "/feed":
        subscribe = await asyncio.wait_for(ws.recv(), 10)
        await ws.send('{"subscribed":%s}' % subscribe)
        await ws.send(b"\x00\x01\x02")
        await ws.send(["frag", "mented"])
        await ws.ping(b"are you there")
        await ws.send("after ping")
        await ws.close(4000, "bye")
    elif path == "/normal":
        connections["normal"] += 1
        await ws.send("n%d" % connections["normal"])
        await ws.close(1000, "done")
    elif path == "/echo":
        async for message in ws:
            await ws.send(message)
    elif path == "/flood":
        count = int(parse_qs(url.query).get("count", ["100000"])[0])
        line = ('{"sensor_id":"s-0593","value":20.73,"unit":"RH","ts":1764288000009,'
                '"site":"plant-8","tags":{"line":"c","shift":1}}')
        for _ in range(count):
            await ws.send(line)
        await ws.close(1000, "done")
    elif path == "/bad-then-good":
        await ws.send("{not json")
        i = 0
        try:
            while True:
                i += 1
                await ws.send('{"n": %d}' % i)
                await asyncio.sleep(0.05)
        except ConnectionClosed:
            pass
    elif path == "/silent":
        await ws.wait_closed()
    elif path == "/auth":
        await ws.send(ws.request.headers.get("Authorization", "none"))
        await ws.close(1000, "done")
    elif path == "/big":
        size = int(parse_qs(url.query).get("size", ["1000"])[0])
        await ws.send("z" * size)
        await asyncio.sleep(5)


async def main():
    context = None
    if len(sys.argv) == 3:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[1], sys.argv[2])
    async with serve(handler, "127.0.0.1", 0, ssl=context, max_size=None) as server:
        port = server.sockets[0].getsockname()[1]
        print(port, flush=True)
        await asyncio.Future()


if __name__ == "__main__":
    asyncio.run(main())
