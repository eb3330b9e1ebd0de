"""Identity brokering configured through PyPI python-keycloak, in the seed realm `kubernetes`:
KeycloakAdmin adds the upstream OpenID provider `corp` (its endpoints from the upstream's own
discovery document) with a group `sre` its `groups` claim maps to, and an attribute importer;
reads them back, and tries what Keycloak refuses. Prints one JSON line.
Environment: SERVER_URL, CA (the provider's CA file), ADMIN_PASSWORD, UPSTREAM (the upstream's
issuer), UPSTREAM_CA, UPSTREAM_CLIENT_ID, UPSTREAM_SECRET."""

import json
import os

import requests
from keycloak.exceptions import KeycloakError
from keycloak_peer import admin as keycloak_admin

admin = keycloak_admin("kubernetes")
up = os.environ["UPSTREAM"]
discovery = requests.get(
    up + "/.well-known/openid-configuration", verify=os.environ["UPSTREAM_CA"], timeout=10
).json()
result = {}


def error_of(call):
    try:
        call()
        return "accepted"
    except KeycloakError as e:
        return [e.response_code, json.loads(e.response_body)]


admin.create_group({"name": "sre"})
provider = {
    "alias": "corp",
    "displayName": "Corp SSO",
    "providerId": "oidc",
    "enabled": True,
    "trustEmail": True,
    "config": {
        "authorizationUrl": discovery["authorization_endpoint"],
        "tokenUrl": discovery["token_endpoint"],
        "userInfoUrl": discovery["userinfo_endpoint"],
        "jwksUrl": discovery["jwks_uri"],
        "issuer": discovery["issuer"],
        "clientId": os.environ["UPSTREAM_CLIENT_ID"],
        "clientSecret": os.environ["UPSTREAM_SECRET"],
        "clientAuthMethod": "client_secret_basic",
        "defaultScope": "openid profile email",
        "validateSignature": "true",
        "useJwksUrl": "true",
        "pkceEnabled": "true",
        "syncMode": "FORCE",
    },
}
admin.create_idp(provider)
result["duplicate"] = error_of(lambda: admin.create_idp(provider))
result["unknown_type"] = error_of(
    lambda: admin.create_idp({"alias": "x", "providerId": "saml-ish"})
)
result["unknown_field"] = error_of(
    lambda: admin.create_idp({"alias": "y", "providerId": "oidc", "colour": "red"})
)
admin.add_mapper_to_idp(
    "corp",
    {
        "name": "sre group",
        "identityProviderAlias": "corp",
        "identityProviderMapper": "oidc-advanced-group-idp-mapper",
        "config": {
            "claims": json.dumps([{"key": "groups", "value": "sre"}]),
            "are.claim.values.regex": "false",
            "group": "/sre",
            "syncMode": "INHERIT",
        },
    },
)
admin.add_mapper_to_idp(
    "corp",
    {
        "name": "department",
        "identityProviderAlias": "corp",
        "identityProviderMapper": "oidc-user-attribute-idp-mapper",
        "config": {"claim": "dept", "user.attribute": "department", "syncMode": "INHERIT"},
    },
)
result["unknown_mapper"] = error_of(
    lambda: admin.add_mapper_to_idp(
        "corp",
        {"name": "m", "identityProviderAlias": "corp", "identityProviderMapper": "nope"},
    )
)
listed = admin.get_idps()
result["aliases"] = [p["alias"] for p in listed]
read = admin.get_idp("corp")
result["secret_shown"] = read["config"]["clientSecret"]
result["first_broker_login_flow"] = read["firstBrokerLoginFlowAlias"]
# An update that sends the masked secret back keeps the secret (the login below proves it).
read["displayName"] = "Corp"
admin.update_idp("corp", read)
result["display_name"] = admin.get_idp("corp")["displayName"]
result["mappers"] = sorted(m["name"] for m in admin.get_idp_mappers("corp"))
result["missing"] = error_of(lambda: admin.get_idp("nope"))
print(json.dumps(result))
