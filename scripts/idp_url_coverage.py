#!/usr/bin/env python3
"""Which of python-keycloak's URL patterns a running `kubeward idp` routes.

Starts `kubeward idp serve` on a free port with the seed realm, signs the master realm's admin
in, and sends one GET to every URL pattern python-keycloak's `urls_patterns.py` defines, its
placeholders filled (`{realm-name}`: the seed realm `kubernetes`, any other: `x`). A pattern is
unrouted when the answer is the one for a path no handler takes (404 "Unable to find matching
target resource method"); any other answer (the resource's 404 for the id `x`, 405 for a path
that takes other methods, 501 for a feature answered as missing) means the path is served.
Prints a Markdown table, unrouted patterns first.

    cargo build -p kubeward
    python3 scripts/idp_url_coverage.py --binary target/debug/kubeward
"""

import argparse
import http.client
import json
import os
import re
import ssl
import subprocess
import tempfile
import urllib.parse

from keycloak import urls_patterns

NO_RESOURCE = "Unable to find matching target resource method"
SEED = os.path.join(os.path.dirname(__file__), "..", "crates", "idp", "src", "representation",
                    "seed-001-realm.json")


def start(binary, work):
    data = os.path.join(work, "data")
    process = subprocess.Popen(
        [binary, "idp", "serve", "--listen", "127.0.0.1:0", "--data-dir", data,
         "--import-realm", SEED],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    url = None
    for line in process.stdout:
        match = re.match(r"IdP:\s*(\S+)", line.strip())
        if match:
            url = match.group(1)
        if line.strip() == "Ready.":
            break
    if url is None:
        raise RuntimeError("kubeward idp serve printed no IdP address")
    with open(os.path.join(data, "idp-admin-password")) as f:
        password = f.read().strip()
    return process, url, os.path.join(data, "pki", "ca.crt"), password


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kubeward-urls-") as work:
        process, url, ca, password = start(args.binary, work)
        try:
            parsed = urllib.parse.urlparse(url)
            context = ssl.create_default_context(cafile=ca)
            conn = http.client.HTTPSConnection(parsed.hostname, parsed.port, context=context)
            form = urllib.parse.urlencode({"grant_type": "password", "client_id": "admin-cli",
                                           "username": "admin", "password": password})
            conn.request("POST", "/realms/master/protocol/openid-connect/token", body=form,
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            token = json.loads(conn.getresponse().read())["access_token"]
            rows = []
            for name in sorted(n for n in dir(urls_patterns) if n.startswith("URL_")):
                pattern = getattr(urls_patterns, name)
                if not isinstance(pattern, str):
                    continue
                path = "/" + re.sub(r"\{([^}]+)\}",
                                    lambda m: "kubernetes" if m.group(1) == "realm-name" else "x",
                                    pattern)
                conn.request("GET", path, headers={"Authorization": f"Bearer {token}"})
                answer = conn.getresponse()
                body = answer.read()
                try:
                    error = json.loads(body).get("error") if body else None
                except (ValueError, AttributeError):
                    error = None
                routed = not (answer.status == 404 and error == NO_RESOURCE)
                rows.append((routed, name, pattern, answer.status))
            print("| pattern | python-keycloak name | GET status | routed |")
            print("|---|---|---:|---|")
            for routed, name, pattern, status in sorted(rows):
                print(f"| `{pattern}` | {name} | {status} | {'yes' if routed else 'NO'} |")
            unrouted = sum(1 for r in rows if not r[0])
            print(f"\n{len(rows)} patterns, {unrouted} unrouted")
        finally:
            process.terminate()
            process.wait()


if __name__ == "__main__":
    main()
