//! `kubeward login` (`kubectl-oidc_login`) against an identity provider we did not write: npm
//! `oidc-provider` over HTTPS with a test CA, a headless Chromium driven by npm playwright-core
//! as `--browser-command`, and the real kubectl running the plugin from a kubeconfig exec block.

mod flows;
pub(crate) mod harness;
mod kubectl;
