//! A local AWS for labs: IAM and STS query APIs on loopback that the real AWS CLI uses through
//! `AWS_ENDPOINT_URL_IAM`/`AWS_ENDPOINT_URL_STS` (`create-user`, `create-access-key`,
//! `attach-user-policy`, `list-users`, `delete-user`, `create-role`, `sts assume-role`,
//! `sts get-caller-identity`), and EC2 for nodes (`ec2 run-instances`, `describe-instances`,
//! `terminate-instances`, through `AWS_ENDPOINT_URL_EC2`), with AWS's XML answers and error
//! documents, and EKS's `DescribeCluster` and `ListClusters` for `aws eks update-kubeconfig`
//! (through `AWS_ENDPOINT_URL_EKS`, JSON). Every request's
//! SigV4 signature — in a header or a presigned query, as `aws eks get-token` makes — is
//! recomputed with AWS's own signer (`aws-sigv4`). State lives in the shared store.
//!
//! `sigv4`, `xml`, `actions`, `ec2`, `eks` are pure but for the store handle; `http` does I/O. The API
//! server's STS call of IAM token verification reaches it as it reaches real STS.
#![forbid(unsafe_code)]

pub mod actions;
pub mod ec2;
pub mod eks;
pub mod error;
pub mod http;
pub mod sigv4;
pub mod state;
pub mod xml;

pub use eks::Clusters;
pub use error::AwsError;
pub use http::router;
pub use state::{Created, State};
