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

LDAP: Debian's slapd on loopback (the tests' LDIF) as the realm's user storage provider; timed:
the password grant of the LDAP user (kubeward reads the user and its groups, then binds as the
user), the password grant of a local user (argon2id instead of LDAP), and a bare LDAP simple bind
at slapd from this script (one round trip).

    cargo build --release -p kubeward && apt-get install slapd ldap-utils
    python3 scripts/idp_broker_ldap_latency.py --logins 60

Prints Markdown: the medians (and p90) in ms.
"""

import argparse
import html
import json
import os
import re
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


def upstream_login(session, auth_url, ca):
    """Signs in on the upstream's login page at `auth_url`; returns where the upstream sent the
    browser back to."""
    page = session.get(auth_url, verify=ca)
    action = html.unescape(re.search(r'id="kc-form-login" action="([^"]+)"', page.text).group(1))
    r = session.post(urllib.parse.urljoin(auth_url, action), allow_redirects=False, verify=ca,
                     data={"username": UPSTREAM_USER, "password": UPSTREAM_PASSWORD})
    if r.status_code != 302:
        raise SystemExit(f"upstream login: {r.status_code} {r.text[:300]}")
    return r.headers["Location"]


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


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", default=idp_load.BINARY)
    parser.add_argument("--logins", type=int, default=60)
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

        broker, up_token, up_userinfo = [], [], []
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
            if i >= 3:  # warm-up logins are not counted
                broker.append(elapsed)
                up_token.append((t1 - t0) * 1000)
                up_userinfo.append((t2 - t1) * 1000)

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

        ldap_grants = [grant("minji", "minji-ldap-password") for _ in range(args.logins + 3)][3:]
        local_grants = [grant("test", "test-password") for _ in range(args.logins + 3)][3:]
        binds = bare_binds(ldap_port, args.logins + 3)[3:]

        rows = [
            ("brokered login: kubeward's broker endpoint (code redeemed upstream, ID token "
             "checked, userinfo read)", broker),
            ("upstream's own: token endpoint (authorization_code)", up_token),
            ("upstream's own: userinfo", up_userinfo),
            ("LDAP user: password grant (user and groups read, bind as the user)", ldap_grants),
            ("local user: password grant (argon2id)", local_grants),
            ("slapd: one simple bind (from this script)", binds),
        ]
        print(f"{args.logins} logins each, release build, loopback, "
              f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}\n")
        print("| what | median ms | p90 ms |\n|---|---:|---:|")
        for name, values in rows:
            median, p90 = stats(values)
            print(f"| {name} | {median:.2f} | {p90:.2f} |")
        overhead = (statistics.median(broker) - statistics.median(up_token)
                    - statistics.median(up_userinfo))
        print(f"\nbrokering's own cost (broker endpoint − upstream token − upstream userinfo, "
              f"medians): {overhead:.2f} ms")
        print(json.dumps({"broker_overhead_ms": round(overhead, 3)}))
    finally:
        for p in processes:
            p.kill()
            p.wait()


if __name__ == "__main__":
    main()
