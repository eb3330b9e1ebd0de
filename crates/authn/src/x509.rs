//! Client certificate authentication (`--client-ca-file`), as kube-apiserver's x509
//! authenticator with `CommonNameUserConversion`: the verified leaf's subject CN is the user
//! name, its O values the groups, and its SHA-256 the credential id.

use std::time::{SystemTime, UNIX_EPOCH};

use kubeward_core::UserInfo;
use kubeward_core::user::CREDENTIAL_ID_KEY;
use rustls_pki_types::{CertificateDer, TrustAnchor, UnixTime};
use x509_parser::prelude::FromDer as _;

/// Why a client certificate was not accepted, or the CA bundle cannot be used.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum X509Error {
    /// The CA bundle holds no certificate.
    #[error("data does not contain any valid RSA or ECDSA certificates")]
    NoCertificates,
    /// A CA certificate of the bundle cannot be parsed.
    #[error("invalid CA certificate {index}: {reason}")]
    InvalidCa {
        /// Position of the certificate in the bundle (0-based).
        index: usize,
        /// What webpki said.
        reason: String,
    },
    /// The presented chain did not verify (unknown authority, expired, not for client auth, …).
    #[error("verifying certificate {certificate} failed: {reason}")]
    Verify {
        /// Serial number and subject of the leaf, for the log.
        certificate: String,
        /// What webpki said.
        reason: String,
    },
}

/// Verifies client certificates against the `--client-ca-file` bundle.
#[derive(Debug, Clone)]
pub struct ClientCertAuthenticator {
    anchors: Vec<TrustAnchor<'static>>,
}

impl ClientCertAuthenticator {
    /// Reads the CA bundle (PEM). Only `CERTIFICATE` blocks count, as client-go's
    /// `ParseCertsPEM`.
    pub fn from_pem(pem: &str) -> Result<Self, X509Error> {
        let mut anchors = Vec::new();
        for (index, der) in kubeward_jose::pem::blocks(pem)
            .into_iter()
            .filter(|(label, _)| label == "CERTIFICATE")
            .map(|(_, der)| der)
            .enumerate()
        {
            let der = CertificateDer::from(der);
            let anchor = webpki::anchor_from_trusted_cert(&der)
                .map_err(|e| X509Error::InvalidCa {
                    index,
                    reason: format!("{e:?}"),
                })?
                .to_owned();
            anchors.push(anchor);
        }
        if anchors.is_empty() {
            return Err(X509Error::NoCertificates);
        }
        Ok(Self { anchors })
    }

    /// Authenticates a peer chain (DER, leaf first). `Ok(None)`: not applicable (no
    /// certificate, or a valid one without a common name); `Err`: the chain did not verify.
    pub fn authenticate(
        &self,
        chain: &[Vec<u8>],
        now: SystemTime,
    ) -> Result<Option<UserInfo>, X509Error> {
        let Some((leaf, intermediates)) = chain.split_first() else {
            return Ok(None);
        };
        let leaf_der = CertificateDer::from(leaf.as_slice());
        let intermediates: Vec<CertificateDer<'_>> = intermediates
            .iter()
            .map(|c| CertificateDer::from(c.as_slice()))
            .collect();
        let verify_error = |reason: String| X509Error::Verify {
            certificate: certificate_identifier(leaf),
            reason,
        };
        let end_entity = webpki::EndEntityCert::try_from(&leaf_der)
            .map_err(|e| verify_error(format!("{e:?}")))?;
        let time = UnixTime::since_unix_epoch(now.duration_since(UNIX_EPOCH).unwrap_or_default());
        end_entity
            .verify_for_usage(
                webpki::ALL_VERIFICATION_ALGS,
                &self.anchors,
                &intermediates,
                time,
                webpki::KeyUsage::client_auth(),
                None,
                None,
            )
            .map_err(|e| verify_error(describe(&e)))?;
        let (_, cert) = x509_parser::certificate::X509Certificate::from_der(leaf)
            .map_err(|e| verify_error(format!("{e}")))?;
        let subject = cert.subject();
        // Go's pkix.Name keeps the last CN and every O, in order.
        let name = subject.iter_common_name().last().map(attribute_string);
        let Some(name) = name.filter(|n| !n.is_empty()) else {
            return Ok(None);
        };
        let groups = subject.iter_organization().map(attribute_string).collect();
        let mut user = UserInfo::new(name, Vec::<String>::new());
        user.groups = groups;
        user.extra.insert(
            CREDENTIAL_ID_KEY.to_string(),
            vec![format!("X509SHA256={}", sha256_hex(leaf))],
        );
        Ok(Some(user))
    }
}

fn attribute_string(attr: &x509_parser::x509::AttributeTypeAndValue<'_>) -> String {
    match attr.as_str() {
        Ok(s) => s.to_string(),
        Err(_) => String::from_utf8_lossy(attr.as_slice()).into_owned(),
    }
}

fn describe(error: &webpki::Error) -> String {
    match error {
        webpki::Error::UnknownIssuer => "x509: certificate signed by unknown authority".into(),
        webpki::Error::CertExpired { .. } | webpki::Error::CertNotValidYet { .. } => {
            format!("x509: certificate has expired or is not yet valid ({error:?})")
        }
        webpki::Error::RequiredEkuNotFoundContext(_) => {
            "x509: certificate specifies an incompatible key usage".into()
        }
        other => format!("{other:?}"),
    }
}

/// Lowercase hex SHA-256 of `der`.
pub(crate) fn sha256_hex(der: &[u8]) -> String {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der);
    digest.as_ref().iter().map(|b| format!("{b:02x}")).collect()
}

/// `SN=<serial>, subject="<subject>"`: enough to find the certificate in the log.
fn certificate_identifier(der: &[u8]) -> String {
    match x509_parser::certificate::X509Certificate::from_der(der) {
        Ok((_, cert)) => format!("SN={}, subject=\"{}\"", cert.serial, cert.subject()),
        Err(_) => "<unparsable>".to_string(),
    }
}

#[cfg(test)]
mod tests;
