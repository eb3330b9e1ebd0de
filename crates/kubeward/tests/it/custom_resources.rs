//! CustomResourceDefinitions through kubectl: a definition of seed 004's
//! `cninodes.vpcresources.k8s.aws` (cluster-scoped) and `policyendpoints.networking.k8s.aws`
//! (namespaced), established and discovered at once, objects defaulted, pruned and validated by
//! the schema with kube-apiserver's 422 text, printer columns in `kubectl get`, the status
//! subresource, RBAC on the custom resources for a bound user (allowed and denied with
//! kube-apiserver's messages), `kubectl explain`, the objects deleted with their definition, and
//! the `scale` subresource at a definition's paths (`kubectl scale`).

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden as steps;

const CNINODES: &str = include_str!("custom_resources/cninodes.yaml");
const POLICY_ENDPOINTS: &str = include_str!("custom_resources/policyendpoints.yaml");

fn install(cluster: &Cluster) {
    for (file, text) in [("cninodes.yaml", CNINODES), ("pe.yaml", POLICY_ENDPOINTS)] {
        std::fs::write(cluster.scratch(file), text).expect("write the definition");
    }
    let ran = steps::bash(
        cluster,
        "kubectl apply -f $A/cninodes.yaml -f $A/pe.yaml && \
         kubectl wait --for condition=established crd/cninodes.vpcresources.k8s.aws && \
         kubectl api-resources --api-group=vpcresources.k8s.aws",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "customresourcedefinition.apiextensions.k8s.io/cninodes.vpcresources.k8s.aws created\n\
         customresourcedefinition.apiextensions.k8s.io/policyendpoints.networking.k8s.aws created\n\
         customresourcedefinition.apiextensions.k8s.io/cninodes.vpcresources.k8s.aws condition met\n\
         NAME       SHORTNAMES   APIVERSION                      NAMESPACED   KIND\n\
         cninodes   cnd          vpcresources.k8s.aws/v1alpha1   false        CNINode\n"
    );
}

#[test]
fn custom_resources_are_validated_printed_and_deleted_with_their_definition() {
    let cluster = Cluster::up();
    install(&cluster);
    let ran = steps::bash(
        &cluster,
        "printf 'apiVersion: vpcresources.k8s.aws/v1alpha1\\nkind: CNINode\\nmetadata: {name: ip-10-0-1-2}\\n\
         spec: {replicas: 2, junk: 1, features: [{name: SecurityGroupsForPods}]}\\nstatus: {ready: true}\\n' \
         | kubectl create -f - && kubectl get cnd && kubectl get cninode ip-10-0-1-2 -o jsonpath='{.spec} {.status}'",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(lines[0], "cninode.vpcresources.k8s.aws/ip-10-0-1-2 created");
    assert_eq!(
        steps::table_cells(&lines[1..3].join("\n"))
            .into_iter()
            .map(|row| row[..3].join("|"))
            .collect::<Vec<_>>(),
        [
            "NAME|FEATURES|REPLICAS",
            "ip-10-0-1-2|[{\"name\":\"SecurityGroupsForPods\"}]|2"
        ]
    );
    assert!(lines[1].ends_with("AGE"), "{}", lines[1]);
    assert_eq!(
        lines[3],
        "{\"features\":[{\"name\":\"SecurityGroupsForPods\"}],\"mode\":\"native\",\"replicas\":2} ",
        "defaulted, pruned, the status left to its subresource"
    );

    let ran = steps::bash(
        &cluster,
        "printf 'apiVersion: vpcresources.k8s.aws/v1alpha1\\nkind: CNINode\\nmetadata: {name: bad}\\n\
         spec: {mode: other, replicas: two, id: x}\\n' | kubectl create -f -; \
         printf 'apiVersion: vpcresources.k8s.aws/v1alpha1\\nkind: CNINode\\nmetadata: {name: bad}\\n\
         spec: {replicas: 9}\\n' | kubectl create -f -",
    );
    assert_eq!(
        ran.stderr,
        "The CNINode \"bad\" is invalid: \n\
         * spec.id: Invalid value: \"x\": spec.id in body should match '^i-[0-9a-f]+$'\n\
         * spec.mode: Unsupported value: \"other\": supported values: \"native\", \"overlay\"\n\
         * spec.replicas: Invalid value: \"string\": spec.replicas in body must be of type integer: \"string\"\n\
         The CNINode \"bad\" is invalid: spec.replicas: Invalid value: 9: spec.replicas in body should be less than or equal to 5\n"
    );

    let ran = steps::bash(
        &cluster,
        "kubectl patch cnd ip-10-0-1-2 --subresource=status --type=merge -p '{\"status\":{\"ready\":true}}' && \
         kubectl patch cnd ip-10-0-1-2 --type=merge -p '{\"spec\":{\"replicas\":3},\"status\":{\"ready\":false}}' && \
         kubectl get cnd ip-10-0-1-2 -o jsonpath='{.status.ready} {.metadata.generation}' && \
         kubectl explain cninodes.spec.mode",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stdout.contains("patched\ntrue 2GROUP:      vpcresources.k8s.aws\nKIND:       CNINode\nVERSION:    v1alpha1\n\nFIELD: mode <string>\nENUM:\n    native\n    overlay\n"),
        "{}",
        ran.stdout
    );

    let ran = steps::bash(
        &cluster,
        "kubectl delete crd cninodes.vpcresources.k8s.aws && kubectl apply -f $A/cninodes.yaml >/dev/null && \
         kubectl wait --for condition=established crd/cninodes.vpcresources.k8s.aws >/dev/null && kubectl get cninodes",
    );
    assert_eq!(
        (ran.code, ran.stdout.as_str(), ran.stderr.as_str()),
        (
            0,
            "customresourcedefinition.apiextensions.k8s.io \"cninodes.vpcresources.k8s.aws\" deleted\n",
            "No resources found\n"
        )
    );
}

#[test]
fn rbac_on_custom_resources_for_a_bound_user() {
    let cluster = Cluster::up();
    install(&cluster);
    let user = cluster.x509_user("minjun", &["dev-team"]);
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl create namespace dev-team >/dev/null && \
             printf 'apiVersion: vpcresources.k8s.aws/v1alpha1\\nkind: CNINode\\nmetadata: {{name: ip-10-0-1-2}}\\nspec: {{}}\\n' | kubectl create -f - >/dev/null && \
             printf 'apiVersion: networking.k8s.aws/v1alpha1\\nkind: PolicyEndpoint\\nmetadata: {{name: pe1, namespace: dev-team}}\\nspec: {{podIsolation: [Ingress]}}\\n' | kubectl create -f - >/dev/null && \
             kubectl create clusterrole cni-reader --verb=get --resource=cninodes.vpcresources.k8s.aws >/dev/null && \
             kubectl create clusterrolebinding cni-reader --clusterrole=cni-reader --user=minjun >/dev/null && \
             kubectl create role pe-reader -n dev-team --verb=get,list --resource=policyendpoints.networking.k8s.aws >/dev/null && \
             kubectl create rolebinding pe-reader -n dev-team --role=pe-reader --group=dev-team >/dev/null && \
             export KUBECONFIG={user} && \
             kubectl get cninode ip-10-0-1-2 -o name; kubectl get cninodes; \
             kubectl get cninode ip-10-0-1-2 --subresource=status; \
             kubectl get policyendpoints -n dev-team; kubectl get policyendpoints -n default; \
             kubectl delete policyendpoint pe1 -n dev-team; kubectl auth can-i get policyendpoints.networking.k8s.aws -n dev-team",
            user = user.display()
        ),
    );
    let stdout: Vec<&str> = ran.stdout.lines().collect();
    assert_eq!(stdout[0], "cninode.vpcresources.k8s.aws/ip-10-0-1-2");
    assert!(stdout[1].starts_with("NAME   AGE"), "{}", ran.stdout);
    assert!(stdout[2].starts_with("pe1    "), "{}", ran.stdout);
    assert_eq!(stdout[3], "yes");
    assert_eq!(
        ran.stderr,
        "Error from server (Forbidden): cninodes.vpcresources.k8s.aws is forbidden: User \"minjun\" cannot list resource \"cninodes\" in API group \"vpcresources.k8s.aws\" at the cluster scope\n\
         Error from server (Forbidden): cninodes.vpcresources.k8s.aws \"ip-10-0-1-2\" is forbidden: User \"minjun\" cannot get resource \"cninodes/status\" in API group \"vpcresources.k8s.aws\" at the cluster scope\n\
         Error from server (Forbidden): policyendpoints.networking.k8s.aws is forbidden: User \"minjun\" cannot list resource \"policyendpoints\" in API group \"networking.k8s.aws\" in the namespace \"default\"\n\
         Error from server (Forbidden): policyendpoints.networking.k8s.aws \"pe1\" is forbidden: User \"minjun\" cannot delete resource \"policyendpoints\" in API group \"networking.k8s.aws\" in the namespace \"dev-team\"\n"
    );
}

#[test]
fn a_custom_resource_with_a_scale_subresource_is_scaled_by_kubectl() {
    let cluster = Cluster::up();
    let definition = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: crontabs.stable.example.com}
spec:
  group: stable.example.com
  names: {kind: CronTab, plural: crontabs, singular: crontab, listKind: CronTabList}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              replicas: {type: integer, minimum: 0, maximum: 5}
          status:
            type: object
            properties:
              replicas: {type: integer}
              labelSelector: {type: string}
    subresources:
      status: {}
      scale:
        specReplicasPath: .spec.replicas
        statusReplicasPath: .status.replicas
        labelSelectorPath: .status.labelSelector
";
    std::fs::write(cluster.scratch("crontabs.yaml"), definition).unwrap();
    let ran = steps::bash(
        &cluster,
        "kubectl apply -f $A/crontabs.yaml >/dev/null && \
         kubectl wait --for condition=established crd/crontabs.stable.example.com >/dev/null && \
         printf 'apiVersion: stable.example.com/v1\\nkind: CronTab\\nmetadata: {name: c}\\nspec: {replicas: 1}\\n' \
           | kubectl create -f - && \
         kubectl patch crontab c --subresource=status --type=merge \
           -p '{\"status\":{\"replicas\":1,\"labelSelector\":\"app=c\"}}' >/dev/null && \
         kubectl scale crontab c --replicas=3 && \
         kubectl get crontab c -o jsonpath='{.spec.replicas}' && echo && \
         kubectl get --raw /apis/stable.example.com/v1/namespaces/default/crontabs/c/scale | \
           python3 -c 'import json,sys; s=json.load(sys.stdin); print(s[\"apiVersion\"], s[\"kind\"], s[\"spec\"], s[\"status\"])' && \
         kubectl api-resources --api-group=stable.example.com -o name && \
         kubectl get --raw /apis/stable.example.com/v1 | \
           python3 -c 'import json,sys; print([(r[\"name\"], r.get(\"group\"), r[\"kind\"]) for r in json.load(sys.stdin)[\"resources\"]])'",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout,
        "crontab.stable.example.com/c created\ncrontab.stable.example.com/c scaled\n3\n\
         autoscaling/v1 Scale {'replicas': 3} {'replicas': 1, 'selector': 'app=c'}\n\
         crontabs.stable.example.com\n\
         [('crontabs', None, 'CronTab'), ('crontabs/status', None, 'CronTab'), ('crontabs/scale', 'autoscaling', 'Scale')]\n"
    );

    // The scaled object is validated by the definition's schema.
    let refused = steps::bash(&cluster, "kubectl scale crontab c --replicas=9");
    assert_eq!(
        refused.stderr,
        "The CronTab \"c\" is invalid: spec.replicas: Invalid value: 9: spec.replicas in body \
         should be less than or equal to 5\n"
    );
}

#[test]
fn every_served_version_reads_the_same_objects_in_its_own_version() {
    let cluster = Cluster::up();
    let definition = "\
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
  - name: v2
    served: true
    storage: false
    schema: {openAPIV3Schema: {type: object, x-kubernetes-preserve-unknown-fields: true}}
";
    std::fs::write(cluster.scratch("widgets.yaml"), definition).unwrap();
    let ran = steps::bash(
        &cluster,
        "kubectl apply -f $A/widgets.yaml >/dev/null && \
         kubectl wait --for condition=established crd/widgets.example.com >/dev/null && \
         printf 'apiVersion: example.com/v1\\nkind: Widget\\nmetadata: {name: w}\\nspec: {size: 1}\\n' \
           | kubectl create -f - >/dev/null && \
         kubectl get widgets.v1.example.com w -o jsonpath='{.apiVersion} ' && \
         kubectl get widgets.v2.example.com -o jsonpath='{.items[0].apiVersion} ' && \
         kubectl get widget w -o jsonpath='{.apiVersion} {.spec.size}' && echo && \
         kubectl patch widgets.v2.example.com w --type=merge -p '{\"spec\":{\"size\":2}}' -o jsonpath='{.apiVersion} {.spec.size}'",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    assert_eq!(
        ran.stdout, "example.com/v1 example.com/v2 example.com/v2 1\nexample.com/v2 2",
        "kubectl's preferred version is v2, the highest served"
    );
}

#[test]
fn apiservices_list_the_built_in_groups_and_follow_the_definitions() {
    let cluster = Cluster::up();
    install(&cluster);
    let listed = |cluster: &Cluster| {
        steps::bash(
            cluster,
            "kubectl get apiservices --no-headers | awk '{print $1, $2, $3}'",
        )
        .stdout
    };
    let before = listed(&cluster);
    for line in [
        "v1. Local True",
        "v1.apps Local True",
        "v2.autoscaling Local True",
        "v1.rbac.authorization.k8s.io Local True",
        "v1alpha1.vpcresources.k8s.aws Local True",
        "v1alpha1.networking.k8s.aws Local True",
    ] {
        assert!(before.lines().any(|l| l == line), "{line} in:\n{before}");
    }
    let spec = steps::bash(
        &cluster,
        "kubectl get apiservice v1.apps v1alpha1.vpcresources.k8s.aws \
         -o jsonpath='{range .items[*]}{.spec.groupPriorityMinimum}/{.spec.versionPriority} \
         {.metadata.labels.kube-aggregator\\.kubernetes\\.io/automanaged}{\"\\n\"}{end}'",
    );
    assert_eq!(
        spec.stdout, "17800/15 onstart\n1000/100 true\n",
        "{}",
        spec.stderr
    );

    let deleted = steps::bash(
        &cluster,
        "kubectl delete crd cninodes.vpcresources.k8s.aws >/dev/null && \
         for i in $(seq 100); do \
           kubectl get apiservice v1alpha1.vpcresources.k8s.aws >/dev/null 2>&1 || break; sleep 0.1; \
         done; kubectl get apiservice v1alpha1.vpcresources.k8s.aws",
    );
    assert_eq!(
        deleted.stderr,
        "Error from server (NotFound): apiservices.apiregistration.k8s.io \
         \"v1alpha1.vpcresources.k8s.aws\" not found\n"
    );
}

#[test]
fn validation_rules_refuse_what_they_forbid_in_kube_apiserver_s_words() {
    let cluster = Cluster::up();
    let ran = steps::bash(
        &cluster,
        "kubectl apply -f - <<'YAML' && kubectl wait --for condition=established crd/webapps.lab.example.com >/dev/null
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: webapps.lab.example.com}
spec:
  group: lab.example.com
  scope: Namespaced
  names: {plural: webapps, singular: webapp, kind: WebApp}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: self.minReplicas <= self.maxReplicas
              message: minReplicas must not exceed maxReplicas
            - rule: self.maxReplicas >= oldSelf.maxReplicas
              messageExpression: \"'maxReplicas may not shrink below %d'.format([oldSelf.maxReplicas])\"
              fieldPath: .maxReplicas
            properties:
              minReplicas: {type: integer}
              maxReplicas: {type: integer}
              image:
                type: string
                x-kubernetes-validations:
                - rule: self.contains(':') && !self.endsWith(':latest')
YAML",
    );
    assert_eq!(ran.code, 0, "{}", ran.stderr);

    let app = |min: i64, max: i64, image: &str| {
        format!(
            "printf 'apiVersion: lab.example.com/v1\\nkind: WebApp\\nmetadata: {{name: web}}\\n\
             spec: {{minReplicas: {min}, maxReplicas: {max}, image: \"{image}\"}}\\n' | kubectl apply -f -"
        )
    };
    let ran = steps::bash(
        &cluster,
        &format!(
            "{}; {}; {}; {}",
            app(3, 2, "nginx:latest"),
            app(1, 4, "nginx:1.27"),
            app(1, 2, "nginx:1.27"),
            app(1, 6, "nginx:1.28"),
        ),
    );
    assert_eq!(
        ran.stdout, "webapp.lab.example.com/web created\nwebapp.lab.example.com/web configured\n",
        "{}",
        ran.stderr
    );
    assert_eq!(
        ran.stderr,
        "The WebApp \"web\" is invalid: \n\
         * spec: Invalid value: \"object\": minReplicas must not exceed maxReplicas\n\
         * spec.image: Invalid value: \"string\": failed rule: self.contains(':') && !self.endsWith(':latest')\n\
         The WebApp \"web\" is invalid: spec.maxReplicas: Invalid value: \"object\": maxReplicas may not shrink below 4\n"
    );
}
