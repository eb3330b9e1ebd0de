//! Create-time validation of a CertificateSigningRequest's spec, as kube-apiserver runs it
//! (`pkg/apis/certificates/validation.validateCertificateSigningRequest` with the options of a
//! create): `spec.request` must parse and carry a valid self-signature, `spec.usages` must be
//! non-empty, known and unique, `spec.signerName` must be a qualified name (and not the legacy
//! one), `spec.expirationSeconds` at least 600. The errors come back as
//! [`kubeward_core::FieldError`]s in Kubernetes' order, ready for
//! `kubeward_core::status::invalid`.

use kubeward_core::FieldError;
use kubeward_core::status::BadValue;

use crate::csr;
use crate::signer_policy::LEGACY_UNKNOWN_SIGNER_NAME;
use crate::usage::ALL_USAGES;

const DNS1123_LABEL_MAX_LENGTH: usize = 63;
const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;

const DNS1123_LABEL_ERROR: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const DNS1123_SUBDOMAIN_ERROR: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

/// The parts of `spec` that create-time validation looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsrSpec<'a> {
    /// `spec.request`, base64-decoded (the PEM bytes).
    pub request: &'a [u8],
    /// `spec.signerName` (empty when absent).
    pub signer_name: &'a str,
    /// `spec.usages`.
    pub usages: &'a [String],
    /// `spec.expirationSeconds`.
    pub expiration_seconds: Option<i32>,
}

/// The field errors kube-apiserver reports when creating a CSR with this spec; empty when valid.
pub fn validate_csr_create(spec: &CsrSpec<'_>) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if let Err(err) = csr::parse_csr_pem(spec.request) {
        errs.push(FieldError::invalid(
            "spec.request",
            request_bad_value(spec.request),
            &err.to_string(),
        ));
    }
    if spec.usages.is_empty() {
        errs.push(FieldError::required("spec.usages", ""));
    }
    for (i, usage) in spec.usages.iter().enumerate() {
        if !ALL_USAGES.contains(&usage.as_str()) {
            errs.push(FieldError::not_supported(
                &format!("spec.usages[{i}]"),
                usage.as_str(),
                ALL_USAGES,
            ));
        }
    }
    for (i, usage) in spec.usages.iter().enumerate() {
        if spec.usages[..i].contains(usage) {
            errs.push(FieldError::duplicate(
                &format!("spec.usages[{i}]"),
                usage.as_str(),
            ));
        }
    }
    if spec.signer_name == LEGACY_UNKNOWN_SIGNER_NAME {
        errs.push(FieldError::invalid(
            "spec.signerName",
            spec.signer_name,
            "the legacy signerName is not allowed via this API version",
        ));
    } else {
        errs.extend(validate_signer_name("spec.signerName", spec.signer_name));
    }
    if let Some(seconds) = spec.expiration_seconds
        && seconds < 600
    {
        errs.push(FieldError::invalid(
            "spec.expirationSeconds",
            seconds,
            "may not specify a duration less than 600 seconds (10 minutes)",
        ));
    }
    errs
}

/// A `[]byte` value as Kubernetes shows it: JSON, i.e. a quoted base64 string.
fn request_bad_value(request: &[u8]) -> BadValue {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(request);
    BadValue::Json(format!("\"{b64}\""))
}

/// `ValidateSignerName`: `example.com/signer-name`, a DNS domain of at least two labels, a path
/// of DNS-1123 subdomains, at most 571 bytes.
pub fn validate_signer_name(field: &str, signer_name: &str) -> Vec<FieldError> {
    let mut errs = Vec::new();
    if signer_name.is_empty() {
        errs.push(FieldError::required(field, ""));
        return errs;
    }
    let segments: Vec<&str> = signer_name.split('/').collect();
    let [domain, path] = segments.as_slice() else {
        errs.push(FieldError::invalid(
            field,
            signer_name,
            "must be a fully qualified domain and path of the form 'example.com/signer-name'",
        ));
        return errs;
    };

    if domain.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(too_long(field, DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    let domain_labels: Vec<&str> = domain.split('.').collect();
    for label in &domain_labels {
        let label_errs = dns1123_label_errors(label);
        if !label_errs.is_empty() {
            for err in label_errs {
                errs.push(FieldError::invalid(
                    field,
                    *domain,
                    &format!(
                        "validating label {}: {err}",
                        kubeward_core::go::quote(label)
                    ),
                ));
            }
            break;
        }
    }
    if domain_labels.len() < 2 {
        errs.push(FieldError::invalid(
            field,
            *domain,
            "should be a domain with at least two segments separated by dots",
        ));
    }

    for label in path.split('.') {
        let label_errs = dns1123_subdomain_errors(label);
        if !label_errs.is_empty() {
            for err in label_errs {
                errs.push(FieldError::invalid(
                    field,
                    *path,
                    &format!(
                        "validating label {}: {err}",
                        kubeward_core::go::quote(label)
                    ),
                ));
            }
            break;
        }
    }

    let max_path = DNS1123_SUBDOMAIN_MAX_LENGTH + DNS1123_LABEL_MAX_LENGTH + 1;
    let max_signer_name = DNS1123_SUBDOMAIN_MAX_LENGTH + max_path + 1;
    if signer_name.len() > max_signer_name {
        errs.push(too_long(field, max_signer_name));
    }
    errs
}

/// `field.TooLong(path, value, max)`: `Too long: may not be more than N bytes`.
fn too_long(field: &str, max: usize) -> FieldError {
    FieldError::too_long(field, &format!("may not be more than {max} bytes"))
}

/// Matches `[a-z0-9]([-a-z0-9]*[a-z0-9])?`.
fn is_dns1123_label_shape(value: &str) -> bool {
    let bytes = value.as_bytes();
    let alnum = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last)) => {
            alnum(first) && alnum(last) && bytes.iter().all(|b| alnum(b) || *b == b'-')
        }
        _ => false,
    }
}

/// `IsDNS1123Label` for a value without dots.
fn dns1123_label_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX_LENGTH {
        errs.push(format!(
            "must be no more than {DNS1123_LABEL_MAX_LENGTH} characters"
        ));
    }
    if !is_dns1123_label_shape(value) {
        errs.push(DNS1123_LABEL_ERROR.to_string());
    }
    errs
}

/// `IsDNS1123Subdomain` for a value without dots.
fn dns1123_subdomain_errors(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(format!(
            "must be no more than {DNS1123_SUBDOMAIN_MAX_LENGTH} characters"
        ));
    }
    if !is_dns1123_label_shape(value) {
        errs.push(DNS1123_SUBDOMAIN_ERROR.to_string());
    }
    errs
}

#[cfg(test)]
mod tests;
