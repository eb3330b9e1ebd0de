//! kube-apiserver's `--audit-*` flags, shared by `serve` and `up`: the policy file, the log
//! backend (path, rotation, format, mode and batching) and the webhook backend (its
//! kubeconfig-formatted file, backoff and batching), read into the audit crate's options.

mod webhook_config;

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, bail};
use clap::{ArgAction, Args};
use kubeward_audit::backend::buffered::BatchConfig;
use kubeward_audit::backend::log::{self, Format};
use kubeward_audit::backend::rotate::Rotation;
use kubeward_audit::backend::{Mode, Options, Plugin, webhook};

use super::limits::parse_duration;

/// The flags.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// The audit policy (audit.k8s.io/v1 Policy). Without it nothing is audited.
    #[arg(long)]
    pub audit_policy_file: Option<PathBuf>,
    /// Where audit events are written, one a line; `-` is standard output.
    #[arg(long)]
    pub audit_log_path: Option<String>,
    /// Days a rotated audit log is kept, by the time in its name (0: no limit).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub audit_log_maxage: i64,
    /// Rotated audit logs kept (0: all).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub audit_log_maxbackup: i64,
    /// Megabytes the audit log reaches before it is rotated (0: 100).
    #[arg(long, default_value_t = 0, allow_negative_numbers = true)]
    pub audit_log_maxsize: i64,
    /// json (one audit.k8s.io/v1 Event a line) or legacy (one line of text).
    #[arg(long, default_value = "json")]
    pub audit_log_format: String,
    /// blocking (written before the request goes on), blocking-strict (and a request whose
    /// event cannot be written fails) or batch (written by a thread of its own).
    #[arg(long, default_value = "blocking")]
    pub audit_log_mode: String,
    /// The audit log's batching (batch mode).
    #[command(flatten)]
    pub audit_log_batch: LogBatchArgs,
    /// A kubeconfig-formatted file naming the audit webhook (its server, CA and credentials).
    #[arg(long)]
    pub audit_webhook_config_file: Option<PathBuf>,
    /// The first pause before a failed webhook request is tried again.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub audit_webhook_initial_backoff: Duration,
    /// The webhook's mode: batch (the only one kubeward runs).
    #[arg(long, default_value = "batch")]
    pub audit_webhook_mode: String,
    /// The audit webhook's batching.
    #[command(flatten)]
    pub audit_webhook_batch: WebhookBatchArgs,
}

/// `--audit-log-batch-*`, with kube-apiserver's defaults for the log.
#[derive(Debug, Clone, Args)]
pub struct LogBatchArgs {
    /// Events queued before they are dropped.
    #[arg(long = "audit-log-batch-buffer-size", default_value_t = 10_000)]
    pub log_buffer_size: usize,
    /// Events written at once at most.
    #[arg(long = "audit-log-batch-max-size", default_value_t = 1)]
    pub log_max_size: usize,
    /// How long a batch waits to fill.
    #[arg(long = "audit-log-batch-max-wait", default_value = "0s", value_parser = parse_duration)]
    pub log_max_wait: Duration,
    /// Whether batches are paced.
    #[arg(long = "audit-log-batch-throttle-enable", default_value_t = false,
          num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set)]
    pub log_throttle_enable: bool,
    /// Batches a second, when paced.
    #[arg(long = "audit-log-batch-throttle-qps", default_value_t = 0.0)]
    pub log_throttle_qps: f32,
    /// Batches at once, when paced.
    #[arg(long = "audit-log-batch-throttle-burst", default_value_t = 0)]
    pub log_throttle_burst: u32,
}

/// `--audit-webhook-batch-*`, with kube-apiserver's defaults for the webhook.
#[derive(Debug, Clone, Args)]
pub struct WebhookBatchArgs {
    /// Events queued before they are dropped.
    #[arg(long = "audit-webhook-batch-buffer-size", default_value_t = 10_000)]
    pub webhook_buffer_size: usize,
    /// Events sent at once at most.
    #[arg(long = "audit-webhook-batch-max-size", default_value_t = 400)]
    pub webhook_max_size: usize,
    /// How long a batch waits to fill.
    #[arg(long = "audit-webhook-batch-max-wait", default_value = "30s", value_parser = parse_duration)]
    pub webhook_max_wait: Duration,
    /// Whether batches are paced.
    #[arg(long = "audit-webhook-batch-throttle-enable", default_value_t = true,
          num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set)]
    pub webhook_throttle_enable: bool,
    /// Batches a second, when paced.
    #[arg(long = "audit-webhook-batch-throttle-qps", default_value_t = 10.0)]
    pub webhook_throttle_qps: f32,
    /// Batches at once, when paced.
    #[arg(long = "audit-webhook-batch-throttle-burst", default_value_t = 15)]
    pub webhook_throttle_burst: u32,
}

fn batch(
    buffer_size: usize,
    max_size: usize,
    max_wait: Duration,
    throttle: Option<(f32, u32)>,
) -> BatchConfig {
    BatchConfig {
        buffer_size,
        max_batch_size: max_size,
        max_batch_wait: max_wait,
        throttle,
    }
}

impl AuditArgs {
    /// The audit options; `None` when no policy is given (backends alone record nothing, as
    /// kube-apiserver says).
    pub fn options(&self) -> anyhow::Result<Option<Options>> {
        let log = self.log_options()?;
        let webhook = self.webhook_options()?;
        let Some(path) = &self.audit_policy_file else {
            if log.is_some() || webhook.is_some() {
                eprintln!(
                    "warning: no audit policy file provided (--audit-policy-file), no events will be recorded"
                );
            }
            return Ok(None);
        };
        let bytes = std::fs::read(path)
            .with_context(|| format!("--audit-policy-file {}", path.display()))?;
        let loaded = kubeward_audit::load::parse(&bytes).map_err(|e| {
            anyhow::anyhow!(
                "loading audit policy file: {e}: from file {}",
                path.display()
            )
        })?;
        for warning in &loaded.warnings {
            eprintln!("warning: audit policy {}: {warning}", path.display());
        }
        Ok(Some(Options {
            policy: loaded.policy,
            log,
            webhook,
        }))
    }

    fn log_options(&self) -> anyhow::Result<Option<log::Options>> {
        let Some(path) = self.audit_log_path.as_deref().filter(|p| !p.is_empty()) else {
            return Ok(None);
        };
        let count = |value: i64, flag: &str| -> anyhow::Result<u32> {
            if value < 0 {
                bail!("--{flag} {value} can't be a negative number");
            }
            u32::try_from(value).with_context(|| format!("--{flag} {value} is too large"))
        };
        let args = &self.audit_log_batch;
        let batch = batch(
            args.log_buffer_size,
            args.log_max_size,
            args.log_max_wait,
            args.log_throttle_enable
                .then_some((args.log_throttle_qps, args.log_throttle_burst)),
        );
        let mode = Mode::parse(Plugin::Log, &self.audit_log_mode).map_err(anyhow::Error::msg)?;
        if mode == Mode::Batch {
            batch.validate(Plugin::Log).map_err(anyhow::Error::msg)?;
        }
        Ok(Some(log::Options {
            path: path.to_string(),
            rotation: Rotation {
                max_size_mb: count(self.audit_log_maxsize, "audit-log-maxsize")?,
                max_backups: count(self.audit_log_maxbackup, "audit-log-maxbackup")?,
                max_age_days: count(self.audit_log_maxage, "audit-log-maxage")?,
            },
            format: Format::parse(&self.audit_log_format).map_err(anyhow::Error::msg)?,
            mode,
            batch,
        }))
    }

    fn webhook_options(&self) -> anyhow::Result<Option<webhook::Options>> {
        let Some(path) = &self.audit_webhook_config_file else {
            return Ok(None);
        };
        let mode =
            Mode::parse(Plugin::Webhook, &self.audit_webhook_mode).map_err(anyhow::Error::msg)?;
        webhook::Options::check_mode(mode).map_err(anyhow::Error::msg)?;
        let args = &self.audit_webhook_batch;
        let batch = batch(
            args.webhook_buffer_size,
            args.webhook_max_size,
            args.webhook_max_wait,
            args.webhook_throttle_enable
                .then_some((args.webhook_throttle_qps, args.webhook_throttle_burst)),
        );
        batch
            .validate(Plugin::Webhook)
            .map_err(anyhow::Error::msg)?;
        let target = webhook_config::read(path)
            .with_context(|| format!("--audit-webhook-config-file {}", path.display()))?;
        Ok(Some(webhook::Options {
            target,
            initial_backoff: self.audit_webhook_initial_backoff,
            batch,
        }))
    }
}
