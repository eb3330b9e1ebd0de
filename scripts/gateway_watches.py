#!/usr/bin/env python3
"""Idle watches through the gateway (issue 16's performance section: "an idle watch costs no CPU;
1,000 concurrent watches under 100 MB").

Starts `kubeward up` (release build) and `kubeward gateway` in front of it (as
`scripts/gateway_load.py` does), opens `--watches` watches of the pods in `bench` through the
gateway as the client-certificate user `bench-user` (HTTP/1.1, one TLS connection each), then
prints the gateway's resident memory idle and with the watches open, the CPU time the gateway
used (user + system, from `/proc/PID/stat`) while the watches sat idle for `--idle-seconds`, and
how many watches saw a pod created upstream afterwards. Not part of the test suite.

    cargo build --release -p kubeward
    python3 scripts/gateway_watches.py --binary target/release/kubeward --watches 1000 --idle-seconds 60
"""

import argparse
import asyncio
import os
import ssl
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_server_load import BINARY, Server, setup_users  # noqa: E402
from gateway_load import Gateway  # noqa: E402

POD = """{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "after-the-watches"},
 "spec": {"containers": [{"name": "c", "image": "busybox"}]}}"""


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


async def watches(options, server, gateway, cert, key):
    host, port = gateway.url.split("//", 1)[1].rsplit(":", 1)
    context = ssl.create_default_context(cafile=f"{server.pki}/ca.crt")
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(["http/1.1"])
    gate = asyncio.Semaphore(50)
    readers = []

    async def open_one():
        async with gate:
            reader, writer = await asyncio.open_connection(host, int(port), ssl=context)
            writer.write(b"GET /api/v1/namespaces/bench/pods?watch=true HTTP/1.1\r\nHost: gateway\r\n"
                         b"Accept: application/json\r\n\r\n")
            await writer.drain()
            status = await reader.readline()
            assert b" 200 " in status, status
            while (await reader.readline()) not in (b"\r\n", b""):
                pass
            readers.append((reader, writer))

    idle_rss = gateway.rss_mib()
    started = time.monotonic()
    await asyncio.gather(*(open_one() for _ in range(options.watches)))
    print(f"{len(readers)} watches open in {time.monotonic() - started:.1f} s")
    await asyncio.sleep(2)
    print(f"gateway RSS: idle {idle_rss:.1f} MiB, with the watches {gateway.rss_mib():.1f} MiB; "
          f"up {server.rss_mib():.1f} MiB")
    ticks = os.sysconf("SC_CLK_TCK")
    before = cpu_ticks(gateway.process.pid)
    await asyncio.sleep(options.idle_seconds)
    used = cpu_ticks(gateway.process.pid) - before
    print(f"gateway CPU while {len(readers)} watches sat idle for {options.idle_seconds} s: "
          f"{used} ticks ({used * 1000 / ticks:.0f} ms)")
    server.kubectl("create", "-n", "bench", "-f", "-", input=POD)

    async def sees(reader):
        seen = b""
        while b"after-the-watches" not in seen:
            chunk = await reader.read(65536)
            if not chunk:
                return False
            seen = seen[-64:] + chunk
        return True

    saw = await asyncio.wait_for(asyncio.gather(*(sees(r) for r, _ in readers)), 120)
    print(f"{sum(saw)} of {len(readers)} watches saw the pod created upstream")
    for _, writer in readers:
        writer.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=BINARY)
    parser.add_argument("--watches", type=int, default=1000)
    parser.add_argument("--idle-seconds", type=int, default=60)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        server = Server(options.binary, workdir)
        gateway = None
        try:
            _, cert, key = setup_users(server)
            gateway = Gateway(options.binary, server)
            asyncio.run(watches(options, server, gateway, cert, key))
        finally:
            if gateway:
                gateway.stop()
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
