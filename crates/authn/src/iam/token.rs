//! The `k8s-aws-v1.` token: parsed and checked exactly as aws-iam-authenticator's
//! `tokenVerifier.Verify` does before it calls STS, in the same order and with the same
//! messages, then the presigned `GetCallerIdentity` request to send.
//!
//! The messages never contain the token nor the presigned URL (which is itself a credential
//! for 15 minutes): where the authenticator quotes the URL in a parse error, this says only why.
//! Beyond the authenticator, after its own checks: `Version=2011-06-15`,
//! `X-Amz-Algorithm=AWS4-HMAC-SHA256`, and no user information or fragment in the URL — which
//! no client produces and STS would refuse or ignore.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;

use super::hosts::{self, HostError};

/// The token prefix.
pub const V1_PREFIX: &str = "k8s-aws-v1.";
/// Tokens longer than this are refused before anything else (`maxTokenLenBytes`).
pub const MAX_TOKEN_LEN: usize = 4096;
/// The header that carries the cluster id, signed by the client.
pub const CLUSTER_ID_HEADER: &str = "x-k8s-aws-id";
/// How long a presigned `GetCallerIdentity` URL is valid after its `X-Amz-Date`, whatever
/// `X-Amz-Expires` says.
pub const PRESIGNED_URL_EXPIRATION: Duration = Duration::from_secs(15 * 60);
/// The largest `X-Amz-Expires` accepted.
pub const MAX_EXPIRES: i64 = 900;
/// The STS API version every client signs.
pub const STS_VERSION: &str = "2011-06-15";
/// The one signing algorithm.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The `X-Amz-Date` layout, in Go's notation as the authenticator names it.
const DATE_LAYOUT: &str = "20060102T150405Z";

/// The query parameters a presigned `GetCallerIdentity` URL may carry (lowercase).
const PARAMETER_ALLOW_LIST: &[&str] = &[
    "action",
    "version",
    "x-amz-algorithm",
    "x-amz-credential",
    "x-amz-date",
    "x-amz-expires",
    "x-amz-security-token",
    "x-amz-signature",
    "x-amz-signedheaders",
];

/// Why a token is refused before STS is asked. `Display` is the authenticator's reason, which
/// the server logs after `input token was not properly formatted: `.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// Longer than [`MAX_TOKEN_LEN`].
    #[error("token is too large")]
    TooLarge,
    /// Not `k8s-aws-v1.…`.
    #[error("token is missing expected \"k8s-aws-v1.\" prefix")]
    Prefix,
    /// Not unpadded base64url.
    #[error("illegal base64 data at input byte {0}")]
    Base64(usize),
    /// The decoded bytes are no URL (the reason only, never the URL).
    #[error("{0}")]
    Url(String),
    /// Not `https`.
    #[error("unexpected scheme {0:?} in pre-signed URL")]
    Scheme(String),
    /// Not an STS endpoint of this partition.
    #[error(transparent)]
    Host(#[from] HostError),
    /// The path is not `/`.
    #[error("unexpected path in pre-signed URL")]
    Path,
    /// The query does not parse.
    #[error("malformed query parameter")]
    MalformedQuery,
    /// A parameter appears twice with different cases.
    #[error("duplicate query parameter found: {0:?}")]
    DuplicateParameter(String),
    /// A parameter that no presigned `GetCallerIdentity` has.
    #[error("non-whitelisted query parameter {0:?}")]
    UnknownParameter(String),
    /// A parameter given more than once.
    #[error("query parameter with multiple values not supported")]
    MultipleValues,
    /// `Action` is not `GetCallerIdentity`.
    #[error("unexpected action parameter in pre-signed URL")]
    Action,
    /// `x-k8s-aws-id` is not among `X-Amz-SignedHeaders`.
    #[error("client did not sign the x-k8s-aws-id header in the pre-signed URL")]
    UnsignedClusterId,
    /// `X-Amz-Expires` is missing, not a number, negative or over 900 (Go prints 0 for
    /// what does not parse).
    #[error("invalid X-Amz-Expires parameter in pre-signed URL: {0}")]
    Expires(i64),
    /// No `X-Amz-Date`.
    #[error("X-Amz-Date parameter must be present in pre-signed URL")]
    DateMissing,
    /// `X-Amz-Date` is not `YYYYMMDDTHHMMSSZ`.
    #[error("error parsing X-Amz-Date parameter {date} into format 20060102T150405Z: {reason}")]
    DateFormat {
        /// The parameter.
        date: String,
        /// Go's `time.Parse` error.
        reason: String,
    },
    /// More than 15 minutes after `X-Amz-Date`.
    #[error("X-Amz-Date parameter is expired (15 minute expiration) {0}")]
    Expired(String),
    /// `Version` is not `2011-06-15` (kubeward's check).
    #[error("unexpected version parameter in pre-signed URL")]
    Version,
    /// `X-Amz-Algorithm` is not `AWS4-HMAC-SHA256` (kubeward's check).
    #[error("unexpected X-Amz-Algorithm parameter in pre-signed URL")]
    Algorithm,
    /// `user@` before the host (kubeward's check).
    #[error("unexpected user information in pre-signed URL")]
    UserInfo,
    /// `#…` after the query (kubeward's check).
    #[error("unexpected fragment in pre-signed URL")]
    Fragment,
}

impl FormatError {
    /// The name of the check that failed (as [`Step::name`]).
    pub fn step(&self) -> &'static str {
        match self {
            FormatError::TooLarge => "size",
            FormatError::Prefix => "prefix",
            FormatError::Base64(_) => "base64",
            FormatError::Url(_) | FormatError::UserInfo | FormatError::Fragment => "url",
            FormatError::Scheme(_) => "scheme",
            FormatError::Host(_) => "host",
            FormatError::Path => "path",
            FormatError::MalformedQuery
            | FormatError::DuplicateParameter(_)
            | FormatError::UnknownParameter(_)
            | FormatError::MultipleValues => "query",
            FormatError::Action => "action",
            FormatError::UnsignedClusterId => "signed headers",
            FormatError::Expires(_) => "X-Amz-Expires",
            FormatError::DateMissing | FormatError::DateFormat { .. } | FormatError::Expired(_) => {
                "X-Amz-Date"
            }
            FormatError::Version => "version",
            FormatError::Algorithm => "algorithm",
        }
    }
}

/// One check of [`Verifier::parse_traced`], for `kubeward auth explain`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What was checked.
    pub name: &'static str,
    /// What was found (never a secret).
    pub detail: String,
}

/// A token that passed every check: what to send to STS.
#[derive(Clone, PartialEq, Eq)]
pub struct Presigned {
    /// The signed host (`sts.REGION.amazonaws.com`).
    pub host: String,
    /// The raw query, as signed.
    pub raw_query: String,
    /// The region of the host (`global` for `sts.amazonaws.com`), for logs.
    pub region: String,
    /// The access key that signed it.
    pub access_key_id: String,
    /// `X-Amz-Date`.
    pub signed_at: SystemTime,
    /// `X-Amz-Date` + 15 minutes.
    pub expires_at: SystemTime,
}

impl std::fmt::Debug for Presigned {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Presigned")
            .field("host", &self.host)
            .field("region", &self.region)
            .field("access_key_id", &self.access_key_id)
            .field("signed_at", &self.signed_at)
            .finish_non_exhaustive()
    }
}

/// The server's side of the check: its partition and region (`--aws-iam-partition`,
/// `--aws-iam-region`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verifier {
    /// `aws`, `aws-cn`, `aws-us-gov`, …
    pub partition: String,
    /// The server's region, whose default STS names are accepted too (may be empty).
    pub region: String,
}

impl Verifier {
    /// Checks `token` at `now`.
    pub fn parse(&self, token: &str, now: SystemTime) -> Result<Presigned, FormatError> {
        self.parse_traced(token, now, &mut |_| {})
    }

    /// [`Verifier::parse`], reporting each check that passed to `passed`.
    pub fn parse_traced(
        &self,
        token: &str,
        now: SystemTime,
        passed: &mut dyn FnMut(Step),
    ) -> Result<Presigned, FormatError> {
        let mut ok = |name: &'static str, detail: String| passed(Step { name, detail });
        if token.len() > MAX_TOKEN_LEN {
            return Err(FormatError::TooLarge);
        }
        ok(
            "size",
            format!("{} bytes (at most {MAX_TOKEN_LEN})", token.len()),
        );
        let encoded = token.strip_prefix(V1_PREFIX).ok_or(FormatError::Prefix)?;
        ok("prefix", V1_PREFIX.to_string());
        let bytes = decode(encoded)?;
        ok("base64", "unpadded base64url".into());
        let url_text = String::from_utf8_lossy(&bytes);
        let url = GoUrl::parse(&url_text)?;
        if url.scheme != "https" {
            return Err(FormatError::Scheme(url.scheme));
        }
        ok("scheme", "https".into());
        hosts::verify_host(url.host, &self.partition, &self.region)?;
        let region = hosts::sts_region(url.host)
            .map_err(|reason| HostError::Region {
                host: url.host.to_string(),
                reason,
            })?
            .to_string();
        ok(
            "host",
            format!("{} (STS, partition {})", url.host, self.partition),
        );
        if url.path != "/" {
            return Err(FormatError::Path);
        }
        ok("path", "/".into());
        let query = parse_query(url.raw_query).map_err(|()| FormatError::MalformedQuery)?;
        let mut seen = Vec::with_capacity(query.len());
        for (key, _) in &query {
            let lower = key.to_ascii_lowercase();
            if seen.contains(&lower) {
                return Err(FormatError::DuplicateParameter(key.clone()));
            }
            seen.push(lower);
        }
        let mut params: BTreeMap<String, String> = BTreeMap::new();
        for (key, values) in &query {
            let lower = key.to_ascii_lowercase();
            if !PARAMETER_ALLOW_LIST.contains(&lower.as_str()) {
                return Err(FormatError::UnknownParameter(key.clone()));
            }
            if values.len() != 1 {
                return Err(FormatError::MultipleValues);
            }
            params.insert(lower, values[0].clone());
        }
        ok(
            "query",
            "only the parameters of a presigned GetCallerIdentity".into(),
        );
        let param = |name: &str| params.get(name).map(String::as_str).unwrap_or_default();
        if param("action") != "GetCallerIdentity" {
            return Err(FormatError::Action);
        }
        ok("action", "GetCallerIdentity".into());
        if !param("x-amz-signedheaders")
            .split(';')
            .any(|h| h.eq_ignore_ascii_case(CLUSTER_ID_HEADER))
        {
            return Err(FormatError::UnsignedClusterId);
        }
        ok(
            "signed headers",
            format!(
                "{} (signed: {})",
                CLUSTER_ID_HEADER,
                param("x-amz-signedheaders")
            ),
        );
        let expires = go_atoi(param("x-amz-expires"));
        match expires {
            Some(seconds) if (0..=MAX_EXPIRES).contains(&seconds) => {}
            other => return Err(FormatError::Expires(other.unwrap_or(0))),
        }
        ok(
            "X-Amz-Expires",
            format!("{} s (at most {MAX_EXPIRES})", param("x-amz-expires")),
        );
        let date = param("x-amz-date");
        if date.is_empty() {
            return Err(FormatError::DateMissing);
        }
        let access_key_id = param("x-amz-credential")
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let signed_at = parse_amz_date(date).map_err(|reason| FormatError::DateFormat {
            date: date.to_string(),
            reason,
        })?;
        let expires_at = signed_at + PRESIGNED_URL_EXPIRATION;
        if now > expires_at {
            return Err(FormatError::Expired(go_time_string(signed_at)));
        }
        ok(
            "X-Amz-Date",
            format!(
                "{} (valid until {})",
                go_time_string(signed_at),
                go_time_string(expires_at)
            ),
        );
        if param("version") != STS_VERSION {
            return Err(FormatError::Version);
        }
        ok("version", STS_VERSION.into());
        if param("x-amz-algorithm") != ALGORITHM {
            return Err(FormatError::Algorithm);
        }
        ok("algorithm", ALGORITHM.into());
        if url.userinfo {
            return Err(FormatError::UserInfo);
        }
        if url.fragment {
            return Err(FormatError::Fragment);
        }
        ok("credential", format!("access key {access_key_id}"));
        Ok(Presigned {
            host: url.host.to_string(),
            raw_query: url.raw_query.to_string(),
            region,
            access_key_id,
            signed_at,
            expires_at,
        })
    }
}

/// Go's `base64.RawURLEncoding.DecodeString`: no padding, trailing bits ignored.
fn decode(encoded: &str) -> Result<Vec<u8>, FormatError> {
    const ENGINE: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_encode_padding(false)
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::RequireNone),
    );
    ENGINE.decode(encoded).map_err(|e| match e {
        base64::DecodeError::InvalidByte(at, _) | base64::DecodeError::InvalidLastSymbol(at, _) => {
            FormatError::Base64(at)
        }
        base64::DecodeError::InvalidLength(len) => FormatError::Base64(len / 4 * 4),
        base64::DecodeError::InvalidPadding => FormatError::Base64(encoded.len()),
    })
}

/// The parts of a URL that Go's `url.Parse` gives the authenticator.
struct GoUrl<'a> {
    scheme: String,
    userinfo: bool,
    host: &'a str,
    /// Unescaped.
    path: String,
    raw_query: &'a str,
    fragment: bool,
}

impl<'a> GoUrl<'a> {
    fn parse(raw: &'a str) -> Result<Self, FormatError> {
        let invalid = |reason: &str| FormatError::Url(reason.to_string());
        if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
            return Err(invalid("net/url: invalid control character in URL"));
        }
        let (rest, fragment) = match raw.split_once('#') {
            Some((rest, _)) => (rest, true),
            None => (raw, false),
        };
        let (scheme, rest) = split_scheme(rest)?;
        let (rest, raw_query) = rest.split_once('?').unwrap_or((rest, ""));
        // Go: an authority follows "//" when there is a scheme or the rest is not "///…".
        let authority_follows =
            rest.starts_with("//") && (!scheme.is_empty() || !rest.starts_with("///"));
        let (authority, path) = if authority_follows {
            let after = &rest[2..];
            let end = after.find('/').unwrap_or(after.len());
            (Some(&after[..end]), &after[end..])
        } else {
            (None, rest)
        };
        if authority.is_none() && !scheme.is_empty() && !path.starts_with('/') {
            // An opaque URL ("https:foo") has no host.
            return Ok(Self {
                scheme,
                userinfo: false,
                host: "",
                path: String::new(),
                raw_query,
                fragment,
            });
        }
        let (userinfo, host) = match authority {
            Some(authority) => match authority.rsplit_once('@') {
                Some((_, host)) => (true, host),
                None => (false, authority),
            },
            None => (false, ""),
        };
        if let Some((_, port)) = host.rsplit_once(':')
            && !host.ends_with(']')
            && !port.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(invalid(&format!("invalid port \":{port}\" after host")));
        }
        let path = unescape(path, false).map_err(|e| invalid(&e))?;
        Ok(Self {
            scheme,
            userinfo,
            host,
            path,
            raw_query,
            fragment,
        })
    }
}

/// Go's `getScheme`: the scheme (lowercased) and the rest.
fn split_scheme(raw: &str) -> Result<(String, &str), FormatError> {
    for (i, c) in raw.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return Err(FormatError::Url("missing protocol scheme".into())),
            ':' => return Ok((raw[..i].to_ascii_lowercase(), &raw[i + 1..])),
            _ => return Ok((String::new(), raw)),
        }
    }
    Ok((String::new(), raw))
}

/// Go's `unescape`: `%XX` decoding; `+` is a space only in query components.
fn unescape(s: &str, query: bool) -> Result<String, String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = bytes.get(i + 1..i + 3).and_then(|h| {
                    std::str::from_utf8(h)
                        .ok()
                        .and_then(|h| u8::from_str_radix(h, 16).ok())
                        .filter(|_| h.iter().all(u8::is_ascii_hexdigit))
                });
                match hex {
                    Some(byte) => {
                        out.push(byte);
                        i += 3;
                    }
                    None => {
                        let end = (i + 3).min(bytes.len());
                        return Err(format!(
                            "invalid URL escape {:?}",
                            String::from_utf8_lossy(&bytes[i..end])
                        ));
                    }
                }
            }
            b'+' if query => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Go's `url.ParseQuery`, keeping the order keys first appear in. `Err` for any malformed
/// pair (a semicolon, a bad escape).
fn parse_query(raw: &str) -> Result<Vec<(String, Vec<String>)>, ()> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    let mut failed = false;
    for pair in raw.split('&') {
        if pair.is_empty() {
            continue;
        }
        if pair.contains(';') {
            failed = true;
            continue;
        }
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let (Ok(key), Ok(value)) = (unescape(key, true), unescape(value, true)) else {
            failed = true;
            continue;
        };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, values)) => values.push(value),
            None => out.push((key, vec![value])),
        }
    }
    if failed { Err(()) } else { Ok(out) }
}

/// Go's `strconv.Atoi`: an optional sign and decimal digits, nothing else.
fn go_atoi(s: &str) -> Option<i64> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Go's `time.Parse("20060102T150405Z", date)`, with its error messages.
pub fn parse_amz_date(date: &str) -> Result<SystemTime, String> {
    let prefix = format!("parsing time {date:?} as {DATE_LAYOUT:?}");
    let mut rest = date;
    let mut numbers = [0u32; 6];
    let layout: [(&str, usize); 8] = [
        ("2006", 4),
        ("01", 2),
        ("02", 2),
        ("T", 0),
        ("15", 2),
        ("04", 2),
        ("05", 2),
        ("Z", 0),
    ];
    let mut n = 0;
    for (element, width) in layout {
        let cannot = |rest: &str| format!("{prefix}: cannot parse {rest:?} as {element:?}");
        if width == 0 {
            rest = rest.strip_prefix(element).ok_or_else(|| cannot(rest))?;
            continue;
        }
        let digits = rest
            .get(..width)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()));
        let Some(digits) = digits else {
            return Err(cannot(rest));
        };
        numbers[n] = digits.parse().map_err(|_| cannot(rest))?;
        n += 1;
        rest = &rest[width..];
    }
    if !rest.is_empty() {
        return Err(format!("parsing time {date:?}: extra text: {rest:?}"));
    }
    let [year, month, day, hour, minute, second] = numbers;
    let out_of_range = |what: &str| format!("parsing time {date:?}: {what} out of range");
    if !(1..=12).contains(&month) {
        return Err(out_of_range("month"));
    }
    if day < 1 || day > days_in_month(year, month) {
        return Err(out_of_range("day"));
    }
    if hour > 23 {
        return Err(out_of_range("hour"));
    }
    if minute > 59 {
        return Err(out_of_range("minute"));
    }
    if second > 59 {
        return Err(out_of_range("second"));
    }
    let days = days_from_civil(i64::from(year), month, day);
    let seconds = days * 86_400 + i64::from(hour * 3600 + minute * 60 + second);
    Ok(if seconds >= 0 {
        UNIX_EPOCH + Duration::from_secs(seconds.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_secs(seconds.unsigned_abs())
    })
}

fn is_leap(year: u32) -> bool {
    year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day count (inverse of [`days_from_civil`]).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Seconds since the epoch (negative before it).
fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => d.as_secs() as i64,
        Err(e) => -(e.duration().as_secs() as i64),
    }
}

/// A UTC time as Go's `Time.String` prints it: `2006-01-02 15:04:05 +0000 UTC`.
pub fn go_time_string(t: SystemTime) -> String {
    let seconds = unix_seconds(t);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let rem = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} +0000 UTC",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// A UTC time as `X-Amz-Date` writes it: `20060102T150405Z`.
pub fn amz_date(t: SystemTime) -> String {
    let seconds = unix_seconds(t);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let rem = seconds.rem_euclid(86_400);
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests;
