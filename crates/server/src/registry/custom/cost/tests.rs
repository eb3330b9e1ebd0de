use kube_cel::KubeCelExt as _;
use kube_cel::cel::Context;

use super::*;
use crate::registry::custom::cel_source;

fn cost(source: &str, items: i64, limit: u64) -> u64 {
    let root = Context::default().with_all();
    let mut context = root.new_inner_scope();
    let list: Vec<Value> = (0..items)
        .map(|i| Value::String(std::sync::Arc::new(format!("item-{i}"))))
        .collect();
    context.add_variable_from_value("self", Value::List(list.into()));
    of(&cel_source::parse(source).unwrap(), &context, limit)
}

#[test]
fn a_comprehension_costs_per_element_it_ranges_over() {
    let one = cost("self.all(x, x.startsWith('item'))", 1, PER_CALL_LIMIT);
    let hundred = cost("self.all(x, x.startsWith('item'))", 100, PER_CALL_LIMIT);
    assert!(one > 0 && one < 20, "{one}");
    assert!(hundred > 50 * one, "{one} {hundred}");
}

#[test]
fn nested_comprehensions_multiply_and_counting_stops_past_the_limit() {
    let nested = cost(
        "self.all(x, self.all(y, x == y || x != y))",
        1000,
        PER_CALL_LIMIT,
    );
    assert!(nested > PER_CALL_LIMIT, "{nested}");
    assert!(
        nested < PER_CALL_LIMIT + 1000,
        "stopped soon after the limit: {nested}"
    );
    assert!(cost("self.size() < 10", 1000, PER_CALL_LIMIT) < 10);
}
