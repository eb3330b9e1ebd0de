//! kubectl's `auth can-i` line, and the review specs it sends.

use kubeward_core::UserInfo;

use super::*;

#[test]
fn the_answer_line_is_kubectls() {
    let access = |allowed: bool, reason: &str, error: &str| Access {
        allowed,
        reason: reason.into(),
        evaluation_error: error.into(),
    };
    assert_eq!(access(true, "RBAC: allowed", "").line(), "yes");
    assert_eq!(access(false, "", "").line(), "no");
    assert_eq!(access(false, "nope", "").line(), "no - nope");
    assert_eq!(access(false, "", "broken").line(), "no - broken");
    assert_eq!(access(false, "nope", "broken").line(), "no - nope - broken");
}

#[test]
fn a_resource_question_leaves_empty_fields_out_and_a_url_is_a_path() {
    let attributes = Attributes::resource(UserInfo::default(), "list", "", "pods", "dev")
        .with_subresource("log");
    let spec = spec(&attributes);
    let resource = spec.resource_attributes.expect("resource attributes");
    assert_eq!(resource.verb.as_deref(), Some("list"));
    assert_eq!(resource.namespace.as_deref(), Some("dev"));
    assert_eq!(resource.group, None);
    assert_eq!(resource.name, None);
    assert_eq!(resource.subresource.as_deref(), Some("log"));
    let url = super::spec(&Attributes::non_resource(
        UserInfo::default(),
        "get",
        "/healthz",
    ));
    let path = url
        .non_resource_attributes
        .expect("non-resource attributes");
    assert_eq!(path.path.as_deref(), Some("/healthz"));
    assert_eq!(path.verb.as_deref(), Some("get"));
}
