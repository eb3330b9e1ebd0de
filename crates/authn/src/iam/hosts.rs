//! Which hosts a presigned STS URL may name: aws-iam-authenticator's `verifyHost` — the STS
//! endpoints the AWS SDK's resolver gives for the host's region (plain, FIPS, dual-stack),
//! restricted to the server's partition, plus the default names for the configured region.

use std::sync::LazyLock;

use regex::Regex;

/// The global STS endpoint (commercial partition only).
pub const GLOBAL_HOST: &str = "sts.amazonaws.com";

/// One AWS partition, as the SDK's `partitions.json` describes it.
struct Partition {
    id: &'static str,
    region_regex: &'static str,
    regions: &'static [&'static str],
    dns_suffix: &'static str,
    dual_stack_dns_suffix: &'static str,
}

const PARTITIONS: &[Partition] = &[
    Partition {
        id: "aws",
        region_regex: r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$",
        regions: &[
            "af-south-1",
            "ap-east-1",
            "ap-east-2",
            "ap-northeast-1",
            "ap-northeast-2",
            "ap-northeast-3",
            "ap-south-1",
            "ap-south-2",
            "ap-southeast-1",
            "ap-southeast-2",
            "ap-southeast-3",
            "ap-southeast-4",
            "ap-southeast-5",
            "ap-southeast-6",
            "ap-southeast-7",
            "aws-global",
            "ca-central-1",
            "ca-west-1",
            "eu-central-1",
            "eu-central-2",
            "eu-north-1",
            "eu-south-1",
            "eu-south-2",
            "eu-west-1",
            "eu-west-2",
            "eu-west-3",
            "il-central-1",
            "me-central-1",
            "me-south-1",
            "mx-central-1",
            "sa-east-1",
            "us-east-1",
            "us-east-2",
            "us-west-1",
            "us-west-2",
        ],
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
    },
    Partition {
        id: "aws-cn",
        region_regex: r"^cn\-\w+\-\d+$",
        regions: &["aws-cn-global", "cn-north-1", "cn-northwest-1"],
        dns_suffix: "amazonaws.com.cn",
        dual_stack_dns_suffix: "api.amazonwebservices.com.cn",
    },
    Partition {
        id: "aws-eusc",
        region_regex: r"^eusc\-(de)\-\w+\-\d+$",
        regions: &["eusc-de-east-1"],
        dns_suffix: "amazonaws.eu",
        dual_stack_dns_suffix: "api.amazonwebservices.eu",
    },
    Partition {
        id: "aws-iso",
        region_regex: r"^us\-iso\-\w+\-\d+$",
        regions: &["aws-iso-global", "us-iso-east-1", "us-iso-west-1"],
        dns_suffix: "c2s.ic.gov",
        dual_stack_dns_suffix: "api.aws.ic.gov",
    },
    Partition {
        id: "aws-iso-b",
        region_regex: r"^us\-isob\-\w+\-\d+$",
        regions: &["aws-iso-b-global", "us-isob-east-1", "us-isob-west-1"],
        dns_suffix: "sc2s.sgov.gov",
        dual_stack_dns_suffix: "api.aws.scloud",
    },
    Partition {
        id: "aws-iso-e",
        region_regex: r"^eu\-isoe\-\w+\-\d+$",
        regions: &["aws-iso-e-global", "eu-isoe-west-1"],
        dns_suffix: "cloud.adc-e.uk",
        dual_stack_dns_suffix: "api.cloud-aws.adc-e.uk",
    },
    Partition {
        id: "aws-iso-f",
        region_regex: r"^us\-isof\-\w+\-\d+$",
        regions: &["aws-iso-f-global", "us-isof-east-1", "us-isof-south-1"],
        dns_suffix: "csp.hci.ic.gov",
        dual_stack_dns_suffix: "api.aws.hci.ic.gov",
    },
    Partition {
        id: "aws-us-gov",
        region_regex: r"^us\-gov\-\w+\-\d+$",
        regions: &["aws-us-gov-global", "us-gov-east-1", "us-gov-west-1"],
        dns_suffix: "amazonaws.com",
        dual_stack_dns_suffix: "api.aws",
    },
];

static REGION_REGEXES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    PARTITIONS
        .iter()
        .map(|p| Regex::new(p.region_regex).expect("partition regexes are valid"))
        .collect()
});

/// The partition of a region as the SDK's resolver picks it: listed, then by pattern, else
/// the commercial partition.
fn partition_of(region: &str) -> &'static Partition {
    PARTITIONS
        .iter()
        .find(|p| p.regions.contains(&region))
        .or_else(|| {
            PARTITIONS
                .iter()
                .zip(REGION_REGEXES.iter())
                .find(|(_, re)| re.is_match(region))
                .map(|(p, _)| p)
        })
        .unwrap_or(&PARTITIONS[0])
}

/// The STS hosts the SDK's endpoint resolver gives for `region` with FIPS and dual-stack on
/// and off.
fn resolved_hosts(region: &str) -> [String; 4] {
    let p = partition_of(region);
    let fips = if p.id == "aws-us-gov" {
        format!("sts.{region}.amazonaws.com")
    } else {
        format!("sts-fips.{region}.{}", p.dns_suffix)
    };
    [
        format!("sts-fips.{region}.{}", p.dual_stack_dns_suffix),
        fips,
        format!("sts.{region}.{}", p.dual_stack_dns_suffix),
        format!("sts.{region}.{}", p.dns_suffix),
    ]
}

/// aws-iam-authenticator's `GetSTSPartitionDomain`.
pub fn partition_domain(partition: &str) -> Option<&'static str> {
    Some(match partition {
        "aws" | "aws-us-gov" => "amazonaws.com",
        "aws-cn" => "amazonaws.com.cn",
        "aws-iso" => "c2s.ic.gov",
        "aws-iso-b" => "sc2s.sgov.gov",
        "aws-iso-e" => "cloud.adc-e.uk",
        "aws-iso-f" => "csp.hci.ic.gov",
        "aws-eusc" => "amazonaws.eu",
        _ => return None,
    })
}

/// aws-iam-authenticator's `GetSTSDualStackPartitionDomain` (none for the ISO partitions).
pub fn dual_stack_domain(partition: &str) -> Option<&'static str> {
    Some(match partition {
        "aws" | "aws-us-gov" => "api.aws",
        "aws-cn" => "api.amazonwebservices.com.cn",
        "aws-eusc" => "api.amazonwebservices.eu",
        _ => return None,
    })
}

/// The SDK's region syntax: letters, digits and inner dashes.
pub fn valid_region(region: &str) -> bool {
    let bytes = region.as_bytes();
    !bytes.is_empty()
        && bytes[0].is_ascii_alphanumeric()
        && bytes[bytes.len() - 1].is_ascii_alphanumeric()
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'-')
}

/// The region a host names: `global` for [`GLOBAL_HOST`], else its second label.
pub fn sts_region(host: &str) -> Result<&str, String> {
    if host.is_empty() {
        return Err("host is empty".into());
    }
    let parts: Vec<&str> = host.split('.').collect();
    if parts.len() < 3 {
        return Err(format!("invalid host format: {host}"));
    }
    if host == GLOBAL_HOST {
        return Ok("global");
    }
    Ok(parts[1])
}

/// The default STS host names of a partition and region (`getDefaultHostNamesForRegion`).
pub fn default_hosts(partition: &str, region: &str, service: &str) -> Result<Vec<String>, String> {
    if !valid_region(region) {
        return Err(format!(
            "invalid region identifier format provided: {region}"
        ));
    }
    let domain = partition_domain(partition)
        .ok_or_else(|| format!("couldn't get domain for partition {partition}"))?;
    let mut hosts = vec![format!("{service}.{region}.{domain}")];
    if let Some(dual) = dual_stack_domain(partition) {
        hosts.push(format!("{service}.{region}.{dual}"));
    }
    Ok(hosts)
}

/// Why a host is refused; `Display` is aws-iam-authenticator's message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HostError {
    /// No region can be read from the host.
    #[error("could not parse region for pre-signed URL {host}, {reason}")]
    Region {
        /// The host.
        host: String,
        /// Why.
        reason: String,
    },
    /// `sts.amazonaws.com` outside the commercial partition.
    #[error("global endpoint unsupported in partition {0}")]
    Global(String),
    /// The region label has characters a region cannot have.
    #[error("invalid region identifier format provided: {0}")]
    RegionFormat(String),
    /// No STS endpoint has this name.
    #[error("unexpected hostname {0:?} in pre-signed URL")]
    Unexpected(String),
    /// An STS endpoint of another partition.
    #[error("partition {{{partition}}} does not support hostname {host}")]
    Partition {
        /// The server's partition.
        partition: String,
        /// The host.
        host: String,
    },
}

/// Checks that `host` is an STS endpoint of `partition` (the server's `--aws-iam-partition`),
/// accepting also the default names for `region` (`--aws-iam-region`), as `verifyHost`.
pub fn verify_host(host: &str, partition: &str, region: &str) -> Result<(), HostError> {
    let host_region = sts_region(host).map_err(|reason| HostError::Region {
        host: host.to_string(),
        reason,
    })?;
    if host_region == "global" {
        return if partition == "aws" {
            Ok(())
        } else {
            Err(HostError::Global(partition.to_string()))
        };
    }
    if !valid_region(host_region) {
        return Err(HostError::RegionFormat(host_region.to_string()));
    }
    if !resolved_hosts(host_region).iter().any(|h| h == host) {
        return match default_hosts(partition, region, "sts") {
            Ok(defaults) if defaults.iter().any(|h| h == host) => Ok(()),
            _ => Err(HostError::Unexpected(host.to_string())),
        };
    }
    let domain = host.splitn(3, '.').nth(2).unwrap_or_default();
    let expected = partition_domain(partition);
    let dual = dual_stack_domain(partition);
    if Some(domain) != expected && Some(domain) != dual {
        return Err(HostError::Partition {
            partition: partition.to_string(),
            host: host.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
