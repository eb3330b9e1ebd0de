#!/usr/bin/env python3
"""The gateway's cost (issue 16's performance section): the same kubectl-style load — an
authorized `GET /api/v1/namespaces/bench/pods` over HTTP/2, as kubectl sends it — against
`kubeward up` directly and through `kubeward gateway` in front of it, side by side in one run.

Starts `kubeward up` (release build) and a gateway in front of it (the upstream's admin
credential, impersonation; it trusts the upstream's CA for client certificates), and one
client-certificate user `bench-user` allowed to list pods in `bench`. Each measurement (oha,
`--seconds` long) is taken of both paths in turn, `--rounds` times, so that the machine's noise
falls on both alike; the medians over the rounds are printed as a Markdown table with the
gateway's ratio (requests per second) and added latency (p50, p99), and both processes'
resident memory.

    cargo build --release -p kubeward && cargo install oha
    python3 scripts/gateway_load.py --binary target/release/kubeward --seconds 10 --rounds 3
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_server_load import BINARY, Server, run, setup_users  # noqa: E402

LISTENING = "kubeward gateway listening on "


class Gateway:
    def __init__(self, binary, server):
        pki = server.pki
        self.process = subprocess.Popen(
            [binary, "gateway", "--bind-address", "127.0.0.1", "--secure-port", "0",
             "--upstream-kubeconfig", os.path.join(server.data, "admin.kubeconfig"),
             "--tls-cert-file", f"{pki}/apiserver.crt", "--tls-private-key-file", f"{pki}/apiserver.key",
             "--client-ca-file", f"{pki}/ca.crt"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.url = None
        for line in self.process.stderr:
            if line.startswith(LISTENING):
                self.url = line[len(LISTENING):].split()[0]
                break
        assert self.url, "the gateway did not start"

    def rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.process.kill()
        self.process.wait()


def load(url, ca, cert, key, connections, seconds):
    report = json.loads(run(
        "oha", "--no-tui", "--output-format", "json", "--http2", "-z", f"{seconds}s",
        "-c", str(connections), "--cacert", ca, "--cert", cert, "--key", key,
        "-H", "Accept: application/json", f"{url}/api/v1/namespaces/bench/pods?limit=500"))
    codes = report.get("statusCodeDistribution", {})
    assert set(codes) == {"200"}, codes
    percentiles = report["latencyPercentiles"]
    return report["summary"]["requestsPerSec"], percentiles["p50"] * 1000, percentiles["p99"] * 1000


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=BINARY)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, action="append", default=[])
    options = parser.parse_args()
    connections = options.connections or [1, 16]
    with tempfile.TemporaryDirectory() as workdir:
        server = Server(options.binary, workdir)
        gateway = None
        try:
            _, cert, key = setup_users(server)
            gateway = Gateway(options.binary, server)
            ca = f"{server.pki}/ca.crt"
            print("| connections | path | req/s | p50 ms | p99 ms |")
            print("|---:|---|---:|---:|---:|")
            summary = []
            for c in connections:
                results = {"direct": [], "gateway": []}
                for _ in range(options.rounds):
                    for label, url in [("direct", server.url), ("gateway", gateway.url)]:
                        results[label].append(load(url, ca, cert, key, c, options.seconds))
                medians = {}
                for label, rows in results.items():
                    medians[label] = [statistics.median(column) for column in zip(*rows)]
                    rps, p50, p99 = medians[label]
                    print(f"| {c} | {label} | {rps:,.0f} | {p50:.3f} | {p99:.3f} |", flush=True)
                direct, through = medians["direct"], medians["gateway"]
                summary.append((c, through[0] / direct[0], (through[1] - direct[1]) * 1000,
                                (through[2] - direct[2]) * 1000))
            for c, ratio, p50, p99 in summary:
                print(f"{c} connections: gateway/direct req/s {ratio:.2f}, added p50 {p50:.0f} µs, added p99 {p99:.0f} µs")
            print(f"RSS after the load: up {server.rss_mib():.1f} MiB, gateway {gateway.rss_mib():.1f} MiB")
        finally:
            if gateway:
                gateway.stop()
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
