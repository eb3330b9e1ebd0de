//! Per-role fast rejection that stays exact: a role's rules grouped by the first segment of
//! their resources, so a request only checks the rules that can possibly match its resource.
//!
//! A rule resource equal to the request's combined `resource/subresource` has the same first
//! segment as the request's resource; `*` and `*/subresource` may match any resource and are
//! always checked; non-resource requests check only rules with non-resource URLs. Each
//! candidate is then checked in full with [`rule_allows`], so answers are unchanged. Hashed with
//! foldhash, as the subject index is ([`super::index`]).

use foldhash::HashMap;

use kubeward_core::Attributes;

use crate::matching::rule_allows;
use crate::model::PolicyRule;

/// Rule positions of one role by what they can match.
#[derive(Debug, Clone, Default)]
pub(super) struct RuleIndex {
    by_resource: HashMap<Box<str>, Vec<u32>>,
    any_resource: Vec<u32>,
    non_resource: Vec<u32>,
}

fn first_segment(resource: &str) -> &str {
    resource.split('/').next().unwrap_or(resource)
}

fn push_once(list: &mut Vec<u32>, i: u32) {
    if list.last() != Some(&i) {
        list.push(i);
    }
}

impl RuleIndex {
    /// Indexes `rules` (positions beyond `u32::MAX` are not expected and are left out).
    pub(super) fn new(rules: &[PolicyRule]) -> Self {
        let mut index = Self::default();
        for (i, rule) in rules.iter().enumerate() {
            let Ok(i) = u32::try_from(i) else { break };
            if !rule.non_resource_urls.is_empty() {
                push_once(&mut index.non_resource, i);
            }
            for resource in &rule.resources {
                if resource == "*" || resource.starts_with("*/") {
                    push_once(&mut index.any_resource, i);
                } else {
                    let list = match index.by_resource.get_mut(first_segment(resource)) {
                        Some(list) => list,
                        None => index
                            .by_resource
                            .entry(first_segment(resource).into())
                            .or_default(),
                    };
                    push_once(list, i);
                }
            }
        }
        index
    }

    /// Whether one of `rules` (the rules this index was built from) allows the request.
    pub(super) fn allows(&self, rules: &[PolicyRule], attrs: &Attributes) -> bool {
        let check = |list: &[u32]| {
            list.iter()
                .any(|&i| rules.get(i as usize).is_some_and(|r| rule_allows(attrs, r)))
        };
        if attrs.resource_request {
            check(&self.any_resource)
                || self
                    .by_resource
                    .get(first_segment(&attrs.resource))
                    .is_some_and(|list| check(list))
        } else {
            check(&self.non_resource)
        }
    }
}
