//! One container of a pod: started as a local process, its output written to a CRI log file,
//! restarted under the pod's restart policy with the kubelet's back-off, stopped with SIGTERM
//! then SIGKILL after the grace period.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use k8s_openapi::api::core::v1::Container;
use rustix::process::Signal;
use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWriteExt as _};
use tokio::sync::{broadcast, mpsc, watch};

use super::context::NodeContext;
use super::logfile::{LineSplitter, Stream};
use super::process::{self, Stdin};
use super::spec::process_spec;
use super::status::{self, State, Terminated};
use super::stop::{stopped, wait_or_stop};
use super::{InstanceIo, Output, PodRuntime};
use crate::clock;

/// How long a container must run for its back-off to start over (the kubelet's 10 minutes).
const BACK_OFF_RESET: Duration = Duration::from_secs(600);

/// One run of a container.
pub struct Instance {
    /// Its restart count when it started.
    pub number: i32,
    /// Its CRI log file.
    pub log_path: PathBuf,
    /// Its process id while it runs.
    pub pid: Option<u32>,
    /// Its live I/O.
    pub io: InstanceIo,
    /// `true` while it runs.
    pub running: watch::Receiver<bool>,
}

/// Runs the container at `index` of the pod's spec until the pod stops or the restart policy
/// says it is done.
pub async fn run(ctx: Arc<NodeContext>, pod: Arc<PodRuntime>, index: usize) {
    let mut stop = pod.stop.subscribe();
    let mut restarts = 0i32;
    let mut streak = 0i32;
    loop {
        if stop.borrow().is_some() {
            return;
        }
        let object = pod.pod();
        let Some(container) = object
            .spec
            .as_ref()
            .and_then(|s| s.containers.get(index))
            .cloned()
        else {
            return;
        };
        let restart_policy = object
            .spec
            .as_ref()
            .and_then(|s| s.restart_policy.clone())
            .unwrap_or_else(|| "Always".to_string());
        let spec = match process_spec(&ctx, &pod, &container).await {
            Ok(spec) => spec,
            Err(message) => {
                set_state(
                    &pod,
                    &container.name,
                    State::Waiting {
                        reason: "CreateContainerConfigError".to_string(),
                        message: Some(message),
                    },
                );
                if wait_or_stop(&mut stop, Duration::from_secs(10)).await {
                    return;
                }
                continue;
            }
        };
        let started = std::time::Instant::now();
        let terminated = run_once(&ctx, &pod, &container, spec, restarts, &mut stop).await;
        let code = terminated.exit_code;
        let stopped = stop.borrow().is_some();
        pod.with_slot(&container.name, |slot| {
            slot.record.state = State::Terminated(terminated.clone());
        });
        pod.changed.notify_one();
        if stopped || !status::restarts(&restart_policy, code) {
            return;
        }
        streak = if started.elapsed() >= BACK_OFF_RESET {
            0
        } else {
            streak + 1
        };
        restarts += 1;
        // The first restart is immediate; later ones wait, doubling from 10 s.
        if streak > 1 {
            let seconds = status::back_off_seconds(streak - 2);
            let message = status::back_off_message(
                seconds,
                &container.name,
                &pod.name,
                &pod.namespace,
                &pod.uid,
            );
            pod.with_slot(&container.name, |slot| {
                slot.record.last_state = Some(terminated.clone());
                slot.record.state = State::Waiting {
                    reason: "CrashLoopBackOff".to_string(),
                    message: Some(message),
                };
            });
            pod.changed.notify_one();
            if wait_or_stop(&mut stop, Duration::from_secs(seconds)).await {
                return;
            }
        }
        pod.with_slot(&container.name, |slot| {
            slot.record.last_state = Some(terminated);
            slot.record.restart_count = restarts;
        });
    }
}

fn set_state(pod: &PodRuntime, container: &str, state: State) {
    pod.with_slot(container, |slot| slot.record.state = state);
    pod.changed.notify_one();
}

/// A start that failed: the runtime's `StartError` with exit code 128.
fn start_error(message: String, container_id: &str) -> Terminated {
    Terminated {
        exit_code: 128,
        signal: None,
        reason: "StartError".to_string(),
        message: Some(message),
        started_at: None,
        finished_at: clock::now(),
        container_id: container_id.to_string(),
    }
}

async fn run_once(
    ctx: &NodeContext,
    pod: &Arc<PodRuntime>,
    container: &Container,
    spec: process::ProcessSpec,
    number: i32,
    stop: &mut watch::Receiver<Option<i64>>,
) -> Terminated {
    let container_id = format!("lab://{}", uuid::Uuid::new_v4().simple());
    pod.with_slot(&container.name, |slot| {
        slot.record.container_id = Some(container_id.clone());
        slot.spec = Some(spec.clone());
    });
    let argv = super::env::command_line(container, &spec.env);
    if argv.is_empty() {
        return start_error(
            "the lab node pulls no images: the container needs a command".to_string(),
            &container_id,
        );
    }
    let log_dir = pod.dir.join("logs").join(&container.name);
    if let Err(error) = tokio::fs::create_dir_all(&log_dir).await {
        return start_error(
            format!("creating {}: {error}", log_dir.display()),
            &container_id,
        );
    }
    let log_path = log_dir.join(format!("{number}.log"));
    let (output, _) = broadcast::channel(256);
    let (running_tx, running) = watch::channel(true);
    let wants_stdin = container.stdin == Some(true);
    let tty = container.tty == Some(true);
    ctx.event(
        &pod.pod(),
        "Normal",
        "Created",
        &format!("Created container: {}", container.name),
    )
    .await;
    let (mut child, readers, stdin_tx, resize_tx) = if tty {
        match process::spawn_pty(&argv, &spec, None) {
            Ok((child, pty)) => {
                let (read, write) = pty.into_split();
                let (stdin_tx, stdin_rx) = mpsc::channel::<Vec<u8>>(16);
                let (resize_tx, resize_rx) = mpsc::channel::<(u16, u16)>(4);
                tokio::spawn(feed_pty(write, stdin_rx, resize_rx));
                let reader: Box<dyn AsyncRead + Send + Unpin> = Box::new(read);
                (
                    child,
                    vec![(Stream::Stdout, reader)],
                    Some(stdin_tx),
                    Some(resize_tx),
                )
            }
            Err(message) => return start_error(message, &container_id),
        }
    } else {
        let stdin = if wants_stdin {
            Stdin::Piped
        } else {
            Stdin::Null
        };
        match process::spawn_piped(&argv, &spec, stdin) {
            Ok(mut child) => {
                let mut readers: Vec<(Stream, Box<dyn AsyncRead + Send + Unpin>)> = Vec::new();
                if let Some(out) = child.stdout.take() {
                    readers.push((Stream::Stdout, Box::new(out)));
                }
                if let Some(err) = child.stderr.take() {
                    readers.push((Stream::Stderr, Box::new(err)));
                }
                let stdin_tx = child.stdin.take().map(|mut pipe| {
                    let (tx, mut rx) = mpsc::channel::<Vec<u8>>(16);
                    tokio::spawn(async move {
                        while let Some(bytes) = rx.recv().await {
                            if bytes.is_empty() || pipe.write_all(&bytes).await.is_err() {
                                break;
                            }
                        }
                    });
                    tx
                });
                (child, readers, stdin_tx, None)
            }
            Err(message) => return start_error(message, &container_id),
        }
    };
    let started_at = clock::now();
    let instance = Arc::new(Instance {
        number,
        log_path: log_path.clone(),
        pid: child.id(),
        io: InstanceIo {
            output: output.clone(),
            stdin: stdin_tx,
            stdin_once: container.stdin_once == Some(true),
            resize: resize_tx,
        },
        running,
    });
    pod.with_slot(&container.name, |slot| {
        slot.previous = slot.instance.take();
        slot.instance = Some(instance.clone());
        slot.record.state = State::Running { started_at };
    });
    pod.changed.notify_one();
    ctx.event(
        &pod.pod(),
        "Normal",
        "Started",
        &format!("Started container {}", container.name),
    )
    .await;
    let log = match tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .await
    {
        Ok(file) => Some(Arc::new(tokio::sync::Mutex::new(file))),
        Err(error) => {
            tracing::warn!(%error, path = %log_path.display(), "container log not written");
            None
        }
    };
    let mut copies = Vec::new();
    for (stream, reader) in readers {
        copies.push(tokio::spawn(copy_output(
            reader,
            stream,
            log.clone(),
            output.clone(),
        )));
    }
    let exit = tokio::select! {
        status = child.wait() => status.ok(),
        grace = stopped(stop) => {
            ctx.event(
                &pod.pod(),
                "Normal",
                "Killing",
                &format!("Stopping container {}", container.name),
            )
            .await;
            Some(stop_child(&mut child, instance.pid, grace).await)
        }
    };
    for copy in copies {
        let _ = tokio::time::timeout(Duration::from_secs(1), copy).await;
    }
    let _ = running_tx.send(false);
    let exit_code = exit.map(process::exit_code).unwrap_or(-1);
    Terminated {
        exit_code,
        signal: None,
        reason: if exit_code == 0 { "Completed" } else { "Error" }.to_string(),
        message: None,
        started_at: Some(started_at),
        finished_at: clock::now(),
        container_id,
    }
}

/// SIGTERM to the process group, SIGKILL after `grace` seconds.
async fn stop_child(
    child: &mut tokio::process::Child,
    pid: Option<u32>,
    grace: i64,
) -> std::process::ExitStatus {
    process::signal_group(pid, Signal::TERM);
    let grace = Duration::from_secs(u64::try_from(grace).unwrap_or(0).max(1));
    match tokio::time::timeout(grace, child.wait()).await {
        Ok(Ok(status)) => status,
        _ => {
            process::signal_group(pid, Signal::KILL);
            let _ = child.start_kill();
            match child.wait().await {
                Ok(status) => status,
                Err(_) => std::os::unix::process::ExitStatusExt::from_raw(137 << 8),
            }
        }
    }
}

async fn copy_output(
    mut reader: Box<dyn AsyncRead + Send + Unpin>,
    stream: Stream,
    log: Option<Arc<tokio::sync::Mutex<tokio::fs::File>>>,
    output: broadcast::Sender<Output>,
) {
    let mut splitter = LineSplitter::new();
    let mut buffer = vec![0u8; 16 * 1024];
    let number = match stream {
        Stream::Stdout => 1,
        Stream::Stderr => 2,
    };
    loop {
        let read = match reader.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = &buffer[..read];
        let _ = output.send(Output {
            stream: number,
            data: chunk.to_vec(),
        });
        let lines = splitter.push(stream, chunk, clock::now());
        write_log(&log, &lines).await;
    }
    let rest = splitter.finish(stream, clock::now());
    write_log(&log, &rest).await;
}

async fn write_log(log: &Option<Arc<tokio::sync::Mutex<tokio::fs::File>>>, lines: &[u8]) {
    if lines.is_empty() {
        return;
    }
    if let Some(file) = log {
        let mut file = file.lock().await;
        if let Err(error) = file.write_all(lines).await {
            tracing::warn!(%error, "container log write failed");
        }
    }
}

async fn feed_pty(
    mut write: pty_process::OwnedWritePty,
    mut stdin: mpsc::Receiver<Vec<u8>>,
    mut resize: mpsc::Receiver<(u16, u16)>,
) {
    loop {
        tokio::select! {
            bytes = stdin.recv() => match bytes {
                Some(bytes) if !bytes.is_empty() => if write.write_all(&bytes).await.is_err() { return },
                _ => return,
            },
            size = resize.recv() => if let Some((cols, rows)) = size {
                let _ = write.resize(pty_process::Size::new(rows, cols));
            },
        }
    }
}
