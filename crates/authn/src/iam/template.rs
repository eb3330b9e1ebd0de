//! Templated user names and groups (`system:node:{{EC2PrivateDNSName}}`,
//! `{{AccountID}}`, `{{SessionName}}`, `{{SessionNameRaw}}`, `{{AccessKeyID}}`), rendered as
//! aws-iam-authenticator's `renderTemplate` does.

use std::collections::HashMap;

use super::sts::Identity;

/// Why a template cannot be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TemplateError {
    /// `{{EC2PrivateDNSName}}` for a session that is no EC2 instance id.
    #[error("SessionName did not contain an instance id")]
    NotAnInstance,
    /// `{{EC2PrivateDNSName}}` for an instance whose private DNS name is not known (the
    /// authenticator asks EC2's `DescribeInstances`; kubeward has the names handed in).
    #[error("no private DNS name is known for EC2 instance {0}")]
    UnknownInstance(String),
}

/// Whether a session name is an EC2 instance id (`^i-(\w{8}|\w{17})$`).
pub fn is_instance_id(session: &str) -> bool {
    session.strip_prefix("i-").is_some_and(|id| {
        (id.len() == 8 || id.len() == 17)
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    })
}

/// Renders one template for `identity`. `ec2_names` maps instance ids to private DNS names.
pub fn render(
    template: &str,
    identity: &Identity,
    ec2_names: &HashMap<String, String>,
) -> Result<String, TemplateError> {
    if !template.contains("{{") {
        return Ok(template.to_string());
    }
    let mut out = template.to_string();
    if out.contains("{{EC2PrivateDNSName}}") {
        if !is_instance_id(&identity.session_name) {
            return Err(TemplateError::NotAnInstance);
        }
        let name = ec2_names
            .get(&identity.session_name)
            .ok_or_else(|| TemplateError::UnknownInstance(identity.session_name.clone()))?;
        out = out.replace("{{EC2PrivateDNSName}}", name);
    }
    out = out.replace("{{AccountID}}", &identity.account_id);
    out = out.replace("{{SessionName}}", &identity.session_name.replace('@', "-"));
    out = out.replace("{{SessionNameRaw}}", &identity.session_name);
    out = out.replace("{{AccessKeyID}}", &identity.access_key_id);
    Ok(out)
}

#[cfg(test)]
mod tests;
