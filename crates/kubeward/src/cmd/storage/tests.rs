use clap::Parser;

use super::*;

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    storage: StorageArgs,
}

fn parse(args: &[&str]) -> Result<StorageArgs, clap::Error> {
    Cli::try_parse_from(std::iter::once("kubeward").chain(args.iter().copied()))
        .map(|cli| cli.storage)
}

fn backend(args: &[&str]) -> anyhow::Result<Backend> {
    parse(args).unwrap().backend()
}

fn error(args: &[&str]) -> String {
    backend(args).unwrap_err().to_string()
}

#[test]
fn redb_is_the_default_and_etcd_servers_choose_etcd3_with_kube_apiservers_defaults() {
    assert_eq!(backend(&[]).unwrap(), Backend::Redb);
    assert_eq!(backend(&["--storage-backend=redb"]).unwrap(), Backend::Redb);
    let Backend::Etcd(options) =
        backend(&["--etcd-servers=http://127.0.0.1:2379,http://127.0.0.1:22379"]).unwrap()
    else {
        panic!("etcd")
    };
    assert_eq!(
        options.servers,
        ["http://127.0.0.1:2379", "http://127.0.0.1:22379"]
    );
    assert_eq!(options.prefix, "/registry");
    assert_eq!(options.compaction_interval, Duration::from_secs(300));
    assert_eq!(options.tls, None);
    let Backend::Etcd(options) = backend(&[
        "--storage-backend=etcd3",
        "--etcd-servers=https://10.0.0.1:2379",
        "--etcd-prefix=/kubeward",
        "--etcd-compaction-interval=0",
    ])
    .unwrap() else {
        panic!("etcd")
    };
    assert_eq!(options.prefix, "/kubeward");
    assert_eq!(options.compaction_interval, Duration::ZERO);
    assert_eq!(
        options.tls,
        Some(EtcdTls::default()),
        "https: the system's roots"
    );
}

#[test]
fn tls_files_are_read_and_paired() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["ca.crt", "client.crt", "client.key"] {
        std::fs::write(dir.path().join(name), format!("PEM of {name}")).unwrap();
    }
    let file = |name: &str| dir.path().join(name).display().to_string();
    let Backend::Etcd(options) = backend(&[
        "--etcd-servers=https://127.0.0.1:2379",
        &format!("--etcd-cafile={}", file("ca.crt")),
        &format!("--etcd-certfile={}", file("client.crt")),
        &format!("--etcd-keyfile={}", file("client.key")),
    ])
    .unwrap() else {
        panic!("etcd")
    };
    assert_eq!(
        options.tls,
        Some(EtcdTls {
            ca_pem: Some("PEM of ca.crt".to_string()),
            identity: Some((
                "PEM of client.crt".to_string(),
                "PEM of client.key".to_string()
            )),
        })
    );
    assert_eq!(
        error(&[
            "--etcd-servers=https://127.0.0.1:2379",
            &format!("--etcd-certfile={}", file("client.crt")),
        ]),
        "--etcd-certfile and --etcd-keyfile go together"
    );
    let missing = error(&[
        "--etcd-servers=https://127.0.0.1:2379",
        &format!("--etcd-cafile={}", file("nope.crt")),
    ]);
    assert_eq!(missing, format!("--etcd-cafile {}", file("nope.crt")));
}

#[test]
fn bad_flags_are_refused_with_kube_apiservers_words() {
    assert_eq!(
        error(&["--storage-backend=etcd3"]),
        "--etcd-servers must be specified"
    );
    assert_eq!(
        error(&["--storage-backend=etcd2", "--etcd-servers=http://a:1"]),
        "--storage-backend invalid, allowed values: etcd3, redb. If not specified, it will default to 'etcd3' with --etcd-servers and to 'redb' without"
    );
    assert_eq!(
        error(&["--storage-backend=redb", "--etcd-servers=http://a:1"]),
        "--etcd-servers and --etcd-cafile/--etcd-certfile/--etcd-keyfile are used with --storage-backend=etcd3 only"
    );
    assert_eq!(
        error(&["--etcd-servers=127.0.0.1:2379"]),
        r#"--etcd-servers: "127.0.0.1:2379" is not of the form scheme://ip:port (http or https)"#
    );
    assert_eq!(
        error(&["--etcd-servers=http://a:1", "--etcd-cafile=/ca.crt"]),
        r#"--etcd-servers: "http://a:1" is plain HTTP, but --etcd-cafile/--etcd-certfile/--etcd-keyfile ask for TLS: use https://"#
    );
    for (value, message) in [
        ("5x", r#"time: unknown unit "x" in duration "5x""#),
        ("-1m", "must not be negative: -1m"),
    ] {
        let refused = parse(&[&format!("--etcd-compaction-interval={value}")])
            .err()
            .unwrap()
            .to_string();
        assert!(refused.contains(message), "{refused}");
    }
}
