//! PKCS#10 certificate signing requests as the `certificates.k8s.io/v1` API reads them:
//! `spec.request` must start with a PEM block of type `CERTIFICATE REQUEST`
//! (`k8s.io/kubernetes/pkg/apis/certificates.ParseCSR`), and create-time validation also checks
//! the request's self-signature (Go's `CertificateRequest.CheckSignature`). The error texts are
//! Go's, because kube-apiserver puts them verbatim into its 422 answer:
//! `spec.request: Invalid value: "<base64>": PEM block type must be CERTIFICATE REQUEST`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use thiserror::Error;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer as _;

use crate::builder::{self, GoName};
use crate::pem;

/// The PEM block type Kubernetes requires.
pub const CERTIFICATE_REQUEST_PEM_TYPE: &str = "CERTIFICATE REQUEST";

/// Why a request was refused; `Display` is the text Go (and so kube-apiserver) prints.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum CsrError {
    /// No PEM block, or the first block is not a `CERTIFICATE REQUEST`.
    #[error("PEM block type must be CERTIFICATE REQUEST")]
    NotCertificateRequest,
    /// The block's DER is not a PKCS#10 request. (Go reports an `asn1:` parser error here whose
    /// exact text depends on the bytes; this wording is kubeward's.)
    #[error("x509: malformed certificate request")]
    Malformed,
    /// An IP address SAN that is neither 4 nor 16 bytes.
    #[error("x509: cannot parse IP address of length {0}")]
    IpAddressLength(usize),
    /// A SAN string that is not valid IA5 text; the field is Go's name of the SAN kind.
    #[error("x509: SAN {0} is malformed")]
    MalformedSan(&'static str),
    /// The request is signed with SHA-1, which Go refuses to verify.
    #[error("x509: cannot verify signature: insecure algorithm {0}")]
    InsecureAlgorithm(&'static str),
    /// The signature or key algorithm is not supported.
    #[error("x509: cannot verify signature: algorithm unimplemented")]
    UnsupportedAlgorithm,
    /// An RSA signature that does not verify.
    #[error("crypto/rsa: verification error")]
    RsaVerification,
    /// An ECDSA signature that does not verify.
    #[error("x509: ECDSA verification failure")]
    EcdsaVerification,
    /// An Ed25519 signature that does not verify.
    #[error("x509: Ed25519 verification failure")]
    Ed25519Verification,
}

/// The algorithm of the request's public key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PublicKeyAlgorithm {
    /// `rsaEncryption`.
    Rsa,
    /// `id-ecPublicKey` on P-256.
    EcdsaP256,
    /// `id-ecPublicKey` on P-384.
    EcdsaP384,
    /// `id-ecPublicKey` on P-521.
    EcdsaP521,
    /// `id-ecPublicKey` on another curve.
    EcdsaOther,
    /// Ed25519.
    Ed25519,
    /// Anything else.
    Unknown,
}

/// A parsed request: the subject, the SANs and the public key, as Go's
/// `x509.CertificateRequest` exposes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedCsr {
    der: Vec<u8>,
    spki: Vec<u8>,
    key_algorithm: PublicKeyAlgorithm,
    subject: GoName,
    dns_names: Vec<String>,
    email_addresses: Vec<String>,
    ip_addresses: Vec<IpAddr>,
    uris: Vec<String>,
}

impl ParsedCsr {
    /// The subject common name (the last `CN` attribute, as Go keeps it); Kubernetes' user name.
    pub fn common_name(&self) -> &str {
        &self.subject.common_name
    }

    /// Every `O` value in order; Kubernetes' groups.
    pub fn organizations(&self) -> &[String] {
        &self.subject.organization
    }

    /// Every `OU` value in order.
    pub fn organizational_units(&self) -> &[String] {
        &self.subject.organizational_unit
    }

    /// DNS name SANs.
    pub fn dns_names(&self) -> &[String] {
        &self.dns_names
    }

    /// Email (rfc822Name) SANs.
    pub fn email_addresses(&self) -> &[String] {
        &self.email_addresses
    }

    /// IP address SANs.
    pub fn ip_addresses(&self) -> &[IpAddr] {
        &self.ip_addresses
    }

    /// URI SANs.
    pub fn uris(&self) -> &[String] {
        &self.uris
    }

    /// True when the request has no SAN of any kind.
    pub fn has_no_sans(&self) -> bool {
        self.dns_names.is_empty()
            && self.email_addresses.is_empty()
            && self.ip_addresses.is_empty()
            && self.uris.is_empty()
    }

    /// The DER `SubjectPublicKeyInfo`, copied unchanged into the signed certificate.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// The public key's algorithm.
    pub fn public_key_algorithm(&self) -> PublicKeyAlgorithm {
        self.key_algorithm
    }

    /// The whole request, DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The subject as Go's `pkix.Name` keeps it.
    pub(crate) fn go_subject(&self) -> &GoName {
        &self.subject
    }

    /// The SANs, for the certificate builder.
    pub(crate) fn sans(&self) -> builder::Sans {
        builder::Sans {
            dns_names: self.dns_names.clone(),
            email_addresses: self.email_addresses.clone(),
            ip_addresses: self.ip_addresses.clone(),
            uris: self.uris.clone(),
        }
    }
}

/// Parses `spec.request` (the PEM bytes, already base64-decoded from JSON) and verifies the
/// request's self-signature, as kube-apiserver's create-time validation does.
pub fn parse_csr_pem(request: &[u8]) -> Result<ParsedCsr, CsrError> {
    let block = first_request_block(request)?;
    let (csr, parsed) = parse_der(&block)?;
    check_signature(&csr, parsed.key_algorithm)?;
    Ok(parsed)
}

/// Parses `spec.request` without checking the signature (Go's `ParseCSR` alone, as the
/// `CertificateSubjectRestriction` admission plugin and the signers' policies use it).
pub fn parse_csr_pem_unverified(request: &[u8]) -> Result<ParsedCsr, CsrError> {
    let block = first_request_block(request)?;
    parse_der(&block).map(|(_, parsed)| parsed)
}

fn first_request_block(request: &[u8]) -> Result<Vec<u8>, CsrError> {
    match pem::decode_first(request) {
        Some(block) if block.label == CERTIFICATE_REQUEST_PEM_TYPE => Ok(block.contents),
        _ => Err(CsrError::NotCertificateRequest),
    }
}

fn parse_der(der: &[u8]) -> Result<(X509CertificationRequest<'_>, ParsedCsr), CsrError> {
    let (rest, csr) = X509CertificationRequest::from_der(der).map_err(|_| CsrError::Malformed)?;
    if !rest.is_empty() {
        return Err(CsrError::Malformed);
    }
    let info = &csr.certification_request_info;

    let mut subject = GoName::default();
    for rdn in info.subject.iter() {
        for attr in rdn.iter() {
            let Ok(value) = attr.as_str() else {
                continue;
            };
            let value = value.to_string();
            match attr.attr_type().to_id_string().as_str() {
                "2.5.4.6" => subject.country.push(value),
                "2.5.4.8" => subject.province.push(value),
                "2.5.4.7" => subject.locality.push(value),
                "2.5.4.9" => subject.street_address.push(value),
                "2.5.4.17" => subject.postal_code.push(value),
                "2.5.4.10" => subject.organization.push(value),
                "2.5.4.11" => subject.organizational_unit.push(value),
                "2.5.4.3" => subject.common_name = value,
                "2.5.4.5" => subject.serial_number = value,
                _ => {}
            }
        }
    }

    let mut parsed = ParsedCsr {
        der: der.to_vec(),
        spki: info.subject_pki.raw.to_vec(),
        key_algorithm: key_algorithm(&info.subject_pki),
        subject,
        dns_names: Vec::new(),
        email_addresses: Vec::new(),
        ip_addresses: Vec::new(),
        uris: Vec::new(),
    };

    if let Some(extensions) = csr.requested_extensions() {
        for ext in extensions {
            if let ParsedExtension::SubjectAlternativeName(san) = ext {
                for name in &san.general_names {
                    add_san(&mut parsed, name)?;
                }
            }
        }
    }
    Ok((csr, parsed))
}

fn add_san(parsed: &mut ParsedCsr, name: &GeneralName<'_>) -> Result<(), CsrError> {
    match name {
        GeneralName::DNSName(dns) => parsed.dns_names.push(ia5(dns, "dNSName")?),
        GeneralName::RFC822Name(email) => parsed.email_addresses.push(ia5(email, "rfc822Name")?),
        GeneralName::URI(uri) => parsed.uris.push(ia5(uri, "uniformResourceIdentifier")?),
        GeneralName::IPAddress(octets) => {
            let ip = match octets.len() {
                4 => {
                    let mut a = [0u8; 4];
                    a.copy_from_slice(octets);
                    IpAddr::V4(Ipv4Addr::from(a))
                }
                16 => {
                    let mut a = [0u8; 16];
                    a.copy_from_slice(octets);
                    IpAddr::V6(Ipv6Addr::from(a))
                }
                n => return Err(CsrError::IpAddressLength(n)),
            };
            parsed.ip_addresses.push(ip);
        }
        GeneralName::Invalid(tag, _) => {
            let kind = match tag.0 {
                1 => "rfc822Name",
                2 => "dNSName",
                6 => "uniformResourceIdentifier",
                _ => return Ok(()),
            };
            return Err(CsrError::MalformedSan(kind));
        }
        _ => {}
    }
    Ok(())
}

fn ia5(value: &str, kind: &'static str) -> Result<String, CsrError> {
    if value.is_ascii() {
        Ok(value.to_string())
    } else {
        Err(CsrError::MalformedSan(kind))
    }
}

fn key_algorithm(spki: &x509_parser::x509::SubjectPublicKeyInfo<'_>) -> PublicKeyAlgorithm {
    match spki.algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.1" => PublicKeyAlgorithm::Rsa,
        "1.3.101.112" => PublicKeyAlgorithm::Ed25519,
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string());
            match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => PublicKeyAlgorithm::EcdsaP256,
                Some("1.3.132.0.34") => PublicKeyAlgorithm::EcdsaP384,
                Some("1.3.132.0.35") => PublicKeyAlgorithm::EcdsaP521,
                _ => PublicKeyAlgorithm::EcdsaOther,
            }
        }
        _ => PublicKeyAlgorithm::Unknown,
    }
}

/// Go's `CheckSignature` for a request: the signature algorithm must match the key, SHA-1 is
/// refused, and a bad signature reports the key type's verification error.
fn check_signature(
    csr: &X509CertificationRequest<'_>,
    key: PublicKeyAlgorithm,
) -> Result<(), CsrError> {
    use PublicKeyAlgorithm as K;
    let sig_oid = csr.signature_algorithm.algorithm.to_id_string();
    let alg: &'static dyn VerificationAlgorithm = match (sig_oid.as_str(), key) {
        ("1.2.840.113549.1.1.5" | "1.3.14.3.2.29", _) => {
            return Err(CsrError::InsecureAlgorithm("SHA1-RSA"));
        }
        ("1.2.840.10045.4.1", _) => return Err(CsrError::InsecureAlgorithm("ECDSA-SHA1")),
        ("1.2.840.113549.1.1.11", K::Rsa) => {
            &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        }
        ("1.2.840.113549.1.1.12", K::Rsa) => &signature::RSA_PKCS1_2048_8192_SHA384,
        ("1.2.840.113549.1.1.13", K::Rsa) => {
            &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
        }
        ("1.2.840.113549.1.1.10", K::Rsa) => {
            // RSASSA-PSS: parameters decide the hash; x509-parser reads them.
            return csr.verify_signature().map_err(|e| match e {
                x509_parser::error::X509Error::SignatureUnsupportedAlgorithm => {
                    CsrError::UnsupportedAlgorithm
                }
                _ => CsrError::RsaVerification,
            });
        }
        ("1.2.840.10045.4.3.2", K::EcdsaP256) => &signature::ECDSA_P256_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", K::EcdsaP256) => &signature::ECDSA_P256_SHA384_ASN1,
        ("1.2.840.10045.4.3.4", K::EcdsaP256) => &signature::ECDSA_P256_SHA512_ASN1,
        ("1.2.840.10045.4.3.2", K::EcdsaP384) => &signature::ECDSA_P384_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", K::EcdsaP384) => &signature::ECDSA_P384_SHA384_ASN1,
        ("1.2.840.10045.4.3.4", K::EcdsaP384) => &signature::ECDSA_P384_SHA512_ASN1,
        ("1.2.840.10045.4.3.2", K::EcdsaP521) => &signature::ECDSA_P521_SHA256_ASN1,
        ("1.2.840.10045.4.3.3", K::EcdsaP521) => &signature::ECDSA_P521_SHA384_ASN1,
        ("1.2.840.10045.4.3.4", K::EcdsaP521) => &signature::ECDSA_P521_SHA512_ASN1,
        ("1.3.101.112", K::Ed25519) => &signature::ED25519,
        _ => return Err(CsrError::UnsupportedAlgorithm),
    };
    let public_key = &csr
        .certification_request_info
        .subject_pki
        .subject_public_key
        .data;
    UnparsedPublicKey::new(alg, public_key)
        .verify(
            csr.certification_request_info.raw,
            &csr.signature_value.data,
        )
        .map_err(|_| match key {
            K::Rsa => CsrError::RsaVerification,
            K::Ed25519 => CsrError::Ed25519Verification,
            _ => CsrError::EcdsaVerification,
        })
}

#[cfg(test)]
mod tests;
