#!/usr/bin/env python3
"""Latency of a brokered login and of an LDAP user's login at `kubeward idp serve`, against the
upstream's own latency (issue 22's performance target: "no more than the upstream's own latency
plus 1 ms").

Brokering: two `kubeward idp serve` (release) on loopback over TLS; the upstream is a second
kubeward provider (seed 001's realm; its client accepts the downstream's broker endpoint), the
downstream has the identity provider `corp` pointing at it (trusted with --truststore-paths).
Each login is scripted as a browser does it (Python requests, one cookie jar a login): the
downstream's authorization request with kc_idp_hint=corp → the upstream's login form → the
upstream's redirect to the downstream's broker endpoint, which redeems the code at the upstream's
token endpoint, checks the ID token and reads its userinfo before it redirects to the client.
Timed: that broker endpoint request; and, on direct logins at the upstream, the same token and
userinfo requests kubeward makes there (the upstream's own latency).

A direct login, for comparison: the login form's POST at the downstream of a local user whose
argon2id hash has argon2's smallest cost (m=8 KiB, t=1; microseconds), i.e. what any login does
after the password check (the SSO session written, the code issued, the redirect). The target
is then: broker endpoint − the upstream's latency − that direct login ≤ 1 ms. The upstream's
latency as kubeward sees it is the token and userinfo times minus this script's own floor per
request (a request for the upstream's JWKS, which costs the upstream nothing).

LDAP: Debian's slapd on loopback (the tests' LDIF) as the realm's user storage provider; timed:
the password grant of the LDAP user (kubeward reads the user and its groups, then binds as the
user), the password grant of a local user (argon2id instead of LDAP) and of the cheap-hash user
(a password grant without its password check), and a bare LDAP simple bind and search at slapd
from this script (one round trip each; kubeward makes two of each).

With --profile, strace follows the downstream during both parts (the logins and the grants):
each request's read, its round trips to the upstream or slapd, the store's fdatasync and its
answer's write give the downstream's own time per request, without this script's own cost;
strace slows every system call it stops at.

    cargo build --release -p kubeward && apt-get install slapd ldap-utils strace
    python3 scripts/idp_broker_ldap_latency.py --logins 60 [--profile]

Prints Markdown: the medians (and p90) in ms.
"""

import argparse
import html
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse

import requests

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import idp_load  # noqa: E402

REALM = idp_load.REALM
SECRET = idp_load.SECRET
CLIENT = "kubernetes-client"
REDIRECT = "http://localhost:8000"
# A downstream user whose password hash is argon2id at argon2's smallest cost (m=8 KiB, t=1,
# p=1): checking it takes microseconds, so its logins are a login's own work.
CHEAP_USER, CHEAP_PASSWORD = "cheap", "cheap-password"
CHEAP_HASH = "$argon2id$v=19$m=8,t=1,p=1$a3ViZXdhcmQtY2hlYXAxNg$aAbFBp4nE8fAVswz0lFlK8bGoL15YBT1QBUpSurmmno"
# The upstream's user (the downstream's seed realm has its own `test`).
UPSTREAM_USER, UPSTREAM_PASSWORD = "ann", "ann-password"
LDIF = """dn: dc=corp,dc=example
objectClass: dcObject
objectClass: organization
dc: corp
o: Corp

dn: ou=people,dc=corp,dc=example
objectClass: organizationalUnit
ou: people

dn: ou=groups,dc=corp,dc=example
objectClass: organizationalUnit
ou: groups

dn: uid=minji,ou=people,dc=corp,dc=example
objectClass: inetOrgPerson
uid: minji
cn: Minji
sn: Kim
mail: minji@corp.example
userPassword: minji-ldap-password

dn: cn=k8s-devs,ou=groups,dc=corp,dc=example
objectClass: groupOfNames
cn: k8s-devs
member: uid=minji,ou=people,dc=corp,dc=example
"""


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_idp(work, binary, name, extra=()):
    """`kubeward idp serve` with the seed realm; returns (process, url, ca)."""
    data = os.path.join(work, name)
    server = subprocess.Popen(
        [binary, "idp", "serve", "--data-dir", data, "--import-realm", REALM,
         *(extra or ["--listen", "127.0.0.1:0"])],
        stdout=subprocess.PIPE, stderr=open(os.path.join(work, f"{name}.log"), "w"), text=True,
        env={**os.environ, "RUST_LOG": "warn"})
    url = None
    for line in server.stdout:
        if line.startswith("IdP:"):
            url = line.split(":", 1)[1].strip()
        if line.strip() == "Ready.":
            break
    if url is None:
        server.kill()
        raise SystemExit(f"{name} did not start:\n{open(os.path.join(work, name + '.log')).read()}")
    return server, url, os.path.join(data, "pki", "ca.crt")


class Admin:
    """The admin REST API of a provider, as its first admin (admin-cli's password grant)."""

    def __init__(self, url, ca, data_dir):
        password = open(os.path.join(data_dir, "idp-admin-password")).read().strip()
        token = requests.post(f"{url}/realms/master/protocol/openid-connect/token", verify=ca,
                              data={"grant_type": "password", "client_id": "admin-cli",
                                    "username": "admin", "password": password}).json()
        self.base, self.ca = f"{url}/admin/realms/kubernetes", ca
        self.headers = {"Authorization": f"Bearer {token['access_token']}"}

    def call(self, method, path, body=None):
        r = requests.request(method, self.base + path, json=body, headers=self.headers,
                             verify=self.ca)
        if r.status_code >= 300:
            raise SystemExit(f"{method} {path}: {r.status_code} {r.text}")
        return r.json() if r.text else None


def start_slapd(work):
    """slapd on a free port with the LDIF; returns (process, url)."""
    data = os.path.join(work, "ldap")
    os.makedirs(data)
    conf = os.path.join(work, "slapd.conf")
    open(conf, "w").write(
        "include /etc/ldap/schema/core.schema\ninclude /etc/ldap/schema/cosine.schema\n"
        "include /etc/ldap/schema/inetorgperson.schema\nmodulepath /usr/lib/ldap\n"
        f"moduleload back_mdb\npidfile {work}/slapd.pid\ndatabase mdb\nmaxsize 10485760\n"
        'suffix "dc=corp,dc=example"\nrootdn "cn=admin,dc=corp,dc=example"\n'
        f"rootpw admin-secret\ndirectory {data}\n")
    ldif = os.path.join(work, "corp.ldif")
    open(ldif, "w").write(LDIF)
    subprocess.run(["/usr/sbin/slapadd", "-f", conf, "-l", ldif], check=True,
                   capture_output=True)
    port = free_port()
    url = f"ldap://127.0.0.1:{port}"
    slapd = subprocess.Popen(["/usr/sbin/slapd", "-f", conf, "-h", url + "/", "-d", "0"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return slapd, url, port
        except OSError:
            time.sleep(0.05)
    raise SystemExit("slapd did not listen")


def ber_length(n):
    return bytes([n]) if n < 128 else bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8,
                                                                                n & 0xFF])


def ber(tag, content):
    return bytes([tag]) + ber_length(len(content)) + content


def bind_request(message_id, dn, password):
    """An LDAPv3 simple BindRequest (RFC 4511) as BER."""
    bind = ber(0x02, b"\x03") + ber(0x04, dn.encode()) + ber(0x80, password.encode())
    return ber(0x30, ber(0x02, bytes([message_id])) + ber(0x60, bind))


def bare_binds(port, count):
    """Times `count` simple binds as minji on one connection (ms each)."""
    times = []
    with socket.create_connection(("127.0.0.1", port)) as s:
        for i in range(count):
            request = bind_request(i % 100 + 1, "uid=minji,ou=people,dc=corp,dc=example",
                                   "minji-ldap-password")
            start = time.perf_counter()
            s.sendall(request)
            answer = s.recv(4096)
            times.append((time.perf_counter() - start) * 1000)
            if b"\x0a\x01\x00" not in answer:
                raise SystemExit(f"the bind failed: {answer!r}")
    return times


def search_request(message_id, uid):
    """An LDAPv3 SearchRequest (RFC 4511) for `(uid=…)` under the people OU, as BER."""
    base = b"ou=people,dc=corp,dc=example"
    equality = ber(0xA3, ber(0x04, b"uid") + ber(0x04, uid.encode()))
    search = (ber(0x04, base) + ber(0x0A, b"\x02") + ber(0x0A, b"\x00") + ber(0x02, b"\x00")
              + ber(0x02, b"\x00") + ber(0x01, b"\x00") + equality + ber(0x30, b""))
    return ber(0x30, ber(0x02, bytes([message_id])) + ber(0x63, search))


def bare_searches(port, count):
    """Times `count` searches for minji on one connection (ms each, until SearchResultDone)."""
    times = []
    with socket.create_connection(("127.0.0.1", port)) as s:
        for i in range(count):
            request = search_request(i % 100 + 1, "minji")
            start = time.perf_counter()
            s.sendall(request)
            answer = b""
            while not answer.endswith(b"\x65\x07\x0a\x01\x00\x04\x00\x04\x00"):
                chunk = s.recv(65536)
                if not chunk:
                    raise SystemExit("slapd closed the connection")
                answer += chunk
            times.append((time.perf_counter() - start) * 1000)
            if b"minji" not in answer:
                raise SystemExit(f"the search found nothing: {answer!r}")
    return times


def follow(session, url, ca, until):
    """GETs and follows redirects by hand until a URL starting with `until`; returns it."""
    for _ in range(10):
        if url.startswith(until):
            return url
        r = session.get(url, allow_redirects=False, verify=ca)
        if r.status_code not in (302, 303):
            raise SystemExit(f"GET {url}: {r.status_code} {r.text[:300]}")
        url = urllib.parse.urljoin(url, r.headers["Location"])
    raise SystemExit(f"never reached {until}")


def form_login(session, auth_url, ca, username, password):
    """Signs in on the login page at `auth_url`; returns where the provider sent the browser
    back to, and how long the form's POST took (ms)."""
    page = session.get(auth_url, verify=ca)
    action = html.unescape(re.search(r'id="kc-form-login" action="([^"]+)"', page.text).group(1))
    t = time.perf_counter()
    r = session.post(urllib.parse.urljoin(auth_url, action), allow_redirects=False, verify=ca,
                     data={"username": username, "password": password})
    elapsed = (time.perf_counter() - t) * 1000
    if r.status_code != 302:
        raise SystemExit(f"login of {username}: {r.status_code} {r.text[:300]}")
    return r.headers["Location"], elapsed


def upstream_login(session, auth_url, ca):
    """Signs in on the upstream's login page at `auth_url`; returns where the upstream sent the
    browser back to."""
    return form_login(session, auth_url, ca, UPSTREAM_USER, UPSTREAM_PASSWORD)[0]


def authorization_url(base, **extra):
    query = {"client_id": CLIENT, "redirect_uri": REDIRECT, "response_type": "code",
             "scope": "openid profile email", "state": "s", "nonce": "n", **extra}
    return f"{base}/realms/kubernetes/protocol/openid-connect/auth?" + urllib.parse.urlencode(
        query)


def code_of(location):
    return urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]


def stats(values):
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(len(ordered) * 0.9) - 1]


STRACE_LINE = re.compile(r"^\d+\s+(\d+):(\d+):([\d.]+)\s+(?:<\.\.\. )?(\w+)(?: resumed>|\()(\d*)"
                         r"(.*?)(?:=\s*(-?\d+))?(?:\s+<([\d.]+)>)?$")


class Strace:
    """strace on the downstream: the system calls that mark a request's parts (the client's
    request read, the upstream's and slapd's round trips, the store's fdatasync, the answer
    written), with their times — a server-side view that neither this script's own cost nor
    the machine's other load between requests reaches."""

    def __init__(self, pid, path):
        self.path = path
        self.process = subprocess.Popen(
            ["strace", "-f", "-tt", "-T", "-s", "0", "-o", path, "-p", str(pid),
             "-e", "trace=recvfrom,writev,sendto,connect,fdatasync"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)  # attached to every thread

    def stop(self):
        """The system calls seen: (start s, call, fd, result, duration s)."""
        time.sleep(0.2)
        self.process.terminate()
        self.process.wait()
        pending, calls = {}, []
        for line in open(self.path):
            tid = line.split()[0]
            m = STRACE_LINE.match(line)
            if not m:
                continue
            h, mi, sec, call, fd, _, ret, dur = m.groups()
            start = int(h) * 3600 + int(mi) * 60 + float(sec)
            if "<unfinished" in line:
                pending[tid] = (start, call, int(fd or -1))
                continue
            if "resumed>" in line:
                if tid not in pending:
                    continue
                start, call, fd = pending.pop(tid)
            else:
                fd = int(fd or -1)
            calls.append((start, call, fd, int(ret) if ret else 0, float(dur or 0)))
        calls.sort()
        return calls


def requests_of(calls):
    """The downstream's requests, one after the other: from the client's request read to the
    answer written; each with its waits upstream (writev → recvfrom on the upstream's
    connection), at slapd (connect and sendto → recvfrom on its connections) and its
    fdatasyncs."""
    upstream = {fd for _, call, fd, ret, _ in calls if call == "recvfrom" and ret > 3000}
    ldap = {fd for _, call, fd, _, _ in calls if call in ("sendto", "connect")}
    out, current = [], None
    for start, call, fd, ret, dur in calls:
        if fd in upstream or fd in ldap:
            if current is not None:
                current["backend"].append((start, call, fd, dur))
            continue
        if call == "recvfrom" and ret > 0 and current is None:
            current = {"fd": fd, "start": start, "backend": [], "syncs": 0}
        elif call == "recvfrom" and ret > 0 and current is not None and fd == current["fd"]:
            current["start"] = current["start"]  # the request continued
        elif call == "fdatasync" and current is not None:
            current["syncs"] += 1
        elif call == "writev" and current is not None and fd == current["fd"]:
            current["total"] = start - current["start"]
            current["upstream"] = wait_of(current["backend"], upstream, "writev")
            current["ldap"] = wait_of(current["backend"], ldap, "sendto")
            current["ldap_calls"] = sum(1 for b in current["backend"] if b[2] in ldap)
            out.append(current)
            current = None
    return out


def wait_of(backend, fds, send):
    """The time spent waiting on `fds`: from each request sent (or connect) to its answer."""
    waited, sent = 0.0, None
    for start, call, fd, dur in backend:
        if fd not in fds:
            continue
        if call in (send, "connect"):
            sent = start if sent is None else sent
        elif call == "recvfrom" and sent is not None:
            waited += start + dur - sent
            sent = None
    return waited



def profile(broker_calls, grant_calls):
    """Prints the downstream's side of the requests (strace): the broker endpoint's own time
    (its waits upstream taken out) against a direct login's, and the LDAP grant's own time (its
    waits at slapd taken out) against a cheap-hash local grant's."""
    ms = lambda xs: statistics.median(xs) * 1000  # noqa: E731
    p90 = lambda xs: sorted(xs)[int(len(xs) * 0.9) - 1] * 1000  # noqa: E731
    done = [r for r in requests_of(broker_calls) if r["syncs"]]
    # The first three of each are warm-ups, as in the table above.
    brokered = [r for r in done if r["upstream"] > 0][3:]
    direct = [r for r in done if r["upstream"] == 0][3:]
    grants = [r for r in requests_of(grant_calls) if r["syncs"]]
    ldap = [r for r in grants if r["ldap_calls"]][3:]
    # The grants alternate LDAP, argon2id, cheap hash: the cheap one follows an argon2id one.
    local = [r for r in grants if not r["ldap_calls"]]
    cheap = local[1::2][3:]
    rows = [
        ("broker endpoint, in all", [r["total"] for r in brokered]),
        ("broker endpoint, waiting for the upstream (token, userinfo)",
         [r["upstream"] for r in brokered]),
        ("broker endpoint, its own work", [r["total"] - r["upstream"] for r in brokered]),
        ("direct login: the form's POST, cheap-hash user", [r["total"] for r in direct]),
        ("LDAP password grant, in all", [r["total"] for r in ldap]),
        ("LDAP password grant, waiting for slapd (connects, binds, searches)",
         [r["ldap"] for r in ldap]),
        ("LDAP password grant, its own work", [r["total"] - r["ldap"] for r in ldap]),
        ("local password grant, cheap-hash user", [r["total"] for r in cheap]),
    ]
    print("\nThe downstream's side (strace timestamps; strace slows every system call):\n")
    print("| what | count | median ms | p90 ms |\n|---|---:|---:|---:|")
    for name, values in rows:
        if values:
            print(f"| {name} | {len(values)} | {ms(values):.2f} | {p90(values):.2f} |")
    if brokered and direct:
        print(f"\nbrokering's own work beyond a direct login's (medians): "
              f"{ms(rows[2][1]) - ms(rows[3][1]):.2f} ms")
    if ldap and cheap:
        print(f"LDAP grant's own work beyond a cheap-hash local grant's (medians): "
              f"{ms(rows[6][1]) - ms(rows[7][1]):.2f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=idp_load.BINARY)
    parser.add_argument("--logins", type=int, default=60)
    parser.add_argument("--profile", action="store_true",
                        help="also time the downstream's side of each request with strace")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="kubeward-broker-latency-")
    processes = []
    try:
        # Another host name than the downstream's: browsers (and requests) share cookies across
        # the ports of one host, and both providers set Keycloak's cookies on /realms/kubernetes.
        port = free_port()
        up, up_url, up_ca = start_idp(work, args.binary, "upstream", [
            "--listen", f"127.0.0.1:{port}", "--public-url", f"https://localhost:{port}"])
        processes.append(up)
        down, down_url, down_ca = start_idp(work, args.binary, "downstream",
                                            ["--listen", "127.0.0.1:0",
                                             "--truststore-paths", up_ca])
        processes.append(down)
        slapd, ldap_url, ldap_port = start_slapd(work)
        processes.append(slapd)

        upstream = Admin(up_url, up_ca, os.path.join(work, "upstream"))
        client = upstream.call("GET", f"/clients?clientId={CLIENT}")[0]
        endpoint = f"{down_url}/realms/kubernetes/broker/corp/endpoint"
        client["redirectUris"] = [*client["redirectUris"], endpoint]
        upstream.call("PUT", f"/clients/{client['id']}", client)
        upstream.call("POST", "/users", {
            "username": UPSTREAM_USER, "enabled": True, "email": "ann@corp.example",
            "emailVerified": True, "firstName": "Ann", "lastName": "Lee",
            "credentials": [{"type": "password", "value": UPSTREAM_PASSWORD,
                             "temporary": False}]})
        issuer = f"{up_url}/realms/kubernetes"
        discovery = requests.get(f"{issuer}/.well-known/openid-configuration",
                                 verify=up_ca).json()
        downstream = Admin(down_url, down_ca, os.path.join(work, "downstream"))
        downstream.call("POST", "/identity-provider/instances", {
            "alias": "corp", "providerId": "oidc", "enabled": True, "trustEmail": True,
            "config": {"authorizationUrl": discovery["authorization_endpoint"],
                       "tokenUrl": discovery["token_endpoint"],
                       "userInfoUrl": discovery["userinfo_endpoint"],
                       "jwksUrl": discovery["jwks_uri"], "issuer": issuer, "clientId": CLIENT,
                       "clientSecret": SECRET, "clientAuthMethod": "client_secret_post",
                       "defaultScope": "openid profile email", "validateSignature": "true",
                       "useJwksUrl": "true", "pkceEnabled": "true", "syncMode": "FORCE"}})
        realm_id = downstream.call("GET", "")["id"]
        downstream.call("POST", "/components", {
            "name": "corp-ldap", "providerId": "ldap",
            "providerType": "org.keycloak.storage.UserStorageProvider", "parentId": realm_id,
            "config": {"connectionUrl": [ldap_url], "bindDn": ["cn=admin,dc=corp,dc=example"],
                       "bindCredential": ["admin-secret"],
                       "usersDn": ["ou=people,dc=corp,dc=example"],
                       "usernameLDAPAttribute": ["uid"], "rdnLDAPAttribute": ["uid"],
                       "uuidLDAPAttribute": ["entryUUID"], "editMode": ["READ_ONLY"],
                       "userObjectClasses": ["inetOrgPerson"]}})

        # A local user of the downstream whose argon2id hash is as cheap as argon2 allows
        # (m=8 KiB, t=1): its logins are a direct login's own work minus the password check.
        downstream.call("POST", "/users", {
            "username": CHEAP_USER, "enabled": True, "email": "cheap@corp.example",
            "emailVerified": True, "firstName": "Cheap", "lastName": "Hash",
            "credentials": [{"type": "password", "secretData": CHEAP_HASH}]})

        trace = Strace(down.pid, os.path.join(work, "broker.strace")) if args.profile else None
        broker, up_token, up_userinfo, up_floor, direct = [], [], [], [], []
        for i in range(args.logins + 3):
            # Brokered: downstream → upstream login → broker endpoint (timed).
            s = requests.Session()
            start_at = follow(s, authorization_url(down_url, kc_idp_hint="corp"), down_ca,
                              up_url)
            back = upstream_login(s, start_at, up_ca)
            t = time.perf_counter()
            r = s.get(back, allow_redirects=False, verify=down_ca)
            elapsed = (time.perf_counter() - t) * 1000
            if r.status_code != 302 or not r.headers["Location"].startswith(REDIRECT):
                raise SystemExit(f"broker endpoint: {r.status_code} {re.sub(r'<[^>]+>', ' ', r.text)[-600:]} cookies={s.cookies.keys()}")
            # Direct at the upstream: its token and userinfo requests, as kubeward makes them.
            d = requests.Session()
            location = upstream_login(d, authorization_url(up_url), up_ca)
            t0 = time.perf_counter()
            tokens = d.post(discovery["token_endpoint"], verify=up_ca, data={
                "grant_type": "authorization_code", "code": code_of(location),
                "redirect_uri": REDIRECT, "client_id": CLIENT, "client_secret": SECRET})
            t1 = time.perf_counter()
            d.get(discovery["userinfo_endpoint"], verify=up_ca,
                  headers={"Authorization": f"Bearer {tokens.json()['access_token']}"})
            t2 = time.perf_counter()
            # The floor of a request from this script: the upstream's key set (no work).
            d.get(discovery["jwks_uri"], verify=up_ca)
            t3 = time.perf_counter()
            # Direct at the downstream: the login form's POST of the cheap-hash user (timed).
            c = requests.Session()
            _, direct_ms = form_login(c, authorization_url(down_url), down_ca, CHEAP_USER,
                                      CHEAP_PASSWORD)
            if i >= 3:  # warm-up logins are not counted
                broker.append(elapsed)
                up_token.append((t1 - t0) * 1000)
                up_userinfo.append((t2 - t1) * 1000)
                up_floor.append((t3 - t2) * 1000)
                direct.append(direct_ms)

        broker_calls = trace.stop() if trace else []
        token_url = f"{down_url}/realms/kubernetes/protocol/openid-connect/token"
        g = requests.Session()

        def grant(username, password):
            t = time.perf_counter()
            r = g.post(token_url, verify=down_ca, data={
                "grant_type": "password", "client_id": CLIENT, "client_secret": SECRET,
                "username": username, "password": password, "scope": "openid"})
            if r.status_code != 200:
                raise SystemExit(f"password grant of {username}: {r.status_code} {r.text}")
            return (time.perf_counter() - t) * 1000

        # Interleaved, so that a change of the machine's load reaches all three alike.
        trace = Strace(down.pid, os.path.join(work, "grants.strace")) if args.profile else None
        ldap_grants, local_grants, cheap_grants = [], [], []
        for i in range(args.logins + 3):
            timed = (grant("minji", "minji-ldap-password"), grant("test", "test-password"),
                     grant(CHEAP_USER, CHEAP_PASSWORD))
            if i >= 3:
                for into, ms in zip((ldap_grants, local_grants, cheap_grants), timed):
                    into.append(ms)
        grant_calls = trace.stop() if trace else []
        binds = bare_binds(ldap_port, args.logins + 3)[3:]
        searches = bare_searches(ldap_port, args.logins + 3)[3:]

        rows = [
            ("brokered login: kubeward's broker endpoint (code redeemed upstream, ID token "
             "checked, userinfo read)", broker),
            ("upstream's own: token endpoint (authorization_code)", up_token),
            ("upstream's own: userinfo", up_userinfo),
            ("a request's floor from this script (the upstream's JWKS)", up_floor),
            ("direct login: the login form's POST, cheap-hash user", direct),
            ("LDAP user: password grant (user and groups read, bind as the user)", ldap_grants),
            ("local user: password grant (argon2id)", local_grants),
            ("local user: password grant, cheap-hash user", cheap_grants),
            ("slapd: one simple bind (from this script)", binds),
            ("slapd: one search by uid (from this script)", searches),
        ]
        print(f"{args.logins} logins each, release build, loopback, "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
        print("| what | median ms | p90 ms |\n|---|---:|---:|")
        for name, values in rows:
            median, p90 = stats(values)
            print(f"| {name} | {median:.2f} | {p90:.2f} |")
        m = statistics.median
        overhead = m(broker) - m(up_token) - m(up_userinfo)
        # The upstream's latency as kubeward sees it, without this script's own cost per
        # request (the floor), which kubeward's client does not pay.
        upstream_net = m(up_token) + m(up_userinfo) - 2 * m(up_floor)
        beyond_direct = m(broker) - upstream_net - m(direct)
        # LDAP's own latency: slapd's round trips kubeward makes (service bind, user search,
        # group search, bind as the user).
        ldap_own = 2 * m(binds) + 2 * m(searches)
        ldap_beyond = m(ldap_grants) - ldap_own - m(cheap_grants)
        # The same, login by login (each login's own upstream and direct times): less
        # sensitive to the load changing during the run.
        paired = [b - (t + u - 2 * f) - d
                  for b, t, u, f, d in zip(broker, up_token, up_userinfo, up_floor, direct)]
        ldap_paired = [g - c - ldap_own for g, c in zip(ldap_grants, cheap_grants)]
        print(f"\nbroker endpoint − upstream token − upstream userinfo (medians): "
              f"{overhead:.2f} ms")
        print(f"the same beyond a direct login, login by login: median "
              f"{stats(paired)[0]:.2f} ms, p90 {stats(paired)[1]:.2f} ms")
        print(f"LDAP beyond a cheap-hash local grant and slapd's round trips, grant by grant: "
              f"median {stats(ldap_paired)[0]:.2f} ms, p90 {stats(ldap_paired)[1]:.2f} ms")
        print(f"brokered login beyond a direct login and the upstream's latency (broker − "
              f"(token + userinfo − 2 floors) − direct): {beyond_direct:.2f} ms")
        print(f"LDAP grant beyond a local grant without argon2id and slapd's four round trips: "
              f"{ldap_beyond:.2f} ms")
        if args.profile:
            profile(broker_calls, grant_calls)
        print(json.dumps({"broker_overhead_ms": round(overhead, 3),
                          "broker_beyond_direct_paired_ms": round(stats(paired)[0], 3),
                          "ldap_beyond_local_paired_ms": round(stats(ldap_paired)[0], 3),
                          "broker_beyond_direct_ms": round(beyond_direct, 3),
                          "ldap_beyond_local_ms": round(ldap_beyond, 3)}))
    finally:
        for p in processes:
            p.kill()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
