"""Keycloak's admin REST API beyond the seed's steps, driven by PyPI python-keycloak 7 as
automation drives Keycloak: a new realm's default objects, paging over 1,200 users and 150
groups, briefRepresentation, counts, unknown fields, client scopes with their mappers, scope
mappings, role holders, client role composites, mappers by id, credentials, sessions and
logout, offline tokens, brute-force status, login and admin events, keys, server info, required
actions and partial export/import. Prints one JSON line.
Environment: SERVER_URL, CA, ADMIN_PASSWORD."""

import json

from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError
from keycloak_peer import CA, URL
from keycloak_peer import admin as keycloak_admin

admin = keycloak_admin("master")
r = {}


def error_of(call):
    """The status and body of a refused call."""
    try:
        call()
        return "accepted"
    except KeycloakError as e:
        return [e.response_code, json.loads(e.response_body or b"null")]


admin.create_realm(payload={"realm": "breadth", "enabled": True})
admin.change_current_realm("breadth")

# A new realm's default objects.
r["clients"] = sorted(c["clientId"] for c in admin.get_clients())
r["realm_roles"] = sorted(x["name"] for x in admin.get_realm_roles())
default_role = admin.get_realm_role("default-roles-breadth")
r["default_role_composites"] = sorted(
    x["name"] for x in admin.get_composite_realm_roles_of_role("default-roles-breadth")
)
r["scopes"] = sorted(s["name"] for s in admin.get_client_scopes())
management = admin.get_client_id("realm-management")
r["management_roles"] = len(admin.get_client_roles(management))

# Unknown fields are refused, as Keycloak's JSON reader refuses them.
r["realm_wrong"] = error_of(lambda: admin.update_realm("breadth", {"wrong": "payload"}))
admin.update_realm("breadth", {"accountTheme": "keycloak.v3"})
r["account_theme"] = admin.get_realm("breadth")["accountTheme"]

# 1,200 users in one partial import, then paged as python-keycloak pages them.
users = [
    {"username": f"user{i:04d}", "email": f"user{i:04d}@example.com", "enabled": True}
    for i in range(1200)
]
imported = admin.partial_import_realm("breadth", {"ifResourceExists": "FAIL", "users": users})
r["imported"] = imported["added"]
r["skipped_again"] = admin.partial_import_realm(
    "breadth", {"ifResourceExists": "SKIP", "users": users[:10]}
)["skipped"]
all_users = admin.get_users()
r["all_users"] = len(all_users)
r["users_sorted"] = [u["username"] for u in all_users] == sorted(u["username"] for u in all_users)
r["page_at_1150"] = len(admin.get_users({"first": 1150, "max": 100}))
r["users_count"] = admin.users_count()
r["users_count_search"] = admin.users_count({"search": "user11"})
brief = admin.get_users({"max": 1, "briefRepresentation": True})[0]
r["brief_user_fields"] = sorted(brief.keys())
r["user_wrong"] = error_of(lambda: admin.update_user(brief["id"], {"wrong": "payload"}))
r["duplicate_user"] = error_of(lambda: admin.create_user({"username": "user0001"}))

# 120 groups, paged; a user in all of them.
member = brief["id"]
for i in range(120):
    gid = admin.create_group({"name": f"group{i:03d}"})
    admin.group_user_add(member, gid)
r["groups"] = len(admin.get_groups())
r["groups_page"] = len(admin.get_groups({"first": 100, "max": 100}))
r["groups_count"] = admin.groups_count()["count"]
r["user_groups"] = len(admin.get_user_groups(member))
r["user_groups_page"] = len(admin.get_user_groups(member, {"first": 110, "max": 100}))
parent = admin.get_group_by_path("/group000")["id"]
child = admin.create_group({"name": "child"}, parent=parent)
r["child_path"] = admin.get_group(child)["path"]
r["sub_group_count"] = admin.get_group(parent)["subGroupCount"]
r["duplicate_group"] = error_of(lambda: admin.create_group({"name": "group001"}))

# Roles: duplicates, holders, attributes, client role composites.
admin.create_realm_role({"name": "reader", "attributes": {"team": ["sre"]}})
r["duplicate_role"] = error_of(lambda: admin.create_realm_role({"name": "reader"}))
admin.assign_realm_roles(member, [admin.get_realm_role("reader")])
r["role_members"] = [u["username"] for u in admin.get_realm_role_members("reader")]
r["role_attributes_brief"] = "attributes" in admin.get_realm_roles()[0]
r["role_attributes_full"] = admin.get_realm_role("reader")["attributes"]
app = admin.create_client({"clientId": "app", "publicClient": False, "directAccessGrantsEnabled": True})
r["duplicate_client"] = error_of(lambda: admin.create_client({"clientId": "app"}))
admin.create_client_role(app, {"name": "admin"})
admin.create_client_role(app, {"name": "view"})
admin.add_composite_client_roles_to_role(app, "admin", [admin.get_client_role(app, "view")])
r["client_role_composites"] = [
    x["name"] for x in admin.get_composite_client_roles_of_role(app, "admin")
]
admin.assign_client_role(member, app, [admin.get_client_role(app, "admin")])
r["client_role_members"] = [
    u["username"] for u in admin.get_client_role_members(app, "admin")
]

# Client scopes: a new scope with a mapper, given to the client as a default scope.
scope_id = admin.create_client_scope(
    {"name": "team", "protocol": "openid-connect", "attributes": {"include.in.token.scope": True}}
)
admin.add_mapper_to_client_scope(
    scope_id,
    {
        "name": "team",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-hardcoded-claim-mapper",
        "config": {"claim.name": "team", "claim.value": "sre", "access.token.claim": "true"},
    },
)
admin.add_client_default_client_scope(app, scope_id, {})
r["app_default_scopes"] = sorted(s["name"] for s in admin.get_client_default_client_scopes(app))

# Protocol mappers of the client, by id.
admin.add_mapper_to_client(
    app,
    {
        "name": "level",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-hardcoded-claim-mapper",
        "config": {"claim.name": "level", "claim.value": "1", "access.token.claim": "true"},
    },
)
mapper = admin.get_mappers_from_client(app)[0]
mapper["config"]["claim.value"] = "2"
admin.update_client_mapper(app, mapper["id"], mapper)
r["mapper_missing"] = error_of(lambda: admin.update_client_mapper(app, "nope", mapper))

# Tokens of the member: the scope's claim, the mapper's, the roles; an offline token.
secret = admin.get_client_secrets(app)["value"]
admin.set_user_password(member, "pw-0001", temporary=False)
# Users of a partial import hold no default role (as in Keycloak); offline tokens need it.
admin.assign_realm_roles(member, [default_role])
admin.set_events({"eventsEnabled": True, "adminEventsEnabled": True, "adminEventsDetailsEnabled": True})
oidc = KeycloakOpenID(
    server_url=URL, realm_name="breadth", client_id="app", client_secret_key=secret, verify=CA
)
token = oidc.token("user0000", "pw-0001", scope="openid offline_access")
claims = oidc.decode_token(token["access_token"], validate=True)
r["claims"] = {
    "team": claims.get("team"),
    "level": claims.get("level"),
    "realm_roles": sorted(claims["realm_access"]["roles"]),
    "app_roles": sorted(claims["resource_access"]["app"]["roles"]),
    "scope": token["scope"],
}
r["offline_typ"] = oidc.decode_token(token["refresh_token"], validate=False)["typ"]
r["offline_expires_in"] = token["refresh_expires_in"]
online = oidc.token("user0000", "pw-0001", scope="openid")
r["sessions"] = len(admin.get_sessions(member))
admin.user_logout(member)
r["sessions_after_logout"] = len(admin.get_sessions(member))
r["online_refresh_after_logout"] = error_of(lambda: oidc.refresh_token(online["refresh_token"]))
r["offline_refresh_after_logout"] = "access_token" in oidc.refresh_token(token["refresh_token"])

# Credentials and brute force.
r["credentials"] = [c["type"] for c in admin.get_credentials(member)]
r["credential_missing"] = error_of(lambda: admin.delete_credential(member, "nope"))
for _ in range(2):
    try:
        oidc.token("user0000", "wrong")
    except KeycloakError:
        pass
r["brute_force"] = admin.get_bruteforce_detection_status(member)["numFailures"]
admin.clear_bruteforce_attempts_for_user(member)
r["brute_force_cleared"] = admin.get_bruteforce_detection_status(member)["numFailures"]
r["reset_unknown"] = error_of(lambda: admin.set_user_password("nope", "x"))

# Events.
r["login_events"] = sorted({e["type"] for e in admin.get_events({"type": "LOGIN"})})
r["login_errors"] = [e["error"] for e in admin.get_events({"type": "LOGIN_ERROR"})]
r["refresh_events"] = len(admin.get_events({"type": "REFRESH_TOKEN"}))
admin_events = admin.get_admin_events({"resourceTypes": "USER"})
r["admin_events"] = sorted({(e["operationType"], e["resourceType"]) for e in admin_events})

# Keys, server info, required actions, partial export.
keys = admin.get_keys()
r["active_keys"] = sorted(keys["active"].keys())
r["server_info_keys"] = sorted(admin.get_server_info().keys())
r["required_actions"] = [a["alias"] for a in admin.get_required_actions() if a["enabled"]]
exported = admin.export_realm(export_clients=True, export_groups_and_role=True)
r["export_secret"] = [c.get("secret") for c in exported["clients"] if c["clientId"] == "app"]
r["export_users"] = "users" in exported
print(json.dumps(r, default=list))
