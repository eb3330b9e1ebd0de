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

The binary is $CARGO_TARGET_DIR/release/kubeward (target/release/kubeward without it), or
--binary. scripts/idp_vs_oidc_provider.py reuses these functions to compare with npm
oidc-provider in the same run.
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
BINARY = os.path.join(os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"),
                      "release", "kubeward")
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


def start_kubeward(work, binary, algorithm):
    """Starts `kubeward idp serve` with the seed 001 realm (revokeRefreshToken off); returns the
    process, the token endpoint and the CA file."""
    realm = json.load(open(REALM))
    realm["revokeRefreshToken"] = False
    realm["defaultSignatureAlgorithm"] = algorithm
    realm_file = os.path.join(work, "realm.json")
    json.dump(realm, open(realm_file, "w"))
    server = subprocess.Popen(
        [binary, "idp", "serve", "--listen", "127.0.0.1:0", "--data-dir",
         os.path.join(work, "data"), "--import-realm", realm_file],
        stdout=subprocess.PIPE, stderr=open(os.path.join(work, "kubeward.log"), "w"), text=True,
        env={**os.environ, "RUST_LOG": "warn"})
    url = None
    for line in server.stdout:
        if line.startswith("IdP:"):
            url = line.split(":", 1)[1].strip()
        if line.strip() == "Ready.":
            break
    if url is None:
        server.kill()
        log = open(os.path.join(work, "kubeward.log")).read()
        raise SystemExit(f"kubeward idp serve did not print its address and Ready.\n{log}")
    token_url = url + "/realms/kubernetes/protocol/openid-connect/token"
    return server, token_url, os.path.join(work, "data", "pki", "ca.crt")


def token_request(token_url, ca, fields):
    """POSTs a form to the token endpoint with curl; returns the JSON answer."""
    command = ["curl", "-sS", "--fail-with-body", "--cacert", ca, token_url]
    for key, value in fields.items():
        command += ["--data-urlencode", f"{key}={value}"]
    return json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)


def grant_bodies(client_id, secret, refresh_token, username=None, password=None):
    """Form bodies of the grants under load."""
    bodies = {
        "client_credentials": urllib.parse.urlencode({
            "grant_type": "client_credentials", "client_id": client_id,
            "client_secret": secret}),
        "refresh_token": urllib.parse.urlencode({
            "grant_type": "refresh_token", "client_id": client_id,
            "client_secret": secret, "refresh_token": refresh_token}),
    }
    if username is not None:
        bodies["password"] = urllib.parse.urlencode({
            "grant_type": "password", "client_id": client_id, "client_secret": secret,
            "username": username, "password": password, "scope": "openid"})
    return bodies


def write_lua(work):
    """Writes wrk's POST script; returns its path."""
    lua = os.path.join(work, "post.lua")
    open(lua, "w").write(LUA)
    return lua


def run_wrk(lua, url, body, connections, seconds):
    """One wrk run; returns (tokens/s, p50 ms, p99 ms, non-2xx count)."""
    # One wrk thread: on a 2-core machine a second one competes with the server for the cores
    # and adds its own scheduling stalls to the latencies (measured 2026-11-29: ES256 refresh at
    # 32 connections, 15.0k tokens/s and p99 5.9 ms with two wrk threads, 16.0k and 4.2 ms with
    # one); one thread drives 32 connections at these rates.
    out = subprocess.run(
        ["wrk", "-t", "1", "-c", str(connections),
         "-d", f"{seconds}s", "--latency", "-s", lua, url],
        check=True, capture_output=True, text=True,
        env={**os.environ, "BODY": body}).stdout
    m = re.search(r"RESULT (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)", out)
    if m is None:
        raise SystemExit(f"wrk printed no result:\n{out}")
    requests, micros, errors, p50, p99 = m.groups()
    return int(requests) / (int(micros) / 1e6), float(p50), float(p99), int(errors)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--algorithm", default="RS256")
    parser.add_argument("--binary", default=BINARY)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        lua = write_lua(work)
        server, token_url, ca = start_kubeward(work, args.binary, args.algorithm)
        first = token_request(token_url, ca, {
            "grant_type": "password", "client_id": "kubernetes-client", "client_secret": SECRET,
            "username": "test", "password": "test-password", "scope": "openid"})
        bodies = grant_bodies("kubernetes-client", SECRET, first["refresh_token"], "test",
                              "test-password")
        rows = []
        plan = [("client_credentials", 2), ("client_credentials", 32), ("refresh_token", 2),
                ("refresh_token", 32), ("password", 2)]
        for grant, connections in plan:
            rate, p50, p99, errors = run_wrk(lua, token_url, bodies[grant], connections,
                                             args.seconds)
            rows.append((grant, connections, rate, p50, p99, errors))
            time.sleep(1)
        server.kill()
        print(f"| grant ({args.algorithm}) | connections | tokens/s | p50 ms | p99 ms | non-2xx |")
        print("|---|---:|---:|---:|---:|---:|")
        for grant, c, rate, p50, p99, errors in rows:
            print(f"| {grant} | {c} | {rate:,.0f} | {p50:.2f} | {p99:.2f} | {errors} |")


if __name__ == "__main__":
    main()
