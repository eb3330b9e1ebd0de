//! A store of roles and bindings that answers RBAC questions from a subject index, with
//! kube-apiserver's exact decisions, reasons and rule lists.
//!
//! Kubernetes' `DefaultRuleResolver` walks every ClusterRoleBinding and every RoleBinding of the
//! request's namespace per request. Here each scope (cluster, or one namespace) keeps, for every
//! user name and group name, the bindings naming it sorted by binding name, and every binding
//! points at a role slot holding the role's rules (the precomputed aggregate for an aggregated
//! ClusterRole). A decision looks up the requester's name and groups only, so its cost does not
//! depend on the bindings that do not concern the requester, and it allocates nothing but the
//! reason of an allowed request.
//!
//! Order is Kubernetes' with listers sorted by name: ClusterRoleBindings by name, then the
//! RoleBindings of the namespace by name; the first binding whose role has a rule allowing the
//! request gives the reason, naming the binding's first subject that applies to the requester.
//!
//! Updates are incremental: a binding touches only its own subjects' lists; a ClusterRole
//! recomputes only the aggregated ClusterRoles whose selectors match its old or new labels (and
//! those that aggregate them in turn).

mod compiled;
mod index;
mod reason;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use kubeward_core::{Attributes, UserInfo, go};

use crate::aggregation::{aggregate_once, matches_valid, pass_bound, valid_selectors};
use crate::model::{Binding, LabelSelector, PolicyRule, Role, RoleRef, RoleRefKind, Subject};

use compiled::RuleIndex;
use index::{Entry, RoleId, SubjectIndex, effective_sa_namespace, subject_keys};

/// An RBAC decision. RBAC never denies: it allows or has no opinion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// A rule allows the request; `reason` names the binding, e.g.
    /// `RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"`.
    Allow {
        /// Kubernetes' reason string.
        reason: String,
    },
    /// No rule allows the request; `reason` is empty, or `RBAC: ` followed by the errors met while
    /// resolving roles (e.g. `RBAC: role.rbac.authorization.k8s.io "x" not found`).
    NoOpinion {
        /// Kubernetes' reason string.
        reason: String,
    },
}

impl Decision {
    /// Whether the request is allowed.
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allow { .. })
    }

    /// The reason, allowed or not.
    pub fn reason(&self) -> &str {
        match self {
            Decision::Allow { reason } | Decision::NoOpinion { reason } => reason,
        }
    }
}

/// The rules that apply to a user in a namespace, as a SelfSubjectRulesReview computes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RulesReview {
    /// The rules of the applying ClusterRoleBindings (by name), then of the namespace's applying
    /// RoleBindings (by name), each role's rules in order, duplicates kept.
    pub rules: Vec<PolicyRule>,
    /// Resolution errors, one per applying binding whose role does not exist.
    pub errors: Vec<String>,
}

impl RulesReview {
    /// Whether some rules could not be resolved (`status.incomplete`).
    pub fn incomplete(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The errors as Kubernetes aggregates them (`status.evaluationError`): empty, the single
    /// message, or `[a, b]` with repeated messages shown once.
    pub fn evaluation_error(&self) -> String {
        kubeward_core::status::aggregate(self.errors.iter().cloned())
    }
}

/// One way a request is allowed: a subject of a binding whose role allows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant {
    /// The subject, with a RoleBinding's ServiceAccount namespace defaulted to the binding's.
    pub subject: Subject,
    /// The binding's namespace; `None` for a ClusterRoleBinding.
    pub binding_namespace: Option<String>,
    /// The binding's name.
    pub binding_name: String,
    /// The role the binding grants.
    pub role_ref: RoleRef,
}

/// A role (or a role that bindings reference but that does not exist) in the role table.
#[derive(Debug, Clone, Default)]
struct RoleSlot {
    /// The role; `None` while only referenced.
    role: Option<Role>,
    /// For an aggregated ClusterRole, the aggregated rules.
    aggregated: Option<Vec<PolicyRule>>,
    /// How many bindings reference the slot.
    refs: u32,
    /// The effective rules by resource, for fast rejection.
    index: RuleIndex,
}

impl RoleSlot {
    fn rules(&self) -> Option<&[PolicyRule]> {
        let role = self.role.as_ref()?;
        Some(self.aggregated.as_deref().unwrap_or(&role.rules))
    }

    /// Whether the role exists and a rule allows the request; `None` if it does not exist.
    fn allows(&self, attrs: &Attributes) -> Option<bool> {
        Some(self.index.allows(self.rules()?, attrs))
    }

    fn reindex(&mut self) {
        self.index = RuleIndex::new(self.rules().unwrap_or_default());
    }
}

/// The slot of a `roleRef` that can never resolve (a ClusterRoleBinding referencing a Role).
const UNRESOLVABLE: RoleId = 0;

/// Roles and bindings with a subject index; see the module documentation.
#[derive(Debug, Clone)]
pub struct Policy {
    slots: Vec<RoleSlot>,
    free_slots: Vec<RoleId>,
    cluster_role_ids: BTreeMap<String, RoleId>,
    role_ids: BTreeMap<String, BTreeMap<String, RoleId>>,
    cluster_bindings: BTreeMap<String, Entry>,
    namespaced_bindings: BTreeMap<String, BTreeMap<String, Entry>>,
    cluster_index: SubjectIndex,
    namespace_index: foldhash::HashMap<String, SubjectIndex>,
    /// Aggregated ClusterRoles (with selectors Kubernetes accepts) by name.
    aggregators: BTreeMap<String, Vec<LabelSelector>>,
    /// ClusterRole names by label key and value.
    labels: HashMap<String, HashMap<String, BTreeSet<String>>>,
}

impl Default for Policy {
    fn default() -> Self {
        Self::new()
    }
}

impl Policy {
    /// An empty policy.
    pub fn new() -> Self {
        Self {
            slots: vec![RoleSlot::default()],
            free_slots: Vec::new(),
            cluster_role_ids: BTreeMap::new(),
            role_ids: BTreeMap::new(),
            cluster_bindings: BTreeMap::new(),
            namespaced_bindings: BTreeMap::new(),
            cluster_index: SubjectIndex::default(),
            namespace_index: foldhash::HashMap::default(),
            aggregators: BTreeMap::new(),
            labels: HashMap::new(),
        }
    }

    // ---- roles -------------------------------------------------------------------------------

    /// Adds or replaces a Role (`namespace: Some`) or ClusterRole.
    pub fn upsert_role(&mut self, role: Role) {
        let id = self.role_slot(role.namespace.as_deref(), &role.name);
        let Some(slot) = self.slots.get_mut(id as usize) else {
            return;
        };
        if slot.role.as_ref() == Some(&role) {
            return;
        }
        let cluster_role = role.namespace.is_none();
        let name = role.name.clone();
        let new_labels = role.labels.clone();
        let old = slot.role.replace(role);
        slot.aggregated = None;
        slot.reindex();
        if !cluster_role {
            return;
        }
        let old_labels = old.map(|r| r.labels).unwrap_or_default();
        self.unindex_labels(&name, &old_labels);
        self.index_labels(&name, &new_labels);
        self.aggregators.remove(&name);
        let selectors = self
            .slot(id)
            .and_then(|s| s.role.as_ref())
            .and_then(valid_selectors)
            .map(<[LabelSelector]>::to_vec);
        if let Some(selectors) = selectors {
            self.aggregators.insert(name.clone(), selectors);
        }
        self.refresh_aggregates(&name, &[&old_labels, &new_labels]);
    }

    /// Removes a Role or ClusterRole, returning it. Bindings that reference it stay and resolve
    /// to a "not found" error until it comes back.
    pub fn remove_role(&mut self, namespace: Option<&str>, name: &str) -> Option<Role> {
        let id = self.role_id(namespace, name)?;
        let slot = self.slots.get_mut(id as usize)?;
        let role = slot.role.take()?;
        slot.aggregated = None;
        slot.reindex();
        if namespace.is_none() {
            self.unindex_labels(name, &role.labels);
            self.aggregators.remove(name);
            self.refresh_aggregates(name, &[&role.labels]);
        }
        self.release_slot(id, namespace, name);
        Some(role)
    }

    /// The Role (`namespace: Some`) or ClusterRole of that name, as stored.
    pub fn role(&self, namespace: Option<&str>, name: &str) -> Option<&Role> {
        self.slot(self.role_id(namespace, name)?)?.role.as_ref()
    }

    /// Every role: ClusterRoles by name, then Roles by (namespace, name).
    pub fn roles(&self) -> impl Iterator<Item = &Role> {
        self.cluster_role_ids
            .values()
            .chain(self.role_ids.values().flat_map(BTreeMap::values))
            .filter_map(|id| self.slot(*id)?.role.as_ref())
    }

    /// The rules a role grants: its rules, or for an aggregated ClusterRole the rules the
    /// aggregation controller gives it. `None` if the role does not exist.
    pub fn effective_rules(&self, namespace: Option<&str>, name: &str) -> Option<&[PolicyRule]> {
        self.slot(self.role_id(namespace, name)?)?.rules()
    }

    // ---- bindings ----------------------------------------------------------------------------

    /// Adds or replaces a RoleBinding (`namespace: Some`) or ClusterRoleBinding.
    pub fn upsert_binding(&mut self, binding: Binding) {
        self.remove_binding(binding.namespace.as_deref(), &binding.name);
        let role = match (&binding.namespace, binding.role_ref.kind) {
            (_, RoleRefKind::ClusterRole) => self.role_slot(None, &binding.role_ref.name),
            (Some(namespace), RoleRefKind::Role) => {
                self.role_slot(Some(namespace), &binding.role_ref.name)
            }
            (None, RoleRefKind::Role) => UNRESOLVABLE,
        };
        if role != UNRESOLVABLE
            && let Some(slot) = self.slots.get_mut(role as usize)
        {
            slot.refs = slot.refs.saturating_add(1);
        }
        let keys = subject_keys(&binding);
        let entry = Entry {
            binding: Arc::new(binding),
            role,
        };
        let name = entry.binding.name.clone();
        let (index, store) = match entry.binding.namespace.clone() {
            None => (&mut self.cluster_index, &mut self.cluster_bindings),
            Some(namespace) => (
                self.namespace_index.entry(namespace.clone()).or_default(),
                self.namespaced_bindings.entry(namespace).or_default(),
            ),
        };
        for key in &keys {
            index.insert(key, entry.clone());
        }
        store.insert(name, entry);
    }

    /// Removes a RoleBinding or ClusterRoleBinding, returning it.
    pub fn remove_binding(&mut self, namespace: Option<&str>, name: &str) -> Option<Binding> {
        let entry = match namespace {
            None => self.cluster_bindings.remove(name)?,
            Some(ns) => {
                let bindings = self.namespaced_bindings.get_mut(ns)?;
                let entry = bindings.remove(name)?;
                if bindings.is_empty() {
                    self.namespaced_bindings.remove(ns);
                }
                entry
            }
        };
        let keys = subject_keys(&entry.binding);
        match namespace {
            None => keys.iter().for_each(|k| self.cluster_index.remove(k, name)),
            Some(ns) => {
                if let Some(index) = self.namespace_index.get_mut(ns) {
                    keys.iter().for_each(|k| index.remove(k, name));
                    if index.is_empty() {
                        self.namespace_index.remove(ns);
                    }
                }
            }
        }
        if entry.role != UNRESOLVABLE
            && let Some(slot) = self.slots.get_mut(entry.role as usize)
        {
            slot.refs = slot.refs.saturating_sub(1);
            let (role_namespace, role_name) = match entry.binding.role_ref.kind {
                RoleRefKind::ClusterRole => (None, entry.binding.role_ref.name.as_str()),
                RoleRefKind::Role => (namespace, entry.binding.role_ref.name.as_str()),
            };
            let role_name = role_name.to_string();
            self.release_slot(entry.role, role_namespace, &role_name);
        }
        Some(Arc::try_unwrap(entry.binding).unwrap_or_else(|shared| (*shared).clone()))
    }

    /// Every binding: ClusterRoleBindings by name, then RoleBindings by (namespace, name).
    pub fn bindings(&self) -> impl Iterator<Item = &Binding> {
        self.cluster_bindings
            .values()
            .chain(self.namespaced_bindings.values().flat_map(BTreeMap::values))
            .map(|entry| &*entry.binding)
    }

    /// The binding of that name: a RoleBinding (`namespace: Some`) or ClusterRoleBinding.
    pub fn binding(&self, namespace: Option<&str>, name: &str) -> Option<&Binding> {
        let entry = match namespace {
            None => self.cluster_bindings.get(name),
            Some(ns) => self.namespaced_bindings.get(ns)?.get(name),
        };
        entry.map(|e| &*e.binding)
    }

    // ---- questions ---------------------------------------------------------------------------

    /// Whether `attrs` is allowed, without building the reason: the question of the request
    /// filter, which only needs the reason of a denial.
    pub fn allows(&self, attrs: &Attributes) -> bool {
        let mut missing = false;
        if self
            .first_allowing(&self.cluster_index, attrs, &mut missing)
            .is_some()
        {
            return true;
        }
        !attrs.namespace.is_empty()
            && self
                .namespace_index
                .get(attrs.namespace.as_str())
                .is_some_and(|index| self.first_allowing(index, attrs, &mut missing).is_some())
    }

    /// Kubernetes' RBAC authorizer: allowed by the first binding (ClusterRoleBindings by name,
    /// then the RoleBindings of `attrs.namespace` by name) that applies to `attrs.user` and whose
    /// role has a rule allowing the request; otherwise no opinion, with resolution errors.
    pub fn authorize(&self, attrs: &Attributes) -> Decision {
        let user = &attrs.user;
        let mut missing = false;
        if let Some(entry) = self.first_allowing(&self.cluster_index, attrs, &mut missing) {
            return Decision::Allow {
                reason: self.allow_reason(entry, user),
            };
        }
        if !attrs.namespace.is_empty()
            && let Some(index) = self.namespace_index.get(attrs.namespace.as_str())
            && let Some(entry) = self.first_allowing(index, attrs, &mut missing)
        {
            return Decision::Allow {
                reason: self.allow_reason(entry, user),
            };
        }
        if !missing {
            return Decision::NoOpinion {
                reason: String::new(),
            };
        }
        let errors: Vec<String> = self
            .applying(user, &attrs.namespace)
            .filter(|e| self.rules_of(e).is_none())
            .map(|e| not_found(&e.binding.role_ref))
            .collect();
        let reason = if errors.is_empty() {
            String::new()
        } else {
            format!(
                "RBAC: {}",
                kubeward_core::status::aggregate(errors.iter().cloned())
            )
        };
        Decision::NoOpinion { reason }
    }

    /// The rules that apply to `user` in `namespace` (empty for cluster scope), with the errors
    /// met resolving roles, as Kubernetes' `RulesFor`.
    pub fn rules_for(&self, user: &UserInfo, namespace: &str) -> RulesReview {
        let mut review = RulesReview::default();
        for entry in self.applying(user, namespace) {
            match self.rules_of(entry) {
                Some(rules) => review.rules.extend_from_slice(rules),
                None => review.errors.push(not_found(&entry.binding.role_ref)),
            }
        }
        review
    }

    /// Every (subject, binding, role) allowing the request, whoever asks (`attrs.user` is
    /// ignored): ClusterRoleBindings by name, then the RoleBindings of `attrs.namespace` by
    /// name, subjects in binding order. Subjects that can apply to nobody (a ServiceAccount
    /// without a namespace in a ClusterRoleBinding) are left out.
    pub fn who_can(&self, attrs: &Attributes) -> Vec<Grant> {
        let mut grants = Vec::new();
        let namespaced = (!attrs.namespace.is_empty())
            .then(|| self.namespaced_bindings.get(attrs.namespace.as_str()))
            .flatten();
        let entries = self
            .cluster_bindings
            .values()
            .chain(namespaced.into_iter().flat_map(BTreeMap::values));
        for entry in entries {
            if self.slot(entry.role).and_then(|s| s.allows(attrs)) != Some(true) {
                continue;
            }
            let binding = &entry.binding;
            for subject in &binding.subjects {
                let subject = match subject {
                    Subject::ServiceAccount { namespace, name } => {
                        match effective_sa_namespace(namespace, binding.namespace.as_deref()) {
                            Some(namespace) => Subject::ServiceAccount {
                                namespace: namespace.to_string(),
                                name: name.clone(),
                            },
                            None => continue,
                        }
                    }
                    other => other.clone(),
                };
                grants.push(Grant {
                    subject,
                    binding_namespace: binding.namespace.clone(),
                    binding_name: binding.name.clone(),
                    role_ref: binding.role_ref.clone(),
                });
            }
        }
        grants
    }

    // ---- internals: decisions ----------------------------------------------------------------

    fn slot(&self, id: RoleId) -> Option<&RoleSlot> {
        self.slots.get(id as usize)
    }

    fn rules_of(&self, entry: &Entry) -> Option<&[PolicyRule]> {
        self.slot(entry.role)?.rules()
    }

    /// The first binding by name in `index` applying to the requester whose role allows the
    /// request. Each of the requester's lists is sorted by name, so the answer is the least of
    /// each list's first allowing binding; lists stop early past the best so far. `missing` is
    /// set when an applying binding's role was found missing.
    fn first_allowing<'a>(
        &'a self,
        index: &'a SubjectIndex,
        attrs: &'a Attributes,
        missing: &mut bool,
    ) -> Option<&'a Entry> {
        let mut best: Option<&Entry> = None;
        for list in index.lists_for(&attrs.user.name, &attrs.user.groups) {
            for entry in list {
                if best.is_some_and(|b| entry.name() >= b.name()) {
                    break;
                }
                match self.slot(entry.role).and_then(|s| s.allows(attrs)) {
                    None => *missing = true,
                    Some(true) => {
                        best = Some(entry);
                        break;
                    }
                    Some(false) => {}
                }
            }
        }
        best
    }

    /// The bindings applying to `user` in Kubernetes' order: ClusterRoleBindings by name, then
    /// (for a non-empty namespace) the namespace's RoleBindings by name.
    fn applying<'a>(
        &'a self,
        user: &'a UserInfo,
        namespace: &str,
    ) -> impl Iterator<Item = &'a Entry> {
        let collect = |index: Option<&'a SubjectIndex>| {
            let mut entries: Vec<&Entry> = index
                .into_iter()
                .flat_map(|i| i.lists_for(&user.name, &user.groups))
                .flatten()
                .collect();
            entries.sort_by(|a, b| a.name().cmp(b.name()));
            entries.dedup_by(|a, b| a.name() == b.name());
            entries
        };
        let cluster = collect(Some(&self.cluster_index));
        let namespaced = if namespace.is_empty() {
            Vec::new()
        } else {
            collect(self.namespace_index.get(namespace))
        };
        cluster.into_iter().chain(namespaced)
    }

    fn allow_reason(&self, entry: &Entry, user: &UserInfo) -> String {
        reason::allow_reason(&entry.binding, user)
    }

    // ---- internals: role table ---------------------------------------------------------------

    fn role_id(&self, namespace: Option<&str>, name: &str) -> Option<RoleId> {
        match namespace {
            None => self.cluster_role_ids.get(name).copied(),
            Some(ns) => self.role_ids.get(ns)?.get(name).copied(),
        }
    }

    /// The slot for a role, created (empty) if needed.
    fn role_slot(&mut self, namespace: Option<&str>, name: &str) -> RoleId {
        if let Some(id) = self.role_id(namespace, name) {
            return id;
        }
        let id = match self.free_slots.pop() {
            Some(id) => id,
            None => {
                self.slots.push(RoleSlot::default());
                RoleId::try_from(self.slots.len() - 1).unwrap_or(UNRESOLVABLE)
            }
        };
        if let Some(slot) = self.slots.get_mut(id as usize) {
            *slot = RoleSlot::default();
        }
        match namespace {
            None => {
                self.cluster_role_ids.insert(name.to_string(), id);
            }
            Some(ns) => {
                self.role_ids
                    .entry(ns.to_string())
                    .or_default()
                    .insert(name.to_string(), id);
            }
        }
        id
    }

    /// Frees a slot that holds no role and that no binding references.
    fn release_slot(&mut self, id: RoleId, namespace: Option<&str>, name: &str) {
        if id == UNRESOLVABLE {
            return;
        }
        let Some(slot) = self.slots.get(id as usize) else {
            return;
        };
        if slot.role.is_some() || slot.refs > 0 {
            return;
        }
        match namespace {
            None => {
                self.cluster_role_ids.remove(name);
            }
            Some(ns) => {
                if let Some(names) = self.role_ids.get_mut(ns) {
                    names.remove(name);
                    if names.is_empty() {
                        self.role_ids.remove(ns);
                    }
                }
            }
        }
        self.free_slots.push(id);
    }

    // ---- internals: aggregation --------------------------------------------------------------

    fn index_labels(&mut self, name: &str, labels: &BTreeMap<String, String>) {
        for (key, value) in labels {
            self.labels
                .entry(key.clone())
                .or_default()
                .entry(value.clone())
                .or_default()
                .insert(name.to_string());
        }
    }

    fn unindex_labels(&mut self, name: &str, labels: &BTreeMap<String, String>) {
        for (key, value) in labels {
            if let Some(values) = self.labels.get_mut(key) {
                if let Some(names) = values.get_mut(value) {
                    names.remove(name);
                    if names.is_empty() {
                        values.remove(value);
                    }
                }
                if values.is_empty() {
                    self.labels.remove(key);
                }
            }
        }
    }

    fn cluster_role(&self, name: &str) -> Option<&Role> {
        self.slot(*self.cluster_role_ids.get(name)?)?.role.as_ref()
    }

    /// The ClusterRoles a selector matches, sorted by name, with their current rules.
    fn selected<'a>(
        &'a self,
        selector: &'a LabelSelector,
    ) -> impl Iterator<Item = (&'a str, &'a [PolicyRule])> + 'a {
        // Narrow by one matchLabels pair when there is one; otherwise consider every ClusterRole.
        let narrowed: Option<Box<dyn Iterator<Item = &'a str> + 'a>> =
            match selector.match_labels.iter().next() {
                Some((key, value)) => Some(Box::new(
                    self.labels
                        .get(key)
                        .and_then(|values| values.get(value))
                        .into_iter()
                        .flatten()
                        .map(String::as_str),
                )),
                None => None,
            };
        let names: Box<dyn Iterator<Item = &'a str> + 'a> =
            narrowed.unwrap_or_else(|| Box::new(self.cluster_role_ids.keys().map(String::as_str)));
        names.filter_map(move |name| {
            let id = *self.cluster_role_ids.get(name)?;
            let slot = self.slot(id)?;
            let role = slot.role.as_ref()?;
            matches_valid(selector, &role.labels).then(|| (name, slot.rules().unwrap_or(&[])))
        })
    }

    /// Recomputes the aggregated ClusterRoles affected by a change of the ClusterRole `changed`
    /// whose labels were or are `label_sets`: those selecting it (and those selecting them, in
    /// turn), and `changed` itself if aggregated. They restart from empty rules and are
    /// recomputed, in name order, until nothing changes: the controller's steady state.
    fn refresh_aggregates(&mut self, changed: &str, label_sets: &[&BTreeMap<String, String>]) {
        let mut affected: BTreeSet<String> = BTreeSet::new();
        if self.aggregators.contains_key(changed) {
            affected.insert(changed.to_string());
        }
        for (name, selectors) in &self.aggregators {
            if selectors
                .iter()
                .any(|s| label_sets.iter().any(|labels| matches_valid(s, labels)))
            {
                affected.insert(name.clone());
            }
        }
        // Those aggregating an affected aggregated role are affected too.
        loop {
            let more: Vec<String> = self
                .aggregators
                .iter()
                .filter(|(name, _)| !affected.contains(*name))
                .filter(|(_, selectors)| {
                    affected.iter().any(|a| {
                        self.cluster_role(a)
                            .is_some_and(|r| selectors.iter().any(|s| matches_valid(s, &r.labels)))
                    })
                })
                .map(|(name, _)| name.clone())
                .collect();
            if more.is_empty() {
                break;
            }
            affected.extend(more);
        }
        if affected.is_empty() {
            return;
        }
        let targets: Vec<(RoleId, String, Vec<LabelSelector>)> = affected
            .into_iter()
            .filter_map(|name| {
                let id = *self.cluster_role_ids.get(&name)?;
                let selectors = self.aggregators.get(&name)?.clone();
                Some((id, name, selectors))
            })
            .collect();
        for (id, _, _) in &targets {
            if let Some(slot) = self.slots.get_mut(*id as usize) {
                slot.aggregated = Some(Vec::new());
            }
        }
        let total_rules: usize = targets
            .iter()
            .flat_map(|(_, _, selectors)| selectors)
            .flat_map(|s| self.selected(s))
            .map(|(_, rules)| rules.len())
            .sum();
        for _ in 0..pass_bound(targets.len(), total_rules) {
            let mut changed_any = false;
            for (id, name, selectors) in &targets {
                let next = aggregate_once(name, selectors, |s| self.selected(s));
                if let Some(slot) = self.slots.get_mut(*id as usize)
                    && slot.aggregated.as_ref() != Some(&next)
                {
                    slot.aggregated = Some(next);
                    changed_any = true;
                }
            }
            if !changed_any {
                break;
            }
        }
        for (id, _, _) in &targets {
            if let Some(slot) = self.slots.get_mut(*id as usize) {
                slot.reindex();
            }
        }
    }
}

// ---- helpers ---------------------------------------------------------------------------------

/// The lister's NotFound message for a missing role.
fn not_found(role_ref: &RoleRef) -> String {
    let resource = match role_ref.kind {
        RoleRefKind::Role => "role",
        RoleRefKind::ClusterRole => "clusterrole",
    };
    let mut message = format!("{resource}.rbac.authorization.k8s.io ");
    go::quote_into(&mut message, &role_ref.name);
    message.push_str(" not found");
    message
}

#[cfg(test)]
mod tests;
