#!/usr/bin/env python3
"""The audit log's cost (issue 18: under 5 % of SelfSubjectAccessReview throughput at level
Metadata), side by side in one run.

Starts, from each binary given, `kubeward up` (redb) several times at once:
- `none`: no audit policy;
- `blocking`: an audit log file at level Metadata for every request (both stages, two events a
  request), `--audit-log-mode=blocking` (each event written before the request goes on);
- `batch`: the same with `--audit-log-mode=batch` and kube-apiserver's defaults for the log's
  batches (one event a batch, no wait: the writer thread is woken for each event);
- `batch-1000`: batch mode with `--audit-log-batch-max-size=1000 --audit-log-batch-max-wait=20ms`
  (events written a batch at a time, the writer woken once a batch);
- `batch-100`: the same with batches of 100 events (each thread's queue smaller when collected);
- `batch-1000-rc`: the same with `omitStages: [RequestReceived]` (one event a request, the usual
  production policy).
Then, with oha, SelfSubjectAccessReviews by a client-certificate user are measured on each
server in turn, round after round, so that the machine's noise falls on all alike. Prints every
round, the median of each server and its ratio to `none` of the same binary, and the server's
CPU time per answered request (user + system, from /proc, which the machine's other load
disturbs less than the rate) with the audit writer threads' share of it; then counts the events each log holds (none may be missing: every
answered request has its events).

    cargo build --release -p kubeward
    python3 scripts/audit_load.py --binary target/release/kubeward --seconds 8 --rounds 5
"""

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_server_load import Server, load, setup_users  # noqa: E402

def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def context_switches(pid):
    """Voluntary context switches of all of a process's threads so far: each time a thread waited
    (for a lock, for the writer's next event, for the next request), whatever else the machine
    runs — the involuntary ones, by which the machine's other load preempts it, are left out."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        total += int(line.split()[1])
        except FileNotFoundError:
            pass
    return total


def writer_cpu_seconds(pid):
    """User + system CPU time so far of the process's audit writer threads (named `audit-…`): the
    share of the audit's cost that is not on the requests' threads."""
    total = 0
    for task in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{task}/stat") as f:
                name, fields = f.read().split("(", 1)[1].rsplit(")", 1)
        except FileNotFoundError:
            continue
        if name.startswith("audit-"):
            fields = fields.split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


POLICY = "apiVersion: audit.k8s.io/v1\nkind: Policy\n{omit}rules:\n- level: Metadata\n"
SETUPS = {
    "none": None,
    "blocking": ("", ["--audit-log-mode=blocking"]),
    "batch": ("", ["--audit-log-mode=batch"]),
    "batch-1000": ("", ["--audit-log-mode=batch", "--audit-log-batch-max-size=1000",
                        "--audit-log-batch-max-wait=20ms"]),
    "batch-100": ("", ["--audit-log-mode=batch", "--audit-log-batch-max-size=100",
                       "--audit-log-batch-max-wait=20ms"]),
    "batch-1000-rc": ("omitStages: [RequestReceived]\n",
                      ["--audit-log-mode=batch", "--audit-log-batch-max-size=1000",
                       "--audit-log-batch-max-wait=20ms"]),
}


def quartiles(values):
    """The median and the first and third quartiles."""
    if len(values) < 2:
        return values[0], values[0], values[0]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return median, q1, q3


def paired_ratios(results, servers):
    """Each audited server's CPU per SSAR and rate against the plain server of the same build,
    round by round (the two measured within seconds of each other, under the same noise), as a
    Markdown table of the ratios' medians and quartiles: steadier than the ratio of the two
    medians when the machine's load drifts between rounds."""
    lines = ["| connections | server | rounds | CPU vs none: median (quartiles) "
             "| SSAR/s vs none: median (quartiles) |", "|---:|---|---:|---:|---:|"]
    for (c, label), runs in results.items():
        build, setup = servers[label][3], servers[label][4]
        base = f"{build}:none" if build else "none"
        if setup == "none" or (c, base) not in results:
            continue
        plain = results[(c, base)]
        cpu = [audited[3] / none[3] for audited, none in zip(runs, plain)]
        rate = [audited[0] / none[0] for audited, none in zip(runs, plain)]
        lines.append(f"| {c} | {label} | {len(cpu)} | "
                     "{:.3f} ({:.3f}–{:.3f}) | ".format(*quartiles(cpu)) +
                     "{:.3f} ({:.3f}–{:.3f}) |".format(*quartiles(rate)))
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", action="append", default=[], metavar="[LABEL=]PATH")
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int,
                        help="a fixed number of requests per measurement instead of --seconds")
    parser.add_argument("--connections", type=int, action="append", default=[])
    parser.add_argument("--setup", action="append", default=[], choices=list(SETUPS))
    options = parser.parse_args()
    binaries = [b.split("=", 1) if "=" in b else ["", b] for b in options.binary]
    connections = options.connections or [2, 32]
    setups = options.setup or list(SETUPS)
    with tempfile.TemporaryDirectory() as workdir:
        servers = {}
        try:
            for build, path in binaries:
                for setup in setups:
                    label = f"{build}:{setup}" if build else setup
                    directory = os.path.join(workdir, label.replace(":", "-"))
                    os.makedirs(directory)
                    extra = []
                    if SETUPS[setup] is not None:
                        omit, flags = SETUPS[setup]
                        policy = os.path.join(directory, "policy.yaml")
                        with open(policy, "w") as f:
                            f.write(POLICY.format(omit=omit))
                        extra = [f"--audit-policy-file={policy}",
                                 f"--audit-log-path={os.path.join(directory, 'audit.log')}", *flags]
                    server = Server(path, directory, extra)
                    servers[label] = (server, setup_users(server), directory, build, setup)
            time.sleep(1)
            results = {}
            answered = {}
            print("| round | connections | server | SSAR/s | p50 ms | p99 ms | CPU µs/SSAR "
                  "| of it the writer's | waits/SSAR |")
            print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
            order = list(servers.items())
            for round in range(options.rounds):
                for c in connections:
                    # Every other round in the opposite order, so that whatever favours the first
                    # (or the last) measurement of a round falls on every server alike.
                    for label, (server, (_, cert, key), _, _, _) in (
                            order if round % 2 == 0 else order[::-1]):
                        before = cpu_seconds(server.process.pid)
                        writer_before = writer_cpu_seconds(server.process.pid)
                        switched = context_switches(server.process.pid)
                        rps, p50, p99, codes = load(server, ("cert", cert, key), c, options.seconds,
                                                    "POST SSAR", options.requests)
                        cpu = cpu_seconds(server.process.pid) - before
                        writer = writer_cpu_seconds(server.process.pid) - writer_before
                        switches = context_switches(server.process.pid) - switched
                        assert set(codes) <= {"201"}, codes
                        count = sum(codes.values())
                        answered[label] = answered.get(label, 0) + count
                        micros = cpu / max(count, 1) * 1e6
                        per = switches / max(count, 1)
                        writer_micros = writer / max(count, 1) * 1e6
                        results.setdefault((c, label), []).append(
                            (rps, p50, p99, micros, per, writer_micros))
                        print(f"| {round + 1} | {c} | {label} | {rps:,.0f} | {p50:.2f} | {p99:.2f} "
                              f"| {micros:.1f} | {writer_micros:.1f} | {per:.2f} |", flush=True)
            print()
            print("| connections | server | median SSAR/s | vs none | median p50 ms | median p99 ms "
                  "| median CPU µs/SSAR | CPU vs none | median writer's µs/SSAR "
                  "| median waits/SSAR |")
            print("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
            for (c, label), runs in results.items():
                build, setup = servers[label][3], servers[label][4]
                base = f"{build}:none" if build else "none"
                median = statistics.median(r[0] for r in runs)
                cpu = statistics.median(r[3] for r in runs)
                ratio = cpu_ratio = ""
                if (c, base) in results:
                    ratio = f"{median / statistics.median(r[0] for r in results[(c, base)]):.3f}"
                    cpu_ratio = f"{cpu / statistics.median(r[3] for r in results[(c, base)]):.3f}"
                print(f"| {c} | {label} | {median:,.0f} | {ratio} | "
                      f"{statistics.median(r[1] for r in runs):.2f} | "
                      f"{statistics.median(r[2] for r in runs):.2f} | {cpu:.1f} | {cpu_ratio} | "
                      f"{statistics.median(r[5] for r in runs):.1f} | "
                      f"{statistics.median(r[4] for r in runs):.2f} |")
            print()
            print(paired_ratios(results, servers))
        finally:
            for server, *_ in servers.values():
                # SIGTERM: a graceful stop, after which every queued event must be in the log.
                server.process.terminate()
                server.process.wait()
        print()
        for label, (_, _, directory, _, setup) in servers.items():
            if SETUPS[setup] is None:
                continue
            lines = 0
            for name in os.listdir(directory):
                if name.startswith("audit") and name.endswith(".log"):
                    with open(os.path.join(directory, name)) as f:
                        lines += sum(1 for line in f if "selfsubjectaccessreviews" in line)
            per_request = 1 if setup.endswith("-rc") else 2
            print(f"{label}: {answered[label]:,} SSARs answered by oha, {lines:,} SSAR events in the "
                  f"log ({per_request} a request expected: {per_request * answered[label]:,} at least)")


if __name__ == "__main__":
    sys.exit(main())
