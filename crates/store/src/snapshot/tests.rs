use serde_json::json;

use super::*;

fn current(entries: &[(&str, i64)]) -> Vec<Result<(String, Value), ()>> {
    entries
        .iter()
        .map(|(k, v)| Ok((k.to_string(), json!(v))))
        .collect()
}

fn merged(rollback: Rollback, entries: &[(&str, i64)]) -> Vec<(String, Value)> {
    rollback
        .apply(current(entries).into_iter())
        .map(Result::unwrap)
        .collect()
}

#[test]
fn nothing_undone_is_the_current_state() {
    let state = merged(Rollback::default(), &[("a", 1), ("b", 2)]);
    assert_eq!(state, vec![("a".into(), json!(1)), ("b".into(), json!(2))]);
}

#[test]
fn creations_updates_and_deletions_are_undone() {
    let mut rollback = Rollback::default();
    // Newest first: c was created, b updated twice, d deleted.
    rollback.undo("c".into(), None);
    rollback.undo("b".into(), Some(json!(21)));
    rollback.undo("d".into(), Some(json!(4)));
    rollback.undo("b".into(), Some(json!(20)));
    let state = merged(rollback, &[("a", 1), ("b", 22), ("c", 3)]);
    assert_eq!(
        state,
        vec![
            ("a".into(), json!(1)),
            ("b".into(), json!(20)),
            ("d".into(), json!(4)),
        ]
    );
}

#[test]
fn errors_pass_through() {
    let entries: Vec<Result<(String, Value), &str>> = vec![Ok(("a".into(), json!(1))), Err("bad")];
    let mut rollback = Rollback::default();
    rollback.undo("z".into(), Some(json!(9)));
    let out: Vec<_> = rollback.apply(entries.into_iter()).collect();
    assert_eq!(
        out,
        vec![
            Ok(("a".into(), json!(1))),
            Err("bad"),
            Ok(("z".into(), json!(9)))
        ]
    );
}
