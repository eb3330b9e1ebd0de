#!/usr/bin/env python3
"""Admin API list calls on a large realm (issue 22's target: 10,000 users and 1,000 groups page in
under 10 ms a page).

Starts `kubeward up` (release build) on free ports, signs the master realm's admin in (admin-cli,
password grant), creates a realm and imports `--users` users and `--groups` groups into it with
one `partialImport`, then times pages as Keycloak's clients ask for them — `users?first=F&max=M`
and `groups?first=F&max=M` at the start, the middle and the end, with and without
`briefRepresentation`, the counts, and searches (`search=`, `username=…&exact=true`) — each `--repeat` times over one kept-alive HTTPS
connection; last, users created, changed and deleted one at a time, each write timed and the
search right after it (the realm's users' index follows each change), and their passwords
reset and a realm role mapped (`--writes-only`: the writes alone). Prints a Markdown table of the medians and the 95th percentiles.

    cargo build --release -p kubeward
    python3 scripts/idp_admin_paging.py --binary target/release/kubeward
"""

import argparse
import http.client
import json
import os
import re
import ssl
import statistics
import subprocess
import tempfile
import time
import urllib.parse


def start(binary, work):
    data = os.path.join(work, "data")
    process = subprocess.Popen(
        [binary, "up", "--secure-port", "0", "--idp-port", "0", "--data-dir", data],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    idp = None
    for line in process.stdout:
        match = re.match(r"IdP: (\S+)", line.strip())
        if match:
            idp = match.group(1)
        if line.strip() == "kubectl auth whoami":
            break
    if idp is None:
        raise RuntimeError("kubeward up printed no IdP address")
    with open(os.path.join(data, "idp-admin-password")) as f:
        password = f.read().strip()
    return process, idp, os.path.join(data, "pki", "ca.crt"), password


class Client:
    def __init__(self, url, ca):
        parsed = urllib.parse.urlparse(url)
        context = ssl.create_default_context(cafile=ca)
        self.connection = http.client.HTTPSConnection(parsed.hostname, parsed.port, context=context)
        self.token = None

    def call(self, method, path, body=None, form=None):
        headers = {}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif body is not None:
            body = json.dumps(body)
            headers["Content-Type"] = "application/json"
        self.connection.request(method, path, body=body, headers=headers)
        answer = self.connection.getresponse()
        payload = answer.read()
        if answer.status >= 300:
            raise RuntimeError(f"{method} {path}: {answer.status} {payload[:300]!r}")
        return json.loads(payload) if payload else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--groups", type=int, default=1_000)
    parser.add_argument("--page", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--writes-only", action="store_true",
                        help="time the user writes alone, not the pages and searches")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kubeward-paging-") as work:
        process, idp, ca, password = start(args.binary, work)
        try:
            client = Client(idp, ca)
            tokens = client.call("POST", "/realms/master/protocol/openid-connect/token", form={
                "grant_type": "password", "client_id": "admin-cli",
                "username": "admin", "password": password})
            client.token = tokens["access_token"]
            client.call("POST", "/admin/realms", {"realm": "bench", "enabled": True})
            users = [{"username": f"user{i:05d}", "enabled": True, "email": f"user{i:05d}@example.com",
                      "firstName": "User", "lastName": str(i)} for i in range(args.users)]
            groups = [{"name": f"group{i:04d}"} for i in range(args.groups)]
            begun = time.monotonic()
            client.call("POST", "/admin/realms/bench/partialImport",
                        {"ifResourceExists": "SKIP", "users": users, "groups": groups})
            imported = time.monotonic() - begun
            # A fresh token: the import took a while.
            client.token = client.call("POST", "/realms/master/protocol/openid-connect/token", form={
                "grant_type": "password", "client_id": "admin-cli",
                "username": "admin", "password": password})["access_token"]
            calls = []
            for kind, total in (("users", args.users), ("groups", args.groups)):
                for first in (0, total // 2, total - args.page):
                    for brief in ("", "&briefRepresentation=true"):
                        calls.append(f"/admin/realms/bench/{kind}?first={first}&max={args.page}{brief}")
                calls.append(f"/admin/realms/bench/{kind}/count")
            calls.append(f"/admin/realms/bench/users?search=user0500&max={args.page}")
            calls.append("/admin/realms/bench/users?username=user05000&exact=true")
            calls.append(f"/admin/realms/bench/groups?search=group05&max={args.page}")
            print(f"imported {args.users} users and {args.groups} groups in {imported:.1f} s\n")
            print("| call | items | median ms | p95 ms |")
            print("|---|---:|---:|---:|")
            for path in ([] if args.writes_only else calls):
                times = []
                items = None
                for _ in range(args.repeat):
                    start_at = time.perf_counter()
                    answer = client.call("GET", path)
                    times.append((time.perf_counter() - start_at) * 1000)
                    items = len(answer) if isinstance(answer, list) else answer
                    if isinstance(items, dict):
                        items = items.get("count")
                times.sort()
                p95 = times[int(len(times) * 0.95) - 1]
                print(f"| `{path.removeprefix('/admin/realms/bench/')}` | {items} | "
                      f"{statistics.median(times):.2f} | {p95:.2f} |")
            # The users' index follows the realm's changes: the first search after a user is
            # created, changed or deleted costs what any search costs. Timed: the write, then
            # the search right after it.
            def after_writes(label, write, read):
                writes, reads = [], []
                for k in range(args.repeat):
                    start_at = time.perf_counter()
                    write(k)
                    writes.append((time.perf_counter() - start_at) * 1000)
                    start_at = time.perf_counter()
                    read(k)
                    reads.append((time.perf_counter() - start_at) * 1000)
                for what, times in ((f"the write: {label[0]}", writes), (label[1], reads)):
                    times.sort()
                    print(f"| {what} | 1 | {statistics.median(times):.2f} | "
                          f"{times[int(len(times) * 0.95) - 1]:.2f} |")

            def expect_one(path):
                answer = client.call("GET", path)
                if len(answer) != 1:
                    raise SystemExit(f"{path}: {answer}")

            ids = {}

            def create(k):
                client.call("POST", "/admin/realms/bench/users",
                            {"username": f"new{k:03d}", "enabled": True})

            def created(k):
                path = f"/admin/realms/bench/users?username=new{k:03d}&exact=true"
                answer = client.call("GET", path)
                if len(answer) != 1:
                    raise SystemExit(f"new{k:03d} not found: {answer}")
                ids[k] = answer[0]["id"]

            def change_email(k):
                client.call("PUT", f"/admin/realms/bench/users/{ids[k]}",
                            {"email": f"changed{k:03d}@example.com"})

            client.call("POST", "/admin/realms/bench/roles", {"name": "bench-role"})
            role = client.call("GET", "/admin/realms/bench/roles/bench-role")

            def reset_password(k):
                client.call("PUT", f"/admin/realms/bench/users/{ids[k]}/reset-password",
                            {"type": "password", "value": f"Password-{k:03d}", "temporary": False})

            def map_role(k):
                client.call("POST", f"/admin/realms/bench/users/{ids[k]}/role-mappings/realm",
                            [{"id": role["id"], "name": role["name"]}])

            def delete(k):
                client.call("DELETE", f"/admin/realms/bench/users/{ids[k]}")

            half = args.users // 2
            after_writes(("`POST users`", "`users?username=new…&exact=true` right after it"),
                         create, created)
            after_writes(("`PUT users/{id}` (a new e-mail)",
                          "`users?email=changed…&exact=true` right after it"),
                         change_email,
                         lambda k: expect_one(
                             f"/admin/realms/bench/users?email=changed{k:03d}@example.com&exact=true"))
            after_writes(("`PUT users/{id}/reset-password`", "`users/count` right after it"),
                         reset_password,
                         lambda k: client.call("GET", "/admin/realms/bench/users/count"))
            after_writes(("`POST users/{id}/role-mappings/realm`",
                          "`users/count` right after it"),
                         map_role,
                         lambda k: client.call("GET", "/admin/realms/bench/users/count"))
            after_writes(("`DELETE users/{id}`",
                          f"`users?first={half}&max={args.page}` right after it"),
                         delete,
                         lambda k: client.call(
                             "GET", f"/admin/realms/bench/users?first={half}&max={args.page}"))
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
