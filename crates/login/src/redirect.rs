//! The one-shot redirect listener of the authorization code flow (kubelogin's local server):
//! `GET /` redirects the browser to the authorization URL, the callback path receives `code` and
//! `state` (or `error`), answers with the success page, and the listener shuts down.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinSet;

#[cfg(test)]
mod tests;

/// The page shown after a successful sign-in (kubelogin's, word for word).
pub const SUCCESS_HTML: &str = r#"
<!DOCTYPE html>
<html lang="en">
<head>
	<meta charset="UTF-8">
	<title>Authenticated</title>
	<script>
		window.close()
	</script>
	<style>
		body {
			background-color: #eee;
			margin: 0;
			padding: 0;
			font-family: sans-serif;
		}
		.placeholder {
			margin: 2em;
			padding: 2em;
			background-color: #fff;
			border-radius: 1em;
		}
	</style>
</head>
<body>
	<div class="placeholder">
		<h1>Authenticated</h1>
		<p>You have logged in to the cluster. You can close this window.</p>
	</div>
</body>
</html>
"#;

/// Why no authorization code was received.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedirectError {
    /// None of the listen addresses could be bound.
    #[error("could not start a local server: could not bind any of {addresses}: {message}")]
    Bind {
        /// The addresses tried, comma-separated.
        addresses: String,
        /// The last OS error.
        message: String,
    },
    /// The provider redirected back with `error` (the user denied, the request was invalid).
    #[error("authorization error from server: {error} {description}")]
    Denied {
        /// `error`.
        error: String,
        /// `error_description`.
        description: String,
    },
    /// The `state` of the redirect is not the one sent.
    #[error("state does not match (wants {wants} but got {got})")]
    StateMismatch {
        /// The state sent.
        wants: String,
        /// The state received.
        got: String,
    },
    /// No redirect came in time.
    #[error(
        "timed out after {0} seconds waiting for the browser to come back (--authentication-timeout-sec)"
    )]
    Timeout(u64),
    /// Accepting a connection failed.
    #[error("local server error: {0}")]
    Io(String),
}

/// What the listener expects and answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expectation {
    /// The `state` sent.
    pub state: String,
    /// The path of the redirect URI (`/` when it has none).
    pub callback_path: String,
    /// Where `GET /` sends the browser: the authorization URL.
    pub authorization_url: String,
}

/// An answer of the listener, before it becomes an HTTP response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The status.
    pub status: u16,
    /// `Location`, for redirects.
    pub location: Option<String>,
    /// The body.
    pub body: String,
    /// `Content-Type`.
    pub content_type: &'static str,
}

/// Binds the first free address of `addresses`, in order (kubelogin tries 127.0.0.1:8000, then
/// 127.0.0.1:18000).
pub fn bind(addresses: &[String]) -> Result<std::net::TcpListener, RedirectError> {
    let mut last = String::from("no address given");
    for address in addresses {
        match std::net::TcpListener::bind(address.as_str()) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = format!("{address}: {e}"),
        }
    }
    Err(RedirectError::Bind {
        addresses: addresses.join(", "),
        message: last,
    })
}

/// The redirect URI for a listener on `local`: `http://localhost:<port>`, kubelogin's default.
pub fn default_redirect_uri(local: SocketAddr) -> String {
    format!("http://localhost:{}", local.port())
}

/// The answer to one request, and the outcome of the flow when the request ends it.
pub fn respond(
    expect: &Expectation,
    method: &Method,
    path_and_query: &str,
) -> (Reply, Option<Result<String, RedirectError>>) {
    let Ok(url) = reqwest::Url::parse(&format!("http://localhost{path_and_query}")) else {
        return (not_found(), None);
    };
    let query = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default()
    };
    if method != Method::GET {
        return (not_found(), None);
    }
    if url.path() == expect.callback_path {
        let error = query("error");
        if !error.is_empty() {
            return (
                authorization_error(),
                Some(Err(RedirectError::Denied {
                    error,
                    description: query("error_description"),
                })),
            );
        }
        let code = query("code");
        if !code.is_empty() {
            let state = query("state");
            if state != expect.state {
                return (
                    authorization_error(),
                    Some(Err(RedirectError::StateMismatch {
                        wants: expect.state.clone(),
                        got: state,
                    })),
                );
            }
            let page = Reply {
                status: 200,
                location: None,
                body: SUCCESS_HTML.to_string(),
                content_type: "text/html",
            };
            return (page, Some(Ok(code)));
        }
    }
    if url.path() == "/" {
        let redirect = Reply {
            status: 302,
            location: Some(expect.authorization_url.clone()),
            body: String::new(),
            content_type: "text/html; charset=utf-8",
        };
        return (redirect, None);
    }
    (not_found(), None)
}

fn not_found() -> Reply {
    Reply {
        status: 404,
        location: None,
        body: "404 page not found\n".into(),
        content_type: "text/plain; charset=utf-8",
    }
}

fn authorization_error() -> Reply {
    Reply {
        status: 500,
        location: None,
        body: "authorization error\n".into(),
        content_type: "text/plain; charset=utf-8",
    }
}

fn to_response(reply: Reply) -> Response<Full<Bytes>> {
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
        .header(header::CONTENT_TYPE, reply.content_type);
    if let Some(location) = reply.location {
        builder = builder.header(header::LOCATION, location);
    }
    builder
        .body(Full::new(Bytes::from(reply.body)))
        .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
}

type Outcome = Result<String, RedirectError>;

/// Serves `listener` until the callback arrives (its response fully written) or `timeout`
/// passes, then stops; returns the authorization code.
pub async fn receive_code(
    listener: std::net::TcpListener,
    expect: Expectation,
    timeout: Duration,
) -> Result<String, RedirectError> {
    listener
        .set_nonblocking(true)
        .map_err(|e| RedirectError::Io(e.to_string()))?;
    let listener = TcpListener::from_std(listener).map_err(|e| RedirectError::Io(e.to_string()))?;
    let expect = Arc::new(expect);
    let (outcomes, mut received) = mpsc::channel::<Outcome>(4);
    let mut connections = JoinSet::new();
    let deadline = tokio::time::sleep(timeout);
    tokio::pin!(deadline);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let expect = Arc::clone(&expect);
                let outcomes = outcomes.clone();
                connections.spawn(serve_connection(stream, expect, outcomes));
            }
            Some(outcome) = received.recv() => {
                connections.abort_all();
                return outcome;
            }
            () = &mut deadline => {
                connections.abort_all();
                return Err(RedirectError::Timeout(timeout.as_secs()));
            }
        }
    }
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    expect: Arc<Expectation>,
    outcomes: mpsc::Sender<Outcome>,
) {
    let slot: Arc<Mutex<Option<Outcome>>> = Arc::new(Mutex::new(None));
    let service_slot = Arc::clone(&slot);
    let service = service_fn(move |request: Request<hyper::body::Incoming>| {
        let path = request
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_string();
        let (reply, outcome) = respond(&expect, request.method(), &path);
        if let Some(outcome) = outcome
            && let Ok(mut slot) = service_slot.lock()
        {
            slot.get_or_insert(outcome);
        }
        async move { Ok::<_, Infallible>(to_response(reply)) }
    });
    let _ = http1::Builder::new()
        .keep_alive(false)
        .serve_connection(TokioIo::new(stream), service)
        .await;
    let outcome = slot.lock().ok().and_then(|mut s| s.take());
    if let Some(outcome) = outcome {
        let _ = outcomes.send(outcome).await;
    }
}
