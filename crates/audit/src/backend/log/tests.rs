use std::os::unix::fs::PermissionsExt as _;
use std::sync::Arc;

use super::*;
use crate::backend::{json, test_event};
use crate::emitted::EventJson;
use crate::event::Event;

fn options(path: &std::path::Path, mode: Mode) -> Options {
    Options {
        mode,
        ..Options::new(&path.display().to_string())
    }
}

#[test]
fn blocking_writes_each_event_as_one_json_line_in_a_private_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("audit/audit.log");
    let counters = Arc::new(Counters::default());
    let backend = start(&options(&path, Mode::Blocking), counters.clone()).expect("started");
    let mode = std::fs::metadata(&path)
        .expect("created")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
    let (first, second) = (test_event("a"), test_event("b"));
    assert!(backend.process(EventJson::new(&json(&first))));
    // Written before `process` returns.
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        first.to_json_line()
    );
    assert!(backend.process(EventJson::new(&json(&second))));
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        format!("{}{}", first.to_json_line(), second.to_json_line())
    );
    assert_eq!(counters.errors(Plugin::Log), 0);
}

#[test]
fn batch_mode_writes_on_its_thread_and_the_legacy_format_is_one_text_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("audit.log");
    let options = Options {
        format: Format::Legacy,
        batch: BatchConfig {
            max_batch_size: 10,
            ..BatchConfig::log()
        },
        ..options(&path, Mode::Batch)
    };
    let backend = start(&options, Arc::new(Counters::default())).expect("started");
    let events: Vec<Event> = ["a", "b", "c"].into_iter().map(test_event).collect();
    for event in &events {
        assert!(backend.process(EventJson::new(&json(event))));
    }
    backend.shutdown();
    let expected: String = events
        .iter()
        .map(|e| format!("{}\n", e.legacy_line()))
        .collect();
    assert_eq!(std::fs::read_to_string(&path).expect("read"), expected);
}

#[test]
fn a_log_that_cannot_be_created_stops_the_start() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("plain");
    std::fs::write(&file, "").expect("written");
    let path = file.join("audit.log");
    let Err(error) = start(&options(&path, Mode::Blocking), Arc::default()) else {
        panic!("a path under a file cannot be created");
    };
    assert!(
        error
            .to_string()
            .starts_with(&format!("--audit-log-path {}: ", path.display())),
        "{error}"
    );
}

#[test]
fn formats_and_modes_read_as_kube_apiserver_reads_them() {
    assert_eq!(Format::parse("json"), Ok(Format::Json));
    assert_eq!(
        Format::parse("yaml"),
        Err("invalid audit log format yaml, allowed formats are \"legacy,json\"".to_string())
    );
    assert_eq!(
        Mode::parse(Plugin::Log, "blocking-strict"),
        Ok(Mode::BlockingStrict)
    );
    assert_eq!(
        Mode::parse(Plugin::Webhook, "async"),
        Err(
            "invalid audit webhook mode async, allowed modes are \"batch,blocking,blocking-strict\""
                .to_string()
        )
    );
}
