//! CustomResourceDefinition validation rules through kubectl as kube-apiserver checks them: a
//! definition whose rule or message expression does not compile, or that reads `oldSelf` where
//! no old value can be correlated, refused at create and update with kube-apiserver's 422;
//! transition rules on the items of a `listType: map` list, correlated by their keys; and
//! `optionalOldSelf` rules, checked on create too.

use kubeward_testkit::cluster::Cluster;
use kubeward_testkit::golden as steps;

/// A definition of `gadgets.lab.example.com`: `spec_rules` on `spec` and `tag_rules` on the items
/// of the atomic list `spec.tags` (YAML lines, indented for their place).
fn definition(spec_rules: &str, tag_rules: &str) -> String {
    format!(
        "apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: gadgets.lab.example.com}}
spec:
  group: lab.example.com
  scope: Namespaced
  names: {{plural: gadgets, singular: gadget, kind: Gadget}}
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
              size: {{type: integer}}
              ports:
                type: array
                x-kubernetes-list-type: map
                x-kubernetes-list-map-keys: [name]
                items:
                  type: object
                  required: [name]
                  properties:
                    name: {{type: string}}
                    port: {{type: integer}}
                  x-kubernetes-validations:
                  - rule: self.port == oldSelf.port
                    message: a port may not change
              tags:
                type: array
                items:
                  type: string
                  x-kubernetes-validations:
{tag_rules}
            x-kubernetes-validations:
{spec_rules}
"
    )
}

const AT: &str = "spec.validation.openAPIV3Schema.properties[spec]";

#[test]
fn rules_that_do_not_compile_refuse_the_definition_in_kube_apiserver_s_words() {
    let cluster = Cluster::up();
    let bad = definition(
        "            - rule: self.size >
            - rule: self.sise > 0
            - rule: self.size > 0
              messageExpression: \"'size ' + sizeText\"
            - rule: self.size
              optionalOldSelf: true",
        "                  - rule: self == oldSelf",
    );
    let good = definition(
        "            - rule: self.size >= 0",
        "                  - rule: self.size() < 64",
    );
    std::fs::write(cluster.scratch("bad.yaml"), bad).unwrap();
    std::fs::write(cluster.scratch("good.yaml"), good).unwrap();
    let ran = steps::bash(
        &cluster,
        "kubectl create -f $A/bad.yaml; kubectl create -f $A/good.yaml && kubectl replace -f $A/bad.yaml",
    );
    let rule = |rule: &str, expression: &str, optional: &str| {
        format!(
            "{{\"Rule\":\"{rule}\",\"Message\":\"\",\"MessageExpression\":\"{expression}\",\
             \"Reason\":null,\"FieldPath\":\"\",\"OptionalOldSelf\":{optional}}}"
        )
    };
    // `self == oldSelf` on strings nothing bounds, under a list nothing bounds, is also over
    // kube's estimated cost: 314,575 per evaluation, 1,048,576 times.
    let hint = "(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";
    let errors = format!(
        "* {AT}.properties[tags].items.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x {hint}\n\
         * {AT}.properties[tags].items.x-kubernetes-validations[0].rule: Invalid value: \"self == oldSelf\": \
         oldSelf cannot be used on the uncorrelatable portion of the schema within {AT}.properties[tags]\n\
         * {AT}.x-kubernetes-validations[0].rule: Invalid value: {}: compilation failed: \
         ERROR: <input>:1:12: Syntax error: mismatched input '<EOF>' expecting \
         {{'[', '{{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER}}\n \
         | self.size >\n | ...........^\n\
         * {AT}.x-kubernetes-validations[1].rule: Invalid value: {}: compilation failed: \
         ERROR: <input>:1:5: undefined field 'sise'\n | self.sise > 0\n | ....^\n\
         * {AT}.x-kubernetes-validations[2].messageExpression: Invalid value: {}: messageExpression compilation failed: \
         ERROR: <input>:1:11: undeclared reference to 'sizeText' (in container '')\n | 'size ' + sizeText\n | ..........^\n\
         * {AT}.x-kubernetes-validations[3].rule: Invalid value: {}: cel expression must evaluate to a bool\n\
         * {AT}.x-kubernetes-validations[3].optionalOldSelf: Invalid value: true: may not be set if oldSelf is not used in rule\n\
         * {AT}.properties[tags].items.x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema\n\
         * spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x {hint}\n",
        rule("self.size \\u003e", "", "null"),
        rule("self.sise \\u003e 0", "", "null"),
        rule("self.size \\u003e 0", "'size ' + sizeText", "null"),
        rule("self.size", "", "true"),
    );
    assert_eq!(
        ran.stdout,
        "customresourcedefinition.apiextensions.k8s.io/gadgets.lab.example.com created\n",
        "{}",
        ran.stderr
    );
    let refused =
        format!("The CustomResourceDefinition \"gadgets.lab.example.com\" is invalid: \n{errors}");
    assert_eq!(
        ran.stderr,
        format!("{refused}{refused}"),
        "refused at create, then at update"
    );
}

#[test]
fn transition_rules_follow_map_list_items_by_key_and_optional_old_self_checks_creates() {
    let cluster = Cluster::up();
    let crd = definition(
        "            - rule: \"oldSelf.hasValue() ? self.size >= oldSelf.value().size : self.size <= 10\"
              optionalOldSelf: true
              message: a gadget starts at size 10 at most and never shrinks",
        "                  - rule: self.size() < 64",
    );
    std::fs::write(cluster.scratch("crd.yaml"), crd).unwrap();
    let gadget = |size: i64, ports: &str| {
        format!(
            "printf 'apiVersion: lab.example.com/v1\\nkind: Gadget\\nmetadata: {{name: g}}\\n\
             spec: {{size: {size}, ports: [{ports}]}}\\n' | kubectl apply -f -"
        )
    };
    let ran = steps::bash(
        &cluster,
        &format!(
            "kubectl apply -f $A/crd.yaml >/dev/null && \
             kubectl wait --for condition=established crd/gadgets.lab.example.com >/dev/null; \
             {}; {}; {}; {}; {}",
            gadget(11, "{name: http, port: 80}"),
            gadget(5, "{name: http, port: 80}, {name: https, port: 443}"),
            gadget(
                6,
                "{name: https, port: 443}, {name: admin, port: 9000}, {name: http, port: 80}"
            ),
            gadget(6, "{name: https, port: 8443}, {name: http, port: 80}"),
            gadget(4, "{name: https, port: 443}"),
        ),
    );
    assert_eq!(
        ran.stdout, "gadget.lab.example.com/g created\ngadget.lab.example.com/g configured\n",
        "{}",
        ran.stderr
    );
    assert_eq!(
        ran.stderr,
        "The Gadget \"g\" is invalid: spec: Invalid value: \"object\": a gadget starts at size 10 at most and never shrinks\n\
         The Gadget \"g\" is invalid: spec.ports[0]: Invalid value: \"object\": a port may not change\n\
         The Gadget \"g\" is invalid: spec: Invalid value: \"object\": a gadget starts at size 10 at most and never shrinks\n"
    );
}

#[test]
fn a_rule_over_its_runtime_cost_limit_is_refused_as_kube_apiserver_refuses_it() {
    let cluster = Cluster::up();
    let crd = definition(
        "            - rule: self.tags.all(a, self.tags.all(b, a == b || a != b))
              message: tags are comparable
            - rule: self.size >= 0",
        "                  - rule: self.size() < 64",
    )
    .replace(
        "              tags:\n                type: array\n                items:\n                  type: string\n",
        "              tags:\n                type: array\n                maxItems: 900\n                items:\n                  type: string\n                  maxLength: 5\n",
    );
    std::fs::write(cluster.scratch("crd.yaml"), crd).unwrap();
    let ran = steps::bash(
        &cluster,
        "kubectl apply -f $A/crd.yaml >/dev/null && \
         kubectl wait --for condition=established crd/gadgets.lab.example.com >/dev/null && \
         tags() { seq -s, -f '\"t%g\"' \"$1\"; } && \
         printf 'apiVersion: lab.example.com/v1\\nkind: Gadget\\nmetadata: {name: small}\\nspec: {size: -1, tags: [%s]}\\n' \"$(tags 10)\" \
           | kubectl create -f - ; \
         printf 'apiVersion: lab.example.com/v1\\nkind: Gadget\\nmetadata: {name: big}\\nspec: {size: -1, tags: [%s]}\\n' \"$(tags 900)\" \
           | kubectl create -f -",
    );
    assert_eq!(ran.stdout, "", "{}", ran.stderr);
    assert_eq!(
        ran.stderr,
        "The Gadget \"small\" is invalid: spec: Invalid value: \"object\": failed rule: self.size >= 0\n\
         The Gadget \"big\" is invalid: spec: Invalid value: \"object\": 'operation cancelled: actual cost limit exceeded': \
         no further validation rules will be run due to call cost exceeds limit for rule: tags are comparable\n",
        "a small list is checked by both rules; the big one stops at the first"
    );
}

/// kube-apiserver's estimated cost at the definition's write: a rule ranging over a list whose
/// size and items nothing bounds is refused (estimated from what fits in a 3 MiB request), and
/// the same rule is accepted once `maxItems` and `maxLength` bound it. The rule of the items
/// (3 per evaluation, 1,048,576 times under the unbounded list: 1% of the schema's limit or
/// more) is named among the rules making up the total, as kube names its four most expensive.
#[test]
fn a_rule_estimated_over_its_cost_budget_is_refused_until_limits_bound_it() {
    let cluster = Cluster::up();
    let rule = "            - rule: \"self.tags.all(t, t.matches('^[a-z]+$'))\"";
    let unbounded = definition(rule, "                  - rule: self.size() < 64");
    let bounded = unbounded.replace(
        "              tags:\n                type: array\n                items:\n                  type: string\n",
        "              tags:\n                type: array\n                maxItems: 100\n                items:\n                  type: string\n                  maxLength: 64\n",
    );
    assert_ne!(bounded, unbounded);
    std::fs::write(cluster.scratch("unbounded.yaml"), unbounded).unwrap();
    std::fs::write(cluster.scratch("bounded.yaml"), bounded).unwrap();
    let ran = steps::bash(
        &cluster,
        "kubectl create -f $A/unbounded.yaml; kubectl create -f $A/bounded.yaml",
    );
    let hint = "(try simplifying the rule, or adding maxItems, maxProperties, and maxLength where arrays, maps, and strings are declared)";
    assert_eq!(
        ran.stderr,
        format!(
            "The CustomResourceDefinition \"gadgets.lab.example.com\" is invalid: \n\
             * {AT}.x-kubernetes-validations[0].rule: Forbidden: estimated rule cost exceeds budget by factor of more than 100x {hint}\n\
             * {AT}.x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema\n\
             * {AT}.properties[tags].items.x-kubernetes-validations[0].rule: Forbidden: contributed to estimated rule cost total exceeding cost limit for entire OpenAPIv3 schema\n\
             * spec.validation.openAPIV3Schema: Forbidden: x-kubernetes-validations estimated rule cost total for entire OpenAPIv3 schema exceeds budget by factor of more than 100x {hint}\n"
        )
    );
    assert_eq!(
        ran.stdout,
        "customresourcedefinition.apiextensions.k8s.io/gadgets.lab.example.com created\n"
    );
}

/// Calls of functions kube's CEL environment does not declare, and operators on scalars of
/// types no overload takes, refused at the definition's write with cel-go's type errors.
#[test]
fn rules_calling_undeclared_functions_or_mistyped_operators_are_refused_at_write() {
    let cluster = Cluster::up();
    let crd = definition(
        "            - rule: \"self.size + 'x' == 'y'\"
            - rule: self.tags.all(t, t.lenght() < 5)",
        "                  - rule: self.size() < 64",
    );
    std::fs::write(cluster.scratch("crd.yaml"), crd).unwrap();
    let ran = steps::bash(&cluster, "kubectl create -f $A/crd.yaml");
    let rule = |rule: &str| {
        format!(
            "{{\"Rule\":\"{rule}\",\"Message\":\"\",\"MessageExpression\":\"\",\
             \"Reason\":null,\"FieldPath\":\"\",\"OptionalOldSelf\":null}}"
        )
    };
    assert_eq!(
        ran.stderr,
        format!(
            "The CustomResourceDefinition \"gadgets.lab.example.com\" is invalid: \n\
             * {AT}.x-kubernetes-validations[0].rule: Invalid value: {}: compilation failed: \
             ERROR: <input>:1:11: found no matching overload for '_+_' applied to '(int, string)'\n \
             | self.size + 'x' == 'y'\n | ..........^\n\
             * {AT}.x-kubernetes-validations[1].rule: Invalid value: {}: compilation failed: \
             ERROR: <input>:1:26: undeclared reference to 'lenght' (in container '')\n \
             | self.tags.all(t, t.lenght() < 5)\n | .........................^\n",
            rule("self.size + 'x' == 'y'"),
            rule("self.tags.all(t, t.lenght() \\u003c 5)"),
        )
    );
    assert_eq!(ran.stdout, "");
}
