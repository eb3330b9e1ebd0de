//! What kube-controller-manager's built-in signers accept (`pkg/controller/certificates/signer`
//! and `pkg/apis/certificates` helpers). An approved CSR for a built-in signer is either signed
//! or marked `Failed` with reason [`SIGNER_VALIDATION_FAILURE`] and the policy error's text as
//! the message (golden `a-x509-csr/48-bad-usage-approve`: `invalid usage for client certificate:
//! server auth`; `52-kubelet-serving-signer-usage`: `subject organization is not
//! system:nodes`). CSRs for other signer names are left alone.

use std::collections::BTreeSet;

use thiserror::Error;

use crate::csr::ParsedCsr;
use crate::usage::{USAGE_CLIENT_AUTH, USAGE_DIGITAL_SIGNATURE, USAGE_KEY_ENCIPHERMENT};

/// `kubernetes.io/kube-apiserver-client`.
pub const KUBE_APISERVER_CLIENT_SIGNER_NAME: &str = "kubernetes.io/kube-apiserver-client";
/// `kubernetes.io/kube-apiserver-client-kubelet`.
pub const KUBE_APISERVER_CLIENT_KUBELET_SIGNER_NAME: &str =
    "kubernetes.io/kube-apiserver-client-kubelet";
/// `kubernetes.io/kubelet-serving`.
pub const KUBELET_SERVING_SIGNER_NAME: &str = "kubernetes.io/kubelet-serving";
/// `kubernetes.io/legacy-unknown` (accepted by the signer, refused by the v1 API).
pub const LEGACY_UNKNOWN_SIGNER_NAME: &str = "kubernetes.io/legacy-unknown";
/// The reason of the `Failed` condition a signer adds.
pub const SIGNER_VALIDATION_FAILURE: &str = "SignerValidationFailure";

/// A built-in signer's refusal; `Display` is the `Failed` condition's message.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum SignerPolicyError {
    /// kube-apiserver-client: a usage outside digital signature, key encipherment, client auth.
    #[error("invalid usage for client certificate: {0}")]
    InvalidClientUsage(String),
    /// kube-apiserver-client: `client auth` missing.
    #[error("missing required usage for client certificate: client auth")]
    MissingClientAuth,
    /// Kubelet signers: the organizations are not exactly `[system:nodes]`.
    #[error("subject organization is not system:nodes")]
    OrganizationNotSystemNodes,
    /// Kubelet signers: the common name lacks the `system:node:` prefix.
    #[error("subject common name does not begin with system:node:")]
    CommonNameNotSystemNode,
    /// Kubelet serving: neither a DNS nor an IP SAN.
    #[error("DNS or IP subjectAltName is required")]
    DnsOrIpSanRequired,
    /// Kubelet client: DNS SANs.
    #[error("DNS subjectAltNames are not allowed")]
    DnsSanNotAllowed,
    /// Kubelet signers: email SANs.
    #[error("Email subjectAltNames are not allowed")]
    EmailSanNotAllowed,
    /// Kubelet client: IP SANs.
    #[error("IP subjectAltNames are not allowed")]
    IpSanNotAllowed,
    /// Kubelet signers: URI SANs.
    #[error("URI subjectAltNames are not allowed")]
    UriSanNotAllowed,
    /// Kubelet signers: usages other than the required set (Go prints the sorted set).
    #[error("usages did not match [{}]", .0.join(" "))]
    UsagesDidNotMatch(Vec<String>),
}

/// What a built-in signer does with an approved CSR.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignerDecision {
    /// Sign it.
    Sign,
    /// Add a `Failed` condition (reason [`SIGNER_VALIDATION_FAILURE`], message = the error).
    Fail(SignerPolicyError),
    /// Not a signer kube-controller-manager runs: leave the CSR as it is.
    Ignore,
}

/// The decision of the built-in signer for `signer_name` on an approved CSR with these usages.
pub fn check_signer_policy(
    signer_name: &str,
    csr: &ParsedCsr,
    usages: &[String],
) -> SignerDecision {
    let result = match signer_name {
        KUBE_APISERVER_CLIENT_SIGNER_NAME => kube_apiserver_client(usages),
        KUBE_APISERVER_CLIENT_KUBELET_SIGNER_NAME => kubelet_client(csr, usages),
        KUBELET_SERVING_SIGNER_NAME => kubelet_serving(csr, usages),
        LEGACY_UNKNOWN_SIGNER_NAME => Ok(()),
        _ => return SignerDecision::Ignore,
    };
    match result {
        Ok(()) => SignerDecision::Sign,
        Err(e) => SignerDecision::Fail(e),
    }
}

/// `validAPIServerClientUsages`.
pub fn kube_apiserver_client(usages: &[String]) -> Result<(), SignerPolicyError> {
    let mut has_client_auth = false;
    for usage in usages {
        match usage.as_str() {
            USAGE_DIGITAL_SIGNATURE | USAGE_KEY_ENCIPHERMENT => {}
            USAGE_CLIENT_AUTH => has_client_auth = true,
            other => return Err(SignerPolicyError::InvalidClientUsage(other.to_string())),
        }
    }
    if has_client_auth {
        Ok(())
    } else {
        Err(SignerPolicyError::MissingClientAuth)
    }
}

fn usage_set(usages: &[String]) -> BTreeSet<&str> {
    usages.iter().map(String::as_str).collect()
}

fn matches_required(usages: &[String], with_rsa: &[&str], without_rsa: &[&str]) -> bool {
    let set = usage_set(usages);
    let a: BTreeSet<&str> = with_rsa.iter().copied().collect();
    let b: BTreeSet<&str> = without_rsa.iter().copied().collect();
    set == a || set == b
}

fn sorted(values: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = values.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

fn organizations_are_system_nodes(csr: &ParsedCsr) -> bool {
    csr.organizations() == ["system:nodes"]
}

/// `ValidateKubeletClientCSR`.
pub fn kubelet_client(csr: &ParsedCsr, usages: &[String]) -> Result<(), SignerPolicyError> {
    if !organizations_are_system_nodes(csr) {
        return Err(SignerPolicyError::OrganizationNotSystemNodes);
    }
    if !csr.dns_names().is_empty() {
        return Err(SignerPolicyError::DnsSanNotAllowed);
    }
    if !csr.email_addresses().is_empty() {
        return Err(SignerPolicyError::EmailSanNotAllowed);
    }
    if !csr.ip_addresses().is_empty() {
        return Err(SignerPolicyError::IpSanNotAllowed);
    }
    if !csr.uris().is_empty() {
        return Err(SignerPolicyError::UriSanNotAllowed);
    }
    if !csr.common_name().starts_with("system:node:") {
        return Err(SignerPolicyError::CommonNameNotSystemNode);
    }
    let required = [
        USAGE_DIGITAL_SIGNATURE,
        USAGE_KEY_ENCIPHERMENT,
        USAGE_CLIENT_AUTH,
    ];
    if !matches_required(
        usages,
        &required,
        &[USAGE_DIGITAL_SIGNATURE, USAGE_CLIENT_AUTH],
    ) {
        return Err(SignerPolicyError::UsagesDidNotMatch(sorted(&required)));
    }
    Ok(())
}

/// `ValidateKubeletServingCSR`.
pub fn kubelet_serving(csr: &ParsedCsr, usages: &[String]) -> Result<(), SignerPolicyError> {
    if !organizations_are_system_nodes(csr) {
        return Err(SignerPolicyError::OrganizationNotSystemNodes);
    }
    if csr.dns_names().is_empty() && csr.ip_addresses().is_empty() {
        return Err(SignerPolicyError::DnsOrIpSanRequired);
    }
    if !csr.email_addresses().is_empty() {
        return Err(SignerPolicyError::EmailSanNotAllowed);
    }
    if !csr.uris().is_empty() {
        return Err(SignerPolicyError::UriSanNotAllowed);
    }
    let required = [
        USAGE_DIGITAL_SIGNATURE,
        USAGE_KEY_ENCIPHERMENT,
        crate::usage::USAGE_SERVER_AUTH,
    ];
    if !matches_required(
        usages,
        &required,
        &[USAGE_DIGITAL_SIGNATURE, crate::usage::USAGE_SERVER_AUTH],
    ) {
        return Err(SignerPolicyError::UsagesDidNotMatch(sorted(&required)));
    }
    if !csr.common_name().starts_with("system:node:") {
        return Err(SignerPolicyError::CommonNameNotSystemNode);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
