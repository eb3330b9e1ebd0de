//! New certificate requests for a client: a fresh key and a PKCS#10 request for CN = user,
//! one O per group (what `openssl req -subj "/CN=minjun/O=dev-team"` makes in seed 002).

use rcgen::{KeyPair, SigningKey as _};

use crate::builder::{self, BuildError};
use crate::{der, pem};

/// A key and the request it signed.
#[derive(Clone)]
pub struct NewRequest {
    /// The private key, PKCS#8 PEM (keep it secret).
    pub key_pem: String,
    /// The request, `CERTIFICATE REQUEST` PEM.
    pub csr_pem: String,
}

impl std::fmt::Debug for NewRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewRequest")
            .field("csr_pem", &self.csr_pem)
            .finish_non_exhaustive()
    }
}

/// A new ECDSA P-256 key and a request for `common_name` with `organizations` (in order).
pub fn new_client_request(
    common_name: &str,
    organizations: &[String],
) -> Result<NewRequest, BuildError> {
    let key = KeyPair::generate().map_err(|e| BuildError::Signing(e.to_string()))?;
    let info = der::sequence(&[
        &der::small_integer(0),
        &builder::client_subject(common_name, organizations),
        &builder::spki_of(&key),
        // attributes [0] IMPLICIT SET OF Attribute: none.
        &der::tlv(0xa0, &[]),
    ]);
    let signature = key
        .sign(&info)
        .map_err(|e| BuildError::Signing(e.to_string()))?;
    let request = der::sequence(&[
        &info,
        &builder::signature_algorithm(&key)?,
        &der::bit_string(&signature),
    ]);
    Ok(NewRequest {
        key_pem: key.serialize_pem(),
        csr_pem: pem::encode("CERTIFICATE REQUEST", &request),
    })
}

#[cfg(test)]
mod tests;
