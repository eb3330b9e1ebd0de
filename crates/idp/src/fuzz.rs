//! Fuzz target of the realm files the identity provider imports (`kubeward idp import`, the
//! admin API's realm and partial imports): Keycloak's realm JSON (`docs/fuzzing.md`).
//!
//! The target is a bolero harness that runs as an ordinary test on the stable toolchain: it
//! replays its corpus (`src/__fuzz__/<target>/corpus`), then generates random inputs for a
//! bounded time; `cargo bolero test` runs it under libFuzzer or AFL for as long as one wants.

use std::time::Duration;

use crate::representation::tests::Counter;
use crate::representation::{RealmRepresentation, export, import};

/// How long the target generates random inputs in a normal test run, after its corpus
/// (`BOLERO_RANDOM_TEST_TIME_MS` overrides it for a longer run).
const RANDOM_TIME: Duration = Duration::from_millis(1500);

/// Any JSON is a realm representation or refused; a representation imports into a realm or is
/// refused with a reason, never a panic; an imported realm exports, and its export imports
/// again to a realm of the same name.
#[test]
fn realm_json() {
    bolero::check!(name = "realm_json")
        .with_test_time(RANDOM_TIME)
        .for_each(|input: &[u8]| {
            let Ok(representation) = serde_json::from_slice::<RealmRepresentation>(input) else {
                return;
            };
            let mut minter = Counter(0);
            let Ok(realm) = import(&representation, &mut minter) else {
                return;
            };
            let exported = export(&realm);
            let again = import(&exported, &mut minter).expect("an export imports again");
            assert_eq!(again.name, realm.name);
        });
}
