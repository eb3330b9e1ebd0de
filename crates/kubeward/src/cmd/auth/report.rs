//! What `kubeward auth explain` found, and how it prints: one line per step, ✔ passed or
//! ✖ failed with the reason (and a hint below it), then the user and the RBAC answer; or the same
//! as JSON (`-o json`).

use kubeward_core::UserInfo;
use serde_json::{Value, json};

use super::review::{Answer, Question};

/// One step of the walk.
#[derive(Debug, Clone)]
pub(super) struct Line {
    /// Its short name (`iss`, `exp`, …).
    pub step: String,
    /// Passed or failed.
    pub passed: bool,
    /// What was found, or the reason it failed (the API server's words).
    pub detail: String,
    /// A human hint under a failure (how long ago it expired, which keys the issuer has).
    pub hint: Option<String>,
}

/// The whole explanation.
#[derive(Debug, Clone, Default)]
pub(super) struct Report {
    /// Where the token came from.
    pub source: String,
    /// The authenticator that takes the token, if any.
    pub authenticator: Option<String>,
    /// The steps walked, stopping at the first failure.
    pub lines: Vec<Line>,
    /// The resulting user (with `system:authenticated`) when the token authenticates.
    pub user: Option<UserInfo>,
    /// The reason the API server logs for the 401 when it does not.
    pub logged: Option<String>,
    /// The RBAC question and its answer, if asked (and authenticated).
    pub rbac: Option<(Question, Answer)>,
}

impl Report {
    /// Records a passed step.
    pub fn pass(&mut self, step: &str, detail: impl Into<String>) {
        self.lines.push(Line {
            step: step.to_string(),
            passed: true,
            detail: detail.into(),
            hint: None,
        });
    }

    /// Records a failed step.
    pub fn fail(&mut self, step: &str, detail: impl Into<String>, hint: Option<String>) {
        self.lines.push(Line {
            step: step.to_string(),
            passed: false,
            detail: detail.into(),
            hint,
        });
    }

    /// Whether the token authenticates and the RBAC question, if asked, is allowed.
    pub fn success(&self) -> bool {
        self.user.is_some() && self.rbac.as_ref().is_none_or(|(_, a)| a.allowed)
    }

    /// The text report.
    pub fn text(&self) -> String {
        let mut out = format!("token: {}\n", self.source);
        match &self.authenticator {
            Some(a) => out.push_str(&format!("authenticator: {a}\n")),
            None => out.push_str("authenticator: none takes this token\n"),
        }
        let width = self.lines.iter().map(|l| l.step.len()).max().unwrap_or(0);
        for line in &self.lines {
            let mark = if line.passed { '✔' } else { '✖' };
            out.push_str(&format!("{mark} {:width$}  {}\n", line.step, line.detail));
            if let Some(hint) = &line.hint {
                out.push_str(&format!("  {:width$}  {hint}\n", ""));
            }
        }
        match (&self.user, &self.logged) {
            (Some(user), _) => {
                out.push_str(&format!(
                    "authenticated as {:?}\n  uid:    {:?}\n  groups: {}\n",
                    user.name,
                    user.uid,
                    go_list(&user.groups)
                ));
                for (key, values) in &user.extra {
                    out.push_str(&format!("  extra:  {key}={}\n", go_list(values)));
                }
            }
            (None, Some(logged)) => out.push_str(&format!(
                "401 Unauthorized; the API server logs: {logged}\n"
            )),
            (None, None) => {}
        }
        if let Some((question, answer)) = &self.rbac {
            let mark = if answer.allowed { '✔' } else { '✖' };
            let verdict = if answer.allowed { "yes" } else { "no" };
            out.push_str(&format!(
                "{mark} rbac: {} → {verdict}{} ({})\n",
                question.describe(),
                if answer.reason.is_empty() {
                    String::new()
                } else {
                    format!(" - {}", answer.reason)
                },
                answer.via
            ));
        }
        out
    }

    /// The JSON report.
    pub fn json(&self) -> Value {
        let steps: Vec<Value> = self
            .lines
            .iter()
            .map(|l| {
                let mut step = json!({"step": l.step, "passed": l.passed, "detail": l.detail});
                if let Some(hint) = &l.hint {
                    step["hint"] = json!(hint);
                }
                step
            })
            .collect();
        let mut out = json!({
            "source": self.source,
            "authenticator": self.authenticator,
            "authenticated": self.user.is_some(),
            "steps": steps,
        });
        if let Some(user) = &self.user {
            out["user"] = json!({
                "username": user.name,
                "uid": user.uid,
                "groups": user.groups,
                "extra": user.extra,
            });
        }
        if let Some(logged) = &self.logged {
            out["reason"] = json!(logged);
        }
        if let Some((question, answer)) = &self.rbac {
            out["authorization"] = json!({
                "verb": question.verb,
                "resource": question.resource,
                "namespace": question.namespace,
                "name": question.name,
                "subresource": question.subresource,
                "allowed": answer.allowed,
                "reason": answer.reason,
                "via": answer.via,
            });
        }
        out
    }
}

/// Go's `%v` of a `[]string`, as `kubectl auth whoami` prints groups: `[a b]`.
fn go_list(values: &[String]) -> String {
    format!("[{}]", values.join(" "))
}

#[cfg(test)]
mod tests;
