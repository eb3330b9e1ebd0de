use serde_json::json;
use time::macros::datetime;

use super::*;

#[test]
fn jobs_select_their_pods_by_uid() {
    let mut job = json!({
        "metadata": {"name": "pi", "uid": "u-1"},
        "spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "perl"}],
                                        "restartPolicy": "Never"}}},
    });
    default_job_spec(&mut job);
    generate_selector(&mut job);
    assert_eq!(
        job["spec"]["selector"]["matchLabels"][CONTROLLER_UID],
        "u-1"
    );
    assert_eq!(
        job["spec"]["template"]["metadata"]["labels"]["job-name"],
        "pi"
    );
    assert_eq!(job["spec"]["completions"], 1);
    assert_eq!(job["spec"]["backoffLimit"], 6);
    assert!(JobStrategy.validate(&job).is_empty());
}

#[test]
fn a_job_that_restarts_always_is_refused() {
    let mut job = json!({
        "metadata": {"name": "pi", "uid": "u-1"},
        "spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "perl"}]}}},
    });
    default_job_spec(&mut job);
    generate_selector(&mut job);
    let errors = JobStrategy.validate(&job);
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].field, "spec.template.spec.restartPolicy");
    assert_eq!(
        errors[0].error_body(),
        r#"Unsupported value: "Always": supported values: "OnFailure", "Never""#
    );
}

#[test]
fn job_rows_follow_print_job() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let job = json!({
        "metadata": {"name": "pi", "creationTimestamp": "2026-11-22T09:59:00Z"},
        "spec": {"completions": 1, "parallelism": 1,
                 "template": {"spec": {"containers": [{"name": "pi", "image": "perl"}]}},
                 "selector": {"matchLabels": {"a": "b"}}},
        "status": {"succeeded": 1, "startTime": "2026-11-22T09:59:00Z",
                   "completionTime": "2026-11-22T09:59:09Z",
                   "conditions": [{"type": "Complete", "status": "True"}]},
    });
    let cells = job_cells(&job, now);
    assert_eq!(cells[1], "Complete");
    assert_eq!(cells[2], "1/1");
    assert_eq!(cells[3], "9s");
    assert_eq!(cells[7], "a=b");
}

#[test]
fn schedules_are_parsed_as_cron_does() {
    assert!(check_schedule("*/1 * * * *").is_ok());
    assert!(check_schedule("@hourly").is_ok());
    assert!(check_schedule("TZ=UTC 0 0 * * *").is_ok());
    assert_eq!(
        check_schedule("bad").unwrap_err(),
        "expected exactly 5 fields, found 1: [bad]"
    );
}

#[test]
fn cron_job_rows_follow_print_cron_job() {
    let now = datetime!(2026-11-22 10:00:00 UTC);
    let mut cron = json!({
        "metadata": {"name": "c", "creationTimestamp": "2026-11-22T09:00:00Z"},
        "spec": {"schedule": "*/1 * * * *", "jobTemplate": {"spec": {"template": {"spec": {
            "containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "OnFailure"}}}}},
    });
    CronJobStrategy::defaults(&mut cron);
    let cells = cron_job_cells(&cron, now);
    assert_eq!(cells[2], "<none>");
    assert_eq!(cells[3], "False");
    assert_eq!(cells[4], 0);
    assert_eq!(cells[5], "<none>");
    assert!(CronJobStrategy.validate(&cron).is_empty());
}

#[test]
fn time_zones_are_checked_as_kube_checks_them() {
    let cron_job = |schedule: &str, zone: Option<&str>| {
        let mut object = json!({
            "metadata": {"name": "c"},
            "spec": {"schedule": schedule, "jobTemplate": {"spec": {"template": {"spec": {
                "containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "OnFailure"}}}}},
        });
        CronJobStrategy::defaults(&mut object);
        if let Some(zone) = zone {
            object["spec"]["timeZone"] = json!(zone);
        }
        object
    };
    let bodies = |errors: Vec<FieldError>| {
        errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.error_body()))
            .collect::<Vec<_>>()
    };
    assert!(
        CronJobStrategy
            .validate(&cron_job("0 9 * * *", Some("Asia/Seoul")))
            .is_empty()
    );
    assert_eq!(
        bodies(CronJobStrategy.validate(&cron_job("0 9 * * *", Some("Mars/Olympus")))),
        [r#"spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus"#]
    );
    assert_eq!(
        bodies(CronJobStrategy.validate(&cron_job("0 9 * * *", Some("../etc")))),
        [r#"spec.timeZone: Invalid value: "../etc": unknown time zone ../etc"#]
    );
    assert_eq!(
        bodies(CronJobStrategy.validate(&cron_job("0 9 * * *", Some("Local")))),
        [
            r#"spec.timeZone: Invalid value: "Local": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"#
        ]
    );
    assert_eq!(
        bodies(CronJobStrategy.validate(&cron_job("0 9 * * *", Some("")))),
        [r#"spec.timeZone: Invalid value: "": timeZone must be nil or non-empty string"#]
    );
    let prefixed = cron_job("CRON_TZ=UTC 0 9 * * *", None);
    assert_eq!(
        bodies(CronJobStrategy.validate(&prefixed)),
        [
            r#"spec.schedule: Invalid value: "CRON_TZ=UTC 0 9 * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead"#
        ]
    );
    // A CronJob stored with a prefix keeps it; it cannot add a timeZone too.
    assert!(
        CronJobStrategy
            .validate_update(&prefixed, &prefixed)
            .is_empty()
    );
    let both = cron_job("CRON_TZ=UTC 0 9 * * *", Some("UTC"));
    assert_eq!(
        bodies(CronJobStrategy.validate_update(&both, &prefixed)),
        [
            r#"spec.schedule: Invalid value: "CRON_TZ=UTC 0 9 * * *": cannot use both timeZone field and TZ or CRON_TZ in schedule"#
        ]
    );
}
