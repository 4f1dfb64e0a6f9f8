//! The tracker comment against a fake GitHub that checks every request against GitHub's REST
//! description: create once then PATCH, pagination, concurrent writers, the size limit,
//! unknown outcomes and rate limits.

use crate::common;

use std::time::Duration;

use common::github_fake::{BOT, FakeGitHub, Fault};
use serde_json::json;
use tfpromote::context::Context;
use tfpromote::github::GitHub;
use tfpromote::github::publish::plan_records;
use tfpromote::github::tracker::TrackerOptions;
use tfpromote::pipeline::EnvReport;
use tfpromote::render::{STEP_SUMMARY_BUDGET, markdown};
use tfpromote::summary::Summary;
use tfpromote::tracker::{self, COMMENT_LIMIT, Tracker};

const PR: u64 = 42;

/// A plan with `creates` new resources and `deletes` destroyed ones.
fn summary(creates: usize, deletes: usize, seed: &str) -> Summary {
    let mut changes = Vec::new();
    for i in 0..creates {
        changes.push(json!({
            "address": format!("terraform_data.{seed}[{i}]"), "mode": "managed",
            "type": "terraform_data", "name": seed, "index": i,
            "change": {"actions": ["create"], "before": null, "after": {"input": i},
                       "after_unknown": {"id": true}, "before_sensitive": false, "after_sensitive": {}}
        }));
    }
    for i in 0..deletes {
        changes.push(json!({
            "address": format!("aws_s3_bucket.old_{seed}[{i}]"), "mode": "managed",
            "type": "aws_s3_bucket", "name": format!("old_{seed}"), "index": i,
            "action_reason": "delete_because_no_resource_config",
            "change": {"actions": ["delete"], "before": {"bucket": "b"}, "after": null,
                       "after_unknown": {}, "before_sensitive": {}, "after_sensitive": false}
        }));
    }
    let plan = json!({"format_version": "1.2", "terraform_version": "1.11.4", "resource_changes": changes});
    Summary::from_reader(plan.to_string().as_bytes()).expect("synthetic plan")
}

fn report(name: &str, result: Result<Summary, String>) -> EnvReport {
    EnvReport {
        name: name.into(),
        result,
    }
}

fn options() -> TrackerOptions {
    TrackerOptions {
        order: vec!["dev".into(), "stage".into(), "prod".into()],
        pause: Duration::from_millis(5),
        ..TrackerOptions::default()
    }
}

fn context(commit: &str) -> Context {
    Context::from_lookup(
        |k| match k {
            "GITHUB_REPOSITORY" => Some("octo/repo".into()),
            "GITHUB_SHA" => Some(commit.into()),
            "GITHUB_RUN_ID" => Some("7".into()),
            _ => None,
        },
        None,
    )
}

/// What `plan` does for one environment: record its plan and wait until a re-read shows it.
async fn post(gh: &GitHub, env: &str, summary: &Summary, commit: &str) -> String {
    let planned = vec![report(env, Ok(summary.clone()))];
    let updates = plan_records(&context(commit), &planned, tracker::section_budget(3));
    gh.upsert_tracker(
        PR,
        &options(),
        |t: &mut Tracker| {
            for (env, record, section) in &updates {
                t.record_plan(env, record.clone(), section);
            }
        },
        |t: &Tracker| updates.iter().all(|(e, r, _)| t.holds(e, r)),
    )
    .await
    .expect("upsert")
    .0
}

fn tracker_of(fake: &FakeGitHub) -> Tracker {
    let comments = fake.comments(PR);
    let trackers: Vec<_> = comments
        .iter()
        .filter(|c| tracker::is_tracker(&c.body))
        .collect();
    assert_eq!(trackers.len(), 1, "exactly one tracker: {comments:#?}");
    tracker::parse(&trackers[0].body)
}

fn assert_valid(fake: &FakeGitHub) {
    assert_eq!(
        fake.violations(),
        Vec::<String>::new(),
        "requests GitHub's description does not allow"
    );
}

#[tokio::test]
async fn first_plan_creates_the_comment_and_the_second_edits_it() {
    let fake = FakeGitHub::start().await;
    let gh = fake.client();
    let url = post(&gh, "dev", &summary(2, 0, "a"), "c1").await;
    assert!(url.contains("#issuecomment-"), "{url}");
    assert_eq!(fake.count("issues/create-comment"), 1);
    post(&gh, "dev", &summary(3, 1, "a"), "c2").await;
    assert_eq!(
        fake.count("issues/create-comment"),
        1,
        "never a second comment"
    );
    assert!(
        fake.count("issues/update-comment") >= 1,
        "edited with PATCH"
    );
    assert_eq!(fake.comments(PR).len(), 1);
    let t = tracker_of(&fake);
    let dev = &t.data.envs["dev"];
    assert_eq!(dev.commit.as_deref(), Some("c2"));
    assert_eq!(dev.counts.map(|c| (c.add, c.destroy)), Some((3, 1)));
    assert_eq!(
        dev.run_url.as_deref(),
        Some("https://github.com/octo/repo/actions/runs/7")
    );
    assert!(
        t.sections["dev"].contains("old_a[0]"),
        "{}",
        t.sections["dev"]
    );
    assert_valid(&fake);
}

#[tokio::test]
async fn marker_on_the_second_page_is_found() {
    let fake = FakeGitHub::start().await;
    for i in 0..110 {
        fake.add_comment(PR, "someone", &format!("comment {i}"));
    }
    let gh = fake.client();
    // A look-alike by another user must not be taken for ours.
    fake.add_comment(
        PR,
        "mallory",
        "<!-- tfpromote:tracker v1 {\"envs\":{}} -->\nfake",
    );
    let mut seeded = Tracker::default();
    let planned_summary = summary(1, 0, "p");
    let planned = vec![report("prod", Ok(planned_summary.clone()))];
    for (env, record, section) in plan_records(&context("c0"), &planned, 10_000) {
        seeded.record_plan(&env, record, &section);
    }
    let ours = fake.add_comment(PR, BOT, &tracker::render(&seeded, &options().order));
    for i in 0..8 {
        fake.add_comment(PR, "someone", &format!("later {i}"));
    }
    assert_eq!(fake.comments(PR).len(), 120);
    post(&gh, "dev", &summary(1, 0, "d"), "c1").await;
    assert_eq!(fake.comments(PR).len(), 120, "no new comment");
    assert_eq!(fake.count("issues/create-comment"), 0);
    let lists: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation == "issues/list-comments")
        .collect();
    assert!(lists.len() >= 2, "followed the Link to page 2");
    let body = &fake
        .comments(PR)
        .into_iter()
        .find(|c| c.id == ours)
        .expect("ours")
        .body;
    let t = tracker::parse(body);
    assert!(
        t.data.envs.contains_key("dev") && t.data.envs.contains_key("prod"),
        "{body}"
    );
    assert_valid(&fake);
}

#[tokio::test]
async fn concurrent_writers_for_dev_and_prod_keep_both_rows() {
    for _ in 0..5 {
        let fake = FakeGitHub::start().await;
        let (gh1, gh2) = (fake.client(), fake.client());
        let (dev, prod) = (summary(1, 0, "d"), summary(0, 2, "p"));
        tokio::join!(
            post(&gh1, "dev", &dev, "c1"),
            post(&gh2, "prod", &prod, "c1")
        );
        eprintln!(
            "creates {} patches {} deletes {}",
            fake.count("issues/create-comment"),
            fake.count("issues/update-comment"),
            fake.count("issues/delete-comment")
        );
        let t = tracker_of(&fake);
        assert_eq!(
            t.data.envs["dev"].fingerprint.as_deref(),
            Some(dev.fingerprint.as_str())
        );
        assert_eq!(
            t.data.envs["prod"].fingerprint.as_deref(),
            Some(prod.fingerprint.as_str())
        );
        assert!(t.sections.contains_key("dev") && t.sections.contains_key("prod"));
        assert_valid(&fake);
    }
}

#[tokio::test]
async fn a_20000_resource_plan_fits_and_keeps_its_warnings() {
    let fake = FakeGitHub::start().await;
    let gh = fake.client();
    let big = summary(20_000, 40, "big");
    post(&gh, "dev", &big, "c1").await;
    let body = &fake.comments(PR)[0].body;
    assert!(
        body.chars().count() <= COMMENT_LIMIT,
        "{} characters",
        body.chars().count()
    );
    assert!(
        body.contains("2 to destroy") || body.contains("40 to destroy"),
        "counts kept"
    );
    for i in 0..40 {
        assert!(
            body.contains(&format!("old_big[{i}]")),
            "warning for old_big[{i}] kept"
        );
    }
    assert!(body.contains("more not shown"), "the cut is said");
    // The job summary gets every resource.
    let entries = [tfpromote::pipeline::EnvReport {
        name: "dev".into(),
        result: Ok(big.clone()),
    }];
    let full = markdown::plan_document("Terraform plan", &entries, STEP_SUMMARY_BUDGET);
    assert!(full.len() <= STEP_SUMMARY_BUDGET);
    assert!(full.contains("terraform_data.big[19999]"));
    assert_valid(&fake);
}

#[tokio::test]
async fn create_answered_502_after_storing_leaves_one_comment() {
    let fake = FakeGitHub::start().await;
    fake.inject("issues/create-comment", Fault::After(502), 1);
    post(&fake.client(), "dev", &summary(1, 0, "a"), "c1").await;
    assert_eq!(fake.comments(PR).len(), 1);
    assert_eq!(
        fake.count("issues/create-comment"),
        1,
        "re-listed instead of re-posting"
    );
    tracker_of(&fake);
    assert_valid(&fake);
}

#[tokio::test]
async fn secondary_rate_limit_waits_for_retry_after() {
    let fake = FakeGitHub::start().await;
    fake.inject("issues/create-comment", Fault::secondary_rate_limit(2), 1);
    post(&fake.client(), "dev", &summary(1, 0, "a"), "c1").await;
    let creates: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.operation == "issues/create-comment")
        .collect();
    assert_eq!(creates.len(), 2);
    assert_eq!(creates[0].status, 403);
    assert!(
        creates[1].at.duration_since(creates[0].at) >= Duration::from_secs(2),
        "waited {:?}",
        creates[1].at.duration_since(creates[0].at)
    );
    assert_eq!(fake.comments(PR).len(), 1);
    assert_valid(&fake);
}

#[tokio::test]
async fn read_only_token_is_an_error_that_names_the_permission() {
    let fake = FakeGitHub::start().await;
    fake.inject("issues/create-comment", Fault::read_only(), usize::MAX);
    let gh = fake.client();
    let err = gh.create_comment(PR, "x").await.expect_err("403");
    assert!(err.is_forbidden());
    assert!(err.to_string().contains("pull-requests: write"), "{err}");
    assert_eq!(
        fake.count("issues/create-comment"),
        1,
        "a plain 403 is not retried"
    );
}

#[tokio::test]
async fn ghes_base_url_keeps_api_v3() {
    let fake = FakeGitHub::start_with_prefix("/api/v3").await;
    post(&fake.client(), "dev", &summary(1, 0, "a"), "c1").await;
    assert!(
        fake.requests()
            .iter()
            .all(|r| r.path.starts_with("/api/v3/"))
    );
    tracker_of(&fake);
    assert_valid(&fake);
}

#[tokio::test]
async fn octocrab_style_post_update_is_caught_by_the_description() {
    let fake = FakeGitHub::start().await;
    let gh = fake.client();
    let _ = gh
        .send(
            tfpromote::github::client::Method::Post,
            "/repos/octo/repo/issues/comments/1",
            Some(&json!({"body": "x"})),
            false,
        )
        .await;
    assert_eq!(fake.violations().len(), 1, "{:?}", fake.violations());
    // And a body the schema does not allow.
    let _ = gh
        .send(
            tfpromote::github::client::Method::Post,
            "/repos/octo/repo/issues/42/comments",
            Some(&json!({"body": 5})),
            false,
        )
        .await;
    let violations = fake.violations();
    assert_eq!(violations.len(), 2, "{violations:?}");
    assert!(
        violations[1].contains("issues/create-comment: body"),
        "{violations:?}"
    );
}

#[tokio::test]
async fn concurrent_edits_of_an_existing_tracker_lose_nothing() {
    for _ in 0..5 {
        let fake = FakeGitHub::start().await;
        let gh = fake.client();
        post(&gh, "stage", &summary(1, 0, "s"), "c0").await;
        let (gh1, gh2) = (fake.client(), fake.client());
        let (dev, prod) = (summary(1, 0, "d"), summary(0, 2, "p"));
        tokio::join!(
            post(&gh1, "dev", &dev, "c1"),
            post(&gh2, "prod", &prod, "c1")
        );
        let t = tracker_of(&fake);
        assert_eq!(t.data.envs.len(), 3, "{:?}", t.data.envs.keys());
        assert_eq!(
            t.data.envs["prod"].fingerprint.as_deref(),
            Some(prod.fingerprint.as_str())
        );
        assert_eq!(fake.count("issues/create-comment"), 1);
        assert_valid(&fake);
    }
}

/// What reviewers read: the tracker with a plan that destroys, a clean one, and a failure.
#[test]
fn tracker_markdown_snapshot() {
    let (dev, stage) = (summary(2, 1, "web"), summary(0, 0, "none"));
    let planned = vec![
        report("dev", Ok(dev)),
        report("stage", Ok(stage)),
        report(
            "prod",
            Err("Error: Unsupported argument\n\n  on main.tf line 2".into()),
        ),
    ];
    let mut t = Tracker::default();
    for (env, record, section) in plan_records(&context("0123456789abcdef"), &planned, 20_000) {
        t.record_plan(&env, record, &section);
    }
    t.set_status("dev", tfpromote::tracker::Status::Applied, None, None);
    insta::assert_snapshot!(tracker::render(&t, &options().order));
}
