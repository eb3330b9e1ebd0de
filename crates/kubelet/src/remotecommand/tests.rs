use super::*;

fn query(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn options_come_from_the_api_servers_parameters() {
    let options = Options::from_query(&query(&[
        ("command", "ls"),
        ("input", "1"),
        ("output", "1"),
        ("tty", "1"),
        ("error", "1"),
    ]))
    .unwrap();
    assert_eq!(
        options,
        Options {
            stdin: true,
            stdout: true,
            stderr: false,
            tty: true
        }
    );
    assert_eq!(options.expected_streams(V4), 4);
    assert_eq!(options.expected_streams(V2), 3);
    assert_eq!(
        Options::from_query(&query(&[("command", "ls"), ("input", "true")])),
        Err("you must specify at least 1 of stdin, stdout, stderr".to_string())
    );
}

#[test]
fn the_handshake_takes_the_clients_first_known_version() {
    assert_eq!(
        handshake(["v4.channel.k8s.io,v3.channel.k8s.io"], SPDY_PROTOCOLS),
        Ok(V4.to_string())
    );
    assert_eq!(
        handshake(["v9", "v2.channel.k8s.io"], SPDY_PROTOCOLS),
        Ok(V2.to_string())
    );
    let refused = handshake(["v9"], &[V4]).unwrap_err();
    assert_eq!(refused.code, 403);
    assert_eq!(
        refused.message,
        "unable to upgrade: unable to negotiate protocol: client supports [v9], server accepts [v4.channel.k8s.io]"
    );
    assert_eq!(handshake([], SPDY_PROTOCOLS).unwrap_err().code, 400);
}

#[test]
fn the_error_stream_carries_kubernetes_status() {
    assert_eq!(
        String::from_utf8(Outcome::Success.error_stream_bytes(V4)).unwrap(),
        r#"{"metadata":{},"status":"Success"}"#
    );
    let failed = Outcome::ExitCode {
        command: vec!["sh".into(), "-c".into(), "exit 3".into()],
        code: 3,
    };
    assert_eq!(
        String::from_utf8(failed.error_stream_bytes(V5)).unwrap(),
        r#"{"metadata":{},"status":"Failure","message":"command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3","reason":"NonZeroExitCode","details":{"causes":[{"reason":"ExitCode","message":"3"}]}}"#
    );
    assert!(Outcome::Success.error_stream_bytes(V1).is_empty());
    assert_eq!(
        String::from_utf8(
            Outcome::Failed("exec: \"nope\": executable file not found in $PATH".into())
                .error_stream_bytes(V4)
        )
        .unwrap(),
        r#"{"metadata":{},"status":"Failure","message":"Internal error occurred: error executing command in container: exec: \"nope\": executable file not found in $PATH","reason":"InternalError","details":{"causes":[{"message":"error executing command in container: exec: \"nope\": executable file not found in $PATH"}]},"code":500}"#
    );
    assert_eq!(
        String::from_utf8(failed.error_stream_bytes(V3)).unwrap(),
        "command terminated with non-zero exit code: error executing command [sh -c exit 3], exit code 3"
    );
}

#[test]
fn resize_events_are_read_across_chunks() {
    let mut decoder = ResizeDecoder::new();
    assert_eq!(decoder.feed(br#"{"Width":80,"#).unwrap(), vec![]);
    assert_eq!(
        decoder
            .feed(br#""Height":24}{"Width":120,"Height":40}"#)
            .unwrap(),
        vec![
            TerminalSize {
                width: 80,
                height: 24
            },
            TerminalSize {
                width: 120,
                height: 40
            }
        ]
    );
    assert!(decoder.feed(b"not json").is_err());
}
