//! The admin REST API, compatible with Keycloak 26's (the version python-keycloak 7 targets):
//! realms; clients with their secret, roles, protocol mappers, client scopes, scope mappings and
//! sessions; client scopes; users with credentials, sessions, groups and role mappings; groups
//! with children, members and role mappings; realm and client roles with composites and
//! holders; keys; login and admin events; brute-force status; required actions; partial export
//! and import; server info; identity providers with their mappers, and users' links to upstream
//! accounts. Authenticated as Keycloak's: a bearer token of the `master` realm
//! whose user holds the realm role `admin`. Keycloak's paging (`first`, `max`),
//! `briefRepresentation`, status codes and error bodies; unknown fields are refused.
//!
//! - `access`: the extractors that check the token and name the realm.
//! - `answer`: Keycloak's error bodies, paging and the success answers.
//! - `realms`, `clients`, `client_scopes`, `mappers`, `users`, `groups`, `roles`,
//!   `role_mappings`, `keys`, `events`, `attack_detection`, `required_actions`, `partial`,
//!   `server_info`, `identity_providers`, `components` and `user_storage` (user federation),
//!   `user_profile`, `localization`, `session_stats`, `authentication` (flows, executions,
//!   authenticator configurations and factories):
//!   the handlers, one module per resource.
//! - `lookup`: lookups several handlers share.
//! - `installation`: a client's adapter configuration (`installation/providers`).
//! - `authz`: Authorization Services, answered as Keycloak without the feature;
//!   `organizations`, answered as a realm without them; `caches` (`clear-*-cache`).
//! - `unmatched`: Keycloak's 404 and 405 for what no handler takes.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post, put};

use super::Ctx;

mod access;
mod answer;
mod attack_detection;
mod authentication;
mod authz;
mod caches;
mod client_scopes;
mod clients;
mod components;
mod events;
mod groups;
mod identity_providers;
mod installation;
mod keys;
mod localization;
mod lookup;
mod mappers;
mod organizations;
mod partial;
mod realms;
mod required_actions;
mod role_mappings;
mod roles;
mod server_info;
mod session_stats;
pub(crate) mod unmatched;
mod user_profile;
mod user_storage;
mod users;

use authentication::{configs, executions, providers};
use mappers::{OfClient, OfScope};
use role_mappings::{ClientScopes, Groups, Holder, ScopeScopes, Users};

/// The role-mapping routes of a holder under `base` (`…/role-mappings` or `…/scope-mappings`).
fn mapping_routes<H: Holder>(router: Router<Arc<Ctx>>, base: &str) -> Router<Arc<Ctx>> {
    router
        .route(base, get(role_mappings::all::<H>))
        .route(
            &format!("{base}/realm"),
            get(role_mappings::realm_roles::<H>)
                .post(role_mappings::add_realm_roles::<H>)
                .delete(role_mappings::remove_realm_roles::<H>),
        )
        .route(
            &format!("{base}/realm/composite"),
            get(role_mappings::realm_composite::<H>),
        )
        .route(
            &format!("{base}/realm/available"),
            get(role_mappings::realm_available::<H>),
        )
        .route(
            &format!("{base}/clients/{{client}}"),
            get(role_mappings::client_roles::<H>)
                .post(role_mappings::add_client_roles::<H>)
                .delete(role_mappings::remove_client_roles::<H>),
        )
        .route(
            &format!("{base}/clients/{{client}}/composite"),
            get(role_mappings::client_composite::<H>),
        )
        .route(
            &format!("{base}/clients/{{client}}/available"),
            get(role_mappings::client_available::<H>),
        )
}

/// The protocol-mapper routes of an owner under `base` (`…/protocol-mappers`).
fn mapper_routes<O: mappers::Owner>(router: Router<Arc<Ctx>>, base: &str) -> Router<Arc<Ctx>> {
    router
        .route(
            &format!("{base}/models"),
            get(mappers::list::<O>).post(mappers::create::<O>),
        )
        .route(
            &format!("{base}/add-models"),
            post(mappers::create_many::<O>),
        )
        .route(
            &format!("{base}/models/{{mapper}}"),
            get(mappers::get::<O>)
                .put(mappers::update::<O>)
                .delete(mappers::delete::<O>),
        )
}

/// The admin routes.
pub fn routes(ctx: Arc<Ctx>) -> Router {
    const R: &str = "/admin/realms/{realm}";
    let router = Router::new()
        .route("/admin/serverinfo", get(server_info::get))
        .route("/admin/realms", get(realms::list).post(realms::create))
        .route(
            R,
            get(realms::get).put(realms::update).delete(realms::delete),
        )
        .route(&format!("{R}/keys"), get(keys::list))
        .route(
            &format!("{R}/events"),
            get(events::list).delete(events::clear),
        )
        .route(
            &format!("{R}/events/config"),
            get(events::config).put(events::set_config),
        )
        .route(
            &format!("{R}/admin-events"),
            get(events::list_admin).delete(events::clear_admin),
        )
        .route(&format!("{R}/partial-export"), post(partial::export))
        .route(&format!("{R}/clear-realm-cache"), post(caches::clear))
        .route(&format!("{R}/clear-user-cache"), post(caches::clear))
        .route(&format!("{R}/clear-keys-cache"), post(caches::clear))
        .route(
            &format!("{R}/organizations"),
            axum::routing::any(organizations::not_enabled),
        )
        .route(
            &format!("{R}/organizations/{{*rest}}"),
            axum::routing::any(organizations::not_enabled),
        )
        .route(&format!("{R}/partialImport"), post(partial::import))
        .route(
            &format!("{R}/authentication/required-actions"),
            get(required_actions::list),
        )
        .route(
            &format!("{R}/authentication/flows"),
            get(authentication::flows).post(authentication::create),
        )
        .route(
            &format!("{R}/authentication/flows/{{id}}"),
            get(authentication::get)
                .put(authentication::update)
                .delete(authentication::delete),
        )
        .route(
            &format!("{R}/authentication/flows/{{id}}/copy"),
            post(authentication::copy),
        )
        .route(
            &format!("{R}/authentication/flows/{{id}}/executions"),
            get(executions::list).put(executions::update),
        )
        .route(
            &format!("{R}/authentication/flows/{{id}}/executions/execution"),
            post(executions::add_execution),
        )
        .route(
            &format!("{R}/authentication/flows/{{id}}/executions/flow"),
            post(executions::add_flow),
        )
        .route(
            &format!("{R}/authentication/executions/{{id}}"),
            get(executions::get).delete(executions::delete),
        )
        .route(
            &format!("{R}/authentication/executions/{{id}}/raise-priority"),
            post(executions::raise),
        )
        .route(
            &format!("{R}/authentication/executions/{{id}}/lower-priority"),
            post(executions::lower),
        )
        .route(
            &format!("{R}/authentication/executions/{{id}}/config"),
            post(configs::create),
        )
        .route(
            &format!("{R}/authentication/executions/{{id}}/config/{{config}}"),
            get(configs::get_of_execution),
        )
        .route(
            &format!("{R}/authentication/config/{{id}}"),
            get(configs::get)
                .put(configs::update)
                .delete(configs::delete),
        )
        .route(
            &format!("{R}/authentication/authenticator-providers"),
            get(providers::authenticators),
        )
        .route(
            &format!("{R}/authentication/client-authenticator-providers"),
            get(providers::client_authenticators),
        )
        .route(
            &format!("{R}/authentication/form-action-providers"),
            get(providers::form_actions),
        )
        .route(
            &format!("{R}/authentication/form-providers"),
            get(providers::forms),
        )
        .route(
            &format!("{R}/authentication/config-description/{{id}}"),
            get(providers::config_description),
        )
        .route(
            &format!("{R}/authentication/required-actions/{{alias}}"),
            get(required_actions::get),
        )
        .route(
            &format!("{R}/attack-detection/brute-force/users"),
            axum::routing::delete(attack_detection::clear_all),
        )
        .route(
            &format!("{R}/attack-detection/brute-force/users/{{id}}"),
            get(attack_detection::status).delete(attack_detection::clear),
        )
        .route(
            &format!("{R}/default-default-client-scopes"),
            get(client_scopes::defaults),
        )
        .route(
            &format!("{R}/default-default-client-scopes/{{id}}"),
            put(client_scopes::add_default).delete(client_scopes::remove_default),
        )
        .route(
            &format!("{R}/default-optional-client-scopes"),
            get(client_scopes::optionals),
        )
        .route(
            &format!("{R}/default-optional-client-scopes/{{id}}"),
            put(client_scopes::add_optional).delete(client_scopes::remove_optional),
        )
        .route(
            &format!("{R}/client-scopes"),
            get(client_scopes::list).post(client_scopes::create),
        )
        .route(
            &format!("{R}/client-scopes/{{id}}"),
            get(client_scopes::get)
                .put(client_scopes::update)
                .delete(client_scopes::delete),
        )
        .route(
            &format!("{R}/clients"),
            get(clients::list).post(clients::create),
        )
        .route(
            &format!("{R}/clients/{{id}}"),
            get(clients::get)
                .put(clients::update)
                .delete(clients::delete),
        )
        .route(
            &format!("{R}/clients/{{id}}/client-secret"),
            get(clients::secret).post(clients::regenerate_secret),
        )
        .route(
            &format!("{R}/clients/{{id}}/roles"),
            get(clients::roles).post(clients::create_role),
        )
        .route(
            &format!("{R}/clients/{{id}}/roles/{{role}}"),
            get(clients::role)
                .put(clients::update_role)
                .delete(clients::delete_role),
        )
        .route(
            &format!("{R}/clients/{{id}}/roles/{{role}}/composites"),
            get(clients::role_composites)
                .post(clients::add_role_composites)
                .delete(clients::remove_role_composites),
        )
        .route(
            &format!("{R}/clients/{{id}}/roles/{{role}}/users"),
            get(clients::role_users),
        )
        .route(
            &format!("{R}/clients/{{id}}/roles/{{role}}/groups"),
            get(clients::role_groups),
        )
        .route(
            &format!("{R}/clients/{{id}}/default-client-scopes"),
            get(clients::default_scopes),
        )
        .route(
            &format!("{R}/clients/{{id}}/default-client-scopes/{{scope}}"),
            put(clients::add_default_scope).delete(clients::remove_default_scope),
        )
        .route(
            &format!("{R}/clients/{{id}}/optional-client-scopes"),
            get(clients::optional_scopes),
        )
        .route(
            &format!("{R}/clients/{{id}}/optional-client-scopes/{{scope}}"),
            put(clients::add_optional_scope).delete(clients::remove_optional_scope),
        )
        .route(
            &format!("{R}/clients/{{id}}/user-sessions"),
            get(clients::user_sessions),
        )
        .route(
            &format!("{R}/clients/{{id}}/service-account-user"),
            get(clients::service_account_user),
        )
        .route(
            &format!("{R}/clients/{{id}}/installation/providers/{{provider}}"),
            get(installation::get),
        )
        .route(
            &format!("{R}/clients/{{id}}/authz/{{*rest}}"),
            axum::routing::any(authz::not_enabled),
        )
        .route(&format!("{R}/users"), get(users::list).post(users::create))
        .route(&format!("{R}/users/count"), get(users::count))
        .route(
            &format!("{R}/users/profile"),
            get(user_profile::get).put(user_profile::put),
        )
        .route(
            &format!("{R}/client-session-stats"),
            get(session_stats::get),
        )
        .route(&format!("{R}/localization"), get(localization::locales))
        .route(
            &format!("{R}/localization/{{locale}}"),
            get(localization::get)
                .post(localization::merge)
                .delete(localization::delete),
        )
        .route(
            &format!("{R}/localization/{{locale}}/{{key}}"),
            get(localization::text)
                .put(localization::set_text)
                .delete(localization::delete_text),
        )
        .route(
            &format!("{R}/users/{{id}}"),
            get(users::get).put(users::update).delete(users::delete),
        )
        .route(
            &format!("{R}/users/{{id}}/reset-password"),
            put(users::reset_password),
        )
        .route(
            &format!("{R}/users/{{id}}/credentials"),
            get(users::credentials),
        )
        .route(
            &format!("{R}/users/{{id}}/credentials/{{credential}}"),
            axum::routing::delete(users::delete_credential),
        )
        .route(&format!("{R}/users/{{id}}/sessions"), get(users::sessions))
        .route(
            &format!("{R}/users/{{id}}/offline-sessions/{{client}}"),
            get(users::offline_sessions),
        )
        .route(&format!("{R}/users/{{id}}/logout"), post(users::logout))
        .route(&format!("{R}/users/{{id}}/consents"), get(users::none_yet))
        .route(
            &format!("{R}/users/{{id}}/federated-identity"),
            get(identity_providers::links),
        )
        .route(
            &format!("{R}/users/{{id}}/federated-identity/{{alias}}"),
            post(identity_providers::link).delete(identity_providers::unlink),
        )
        .route(
            &format!("{R}/components"),
            get(components::list).post(components::create),
        )
        .route(
            &format!("{R}/components/{{id}}"),
            get(components::get)
                .put(components::update)
                .delete(components::delete),
        )
        .route(
            &format!("{R}/user-storage/{{id}}/sync"),
            post(user_storage::sync),
        )
        .route(
            &format!("{R}/user-storage/{{id}}/remove-imported-users"),
            post(user_storage::remove_imported_users),
        )
        .route(
            &format!("{R}/user-storage/{{id}}/unlink-users"),
            post(user_storage::unlink_users),
        )
        .route(
            &format!("{R}/user-storage/{{parent}}/mappers/{{id}}/sync"),
            post(user_storage::sync_mapper),
        )
        .route(
            &format!("{R}/testLDAPConnection"),
            post(user_storage::test_connection),
        )
        .route(
            &format!("{R}/identity-provider/instances"),
            get(identity_providers::list).post(identity_providers::create),
        )
        .route(
            &format!("{R}/identity-provider/instances/{{alias}}"),
            get(identity_providers::get)
                .put(identity_providers::update)
                .delete(identity_providers::delete),
        )
        .route(
            &format!("{R}/identity-provider/instances/{{alias}}/mapper-types"),
            get(identity_providers::mapper_types),
        )
        .route(
            &format!("{R}/identity-provider/instances/{{alias}}/mappers"),
            get(identity_providers::mappers).post(identity_providers::create_mapper),
        )
        .route(
            &format!("{R}/identity-provider/instances/{{alias}}/mappers/{{id}}"),
            get(identity_providers::get_mapper)
                .put(identity_providers::update_mapper)
                .delete(identity_providers::delete_mapper),
        )
        .route(
            &format!("{R}/identity-provider/providers/{{id}}"),
            get(identity_providers::provider_type),
        )
        .route(&format!("{R}/users/{{id}}/groups"), get(users::groups))
        .route(
            &format!("{R}/users/{{id}}/groups/count"),
            get(users::groups_count),
        )
        .route(
            &format!("{R}/users/{{id}}/groups/{{group}}"),
            put(users::join_group).delete(users::leave_group),
        )
        .route(
            &format!("{R}/groups"),
            get(groups::list).post(groups::create),
        )
        .route(&format!("{R}/groups/count"), get(groups::count))
        .route(
            &format!("{R}/groups/{{id}}"),
            get(groups::get).put(groups::update).delete(groups::delete),
        )
        .route(
            &format!("{R}/groups/{{id}}/children"),
            get(groups::children).post(groups::create_child),
        )
        .route(&format!("{R}/groups/{{id}}/members"), get(groups::members))
        .route(
            &format!("{R}/group-by-path/{{*path}}"),
            get(groups::by_path),
        )
        .route(&format!("{R}/roles"), get(roles::list).post(roles::create))
        .route(
            &format!("{R}/roles/{{role}}"),
            get(roles::get).put(roles::update).delete(roles::delete),
        )
        .route(
            &format!("{R}/roles/{{role}}/composites"),
            get(roles::composites)
                .post(roles::add_composites)
                .delete(roles::remove_composites),
        )
        .route(
            &format!("{R}/roles/{{role}}/composites/realm"),
            get(roles::composites_realm),
        )
        .route(
            &format!("{R}/roles/{{role}}/composites/clients/{{client}}"),
            get(roles::composites_client),
        )
        .route(&format!("{R}/roles/{{role}}/users"), get(roles::users))
        .route(&format!("{R}/roles/{{role}}/groups"), get(roles::groups))
        .route(
            &format!("{R}/roles-by-id/{{id}}"),
            get(roles::get_by_id)
                .put(roles::update_by_id)
                .delete(roles::delete_by_id),
        )
        .route(
            &format!("{R}/roles-by-id/{{id}}/composites"),
            get(roles::composites_by_id)
                .post(roles::add_composites_by_id)
                .delete(roles::remove_composites_by_id),
        )
        .route(
            &format!("{R}/roles-by-id/{{id}}/composites/realm"),
            get(roles::composites_realm_by_id),
        )
        .route(
            &format!("{R}/roles-by-id/{{id}}/composites/clients/{{client}}"),
            get(roles::composites_client_by_id),
        );
    let router = mapping_routes::<Users>(router, &format!("{R}/users/{{id}}/role-mappings"));
    let router = mapping_routes::<Groups>(router, &format!("{R}/groups/{{id}}/role-mappings"));
    let router =
        mapping_routes::<ClientScopes>(router, &format!("{R}/clients/{{id}}/scope-mappings"));
    let router =
        mapping_routes::<ScopeScopes>(router, &format!("{R}/client-scopes/{{id}}/scope-mappings"));
    let router = mapper_routes::<OfClient>(router, &format!("{R}/clients/{{id}}/protocol-mappers"));
    let router = mapper_routes::<OfScope>(
        router,
        &format!("{R}/client-scopes/{{id}}/protocol-mappers"),
    );
    router
        .layer(axum::middleware::from_fn_with_state(
            ctx.clone(),
            events::record,
        ))
        .with_state(ctx)
}
