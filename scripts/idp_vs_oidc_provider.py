#!/usr/bin/env python3
"""Token endpoint throughput of `kubeward idp serve` against npm `oidc-provider`, in one run on one
machine (issue 4, part 8), with `wrk` (Debian package) as load generator on loopback.

Both providers run at once over TLS on 127.0.0.1, configured alike (scripts/oidc_provider_peer.mjs
says how oidc-provider is set up): a confidential client with client_secret_post, RS256 (or
--algorithm ES256), JWT access tokens, a refresh token issued to a user by a password grant. Each
row (client_credentials and refresh_token, 2 and 32 connections) is measured on kubeward and then
on oidc-provider, --rounds times in turn, so both see the same machine load; the table gives the
median of the rounds, and the CPU time each server process spent per token.

    cargo build --release -p kubeward && apt-get install wrk && npm ci --prefix testpeers
    python3 scripts/idp_vs_oidc_provider.py --seconds 8 --rounds 3

The binary is $CARGO_TARGET_DIR/release/kubeward (target/release/kubeward without it), or
--binary. Prints Markdown: versions and load, the table, and the targets met or not.
"""

import argparse
import datetime
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import idp_load  # noqa: E402

ROOT = idp_load.ROOT
PEER = os.path.join(ROOT, "scripts", "oidc_provider_peer.mjs")
OIDC_PROVIDER = os.path.join(ROOT, "testpeers", "node_modules", "oidc-provider")
PLAN = [("client_credentials", 2), ("client_credentials", 32), ("refresh_token", 2),
        ("refresh_token", 32)]
CLIENT = "kubernetes-client"
PEER_SECRET = "peer-client-secret"
PEER_USER, PEER_PASSWORD = "test", "peer-test-password"


def require_tools(binary):
    """Exits with a clear message when a tool the run needs is missing."""
    missing = [tool for tool in ("wrk", "node", "openssl", "curl") if shutil.which(tool) is None]
    if missing:
        raise SystemExit(f"missing tools: {', '.join(missing)} (apt-get install wrk nodejs "
                         "openssl curl)")
    if not os.access(binary, os.X_OK):
        raise SystemExit(f"no kubeward binary at {binary}: cargo build --release -p kubeward")
    if not os.path.isdir(OIDC_PROVIDER):
        raise SystemExit("testpeers/node_modules/oidc-provider is missing: "
                         "npm ci --prefix testpeers")


def start_peer(work, algorithm):
    """Starts oidc-provider with a fresh TLS certificate; returns the process, token endpoint and
    the certificate to trust."""
    cert, key = os.path.join(work, "peer.crt"), os.path.join(work, "peer.key")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
         "-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"], check=True, capture_output=True)
    os.chmod(key, 0o600)
    peer = subprocess.Popen(
        ["node", PEER], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
        env={**os.environ, "NODE_ENV": "production", "TLS_CERT": cert, "TLS_KEY": key,
             "CLIENT_ID": CLIENT, "CLIENT_SECRET": PEER_SECRET, "USER_NAME": PEER_USER,
             "USER_PASSWORD": PEER_PASSWORD, "ALG": algorithm})
    line = peer.stdout.readline()
    if not line.startswith("ISSUER "):
        peer.kill()
        raise SystemExit(f"oidc-provider did not start (printed {line!r})")
    return peer, line.split()[1] + "/token", cert


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads), in seconds."""
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def loadavg():
    """The one-minute load average."""
    return float(open("/proc/loadavg").read().split()[0])


def busy_jiffies():
    """(busy, total) CPU jiffies of the whole machine since boot."""
    fields = [int(f) for f in open("/proc/stat").readline().split()[1:]]
    idle = fields[3] + fields[4]
    return sum(fields) - idle, sum(fields)


def version(command):
    """First line of a tool's version output."""
    out = subprocess.run(command, capture_output=True, text=True)
    return (out.stdout or out.stderr).strip().splitlines()[0]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--algorithm", default="RS256", choices=["RS256", "ES256"])
    parser.add_argument("--binary", default=idp_load.BINARY)
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("stopped"))
    require_tools(args.binary)
    versions = {
        "kubeward": version([args.binary, "--version"]).removeprefix("kubeward "),
        "oidc-provider": json.load(open(os.path.join(OIDC_PROVIDER, "package.json")))["version"],
        "node": version(["node", "--version"]),
        "wrk": version(["wrk", "-v"]).split(" [")[0].removeprefix("wrk "),
    }
    with tempfile.TemporaryDirectory() as work:
        lua = idp_load.write_lua(work)
        kubeward, kw_url, kw_ca = idp_load.start_kubeward(work, args.binary, args.algorithm)
        peer, peer_url, peer_ca = start_peer(work, args.algorithm)
        try:
            kw_first = idp_load.token_request(kw_url, kw_ca, {
                "grant_type": "password", "client_id": CLIENT, "client_secret": idp_load.SECRET,
                "username": "test", "password": "test-password", "scope": "openid"})
            peer_first = idp_load.token_request(peer_url, peer_ca, {
                "grant_type": "password", "client_id": CLIENT, "client_secret": PEER_SECRET,
                "username": PEER_USER, "password": PEER_PASSWORD, "scope": "openid"})
            servers = {
                "kubeward": (kubeward.pid, kw_url, idp_load.grant_bodies(
                    CLIENT, idp_load.SECRET, kw_first["refresh_token"])),
                "oidc-provider": (peer.pid, peer_url, idp_load.grant_bodies(
                    CLIENT, PEER_SECRET, peer_first["refresh_token"])),
            }
            # Both answer every grant under test before the load starts.
            for name, (_, url, bodies) in servers.items():
                ca = kw_ca if name == "kubeward" else peer_ca
                for grant in ("client_credentials", "refresh_token"):
                    answer = idp_load.token_request(
                        url, ca, dict(urllib.parse.parse_qsl(bodies[grant])))
                    if "access_token" not in answer:
                        raise SystemExit(f"{name} {grant}: no access_token in {answer}")
            started = datetime.datetime.now(datetime.timezone.utc)
            loads = [loadavg()]
            busy_before = busy_jiffies()
            samples = {}
            for _ in range(args.rounds):
                for grant, connections in PLAN:
                    for name, (pid, url, bodies) in servers.items():
                        before = cpu_seconds(pid)
                        rate, p50, p99, errors = idp_load.run_wrk(
                            lua, url, bodies[grant], connections, args.seconds)
                        cpu = cpu_seconds(pid) - before
                        tokens = rate * args.seconds
                        samples.setdefault((grant, connections, name), []).append(
                            (rate, p50, p99, errors, cpu * 1000 / max(tokens, 1)))
                        loads.append(loadavg())
                        time.sleep(1)
            busy_after = busy_jiffies()
        finally:
            kubeward.kill()
            peer.kill()
    busy = (busy_after[0] - busy_before[0]) / (busy_after[1] - busy_before[1])
    print(f"Run of {started:%Y-%m-%d %H:%M} UTC, {os.cpu_count()} cores, {args.rounds} rounds of "
          f"{args.seconds} s a row, {args.algorithm}; one-minute load average during the run "
          f"{min(loads):.1f} to {max(loads):.1f}; CPUs {busy:.0%} busy on average (servers, wrk "
          "and other work on the machine).")
    print("Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".")
    print()
    print("| grant | connections | server | tokens/s | p50 ms | p99 ms | CPU ms/token | non-2xx "
          "| kubeward ÷ oidc-provider |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    medians = {}
    for grant, connections in PLAN:
        for name in servers:
            rows = samples[(grant, connections, name)]
            rate, p50, p99, cpu = (statistics.median(row[i] for row in rows) for i in (0, 1, 2, 4))
            errors = sum(row[3] for row in rows)
            medians[(grant, connections, name)] = (rate, p99)
            ratio = ""
            if name == "oidc-provider":
                ratio = f"{medians[(grant, connections, 'kubeward')][0] / rate:.1f}×"
            print(f"| {grant} | {connections} | {name} | {rate:,.0f} | {p50:.2f} | {p99:.2f} "
                  f"| {cpu:.2f} | {errors} | {ratio} |")
    print()
    for grant, connections in PLAN:
        kw_rate, kw_p99 = medians[(grant, connections, "kubeward")]
        peer_rate, _ = medians[(grant, connections, "oidc-provider")]
        ratio = kw_rate / peer_rate
        line = (f"- {grant}, {connections} connections: {ratio:.2f}× oidc-provider "
                f"({'met' if ratio >= 5 else 'NOT met'}: target ≥ 5×)")
        if connections == 32:
            line += (f"; p99 {kw_p99:.2f} ms ({'met' if kw_p99 < 5 else 'NOT met'}: "
                     "target < 5 ms)")
        print(line)


if __name__ == "__main__":
    main()
