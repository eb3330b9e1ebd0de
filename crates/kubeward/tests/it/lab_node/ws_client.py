"""A WebSocket client of the kubelet API, written with the `websockets` package (not kubeward's
code): exec over a channel protocol, or port forwarding over v4.channel.k8s.io.

usage: ws_client.py exec URL PROTOCOL STDIN CA CERT KEY
       ws_client.py portforward URL REQUEST CA CERT KEY
Prints one JSON object describing what came back.
"""

import base64
import json
import ssl
import sys

from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


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


def run_exec(url, protocol, stdin, tls):
    base64_protocol = "base64" in protocol
    channels = {}
    messages = 0
    with connect(url, ssl=tls, subprotocols=[protocol], max_size=None) as ws:
        chosen = ws.subprotocol
        first = ws.recv(timeout=10)
        channel, data = decode(first, base64_protocol)
        hello = {"channel": channel, "length": len(data)}
        try:
            # A command that does not read stdin may have ended, and the kubelet closed the
            # stream, before stdin is sent: what it wrote is still read below.
            ws.send(encode(0, stdin.encode(), base64_protocol))
            if protocol.startswith("v5."):
                ws.send(bytes([255, 0]))
        except ConnectionClosed:
            pass
        try:
            while True:
                channel, data = decode(ws.recv(timeout=20), base64_protocol)
                messages += 1
                channels.setdefault(channel, b"")
                channels[channel] += data
        except ConnectionClosed:
            pass
    return {
        "protocol": chosen,
        "first": hello,
        "stdout": channels.get(1, b"").decode(),
        "stderr": channels.get(2, b"").decode(),
        "error": channels.get(3, b"").decode(),
    }


def run_portforward(url, request, tls):
    received = {0: b"", 1: b""}
    with connect(url, ssl=tls, subprotocols=["v4.channel.k8s.io"], max_size=None) as ws:
        chosen = ws.subprotocol
        prefixes = []
        for _ in range(2):
            channel, data = decode(ws.recv(timeout=10), False)
            prefixes.append([channel, int.from_bytes(data, "little")])
        try:
            ws.send(encode(0, request.encode(), False))
        except ConnectionClosed:
            # The kubelet dials the port when the stream opens: a refused dial may have closed
            # the connection (after its error message, still to be read) before the request.
            pass
        try:
            while True:
                channel, data = decode(ws.recv(timeout=20), False)
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
    print(json.dumps(result))


main()
