use super::*;
use crate::flows::error::ErrorCode;
use crate::model::Client;

fn realm() -> Realm {
    let mut realm = Realm::new("r".into(), "demo".into());
    let mut confidential = Client::new("1".into(), "kubernetes-client".into());
    confidential.secret = Some("s3cret".into());
    realm.add_client(confidential).unwrap();
    let mut public = Client::new("2".into(), "kubectl".into());
    public.public_client = true;
    realm.add_client(public).unwrap();
    realm
}

#[test]
fn basic_and_post_credentials_authenticate() {
    let realm = realm();
    // "kubernetes-client:s3cret"
    let basic = presented(Some("Basic a3ViZXJuZXRlcy1jbGllbnQ6czNjcmV0"), None, None).unwrap();
    assert_eq!(
        authenticate(&realm, &basic).unwrap().client_id,
        "kubernetes-client"
    );
    let post = presented(None, Some("kubernetes-client"), Some("s3cret")).unwrap();
    assert_eq!(
        authenticate(&realm, &post).unwrap().client_id,
        "kubernetes-client"
    );
    let public = presented(None, Some("kubectl"), None).unwrap();
    assert_eq!(authenticate(&realm, &public).unwrap().client_id, "kubectl");
}

#[test]
fn wrong_missing_or_unknown_credentials_are_401_invalid_client() {
    let realm = realm();
    for p in [
        presented(None, Some("kubernetes-client"), Some("nope")).unwrap(),
        presented(None, Some("kubernetes-client"), None).unwrap(),
        presented(None, Some("ghost"), Some("s3cret")).unwrap(),
    ] {
        let e = authenticate(&realm, &p).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidClient);
        assert_eq!(
            e.description,
            "Invalid client or Invalid client credentials"
        );
        assert!(e.unauthorized);
    }
    assert!(presented(Some("Basic !!!"), None, None).is_err());
}

#[test]
fn basic_parts_are_form_decoded() {
    // "a%3Ab:c+d%25" → id "a:b", secret "c d%"
    let header = format!("Basic {}", STANDARD.encode("a%3Ab:c+d%25"));
    let p = presented(Some(&header), None, None).unwrap();
    assert_eq!(p.client_id.as_deref(), Some("a:b"));
    assert_eq!(p.client_secret.as_deref(), Some("c d%"));
}
