//! `kubeward auth explain` for an EKS-style IAM token: each check of
//! `kubeward_authn::iam::token` (✔/✖, the API server's reason), the STS call the server makes
//! (to real STS, `--aws-iam-sts-endpoint`, or the local AWS of a `kubeward up` data directory),
//! the canonical ARN, and the mapping that matched — or the nearest one — read from the
//! cluster's `aws-auth` ConfigMap and access entries.

use std::time::SystemTime;

use anyhow::Context as _;
use k8s_openapi::api::core::v1::ConfigMap;
use kube::api::Api;
use kubeward_authn::iam::mapping::Mappings;
use kubeward_authn::iam::matched::EntryKind;
use kubeward_authn::iam::token::Step;
use kubeward_authn::iam::{
    Check, Iam, IamConfig, IamError, StsError, access_entries, aws_auth, user_info,
};

use super::cluster::Cluster;
use super::report::Report;
use crate::cmd::serve::IamArgs;
use crate::cmd::up_aws::ENDPOINT_FILE;

/// Walks the IAM checks of `token`, as an API server with the IAM settings `iam` makes them;
/// the mappings are read from `cluster`.
pub(super) async fn walk(
    iam: &IamArgs,
    cluster: &Cluster<'_>,
    token: &str,
    now: SystemTime,
    report: &mut Report,
) -> anyhow::Result<()> {
    let settings = iam.settings()?;
    let Some(mut settings) = settings else {
        anyhow::bail!(
            "an EKS-style IAM token: give the API server's --aws-iam-cluster-id (and --aws-iam-sts-endpoint, or --data-dir of a `kubeward up --aws-iam-cluster-id`)"
        );
    };
    if let Some(dir) = cluster.data_dir
        && settings.config.sts_endpoint.is_none()
        && let Ok(url) = std::fs::read_to_string(dir.join(ENDPOINT_FILE))
    {
        settings.config.sts_endpoint = Some(url.trim().to_string());
        if settings.sts_ca_pem.is_none() {
            settings.sts_ca_pem = std::fs::read_to_string(dir.join("pki/ca.crt")).ok();
        }
    }
    let config: IamConfig = settings.config.clone();
    report.authenticator = Some(format!(
        "EKS-style IAM tokens (aws-iam-authenticator; cluster id {:?}, partition {})",
        config.cluster_id, config.partition
    ));
    let iam = Iam::new(config.clone()).map_err(anyhow::Error::msg)?;
    let mut steps: Vec<Step> = Vec::new();
    let parsed = iam
        .verifier()
        .parse_traced(token, now, &mut |s| steps.push(s));
    for step in &steps {
        report.pass(step.name, step.detail.clone());
    }
    if let Err(error) = parsed {
        let hint = match &error {
            kubeward_authn::iam::FormatError::Expired(_) => {
                Some("tokens are valid 15 minutes after X-Amz-Date: get a fresh one".to_string())
            }
            kubeward_authn::iam::FormatError::Host(_) => Some(
                "the token must name the real STS host: run `aws eks get-token` without AWS_ENDPOINT_URL_STS".into(),
            ),
            _ => None,
        };
        let reason = IamError::from(error.clone()).to_string();
        report.fail(error.step(), reason.clone(), hint);
        report.logged = Some(reason);
        return Ok(());
    }
    let Check::Call(call) = iam.check(token, now)? else {
        unreachable!("a new authenticator has no cache");
    };
    let client = kubeward_server::sts_client(settings.sts_ca_pem.as_deref().map(str::as_bytes))?;
    let endpoint = config
        .sts_endpoint
        .clone()
        .unwrap_or_else(|| format!("https://{}", call.presigned.host));
    let reply = match kubeward_server::send_sts(&client, &call).await {
        Ok(reply) => reply,
        Err(error) => {
            let reason = error.to_string();
            report.fail(
                "sts",
                reason.clone(),
                Some(format!("GET {endpoint} failed")),
            );
            report.logged = Some(reason);
            return Ok(());
        }
    };
    let caller =
        kubeward_authn::iam::sts::parse_reply(&reply, &call.presigned.region).and_then(|c| {
            kubeward_authn::iam::sts::identity(
                c,
                &call.presigned.access_key_id,
                &call.presigned.host,
            )
        });
    let identity = match caller {
        Ok(identity) => identity,
        Err(error) => {
            let hint = sts_hint(&error, &config.cluster_id);
            let reason = error.to_string();
            report.fail("sts", reason.clone(), hint);
            report.logged = Some(reason);
            return Ok(());
        }
    };
    report.pass(
        "sts",
        format!(
            "{endpoint} vouched for {} (account {}, user id {})",
            identity.arn, identity.account_id, identity.user_id
        ),
    );
    report.pass("canonical ARN", identity.canonical_arn.clone());
    let mut mappings = cluster_mappings(cluster).await?;
    mappings.file = settings.mapping_file.clone();
    match user_info(&identity, &mappings) {
        Ok(user) => {
            let mapped = mappings.map(&identity)?;
            let what = match mapped.kind {
                EntryKind::Role => "mapRoles entry",
                EntryKind::User => "mapUsers entry",
                EntryKind::Account => "mapAccounts account",
                EntryKind::AccessEntry => "access entry",
            };
            report.pass(
                "mapping",
                format!(
                    "{} {what} {} → user {:?}, groups {:?}",
                    mapped.source.name(),
                    mapped.key,
                    user.name,
                    user.groups
                ),
            );
            report.user = Some(kubeward_authn::add_authenticated_group(user));
        }
        Err(error) => {
            let hint = match mappings.nearest(&identity.canonical_arn) {
                Some((source, key, distance)) => format!(
                    "nearest mapping: {key} ({}, {distance} characters apart); add one with `kubeward eks iamidentitymapping create --arn {}`",
                    source.name(),
                    identity.canonical_arn
                ),
                None => format!(
                    "no mappings at all; add one with `kubeward eks iamidentitymapping create --arn {}`",
                    identity.canonical_arn
                ),
            };
            let reason = error.to_string();
            report.fail("mapping", reason.clone(), Some(hint));
            report.logged = Some(reason);
        }
    }
    Ok(())
}

fn sts_hint(error: &StsError, cluster_id: &str) -> Option<String> {
    let StsError::Status { body, .. } = error else {
        return None;
    };
    if body.contains("SignatureDoesNotMatch") {
        Some(format!(
            "STS computed another signature: the token was altered, signed with another secret, or made for another cluster than {cluster_id:?} (aws eks get-token --cluster-name)"
        ))
    } else if body.contains("InvalidClientTokenId") {
        Some("STS does not know the access key that signed the token".into())
    } else if body.contains("ExpiredToken") {
        Some("the temporary credentials that signed the token have expired".into())
    } else {
        None
    }
}

/// The `aws-auth` ConfigMap and the access entries of the cluster (the admin kubeconfig of
/// --data-dir, else --kubeconfig, else the default one); none when they cannot be read.
async fn cluster_mappings(cluster: &Cluster<'_>) -> anyhow::Result<Mappings> {
    let client = cluster.client().await?;
    let api: Api<ConfigMap> = Api::namespaced(client, aws_auth::NAMESPACE);
    let aws_auth_map = api
        .get_opt(aws_auth::NAME)
        .await
        .context("reading kube-system/aws-auth")?;
    let data = aws_auth_map.and_then(|cm| cm.data).unwrap_or_default();
    let parsed = aws_auth::parse(|k| data.get(k).map(String::as_str));
    let entries = api
        .get_opt(access_entries::CONFIG_MAP_NAME)
        .await
        .context("reading the access entries")?
        .and_then(|cm| cm.data)
        .and_then(|d| d.get(access_entries::DATA_KEY).cloned())
        .unwrap_or_default();
    Ok(Mappings {
        config_map: parsed.into_mapper(),
        access_entries: access_entries::AccessEntries::new(access_entries::parse(&entries).0),
        ..Mappings::default()
    })
}
