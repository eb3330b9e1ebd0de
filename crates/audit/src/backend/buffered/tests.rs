use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::*;
use crate::backend::{json, test_event};
use crate::emitted::EventJson;

/// Encodes an event as its audit ID.
fn audit_id() -> Encode {
    Box::new(|event: EventJson<'_>, out: &mut String| {
        out.push_str(&event.decode().expect("an event").audit_id);
    })
}

/// Records the audit IDs of each batch; when gated, says it has a batch and waits for a
/// go-ahead before taking it.
struct Recording {
    batches: Arc<Mutex<Vec<Vec<String>>>>,
    gate: Option<(mpsc::Sender<()>, mpsc::Receiver<()>)>,
}

impl Deliver for Recording {
    fn deliver(&mut self, batch: &Batch) {
        let batch: Vec<String> = batch.iter().map(String::from).collect();
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
        assert!(buffered.process(EventJson::new(&json(&test_event(&id.to_string())))));
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
    assert!(buffered.process(EventJson::new(&json(&test_event("late")))));
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
    buffered.process(EventJson::new(&json(&test_event("0"))));
    delivering.recv().expect("the thread took the first event");
    for id in 1..6 {
        buffered.process(EventJson::new(&json(&test_event(&id.to_string()))));
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
    fn deliver(&mut self, batch: &Batch) {
        let _ = self.0.send(batch.iter().map(String::from).collect());
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
        buffered.process(EventJson::new(&json(&test_event(&id.to_string()))));
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

#[test]
fn a_batch_gives_each_event_s_text_and_keeps_its_first_events() {
    let encode: Encode = Box::new(|event: EventJson<'_>, out: &mut String| {
        out.push_str(event.as_str());
        out.push('\n');
    });
    let mut batch = Batch::default();
    for text in ["a", "bb"] {
        batch.push(&encode, EventJson::new(text));
    }
    batch.push_text("ccc\n");
    assert_eq!(batch.iter().collect::<Vec<_>>(), ["a\n", "bb\n", "ccc\n"]);
    assert_eq!(batch.event(1), "bb\n");
    batch.truncate(5);
    assert_eq!(batch.len(), 3);
    batch.truncate(2);
    assert_eq!(batch.text(), "a\nbb\n");
    batch.truncate(0);
    assert!(batch.is_empty());
    assert_eq!(batch.text(), "");
}

#[test]
fn events_recorded_on_many_threads_reach_the_plugin_once_each_in_the_order_they_were_recorded() {
    // Each of four threads records an event and then hands the next one to the following
    // thread (a request moving between threads): the log must show them in that order, while
    // the writer collects the threads' queues in batches of 7 as they fill.
    let (sent, batches) = mpsc::channel();
    let counters = Arc::new(Counters::default());
    let buffered = Arc::new(
        Buffered::start(
            Plugin::Log,
            BatchConfig {
                buffer_size: 100_000,
                max_batch_size: 7,
                max_batch_wait: Duration::from_millis(1),
                throttle: None,
            },
            audit_id(),
            Forwarding(sent),
            counters.clone(),
        )
        .expect("started"),
    );
    const THREADS: usize = 4;
    const CHAINS: usize = 500;
    let mut hands = Vec::new();
    let mut takes = Vec::new();
    for _ in 0..THREADS {
        let (hand, take) = mpsc::channel::<usize>();
        hands.push(hand);
        takes.push(take);
    }
    let threads: Vec<_> = takes
        .into_iter()
        .enumerate()
        .map(|(t, take)| {
            let buffered = buffered.clone();
            let next = hands[(t + 1) % THREADS].clone();
            std::thread::spawn(move || {
                // Thread 0 starts the chains; every thread passes each chain on once.
                if t == 0 {
                    for chain in 0..CHAINS {
                        let id = format!("{chain}-{t}");
                        buffered.process(EventJson::new(&json(&test_event(&id))));
                        next.send(chain).expect("send");
                    }
                }
                let mut seen = 0;
                while seen < CHAINS {
                    let chain = take.recv().expect("a chain");
                    seen += 1;
                    if t == 0 {
                        continue;
                    }
                    let id = format!("{chain}-{t}");
                    buffered.process(EventJson::new(&json(&test_event(&id))));
                    next.send(chain).expect("send");
                }
            })
        })
        .collect();
    drop(hands);
    for thread in threads {
        thread.join().expect("joined");
    }
    buffered.shutdown();
    let batches: Vec<Vec<String>> = batches.try_iter().collect();
    assert!(batches.iter().all(|b| !b.is_empty() && b.len() <= 7));
    let ids: Vec<String> = batches.concat();
    assert_eq!(ids.len(), CHAINS * (THREADS), "every event once");
    let mut place = std::collections::HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        assert!(place.insert(id.clone(), i).is_none(), "{id} twice");
    }
    for chain in 0..CHAINS {
        for t in 1..THREADS {
            let before = place[&format!("{chain}-{}", t - 1)];
            let after = place[&format!("{chain}-{t}")];
            assert!(
                before < after,
                "chain {chain}: thread {t}'s event before its cause"
            );
        }
        if chain > 0 {
            let earlier = place[&format!("{}-0", chain - 1)];
            assert!(
                earlier < place[&format!("{chain}-0")],
                "thread 0's own order"
            );
        }
    }
    assert_eq!(counters.errors(Plugin::Log), 0);
}

#[test]
fn the_buffer_s_bound_counts_the_events_of_every_thread() {
    let batches = Arc::new(Mutex::new(Vec::new()));
    let (go, gate) = mpsc::channel();
    let (entered, delivering) = mpsc::channel();
    let counters = Arc::new(Counters::default());
    let buffered = Arc::new(
        Buffered::start(
            Plugin::Log,
            config(3, 1),
            audit_id(),
            Recording {
                batches: batches.clone(),
                gate: Some((entered, gate)),
            },
            counters.clone(),
        )
        .expect("started"),
    );
    buffered.process(EventJson::new(&json(&test_event("0"))));
    delivering.recv().expect("the thread took the first event");
    // Two threads queue two events each: three fit, one is dropped.
    for name in ["a", "b"] {
        let buffered = buffered.clone();
        std::thread::spawn(move || {
            for i in 0..2 {
                buffered.process(EventJson::new(&json(&test_event(&format!("{name}{i}")))));
            }
        })
        .join()
        .expect("joined");
    }
    assert_eq!(counters.errors(Plugin::Log), 1);
    for _ in 0..4 {
        go.send(()).expect("go");
    }
    buffered.shutdown();
    assert_eq!(
        batches.lock().expect("lock").concat(),
        ["0", "a0", "a1", "b0"]
    );
}
