//! The objects a new Keycloak realm has (Keycloak 26's `RealmManager` and the OIDC protocol
//! factory's defaults): the realm roles `offline_access` and `uma_authorization` in the
//! composite `default-roles-<realm>`; the built-in clients `account`, `account-console`,
//! `admin-cli`, `broker`, `realm-management` (`master-realm` in `master`) and
//! `security-admin-console` with their roles; the client scopes with their protocol mappers, and
//! which of them new clients get; the built-in authentication flows (`flows`). [`ensure`] adds what a realm lacks and is idempotent, so a
//! realm stored by an older kubeward is upgraded when it is loaded.

use crate::minter::Minter;
use crate::model::{Client, ClientScope, ProtocolMapper, Realm, Role, RoleMappings};

/// The version of the default objects [`ensure`] adds; a realm with a lower
/// `defaults_version` is upgraded.
pub const VERSION: u32 = 2;

/// Keycloak's built-in account client.
pub const ACCOUNT: &str = "account";
/// The realm role that allows offline tokens.
pub const OFFLINE_ACCESS: &str = "offline_access";
/// The client scope that asks for an offline token.
pub const OFFLINE_SCOPE: &str = "offline_access";

/// The built-in clients' `clientId`s of a realm (`realm-management` is `master-realm` in
/// `master`).
pub fn builtin_clients(realm: &str) -> [String; 6] {
    [
        ACCOUNT.to_string(),
        "account-console".to_string(),
        "admin-cli".to_string(),
        "broker".to_string(),
        management_client(realm),
        "security-admin-console".to_string(),
    ]
}

/// The client holding the admin roles of a realm: `realm-management`, or `master-realm` in
/// `master`.
pub fn management_client(realm: &str) -> String {
    if realm == "master" {
        "master-realm".to_string()
    } else {
        "realm-management".to_string()
    }
}

/// The default role's name: `default-roles-<realm>`.
pub fn default_role_name(realm: &str) -> String {
    format!("default-roles-{realm}")
}

/// Whether a realm role is one Keycloak creates (never pruned by `apply`).
pub fn is_builtin_role(realm: &Realm, name: &str) -> bool {
    name == OFFLINE_ACCESS || name == "uma_authorization" || name == realm.default_role
}

/// The admin roles of `realm-management`, with what the composite ones contain.
const MANAGEMENT_ROLES: &[(&str, &[&str])] = &[
    ("view-realm", &[]),
    ("view-users", &["query-users", "query-groups"]),
    ("view-clients", &["query-clients"]),
    ("view-events", &[]),
    ("view-identity-providers", &[]),
    ("view-authorization", &[]),
    ("manage-realm", &[]),
    ("manage-users", &[]),
    ("manage-clients", &[]),
    ("manage-events", &[]),
    ("manage-identity-providers", &[]),
    ("manage-authorization", &[]),
    ("query-users", &[]),
    ("query-clients", &[]),
    ("query-realms", &[]),
    ("query-groups", &[]),
    ("create-client", &[]),
    ("impersonation", &[]),
];

/// The roles of the `account` client.
const ACCOUNT_ROLES: &[(&str, &[&str])] = &[
    ("manage-account", &["manage-account-links"]),
    ("view-profile", &[]),
    ("manage-account-links", &[]),
    ("view-applications", &[]),
    ("view-consent", &[]),
    ("manage-consent", &["view-consent"]),
    ("delete-account", &[]),
    ("view-groups", &[]),
];

fn role(minter: &mut dyn Minter, name: &str, contains: &[&str], client: Option<&str>) -> Role {
    let mut r = Role::new(minter.id(), name, Some(format!("${{role_{name}}}")));
    for c in contains {
        r.composites.add(client, c);
    }
    r
}

fn client_roles(minter: &mut dyn Minter, client: &str, roles: &[(&str, &[&str])]) -> Vec<Role> {
    roles
        .iter()
        .map(|(name, contains)| role(minter, name, contains, Some(client)))
        .collect()
}

/// The built-in client `client_id` of `realm`, as Keycloak creates it.
fn builtin_client(minter: &mut dyn Minter, realm: &str, client_id: &str) -> Client {
    let mut c = Client::new(minter.id(), client_id.to_string());
    c.name = Some(format!("${{client_{client_id}}}"));
    c.public_client = true;
    c.direct_access_grants_enabled = false;
    let account_url = format!("/realms/{realm}/account/");
    let set = |c: &mut Client, key: &str, value: &str| {
        c.other.insert(key.to_string(), value.into());
    };
    match client_id {
        ACCOUNT => {
            set(&mut c, "rootUrl", "${authBaseUrl}");
            set(&mut c, "baseUrl", &account_url);
            c.redirect_uris = vec![format!("{account_url}*")];
            c.roles = client_roles(minter, ACCOUNT, ACCOUNT_ROLES);
        }
        "account-console" => {
            set(&mut c, "rootUrl", "${authBaseUrl}");
            set(&mut c, "baseUrl", &account_url);
            c.redirect_uris = vec![format!("{account_url}*")];
            c.pkce_method = Some("S256".to_string());
            c.full_scope_allowed = false;
            c.scope_mappings.add(Some(ACCOUNT), "manage-account");
            c.scope_mappings.add(Some(ACCOUNT), "view-groups");
            c.protocol_mappers.push(mapper(
                "audience resolve",
                "oidc-audience-resolve-mapper",
                &[],
            ));
        }
        "admin-cli" => {
            c.standard_flow_enabled = false;
            c.direct_access_grants_enabled = true;
        }
        "broker" | "realm-management" | "master-realm" => {
            c.public_client = false;
            c.bearer_only = true;
            c.standard_flow_enabled = false;
            c.secret = Some(minter.secret());
            c.roles = if client_id == "broker" {
                vec![role(minter, "read-token", &[], None)]
            } else {
                let mut roles = client_roles(minter, client_id, MANAGEMENT_ROLES);
                if client_id == "realm-management" {
                    let all: Vec<&str> = MANAGEMENT_ROLES.iter().map(|(n, _)| *n).collect();
                    roles.push(role(minter, "realm-admin", &all, Some(client_id)));
                }
                roles
            };
            if client_id == "master-realm" {
                c.name = Some("master Realm".to_string());
            }
        }
        _ => {
            // security-admin-console
            set(&mut c, "rootUrl", "${authAdminUrl}");
            set(&mut c, "baseUrl", &format!("/admin/{realm}/console/"));
            c.redirect_uris = vec![format!("/admin/{realm}/console/*")];
            c.web_origins = vec!["+".to_string()];
            c.pkce_method = Some("S256".to_string());
            c.protocol_mappers.push(mapper(
                "locale",
                "oidc-usermodel-attribute-mapper",
                &[
                    ("user.attribute", "locale"),
                    ("claim.name", "locale"),
                    ("jsonType.label", "String"),
                    ("id.token.claim", "true"),
                    ("access.token.claim", "true"),
                    ("introspection.token.claim", "true"),
                    ("userinfo.token.claim", "true"),
                ],
            ));
        }
    }
    c
}

fn mapper(name: &str, kind: &str, config: &[(&str, &str)]) -> ProtocolMapper {
    ProtocolMapper {
        id: String::new(),
        name: name.to_string(),
        protocol_mapper: kind.to_string(),
        config: config
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

/// A mapper of a user attribute to a claim in id, access, introspection and userinfo tokens.
fn attribute(name: &str, attr: &str, claim: &str, json: &str) -> ProtocolMapper {
    mapper(
        name,
        "oidc-usermodel-attribute-mapper",
        &[
            ("user.attribute", attr),
            ("claim.name", claim),
            ("jsonType.label", json),
            ("id.token.claim", "true"),
            ("access.token.claim", "true"),
            ("introspection.token.claim", "true"),
            ("userinfo.token.claim", "true"),
        ],
    )
}

const ALL_TOKENS: &[(&str, &str)] = &[
    ("id.token.claim", "true"),
    ("access.token.claim", "true"),
    ("introspection.token.claim", "true"),
    ("userinfo.token.claim", "true"),
];

fn scope(
    name: &str,
    description: &str,
    protocol: &str,
    attributes: &[(&str, &str)],
    mappers: Vec<ProtocolMapper>,
) -> ClientScope {
    ClientScope {
        id: String::new(),
        name: name.to_string(),
        description: Some(description.to_string()),
        protocol: protocol.to_string(),
        attributes: attributes
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        protocol_mappers: mappers,
        scope_mappings: RoleMappings::default(),
    }
}

const OIDC: &str = "openid-connect";

/// Keycloak 26's client scopes of a new realm, and kubeward's `groups` (the group names in the
/// `groups` claim, which kubelogin users ask for).
fn client_scopes(minter: &mut dyn Minter) -> Vec<ClientScope> {
    let mut scopes = client_scope_list();
    for s in &mut scopes {
        s.id = minter.id();
        for m in &mut s.protocol_mappers {
            m.id = minter.id();
        }
    }
    scopes
}

/// [`client_scopes`] without ids.
fn client_scope_list() -> Vec<ClientScope> {
    let hidden = [
        ("include.in.token.scope", "false"),
        ("display.on.consent.screen", "false"),
    ];
    let mut profile_mappers = vec![mapper("full name", "oidc-full-name-mapper", ALL_TOKENS)];
    for (name, attr, claim) in [
        ("family name", "lastName", "family_name"),
        ("given name", "firstName", "given_name"),
        ("middle name", "middleName", "middle_name"),
        ("nickname", "nickname", "nickname"),
        ("username", "username", "preferred_username"),
        ("profile", "profile", "profile"),
        ("picture", "picture", "picture"),
        ("website", "website", "website"),
        ("gender", "gender", "gender"),
        ("birthdate", "birthdate", "birthdate"),
        ("zoneinfo", "zoneinfo", "zoneinfo"),
        ("locale", "locale", "locale"),
    ] {
        profile_mappers.push(attribute(name, attr, claim, "String"));
    }
    profile_mappers.push(attribute("updated at", "updatedAt", "updated_at", "long"));
    let mut email_verified = attribute(
        "email verified",
        "emailVerified",
        "email_verified",
        "boolean",
    );
    email_verified.protocol_mapper = "oidc-usermodel-property-mapper".to_string();
    let mut phone_verified = attribute(
        "phone number verified",
        "phoneNumberVerified",
        "phone_number_verified",
        "boolean",
    );
    phone_verified.protocol_mapper = "oidc-usermodel-attribute-mapper".to_string();
    let roles_mappers = vec![
        mapper(
            "realm roles",
            "oidc-usermodel-realm-role-mapper",
            &[
                ("user.attribute", "foo"),
                ("access.token.claim", "true"),
                ("claim.name", "realm_access.roles"),
                ("jsonType.label", "String"),
                ("multivalued", "true"),
                ("introspection.token.claim", "true"),
            ],
        ),
        mapper(
            "client roles",
            "oidc-usermodel-client-role-mapper",
            &[
                ("user.attribute", "foo"),
                ("access.token.claim", "true"),
                ("claim.name", "resource_access.${client_id}.roles"),
                ("jsonType.label", "String"),
                ("multivalued", "true"),
                ("introspection.token.claim", "true"),
            ],
        ),
        mapper(
            "audience resolve",
            "oidc-audience-resolve-mapper",
            &[
                ("introspection.token.claim", "true"),
                ("access.token.claim", "true"),
            ],
        ),
    ];
    let mut offline = scope(
        OFFLINE_SCOPE,
        "OpenID Connect built-in scope: offline_access",
        OIDC,
        &[
            ("consent.screen.text", "${offlineAccessScopeConsentText}"),
            ("display.on.consent.screen", "true"),
        ],
        Vec::new(),
    );
    offline.scope_mappings.add(None, OFFLINE_ACCESS);
    let mut upn = attribute("upn", "username", "upn", "String");
    upn.config
        .insert("userinfo.token.claim".into(), "true".into());
    let mut groups_claim = mapper(
        "groups",
        "oidc-usermodel-realm-role-mapper",
        &[
            ("introspection.token.claim", "true"),
            ("multivalued", "true"),
            ("user.attribute", "foo"),
            ("id.token.claim", "true"),
            ("access.token.claim", "true"),
            ("claim.name", "groups"),
            ("jsonType.label", "String"),
        ],
    );
    groups_claim
        .config
        .insert("userinfo.token.claim".into(), "true".into());
    vec![
        scope(
            "acr",
            "OpenID Connect scope for add acr (authentication context class reference) to the token",
            OIDC,
            &hidden,
            vec![mapper(
                "acr loa level",
                "oidc-acr-mapper",
                &[
                    ("id.token.claim", "true"),
                    ("access.token.claim", "true"),
                    ("introspection.token.claim", "true"),
                ],
            )],
        ),
        scope(
            "address",
            "OpenID Connect built-in scope: address",
            OIDC,
            &[
                ("include.in.token.scope", "true"),
                ("consent.screen.text", "${addressScopeConsentText}"),
                ("display.on.consent.screen", "true"),
            ],
            vec![mapper(
                "address",
                "oidc-address-mapper",
                &[
                    ("user.attribute.formatted", "formatted"),
                    ("user.attribute.country", "country"),
                    ("user.attribute.postal_code", "postal_code"),
                    ("user.attribute.street", "street"),
                    ("user.attribute.region", "region"),
                    ("user.attribute.locality", "locality"),
                    ("id.token.claim", "true"),
                    ("access.token.claim", "true"),
                    ("introspection.token.claim", "true"),
                    ("userinfo.token.claim", "true"),
                ],
            )],
        ),
        scope(
            "basic",
            "OpenID Connect scope for add all basic claims to the token",
            OIDC,
            &hidden,
            vec![
                mapper(
                    "sub",
                    "oidc-sub-mapper",
                    &[
                        ("introspection.token.claim", "true"),
                        ("access.token.claim", "true"),
                    ],
                ),
                mapper(
                    "auth_time",
                    "oidc-usersessionmodel-note-mapper",
                    &[
                        ("user.session.note", "AUTH_TIME"),
                        ("introspection.token.claim", "true"),
                        ("id.token.claim", "true"),
                        ("access.token.claim", "true"),
                        ("claim.name", "auth_time"),
                        ("jsonType.label", "long"),
                    ],
                ),
            ],
        ),
        scope(
            "email",
            "OpenID Connect built-in scope: email",
            OIDC,
            &[
                ("include.in.token.scope", "true"),
                ("consent.screen.text", "${emailScopeConsentText}"),
                ("display.on.consent.screen", "true"),
            ],
            vec![
                attribute("email", "email", "email", "String"),
                email_verified,
            ],
        ),
        scope(
            "groups",
            "kubeward: the names of the user's groups in the groups claim",
            OIDC,
            &[
                ("include.in.token.scope", "true"),
                ("display.on.consent.screen", "true"),
            ],
            vec![mapper(
                "groups",
                "oidc-group-membership-mapper",
                &[
                    ("full.path", "false"),
                    ("claim.name", "groups"),
                    ("id.token.claim", "true"),
                    ("access.token.claim", "true"),
                    ("introspection.token.claim", "true"),
                    ("userinfo.token.claim", "true"),
                ],
            )],
        ),
        scope(
            "microprofile-jwt",
            "Microprofile - JWT built-in scope",
            OIDC,
            &[
                ("include.in.token.scope", "true"),
                ("display.on.consent.screen", "false"),
            ],
            vec![upn, groups_claim],
        ),
        offline,
        scope(
            "organization",
            "Additional claims about the organization a subject belongs to",
            OIDC,
            &[
                ("include.in.token.scope", "true"),
                ("consent.screen.text", "${organizationScopeConsentText}"),
                ("display.on.consent.screen", "true"),
            ],
            vec![mapper(
                "organization",
                "oidc-organization-membership-mapper",
                &[
                    ("introspection.token.claim", "true"),
                    ("multivalued", "true"),
                    ("userinfo.token.claim", "true"),
                    ("id.token.claim", "true"),
                    ("access.token.claim", "true"),
                    ("claim.name", "organization"),
                    ("jsonType.label", "String"),
                ],
            )],
        ),
        scope(
            "phone",
            "OpenID Connect built-in scope: phone",
            OIDC,
            &[
                ("include.in.token.scope", "true"),
                ("consent.screen.text", "${phoneScopeConsentText}"),
                ("display.on.consent.screen", "true"),
            ],
            vec![
                attribute("phone number", "phoneNumber", "phone_number", "String"),
                phone_verified,
            ],
        ),
        scope(
            "profile",
            "OpenID Connect built-in scope: profile",
            OIDC,
            &[
                ("include.in.token.scope", "true"),
                ("consent.screen.text", "${profileScopeConsentText}"),
                ("display.on.consent.screen", "true"),
            ],
            profile_mappers,
        ),
        scope(
            "role_list",
            "SAML role list",
            "saml",
            &[
                ("consent.screen.text", "${samlRoleListScopeConsentText}"),
                ("display.on.consent.screen", "true"),
            ],
            vec![mapper(
                "role list",
                "saml-role-list-mapper",
                &[
                    ("single", "false"),
                    ("attribute.nameformat", "Basic"),
                    ("attribute.name", "Role"),
                ],
            )],
        ),
        scope(
            "roles",
            "OpenID Connect scope for add user roles to the access token",
            OIDC,
            &[
                ("include.in.token.scope", "false"),
                ("consent.screen.text", "${rolesScopeConsentText}"),
                ("display.on.consent.screen", "true"),
            ],
            roles_mappers,
        ),
        scope(
            "saml_organization",
            "Organization Membership",
            "saml",
            &[("display.on.consent.screen", "false")],
            vec![mapper(
                "organization",
                "saml-organization-membership-mapper",
                &[],
            )],
        ),
        scope(
            "web-origins",
            "OpenID Connect scope for add allowed web origins to the access token",
            OIDC,
            &[
                ("include.in.token.scope", "false"),
                ("consent.screen.text", ""),
                ("display.on.consent.screen", "false"),
            ],
            vec![mapper(
                "allowed web origins",
                "oidc-allowed-origins-mapper",
                &[
                    ("introspection.token.claim", "true"),
                    ("access.token.claim", "true"),
                ],
            )],
        ),
    ]
}

/// The scopes new clients get by default, as a new Keycloak 26 realm lists them.
const DEFAULT_DEFAULT_SCOPES: &[&str] = &[
    "role_list",
    "saml_organization",
    "profile",
    "email",
    "roles",
    "web-origins",
    "acr",
    "basic",
];

/// The scopes new clients may ask for, as a new Keycloak 26 realm lists them, and `groups`.
const DEFAULT_OPTIONAL_SCOPES: &[&str] = &[
    "offline_access",
    "address",
    "phone",
    "microprofile-jwt",
    "organization",
    "groups",
];

/// A new realm with Keycloak's default objects.
pub fn new_realm(id: String, name: String, minter: &mut dyn Minter) -> Realm {
    let mut realm = Realm::new(id, name);
    ensure(&mut realm, minter);
    realm
}

/// Gives a client the realm's default and optional scopes of its protocol (OpenID Connect), as
/// Keycloak does when a client is created without naming its scopes.
pub fn assign_default_scopes(realm: &Realm, client: &mut Client) {
    let oidc = |name: &&String| realm.client_scope(name).is_some_and(|s| s.protocol == OIDC);
    client.default_client_scopes = realm
        .default_default_client_scopes
        .iter()
        .filter(oidc)
        .cloned()
        .collect();
    client.optional_client_scopes = realm
        .default_optional_client_scopes
        .iter()
        .filter(oidc)
        .cloned()
        .collect();
}

/// Adds the default objects a realm lacks (by name): realm roles and the default role, the
/// built-in clients with their roles, the client scopes and the realm's default scope lists;
/// clients that name no scopes get the realm's defaults. Marks the realm as upgraded.
pub fn ensure(realm: &mut Realm, minter: &mut dyn Minter) {
    if realm.defaults_version >= VERSION {
        return;
    }
    for name in [OFFLINE_ACCESS, "uma_authorization"] {
        if realm.role_named(None, name).is_none() {
            let r = role(minter, name, &[], None);
            realm.roles.push(r);
        }
    }
    for client_id in builtin_clients(&realm.name) {
        if realm.client(&client_id).is_none() {
            let c = builtin_client(minter, &realm.name, &client_id);
            realm.clients.push(c);
        }
    }
    if realm.default_role.is_empty() {
        realm.default_role = default_role_name(&realm.name);
    }
    if realm.role_named(None, &realm.default_role).is_none() {
        let mut r = Role::new(
            minter.id(),
            &realm.default_role.clone(),
            Some("${role_default-roles}".to_string()),
        );
        r.composites.add(None, OFFLINE_ACCESS);
        r.composites.add(None, "uma_authorization");
        r.composites.add(Some(ACCOUNT), "view-profile");
        r.composites.add(Some(ACCOUNT), "manage-account");
        realm.roles.push(r);
    }
    if realm.name == "master"
        && let Some(admin) = realm.roles.iter_mut().find(|r| r.name == "admin")
    {
        for (name, _) in MANAGEMENT_ROLES {
            admin.composites.add(Some("master-realm"), name);
        }
        admin.composites.add(None, "create-realm");
    }
    let scopes = client_scopes(minter);
    let had_scopes = !realm.client_scopes.is_empty();
    for s in scopes {
        if realm.client_scope(&s.name).is_none() {
            realm.client_scopes.push(s);
        }
    }
    if !had_scopes && realm.default_default_client_scopes.is_empty() {
        realm.default_default_client_scopes = DEFAULT_DEFAULT_SCOPES
            .iter()
            .map(|s| s.to_string())
            .collect();
        realm.default_optional_client_scopes = DEFAULT_OPTIONAL_SCOPES
            .iter()
            .map(|s| s.to_string())
            .collect();
    }
    let unscoped: Vec<usize> = (0..realm.clients.len())
        .filter(|&i| {
            let c = &realm.clients[i];
            c.default_client_scopes.is_empty() && c.optional_client_scopes.is_empty()
        })
        .collect();
    for i in unscoped {
        let mut c = realm.clients[i].clone();
        assign_default_scopes(realm, &mut c);
        realm.clients[i] = c;
    }
    for c in &mut realm.clients {
        for m in &mut c.protocol_mappers {
            if m.id.is_empty() {
                m.id = minter.id();
            }
        }
    }
    flows::add(realm, minter);
    realm.defaults_version = VERSION;
}

mod flows;
#[cfg(test)]
mod tests;
