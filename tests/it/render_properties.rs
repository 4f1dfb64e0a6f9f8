//! Property test of the plan reader and the Markdown renderer: over generated
//! plans (module depth and instance keys, action mix, address lengths, unicode, sensitive
//! leaves holding planted values) nothing panics, the tracker comment always fits GitHub's
//! 65,536-character limit, the destroy/replace warning is never cut, and no planted
//! sensitive value reaches any output. The case count is bounded so the run stays well
//! under a minute in CI; `PROPTEST_CASES` raises it for a longer local run.

use proptest::prelude::*;
use serde_json::{Value, json};

use tfpromote::pipeline::EnvReport;
use tfpromote::render::{COMMENT_BUDGET, json as render_json, markdown};
use tfpromote::summary::Summary;
use tfpromote::tracker::{COMMENT_LIMIT, EnvRecord, Tracker, render, section_budget};

/// A planted value: a prefix no generated address can contain (addresses never hold `Q`).
fn canary(n: u32) -> String {
    format!("Qz9PLANTED-{n:08x}")
}

/// Any text: unicode, Markdown and HTML specials, quotes and brackets, never `Q`.
fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z_][a-z0-9_-]{0,12}",
        "[a-z]{1,3}[\\[\\]\"`|<>@*_.\\\\ ]{0,4}[a-z]{0,3}",
        "[\\p{L}\\p{N}\\p{So}&&[^Q]]{1,10}",
        "[a-z]{60,200}",
    ]
}

fn key() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        (0u32..5000).prop_map(|i| Some(format!("[{i}]"))),
        label().prop_map(|s| Some(format!(
            "[{}]",
            serde_json::to_string(&s).unwrap_or_default()
        ))),
    ]
}

fn module_path() -> impl Strategy<Value = String> {
    prop::collection::vec((label(), key()), 0..4).prop_map(|steps| {
        steps
            .into_iter()
            .map(|(name, key)| format!("module.{name}{}.", key.unwrap_or_default()))
            .collect()
    })
}

fn actions() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => Just(json!(["delete"])),
        2 => Just(json!(["delete", "create"])),
        1 => Just(json!(["create", "delete"])),
        2 => Just(json!(["create"])),
        2 => Just(json!(["update"])),
        1 => Just(json!(["read"])),
        1 => Just(json!(["no-op"])),
        1 => Just(json!(["forget"])),
    ]
}

fn reason() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        Just(None),
        Just(Some("replace_because_cannot_update".to_string())),
        Just(Some("delete_because_no_resource_config".to_string())),
        label().prop_map(Some),
        Just(Some("<img src=x onerror=alert(1)> @octocat".to_string())),
    ]
}

#[derive(Debug, Clone)]
struct Res {
    module: String,
    rtype: String,
    name: String,
    key: Option<String>,
    actions: Value,
    reason: Option<String>,
    secret: bool,
}

fn resource() -> impl Strategy<Value = Res> {
    (
        module_path(),
        label(),
        label(),
        key(),
        actions(),
        reason(),
        any::<bool>(),
    )
        .prop_map(|(module, rtype, name, key, actions, reason, secret)| Res {
            module,
            rtype,
            name,
            key,
            actions,
            reason,
            secret,
        })
}

/// The plan document and the values planted in it.
fn plan(resources: &[Res], repeat: usize) -> (Value, Vec<String>) {
    let mut planted = Vec::new();
    let mut changes = Vec::new();
    for (i, r) in resources
        .iter()
        .cycle()
        .take(resources.len() * repeat)
        .enumerate()
    {
        // Each repetition is a distinct resource: one more of the same type.
        let address = format!(
            "{}{}.{}_{}{}",
            r.module,
            r.rtype,
            r.name,
            i / resources.len(),
            r.key.clone().unwrap_or_default()
        );
        let secret = canary(i as u32);
        let (value, mark) = if r.secret {
            planted.push(secret.clone());
            (
                json!({"password": secret, "nested": {"k": [secret]}, "size": i}),
                json!({"password": true, "nested": {"k": [true]}}),
            )
        } else {
            (json!({"size": i}), json!({}))
        };
        let mut rc = json!({
            "address": address, "mode": "managed", "type": r.rtype, "name": r.name,
            "change": {"actions": r.actions, "before": value, "after": value,
                       "after_unknown": {}, "before_sensitive": mark, "after_sensitive": mark,
                       "replace_paths": [["password"], ["nested", "k", 0]]}
        });
        if let Some(reason) = &r.reason {
            rc["action_reason"] = json!(reason);
        }
        changes.push(rc);
    }
    let out_secret = canary(u32::MAX);
    planted.push(out_secret.clone());
    let doc = json!({
        "format_version": "1.2", "terraform_version": "1.11.4",
        "variables": {"db": {"value": canary(u32::MAX - 1)}},
        "configuration": {"root_module": {"variables": {"db": {"sensitive": true}}}},
        "resource_changes": changes,
        "output_changes": {"conn": {"actions": ["create"], "before": null, "after": out_secret,
            "after_unknown": false, "before_sensitive": false, "after_sensitive": true}}
    });
    planted.push(canary(u32::MAX - 1));
    (doc, planted)
}

fn tracker_body(env: &str, summary: &Summary, section: &str) -> String {
    let mut tracker = Tracker::default();
    tracker.record_plan(
        env,
        EnvRecord::planned(summary, Some("cafe".into()), None),
        section,
    );
    render(&tracker, &[env.to_string()])
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn generated_plans_fit_keep_warnings_and_leak_nothing(
        resources in prop::collection::vec(resource(), 1..40),
        repeat in prop_oneof![Just(1usize), Just(10), Just(60)],
        env in "[a-z][a-z0-9-]{0,20}",
    ) {
        let (doc, planted) = plan(&resources, repeat);
        let summary = Summary::from_reader(doc.to_string().as_bytes())
            .map_err(TestCaseError::fail)?;

        let budget = section_budget(1);
        let block = markdown::environment_block(&env, &summary, budget);
        prop_assert!(block.len() <= budget, "block {} > {}", block.len(), budget);
        let body = tracker_body(&env, &summary, &block);
        prop_assert!(body.chars().count() <= COMMENT_LIMIT, "tracker {}", body.len());
        let document = markdown::plan_document(
            "Terraform plan",
            &[EnvReport { name: env.clone(), result: Ok(summary.clone()) }],
            COMMENT_BUDGET,
        );
        prop_assert!(document.len() <= COMMENT_BUDGET, "document {}", document.len());

        let c = &summary.counts;
        let mut title = Vec::new();
        if c.delete > 0 {
            title.push(format!("{} will be destroyed", if c.delete == 1 { "resource" } else { "resources" }));
        }
        if c.replace > 0 {
            title.push(format!("{} will be replaced", if c.replace == 1 { "resource" } else { "resources" }));
        }
        for text in [&block, &body, &document] {
            if c.delete + c.replace + c.forget > 0 {
                prop_assert!(text.contains("> [!CAUTION]"), "warning cut:\n{}", text);
            }
            for part in &title {
                prop_assert!(text.contains(part.as_str()), "{} cut:\n{}", part, text);
            }
        }

        let json = render_json::render(&summary);
        prop_assert!(serde_json::from_str::<Value>(&json).is_ok());
        for secret in &planted {
            for (what, text) in [("block", &block), ("tracker", &body), ("document", &document), ("json", &json)] {
                prop_assert!(!text.contains(secret.as_str()), "{} holds {}", what, secret);
            }
        }
    }

    /// Damaged input never panics the reader: it reads or fails with a message.
    #[test]
    fn damaged_plans_never_panic(
        resources in prop::collection::vec(resource(), 1..6),
        cut in any::<prop::sample::Index>(),
        flip in any::<(prop::sample::Index, u8)>(),
    ) {
        let (doc, _) = plan(&resources, 1);
        let mut bytes = doc.to_string().into_bytes();
        let at = flip.0.index(bytes.len());
        bytes[at] = flip.1;
        let _ = Summary::from_reader(bytes.as_slice());
        bytes.truncate(cut.index(bytes.len()));
        let result = Summary::from_reader(bytes.as_slice());
        if let Err(message) = result {
            prop_assert!(!message.is_empty());
        }
    }
}
