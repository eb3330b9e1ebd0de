//! kubectl's table layout: upper-case headers, three spaces between columns, no trailing blanks.

use super::*;

#[test]
fn columns_are_padded_to_the_widest_cell() {
    let text = clients(&[
        ClientRow {
            client_id: "kubernetes-client".into(),
            public: false,
            enabled: true,
            grants: vec!["authorization_code", "password"],
            redirect_uris: vec!["http://localhost:8000".into()],
        },
        ClientRow {
            client_id: "cli".into(),
            public: true,
            enabled: false,
            grants: vec![],
            redirect_uris: vec![],
        },
    ]);
    assert_eq!(
        text,
        "CLIENT ID           TYPE           ENABLED   GRANTS                        REDIRECT URIS\n\
         kubernetes-client   confidential   true      authorization_code,password   http://localhost:8000\n\
         cli                 public         false\n"
    );
}

#[test]
fn an_empty_list_is_its_header() {
    assert_eq!(mappings(&[]), "ROLE   CLIENT\n");
    assert_eq!(
        groups(&[GroupRow {
            path: "/developers".into(),
            members: 1,
            realm_roles: vec!["k8s-user".into()],
            client_roles: vec!["kubernetes-client:admin".into()],
        }]),
        "PATH          MEMBERS   REALM ROLES   CLIENT ROLES\n/developers   1         k8s-user      kubernetes-client:admin\n"
    );
}
