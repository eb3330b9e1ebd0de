//! The admin REST API, compatible with Keycloak's for what the seeds do (realms; clients with
//! their secret, roles and protocol mappers; users with reset-password, groups and role
//! mappings; groups with members and role mappings; realm roles and their composites),
//! authenticated as Keycloak's: a bearer token of the `master` realm whose user holds the realm
//! role `admin`.
//!
//! - `access`: the extractors that check the token and name the realm.
//! - `answer`: Keycloak's error bodies and the success answers.
//! - `realms`, `clients`, `users`, `groups`, `roles`, `role_mappings`: the handlers.

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post, put};

use super::Ctx;

mod access;
mod answer;
mod clients;
mod groups;
mod realms;
mod role_mappings;
mod roles;
mod users;

use role_mappings::{Groups, Users};

/// The admin routes.
pub fn routes(ctx: Arc<Ctx>) -> Router {
    Router::new()
        .route("/admin/realms", get(realms::list).post(realms::create))
        .route(
            "/admin/realms/{realm}",
            get(realms::get).put(realms::update).delete(realms::delete),
        )
        .route(
            "/admin/realms/{realm}/clients",
            get(clients::list).post(clients::create),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}",
            get(clients::get)
                .put(clients::update)
                .delete(clients::delete),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/client-secret",
            get(clients::secret).post(clients::regenerate_secret),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/roles",
            get(clients::roles).post(clients::create_role),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/roles/{role}",
            get(clients::role).delete(clients::delete_role),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/protocol-mappers/models",
            get(clients::mappers).post(clients::create_mapper),
        )
        .route(
            "/admin/realms/{realm}/clients/{id}/service-account-user",
            get(clients::service_account_user),
        )
        .route(
            "/admin/realms/{realm}/users",
            get(users::list).post(users::create),
        )
        .route("/admin/realms/{realm}/users/count", get(users::count))
        .route(
            "/admin/realms/{realm}/users/{id}",
            get(users::get).put(users::update).delete(users::delete),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/reset-password",
            put(users::reset_password),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/groups",
            get(users::groups),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/groups/{group}",
            put(users::join_group).delete(users::leave_group),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings",
            get(role_mappings::all::<Users>),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/realm",
            get(role_mappings::realm_roles::<Users>)
                .post(role_mappings::add_realm_roles::<Users>)
                .delete(role_mappings::remove_realm_roles::<Users>),
        )
        .route(
            "/admin/realms/{realm}/users/{id}/role-mappings/clients/{client}",
            get(role_mappings::client_roles::<Users>)
                .post(role_mappings::add_client_roles::<Users>)
                .delete(role_mappings::remove_client_roles::<Users>),
        )
        .route(
            "/admin/realms/{realm}/groups",
            get(groups::list).post(groups::create),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}",
            get(groups::get).put(groups::update).delete(groups::delete),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/children",
            post(groups::create_child),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/members",
            get(groups::members),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/role-mappings",
            get(role_mappings::all::<Groups>),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/role-mappings/realm",
            get(role_mappings::realm_roles::<Groups>)
                .post(role_mappings::add_realm_roles::<Groups>)
                .delete(role_mappings::remove_realm_roles::<Groups>),
        )
        .route(
            "/admin/realms/{realm}/groups/{id}/role-mappings/clients/{client}",
            get(role_mappings::client_roles::<Groups>)
                .post(role_mappings::add_client_roles::<Groups>)
                .delete(role_mappings::remove_client_roles::<Groups>),
        )
        .route(
            "/admin/realms/{realm}/roles",
            get(roles::list).post(roles::create),
        )
        .route(
            "/admin/realms/{realm}/roles/{role}",
            get(roles::get).delete(roles::delete),
        )
        .route(
            "/admin/realms/{realm}/roles/{role}/composites",
            get(roles::composites)
                .post(roles::add_composites)
                .delete(roles::remove_composites),
        )
        .with_state(ctx)
}
