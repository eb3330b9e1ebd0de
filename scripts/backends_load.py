#!/usr/bin/env python3
"""Issue 18's figures of the storage backends and of the audit log, side by side in one run.

Starts, from one release binary, at once:
- `redb`: `kubeward up` on its embedded redb file (the default);
- `etcd`: `kubeward up --etcd-servers` on a 3-member etcd on loopback (Debian's etcd-server,
  fsync on, as in production);
- `redb+audit`: `kubeward up` with an audit log file at level Metadata for every request (both
  stages, RequestReceived and ResponseComplete: two events a request);
- `redb+audit-rc`: the same with `omitStages: [RequestReceived]` (one event a request, the usual
  production policy).
Then, with oha, each measurement is taken of each server in turn, round after round, so that the
machine's noise falls on all alike:
- writes: POST of a ConfigMap (`generateName`) as the cluster admin: requests/s, p50, p99 —
  redb vs etcd;
- authorization: a SelfSubjectAccessReview as a client-certificate user — redb vs etcd, and
  redb without audit vs with it.

    cargo build --release -p kubeward
    python3 scripts/backends_load.py --binary target/release/kubeward --seconds 8 --rounds 2
"""

import argparse
import json
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_server_load import Server, load, run, setup_users  # noqa: E402
from replicas_failover import Etcd  # noqa: E402

CONFIGMAP = json.dumps({
    "apiVersion": "v1", "kind": "ConfigMap",
    "metadata": {"generateName": "w-"},
    "data": {"key": "value"},
})
POLICY = "apiVersion: audit.k8s.io/v1\nkind: Policy\n{omit}rules:\n- level: Metadata\n"


def writes(server, connections, seconds):
    pki = server.pki
    report = json.loads(run(
        "oha", "--no-tui", "--output-format", "json", "-z", f"{seconds}s", "-c", str(connections),
        "--cacert", f"{pki}/ca.crt", "--cert", f"{pki}/admin.crt", "--key", f"{pki}/admin.key",
        "-m", "POST", "-H", "Content-Type: application/json", "-d", CONFIGMAP,
        f"{server.url}/api/v1/namespaces/bench/configmaps"))
    codes = report.get("statusCodeDistribution", {})
    # A generated name that collides is tried again (kube-apiserver's RetryGenerateName).
    assert set(codes) <= {"201"}, codes
    return (report["summary"]["requestsPerSec"], report["latencyPercentiles"]["p50"] * 1000,
            report["latencyPercentiles"]["p99"] * 1000)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connections", type=int, action="append", default=[])
    options = parser.parse_args()
    connections = options.connections or [1, 16]
    with tempfile.TemporaryDirectory() as workdir:
        etcd = Etcd(os.path.join(workdir, "etcd-members"), size=3, fsync=True)
        servers = {}
        try:
            for label, extra in [
                ("redb", []),
                ("etcd", [f"--etcd-servers={etcd.endpoints}"]),
                ("redb+audit", "audit"),
                ("redb+audit-rc", "audit-rc"),
            ]:
                directory = os.path.join(workdir, label)
                os.makedirs(directory)
                if isinstance(extra, str):
                    policy = os.path.join(directory, "policy.yaml")
                    omit = "omitStages: [RequestReceived]\n" if extra == "audit-rc" else ""
                    with open(policy, "w") as f:
                        f.write(POLICY.format(omit=omit))
                    extra = [f"--audit-policy-file={policy}",
                             f"--audit-log-path={os.path.join(directory, 'audit.log')}"]
                server = Server(options.binary, directory, extra)
                servers[label] = (server, setup_users(server))
            time.sleep(1)
            results = {}
            for _ in range(options.rounds):
                for c in connections:
                    for label in ["redb", "etcd"]:
                        results.setdefault(("write", c, label), []).append(
                            writes(servers[label][0], c, options.seconds))
                    for label in servers:
                        server, (_, cert, key) = servers[label]
                        rps, p50, p99, codes = load(server, ("cert", cert, key), c, options.seconds,
                                                    "POST SSAR")
                        assert set(codes) <= {"201"}, codes
                        results.setdefault(("ssar", c, label), []).append((rps, p50, p99))
            print("| request | connections | server | req/s (per round) | p50 ms | p99 ms |")
            print("|---|---:|---|---|---:|---:|")
            for (request, c, label), runs in results.items():
                name = "POST configmap" if request == "write" else "POST SSAR"
                rates = " / ".join(f"{r[0]:,.0f}" for r in runs)
                p50 = sum(r[1] for r in runs) / len(runs)
                p99 = sum(r[2] for r in runs) / len(runs)
                print(f"| {name} | {c} | {label} | {rates} | {p50:.2f} | {p99:.2f} |")
            for label in ["redb+audit", "redb+audit-rc"]:
                # The log and its rotated backups (audit-<time>.log).
                directory = os.path.join(workdir, label)
                paths = [os.path.join(directory, n) for n in os.listdir(directory)
                         if n.startswith("audit") and n.endswith(".log")]
                lines = 0
                for path in paths:
                    with open(path) as f:
                        lines += sum(1 for _ in f)
                size = sum(os.path.getsize(p) for p in paths) / 2**20
                print(f"{label}: {lines:,} audit events written ({size:.1f} MiB in {len(paths)} files)")
        finally:
            for server, _ in servers.values():
                server.stop()
            etcd.stop()


if __name__ == "__main__":
    sys.exit(main())
