//! kube-apiserver's webhook clients: the TokenReview webhook after the token authenticators
//! (`token`), SubjectAccessReview webhooks in the authorizer chain (`access`), and the HTTPS
//! call they share (`client`: the kubeconfig's CA, client certificate or token, a timeout, and
//! kube-apiserver's retries). Bodies, caches and decisions are `kubeward-webhook`'s. Custom
//! resources' conversion webhooks are called by `conversion`.

pub mod access;
pub mod client;
pub mod conversion;
pub mod token;
