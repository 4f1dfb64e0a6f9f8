//! No regression: a commit behind the one last applied to an environment is never applied,
//! so a late approval of an older merge cannot roll prod back.

use super::{Fact, GateId, Refusal, short_sha};

/// How this commit relates to the last applied one (GitHub's Compare API, base = last
/// applied, head = this commit).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Identical,
    Ahead,
    Behind,
    Diverged,
}

impl Comparison {
    pub fn parse(status: &str) -> Option<Comparison> {
        match status {
            "identical" => Some(Comparison::Identical),
            "ahead" => Some(Comparison::Ahead),
            "behind" => Some(Comparison::Behind),
            "diverged" => Some(Comparison::Diverged),
            _ => None,
        }
    }
}

/// `last_applied` is the SHA of the environment's last successful apply (`None`: never
/// applied); `comparison` is only consulted when there is one.
pub fn check(
    env: &str,
    sha: &str,
    last_applied: Fact<Option<String>>,
    comparison: impl FnOnce(&str) -> Fact<Comparison>,
) -> Result<(), Refusal> {
    let last = match last_applied {
        Fact::Unknown(why) => {
            return Err(Refusal::undecidable(
                GateId::NoRegression,
                env,
                &format!("the last successful apply of `{env}` (deployments)"),
                &why,
            ));
        }
        Fact::Known(None) => return Ok(()),
        Fact::Known(Some(last)) => last,
    };
    if last == sha {
        return Ok(());
    }
    let seen = |what: &str| {
        vec![format!(
            "`{env}` was last applied at {}; {} is {what} it",
            short_sha(&last),
            short_sha(sha)
        )]
    };
    match comparison(&last) {
        Fact::Unknown(why) => Err(Refusal::undecidable(
            GateId::NoRegression,
            env,
            &format!(
                "the comparison of {} with {}",
                short_sha(&last),
                short_sha(sha)
            ),
            &why,
        )),
        Fact::Known(Comparison::Identical | Comparison::Ahead) => Ok(()),
        Fact::Known(Comparison::Behind) => Err(Refusal::new(
            GateId::NoRegression,
            env,
            seen("behind"),
            format!(
                "nothing to do: `{env}` already runs newer code. To undo a change, revert it in a pull request; its merge is promoted like any other"
            ),
        )),
        Fact::Known(Comparison::Diverged) => Err(Refusal::new(
            GateId::NoRegression,
            env,
            seen("diverged from"),
            "apply a commit that contains the last applied one (merge main into it), or revert through a pull request",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(c: Comparison) -> impl FnOnce(&str) -> Fact<Comparison> {
        move |_| Fact::Known(c)
    }

    #[test]
    fn never_applied_or_same_or_ahead_allows() {
        assert!(check("prod", "b", Fact::Known(None), known(Comparison::Behind)).is_ok());
        assert!(
            check(
                "prod",
                "b",
                Fact::Known(Some("b".into())),
                known(Comparison::Behind)
            )
            .is_ok()
        );
        assert!(
            check(
                "prod",
                "b",
                Fact::Known(Some("a".into())),
                known(Comparison::Ahead)
            )
            .is_ok()
        );
        assert!(
            check(
                "prod",
                "b",
                Fact::Known(Some("a".into())),
                known(Comparison::Identical)
            )
            .is_ok()
        );
    }

    #[test]
    fn behind_diverged_or_unknown_refuses() {
        let r = check(
            "prod",
            "aaaaaaa1",
            Fact::Known(Some("bbbbbbb2".into())),
            known(Comparison::Behind),
        )
        .expect_err("refused");
        assert_eq!(r.rule, GateId::NoRegression);
        assert!(r.facts[0].contains("bbbbbbb") && r.facts[0].contains("behind"));
        assert!(
            check(
                "prod",
                "a",
                Fact::Known(Some("b".into())),
                known(Comparison::Diverged)
            )
            .is_err()
        );
        assert!(
            check(
                "prod",
                "a",
                Fact::Unknown("502".into()),
                known(Comparison::Ahead)
            )
            .is_err()
        );
        assert!(
            check("prod", "a", Fact::Known(Some("b".into())), |_| {
                Fact::Unknown("404".into())
            })
            .is_err()
        );
    }
}
