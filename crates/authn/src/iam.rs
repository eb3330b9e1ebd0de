//! EKS-style IAM authentication, as aws-iam-authenticator (what EKS runs) does it: a
//! `k8s-aws-v1.` token is a presigned STS `GetCallerIdentity` URL; the server checks it, sends
//! it to STS with its cluster id in the signed `x-k8s-aws-id` header, and maps the identity STS
//! vouches for to a Kubernetes user through the mounted file, EKS access entries and the
//! `aws-auth` ConfigMap.
//!
//! Pure: [`Iam::check`] returns the STS request to make ([`StsCall`]) and the caller performs it;
//! [`Iam::identity`] reads the reply. A verified identity is cached (by the SHA-256 of the
//! token) until the token expires, so a burst of requests with one token makes one STS call;
//! the mapping is applied to it afresh whenever the mappings change.
//!
//! - [`token`]: the token's checks; [`hosts`]: which STS hosts are allowed;
//! - [`sts`]: STS's reply and the identity; [`arn`]: canonical ARNs and globs;
//! - [`mapping`], [`aws_auth`], [`file`], [`access_entries`], [`template`]: the mappings, and
//!   [`matched`]: what a mapping backend found;
//! - [`ec2`]: EC2's `DescribeInstances`, which names the instance of `{{EC2PrivateDNSName}}`.

pub mod access_entries;
pub mod arn;
pub mod aws_auth;
pub mod ec2;
pub mod file;
pub mod hosts;
pub mod mapping;
pub mod matched;
pub mod sts;
pub mod template;
pub mod token;

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};
use std::time::SystemTime;

use kubeward_core::UserInfo;

use crate::cache::{CacheKey, key};
pub use mapping::{MapError, Mapped, Mappings};
pub use sts::{Identity, StsError, StsReply};
pub use token::FormatError;

/// Why the chain refuses an IAM token that STS has not vouched for yet: the server asks STS
/// first, so this is seen only where nobody did (a TokenReview through another path).
pub const NOT_VERIFIED: &str = "the IAM token has not been verified by STS";

/// How many verified identities are kept before the expired ones (then all) are dropped.
pub const CACHE_CAPACITY: usize = 65_536;

/// The server's IAM settings (`--aws-iam-*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IamConfig {
    /// `--aws-iam-cluster-id`: the value the server sends in `x-k8s-aws-id` (the EKS cluster
    /// name for `aws eks get-token --cluster-name`).
    pub cluster_id: String,
    /// `--aws-iam-partition` (default `aws`).
    pub partition: String,
    /// `--aws-iam-region`: its default STS host names are accepted too (may be empty).
    pub region: String,
    /// `--aws-iam-sts-endpoint`: where requests are sent instead of the token's host (e.g.
    /// the local AWS of `kubeward up`); the signed `Host` stays the token's.
    pub sts_endpoint: Option<String>,
}

impl IamConfig {
    /// Settings for `cluster_id` in the commercial partition.
    pub fn new(cluster_id: impl Into<String>) -> Self {
        Self {
            cluster_id: cluster_id.into(),
            partition: "aws".into(),
            region: String::new(),
            sts_endpoint: None,
        }
    }

    /// Checks the settings.
    pub fn validate(&self) -> Result<(), String> {
        if self.cluster_id.is_empty() {
            return Err("--aws-iam-cluster-id must not be empty".into());
        }
        if hosts::partition_domain(&self.partition).is_none() {
            return Err(format!(
                "--aws-iam-partition {:?}: not one of {}",
                self.partition,
                arn::PARTITIONS.join(", ")
            ));
        }
        if !self.region.is_empty() && !hosts::valid_region(&self.region) {
            return Err(format!("--aws-iam-region {:?}: not a region", self.region));
        }
        if let Some(endpoint) = &self.sts_endpoint
            && !(endpoint.starts_with("https://") || endpoint.starts_with("http://"))
        {
            return Err(format!(
                "--aws-iam-sts-endpoint {endpoint:?}: expected an http(s) URL"
            ));
        }
        Ok(())
    }
}

/// Everything the API server needs to accept IAM tokens: the settings, the CA bundle that
/// verifies the STS endpoint's certificate (besides the system roots), and the mounted file's
/// mappings (aws-iam-authenticator's `MountedFile` backend).
#[derive(Debug, Clone)]
pub struct IamSettings {
    /// The `--aws-iam-*` settings.
    pub config: IamConfig,
    /// `--aws-iam-sts-ca-file` (PEM).
    pub sts_ca_pem: Option<String>,
    /// `--aws-iam-mapping-file`, parsed.
    pub mapping_file: mapping::MapperSet,
    /// Where `{{EC2PrivateDNSName}}` is looked up (`None`: such mappings are refused).
    pub ec2: Option<ec2::Ec2Settings>,
}

/// Why an IAM token gives no user. `Display` is what the server logs (never the token).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IamError {
    /// A check before STS failed.
    #[error("input token was not properly formatted: {0}")]
    Format(#[from] FormatError),
    /// STS did not vouch for the token (or could not be asked).
    #[error(transparent)]
    Sts(#[from] StsError),
    /// STS vouched for an identity that no mapping maps.
    #[error(transparent)]
    Mapping(#[from] MapError),
}

impl IamError {
    /// Whether STS throttled the call (aws-iam-authenticator answers 429 then).
    pub fn is_throttled(&self) -> bool {
        matches!(self, IamError::Sts(StsError::Throttled(_)))
    }

    /// The instance whose private DNS name the mapping needs and nobody asked EC2 for yet.
    pub fn unknown_instance(&self) -> Option<&str> {
        match self {
            IamError::Mapping(MapError::Template {
                error: template::TemplateError::UnknownInstance(id),
                ..
            }) => Some(id),
            _ => None,
        }
    }

    /// The same error with EC2's answer (aws-iam-authenticator's message) in place of the
    /// unknown instance.
    pub fn with_ec2_failure(self, message: String) -> Self {
        match self {
            IamError::Mapping(MapError::Template {
                mapper,
                what,
                template,
                error: template::TemplateError::UnknownInstance(_),
            }) => IamError::Mapping(MapError::Template {
                mapper,
                what,
                template,
                error: template::TemplateError::Ec2(message),
            }),
            other => other,
        }
    }
}

/// The STS request a token asks for: a GET of the presigned URL.
#[derive(Clone, PartialEq, Eq)]
pub struct StsCall {
    /// The URL to GET: the token's, or the same path and query on `--aws-iam-sts-endpoint`.
    pub url: String,
    /// The headers to send: `x-k8s-aws-id` (the cluster id), `accept: application/json`, and
    /// `host` (the signed STS host) when the URL is another endpoint's.
    pub headers: Vec<(&'static str, String)>,
    /// The token's check results.
    pub presigned: token::Presigned,
    key: CacheKey,
}

impl std::fmt::Debug for StsCall {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The URL is a credential until it expires: never printed.
        f.debug_struct("StsCall")
            .field("presigned", &self.presigned)
            .finish_non_exhaustive()
    }
}

impl StsCall {
    /// The key the token's verification is cached under (the SHA-256 of the token): calls for
    /// one token can be joined by it.
    pub fn key(&self) -> &CacheKey {
        &self.key
    }

    /// The error for a request that did not complete; `reason` must not contain the URL.
    pub fn transport_error(&self, reason: impl std::fmt::Display) -> IamError {
        IamError::Sts(StsError::Transport {
            reason: reason.to_string(),
            region: self.presigned.region.clone(),
        })
    }
}

/// What [`Iam::check`] decided.
#[derive(Debug, Clone)]
pub enum Check {
    /// The token was verified before and is still valid: the user, mapped with the current
    /// mappings.
    Cached(Arc<UserInfo>),
    /// Ask STS, then call [`Iam::identity`] with the reply.
    Call(StsCall),
}

struct CacheEntry {
    identity: Arc<Identity>,
    expires: SystemTime,
    /// The user of the mappings of generation `.0`.
    user: Option<(u64, Result<Arc<UserInfo>, MapError>)>,
}

struct Current {
    mappings: Arc<Mappings>,
    generation: u64,
}

/// The IAM authenticator: settings, the current mappings, and verified identities.
pub struct Iam {
    config: IamConfig,
    verifier: token::Verifier,
    current: RwLock<Current>,
    cache: Mutex<HashMap<CacheKey, CacheEntry>>,
}

impl std::fmt::Debug for Iam {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Iam")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Iam {
    /// An authenticator with no mappings yet.
    pub fn new(config: IamConfig) -> Result<Self, String> {
        config.validate()?;
        Ok(Self {
            verifier: token::Verifier {
                partition: config.partition.clone(),
                region: config.region.clone(),
            },
            config,
            current: RwLock::new(Current {
                mappings: Arc::new(Mappings::default()),
                generation: 0,
            }),
            cache: Mutex::new(HashMap::new()),
        })
    }

    /// The settings.
    pub fn config(&self) -> &IamConfig {
        &self.config
    }

    /// The token checks, for `kubeward auth explain`.
    pub fn verifier(&self) -> &token::Verifier {
        &self.verifier
    }

    /// Replaces the mappings (the server calls this when the `aws-auth` ConfigMap, the access
    /// entries or the mounted file change); cached identities are mapped anew.
    pub fn set_mappings(&self, mappings: Mappings) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        current.mappings = Arc::new(mappings);
        current.generation += 1;
    }

    /// Changes one part of the mappings (the server's controller replaces the `aws-auth`
    /// ConfigMap's or the access entries' when they change); cached identities are mapped anew.
    pub fn update_mappings(&self, change: impl FnOnce(&mut Mappings)) {
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        let mut mappings = Mappings::clone(&current.mappings);
        change(&mut mappings);
        current.mappings = Arc::new(mappings);
        current.generation += 1;
    }

    /// Keeps an EC2 instance's private DNS name (asked of EC2 by the server) for
    /// `{{EC2PrivateDNSName}}`, as aws-iam-authenticator's cache: for the server's lifetime.
    /// Identities already verified are mapped anew.
    pub fn add_ec2_private_dns_name(&self, instance_id: &str, name: &str) {
        self.update_mappings(|m| {
            m.ec2_private_dns_names
                .insert(instance_id.to_string(), name.to_string());
        });
    }

    /// The current mappings.
    pub fn mappings(&self) -> Arc<Mappings> {
        self.read_current().0
    }

    fn read_current(&self) -> (Arc<Mappings>, u64) {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        (current.mappings.clone(), current.generation)
    }

    /// Step one: the cached user of a token verified before, or the STS call to make.
    pub fn check(&self, token: &str, now: SystemTime) -> Result<Check, IamError> {
        let key = key("aws-iam", &[token.as_bytes()]);
        if let Some(user) = self.cached(&key, now) {
            return user.map(Check::Cached).map_err(IamError::from);
        }
        let presigned = self.verifier.parse(token, now)?;
        let (url, mut headers) = match &self.config.sts_endpoint {
            Some(endpoint) => (
                format!(
                    "{}/?{}",
                    endpoint.trim_end_matches('/'),
                    presigned.raw_query
                ),
                vec![("host", presigned.host.clone())],
            ),
            None => (
                format!("https://{}/?{}", presigned.host, presigned.raw_query),
                Vec::new(),
            ),
        };
        headers.push((token::CLUSTER_ID_HEADER, self.config.cluster_id.clone()));
        headers.push(("accept", "application/json".into()));
        Ok(Check::Call(StsCall {
            url,
            headers,
            presigned,
            key,
        }))
    }

    fn cached(&self, key: &CacheKey, now: SystemTime) -> Option<Result<Arc<UserInfo>, MapError>> {
        let (mappings, generation) = self.read_current();
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        let entry = cache.get_mut(key)?;
        if now > entry.expires {
            cache.remove(key);
            return None;
        }
        match &entry.user {
            Some((g, user)) if *g == generation => Some(user.clone()),
            _ => {
                let user = user_info(&entry.identity, &mappings).map(Arc::new);
                entry.user = Some((generation, user.clone()));
                Some(user)
            }
        }
    }

    /// Step two: STS's reply to `call`, read, cached until the token expires, and mapped.
    pub fn identity(
        &self,
        call: &StsCall,
        reply: &StsReply,
        now: SystemTime,
    ) -> Result<Arc<UserInfo>, IamError> {
        let caller = sts::parse_reply(reply, &call.presigned.region)?;
        let identity = Arc::new(sts::identity(
            caller,
            &call.presigned.access_key_id,
            &call.presigned.host,
        )?);
        let (mappings, generation) = self.read_current();
        let user = user_info(&identity, &mappings).map(Arc::new);
        let expires = call
            .presigned
            .expires_at
            .min(now + token::PRESIGNED_URL_EXPIRATION);
        let mut cache = self.cache.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= CACHE_CAPACITY {
            cache.retain(|_, e| now <= e.expires);
            if cache.len() >= CACHE_CAPACITY {
                cache.clear();
            }
        }
        cache.insert(
            call.key,
            CacheEntry {
                identity,
                expires,
                user: Some((generation, user.clone())),
            },
        );
        Ok(user?)
    }
}

/// The Kubernetes user of an identity, as aws-iam-authenticator answers it: the mapped name
/// and groups, uid `aws-iam-authenticator:ACCOUNT:USERID`, and the extra keys `arn`,
/// `canonicalArn`, `sessionName`, `accessKeyId`, `principalId` and
/// `sigs.k8s.io/aws-iam-authenticator/principalId`. `system:authenticated` is not added here.
pub fn user_info(identity: &Identity, mappings: &Mappings) -> Result<UserInfo, MapError> {
    let mapped = mappings.map(identity)?;
    Ok(UserInfo {
        name: mapped.username,
        uid: format!(
            "aws-iam-authenticator:{}:{}",
            identity.account_id, identity.user_id
        ),
        groups: mapped.groups,
        extra: extra(identity),
    })
}

/// The extra keys of an IAM user.
pub fn extra(identity: &Identity) -> BTreeMap<String, Vec<String>> {
    [
        ("arn", &identity.arn),
        ("canonicalArn", &identity.canonical_arn),
        ("sessionName", &identity.session_name),
        ("accessKeyId", &identity.access_key_id),
        ("principalId", &identity.user_id),
        (
            "sigs.k8s.io/aws-iam-authenticator/principalId",
            &identity.user_id,
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), vec![v.clone()]))
    .collect()
}

#[cfg(test)]
mod tests;
