use super::*;

fn at(nanos: i128) -> Timestamp {
    Timestamp::from_nanosecond(1_700_000_000_000_000_000 + nanos).unwrap()
}

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn times_have_nine_fraction_digits() {
    assert_eq!(format_time(at(0)), "2023-11-14T22:13:20.000000000Z");
    assert_eq!(format_time(at(123_400)), "2023-11-14T22:13:20.000123400Z");
}

#[test]
fn output_becomes_cri_lines_and_back() {
    let mut splitter = LineSplitter::new();
    let mut file = splitter.push(Stream::Stdout, b"one\ntw", at(1));
    file.extend(splitter.push(Stream::Stdout, b"o\n", at(2)));
    file.extend(splitter.push(Stream::Stdout, b"tail", at(3)));
    file.extend(splitter.finish(Stream::Stdout, at(4)));
    let text = String::from_utf8(file.clone()).unwrap();
    assert_eq!(
        text,
        "2023-11-14T22:13:20.000000001Z stdout F one\n\
         2023-11-14T22:13:20.000000002Z stdout F two\n\
         2023-11-14T22:13:20.000000004Z stdout F tail\n"
    );
    let entries = select(&file, &LogOptions::default());
    let shown: Vec<u8> = entries.iter().flat_map(|e| render(e, false)).collect();
    assert_eq!(shown, b"one\ntwo\ntail\n");
    let stamped = render(&entries[0], true);
    assert_eq!(stamped, b"2023-11-14T22:13:20.000000001Z one\n");
}

#[test]
fn long_lines_are_split_into_partial_entries() {
    let mut splitter = LineSplitter::new();
    let long = vec![b'x'; MAX_LINE + 10];
    let mut chunk = long.clone();
    chunk.push(b'\n');
    let file = splitter.push(Stream::Stderr, &chunk, at(0));
    let entries = select(&file, &LogOptions::default());
    assert_eq!(entries.len(), 2);
    assert!(entries[0].partial && !entries[1].partial);
    assert_eq!(entries[0].stream, Stream::Stderr);
    let shown: Vec<u8> = entries.iter().flat_map(|e| render(e, false)).collect();
    assert_eq!(shown.len(), long.len() + 1);
}

#[test]
fn tail_and_since_select_lines() {
    let mut splitter = LineSplitter::new();
    let file = splitter.push(Stream::Stdout, b"1\n2\n3\n4\n", at(0));
    let mut options = LogOptions {
        tail_lines: Some(2),
        ..LogOptions::default()
    };
    let texts =
        |entries: Vec<Entry>| -> Vec<Vec<u8>> { entries.into_iter().map(|e| e.text).collect() };
    assert_eq!(
        texts(select(&file, &options)),
        [b"3".to_vec(), b"4".to_vec()]
    );
    options.tail_lines = Some(0);
    assert!(select(&file, &options).is_empty());
    options.tail_lines = None;
    options.since = Some(at(1));
    assert!(select(&file, &options).is_empty());
}

#[test]
fn query_options_are_checked_as_the_kubelet_does() {
    let now = at(0);
    let options = LogOptions::from_query(
        &query(&[
            ("follow", "true"),
            ("tailLines", "5"),
            ("timestamps", "true"),
        ]),
        now,
    )
    .unwrap();
    assert!(options.follow && options.timestamps);
    assert_eq!(options.tail_lines, Some(5));
    assert_eq!(
        LogOptions::from_query(&query(&[("tail", "all")]), now)
            .unwrap()
            .tail_lines,
        None
    );
    assert_eq!(
        LogOptions::from_query(&query(&[("tailLines", "x")]), now),
        Err((400, r#"{"message": "Unable to decode query."}"#.into()))
    );
    assert_eq!(
        LogOptions::from_query(&query(&[("tailLines", "-1")]), now),
        Err((422, r#"{"message": "Invalid request."}"#.into()))
    );
    let since = LogOptions::from_query(&query(&[("sinceSeconds", "10")]), now).unwrap();
    assert_eq!(since.since, Some(at(-10_000_000_000)));
}

#[test]
fn malformed_lines_are_skipped() {
    assert_eq!(parse_entry(b"garbage"), None);
    assert_eq!(parse_entry(b"2023-11-14T22:13:20Z stdin F x"), None);
    assert!(parse_entry(b"2023-11-14T22:13:20Z stdout F").is_some());
}
