//! rolesum's layout, compared line by line with seed 004's outputs. The seed ran on EKS; the
//! parts a standard (kube-apiserver bootstrap) policy reproduces are Group system:masters, Group
//! system:authenticated and User system:kube-proxy; ServiceAccount kube-system/aws-node uses the
//! VPC CNI's ClusterRole from `aws-node.yaml`. Group system:nodes (eks:node-bootstrapper) is
//! EKS-only and left out.

use kubeward_rbac::{PolicyRule, Subject};

use super::*;
use crate::sources::{self, manifest};

fn bootstrap_with(extra: &str) -> Policy {
    let manifests = manifest::parse(extra, "fixture").expect("the fixture parses");
    sources::build_policy(manifests, true).policy
}

/// Compares `actual` with the seed's lines (the blog shows blank lines as a single space) up to
/// the seed's last line; what follows in `actual` must be blank.
fn assert_seed(actual: &str, seed: &str) {
    let expected: Vec<&str> = seed.lines().map(str::trim_end).collect();
    let got: Vec<&str> = actual.lines().collect();
    for (i, line) in expected.iter().enumerate() {
        assert_eq!(got.get(i).copied(), Some(*line), "line {}\n{actual}", i + 1);
    }
    assert!(
        got[expected.len()..].iter().all(|l| l.is_empty()),
        "extra lines:\n{actual}"
    );
}

const MASTERS: &str = "Group: system:masters
 
Policies:
• [CRB] */cluster-admin ⟶  [CR] */cluster-admin
  Resource  Name  Exclude  Verbs  G L W C U P D DC
  *.*       [*]     [-]     [-]   ✔ ✔ ✔ ✔ ✔ ✔ ✔ ✔";

const AUTHENTICATED: &str = "Group: system:authenticated
 
Policies:
• [CRB] */system:basic-user ⟶  [CR] */system:basic-user
  Resource                                       Name  Exclude  Verbs  G L W C U P D DC
  selfsubjectaccessreviews.authorization.k8s.io  [*]     [-]     [-]   ✖ ✖ ✖ ✔ ✖ ✖ ✖ ✖
  selfsubjectreviews.authentication.k8s.io       [*]     [-]     [-]   ✖ ✖ ✖ ✔ ✖ ✖ ✖ ✖
  selfsubjectrulesreviews.authorization.k8s.io   [*]     [-]     [-]   ✖ ✖ ✖ ✔ ✖ ✖ ✖ ✖
 
 
• [CRB] */system:discovery ⟶  [CR] */system:discovery
 
 
• [CRB] */system:public-info-viewer ⟶  [CR] */system:public-info-viewer";

const KUBE_PROXY: &str = "User: system:kube-proxy
 
Policies:
• [CRB] */system:node-proxier ⟶  [CR] */system:node-proxier
  Resource                         Name  Exclude  Verbs  G L W C U P D DC
  endpoints                        [*]     [-]     [-]   ✖ ✔ ✔ ✖ ✖ ✖ ✖ ✖
  endpointslices.discovery.k8s.io  [*]     [-]     [-]   ✖ ✔ ✔ ✖ ✖ ✖ ✖ ✖
  events.[,events.k8s.io]          [*]     [-]     [-]   ✖ ✖ ✖ ✔ ✔ ✔ ✖ ✖
  nodes                            [*]     [-]     [-]   ✔ ✔ ✔ ✖ ✖ ✖ ✖ ✖
  services                         [*]     [-]     [-]   ✖ ✔ ✔ ✖ ✖ ✖ ✖ ✖";

const AWS_NODE: &str = "ServiceAccount: kube-system/aws-node
Secrets:
 
Policies:
 
• [CRB] */aws-node ⟶  [CR] */aws-node
  Resource                                   Name  Exclude  Verbs  G L W C U P D DC
  cninodes.vpcresources.k8s.aws              [*]     [-]     [-]   ✔ ✔ ✔ ✖ ✖ ✔ ✖ ✖
  eniconfigs.crd.k8s.amazonaws.com           [*]     [-]     [-]   ✔ ✔ ✔ ✖ ✖ ✖ ✖ ✖
  events.[,events.k8s.io]                    [*]     [-]     [-]   ✖ ✔ ✖ ✔ ✖ ✔ ✖ ✖
  namespaces                                 [*]     [-]     [-]   ✔ ✔ ✔ ✖ ✖ ✖ ✖ ✖
  nodes                                      [*]     [-]     [-]   ✔ ✔ ✔ ✖ ✖ ✖ ✖ ✖
  pods                                       [*]     [-]     [-]   ✔ ✔ ✔ ✖ ✖ ✖ ✖ ✖
  policyendpoints.networking.k8s.aws         [*]     [-]     [-]   ✔ ✔ ✔ ✖ ✖ ✖ ✖ ✖
  policyendpoints.networking.k8s.aws/status  [*]     [-]     [-]   ✔ ✖ ✖ ✖ ✖ ✖ ✖ ✖";

#[test]
fn group_system_masters_as_in_seed_004() {
    let policy = bootstrap_with("");
    let summary = summarize(&policy, &Subject::Group("system:masters".into()), None);
    assert_seed(&render(&summary, Paint::PLAIN), MASTERS);
}

#[test]
fn group_system_authenticated_as_in_seed_004() {
    let policy = bootstrap_with("");
    let summary = summarize(
        &policy,
        &Subject::Group("system:authenticated".into()),
        None,
    );
    assert_seed(&render(&summary, Paint::PLAIN), AUTHENTICATED);
}

/// The bootstrap policy of kube-apiserver 1.33+ adds `servicecidrs.networking.k8s.io` (list,
/// watch) to system:node-proxier, which the seed's EKS 1.31 did not have: the seed's lines plus
/// that one row.
#[test]
fn user_system_kube_proxy_as_in_seed_004_plus_servicecidrs() {
    let policy = bootstrap_with("");
    let summary = summarize(&policy, &Subject::User("system:kube-proxy".into()), None);
    let services = "  services                         [*]     [-]     [-]   ✖ ✔ ✔ ✖ ✖ ✖ ✖ ✖";
    let expected = KUBE_PROXY.replace(
        services,
        &format!(
            "  servicecidrs.networking.k8s.io   [*]     [-]     [-]   ✖ ✔ ✔ ✖ ✖ ✖ ✖ ✖\n{services}"
        ),
    );
    assert_seed(&render(&summary, Paint::PLAIN), &expected);
}

#[test]
fn service_account_aws_node_as_in_seed_004() {
    let policy = bootstrap_with(include_str!("aws-node.yaml"));
    let subject = Subject::ServiceAccount {
        namespace: "kube-system".into(),
        name: "aws-node".into(),
    };
    let summary = summarize(&policy, &subject, Some("kube-system"));
    assert_seed(&render(&summary, Paint::PLAIN), AWS_NODE);
}

#[test]
fn a_later_rule_with_other_names_replaces_the_row_as_rolesum_does() {
    let rule = |verbs: &[&str], names: &[&str]| PolicyRule {
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        api_groups: vec![String::new()],
        resources: vec!["configmaps".into()],
        resource_names: names.iter().map(|s| s.to_string()).collect(),
        ..PolicyRule::default()
    };
    let merged = rows(&[rule(&["get"], &[]), rule(&["list", "escalate"], &[])]);
    assert_eq!(merged.len(), 1);
    assert_eq!(
        merged[0].checks,
        [true, true, false, false, false, false, false, false]
    );
    assert_eq!(merged[0].other_verbs, vec!["escalate".to_string()]);
    let replaced = rows(&[rule(&["get"], &[]), rule(&["update"], &["a"])]);
    assert_eq!(replaced[0].names, vec!["a".to_string()]);
    assert!(!replaced[0].checks[0]);
}

#[test]
fn colour_codes_do_not_shift_the_columns() {
    let policy = bootstrap_with("");
    let summary = summarize(&policy, &Subject::Group("system:masters".into()), None);
    let painted = render(&summary, Paint { enabled: true });
    assert!(painted.contains("\x1b[32m✔\x1b[0m"));
    let stripped: String = strip_ansi(&painted);
    assert_seed(&stripped, MASTERS);
}

fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for d in chars.by_ref() {
                if d == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}
