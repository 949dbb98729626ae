#!/usr/bin/env python3
"""A WebSocket feed that can be restarted on the same port (on the
`websockets` package, not our code).

usage: ws_feed_fixture.py PORT GEN   (PORT 0: any free port)
Prints its port on the first line of stdout, then sends {"gen": GEN, "n": i}
to each client every 50 ms until killed. GEN tells server generations apart.
"""
import asyncio
import json
import sys

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

port, gen = int(sys.argv[1]), sys.argv[2]


async def handler(ws):
    n = 0
    try:
        while True:
            n += 1
            await ws.send(json.dumps({"gen": gen, "n": n}))
            await asyncio.sleep(0.05)
    except ConnectionClosed:
        pass


async def main():
    async with serve(handler, "127.0.0.1", port) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.Future()


asyncio.run(main())
