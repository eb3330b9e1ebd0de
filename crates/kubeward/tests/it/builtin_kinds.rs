//! Kubernetes 1.33's built-in kinds through kubectl's own generators and printers: the apps
//! and batch workloads with their defaults, scale subresource and columns, and kube-apiserver's
//! refusals of invalid objects.

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden as steps;

/// The first line (the header) of a table kubectl printed, with its runs of spaces collapsed.
fn header(table: &str) -> String {
    table
        .lines()
        .next()
        .unwrap_or("")
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect::<Vec<_>>()
        .join("|")
}

/// The cells of the (last) row of `name`, split at runs of two or more spaces; lines such as
/// `replicaset.apps/front created` that kubectl printed before the table come first.
fn row(table: &str, name: &str) -> Vec<String> {
    table
        .lines()
        .rfind(|l| l.split_whitespace().next() == Some(name))
        .unwrap_or("")
        .split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

#[test]
fn workloads_from_kubectl_generators_get_their_defaults_columns_and_scale() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        "kubectl create deployment web --image=nginx:1.27 --replicas=2 && \
         kubectl create job pi --image=perl:5.34 -- perl -e 'print 1' && \
         kubectl create cronjob tick --image=busybox --schedule='*/5 * * * *' -- date && \
         kubectl scale deployment web --replicas=3",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "deployment.apps/web created\njob.batch/pi created\ncronjob.batch/tick created\n\
         deployment.apps/web scaled\n"
    );

    // The defaults kube-apiserver gives, as `-o jsonpath` shows them.
    let defaults = steps::bash(
        &cluster,
        "kubectl get deployment web -o jsonpath='{.spec.replicas} {.metadata.generation} \
         {.spec.strategy.type} {.spec.strategy.rollingUpdate.maxSurge} {.spec.revisionHistoryLimit} \
         {.spec.template.spec.containers[0].imagePullPolicy} {.spec.template.spec.dnsPolicy}'; echo; \
         kubectl get job pi -o jsonpath='{.spec.completions} {.spec.backoffLimit} \
         {.spec.template.spec.restartPolicy} {.metadata.labels.job-name} \
         {.spec.template.metadata.labels.batch\\.kubernetes\\.io/job-name}'; echo; \
         kubectl get cronjob tick -o jsonpath='{.spec.concurrencyPolicy} {.spec.suspend} \
         {.spec.successfulJobsHistoryLimit} {.spec.failedJobsHistoryLimit}'",
    );
    assert_eq!(defaults.code, 0, "{}", defaults.stderr);
    assert_eq!(
        defaults.stdout,
        "3 2 RollingUpdate 25% 10 IfNotPresent ClusterFirst\n1 6 Never pi pi\nAllow false 3 1"
    );
    // The job selects its pods by its uid.
    let uid = steps::bash(
        &cluster,
        "[ \"$(kubectl get job pi -o jsonpath='{.metadata.uid}')\" = \
           \"$(kubectl get job pi -o jsonpath='{.spec.selector.matchLabels.batch\\.kubernetes\\.io/controller-uid}')\" ] && echo same",
    );
    assert_eq!(uid.stdout, "same\n", "{}", uid.stderr);

    // The Scale of the deployment, as `kubectl get --raw` reads it.
    let scale = steps::bash(
        &cluster,
        "kubectl get --raw /apis/apps/v1/namespaces/default/deployments/web/scale | \
         python3 -c 'import json,sys; s=json.load(sys.stdin); print(s[\"kind\"], s[\"apiVersion\"], s[\"spec\"], s[\"status\"][\"selector\"])'",
    );
    assert_eq!(
        scale.stdout, "Scale autoscaling/v1 {'replicas': 3} app=web\n",
        "{}",
        scale.stderr
    );

    // kubectl's columns (printers.go), wide included.
    let tables = steps::bash(
        &cluster,
        "kubectl get deployments -o wide; echo ---; kubectl get jobs -o wide; echo ---; \
         kubectl get cronjobs -o wide",
    );
    assert_eq!(tables.code, 0, "{}", tables.stderr);
    let parts: Vec<&str> = tables.stdout.split("---\n").collect();
    assert_eq!(
        header(parts[0]),
        "NAME|READY|UP-TO-DATE|AVAILABLE|AGE|CONTAINERS|IMAGES|SELECTOR"
    );
    let web = row(parts[0], "web");
    assert_eq!(web[1], "0/3", "{web:?}");
    assert_eq!(web[5..], ["nginx", "nginx:1.27", "app=web"]);
    assert_eq!(
        header(parts[1]),
        "NAME|STATUS|COMPLETIONS|DURATION|AGE|CONTAINERS|IMAGES|SELECTOR"
    );
    let pi = row(parts[1], "pi");
    assert_eq!(pi[2], "0/1", "{pi:?}");
    assert_eq!(pi[pi.len() - 3..pi.len() - 1], ["pi", "perl:5.34"]);
    assert!(
        pi[pi.len() - 1].starts_with("batch.kubernetes.io/controller-uid="),
        "{pi:?}"
    );
    assert_eq!(
        header(parts[2]),
        "NAME|SCHEDULE|TIMEZONE|SUSPEND|ACTIVE|LAST SCHEDULE|AGE|CONTAINERS|IMAGES|SELECTOR"
    );
    let tick = row(parts[2], "tick");
    assert_eq!(
        tick[..6],
        ["tick", "*/5 * * * *", "<none>", "False", "0", "<none>"]
    );
    assert_eq!(tick[7..], ["tick", "busybox", "<none>"]);
}

#[test]
fn replica_sets_stateful_sets_and_daemon_sets_print_as_kubectl_does() {
    let cluster = Cluster::up();
    let manifest = "\
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: front}
spec:
  replicas: 2
  selector: {matchLabels: {app: front}}
  template:
    metadata: {labels: {app: front}}
    spec: {containers: [{name: c, image: nginx}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: c, image: postgres:16}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchExpressions: [{key: app, operator: In, values: [agent]}]}
  template:
    metadata: {labels: {app: agent}}
    spec: {nodeSelector: {disk: ssd}, containers: [{name: c, image: fluentd}]}
";
    std::fs::write(cluster.scratch("workloads.yaml"), manifest).unwrap();
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl apply -f {} && kubectl get rs,sts,ds -o wide && kubectl scale sts db --replicas=4 && \
             kubectl get sts db -o jsonpath='{{.spec.replicas}} {{.spec.podManagementPolicy}}' && echo && \
             kubectl wait --for=create pod/db-0 --timeout=20s >/dev/null && \
             kubectl get pod db-0 -o jsonpath='{{.spec.hostname}}.{{.spec.subdomain}} {{.metadata.labels.apps\\.kubernetes\\.io/pod-index}}'",
            cluster.scratch("workloads.yaml").display()
        ),
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let out = &ran.stdout;
    assert!(
        out.starts_with(
            "replicaset.apps/front created\nstatefulset.apps/db created\ndaemonset.apps/agent created\n"
        ),
        "{out}"
    );
    let tables: Vec<&str> = out.split("\n\n").collect();
    assert_eq!(
        header(tables[0].lines().nth(3).unwrap_or("")),
        "NAME|DESIRED|CURRENT|READY|AGE|CONTAINERS|IMAGES|SELECTOR"
    );
    let front = row(tables[0], "replicaset.apps/front");
    assert_eq!(front[1], "2", "{front:?}");
    assert_eq!(front[front.len() - 3..], ["c", "nginx", "app=front"]);
    let db = row(tables[1], "statefulset.apps/db");
    assert_eq!(header(tables[1]), "NAME|READY|AGE|CONTAINERS|IMAGES");
    assert_eq!(db[1], "0/1", "{db:?}");
    assert_eq!(db[3..], ["c", "postgres:16"]);
    assert_eq!(
        header(tables[2]),
        "NAME|DESIRED|CURRENT|READY|UP-TO-DATE|AVAILABLE|NODE SELECTOR|AGE|CONTAINERS|IMAGES|SELECTOR"
    );
    let agent = row(tables[2], "daemonset.apps/agent");
    assert_eq!(agent[6], "disk=ssd", "{agent:?}");
    assert_eq!(agent[agent.len() - 1], "app in (agent)");
    assert!(
        out.ends_with("statefulset.apps/db scaled\n4 OrderedReady\ndb-0.db 0"),
        "{out}"
    );
}

#[test]
fn invalid_workloads_are_refused_in_kube_apiservers_words() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        "kubectl create deployment Bad_Name --image=nginx; \
         kubectl create cronjob bad --image=busybox --schedule=bad; \
         kubectl create deployment web --image=nginx >/dev/null && \
         kubectl patch deployment web --subresource=scale --type=merge -p '{\"spec\":{\"replicas\":-1}}'; \
         kubectl create cronjob tz --image=busybox --schedule='0 9 * * *' >/dev/null && \
         kubectl patch cronjob tz --type=merge -p '{\"spec\":{\"timeZone\":\"Asia/Seoul\"}}' >/dev/null && \
         kubectl patch cronjob tz --type=merge -p '{\"spec\":{\"timeZone\":\"Mars/Olympus\"}}'",
    );
    assert_eq!(
        ran.stderr,
        "error: failed to create deployment: Deployment.apps \"Bad_Name\" is invalid: metadata.name: \
         Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case \
         alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character \
         (e.g. 'example.com', regex used for validation is \
         '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')\n\
         error: failed to create cronjob: CronJob.batch \"bad\" is invalid: spec.schedule: Invalid \
         value: \"bad\": expected exactly 5 fields, found 1: [bad]\n\
         The Scale \"web\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0\n\
         The CronJob \"tz\" is invalid: spec.timeZone: Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus\n"
    );
}

#[test]
fn core_generators_get_the_defaults_and_allocations_a_cluster_gives() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        "kubectl create service clusterip web --tcp=80:8080 && \
         kubectl create service nodeport np --tcp=80:8080 && \
         kubectl create secret generic s --from-literal=p=q && \
         kubectl create ingress web --rule='web.example.com/=web:80' && \
         kubectl create priorityclass high --value=1000 && \
         kubectl create poddisruptionbudget pdb --selector=app=web --min-available=1",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "service/web created\nservice/np created\nsecret/s created\n\
         ingress.networking.k8s.io/web created\npriorityclass.scheduling.k8s.io/high created\n\
         poddisruptionbudget.policy/pdb created\n"
    );

    // Services: the `kubernetes` Service at the range's first address, ClusterIPs of
    // 10.96.0.0/12 for the others, a NodePort of 30000-32767, kube-apiserver's defaults.
    let services = steps::bash(&cluster, "kubectl get services");
    assert_eq!(
        header(&services.stdout),
        "NAME|TYPE|CLUSTER-IP|EXTERNAL-IP|PORT(S)|AGE"
    );
    let kubernetes = row(&services.stdout, "kubernetes");
    assert_eq!(
        kubernetes[1..5],
        ["ClusterIP", "10.96.0.1", "<none>", "443/TCP"]
    );
    let web = row(&services.stdout, "web");
    let np = row(&services.stdout, "np");
    let in_range = steps::bash(
        &cluster,
        &format!(
            "python3 -c 'import ipaddress,sys; r=ipaddress.ip_network(\"10.96.0.0/12\"); \
             print(all(ipaddress.ip_address(a) in r for a in sys.argv[1:]))' {} {}",
            web[2], np[2]
        ),
    );
    assert_eq!(in_range.stdout, "True\n", "{web:?} {np:?}");
    assert_ne!(web[2], np[2]);
    let node_port: u16 = np[4]
        .strip_prefix("80:")
        .and_then(|p| p.strip_suffix("/TCP"))
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("{np:?}"));
    assert!((30000..=32767).contains(&node_port), "{np:?}");
    let defaults = steps::bash(
        &cluster,
        "kubectl get service web -o jsonpath='{.spec.sessionAffinity} {.spec.ipFamilyPolicy} \
         {.spec.ipFamilies} {.spec.internalTrafficPolicy} {.spec.ports[0].protocol}'; echo; \
         kubectl get endpoints kubernetes -o jsonpath='{.subsets[0].ports[0].name}'",
    );
    assert_eq!(
        defaults.stdout, "None SingleStack [\"IPv4\"] Cluster TCP\nhttps",
        "{}",
        defaults.stderr
    );

    // A Secret without a type is Opaque; the system PriorityClasses are there.
    let secret = steps::bash(&cluster, "kubectl get secret s --no-headers");
    assert_eq!(row(&secret.stdout, "s")[1..3], ["Opaque", "1"]);
    let classes = steps::bash(
        &cluster,
        "kubectl get priorityclasses -o custom-columns=NAME:.metadata.name,VALUE:.value --no-headers",
    );
    assert_eq!(
        classes.stdout.split_whitespace().collect::<Vec<_>>(),
        [
            "high",
            "1000",
            "system-cluster-critical",
            "2000000000",
            "system-node-critical",
            "2000001000"
        ]
    );

    // A pod is created Pending with its QoS class (no node here), and the phase selects it.
    let pod = steps::bash(
        &cluster,
        "kubectl run p --image=nginx >/dev/null && \
         kubectl get pods --field-selector=status.phase=Pending -o name && \
         kubectl get pod p -o jsonpath='{.status.phase} {.status.qosClass}'",
    );
    assert_eq!(pod.code, 0, "{}", pod.stderr);
    assert_eq!(pod.stdout, "pod/p\nPending BestEffort");

    // A ClusterIP already taken is refused as kube-apiserver's allocator refuses it.
    let taken = steps::bash(
        &cluster,
        "kubectl create service clusterip dup --tcp=80 --clusterip=10.96.0.1",
    );
    assert_eq!(
        taken.stderr,
        "error: failed to create ClusterIP service: Service \"dup\" is invalid: spec.clusterIPs: \
         Invalid value: [\"10.96.0.1\"]: failed to allocate IP 10.96.0.1: provided IP is already \
         allocated\n"
    );
}

/// What a v1.36 server serves by default that kubeward's 1.33 API does not: the kinds 1.34–1.36
/// turned on (`resource.k8s.io/v1`, mutating admission policies, VolumeAttributesClasses), and
/// `bindings` and `componentstatuses`, which kubeward leaves out (`pods/binding` is served).
const ONLY_IN_THE_CAPTURE: [&str; 9] = [
    "bindings",
    "componentstatuses",
    "deviceclasses",
    "mutatingadmissionpolicies",
    "mutatingadmissionpolicybindings",
    "resourceclaims",
    "resourceclaimtemplates",
    "resourceslices",
    "volumeattributesclasses",
];

#[test]
fn api_resources_and_versions_are_a_real_servers_but_for_the_versions_differences() {
    let cluster = Cluster::up();
    let rows = |text: &str| -> Vec<Vec<String>> {
        steps::table_cells(text)
            .into_iter()
            .filter(|row| !ONLY_IN_THE_CAPTURE.contains(&row[0].as_str()))
            .collect()
    };
    let ours = steps::bash(&cluster, "kubectl api-resources");
    assert_eq!(ours.code, 0, "{}", ours.stderr);
    assert_eq!(
        rows(&ours.stdout),
        rows(&steps::stdout_of("f-discovery/12-kubectl-api-resources"))
    );
    let captured = steps::stdout_of("f-discovery/12-kubectl-api-resources");
    let mut left_out: Vec<String> = steps::table_cells(&captured)
        .into_iter()
        .map(|row| row[0].clone())
        .filter(|name| {
            !ours
                .stdout
                .lines()
                .any(|l| l.starts_with(&format!("{name} ")))
        })
        .collect();
    left_out.sort();
    assert_eq!(left_out, ONLY_IN_THE_CAPTURE, "exactly these are missing");

    // Versions: all but 1.36's `resource.k8s.io/v1`.
    let versions = steps::bash(&cluster, "kubectl api-versions");
    let captured = steps::stdout_of("f-discovery/13-kubectl-api-versions");
    let expected: Vec<&str> = captured
        .lines()
        .filter(|v| *v != "resource.k8s.io/v1")
        .collect();
    assert_eq!(versions.stdout.lines().collect::<Vec<_>>(), expected);
}

#[test]
fn api_priority_and_fairness_has_kube_apiserver_s_bootstrap_configuration() {
    // Listed by name, as kube-apiserver lists them.
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        "kubectl get flowschemas --no-headers | awk '{print $1, $2, $3, $4, $6}'; \
         kubectl get prioritylevelconfigurations --no-headers | awk '{print $1, $2, $3, $4, $5, $6}'",
    );
    assert_eq!(
        ran.stdout,
        "catch-all catch-all 10000 ByUser False\n\
         exempt exempt 1 <none> False\n\
         global-default global-default 9900 ByUser False\n\
         kube-controller-manager workload-high 800 ByNamespace False\n\
         kube-scheduler workload-high 800 ByNamespace False\n\
         kube-system-service-accounts workload-high 900 ByNamespace False\n\
         probes exempt 2 <none> False\n\
         service-accounts workload-low 9000 ByUser False\n\
         system-leader-election leader-election 100 ByUser False\n\
         system-node-high node-high 400 ByUser False\n\
         system-nodes system 500 ByUser False\n\
         catch-all Limited 5 <none> <none> <none>\n\
         exempt Exempt <none> <none> <none> <none>\n\
         global-default Limited 20 128 6 50\n\
         leader-election Limited 10 16 4 50\n\
         node-high Limited 40 64 6 50\n\
         system Limited 30 64 6 50\n\
         workload-high Limited 40 128 6 50\n\
         workload-low Limited 100 128 6 50\n",
        "{}",
        ran.stderr
    );
}
