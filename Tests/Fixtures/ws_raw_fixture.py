#!/usr/bin/env python3
"""A deliberately broken WebSocket server, for the client's bad-input tests.

The `websockets` package will not send malformed frames, so this one does
the handshake by hand, then misbehaves according to the path:
  /ok              a text message "raw ok", then a normal close
  /masked          a masked text frame (servers must not mask)
  /bad-close-code  a close frame with code 1005 (reserved)
  /interleaved     a fragment start, then a new text frame before its end
  /bad-utf8        a text frame that is not UTF-8
  /cut             half a frame, then the TCP connection closes
  /wrong-accept    a 101 answer with a wrong Sec-WebSocket-Accept
Prints its port on the first line of stdout.
"""
import asyncio
import base64
import hashlib

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode, payload, fin=True, mask=None):
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    mask_bit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mask_bit | n])
    elif n < 65536:
        head += bytes([mask_bit | 126]) + n.to_bytes(2, "big")
    else:
        head += bytes([mask_bit | 127]) + n.to_bytes(8, "big")
    if mask:
        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        head += mask
    return head + payload


async def handle(reader, writer):
    try:
        request = await reader.readuntil(b"\r\n\r\n")
        lines = request.decode().split("\r\n")
        path = lines[0].split(" ")[1]
        key = next(l.split(":", 1)[1].strip() for l in lines if l.lower().startswith("sec-websocket-key:"))
        accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        if path == "/wrong-accept":
            accept = base64.b64encode(b"not the right digest!").decode()
        writer.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Accept: %s\r\n\r\n" % accept).encode())
        if path == "/ok":
            writer.write(frame(1, b"raw ok") + frame(8, (1000).to_bytes(2, "big")))
        elif path == "/masked":
            writer.write(frame(1, b"masked!", mask=b"\x01\x02\x03\x04"))
        elif path == "/bad-close-code":
            writer.write(frame(8, (1005).to_bytes(2, "big") + b"reserved"))
        elif path == "/interleaved":
            writer.write(frame(1, b"first half", fin=False) + frame(1, b"intruder"))
        elif path == "/bad-utf8":
            writer.write(frame(1, b"\xff\xfe not utf-8 \xc0\xaf"))
        elif path == "/cut":
            whole = frame(1, b"x" * 1000)
            writer.write(whole[:300])
            await writer.drain()
            writer.close()
            return
        await writer.drain()
        # Wait for the client's close frame (or its hang-up), then hang up.
        await asyncio.wait_for(reader.read(1024), 5)
    except Exception:
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
