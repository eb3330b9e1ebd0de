//! What building realm objects needs from its caller: fresh ids, password hashing and secrets
//! (randomness), so that the model, the representations and Keycloak's defaults stay pure.

/// What import needs from its caller: fresh ids and password hashing (randomness).
pub trait Minter {
    /// A fresh uuid.
    fn id(&mut self) -> String;
    /// The argon2id hash of a password.
    fn hash(&mut self, password: &str) -> Result<String, String>;
    /// A fresh client secret.
    fn secret(&mut self) -> String;
}
