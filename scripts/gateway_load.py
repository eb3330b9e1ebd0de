#!/usr/bin/env python3
"""The gateway's cost (issue 16's performance section): the same kubectl-style load — an
authorized `GET /api/v1/namespaces/bench/pods` over HTTP/2, as kubectl sends it — against
`kubeward up` directly, through `kubeward gateway` in front of it, and through nginx (Debian's)
configured as a plain TLS reverse proxy to the same upstream, side by side in one run.

Starts `kubeward up` (release build), one client-certificate user `bench-user` (group `bench`)
allowed to list pods in `bench`, and in front of it:

- `gateway`: `kubeward gateway` with the upstream's admin credential, impersonating the user it
  authenticated (it trusts the upstream's CA for client certificates);
- `nginx`: `nginx` (HTTP/2 and TLS to the client, verifying its client certificate against the same
  CA; `proxy_http_version 1.1` with a keepalive pool of TLS connections to the upstream), which
  presents bench-user's own client certificate upstream: a plain proxy cannot speak for the user
  any other way, so the upstream sees the same user without an impersonation step;
- `caddy` (only when asked for with `--path`): Caddy (Debian's 2.6) configured as nginx is —
  Go's HTTP/2 server, HTTP client and TLS, the stack of the Go gateways kubeward's stands in for
  (Pinniped's impersonation proxy, kube-oidc-proxy), doing only the proxying;
- `direct-as`: no proxy — the admin credential with the `Impersonate-User`/`-Group` headers the
  gateway sends, i.e. the upstream's share of the gateway path's cost.

Each measurement (oha, `--seconds` long) is taken of every path in turn, `--rounds` times, so that
the machine's noise falls on all alike (with `--before BINARY`, a second gateway of that build, path
`gateway-before`, in front of the same upstream: a change's before and after in one run; and with
`--path direct-before` also a second `kubeward up` of that build, with its own users, taken
directly: the before and after of a change to the server itself); the medians over the rounds are printed as a Markdown
table with each path's ratio to `direct` (requests per second) and added latency (p50, p99), the
gateway's ratio to nginx (and Caddy), and the processes' resident memory. Not part of the test suite.

`--http1` makes the client speak HTTP/1.1 with keep-alive instead of kubectl's HTTP/2.

    cargo build --release -p kubeward && cargo install oha && apt-get install nginx caddy
    python3 scripts/gateway_load.py --binary target/release/kubeward --seconds 10 --rounds 3 \
        [--path direct --path gateway --path nginx --path caddy] [--http1]
"""

import argparse
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_server_load import BINARY, Server, run, setup_users  # noqa: E402

LISTENING = "kubeward gateway listening on "
PATH = "/api/v1/namespaces/bench/pods?limit=500"


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def cpu_ticks(pid):
    """User + system clock ticks of `pid` so far."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


TICK_US = 1_000_000 / os.sysconf("SC_CLK_TCK")


class Gateway:
    def __init__(self, binary, server, extra=()):
        pki = server.pki
        self.process = subprocess.Popen(
            [binary, "gateway", "--bind-address", "127.0.0.1", "--secure-port", "0",
             "--upstream-kubeconfig", os.path.join(server.data, "admin.kubeconfig"),
             "--tls-cert-file", f"{pki}/apiserver.crt", "--tls-private-key-file", f"{pki}/apiserver.key",
             "--client-ca-file", f"{pki}/ca.crt", *extra],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        self.url = None
        for line in self.process.stderr:
            if line.startswith(LISTENING):
                self.url = line[len(LISTENING):].split()[0]
                break
        assert self.url, "the gateway did not start"

    def rss_mib(self):
        return rss_mib(self.process.pid)

    def pids(self):
        return [self.process.pid]

    def stop(self):
        self.process.kill()
        self.process.wait()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def upstream_address(server):
    """The upstream's `host:port`, as a proxy's configuration names it."""
    return server.url.split("//", 1)[1].rstrip("/")


def wait_listening(process, port, name, log_path):
    """Waits up to 5 s for `process` to listen on `port`; its URL, or an error with its log."""
    for _ in range(100):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return f"https://localhost:{port}"
        if process.poll() is not None:
            break
        time.sleep(0.05)
    with open(log_path) as log:
        raise AssertionError(f"{name} did not start: " + log.read())


NGINX_CONF = """
daemon off;
master_process on;
user root;
worker_processes {workers};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    upstream kubeward {{
        server {upstream};
        keepalive 64;
    }}
    server {{
        listen 127.0.0.1:{port} ssl http2;
        ssl_certificate {pki}/apiserver.crt;
        ssl_certificate_key {pki}/apiserver.key;
        ssl_client_certificate {pki}/ca.crt;
        ssl_verify_client on;
        location / {{
            proxy_pass https://kubeward;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_ssl_certificate {cert};
            proxy_ssl_certificate_key {key};
            proxy_ssl_trusted_certificate {pki}/ca.crt;
            proxy_ssl_verify on;
            proxy_ssl_name localhost;
            proxy_ssl_session_reuse on;
        }}
    }}
}}
"""


class Nginx:
    def __init__(self, server, cert, key, workers):
        self.dir = os.path.join(server.workdir, "nginx")
        os.makedirs(self.dir)
        port = free_port()
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(dir=self.dir, pki=server.pki, cert=cert, key=key, port=port,
                                      workers=workers, upstream=upstream_address(server)))
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        self.process = subprocess.Popen([nginx, "-c", conf, "-p", self.dir],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.url = wait_listening(self.process, port, "nginx", os.path.join(self.dir, "error.log"))

    def pids(self):
        children = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True,
                                  text=True).stdout.split()
        return [self.process.pid] + [int(c) for c in children]

    def rss_mib(self):
        return sum(rss_mib(pid) for pid in self.pids())

    def stop(self):
        self.process.terminate()
        self.process.wait()


CADDYFILE = """
{{
    admin off
    auto_https off
    storage file_system {dir}/data
    log default {{
        output discard
    }}
}}
https://localhost:{port} {{
    bind 127.0.0.1
    tls {pki}/apiserver.crt {pki}/apiserver.key {{
        client_auth {{
            mode require_and_verify
            trusted_ca_cert_file {pki}/ca.crt
        }}
    }}
    reverse_proxy https://{upstream} {{
        transport http {{
            tls_client_auth {cert} {key}
            tls_trusted_ca_certs {pki}/ca.crt
            tls_server_name localhost
            keepalive_idle_conns 64
        }}
    }}
}}
"""


class Caddy:
    """Caddy (Debian's 2.6) as a plain TLS reverse proxy, configured as nginx is: Go's HTTP/2,
    HTTP client and TLS — the stack of the Go gateways kubeward's replaces (Pinniped's
    impersonation proxy, kube-oidc-proxy) — doing only the proxying."""

    def __init__(self, server, cert, key):
        self.dir = os.path.join(server.workdir, "caddy")
        os.makedirs(self.dir)
        port = free_port()
        conf = os.path.join(self.dir, "Caddyfile")
        with open(conf, "w") as f:
            f.write(CADDYFILE.format(dir=self.dir, pki=server.pki, cert=cert, key=key, port=port,
                                     upstream=upstream_address(server)))
        caddy = shutil.which("caddy")
        if caddy is None:
            raise SystemExit("path caddy needs caddy: apt-get install caddy")
        log_path = os.path.join(self.dir, "caddy.log")
        with open(log_path, "w") as log:
            self.process = subprocess.Popen([caddy, "run", "--config", conf, "--adapter", "caddyfile"],
                                            stdout=log, stderr=subprocess.STDOUT,
                                            env={**os.environ, "HOME": self.dir})
        self.url = wait_listening(self.process, port, "caddy", log_path)

    def pids(self):
        return [self.process.pid]

    def rss_mib(self):
        return rss_mib(self.process.pid)

    def stop(self):
        self.process.terminate()
        self.process.wait()


#: Whether the client speaks HTTP/1.1 (`--http1`) instead of kubectl's HTTP/2.
CLIENT_HTTP1 = False


def load(url, ca, cert, key, connections, seconds, headers=(), requests=None):
    """oha's load for `seconds`, or for a fixed number of `requests`."""
    amount = ["-n", str(requests)] if requests else ["-z", f"{seconds}s"]
    version = [] if CLIENT_HTTP1 else ["--http2"]
    args = ["oha", "--no-tui", "--output-format", "json", *version, *amount,
            "-c", str(connections), "--cacert", ca, "--cert", cert, "--key", key,
            "-H", "Accept: application/json"]
    for header in headers:
        args += ["-H", header]
    report = json.loads(run(*args, f"{url}{PATH}"))
    codes = report.get("statusCodeDistribution", {})
    assert set(codes) == {"200"}, codes
    percentiles = report["latencyPercentiles"]
    return (report["summary"]["requestsPerSec"], percentiles["p50"] * 1000, percentiles["p99"] * 1000,
            codes["200"])


def measured(pids, upstream, *args):
    """`load(*args)` and the CPU the proxy's processes (`pids`) and the upstream used per
    request, in µs."""
    before = [cpu_ticks(pid) for pid in pids], cpu_ticks(upstream)
    rps, p50, p99, count = load(*args)
    proxy = sum(cpu_ticks(pid) for pid in pids) - sum(before[0])
    own = cpu_ticks(upstream) - before[1]
    return rps, p50, p99, proxy * TICK_US / count, own * TICK_US / count


def syscalls(pids, *args):
    """System calls per request of the processes `pids` (threads included) under `load(*args)`,
    counted by `strace -c -f`: the total and the five most frequent calls."""
    with tempfile.NamedTemporaryFile("r", suffix=".strace") as out:
        attach = [a for pid in pids for a in ("-p", str(pid))]
        tracer = subprocess.Popen(["strace", "-c", "-f", "-q", "-o", out.name, *attach],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        count = load(*args)[3]
        tracer.send_signal(signal.SIGINT)
        tracer.wait()
        calls = {}
        for line in out.read().splitlines():
            fields = line.split()
            # % time, seconds, usecs/call, calls, [errors,] syscall
            if len(fields) >= 5 and fields[3].isdigit() and fields[-1] != "total":
                calls[fields[-1]] = int(fields[3])
    total = sum(calls.values()) / count
    top = sorted(calls.items(), key=lambda item: -item[1])[:5]
    return total, ", ".join(f"{name} {n / count:.2f}" for name, n in top)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=BINARY)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, action="append", default=[])
    parser.add_argument("--nginx-workers", default="auto")
    parser.add_argument("--before", help="a second gateway binary, measured as path gateway-before")
    parser.add_argument("--h1", action="store_true",
                        help="also a gateway with --upstream-http2=false, path gateway-h1")
    parser.add_argument("--requests", type=int,
                        help="a fixed number of requests per measurement instead of --seconds")
    parser.add_argument("--strace", action="store_true",
                        help="then count each proxy's system calls per request (strace -c -f)")
    parser.add_argument("--http1", action="store_true",
                        help="the client speaks HTTP/1.1 (keep-alive) instead of HTTP/2")
    parser.add_argument("--path", action="append", default=[],
                        help="direct, direct-as, gateway, nginx, caddy, direct-before (with "
                             "--before; default: the first four)")
    options = parser.parse_args()
    global CLIENT_HTTP1
    CLIENT_HTTP1 = options.http1
    if "direct-before" in options.path and not options.before:
        parser.error("--path direct-before needs --before")
    connections = options.connections or [1, 16]
    labels = options.path or ["direct", "direct-as", "gateway", "nginx"]
    if options.before and "gateway-before" not in labels:
        labels.insert(labels.index("gateway") if "gateway" in labels else len(labels), "gateway-before")
    if options.h1 and "gateway-h1" not in labels:
        labels.insert(labels.index("gateway") if "gateway" in labels else len(labels), "gateway-h1")
    with tempfile.TemporaryDirectory() as workdir:
        server = Server(options.binary, workdir)
        gateway = nginx = caddy = before = h1 = before_server = None
        try:
            _, cert, key = setup_users(server)
            gateway = Gateway(options.binary, server)
            ca = f"{server.pki}/ca.crt"
            admin = (f"{server.pki}/admin.crt", f"{server.pki}/admin.key")
            upstream = server.process.pid
            # Each path: the proxy's processes, the URL, the client's certificate and key, the
            # extra headers, the upstream's process, and the CA the URL's certificate is issued by.
            paths = {
                "direct": (list, server.url, cert, key, (), upstream, ca),
                "direct-as": (list, server.url, *admin, ("Impersonate-User: bench-user", "Impersonate-Group: bench",
                                                        "Impersonate-Group: system:authenticated"),
                              upstream, ca),
                "gateway": (gateway.pids, gateway.url, cert, key, (), upstream, ca),
            }
            if options.before:
                before = Gateway(options.before, server)
                paths["gateway-before"] = (before.pids, before.url, cert, key, (), upstream, ca)
            if options.before and "direct-before" in labels:
                os.makedirs(os.path.join(workdir, "before"))
                before_server = Server(options.before, os.path.join(workdir, "before"))
                _, before_cert, before_key = setup_users(before_server)
                paths["direct-before"] = (list, before_server.url, before_cert, before_key, (),
                                          before_server.process.pid, f"{before_server.pki}/ca.crt")
            if options.h1:
                h1 = Gateway(options.binary, server, ("--upstream-http2=false",))
                paths["gateway-h1"] = (h1.pids, h1.url, cert, key, (), upstream, ca)
            if "nginx" in labels:
                nginx = Nginx(server, cert, key, options.nginx_workers)
                paths["nginx"] = (nginx.pids, nginx.url, cert, key, (), upstream, ca)
            if "caddy" in labels:
                caddy = Caddy(server, cert, key)
                paths["caddy"] = (caddy.pids, caddy.url, cert, key, (), upstream, ca)
            print("| connections | path | req/s | p50 ms | p99 ms | req/s vs direct | added p50 µs | added p99 µs "
                  "| proxy CPU µs/req | upstream CPU µs/req |")
            print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            summary = []
            for c in connections:
                results = {label: [] for label in labels}
                for _ in range(options.rounds):
                    for label in labels:
                        pids, url, crt, k, headers, upstream_pid, url_ca = paths[label]
                        results[label].append(measured(pids(), upstream_pid, url, url_ca, crt, k, c,
                                                       options.seconds, headers, options.requests))
                medians = {label: [statistics.median(column) for column in zip(*rows)]
                           for label, rows in results.items()}
                base = medians.get("direct")
                for label in labels:
                    rps, p50, p99, proxy_cpu, upstream_cpu = medians[label]
                    if base:
                        ratio = f"{rps / base[0]:.2f}"
                        added = f"{(p50 - base[1]) * 1000:.0f} | {(p99 - base[2]) * 1000:.0f}"
                    else:
                        ratio, added = "", " | "
                    print(f"| {c} | {label} | {rps:,.0f} | {p50:.3f} | {p99:.3f} | {ratio} | {added} "
                          f"| {proxy_cpu:.0f} | {upstream_cpu:.0f} |", flush=True)
                ratios = ", ".join(f"gateway/{peer} req/s {medians['gateway'][0] / medians[peer][0]:.2f}"
                                   for peer in ("nginx", "caddy")
                                   if "gateway" in medians and peer in medians)
                summary.append((c, ratios, [[round(r[0]) for r in results[label]] for label in labels]))
            if options.strace:
                print()
                print("| connections | path | system calls / request | the most frequent |")
                print("|---:|---|---:|---|")
                for c in connections:
                    for label in labels:
                        if label.startswith("direct"):
                            continue
                        pids, url, crt, k, headers, _, url_ca = paths[label]
                        total, top = syscalls(pids(), url, url_ca, crt, k, c, options.seconds, headers,
                                              options.requests)
                        print(f"| {c} | {label} | {total:.2f} | {top} |", flush=True)
            for c, ratio, rows in summary:
                print(f"{c} connections: {ratio}; req/s per round {dict(zip(labels, rows))}")
            print(f"RSS after the load: up {server.rss_mib():.1f} MiB, gateway {gateway.rss_mib():.1f} MiB"
                  + (f", up-before {before_server.rss_mib():.1f} MiB" if before_server else "")
                  + (f", gateway-before {before.rss_mib():.1f} MiB" if before else "")
                  + (f", gateway-h1 {h1.rss_mib():.1f} MiB" if h1 else "")
                  + (f", nginx (master and workers) {nginx.rss_mib():.1f} MiB" if nginx else "")
                  + (f", caddy {caddy.rss_mib():.1f} MiB" if caddy else ""))
        finally:
            if nginx:
                nginx.stop()
            if caddy:
                caddy.stop()
            if before:
                before.stop()
            if before_server:
                before_server.stop()
            if h1:
                h1.stop()
            if gateway:
                gateway.stop()
            server.stop()


if __name__ == "__main__":
    sys.exit(main())
