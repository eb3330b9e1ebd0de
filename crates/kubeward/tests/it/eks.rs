//! Seed 004's EKS administration against `kubeward up`, with the real kubectl reading what
//! `kubeward eks` wrote: eksctl's iamidentitymapping get/create/get, the seed's edit to
//! `system:authenticated`, delete with the seed's line, eksctl's errors; `aws eks
//! update-kubeconfig`'s exec block; access entries and their RBAC bindings.

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden::{self as steps, Ran};

const TESTUSER: &str = "arn:aws:iam::390844768149:user/testuser";

fn kubeward(cluster: &Cluster, args: &str) -> Ran {
    let binary = assert_cmd::cargo::cargo_bin("kubeward");
    steps::bash(cluster, &format!("{} {args}", binary.display()))
}

/// `YYYY-MM-DD HH:MM:SS [ℹ]  ` stripped from eksctl log lines.
fn without_timestamps(text: &str) -> String {
    let stamp = regex::Regex::new(r"(?m)^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d ").unwrap();
    stamp.replace_all(text, "").into_owned()
}

#[test]
fn seed_004_iamidentitymapping_on_the_aws_auth_config_map() {
    let cluster = Cluster::up();
    let listed = kubeward(&cluster, "eks iamidentitymapping get --cluster myeks");
    assert_eq!(
        (listed.code, listed.stdout.as_str()),
        (0, "No iamidentitymappings found\n")
    );

    let created = kubeward(
        &cluster,
        &format!(
            "eks iamidentitymapping create --cluster myeks --username testuser --group system:masters --arn {TESTUSER}"
        ),
    );
    assert_eq!(created.code, 0, "{}", created.stderr);
    assert_eq!(
        without_timestamps(&created.stdout),
        format!(
            "[ℹ]  checking arn {TESTUSER} against entries in the auth ConfigMap\n[ℹ]  adding identity \"{TESTUSER}\" to auth ConfigMap\n"
        )
    );

    let listed = kubeward(&cluster, "eks iamidentitymapping get --cluster myeks");
    assert_eq!(
        listed.stdout,
        format!(
            "ARN\t\t\t\t\tUSERNAME\tGROUPS\t\tACCOUNT\n{TESTUSER}\ttestuser\tsystem:masters\t\n"
        )
    );

    // The real kubectl reads the ConfigMap eksctl's way of writing left.
    let map_users = steps::bash(
        &cluster,
        "kubectl get cm -n kube-system aws-auth -o jsonpath='{.data.mapUsers}'",
    );
    assert_eq!(
        map_users.stdout,
        format!("- groups:\n  - system:masters\n  userarn: {TESTUSER}\n  username: testuser\n")
    );

    // kubectl edit cm -n kube-system aws-auth: system:masters → system:authenticated
    let edited = steps::bash(
        &cluster,
        "kubectl get cm -n kube-system aws-auth -o yaml | sed 's/system:masters/system:authenticated/' | kubectl replace -f -",
    );
    assert_eq!(
        edited.stdout, "configmap/aws-auth replaced\n",
        "{}",
        edited.stderr
    );
    let listed = kubeward(
        &cluster,
        "eks iamidentitymapping get --cluster myeks -o json",
    );
    assert_eq!(
        listed.stdout,
        format!(
            "[\n    {{\n        \"userarn\": \"{TESTUSER}\",\n        \"username\": \"testuser\",\n        \"groups\": [\n            \"system:authenticated\"\n        ]\n    }}\n]"
        )
    );
    let listed = kubeward(
        &cluster,
        "eks iamidentitymapping get --cluster myeks -o yaml",
    );
    assert_eq!(
        listed.stdout,
        format!(
            "- groups:\n  - system:authenticated\n  userarn: {TESTUSER}\n  username: testuser\n"
        )
    );

    let deleted = kubeward(
        &cluster,
        &format!("eks iamidentitymapping delete --cluster myeks --arn {TESTUSER}"),
    );
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    assert_eq!(
        without_timestamps(&deleted.stdout),
        format!(
            "[ℹ]  removing identity \"{TESTUSER}\" from auth ConfigMap (username = \"testuser\", groups = [\"system:authenticated\"])\n"
        )
    );
    let listed = kubeward(&cluster, "eks iamidentitymapping get --cluster myeks");
    assert_eq!(listed.stdout, "No iamidentitymappings found\n");

    // eksctl's errors.
    let again = kubeward(
        &cluster,
        &format!("eks iamidentitymapping delete --cluster myeks --arn {TESTUSER}"),
    );
    assert_eq!(
        (again.code, again.stderr.as_str()),
        (
            1,
            format!("Error: instance identity ARN \"{TESTUSER}\" not found in auth ConfigMap\n")
                .as_str()
        )
    );
    let missing = kubeward(
        &cluster,
        &format!("eks iamidentitymapping get --cluster myeks --arn {TESTUSER}"),
    );
    assert_eq!(
        missing.stderr,
        format!("Error: no iamidentitymapping with arn \"{TESTUSER}\" found\n")
    );
    let no_cluster = kubeward(
        &cluster,
        &format!("eks iamidentitymapping create --arn {TESTUSER} --username u"),
    );
    assert_eq!(no_cluster.stderr, "Error: --cluster must be set\n");
    let neither = kubeward(
        &cluster,
        "eks iamidentitymapping create --cluster myeks --arn arn:aws:iam::390844768149:group/devs --username u",
    );
    assert_eq!(neither.stderr, "Error: arn is neither user nor role\n");
    let both = kubeward(&cluster, "eks iamidentitymapping delete --cluster myeks");
    assert_eq!(
        both.stderr,
        "Error: either --arn or --account must be set\n"
    );

    // Accounts.
    let account = kubeward(
        &cluster,
        "eks iamidentitymapping create --cluster myeks --account 390844768149",
    );
    assert_eq!(
        without_timestamps(&account.stdout),
        "[ℹ]  adding account \"390844768149\" to auth ConfigMap\n"
    );
    let listed = kubeward(&cluster, "eks iamidentitymapping get --cluster myeks");
    assert_eq!(
        listed.stdout,
        "ARN\tUSERNAME\tGROUPS\tACCOUNT\n\t\t\t\t390844768149\n"
    );
}

#[test]
fn update_kubeconfig_writes_the_seed_exec_block() {
    let cluster = Cluster::up();
    // Into a copy of the admin kubeconfig: the cluster's server and CA come from its context.
    let added = steps::bash(
        &cluster,
        &format!(
            "cp $KUBECONFIG $W/config && {} eks update-kubeconfig --name myeks --user-alias testuser --region ap-northeast-2 --kubeconfig $W/config",
            assert_cmd::cargo::cargo_bin("kubeward").display()
        ),
    );
    assert_eq!(
        added.stdout,
        format!(
            "Added new context testuser to {}\n",
            cluster.scratch("w/config").display()
        )
    );
    let args = steps::bash(
        &cluster,
        "kubectl --kubeconfig $W/config config view -o jsonpath='{.users[?(@.name==\"testuser\")].user.exec}'",
    );
    let exec: serde_json::Value = serde_json::from_str(&args.stdout).expect("exec JSON");
    assert_eq!(exec["apiVersion"], "client.authentication.k8s.io/v1beta1");
    assert_eq!(exec["command"], "aws");
    assert_eq!(
        exec["args"],
        serde_json::json!([
            "--region",
            "ap-northeast-2",
            "eks",
            "get-token",
            "--cluster-name",
            "myeks",
            "--output",
            "json"
        ])
    );
    let context = steps::bash(
        &cluster,
        "kubectl --kubeconfig $W/config config current-context",
    );
    assert_eq!(context.stdout, "testuser\n");
    let server = steps::bash(
        &cluster,
        "kubectl --kubeconfig $W/config config view -o jsonpath='{.clusters[?(@.name==\"myeks\")].cluster.server}'",
    );
    assert_eq!(server.stdout, cluster.server);
    let updated = steps::bash(
        &cluster,
        &format!(
            "{} eks update-kubeconfig --name myeks --user-alias testuser --region ap-northeast-2 --kubeconfig $W/config",
            assert_cmd::cargo::cargo_bin("kubeward").display()
        ),
    );
    assert_eq!(
        updated.stdout,
        format!(
            "Updated context testuser in {}\n",
            cluster.scratch("w/config").display()
        )
    );
    let mode = std::fs::metadata(cluster.scratch("w/config")).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    assert_eq!(mode.permissions().mode() & 0o777, 0o600);
}

#[test]
fn access_entries_with_policies_become_rbac_bindings() {
    let cluster = Cluster::up();
    let create = "eks access-entry create --cluster-name myeks --principal-arn arn:aws:iam::390844768149:role/dev \
         --kubernetes-groups devs --type STANDARD --policy-arn AmazonEKSEditPolicy \
         --access-scope type=namespace,namespaces=dev-team,infra-team";
    let early = kubeward(&cluster, create);
    assert_eq!(early.code, 254);
    assert!(
        early.stderr.contains("namespace \"dev-team\" not found"),
        "{}",
        early.stderr
    );
    let made = steps::bash(
        &cluster,
        "kubectl create namespace dev-team && kubectl create namespace infra-team",
    );
    assert_eq!(made.code, 0, "{}", made.stderr);
    let created = kubeward(&cluster, create);
    assert_eq!(created.code, 0, "{}\n{}", created.stdout, created.stderr);
    let described: serde_json::Value = serde_json::from_str(&created.stdout).unwrap();
    assert_eq!(
        described["accessEntry"]["username"],
        "arn:aws:sts::390844768149:assumed-role/dev/{{SessionName}}"
    );
    let bindings = steps::bash(
        &cluster,
        "kubectl get rolebindings -A -o jsonpath='{range .items[*]}{.metadata.namespace}/{.metadata.name}:{.roleRef.name}:{.subjects[0].name}{\"\\n\"}{end}' | grep eks:",
    );
    assert_eq!(
        bindings.stdout,
        "dev-team/eks:access-policy:AmazonEKSEditPolicy:edit:eks:access-policy:AmazonEKSEditPolicy:dev-team\n\
         infra-team/eks:access-policy:AmazonEKSEditPolicy:edit:eks:access-policy:AmazonEKSEditPolicy:infra-team\n"
    );
    // What RBAC now answers for a session of the role.
    let can = steps::bash(
        &cluster,
        "kubectl auth can-i create deployments -n dev-team --as arn:aws:sts::390844768149:assumed-role/dev/alice --as-group eks:access-policy:AmazonEKSEditPolicy:dev-team",
    );
    assert_eq!(can.stdout, "yes\n");
    let listed = kubeward(&cluster, "eks access-entry list --cluster-name myeks");
    assert_eq!(
        listed.stdout,
        "{\n    \"accessEntries\": [\n        \"arn:aws:iam::390844768149:role/dev\"\n    ]\n}\n"
    );
    let duplicate = kubeward(
        &cluster,
        "eks access-entry create --cluster-name myeks --principal-arn arn:aws:iam::390844768149:role/dev",
    );
    assert_eq!(duplicate.code, 254);
    assert!(
        duplicate.stderr.contains("(ResourceInUseException)"),
        "{}",
        duplicate.stderr
    );
    let reserved = kubeward(
        &cluster,
        "eks access-entry create --cluster-name myeks --principal-arn arn:aws:iam::390844768149:user/x --kubernetes-groups system:masters",
    );
    assert!(
        reserved.stderr.contains("cannot start with system:"),
        "{}",
        reserved.stderr
    );
    let deleted = kubeward(
        &cluster,
        "eks access-entry delete --cluster-name myeks --principal-arn arn:aws:iam::390844768149:role/dev",
    );
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    let left = steps::bash(
        &cluster,
        "kubectl get rolebindings -A | grep -c eks: || true",
    );
    assert_eq!(left.stdout, "0\n");
    let missing = kubeward(
        &cluster,
        "eks access-entry delete --cluster-name myeks --principal-arn arn:aws:iam::390844768149:role/dev",
    );
    assert!(missing.stderr.contains("(ResourceNotFoundException)"));
}
