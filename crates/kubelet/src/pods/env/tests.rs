use super::*;
use k8s_openapi::api::core::v1::{
    ConfigMapKeySelector, EnvFromSource, EnvVar, EnvVarSource, ObjectFieldSelector, PodSpec,
    SecretEnvSource,
};

fn pod() -> Pod {
    let mut pod = Pod::default();
    pod.metadata.name = Some("dev-kubectl".into());
    pod.metadata.namespace = Some("dev-team".into());
    pod.metadata.uid = Some("u-1".into());
    pod.spec = Some(PodSpec {
        service_account_name: Some("dev-k8s".into()),
        ..PodSpec::default()
    });
    pod
}

fn context<'a>(pod: &'a Pod, sources: &'a Sources) -> Context<'a> {
    Context {
        pod,
        node: "lab",
        host_ip: "127.0.0.1",
        api_host: "127.0.0.1",
        api_port: 6443,
        sources,
    }
}

fn var(name: &str, value: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value: Some(value.into()),
        ..EnvVar::default()
    }
}

#[test]
fn expansion_follows_kubernetes_rules() {
    let lookup = |name: &str| (name == "A").then(|| "x".to_string());
    assert_eq!(expand("$(A)-$(B)-$$(A)-$", &lookup), "x-$(B)-$(A)-$");
    assert_eq!(expand("$(A", &lookup), "$(A");
}

#[test]
fn the_api_server_the_downward_api_and_expansion_make_the_environment() {
    let pod = pod();
    let sources = Sources::default();
    let container = Container {
        name: "c".into(),
        env: Some(vec![
            var(
                "GREETING",
                "hello $(POD_NAME) on $(KUBERNETES_SERVICE_HOST)",
            ),
            EnvVar {
                name: "POD_NAME".into(),
                value_from: Some(EnvVarSource {
                    field_ref: Some(ObjectFieldSelector {
                        field_path: "metadata.name".into(),
                        ..ObjectFieldSelector::default()
                    }),
                    ..EnvVarSource::default()
                }),
                ..EnvVar::default()
            },
            var("AFTER", "$(POD_NAME)"),
        ]),
        command: Some(vec!["echo".into()]),
        args: Some(vec!["$(AFTER)".into(), "$(NOPE)".into()]),
        ..Container::default()
    };
    let env = container_env(&container, &context(&pod, &sources)).unwrap();
    let get = |name: &str| env.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str());
    // POD_NAME is defined after GREETING, so GREETING keeps the reference as written.
    assert_eq!(get("GREETING"), Some("hello $(POD_NAME) on 127.0.0.1"));
    assert_eq!(get("AFTER"), Some("dev-kubectl"));
    assert_eq!(get("KUBERNETES_SERVICE_PORT"), Some("6443"));
    assert_eq!(get("KUBERNETES_PORT"), Some("tcp://127.0.0.1:6443"));
    assert_eq!(
        command_line(&container, &env),
        ["echo", "dev-kubectl", "$(NOPE)"]
    );
}

#[test]
fn missing_config_maps_and_keys_are_create_container_config_errors() {
    let pod = pod();
    let mut sources = Sources::default();
    let by_key = |name: &str, key: &str, optional: Option<bool>| Container {
        env: Some(vec![EnvVar {
            name: "X".into(),
            value_from: Some(EnvVarSource {
                config_map_key_ref: Some(ConfigMapKeySelector {
                    name: name.into(),
                    key: key.into(),
                    optional,
                }),
                ..EnvVarSource::default()
            }),
            ..EnvVar::default()
        }]),
        ..Container::default()
    };
    assert_eq!(
        container_env(&by_key("cfg", "k", None), &context(&pod, &sources)),
        Err("configmap \"cfg\" not found".into())
    );
    sources.config_maps.insert(
        "cfg".into(),
        [("other".to_string(), "v".to_string())].into(),
    );
    assert_eq!(
        container_env(&by_key("cfg", "k", None), &context(&pod, &sources)),
        Err("couldn't find key k in ConfigMap dev-team/cfg".into())
    );
    assert!(container_env(&by_key("cfg", "k", Some(true)), &context(&pod, &sources)).is_ok());
    let from_secret = Container {
        env_from: Some(vec![EnvFromSource {
            prefix: Some("S_".into()),
            secret_ref: Some(SecretEnvSource {
                name: "creds".into(),
                optional: None,
            }),
            ..EnvFromSource::default()
        }]),
        ..Container::default()
    };
    assert_eq!(
        referenced(&from_secret),
        (vec![], vec!["creds".to_string()])
    );
    assert_eq!(
        container_env(&from_secret, &context(&pod, &sources)),
        Err("secret \"creds\" not found".into())
    );
    sources.secrets.insert(
        "creds".into(),
        [("user".to_string(), "me".to_string())].into(),
    );
    let env = container_env(&from_secret, &context(&pod, &sources)).unwrap();
    assert!(env.contains(&("S_user".to_string(), "me".to_string())));
}
