//! `kubeward login …`: the kubectl credential plugin (kubelogin's `get-token`, `setup`,
//! `logout`, `clean`), also installed as `kubectl-oidc_login`. `kubeward login setup` also asks
//! the current kubeconfig's cluster how it names the signed-in user (a SelfSubjectReview with the
//! new ID token), so the ClusterRoleBinding it advises names the user the server really sees.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use kubeward_login::cli::ApiServer;

/// How long `setup` waits for the cluster's answer before falling back to the claim flags.
const REVIEW_TIMEOUT: Duration = Duration::from_secs(10);

/// Arguments of `kubeward login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    #[command(subcommand)]
    command: kubeward_login::cli::LoginCommand,
}

/// Runs a login subcommand.
pub fn run(args: LoginArgs) -> anyhow::Result<ExitCode> {
    Ok(kubeward_login::cli::run_with(
        args.command,
        Some(&CurrentCluster),
    ))
}

/// The cluster of the current kubeconfig, asked with the token instead of the kubeconfig's own
/// credential.
struct CurrentCluster;

impl ApiServer for CurrentCluster {
    fn username(&self, id_token: &str) -> Option<(String, String)> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        runtime.block_on(async {
            let mut config = crate::kube_config::load(None, None).await.ok()?;
            config.auth_info = kube::config::AuthInfo {
                token: Some(id_token.to_string().into()),
                ..Default::default()
            };
            let server = config.cluster_url.to_string();
            let client = kube::Client::try_from(config).ok()?;
            let review = tokio::time::timeout(REVIEW_TIMEOUT, super::rbac::self_review(&client))
                .await
                .ok()?
                .ok()?;
            let name = review["status"]["userInfo"]["username"].as_str()?;
            Some((server.trim_end_matches('/').to_string(), name.to_string()))
        })
    }
}
