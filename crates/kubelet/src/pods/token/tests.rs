use super::*;
use k8s_openapi::api::core::v1::{
    PodSpec, ProjectedVolumeSource, ServiceAccountTokenProjection, Volume, VolumeProjection,
};

fn pod(spec: PodSpec) -> Pod {
    Pod {
        spec: Some(spec),
        ..Pod::default()
    }
}

#[test]
fn the_default_service_account_gets_the_kube_api_access_token() {
    let source = source_of(&pod(PodSpec::default())).unwrap();
    assert_eq!(source.service_account, "default");
    assert_eq!(source.expiration_seconds, 3607);
    assert_eq!(source.audience, None);
    let opted_out = PodSpec {
        automount_service_account_token: Some(false),
        ..PodSpec::default()
    };
    assert_eq!(source_of(&pod(opted_out)), None);
}

#[test]
fn a_projected_volume_sets_lifetime_and_audience() {
    let spec = PodSpec {
        service_account_name: Some("dev-k8s".into()),
        volumes: Some(vec![Volume {
            name: "kube-api-access-x7k2q".into(),
            projected: Some(ProjectedVolumeSource {
                sources: Some(vec![VolumeProjection {
                    service_account_token: Some(ServiceAccountTokenProjection {
                        audience: Some("vault".into()),
                        expiration_seconds: Some(7200),
                        path: "token".into(),
                    }),
                    ..VolumeProjection::default()
                }]),
                ..ProjectedVolumeSource::default()
            }),
            ..Volume::default()
        }]),
        ..PodSpec::default()
    };
    let source = source_of(&pod(spec)).unwrap();
    assert_eq!(
        source,
        TokenSource {
            volume: "kube-api-access-x7k2q".into(),
            service_account: "dev-k8s".into(),
            expiration_seconds: 7200,
            audience: Some("vault".into()),
        }
    );
}

#[test]
fn tokens_are_refreshed_at_eighty_percent_of_their_life() {
    let issued = Timestamp::from_second(1_700_000_000).unwrap();
    assert_eq!(
        refresh_at(issued, 3607),
        Timestamp::from_second(1_700_000_000 + 2885).unwrap()
    );
    assert_eq!(
        refresh_at(issued, 10 * 24 * 3600),
        Timestamp::from_second(1_700_000_000 + 24 * 3600).unwrap()
    );
}

#[test]
fn the_kubeconfig_reads_the_token_file_and_defaults_to_the_pods_namespace() {
    let config = kubeconfig(
        "https://127.0.0.1:6443",
        Path::new("/lab/pods/u/serviceaccount"),
        "dev-team",
    );
    assert!(config.contains("server: https://127.0.0.1:6443\n"));
    assert!(config.contains("certificate-authority: /lab/pods/u/serviceaccount/ca.crt\n"));
    assert!(config.contains("tokenFile: /lab/pods/u/serviceaccount/token\n"));
    assert!(config.contains("namespace: dev-team\n"));
}
