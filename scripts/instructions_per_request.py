#!/usr/bin/env python3
"""Instructions per request of the API server, counted by valgrind's callgrind: a figure that does
not depend on what else the machine runs (docs/performance.md).

For each `--binary LABEL=PATH`, starts `kubeward up` under callgrind with instrumentation off,
sets up the bearer-token user of scripts/api_server_load.py, sends warm-up requests, then counts
the instructions the server executes while it answers `--requests` SelfSubjectAccessReviews and
`--requests` authorized GETs of a pod list, one keep-alive connection each.

    apt-get install valgrind
    python3 scripts/instructions_per_request.py --binary before=/tmp/old/kubeward --binary after=target/release/kubeward

With `--audit`, each binary is measured a second time with an audit log at level Metadata for
every request (batch mode, batches of 1,000 or 20 ms): the difference is what auditing costs a
request, whatever else the machine runs.

Valgrind does not execute the CPU's SHA extensions: SHA-256 (the authentication cache's key of a
bearer token or a client certificate chain) is counted in its software form, ~32k instructions
for a ServiceAccount token, where natively it takes about 1.5 % of the server's CPU time
(docs/performance.md).
"""

import argparse
import glob
import http.client
import os
import shutil
import ssl
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_server_load import BINARY, SSAR, Server, setup_users  # noqa: E402


def wrapper(workdir, binary, out):
    """A script that runs `binary` under callgrind, for `Server` to start."""
    path = os.path.join(workdir, "under-callgrind")
    with open(path, "w") as f:
        f.write(f"#!/bin/sh\nexec valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file={out} "
                f"{binary} \"$@\" 2>/dev/null\n")
    os.chmod(path, 0o755)
    return path


def requests(server, token, count, method, path, body=None):
    host, port = server.url.removeprefix("https://").split(":")
    context = ssl.create_default_context(cafile=os.path.join(server.pki, "ca.crt"))
    connection = http.client.HTTPSConnection(host, int(port), context=context, timeout=120)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for _ in range(count):
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status in (200, 201), response.status
    connection.close()


def counted(server, out, token, count, method, path, body=None, keep=None):
    """Instructions the server executed while answering `count` requests; with `keep`, the
    callgrind dump is copied to `keep` (a path prefix) for `callgrind_annotate`."""
    pid = str(server.process.pid)
    subprocess.run(["callgrind_control", "-i", "on", pid], check=True, capture_output=True)
    requests(server, token, count, method, path, body)
    subprocess.run(["callgrind_control", "-i", "off", pid], check=True, capture_output=True)
    for old in glob.glob(out + "*"):
        os.remove(old)
    subprocess.run(["callgrind_control", "-d", pid], check=True, capture_output=True)
    total = 0
    for dump in glob.glob(out + "*"):
        with open(dump) as f:
            for line in f:
                if line.startswith("totals:"):
                    total += int(line.split()[1])
                    break
        if keep:
            shutil.copy(dump, keep + dump[len(out):])
    return total / count


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", action="append", default=[], metavar="LABEL=PATH")
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--audit", action="store_true")
    parser.add_argument("--keep", metavar="DIR",
                        help="copy each run's callgrind dumps to DIR/LABEL-ssar… and DIR/LABEL-get…")
    options = parser.parse_args()
    binaries = [b.split("=", 1) for b in options.binary] or [["kubeward", BINARY]]
    if options.audit:
        binaries = [run for label, binary in binaries
                    for run in ([label, binary, False], [f"{label}+audit", binary, True])]
    print("| build | SelfSubjectAccessReview | GET pods |")
    print("|---|---:|---:|")
    for label, binary, *audited in binaries:
        with tempfile.TemporaryDirectory() as workdir:
            out = os.path.join(workdir, "callgrind.out")
            extra = []
            if audited and audited[0]:
                policy = os.path.join(workdir, "policy.yaml")
                with open(policy, "w") as f:
                    f.write("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n")
                extra = [f"--audit-policy-file={policy}",
                         f"--audit-log-path={os.path.join(workdir, 'audit.log')}",
                         "--audit-log-mode=batch", "--audit-log-batch-max-size=1000",
                         "--audit-log-batch-max-wait=20ms"]
            server = Server(wrapper(workdir, os.path.abspath(binary), out), workdir, extra)
            try:
                token, _, _ = setup_users(server)
                ssar = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
                pods = "/api/v1/namespaces/bench/pods"
                requests(server, token, 200, "POST", ssar, SSAR)
                requests(server, token, 200, "GET", pods)
                keep = options.keep and os.path.join(options.keep, label.replace("/", "_"))
                per_ssar = counted(server, out, token, options.requests, "POST", ssar, SSAR,
                                   keep and keep + "-ssar")
                per_get = counted(server, out, token, options.requests, "GET", pods, None,
                                  keep and keep + "-get")
                print(f"| {label} | {per_ssar / 1000:,.0f}k | {per_get / 1000:,.0f}k |", flush=True)
            finally:
                server.stop()


if __name__ == "__main__":
    sys.exit(main())
