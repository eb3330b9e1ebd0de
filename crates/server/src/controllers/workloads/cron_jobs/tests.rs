use serde_json::{Value, json};
use time::macros::datetime;

use super::*;
use crate::test_support::TestServer;

const CRON_JOBS: &str = "/apis/batch/v1/namespaces/default/cronjobs";
const JOBS: &str = "/apis/batch/v1/namespaces/default/jobs";

async fn job_names(server: &TestServer) -> Vec<String> {
    let list = server.admin("GET", JOBS, None).await;
    let mut names: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

async fn cron_job(server: &TestServer) -> Value {
    server
        .admin("GET", &format!("{CRON_JOBS}/new-year"), None)
        .await
}

/// Runs the controller's sync of `new-year` as if it were `now`, again until the CronJob's
/// `lastScheduleTime` is `expected`: the server's own controllers run beside the test (on the
/// real time, where nothing is due) and may write the status from an earlier read in between.
async fn sync_at(server: &TestServer, now: OffsetDateTime, expected: &str) {
    for _ in 0..100 {
        let current = cron_job(server).await;
        let state = server.state.clone();
        tokio::task::spawn_blocking(move || sync(&state, cron_jobs().unwrap(), &current, now))
            .await
            .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        if cron_job(server).await["status"]["lastScheduleTime"] == expected {
            return;
        }
    }
    let status = cron_job(server).await["status"].clone();
    panic!("lastScheduleTime never became {expected}: {status}");
}

#[tokio::test]
async fn a_job_a_scheduled_minute_and_forbid_waits_for_the_running_one() {
    let server = TestServer::start().await;
    server
        .admin(
            "POST",
            CRON_JOBS,
            Some(&json!({
                "metadata": {"name": "new-year"},
                "spec": {
                    "schedule": "0 0 1 1 *",
                    "concurrencyPolicy": "Forbid",
                    "successfulJobsHistoryLimit": 0,
                    "jobTemplate": {
                        "metadata": {"labels": {"team": "ops"}},
                        "spec": {"template": {"spec": {
                            "restartPolicy": "Never",
                            "containers": [{"name": "c", "image": "busybox"}]}}},
                    },
                },
            })),
        )
        .await;
    let first = datetime!(2027-01-01 00:00 UTC);
    sync_at(
        &server,
        first + time::Duration::seconds(30),
        "2027-01-01T00:00:00Z",
    )
    .await;
    let name = format!("new-year-{}", first.unix_timestamp() / 60);
    assert_eq!(job_names(&server).await, std::slice::from_ref(&name));
    let job = server.admin("GET", &format!("{JOBS}/{name}"), None).await;
    assert_eq!(job["metadata"]["labels"]["team"], "ops");
    assert_eq!(
        job["metadata"]["annotations"][SCHEDULED_TIMESTAMP],
        "2027-01-01T00:00:00Z"
    );
    assert_eq!(job["metadata"]["ownerReferences"][0]["kind"], "CronJob");
    let status = cron_job(&server).await["status"].clone();
    assert_eq!(status["lastScheduleTime"], "2027-01-01T00:00:00Z");
    assert_eq!(status["active"][0]["name"], name.as_str());

    // The same minute again starts nothing; a year later Forbid waits for the running Job.
    sync_at(
        &server,
        first + time::Duration::seconds(50),
        "2027-01-01T00:00:00Z",
    )
    .await;
    let next = datetime!(2028-01-01 00:00 UTC);
    sync_at(
        &server,
        next + time::Duration::seconds(5),
        "2027-01-01T00:00:00Z",
    )
    .await;
    assert_eq!(job_names(&server).await, std::slice::from_ref(&name));

    // Once it completed: the next year's Job, the success recorded, the history (0) cleaned.
    let mut done = job.clone();
    done["status"] = json!({"conditions": [{"type": "Complete", "status": "True",
                                            "lastTransitionTime": "2027-01-01T00:01:00Z"}]});
    done["metadata"]
        .as_object_mut()
        .unwrap()
        .remove("resourceVersion");
    server
        .admin("PUT", &format!("{JOBS}/{name}/status"), Some(&done))
        .await;
    sync_at(
        &server,
        next + time::Duration::seconds(10),
        "2028-01-01T00:00:00Z",
    )
    .await;
    let next_name = format!("new-year-{}", next.unix_timestamp() / 60);
    assert_eq!(job_names(&server).await, [next_name]);
    let mut status = Value::Null;
    for _ in 0..100 {
        status = cron_job(&server).await["status"].clone();
        if status["lastSuccessfulTime"] == "2027-01-01T00:01:00Z" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        status["lastSuccessfulTime"], "2027-01-01T00:01:00Z",
        "{status}"
    );
    assert_eq!(status["lastScheduleTime"], "2028-01-01T00:00:00Z");
}

#[test]
fn a_suspended_or_late_cron_job_is_not_due() {
    let cron_job = |extra: Value| {
        let mut object = json!({
            "metadata": {"name": "c", "creationTimestamp": "2026-12-01T00:00:00Z"},
            "spec": {"schedule": "@hourly"},
        });
        for (key, value) in extra.as_object().unwrap() {
            object["spec"][key.as_str()] = value.clone();
        }
        object
    };
    let now = datetime!(2026-12-05 10:20 UTC);
    assert_eq!(
        due(&cron_job(json!({})), now),
        Some(datetime!(2026-12-05 10:00 UTC))
    );
    assert_eq!(due(&cron_job(json!({"suspend": true})), now), None);
    assert_eq!(
        due(&cron_job(json!({"startingDeadlineSeconds": 600})), now),
        None
    );
}

#[test]
fn a_time_zone_moves_the_scheduled_minute_and_its_annotation() {
    let cron_job = |zone: Option<&str>| {
        let mut object = json!({
            "metadata": {"name": "c", "creationTimestamp": "2026-12-01T00:00:00Z"},
            "spec": {"schedule": "0 9 * * *"},
        });
        if let Some(zone) = zone {
            object["spec"]["timeZone"] = json!(zone);
        }
        object
    };
    let now = datetime!(2026-12-05 10:20 UTC);
    let seoul = cron_job(Some("Asia/Seoul"));
    let scheduled = due(&seoul, now);
    assert_eq!(scheduled, Some(datetime!(2026-12-05 00:00 UTC)));
    assert_eq!(
        scheduled_timestamp(&seoul, datetime!(2026-12-05 00:00 UTC)),
        "2026-12-05T09:00:00+09:00"
    );
    let utc = cron_job(None);
    assert_eq!(due(&utc, now), Some(datetime!(2026-12-05 09:00 UTC)));
    assert_eq!(
        scheduled_timestamp(&utc, datetime!(2026-12-05 09:00 UTC)),
        "2026-12-05T09:00:00Z"
    );
    assert_eq!(due(&cron_job(Some("Mars/Olympus")), now), None);
}
