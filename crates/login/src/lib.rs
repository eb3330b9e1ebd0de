//! `kubeward login`: the kubectl credential plugin, a drop-in for kubelogin (`kubectl oidc-login`).
//!
//! It signs a person in at an OpenID Connect provider (authorization code with PKCE, state and
//! nonce through a one-shot redirect listener; the same by keyboard; the device code grant; the
//! password grant), keeps the tokens in a cache of 0600 files guarded by a lock file, refreshes
//! them, revokes them on logout (RFC 7009) and prints a `client.authentication.k8s.io`
//! ExecCredential for kubectl.
//!
//! I/O crate: it talks HTTP and touches the file system. It depends on `kubeward-core` only among
//! kubeward's crates (and `kubeward-jose` for reading tokens) and never on the server, store or identity provider.
#![forbid(unsafe_code)]

pub mod authcode;
pub mod browser;
pub mod cache;
pub mod cli;
mod clock;
pub mod device;
pub mod discovery;
pub mod exec_credential;
pub mod get_token;
pub mod http;
pub mod jwt;
pub mod logout;
pub mod pkce;
pub mod prompt;
pub mod redirect;
pub mod session;
pub mod setup;
pub mod token;
