"""What the python-keycloak scripts of these tests share: the provider they are run against
(environment: SERVER_URL, CA, ADMIN_PASSWORD) and an admin connection to it."""

import os

from keycloak import KeycloakAdmin, KeycloakOpenIDConnection

URL = os.environ["SERVER_URL"] + "/"
CA = os.environ["CA"]


def admin(realm):
    """KeycloakAdmin working in `realm`, signed in as the master realm's first admin."""
    conn = KeycloakOpenIDConnection(
        server_url=URL,
        username="admin",
        password=os.environ["ADMIN_PASSWORD"],
        realm_name=realm,
        user_realm_name="master",
        client_id="admin-cli",
        verify=CA,
    )
    return KeycloakAdmin(connection=conn)
