"""User searches and pages through PyPI python-keycloak on a realm of their own: exact username
and e-mail lookups (answered from an index of the realm as stored), substring searches, pages in
username order, counts, and what a change does to them at once (a new user, a changed e-mail, a
deleted user). Prints one JSON line.
Environment: SERVER_URL, CA, ADMIN_PASSWORD."""

import json

from keycloak_peer import admin as keycloak_admin

keycloak_admin("master").create_realm(payload={"realm": "search", "enabled": True})
admin = keycloak_admin("search")
for name in ["zoe", "Amy", "bob", "carol", "dave"]:
    admin.create_user({"username": name, "email": f"{name.lower()}@example.com",
                       "enabled": True})


def names(users):
    return [u["username"] for u in users]


result = {
    "page1": names(admin.get_users({"first": 0, "max": 2})),
    "page2": names(admin.get_users({"first": 2, "max": 2})),
    "page_past_end": names(admin.get_users({"first": 5, "max": 2})),
    "exact": names(admin.get_users({"username": "AMY", "exact": True})),
    "exact_prefix": names(admin.get_users({"username": "am", "exact": True})),
    "substring": names(admin.get_users({"username": "o"})),
    "search": names(admin.get_users({"search": "*ar*"})),
    "email_exact": names(admin.get_users({"email": "Bob@Example.com", "exact": True})),
    "exact_and_disabled": names(admin.get_users({"username": "bob", "exact": True,
                                                  "enabled": False})),
    "count_exact": admin.users_count({"username": "bob", "exact": True}),
    "count_all": admin.users_count(),
}
admin.create_user({"username": "eve", "enabled": True})
result["after_create"] = names(admin.get_users({"username": "eve", "exact": True}))
bob = admin.get_user_id("bob")
admin.update_user(bob, {"email": "rob@example.com"})
result["old_email"] = names(admin.get_users({"email": "bob@example.com", "exact": True}))
result["new_email"] = names(admin.get_users({"email": "rob@example.com", "exact": True}))
admin.delete_user(admin.get_user_id("dave"))
result["after_delete"] = names(admin.get_users({"username": "dave", "exact": True}))
result["all"] = names(admin.get_users())
print(json.dumps(result))
