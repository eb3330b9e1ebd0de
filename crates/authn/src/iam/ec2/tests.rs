//! The DescribeInstances query, EC2's answers (the documented example, errors) and the
//! authenticator's messages.

use super::*;

#[test]
fn the_query_names_each_instance() {
    assert_eq!(
        describe_instances_body(&["i-0123456789abcdef0".into(), "i-12345678".into()]),
        "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-0123456789abcdef0&InstanceId.2=i-12345678"
    );
}

#[test]
fn regional_endpoints() {
    assert_eq!(
        default_endpoint("aws", "ap-northeast-2").as_deref(),
        Some("https://ec2.ap-northeast-2.amazonaws.com")
    );
    assert_eq!(
        default_endpoint("aws-cn", "cn-north-1").as_deref(),
        Some("https://ec2.cn-north-1.amazonaws.com.cn")
    );
    assert_eq!(default_endpoint("aws", ""), None);
    assert_eq!(default_endpoint("nowhere", "us-east-1"), None);
}

/// The shape of the EC2 API reference's DescribeInstances example, trimmed.
const ANSWER: &str = r#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-bff32ccc</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateDnsName>ip-192-168-1-88.eu-west-1.compute.internal</privateDnsName>
          <dnsName>ec2-54-194-252-215.eu-west-1.compute.amazonaws.com</dnsName>
          <productCodes/>
          <tagSet><item><key>Name</key><value>node</value></item></tagSet>
        </item>
        <item>
          <instanceId>i-0598c7d356eba48d7</instanceId>
          <instanceState><code>48</code><name>terminated</name></instanceState>
          <privateDnsName/>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
</DescribeInstancesResponse>"#;

#[test]
fn instances_and_their_private_dns_names() {
    assert_eq!(
        parse_describe_instances(200, ANSWER.as_bytes()).unwrap(),
        vec![
            (
                "i-1234567890abcdef0".to_string(),
                "ip-192-168-1-88.eu-west-1.compute.internal".to_string()
            ),
            ("i-0598c7d356eba48d7".to_string(), String::new()),
        ]
    );
    let empty = r#"<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>x</requestId><reservationSet/></DescribeInstancesResponse>"#;
    assert_eq!(
        parse_describe_instances(200, empty.as_bytes()).unwrap(),
        vec![]
    );
}

#[test]
fn errors_are_ec2_s_code_and_message() {
    let body = r#"<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidInstanceID.NotFound</Code><Message>The instance ID 'i-0123456789abcdef0' does not exist</Message></Error></Errors><RequestID>ae4b05d3-example</RequestID></Response>"#;
    let failure = parse_describe_instances(400, body.as_bytes()).unwrap_err();
    assert!(failure.is_unknown_instance());
    assert_eq!(
        query_failed("i-0123456789abcdef0", &failure.to_string()),
        "failed querying private DNS from EC2 API for node i-0123456789abcdef0: InvalidInstanceID.NotFound: The instance ID 'i-0123456789abcdef0' does not exist "
    );
    let failure = parse_describe_instances(503, b"upstream gone").unwrap_err();
    assert_eq!(failure.code, "UnknownError");
    assert!(!failure.is_unknown_instance());
    assert_eq!(
        parse_describe_instances(200, b"{}").unwrap_err().code,
        "SerializationError"
    );
    assert_eq!(not_found("i-12345678"), "failed to find node i-12345678 ");
}

#[test]
fn credentials_are_not_printed() {
    let settings = Ec2Settings {
        endpoint: "https://ec2.us-east-1.amazonaws.com".into(),
        region: "us-east-1".into(),
        access_key_id: "AKIAEXAMPLE".into(),
        secret_access_key: "the-secret".into(),
        session_token: Some("the-token".into()),
    };
    let printed = format!("{settings:?}");
    assert!(!printed.contains("the-secret") && !printed.contains("the-token"));
}
