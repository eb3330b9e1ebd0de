//! Fixtures shared by the unit tests: certificates, keys, a store lookup, fixed times.

use std::collections::HashMap;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, date_time_ymd,
};

use crate::{LegacyTokenSecret, ServiceAccountLookup};

/// 2030-01-01T00:00:00Z.
pub(crate) const NOW_SECS: u64 = 1_893_456_000;

/// `NOW_SECS` as a time.
pub(crate) fn now() -> SystemTime {
    at(NOW_SECS)
}

/// Seconds since the epoch as a time.
pub(crate) fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

/// A 2048-bit RSA private key (PKCS#8 PEM), generated once per test binary.
pub(crate) fn rsa_key_pem() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| {
        KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
            .expect("rsa key")
            .serialize_pem()
    })
}

/// Another RSA key (the "wrong key").
pub(crate) fn other_rsa_key_pem() -> &'static str {
    static KEY: OnceLock<String> = OnceLock::new();
    KEY.get_or_init(|| {
        KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)
            .expect("rsa key")
            .serialize_pem()
    })
}

/// A fresh ECDSA P-256 private key (PKCS#8 PEM).
pub(crate) fn ec_key_pem() -> String {
    KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .expect("ec key")
        .serialize_pem()
}

/// A CA: its PEM and an issuer for leaves.
pub(crate) struct Ca {
    pub(crate) pem: String,
    pub(crate) der: Vec<u8>,
    issuer: Issuer<'static, KeyPair>,
}

impl Ca {
    /// A self-signed CA named `name`, valid 2020–2040.
    pub(crate) fn new(name: &str) -> Self {
        let key = KeyPair::generate().expect("ca key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = date_time_ymd(2020, 1, 1);
        params.not_after = date_time_ymd(2040, 1, 1);
        let cert = params.self_signed(&key).expect("ca cert");
        Self {
            pem: cert.pem(),
            der: cert.der().to_vec(),
            issuer: Issuer::new(params, key),
        }
    }

    /// A leaf with subject `CN=cn, O=orgs…`, the given extended key usages and validity years.
    pub(crate) fn leaf(
        &self,
        cn: Option<&str>,
        orgs: &[&str],
        usages: Vec<ExtendedKeyUsagePurpose>,
        years: (i32, i32),
    ) -> Vec<u8> {
        let key = KeyPair::generate().expect("leaf key");
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name = DistinguishedName::new();
        if let Some(cn) = cn {
            params.distinguished_name.push(DnType::CommonName, cn);
        }
        // rcgen keeps one value per attribute type: the second O goes in under its raw OID.
        assert!(orgs.len() <= 2, "at most two organizations");
        for (i, org) in orgs.iter().enumerate() {
            let kind = if i == 0 {
                DnType::OrganizationName
            } else {
                DnType::CustomDnType(vec![2, 5, 4, 10])
            };
            params.distinguished_name.push(kind, *org);
        }
        params.extended_key_usages = usages;
        params.not_before = date_time_ymd(years.0, 1, 1);
        params.not_after = date_time_ymd(years.1, 1, 1);
        params
            .signed_by(&key, &self.issuer)
            .expect("leaf")
            .der()
            .to_vec()
    }

    /// A valid client certificate (clientAuth, 2029–2031).
    pub(crate) fn client(&self, cn: &str, orgs: &[&str]) -> Vec<u8> {
        self.leaf(
            Some(cn),
            orgs,
            vec![ExtendedKeyUsagePurpose::ClientAuth],
            (2029, 2031),
        )
    }
}

/// An in-memory store: `namespace/name` → uid.
#[derive(Debug, Default, Clone)]
pub(crate) struct Store {
    pub(crate) service_accounts: HashMap<String, String>,
    pub(crate) secrets: HashMap<String, String>,
    pub(crate) pods: HashMap<String, String>,
    pub(crate) nodes: HashMap<String, String>,
    pub(crate) legacy: HashMap<String, LegacyTokenSecret>,
}

impl Store {
    /// A store with ServiceAccount `dev-team/dev-k8s` (uid `sa-uid`).
    pub(crate) fn with_dev_k8s() -> Self {
        let mut store = Self::default();
        store
            .service_accounts
            .insert("dev-team/dev-k8s".into(), "sa-uid".into());
        store
    }
}

impl ServiceAccountLookup for Store {
    fn service_account_uid(&self, namespace: &str, name: &str) -> Option<String> {
        self.service_accounts
            .get(&format!("{namespace}/{name}"))
            .cloned()
    }
    fn secret_uid(&self, namespace: &str, name: &str) -> Option<String> {
        self.secrets.get(&format!("{namespace}/{name}")).cloned()
    }
    fn pod_uid(&self, namespace: &str, name: &str) -> Option<String> {
        self.pods.get(&format!("{namespace}/{name}")).cloned()
    }
    fn node_uid(&self, name: &str) -> Option<String> {
        self.nodes.get(name).cloned()
    }
    fn legacy_token_secret(&self, namespace: &str, name: &str) -> Option<LegacyTokenSecret> {
        self.legacy.get(&format!("{namespace}/{name}")).cloned()
    }
}
