//! Bad input at `kubeward gateway`, as a user sees it through real kubectl and raw HTTPS: a
//! 50 MB request body is kube-apiserver's 413 (whether sized or chunked) and the gateway goes
//! on serving; an upstream that never answers is kube-apiserver's 504 after
//! `--upstream-response-timeout`, one that answers garbage or hangs up is a 503 Status naming
//! the cause — never a hang, never a panic; 1,000 concurrent watches through the gateway all see
//! an object created upstream, with the gateway's memory bounded.

use std::io::{Read as _, Write as _};
use std::process::{Command, Output};
use std::time::Duration;

use kubeward_testkit::cluster::ok;
use kubeward_testkit::process::{Process, Stream};

use crate::gateway::{GRANTS_FOR_DEV, gateway, kubeconfig, upstream};

const LISTENING: &str = "kubeward gateway listening on ";

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).trim().to_string()
}

#[test]
fn a_50_mb_body_is_kube_apiservers_413_and_the_gateway_goes_on() {
    let upstream = upstream();
    let front = gateway(&upstream);
    let grants = upstream.scratch("grants.yaml");
    std::fs::write(&grants, GRANTS_FOR_DEV).unwrap();
    ok(&upstream.kubectl(&["apply", "-f", &grants.display().to_string()]));
    let minjun = kubeconfig(&upstream, &front, "minjun", "gateway-token-1");

    // kubectl create of a 50 MB ConfigMap: a sized body, refused before it goes upstream.
    let big = upstream.scratch("big.json");
    let data = "x".repeat(50 * 1024 * 1024);
    std::fs::write(
        &big,
        format!(
            r#"{{"apiVersion":"v1","kind":"ConfigMap","metadata":{{"name":"big","namespace":"default"}},"data":{{"blob":"{data}"}}}}"#
        ),
    )
    .unwrap();
    let refused = upstream.kubectl_as(
        &minjun,
        &[
            "create",
            "-f",
            &big.display().to_string(),
            "--request-timeout=120s",
        ],
    );
    assert_eq!(
        stderr(&refused),
        format!(
            "Error from server (RequestEntityTooLarge): error when creating \"{}\": Request entity too large: limit is 3145728",
            big.display()
        )
    );

    // The same body chunked (no Content-Length): cut off at the limit, the same Status.
    let chunked = Command::new("curl")
        .args(["-sS", "--http1.1", "--max-time", "120", "--cacert"])
        .arg(upstream.data_dir.join("pki/ca.crt"))
        .args([
            "-H",
            "Authorization: Bearer gateway-token-1",
            "-H",
            "Content-Type: application/json",
            "-H",
            "Transfer-Encoding: chunked",
            "-X",
            "POST",
            "--data-binary",
        ])
        .arg(format!("@{}", big.display()))
        .arg(format!(
            "{}/api/v1/namespaces/default/configmaps",
            front.url
        ))
        .output()
        .unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&chunked.stdout)
        .unwrap_or_else(|_| panic!("a Status: {}", String::from_utf8_lossy(&chunked.stdout)));
    assert_eq!(answer["kind"], "Status", "{answer}");
    assert_eq!(answer["code"], 413, "{answer}");
    assert_eq!(answer["reason"], "RequestEntityTooLarge", "{answer}");
    assert_eq!(
        answer["message"], "Request entity too large: limit is 3145728",
        "{answer}"
    );

    // Nothing of it was created, and the gateway still serves the user.
    let absent = upstream.kubectl(&["get", "configmap", "big"]);
    assert_eq!(
        stderr(&absent),
        "Error from server (NotFound): configmaps \"big\" not found"
    );
    let small = upstream.kubectl_as(
        &minjun,
        &["create", "configmap", "small", "--from-literal=a=b"],
    );
    assert_eq!(ok(&small).trim(), "configmap/small created");
}

/// A gateway in front of `upstream_url` (plain HTTP), answering in 2 s at most.
fn gateway_in_front_of(dir: &std::path::Path, upstream_url: &str) -> (Process, String) {
    let serving = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_string()]).unwrap();
    std::fs::write(dir.join("gateway.crt"), serving.cert.pem()).unwrap();
    std::fs::write(dir.join("gateway.key"), serving.signing_key.serialize_pem()).unwrap();
    std::fs::write(
        dir.join("tokens.csv"),
        "gateway-token-1,minjun,1001,\"dev\"\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("upstream.kubeconfig"),
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: up\n  cluster: {{server: '{upstream_url}'}}\nusers:\n- name: gw\n  user: {{token: gateway-credential}}\ncontexts:\n- name: gw\n  context: {{cluster: up, user: gw}}\ncurrent-context: gw\n"
        ),
    )
    .unwrap();
    let mut command = Command::new(kubeward_testkit::kubeward_binary());
    command
        .args([
            "gateway",
            "--bind-address",
            "127.0.0.1",
            "--secure-port",
            "0",
        ])
        .arg("--upstream-kubeconfig")
        .arg(dir.join("upstream.kubeconfig"))
        .arg("--tls-cert-file")
        .arg(dir.join("gateway.crt"))
        .arg("--tls-private-key-file")
        .arg(dir.join("gateway.key"))
        .arg("--token-auth-file")
        .arg(dir.join("tokens.csv"))
        .args(["--upstream-token-review", "false"])
        .args(["--upstream-response-timeout", "2s"])
        .env("RUST_LOG", "warn");
    let process = Process::start(command, Stream::Stderr, Duration::from_secs(60), |line| {
        line.starts_with(LISTENING)
    });
    let url = process
        .printed
        .lines()
        .find_map(|line| line.strip_prefix(LISTENING))
        .and_then(|rest| rest.split_whitespace().next())
        .expect("the gateway says where it listens")
        .to_string();
    std::fs::write(
        dir.join("user.kubeconfig"),
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: gw\n  cluster: {{server: '{url}', certificate-authority: '{}'}}\nusers:\n- name: minjun\n  user: {{token: gateway-token-1}}\ncontexts:\n- name: minjun\n  context: {{cluster: gw, user: minjun}}\ncurrent-context: minjun\n",
            dir.join("gateway.crt").display()
        ),
    )
    .unwrap();
    (process, url)
}

/// A listener on loopback that does `with` to every connection, on a thread of its own.
fn listener(with: fn(std::net::TcpStream)) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || with(stream));
        }
    });
    url
}

/// Reads the request head, then holds the connection without a word.
fn hang(mut stream: std::net::TcpStream) {
    let mut buffer = [0u8; 4096];
    while stream.read(&mut buffer).unwrap_or(0) > 0 {}
}

/// Reads the request head, then answers something that is not HTTP and hangs up.
fn garbage(mut stream: std::net::TcpStream) {
    let mut buffer = [0u8; 4096];
    let _ = stream.read(&mut buffer);
    let _ = stream.write_all(b"SSH-2.0-OpenSSH_9.2\r\n\x00\x01\x02 not http at all\r\n\r\n");
}

/// Hangs up as soon as the request comes.
fn hang_up(mut stream: std::net::TcpStream) {
    let mut buffer = [0u8; 16];
    let _ = stream.read(&mut buffer);
}

fn kubectl_get(dir: &std::path::Path) -> Output {
    Command::new("kubectl")
        .arg("--kubeconfig")
        .arg(dir.join("user.kubeconfig"))
        .args([
            "get",
            "--raw",
            "/api/v1/namespaces/default/pods",
            // A safety net: the gateway must answer long before.
            "--request-timeout=60s",
        ])
        .output()
        .unwrap()
}

#[test]
fn an_upstream_that_hangs_or_answers_garbage_is_a_status_never_a_hang() {
    let hanging = tempfile::tempdir().unwrap();
    let (_hanging_gateway, _) = gateway_in_front_of(hanging.path(), &listener(hang));
    let out = kubectl_get(hanging.path());
    assert!(!out.status.success());
    assert_eq!(
        stderr(&out),
        "Error from server (Timeout): Timeout: request did not complete within requested timeout - context deadline exceeded"
    );

    let babbling = tempfile::tempdir().unwrap();
    let (_babbling_gateway, url) = gateway_in_front_of(babbling.path(), &listener(garbage));
    let out = kubectl_get(babbling.path());
    assert!(!out.status.success());
    let said = stderr(&out);
    assert!(
        said.starts_with("Error from server (ServiceUnavailable): the upstream API server is unavailable: error sending request for url (http://"),
        "{said}"
    );
    assert!(!said.contains("gateway-credential"), "{said}");
    // The answer is a Status in Kubernetes' format.
    let raw = Command::new("curl")
        .args(["-sS", "--max-time", "60", "--cacert"])
        .arg(babbling.path().join("gateway.crt"))
        .args(["-H", "Authorization: Bearer gateway-token-1"])
        .arg(format!("{url}/api/v1/namespaces/default/pods"))
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&raw.stdout).unwrap();
    assert_eq!(status["kind"], "Status", "{status}");
    assert_eq!(status["code"], 503, "{status}");
    assert_eq!(status["reason"], "ServiceUnavailable", "{status}");

    let closing = tempfile::tempdir().unwrap();
    let (_closing_gateway, _) = gateway_in_front_of(closing.path(), &listener(hang_up));
    let out = kubectl_get(closing.path());
    let said = stderr(&out);
    assert!(
        said.starts_with(
            "Error from server (ServiceUnavailable): the upstream API server is unavailable: "
        ),
        "{said}"
    );
}

/// Opens `sys.argv[3]` watches of ConfigMaps through the gateway at 127.0.0.1:`sys.argv[1]`
/// (CA in `sys.argv[2]`, HTTP/1.1, one connection each), prints `READY n` once all of them have
/// their `200`, then `SAW n` once each has seen the ConfigMap `after-the-watches` (or stops
/// waiting after 120 s).
const WATCHES: &str = r#"
import asyncio, ssl, sys
port, cafile, count = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
context = ssl.create_default_context(cafile=cafile)
context.set_alpn_protocols(["http/1.1"])
ready = 0
saw = 0
async def watch(gate, opened):
    global ready, saw
    async with gate:
        reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context)
        writer.write(b"GET /api/v1/namespaces/default/configmaps?watch=true HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer gateway-token-1\r\nAccept: application/json\r\n\r\n")
        await writer.drain()
        status = await reader.readline()
        if b" 200 " not in status:
            print("STATUS", status.decode().strip(), flush=True)
            return
    ready += 1
    if ready == count:
        opened.set()
    buffered = b""
    while b"after-the-watches" not in buffered:
        chunk = await reader.read(65536)
        if not chunk:
            return
        buffered = buffered[-64:] + chunk
    saw += 1
async def main():
    gate = asyncio.Semaphore(50)
    opened = asyncio.Event()
    tasks = [asyncio.create_task(watch(gate, opened)) for _ in range(count)]
    try:
        await asyncio.wait_for(opened.wait(), 300)
    except asyncio.TimeoutError:
        pass
    print("READY", ready, flush=True)
    sys.stdin.readline()
    await asyncio.wait(tasks, timeout=120)
    print("SAW", saw, flush=True)
asyncio.run(main())
"#;

fn resident_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn a_thousand_concurrent_watches_through_the_gateway_all_see_the_change() {
    let upstream = upstream();
    let front = gateway(&upstream);
    let grants = upstream.scratch("grants.yaml");
    std::fs::write(&grants, GRANTS_FOR_DEV).unwrap();
    ok(&upstream.kubectl(&["apply", "-f", &grants.display().to_string()]));
    let port = front.url.rsplit(':').next().unwrap().to_string();
    let mut watches = Command::new("python3")
        .args(["-c", WATCHES, &port])
        .arg(upstream.data_dir.join("pki/ca.crt"))
        .arg("1000")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(watches.stdout.take().unwrap());
    let mut line = String::new();
    use std::io::BufRead as _;
    lines.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "READY 1000");
    let resident = resident_kib(front.pid());
    ok(&upstream.kubectl(&[
        "create",
        "configmap",
        "after-the-watches",
        "--from-literal=a=b",
    ]));
    watches.stdin.take().unwrap().write_all(b"go\n").unwrap();
    line.clear();
    lines.read_line(&mut line).unwrap();
    assert_eq!(line.trim(), "SAW 1000");
    let _ = watches.wait();
    eprintln!(
        "gateway resident with 1000 watches: {} MiB",
        resident / 1024
    );
    assert!(
        resident < 200 * 1024,
        "the gateway holds {} MiB with 1000 watches",
        resident / 1024
    );
    // And it still answers.
    let minjun = kubeconfig(&upstream, &front, "minjun", "gateway-token-1");
    let seen = upstream.kubectl_as(
        &minjun,
        &["get", "configmap", "after-the-watches", "-o", "name"],
    );
    assert_eq!(ok(&seen).trim(), "configmap/after-the-watches");
}
