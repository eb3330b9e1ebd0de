use super::*;

#[test]
fn methods_map_to_the_kubelets_verbs() {
    assert_eq!(verb(&http::Method::POST), "create");
    assert_eq!(verb(&http::Method::GET), "get");
    assert_eq!(verb(&http::Method::DELETE), "delete");
}

#[test]
fn the_forbidden_text_is_the_kubelets() {
    let user = User {
        name: "jane".into(),
        groups: vec![],
    };
    assert_eq!(
        forbidden_message(&user, "create", "proxy"),
        "Forbidden (user=jane, verb=create, resource=nodes, subresource=proxy)"
    );
}

#[test]
fn the_certificate_names_the_user_and_groups() {
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "kube-apiserver-kubelet-client");
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "system:masters");
    let key = rcgen::KeyPair::generate().unwrap();
    let certificate = params.self_signed(&key).unwrap();
    assert_eq!(
        user_of(certificate.der()),
        Some(User {
            name: "kube-apiserver-kubelet-client".into(),
            groups: vec!["system:masters".into()],
        })
    );
    assert_eq!(user_of(b"not a certificate"), None);
}
