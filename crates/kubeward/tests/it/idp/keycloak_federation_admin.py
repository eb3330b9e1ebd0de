"""The rest of LDAP federation's admin API through PyPI python-keycloak (its KeycloakAdmin, and
its authenticated connection for the calls it has no method for), in the seed realm
`kubernetes`, against an OpenLDAP on ldaps:// signed by a private CA: testLDAPConnection, a
WRITABLE provider (user changes and passwords written to LDAP), a group mapper's sync,
remove-imported-users, unlink-users and UNSYNCED. Prints one JSON line.
Environment: SERVER_URL, CA, ADMIN_PASSWORD, LDAP_URL (ldaps://), LDAP_PASSWORD (minji's)."""

import json
import os

from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError
from keycloak_peer import CA, URL
from keycloak_peer import admin as keycloak_admin

STORAGE = "org.keycloak.storage.UserStorageProvider"
MAPPER = "org.keycloak.storage.ldap.mappers.LDAPStorageMapper"
BASE = "admin/realms/kubernetes/"

admin = keycloak_admin("kubernetes")
raw = admin.connection
realm_id = admin.get_realm("kubernetes")["id"]
result = {}


def answer(response):
    """(status, JSON body or None) of a raw call."""
    try:
        return [response.status_code, response.json()]
    except ValueError:
        return [response.status_code, None]


def post(path, body=None, **params):
    return answer(raw.raw_post(BASE + path, data=json.dumps(body or {}), **params))


def error_of(call):
    try:
        call()
        return "accepted"
    except KeycloakError as e:
        return [e.response_code, json.loads(e.response_body)]


ldap_url = os.environ["LDAP_URL"]
probe = {
    "connectionUrl": ldap_url,
    "bindDn": "cn=admin,dc=corp,dc=example",
    "bindCredential": "admin-secret",
    "useTruststoreSpi": "always",
    "connectionTimeout": "5000",
    "startTls": "false",
    "authType": "simple",
}
result["test_connection"] = post("testLDAPConnection", {**probe, "action": "testConnection"})
result["test_authentication"] = post(
    "testLDAPConnection", {**probe, "action": "testAuthentication"}
)
result["test_wrong_password"] = post(
    "testLDAPConnection",
    {**probe, "action": "testAuthentication", "bindCredential": "wrong"},
)
result["test_unknown_action"] = post("testLDAPConnection", {**probe, "action": "nothing"})
result["test_closed_port"] = post(
    "testLDAPConnection",
    {**probe, "action": "testConnection", "connectionUrl": "ldap://127.0.0.1:1"},
)

ldap = {
    "name": "corp-ldap",
    "providerId": "ldap",
    "providerType": STORAGE,
    "parentId": realm_id,
    "config": {
        "enabled": ["true"],
        "vendor": ["other"],
        "connectionUrl": [ldap_url],
        "bindDn": ["cn=admin,dc=corp,dc=example"],
        "bindCredential": ["admin-secret"],
        "usersDn": ["ou=people,dc=corp,dc=example"],
        "usernameLDAPAttribute": ["uid"],
        "rdnLDAPAttribute": ["uid"],
        "uuidLDAPAttribute": ["entryUUID"],
        "userObjectClasses": ["inetOrgPerson, organizationalPerson"],
        "searchScope": ["1"],
        "editMode": ["WRITABLE"],
        "importEnabled": ["true"],
    },
}
storage_id = admin.create_component(ldap)
# The stored credential stands behind the mask, as in the admin console's "Test authentication".
result["test_masked"] = post(
    "testLDAPConnection",
    {**probe, "action": "testAuthentication", "bindCredential": "**********",
     "componentId": storage_id},
)
mapper_id = admin.create_component(
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
            "drop.non.existing.groups.during.sync": ["true"],
        },
    }
)
mappers = f"user-storage/{storage_id}/mappers/{mapper_id}/sync"
result["mapper_sync"] = post(mappers, direction="fedToKeycloak")
result["groups_after_mapper_sync"] = sorted(g["name"] for g in admin.get_groups())
result["mapper_sync_again"] = post(mappers, direction="fedToKeycloak")
result["mapper_sync_to_ldap"] = post(mappers, direction="keycloakToFed")
result["mapper_sync_unknown"] = post(mappers, direction="sideways")
result["mapper_sync_missing"] = post(
    f"user-storage/{storage_id}/mappers/nope/sync", direction="fedToKeycloak"
)

result["sync"] = admin.sync_users(storage_id, "triggerFullSync")
minji = admin.get_users({"username": "minji", "exact": True})[0]
# WRITABLE: the change goes to LDAP (the test reads it there).
admin.update_user(minji["id"], {"email": "minji.kim@corp.example", "lastName": "Kim-Lee"})
result["renamed"] = error_of(lambda: admin.update_user(minji["id"], {"username": "mkim"}))
admin.set_user_password(minji["id"], "minji-new-password", temporary=False)
oidc = KeycloakOpenID(
    server_url=URL,
    realm_name="kubernetes",
    client_id="kubernetes-client",
    client_secret_key="kubernetes-client-secret",
    verify=CA,
)
token = oidc.token("minji", "minji-new-password")
result["new_password_userinfo"] = oidc.userinfo(token["access_token"])
result["old_password"] = error_of(lambda: oidc.token("minji", os.environ["LDAP_PASSWORD"]))

# remove-imported-users: the provider's users leave the realm; a sync brings them back.
result["removed"] = post(f"user-storage/{storage_id}/remove-imported-users")
result["users_after_remove"] = sorted(u["username"] for u in admin.get_users({}))
result["sync_after_remove"] = admin.sync_users(storage_id, "triggerFullSync")["status"]
result["remove_unknown"] = post("user-storage/nope/remove-imported-users")
result["remove_not_storage"] = post(f"user-storage/{mapper_id}/remove-imported-users")

# UNSYNCED: a change stays in kubeward's copy (the test checks LDAP did not change).
component = admin.get_component(storage_id)
component["config"]["editMode"] = ["UNSYNCED"]
admin.update_component(storage_id, component)
jiho = admin.get_users({"username": "jiho", "exact": True})[0]
admin.update_user(jiho["id"], {"email": "jiho@elsewhere.example"})
result["unsynced_email"] = admin.get_user(jiho["id"]).get("email")

# unlink-users: the users stay, local now, without a password of their own.
result["unlinked"] = post(f"user-storage/{storage_id}/unlink-users")
minji = admin.get_users({"username": "minji", "exact": True})[0]
result["link_after_unlink"] = minji.get("federationLink")
result["unlinked_login"] = error_of(lambda: oidc.token("minji", "minji-new-password"))
print(json.dumps(result))
