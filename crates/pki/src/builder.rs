//! Builds and signs leaf certificates the way Go's `x509.CreateCertificate` lays them out, so the
//! certificates kubeward issues match kube-controller-manager's: subject attributes in Go's order
//! (`O` before `CN`), PrintableString where possible, extensions in Go's order (keyUsage,
//! extKeyUsage, basicConstraints `CA:FALSE` critical, authorityKeyIdentifier, subjectAltName),
//! the issuer name copied byte for byte from the CA certificate and the subject public key info
//! copied byte for byte from the request.

use std::net::IpAddr;

use rcgen::{KeyPair, PublicKeyData as _, SigningKey as _};
use thiserror::Error;
use time::OffsetDateTime;

use crate::der;
use crate::usage::Eku;

/// A certificate could not be built or signed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The CA key's algorithm has no signature algorithm identifier here.
    #[error("unsupported CA key algorithm")]
    UnsupportedSigningKey,
    /// The signature could not be computed.
    #[error("failed to sign certificate: {0}")]
    Signing(String),
    /// No randomness for the serial number.
    #[error("unable to generate a serial number")]
    Random,
}

/// The subject attributes Go's `pkix.Name` keeps, in the order it writes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct GoName {
    pub(crate) country: Vec<String>,
    pub(crate) province: Vec<String>,
    pub(crate) locality: Vec<String>,
    pub(crate) street_address: Vec<String>,
    pub(crate) postal_code: Vec<String>,
    pub(crate) organization: Vec<String>,
    pub(crate) organizational_unit: Vec<String>,
    pub(crate) common_name: String,
    pub(crate) serial_number: String,
}

pub(crate) const OID_COUNTRY: &[u64] = &[2, 5, 4, 6];
pub(crate) const OID_PROVINCE: &[u64] = &[2, 5, 4, 8];
pub(crate) const OID_LOCALITY: &[u64] = &[2, 5, 4, 7];
pub(crate) const OID_STREET: &[u64] = &[2, 5, 4, 9];
pub(crate) const OID_POSTAL_CODE: &[u64] = &[2, 5, 4, 17];
pub(crate) const OID_ORGANIZATION: &[u64] = &[2, 5, 4, 10];
pub(crate) const OID_ORGANIZATIONAL_UNIT: &[u64] = &[2, 5, 4, 11];
pub(crate) const OID_COMMON_NAME: &[u64] = &[2, 5, 4, 3];
pub(crate) const OID_SERIAL_NUMBER: &[u64] = &[2, 5, 4, 5];

fn attribute(oid: &[u64], value: &str) -> Vec<u8> {
    der::sequence(&[&der::oid(oid), &der::directory_string(value)])
}

impl GoName {
    /// Go's `Name.ToRDNSequence` (no ExtraNames): one RDN per attribute type holding all its
    /// values.
    pub(crate) fn to_der(&self) -> Vec<u8> {
        let multi: [(&[u64], &Vec<String>); 7] = [
            (OID_COUNTRY, &self.country),
            (OID_PROVINCE, &self.province),
            (OID_LOCALITY, &self.locality),
            (OID_STREET, &self.street_address),
            (OID_POSTAL_CODE, &self.postal_code),
            (OID_ORGANIZATION, &self.organization),
            (OID_ORGANIZATIONAL_UNIT, &self.organizational_unit),
        ];
        let mut rdns: Vec<Vec<u8>> = Vec::new();
        for (oid, values) in multi {
            if !values.is_empty() {
                rdns.push(der::set_of(
                    values.iter().map(|v| attribute(oid, v)).collect(),
                ));
            }
        }
        if !self.common_name.is_empty() {
            rdns.push(der::set_of(vec![attribute(
                OID_COMMON_NAME,
                &self.common_name,
            )]));
        }
        if !self.serial_number.is_empty() {
            rdns.push(der::set_of(vec![attribute(
                OID_SERIAL_NUMBER,
                &self.serial_number,
            )]));
        }
        der::tlv(der::TAG_SEQUENCE, &rdns.concat())
    }

    /// True when no attribute is set (then Go marks subjectAltName critical).
    pub(crate) fn is_empty(&self) -> bool {
        self.to_der().len() == 2
    }
}

/// A subject with one RDN per organization (order preserved) followed by the common name, as
/// kubeadm's client certificates read (`O = system:masters, CN = kubernetes-admin`).
pub(crate) fn client_subject(common_name: &str, organizations: &[String]) -> Vec<u8> {
    let mut rdns: Vec<Vec<u8>> = organizations
        .iter()
        .map(|o| der::set_of(vec![attribute(OID_ORGANIZATION, o)]))
        .collect();
    if !common_name.is_empty() {
        rdns.push(der::set_of(vec![attribute(OID_COMMON_NAME, common_name)]));
    }
    der::tlv(der::TAG_SEQUENCE, &rdns.concat())
}

/// The subject alternative names of a leaf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Sans {
    pub(crate) dns_names: Vec<String>,
    pub(crate) email_addresses: Vec<String>,
    pub(crate) ip_addresses: Vec<IpAddr>,
    pub(crate) uris: Vec<String>,
}

impl Sans {
    fn is_empty(&self) -> bool {
        self.dns_names.is_empty()
            && self.email_addresses.is_empty()
            && self.ip_addresses.is_empty()
            && self.uris.is_empty()
    }
}

/// Everything a leaf certificate carries.
#[derive(Debug, Clone)]
pub(crate) struct Leaf<'a> {
    /// The DER `Name` of the subject.
    pub(crate) subject: Vec<u8>,
    /// True when the subject has no attribute.
    pub(crate) subject_empty: bool,
    /// The DER `SubjectPublicKeyInfo`.
    pub(crate) spki: &'a [u8],
    pub(crate) not_before: OffsetDateTime,
    pub(crate) not_after: OffsetDateTime,
    /// Go's `x509.KeyUsage` bits.
    pub(crate) key_usage: u16,
    /// Sorted, deduplicated.
    pub(crate) ext_key_usages: Vec<Eku>,
    pub(crate) sans: Sans,
}

/// The signing side: the CA's subject (raw DER), its subjectKeyIdentifier and key.
pub(crate) struct IssuerRef<'a> {
    pub(crate) subject: &'a [u8],
    pub(crate) subject_key_id: Option<&'a [u8]>,
    pub(crate) key: &'a KeyPair,
}

const OID_KEY_USAGE: &[u64] = &[2, 5, 29, 15];
const OID_EXT_KEY_USAGE: &[u64] = &[2, 5, 29, 37];
const OID_BASIC_CONSTRAINTS: &[u64] = &[2, 5, 29, 19];
const OID_AUTHORITY_KEY_ID: &[u64] = &[2, 5, 29, 35];
const OID_SUBJECT_ALT_NAME: &[u64] = &[2, 5, 29, 17];

fn extension(oid: &[u64], critical: bool, value: &[u8]) -> Vec<u8> {
    let oid = der::oid(oid);
    let value = der::octet_string(value);
    if critical {
        der::sequence(&[&oid, &der::boolean(true), &value])
    } else {
        der::sequence(&[&oid, &value])
    }
}

/// Go's `marshalKeyUsage`: the bits reversed into a BIT STRING without trailing zero bits.
fn key_usage_value(bits: u16) -> Vec<u8> {
    let [low, high] = bits.to_le_bytes();
    let a = [low.reverse_bits(), high.reverse_bits()];
    let bytes: &[u8] = if a[1] != 0 { &a } else { &a[..1] };
    let unused = bytes.last().map_or(0, |b| b.trailing_zeros().min(7) as u8);
    der::bit_string_with_unused(bytes, unused)
}

fn san_value(sans: &Sans) -> Vec<u8> {
    let mut names: Vec<Vec<u8>> = Vec::new();
    for dns in &sans.dns_names {
        names.push(der::implicit_primitive(2, dns.as_bytes()));
    }
    for email in &sans.email_addresses {
        names.push(der::implicit_primitive(1, email.as_bytes()));
    }
    for ip in &sans.ip_addresses {
        let octets = match ip {
            IpAddr::V4(v4) => v4.octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        names.push(der::implicit_primitive(7, &octets));
    }
    for uri in &sans.uris {
        names.push(der::implicit_primitive(6, uri.as_bytes()));
    }
    der::tlv(der::TAG_SEQUENCE, &names.concat())
}

/// The `AlgorithmIdentifier` of signatures made with `key`.
pub(crate) fn signature_algorithm(key: &KeyPair) -> Result<Vec<u8>, BuildError> {
    let alg = key.algorithm();
    let (arcs, null): (&[u64], bool) = if alg == &rcgen::PKCS_ECDSA_P256_SHA256 {
        (&[1, 2, 840, 10045, 4, 3, 2], false)
    } else if alg == &rcgen::PKCS_ECDSA_P384_SHA384 {
        (&[1, 2, 840, 10045, 4, 3, 3], false)
    } else if alg == &rcgen::PKCS_ECDSA_P521_SHA256 {
        (&[1, 2, 840, 10045, 4, 3, 2], false)
    } else if alg == &rcgen::PKCS_ECDSA_P521_SHA384 {
        (&[1, 2, 840, 10045, 4, 3, 3], false)
    } else if alg == &rcgen::PKCS_ECDSA_P521_SHA512 {
        (&[1, 2, 840, 10045, 4, 3, 4], false)
    } else if alg == &rcgen::PKCS_RSA_SHA256 {
        (&[1, 2, 840, 113_549, 1, 1, 11], true)
    } else if alg == &rcgen::PKCS_RSA_SHA384 {
        (&[1, 2, 840, 113_549, 1, 1, 12], true)
    } else if alg == &rcgen::PKCS_RSA_SHA512 {
        (&[1, 2, 840, 113_549, 1, 1, 13], true)
    } else if alg == &rcgen::PKCS_ED25519 {
        (&[1, 3, 101, 112], false)
    } else {
        return Err(BuildError::UnsupportedSigningKey);
    };
    let oid = der::oid(arcs);
    Ok(if null {
        der::sequence(&[&oid, &der::null()])
    } else {
        der::sequence(&[&oid])
    })
}

/// A random positive serial below 2^128, as Kubernetes draws it.
fn random_serial() -> Result<Vec<u8>, BuildError> {
    let mut bytes = [0u8; 16];
    loop {
        aws_lc_rs::rand::fill(&mut bytes).map_err(|_| BuildError::Random)?;
        if bytes.iter().any(|b| *b != 0) {
            return Ok(bytes.to_vec());
        }
    }
}

/// The DER certificate for `leaf`, signed by `issuer`.
pub(crate) fn build(leaf: &Leaf<'_>, issuer: &IssuerRef<'_>) -> Result<Vec<u8>, BuildError> {
    let sig_alg = signature_algorithm(issuer.key)?;

    let mut extensions: Vec<Vec<u8>> = Vec::new();
    if leaf.key_usage != 0 {
        extensions.push(extension(
            OID_KEY_USAGE,
            true,
            &key_usage_value(leaf.key_usage),
        ));
    }
    if !leaf.ext_key_usages.is_empty() {
        let oids: Vec<Vec<u8>> = leaf
            .ext_key_usages
            .iter()
            .map(|e| der::oid(e.oid()))
            .collect();
        extensions.push(extension(
            OID_EXT_KEY_USAGE,
            false,
            &der::tlv(der::TAG_SEQUENCE, &oids.concat()),
        ));
    }
    // BasicConstraints { cA: FALSE } is the DEFAULT, so the SEQUENCE is empty.
    extensions.push(extension(OID_BASIC_CONSTRAINTS, true, &der::sequence(&[])));
    if let Some(ski) = issuer.subject_key_id.filter(|s| !s.is_empty()) {
        extensions.push(extension(
            OID_AUTHORITY_KEY_ID,
            false,
            &der::sequence(&[&der::implicit_primitive(0, ski)]),
        ));
    }
    if !leaf.sans.is_empty() {
        extensions.push(extension(
            OID_SUBJECT_ALT_NAME,
            leaf.subject_empty,
            &san_value(&leaf.sans),
        ));
    }

    let tbs = der::sequence(&[
        &der::explicit(0, &der::small_integer(2)),
        &der::unsigned_integer(&random_serial()?),
        &sig_alg,
        issuer.subject,
        &der::sequence(&[&der::time(leaf.not_before), &der::time(leaf.not_after)]),
        &leaf.subject,
        leaf.spki,
        &der::explicit(3, &der::tlv(der::TAG_SEQUENCE, &extensions.concat())),
    ]);
    let signature = issuer
        .key
        .sign(&tbs)
        .map_err(|e| BuildError::Signing(e.to_string()))?;
    Ok(der::sequence(&[
        &tbs,
        &sig_alg,
        &der::bit_string(&signature),
    ]))
}

/// The DER `SubjectPublicKeyInfo` of a key pair.
pub(crate) fn spki_of(key: &KeyPair) -> Vec<u8> {
    key.subject_public_key_info()
}

#[cfg(test)]
mod tests;
