//! kubeward's lab node: a kubelet for learning, built as a real kubelet is — a client of the API
//! server with a node identity — that runs each pod's containers as local processes of the user
//! who started it (no isolation of any kind), and serves the kubelet API that the API server
//! proxies `kubectl logs|exec|attach|port-forward` to, over SPDY/3.1 and WebSocket.
//!
//! The protocol modules (`spdy`, `wsstream`, `remotecommand`, `portforward`) are pure: bytes and
//! values in, bytes and values out. The rest does I/O.
#![forbid(unsafe_code)]

pub mod portforward;
pub mod remotecommand;
pub mod spdy;
pub mod wsstream;
