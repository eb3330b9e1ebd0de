use clap::Parser;

use super::*;

#[derive(Parser)]
struct Flags {
    #[command(flatten)]
    election: LeaderElectionArgs,
}

fn parse(args: &[&str]) -> Result<LeaderElectionArgs, String> {
    let mut all = vec!["test"];
    all.extend_from_slice(args);
    Flags::try_parse_from(all)
        .map(|f| f.election)
        .map_err(|e| e.to_string())
}

#[test]
fn defaults_are_kube_controller_managers_and_apply_on_a_shared_store_only() {
    let flags = parse(&[]).unwrap();
    assert_eq!(flags.election(false).unwrap(), None);
    assert_eq!(
        flags.election(true).unwrap(),
        Some(LeaderElection::default())
    );
    assert_eq!(
        parse(&["--leader-elect=false"])
            .unwrap()
            .election(true)
            .unwrap(),
        None
    );
    assert!(parse(&["--leader-elect"]).unwrap().leader_elect);
}

#[test]
fn durations_are_go_durations_checked_as_client_go_checks_them() {
    let flags = parse(&[
        "--leader-elect-lease-duration=4s",
        "--leader-elect-renew-deadline=3s",
        "--leader-elect-retry-period=500ms",
    ])
    .unwrap();
    assert_eq!(
        flags.election(true).unwrap(),
        Some(LeaderElection {
            lease_duration: Duration::from_secs(4),
            renew_deadline: Duration::from_secs(3),
            retry_period: Duration::from_millis(500),
        })
    );
    let refused = parse(&["--leader-elect-renew-deadline=20s"])
        .unwrap()
        .election(false)
        .unwrap_err();
    assert_eq!(
        refused.to_string(),
        "--leader-elect-lease-duration/renew-deadline/retry-period: leaseDuration must be greater than renewDeadline"
    );
    assert!(parse(&["--leader-elect-retry-period=2 seconds"]).is_err());
}
