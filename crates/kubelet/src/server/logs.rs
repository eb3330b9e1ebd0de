//! `GET /containerLogs/{namespace}/{pod}/{container}`: a container's log as the kubelet serves
//! it, with `follow`, `previous`, `timestamps`, `tailLines`, `limitBytes`, `sinceSeconds` and
//! `sinceTime`; errors in the kubelet's words.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{Response, StatusCode};
use http_body_util::BodyExt as _;
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};
use tokio::sync::mpsc;

use super::{Body, text};
use crate::clock;
use crate::pods::logfile::{self, LogOptions};
use crate::pods::status::State;
use crate::pods::{Instance, PodRuntime};

/// How often a followed log is checked for new lines.
const FOLLOW_POLL: Duration = Duration::from_millis(100);

/// Which instance's log to serve, or the kubelet's refusal (`validateContainerLogStatus`).
fn instance_for(
    pod: &PodRuntime,
    container: &str,
    previous: bool,
) -> Result<Arc<Instance>, String> {
    let found = pod.with_slot(container, |slot| {
        let pod_name = &pod.name;
        if previous {
            return slot.previous.clone().ok_or_else(|| {
                format!("previous terminated container {container:?} in pod {pod_name:?} not found")
            });
        }
        if let Some(instance) = &slot.instance {
            return Ok(instance.clone());
        }
        Err(match &slot.record.state {
            State::Waiting { reason, .. } => {
                format!("container {container:?} in pod {pod_name:?} is waiting to start: {reason}")
            }
            State::Terminated(_) => {
                format!("container {container:?} in pod {pod_name:?} is terminated")
            }
            State::Running { .. } => {
                format!(
                    "container {container:?} in pod {pod_name:?} is waiting to start - no logs yet"
                )
            }
        })
    });
    found.unwrap_or_else(|| {
        Err(format!(
            "container {container:?} not found in pod {:?}",
            pod.name
        ))
    })
}

/// Answers a `containerLogs` request.
pub fn serve(pod: Arc<PodRuntime>, container: &str, query: &[(String, String)]) -> Response<Body> {
    let options = match LogOptions::from_query(query, clock::now()) {
        Ok(options) => options,
        Err((code, body)) => {
            return text(
                StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
                &body,
            );
        }
    };
    if !pod.has_container(container) {
        return text(
            StatusCode::NOT_FOUND,
            &format!("container {container:?} not found in pod {:?}", pod.name),
        );
    }
    let instance = match instance_for(&pod, container, options.previous) {
        Ok(instance) => instance,
        // A container whose last start failed has an empty log, as a runtime's would be.
        Err(_)
            if !options.previous
                && pod.with_slot(container, |s| s.record.last_state.is_some()) == Some(true) =>
        {
            return text(StatusCode::OK, "");
        }
        Err(message) => return text(StatusCode::BAD_REQUEST, &message),
    };
    let (sender, receiver) = mpsc::channel::<Bytes>(16);
    tokio::spawn(stream_log(instance, options, sender));
    let body = http_body_util::StreamBody::new(futures_util::stream::unfold(
        receiver,
        |mut rx| async move {
            rx.recv()
                .await
                .map(|bytes| (Ok::<_, std::io::Error>(hyper::body::Frame::data(bytes)), rx))
        },
    ));
    let mut response = Response::new(body.boxed());
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/plain"),
    );
    response
}

/// Sends what the options select, then, when following, new lines until the instance stops.
async fn stream_log(instance: Arc<Instance>, options: LogOptions, sender: mpsc::Sender<Bytes>) {
    let mut budget = options.limit_bytes.unwrap_or(u64::MAX);
    let send = async |bytes: Vec<u8>, budget: &mut u64| -> bool {
        if *budget == 0 {
            return false;
        }
        let take = bytes
            .len()
            .min(usize::try_from(*budget).unwrap_or(usize::MAX));
        *budget -= take as u64;
        sender
            .send(Bytes::copy_from_slice(&bytes[..take]))
            .await
            .is_ok()
            && *budget > 0
    };
    let mut file = match tokio::fs::File::open(&instance.log_path).await {
        Ok(file) => file,
        Err(_) => return,
    };
    let mut content = Vec::new();
    if file.read_to_end(&mut content).await.is_err() {
        return;
    }
    // Only whole lines are shown; a line still being written is left for the next read.
    let complete = content
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let mut offset = complete as u64;
    let mut rendered = Vec::new();
    for entry in logfile::select(&content[..complete], &options) {
        rendered.extend(logfile::render(&entry, options.timestamps));
    }
    if !rendered.is_empty() && !send(rendered, &mut budget).await {
        return;
    }
    if !options.follow {
        return;
    }
    let mut running = instance.running.clone();
    loop {
        let stopped = !*running.borrow();
        if file.seek(std::io::SeekFrom::Start(offset)).await.is_err() {
            return;
        }
        let mut fresh = Vec::new();
        if file.read_to_end(&mut fresh).await.is_err() {
            return;
        }
        let complete = fresh.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        offset += complete as u64;
        let mut rendered = Vec::new();
        for line in fresh[..complete]
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
        {
            if let Some(entry) = logfile::parse_entry(line) {
                rendered.extend(logfile::render(&entry, options.timestamps));
            }
        }
        if !rendered.is_empty() && !send(rendered, &mut budget).await {
            return;
        }
        if stopped {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(FOLLOW_POLL) => {}
            _ = running.changed() => {}
            _ = sender.closed() => return,
        }
    }
}
