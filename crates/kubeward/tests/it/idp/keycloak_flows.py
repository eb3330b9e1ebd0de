"""Authentication flows, executions and authenticator configurations, a client's installation
JSON and its authorization settings, through PyPI python-keycloak in the seed realm
`kubernetes`. Prints one JSON line.
Environment: SERVER_URL, CA (the provider's CA file), ADMIN_PASSWORD."""

import json

from keycloak.exceptions import KeycloakError
from keycloak_peer import admin as keycloak_admin

admin = keycloak_admin("kubernetes")
result = {}


def status(call, *args, **kwargs):
    """The status and body of a call python-keycloak refuses."""
    try:
        call(*args, **kwargs)
        return [200, None]
    except KeycloakError as e:
        body = e.error_message
        try:
            body = json.loads(body)
        except (TypeError, ValueError):
            body = body.decode() if isinstance(body, bytes) else body
        return [e.response_code, body]


# The built-in browser flow's executions, as Keycloak lists them (subflows inline, by level).
browser = admin.get_authentication_flow_executions("browser")
result["browser"] = [
    [e["displayName"], e["level"], e["index"], e["requirement"], e.get("providerId"),
     e["configurable"], e["requirementChoices"], e.get("authenticationFlow")]
    for e in browser
]
result["browser_subflow_ids"] = all(
    ("flowId" in e) == bool(e.get("authenticationFlow")) for e in browser)
result["first_broker_review"] = [
    [e["displayName"], e.get("alias"), e.get("authenticationConfig") is not None]
    for e in admin.get_authentication_flow_executions("first broker login")
    if e.get("providerId") == "idp-review-profile"
]
review = next(e for e in admin.get_authentication_flow_executions("first broker login")
              if e.get("providerId") == "idp-review-profile")
result["review_config"] = admin.get_authenticator_config(review["authenticationConfig"])
result["review_config"].pop("id")

# A built-in flow takes no new step; a copy does.
result["builtin_add"] = status(
    admin.create_authentication_flow_execution, {"provider": "auth-otp-form"}, "browser")
admin.copy_authentication_flow({"newName": "my browser"}, "browser")
flows = {f["alias"]: f for f in admin.get_authentication_flows()}
copy = flows["my browser"]
result["copy"] = [copy["builtIn"], copy["topLevel"], copy["description"],
                  [e.get("flowAlias") or e.get("authenticator")
                   for e in copy["authenticationExecutions"]]]
result["copy_again"] = status(
    admin.copy_authentication_flow, {"newName": "my browser"}, "browser")
result["copy_unknown"] = status(admin.copy_authentication_flow, {"newName": "x"}, "nothing")

# A step added, its requirement changed, its priority raised, then removed.
admin.create_authentication_flow_execution({"provider": "auth-otp-form"}, "my browser")
steps = admin.get_authentication_flow_executions("my browser")
otp = steps[-1]
result["added"] = [otp["displayName"], otp["requirement"], otp["level"], otp["index"]]
otp["requirement"] = "REQUIRED"
admin.update_authentication_flow_executions(otp, "my browser")
result["updated"] = next(e["requirement"] for e in admin.get_authentication_flow_executions(
    "my browser") if e["id"] == otp["id"])
single = admin.get_authentication_flow_execution(otp["id"])
result["single"] = [single["authenticator"], single["requirement"], single["required"],
                    single["parentFlow"] == copy["id"], single["authenticatorFlow"]]
admin.change_execution_priority(otp["id"], 1)
top_level = [e["displayName"] for e in admin.get_authentication_flow_executions("my browser")
             if e["level"] == 0]
result["raised"] = top_level
result["unknown_provider"] = status(
    admin.create_authentication_flow_execution, {"provider": "nothing"}, "my browser")

# A configuration for the redirector step of the copy.
redirector = next(e for e in admin.get_authentication_flow_executions("my browser")
                  if e.get("providerId") == "identity-provider-redirector")
admin.create_execution_config(
    redirector["id"], {"alias": "to corp", "config": {"defaultProvider": "corp"}})
redirector = next(e for e in admin.get_authentication_flow_executions("my browser")
                  if e.get("providerId") == "identity-provider-redirector")
config_id = redirector["authenticationConfig"]
result["config_alias"] = redirector.get("alias")
admin.update_authenticator_config({"alias": "to corp", "config": {"defaultProvider": "other"}},
                                  config_id)
config = admin.get_authenticator_config(config_id)
result["config"] = [config["alias"], config["config"]]

# A subflow added to the copy, then the step removed.
admin.create_authentication_flow_subflow(
    {"alias": "my extra", "type": "basic-flow", "provider": "registration-page-form",
     "description": "extra steps"}, "my browser")
sub = next(e for e in admin.get_authentication_flow_executions("my browser")
           if e["displayName"] == "my extra")
result["subflow"] = [sub["requirement"], sub["description"], sub["authenticationFlow"],
                     sub["requirementChoices"]]
admin.delete_authentication_flow_execution(otp["id"])
result["after_delete"] = [e["displayName"]
                          for e in admin.get_authentication_flow_executions("my browser")
                          if e["level"] == 0]
result["delete_again"] = status(admin.delete_authentication_flow_execution, otp["id"])

# The requirement of a built-in flow's step may change, as in Keycloak.
spnego = next(e for e in admin.get_authentication_flow_executions("browser")
              if e.get("providerId") == "auth-spnego")
spnego["requirement"] = "ALTERNATIVE"
admin.update_authentication_flow_executions(spnego, "browser")
result["builtin_requirement"] = next(
    e["requirement"] for e in admin.get_authentication_flow_executions("browser")
    if e["id"] == spnego["id"])

# A new top-level flow, renamed, then deleted; a built-in flow is not.
admin.create_authentication_flow(
    {"alias": "scratch", "providerId": "basic-flow", "topLevel": True, "builtIn": False})
scratch = next(f for f in admin.get_authentication_flows() if f["alias"] == "scratch")
result["scratch"] = [scratch["description"], scratch["authenticationExecutions"]]
result["create_again"] = status(
    admin.create_authentication_flow, {"alias": "scratch", "providerId": "basic-flow"})
admin.delete_authentication_flow(scratch["id"])
result["scratch_gone"] = "scratch" in [f["alias"] for f in admin.get_authentication_flows()]
result["delete_builtin"] = status(admin.delete_authentication_flow, flows["browser"]["id"])

# The authenticator factories.
providers = admin.get_authenticator_providers()
result["providers_cookie"] = next(p for p in providers if p["id"] == "auth-cookie")
result["providers_has_clients"] = any(p["id"] == "client-secret" for p in providers)
result["config_description"] = admin.get_authenticator_provider_config_description(
    "auth-cookie")
result["config_description_redirector"] = admin.get_authenticator_provider_config_description(
    "identity-provider-redirector")["properties"]
result["config_description_unknown"] = status(
    admin.get_authenticator_provider_config_description, "nothing")
conn = admin.connection
result["client_authenticators"] = sorted(
    [p["id"], p["supportsSecret"]] for p in conn.raw_get(
        "admin/realms/kubernetes/authentication/client-authenticator-providers").json())

# A client's adapter configuration, and its authorization settings.
client_id = admin.get_client_id("kubernetes-client")
installation = admin.get_client_installation_provider(client_id, "keycloak-oidc-keycloak-json")
result["installation"] = installation
raw = conn.raw_get("admin/realms/kubernetes/clients/" + client_id
                   + "/installation/providers/keycloak-oidc-keycloak-json")
result["installation_type"] = raw.headers.get("Content-Type")
result["installation_text"] = raw.text
# What the admin console offers to download: serverinfo's providers, each fetched.
offered = admin.get_server_info()["clientInstallations"]["openid-connect"]
result["installation_offered"] = [
    [p["id"], p["displayType"], p["filename"], p["mediaType"], p["downloadOnly"],
     admin.get_client_installation_provider(client_id, p["id"]) == installation]
    for p in offered]
result["installation_unknown"] = status(
    admin.get_client_installation_provider, client_id, "nothing")
result["authz"] = status(admin.get_client_authz_settings, client_id)
created = admin.create_client({"clientId": "with-authz", "authorizationServicesEnabled": True,
                               "serviceAccountsEnabled": True, "publicClient": False})
result["authz_flag"] = "authorizationServicesEnabled" in admin.get_client(created)
result["authz_created"] = status(admin.get_client_authz_settings, created)

# A role's composites by the role's id: realm roles, and one client's roles.
result["default_roles"] = sorted(r["name"] for r in admin.get_realm_default_roles())
default_id = admin.get_default_realm_role_id()
account = admin.get_client_id("account")
result["default_account_roles"] = sorted(
    r["name"] for r in admin.get_role_client_level_children(account, default_id))

print(json.dumps(result))
