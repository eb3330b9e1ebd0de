"""Group role mappings and composite roles through PyPI python-keycloak, in the seed realm
`kubernetes`: KeycloakAdmin gives a group realm and client roles, reads them back, takes them
away, and builds composite roles (with a cycle); after each step KeycloakOpenID's password
grant shows what a member's access token carries. Prints one JSON line.
Environment: SERVER_URL, CA (the provider's CA file), ADMIN_PASSWORD, SECRET (of
kubernetes-client)."""

import json
import os

from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError
from keycloak_peer import CA, URL
from keycloak_peer import admin as keycloak_admin

admin = keycloak_admin("kubernetes")
oidc = KeycloakOpenID(
    server_url=URL,
    realm_name="kubernetes",
    client_id="kubernetes-client",
    client_secret_key=os.environ["SECRET"],
    verify=CA,
)
result = {}


def roles_in_token():
    """The realm roles and kubernetes-client roles of alice's access token."""
    token = oidc.token("alice", "alice-pw")
    claims = oidc.decode_token(token["access_token"], validate=True)
    realm = sorted(claims.get("realm_access", {}).get("roles", []))
    client = sorted(
        claims.get("resource_access", {}).get("kubernetes-client", {}).get("roles", [])
    )
    return {"realm": realm, "client": client}


def names(roles):
    return sorted(r["name"] for r in roles)


def status_of(call):
    try:
        call()
        return "accepted"
    except KeycloakError as e:
        return e.response_code


# A group with a member, and roles to give it.
client_uuid = admin.get_client_id("kubernetes-client")
admin.create_realm_role({"name": "viewer"})
admin.create_client_role(client_uuid, {"name": "audit"})
viewer = admin.get_realm_role("viewer")
audit = admin.get_client_role(client_uuid, "audit")
group_id = admin.create_group({"name": "platform"})
alice = admin.create_user({"username": "alice", "enabled": True})
admin.set_user_password(alice, "alice-pw", temporary=False)
# As in Keycloak, a user made through the admin API holds the realm's default role; the
# steps below start from a user holding nothing.
result["default_roles"] = names(admin.get_realm_roles_of_user(alice))
result["default_in_token"] = roles_in_token()
admin.delete_realm_roles_of_user(alice, [admin.get_realm_role("default-roles-kubernetes")])
admin.group_user_add(alice, group_id)
result["before"] = roles_in_token()

# Group role mappings.
admin.assign_group_realm_roles(group_id, [viewer])
admin.assign_group_client_roles(group_id, client_uuid, [audit])
result["group_realm_roles"] = names(admin.get_group_realm_roles(group_id))
result["group_client_roles"] = names(admin.get_group_client_roles(group_id, client_uuid))
combined = admin.connection.raw_get(
    f"admin/realms/kubernetes/groups/{group_id}/role-mappings"
).json()
result["group_mappings"] = {
    "realm": names(combined.get("realmMappings", [])),
    "clients": {
        k: {"id": v["id"], "roles": names(v["mappings"])}
        for k, v in combined.get("clientMappings", {}).items()
    },
}
result["user_mappings"] = admin.get_all_roles_of_user(alice)
result["client_uuid"] = client_uuid
result["assigned"] = roles_in_token()
result["unknown_group"] = status_of(lambda: admin.assign_group_realm_roles("nope", [viewer]))
result["unknown_role"] = status_of(
    lambda: admin.assign_group_realm_roles(group_id, [{"name": "nope"}])
)

admin.delete_group_realm_roles(group_id, [viewer])
admin.delete_group_client_roles(group_id, client_uuid, [audit])
result["group_realm_roles_after"] = names(admin.get_group_realm_roles(group_id))
result["group_client_roles_after"] = names(admin.get_group_client_roles(group_id, client_uuid))
result["removed"] = roles_in_token()

# Composite roles: ops contains reader, reader contains ops (a cycle) and the client role.
admin.create_realm_role({"name": "ops"})
admin.create_realm_role({"name": "reader"})
ops = admin.get_realm_role("ops")
reader = admin.get_realm_role("reader")
admin.add_composite_realm_roles_to_role("ops", [reader])
admin.add_composite_realm_roles_to_role("reader", [ops, audit])
result["ops_composites"] = names(admin.get_composite_realm_roles_of_role("ops"))
result["reader_composites"] = names(admin.get_composite_realm_roles_of_role("reader"))
result["ops_is_composite"] = admin.get_realm_role("ops")["composite"]
admin.assign_realm_roles(alice, [ops])
result["composite"] = roles_in_token()
admin.remove_composite_realm_roles_to_role("ops", [reader])
result["ops_composites_after"] = names(admin.get_composite_realm_roles_of_role("ops"))
result["ops_is_composite_after"] = admin.get_realm_role("ops")["composite"]
result["composite_removed"] = roles_in_token()
print(json.dumps(result))
