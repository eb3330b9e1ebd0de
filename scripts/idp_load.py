#!/usr/bin/env python3
"""Token endpoint throughput of `kubeward idp serve` (issue 4's performance figures), with `wrk`
(Debian package) as load generator on loopback.

Starts the provider (release build) on a free port in a temporary data directory with the seed 001
realm (revokeRefreshToken off, so that one refresh token can be redeemed again and again; each
redemption still rotates the family and writes the session to the store), then measures the
client_credentials and refresh_token grants with 2 and 32 connections, and the password grant
(argon2id m=19 MiB, t=2, p=1) with 2 connections. Prints a Markdown table.

    cargo build --release -p kubeward && apt-get install wrk
    python3 scripts/idp_load.py --seconds 8
"""

import argparse
import json
import os
import re
import subprocess
import tempfile
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "kubeward")
REALM = os.path.join(ROOT, "crates", "idp", "src", "representation", "seed-001-realm.json")
SECRET = "kubernetes-client-secret"
LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = os.getenv("BODY")
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %d %.3f %.3f\\n", summary.requests,
    summary.duration, summary.errors.status, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--algorithm", default="RS256")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        realm = json.load(open(REALM))
        realm["revokeRefreshToken"] = False
        realm["defaultSignatureAlgorithm"] = args.algorithm
        realm_file = os.path.join(work, "realm.json")
        json.dump(realm, open(realm_file, "w"))
        lua = os.path.join(work, "post.lua")
        open(lua, "w").write(LUA)
        server = subprocess.Popen(
            [BINARY, "idp", "serve", "--listen", "127.0.0.1:0", "--data-dir",
             os.path.join(work, "data"), "--import-realm", realm_file],
            stdout=subprocess.PIPE, text=True, env={**os.environ, "RUST_LOG": "warn"})
        url = None
        for line in server.stdout:
            if line.startswith("IdP:"):
                url = line.split(":", 1)[1].strip()
            if line.strip() == "Ready.":
                break
        token_url = url + "/realms/kubernetes/protocol/openid-connect/token"
        ca = os.path.join(work, "data", "pki", "ca.crt")
        first = json.loads(subprocess.run(
            ["curl", "-sS", "--cacert", ca, token_url, "-d", "grant_type=password",
             "-d", "client_id=kubernetes-client", "-d", f"client_secret={SECRET}",
             "-d", "username=test", "-d", "password=test-password", "-d", "scope=openid"],
            check=True, capture_output=True, text=True).stdout)
        bodies = {
            "client_credentials": urllib.parse.urlencode({
                "grant_type": "client_credentials", "client_id": "kubernetes-client",
                "client_secret": SECRET}),
            "refresh_token": urllib.parse.urlencode({
                "grant_type": "refresh_token", "client_id": "kubernetes-client",
                "client_secret": SECRET, "refresh_token": first["refresh_token"]}),
            "password": urllib.parse.urlencode({
                "grant_type": "password", "client_id": "kubernetes-client",
                "client_secret": SECRET, "username": "test", "password": "test-password",
                "scope": "openid"}),
        }
        rows = []
        plan = [("client_credentials", 2), ("client_credentials", 32), ("refresh_token", 2),
                ("refresh_token", 32), ("password", 2)]
        for grant, connections in plan:
            out = subprocess.run(
                ["wrk", "-t", "1" if connections < 4 else "2", "-c", str(connections),
                 "-d", f"{args.seconds}s", "--latency", "-s", lua, token_url],
                check=True, capture_output=True, text=True,
                env={**os.environ, "BODY": bodies[grant]}).stdout
            m = re.search(r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)", out)
            requests, micros, errors, p50, p99 = m.groups()
            rate = int(requests) / (int(micros) / 1e6)
            rows.append((grant, connections, rate, float(p50), float(p99), int(errors)))
            time.sleep(1)
        server.kill()
        print(f"| grant ({args.algorithm}) | connections | tokens/s | p50 ms | p99 ms | non-2xx |")
        print("|---|---:|---:|---:|---:|---:|")
        for grant, c, rate, p50, p99, errors in rows:
            print(f"| {grant} | {c} | {rate:,.0f} | {p50:.2f} | {p99:.2f} | {errors} |")


if __name__ == "__main__":
    main()
