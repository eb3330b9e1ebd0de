use serde_json::json;

use super::*;

fn entries(names: &[&str]) -> Vec<Result<(String, Value), StoreError>> {
    names
        .iter()
        .map(|n| Ok((format!("ns/{n}"), json!({"metadata": {"name": n}}))))
        .collect()
}

fn names(listing: &Listing) -> Vec<&str> {
    listing
        .items
        .iter()
        .map(|o| o["metadata"]["name"].as_str().unwrap())
        .collect()
}

#[test]
fn a_page_ends_with_a_token_after_its_last_key_and_counts_the_rest() {
    let mut source = entries(&["a", "b", "c", "d"]).into_iter();
    let options = ListOptions {
        limit: Some(2),
        ..ListOptions::default()
    };
    let filled = fill(&mut source, &options).unwrap();
    let listing = listing(filled, 7, false, || Ok(source.count() as u64)).unwrap();
    assert_eq!(names(&listing), ["a", "b"]);
    assert_eq!(
        listing.continue_from,
        Some(Continue {
            revision: Some(7),
            start: "ns/b\u{0}".to_string()
        })
    );
    assert_eq!(listing.remaining, Some(2));
}

#[test]
fn a_full_last_page_has_no_token() {
    let mut source = entries(&["a", "b"]).into_iter();
    let options = ListOptions {
        limit: Some(2),
        ..ListOptions::default()
    };
    let filled = fill(&mut source, &options).unwrap();
    let listing = listing(filled, 3, false, || panic!("nothing remains")).unwrap();
    assert_eq!((listing.continue_from, listing.remaining), (None, None));
}

#[test]
fn a_predicate_skips_without_counting_and_remaining_is_not_told() {
    let mut source = entries(&["a", "b", "c", "e", "f"]).into_iter();
    let vowel = |o: &Value| matches!(o["metadata"]["name"].as_str(), Some("a" | "e"));
    let options = ListOptions {
        limit: Some(1),
        predicate: Some(&vowel),
        ..ListOptions::default()
    };
    let filled = fill(&mut source, &options).unwrap();
    let listing = listing(filled, 3, true, || panic!("not counted")).unwrap();
    assert_eq!(names(&listing), ["a"]);
    assert_eq!(listing.continue_from.unwrap().start, "ns/a\u{0}");
    assert_eq!(listing.remaining, None);
}

#[test]
fn an_error_of_the_source_is_returned() {
    let mut source = vec![Err(StoreError::Backend("down".to_string()))].into_iter();
    assert!(matches!(
        fill(&mut source, &ListOptions::default()),
        Err(StoreError::Backend(_))
    ));
}
