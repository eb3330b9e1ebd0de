"""An LDAP provider without import (`importEnabled` false), configured through PyPI
python-keycloak in the seed realm `kubernetes` for a real OpenLDAP: the sync is ignored, no user
is stored, the admin API's searches, counts and lookups read LDAP, KeycloakOpenID logs an LDAP user in (read from LDAP at that login, with its LDAP
groups), the admin API finds her by her federated id, and a second login after an LDAP change
(made by the test between the two runs, PHASE=again) reads LDAP again. Prints one JSON line.
Environment: SERVER_URL, CA, ADMIN_PASSWORD, LDAP_URL, LDAP_PASSWORD (minji's), PHASE."""

import json
import os

from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError
from keycloak_peer import CA, URL
from keycloak_peer import admin as keycloak_admin

STORAGE = "org.keycloak.storage.UserStorageProvider"
MAPPER = "org.keycloak.storage.ldap.mappers.LDAPStorageMapper"

admin = keycloak_admin("kubernetes")
realm_id = admin.get_realm("kubernetes")["id"]
result = {}


def error_of(call):
    try:
        call()
        return "accepted"
    except KeycloakError as e:
        return [e.response_code, json.loads(e.response_body)]


oidc = KeycloakOpenID(
    server_url=URL,
    realm_name="kubernetes",
    client_id="kubernetes-client",
    client_secret_key="kubernetes-client-secret",
    verify=CA,
)

if os.environ.get("PHASE") == "again":
    token = oidc.token("minji", os.environ["LDAP_PASSWORD"])
    result["userinfo"] = oidc.userinfo(token["access_token"])
    result["gone"] = error_of(lambda: oidc.token("jiho", "jiho-ldap-password"))
    print(json.dumps(result))
    raise SystemExit(0)

ldap = {
    "name": "corp-ldap-live",
    "providerId": "ldap",
    "providerType": STORAGE,
    "parentId": realm_id,
    "config": {
        "enabled": ["true"],
        "vendor": ["other"],
        "connectionUrl": [os.environ["LDAP_URL"]],
        "bindDn": ["cn=admin,dc=corp,dc=example"],
        "bindCredential": ["admin-secret"],
        "usersDn": ["ou=people,dc=corp,dc=example"],
        "usernameLDAPAttribute": ["uid"],
        "rdnLDAPAttribute": ["uid"],
        "uuidLDAPAttribute": ["entryUUID"],
        "userObjectClasses": ["inetOrgPerson, organizationalPerson"],
        "searchScope": ["1"],
        "editMode": ["READ_ONLY"],
        "importEnabled": ["false"],
    },
}
result["unsynced_refused"] = error_of(
    lambda: admin.create_component(
        {**ldap, "name": "x", "config": {**ldap["config"], "editMode": ["UNSYNCED"]}}
    )
)
storage_id = admin.create_component(ldap)
result["storage_id"] = storage_id
admin.create_component(
    {
        "name": "groups",
        "providerId": "group-ldap-mapper",
        "providerType": MAPPER,
        "parentId": storage_id,
        "config": {
            "groups.dn": ["ou=groups,dc=corp,dc=example"],
            "group.name.ldap.attribute": ["cn"],
            "group.object.classes": ["groupOfNames"],
            "membership.ldap.attribute": ["member"],
            "membership.attribute.type": ["DN"],
            "mode": ["READ_ONLY"],
        },
    }
)
result["sync"] = admin.sync_users(storage_id, "triggerFullSync")
# Keycloak queries LDAP for the admin API's searches, counts and lookups: no login needed.
before = admin.get_users({"username": "minji", "exact": True})
result["users_before_login"] = [[u["id"], u["username"], u.get("email")] for u in before]
if before:
    result["by_id_before_login"] = admin.get_user(before[0]["id"])["username"]
result["search"] = [u["username"] for u in admin.get_users({"search": "ji"})]
result["search_pages"] = [
    [u["username"] for u in admin.get_users({"search": "ji", "first": first, "max": 1})]
    for first in (0, 1, 2)
]
result["count"] = admin.users_count()
result["count_search"] = admin.users_count({"search": "ji"})
result["email_exact"] = [
    u["username"] for u in admin.get_users({"email": "jiho@corp.example", "exact": True})
]
result["unknown_id"] = error_of(
    lambda: admin.get_user(f"f:{storage_id}:00000000-0000-0000-0000-000000000000")
)

token = oidc.token("minji", os.environ["LDAP_PASSWORD"])
result["userinfo"] = oidc.userinfo(token["access_token"])
result["id_token"] = token["id_token"]
refreshed = oidc.refresh_token(token["refresh_token"])
result["refreshed"] = oidc.userinfo(refreshed["access_token"])["preferred_username"]
found = admin.get_users({"username": "minji", "exact": True})
result["found_after_login"] = [u["id"] for u in found]
if found:
    by_id = admin.get_user(found[0]["id"])
    result["by_id"] = {
        "federationLink": by_id.get("federationLink"),
        "email": by_id.get("email"),
    }
result["wrong_password"] = error_of(lambda: oidc.token("minji", "not-her-password"))
print(json.dumps(result))
