//! Destroy: only on purpose. The typed confirmation must equal the configured text (the
//! environment's name by default), and an environment with `destroy: forbid` (the default
//! for environments that need approval) is never destroyed.

use super::{GateId, Refusal};
use crate::config::DestroyPolicy;

pub fn check(
    env: &str,
    policy: DestroyPolicy,
    expected: &str,
    confirm: &str,
) -> Result<(), Refusal> {
    if policy == DestroyPolicy::Forbid {
        return Err(Refusal::new(
            GateId::Destroy,
            env,
            vec![format!(
                "`{env}` has `destroy: forbid` (the default for environments that need approval)"
            )],
            format!(
                "if `{env}` must really go, set `destroy: allow` for it in tfpromote.yaml through a reviewed pull request, then run the destroy workflow again"
            ),
        ));
    }
    // An empty expected text would be matched by an empty `--confirm`: never a confirmation.
    if expected.trim().is_empty() || confirm.trim() != expected {
        return Err(Refusal::new(
            GateId::Destroy,
            env,
            vec![format!(
                "the confirmation does not match: type exactly `{expected}` to destroy `{env}`"
            )],
            format!("run the destroy workflow again with confirm = {expected}"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_exact_confirmation_of_an_allowed_environment_passes() {
        assert!(check("dev", DestroyPolicy::Allow, "dev", "dev").is_ok());
        assert!(check("dev", DestroyPolicy::Allow, "dev", " dev\n").is_ok());
        let wrong = check("dev", DestroyPolicy::Allow, "dev", "prod").expect_err("refused");
        assert!(wrong.facts[0].contains("type exactly `dev`"));
        assert!(
            !wrong.facts[0].contains("prod"),
            "the typed text is not echoed"
        );
        assert!(check("dev", DestroyPolicy::Allow, "mlops-dev", "dev").is_err());
        assert!(
            check("dev", DestroyPolicy::Allow, "", "").is_err(),
            "an empty expected text is no confirmation"
        );
        let forbidden = check("prod", DestroyPolicy::Forbid, "prod", "prod").expect_err("refused");
        assert!(forbidden.next.contains("destroy: allow"));
    }
}
