//! kubeward's OpenID Connect identity provider: the Keycloak part of the seeds.
//!
//! - `model`: realms, clients, users, groups, roles (what the provider keeps).
//! - `representation`: Keycloak's realm JSON (`kc.sh export`, the admin REST API) to and from
//!   the model.
//! - `flows` (PURE): the grants as state machines with `now` and randomness handed in.
//!
//! The pure parts use no tokio, no network, no filesystem and no clock.
#![forbid(unsafe_code)]

pub mod audit_trail;
pub mod bootstrap;
pub mod clock;
pub mod defaults;
pub mod directory;
pub mod events;
pub mod flows;
pub mod http;
pub mod keyring;
pub mod metrics;
pub mod minter;
pub mod model;
pub mod provider;
pub mod reconcile;
pub mod representation;
mod request_scope;
pub mod revocations;

#[cfg(test)]
mod fuzz;
