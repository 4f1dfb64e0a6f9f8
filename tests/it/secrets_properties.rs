//! The redaction point as a property: generated secrets (spaces, quotes, backslashes, line
//! breaks, `${`, non-ASCII text, long digit strings, secrets inside one another) are planted
//! where Terraform prints them (`tests/fixtures/tf/planted`: a `TF_VAR_` value used as a
//! `for_each` key and an output, a var file literal printed through a `nonsensitive`
//! output, a var file expression Terraform refuses, a validation message), and every
//! channel of a real `tfpromote plan` (with the GitHub stand-in) is searched for every form
//! the secret can be printed in. Each case runs Terraform, so the case count is small.

use std::process::Output;

use proptest::prelude::*;

use super::secrets_leaks::World;

/// Where the third and fourth secrets go; the first two are planted in every case.
#[derive(Debug, Clone, Copy)]
enum Mode {
    /// The plan succeeds and prints the outputs.
    Plain,
    /// `extra = upper("...")` in the var file: Terraform refuses the line and quotes it.
    Expression,
    /// `TF_VAR_phrase` fails the validation, whose message quotes it (and wraps).
    Validation,
}

fn secret() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => ("[a-z]{2}", "[a-zA-Z0-9 \"\\\\é€日\n${}%]{6,40}", "[a-z]{2}")
            .prop_map(|(a, mid, b)| format!("{a}{mid}{b}")),
        1 => "[1-9][0-9]{15,23}",
    ]
}

/// Four secrets; the second sometimes contains the first, or sits inside it.
fn secrets() -> impl Strategy<Value = [String; 4]> {
    (secret(), secret(), secret(), secret(), 0..3u8).prop_map(|(a, b, c, d, nest)| {
        let b = match nest {
            0 => format!("{a}{b}"),
            1 => {
                a.chars()
                    .take(a.chars().count().max(9) - 1)
                    .collect::<String>()
                    + "x"
            }
            _ => b,
        };
        [a, b, c, d]
    })
}

/// A string as an HCL quoted literal's contents.
fn hcl_literal(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
        .replace("${", "$${")
        .replace("%{", "%%{")
}

/// Every run of whitespace as one space, ends trimmed: how Terraform's wrapping is undone.
fn collapsed(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The forms a secret is printed in, as searched for: as is, JSON- and HCL-escaped, each
/// line of it that is long enough to be told apart from other text.
fn printed_forms(s: &str) -> Vec<String> {
    let json = serde_json::to_string(s).expect("json");
    let mut forms = vec![
        s.trim().to_string(),
        json[1..json.len() - 1].to_string(),
        hcl_literal(s),
    ];
    forms.extend(
        s.lines()
            .map(str::trim)
            .filter(|l| l.chars().count() >= 8)
            .map(str::to_string),
    );
    forms.retain(|f| f.chars().count() >= 8);
    forms
}

fn run_case(secrets: &[String; 4], mode: Mode) -> (World, Output) {
    let w = World::new("planted", "");
    let mut tfvars = format!("pw = \"{}\"\n", hcl_literal(&secrets[1]));
    if let Mode::Expression = mode {
        tfvars.push_str(&format!(
            "extra = upper(\"{}\")\n",
            hcl_literal(&secrets[2])
        ));
    }
    std::fs::write(w.dir().join("terraform.tfvars"), tfvars).expect("tfvars");
    let mut vars = vec![("TF_VAR_key", secrets[0].as_str())];
    if let Mode::Validation = mode {
        vars.push(("TF_VAR_phrase", secrets[3].as_str()));
    }
    let out = w.pr_plan("h1", &vars);
    (w, out)
}

fn check(secrets: &[String; 4], mode: Mode) -> Result<(), TestCaseError> {
    let (w, out) = run_case(secrets, mode);
    let expected_code = match mode {
        Mode::Plain => Some(0),
        Mode::Expression | Mode::Validation => Some(1),
    };
    prop_assert_eq!(
        out.status.code(),
        expected_code,
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let printed = match mode {
        // The plan text names the instance and lists both outputs (their values masked).
        Mode::Plain => stderr.contains("terraform_data.t[") && stderr.contains("+ pw "),
        Mode::Expression => stderr.contains("extra ="),
        Mode::Validation => stderr.contains("is not the one this module accepts"),
    };
    prop_assert!(
        printed,
        "Terraform printed where the secrets are planted:\n{}",
        stderr
    );
    let planted: Vec<&String> = match mode {
        Mode::Plain => secrets[..2].iter().collect(),
        Mode::Expression => secrets[..3].iter().collect(),
        Mode::Validation => vec![&secrets[0], &secrets[1], &secrets[3]],
    };
    for (channel, text) in w.channels() {
        let shown: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("::add-mask::"))
            .collect();
        let shown = shown.join("\n");
        let shown_collapsed = collapsed(&shown);
        for secret in &planted {
            for form in printed_forms(secret) {
                prop_assert!(
                    !shown.contains(&form),
                    "{channel} shows {form:?} of {secret:?}:\n{shown}"
                );
            }
            let joined = collapsed(secret);
            prop_assert!(
                joined.chars().count() < 8 || !shown_collapsed.contains(&joined),
                "{channel} shows {secret:?} wrapped over lines:\n{shown}"
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 12,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn planted_secrets_reach_no_channel(secrets in secrets(), mode in 0..3u8) {
        let mode = match mode {
            0 => Mode::Plain,
            1 => Mode::Expression,
            _ => Mode::Validation,
        };
        check(&secrets, mode)?;
    }
}
