//! SPDY/3.1 as Kubernetes' streaming protocols use it (moby/spdystream under
//! `k8s.io/apimachinery/pkg/util/httpstream/spdy`), sans I/O: the frame codec (`frame`), the
//! header blocks and their zlib compression with the SPDY/3 dictionary (`headers`,
//! `dictionary`), and the session state machine (`session`).

pub mod dictionary;
pub mod frame;
pub mod headers;
pub mod session;

pub use frame::RstStatus;
pub use headers::Headers;
pub use session::{Event, Session, SessionError};
