use super::*;

#[test]
fn the_adapter_json_is_printed_as_jackson_prints_it() {
    let mut realm = Realm::new("r".into(), "demo".into());
    let mut client = Client::new("c".into(), "app".into());
    client.public_client = false;
    client.secret = Some("s3".into());
    realm.clients.push(client.clone());
    let fields = adapter_config(&realm, &client, "https://idp.example/");
    let pairs: Vec<(&str, &Value)> = fields.iter().map(|(k, v)| (*k, v)).collect();
    assert_eq!(
        pretty_object(&pairs, 0),
        "{\n  \"realm\" : \"demo\",\n  \"auth-server-url\" : \"https://idp.example/\",\n  \"ssl-required\" : \"external\",\n  \"resource\" : \"app\",\n  \"credentials\" : {\n    \"secret\" : \"s3\"\n  },\n  \"confidential-port\" : 0\n}"
    );
}

#[test]
fn a_public_client_has_no_credentials() {
    let realm = Realm::new("r".into(), "demo".into());
    let mut client = Client::new("c".into(), "cli".into());
    client.public_client = true;
    let keys: Vec<&str> = adapter_config(&realm, &client, "u")
        .iter()
        .map(|(k, _)| *k)
        .collect();
    assert_eq!(
        keys,
        [
            "realm",
            "auth-server-url",
            "ssl-required",
            "resource",
            "public-client",
            "confidential-port"
        ]
    );
}
