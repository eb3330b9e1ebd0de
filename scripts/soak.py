#!/usr/bin/env python3
"""Soak test of `kubeward up`: minutes of mixed load, with the server's memory and open files
sampled over time (issue 21). Run by hand; its figures go in docs/performance.md ("Soak").

Starts `kubeward up` (release build by default) on a free port in a temporary data directory,
then, for `--minutes`, keeps up at once:
  - writers: ConfigMaps created, updated (merge patch) and deleted, in a rotating set of names;
  - RBAC writers: RoleBindings created and deleted (each one re-indexes the authorizer);
  - watchers: watches of ConfigMaps that are dropped and re-opened every few seconds, from the
    revision they had reached (resourceVersion), as client-go's reflectors do;
  - readers: paged lists (`limit=50` with continue tokens) and SelfSubjectAccessReviews;
  - churners: connections opened, half-used and dropped.
Every `--sample` seconds it prints the server's RSS, its open file descriptors and threads, and
the requests answered; at the end, the first and last samples side by side.

    cargo build --release -p kubeward
    python3 scripts/soak.py --minutes 10
"""

import argparse
import contextlib
import http.client
import json
import os
import re
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Server:
    """`kubeward up` in a temporary data directory, and TLS connections to it as the admin."""

    def __init__(self, binary, workdir):
        data = os.path.join(workdir, "data")
        self.process = subprocess.Popen([binary, "up", "--secure-port", "0", "--idp-port", "0", "--data-dir", data],
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = None
        for line in self.process.stdout:
            match = re.match(r"API server: https://([^:/]+):(\d+)", line.strip())
            if match:
                url = (match.group(1), int(match.group(2)))
            if line.strip() == "kubectl auth whoami":
                break
        if url is None:
            raise SystemExit("kubeward up did not print its address")
        self.host, self.port = url
        pki = os.path.join(data, "pki")
        self.tls = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
        self.tls.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))
        threading.Thread(target=self.process.stdout.read, daemon=True).start()

    def connect(self, timeout=30):
        return http.client.HTTPSConnection(self.host, self.port, context=self.tls, timeout=timeout)

    def sample(self):
        """RSS in MiB, open file descriptors, threads."""
        pid = self.process.pid
        rss, threads = 0.0, 0
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
                if line.startswith("Threads:"):
                    threads = int(line.split()[1])
        return rss, len(os.listdir(f"/proc/{pid}/fd")), threads

    def stop(self):
        self.process.kill()
        self.process.wait()


class Counter:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}

    def add(self, what, status):
        with self.lock:
            key = (what, status)
            self.counts[key] = self.counts.get(key, 0) + 1

    def snapshot(self):
        with self.lock:
            return dict(self.counts)


def request(connection, counter, what, method, path, body=None, content_type="application/json"):
    headers = {"Content-Type": content_type} if body is not None else {}
    connection.request(method, path, body=json.dumps(body) if body is not None else None, headers=headers)
    response = connection.getresponse()
    data = response.read()
    counter.add(what, response.status)
    return response.status, data


CONFIGMAPS = "/api/v1/namespaces/soak/configmaps"
ROLEBINDINGS = "/apis/rbac.authorization.k8s.io/v1/namespaces/soak/rolebindings"


def writer(server, counter, stop, index):
    connection = server.connect()
    n = 0
    while not stop.is_set():
        name = f"cm-{index}-{n % 50}"
        request(connection, counter, "create", "POST", CONFIGMAPS,
                {"metadata": {"name": name}, "data": {"n": str(n), "pad": "x" * 512}})
        request(connection, counter, "patch", "PATCH", f"{CONFIGMAPS}/{name}",
                {"data": {"n": str(n + 1)}}, "application/merge-patch+json")
        if n % 3 == 0:
            request(connection, counter, "delete", "DELETE", f"{CONFIGMAPS}/{name}")
        n += 1


def rbac_writer(server, counter, stop):
    connection = server.connect()
    n = 0
    while not stop.is_set():
        name = f"rb-{n % 20}"
        request(connection, counter, "rolebinding", "POST", ROLEBINDINGS, {
            "metadata": {"name": name},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": f"user-{n}"}]})
        request(connection, counter, "rolebinding", "DELETE", f"{ROLEBINDINGS}/{name}")
        n += 1
        time.sleep(0.05)


def watcher(server, counter, stop):
    revision = "0"
    while not stop.is_set():
        connection = server.connect(timeout=10)
        path = f"{CONFIGMAPS}?watch=1&allowWatchBookmarks=true&timeoutSeconds=3&resourceVersion={revision}"
        connection.request("GET", path)
        response = connection.getresponse()
        counter.add("watch", response.status)
        if response.status == 410:
            revision = "0"
        try:
            for line in response:
                event = json.loads(line)
                counter.add("watch event", event["type"])
                if event["type"] == "ERROR":
                    revision = "0"
                    break
                revision = event["object"]["metadata"].get("resourceVersion", revision)
        except (OSError, http.client.HTTPException, ValueError):
            counter.add("watch", "dropped")
        connection.close()


def reader(server, counter, stop):
    connection = server.connect()
    ssar = {"apiVersion": "authorization.k8s.io/v1", "kind": "SelfSubjectAccessReview",
            "spec": {"resourceAttributes": {"namespace": "soak", "verb": "list", "resource": "configmaps"}}}
    while not stop.is_set():
        token = ""
        while True:
            status, data = request(connection, counter, "list page", "GET",
                                   f"{CONFIGMAPS}?limit=50&continue={token}")
            token = json.loads(data).get("metadata", {}).get("continue", "") if status == 200 else ""
            if not token:
                break
        request(connection, counter, "ssar", "POST",
                "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", ssar)


def churner(server, counter, stop):
    while not stop.is_set():
        with socket.create_connection((server.host, server.port), timeout=5) as raw:
            if int(time.time() * 10) % 2:
                try:
                    with server.tls.wrap_socket(raw, server_hostname=server.host) as tls:
                        tls.sendall(b"GET /api/v1/namespaces HTTP/1.1\r\nHost: x\r\n")
                except (OSError, ssl.SSLError):
                    pass
        counter.add("churned connection", "closed")
        time.sleep(0.02)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "kubeward"))
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--sample", type=float, default=30, help="seconds between samples")
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--watchers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=2)
    parser.add_argument("--rbac-writers", type=int, default=1)
    parser.add_argument("--churners", type=int, default=1)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        server = Server(options.binary, workdir)
        counter = Counter()
        stop = threading.Event()
        try:
            with contextlib.closing(server.connect()) as connection:
                status, _ = request(connection, counter, "namespace", "POST", "/api/v1/namespaces",
                                    {"metadata": {"name": "soak"}})
                assert status == 201, status
            time.sleep(1)
            samples = [(0.0, *server.sample(), 0)]
            workers = ([(writer, (i,)) for i in range(options.writers)]
                       + [(rbac_writer, ())] * options.rbac_writers
                       + [(watcher, ())] * options.watchers + [(reader, ())] * options.readers
                       + [(churner, ())] * options.churners)
            for target, args in workers:
                threading.Thread(target=lambda t=target, a=args: guard(t, server, counter, stop, *a),
                                 daemon=True).start()
            print("| minute | RSS MiB | open fds | threads | requests | non-2xx |")
            print("|---:|---:|---:|---:|---:|---:|")
            start = time.monotonic()
            end = start + options.minutes * 60
            while time.monotonic() < end and server.process.poll() is None:
                time.sleep(min(options.sample, max(0.0, end - time.monotonic())))
                counts = counter.snapshot()
                total = sum(counts.values())
                failed = sum(v for (what, status), v in counts.items()
                             if isinstance(status, int) and status >= 300 and what not in ("create", "delete"))
                elapsed = (time.monotonic() - start) / 60
                rss, fds, threads = server.sample()
                samples.append((elapsed, rss, fds, threads, total))
                print(f"| {elapsed:.1f} | {rss:.1f} | {fds} | {threads} | {total:,} | {failed} |", flush=True)
            stop.set()
            if server.process.poll() is not None:
                raise SystemExit(f"the server exited with {server.process.returncode}")
            counts = counter.snapshot()
            print()
            for (what, status), count in sorted(counts.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
                print(f"{what} {status}: {count:,}")
            first, last = samples[1], samples[-1]
            print(f"\nRSS {first[1]:.1f} → {last[1]:.1f} MiB, open fds {first[2]} → {last[2]}, "
                  f"threads {first[3]} → {last[3]} over {last[0]:.1f} minutes")
        finally:
            stop.set()
            server.stop()


def guard(target, server, counter, stop, *args):
    """Runs a load thread; a connection the server closed is counted and opened again."""
    while not stop.is_set():
        try:
            target(server, counter, stop, *args)
        except (OSError, http.client.HTTPException) as error:
            counter.add(target.__name__, type(error).__name__)
            time.sleep(0.1)


if __name__ == "__main__":
    sys.exit(main())
