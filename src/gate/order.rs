//! Order: an environment is applied only after the one before it succeeded for the same
//! commit: the previous environment's apply job succeeded in a promotion workflow run that
//! GitHub started on the default branch at this commit (see [`super::runs`]). Commit
//! statuses are not evidence: any token with `statuses: write`, a pull request's own
//! workflow token included, can post one.

use super::{Fact, GateId, Refusal, short_sha};

/// The previous environment's apply job at this commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviousRecord {
    Success,
    /// pending, failure or error, with its description.
    Other {
        state: String,
        description: String,
    },
    Missing,
}

/// `previous` is `None` for the first environment, which has nothing to wait for.
pub fn check(
    env: &str,
    sha: &str,
    previous: Option<(&str, Fact<PreviousRecord>)>,
) -> Result<(), Refusal> {
    let Some((prev, record)) = previous else {
        return Ok(());
    };
    let job = format!("the `{prev}` apply job");
    let next = format!(
        "apply `{prev}` at {} first (the promotion workflow's `{prev}` job); `{env}` follows once it succeeded",
        short_sha(sha)
    );
    match record {
        Fact::Unknown(why) => Err(Refusal::undecidable(
            GateId::Order,
            env,
            &format!("{job} of the promotion runs at {}", short_sha(sha)),
            &why,
        )),
        Fact::Known(PreviousRecord::Success) => Ok(()),
        Fact::Known(PreviousRecord::Missing) => Err(Refusal::new(
            GateId::Order,
            env,
            vec![format!(
                "`{prev}` has not been applied at {}: no promotion run on the default branch has {job} at this commit",
                short_sha(sha)
            )],
            next,
        )),
        Fact::Known(PreviousRecord::Other { state, description }) => Err(Refusal::new(
            GateId::Order,
            env,
            vec![format!(
                "`{prev}` is not applied at {}: {job} is {state} ({description})",
                short_sha(sha)
            )],
            next,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_environment_needs_nothing() {
        assert!(check("dev", "abc", None).is_ok());
    }

    #[test]
    fn previous_success_allows() {
        assert!(
            check(
                "stage",
                "abc",
                Some(("dev", Fact::Known(PreviousRecord::Success)))
            )
            .is_ok()
        );
    }

    #[test]
    fn missing_failed_or_unknown_refuses_and_names_the_previous_environment() {
        let missing = check(
            "stage",
            "abcdef123",
            Some(("dev", Fact::Known(PreviousRecord::Missing))),
        );
        let r = missing.expect_err("refused");
        assert_eq!(r.rule, GateId::Order);
        assert!(r.facts[0].contains("`dev`") && r.facts[0].contains("abcdef1"));
        let failed = check(
            "stage",
            "abc",
            Some((
                "dev",
                Fact::Known(PreviousRecord::Other {
                    state: "failure".into(),
                    description: "apply failed".into(),
                }),
            )),
        );
        assert!(failed.expect_err("refused").facts[0].contains("failure"));
        let unknown = check(
            "stage",
            "abc",
            Some(("dev", Fact::Unknown("HTTP 502".into()))),
        );
        assert!(unknown.expect_err("refused").facts[0].contains("HTTP 502"));
    }
}
