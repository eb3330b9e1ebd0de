//! Unit tests of flag parsing: kubelogin's names, defaults and Go flag habits.

use clap::Parser as _;

use super::*;

fn get_token(args: &[&str]) -> GetTokenArgs {
    let mut argv = vec!["kubectl-oidc_login", "get-token"];
    argv.extend_from_slice(args);
    match PluginCli::try_parse_from(argv).expect("parses").command {
        LoginCommand::GetToken(args) => args,
        other => panic!("{other:?}"),
    }
}

#[test]
fn defaults_are_kubelogin_s() {
    let args = get_token(&["--oidc-issuer-url=https://idp", "--oidc-client-id=c"]);
    assert_eq!(
        args.auth.listen_address,
        vec!["127.0.0.1:8000", "127.0.0.1:18000"]
    );
    assert_eq!(args.auth.grant_type, GrantType::Auto);
    assert_eq!(args.auth.authentication_timeout_sec, 180);
    assert_eq!(args.provider.pkce_method, PkceMethod::Auto);
    assert!(!args.provider.insecure_skip_tls_verify);
    assert!(!args.force_refresh);
    assert_eq!(args.provider.provider().client_secret, None);
    match args.auth.interactive(&args.provider) {
        Interactive::AuthCode(flow) => {
            assert_eq!(flow.timeout, Duration::from_secs(180));
            assert_eq!(flow.use_pkce, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn go_style_booleans_and_the_last_value_wins() {
    let args = get_token(&[
        "--oidc-issuer-url=https://one",
        "--oidc-issuer-url=https://two",
        "--oidc-client-id=c",
        "--insecure-skip-tls-verify=true",
        "--force-refresh",
        "--skip-open-browser=false",
    ]);
    assert_eq!(args.provider.issuer_url, "https://two");
    assert!(args.provider.insecure_skip_tls_verify);
    assert!(args.force_refresh);
    assert!(!args.auth.skip_open_browser);
}

#[test]
fn repeatable_and_comma_separated_lists() {
    let args = get_token(&[
        "--oidc-extra-scope=email,profile",
        "--oidc-extra-scope=groups",
        "--listen-address=127.0.0.1:9000",
        "--oidc-auth-request-extra-params=prompt=consent,audience=k8s",
    ]);
    assert_eq!(
        args.provider.extra_scopes,
        vec!["email", "profile", "groups"]
    );
    assert_eq!(
        args.provider.provider().scope(),
        "email profile groups openid"
    );
    assert_eq!(args.auth.listen_address, vec!["127.0.0.1:9000"]);
    assert_eq!(
        args.auth.auth_request_extra_params,
        vec![
            ("prompt".to_string(), "consent".to_string()),
            ("audience".to_string(), "k8s".to_string())
        ]
    );
}

#[test]
fn auto_grant_is_password_with_a_username() {
    let args = get_token(&["--username=alice"]);
    assert_eq!(
        args.auth.interactive(&args.provider),
        Interactive::Password {
            username: Some("alice".into()),
            password: None
        }
    );
    let args = get_token(&["--grant-type=device-code", "--oidc-pkce-method=no"]);
    assert!(matches!(
        args.auth.interactive(&args.provider),
        Interactive::DeviceCode(_)
    ));
    assert!(PluginCli::try_parse_from(["k", "get-token", "--grant-type=magic"]).is_err());
}

#[test]
fn the_cache_directory_follows_flag_then_kubecachedir_then_home() {
    assert_eq!(
        cache_dir(None, None, Some("/home/u")),
        PathBuf::from("/home/u/.kube/cache/oidc-login")
    );
    assert_eq!(
        cache_dir(None, Some("/var/cache/kube"), Some("/home/u")),
        PathBuf::from("/var/cache/kube/oidc-login")
    );
    assert_eq!(
        cache_dir(Some("~/tokens"), Some("/x"), Some("/home/u")),
        PathBuf::from("/home/u/tokens")
    );
    assert_eq!(
        expand_home("/abs/path", Some("/home/u")),
        PathBuf::from("/abs/path")
    );
}

#[test]
fn missing_issuer_or_client_is_named() {
    let args = get_token(&["--oidc-client-id=c"]);
    assert_eq!(
        args.provider.check(),
        Err("--oidc-issuer-url is missing".to_string())
    );
    let args = get_token(&["--oidc-issuer-url=https://idp"]);
    assert_eq!(
        args.provider.check(),
        Err("--oidc-client-id is missing".to_string())
    );
}
