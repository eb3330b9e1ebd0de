//! The key usages of the certificates API (`certificates.k8s.io/v1` `KeyUsage`) and how
//! kube-controller-manager's signer maps them onto X.509 keyUsage bits and extendedKeyUsage OIDs
//! (`pkg/controller/certificates/authority/policies.go`).

use thiserror::Error;

/// Every value `spec.usages` accepts, sorted as Kubernetes lists them in its
/// `Unsupported value` message.
pub const ALL_USAGES: &[&str] = &[
    "any",
    "cert sign",
    "client auth",
    "code signing",
    "content commitment",
    "crl sign",
    "data encipherment",
    "decipher only",
    "digital signature",
    "email protection",
    "encipher only",
    "ipsec end system",
    "ipsec tunnel",
    "ipsec user",
    "key agreement",
    "key encipherment",
    "microsoft sgc",
    "netscape sgc",
    "ocsp signing",
    "s/mime",
    "server auth",
    "signing",
    "timestamping",
];

/// `digital signature`.
pub const USAGE_DIGITAL_SIGNATURE: &str = "digital signature";
/// `key encipherment`.
pub const USAGE_KEY_ENCIPHERMENT: &str = "key encipherment";
/// `client auth`.
pub const USAGE_CLIENT_AUTH: &str = "client auth";
/// `server auth`.
pub const USAGE_SERVER_AUTH: &str = "server auth";

/// A usage list the signer cannot map.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum UsageError {
    /// Values that are neither a key usage nor an extended key usage, as the signer reports them:
    /// `unrecognized usage values: ["a" "b"]`.
    #[error("unrecognized usage values: {}", kubeward_core::go::quote_slice(.0))]
    Unrecognized(Vec<String>),
}

/// Go's `x509.KeyUsage` bits.
pub(crate) mod ku {
    pub(crate) const DIGITAL_SIGNATURE: u16 = 1 << 0;
    pub(crate) const CONTENT_COMMITMENT: u16 = 1 << 1;
    pub(crate) const KEY_ENCIPHERMENT: u16 = 1 << 2;
    pub(crate) const DATA_ENCIPHERMENT: u16 = 1 << 3;
    pub(crate) const KEY_AGREEMENT: u16 = 1 << 4;
    pub(crate) const CERT_SIGN: u16 = 1 << 5;
    pub(crate) const CRL_SIGN: u16 = 1 << 6;
    pub(crate) const ENCIPHER_ONLY: u16 = 1 << 7;
    pub(crate) const DECIPHER_ONLY: u16 = 1 << 8;
}

/// An extended key usage, ordered as Go's `x509.ExtKeyUsage` constants (the signer sorts by them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Eku {
    Any,
    ServerAuth,
    ClientAuth,
    CodeSigning,
    EmailProtection,
    IpsecEndSystem,
    IpsecTunnel,
    IpsecUser,
    TimeStamping,
    OcspSigning,
    MicrosoftSgc,
    NetscapeSgc,
}

impl Eku {
    /// The OID arcs.
    pub(crate) fn oid(self) -> &'static [u64] {
        match self {
            Self::Any => &[2, 5, 29, 37, 0],
            Self::ServerAuth => &[1, 3, 6, 1, 5, 5, 7, 3, 1],
            Self::ClientAuth => &[1, 3, 6, 1, 5, 5, 7, 3, 2],
            Self::CodeSigning => &[1, 3, 6, 1, 5, 5, 7, 3, 3],
            Self::EmailProtection => &[1, 3, 6, 1, 5, 5, 7, 3, 4],
            Self::IpsecEndSystem => &[1, 3, 6, 1, 5, 5, 7, 3, 5],
            Self::IpsecTunnel => &[1, 3, 6, 1, 5, 5, 7, 3, 6],
            Self::IpsecUser => &[1, 3, 6, 1, 5, 5, 7, 3, 7],
            Self::TimeStamping => &[1, 3, 6, 1, 5, 5, 7, 3, 8],
            Self::OcspSigning => &[1, 3, 6, 1, 5, 5, 7, 3, 9],
            Self::MicrosoftSgc => &[1, 3, 6, 1, 4, 1, 311, 10, 3, 3],
            Self::NetscapeSgc => &[2, 16, 840, 1, 113_730, 4, 1],
        }
    }
}

fn key_usage_bit(usage: &str) -> Option<u16> {
    Some(match usage {
        "signing" | "digital signature" => ku::DIGITAL_SIGNATURE,
        "content commitment" => ku::CONTENT_COMMITMENT,
        "key encipherment" => ku::KEY_ENCIPHERMENT,
        "key agreement" => ku::KEY_AGREEMENT,
        "data encipherment" => ku::DATA_ENCIPHERMENT,
        "cert sign" => ku::CERT_SIGN,
        "crl sign" => ku::CRL_SIGN,
        "encipher only" => ku::ENCIPHER_ONLY,
        "decipher only" => ku::DECIPHER_ONLY,
        _ => return None,
    })
}

fn ext_key_usage(usage: &str) -> Option<Eku> {
    Some(match usage {
        "any" => Eku::Any,
        "server auth" => Eku::ServerAuth,
        "client auth" => Eku::ClientAuth,
        "code signing" => Eku::CodeSigning,
        "email protection" | "s/mime" => Eku::EmailProtection,
        "ipsec end system" => Eku::IpsecEndSystem,
        "ipsec tunnel" => Eku::IpsecTunnel,
        "ipsec user" => Eku::IpsecUser,
        "timestamping" => Eku::TimeStamping,
        "ocsp signing" => Eku::OcspSigning,
        "microsoft sgc" => Eku::MicrosoftSgc,
        "netscape sgc" => Eku::NetscapeSgc,
        _ => return None,
    })
}

/// Go's `keyUsagesFromStrings`: the keyUsage bits and the sorted, deduplicated extended key
/// usages, or every unrecognized value.
pub(crate) fn from_strings(usages: &[String]) -> Result<(u16, Vec<Eku>), UsageError> {
    let mut bits = 0u16;
    let mut ekus = Vec::new();
    let mut unrecognized = Vec::new();
    for usage in usages {
        if let Some(bit) = key_usage_bit(usage) {
            bits |= bit;
        } else if let Some(eku) = ext_key_usage(usage) {
            ekus.push(eku);
        } else {
            unrecognized.push(usage.clone());
        }
    }
    if !unrecognized.is_empty() {
        return Err(UsageError::Unrecognized(unrecognized));
    }
    ekus.sort();
    ekus.dedup();
    Ok((bits, ekus))
}

#[cfg(test)]
mod tests;
