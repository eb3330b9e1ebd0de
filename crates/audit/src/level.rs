//! Audit levels and stages, as `k8s.io/apiserver/pkg/apis/audit` names and orders them.

use std::fmt;
use std::str::FromStr;

/// How much of a request is recorded. Levels are ordered: `None < Metadata < Request <
/// RequestResponse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum Level {
    /// Nothing is recorded.
    #[default]
    None,
    /// Who did what, to which object, when, and the answer's status; no bodies.
    Metadata,
    /// Metadata and the request body (resource requests only).
    Request,
    /// Request and the response body (resource requests only).
    RequestResponse,
}

impl Level {
    /// Every level, lowest first.
    pub const ALL: [Level; 4] = [
        Level::None,
        Level::Metadata,
        Level::Request,
        Level::RequestResponse,
    ];

    /// The name Kubernetes writes: `None`, `Metadata`, `Request`, `RequestResponse`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::None => "None",
            Level::Metadata => "Metadata",
            Level::Request => "Request",
            Level::RequestResponse => "RequestResponse",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = ();

    /// Exact, case-sensitive names, as Go's string comparison.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Level::ALL
            .into_iter()
            .find(|level| level.as_str() == s)
            .ok_or(())
    }
}

/// When in a request's handling an event is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// As soon as the audit filter has the request (after authentication), before it goes on.
    RequestReceived,
    /// When the response headers are sent, for long-running requests (watch, exec, …) only.
    ResponseStarted,
    /// When the response body is complete.
    ResponseComplete,
    /// When the handler panicked.
    Panic,
}

impl Stage {
    /// Every stage, in the order kube-apiserver lists them.
    pub const ALL: [Stage; 4] = [
        Stage::RequestReceived,
        Stage::ResponseStarted,
        Stage::ResponseComplete,
        Stage::Panic,
    ];

    /// The name Kubernetes writes.
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::RequestReceived => "RequestReceived",
            Stage::ResponseStarted => "ResponseStarted",
            Stage::ResponseComplete => "ResponseComplete",
            Stage::Panic => "Panic",
        }
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Stage {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Stage::ALL
            .into_iter()
            .find(|stage| stage.as_str() == s)
            .ok_or(())
    }
}

/// A set of stages (what a policy omits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Stages(u8);

impl Stages {
    /// No stage.
    pub const NONE: Stages = Stages(0);

    /// Whether `stage` is in the set.
    pub fn contains(self, stage: Stage) -> bool {
        self.0 & stage.bit() != 0
    }

    /// The set with `stage` added.
    pub fn with(self, stage: Stage) -> Stages {
        Stages(self.0 | stage.bit())
    }

    /// The union of two sets.
    pub fn union(self, other: Stages) -> Stages {
        Stages(self.0 | other.0)
    }

    /// The stages of the set, in [`Stage::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Stage> {
        Stage::ALL.into_iter().filter(move |s| self.contains(*s))
    }
}

impl FromIterator<Stage> for Stages {
    fn from_iter<T: IntoIterator<Item = Stage>>(iter: T) -> Self {
        iter.into_iter().fold(Stages::NONE, Stages::with)
    }
}
