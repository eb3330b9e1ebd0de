//! `kubeward rbac whoami`: who the current kubeconfig's credentials are, as the API server sees
//! them, through a SelfSubjectReview (`authentication.k8s.io/v1`, then `v1beta1` for older
//! servers), printed as `kubectl auth whoami` prints it.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use clap::Args;
use kubeward_analysis::tabwriter::TabWriter;
use kubeward_core::UserInfo;
use serde_json::Value;

use super::output::Format;
use super::source::{self, ClusterArgs};

/// kubectl's message when neither version of the API answers.
const NOT_ENABLED: &str = "the selfsubjectreviews API is not enabled in the cluster or you do not have permission to call it";

#[derive(Debug, Args)]
pub(super) struct WhoamiArgs {
    /// Output format.
    #[arg(short, long, value_enum, default_value_t)]
    output: Format,
    #[command(flatten)]
    cluster: ClusterArgs,
}

pub(super) fn run(args: WhoamiArgs) -> anyhow::Result<ExitCode> {
    let review = source::runtime()?.block_on(async {
        let client = source::client(&args.cluster).await?;
        review(&client).await
    })?;
    match args.output {
        Format::Json => println!("{}", serde_json::to_string_pretty(&review)?),
        Format::Yaml => print!("{}", serde_saphyr::to_string(&review)?),
        Format::Table => print!("{}", table(&user_info(&review))),
    }
    Ok(ExitCode::SUCCESS)
}

/// Posts a SelfSubjectReview and returns the server's answer.
pub(crate) async fn review(client: &kube::Client) -> anyhow::Result<Value> {
    for version in ["v1", "v1beta1"] {
        let body = serde_json::json!({
            "apiVersion": format!("authentication.k8s.io/{version}"),
            "kind": "SelfSubjectReview",
        });
        let request = http::Request::post(format!(
            "/apis/authentication.k8s.io/{version}/selfsubjectreviews"
        ))
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(serde_json::to_vec(&body)?)?;
        match client.request::<Value>(request).await {
            Ok(review) => return Ok(review),
            Err(kube::Error::Api(status)) if status.code == 404 => continue,
            Err(kube::Error::Api(status)) if status.code == 403 => bail!(NOT_ENABLED),
            Err(kube::Error::Api(status)) if status.code == 401 => {
                bail!("You must be logged in to the server (Unauthorized)")
            }
            Err(error) => {
                return Err(error).context("cannot reach the cluster for a SelfSubjectReview");
            }
        }
    }
    bail!(NOT_ENABLED)
}

/// The user of a SelfSubjectReview's status.
pub(super) fn user_info(review: &Value) -> UserInfo {
    let info = &review["status"]["userInfo"];
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut user = UserInfo::new(
        info["username"].as_str().unwrap_or_default(),
        strings(&info["groups"]),
    );
    user.uid = info["uid"].as_str().unwrap_or_default().to_string();
    if let Some(extra) = info["extra"].as_object() {
        user.extra = extra.iter().map(|(k, v)| (k.clone(), strings(v))).collect();
    }
    user
}

/// `kubectl auth whoami`'s table.
fn table(user: &UserInfo) -> String {
    let mut text = String::from("ATTRIBUTE\tVALUE\n");
    text.push_str(&format!("Username\t{}\n", user.name));
    if !user.uid.is_empty() {
        text.push_str(&format!("UID\t{}\n", user.uid));
    }
    if !user.groups.is_empty() {
        text.push_str(&format!("Groups\t[{}]\n", user.groups.join(" ")));
    }
    for (key, values) in &user.extra {
        text.push_str(&format!("Extra: {key}\t[{}]\n", values.join(" ")));
    }
    TabWriter::KUBECTL.render(&text)
}
