use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::backend::test_event;

/// Encodes an event as its audit ID.
fn audit_id() -> Encode {
    Box::new(|event: &Event| event.audit_id.clone())
}

/// Records the audit IDs of each batch; when gated, says it has a batch and waits for a
/// go-ahead before taking it.
struct Recording {
    batches: Arc<Mutex<Vec<Vec<String>>>>,
    gate: Option<(mpsc::Sender<()>, mpsc::Receiver<()>)>,
}

impl Deliver for Recording {
    fn deliver(&mut self, batch: Vec<String>) {
        if let Some((entered, go)) = &self.gate {
            let _ = entered.send(());
            let _ = go.recv();
        }
        self.batches.lock().expect("lock").push(batch);
    }
}

fn config(buffer_size: usize, max_batch_size: usize) -> BatchConfig {
    BatchConfig {
        buffer_size,
        max_batch_size,
        max_batch_wait: Duration::from_millis(20),
        throttle: None,
    }
}

#[test]
fn events_arrive_in_order_in_batches_of_at_most_the_size_and_shutdown_delivers_the_rest() {
    let batches = Arc::new(Mutex::new(Vec::new()));
    let counters = Arc::new(Counters::default());
    let buffered = Buffered::start(
        Plugin::Webhook,
        config(100, 2),
        audit_id(),
        Recording {
            batches: batches.clone(),
            gate: None,
        },
        counters.clone(),
    )
    .expect("started");
    for id in 0..5 {
        assert!(buffered.process(&test_event(&id.to_string())));
    }
    buffered.shutdown();
    let batches = batches.lock().expect("lock").clone();
    assert!(
        batches.iter().all(|b| !b.is_empty() && b.len() <= 2),
        "{batches:?}"
    );
    let ids: Vec<String> = batches.concat();
    assert_eq!(ids, ["0", "1", "2", "3", "4"]);
    assert_eq!(counters.errors(Plugin::Webhook), 0);
    // Taken after the shutdown: dropped and counted.
    assert!(buffered.process(&test_event("late")));
    assert_eq!(counters.errors(Plugin::Webhook), 1);
}

#[test]
fn a_full_queue_drops_events_and_counts_them() {
    let batches = Arc::new(Mutex::new(Vec::new()));
    let (go, gate) = mpsc::channel();
    let (entered, delivering) = mpsc::channel();
    let counters = Arc::new(Counters::default());
    let buffered = Buffered::start(
        Plugin::Log,
        config(2, 1),
        audit_id(),
        Recording {
            batches: batches.clone(),
            gate: Some((entered, gate)),
        },
        counters.clone(),
    )
    .expect("started");
    // The first event is taken by the thread, which then waits; two more fill the queue.
    buffered.process(&test_event("0"));
    delivering.recv().expect("the thread took the first event");
    for id in 1..6 {
        buffered.process(&test_event(&id.to_string()));
    }
    assert_eq!(counters.errors(Plugin::Log), 3);
    for _ in 0..3 {
        go.send(()).expect("go");
    }
    buffered.shutdown();
    assert_eq!(batches.lock().expect("lock").concat(), ["0", "1", "2"]);
}

#[test]
fn kube_apiserver_s_checks_of_the_batch_flags() {
    assert_eq!(BatchConfig::webhook().validate(Plugin::Webhook), Ok(()));
    let zero = BatchConfig {
        max_batch_size: 0,
        ..BatchConfig::log()
    };
    assert_eq!(
        zero.validate(Plugin::Log),
        Err("invalid audit batch log max batch size 0, must be a positive number".to_string())
    );
    let no_qps = BatchConfig {
        throttle: Some((0.0, 15)),
        ..BatchConfig::webhook()
    };
    assert_eq!(
        no_qps.validate(Plugin::Webhook),
        Err("invalid audit batch webhook throttle QPS 0, must be a positive number".to_string())
    );
}

/// Sends each batch it gets.
struct Forwarding(mpsc::Sender<Vec<String>>);

impl Deliver for Forwarding {
    fn deliver(&mut self, batch: Vec<String>) {
        let _ = self.0.send(batch);
    }
}

fn waiting_an_hour(max_batch_size: usize) -> BatchConfig {
    BatchConfig {
        buffer_size: 100,
        max_batch_size,
        max_batch_wait: Duration::from_secs(3600),
        throttle: None,
    }
}

#[test]
fn a_full_batch_goes_at_once_and_a_filling_one_at_the_shutdown() {
    let (sent, batches) = mpsc::channel();
    let counters = Arc::new(Counters::default());
    let buffered = Buffered::start(
        Plugin::Log,
        waiting_an_hour(3),
        audit_id(),
        Forwarding(sent),
        counters.clone(),
    )
    .expect("started");
    for id in 0..5 {
        buffered.process(&test_event(&id.to_string()));
    }
    // The third event completes a batch: it goes without waiting for the hour (bounded here
    // so that a regression fails instead of hanging).
    let first = batches
        .recv_timeout(Duration::from_secs(60))
        .expect("a full batch is delivered before its wait is over");
    assert_eq!(first, ["0", "1", "2"]);
    // Two wait for a third; the shutdown takes them.
    buffered.shutdown();
    assert_eq!(batches.try_iter().collect::<Vec<_>>(), [["3", "4"]]);
    assert_eq!(counters.errors(Plugin::Log), 0);
}
