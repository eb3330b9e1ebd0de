//! `setup`: sign in once with the given flags, then print what to do next, as kubelogin's setup
//! does: the token's claims, a ClusterRoleBinding for the user, the kube-apiserver flags and the
//! `kubectl config set-credentials` command that runs this plugin with the same flags.
//!
//! The user of the ClusterRoleBinding is the name the API server will give the token's holder:
//! the name a cluster reported for the token, else the name kube-apiserver's claim flags make of
//! the claims (`--oidc-username-claim`, default `sub`; `--oidc-username-prefix`, default
//! `ISSUER#` unless the claim is `email`, `-` for none).

use kubeward_core::go;
use serde_json::{Map, Value};

#[cfg(test)]
mod tests;

/// kube-apiserver's claim flags, when the user gave them to `setup`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClaimMapping {
    /// `--oidc-username-claim` (default `sub`).
    pub username_claim: Option<String>,
    /// `--oidc-username-prefix`.
    pub username_prefix: Option<String>,
    /// `--oidc-groups-claim`.
    pub groups_claim: Option<String>,
    /// `--oidc-groups-prefix`.
    pub groups_prefix: Option<String>,
}

impl ClaimMapping {
    /// Whether any of the flags was given.
    pub fn is_set(&self) -> bool {
        self.username_claim.is_some()
            || self.username_prefix.is_some()
            || self.groups_claim.is_some()
            || self.groups_prefix.is_some()
    }

    /// The flags, `--name=value` each, in kube-apiserver's order.
    pub fn flags(&self) -> Vec<String> {
        [
            ("--oidc-username-claim", &self.username_claim),
            ("--oidc-username-prefix", &self.username_prefix),
            ("--oidc-groups-claim", &self.groups_claim),
            ("--oidc-groups-prefix", &self.groups_prefix),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.as_ref().map(|v| format!("{name}={v}")))
        .collect()
    }
}

/// The user name kube-apiserver's `--oidc-*` flags make of `claims` (its `claimMappings.username`
/// rules): the claim's string value after the prefix; the default prefix is `ISSUER#` unless the
/// claim is `email`, and `-` means none.
pub fn username(
    issuer: &str,
    claims: &Map<String, Value>,
    mapping: &ClaimMapping,
) -> Result<String, String> {
    let claim = mapping.username_claim.as_deref().unwrap_or("sub");
    let value = match claims.get(claim) {
        Some(Value::String(value)) => value,
        Some(_) => return Err(format!("the claim {claim:?} of your token is not a string")),
        None => return Err(format!("your token has no claim {claim:?}")),
    };
    let prefix = match mapping.username_prefix.as_deref() {
        Some("-") => String::new(),
        Some(prefix) => prefix.to_string(),
        None if claim == "email" => String::new(),
        None => format!("{issuer}#"),
    };
    Ok(format!("{prefix}{value}"))
}

/// Whom the ClusterRoleBinding names, and how that name was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum User {
    /// The API server at this URL (the current kubeconfig's) authenticated the token as this user.
    Reported {
        /// The API server's URL.
        server: String,
        /// The user name it reported.
        name: String,
    },
    /// kube-apiserver's flags (those given, or its defaults) make this name of the claims.
    Mapped {
        /// The user name.
        name: String,
        /// Whether the flags were given (otherwise kube-apiserver's defaults apply).
        flags_given: bool,
    },
}

impl User {
    fn name(&self) -> &str {
        match self {
            User::Reported { name, .. } | User::Mapped { name, .. } => name,
        }
    }

    fn sentence(&self) -> String {
        match self {
            User::Reported { server, name } => format!(
                "The API server of your current kubeconfig ({server}) authenticates your token as the user {name:?}."
            ),
            User::Mapped {
                name,
                flags_given: true,
            } => format!("With the claim flags you gave, the API server names you {name:?}."),
            User::Mapped {
                name,
                flags_given: false,
            } => format!(
                "With kube-apiserver's default claim mapping (--oidc-username-claim=sub, prefixed with the issuer URL and #), the API server names you {name:?}; give --oidc-username-claim and --oidc-username-prefix if your API server maps usernames differently."
            ),
        }
    }
}

/// What the instructions are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instructions<'a> {
    /// `--oidc-issuer-url`.
    pub issuer: &'a str,
    /// `--oidc-client-id`.
    pub client_id: &'a str,
    /// The user the API server will see.
    pub user: &'a User,
    /// The ID token's claims, indented.
    pub claims_pretty: &'a str,
    /// The flags given to `setup`, `--name=value` each, to repeat in the exec block.
    pub flags: &'a [String],
    /// kube-apiserver's claim flags given to `setup`.
    pub mapping: &'a ClaimMapping,
}

/// The instructions as Markdown.
pub fn render(i: &Instructions<'_>) -> String {
    let mut out = String::new();
    out.push_str("## Authenticated with the OpenID Connect Provider\n\n");
    out.push_str("You got the token with the following claims:\n\n```\n");
    out.push_str(i.claims_pretty);
    out.push_str("\n```\n\n## Bind a cluster role\n\n");
    out.push_str(&i.user.sentence());
    out.push_str(" Run the following command:\n\n```\n");
    out.push_str(&format!(
        "kubectl create clusterrolebinding oidc-cluster-admin --clusterrole=cluster-admin --user='{}'\n",
        i.user.name()
    ));
    out.push_str("```\n\n## Set up the Kubernetes API server\n\n");
    out.push_str("Add the following options to the kube-apiserver:\n\n```\n");
    out.push_str(&format!("--oidc-issuer-url={}\n", i.issuer));
    out.push_str(&format!("--oidc-client-id={}\n", i.client_id));
    for flag in i.mapping.flags() {
        out.push_str(&flag);
        out.push('\n');
    }
    out.push_str("```\n\n## Set up the kubeconfig\n\n");
    out.push_str("You can run the following command to set up the kubeconfig:\n\n```\n");
    out.push_str("kubectl config set-credentials oidc \\\n");
    out.push_str("  --exec-api-version=client.authentication.k8s.io/v1 \\\n");
    out.push_str("  --exec-interactive-mode=Never \\\n");
    out.push_str("  --exec-command=kubectl \\\n");
    out.push_str("  --exec-arg=oidc-login \\\n");
    out.push_str("  --exec-arg=get-token");
    for flag in i.flags {
        out.push_str(" \\\n  --exec-arg=");
        out.push_str(&go::quote(flag));
    }
    out.push_str("\n```\n\n## Verify cluster access\n\n");
    out.push_str("Make sure you can access the Kubernetes cluster.\n\n```\n");
    out.push_str("kubectl --user=oidc get nodes\n```\n\n");
    out.push_str("You can switch the default context to oidc.\n\n```\n");
    out.push_str("kubectl config set-context --current --user=oidc\n```\n");
    out
}
