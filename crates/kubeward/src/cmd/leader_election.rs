//! kube-controller-manager's leader election flags, for `serve` and `up` on a shared store:
//! whether the replicas elect one of them to run the controllers that act once per cluster, and
//! the Lease's durations (Go durations, kube-controller-manager's defaults).

use std::time::Duration;

use anyhow::bail;
use clap::{ArgAction, Args};
use kubeward_server::LeaderElection;

use super::storage::parse_interval;

/// The flags.
#[derive(Debug, Clone, Args)]
pub struct LeaderElectionArgs {
    /// Start a leader election client and gain leadership before running the controllers that
    /// act once per cluster (with --etcd-servers, where replicas share the store).
    #[arg(long, default_value_t = true, action = ArgAction::Set, num_args = 0..=1,
          default_missing_value = "true", value_name = "true|false")]
    pub leader_elect: bool,
    /// How long a leader that stopped renewing keeps the Lease before another replica takes it.
    #[arg(long, default_value = "15s", value_parser = parse_interval)]
    pub leader_elect_lease_duration: Duration,
    /// How long the leader keeps trying to renew the Lease before it stops leading.
    #[arg(long, default_value = "10s", value_parser = parse_interval)]
    pub leader_elect_renew_deadline: Duration,
    /// How long candidates wait between attempts to acquire or renew the Lease.
    #[arg(long, default_value = "2s", value_parser = parse_interval)]
    pub leader_elect_retry_period: Duration,
}

impl LeaderElectionArgs {
    /// The election a server on a store that others share (`shared`) takes part in; `None`
    /// when it runs every controller itself.
    pub fn election(&self, shared: bool) -> anyhow::Result<Option<LeaderElection>> {
        let election = LeaderElection {
            lease_duration: self.leader_elect_lease_duration,
            renew_deadline: self.leader_elect_renew_deadline,
            retry_period: self.leader_elect_retry_period,
        };
        if let Err(message) = election.check() {
            bail!("--leader-elect-lease-duration/renew-deadline/retry-period: {message}");
        }
        Ok((shared && self.leader_elect).then_some(election))
    }
}

#[cfg(test)]
mod tests;
