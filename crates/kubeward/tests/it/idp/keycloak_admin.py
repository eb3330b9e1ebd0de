"""Seed 001's Keycloak steps through PyPI python-keycloak: KeycloakAdmin builds the realm
(client with secret, client role, user with password, group, membership, role mapping,
protocol mappers) and KeycloakOpenID gets and verifies a token with it. Prints one JSON line.
Environment: SERVER_URL, CA (the provider's CA file), ADMIN_PASSWORD."""

import json

from jwcrypto import jwk
from keycloak import KeycloakOpenID
from keycloak.exceptions import KeycloakError
from keycloak_peer import CA, URL
from keycloak_peer import admin as keycloak_admin

admin = keycloak_admin("master")
result = {}

admin.create_realm(payload={"realm": "seed001", "enabled": True})
admin.change_current_realm("seed001")
result["realms"] = sorted(r["realm"] for r in admin.get_realms())

# 1-1: the confidential client kubernetes-client, redirect for kubelogin (3-2).
client_uuid = admin.create_client(
    payload={
        "clientId": "kubernetes-client",
        "publicClient": False,
        "directAccessGrantsEnabled": True,
        "redirectUris": ["http://localhost:8000"],
    }
)
result["client_uuid_lookup"] = admin.get_client_id("kubernetes-client") == client_uuid
secret = admin.get_client_secrets(client_uuid)["value"]
# 1-2: a client role; 1-3: a "User Client Role" mapper into the groups claim.
admin.create_client_role(client_uuid, {"name": "admin"})
role = admin.get_client_role(client_uuid, "admin")
admin.add_mapper_to_client(
    client_uuid,
    payload={
        "name": "client roles",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-usermodel-client-role-mapper",
        "config": {
            "usermodel.clientRoleMapping.clientId": "kubernetes-client",
            "usermodel.clientRoleMapping.rolePrefix": "kubernetes:",
            "multivalued": "true",
            "claim.name": "groups",
            "id.token.claim": "true",
            "access.token.claim": "true",
            "userinfo.token.claim": "true",
        },
    },
)
admin.add_mapper_to_client(
    client_uuid,
    payload={
        "name": "groups",
        "protocol": "openid-connect",
        "protocolMapper": "oidc-group-membership-mapper",
        "config": {
            "full.path": "false",
            "claim.name": "groups",
            "id.token.claim": "true",
            "access.token.claim": "true",
            "userinfo.token.claim": "true",
        },
    },
)
# 1-4: the user test with a password.
user_id = admin.create_user(
    {"username": "test", "enabled": True, "email": "test@example.com", "firstName": "Test"}
)
admin.set_user_password(user_id, "S3cret-pw", temporary=False)
admin.assign_client_role(user_id, client_uuid, [role])
# 1-5, 1-6: the group and the membership.
group_id = admin.create_group({"name": "developers"})
admin.group_user_add(user_id, group_id)

try:
    admin.create_user({"username": "test"})
    result["duplicate"] = "accepted"
except KeycloakError as e:
    result["duplicate"] = e.response_code

result["user_lookup"] = admin.get_user_id("test") == user_id
result["user_groups"] = [g["name"] for g in admin.get_user_groups(user_id)]
result["members"] = [u["username"] for u in admin.get_group_members(group_id)]
result["client_roles_of_user"] = [
    r["name"] for r in admin.get_client_roles_of_user(user_id, client_uuid)
]

# 2-2: the token, as the seed's curl gets it, through KeycloakOpenID.
oidc = KeycloakOpenID(
    server_url=URL,
    realm_name="seed001",
    client_id="kubernetes-client",
    client_secret_key=secret,
    verify=CA,
)
token = oidc.token("test", "S3cret-pw", scope="openid")
result["token_fields"] = sorted(token.keys())
result["id_token"] = oidc.decode_token(token["id_token"], validate=True)
result["userinfo"] = oidc.userinfo(token["access_token"])
# The realm page's public_key, as python-keycloak reads it, verifies the token too.
pem = "-----BEGIN PUBLIC KEY-----\n" + oidc.public_key() + "\n-----END PUBLIC KEY-----\n"
by_public_key = oidc.decode_token(
    token["id_token"], validate=True, key=jwk.JWK.from_pem(pem.encode())
)
result["public_key_verifies"] = by_public_key["preferred_username"]
try:
    oidc.token("test", "wrong")
    result["wrong_password"] = "accepted"
except KeycloakError as e:
    result["wrong_password"] = e.response_code
print(json.dumps(result))
