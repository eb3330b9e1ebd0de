"""A WebSocket client of the kubelet API, written with the `websockets` package (not kubeward's
code): exec over a channel protocol, or port forwarding over v4.channel.k8s.io.

usage: ws_client.py exec URL PROTOCOL STDIN CA CERT KEY
       ws_client.py portforward URL REQUEST CA CERT KEY
Prints one JSON object describing what came back.

The asyncio client, not the threaded one: `websockets.sync` reads on a thread of its own while
the caller writes, and two threads on one `ssl.SSLSocket` can lose the handshake's request when
TLS 1.3 session tickets arrive meanwhile (the client then waits forever for an answer to a request
it never sent). asyncio's TLS runs on one thread.
"""

import asyncio
import base64
import json
import ssl
import sys

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

# No step of a run may wait longer than this.
TIMEOUT = 20


def context(ca, cert, key):
    tls = ssl.create_default_context(cafile=ca)
    tls.load_cert_chain(cert, key)
    return tls


def decode(message, base64_protocol):
    if base64_protocol:
        return ord(message[0]) - ord("0"), base64.b64decode(message[1:])
    return message[0], bytes(message[1:])


def encode(channel, data, base64_protocol):
    if base64_protocol:
        return chr(ord("0") + channel) + base64.b64encode(data).decode()
    return bytes([channel]) + data


async def recv(ws):
    return await asyncio.wait_for(ws.recv(), TIMEOUT)


async def run_exec(url, protocol, stdin, tls):
    base64_protocol = "base64" in protocol
    channels = {}
    async with connect(
        url, ssl=tls, subprotocols=[protocol], max_size=None, close_timeout=TIMEOUT
    ) as ws:
        chosen = ws.subprotocol
        channel, data = decode(await recv(ws), base64_protocol)
        hello = {"channel": channel, "length": len(data)}
        try:
            # A command that does not read stdin may have ended, and the kubelet closed the
            # stream, before stdin is sent: what it wrote is still read below.
            await ws.send(encode(0, stdin.encode(), base64_protocol))
            if protocol.startswith("v5."):
                await ws.send(bytes([255, 0]))
        except ConnectionClosed:
            pass
        try:
            while True:
                channel, data = decode(await recv(ws), base64_protocol)
                channels[channel] = channels.get(channel, b"") + data
        except ConnectionClosed:
            pass
    return {
        "protocol": chosen,
        "first": hello,
        "stdout": channels.get(1, b"").decode(),
        "stderr": channels.get(2, b"").decode(),
        "error": channels.get(3, b"").decode(),
    }


async def run_portforward(url, request, tls):
    received = {0: b"", 1: b""}
    async with connect(
        url,
        ssl=tls,
        subprotocols=["v4.channel.k8s.io"],
        max_size=None,
        close_timeout=TIMEOUT,
    ) as ws:
        chosen = ws.subprotocol
        prefixes = []
        for _ in range(2):
            channel, data = decode(await recv(ws), False)
            prefixes.append([channel, int.from_bytes(data, "little")])
        try:
            await ws.send(encode(0, request.encode(), False))
        except ConnectionClosed:
            # The kubelet dials the port when the stream opens: a refused dial may have closed
            # the connection (after its error message, still to be read) before the request.
            pass
        try:
            while True:
                channel, data = decode(await recv(ws), False)
                received[channel] = received.get(channel, b"") + data
        except ConnectionClosed:
            pass
    return {
        "protocol": chosen,
        "prefixes": prefixes,
        "data": received[0].decode(errors="replace"),
        "error": received[1].decode(errors="replace"),
    }


def main():
    mode = sys.argv[1]
    if mode == "exec":
        url, protocol, stdin, ca, cert, key = sys.argv[2:8]
        result = run_exec(url, protocol, stdin, context(ca, cert, key))
    else:
        url, request, ca, cert, key = sys.argv[2:7]
        result = run_portforward(url, request, context(ca, cert, key))
    print(json.dumps(asyncio.run(result)))


main()
