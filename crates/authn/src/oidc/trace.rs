//! The OIDC authenticator's checks, one by one, for `kubeward auth explain`: the verifier and
//! the claim mapper report each check to a [`Trace`] as they run it, so an explanation walks
//! exactly the code that authenticates requests and can never disagree with it. The
//! authenticator itself passes `()`, whose methods do nothing (and build no text).

/// One check of a JWT issuer, in the order the authenticator runs them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Check {
    /// The token is a compact JWS whose payload is a claims object of the right types.
    Token,
    /// `iss` is exactly the issuer's URL.
    Issuer,
    /// `aud` contains the client id (or one of the audiences).
    Audience,
    /// `exp` has not passed (no leeway); `iat` is read, not checked.
    Expiry,
    /// `nbf` is at most one minute ahead.
    NotBefore,
    /// The header's `alg` is one of the allowed asymmetric algorithms.
    Algorithm,
    /// A key of the issuer with the token's `kid` verifies the signature.
    Signature,
    /// The user name (claim and prefix, or CEL).
    Username,
    /// The groups (claim and prefix, or CEL).
    Groups,
    /// The uid (claim or CEL).
    Uid,
    /// The extra values (CEL).
    Extra,
    /// `--oidc-required-claim` / `claimValidationRules` with `requiredValue`.
    RequiredClaims,
    /// `claimValidationRules` with CEL expressions.
    ClaimValidation,
    /// `userValidationRules`.
    UserValidation,
}

impl Check {
    /// The short name `kubeward auth explain` prints (and `-o json` carries).
    pub fn name(self) -> &'static str {
        match self {
            Check::Token => "token",
            Check::Issuer => "iss",
            Check::Audience => "aud",
            Check::Expiry => "exp",
            Check::NotBefore => "nbf",
            Check::Algorithm => "alg",
            Check::Signature => "signature",
            Check::Username => "username",
            Check::Groups => "groups",
            Check::Uid => "uid",
            Check::Extra => "extra",
            Check::RequiredClaims => "required claims",
            Check::ClaimValidation => "claim validation rules",
            Check::UserValidation => "user validation rules",
        }
    }
}

/// Receives the checks as they run. A check that fails is begun and never passed; the error the
/// authenticator returns is its reason.
pub trait Trace {
    /// `check` starts.
    fn begin(&mut self, check: Check);
    /// The check begun last passed; `detail` says what was found (called only by tracers that
    /// keep it).
    fn passed(&mut self, detail: &dyn Fn() -> String);
}

/// No tracing: what the authenticator uses.
impl Trace for () {
    #[inline(always)]
    fn begin(&mut self, _: Check) {}
    #[inline(always)]
    fn passed(&mut self, _: &dyn Fn() -> String) {}
}

/// One check as recorded by [`Steps`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Which check.
    pub check: Check,
    /// What was found when it passed; `None` while it has not (the failing check).
    pub passed: Option<String>,
}

/// A [`Trace`] that records every check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Steps {
    /// The checks in the order they ran.
    pub steps: Vec<Step>,
}

impl Steps {
    /// The check that was begun and did not pass: the one that failed, if any did.
    pub fn failed(&self) -> Option<Check> {
        self.steps
            .last()
            .filter(|s| s.passed.is_none())
            .map(|s| s.check)
    }
}

impl Trace for Steps {
    fn begin(&mut self, check: Check) {
        self.steps.push(Step {
            check,
            passed: None,
        });
    }

    fn passed(&mut self, detail: &dyn Fn() -> String) {
        if let Some(step) = self.steps.last_mut() {
            step.passed = Some(detail());
        }
    }
}

#[cfg(test)]
mod tests;
