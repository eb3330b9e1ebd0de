use super::*;

fn classes(function: &str, target: Option<&Ty>, args: &[Ty], join: Join) -> Vec<Cost> {
    resolve(function, target, args, join).costs
}

fn list(item: Ty) -> Ty {
    Ty::List(Box::new(item))
}

#[test]
fn dyn_operands_admit_every_overload_a_known_one_only_its_own() {
    let both = classes("_+_", None, &[Ty::Dyn, Ty::Dyn], Join::Known);
    for class in [Cost::Fixed, Cost::Concat, Cost::AddList] {
        assert!(both.contains(&class), "{class:?} in {both:?}");
    }
    assert_eq!(
        classes("_+_", None, &[Ty::String, Ty::Dyn], Join::Known),
        [Cost::Concat]
    );
    assert_eq!(
        classes("_<_", None, &[Ty::Int, Ty::Double], Join::Certain),
        [Cost::Fixed],
        "cross-type numeric comparisons"
    );
    assert!(classes("_%_", None, &[Ty::Double, Ty::Double], Join::Certain).is_empty());
    let dyn_index = classes("_[_]", None, &[Ty::Dyn, Ty::Int], Join::Known);
    assert_eq!(dyn_index, [Cost::IndexList, Cost::IndexMap]);
}

#[test]
fn a_type_parameter_given_dyn_is_dyn_when_certain_the_other_type_when_known() {
    let branches = [Ty::Bool, Ty::Dyn, Ty::Int];
    assert!(
        resolve("_?_:_", None, &branches, Join::Certain)
            .result
            .is_dyn()
    );
    assert_eq!(
        resolve("_?_:_", None, &branches, Join::Known).result.name(),
        Some("int")
    );
    // `[] + self.names`: the empty list's items take the other list's type.
    let added = resolve("_+_", None, &[list(Ty::Dyn), list(Ty::String)], Join::Known);
    assert!(matches!(added.result, Ty::List(item) if matches!(*item, Ty::String)));
    // Different types are no one type: no overload, the result not known.
    let mixed = resolve(
        "_?_:_",
        None,
        &[Ty::Bool, Ty::Int, Ty::String],
        Join::Certain,
    );
    assert!(mixed.costs.is_empty() && mixed.result.is_dyn());
}

#[test]
fn when_none_takes_the_operands_the_estimate_frees_the_type_parameters() {
    let args = [Ty::Int, Ty::String];
    assert!(resolve("_==_", None, &args, Join::Certain).costs.is_empty());
    assert_eq!(classes("_==_", None, &args, Join::Known), [Cost::Equals]);
    let object = Ty::Object(None);
    assert_eq!(
        classes("_[_]", None, &[object, Ty::String], Join::Known),
        [Cost::IndexMap],
        "an object indexes as a map of its fields"
    );
    // No overload at all: the result all the function's overloads give.
    let wrong = resolve("contains", Some(&Ty::String), &[Ty::Int], Join::Certain);
    assert!(wrong.costs.is_empty());
    assert_eq!(wrong.result.name(), Some("bool"));
}

#[test]
fn members_namespaced_functions_and_the_kubernetes_libraries_give_their_types() {
    let name = |function: &str, target: Option<&Ty>, args: &[Ty]| {
        resolve(function, target, args, Join::Certain).result.name()
    };
    assert_eq!(name("optional.of", None, &[Ty::Int]), Some("optional_type"));
    assert_eq!(name("ip", None, &[Ty::String]), Some("ip"));
    assert_eq!(name("ip", Some(&Ty::Opaque("cidr")), &[]), Some("ip"));
    assert_eq!(name("getQuery", Some(&Ty::Opaque("url")), &[]), Some("map"));
    assert_eq!(name("math.abs", None, &[Ty::Double]), Some("double"));
    assert_eq!(
        name("math.abs", None, &[Ty::Dyn]),
        None,
        "int, uint or double"
    );
    assert_eq!(
        name(
            "compareTo",
            Some(&Ty::Opaque("semver")),
            &[Ty::Opaque("semver")]
        ),
        Some("int")
    );
    let split = resolve("split", Some(&Ty::String), &[Ty::String], Join::Certain);
    assert!(matches!(split.result, Ty::List(item) if matches!(*item, Ty::String)));
    let first = resolve("first", Some(&list(Ty::Int)), &[], Join::Certain).result;
    assert!(matches!(first, Ty::Optional(item) if matches!(*item, Ty::Int)));
    assert!(!declared("lenght") && declared("existsOne") && declared("_[?_]"));
}
