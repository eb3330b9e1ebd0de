//! Figures worked out by hand from cel-go's `checker.Cost` rules and Kubernetes' size
//! estimator (unbounded strings: 3,145,726 characters; unbounded lists of strings:
//! 1,048,575 items; unbounded maps of strings: 393,215 entries).

use serde_json::{Value, json};

use super::*;
use crate::registry::custom::{cel_decl, cel_source};

fn estimated(rule: &str, schema: Value) -> Range {
    let expression = cel_source::parse(rule).unwrap();
    cost(&expression, cel_decl::declare(&schema, false), false)
}

#[test]
fn a_regex_over_an_unbounded_list_of_unbounded_strings() {
    // self: 1; per item: the loop condition 2, the step `@result && x.matches(re)`:
    // 1 + (x: 1 + ceil((3,145,726 + 1) × 0.1) × ceil(8 × 0.25)) = 629,148.
    let unbounded = json!({"type": "array", "items": {"type": "string"}});
    assert_eq!(
        estimated("self.all(x, x.matches('^[a-z]+$'))", unbounded),
        Range {
            min: 2,
            max: 2 + 1_048_575 * (629_148 + 2)
        }
    );
    // Bounded: 100 items of at most 64 characters (256 bytes): per item 2 + 1 + (1 + 26 × 2).
    let bounded = json!({"type": "array", "maxItems": 100,
        "items": {"type": "string", "maxLength": 64}});
    assert_eq!(
        estimated("self.all(x, x.matches('^[a-z]+$'))", bounded).max,
        2 + 100 * 56
    );
}

#[test]
fn nested_comprehensions_multiply() {
    let unbounded = json!({"type": "array", "items": {"type": "string"}});
    // Inner: 2 + n × (2 + 1 + (1 + 1 + ceil(3,145,726 × 0.1))); outer: 2 + n × (2 + 1 + inner).
    let inner: u64 = 2 + 1_048_575 * (2 + 1 + 2 + 314_573);
    assert_eq!(
        estimated("self.all(x, self.all(y, x == y))", unbounded).max,
        2 + 1_048_575 * (inner + 3)
    );
}

#[test]
fn constant_time_calls_selections_and_comparisons() {
    let list = json!({"type": "array", "items": {"type": "string"}});
    assert_eq!(estimated("self.size() < 10", list), Range::fixed(3));
    let object = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    // self 1, field selection 1, equality with a 3-character literal: ceil(3 × 0.1).
    assert_eq!(
        estimated("self.name == 'abc'", object.clone()),
        Range::fixed(3)
    );
    // `has()` costs nothing on its own (PresenceTestHasCost(false)), `||` the sum at most.
    assert_eq!(
        estimated("!has(self.name) || self.name.size() > 0", object),
        Range { min: 2, max: 6 }
    );
}

#[test]
fn a_map_of_strings_ranges_over_its_keys() {
    let map = json!({"type": "object", "additionalProperties": {"type": "string"}});
    // Per key: the condition 2, `@result && self[k].size() < 5`: 1 + (3 + 1 + 1).
    assert_eq!(
        estimated("self.all(k, self[k].size() < 5)", map).max,
        2 + 393_215 * 8
    );
}

#[test]
fn kube_words_the_factor_as_get_cost_error_message_does() {
    let text = |cost| over_budget("estimated rule cost", cost, RULE_LIMIT);
    assert!(text(20_000_000).starts_with("estimated rule cost exceeds budget by factor of 2.0x (try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)"));
    assert!(text(12_000_000).contains("factor of 1.200000x"));
    assert!(text(659_710_961_252).contains("factor of more than 100x"));
}

#[test]
fn the_cardinality_of_a_node_counts_its_smallest_values_in_a_request() {
    let item = cel_decl::declare(
        &json!({"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}),
        false,
    )
    .unwrap();
    assert_eq!(item.min_size, 12);
    assert_eq!(max_cardinality(&item), 3_145_728 / 13);
}

/// The schema of kube's cost stability table: an object of `val1`, `val2`, ... of these types.
fn vals(types: &[Value]) -> Value {
    let properties: serde_json::Map<String, Value> = types
        .iter()
        .enumerate()
        .map(|(i, t)| (format!("val{}", i + 1), t.clone()))
        .collect();
    json!({"type": "object", "properties": properties})
}

/// Figures of kube-apiserver's own `TestCelEstimatedCostStability` (apiextensions-apiserver's
/// `celcoststability_test.go`), matched exactly.
#[test]
fn kube_s_cost_stability_figures() {
    let string = json!({"type": "string"});
    let integer = json!({"type": "integer"});
    let ints = json!({"type": "array", "items": {"type": "integer"}});
    let set =
        json!({"type": "array", "x-kubernetes-list-type": "set", "items": {"type": "string"}});
    let map = json!({"type": "object", "additionalProperties": {"type": "string"}});
    let duration = json!({"type": "string", "format": "duration"});
    let strings = vals(&[string.clone(), string.clone()]);
    let cases: &[(&Value, &str, u64)] = &[
        (&strings, "self.val1.startsWith('Rook')", 3),
        (&strings, "self.val1.matches('^[^0-9]*$')", 943_721),
        (&strings, "self.val1.indexOf('o', 2) == 2", 314_576),
        (
            &strings,
            "self.val1.replace(' ', 'x') == 'Rookxtakesx👑'",
            629_150,
        ),
        (
            &strings,
            "self.val1.split(' ', 2) == ['Rook', 'takes 👑']",
            629_159,
        ),
        (
            &strings,
            "self.val1.substring(4, 10).trim() == 'takes'",
            629_149,
        ),
        (
            &strings,
            "self.val1.lowerAscii() == self.val1.lowerAscii()",
            943_723,
        ),
        (
            &strings,
            "self.val1 == 'Rook takes 👑' && 'Rook takes 👑' == self.val1 && self.val1 == self.val2",
            314_585,
        ),
        (
            &vals(&[integer.clone(), integer.clone()]),
            "type(self.val1) == int",
            4,
        ),
        (
            &vals(&[integer.clone(), string.clone()]),
            "string(self.val1) == self.val2",
            314_578,
        ),
        (
            &vals(&[duration.clone(), duration]),
            "type(self.val1) == google.protobuf.Duration",
            4,
        ),
        (
            &vals(&[ints.clone(), ints.clone()]),
            "1 in self.val1",
            1_572_865,
        ),
        (
            &vals(&[ints.clone(), ints.clone()]),
            "self.val1 + [4, 5] == [1, 2, 3, 4, 5]",
            24,
        ),
        (
            &vals(&[ints.clone(), ints.clone()]),
            "self.val1.all(k, size(self.val1) > 0)",
            11_010_044,
        ),
        (
            &vals(&[ints.clone(), ints.clone()]),
            "self.val1.exists_one(k, self.val1 == [2])",
            23_592_949,
        ),
        (
            &vals(&[ints.clone(), ints]),
            "size(self.val1.filter(k, size(self.val1) > 1)) == 1",
            26_738_686,
        ),
        (
            &vals(&[set.clone(), set.clone()]),
            "self.val1 == self.val2",
            104_862,
        ),
        (&vals(&[set.clone(), set]), "'a' in self.val1", 1_048_577),
        (
            &vals(&[map.clone(), map.clone()]),
            "self.val1 == {'k1': 'a', 'k2': 'b'}",
            33,
        ),
        (
            &vals(&[map.clone(), map.clone()]),
            "self.val1.all(k, size(self.val1) > 0)",
            2_752_508,
        ),
        (
            &vals(&[map.clone(), map]),
            "!self.val1.exists_one(k, size(self.val1) > 0)",
            2_359_295,
        ),
    ];
    for (schema, rule, want) in cases {
        let got = estimated(rule, (*schema).clone()).max;
        assert_eq!(got, *want, "{rule}");
    }
}

#[test]
fn a_dyn_operand_admits_every_overload_of_the_shared_table() {
    // `string()` of an int-or-string (3,145,726 characters at most): cel-go's checker admits
    // `bytes_to_string` (ceil(size × 0.1)) beside the fixed-cost conversions; `self.data` is 2.
    let object = json!({"type": "object", "properties": {
        "data": {"x-kubernetes-int-or-string": true}}});
    assert_eq!(
        estimated("string(self.data)", object),
        Range {
            min: 2,
            max: 2 + 314_573
        }
    );
}
