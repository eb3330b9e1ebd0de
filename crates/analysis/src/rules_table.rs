//! The table `kubectl auth can-i --list` prints from a rules review.
//!
//! kubectl breaks every rule down to one verb, one group, one resource and one name
//! (`BreakdownRule`), merges the single-resource rules that differ only by verb (`CompactRules`),
//! sorts them by the Go string form of the rule (which begins with the verbs), and prints four
//! tab-aligned columns. Duplicates are kept, as kubectl keeps them.

use std::fmt::Write as _;

use kubeward_rbac::PolicyRule;

use crate::tabwriter::TabWriter;

/// Renders `rules` (resource rules, then non-resource rules, as a SelfSubjectRulesReview returns
/// them) exactly as `kubectl auth can-i --list` prints them.
pub fn render(rules: &[PolicyRule], headers: bool) -> String {
    let mut compacted = compact(rules.iter().flat_map(breakdown).collect());
    // A stable sort, as kubectl's `sort.Stable`; the key is computed once per rule.
    compacted.sort_by_cached_key(go_string);

    let mut text = String::new();
    if headers {
        text.push_str("Resources\tNon-Resource URLs\tResource Names\tVerbs\n");
    }
    for rule in &compacted {
        // Writing to a String cannot fail.
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}",
            combine_resource_group(&rule.resources, &rule.api_groups),
            go_slice(&rule.non_resource_urls),
            go_slice(&rule.resource_names),
            go_slice(&rule.verbs),
        );
    }
    TabWriter::KUBECTL.render(&text)
}

/// One rule per (group, resource, verb[, name]) and per (URL, verb), in kubectl's order.
pub fn breakdown(rule: &PolicyRule) -> Vec<PolicyRule> {
    let one = |s: &String| vec![s.clone()];
    let mut rules = Vec::new();
    for group in &rule.api_groups {
        for resource in &rule.resources {
            for verb in &rule.verbs {
                let base = PolicyRule {
                    verbs: one(verb),
                    api_groups: one(group),
                    resources: one(resource),
                    ..PolicyRule::default()
                };
                if rule.resource_names.is_empty() {
                    rules.push(base);
                } else {
                    rules.extend(rule.resource_names.iter().map(|name| PolicyRule {
                        resource_names: one(name),
                        ..base.clone()
                    }));
                }
            }
        }
    }
    for url in &rule.non_resource_urls {
        for verb in &rule.verbs {
            rules.push(PolicyRule {
                verbs: one(verb),
                non_resource_urls: one(url),
                ..PolicyRule::default()
            });
        }
    }
    rules
}

/// Merges rules with one group, one resource, at most one name and nothing else, that differ only
/// by verbs; other rules pass through. Merged rules follow the others, as in kubectl.
pub fn compact(rules: Vec<PolicyRule>) -> Vec<PolicyRule> {
    let mut others = Vec::new();
    let mut simple: Vec<PolicyRule> = Vec::new();
    for rule in rules {
        let is_simple = rule.resource_names.len() <= 1
            && rule.non_resource_urls.is_empty()
            && rule.api_groups.len() == 1
            && rule.resources.len() == 1;
        if !is_simple {
            others.push(rule);
            continue;
        }
        match simple.iter_mut().find(|s| {
            s.api_groups == rule.api_groups
                && s.resources == rule.resources
                && s.resource_names == rule.resource_names
        }) {
            Some(existing) => existing.verbs.extend(rule.verbs),
            None => simple.push(rule),
        }
    }
    others.extend(simple);
    others
}

/// kubectl's `CombineResourceGroup`: `res.group/sub` from the first resource and group.
pub fn combine_resource_group(resources: &[String], groups: &[String]) -> String {
    let Some(resource) = resources.first() else {
        return String::new();
    };
    let (name, subresource) = match resource.split_once('/') {
        Some((name, sub)) => (name, Some(sub)),
        None => (resource.as_str(), None),
    };
    let mut combined = name.to_string();
    if let Some(group) = groups.first().filter(|g| !g.is_empty()) {
        combined.push('.');
        combined.push_str(group);
    }
    if let Some(subresource) = subresource {
        combined.push('/');
        combined.push_str(subresource);
    }
    combined
}

/// A string slice as Go's `%v` prints it: `[a b c]`.
pub fn go_slice(items: &[String]) -> String {
    format!("[{}]", items.join(" "))
}

/// The Go `String()` of an `rbac/v1.PolicyRule`, the key kubectl sorts by.
fn go_string(rule: &PolicyRule) -> String {
    format!(
        "&PolicyRule{{Verbs:{},APIGroups:{},Resources:{},ResourceNames:{},NonResourceURLs:{},}}",
        go_slice(&rule.verbs),
        go_slice(&rule.api_groups),
        go_slice(&rule.resources),
        go_slice(&rule.resource_names),
        go_slice(&rule.non_resource_urls),
    )
}

#[cfg(test)]
mod tests;
