use super::*;

#[test]
fn human_duration_matches_go() {
    let cases = [
        (0, "0s"),
        (119, "119s"),
        (120, "2m"),
        (125, "2m5s"),
        (600, "10m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 60, "3h1m"),
        (8 * 3600, "8h"),
        (86400, "24h"),
        (48 * 3600, "2d"),
        (49 * 3600, "2d1h"),
        (8 * 86400, "8d"),
        (2 * 365 * 86400, "2y"),
        (2 * 365 * 86400 + 86400, "2y1d"),
        (9 * 365 * 86400, "9y"),
    ];
    for (seconds, expected) in cases {
        assert_eq!(human_duration(seconds), expected, "{seconds}");
    }
}

#[test]
fn a_table_has_one_cell_per_column_and_the_object_metadata() {
    let columns = [NAME, AGE];
    let cells: CellsFn = |object, now| vec![name(object), age(object, now)];
    let object =
        serde_json::json!({"metadata": {"name": "a", "creationTimestamp": "2026-11-22T10:00:00Z"}});
    let now = time::macros::datetime!(2026-11-22 10:02:05 UTC);
    let table = table(&columns, cells, &[object], "7", now);
    assert_eq!(table["rows"][0]["cells"], serde_json::json!(["a", "2m5s"]));
    assert_eq!(table["metadata"]["resourceVersion"], "7");
    assert_eq!(table["rows"][0]["object"]["metadata"]["name"], "a");
    assert_eq!(table["columnDefinitions"][1]["name"], "Age");
}
