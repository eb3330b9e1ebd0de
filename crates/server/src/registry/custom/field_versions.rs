//! The versions of a custom resource as its managed fields see them
//! ([`Versions`](crate::registry::field_manager::versions::Versions)), as kube-apiserver's
//! `newCRDVersionConverter` gives them to the field manager: an object goes from one version
//! of its definition to another as the definition converts (`None`: only its `apiVersion`
//! changes; `Webhook`: through the webhook, whose failure is the write's 500), each version
//! merged by its own schema; a version the definition does not serve is missing.

use kubeward_core::status::Status;
use serde_json::Value;

use super::{conversion, converter};
use crate::registry::field_manager::shape::Shape;
use crate::registry::field_manager::versions::Versions;
use crate::registry::kinds::Kind;
use crate::state::State;

/// The versions of one custom kind.
pub struct CustomVersions<'a> {
    state: &'a State,
    kind: &'a Kind,
}

impl std::fmt::Debug for CustomVersions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomVersions")
            .field("kind", &self.kind.api_version())
            .finish_non_exhaustive()
    }
}

impl<'a> CustomVersions<'a> {
    /// The versions of `kind`, when it is a custom kind.
    pub fn of(state: &'a State, kind: &'a Kind) -> Option<Self> {
        // Built-in kinds have no structural schema: no lookup on their hot path.
        kind.strategy.structural_schema()?;
        super::find(kind.group, kind.version, kind.resource)?;
        Some(Self { state, kind })
    }

    /// The served kind of `api_version` (`group/version`) of the same resource.
    fn target(&self, api_version: &str) -> Option<&'static Kind> {
        let (group, version) = api_version.rsplit_once('/')?;
        if group != self.kind.group {
            return None;
        }
        super::find(group, version, self.kind.resource)
    }
}

impl Versions for CustomVersions<'_> {
    fn convert(&self, object: &Value, from: &str, to: &str) -> Result<Option<Value>, Status> {
        if self.target(to).is_none() {
            return Ok(None);
        }
        let mut copy = object.clone();
        if let Some(map) = copy.as_object_mut() {
            map.insert("apiVersion".into(), Value::String(from.to_string()));
            map.insert("kind".into(), Value::String(self.kind.kind.to_string()));
        }
        match super::webhook_of(self.kind) {
            Some((webhook, _)) => {
                let input = conversion::gvk_text(from, self.kind.kind);
                converter::convert(
                    self.state,
                    &webhook,
                    std::slice::from_mut(&mut copy),
                    to,
                    &input,
                    false,
                )?;
            }
            None => {
                if let Some(map) = copy.as_object_mut() {
                    map.insert("apiVersion".into(), Value::String(to.to_string()));
                }
            }
        }
        Ok(Some(copy))
    }

    fn shape(&self, api_version: &str) -> Option<Shape<'_>> {
        let target = self.target(api_version)?;
        Some(match target.strategy.structural_schema() {
            Some(schema) => Shape::Custom(schema),
            None => Shape::Builtin,
        })
    }
}
