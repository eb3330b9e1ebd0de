//! What runs at the end of exec and attach streams: a command started in the container's
//! environment (pipes, or a pseudo-terminal whose size follows the client's), or the container's
//! own process attached to.

use std::sync::Arc;
use std::time::Duration;

use rustix::process::Signal;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::broadcast;

use super::exec::Streams;
use super::streams::{Reader, Writer};
use crate::pods::{Instance, ProcessSpec, process};
use crate::remotecommand::{Outcome, ResizeDecoder};

/// How long output still arriving after the process ended is waited for (children that kept
/// the pipes open would otherwise hold the session forever).
const DRAIN: Duration = Duration::from_secs(5);

async fn pump(mut reader: impl AsyncRead + Unpin, writer: Writer) {
    let mut buffer = vec![0u8; 32 * 1024];
    loop {
        match reader.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => {
                if !writer.write(buffer[..n].to_vec()).await {
                    return;
                }
            }
        }
    }
}

async fn feed(mut input: Reader, mut sink: impl tokio::io::AsyncWrite + Unpin) {
    while let Some(bytes) = input.recv().await {
        if sink.write_all(&bytes).await.is_err() {
            return;
        }
        let _ = sink.flush().await;
    }
    let _ = sink.shutdown().await;
}

/// Waits until the client is gone.
async fn gone(closed: &mut tokio::sync::watch::Receiver<bool>) {
    if closed.wait_for(|closed| *closed).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Waits until the container instance stops running.
async fn ended(running: &mut tokio::sync::watch::Receiver<bool>) {
    let _ = running.wait_for(|running| !*running).await;
}

/// Runs `argv` in the container's environment with the session's streams.
pub async fn exec(streams: Streams, argv: Vec<String>, spec: ProcessSpec) -> Outcome {
    if streams.tty {
        exec_tty(streams, argv, spec).await
    } else {
        exec_piped(streams, argv, spec).await
    }
}

fn outcome(argv: Vec<String>, status: Option<std::process::ExitStatus>) -> Outcome {
    match status.map(process::exit_code) {
        Some(0) => Outcome::Success,
        Some(code) => Outcome::ExitCode {
            command: argv,
            code,
        },
        None => Outcome::Failed("the process could not be waited for".to_string()),
    }
}

async fn exec_piped(mut streams: Streams, argv: Vec<String>, spec: ProcessSpec) -> Outcome {
    let stdin = if streams.stdin.is_some() {
        process::Stdin::Piped
    } else {
        process::Stdin::Null
    };
    let mut child = match process::spawn_piped(&argv, &spec, stdin) {
        Ok(child) => child,
        Err(message) => return Outcome::Failed(message),
    };
    let pid = child.id();
    if let (Some(input), Some(pipe)) = (streams.stdin.take(), child.stdin.take()) {
        tokio::spawn(feed(input, pipe));
    }
    let mut copies = Vec::new();
    match (child.stdout.take(), streams.stdout.clone()) {
        (Some(out), Some(writer)) => copies.push(tokio::spawn(pump(out, writer))),
        (Some(out), None) => drop(out),
        _ => {}
    }
    match (child.stderr.take(), streams.stderr.clone()) {
        (Some(err), Some(writer)) => copies.push(tokio::spawn(pump(err, writer))),
        (Some(err), None) => drop(err),
        _ => {}
    }
    let status = tokio::select! {
        status = child.wait() => status.ok(),
        () = gone(&mut streams.closed) => {
            process::signal_group(pid, Signal::KILL);
            child.wait().await.ok()
        }
    };
    let _ = tokio::time::timeout(DRAIN, futures_util::future::join_all(copies)).await;
    outcome(argv, status)
}

/// How long a terminal waits for the client's first size before the command starts (clients
/// send it as soon as the streams are up; a command started earlier would see a 0×0 terminal).
const FIRST_SIZE: Duration = Duration::from_secs(1);

async fn exec_tty(mut streams: Streams, argv: Vec<String>, spec: ProcessSpec) -> Outcome {
    let mut resize = streams.resize.take();
    let mut decoder = ResizeDecoder::new();
    let mut size = None;
    if let Some(sizes) = resize.as_mut() {
        let deadline = tokio::time::Instant::now() + FIRST_SIZE;
        while size.is_none() {
            match tokio::time::timeout_at(deadline, sizes.recv()).await {
                Ok(Some(bytes)) => {
                    size = decoder
                        .feed(&bytes)
                        .unwrap_or_default()
                        .last()
                        .map(|s| (s.width, s.height));
                }
                _ => break,
            }
        }
    }
    let (mut child, pty) = match process::spawn_pty(&argv, &spec, size) {
        Ok(spawned) => spawned,
        Err(message) => return Outcome::Failed(message),
    };
    let pid = child.id();
    let (read, mut write) = pty.into_split();
    let mut input = streams.stdin.take();
    let copy = streams
        .stdout
        .clone()
        .map(|writer| tokio::spawn(pump(read, writer)));
    let feeder = tokio::spawn(async move {
        loop {
            tokio::select! {
                bytes = async { match input.as_mut() { Some(i) => i.recv().await, None => std::future::pending().await } } => match bytes {
                    Some(bytes) => {
                        if write.write_all(&bytes).await.is_err() { return; }
                    }
                    None => input = None,
                },
                bytes = async { match resize.as_mut() { Some(r) => r.recv().await, None => std::future::pending().await } } => match bytes {
                    Some(bytes) => {
                        for size in decoder.feed(&bytes).unwrap_or_default() {
                            let _ = write.resize(pty_process::Size::new(size.height, size.width));
                        }
                    }
                    None => resize = None,
                },
            }
        }
    });
    let status = tokio::select! {
        status = child.wait() => status.ok(),
        () = gone(&mut streams.closed) => {
            process::signal_group(pid, Signal::HUP);
            process::signal_group(pid, Signal::KILL);
            child.wait().await.ok()
        }
    };
    if let Some(copy) = copy {
        let _ = tokio::time::timeout(DRAIN, copy).await;
    }
    feeder.abort();
    outcome(argv, status)
}

/// Attaches the session to the container's running process: its output from now on, and the
/// client's input and terminal size when the container takes them.
pub async fn attach(mut streams: Streams, instance: Arc<Instance>) -> Outcome {
    let mut output = instance.io.output.subscribe();
    let mut running = instance.running.clone();
    if let (Some(mut input), Some(stdin)) = (streams.stdin.take(), instance.io.stdin.clone()) {
        let once = instance.io.stdin_once;
        tokio::spawn(async move {
            while let Some(bytes) = input.recv().await {
                if !bytes.is_empty() && stdin.send(bytes).await.is_err() {
                    return;
                }
            }
            if once {
                let _ = stdin.send(Vec::new()).await;
            }
        });
    }
    if let (Some(mut resize), Some(sizes)) = (streams.resize.take(), instance.io.resize.clone()) {
        tokio::spawn(async move {
            let mut decoder = ResizeDecoder::new();
            while let Some(bytes) = resize.recv().await {
                for size in decoder.feed(&bytes).unwrap_or_default() {
                    let _ = sizes.send((size.width, size.height)).await;
                }
            }
        });
    }
    loop {
        tokio::select! {
            chunk = output.recv() => match chunk {
                Ok(chunk) => {
                    let writer = if chunk.stream == 2 && !streams.tty {
                        streams.stderr.as_ref()
                    } else {
                        streams.stdout.as_ref()
                    };
                    if let Some(writer) = writer
                        && !writer.write(chunk.data).await
                    {
                        break;
                    }
                }
                Err(broadcast::error::RecvError::Lagged(_)) => continue,
                Err(broadcast::error::RecvError::Closed) => break,
            },
            () = ended(&mut running) => {
                // What the container wrote before it ended is still in the channel.
                while let Ok(chunk) = output.try_recv() {
                    let writer = if chunk.stream == 2 && !streams.tty {
                        streams.stderr.as_ref()
                    } else {
                        streams.stdout.as_ref()
                    };
                    if let Some(writer) = writer {
                        writer.write(chunk.data).await;
                    }
                }
                break;
            }
            () = gone(&mut streams.closed) => break,
        }
    }
    Outcome::Success
}
