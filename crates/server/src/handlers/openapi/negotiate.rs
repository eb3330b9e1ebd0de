//! The HTTP side of the OpenAPI documents, as kube-openapi's handlers answer (`pkg/handler`,
//! `pkg/handler3`): which media type an `Accept` header picks (its clauses by preference, each
//! tried against the served types in order; `*` matches anything), whether `If-None-Match`
//! names the current `ETag`, and the HTTP dates of `Last-Modified` and `Expires`. Pure: no I/O.

use time::OffsetDateTime;
use time::macros::format_description;

/// A media type a document is served as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Media {
    /// What the `Accept` header names: `application/<subtype>`.
    pub subtype: &'static str,
    /// The `Content-Type` of the answer.
    pub content_type: &'static str,
}

/// JSON.
pub const JSON: Media = Media {
    subtype: "json",
    content_type: "application/json",
};

/// OpenAPI v2 in protobuf as kubectl asks for it (`@`, which Go's media type parser refuses in
/// an answer: kube-apiserver answers with the `.` form).
pub const V2_PROTOBUF_DEPRECATED: Media = Media {
    subtype: "com.github.proto-openapi.spec.v2@v1.0+protobuf",
    content_type: "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
};

/// OpenAPI v2 in protobuf.
pub const V2_PROTOBUF: Media = Media {
    subtype: "com.github.proto-openapi.spec.v2.v1.0+protobuf",
    content_type: "application/com.github.proto-openapi.spec.v2.v1.0+protobuf",
};

/// One clause of an `Accept` header.
struct Clause<'a> {
    kind: &'a str,
    subtype: &'a str,
    quality: f32,
}

fn clauses(accept: &str) -> Vec<Clause<'_>> {
    let accept = if accept.trim().is_empty() {
        "*/*"
    } else {
        accept
    };
    let mut clauses: Vec<Clause<'_>> = accept
        .split(',')
        .filter_map(|part| {
            let mut params = part.split(';');
            let media = params.next()?.trim();
            let (kind, subtype) = match media.split_once('/') {
                Some((kind, subtype)) => (kind.trim(), subtype.trim()),
                None if media == "*" => ("*", "*"),
                None => return None,
            };
            let quality = params
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            Some(Clause {
                kind,
                subtype,
                quality,
            })
        })
        .collect();
    // By preference; among equals, the more specific first (goautoneg's order).
    let specificity = |c: &Clause<'_>| u8::from(c.kind != "*") + u8::from(c.subtype != "*");
    clauses.sort_by(|a, b| {
        b.quality
            .total_cmp(&a.quality)
            .then_with(|| specificity(b).cmp(&specificity(a)))
    });
    clauses
}

/// The first of `served` the `Accept` header takes, or none (406).
pub fn choose(accept: &str, served: &[Media]) -> Option<Media> {
    clauses(accept)
        .iter()
        .filter(|clause| clause.quality > 0.0)
        .find_map(|clause| {
            served.iter().copied().find(|media| {
                (clause.kind == "application" || clause.kind == "*")
                    && (clause.subtype == media.subtype || clause.subtype == "*")
            })
        })
}

/// Whether an `If-None-Match` header names `etag` (quoted), or is `*`.
pub fn not_modified(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').any(|tag| {
        let tag = tag.trim();
        tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag
    })
}

/// An HTTP date, as Go's `http.TimeFormat` (`Last-Modified`).
pub fn http_date(at: OffsetDateTime) -> String {
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    at.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

/// A year after `now`, as kube-openapi writes `Expires` (Go's `time.RFC1123` of the server's
/// local time: UTC).
pub fn a_year_after(now: OffsetDateTime) -> String {
    let later = now
        .replace_year(now.year() + 1)
        .unwrap_or(now + time::Duration::days(365));
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] UTC"
    );
    later
        .to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
