//! ARNs as aws-iam-authenticator's `pkg/arn` reads them: the identity's canonical form (an STS
//! assumed-role ARN becomes its IAM role ARN), `StripPath`, and `ArnLike` globs.

/// The partitions aws-iam-authenticator recognises (`endpoints.PARTITIONS`).
pub const PARTITIONS: &[&str] = &[
    "aws",
    "aws-cn",
    "aws-us-gov",
    "aws-iso",
    "aws-iso-b",
    "aws-iso-e",
    "aws-iso-f",
    "aws-eusc",
];

/// What kind of principal an ARN names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrincipalType {
    /// `arn:aws:iam::ACCOUNT:role/NAME`.
    Role,
    /// `arn:aws:iam::ACCOUNT:user/NAME`.
    User,
    /// `arn:aws:iam::ACCOUNT:root`.
    Root,
    /// `arn:aws:sts::ACCOUNT:federated-user/NAME`.
    FederatedUser,
    /// `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`.
    AssumedRole,
}

/// Why an ARN is not an identity the authenticator accepts (aws-iam-authenticator's words).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ArnError {
    /// Not `arn:partition:service:region:account:resource`.
    #[error("arn '{arn}' is invalid: 'arn: {reason}'")]
    Invalid {
        /// The ARN.
        arn: String,
        /// `invalid prefix` or `not enough sections`.
        reason: &'static str,
    },
    /// The partition is not one of [`PARTITIONS`].
    #[error("arn '{0}' does not have a recognized partition")]
    Partition(String),
    /// `assumed-role` without a role and a session.
    #[error("assumed-role arn '{0}' does not have a role")]
    NoRole(String),
    /// A resource type that is no identity of this service.
    #[error("unrecognized resource {resource} for service {service}")]
    Resource {
        /// The resource part.
        resource: String,
        /// `iam` or `sts`.
        service: String,
    },
    /// A service that has no identities.
    #[error("service {service} in arn {arn} is not a valid service for identities")]
    Service {
        /// The service part.
        service: String,
        /// The ARN.
        arn: String,
    },
    /// `ArnLike`'s input ARN does not parse.
    #[error("could not parse input arn: {0}")]
    LikeInput(&'static str),
    /// `ArnLike`'s pattern does not parse.
    #[error("could not parse ArnLike string: {0}")]
    LikePattern(&'static str),
}

/// The six parts of an ARN (the resource keeps any further colons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    /// `aws`, `aws-cn`, …
    pub partition: &'a str,
    /// `iam`, `sts`, …
    pub service: &'a str,
    /// Empty for IAM.
    pub region: &'a str,
    /// The 12-digit account.
    pub account: &'a str,
    /// `user/NAME`, `role/PATH/NAME`, `root`, …
    pub resource: &'a str,
}

/// Splits an ARN as the AWS SDK's `arn.Parse` does; the error is its reason.
fn sections(input: &str) -> Result<[&str; 6], &'static str> {
    if !input.starts_with("arn:") {
        return Err("invalid prefix");
    }
    let mut parts = input.splitn(6, ':');
    let mut out = [""; 6];
    for slot in &mut out {
        *slot = parts.next().ok_or("not enough sections")?;
    }
    Ok(out)
}

impl<'a> Arn<'a> {
    /// Parses `arn:partition:service:region:account:resource`.
    pub fn parse(input: &'a str) -> Result<Self, ArnError> {
        let [_, partition, service, region, account, resource] =
            sections(input).map_err(|reason| ArnError::Invalid {
                arn: input.to_string(),
                reason,
            })?;
        Ok(Self {
            partition,
            service,
            region,
            account,
            resource,
        })
    }

    /// The resource type: the resource up to its first `/`.
    pub fn resource_type(&self) -> &'a str {
        self.resource.split('/').next().unwrap_or_default()
    }
}

fn recognised(arn: &Arn<'_>, input: &str) -> Result<(), ArnError> {
    if PARTITIONS.contains(&arn.partition) {
        Ok(())
    } else {
        Err(ArnError::Partition(input.to_string()))
    }
}

/// aws-iam-authenticator's `Canonicalize`: checks that `input` names an identity and turns an
/// STS assumed-role ARN into the ARN of its IAM role (keeping a path, if the ARN has one).
pub fn canonicalize(input: &str) -> Result<(PrincipalType, String), ArnError> {
    let arn = Arn::parse(input)?;
    recognised(&arn, input)?;
    let parts: Vec<&str> = arn.resource.split('/').collect();
    let resource = parts[0];
    match arn.service {
        "sts" => match resource {
            "federated-user" => Ok((PrincipalType::FederatedUser, input.to_string())),
            "assumed-role" => {
                if parts.len() < 3 {
                    return Err(ArnError::NoRole(input.to_string()));
                }
                let role = parts[1..parts.len() - 1].join("/");
                Ok((
                    PrincipalType::AssumedRole,
                    format!("arn:{}:iam::{}:role/{role}", arn.partition, arn.account),
                ))
            }
            _ => Err(ArnError::Resource {
                resource: arn.resource.to_string(),
                service: "sts".into(),
            }),
        },
        "iam" => match resource {
            "role" => Ok((PrincipalType::Role, input.to_string())),
            "user" => Ok((PrincipalType::User, input.to_string())),
            "root" => Ok((PrincipalType::Root, input.to_string())),
            _ => Err(ArnError::Resource {
                resource: arn.resource.to_string(),
                service: "iam".into(),
            }),
        },
        service => Err(ArnError::Service {
            service: service.to_string(),
            arn: input.to_string(),
        }),
    }
}

/// aws-iam-authenticator's `StripPath`: a role ARN without its path (`role/a/b/NAME` →
/// `role/NAME`); other ARNs unchanged.
pub fn strip_path(input: &str) -> Result<String, ArnError> {
    let arn = Arn::parse(input)?;
    recognised(&arn, input)?;
    let parts: Vec<&str> = arn.resource.split('/').collect();
    if parts[0] != "role" || parts.len() <= 2 {
        return Ok(input.to_string());
    }
    Ok(format!(
        "arn:{}:iam::{}:role/{}",
        arn.partition,
        arn.account,
        parts[parts.len() - 1]
    ))
}

/// aws-iam-authenticator's `ArnLike`: each of the six sections of `arn` must match the same
/// section of `pattern`, where `*` matches any run of characters and `?` at most one
/// (the authenticator turns them into the regular expressions `.*` and `.?`).
pub fn arn_like(arn: &str, pattern: &str) -> Result<bool, ArnError> {
    let arn = sections(arn).map_err(ArnError::LikeInput)?;
    let pattern = sections(pattern).map_err(ArnError::LikePattern)?;
    Ok(arn
        .iter()
        .zip(pattern.iter())
        .all(|(text, glob)| glob_matches(glob.as_bytes(), text.as_bytes())))
}

/// Whether a `*`/`?` glob matches all of `text` (bytes; `?` consumes zero or one byte, as
/// `.?` does on the ASCII of ARNs).
pub fn glob_matches(glob: &[u8], text: &[u8]) -> bool {
    // reachable[j]: the glob read so far can match text[..j].
    let mut reachable = vec![false; text.len() + 1];
    reachable[0] = true;
    for &g in glob {
        let mut next = vec![false; text.len() + 1];
        match g {
            b'*' => {
                let mut any = false;
                for j in 0..=text.len() {
                    any |= reachable[j];
                    next[j] = any;
                }
            }
            b'?' => {
                for j in 0..=text.len() {
                    next[j] = reachable[j] || (j > 0 && reachable[j - 1]);
                }
            }
            literal => {
                for j in 1..=text.len() {
                    next[j] = reachable[j - 1] && text[j - 1] == literal;
                }
            }
        }
        reachable = next;
    }
    reachable[text.len()]
}

/// Whether an ARN pattern has glob characters.
pub fn is_glob(pattern: &str) -> bool {
    pattern.contains(['*', '?'])
}

#[cfg(test)]
mod tests;
