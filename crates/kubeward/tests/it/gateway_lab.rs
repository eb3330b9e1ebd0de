//! `kubeward gateway` in front of `kubeward up --lab-node` (pods run as local processes), with
//! real kubectl 1.29 (SPDY/3.1) and 1.33 (WebSocket) through the gateway: `logs -f`, `exec`
//! (exit codes, stdin, a terminal with `-it`), `attach`, `port-forward` with curl through the tunnel, and `kubectl cp`
//! both ways — the upgrade handshake crossing the gateway intact and the streams unbuffered.

use kubeward_testkit::golden as steps;

use crate::gateway::{gateway, kubeconfig};
use crate::lab_node::{in_terminal_as, lab, ok, wait_for, wait_running};

const KUBECTL_129: &str = "/usr/lib/google-cloud-sdk/bin/kubectl.1.29";
const KUBECTL_133: &str = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33";

/// minjun (a static token only the gateway knows, group `dev`) may use pods and their
/// subresources in `default`, upstream.
const GRANTS: &str = "\
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-user, namespace: default}
rules:
- apiGroups: [\"\"]
  resources: [pods, pods/log]
  verbs: [get, list, watch, create, delete]
- apiGroups: [\"\"]
  resources: [pods/exec, pods/attach, pods/portforward]
  verbs: [get, create]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: dev-pod-user, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-user}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: dev}
";

const POD: &str = r#"apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: http
    image: python:3
    command: ["python3", "-u", "-m", "http.server", "18097", "--bind", "127.0.0.1"]
  - name: counter
    image: busybox
    command: ["sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.2; done"]
"#;

#[test]
fn exec_attach_port_forward_cp_and_logs_follow_go_through_the_gateway() {
    let upstream = lab();
    let grants = upstream.scratch("grants.yaml");
    std::fs::write(&grants, GRANTS).unwrap();
    ok(
        &upstream,
        &upstream.kubectl(&["apply", "-f", &grants.display().to_string()]),
    );
    let gateway = gateway(&upstream);
    let minjun = kubeconfig(&upstream, &gateway, "minjun", "gateway-token-1");
    // Everything below runs as minjun, through the gateway.
    let sh = |command: &str| {
        steps::bash(
            &upstream,
            &format!("export KUBECONFIG={}\n{command}", minjun.display()),
        )
    };
    let pod = upstream.scratch("web.yaml");
    std::fs::write(&pod, POD).unwrap();
    let created = sh(&format!("kubectl create -f {}", pod.display()));
    assert_eq!(created.stdout, "pod/web created\n", "{created:?}");
    wait_running(&upstream, "default", "web");

    // logs -f: each line as it is written, not when the stream ends.
    wait_for(&upstream, "three lines of log", || {
        sh("kubectl logs web -c counter").stdout.lines().count() >= 3
    });
    let followed = sh("timeout 10 kubectl logs -f web -c counter | head -3");
    assert_eq!(followed.stdout, "line 0\nline 1\nline 2\n", "{followed:?}");
    // A follow that only ends because head has read enough: new lines arrive while it runs.
    let later = sh("timeout 10 kubectl logs -f web -c counter --since=1s | head -8 | tail -1");
    assert!(later.stdout.starts_with("line "), "{later:?}");

    for kubectl in [KUBECTL_133, KUBECTL_129] {
        // exec: output, error output and the exit code; stdin piped in.
        let ran = sh(&format!(
            "{kubectl} exec web -c counter -- sh -c 'echo out; echo err >&2; exit 3'; echo rc=$?"
        ));
        assert_eq!(ran.stdout, "out\nrc=3\n", "{kubectl}: {ran:?}");
        assert_eq!(
            ran.stderr, "err\ncommand terminated with exit code 3\n",
            "{kubectl}: {ran:?}"
        );
        let piped = sh(&format!(
            "printf 'abc' | {kubectl} exec -i web -c counter -- tr a-c x-z"
        ));
        assert_eq!(piped.stdout, "xyz", "{kubectl}: {piped:?}");

        // attach: the running container's output from now on.
        let attached = sh(&format!(
            "timeout 10 {kubectl} attach web -c counter 2>/dev/null | head -2 | sed 's/[0-9]*$/N/'"
        ));
        assert_eq!(
            attached.stdout, "line N\nline N\n",
            "{kubectl}: {attached:?}"
        );
    }

    // A terminal through the gateway: its size follows the client's window.
    let (code, screen) = in_terminal_as(
        &upstream,
        &minjun,
        KUBECTL_133,
        "kubectl exec -it web -c counter -- sh -c 'stty size; tty'",
    );
    assert_eq!(code, 0, "{screen}");
    assert!(screen.starts_with("50 200\n/dev/pts/"), "{screen}");
    let (code, screen) = in_terminal_as(
        &upstream,
        &minjun,
        KUBECTL_129,
        "kubectl exec -it web -c counter -- sh -c 'stty size'",
    );
    assert_eq!(
        (code, screen.lines().next()),
        (0, Some("50 200")),
        "{screen}"
    );

    // port-forward, then curl through the tunnel.
    for (kubectl, port) in [(KUBECTL_133, 28297), (KUBECTL_129, 28298)] {
        let forward = sh(&format!(
            "{kubectl} port-forward pod/web {port}:18097 > $A/gw-pf-{port}.log 2>&1 & pid=$!; \
             for i in $(seq 1 100); do grep -q Forwarding $A/gw-pf-{port}.log && break; sleep 0.1; done; \
             curl -s -o /dev/null -w '%{{http_code}} ' http://127.0.0.1:{port}/; \
             curl -s http://127.0.0.1:{port}/ | grep -q 'Directory listing' && echo listed; kill $pid"
        ));
        assert_eq!(forward.stdout, "200 listed\n", "{kubectl}: {forward:?}");
    }

    // kubectl cp both ways (tar over exec), 2 MB, with either protocol.
    for (kubectl, name) in [(KUBECTL_133, "blob133"), (KUBECTL_129, "blob129")] {
        let copied = sh(&format!(
            "head -c 2000000 /dev/urandom > $A/{name} && {kubectl} cp $A/{name} web:{name} -c counter && \
             {kubectl} cp web:{name} $A/{name}.back -c counter && cmp $A/{name} $A/{name}.back && echo same"
        ));
        assert_eq!(copied.stdout, "same\n", "{kubectl}: {copied:?}");
    }

    // The upstream saw minjun, not the gateway: a subresource minjun may not use is refused
    // in the upstream's words with minjun's name.
    let refused = sh("kubectl exec web -n kube-system -c counter -- true");
    assert!(
        refused.stderr.contains(
            "User \"minjun\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"kube-system\""
        ) || refused.stderr.contains(
            "User \"minjun\" cannot get resource \"pods\" in API group \"\" in the namespace \"kube-system\""
        ),
        "{refused:?}"
    );
}
