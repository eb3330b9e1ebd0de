//! The name rule of each kind (`ValidateNameFunc`): which format `metadata.name` and
//! `metadata.generateName` must have.

use super::content;

/// How a kind's object names are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameRule {
    /// A DNS-1123 label (`NameIsDNSLabel`): Namespaces.
    Dns1123Label,
    /// A DNS-1123 subdomain (`NameIsDNSSubdomain`): most kinds, ServiceAccounts among them.
    Dns1123Subdomain,
    /// A DNS-1035 label (`NameIsDNS1035Label`): Services.
    Dns1035Label,
    /// A URL path segment (`ValidatePathSegmentName`): the RBAC kinds.
    PathSegment,
    /// No rule of the kind's own (CertificateSigningRequests); the generic path-segment check
    /// that every create runs still applies.
    Any,
}

impl NameRule {
    /// The messages for `name`, or for `generateName` when `prefix` (a prefix may end in `-`).
    pub fn check(self, name: &str, prefix: bool) -> Vec<String> {
        match self {
            Self::Dns1123Label => content::dns1123_label(&mask_trailing_dash(name, prefix)),
            Self::Dns1123Subdomain => content::dns1123_subdomain(&mask_trailing_dash(name, prefix)),
            Self::Dns1035Label => content::dns1035_label(&mask_trailing_dash(name, prefix)),
            Self::PathSegment => path_segment(name, prefix),
            Self::Any => Vec::new(),
        }
    }
}

/// `path.ValidatePathSegmentName`.
pub fn path_segment(name: &str, prefix: bool) -> Vec<String> {
    if prefix {
        content::path_segment_prefix(name)
    } else {
        content::path_segment_name(name)
    }
}

/// apimachinery's `maskTrailingDash`: a `generateName` may end in `-`, so it is checked with its
/// last two characters replaced by `a` (exactly as Go does it, quirk included).
fn mask_trailing_dash(name: &str, prefix: bool) -> String {
    if prefix && name.len() > 1 && name.ends_with('-') {
        let cut = name.len() - 2;
        if name.is_char_boundary(cut) {
            return format!("{}a", &name[..cut]);
        }
    }
    name.to_string()
}
