//! `setup`: sign in once with the given flags, then print what to do next, as kubelogin's setup
//! does: the token's claims, a ClusterRoleBinding for the user, the kube-apiserver flags and the
//! `kubectl config set-credentials` command that runs this plugin with the same flags.

use kubeward_core::go;

#[cfg(test)]
mod tests;

/// What the instructions are made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Instructions<'a> {
    /// `--oidc-issuer-url`.
    pub issuer: &'a str,
    /// `--oidc-client-id`.
    pub client_id: &'a str,
    /// `sub` of the ID token obtained.
    pub subject: &'a str,
    /// The ID token's claims, indented.
    pub claims_pretty: &'a str,
    /// The flags given to `setup`, `--name=value` each, to repeat in the exec block.
    pub flags: &'a [String],
}

/// The instructions as Markdown.
pub fn render(i: &Instructions<'_>) -> String {
    let mut out = String::new();
    out.push_str("## Authenticated with the OpenID Connect Provider\n\n");
    out.push_str("You got the token with the following claims:\n\n```\n");
    out.push_str(i.claims_pretty);
    out.push_str("\n```\n\n## Bind a cluster role\n\nRun the following command:\n\n```\n");
    out.push_str(&format!(
        "kubectl create clusterrolebinding oidc-cluster-admin --clusterrole=cluster-admin --user='{}#{}'\n",
        i.issuer, i.subject
    ));
    out.push_str("```\n\n## Set up the Kubernetes API server\n\n");
    out.push_str("Add the following options to the kube-apiserver:\n\n```\n");
    out.push_str(&format!("--oidc-issuer-url={}\n", i.issuer));
    out.push_str(&format!("--oidc-client-id={}\n", i.client_id));
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
