//! The kubeward command line.
#![forbid(unsafe_code)]

fn main() {}
