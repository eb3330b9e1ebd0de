//! Seed 004's IAM users with the real AWS CLI (PyPI `awscli`) against the local AWS of
//! `kubeward up --aws-iam-cluster-id myeks`: create-user, create-access-key,
//! attach-user-policy, list-users, `sts get-caller-identity`, `aws eks get-token` — whose token
//! `kubeward auth explain` checks and whose presigned request the local STS verifies —,
//! assumed roles mapped through a glob, bad tokens refused by STS, and delete-user. PyPI
//! `moto` answers the same IAM, STS and EC2 calls: the response shapes must agree. A node:
//! `ec2 run-instances`, its role assumed with the instance id as session name, mapped through
//! `system:node:{{EC2PrivateDNSName}}`, which the API server asks the local EC2 for.

use serde_json::Value;

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden::{self as steps, Ran};

/// A `kubeward up` with its local AWS; the URL and account from its banner.
struct Lab {
    cluster: Cluster,
    url: String,
    account: String,
}

fn lab() -> Lab {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let cluster = Cluster::up_with(
        dir,
        &[
            "--aws-iam-cluster-id".into(),
            "myeks".into(),
            "--aws-port".into(),
            "0".into(),
        ],
    );
    let line = cluster
        .banner
        .lines()
        .find_map(|l| l.strip_prefix("Local AWS (IAM, STS, EC2, EKS): "))
        .unwrap_or_else(|| panic!("no local AWS in the banner:\n{}", cluster.banner))
        .to_string();
    let (url, rest) = line.split_once(" (account ").unwrap();
    let account = rest.trim_end_matches(')').to_string();
    Lab {
        url: url.to_string(),
        account,
        cluster,
    }
}

impl Lab {
    /// Runs `command` with the AWS CLI set up as the banner says (IAM endpoint exported, the
    /// root's credentials file, the cluster CA); `$STS` is the endpoint for STS commands.
    fn sh(&self, command: &str) -> Ran {
        let kubeward = assert_cmd::cargo::cargo_bin("kubeward");
        steps::bash(
            &self.cluster,
            &format!(
                "export PATH={python}:$PATH\nexport AWS_SHARED_CREDENTIALS_FILE=$R/aws-credentials AWS_CA_BUNDLE=$P/ca.crt \
                 AWS_DEFAULT_REGION=ap-northeast-2 AWS_ENDPOINT_URL_IAM={url} AWS_ENDPOINT_URL_EC2={url} AWS_ENDPOINT_URL_EKS={url} STS={url} \
                 AWS_EC2_METADATA_DISABLED=true AWS_CONFIG_FILE=$A/aws-config KW={kw}\n{command}",
                url = self.url,
                kw = kubeward.display(),
                python = python_dir()
            ),
        )
    }

    fn json(&self, command: &str) -> Value {
        let ran = self.sh(command);
        assert_eq!(ran.code, 0, "{command}\n{}\n{}", ran.stdout, ran.stderr);
        serde_json::from_str(&ran.stdout)
            .unwrap_or_else(|e| panic!("{command}: {e}\n{}", ran.stdout))
    }

    /// `kubeward auth explain` of the token in `$W/token` as the API server would check it.
    fn explain(&self, cluster_id: &str) -> Ran {
        self.sh(&format!(
            "$KW auth explain --token-file $W/token --data-dir $R --aws-iam-cluster-id {cluster_id}"
        ))
    }
}

/// The folder of the `python3` (and `aws`) that the tests' own `PATH` finds first: the one
/// `.ci/run` installed the PyPI peers into (the steps put `/usr/bin` first for kubectl).
fn python_dir() -> String {
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .find(|dir| dir.join("python3").is_file() && dir.join("aws").is_file())
        })
        .map(|dir| dir.display().to_string())
        .unwrap_or_else(|| "/usr/bin".into())
}

/// The token of `aws eks get-token`, into `$W/token` (run with the caller's credentials in
/// `env`, and without AWS_ENDPOINT_URL_STS, as kubectl's exec plugin runs it).
fn get_token(lab: &Lab, env: &str) {
    let ran = lab.sh(&format!(
        "{env} aws eks get-token --cluster-name myeks --output json > $W/exec.json && python3 -c \"import json;print(json.load(open('$W/exec.json'))['status']['token'],end='')\" > $W/token"
    ));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
}

#[test]
fn seed_004_iam_users_with_the_aws_cli_and_the_local_sts() {
    let lab = lab();
    let arn = format!("arn:aws:iam::{}:user/testuser", lab.account);

    let created = lab.json("aws iam create-user --user-name testuser");
    assert_eq!(created["User"]["UserName"], "testuser");
    assert_eq!(created["User"]["Arn"], arn.as_str());
    assert_eq!(created["User"]["Path"], "/");
    let key = lab.json("aws iam create-access-key --user-name testuser");
    let key_id = key["AccessKey"]["AccessKeyId"]
        .as_str()
        .unwrap()
        .to_string();
    let secret = key["AccessKey"]["SecretAccessKey"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(key["AccessKey"]["Status"], "Active");
    let attached = lab.sh(
        "aws iam attach-user-policy --policy-arn arn:aws:iam::aws:policy/AdministratorAccess --user-name testuser",
    );
    assert_eq!(
        (attached.code, attached.stdout.as_str()),
        (0, ""),
        "{}",
        attached.stderr
    );
    let users = lab.json("aws iam list-users");
    assert_eq!(users["Users"][0]["UserName"], "testuser");

    let as_testuser = format!("AWS_ACCESS_KEY_ID={key_id} AWS_SECRET_ACCESS_KEY={secret}");
    let me = lab.json(&format!(
        "{as_testuser} AWS_ENDPOINT_URL_STS=$STS aws sts get-caller-identity"
    ));
    assert_eq!(me["Arn"], arn.as_str());
    assert_eq!(me["Account"], lab.account.as_str());
    assert!(me["UserId"].as_str().unwrap().starts_with("AIDA"));
    // testuser has AdministratorAccess: IAM calls with its key work too.
    let again = lab.json(&format!("{as_testuser} aws iam list-users"));
    assert_eq!(again["Users"].as_array().unwrap().len(), 1);

    // aws eks get-token signs for the real STS host; the local STS verifies it.
    get_token(&lab, &as_testuser);
    let unmapped = lab.explain("myeks");
    assert_eq!(unmapped.code, 1, "{}\n{}", unmapped.stdout, unmapped.stderr);
    assert!(unmapped.stdout.contains("✔ sts"), "{}", unmapped.stdout);
    assert!(
        unmapped
            .stdout
            .contains(&format!("the API server logs: ARN is not mapped: {arn}")),
        "{}",
        unmapped.stdout
    );
    let mapped = lab.sh(&format!(
        "$KW eks iamidentitymapping create --cluster myeks --username testuser --group system:masters --arn {arn} >/dev/null && $KW auth explain --token-file $W/token --data-dir $R --aws-iam-cluster-id myeks -o json"
    ));
    assert_eq!(mapped.code, 0, "{}\n{}", mapped.stdout, mapped.stderr);
    let report: Value = serde_json::from_str(&mapped.stdout).unwrap();
    assert_eq!(report["user"]["username"], "testuser");
    assert_eq!(
        report["user"]["groups"],
        serde_json::json!(["system:masters", "system:authenticated"])
    );
    assert_eq!(report["user"]["extra"]["arn"], serde_json::json!([arn]));
    assert_eq!(
        report["user"]["extra"]["accessKeyId"],
        serde_json::json!([key_id])
    );

    // Bad tokens, refused by the local STS's signature check.
    let other_cluster = lab.explain("another-cluster");
    assert_eq!(other_cluster.code, 1);
    assert!(
        other_cluster.stdout.contains("SignatureDoesNotMatch"),
        "{}",
        other_cluster.stdout
    );
    let tamper = lab.sh(
        "python3 - <<'PY'\nimport base64,os\nw=os.environ['W']\nt=open(w+'/token').read()[11:]\nu=base64.urlsafe_b64decode(t+'='*(-len(t)%4)).decode()\ni=u.index('X-Amz-Signature=')+16\nu=u[:i]+('0' if u[i]!='0' else '1')+u[i+1:]\nopen(w+'/token','w').write('k8s-aws-v1.'+base64.urlsafe_b64encode(u.encode()).decode().rstrip('='))\nPY",
    );
    assert_eq!(tamper.code, 0, "{}", tamper.stderr);
    let tampered = lab.explain("myeks");
    assert!(tampered.stdout.contains("✖ sts"), "{}", tampered.stdout);
    assert!(
        tampered.stdout.contains("SignatureDoesNotMatch"),
        "{}",
        tampered.stdout
    );
    get_token(
        &lab,
        "AWS_ACCESS_KEY_ID=AKIAUNKNOWNUNKNOWN00 AWS_SECRET_ACCESS_KEY=unknownunknownunknownunknownunknownunkno",
    );
    let unknown = lab.explain("myeks");
    assert!(
        unknown.stdout.contains("InvalidClientTokenId"),
        "{}",
        unknown.stdout
    );

    // An assumed role, mapped through a glob in mapRoles.
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"{arn}"}},"Action":"sts:AssumeRole"}}]}}"#
    );
    let role = lab.json(&format!(
        "aws iam create-role --role-name eks-dev --assume-role-policy-document '{trust}'"
    ));
    assert!(role["Role"]["RoleId"].as_str().unwrap().starts_with("AROA"));
    let assumed = lab.json(&format!(
        "{as_testuser} AWS_ENDPOINT_URL_STS=$STS aws sts assume-role --role-arn arn:aws:iam::{}:role/eks-dev --role-session-name alice",
        lab.account
    ));
    let creds = &assumed["Credentials"];
    let as_alice = format!(
        "AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_SESSION_TOKEN={}",
        creds["AccessKeyId"].as_str().unwrap(),
        creds["SecretAccessKey"].as_str().unwrap(),
        creds["SessionToken"].as_str().unwrap()
    );
    let alice = lab.json(&format!(
        "{as_alice} AWS_ENDPOINT_URL_STS=$STS aws sts get-caller-identity"
    ));
    assert_eq!(
        alice["Arn"],
        format!("arn:aws:sts::{}:assumed-role/eks-dev/alice", lab.account)
    );
    get_token(&lab, &as_alice);
    let glob = lab.sh(&format!(
        "$KW eks iamidentitymapping create --cluster myeks --arn 'arn:aws:iam::{}:role/eks-*' --username 'dev:{{{{SessionName}}}}' --group devs >/dev/null && $KW auth explain --token-file $W/token --data-dir $R --aws-iam-cluster-id myeks -o json",
        lab.account
    ));
    assert_eq!(glob.code, 0, "{}\n{}", glob.stdout, glob.stderr);
    let report: Value = serde_json::from_str(&glob.stdout).unwrap();
    assert_eq!(report["user"]["username"], "dev:alice");
    assert_eq!(
        report["user"]["extra"]["sessionName"],
        serde_json::json!(["alice"])
    );
    assert_eq!(
        report["user"]["extra"]["canonicalArn"],
        serde_json::json!([format!("arn:aws:iam::{}:role/eks-dev", lab.account)])
    );
    // The same session through the API server: kubectl's exec plugin with the assumed role's
    // credentials, the role's sessions mapped by the glob.
    let whoami = lab.sh(&format!(
        "aws eks update-kubeconfig --name myeks --user-alias alice --kubeconfig $W/alice.kubeconfig >/dev/null \
         && {as_alice} kubectl --kubeconfig $W/alice.kubeconfig auth whoami -o jsonpath='{{.status.userInfo.username}} {{.status.userInfo.groups}} {{.status.userInfo.uid}}'"
    ));
    assert_eq!(whoami.code, 0, "{}", whoami.stderr);
    let role_id = role["Role"]["RoleId"].as_str().unwrap();
    assert_eq!(
        whoami.stdout,
        format!(
            "dev:alice [\"devs\",\"system:authenticated\"] aws-iam-authenticator:{}:{role_id}",
            lab.account
        )
    );

    // delete-user, as IAM wants it: keys and policies first.
    let refused = lab.sh("aws iam delete-user --user-name testuser");
    // AWS CLI v1 (PyPI) exits 255 on a service error.
    assert_eq!(refused.code, 255);
    assert!(
        refused.stderr.contains("An error occurred (DeleteConflict) when calling the DeleteUser operation: Cannot delete entity, must delete access keys first."),
        "{}",
        refused.stderr
    );
    lab.json("aws iam create-user --user-name tmpuser");
    let deleted = lab.sh("aws iam delete-user --user-name tmpuser");
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    let missing = lab.sh("aws iam delete-user --user-name tmpuser");
    assert!(missing.stderr.contains("(NoSuchEntity) when calling the DeleteUser operation: The user with name tmpuser cannot be found."), "{}", missing.stderr);
}

/// The key paths of a JSON document (`User.Arn`, `Users[].UserName`, …).
fn shape(value: &Value, prefix: &str, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "ResponseMetadata" {
                    continue;
                }
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.push(path.clone());
                shape(v, &path, out);
            }
        }
        Value::Array(items) => {
            for item in items {
                shape(item, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

/// The same calls through boto3 against kubeward's local AWS and against moto (EKS's
/// DescribeCluster included): the parsed responses have the same fields.
#[test]
fn response_shapes_agree_with_moto() {
    let lab = lab();
    let script = r#"
import json, os, sys
os.environ['MOTO_IAM_LOAD_MANAGED_POLICIES'] = 'true'
import boto3
from moto import mock_aws

def calls(iam, sts, assume, describe_cluster):
    out = {}
    out['DescribeCluster'] = describe_cluster()
    out['CreateUser'] = iam.create_user(UserName='testuser')
    key = iam.create_access_key(UserName='testuser')
    out['CreateAccessKey'] = key
    out['AttachUserPolicy'] = iam.attach_user_policy(UserName='testuser', PolicyArn='arn:aws:iam::aws:policy/AdministratorAccess')
    out['ListUsers'] = iam.list_users()
    trust = json.dumps({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": out['CreateUser']['User']['Arn']}, "Action": "sts:AssumeRole"}]})
    role = iam.create_role(RoleName='eks-dev', AssumeRolePolicyDocument=trust)
    out['CreateRole'] = role
    out['GetCallerIdentity'] = sts.get_caller_identity()
    user_sts = assume(key['AccessKey'])
    out['AssumeRole'] = user_sts.assume_role(RoleArn=role['Role']['Arn'], RoleSessionName='alice')
    iam.create_user(UserName='tmpuser')
    out['DeleteUser'] = iam.delete_user(UserName='tmpuser')
    for v in out.values():
        v.pop('ResponseMetadata', None)
    return out

url = os.environ['URL']
ca = os.environ['CA']
def local(kind, key=None):
    kw = dict(region_name='ap-northeast-2', endpoint_url=url, verify=ca)
    if key:
        kw.update(aws_access_key_id=key['AccessKeyId'], aws_secret_access_key=key['SecretAccessKey'])
    return boto3.Session(profile_name='default').client(kind, **kw) if not key else boto3.client(kind, **kw)
ours = calls(local('iam'), local('sts'), lambda k: local('sts', k), lambda: local('eks').describe_cluster(name='myeks'))

def moto_cluster():
    eks = boto3.client('eks', region_name='us-east-1')
    eks.create_cluster(name='myeks', roleArn='arn:aws:iam::123456789012:role/eks', resourcesVpcConfig={}, tags={})
    return eks.describe_cluster(name='myeks')

for name in ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_ENDPOINT_URL_IAM', 'AWS_ENDPOINT_URL_STS', 'AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_EKS', 'AWS_CA_BUNDLE']:
    os.environ.pop(name, None)
os.environ['AWS_ACCESS_KEY_ID'] = 'testing'
os.environ['AWS_SECRET_ACCESS_KEY'] = 'testing'
with mock_aws():
    theirs = calls(boto3.client('iam', region_name='us-east-1'), boto3.client('sts', region_name='us-east-1'),
                   lambda k: boto3.client('sts', region_name='us-east-1', aws_access_key_id=k['AccessKeyId'], aws_secret_access_key=k['SecretAccessKey']),
                   moto_cluster)
print(json.dumps({'ours': ours, 'moto': theirs}, default=str))
"#;
    std::fs::write(lab.cluster.scratch("shapes.py"), script).unwrap();
    let ran = lab.sh(&format!(
        "URL={} CA=$P/ca.crt python3 $A/shapes.py",
        lab.url
    ));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let both: Value = serde_json::from_str(&ran.stdout).unwrap();
    let actions = both["moto"].as_object().unwrap();
    assert_eq!(actions.len(), 9);
    for (action, theirs) in actions {
        let mut want = Vec::new();
        shape(theirs, "", &mut want);
        let mut got = Vec::new();
        shape(&both["ours"][action], "", &mut got);
        want.sort();
        want.dedup();
        got.sort();
        got.dedup();
        // moto adds a few fields AWS returns only sometimes (PermissionsBoundary, Tags,
        // RoleLastUsed, PackedPolicySize); every field kubeward answers, moto answers too.
        let missing: Vec<&String> = got.iter().filter(|p| !want.contains(p)).collect();
        assert!(
            missing.is_empty(),
            "{action}: fields moto does not have: {missing:?}"
        );
        let core: Vec<&String> = want
            .iter()
            .filter(|p| {
                ![
                    "Tags",
                    "PermissionsBoundary",
                    "RoleLastUsed",
                    "PackedPolicySize",
                    "Description",
                    "SourceIdentity",
                ]
                .iter()
                .any(|optional| p.contains(optional))
            })
            .collect();
        if action == "DescribeCluster" {
            // The local EKS answers what `aws eks update-kubeconfig` reads (name, ARN, endpoint,
            // CA, status, version), not the VPC, logging and OIDC settings of a cluster it
            // does not have.
            for field in [
                "cluster.arn",
                "cluster.endpoint",
                "cluster.certificateAuthority.data",
                "cluster.status",
            ] {
                assert!(
                    got.contains(&field.to_string()),
                    "DescribeCluster lacks {field}"
                );
            }
            continue;
        }
        let lacking: Vec<&&String> = core.iter().filter(|p| !got.contains(p)).collect();
        assert!(
            lacking.is_empty(),
            "{action}: fields kubeward lacks: {lacking:?}"
        );
    }
}

/// The good token with one change each: 30 tokens the API server must refuse with a 401.
fn bad_tokens(good: &str) -> Vec<(String, String)> {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let url = String::from_utf8(engine.decode(&good[11..]).unwrap()).unwrap();
    let encode = |u: &str| format!("k8s-aws-v1.{}", engine.encode(u));
    let edits: Vec<(&str, &str, &str)> = vec![
        (
            "tampered signature",
            "X-Amz-Signature=",
            "X-Amz-Signature=0",
        ),
        ("expired", "X-Amz-Date=2", "X-Amz-Date=1"),
        (
            "X-Amz-Expires over 900",
            "X-Amz-Expires=60",
            "X-Amz-Expires=901",
        ),
        (
            "negative X-Amz-Expires",
            "X-Amz-Expires=60",
            "X-Amz-Expires=-1",
        ),
        ("unsigned x-k8s-aws-id", "host%3Bx-k8s-aws-id", "host"),
        (
            "foreign host",
            "https://sts.",
            "https://sts.evil.example.com/?x=sts.",
        ),
        (
            "local host",
            "https://sts.ap-northeast-2.amazonaws.com",
            "https://127.0.0.1",
        ),
        ("http scheme", "https://", "http://"),
        (
            "extra Action",
            "Action=GetCallerIdentity",
            "Action=GetCallerIdentity&Action=AssumeRole",
        ),
        (
            "other Action",
            "Action=GetCallerIdentity",
            "Action=AssumeRole",
        ),
        (
            "double encoding",
            "Action=GetCallerIdentity",
            "Action=%2547etCallerIdentity",
        ),
        (
            "duplicate parameter",
            "Version=",
            "version=2011-06-15&Version=",
        ),
        ("unknown parameter", "Version=", "RoleArn=x&Version="),
        ("path", ".com/?", ".com/x?"),
        ("path traversal", ".com/?", ".com/../?"),
        ("encoded slash", ".com/?", ".com/%2F?"),
        ("no path", ".com/?", ".com?"),
        ("user info", "https://", "https://user@"),
        ("fragment", "X-Amz-Signature=", "#X-Amz-Signature="),
        ("semicolon", "&Version=", ";Version="),
        ("bad escape", "Version=", "Version=%zz"),
        ("other version", "Version=2011-06-15", "Version=2012-01-01"),
        ("other algorithm", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512"),
        ("no date", "X-Amz-Date=", "X-Amz-Datum="),
        ("bad date", "X-Amz-Date=20", "X-Amz-Date=xx"),
        (
            "other region host",
            "sts.ap-northeast-2.amazonaws.com",
            "sts.us-east-1.amazonaws.com",
        ),
        (
            "China partition host",
            "sts.ap-northeast-2.amazonaws.com",
            "sts.cn-north-1.amazonaws.com.cn",
        ),
    ];
    let mut out: Vec<(String, String)> = edits
        .into_iter()
        .map(|(name, from, to)| (name.to_string(), encode(&url.replacen(from, to, 1))))
        .collect();
    out.push(("no prefix".into(), good[11..].to_string()));
    out.push(("padded base64".into(), format!("{good}==")));
    out.push(("oversize".into(), format!("{good}{}", "A".repeat(4096))));
    out
}

/// Seed 004's end: kubectl with the `aws eks get-token` exec block of `update-kubeconfig`
/// against the API server, which verifies the token with the local STS and maps it through
/// `kube-system/aws-auth` as it is at each request; then thirty bad tokens, each an exact 401.
#[test]
fn seed_004_kubectl_with_iam_tokens_through_the_api_server() {
    let lab = lab();
    let arn = format!("arn:aws:iam::{}:user/testuser", lab.account);
    lab.json("aws iam create-user --user-name testuser");
    let key = lab.json("aws iam create-access-key --user-name testuser");
    let as_testuser = format!(
        "AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={}",
        key["AccessKey"]["AccessKeyId"].as_str().unwrap(),
        key["AccessKey"]["SecretAccessKey"].as_str().unwrap()
    );
    let setup = lab.sh(&format!(
        "aws iam attach-user-policy --policy-arn arn:aws:iam::aws:policy/AdministratorAccess --user-name testuser \
         && $KW eks iamidentitymapping create --cluster myeks --username testuser --group system:masters --arn {arn} >/dev/null \
         && cd $W && cp $KUBECONFIG config && $KW eks update-kubeconfig --name myeks --user-alias testuser --region ap-northeast-2 --kubeconfig config"
    ));
    assert_eq!(setup.code, 0, "{}", setup.stderr);
    // kubectl 1.31 prints `-v6` lines as the seed shows them (newer ones log structured).
    let kubectl = |args: &str| {
        lab.sh(&format!(
            "{as_testuser} {} --kubeconfig $W/config {args}",
            kubeward_testkit::kubectl_version(31).display()
        ))
    };
    let request_line = |ran: &Ran, answer: &str| {
        let want = format!(
            "round_trippers.go:553] GET {}/api/v1/nodes?limit=500 {answer} in ",
            lab.cluster.server
        );
        assert!(ran.stderr.contains(&want), "{want}\n{}", ran.stderr);
    };

    let allowed = kubectl("get node -v6");
    assert_eq!(allowed.code, 0, "{}", allowed.stderr);
    request_line(&allowed, "200 OK");
    assert!(
        allowed.stderr.ends_with("No resources found\n"),
        "{}",
        allowed.stderr
    );

    // `kubectl edit cm -n kube-system aws-auth`, the editor changing the group.
    let edited = lab.sh(
        "KUBE_EDITOR='sed -i s/system:masters/system:authenticated/' kubectl edit cm -n kube-system aws-auth",
    );
    assert_eq!(
        (edited.code, edited.stdout.as_str()),
        (0, "configmap/aws-auth edited\n"),
        "{}",
        edited.stderr
    );
    let listed = lab.sh("$KW eks iamidentitymapping get --cluster myeks");
    assert!(
        listed.stdout.contains(&arn) && listed.stdout.contains("system:authenticated"),
        "{}",
        listed.stdout
    );
    let forbidden = kubectl("get node -v6");
    assert_eq!(forbidden.code, 1);
    request_line(&forbidden, "403 Forbidden");
    assert!(
        forbidden.stderr.ends_with(
            "Error from server (Forbidden): nodes is forbidden: User \"testuser\" cannot list resource \"nodes\" in API group \"\" at the cluster scope\n"
        ),
        "{}",
        forbidden.stderr
    );

    let deleted = lab.sh(&format!(
        "$KW eks iamidentitymapping delete --cluster myeks --arn {arn}"
    ));
    assert_eq!(deleted.code, 0, "{}", deleted.stderr);
    assert!(
        deleted.stdout.contains(&format!(
            "removing identity \"{arn}\" from auth ConfigMap (username = \"testuser\", groups = [\"system:authenticated\"])"
        )),
        "{}",
        deleted.stdout
    );
    let unauthorized = kubectl("get node -v6");
    assert_eq!(unauthorized.code, 1);
    request_line(&unauthorized, "401 Unauthorized");
    assert!(
        unauthorized
            .stderr
            .ends_with("error: You must be logged in to the server (Unauthorized)\n"),
        "{}",
        unauthorized.stderr
    );

    // Thirty bad tokens, the good one mapped again: each an exact 401, the server still up.
    let mapped = lab.sh(&format!(
        "$KW eks iamidentitymapping create --cluster myeks --username testuser --group system:masters --arn {arn}"
    ));
    assert_eq!(mapped.code, 0, "{}", mapped.stderr);
    get_token(&lab, &as_testuser);
    let good = std::fs::read_to_string(lab.cluster.scratch("w/token")).unwrap();
    let curl = |token: &str| {
        std::fs::write(lab.cluster.scratch("w/bearer"), token).unwrap();
        lab.sh(
            "curl -sS -A kubeward-test -w '\n%{http_code}' --cacert $P/ca.crt -H \"Authorization: Bearer $(cat $W/bearer)\" $API/api/v1/nodes",
        )
        .stdout
    };
    assert!(curl(&good).ends_with("\n200"));
    let tokens = bad_tokens(&good);
    assert_eq!(tokens.len(), 30);
    for (name, token) in tokens {
        assert_eq!(
            curl(&token),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}\n\n401",
            "{name}"
        );
    }
    // Two more that only STS can refuse: a token for another cluster id (x-k8s-aws-id signed
    // with another value) and one signed with an access key IAM does not know.
    let sts_refused = [
        (
            "wrong cluster id",
            format!("{as_testuser} aws eks get-token --cluster-name another-cluster"),
            "SignatureDoesNotMatch",
        ),
        (
            "unknown access key",
            "AWS_ACCESS_KEY_ID=AKIAUNKNOWNUNKNOWN00 AWS_SECRET_ACCESS_KEY=unknownunknownunknownunknownunknownunkno aws eks get-token --cluster-name myeks".to_string(),
            "InvalidClientTokenId",
        ),
    ];
    let mut seen = vec![good.clone()];
    for (name, command, reason) in sts_refused {
        let ran = lab.sh(&format!(
            "{command} --output json | python3 -c \"import json,sys;print(json.load(sys.stdin)['status']['token'],end='')\""
        ));
        assert_eq!(ran.code, 0, "{name}: {}", ran.stderr);
        assert_eq!(
            curl(&ran.stdout),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Unauthorized\",\"reason\":\"Unauthorized\",\"code\":401}\n\n401",
            "{name}"
        );
        assert!(
            lab.cluster.log().contains(reason),
            "{name}: no {reason} in the server's log"
        );
        seen.push(ran.stdout);
    }
    // Each refusal logged its reason, and no token (nor its presigned URL) is in the log.
    let log = lab.cluster.log();
    for reason in [
        "invalid bearer token, input token was not properly formatted: X-Amz-Date parameter is expired",
        "invalid bearer token, input token was not properly formatted: client did not sign the x-k8s-aws-id header",
        "invalid bearer token, input token was not properly formatted: unexpected scheme",
        "invalid bearer token, input token was not properly formatted: token is too large",
    ] {
        assert!(log.contains(reason), "no {reason:?} in the log");
    }
    for token in &seen {
        assert!(!log.contains(&token[11..60]), "a token is in the log");
    }
    assert!(
        !log.contains("X-Amz-Signature="),
        "a presigned URL is in the log"
    );
    let up = lab.cluster.kubectl(&["get", "--raw", "/readyz"]);
    assert!(up.status.success());
}

#[test]
fn thirty_bad_tokens_are_refused_by_the_checks_or_the_local_sts() {
    let lab = lab();
    let key = lab.json("aws iam create-user --user-name testuser >/dev/null && aws iam create-access-key --user-name testuser");
    let as_testuser = format!(
        "AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={}",
        key["AccessKey"]["AccessKeyId"].as_str().unwrap(),
        key["AccessKey"]["SecretAccessKey"].as_str().unwrap()
    );
    get_token(&lab, &as_testuser);
    let good = std::fs::read_to_string(lab.cluster.scratch("w/token")).unwrap();
    let arn = format!("arn:aws:iam::{}:user/testuser", lab.account);
    let mapped = lab.sh(&format!(
        "$KW eks iamidentitymapping create --cluster myeks --username testuser --group system:masters --arn {arn} >/dev/null && $KW auth explain --token-file $W/token --data-dir $R --aws-iam-cluster-id myeks"
    ));
    assert_eq!(mapped.code, 0, "the good token: {}", mapped.stdout);
    for (name, token) in bad_tokens(&good) {
        std::fs::write(lab.cluster.scratch("w/token"), &token).unwrap();
        let refused = lab.explain("myeks");
        assert_eq!(refused.code, 1, "{name} was accepted:\n{}", refused.stdout);
        assert!(
            refused
                .stdout
                .contains("401 Unauthorized; the API server logs: "),
            "{name}: {}",
            refused.stdout
        );
    }
}

/// A node as EKS sees one: an instance from `aws ec2 run-instances`, its role assumed with the
/// instance id as session name, `aws-auth` mapping the role to
/// `system:node:{{EC2PrivateDNSName}}`; the API server asks the local EC2's DescribeInstances
/// for the name. A session named after an instance EC2 does not know gets 401.
#[test]
fn a_node_is_named_after_its_instance_s_private_dns_name() {
    let lab = lab();
    let ran = lab.json(
        "aws ec2 run-instances --image-id ami-0c9c942bd7bf113a2 --count 1 --instance-type t3.medium --iam-instance-profile Name=eks-node",
    );
    let instance = &ran["Instances"][0];
    let id = instance["InstanceId"].as_str().unwrap().to_string();
    let dns = instance["PrivateDnsName"].as_str().unwrap().to_string();
    let ip = instance["PrivateIpAddress"].as_str().unwrap();
    assert_eq!(
        dns,
        format!(
            "ip-{}.ap-northeast-2.compute.internal",
            ip.replace('.', "-")
        )
    );
    assert_eq!(
        instance["IamInstanceProfile"]["Arn"],
        format!("arn:aws:iam::{}:instance-profile/eks-node", lab.account)
    );
    let described = lab.json(&format!("aws ec2 describe-instances --instance-ids {id}"));
    assert_eq!(
        described["Reservations"][0]["Instances"][0]["PrivateDnsName"],
        dns.as_str()
    );
    assert_eq!(
        described["Reservations"][0]["Instances"][0]["State"]["Name"],
        "running"
    );

    let role = format!("arn:aws:iam::{}:role/eks-node", lab.account);
    let trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"AWS":"arn:aws:iam::{}:root"}},"Action":"sts:AssumeRole"}}]}}"#,
        lab.account
    );
    let setup = lab.sh(&format!(
        "aws iam create-role --role-name eks-node --assume-role-policy-document '{trust}' >/dev/null \
         && $KW eks iamidentitymapping create --cluster myeks --arn {role} --username 'system:node:{{{{EC2PrivateDNSName}}}}' --group system:bootstrappers --group system:nodes >/dev/null \
         && cd $W && cp $KUBECONFIG node-config && $KW eks update-kubeconfig --name myeks --user-alias node --region ap-northeast-2 --kubeconfig node-config"
    ));
    assert_eq!(setup.code, 0, "{}", setup.stderr);
    let as_session = |session: &str| {
        let assumed = lab.json(&format!(
            "AWS_ENDPOINT_URL_STS=$STS aws sts assume-role --role-arn {role} --role-session-name {session}"
        ));
        let c = &assumed["Credentials"];
        format!(
            "AWS_ACCESS_KEY_ID={} AWS_SECRET_ACCESS_KEY={} AWS_SESSION_TOKEN={}",
            c["AccessKeyId"].as_str().unwrap(),
            c["SecretAccessKey"].as_str().unwrap(),
            c["SessionToken"].as_str().unwrap()
        )
    };

    let node = as_session(&id);
    let whoami = lab.sh(&format!(
        "{node} kubectl --kubeconfig $W/node-config auth whoami"
    ));
    assert_eq!(whoami.code, 0, "{}", whoami.stderr);
    let rows: Vec<Vec<&str>> = whoami
        .stdout
        .lines()
        .map(|l| l.split_whitespace().collect())
        .collect();
    assert_eq!(rows[0], ["ATTRIBUTE", "VALUE"], "{}", whoami.stdout);
    assert_eq!(
        rows[1],
        ["Username", &format!("system:node:{dns}")],
        "{}",
        whoami.stdout
    );
    assert_eq!(
        rows[3],
        [
            "Groups",
            "[system:bootstrappers",
            "system:nodes",
            "system:authenticated]"
        ],
        "{}",
        whoami.stdout
    );
    // Terminated since: the name, once known, is kept (as aws-iam-authenticator's cache).
    let terminated = lab.json(&format!("aws ec2 terminate-instances --instance-ids {id}"));
    assert_eq!(
        terminated["TerminatingInstances"][0]["CurrentState"]["Name"],
        "shutting-down"
    );
    let again = lab.sh(&format!(
        "{node} kubectl --kubeconfig $W/node-config auth whoami -o jsonpath='{{.status.userInfo.username}}'"
    ));
    assert_eq!(
        again.stdout,
        format!("system:node:{dns}"),
        "{}",
        again.stderr
    );

    // A session named after an instance the local EC2 never ran: 401.
    let stranger = as_session("i-0123456789abcdef0");
    let refused = lab.sh(&format!(
        "{stranger} kubectl --kubeconfig $W/node-config auth whoami"
    ));
    assert_eq!(refused.code, 1);
    assert!(
        refused
            .stderr
            .ends_with("error: You must be logged in to the server (Unauthorized)\n"),
        "{}",
        refused.stderr
    );
    let log = lab.cluster.log();
    assert!(
        log.contains("failed querying private DNS from EC2 API for node i-0123456789abcdef0: InvalidInstanceID.NotFound: The instance ID 'i-0123456789abcdef0' does not exist"),
        "{log}"
    );
}

/// RunInstances, DescribeInstances and TerminateInstances through boto3 against the local EC2
/// and against moto: every field the local EC2 answers, moto answers too, and the fields a
/// node's lookup and a lab read are there.
#[test]
fn ec2_response_shapes_agree_with_moto() {
    let lab = lab();
    let script = r#"
import json, os
import boto3
from moto import mock_aws

def calls(ec2):
    out = {}
    ran = ec2.run_instances(ImageId='ami-12c6146b', MinCount=1, MaxCount=1, InstanceType='t3.medium')
    out['RunInstances'] = ran
    iid = ran['Instances'][0]['InstanceId']
    out['DescribeInstances'] = ec2.describe_instances(InstanceIds=[iid])
    out['TerminateInstances'] = ec2.terminate_instances(InstanceIds=[iid])
    try:
        ec2.describe_instances(InstanceIds=['i-0123456789abcdef0'])
    except Exception as e:
        out['NotFound'] = {'Code': e.response['Error']['Code']}
    for v in out.values():
        v.pop('ResponseMetadata', None)
    return out

ours = calls(boto3.Session(profile_name='default').client('ec2', region_name='ap-northeast-2', endpoint_url=os.environ['URL'], verify=os.environ['CA']))
for name in ['AWS_SHARED_CREDENTIALS_FILE', 'AWS_ENDPOINT_URL_EC2', 'AWS_ENDPOINT_URL_IAM', 'AWS_CA_BUNDLE']:
    os.environ.pop(name, None)
os.environ['AWS_ACCESS_KEY_ID'] = 'testing'
os.environ['AWS_SECRET_ACCESS_KEY'] = 'testing'
with mock_aws():
    theirs = calls(boto3.client('ec2', region_name='ap-northeast-2'))
print(json.dumps({'ours': ours, 'moto': theirs}, default=str))
"#;
    std::fs::write(lab.cluster.scratch("ec2_shapes.py"), script).unwrap();
    let ran = lab.sh(&format!(
        "URL={} CA=$P/ca.crt python3 $A/ec2_shapes.py",
        lab.url
    ));
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let both: Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(both["ours"]["NotFound"], both["moto"]["NotFound"]);
    assert_eq!(
        both["ours"]["NotFound"]["Code"],
        "InvalidInstanceID.NotFound"
    );
    let required = [
        "Instances[].InstanceId",
        "Instances[].PrivateDnsName",
        "Instances[].PrivateIpAddress",
        "Instances[].State.Name",
        "Reservations[].Instances[].PrivateDnsName",
        "Reservations[].OwnerId",
        "TerminatingInstances[].CurrentState.Code",
        "TerminatingInstances[].PreviousState.Name",
    ];
    let mut seen = Vec::new();
    for action in ["RunInstances", "DescribeInstances", "TerminateInstances"] {
        let mut want = Vec::new();
        shape(&both["moto"][action], "", &mut want);
        let mut got = Vec::new();
        shape(&both["ours"][action], "", &mut got);
        assert!(!got.is_empty(), "{action}: {}", both["ours"][action]);
        let missing: Vec<&String> = got.iter().filter(|p| !want.contains(p)).collect();
        assert!(
            missing.is_empty(),
            "{action}: fields moto does not have: {missing:?}"
        );
        seen.extend(got);
    }
    for path in required {
        assert!(seen.iter().any(|p| p == path), "no {path} in {seen:?}");
    }
}

/// The commands of the README's seed 004 EKS block after `kubeward up` (comment lines
/// skipped, `\` continuations joined), each with the fragments its trailing `# …` comment says
/// it prints (split at `…` and at column gaps).
fn readme_eks_commands() -> Vec<(String, Vec<String>)> {
    let readme = std::fs::read_to_string(kubeward_testkit::repo().join("README.md")).unwrap();
    let section = &readme[readme.find("### Seed 004 — EKS").expect("the EKS section")..];
    let block = &section[section.find("```bash\n").expect("its bash block") + 8..];
    let block = &block[..block.find("\n```").unwrap()];
    let mut commands = Vec::new();
    let mut lines = block.lines().skip(1); // `kubeward up …`: the test's own
    while let Some(line) = lines.next() {
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let mut text = line.to_string();
        while text.ends_with('\\') {
            text.push('\n');
            text.push_str(lines.next().unwrap());
        }
        let (command, expect) = match text.split_once("   # ") {
            Some((command, comment)) => (command.trim_end().to_string(), comment.to_string()),
            None => (text, String::new()),
        };
        let fragments = expect
            .split('…')
            .flat_map(|part| part.split("  "))
            .map(str::trim)
            .filter(|f| !f.is_empty())
            .map(str::to_string)
            .collect();
        commands.push((command, fragments));
    }
    commands
}

/// The README's seed 004 EKS block, run as written in one bash session beside the test's
/// `kubeward up` (its data directory as `./kubeward-data`, its ports for 4599 and 6443), with
/// the real AWS CLI — `aws eks update-kubeconfig` asking the local EKS — and kubectl 1.31:
/// every command prints what its comment says.
#[test]
fn the_readme_s_eks_block_runs_as_written() {
    let lab = lab();
    let commands = readme_eks_commands();
    assert!(commands.len() >= 15, "{commands:?}");
    let mut script = String::from("cd $A && ln -s data kubeward-data\n");
    for (i, (command, _)) in commands.iter().enumerate() {
        let command = command
            .replace("https://127.0.0.1:4599", &lab.url)
            .replace("https://127.0.0.1:6443", &lab.cluster.server);
        script.push_str(&format!("{{\n{command}\n}} 2>&1\necho \"@@step {i} $?\"\n"));
    }
    let kubeward_dir = kubeward_testkit::kubeward_binary()
        .parent()
        .unwrap()
        .display()
        .to_string();
    let kubectl = lab.cluster.scratch("kubectl-1.31");
    std::fs::create_dir_all(&kubectl).unwrap();
    let _ = std::os::unix::fs::symlink(
        kubeward_testkit::kubectl_version(31),
        kubectl.join("kubectl"),
    );
    let ran = steps::bash_with(
        &lab.cluster,
        &format!(
            "export PATH={kubeward_dir}:{python}:$PATH AWS_EC2_METADATA_DISABLED=true\n{script}",
            python = python_dir()
        ),
        &kubectl.display().to_string(),
    );
    let mut output = ran.stdout.as_str();
    for (i, (command, fragments)) in commands.iter().enumerate() {
        let marker = format!("@@step {i} ");
        let at = output
            .find(&marker)
            .unwrap_or_else(|| panic!("{command} did not run:\n{}\n{}", ran.stdout, ran.stderr));
        let printed = &output[..at];
        let rest = &output[at + marker.len()..];
        let (code, rest) = rest.split_once('\n').unwrap();
        output = rest;
        for fragment in fragments {
            let fragment = fragment.replace("https://127.0.0.1:6443", &lab.cluster.server);
            assert!(
                printed.contains(&fragment),
                "{command}: {fragment:?} not in\n{printed}"
            );
        }
        let fails = fragments
            .iter()
            .any(|f| f.starts_with("Error from server") || f.starts_with("error: "));
        assert_eq!(code == "0", !fails, "{command} exited {code}:\n{printed}");
    }
}
