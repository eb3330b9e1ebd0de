#!/usr/bin/env python3
"""Load figures of the API server (issue 3's performance table), with `oha` as load generator.

Starts `kubeward up` (release build) on a free port in a temporary data directory, creates a
ServiceAccount (bearer-token user) and a client-certificate user allowed to list pods in
namespace `bench`, adds N RoleBindings for other users, then measures with oha, for each user and
each connection count: an authorized GET of the pod list and a SelfSubjectAccessReview POST.
Prints a Markdown table and the server's resident memory idle and after the load.

With several `--binary LABEL=PATH` (for example the build before and after a change), one server
of each runs at once and every measurement is taken of each in turn, so that the machine's noise
falls on all of them alike.

    cargo build --release -p kubeward && cargo install oha
    python3 scripts/api_server_load.py --bindings 10 --bindings 10000 --seconds 10
    python3 scripts/api_server_load.py --binary before=/tmp/old/kubeward --binary after=target/release/kubeward
"""

import argparse
import concurrent.futures
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.path.join(ROOT, "target", "release", "kubeward")
SSAR = json.dumps({
    "apiVersion": "authorization.k8s.io/v1",
    "kind": "SelfSubjectAccessReview",
    "spec": {"resourceAttributes": {"namespace": "bench", "verb": "list", "resource": "pods"}},
})


def run(*args, env=None, input=None):
    return subprocess.run(args, check=True, capture_output=True, text=True, env=env, input=input).stdout


class Server:
    def __init__(self, binary, workdir, extra=()):
        self.workdir = workdir
        self.data = os.path.join(workdir, "data")
        self.process = subprocess.Popen(
            [binary, "up", "--secure-port", "0", "--idp-port", "0", "--data-dir", self.data, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.url = None
        for line in self.process.stdout:
            match = re.match(r"API server: (\S+)", line.strip())
            if match:
                self.url = match.group(1)
            if line.strip() == "kubectl auth whoami":
                break
        self.pki = os.path.join(self.data, "pki")
        self.env = dict(os.environ, KUBECONFIG=os.path.join(self.data, "admin.kubeconfig"))

    def kubectl(self, *args, input=None):
        return run("kubectl", *args, env=self.env, input=input)

    def rss_mib(self):
        with open(f"/proc/{self.process.pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        return 0.0

    def stop(self):
        self.process.kill()
        self.process.wait()


def setup_users(server):
    server.kubectl("create", "namespace", "bench")
    server.kubectl("create", "serviceaccount", "bench-sa", "-n", "bench")
    server.kubectl("create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods", "-n", "bench")
    server.kubectl("create", "rolebinding", "pod-reader-sa", "--role=pod-reader",
                   "--serviceaccount=bench:bench-sa", "-n", "bench")
    server.kubectl("create", "rolebinding", "pod-reader-user", "--role=pod-reader", "--user=bench-user", "-n", "bench")
    token = server.kubectl("create", "token", "bench-sa", "-n", "bench", "--duration=2h").strip()
    key = os.path.join(server.workdir, "user.key")
    csr = os.path.join(server.workdir, "user.csr")
    cert = os.path.join(server.workdir, "user.crt")
    ext = os.path.join(server.workdir, "user.ext")
    with open(ext, "w") as f:
        f.write("extendedKeyUsage=clientAuth\n")
    run("openssl", "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
        "-keyout", key, "-subj", "/CN=bench-user/O=bench", "-out", csr)
    run("openssl", "x509", "-req", "-in", csr, "-CA", os.path.join(server.pki, "ca.crt"),
        "-CAkey", os.path.join(server.pki, "ca.key"), "-CAcreateserial", "-days", "1",
        "-extfile", ext, "-out", cert)
    return token, cert, key


def add_bindings(server, count):
    """`count` RoleBindings of other users, spread over 100 namespaces, posted in parallel."""
    namespaces = [f"ns-{i}" for i in range(min(count, 100))]
    for namespace in namespaces:
        server.kubectl("create", "namespace", namespace)
    curl = ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert", f"{server.pki}/ca.crt",
            "--cert", f"{server.pki}/admin.crt", "--key", f"{server.pki}/admin.key",
            "-H", "Content-Type: application/json"]

    def post(i):
        namespace = namespaces[i % len(namespaces)]
        body = json.dumps({
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": f"binding-{i}", "namespace": namespace},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": f"user-{i}"}],
        })
        url = f"{server.url}/apis/rbac.authorization.k8s.io/v1/namespaces/{namespace}/rolebindings"
        return run(*curl, "-d", body, url)

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(post, range(count)))
    assert all(code == "201" for code in codes), set(codes)


def load(server, user, connections, seconds, request, requests=None):
    """oha's load on `server` for `seconds` seconds, or for a fixed number of `requests`."""
    amount = ["-n", str(requests)] if requests else ["-z", f"{seconds}s"]
    args = ["oha", "--no-tui", "--output-format", "json", *amount, "-c", str(connections),
            "--cacert", f"{server.pki}/ca.crt"]
    if user[0] == "token":
        args += ["-H", f"Authorization: Bearer {user[1]}"]
    else:
        args += ["--cert", user[1], "--key", user[2]]
    if request == "GET pods":
        args += [f"{server.url}/api/v1/namespaces/bench/pods"]
    else:
        args += ["-m", "POST", "-H", "Content-Type: application/json", "-d", SSAR,
                 f"{server.url}/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"]
    report = json.loads(run(*args))
    summary = report["summary"]
    percentiles = report["latencyPercentiles"]
    codes = report.get("statusCodeDistribution", {})
    return summary["requestsPerSec"], percentiles["p50"] * 1000, percentiles["p99"] * 1000, codes


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bindings", type=int, action="append", default=[])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, action="append", default=[])
    parser.add_argument("--binary", action="append", default=[], metavar="LABEL=PATH",
                        help="a build to measure (repeat to compare builds side by side)")
    options = parser.parse_args()
    bindings = options.bindings or [10, 10000]
    connections = options.connections or [2, 32]
    binaries = [b.split("=", 1) for b in options.binary] or [["kubeward", BINARY]]
    print("| bindings | user | request | connections | build | req/s | p50 ms | p99 ms |")
    print("|---:|---|---|---:|---|---:|---:|---:|")
    memory = []
    for count in bindings:
        with tempfile.TemporaryDirectory() as workdir:
            servers = []
            try:
                for label, path in binaries:
                    directory = os.path.join(workdir, label)
                    os.makedirs(directory)
                    server = Server(path, directory)
                    servers.append((label, server, setup_users(server)))
                    add_bindings(server, count)
                time.sleep(1)
                idle = {label: server.rss_mib() for label, server, _ in servers}
                for kind in ["token", "cert"]:
                    for request in ["GET pods", "POST SSAR"]:
                        for c in connections:
                            for label, server, (token, cert, key) in servers:
                                user = ("token", token) if kind == "token" else ("cert", cert, key)
                                rps, p50, p99, codes = load(server, user, c, options.seconds, request)
                                assert set(codes) <= {"200", "201"}, codes
                                print(f"| {count} | {kind} | {request} | {c} | {label} | {rps:,.0f} | {p50:.2f} | {p99:.2f} |",
                                      flush=True)
                for label, server, _ in servers:
                    memory.append((count, label, idle[label], server.rss_mib()))
            finally:
                for _, server, _ in servers:
                    server.stop()
    for count, label, idle, loaded in memory:
        print(f"RSS of {label} with {count} bindings: {idle:.1f} MiB idle, {loaded:.1f} MiB after the load")


if __name__ == "__main__":
    sys.exit(main())
