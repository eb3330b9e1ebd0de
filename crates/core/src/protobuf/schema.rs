//! The protobuf schemas (field numbers and JSON names) of the kinds kubectl sends to this server
//! in protobuf, as `k8s.io/api`'s generated protobuf defines them. Only the fields the server
//! uses or stores are listed; others are skipped.

/// What a field holds.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A UTF-8 string.
    String,
    /// Bytes (base64 in JSON).
    Bytes,
    /// A boolean.
    Bool,
    /// A 32-bit integer.
    Int32,
    /// A 64-bit integer.
    Int64,
    /// A nested message.
    Message(&'static [Field]),
    /// A nested message whose fields JSON inlines into the parent (`json:",inline"`).
    Inline(&'static [Field]),
    /// `metav1.Time` (RFC 3339 in JSON).
    Time,
    /// `intstr.IntOrString`.
    IntOrString,
    /// `map<string, string>`.
    MapString,
    /// `map<string, bytes>`.
    MapBytes,
    /// `map<string, ExtraValue>` (a list of strings in JSON).
    MapMessage(&'static [Field]),
    /// `map<string, resource.Quantity>` (strings in JSON).
    MapQuantity,
    /// `resource.Quantity` (a string in JSON).
    Quantity,
}

impl Kind {
    /// Whether a packed repeated encoding is possible.
    pub fn is_scalar_number(&self) -> bool {
        matches!(self, Self::Int32 | Self::Int64)
    }
}

/// One field of a message.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    /// The field number.
    pub number: u32,
    /// The JSON name.
    pub json: &'static str,
    /// What it holds.
    pub kind: Kind,
    /// Whether it repeats.
    pub repeated: bool,
    /// Whether a zero value is left out (a non-pointer `omitempty` number or bool in Go).
    pub omit_zero: bool,
}

const fn f(number: u32, json: &'static str, kind: Kind) -> Field {
    Field {
        number,
        json,
        kind,
        repeated: false,
        omit_zero: false,
    }
}

const fn list(number: u32, json: &'static str, kind: Kind) -> Field {
    Field {
        number,
        json,
        kind,
        repeated: true,
        omit_zero: false,
    }
}

const fn zero_omitted(number: u32, json: &'static str, kind: Kind) -> Field {
    Field {
        number,
        json,
        kind,
        repeated: false,
        omit_zero: true,
    }
}

use Kind::{
    Bool, Bytes, Inline, Int32, Int64, IntOrString as IntStr, MapBytes, MapMessage, MapQuantity,
    MapString, Message as Msg, Quantity, String as Str, Time,
};

/// `runtime.TypeMeta` of the envelope.
const TYPE_META: &[Field] = &[f(1, "apiVersion", Str), f(2, "kind", Str)];
/// `runtime.Unknown`, the envelope.
pub const UNKNOWN: &[Field] = &[
    f(1, "typeMeta", Msg(TYPE_META)),
    f(2, "raw", Bytes),
    f(3, "contentEncoding", Str),
    f(4, "contentType", Str),
];
/// `resource.Quantity`.
pub const QUANTITY: &[Field] = &[f(1, "string", Str)];
/// `intstr.IntOrString`.
pub const INT_OR_STRING: &[Field] = &[
    f(1, "type", Int64),
    f(2, "intVal", Int32),
    f(3, "strVal", Str),
];

const OWNER_REFERENCE: &[Field] = &[
    f(1, "kind", Str),
    f(3, "name", Str),
    f(4, "uid", Str),
    f(5, "apiVersion", Str),
    f(6, "controller", Bool),
    f(7, "blockOwnerDeletion", Bool),
];
const OBJECT_META: &[Field] = &[
    f(1, "name", Str),
    f(2, "generateName", Str),
    f(3, "namespace", Str),
    f(5, "uid", Str),
    f(6, "resourceVersion", Str),
    zero_omitted(7, "generation", Int64),
    f(8, "creationTimestamp", Time),
    f(9, "deletionTimestamp", Time),
    f(10, "deletionGracePeriodSeconds", Int64),
    f(11, "labels", MapString),
    f(12, "annotations", MapString),
    list(13, "ownerReferences", Msg(OWNER_REFERENCE)),
    list(14, "finalizers", Str),
];
const LABEL_SELECTOR_REQUIREMENT: &[Field] = &[
    f(1, "key", Str),
    f(2, "operator", Str),
    list(3, "values", Str),
];
const LABEL_SELECTOR: &[Field] = &[
    f(1, "matchLabels", MapString),
    list(2, "matchExpressions", Msg(LABEL_SELECTOR_REQUIREMENT)),
];
const EXTRA_VALUE: &[Field] = &[list(1, "items", Str)];
const OBJECT_REFERENCE: &[Field] = &[
    f(1, "kind", Str),
    f(2, "namespace", Str),
    f(3, "name", Str),
    f(4, "uid", Str),
    f(5, "apiVersion", Str),
    f(6, "resourceVersion", Str),
    f(7, "fieldPath", Str),
];
const LOCAL_OBJECT_REFERENCE: &[Field] = &[f(1, "name", Str)];

// core/v1
const NAMESPACE: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(&[list(1, "finalizers", Str)])),
    f(3, "status", Msg(&[f(1, "phase", Str)])),
];
const SERVICE_ACCOUNT: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    list(2, "secrets", Msg(OBJECT_REFERENCE)),
    list(3, "imagePullSecrets", Msg(LOCAL_OBJECT_REFERENCE)),
    f(4, "automountServiceAccountToken", Bool),
];
const CONFIG_MAP: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "data", MapString),
    f(3, "binaryData", MapBytes),
    f(4, "immutable", Bool),
];
const SECRET: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "data", MapBytes),
    f(3, "type", Str),
    f(4, "stringData", MapString),
    f(5, "immutable", Bool),
];
const CONTAINER_PORT: &[Field] = &[
    f(1, "name", Str),
    zero_omitted(2, "hostPort", Int32),
    f(3, "containerPort", Int32),
    f(4, "protocol", Str),
    f(5, "hostIP", Str),
];
const ENV_VAR: &[Field] = &[f(1, "name", Str), f(2, "value", Str)];
const RESOURCE_REQUIREMENTS: &[Field] =
    &[f(1, "limits", MapQuantity), f(2, "requests", MapQuantity)];
const CONTAINER: &[Field] = &[
    f(1, "name", Str),
    f(2, "image", Str),
    list(3, "command", Str),
    list(4, "args", Str),
    f(5, "workingDir", Str),
    list(6, "ports", Msg(CONTAINER_PORT)),
    list(7, "env", Msg(ENV_VAR)),
    f(8, "resources", Msg(RESOURCE_REQUIREMENTS)),
    f(13, "terminationMessagePath", Str),
    f(14, "imagePullPolicy", Str),
    zero_omitted(16, "stdin", Bool),
    zero_omitted(17, "stdinOnce", Bool),
    zero_omitted(18, "tty", Bool),
    f(20, "terminationMessagePolicy", Str),
];
const POD_SPEC: &[Field] = &[
    list(2, "containers", Msg(CONTAINER)),
    f(3, "restartPolicy", Str),
    f(4, "terminationGracePeriodSeconds", Int64),
    f(6, "dnsPolicy", Str),
    f(7, "nodeSelector", MapString),
    f(8, "serviceAccountName", Str),
    f(10, "nodeName", Str),
    f(19, "schedulerName", Str),
    list(20, "initContainers", Msg(CONTAINER)),
];
const POD_TEMPLATE_SPEC: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(POD_SPEC)),
];
const POD: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(POD_SPEC)),
];

// apps/v1
const ROLLING_UPDATE: &[Field] = &[f(1, "maxUnavailable", IntStr), f(2, "maxSurge", IntStr)];
const DEPLOYMENT: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[
            f(1, "replicas", Int32),
            f(2, "selector", Msg(LABEL_SELECTOR)),
            f(3, "template", Msg(POD_TEMPLATE_SPEC)),
            f(
                4,
                "strategy",
                Msg(&[
                    f(1, "type", Str),
                    f(2, "rollingUpdate", Msg(ROLLING_UPDATE)),
                ]),
            ),
            zero_omitted(5, "minReadySeconds", Int32),
            f(6, "revisionHistoryLimit", Int32),
            zero_omitted(7, "paused", Bool),
            f(9, "progressDeadlineSeconds", Int32),
        ]),
    ),
];

// batch/v1
const JOB_SPEC: &[Field] = &[
    f(1, "parallelism", Int32),
    f(2, "completions", Int32),
    f(3, "activeDeadlineSeconds", Int64),
    f(4, "selector", Msg(LABEL_SELECTOR)),
    f(5, "manualSelector", Bool),
    f(6, "template", Msg(POD_TEMPLATE_SPEC)),
    f(7, "backoffLimit", Int32),
    f(8, "ttlSecondsAfterFinished", Int32),
    f(9, "completionMode", Str),
    f(10, "suspend", Bool),
];
const JOB: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(JOB_SPEC)),
];
const CRON_JOB: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[
            f(1, "schedule", Str),
            f(2, "startingDeadlineSeconds", Int64),
            f(3, "concurrencyPolicy", Str),
            f(4, "suspend", Bool),
            f(5, "jobTemplate", Msg(JOB)),
            f(6, "successfulJobsHistoryLimit", Int32),
            f(7, "failedJobsHistoryLimit", Int32),
            f(8, "timeZone", Str),
        ]),
    ),
];

// v1 Service
const SERVICE_PORT: &[Field] = &[
    f(1, "name", Str),
    f(2, "protocol", Str),
    f(3, "port", Int32),
    f(4, "targetPort", IntStr),
    zero_omitted(5, "nodePort", Int32),
    f(6, "appProtocol", Str),
];
const SERVICE: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[
            list(1, "ports", Msg(SERVICE_PORT)),
            f(2, "selector", MapString),
            f(3, "clusterIP", Str),
            f(4, "type", Str),
            list(5, "externalIPs", Str),
            f(7, "sessionAffinity", Str),
            f(10, "externalName", Str),
            list(18, "clusterIPs", Str),
        ]),
    ),
];

// v1 ResourceQuota
const RESOURCE_QUOTA: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[f(1, "hard", MapQuantity), list(2, "scopes", Str)]),
    ),
];

// networking.k8s.io/v1 Ingress
const INGRESS_BACKEND: &[Field] = &[f(
    4,
    "service",
    Msg(&[
        f(1, "name", Str),
        f(
            2,
            "port",
            Msg(&[f(1, "name", Str), zero_omitted(2, "number", Int32)]),
        ),
    ]),
)];
const INGRESS: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[
            f(1, "defaultBackend", Msg(INGRESS_BACKEND)),
            list(
                2,
                "tls",
                Msg(&[list(1, "hosts", Str), f(2, "secretName", Str)]),
            ),
            list(
                3,
                "rules",
                Msg(&[
                    f(1, "host", Str),
                    f(
                        2,
                        "ingressRuleValue",
                        Inline(&[f(
                            1,
                            "http",
                            Msg(&[list(
                                1,
                                "paths",
                                Msg(&[
                                    f(1, "path", Str),
                                    f(2, "backend", Msg(INGRESS_BACKEND)),
                                    f(3, "pathType", Str),
                                ]),
                            )]),
                        )]),
                    ),
                ]),
            ),
            f(4, "ingressClassName", Str),
        ]),
    ),
];

// scheduling.k8s.io/v1 PriorityClass
const PRIORITY_CLASS: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "value", Int32),
    zero_omitted(3, "globalDefault", Bool),
    f(4, "description", Str),
    f(5, "preemptionPolicy", Str),
];

// policy/v1 PodDisruptionBudget
const POD_DISRUPTION_BUDGET: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[
            f(1, "minAvailable", IntStr),
            f(2, "selector", Msg(LABEL_SELECTOR)),
            f(3, "maxUnavailable", IntStr),
            f(4, "unhealthyPodEvictionPolicy", Str),
        ]),
    ),
];

// rbac/v1
const POLICY_RULE: &[Field] = &[
    list(1, "verbs", Str),
    list(2, "apiGroups", Str),
    list(3, "resources", Str),
    list(4, "resourceNames", Str),
    list(5, "nonResourceURLs", Str),
];
const SUBJECT: &[Field] = &[
    f(1, "kind", Str),
    f(2, "apiGroup", Str),
    f(3, "name", Str),
    f(4, "namespace", Str),
];
const ROLE_REF: &[Field] = &[f(1, "apiGroup", Str), f(2, "kind", Str), f(3, "name", Str)];
const ROLE: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    list(2, "rules", Msg(POLICY_RULE)),
];
const CLUSTER_ROLE: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    list(2, "rules", Msg(POLICY_RULE)),
    f(
        3,
        "aggregationRule",
        Msg(&[list(1, "clusterRoleSelectors", Msg(LABEL_SELECTOR))]),
    ),
];
const BINDING: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    list(2, "subjects", Msg(SUBJECT)),
    f(3, "roleRef", Msg(ROLE_REF)),
];

// certificates/v1
const CSR_CONDITION: &[Field] = &[
    f(1, "type", Str),
    f(2, "reason", Str),
    f(3, "message", Str),
    f(4, "lastUpdateTime", Time),
    f(5, "lastTransitionTime", Time),
    f(6, "status", Str),
];
const CERTIFICATE_SIGNING_REQUEST: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[
            f(1, "request", Bytes),
            f(2, "username", Str),
            f(3, "uid", Str),
            list(4, "groups", Str),
            list(5, "usages", Str),
            f(6, "extra", MapMessage(EXTRA_VALUE)),
            f(7, "signerName", Str),
            f(8, "expirationSeconds", Int32),
        ]),
    ),
    f(
        3,
        "status",
        Msg(&[
            list(1, "conditions", Msg(CSR_CONDITION)),
            f(2, "certificate", Bytes),
        ]),
    ),
];

// authentication/v1 (and v1beta1 SelfSubjectReview)
const TOKEN_REQUEST: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[
            list(1, "audiences", Str),
            f(
                3,
                "boundObjectRef",
                Msg(&[
                    f(1, "kind", Str),
                    f(2, "apiVersion", Str),
                    f(3, "name", Str),
                    f(4, "uid", Str),
                ]),
            ),
            f(4, "expirationSeconds", Int64),
        ]),
    ),
];
const TOKEN_REVIEW: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[f(1, "token", Str), list(2, "audiences", Str)]),
    ),
];
const METADATA_ONLY: &[Field] = &[f(1, "metadata", Msg(OBJECT_META))];

// authorization/v1
const RESOURCE_ATTRIBUTES: &[Field] = &[
    f(1, "namespace", Str),
    f(2, "verb", Str),
    f(3, "group", Str),
    f(4, "version", Str),
    f(5, "resource", Str),
    f(6, "subresource", Str),
    f(7, "name", Str),
];
const NON_RESOURCE_ATTRIBUTES: &[Field] = &[f(1, "path", Str), f(2, "verb", Str)];
const SELF_SUBJECT_ACCESS_REVIEW: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[
            f(1, "resourceAttributes", Msg(RESOURCE_ATTRIBUTES)),
            f(2, "nonResourceAttributes", Msg(NON_RESOURCE_ATTRIBUTES)),
        ]),
    ),
];
const SUBJECT_ACCESS_REVIEW: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[
            f(1, "resourceAttributes", Msg(RESOURCE_ATTRIBUTES)),
            f(2, "nonResourceAttributes", Msg(NON_RESOURCE_ATTRIBUTES)),
            f(3, "user", Str),
            list(4, "groups", Str),
            f(5, "extra", MapMessage(EXTRA_VALUE)),
            f(6, "uid", Str),
        ]),
    ),
];
const SELF_SUBJECT_RULES_REVIEW: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(&[f(1, "namespace", Str)])),
];

// autoscaling/v1 and v2
const CROSS_VERSION_OBJECT_REFERENCE: &[Field] = &[
    f(1, "kind", Str),
    f(2, "name", Str),
    f(3, "apiVersion", Str),
];
const HORIZONTAL_POD_AUTOSCALER_V1: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[
            f(1, "scaleTargetRef", Msg(CROSS_VERSION_OBJECT_REFERENCE)),
            f(2, "minReplicas", Int32),
            f(3, "maxReplicas", Int32),
            f(4, "targetCPUUtilizationPercentage", Int32),
        ]),
    ),
];
const METRIC_TARGET: &[Field] = &[
    f(1, "type", Str),
    f(2, "value", Quantity),
    f(3, "averageValue", Quantity),
    f(4, "averageUtilization", Int32),
];
const HORIZONTAL_POD_AUTOSCALER_V2: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(
        2,
        "spec",
        Msg(&[
            f(1, "scaleTargetRef", Msg(CROSS_VERSION_OBJECT_REFERENCE)),
            f(2, "minReplicas", Int32),
            f(3, "maxReplicas", Int32),
            list(
                4,
                "metrics",
                Msg(&[
                    f(1, "type", Str),
                    f(
                        4,
                        "resource",
                        Msg(&[f(1, "name", Str), f(2, "target", Msg(METRIC_TARGET))]),
                    ),
                ]),
            ),
        ]),
    ),
];

/// The schema of `kind` in `api_version`, if this server decodes it.
pub fn for_kind(api_version: &str, kind: &str) -> Option<&'static [Field]> {
    Some(match (api_version, kind) {
        ("v1", "Namespace") => NAMESPACE,
        ("v1", "ServiceAccount") => SERVICE_ACCOUNT,
        ("v1", "ConfigMap") => CONFIG_MAP,
        ("v1", "Secret") => SECRET,
        ("v1", "Pod") => POD,
        ("v1", "Service") => SERVICE,
        ("v1", "ResourceQuota") => RESOURCE_QUOTA,
        ("apps/v1", "Deployment") => DEPLOYMENT,
        ("autoscaling/v1", "HorizontalPodAutoscaler") => HORIZONTAL_POD_AUTOSCALER_V1,
        ("autoscaling/v2", "HorizontalPodAutoscaler") => HORIZONTAL_POD_AUTOSCALER_V2,
        ("batch/v1", "Job") => JOB,
        ("batch/v1", "CronJob") => CRON_JOB,
        ("networking.k8s.io/v1", "Ingress") => INGRESS,
        ("scheduling.k8s.io/v1", "PriorityClass") => PRIORITY_CLASS,
        ("policy/v1", "PodDisruptionBudget") => POD_DISRUPTION_BUDGET,
        ("rbac.authorization.k8s.io/v1", "Role") => ROLE,
        ("rbac.authorization.k8s.io/v1", "ClusterRole") => CLUSTER_ROLE,
        ("rbac.authorization.k8s.io/v1", "RoleBinding" | "ClusterRoleBinding") => BINDING,
        ("certificates.k8s.io/v1", "CertificateSigningRequest") => CERTIFICATE_SIGNING_REQUEST,
        ("authentication.k8s.io/v1", "TokenRequest") => TOKEN_REQUEST,
        ("authentication.k8s.io/v1", "TokenReview") => TOKEN_REVIEW,
        ("authentication.k8s.io/v1" | "authentication.k8s.io/v1beta1", "SelfSubjectReview") => {
            METADATA_ONLY
        }
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => SELF_SUBJECT_ACCESS_REVIEW,
        ("authorization.k8s.io/v1", "SubjectAccessReview" | "LocalSubjectAccessReview") => {
            SUBJECT_ACCESS_REVIEW
        }
        ("authorization.k8s.io/v1", "SelfSubjectRulesReview") => SELF_SUBJECT_RULES_REVIEW,
        _ => return None,
    })
}
