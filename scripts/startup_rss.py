#!/usr/bin/env python3
"""Start-up time and idle memory of `kubeward up` (issue 19's targets: start under 300 ms, RSS
under 60 MB idle, with every built-in kind served).

For each `--binary LABEL=PATH`, in turn and `--runs` times: starts `kubeward up` on free ports in
a fresh data directory (the first start: the CA, keys and certificates are made, the bootstrap
objects written) and again in the same directory (a restart), and measures the time from the
process start until `/readyz` answers 200 — read with the admin's client certificate, as
kubectl would — then the resident memory 2 seconds later. Prints a Markdown table of the medians
(min–max).

    cargo build --release -p kubeward
    python3 scripts/startup_rss.py --binary before=/tmp/old/kubeward --binary after=target/release/kubeward
"""

import argparse
import os
import re
import shutil
import ssl
import statistics
import subprocess
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def ready_client(data):
    """An SSL context with the admin's client certificate from the admin kubeconfig's files."""
    pki = os.path.join(data, "pki")
    context = ssl.create_default_context(cafile=os.path.join(pki, "ca.crt"))
    context.load_cert_chain(os.path.join(pki, "admin.crt"), os.path.join(pki, "admin.key"))
    return context


def start_once(binary, data):
    """Seconds until /readyz answers 200, and the RSS (MiB) two seconds later."""
    begun = time.monotonic()
    process = subprocess.Popen(
        [binary, "up", "--secure-port", "0", "--idp-port", "0", "--data-dir", data],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        url = None
        for line in process.stdout:
            match = re.match(r"API server: (\S+)", line.strip())
            if match:
                url = match.group(1)
                break
        if url is None:
            raise RuntimeError(f"{binary} printed no API server address")
        context = None
        while True:
            try:
                if context is None:
                    context = ready_client(data)
                with urllib.request.urlopen(f"{url}/readyz", context=context, timeout=5) as answer:
                    if answer.status == 200:
                        break
            except (OSError, ssl.SSLError):
                time.sleep(0.002)
        elapsed = time.monotonic() - begun
        time.sleep(2)
        return elapsed, rss_mib(process.pid)
    finally:
        process.terminate()
        process.wait()


def summary(values, unit, scale=1.0):
    values = [v * scale for v in values]
    return f"{statistics.median(values):.0f} {unit} ({min(values):.0f}–{max(values):.0f})"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", action="append", required=True, help="LABEL=PATH")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    binaries = [b.split("=", 1) for b in args.binary]
    results = {label: {"first": [], "restart": [], "rss": []} for label, _ in binaries}
    for _ in range(args.runs):
        for label, path in binaries:
            work = tempfile.mkdtemp(prefix="kubeward-startup-")
            data = os.path.join(work, "data")
            try:
                first, _ = start_once(path, data)
                restart, rss = start_once(path, data)
            finally:
                shutil.rmtree(work, ignore_errors=True)
            results[label]["first"].append(first)
            results[label]["restart"].append(restart)
            results[label]["rss"].append(rss)
    print("| build | first start to ready | restart to ready | RSS idle |")
    print("|---|---:|---:|---:|")
    for label, _ in binaries:
        r = results[label]
        print(f"| {label} | {summary(r['first'], 'ms', 1000)} | {summary(r['restart'], 'ms', 1000)} "
              f"| {summary(r['rss'], 'MiB')} |")


if __name__ == "__main__":
    main()
