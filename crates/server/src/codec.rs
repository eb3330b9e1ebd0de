//! The wire: request bodies in (read bounded, decoded from JSON, YAML or Kubernetes' protobuf)
//! and responses out (objects, `Status` bodies, plain text).

pub mod body;
pub mod respond;
