//! Tests of the `kubectl auth can-i --list` table.

use super::*;

fn rule(verbs: &[&str], groups: &[&str], resources: &[&str], names: &[&str]) -> PolicyRule {
    let owned = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
    PolicyRule {
        verbs: owned(verbs),
        api_groups: owned(groups),
        resources: owned(resources),
        resource_names: owned(names),
        non_resource_urls: vec![],
    }
}

fn urls(verbs: &[&str], urls: &[&str]) -> PolicyRule {
    PolicyRule {
        verbs: verbs.iter().map(|s| s.to_string()).collect(),
        non_resource_urls: urls.iter().map(|s| s.to_string()).collect(),
        ..PolicyRule::default()
    }
}

#[test]
fn compacts_verbs_of_one_resource_and_sorts_by_the_go_string() {
    let rules = [
        rule(&["get", "list", "watch"], &[""], &["pods"], &[]),
        rule(&["*"], &["*"], &["*"], &[]),
        urls(&["get"], &["/healthz", "/api/*"]),
    ];
    assert_eq!(
        render(&rules, true),
        "\
Resources   Non-Resource URLs   Resource Names   Verbs
*.*         []                  []               [*]
pods        []                  []               [get list watch]
            [/api/*]            []               [get]
            [/healthz]          []               [get]
"
    );
}

#[test]
fn resource_names_and_subresources_are_shown_as_kubectl_does() {
    let rules = [rule(
        &["get", "update"],
        &["apps"],
        &["deployments/scale"],
        &["web", "api"],
    )];
    assert_eq!(
        render(&rules, false),
        "\
deployments.apps/scale   []    [api]   [get update]
deployments.apps/scale   []    [web]   [get update]
"
    );
}

#[test]
fn breakdown_multiplies_groups_resources_verbs_and_names() {
    let broken = breakdown(&rule(&["get", "list"], &["", "apps"], &["a", "b"], &["x"]));
    assert_eq!(broken.len(), 8);
    assert_eq!(broken[0], rule(&["get"], &[""], &["a"], &["x"]));
    assert_eq!(broken[7], rule(&["list"], &["apps"], &["b"], &["x"]));
}

#[test]
fn empty_review_prints_only_the_header() {
    assert_eq!(
        render(&[], true),
        "Resources   Non-Resource URLs   Resource Names   Verbs\n"
    );
}
