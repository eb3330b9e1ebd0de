//! kube-apiserver's audit log (`audit.k8s.io/v1`) for kubeward.
//!
//! The pure part decides and records, with no clock, no network and no filesystem:
//! - [`load`] reads an audit Policy file and [`policy`] evaluates it per request, rule by rule as
//!   kube-apiserver's policy checker;
//! - [`recorder`] builds a request's [`Event`]s stage by stage (`RequestReceived`,
//!   `ResponseStarted`, `ResponseComplete`, `Panic`) with what each level records, from the
//!   values the server has (core's `RequestInfo`, `UserInfo`, `Status`) and an injected `now`;
//! - [`encode`] writes events as kube-apiserver does (JSON byte for byte, or the legacy line),
//!   [`decode`] reads them back from logs; [`raw_json`], [`timestamp`] and [`source_ips`] are
//!   the details of the format.
//!
//! The I/O half is [`backend`]: the log file (rotated as kube-apiserver rotates it) or standard
//! output, the webhook, and the buffered batching in front of either, behind one [`Sink`].
#![forbid(unsafe_code)]

pub mod backend;
pub mod decode;
pub mod emitted;
pub mod encode;
pub mod event;
pub mod level;
pub mod load;
pub mod policy;
pub mod raw_json;
pub mod recorder;
pub mod source_ips;
pub mod timestamp;

pub use emitted::EventJson;
pub use event::{AUDIT_ID_HEADER, Event, IDP_EVENT_ANNOTATION, ObjectReference};
pub use level::{Level, Stage, Stages};
pub use policy::{GroupResources, Policy, PolicyRule, RequestAuditConfig};
pub use recorder::{
    ObjectMetadata, Recorder, Request, Response, Sink, is_long_running,
    record_failed_authentication,
};
