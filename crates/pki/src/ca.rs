//! The cluster certificate authority: a self-signed CA (ECDSA P-256, ten years, as kubeadm's
//! `ca.crt`), loading an existing one, and issuing the API server's serving certificate and
//! client certificates (`CN` = user, one `O` per group).
//!
//! Pure: the caller passes `now` and gets PEM strings back; nothing here reads the clock or
//! touches the filesystem.

use std::net::IpAddr;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, DnValue, IsCa, KeyPair,
    KeyUsagePurpose, SerialNumber,
};
use thiserror::Error;
use time::OffsetDateTime;
use x509_parser::prelude::{FromDer as _, ParsedExtension, X509Certificate};

use crate::builder::{self, BuildError, IssuerRef, Leaf, Sans};
use crate::pem;
use crate::usage::{Eku, ku};

/// How long a generated CA is valid: ten years (kubeadm's `duration365d * 10`).
pub const CA_VALIDITY: Duration = Duration::from_secs(10 * 365 * 24 * 60 * 60);
/// How long the API server's serving certificate is valid: one year.
pub const SERVING_VALIDITY: Duration = Duration::from_secs(365 * 24 * 60 * 60);
/// The common name of the serving certificate (kubeadm's `kube-apiserver`).
pub const SERVING_COMMON_NAME: &str = "kube-apiserver";
/// How far certificates issued here are backdated against clock skew (as the CSR signer does).
pub const BACKDATE: Duration = Duration::from_secs(5 * 60);

/// Errors of the certificate authority.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CaError {
    /// Key generation or the self-signature failed.
    #[error("certificate generation failed: {0}")]
    Generate(String),
    /// The CA certificate PEM holds no `CERTIFICATE` block.
    #[error("no CERTIFICATE PEM block found in the CA certificate")]
    NoCertificatePem,
    /// The CA certificate does not parse.
    #[error("unable to parse the CA certificate: {0}")]
    ParseCertificate(String),
    /// The CA certificate is not a CA (no basicConstraints `CA:TRUE`).
    #[error("the certificate is not a CA (basicConstraints CA:TRUE missing)")]
    NotCa,
    /// The CA private key does not parse.
    #[error("unable to parse the CA private key: {0}")]
    ParseKey(String),
    /// The private key does not belong to the certificate.
    #[error("the CA private key does not match the CA certificate")]
    KeyMismatch,
    /// A time computation overflowed.
    #[error("validity out of range")]
    Validity,
    /// The CA has expired at `now`.
    #[error("the signer has expired: NotAfter={0}")]
    Expired(OffsetDateTime),
    /// A subject alternative name is neither an IP address nor a DNS name.
    #[error("invalid subject alternative name {0:?}")]
    InvalidSan(String),
    /// The certificate could not be built or signed.
    #[error(transparent)]
    Build(#[from] BuildError),
}

/// A freshly issued certificate and its new private key.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedCert {
    /// The certificate, PEM (`CERTIFICATE`).
    pub cert_pem: String,
    /// The private key, PEM (PKCS#8 `PRIVATE KEY`).
    pub key_pem: String,
}

impl std::fmt::Debug for IssuedCert {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedCert")
            .field("cert_pem", &self.cert_pem)
            .field("key_pem", &"[elided]")
            .finish()
    }
}

/// The cluster CA: certificate, key and what signing needs from them.
pub struct CertificateAuthority {
    cert_pem: String,
    cert_der: Vec<u8>,
    key_pem: String,
    key: KeyPair,
    subject_der: Vec<u8>,
    subject_key_id: Option<Vec<u8>>,
    not_before: OffsetDateTime,
    not_after: OffsetDateTime,
}

impl std::fmt::Debug for CertificateAuthority {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateAuthority")
            .field("not_before", &self.not_before)
            .field("not_after", &self.not_after)
            .field("key", &"[elided]")
            .finish_non_exhaustive()
    }
}

/// `now` truncated to whole seconds (certificate times have second precision).
pub(crate) fn whole_seconds(now: OffsetDateTime) -> OffsetDateTime {
    now.replace_nanosecond(0).unwrap_or(now)
}

/// `t + d`, or an error on overflow.
pub(crate) fn add(t: OffsetDateTime, d: Duration) -> Option<OffsetDateTime> {
    t.checked_add(time::Duration::try_from(d).ok()?)
}

/// `t - d`, or an error on overflow.
pub(crate) fn sub(t: OffsetDateTime, d: Duration) -> Option<OffsetDateTime> {
    t.checked_sub(time::Duration::try_from(d).ok()?)
}

fn dn_value(value: &str) -> DnValue {
    match rcgen::string::PrintableString::try_from(value) {
        Ok(p) => DnValue::PrintableString(p),
        Err(_) => DnValue::Utf8String(value.to_string()),
    }
}

impl CertificateAuthority {
    /// A new self-signed CA named `common_name` (e.g. `kubernetes`): ECDSA P-256, valid from
    /// `now` for [`CA_VALIDITY`], basicConstraints `CA:TRUE` (critical), keyUsage
    /// certSign + crlSign + digitalSignature (critical), subjectKeyIdentifier.
    pub fn generate(common_name: &str, now: OffsetDateTime) -> Result<Self, CaError> {
        let now = whole_seconds(now);
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| CaError::Generate(e.to_string()))?;
        let mut params = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, dn_value(common_name));
        params.distinguished_name = dn;
        params.not_before = now;
        params.not_after = add(now, CA_VALIDITY).ok_or(CaError::Validity)?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
        ];
        let mut serial = [0u8; 16];
        aws_lc_rs::rand::fill(&mut serial).map_err(|_| BuildError::Random)?;
        serial[0] &= 0x7f;
        serial[0] |= 0x01;
        params.serial_number = Some(SerialNumber::from_slice(&serial));
        let cert = params
            .self_signed(&key)
            .map_err(|e| CaError::Generate(e.to_string()))?;
        let cert_pem = pem::encode("CERTIFICATE", cert.der());
        let key_pem = key.serialize_pem();
        Self::from_parts(cert_pem, cert.der().to_vec(), key_pem, key)
    }

    /// Loads a CA from its certificate PEM (the first `CERTIFICATE` block) and private key PEM
    /// (PKCS#8 `PRIVATE KEY`, PKCS#1 `RSA PRIVATE KEY` or SEC1 `EC PRIVATE KEY`). The certificate
    /// must be a CA and the key must be its key.
    pub fn from_pem(cert_pem: &str, key_pem: &str) -> Result<Self, CaError> {
        let block = pem::decode_first(cert_pem.as_bytes())
            .filter(|b| b.label == "CERTIFICATE")
            .ok_or(CaError::NoCertificatePem)?;
        let key = KeyPair::from_pem(key_pem).map_err(|e| CaError::ParseKey(e.to_string()))?;
        Self::from_parts(
            cert_pem.to_string(),
            block.contents,
            key_pem.to_string(),
            key,
        )
    }

    fn from_parts(
        cert_pem: String,
        cert_der: Vec<u8>,
        key_pem: String,
        key: KeyPair,
    ) -> Result<Self, CaError> {
        let (_, cert) = X509Certificate::from_der(&cert_der)
            .map_err(|e| CaError::ParseCertificate(e.to_string()))?;
        let is_ca = cert
            .basic_constraints()
            .ok()
            .flatten()
            .is_some_and(|bc| bc.value.ca);
        if !is_ca {
            return Err(CaError::NotCa);
        }
        if cert.public_key().raw != builder::spki_of(&key).as_slice() {
            return Err(CaError::KeyMismatch);
        }
        let subject_key_id = cert.extensions().iter().find_map(|ext| {
            if let ParsedExtension::SubjectKeyIdentifier(id) = ext.parsed_extension() {
                Some(id.0.to_vec())
            } else {
                None
            }
        });
        let subject_der = cert.subject().as_raw().to_vec();
        let not_before = cert.validity().not_before.to_datetime();
        let not_after = cert.validity().not_after.to_datetime();
        Ok(Self {
            cert_pem,
            cert_der,
            key_pem,
            key,
            subject_der,
            subject_key_id,
            not_before,
            not_after,
        })
    }

    /// The CA certificate, PEM.
    pub fn cert_pem(&self) -> &str {
        &self.cert_pem
    }

    /// The CA certificate, DER.
    pub fn cert_der(&self) -> &[u8] {
        &self.cert_der
    }

    /// The CA private key, PEM (as loaded, or PKCS#8 for a generated CA).
    pub fn key_pem(&self) -> &str {
        &self.key_pem
    }

    /// The CA certificate's NotBefore.
    pub fn not_before(&self) -> OffsetDateTime {
        self.not_before
    }

    /// The CA certificate's NotAfter; nothing it issues outlives it.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// The API server's serving certificate: CN `kube-apiserver`, a new P-256 key, keyUsage
    /// digitalSignature + keyEncipherment, extKeyUsage serverAuth, the given SANs (each parsed as
    /// an IP address, otherwise taken as a DNS name), valid from `now` − [`BACKDATE`] for
    /// [`SERVING_VALIDITY`] (never past the CA's NotAfter).
    pub fn issue_serving(
        &self,
        sans: &[String],
        now: OffsetDateTime,
    ) -> Result<IssuedCert, CaError> {
        let mut names = Sans::default();
        for san in sans {
            if let Ok(ip) = san.parse::<IpAddr>() {
                if !names.ip_addresses.contains(&ip) {
                    names.ip_addresses.push(ip);
                }
            } else if is_dns_san(san) {
                if !names.dns_names.contains(san) {
                    names.dns_names.push(san.clone());
                }
            } else {
                return Err(CaError::InvalidSan(san.clone()));
            }
        }
        let subject = builder::client_subject(SERVING_COMMON_NAME, &[]);
        self.issue_leaf(
            subject,
            ku::DIGITAL_SIGNATURE | ku::KEY_ENCIPHERMENT,
            vec![Eku::ServerAuth],
            names,
            now,
            SERVING_VALIDITY,
        )
    }

    /// A client certificate: `CN = common_name`, one `O` per organization in the given order
    /// (Kubernetes reads them as the user's groups), a new P-256 key, keyUsage
    /// digitalSignature + keyEncipherment, extKeyUsage clientAuth, valid from `now` −
    /// [`BACKDATE`] until `now + validity` (never past the CA's NotAfter). E.g. the admin:
    /// `CN=kubernetes-admin`, `O=system:masters`.
    pub fn issue_client(
        &self,
        common_name: &str,
        organizations: &[String],
        now: OffsetDateTime,
        validity: Duration,
    ) -> Result<IssuedCert, CaError> {
        let subject = builder::client_subject(common_name, organizations);
        self.issue_leaf(
            subject,
            ku::DIGITAL_SIGNATURE | ku::KEY_ENCIPHERMENT,
            vec![Eku::ClientAuth],
            Sans::default(),
            now,
            validity,
        )
    }

    fn issue_leaf(
        &self,
        subject: Vec<u8>,
        key_usage: u16,
        ext_key_usages: Vec<Eku>,
        sans: Sans,
        now: OffsetDateTime,
        validity: Duration,
    ) -> Result<IssuedCert, CaError> {
        let now = whole_seconds(now);
        if now >= self.not_after {
            return Err(CaError::Expired(self.not_after));
        }
        let not_before = sub(now, BACKDATE).ok_or(CaError::Validity)?;
        let not_after = add(now, validity)
            .ok_or(CaError::Validity)?
            .min(self.not_after);
        let key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map_err(|e| CaError::Generate(e.to_string()))?;
        let spki = builder::spki_of(&key);
        let subject_empty = subject.len() == 2;
        let leaf = Leaf {
            subject,
            subject_empty,
            spki: &spki,
            not_before,
            not_after,
            key_usage,
            ext_key_usages,
            sans,
        };
        let der = builder::build(&leaf, &self.issuer())?;
        Ok(IssuedCert {
            cert_pem: pem::encode("CERTIFICATE", &der),
            key_pem: key.serialize_pem(),
        })
    }

    /// What the certificate builder needs to sign as this CA.
    pub(crate) fn issuer(&self) -> IssuerRef<'_> {
        IssuerRef {
            subject: &self.subject_der,
            subject_key_id: self.subject_key_id.as_deref(),
            key: &self.key,
        }
    }
}

/// A DNS SAN: non-empty ASCII without spaces (wildcards allowed).
fn is_dns_san(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'*' | b'_'))
}

#[cfg(test)]
mod tests;
