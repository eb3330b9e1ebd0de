//! aws-iam-authenticator's host tests (`TestSTSEndpoints`, `TestSTSEndpointResolution`,
//! `TestGetStsRegion`, `TestRegionValidator`, `Test_getDefaultHostNameForRegion`), ported.

use super::*;

#[test]
fn sts_endpoints_per_partition() {
    // (partition, host, valid, configured region)
    let cases = [
        ("aws", "sts.amazonaws.com", true, ""),
        ("aws-cn", "sts.amazonaws.com", false, ""),
        ("aws-us-gov", "sts.amazonaws.com", false, ""),
        ("aws-iso", "sts.amazonaws.com", false, ""),
        ("aws-iso-b", "sts.amazonaws.com", false, ""),
        ("aws-iso-e", "sts.amazonaws.com", false, ""),
        ("aws-iso-f", "sts.amazonaws.com", false, ""),
        ("aws-not-a-partition", "sts.amazonaws.com", false, ""),
        ("aws-cn", "sts.cn-northwest-1.amazonaws.com.cn", true, ""),
        ("aws-cn", "sts.cn-north-1.amazonaws.com.cn", true, ""),
        ("aws-cn", "sts.us-iso-east-1.c2s.ic.gov", false, ""),
        ("aws-cn", "sts.not-a-region1.amazonaws.com.cn", false, ""),
        (
            "aws-cn",
            "sts.not-a-region2.amazonaws.com.cn",
            true,
            "not-a-region2",
        ),
        ("aws", "sts-fips.us-west-2.amazonaws.com", true, ""),
        ("aws", "sts-fips.us-east-1.amazonaws.com", true, ""),
        ("aws", "sts.us-east-1.amazonaws.com", true, ""),
        ("aws", "sts.us-east-2.amazonaws.com", true, ""),
        ("aws", "sts.us-west-1.amazonaws.com", true, ""),
        ("aws", "sts.us-west-2.amazonaws.com", true, ""),
        ("aws", "sts.ap-south-1.amazonaws.com", true, ""),
        ("aws", "sts.ap-northeast-1.amazonaws.com", true, ""),
        ("aws", "sts.ap-northeast-2.amazonaws.com", true, ""),
        ("aws", "sts.ap-southeast-1.amazonaws.com", true, ""),
        ("aws", "sts.ap-southeast-2.amazonaws.com", true, ""),
        ("aws", "sts.ca-central-1.amazonaws.com", true, ""),
        ("aws", "sts.eu-central-1.amazonaws.com", true, ""),
        ("aws", "sts.eu-west-1.amazonaws.com", true, ""),
        ("aws", "sts.eu-west-2.amazonaws.com", true, ""),
        ("aws", "sts.eu-west-3.amazonaws.com", true, ""),
        ("aws", "sts.eu-north-1.amazonaws.com", true, ""),
        ("aws", "sts.amazonaws.com.cn", false, ""),
        ("aws", "website.amazonaws.com", false, ""),
        (
            "aws",
            "sts.default-region.amazonaws.com",
            true,
            "default-region",
        ),
        ("aws-iso", "sts.us-iso-east-1.c2s.ic.gov", true, ""),
        ("aws-iso", "sts.cn-north-1.amazonaws.com.cn", false, ""),
        ("aws-iso-b", "sts.cn-north-1.amazonaws.com.cn", false, ""),
        ("aws-us-gov", "sts.us-gov-east-1.amazonaws.com", true, ""),
        ("aws", "sts-fips.us-east-1.amazonaws.com", true, ""),
        ("aws-cn", "sts-fips.us-east-1.amazonaws.com", false, ""),
        ("aws-cn", "sts.us-isob-east-1.amazonaws.com.cn", false, ""),
        (
            "aws-cn",
            "sts.us-isob-east-1.amazonaws.com.cn",
            true,
            "us-isob-east-1",
        ),
        (
            "aws-iso-b",
            "sts.us-isob-east-1.amazonaws.com.cn",
            false,
            "",
        ),
        (
            "aws-iso-b",
            "sts.us-isob-east-1.amazonaws.com.cn",
            false,
            "us-isob-east-1",
        ),
        ("aws", "sts.us-west-2.api.aws", true, ""),
        (
            "aws-cn",
            "sts.cn-north-1.api.amazonwebservices.com.cn",
            true,
            "",
        ),
        (
            "aws",
            "sts.cn-north-1.api.amazonwebservices.com.cn",
            false,
            "",
        ),
        ("aws", "sts.not-a-region.amazonaws.com", true, ""),
        (
            "aws",
            "sts.not-a-region.amazonaws.com",
            true,
            "not-a-region",
        ),
        ("aws", "sts.not-a-region.amazonaws.com", true, "us-west-2"),
        ("aws-cn", "sts.not-a-region3.amazonaws.com.cn", false, ""),
        (
            "aws-cn",
            "sts.not-a-region4.amazonaws.com.cn",
            true,
            "not-a-region4",
        ),
        (
            "aws-cn",
            "sts.not-a-region5.amazonaws.com.cn",
            false,
            "us-west-2",
        ),
        ("aws-cn", "sts.us-west-2.amazonaws.com.cn", false, ""),
        ("aws", "sts.us-west-2.amazonaws.com.cn", false, ""),
        ("aws", "sts.us-west-2.amazonaws.com.cn", false, "us-west-2"),
        (
            "aws-cn",
            "sts.not-a-region.amazonaws.com",
            false,
            "not-a-region",
        ),
    ];
    for (partition, host, valid, region) in cases {
        let got = verify_host(host, partition, region);
        assert_eq!(
            got.is_ok(),
            valid,
            "{host} in {partition} ({region}): {got:?}"
        );
    }
}

#[test]
fn host_errors_say_what_the_authenticator_says() {
    assert_eq!(
        verify_host("google.com", "aws", "")
            .unwrap_err()
            .to_string(),
        "could not parse region for pre-signed URL google.com, invalid host format: google.com"
    );
    assert_eq!(
        verify_host("sts.amazonaws.com", "aws-cn", "")
            .unwrap_err()
            .to_string(),
        "global endpoint unsupported in partition aws-cn"
    );
    assert_eq!(
        verify_host("sts.evil.example.com", "aws", "")
            .unwrap_err()
            .to_string(),
        "unexpected hostname \"sts.evil.example.com\" in pre-signed URL"
    );
    assert_eq!(
        verify_host("sts.us_east_1.amazonaws.com", "aws", "")
            .unwrap_err()
            .to_string(),
        "invalid region identifier format provided: us_east_1"
    );
    assert_eq!(
        verify_host("sts-fips.us-east-1.amazonaws.com", "aws-cn", "")
            .unwrap_err()
            .to_string(),
        "partition {aws-cn} does not support hostname sts-fips.us-east-1.amazonaws.com"
    );
}

#[test]
fn the_region_of_a_host() {
    assert_eq!(sts_region("sts.amazonaws.com"), Ok("global"));
    assert_eq!(sts_region("sts.us-west-2.amazonaws.com"), Ok("us-west-2"));
    assert_eq!(
        sts_region("sts.eu-central-1.amazonaws.com"),
        Ok("eu-central-1")
    );
    assert!(sts_region("").is_err());
    assert!(sts_region("sts").is_err());
    assert!(sts_region("sts.wrongformat").is_err());
}

#[test]
fn region_syntax() {
    for (region, valid) in [
        ("us-east-1", true),
        ("invalid.com", false),
        ("@invalid.com/%23", false),
        ("local", true),
        ("9-west-1", true),
        ("us_east_1", false),
        ("", false),
        ("-a", false),
    ] {
        assert_eq!(valid_region(region), valid, "{region}");
    }
}

#[test]
fn default_host_names() {
    assert!(
        default_hosts("aws-iso-e", "eu-isoe-west-1", "test")
            .unwrap()
            .contains(&"test.eu-isoe-west-1.cloud.adc-e.uk".to_string())
    );
    assert!(
        default_hosts("aws-iso", "us-iso-test-1", "sts")
            .unwrap()
            .contains(&"sts.us-iso-test-1.c2s.ic.gov".to_string())
    );
    assert!(default_hosts("aws-iso", "test_123", "sts").is_err());
    assert_eq!(
        default_hosts("aws", "us-east-1", "sts").unwrap(),
        ["sts.us-east-1.amazonaws.com", "sts.us-east-1.api.aws"]
    );
}
