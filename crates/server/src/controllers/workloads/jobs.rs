//! The Job controller (kube-controller-manager's `job`): pods made from the template
//! (`<job>-<random>`, the Job as their controller) up to `parallelism` while fewer than
//! `completions` have succeeded; the status counted from them (`active`, `ready`, `succeeded`,
//! `failed`, `startTime`), and the `SuccessCriteriaMet` and `Complete` conditions with
//! `completionTime` once enough succeeded, or `FailureTarget` and `Failed` past
//! `backoffLimit`. Pods run where a node runs them (the lab node); without one they stay
//! Pending. A pod's events bring its Job back.

use kubeward_store::{ObjectKey, WatchEvent};
use serde_json::{Value, json};

use super::{
    create, owned, owner_of_event, owner_reference, pod_from_template, ready, write_status,
};
use crate::controllers::controller::{Controller, is};
use crate::controllers::events;
use crate::registry::kinds::{self, Kind};
use crate::registry::objects;
use crate::state::State;

/// The controller's name on its events and user.
const COMPONENT: &str = "job-controller";

/// The Job controller.
pub struct Jobs;

impl Controller for Jobs {
    fn name(&self) -> &'static str {
        "job"
    }

    fn watches(&self, key: &ObjectKey) -> bool {
        is(key, "batch", "jobs") || is(key, "", "pods")
    }

    fn handle(&self, state: &State, event: &WatchEvent) {
        let Some(kind) = kinds::find("batch", "v1", "jobs") else {
            return;
        };
        if let Some(current) = owner_of_event(state, event, kind, "pods") {
            sync(state, kind, &current);
        }
    }
}

fn finished(job: &Value) -> bool {
    job.pointer("/status/conditions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|c| (c["type"] == "Complete" || c["type"] == "Failed") && c["status"] == "True")
}

fn sync(state: &State, kind: &Kind, job: &Value) {
    if objects::is_terminating(job) || finished(job) {
        return;
    }
    let number = |pointer: &str, default: i64| {
        job.pointer(pointer)
            .and_then(Value::as_i64)
            .unwrap_or(default)
    };
    let parallelism = number("/spec/parallelism", 1);
    let completions = number("/spec/completions", parallelism.max(1));
    let backoff_limit = number("/spec/backoffLimit", 6);
    let suspended = job.pointer("/spec/suspend").and_then(Value::as_bool) == Some(true);
    let mut pods = owned(state, kinds::core::pods(), "Job", job);
    let phase = |pod: &Value| {
        pod.pointer("/status/phase")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    };
    let succeeded = pods.iter().filter(|p| phase(p) == "Succeeded").count() as i64;
    let failed = pods.iter().filter(|p| phase(p) == "Failed").count() as i64;
    let mut active = pods.len() as i64 - succeeded - failed;
    let now = objects::timestamp(crate::clock::now());
    let mut status = job.get("status").cloned().unwrap_or(json!({}));
    if status.get("startTime").is_none() && !suspended {
        status["startTime"] = json!(now);
    }
    let done = succeeded >= completions;
    let failing = failed > backoff_limit;
    if !done && !failing && !suspended {
        let wanted = parallelism.min(completions - succeeded);
        let template = job.pointer("/spec/template").cloned().unwrap_or(json!({}));
        let prefix = format!("{}-", objects::name(job));
        let user = super::controller_user(COMPONENT);
        let missing = wanted.saturating_sub(active);
        for _ in 0..missing {
            let pod = pod_from_template(&template, &prefix, owner_reference(kind, job));
            match create(
                state,
                &user,
                kinds::core::pods(),
                objects::namespace(job),
                pod,
            ) {
                Ok(created) => {
                    let message = format!("Created pod: {}", objects::name(&created));
                    events::record(state, COMPONENT, kind, job, "SuccessfulCreate", &message);
                    pods.push(created);
                    active += 1;
                }
                Err(error) => {
                    tracing::warn!(message = %error.message, job = objects::name(job), "pod not created");
                    break;
                }
            }
        }
    }
    let ready_count = pods
        .iter()
        .filter(|p| ready(p) && !matches!(phase(p).as_str(), "Succeeded" | "Failed"))
        .count() as i64;
    if let Some(map) = status.as_object_mut() {
        let counts = [
            ("active", if done || failing { 0 } else { active }),
            ("succeeded", succeeded),
            ("failed", failed),
        ];
        for (field, value) in counts {
            if value > 0 {
                map.insert(field.into(), json!(value));
            } else {
                map.remove(field);
            }
        }
        map.insert("ready".into(), json!(ready_count));
        map.insert("terminating".into(), json!(0));
        map.insert("uncountedTerminatedPods".into(), json!({}));
    }
    if done || failing {
        let (first, second, reason, message) = if done {
            (
                "SuccessCriteriaMet",
                "Complete",
                "CompletionsReached",
                "Reached expected number of succeeded pods",
            )
        } else {
            (
                "FailureTarget",
                "Failed",
                "BackoffLimitExceeded",
                "Job has reached the specified backoff limit",
            )
        };
        let condition = |kind: &str| {
            json!({"type": kind, "status": "True", "reason": reason, "message": message,
                   "lastProbeTime": now, "lastTransitionTime": now})
        };
        status["conditions"] = json!([condition(first), condition(second)]);
        let finished = if done {
            (events::NORMAL, "Completed", "Job completed")
        } else {
            (events::WARNING, reason, message)
        };
        events::record_typed(state, COMPONENT, kind, job, finished);
        if done {
            status["completionTime"] = json!(now);
        }
    }
    write_status(state, kind, job, status);
}
