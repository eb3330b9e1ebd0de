use std::collections::HashMap;

use super::*;

fn page(first: &str, max: &str) -> Page {
    let q: HashMap<String, String> = [("first", first), ("max", max)]
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Page::of(&q, Some(100))
}

#[test]
fn a_sorted_page_is_the_slice_of_the_whole_sort() {
    // A fixed shuffle of 0..1000.
    let shuffled: Vec<u32> = (0..1000u32).map(|i| (i * 7919) % 1000).collect();
    let mut sorted = shuffled.clone();
    sorted.sort_unstable();
    for (first, max) in [
        ("", ""),
        ("0", "10"),
        ("500", "100"),
        ("990", "100"),
        ("999", "1"),
        ("1000", "5"),
        ("3", "-1"),
        ("0", "0"),
    ] {
        let page_of = page(first, max);
        let expected: Vec<u32> = page_of.apply(sorted.iter().copied()).collect();
        let got = page(first, max).of_sorted(shuffled.clone(), |a, b| a.cmp(b));
        assert_eq!(got, expected, "first={first} max={max}");
    }
}
