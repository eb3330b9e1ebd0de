use super::*;

#[test]
fn built_in_apiservices_follow_kube_apiserver_s_priorities() {
    let services = built_in();
    let find = |name: &str| {
        services
            .iter()
            .find(|s| s["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("{name}"))
    };
    let core = find("v1.");
    assert_eq!(
        core["spec"],
        json!({"group": "", "version": "v1",
        "groupPriorityMinimum": 18000, "versionPriority": 1})
    );
    assert_eq!(core["metadata"]["labels"][AUTOMANAGED], "onstart");
    assert_eq!(core["status"]["conditions"][0]["reason"], "Local");
    assert_eq!(find("v1.apps")["spec"]["groupPriorityMinimum"], 17800);
    assert_eq!(find("v2.autoscaling")["spec"]["versionPriority"], 30);
    assert_eq!(
        find("v1.rbac.authorization.k8s.io")["spec"]["groupPriorityMinimum"],
        17000
    );
    // One per served group/version but kube-aggregator's own (its discovery is built in).
    let served: BTreeSet<(&str, &str)> = kinds::all()
        .map(|k| (k.group, k.version))
        .filter(|(group, _)| *group != "apiregistration.k8s.io")
        .collect();
    assert!(services.iter().all(|s| served.contains(&(
        s["spec"]["group"].as_str().unwrap(),
        s["spec"]["version"].as_str().unwrap()
    ))));
    assert_eq!(
        services.len(),
        served.len(),
        "every served group/version has a priority"
    );
}
