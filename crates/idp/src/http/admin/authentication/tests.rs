use super::*;

fn step(
    id: &str,
    authenticator: Option<&str>,
    flow: Option<&str>,
    config: Option<&str>,
) -> Execution {
    Execution {
        id: id.into(),
        authenticator: authenticator.map(str::to_string),
        flow_id: flow.map(str::to_string),
        requirement: "REQUIRED".into(),
        priority: 10,
        authenticator_config: config.map(str::to_string),
    }
}

fn flow(id: &str, alias: &str, top: bool, executions: Vec<Execution>) -> AuthFlow {
    AuthFlow {
        id: id.into(),
        alias: alias.into(),
        description: Some(format!("{alias} flow")),
        provider_id: "basic-flow".into(),
        top_level: top,
        built_in: true,
        executions,
    }
}

#[test]
fn a_copy_renames_subflows_and_configurations_after_the_new_name() {
    let mut a = Authentication {
        flows: vec![
            flow(
                "b",
                "browser",
                true,
                vec![
                    step("e1", Some("auth-cookie"), None, Some("c1")),
                    step("e2", None, Some("f"), None),
                ],
            ),
            flow("f", "forms", false, vec![step("e3", None, Some("g"), None)]),
            flow(
                "g",
                "otp",
                false,
                vec![step("e4", Some("auth-otp-form"), None, None)],
            ),
        ],
        configs: vec![AuthenticatorConfig {
            id: "c1".into(),
            alias: Some("cfg".into()),
            config: [("k".to_string(), "v".to_string())].into(),
        }],
    };
    let from = a.flows[0].clone();
    let id = copy_flow(&mut a, &from, "mine", "mine".into(), true);
    let copy = a.flow(&id).unwrap();
    assert_eq!(copy.alias, "mine");
    assert!(copy.top_level && !copy.built_in);
    assert_eq!(copy.description.as_deref(), Some("browser flow"));
    let aliases: Vec<&str> = a.flows.iter().map(|f| f.alias.as_str()).collect();
    assert_eq!(
        aliases,
        ["browser", "forms", "otp", "mine", "mine forms", "mine otp"]
    );
    let copied_config = copy.executions[0].authenticator_config.clone().unwrap();
    assert_ne!(copied_config, "c1");
    assert_eq!(
        a.config(&copied_config).unwrap().alias.as_deref(),
        Some("mine cfg")
    );
    assert!(a.flows.iter().skip(3).all(|f| !f.built_in));
    assert_eq!(
        a.flow_by_alias("mine forms").map(|f| f.top_level),
        Some(false)
    );
}

#[test]
fn string_bodies_take_other_values_as_their_json_text() {
    let map = string_map(br#"{"newName": "x", "n": 3, "gone": null}"#)
        .ok()
        .unwrap_or_default();
    assert_eq!(map.get("newName").map(String::as_str), Some("x"));
    assert_eq!(map.get("n").map(String::as_str), Some("3"));
    assert!(!map.contains_key("gone"));
    assert!(string_map(b"[1]").is_err());
}
