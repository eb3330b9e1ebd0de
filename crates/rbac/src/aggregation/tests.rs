//! Selector semantics and the aggregation controller's order.

use std::collections::BTreeMap;

use super::*;

fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn req(key: &str, operator: &str, values: &[&str]) -> LabelSelectorRequirement {
    LabelSelectorRequirement {
        key: key.into(),
        operator: operator.into(),
        values: values.iter().map(|s| s.to_string()).collect(),
    }
}

fn sel(pairs: &[(&str, &str)], exprs: Vec<LabelSelectorRequirement>) -> LabelSelector {
    LabelSelector {
        match_labels: labels(pairs),
        match_expressions: exprs,
    }
}

fn rule(verb: &str) -> PolicyRule {
    PolicyRule {
        verbs: vec![verb.into()],
        api_groups: vec![String::new()],
        resources: vec!["pods".into()],
        ..PolicyRule::default()
    }
}

fn cr(name: &str, l: &[(&str, &str)], rules: Vec<PolicyRule>) -> Role {
    Role {
        name: name.into(),
        labels: labels(l),
        rules,
        ..Role::default()
    }
}

fn agg(name: &str, l: &[(&str, &str)], selectors: Vec<LabelSelector>) -> Role {
    Role {
        aggregation_rule: Some(selectors),
        ..cr(name, l, vec![])
    }
}

#[test]
fn selector_semantics() {
    let l = labels(&[("a", "1"), ("b", "2")]);
    let m = |s: LabelSelector| selector_matches(&s, &l);
    assert_eq!(m(sel(&[], vec![])), Ok(true), "empty selects everything");
    assert_eq!(m(sel(&[("a", "1")], vec![])), Ok(true));
    assert_eq!(m(sel(&[("a", "1"), ("b", "3")], vec![])), Ok(false));
    assert_eq!(m(sel(&[("c", "1")], vec![])), Ok(false));
    assert_eq!(m(sel(&[], vec![req("a", "In", &["0", "1"])])), Ok(true));
    assert_eq!(m(sel(&[], vec![req("c", "In", &["1"])])), Ok(false));
    assert_eq!(m(sel(&[], vec![req("a", "NotIn", &["1"])])), Ok(false));
    assert_eq!(m(sel(&[], vec![req("a", "NotIn", &["2"])])), Ok(true));
    assert_eq!(
        m(sel(&[], vec![req("c", "NotIn", &["1"])])),
        Ok(true),
        "NotIn matches an absent label"
    );
    assert_eq!(m(sel(&[], vec![req("b", "Exists", &[])])), Ok(true));
    assert_eq!(m(sel(&[], vec![req("c", "Exists", &[])])), Ok(false));
    assert_eq!(m(sel(&[], vec![req("c", "DoesNotExist", &[])])), Ok(true));
    assert_eq!(m(sel(&[], vec![req("a", "DoesNotExist", &[])])), Ok(false));
    assert_eq!(
        m(sel(
            &[("a", "1")],
            vec![req("b", "In", &["2"]), req("c", "DoesNotExist", &[])]
        )),
        Ok(true)
    );
}

#[test]
fn invalid_selectors() {
    let l = labels(&[]);
    assert_eq!(
        selector_matches(&sel(&[], vec![req("a", "Equals", &["1"])]), &l),
        Err(SelectorError::InvalidOperator("Equals".into()))
    );
    assert_eq!(
        selector_matches(&sel(&[], vec![req("a", "In", &[])]), &l),
        Err(SelectorError::ValuesRequired)
    );
    assert_eq!(
        selector_matches(&sel(&[], vec![req("a", "Exists", &["x"])]), &l),
        Err(SelectorError::ValuesForbidden(vec!["x".into()]))
    );
    assert_eq!(
        SelectorError::InvalidOperator("in".into()).to_string(),
        r#""in" is not a valid label selector operator"#
    );
    // A target with an invalid selector keeps its rules as written.
    let mut target = agg("t", &[], vec![sel(&[], vec![req("a", "Bad", &[])])]);
    target.rules = vec![rule("get")];
    let other = cr("o", &[("a", "1")], vec![rule("list")]);
    assert_eq!(aggregate_rules(&target, &[&other]), vec![rule("get")]);
}

#[test]
fn controller_order_and_deduplication() {
    // Selectors in order; roles by name within a selector; the target skipped; rules already
    // gathered not repeated.
    let target = agg(
        "target",
        &[("x", "1")],
        vec![sel(&[("x", "1")], vec![]), sel(&[("y", "1")], vec![])],
    );
    let roles = [
        cr("b", &[("x", "1")], vec![rule("b1"), rule("shared")]),
        cr("a", &[("x", "1"), ("y", "1")], vec![rule("a1")]),
        cr("c", &[("y", "1")], vec![rule("shared"), rule("c1")]),
        cr("d", &[], vec![rule("d1")]),
        cr("ns-role", &[("x", "1")], vec![rule("never")]),
    ];
    let mut roles = roles.to_vec();
    roles[4].namespace = Some("ns".into());
    let refs: Vec<&Role> = roles.iter().collect();
    assert_eq!(
        aggregate_rules(&target, &refs),
        vec![rule("a1"), rule("b1"), rule("shared"), rule("c1")]
    );
    // Without an aggregation rule, the rules as written.
    let plain = cr("plain", &[], vec![rule("p")]);
    assert_eq!(aggregate_rules(&plain, &refs), vec![rule("p")]);
    // An empty selector list aggregates nothing; stored rules are replaced.
    let mut empty = agg("empty", &[], vec![]);
    empty.rules = vec![rule("stale")];
    assert_eq!(aggregate_rules(&empty, &refs), Vec::<PolicyRule>::new());
}

#[test]
fn nested_aggregation_reaches_steady_state() {
    // admin selects edit (aggregated), edit selects view (aggregated) — as the bootstrap roles.
    let admin = agg("admin", &[], vec![sel(&[("to-admin", "true")], vec![])]);
    let edit = agg(
        "edit",
        &[("to-admin", "true")],
        vec![sel(&[("to-edit", "true")], vec![])],
    );
    let view = agg(
        "view",
        &[("to-edit", "true")],
        vec![sel(&[("to-view", "true")], vec![])],
    );
    let sys_admin = cr(
        "system:aggregate-to-admin",
        &[("to-admin", "true")],
        vec![rule("bind")],
    );
    let sys_edit = cr(
        "system:aggregate-to-edit",
        &[("to-edit", "true")],
        vec![rule("create")],
    );
    let sys_view = cr(
        "system:aggregate-to-view",
        &[("to-view", "true")],
        vec![rule("get")],
    );
    let all = [&admin, &edit, &view, &sys_admin, &sys_edit, &sys_view];
    assert_eq!(aggregate_rules(&view, &all), vec![rule("get")]);
    assert_eq!(
        aggregate_rules(&edit, &all),
        vec![rule("create"), rule("get")]
    );
    // "edit" < "system:aggregate-to-admin": edit's rules come first.
    assert_eq!(
        aggregate_rules(&admin, &all),
        vec![rule("create"), rule("get"), rule("bind")]
    );
}

#[test]
fn cycles_terminate() {
    let a = agg("a", &[("l", "a")], vec![sel(&[("l", "b")], vec![])]);
    let b = agg("b", &[("l", "b")], vec![sel(&[("l", "a")], vec![])]);
    let leaf = cr("c", &[("l", "a")], vec![rule("x")]);
    let all = [&a, &b, &leaf];
    assert_eq!(aggregate_rules(&b, &all), vec![rule("x")]);
    assert_eq!(aggregate_rules(&a, &all), vec![rule("x")]);
    // A selector matching itself is skipped.
    let me = agg("me", &[("l", "me")], vec![sel(&[("l", "me")], vec![])]);
    assert!(aggregate_rules(&me, &[&me]).is_empty());
}
