//! The CronJob controller (kube-controller-manager's `cronjob`): at each scheduled minute (on
//! the wall clock of `spec.timeZone`, UTC without one) a Job `<cronjob>-<minutes since the epoch>` made from the job template, with the CronJob as
//! its controller and the `batch.kubernetes.io/cronjob-scheduled-timestamp` annotation — unless
//! the CronJob is suspended, the minute is older than `startingDeadlineSeconds`, or
//! `concurrencyPolicy: Forbid` finds a Job still running (`Replace` deletes it instead). The
//! status keeps the running Jobs (`active`), `lastScheduleTime` and `lastSuccessfulTime`; the
//! finished Jobs beyond `successfulJobsHistoryLimit` and `failedJobsHistoryLimit` are deleted,
//! oldest first. Time alone moves it: the driver's tick brings every CronJob back, and a Job's
//! events bring back its CronJob.

use kubeward_store::{ObjectKey, StoreExt as _, WatchEvent};
use serde_json::{Value, json};
use time::OffsetDateTime;

use super::cron_schedule::Schedule;
use super::{create, owned, owner_of_event, owner_reference, write_status};
use crate::controllers::controller::{Controller, is};
use crate::controllers::events;
use crate::registry::generic::{self, DeleteOptions};
use crate::registry::kinds::{self, Kind};
use crate::registry::objects;
use crate::state::State;
use crate::time_zone;

/// The annotation with the minute a Job was scheduled for.
pub const SCHEDULED_TIMESTAMP: &str = "batch.kubernetes.io/cronjob-scheduled-timestamp";

/// The controller's name on its events and user.
const COMPONENT: &str = "cronjob-controller";

/// The CronJob controller.
pub struct CronJobs;

fn cron_jobs() -> Option<&'static Kind> {
    kinds::find("batch", "v1", "cronjobs")
}

fn jobs() -> Option<&'static Kind> {
    kinds::find("batch", "v1", "jobs")
}

impl Controller for CronJobs {
    fn name(&self) -> &'static str {
        "cronjob"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, "batch", "cronjobs") || is(key, "batch", "jobs")
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let Some(kind) = cron_jobs() else {
            return;
        };
        if let Some(current) = owner_of_event(state, event, kind, "jobs") {
            sync(state, kind, &current, crate::clock::now());
        }
    }

    fn tick(&self, state: &State) {
        let Some(kind) = cron_jobs() else {
            return;
        };
        let all = state
            .store
            .list_all(&kind.scope(""))
            .map(|l| l.items)
            .unwrap_or_default();
        let now = crate::clock::now();
        for cron_job in &all {
            sync(state, kind, cron_job, now);
        }
    }
}

/// `Complete` or `Failed`, with its time, when the Job has finished.
fn finished(job: &Value) -> Option<(&str, String)> {
    job.pointer("/status/conditions")
        .and_then(Value::as_array)?
        .iter()
        .find(|c| (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True")
        .map(|c| {
            let time = c
                .get("lastTransitionTime")
                .and_then(Value::as_str)
                .unwrap_or("");
            (c["type"].as_str().unwrap_or(""), time.to_string())
        })
}

fn job_reference(job: &Value) -> Value {
    json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "name": objects::name(job),
        "namespace": objects::namespace(job),
        "uid": objects::uid(job),
        "resourceVersion": objects::resource_version(job),
    })
}

fn time_at(object: &Value, pointer: &str) -> Option<OffsetDateTime> {
    object
        .pointer(pointer)
        .and_then(Value::as_str)
        .and_then(objects::parse_timestamp)
}

/// Starts what is due at `now`, deletes what history no longer keeps, writes the status.
fn sync(state: &State, kind: &Kind, cron_job: &Value, now: OffsetDateTime) {
    let Some(job_kind) = jobs() else {
        return;
    };
    if objects::is_terminating(cron_job) {
        return;
    }
    let mut owned_jobs = owned(state, job_kind, "CronJob", cron_job);
    owned_jobs.sort_by_key(|j| time_at(j, "/metadata/creationTimestamp"));
    let (done, mut active): (Vec<Value>, Vec<Value>) =
        owned_jobs.into_iter().partition(|j| finished(j).is_some());

    let mut status = cron_job.get("status").cloned().unwrap_or(json!({}));
    // A Job the status still lists as active has finished: kube says it saw it.
    let listed_active = |job: &&Value| {
        status
            .get("active")
            .and_then(Value::as_array)
            .is_some_and(|refs| refs.iter().any(|r| r["uid"] == objects::uid(job)))
    };
    for job in done.iter().filter(listed_active) {
        if let Some((condition, _)) = finished(job) {
            let message = format!(
                "Saw completed job: {}, condition: {condition}",
                objects::name(job)
            );
            events::record(
                state,
                COMPONENT,
                kind,
                cron_job,
                "SawCompletedJob",
                &message,
            );
        }
    }
    if let Some(latest) = done
        .iter()
        .filter_map(|j| finished(j).filter(|(kind, _)| *kind == "Complete"))
        .map(|(_, time)| time)
        .max()
    {
        status["lastSuccessfulTime"] = json!(latest);
    }
    clean_history(state, (kind, job_kind), cron_job, &done);

    if let Some(scheduled) = due(cron_job, now) {
        let policy = cron_job
            .pointer("/spec/concurrencyPolicy")
            .and_then(Value::as_str)
            .unwrap_or("Allow");
        let started = job_name(cron_job, scheduled);
        let blocked = policy == "Forbid" && !active.is_empty();
        if active.iter().any(|job| objects::name(job) == started) {
            // Its Job runs already (the status written with it lost a race): the minute is done.
            status["lastScheduleTime"] = json!(objects::timestamp(scheduled));
        } else if !blocked {
            if policy == "Replace" {
                for job in active.drain(..) {
                    delete(state, (kind, job_kind), cron_job, &job);
                }
            }
            if let Some(job) = start(state, kind, job_kind, cron_job, scheduled) {
                active.push(job);
            }
            status["lastScheduleTime"] = json!(objects::timestamp(scheduled));
        }
    }

    let references: Vec<Value> = active.iter().map(job_reference).collect();
    if references.is_empty() {
        if let Some(map) = status.as_object_mut() {
            map.remove("active");
        }
    } else {
        status["active"] = json!(references);
    }
    write_status(state, kind, cron_job, status);
}

/// The minute to start a Job for, if one is due: the latest scheduled minute since the last
/// run (or the CronJob's creation) that is not older than `startingDeadlineSeconds`.
fn due(cron_job: &Value, now: OffsetDateTime) -> Option<OffsetDateTime> {
    if cron_job.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true) {
        return None;
    }
    let text = cron_job.pointer("/spec/schedule").and_then(Value::as_str)?;
    let schedule = match Schedule::parse(text) {
        Ok(schedule) => schedule,
        Err(error) => {
            tracing::warn!(cronjob = objects::name(cron_job), %error, "unparseable schedule");
            return None;
        }
    };
    let zone_name = cron_job
        .pointer("/spec/timeZone")
        .and_then(Value::as_str)
        .or(schedule.zone())
        .unwrap_or("");
    let zone = match time_zone::load(zone_name) {
        Ok(zone) => zone,
        Err(error) => {
            tracing::warn!(cronjob = objects::name(cron_job), %error, "not scheduled");
            return None;
        }
    };
    let since = time_at(cron_job, "/status/lastScheduleTime")
        .or_else(|| time_at(cron_job, "/metadata/creationTimestamp"))?;
    let scheduled = schedule.latest_between(since, now, &zone)?;
    if let Some(deadline) = cron_job
        .pointer("/spec/startingDeadlineSeconds")
        .and_then(Value::as_i64)
        && (now - scheduled).whole_seconds() > deadline
    {
        return None;
    }
    Some(scheduled)
}

/// Creates the Job of the minute `scheduled` (an existing one — another replica, or an earlier
/// The name of the Job of the minute `scheduled`: `<cronjob>-<minutes since the epoch>`.
fn job_name(cron_job: &Value, scheduled: OffsetDateTime) -> String {
    format!(
        "{}-{}",
        objects::name(cron_job),
        scheduled.unix_timestamp() / 60
    )
}

/// The scheduled minute as the Job's annotation gives it: RFC 3339 on the wall clock of
/// `spec.timeZone` (`Z` for UTC), as kube-controller-manager writes it.
fn scheduled_timestamp(cron_job: &Value, scheduled: OffsetDateTime) -> String {
    let zone = cron_job
        .pointer("/spec/timeZone")
        .and_then(Value::as_str)
        .and_then(|name| time_zone::load(name).ok());
    let local = zone.map_or(scheduled, |zone| time_zone::in_zone(&zone, scheduled));
    local
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_else(|_| objects::timestamp(scheduled))
}

/// try — is taken as started).
fn start(
    state: &State,
    kind: &Kind,
    job_kind: &Kind,
    cron_job: &Value,
    scheduled: OffsetDateTime,
) -> Option<Value> {
    let namespace = objects::namespace(cron_job);
    let name = job_name(cron_job, scheduled);
    let template = cron_job
        .pointer("/spec/jobTemplate")
        .cloned()
        .unwrap_or(json!({}));
    let mut metadata = json!({
        "name": name,
        "ownerReferences": [owner_reference(kind, cron_job)],
        "annotations": {SCHEDULED_TIMESTAMP: scheduled_timestamp(cron_job, scheduled)},
    });
    for field in ["labels", "annotations"] {
        if let Some(Value::Object(values)) = template.pointer(&format!("/metadata/{field}")) {
            let into = &mut metadata[field];
            if !into.is_object() {
                *into = json!({});
            }
            for (key, value) in values {
                into[key.as_str()] = value.clone();
            }
        }
    }
    let job = json!({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata,
        "spec": template.get("spec").cloned().unwrap_or(json!({})),
    });
    let user = super::controller_user(COMPONENT);
    match create(state, &user, job_kind, namespace, job) {
        Ok(created) => {
            let message = format!("Created job {}", objects::name(&created));
            events::record(
                state,
                COMPONENT,
                kind,
                cron_job,
                "SuccessfulCreate",
                &message,
            );
            Some(created)
        }
        Err(error) if error.code == 409 => state
            .store
            .get(&job_kind.key(namespace, &name))
            .ok()
            .flatten(),
        Err(error) => {
            tracing::warn!(message = %error.message, cronjob = objects::name(cron_job), "job not created");
            None
        }
    }
}

/// Deletes the oldest finished Jobs beyond the history limits (`done` is oldest first).
fn clean_history(state: &State, kinds: (&Kind, &Kind), cron_job: &Value, done: &[Value]) {
    let limit = |pointer: &str, default: i64| {
        usize::try_from(
            cron_job
                .pointer(pointer)
                .and_then(Value::as_i64)
                .unwrap_or(default),
        )
        .unwrap_or(0)
    };
    for (outcome, keep) in [
        ("Complete", limit("/spec/successfulJobsHistoryLimit", 3)),
        ("Failed", limit("/spec/failedJobsHistoryLimit", 1)),
    ] {
        let of_outcome: Vec<&Value> = done
            .iter()
            .filter(|j| finished(j).is_some_and(|(kind, _)| kind == outcome))
            .collect();
        let extra = of_outcome.len().saturating_sub(keep);
        for job in &of_outcome[..extra] {
            delete(state, kinds, cron_job, job);
        }
    }
}

/// Deletes `job` of `cron_job` (`kinds`: the CronJob's and the Job's), with kube's event.
fn delete(state: &State, (kind, job_kind): (&Kind, &Kind), cron_job: &Value, job: &Value) {
    let options = DeleteOptions {
        propagation_policy: Some("Background".to_string()),
        ..DeleteOptions::default()
    };
    let deleted = generic::delete(
        state,
        job_kind,
        objects::namespace(job),
        objects::name(job),
        &options,
        false,
    );
    if deleted.is_ok() {
        let message = format!("Deleted job {}", objects::name(job));
        events::record(
            state,
            COMPONENT,
            kind,
            cron_job,
            "SuccessfulDelete",
            &message,
        );
    }
}

#[cfg(test)]
mod tests;
