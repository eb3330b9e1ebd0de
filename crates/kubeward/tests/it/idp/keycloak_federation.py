"""LDAP user federation configured through PyPI python-keycloak, in the seed realm `kubernetes`:
KeycloakAdmin adds an LDAP user storage provider (components, as the admin console and Terraform
do) for a real OpenLDAP, lists the mappers Keycloak gives a new provider, adds a group-ldap-mapper,
runs a full sync, reads the imported user and its groups, tries what a read-only provider refuses,
and KeycloakOpenID logs the LDAP user in (a bind as the user). Prints one JSON line.
Environment: SERVER_URL, CA, ADMIN_PASSWORD, LDAP_URL, LDAP_PASSWORD (minji's)."""

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


ldap = {
    "name": "corp-ldap",
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
        "importEnabled": ["true"],
        "fullSyncPeriod": ["-1"],
        "changedSyncPeriod": ["-1"],
    },
}
storage_id = admin.create_component(ldap)
result["bad_url"] = error_of(
    lambda: admin.create_component(
        {**ldap, "name": "x", "config": {**ldap["config"], "connectionUrl": ["http://x"]}}
    )
)
result["unknown_field"] = error_of(lambda: admin.create_component({**ldap, "colour": "red"}))
result["default_mappers"] = sorted(
    m["name"] for m in admin.get_components({"parent": storage_id, "type": MAPPER})
)
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
read = admin.get_component(storage_id)
result["secret_shown"] = read["config"]["bindCredential"]
# Writing the masked secret back keeps the secret (the sync below proves it).
admin.update_component(storage_id, read)
result["sync"] = admin.sync_users(storage_id, "triggerFullSync")
result["again"] = admin.sync_users(storage_id, "triggerFullSync")

minji = admin.get_users({"username": "minji", "exact": True})[0]
result["federation_link_is_provider"] = minji.get("federationLink") == storage_id
result["email"] = minji.get("email")
result["first_name"] = minji.get("firstName")
result["ldap_dn"] = minji["attributes"]["LDAP_ENTRY_DN"]
result["groups"] = sorted(g["name"] for g in admin.get_user_groups(minji["id"]))
result["read_only_update"] = error_of(
    lambda: admin.update_user(minji["id"], {"email": "other@corp.example"})
)
result["read_only_password"] = error_of(
    lambda: admin.set_user_password(minji["id"], "new-password", temporary=False)
)

oidc = KeycloakOpenID(
    server_url=URL,
    realm_name="kubernetes",
    client_id="kubernetes-client",
    client_secret_key="kubernetes-client-secret",
    verify=CA,
)
token = oidc.token("minji", os.environ["LDAP_PASSWORD"])
result["userinfo"] = oidc.userinfo(token["access_token"])
result["wrong_password"] = error_of(lambda: oidc.token("minji", "not-her-password"))
result["unknown_user"] = error_of(lambda: oidc.token("nobody", "x"))
print(json.dumps(result))
