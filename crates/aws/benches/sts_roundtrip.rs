//! An uncached IAM token verified end to end against the local AWS on loopback: the token's
//! checks, the presigned `GetCallerIdentity` sent over HTTP, the local STS's SigV4 check (with
//! `aws-sigv4`), its answer read and mapped — what the API server pays once per token.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4;
use base64::Engine as _;
use criterion::{Criterion, criterion_group, criterion_main};
use kubeward_authn::iam::mapping::{MapperSet, UserMapping};
use kubeward_authn::iam::{Check, Iam, IamConfig, Mappings};
use kubeward_aws::State;
use kubeward_store::RedbStore;

/// A token as `aws eks get-token` makes it, signed with `aws-sigv4` at `now`.
fn token(key_id: &str, secret: &str, now: SystemTime) -> String {
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(60));
    let identity =
        aws_credential_types::Credentials::new(key_id, secret, None, None, "bench").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region("ap-northeast-2")
        .name("sts")
        .time(now)
        .settings(settings)
        .build()
        .unwrap();
    let url =
        "https://sts.ap-northeast-2.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15";
    let request = SignableRequest::new(
        "GET",
        url,
        [("x-k8s-aws-id", "myeks")].into_iter(),
        SignableBody::Bytes(b""),
    )
    .unwrap();
    let (instructions, _) = sign(request, &params.into()).unwrap().into_parts();
    let mut signed = http::Request::builder().uri(url).body(()).unwrap();
    instructions.apply_to_request_http1x(&mut signed);
    format!(
        "k8s-aws-v1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(signed.uri().to_string())
    )
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let store = Arc::new(RedbStore::in_memory().unwrap());
    #[allow(clippy::disallowed_methods)] // A benchmark reads the clock.
    let now = SystemTime::now();
    let (state, _) = State::open(store, now).unwrap();
    let user = state.create_user("testuser", "/", now).unwrap();
    let key = state.new_access_key("testuser", now).unwrap();
    let listener = runtime
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let address = listener.local_addr().unwrap();
    runtime.spawn(async move {
        axum::serve(listener, kubeward_aws::router(state, Default::default()))
            .await
            .unwrap();
    });
    let mut config = IamConfig::new("myeks");
    config.sts_endpoint = Some(format!("http://{address}"));
    let mappings = || Mappings {
        config_map: MapperSet::new(
            vec![],
            vec![UserMapping {
                userarn: user.arn.clone(),
                username: "testuser".into(),
                groups: vec!["system:masters".into()],
                userid: String::new(),
            }],
            vec![],
        ),
        ..Mappings::default()
    };
    let client = kubeward_server::sts_client(None).unwrap();
    let token = token(&key.access_key_id, &key.secret_access_key, now);
    c.bench_function(
        "iam: uncached token verified against the local STS (loopback HTTP)",
        |b| {
            b.iter(|| {
                let iam = Iam::new(config.clone()).unwrap();
                iam.set_mappings(mappings());
                let Check::Call(call) = iam.check(&token, now).unwrap() else {
                    unreachable!()
                };
                let reply = runtime
                    .block_on(kubeward_server::send_sts(&client, &call))
                    .unwrap();
                iam.identity(&call, &reply, now).unwrap()
            })
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
