//! IAM tokens on the hot path: a repeated request answered from the cache (target < 1 µs),
//! the checks of an unseen token before STS is asked, and reading STS's reply into a mapped
//! user.

use std::hint::black_box;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use kubeward_authn::iam::mapping::{MapperSet, RoleMapping, UserMapping};
use kubeward_authn::iam::{Check, Iam, IamConfig, Mappings, StsReply};

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_796_385_600)
}

/// A token as `aws eks get-token` makes one: with an IAM user's key (the seed's `testuser`,
/// about 600 bytes), or with temporary credentials, whose session token makes it about 1.9 KB.
fn token(session: bool) -> String {
    let session = if session {
        format!("&X-Amz-Security-Token={}", "IQoJb3JpZ2luX2VjEJr".repeat(40))
    } else {
        String::new()
    };
    let url = format!(
        "https://sts.ap-northeast-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15\
         &X-Amz-Algorithm=AWS4-HMAC-SHA256\
         &X-Amz-Credential=ASIAIOSFODNN7EXAMPLE%2F20261204%2Fap-northeast-2%2Fsts%2Faws4_request\
         &X-Amz-Date=20261204T115500Z&X-Amz-Expires=60{session}\
         &X-Amz-SignedHeaders=host%3Bx-k8s-aws-id\
         &X-Amz-Signature=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
    );
    format!(
        "k8s-aws-v1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(url)
    )
}

/// An aws-auth of 200 users and 200 roles.
fn mappings() -> Mappings {
    let users = (0..200)
        .map(|i| UserMapping {
            userarn: format!("arn:aws:iam::390844768149:user/user{i}"),
            username: format!("user{i}"),
            groups: vec!["system:masters".into()],
            userid: String::new(),
        })
        .collect();
    let roles = (0..200)
        .map(|i| RoleMapping {
            rolearn: format!("arn:aws:iam::390844768149:role/role{i}"),
            username: "role:{{SessionName}}".into(),
            groups: vec!["devs".into()],
            ..RoleMapping::default()
        })
        .collect();
    Mappings {
        config_map: MapperSet::new(roles, users, vec![]),
        ..Mappings::default()
    }
}

fn reply() -> StsReply {
    StsReply {
        status: 200,
        body: br#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"390844768149","Arn":"arn:aws:sts::390844768149:assumed-role/role7/alice","UserId":"AROAVZ3QK7EXAMPLE:alice"},"ResponseMetadata":{"RequestId":"r"}}}"#.to_vec(),
    }
}

fn bench(c: &mut Criterion) {
    let iam = Iam::new(IamConfig::new("myeks")).unwrap();
    iam.set_mappings(mappings());
    for (name, token) in [
        ("IAM user key", token(false)),
        ("session token", token(true)),
    ] {
        let Check::Call(call) = iam.check(&token, now()).unwrap() else {
            unreachable!()
        };
        iam.identity(&call, &reply(), now()).unwrap();
        c.bench_function(
            &format!("iam: cached token, {name} ({} bytes)", token.len()),
            |b| {
                b.iter(|| match iam.check(black_box(&token), now()) {
                    Ok(Check::Cached(user)) => user,
                    _ => unreachable!(),
                })
            },
        );
        c.bench_function(
            &format!("iam: SHA-256 of the token alone ({} bytes)", token.len()),
            |b| b.iter(|| kubeward_authn::cache::key("aws-iam", &[black_box(token.as_bytes())])),
        );
    }
    let token = token(true);
    let fresh = Iam::new(IamConfig::new("myeks")).unwrap();
    fresh.set_mappings(mappings());
    let Check::Call(call) = fresh.check(&token, now()).unwrap() else {
        unreachable!()
    };
    c.bench_function("iam: checks of an unseen token (before STS)", |b| {
        b.iter(|| fresh.check(black_box(&token), now()).unwrap())
    });
    c.bench_function("iam: STS reply to mapped user (uncached)", |b| {
        b.iter(|| {
            fresh
                .identity(black_box(&call), black_box(&reply()), now())
                .unwrap()
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
