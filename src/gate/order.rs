//! Order: an environment is applied only after the one before it succeeded for the same
//! commit (`tfpromote/<prev>` = success on this SHA).

use super::{Fact, Refusal, short_sha};

/// The previous environment's latest record on this commit.
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
    let context = format!("tfpromote/{prev}");
    let next = format!(
        "apply `{prev}` at {} first (the promotion workflow's `{prev}` job); `{env}` follows once it succeeded",
        short_sha(sha)
    );
    match record {
        Fact::Unknown(why) => Err(Refusal::undecidable(
            "order",
            env,
            &format!("the `{context}` status of {}", short_sha(sha)),
            &why,
        )),
        Fact::Known(PreviousRecord::Success) => Ok(()),
        Fact::Known(PreviousRecord::Missing) => Err(Refusal::new(
            "order",
            env,
            vec![format!(
                "`{prev}` has not been applied at {}: no `{context}` status on the commit",
                short_sha(sha)
            )],
            next,
        )),
        Fact::Known(PreviousRecord::Other { state, description }) => Err(Refusal::new(
            "order",
            env,
            vec![format!(
                "`{prev}` is not applied at {}: `{context}` is {state} ({description})",
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
        assert_eq!(r.rule, "order");
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
