//! An HTTP/1.1 receiver on loopback for what a server posts (audit webhooks): it keeps the body
//! of every request and answers with the statuses it is given in turn, then 200 — a receiver
//! that fails for a while, then recovers.

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Received {
    /// `POST /path`.
    pub request_line: String,
    /// Header names (lower case) and values.
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: String,
    /// The status it was answered with.
    pub answered: u16,
}

#[derive(Default)]
struct Shared {
    failures: VecDeque<u16>,
    received: Vec<Received>,
}

/// A running receiver; stops taking connections when dropped.
pub struct Receiver {
    address: SocketAddr,
    shared: Arc<Mutex<Shared>>,
}

impl Receiver {
    /// Starts a receiver that answers the first requests with `failures` in turn, then 200.
    pub fn start(failures: &[u16]) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let address = listener.local_addr().expect("its address");
        let shared = Arc::new(Mutex::new(Shared {
            failures: failures.iter().copied().collect(),
            received: Vec::new(),
        }));
        let weak = Arc::downgrade(&shared);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Some(shared) = weak.upgrade() else { break };
                if let Ok(stream) = stream {
                    std::thread::spawn(move || serve(stream, &shared));
                }
            }
        });
        Self { address, shared }
    }

    /// `http://127.0.0.1:<port>/audit`.
    pub fn url(&self) -> String {
        format!("http://{}/audit", self.address)
    }

    /// What was received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.lock().expect("lock").received.clone()
    }

    /// Waits (at most `deadline`) until `done` holds for what was received; what was received.
    pub fn wait_until(
        &self,
        deadline: Duration,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let start = Instant::now();
        loop {
            let received = self.received();
            if done(&received) || start.elapsed() > deadline {
                return received;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        // Wakes the accept loop, which then sees that the receiver is gone.
        let _ = TcpStream::connect(self.address);
    }
}

/// Serves the requests of one connection (keep-alive) until the client closes it.
fn serve(stream: TcpStream, shared: &Mutex<Shared>) {
    let Ok(writer) = stream.try_clone() else {
        return;
    };
    let mut writer = writer;
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            }
        }
        let length = headers
            .iter()
            .find(|(name, _)| name == "content-length")
            .and_then(|(_, value)| value.parse::<usize>().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let answered = {
            let mut shared = shared.lock().expect("lock");
            let answered = shared.failures.pop_front().unwrap_or(200);
            shared.received.push(Received {
                request_line: request_line.trim_end().to_string(),
                headers,
                body: String::from_utf8_lossy(&body).into_owned(),
                answered,
            });
            answered
        };
        let response = format!("HTTP/1.1 {answered} X\r\ncontent-length: 0\r\n\r\n");
        if writer.write_all(response.as_bytes()).is_err() {
            return;
        }
    }
}
