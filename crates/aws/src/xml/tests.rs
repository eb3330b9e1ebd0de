//! The documents' shapes, read back by the parser the IAM authenticator uses.

use super::*;

#[test]
fn get_caller_identity_in_xml_and_json_reads_back() {
    let result = vec![
        Node::text("Arn", "arn:aws:iam::390844768149:user/testuser"),
        Node::text("UserId", "AIDAEXAMPLE"),
        Node::text("Account", "390844768149"),
    ];
    let xml = response("GetCallerIdentity", STS_NS, Some(result.clone()), "r-1");
    assert!(xml.starts_with(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <GetCallerIdentityResult>\n    <Arn>"
    ));
    for body in [xml, json_response("GetCallerIdentity", Some(result), "r-1")] {
        let caller = kubeward_authn::iam::sts::parse_reply(
            &kubeward_authn::iam::StsReply {
                status: 200,
                body: body.into_bytes(),
            },
            "us-east-1",
        )
        .unwrap();
        assert_eq!(caller.account, "390844768149");
        assert_eq!(caller.user_id, "AIDAEXAMPLE");
    }
}

#[test]
fn errors_and_escaping() {
    let e = AwsError::no_such_entity("The user with name <x> cannot be found.");
    assert_eq!(
        error(&e, IAM_NS, "r"),
        "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n  <Error>\n    <Type>Sender</Type>\n    <Code>NoSuchEntity</Code>\n    <Message>The user with name &lt;x&gt; cannot be found.</Message>\n  </Error>\n  <RequestId>r</RequestId>\n</ErrorResponse>\n"
    );
    assert_eq!(
        json_error(&AwsError::internal("x"), "r"),
        r#"{"Error":{"Code":"InternalFailure","Message":"x","Type":"Receiver"},"RequestId":"r"}"#
    );
    assert_eq!(
        response("AttachUserPolicy", IAM_NS, None, "r"),
        "<AttachUserPolicyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n  <ResponseMetadata>\n    <RequestId>r</RequestId>\n  </ResponseMetadata>\n</AttachUserPolicyResponse>\n"
    );
}
