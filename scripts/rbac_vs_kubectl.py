#!/usr/bin/env python3
"""The access matrix of one user answered two ways (issue 6's performance comparison).

Starts `kubeward up` on a free port in a temporary data directory, creates N RoleBindings
(spread over namespaces) plus seed 004's dev-team Role and RoleBinding, then answers "which of
list/create/update/delete may system:serviceaccount:dev-team:dev-k8s use on every namespaced
resource of dev-team":
  1. by looping `kubectl auth can-i VERB RESOURCE -n dev-team --as …` (one process and one
     SelfSubjectAccessReview per cell), as one would without the toolbox;
  2. by one `kubeward rbac matrix --as … -n dev-team` against the live cluster (listing every RBAC
     object, then answering locally);
and checks that both give the same cells. Prints a Markdown table.

    cargo build -p kubeward            # or --release, then pass --binary target/release/kubeward
    python3 scripts/rbac_vs_kubectl.py --bindings 10000
"""

import argparse
import json
import os
import re
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEV = "system:serviceaccount:dev-team:dev-k8s"
VERBS = ["list", "create", "update", "delete"]


def run(*args, env=None, input=None, check=True):
    result = subprocess.run(args, capture_output=True, text=True, env=env, input=input)
    if check and result.returncode != 0:
        raise SystemExit(f"{' '.join(args[:3])}: {result.stderr[-2000:]}")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", default=os.path.join(ROOT, "target", "debug", "kubeward"))
    parser.add_argument("--bindings", type=int, default=10000)
    parser.add_argument("--namespaces", type=int, default=500)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as work:
        data = os.path.join(work, "data")
        server = subprocess.Popen([args.binary, "up", "--secure-port", "0", "--data-dir", data],
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        try:
            for line in server.stdout:
                if line.strip() == "kubectl auth whoami":
                    break
            env = dict(os.environ, KUBECONFIG=os.path.join(data, "admin.kubeconfig"), HOME=work)
            items = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": n}}
                     for n in ["dev-team"] + [f"ns-{i}" for i in range(args.namespaces)]]
            items.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
                          "metadata": {"name": "role-dev-team", "namespace": "dev-team"},
                          "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]})
            items.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                          "metadata": {"name": "roleB-dev-team", "namespace": "dev-team"},
                          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                      "name": "role-dev-team"},
                          "subjects": [{"kind": "ServiceAccount", "name": "dev-k8s",
                                        "namespace": "dev-team"}]})
            for i in range(args.bindings):
                items.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
                              "metadata": {"name": f"b-{i}", "namespace": f"ns-{i % args.namespaces}"},
                              "roleRef": {"apiGroup": "rbac.authorization.k8s.io",
                                          "kind": "ClusterRole", "name": "view"},
                              "subjects": [{"kind": "User", "name": f"user-{i}",
                                            "apiGroup": "rbac.authorization.k8s.io"}]})
            run("kubectl", "create", "-f", "-", env=env,
                input=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))

            started = time.monotonic()
            matrix = run(args.binary, "rbac", "matrix", "--as", DEV, "-n", "dev-team", "-o", "json",
                         env=env).stdout
            toolbox = time.monotonic() - started
            rows = json.loads(matrix)["rows"]

            cells = 0
            started = time.monotonic()
            mismatches = []
            for row in rows:
                for verb, cell in zip(VERBS, row["cells"]):
                    if cell == "notapplicable":
                        continue
                    answer = run("kubectl", "auth", "can-i", verb, row["name"], "-n", "dev-team",
                                 "--as", DEV, env=env, check=False).stdout.strip()
                    cells += 1
                    if (answer == "yes") != (cell == "allowed"):
                        mismatches.append((verb, row["name"], answer, cell))
            loop = time.monotonic() - started
        finally:
            server.kill()
            server.wait()

    print(f"| question | calls | time |")
    print(f"|---|---|---|")
    print(f"| `kubectl auth can-i` loop, {args.bindings} RoleBindings | {cells} | {loop:.1f} s ({loop / cells * 1000:.0f} ms per cell) |")
    print(f"| `kubeward rbac matrix` live (lists all RBAC objects) | 1 | {toolbox:.2f} s |")
    print(f"mismatches: {mismatches}")


if __name__ == "__main__":
    main()
