use super::*;

/// Encodes an event as its text and a newline.
fn line() -> Encode {
    Box::new(|event: EventJson<'_>, out: &mut String| {
        out.push_str(event.as_str());
        out.push('\n');
    })
}

fn push(lanes: &Lanes, text: &str) -> Pushed {
    lanes.push(&line(), EventJson::new(text), 100, 1000)
}

fn on_a_thread(lanes: &Arc<Lanes>, texts: &[&'static str]) {
    let lanes = lanes.clone();
    let texts = texts.to_vec();
    std::thread::spawn(move || {
        for text in texts {
            assert!(matches!(push(&lanes, text), Pushed::Queued { .. }));
        }
    })
    .join()
    .expect("joined");
}

fn taken(collector: &mut Collector, lanes: &Lanes, max: usize) -> Vec<String> {
    let mut batch = Batch::default();
    collector.take(max, &mut batch, lanes);
    batch.iter().map(String::from).collect()
}

#[test]
fn the_queues_of_several_threads_are_merged_in_the_order_the_events_came() {
    let lanes = Arc::new(Lanes::new());
    on_a_thread(&lanes, &["a"]);
    assert!(matches!(push(&lanes, "b"), Pushed::Queued { .. }));
    on_a_thread(&lanes, &["c", "d"]);
    assert!(matches!(push(&lanes, "e"), Pushed::Queued { .. }));
    assert_eq!(lanes.waiting(), 5);
    let mut collector = Collector::default();
    collector.collect(&lanes);
    assert_eq!(taken(&mut collector, &lanes, 3), ["a\n", "b\n", "c\n"]);
    assert_eq!(lanes.waiting(), 2);
    assert!(matches!(push(&lanes, "f"), Pushed::Queued { .. }));
    collector.collect(&lanes);
    assert_eq!(taken(&mut collector, &lanes, 10), ["d\n", "e\n", "f\n"]);
    assert!(collector.is_empty());
    assert_eq!(lanes.waiting(), 0);
    // The two threads have ended and their queues are empty: forgotten, but for the shared
    // one and this thread's.
    assert_eq!(lock(&lanes.registry).len(), 2);
}

#[test]
fn one_thread_s_run_becomes_the_batch_as_it_is() {
    let lanes = Lanes::new();
    for text in ["a", "b"] {
        push(&lanes, text);
    }
    let mut collector = Collector::default();
    collector.collect(&lanes);
    assert_eq!(taken(&mut collector, &lanes, 2), ["a\n", "b\n"]);
    // The queue got an empty run back and fills it again.
    push(&lanes, "c");
    collector.collect(&lanes);
    assert_eq!(taken(&mut collector, &lanes, 2), ["c\n"]);
}

#[test]
fn a_run_keeps_the_events_numbered_past_a_collection() {
    let mut run = Run::default();
    let encode = line();
    for (n, text) in [(3, "x"), (5, "y"), (8, "z")] {
        run.events.push(&encode, EventJson::new(text));
        run.numbers.push(n);
    }
    let mut rest = Run::default();
    run.split_into(run.numbers.partition_point(|n| *n < 5), &mut rest);
    assert_eq!(run.events.iter().collect::<Vec<_>>(), ["x\n"]);
    assert_eq!(run.numbers, [3]);
    assert_eq!(rest.events.iter().collect::<Vec<_>>(), ["y\n", "z\n"]);
    assert_eq!(rest.numbers, [5, 8]);
}

#[test]
fn a_full_buffer_and_a_closed_one_refuse_events() {
    let lanes = Lanes::new();
    let encode = line();
    assert!(matches!(
        lanes.push(&encode, EventJson::new("a"), 2, 2),
        Pushed::Queued { wake: false }
    ));
    // The second fills the batch of two: the writer is woken.
    assert_eq!(
        lanes.push(&encode, EventJson::new("b"), 2, 2),
        Pushed::Queued { wake: true }
    );
    assert_eq!(lanes.push(&encode, EventJson::new("c"), 2, 2), Pushed::Full);
    lanes.close();
    assert_eq!(
        lanes.push(&encode, EventJson::new("d"), 2, 2),
        Pushed::Closed
    );
    let mut collector = Collector::default();
    collector.collect(&lanes);
    assert_eq!(taken(&mut collector, &lanes, 10), ["a\n", "b\n"]);
    assert_eq!(lanes.waiting(), 0);
}

#[test]
fn an_idle_writer_is_woken_by_the_next_event_only() {
    let lanes = Lanes::new();
    lanes.idle.store(true, Ordering::SeqCst);
    assert_eq!(push(&lanes, "a"), Pushed::Queued { wake: true });
    assert_eq!(push(&lanes, "b"), Pushed::Queued { wake: false });
}
