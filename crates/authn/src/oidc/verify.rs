//! Verifying an ID token as go-oidc's `IDTokenVerifier` (v2, which kube-apiserver uses) and
//! kube-apiserver's audience check do, in their order: parse, claims shape, exact `iss`,
//! `aud`, `exp` (no leeway), `nbf` (one minute of leeway), the signing algorithm (an allowed
//! asymmetric one: never `none` or HS*), then the signature with the issuer's keys (filtered by
//! `kid`). `iat` is read but, as in go-oidc, not checked. Pure: keys and `now` are handed in.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kubeward_jose::VerificationKey;
use kubeward_jose::jws::Compact;
use serde_json::{Map, Value};

use super::trace::{Check, Trace};

/// Why a token fails verification; `Display` is the reason kube-apiserver logs, after
/// `oidc: verify token: `.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// Not a compact JWS.
    #[error("oidc: malformed jwt: {0}")]
    Malformed(String),
    /// The payload is not JSON claims of the right types.
    #[error("oidc: failed to unmarshal claims: {0}")]
    Claims(String),
    /// `iss` is not the issuer's URL.
    #[error("oidc: id token issued by a different provider, expected {} got {}", q(.expected), q(.got))]
    Issuer {
        /// The configured issuer.
        expected: String,
        /// The token's `iss`.
        got: String,
    },
    /// `aud` does not contain the (single) audience.
    #[error("oidc: expected audience {} got {}", q(.expected), go_list(.got))]
    Audience {
        /// The configured audience.
        expected: String,
        /// The token's `aud`.
        got: Vec<String>,
    },
    /// `aud` contains none of the (several) audiences.
    #[error("oidc: expected audience in {} got {}", go_list(.expected), go_list(.got))]
    Audiences {
        /// The configured audiences, sorted.
        expected: Vec<String>,
        /// The token's `aud`.
        got: Vec<String>,
    },
    /// `exp` is in the past (or absent).
    #[error("oidc: token is expired (Token Expiry: {})", go_time(*.expiry))]
    Expired {
        /// The token's `exp`.
        expiry: SystemTime,
    },
    /// `nbf` is more than a minute in the future.
    #[error("oidc: current time {} before the nbf (not before) time: {}", go_time(*.now), go_time(*.not_before))]
    NotYetValid {
        /// The verification time.
        now: SystemTime,
        /// The token's `nbf`.
        not_before: SystemTime,
    },
    /// The header's `alg` is not an allowed one.
    #[error("oidc: id token signed with unsupported algorithm, expected {} got {}", go_list(.expected), q(.got))]
    Algorithm {
        /// The allowed algorithms.
        expected: Vec<String>,
        /// The token's `alg`.
        got: String,
    },
    /// No key of the issuer verified the signature (unknown `kid`, wrong key, tampered).
    #[error("failed to verify signature: failed to verify id token signature")]
    Signature,
}

/// What the verifier checks a token against.
#[derive(Debug, Clone)]
pub(crate) struct Verifier<'a> {
    pub(crate) issuer: &'a str,
    pub(crate) audiences: &'a [String],
    pub(crate) algorithms: &'a [String],
}

/// How long `nbf` may be ahead of `now` (go-oidc v2).
pub const NBF_LEEWAY: Duration = Duration::from_secs(60);

/// A verified token's claims.
pub(crate) type Claims = Map<String, Value>;

impl Verifier<'_> {
    /// Verifies `token` at `now` with `keys`; returns its claims.
    pub(crate) fn verify(
        &self,
        token: &str,
        keys: &[VerificationKey],
        now: SystemTime,
    ) -> Result<Claims, VerifyError> {
        self.verify_traced(token, keys, now, &mut ())
    }

    /// [`Self::verify`], reporting each check to `trace` as it runs.
    pub(crate) fn verify_traced<T: Trace + ?Sized>(
        &self,
        token: &str,
        keys: &[VerificationKey],
        now: SystemTime,
        trace: &mut T,
    ) -> Result<Claims, VerifyError> {
        trace.begin(Check::Token);
        let jws = Compact::parse(token).map_err(|e| VerifyError::Malformed(e.to_string()))?;
        let claims: Claims = serde_json::from_slice(jws.payload())
            .map_err(|e| VerifyError::Claims(go_json_error(&e)))?;
        let iss = string_claim(&claims, "iss")?;
        let audience = audience(&claims)?;
        let expiry =
            time_claim(&claims, "exp")?.unwrap_or(UNIX_EPOCH - Duration::from_secs(62_135_596_800));
        let not_before = time_claim(&claims, "nbf")?;
        let issued_at = time_claim(&claims, "iat")?;
        trace.passed(&|| {
            format!(
                "a signed JWT (alg {}, kid {})",
                q(jws.algorithm()),
                q(jws.key_id())
            )
        });

        trace.begin(Check::Issuer);
        if iss != self.issuer {
            return Err(VerifyError::Issuer {
                expected: self.issuer.to_string(),
                got: iss,
            });
        }
        trace.passed(&|| format!("iss {} is the issuer's URL", q(&iss)));
        if let [single] = self.audiences {
            trace.begin(Check::Audience);
            if !audience.contains(single) {
                return Err(VerifyError::Audience {
                    expected: single.clone(),
                    got: audience,
                });
            }
            trace.passed(&|| format!("aud {} contains {}", go_list(&audience), q(single)));
        }
        trace.begin(Check::Expiry);
        if expiry < now {
            return Err(VerifyError::Expired { expiry });
        }
        trace.passed(&|| {
            let mut text = format!(
                "expires {} (in {})",
                go_time(expiry),
                go_duration(expiry.duration_since(now).unwrap_or_default())
            );
            if let Some(issued_at) = issued_at {
                text.push_str(&format!(", issued {}", go_time(issued_at)));
            }
            text
        });
        trace.begin(Check::NotBefore);
        if let Some(not_before) = not_before
            && now + NBF_LEEWAY < not_before
        {
            return Err(VerifyError::NotYetValid { now, not_before });
        }
        trace.passed(&|| match not_before {
            Some(not_before) => format!("valid from {} (1m0s leeway)", go_time(not_before)),
            None => "no nbf".to_string(),
        });
        trace.begin(Check::Algorithm);
        let alg = jws.algorithm();
        if !self.algorithms.iter().any(|a| a == alg) {
            return Err(VerifyError::Algorithm {
                expected: self.algorithms.to_vec(),
                got: alg.to_string(),
            });
        }
        trace.passed(&|| format!("{} is one of {}", q(alg), go_list(self.algorithms)));
        trace.begin(Check::Signature);
        jws.verify(keys).map_err(|_| VerifyError::Signature)?;
        trace.passed(&|| {
            if jws.key_id().is_empty() {
                format!(
                    "verified by one of the issuer's {} keys (no kid)",
                    keys.len()
                )
            } else {
                format!("verified by the issuer's key {}", q(jws.key_id()))
            }
        });
        if self.audiences.len() > 1 {
            trace.begin(Check::Audience);
            if !self.audiences.iter().any(|a| audience.contains(a)) {
                let mut expected = self.audiences.to_vec();
                expected.sort();
                return Err(VerifyError::Audiences {
                    expected,
                    got: audience,
                });
            }
            trace.passed(&|| {
                format!(
                    "aud {} meets one of {} (MatchAny)",
                    go_list(&audience),
                    go_list(self.audiences)
                )
            });
        }
        Ok(claims)
    }
}

/// Go's `time.Duration.String()` of a duration rounded to whole seconds: `1h2m3s`, `2m0s`, `45s`.
pub fn go_duration(d: Duration) -> String {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() >= 500_000_000);
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    if h > 0 {
        format!("{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{m}m{s}s")
    } else {
        format!("{s}s")
    }
}

fn string_claim(claims: &Claims, name: &str) -> Result<String, VerifyError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(String::new()),
        Some(Value::String(s)) => Ok(s.clone()),
        Some(other) => Err(VerifyError::Claims(super::claims::unmarshal_error(
            other, "string",
        ))),
    }
}

/// go-oidc's `audience`: a string or an array of strings.
fn audience(claims: &Claims) -> Result<Vec<String>, VerifyError> {
    match claims.get("aud") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) => Ok(vec![s.clone()]),
        Some(Value::Array(items)) => items
            .iter()
            .map(|i| match i {
                Value::String(s) => Ok(s.clone()),
                Value::Null => Ok(String::new()),
                other => Err(VerifyError::Claims(super::claims::unmarshal_error(
                    other, "string",
                ))),
            })
            .collect(),
        Some(other) => Err(VerifyError::Claims(super::claims::unmarshal_error(
            other, "[]string",
        ))),
    }
}

/// go-oidc's `jsonTime`: a JSON number of seconds (integer or fraction).
fn time_claim(claims: &Claims, name: &str) -> Result<Option<SystemTime>, VerifyError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            let secs = n.as_f64().unwrap_or_default();
            let whole = secs.trunc();
            let nanos = ((secs - whole) * 1e9) as i64;
            let at = if whole >= 0.0 {
                UNIX_EPOCH + Duration::from_secs(whole.min(1e15) as u64)
            } else {
                UNIX_EPOCH - Duration::from_secs((-whole).min(62_135_596_800.0) as u64)
            };
            Ok(Some(if nanos >= 0 {
                at + Duration::from_nanos(nanos as u64)
            } else {
                at - Duration::from_nanos((-nanos) as u64)
            }))
        }
        Some(other) => Err(VerifyError::Claims(super::claims::unmarshal_error(
            other, "float64",
        ))),
    }
}

fn go_json_error(e: &serde_json::Error) -> String {
    if e.is_data() {
        "json: cannot unmarshal non-object into Go value of type oidc.idToken".into()
    } else {
        "invalid character in JSON".into()
    }
}

/// Go's `%q` of a string.
fn q(value: &str) -> String {
    kubeward_core::go::quote(value)
}

/// Go's `%q` of a `[]string`: `["a" "b"]`.
pub fn go_list(values: &[String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| q(v)).collect();
    format!("[{}]", quoted.join(" "))
}

/// Go's `%v` of a `time.Time` in UTC: `2006-01-02 15:04:05.999999999 +0000 UTC`.
pub fn go_time(at: SystemTime) -> String {
    let (secs, nanos) = match at.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_nanos()),
        Err(e) => {
            let d = e.duration();
            let mut secs = -(d.as_secs() as i64);
            let mut nanos = d.subsec_nanos();
            if nanos > 0 {
                secs -= 1;
                nanos = 1_000_000_000 - nanos;
            }
            (secs, nanos)
        }
    };
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let mut out = format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    );
    if nanos > 0 {
        let frac = format!("{nanos:09}");
        out.push('.');
        out.push_str(frac.trim_end_matches('0'));
    }
    out.push_str(" +0000 UTC");
    out
}

/// Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

#[cfg(test)]
mod tests;
