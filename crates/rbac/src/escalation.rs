//! RBAC escalation prevention, as kube-apiserver's policy-based RBAC storage applies it.
//!
//! A user may only write a Role/ClusterRole, or bind one, if it grants nothing the user does not
//! already hold, unless the user is a superuser (`system:masters`) or is explicitly allowed to
//! (the `escalate` verb on roles, the `bind` verb on the referenced role). This module ports:
//!
//! - `Covers`/`BreakdownRule`/`ruleCovers` (`k8s.io/component-helpers/auth/rbac/validation`):
//!   [`covers`], [`breakdown_rule`];
//! - `CompactRules` (`pkg/registry/rbac/validation/policy_compact.go`) and `CompactString`
//!   (`pkg/apis/rbac/v1`): [`compact_rules`], [`compact_string`];
//! - `ConfirmNoEscalation` (`pkg/registry/rbac/validation/rule.go`) with its exact message:
//!   [`confirm_no_escalation`];
//! - `EscalationAllowed`, `RoleEscalationAuthorized`, `BindingAuthorized`
//!   (`pkg/registry/rbac/escalation_check.go`) and the decisions of the `policybased` storages
//!   of roles, clusterroles, rolebindings and clusterrolebindings: [`check_role_write`],
//!   [`check_aggregation_rule_write`], [`check_binding_write`],
//!   [`check_binding_write_with_lookup`].
//!
//! Everything is pure: the authorizer and the rule resolver come in as closures, so this module
//! does not depend on how [`crate::policy::Policy`] stores its index.

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

use kubeward_core::Attributes;
use kubeward_core::UserInfo;
use kubeward_core::go;
use kubeward_core::user::SYSTEM_PRIVILEGED_GROUP;

use crate::model::{PolicyRule, RoleRef, RoleRefKind};

/// The API group of the RBAC resources.
pub const RBAC_GROUP: &str = "rbac.authorization.k8s.io";

/// The message of the Forbidden error for a ClusterRole with an aggregation rule written by a
/// user who does not hold every permission.
pub const AGGREGATION_RULE_MESSAGE: &str =
    "must have cluster-admin privileges to use the aggregationRule";

/// Why an RBAC write is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum EscalationError {
    /// The written rules (or the rules of the bound role) are not all held by the user:
    /// `ConfirmNoEscalation`'s error, which kube-apiserver wraps in a 403 Forbidden
    /// (`roles.rbac.authorization.k8s.io "x" is forbidden: user …`).
    #[error(
        "{}",
        not_held_message(.user, .groups, .missing, .resolution_errors)
    )]
    NotCurrentlyHeld {
        /// The user name.
        user: String,
        /// The user's groups, in the authenticator's order.
        groups: Vec<String>,
        /// The missing rules, compacted and in the order the message lists them (sorted by
        /// their [`compact_string`], duplicates removed).
        missing: Vec<PolicyRule>,
        /// The errors met resolving the user's own rules (each one a message), in order.
        resolution_errors: Vec<String>,
    },
    /// A ClusterRole with an aggregation rule may only be written by a user who holds every
    /// permission (`*` on `*.*` and on every non-resource URL); a 403 Forbidden.
    #[error("must have cluster-admin privileges to use the aggregationRule")]
    AggregationRuleRequiresClusterAdmin,
    /// The role a binding refers to does not exist (and the user may not `bind` it): the
    /// registry's 404 NotFound, e.g. `clusterroles.rbac.authorization.k8s.io "x" not found`.
    #[error(
        "{}.{} {} not found",
        role_resource(.kind),
        RBAC_GROUP,
        go::quote(.name)
    )]
    RoleRefNotFound {
        /// Role or ClusterRole.
        kind: RoleRefKind,
        /// The missing role's name.
        name: String,
    },
}

/// `BreakdownRule`: splits `rule` into rules of one API group, one resource, one verb and at
/// most one resource name each, then one rule per (non-resource URL, verb).
pub fn breakdown_rule(rule: &PolicyRule) -> Vec<PolicyRule> {
    let mut subrules = Vec::new();
    for group in &rule.api_groups {
        for resource in &rule.resources {
            for verb in &rule.verbs {
                let single = |resource_names: Vec<String>| PolicyRule {
                    verbs: vec![verb.clone()],
                    api_groups: vec![group.clone()],
                    resources: vec![resource.clone()],
                    resource_names,
                    non_resource_urls: Vec::new(),
                };
                if rule.resource_names.is_empty() {
                    subrules.push(single(Vec::new()));
                } else {
                    for name in &rule.resource_names {
                        subrules.push(single(vec![name.clone()]));
                    }
                }
            }
        }
    }
    // Non-resource URLs only combine with verbs.
    for url in &rule.non_resource_urls {
        for verb in &rule.verbs {
            subrules.push(PolicyRule {
                verbs: vec![verb.clone()],
                non_resource_urls: vec![url.clone()],
                ..PolicyRule::default()
            });
        }
    }
    subrules
}

/// Kubernetes' `Covers`: whether `owner` rules cover every `requested` rule, and the broken-down
/// requested rules (see [`breakdown_rule`]) that no single owner rule covers, in order.
///
/// Wildcards are honoured only on the owner side: `*` verbs, `*` API groups, `*` resources
/// (every resource and subresource), `*/sub` (that subresource of every resource) and URL
/// prefixes ending in `*`. A requested `*` is covered only by an owner `*`; an owner `pods/*`
/// only covers a requested `pods/*` (exactly as Kubernetes compares it). An owner rule with
/// resource names covers only requests for those names.
pub fn covers(owner: &[PolicyRule], requested: &[PolicyRule]) -> (bool, Vec<PolicyRule>) {
    let uncovered: Vec<PolicyRule> = requested
        .iter()
        .flat_map(breakdown_rule)
        .filter(|subrule| !owner.iter().any(|rule| rule_covers(rule, subrule)))
        .collect();
    (uncovered.is_empty(), uncovered)
}

/// `ruleCovers`: whether `owner` (any shape) covers `subrule` (at most one verb, group,
/// resource, name and URL).
fn rule_covers(owner: &PolicyRule, subrule: &PolicyRule) -> bool {
    let verbs = has(&owner.verbs, "*") || has_all(&owner.verbs, &subrule.verbs);
    let groups = has(&owner.api_groups, "*") || has_all(&owner.api_groups, &subrule.api_groups);
    let resources = resource_covers_all(&owner.resources, &subrule.resources);
    let urls = non_resource_urls_cover_all(&owner.non_resource_urls, &subrule.non_resource_urls);
    let names = if subrule.resource_names.is_empty() {
        owner.resource_names.is_empty()
    } else {
        owner.resource_names.is_empty() || has_all(&owner.resource_names, &subrule.resource_names)
    };
    verbs && groups && resources && names && urls
}

fn has(set: &[String], element: &str) -> bool {
    set.iter().any(|s| s == element)
}

fn has_all(set: &[String], wanted: &[String]) -> bool {
    wanted.iter().all(|w| has(set, w))
}

/// `resourceCoversAll`: `*`, an exact match, or `*/<sub>` for a requested `<res>/<sub>`.
fn resource_covers_all(owned: &[String], wanted: &[String]) -> bool {
    if has(owned, "*") {
        return true;
    }
    wanted.iter().all(|path| {
        has(owned, path)
            || path
                .split_once('/')
                .is_some_and(|(_, sub)| owned.iter().any(|o| o.strip_prefix("*/") == Some(sub)))
    })
}

fn non_resource_urls_cover_all(owned: &[String], wanted: &[String]) -> bool {
    wanted
        .iter()
        .all(|path| owned.iter().any(|o| non_resource_url_covers(o, path)))
}

/// `nonResourceURLCovers`: an exact match, or an owner ending in `*` whose prefix (with every
/// trailing `*` removed) starts the path.
fn non_resource_url_covers(owner: &str, path: &str) -> bool {
    owner == path || (owner.ends_with('*') && path.starts_with(owner.trim_end_matches('*')))
}

/// Kubernetes' `CompactRules`: merges the verbs of rules that have exactly one API group, one
/// resource, at most one resource name and nothing else, keyed by (group, resource, name).
/// Other rules are kept as they are, first, in order; the merged rules follow in the order
/// their key first appeared (Kubernetes leaves that order to a Go map; the message sorts
/// anyway). Made for the broken-down output of [`covers`].
pub fn compact_rules(rules: &[PolicyRule]) -> Vec<PolicyRule> {
    let mut compacted = Vec::with_capacity(rules.len());
    let mut simple: Vec<PolicyRule> = Vec::new();
    let mut index: HashMap<(&str, &str, Option<&str>), usize> = HashMap::new();
    for rule in rules {
        match simple_resource(rule) {
            Some(key) => match index.get(&key).and_then(|&i| simple.get_mut(i)) {
                Some(existing) => existing.verbs.extend(rule.verbs.iter().cloned()),
                None => {
                    index.insert(key, simple.len());
                    simple.push(rule.clone());
                }
            },
            None => compacted.push(rule.clone()),
        }
    }
    compacted.extend(simple);
    compacted
}

/// `isSimpleResourceRule`: the (group, resource, name) key of a rule with one group, one
/// resource, at most one resource name and no non-resource URLs.
fn simple_resource(rule: &PolicyRule) -> Option<(&str, &str, Option<&str>)> {
    if rule.resource_names.len() > 1 || !rule.non_resource_urls.is_empty() {
        return None;
    }
    match (rule.api_groups.as_slice(), rule.resources.as_slice()) {
        ([group], [resource]) => Some((
            group.as_str(),
            resource.as_str(),
            rule.resource_names.first().map(String::as_str),
        )),
        _ => None,
    }
}

/// Kubernetes' `CompactString`: `{APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}`,
/// listing only the non-empty fields, in the order APIGroups, Resources, NonResourceURLs,
/// ResourceNames, Verbs, each as Go's `%q` of a string slice.
pub fn compact_string(rule: &PolicyRule) -> String {
    let fields: [(&str, &[String]); 5] = [
        ("APIGroups", &rule.api_groups),
        ("Resources", &rule.resources),
        ("NonResourceURLs", &rule.non_resource_urls),
        ("ResourceNames", &rule.resource_names),
        ("Verbs", &rule.verbs),
    ];
    let parts: Vec<String> = fields
        .iter()
        .filter(|(_, values)| !values.is_empty())
        .map(|(name, values)| format!("{name}:{}", go::quote_slice(values)))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

/// Kubernetes' `ConfirmNoEscalation`, given the rules the user holds (`owner`, from the rule
/// resolver for the request's namespace, or cluster-wide) and the errors met resolving them.
///
/// When `owner` does not cover `requested`, the error's message is exactly kube-apiserver's:
///
/// ```text
/// user "junho" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:
/// {APIGroups:[""], Resources:["pods"], Verbs:["get" "list"]}
/// {APIGroups:["apps"], Resources:["deployments"], Verbs:["create"]}; resolution errors: [roles.rbac.authorization.k8s.io "gone" not found]
/// ```
///
/// The missing rules are compacted ([`compact_rules`]), printed with [`compact_string`], sorted
/// and deduplicated. Resolution errors are non-fatal and only show up in this message; several
/// are aggregated as Go's `utilerrors.NewAggregate` does (`[[a, b]]`, repeats once).
pub fn confirm_no_escalation(
    user: &UserInfo,
    requested: &[PolicyRule],
    owner: &[PolicyRule],
    resolution_errors: &[String],
) -> Result<(), EscalationError> {
    let (covered, missing) = covers(owner, requested);
    if covered {
        return Ok(());
    }
    let mut described: Vec<(String, PolicyRule)> = compact_rules(&missing)
        .into_iter()
        .map(|rule| (compact_string(&rule), rule))
        .collect();
    described.sort_by(|a, b| a.0.cmp(&b.0));
    described.dedup_by(|a, b| a.0 == b.0);
    Err(EscalationError::NotCurrentlyHeld {
        user: user.name.clone(),
        groups: user.groups.clone(),
        missing: described.into_iter().map(|(_, rule)| rule).collect(),
        resolution_errors: resolution_errors.to_vec(),
    })
}

/// `EscalationAllowed`: whether `user` is in `system:masters`, the group kube-apiserver trusts
/// with everything (it skips every escalation check, without asking the authorizer).
pub fn is_superuser(user: &UserInfo) -> bool {
    user.groups.iter().any(|g| g == SYSTEM_PRIVILEGED_GROUP)
}

/// The attributes `RoleEscalationAuthorized` asks the authorizer: verb `escalate` on
/// `roles` (namespace `Some`) or `clusterroles` (`None`) in `rbac.authorization.k8s.io`,
/// API version `*`, named `name` (the request's name: empty for a create).
pub fn escalate_attributes(user: &UserInfo, namespace: Option<&str>, name: &str) -> Attributes {
    let resource = if namespace.is_some() {
        "roles"
    } else {
        "clusterroles"
    };
    rbac_attributes(
        user,
        "escalate",
        namespace.unwrap_or_default(),
        resource,
        name,
    )
}

/// The attributes `BindingAuthorized` asks the authorizer: verb `bind` on the referenced
/// `roles`/`clusterroles` object by name, API version `*`, in the binding's namespace (empty for
/// a ClusterRoleBinding).
pub fn bind_attributes(
    user: &UserInfo,
    binding_namespace: Option<&str>,
    role_ref: &RoleRef,
) -> Attributes {
    rbac_attributes(
        user,
        "bind",
        binding_namespace.unwrap_or_default(),
        role_resource(&role_ref.kind),
        &role_ref.name,
    )
}

fn rbac_attributes(
    user: &UserInfo,
    verb: &str,
    namespace: &str,
    resource: &str,
    name: &str,
) -> Attributes {
    Attributes {
        api_version: "*".to_string(),
        ..Attributes::resource(user.clone(), verb, RBAC_GROUP, resource, namespace).with_name(name)
    }
}

/// May `user` create/update a Role (namespace `Some`) or ClusterRole (`None`) with `rules`?
///
/// As the `policybased` storage of roles and clusterroles: a superuser ([`is_superuser`]) may,
/// without asking the authorizer; so may a user `authorize` allows to `escalate` (see
/// [`escalate_attributes`]); anyone else only if the rules they hold in `namespace`
/// (`rules_for(user, ns)`, `""` for a ClusterRole: cluster-wide) cover `rules`
/// ([`confirm_no_escalation`]).
///
/// `role_name` is the name of the *request* as kube-apiserver's RequestInfo has it: empty for a
/// create (a POST to the collection), the role's name for an update or patch. It only matters
/// for an `escalate` permission limited by `resourceNames`.
///
/// `rules_for` returns the user's rules and the messages of the errors met resolving them
/// (one per binding whose role is missing). kube-apiserver resolves roles through its registry,
/// so the lister wording `role.rbac.authorization.k8s.io "x" not found` is printed as the
/// registry's `roles.rbac.authorization.k8s.io "x" not found` (likewise for clusterroles).
///
/// For a ClusterRole with an aggregation rule, also call [`check_aggregation_rule_write`].
pub fn check_role_write(
    user: &UserInfo,
    namespace: Option<&str>,
    role_name: &str,
    rules: &[PolicyRule],
    authorize: impl Fn(&Attributes) -> bool,
    rules_for: impl Fn(&UserInfo, &str) -> (Vec<PolicyRule>, Vec<String>),
) -> Result<(), EscalationError> {
    if is_superuser(user) || authorize(&escalate_attributes(user, namespace, role_name)) {
        return Ok(());
    }
    confirm_held(user, namespace, rules, &rules_for)
}

/// May `user` write a ClusterRole that has an aggregation rule (at least one selector)?
///
/// As the clusterroles storage, after [`check_role_write`] passed: a superuser or a user
/// allowed to `escalate` the ClusterRole may; anyone else must hold every permission
/// cluster-wide (`*` verbs on `*` groups and resources, and on the non-resource URL `*`), or
/// gets [`EscalationError::AggregationRuleRequiresClusterAdmin`].
pub fn check_aggregation_rule_write(
    user: &UserInfo,
    role_name: &str,
    authorize: impl Fn(&Attributes) -> bool,
    rules_for: impl Fn(&UserInfo, &str) -> (Vec<PolicyRule>, Vec<String>),
) -> Result<(), EscalationError> {
    if is_superuser(user) || authorize(&escalate_attributes(user, None, role_name)) {
        return Ok(());
    }
    let everything = |resource: bool| PolicyRule {
        verbs: vec!["*".to_string()],
        api_groups: if resource {
            vec!["*".to_string()]
        } else {
            Vec::new()
        },
        resources: if resource {
            vec!["*".to_string()]
        } else {
            Vec::new()
        },
        resource_names: Vec::new(),
        non_resource_urls: if resource {
            Vec::new()
        } else {
            vec!["*".to_string()]
        },
    };
    let full_authority = [everything(true), everything(false)];
    confirm_held(user, None, &full_authority, &rules_for)
        .map_err(|_| EscalationError::AggregationRuleRequiresClusterAdmin)
}

/// May `user` create/update a binding (namespace `Some` = RoleBinding, `None` =
/// ClusterRoleBinding) to `role_ref`, whose role exists with the effective rules `role_rules`?
///
/// As the `policybased` storage of rolebindings and clusterrolebindings: a superuser may; so
/// may a user `authorize` allows to `bind` the referenced role ([`bind_attributes`]); anyone
/// else only if the rules they hold in the binding's namespace (cluster-wide for a
/// ClusterRoleBinding) cover `role_rules`. When the role may be missing, use
/// [`check_binding_write_with_lookup`]. See [`check_role_write`] for `rules_for`.
pub fn check_binding_write(
    user: &UserInfo,
    namespace: Option<&str>,
    role_ref: &RoleRef,
    role_rules: &[PolicyRule],
    authorize: impl Fn(&Attributes) -> bool,
    rules_for: impl Fn(&UserInfo, &str) -> (Vec<PolicyRule>, Vec<String>),
) -> Result<(), EscalationError> {
    check_binding_write_with_lookup(
        user,
        namespace,
        role_ref,
        Some(role_rules),
        authorize,
        rules_for,
    )
}

/// [`check_binding_write`] where the referenced role may not exist (`role_rules: None`), e.g.
/// fed from `Policy::effective_rules`.
///
/// Kubernetes resolves the role only after the superuser and `bind` checks: binding a missing
/// role is allowed to a superuser or a user who may `bind` it; anyone else gets the registry's
/// NotFound, [`EscalationError::RoleRefNotFound`] (a 404, not a 403).
pub fn check_binding_write_with_lookup(
    user: &UserInfo,
    namespace: Option<&str>,
    role_ref: &RoleRef,
    role_rules: Option<&[PolicyRule]>,
    authorize: impl Fn(&Attributes) -> bool,
    rules_for: impl Fn(&UserInfo, &str) -> (Vec<PolicyRule>, Vec<String>),
) -> Result<(), EscalationError> {
    if is_superuser(user) || authorize(&bind_attributes(user, namespace, role_ref)) {
        return Ok(());
    }
    let Some(role_rules) = role_rules else {
        return Err(EscalationError::RoleRefNotFound {
            kind: role_ref.kind,
            name: role_ref.name.clone(),
        });
    };
    confirm_held(user, namespace, role_rules, &rules_for)
}

/// Resolves the user's rules in `namespace` (cluster-wide for `None`) and confirms they cover
/// `requested`.
fn confirm_held(
    user: &UserInfo,
    namespace: Option<&str>,
    requested: &[PolicyRule],
    rules_for: &impl Fn(&UserInfo, &str) -> (Vec<PolicyRule>, Vec<String>),
) -> Result<(), EscalationError> {
    let (owner, errors) = rules_for(user, namespace.unwrap_or_default());
    let errors: Vec<String> = errors.iter().map(|e| registry_wording(e)).collect();
    confirm_no_escalation(user, requested, &owner, &errors)
}

/// Rewrites the informer lister's NotFound (`role.rbac.authorization.k8s.io "x" not found`) as
/// the registry's (`roles.rbac.authorization.k8s.io "x" not found`), which is what the
/// escalation check of kube-apiserver meets. Other messages are kept.
fn registry_wording(error: &str) -> String {
    for (lister, registry) in [
        ("role.rbac.authorization.k8s.io \"", "roles"),
        ("clusterrole.rbac.authorization.k8s.io \"", "clusterroles"),
    ] {
        if let Some(rest) = error.strip_prefix(lister)
            && error.ends_with("\" not found")
        {
            return format!("{registry}.{RBAC_GROUP} \"{rest}");
        }
    }
    error.to_string()
}

/// The resource of a role kind: `roles` or `clusterroles`.
fn role_resource(kind: &RoleRefKind) -> &'static str {
    match kind {
        RoleRefKind::Role => "roles",
        RoleRefKind::ClusterRole => "clusterroles",
    }
}

/// The message of [`EscalationError::NotCurrentlyHeld`].
fn not_held_message(
    user: &str,
    groups: &[String],
    missing: &[PolicyRule],
    resolution_errors: &[String],
) -> String {
    let descriptions: Vec<String> = missing
        .iter()
        .map(compact_string)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut message = format!(
        "user {} (groups={}) is attempting to grant RBAC permissions not currently held:\n{}",
        go::quote(user),
        go::quote_slice(groups),
        descriptions.join("\n")
    );
    if !resolution_errors.is_empty() {
        // `%v` of a one-element `[]error` holding the `RulesFor` aggregate.
        let _ = write!(
            message,
            "; resolution errors: [{}]",
            kubeward_core::status::aggregate(resolution_errors.iter().cloned())
        );
    }
    message
}

#[cfg(test)]
mod tests;
