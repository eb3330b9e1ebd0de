//! The `batch` group kinds served: Job and CronJob, with kube-apiserver's defaults (a Job's
//! generated selector and labels among them), validation, status subresources and kubectl's
//! columns.

use k8s_openapi::api::batch::v1 as types;
use kubeward_core::status::{BadValue, FieldError};
use kubeward_core::validation::NameRule;
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::workloads::{self, object_at, set_default};
use super::{Admission, Kind, Serving, Strategy, schema_of};
use crate::registry::objects;
use crate::registry::printing::{self, AGE, NAME, column, human_duration, int, text};
use crate::time_zone;

/// The kinds of the batch group.
pub const KINDS: &[Kind] = &[
    Kind {
        group: "batch",
        version: "v1",
        resource: "cronjobs",
        kind: "CronJob",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Schedule", "string", 0),
            column("Timezone", "string", 0),
            column("Suspend", "boolean", 0),
            column("Active", "integer", 0),
            column("Last Schedule", "string", 0),
            AGE,
            column("Containers", "string", 1),
            column("Images", "string", 1),
            column("Selector", "string", 1),
        ],
        cells: cron_job_cells,
        schema: Some(schema_of::<types::CronJob>),
        field_labels: None,
        strategy: &CronJobStrategy,
    },
    Kind {
        group: "batch",
        version: "v1",
        resource: "jobs",
        kind: "Job",
        namespaced: true,
        serving: Serving::Stored,
        subresources: &["status"],
        name_rule: NameRule::Dns1123Subdomain,
        columns: &[
            NAME,
            column("Status", "string", 0),
            column("Completions", "string", 0),
            column("Duration", "string", 0),
            AGE,
            column("Containers", "string", 1),
            column("Images", "string", 1),
            column("Selector", "string", 1),
        ],
        cells: job_cells,
        schema: Some(schema_of::<types::Job>),
        field_labels: Some(&["metadata.name", "metadata.namespace", "status.successful"]),
        strategy: &JobStrategy,
    },
];

/// The label a Job's pods carry with its uid, and the one with its name.
const CONTROLLER_UID: &str = "batch.kubernetes.io/controller-uid";
const JOB_NAME: &str = "batch.kubernetes.io/job-name";

/// Jobs: `SetDefaults_Job`, the generated selector (`generateSelector`), validation.
struct JobStrategy;

impl Strategy for JobStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        default_job_spec(object);
        workloads::first_generation(object);
        object["status"] = json!({});
        let manual = object
            .pointer("/spec/manualSelector")
            .and_then(Value::as_bool)
            == Some(true);
        if !manual && object.pointer("/spec/selector").is_none_or(Value::is_null) {
            generate_selector(object);
        }
        // Decoding a Job defaults its labels to its template's (`SetDefaults_Job`).
        let labels = object.pointer("/spec/template/metadata/labels").cloned();
        let metadata = objects::metadata_mut(object);
        let unlabelled = metadata
            .get("labels")
            .and_then(Value::as_object)
            .is_none_or(|l| l.is_empty());
        if unlabelled && let Some(labels) = labels {
            metadata.insert("labels".into(), labels);
        }
    }

    fn prepare_for_update(&self, request: &Admission<'_>, current: &Value, next: &mut Value) {
        if request.subresource == "status" {
            return;
        }
        default_job_spec(next);
        workloads::next_generation(current, next);
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for field in ["parallelism", "completions", "backoffLimit"] {
            workloads::non_negative(object, field, &mut errors);
        }
        let manual = object
            .pointer("/spec/manualSelector")
            .and_then(Value::as_bool)
            == Some(true);
        let uid = objects::uid(object);
        let generated = object.pointer(&format!(
            "/spec/selector/matchLabels/{}",
            CONTROLLER_UID.replace('/', "~1")
        ));
        if !manual && generated.and_then(Value::as_str) != Some(uid) {
            errors.push(FieldError::invalid(
                "spec.selector",
                BadValue::json(object.pointer("/spec/selector").unwrap_or(&Value::Null)),
                "`selector` not auto-generated",
            ));
        }
        errors.extend(workloads::selector_and_template(object, "job"));
        errors.extend(restart_policy(
            object,
            "/spec/template/spec",
            "spec.template.spec",
        ));
        errors
    }

    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        let mut errors = self.validate(next);
        for field in ["selector", "completionMode"] {
            if current.pointer(&format!("/spec/{field}")) != next.pointer(&format!("/spec/{field}"))
            {
                errors.push(FieldError::invalid(
                    &format!("spec.{field}"),
                    BadValue::json(
                        next.pointer(&format!("/spec/{field}"))
                            .unwrap_or(&Value::Null),
                    ),
                    "field is immutable",
                ));
            }
        }
        errors
    }
}

/// `SetDefaults_Job` and the pod template's defaults.
fn default_job_spec(object: &mut Value) {
    let spec = object_at(object, &["spec"]);
    if spec.get("completions").is_none_or(Value::is_null)
        && spec.get("parallelism").is_none_or(Value::is_null)
    {
        spec.insert("completions".into(), json!(1));
    }
    set_default(spec, "parallelism", json!(1));
    let backoff = if spec
        .get("backoffLimitPerIndex")
        .is_some_and(|v| !v.is_null())
    {
        json!(i32::MAX)
    } else {
        json!(6)
    };
    set_default(spec, "backoffLimit", backoff);
    set_default(spec, "completionMode", json!("NonIndexed"));
    set_default(spec, "suspend", json!(false));
    let replacement = if spec.get("podFailurePolicy").is_some_and(|v| !v.is_null()) {
        "Failed"
    } else {
        "TerminatingOrFailed"
    };
    set_default(spec, "podReplacementPolicy", json!(replacement));
    workloads::default_pod_spec(object, "/spec/template/spec");
}

/// `generateSelector`: the Job's pods are selected by its uid, and carry its uid and name
/// (in the current and the legacy labels).
fn generate_selector(object: &mut Value) {
    let uid = objects::uid(object).to_string();
    let name = objects::name(object).to_string();
    let labels = object_at(object, &["spec", "template", "metadata", "labels"]);
    for (key, value) in [
        (CONTROLLER_UID, &uid),
        ("controller-uid", &uid),
        (JOB_NAME, &name),
        ("job-name", &name),
    ] {
        labels.insert(key.to_string(), json!(value));
    }
    object["spec"]["selector"] = json!({"matchLabels": {CONTROLLER_UID: uid}});
}

/// A Job's pods restart `OnFailure` or `Never`, as `validateJobSpec` checks.
fn restart_policy(object: &Value, pointer: &str, path: &str) -> Vec<FieldError> {
    let policy = text(object, &format!("{pointer}/restartPolicy"));
    if policy == "OnFailure" || policy == "Never" {
        return Vec::new();
    }
    vec![FieldError::not_supported(
        &format!("{path}.restartPolicy"),
        policy.as_str(),
        &["OnFailure", "Never"],
    )]
}

/// CronJobs: `SetDefaults_CronJob`, the schedule, the name's length (a Job name adds 11
/// characters), the job template's restart policy.
struct CronJobStrategy;

impl CronJobStrategy {
    fn defaults(object: &mut Value) {
        let spec = object_at(object, &["spec"]);
        set_default(spec, "concurrencyPolicy", json!("Allow"));
        set_default(spec, "suspend", json!(false));
        set_default(spec, "successfulJobsHistoryLimit", json!(3));
        set_default(spec, "failedJobsHistoryLimit", json!(1));
        workloads::default_pod_spec(object, "/spec/jobTemplate/spec/template/spec");
    }
}

impl Strategy for CronJobStrategy {
    fn prepare_for_create(&self, _request: &Admission<'_>, object: &mut Value) {
        Self::defaults(object);
        workloads::first_generation(object);
        object["status"] = json!({});
    }

    fn prepare_for_update(&self, request: &Admission<'_>, current: &Value, next: &mut Value) {
        if request.subresource == "status" {
            return;
        }
        Self::defaults(next);
        workloads::next_generation(current, next);
    }

    fn validate(&self, object: &Value) -> Vec<FieldError> {
        let mut errors = Vec::new();
        let name = objects::name(object);
        if name.len() > 52 {
            errors.push(FieldError::invalid(
                "metadata.name",
                name,
                "must be no more than 52 characters",
            ));
        }
        errors.extend(cron_job_spec(object, None));
        errors
    }

    fn validate_update(&self, next: &Value, current: &Value) -> Vec<FieldError> {
        cron_job_spec(next, Some(current))
    }
}

/// kube's `validateCronJobSpec`, in its order: the schedule (a `TZ=` prefix only where the
/// stored object had one), the time zone (when new or changed), the concurrency policy, the job
/// template, the history limits.
fn cron_job_spec(object: &Value, current: Option<&Value>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let schedule = text(object, "/spec/schedule");
    let zone = object.pointer("/spec/timeZone").and_then(Value::as_str);
    if schedule.is_empty() {
        errors.push(FieldError::required("spec.schedule", ""));
    } else {
        if let Err(message) = check_schedule(&schedule) {
            errors.push(FieldError::invalid(
                "spec.schedule",
                schedule.as_str(),
                &message,
            ));
        }
        let allow_tz = current.is_some_and(|c| text(c, "/spec/schedule").contains("TZ"));
        let message = match (allow_tz, schedule.contains("TZ")) {
            (true, true) if zone.is_some() => {
                Some("cannot use both timeZone field and TZ or CRON_TZ in schedule")
            }
            (false, true) => {
                Some("cannot use TZ or CRON_TZ in schedule, use timeZone field instead")
            }
            _ => None,
        };
        if let Some(message) = message {
            errors.push(FieldError::invalid(
                "spec.schedule",
                schedule.as_str(),
                message,
            ));
        }
    }
    workloads::non_negative(object, "startingDeadlineSeconds", &mut errors);
    let changed =
        current.is_none_or(|c| c.pointer("/spec/timeZone").and_then(Value::as_str) != zone);
    if let Some(zone) = zone.filter(|_| changed) {
        errors.extend(time_zone_errors(zone));
    }
    let policy = text(object, "/spec/concurrencyPolicy");
    if !["Allow", "Forbid", "Replace"].contains(&policy.as_str()) {
        errors.push(FieldError::not_supported(
            "spec.concurrencyPolicy",
            policy.as_str(),
            &["Allow", "Forbid", "Replace"],
        ));
    }
    errors.extend(kubeward_core::validation::kinds::pod_spec(
        object.pointer("/spec/jobTemplate/spec/template/spec"),
        "spec.jobTemplate.spec.template.spec",
    ));
    errors.extend(restart_policy(
        object,
        "/spec/jobTemplate/spec/template/spec",
        "spec.jobTemplate.spec.template.spec",
    ));
    for field in ["successfulJobsHistoryLimit", "failedJobsHistoryLimit"] {
        workloads::non_negative(object, field, &mut errors);
    }
    errors
}

/// kube's `validateTimeZone`: an IANA name Go's `time.LoadLocation` finds, not `Local`.
fn time_zone_errors(zone: &str) -> Vec<FieldError> {
    let invalid = |message: &str| FieldError::invalid("spec.timeZone", zone, message);
    if zone.is_empty() {
        return vec![invalid("timeZone must be nil or non-empty string")];
    }
    let valid_part = |part: &str| {
        (1..=14).contains(&part.len())
            && part != "."
            && part != ".."
            && !part.starts_with('-')
            && part
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-_+".contains(c))
    };
    if !zone.split('/').all(valid_part) {
        return vec![invalid(&format!("unknown time zone {zone}"))];
    }
    let mut errors = Vec::new();
    if zone.eq_ignore_ascii_case("Local") {
        errors.push(invalid(
            "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones",
        ));
    }
    if let Err(message) = time_zone::load(zone) {
        errors.push(invalid(&message));
    }
    errors
}

/// The checks of `cron.ParseStandard` a schedule must pass: a descriptor (`@hourly`), or five
/// fields, with robfig/cron's messages.
fn check_schedule(schedule: &str) -> Result<(), String> {
    let spec = schedule
        .strip_prefix("TZ=")
        .or_else(|| schedule.strip_prefix("CRON_TZ="))
        .map(|rest| rest.split_once(' ').map(|(_, s)| s).unwrap_or(""))
        .unwrap_or(schedule)
        .trim();
    if let Some(descriptor) = spec.strip_prefix('@') {
        return match descriptor {
            "yearly" | "annually" | "monthly" | "weekly" | "daily" | "midnight" | "hourly" => {
                Ok(())
            }
            _ if descriptor.starts_with("every ") => Ok(()),
            _ => Err(format!("unrecognized descriptor: {spec}")),
        };
    }
    let fields: Vec<&str> = spec.split_whitespace().collect();
    if fields.len() != 5 {
        return Err(format!(
            "expected exactly 5 fields, found {}: [{}]",
            fields.len(),
            fields.join(" ")
        ));
    }
    let allowed = |c: char| c.is_ascii_alphanumeric() || "*/,-?".contains(c);
    match fields.iter().find(|f| !f.chars().all(allowed)) {
        Some(field) => Err(format!(
            "failed to parse int from {field}: strconv.Atoi: parsing {}: invalid syntax",
            kubeward_core::go::quote(field)
        )),
        None => Ok(()),
    }
}

/// `printJob`: the status from the conditions, succeeded of completions, how long it ran.
fn job_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let succeeded = int(object, "/status/succeeded");
    let completions = match (
        object.pointer("/spec/completions").and_then(Value::as_i64),
        object.pointer("/spec/parallelism").and_then(Value::as_i64),
    ) {
        (Some(completions), _) => format!("{succeeded}/{completions}"),
        (None, Some(parallelism)) if parallelism > 1 => {
            format!("{succeeded}/1 of {parallelism}")
        }
        _ => format!("{succeeded}/1"),
    };
    let time = |pointer: &str| {
        object
            .pointer(pointer)
            .and_then(Value::as_str)
            .and_then(objects::parse_timestamp)
    };
    let duration = match (time("/status/startTime"), time("/status/completionTime")) {
        (None, _) => String::new(),
        (Some(start), None) => human_duration((now - start).whole_seconds()),
        (Some(start), Some(end)) => human_duration((end - start).whole_seconds()),
    };
    let has = |kind: &str| {
        object
            .pointer("/status/conditions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .any(|c| text(c, "/type") == kind && text(c, "/status") == "True")
    };
    let status = if has("Complete") {
        "Complete"
    } else if has("Failed") {
        "Failed"
    } else if objects::is_terminating(object) {
        "Terminating"
    } else if has("SuccessCriteriaMet") {
        "SuccessCriteriaMet"
    } else if has("FailureTarget") {
        "FailureTarget"
    } else if has("Suspended") {
        "Suspended"
    } else {
        "Running"
    };
    let (names, images) = printing::containers(object, "/spec/template/spec/containers");
    vec![
        printing::name(object),
        json!(status),
        json!(completions),
        json!(duration),
        printing::age(object, now),
        json!(names),
        json!(images),
        json!(printing::label_selector(object, "/spec/selector")),
    ]
}

/// `printCronJob`: schedule, time zone, suspended, active jobs, the last schedule.
fn cron_job_cells(object: &Value, now: OffsetDateTime) -> Vec<Value> {
    let last = if object.pointer("/status/lastScheduleTime").is_some() {
        printing::since(object, "/status/lastScheduleTime", now)
    } else {
        "<none>".to_string()
    };
    let (names, images) =
        printing::containers(object, "/spec/jobTemplate/spec/template/spec/containers");
    vec![
        printing::name(object),
        json!(text(object, "/spec/schedule")),
        json!(printing::or_none(text(object, "/spec/timeZone"))),
        json!(printing::bool_ptr(object, "/spec/suspend")),
        json!(printing::count(object, "/status/active")),
        json!(last),
        printing::age(object, now),
        json!(names),
        json!(images),
        json!(printing::label_selector(
            object,
            "/spec/jobTemplate/spec/selector"
        )),
    ]
}

#[cfg(test)]
mod tests;
