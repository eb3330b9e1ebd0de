"""The admin API's answers for what it does not serve, the user profile, realm localization
texts and client session statistics, through PyPI python-keycloak in the seed realm
`kubernetes`. Prints one JSON line.
Environment: SERVER_URL, CA (the provider's CA file), ADMIN_PASSWORD, SECRET (of
kubernetes-client)."""

import json
import os

import requests
from keycloak import KeycloakOpenID
from keycloak_peer import CA, URL
from keycloak_peer import admin as keycloak_admin

admin = keycloak_admin("kubernetes")
conn = admin.connection
result = {}


def answer(response):
    try:
        body = response.json()
    except ValueError:
        body = response.text
    return [response.status_code, response.headers.get("Content-Type"), body]


# What no handler takes: Keycloak's 404 and 405 bodies, after the token and the realm.
result["unknown_path"] = answer(conn.raw_get("admin/realms/kubernetes/nothing-here"))
result["unknown_realm"] = answer(conn.raw_get("admin/realms/nowhere/nothing-here"))
result["wrong_method"] = answer(conn.raw_put("admin/realms/kubernetes/users/count", data="{}"))
result["no_token"] = answer(requests.get(URL + "admin/realms/kubernetes/nothing-here", verify=CA))
result["unknown_realm_path"] = answer(requests.get(URL + "realms/kubernetes/nothing-here", verify=CA))
result["token_get"] = answer(
    requests.get(URL + "realms/kubernetes/protocol/openid-connect/token", verify=CA))

# The user profile: Keycloak's default, then one attribute declared and unmanaged ones dropped.
profile = admin.get_realm_users_profile() or conn.raw_get(
    "admin/realms/kubernetes/users/profile").json()
result["profile_names"] = [a["name"] for a in profile["attributes"]]
result["profile_groups"] = [g["name"] for g in profile["groups"]]
result["profile_policy"] = profile.get("unmanagedAttributePolicy")
declared = dict(profile)
declared.pop("unmanagedAttributePolicy")
declared["attributes"] = profile["attributes"] + [
    {"name": "department", "displayName": "Department", "permissions": {"view": ["admin"], "edit": ["admin"]}}
]
stored = conn.raw_put("admin/realms/kubernetes/users/profile", data=json.dumps(declared))
result["profile_put"] = [stored.status_code, "unmanagedAttributePolicy" in stored.json()]
uid = admin.create_user({
    "username": "profiled", "enabled": True,
    "attributes": {"department": ["ops"], "team": ["blue"]},
})
result["attributes_disabled"] = admin.get_user(uid).get("attributes", {})
declared["unmanagedAttributePolicy"] = "ADMIN_VIEW"
conn.raw_put("admin/realms/kubernetes/users/profile", data=json.dumps(declared))
admin.update_user(uid, {"attributes": {"department": ["dev"], "team": ["red"]}})
result["attributes_admin_view"] = admin.get_user(uid).get("attributes", {})
declared["unmanagedAttributePolicy"] = "ENABLED"
conn.raw_put("admin/realms/kubernetes/users/profile", data=json.dumps(declared))
admin.update_user(uid, {"attributes": {"department": ["dev"], "team": ["red"]}})
result["attributes_enabled"] = admin.get_user(uid).get("attributes", {})
without_username = dict(declared)
without_username["attributes"] = [a for a in declared["attributes"] if a["name"] != "username"]
result["profile_refused"] = conn.raw_put(
    "admin/realms/kubernetes/users/profile", data=json.dumps(without_username)).status_code

# Realm localization texts.
base = "admin/realms/kubernetes/localization"
result["texts_none"] = conn.raw_get(base).json()
result["texts_merge"] = conn.raw_post(base + "/de", data=json.dumps({"hello": "Hallo"})).status_code
result["text_put"] = conn.raw_put(
    base + "/de/bye", data="Tschüss".encode(), headers={"Content-Type": "text/plain"}).status_code
result["texts_locales"] = conn.raw_get(base).json()
result["texts_de"] = conn.raw_get(base + "/de").json()
text = conn.raw_get(base + "/de/bye")
result["text"] = [text.status_code, text.text]
result["text_delete"] = conn.raw_delete(base + "/de/bye").status_code
result["text_delete_again"] = conn.raw_delete(base + "/de/bye").status_code
result["locale_delete"] = conn.raw_delete(base + "/de").status_code
result["locale_delete_again"] = conn.raw_delete(base + "/de").status_code
result["texts_after"] = conn.raw_get(base).json()

# Client session statistics: one session through kubernetes-client.
admin.create_user({"username": "stats", "enabled": True, "email": "stats@example.com",
                   "firstName": "S", "lastName": "T",
                   "credentials": [{"type": "password", "value": "stats-pw", "temporary": False}]})
oidc = KeycloakOpenID(server_url=URL, realm_name="kubernetes", client_id="kubernetes-client",
                      client_secret_key=os.environ["SECRET"], verify=CA)
oidc.token("stats", "stats-pw")
result["session_stats"] = [
    {k: s[k] for k in ("clientId", "active", "offline")} for s in admin.get_client_sessions_stats()
]

# The built-in authentication flows, found by alias, then by id.
flows = admin.get_authentication_flows()
result["flows"] = [[f["alias"], f["providerId"], f["topLevel"], f["builtIn"]] for f in flows]
browser = next(f for f in flows if f["alias"] == "browser")
result["browser_executions"] = [
    e.get("authenticator") or e.get("flowAlias") for e in browser["authenticationExecutions"]]
result["flow_by_id"] = conn.raw_get(
    "admin/realms/kubernetes/authentication/flows/" + browser["id"]).json()["alias"]
result["flow_unknown"] = conn.raw_get(
    "admin/realms/kubernetes/authentication/flows/nothing").status_code
print(json.dumps(result))
