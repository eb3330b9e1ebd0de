#!/usr/bin/env python3
"""Replica figures of issue 18: how long an RBAC change made through one replica takes to reach
the authorization decisions of another, and how long the controllers are without a leader when
the replica holding the Lease is killed.

Starts a 3-member etcd (Debian's etcd-server) on loopback, `kubeward up --etcd-servers` and two
`kubeward serve` replicas on it (the binary given, debug or release). Then:

- propagation: N times, a RoleBinding for a fresh user is created through replica A (curl with
  the admin's client certificate); from the moment A answered 201, replica B is asked a
  SubjectAccessReview for that user in a tight loop until it answers allowed. Prints p50/p90/max.
- failover: K times, the holder of `kube-system/kube-controller-manager` is killed with SIGKILL
  and a CSR is approved through a survivor at once; prints how long until another replica holds
  the Lease and until the CSR is signed. The killed replica is started again as a serve replica.

    cargo build -p kubeward
    python3 scripts/replicas_failover.py --binary target/debug/kubeward --rounds 30 --failovers 3 \
        [--lease 15s --renew 10s --retry 2s]
"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import tempfile
import time
import http.client


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Etcd:
    """A `size`-member etcd on loopback. Starting waits (up to `timeout` seconds) until every
    member answers /health with a leader elected; a member that exits or a cluster that is not
    healthy in time stops the script with the members' last log lines (each member logs to
    etcd-N.log in `workdir`). With fsync on, on a loaded machine, the election and the first
    commits can take tens of seconds."""

    def __init__(self, workdir, size=3, fsync=False, timeout=180):
        self.members = []
        os.makedirs(workdir, exist_ok=True)
        ports = [(free_port(), free_port()) for _ in range(size)]
        cluster = ",".join(f"m{i}=http://127.0.0.1:{peer}" for i, (_, peer) in enumerate(ports))
        self.logs = []
        for i, (client, peer) in enumerate(ports):
            data = os.path.join(workdir, f"etcd-{i}")
            log_path = os.path.join(workdir, f"etcd-{i}.log")
            self.logs.append(log_path)
            with open(log_path, "w") as log:
                process = subprocess.Popen(
                    ["etcd", "--name", f"m{i}", "--data-dir", data,
                     "--listen-client-urls", f"http://127.0.0.1:{client}",
                     "--advertise-client-urls", f"http://127.0.0.1:{client}",
                     "--listen-peer-urls", f"http://127.0.0.1:{peer}",
                     "--initial-advertise-peer-urls", f"http://127.0.0.1:{peer}",
                     "--initial-cluster", cluster, "--initial-cluster-state", "new"]
                    + ([] if fsync else ["--unsafe-no-fsync"]),
                    stdout=log, stderr=subprocess.STDOUT)
            self.members.append((process, client))
        self.endpoints = ",".join(f"http://127.0.0.1:{c}" for _, c in self.members)
        started = time.time()
        waiting = set(range(size))
        while waiting and time.time() < started + timeout:
            for i in sorted(waiting):
                process, client = self.members[i]
                if process.poll() is not None:
                    self.fail(f"etcd member m{i} exited with {process.returncode}")
                if self.healthy(client):
                    waiting.discard(i)
            if waiting:
                time.sleep(0.5)
        if waiting:
            self.fail(f"etcd members {sorted(waiting)} not healthy after {timeout} s")
        self.startup_seconds = time.time() - started

    @staticmethod
    def healthy(client):
        try:
            conn = http.client.HTTPConnection("127.0.0.1", client, timeout=5)
            conn.request("GET", "/health")
            return b'"health":"true"' in conn.getresponse().read()
        except OSError:
            return False

    def fail(self, message):
        tails = []
        for path in self.logs:
            with open(path, errors="replace") as f:
                tails.append(f"--- {path}\n" + "".join(f.readlines()[-5:]))
        self.stop()
        raise SystemExit(message + "\n" + "\n".join(tails))

    def stop(self):
        for process, _ in self.members:
            if process.poll() is None:
                process.kill()
            process.wait()


class Replica:
    def __init__(self, binary, args, ready, stream):
        self.process = subprocess.Popen(
            [binary] + args, stdout=subprocess.PIPE if stream == "stdout" else subprocess.DEVNULL,
            stderr=subprocess.PIPE if stream == "stderr" else subprocess.DEVNULL, text=True,
            env=dict(os.environ, RUST_LOG="warn"))
        out = self.process.stdout if stream == "stdout" else self.process.stderr
        self.printed = []
        for line in out:
            self.printed.append(line.strip())
            if ready(line.strip()):
                break
        # Keep draining, so that the replica never blocks on a full pipe.
        import threading
        threading.Thread(target=lambda: [None for _ in out], daemon=True).start()

    def field(self, prefix):
        for line in self.printed:
            if line.startswith(prefix):
                return line[len(prefix):].strip()
        return None

    def kill(self):
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()


def serve(binary, pki, endpoints, data, election):
    replica = Replica(binary, [
        "serve", "--bind-address", "127.0.0.1", "--secure-port", "0",
        "--tls-cert-file", f"{pki}/apiserver.crt", "--tls-private-key-file", f"{pki}/apiserver.key",
        "--client-ca-file", f"{pki}/ca.crt",
        "--cluster-signing-cert-file", f"{pki}/ca.crt", "--cluster-signing-key-file", f"{pki}/ca.key",
        f"--etcd-servers={endpoints}", "--data-dir", data] + election,
        lambda line: line.startswith("kubeward API server listening on "), "stderr")
    replica.url = replica.field("kubeward API server listening on ")
    replica.identity = replica.field("kubeward leader election: candidate ")
    return replica


class Client:
    """HTTPS with the admin's client certificate, one kept-alive connection per replica."""

    def __init__(self, pki):
        self.context = ssl.create_default_context(cafile=f"{pki}/ca.crt")
        self.context.load_cert_chain(f"{pki}/admin.crt", f"{pki}/admin.key")
        self.connections = {}

    def call(self, url, method, path, body=None):
        host, port = re.match(r"https://([^:]+):(\d+)", url).groups()
        conn = self.connections.get(url)
        if conn is None:
            conn = http.client.HTTPSConnection(host, int(port), context=self.context, timeout=10)
            self.connections[url] = conn
        headers = {"Content-Type": "application/json"} if body is not None else {}
        try:
            conn.request(method, path, body=json.dumps(body) if body is not None else None,
                         headers=headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"null")
        except (OSError, http.client.HTTPException):
            self.connections.pop(url, None)
            return 0, None


def allowed(client, url, user):
    review = {"apiVersion": "authorization.k8s.io/v1", "kind": "SubjectAccessReview",
              "spec": {"user": user, "resourceAttributes": {
                  "namespace": "default", "verb": "list", "resource": "configmaps"}}}
    status, answer = client.call(url, "POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", review)
    return status == 201 and answer["status"].get("allowed", False)


def propagation(client, a, b, rounds):
    client.call(a, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", {
        "metadata": {"name": "reader"},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["list"]}]})
    delays = []
    for i in range(rounds):
        user = f"user-{i}-{time.time_ns()}"
        assert not allowed(client, b, user)
        status, _ = client.call(a, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", {
            "metadata": {"name": f"reader-{i}"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "reader"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": user}]})
        acknowledged = time.perf_counter()
        assert status == 201, status
        while not allowed(client, b, user):
            pass
        delays.append((time.perf_counter() - acknowledged) * 1000)
    return delays


def lease_holder(client, url):
    status, lease = client.call(url, "GET", "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager")
    return lease["spec"].get("holderIdentity", "") if status == 200 else None


def make_csr(workdir, name):
    key, csr = os.path.join(workdir, f"{name}.key"), os.path.join(workdir, f"{name}.csr")
    subprocess.run(["openssl", "genrsa", "-out", key, "2048"], check=True, capture_output=True)
    subprocess.run(["openssl", "req", "-new", "-key", key, "-subj", f"/CN={name}", "-out", csr],
                   check=True, capture_output=True)
    with open(csr, "rb") as f:
        request = base64.b64encode(f.read()).decode()
    return {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"name": name},
            "spec": {"request": request, "signerName": "kubernetes.io/kube-apiserver-client",
                     "usages": ["client auth"]}}


def failover(client, replicas, workdir, number, restart):
    urls = {r.identity: r for r in replicas}
    holder = None
    while holder not in urls:
        holder = lease_holder(client, replicas[0].url if replicas[0].identity else replicas[1].url)
        time.sleep(0.1)
    leader = urls[holder]
    survivors = [r for r in replicas if r is not leader]
    name = f"failover-{number}"
    csr = make_csr(workdir, name)
    leader.kill()
    killed = time.perf_counter()
    url = survivors[0].url
    status, _ = client.call(url, "POST", "/apis/certificates.k8s.io/v1/certificatesigningrequests", csr)
    assert status == 201, status
    status, current = client.call(url, "GET", f"/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}")
    current["status"] = {"conditions": [{"type": "Approved", "status": "True", "reason": "Bench",
                                         "message": "approved while no replica leads"}]}
    status, _ = client.call(url, "PUT", f"/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}/approval", current)
    assert status == 200, status
    taken = signed = None
    while taken is None or signed is None:
        now = time.perf_counter()
        if taken is None:
            h = lease_holder(client, url)
            if h and h != holder:
                taken = now - killed
        if signed is None:
            status, got = client.call(url, "GET", f"/apis/certificates.k8s.io/v1/certificatesigningrequests/{name}")
            if status == 200 and got.get("status", {}).get("certificate"):
                signed = now - killed
        time.sleep(0.05)
    replicas.remove(leader)
    replicas.append(restart())
    return taken, signed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default="target/debug/kubeward")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--failovers", type=int, default=3)
    parser.add_argument("--lease", default="15s")
    parser.add_argument("--renew", default="10s")
    parser.add_argument("--retry", default="2s")
    args = parser.parse_args()
    binary = os.path.abspath(args.binary)
    election = [f"--leader-elect-lease-duration={args.lease}",
                f"--leader-elect-renew-deadline={args.renew}",
                f"--leader-elect-retry-period={args.retry}"]
    workdir = tempfile.mkdtemp(prefix="kubeward-replicas-", dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    etcd = Etcd(workdir)
    replicas = []
    try:
        data = os.path.join(workdir, "up")
        up = Replica(binary, ["up", "--secure-port", "0", "--idp-port", "0", "--data-dir", data,
                              f"--etcd-servers={etcd.endpoints}"] + election,
                     lambda line: line == "kubectl auth whoami", "stdout")
        up.url = up.field("API server:")
        up.identity = up.field("Leader election: candidate ")
        pki = os.path.join(data, "pki")
        counter = iter(range(1000))
        start = lambda: serve(binary, pki, etcd.endpoints, os.path.join(workdir, f"serve-{next(counter)}"), election)
        replicas = [up, start(), start()]
        client = Client(pki)
        delays = propagation(client, replicas[0].url, replicas[1].url, args.rounds)
        delays.sort()
        p = lambda q: delays[min(len(delays) - 1, int(q * len(delays)))]
        print(f"RBAC propagation A→B over {len(delays)} RoleBindings: "
              f"p50 {p(0.5):.1f} ms, p90 {p(0.9):.1f} ms, max {delays[-1]:.1f} ms "
              f"(mean {statistics.mean(delays):.1f} ms)")
        for number in range(args.failovers):
            taken, signed = failover(client, replicas, workdir, number, start)
            print(f"failover {number + 1} (lease {args.lease}, renew {args.renew}, retry {args.retry}): "
                  f"Lease taken over after {taken:.2f} s, CSR approved at the kill signed after {signed:.2f} s")
    finally:
        for replica in replicas:
            if replica.process.poll() is None:
                replica.kill()
        etcd.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
