//! The records and reviews the gates read, against the fake GitHub: commit statuses written
//! and read back, approvals counted the way design.md section 8 says, the PR of a push.

mod common;

use common::github_fake::FakeGitHub;
use tfpromote::config::values::Approver;
use tfpromote::github::pulls::introducing_pr;
use tfpromote::github::statuses::State;

#[tokio::test]
async fn statuses_are_written_and_read_back() {
    let fake = FakeGitHub::start().await;
    let gh = fake.client();
    let run = "https://github.com/octo/repo/actions/runs/9";
    gh.set_status("abc", "dev", State::Pending, "applying dev", Some(run))
        .await
        .expect("pending");
    gh.set_status("abc", "dev", State::Success, "dev applied", Some(run))
        .await
        .expect("success");
    gh.set_status("abc", "stage", State::Failure, "stage failed", Some(run))
        .await
        .expect("failure");
    let dev = gh
        .env_status("abc", "dev")
        .await
        .expect("read")
        .expect("dev record");
    assert_eq!(dev.state, State::Success);
    assert_eq!(dev.context, "tfpromote/dev");
    assert_eq!(dev.target_url.as_deref(), Some(run));
    let stage = gh
        .env_status("abc", "stage")
        .await
        .expect("read")
        .expect("stage record");
    assert_eq!(stage.state, State::Failure);
    assert_eq!(gh.env_status("abc", "prod").await.expect("read"), None);
    assert_eq!(gh.env_status("other", "dev").await.expect("read"), None);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn approvals_follow_the_rules() {
    let fake = FakeGitHub::start().await;
    let gh = fake.client();
    fake.set_pr_author(5, "author");
    fake.add_review(5, "author", "APPROVED");
    fake.add_review(5, "alice", "APPROVED");
    fake.add_review(5, "alice", "COMMENTED");
    fake.add_review(5, "bob", "APPROVED");
    fake.add_review(5, "bob", "CHANGES_REQUESTED");
    fake.add_review(5, "carol", "CHANGES_REQUESTED");
    fake.add_review(5, "carol", "APPROVED");
    fake.add_review(5, "dave", "APPROVED");
    fake.add_review(5, "dave", "DISMISSED");
    fake.add_review(5, "erin", "APPROVED");
    fake.add_team_member("octo", "platform-admins", "carol");
    fake.add_team_member("other-org", "sre", "erin");

    let anyone = gh.counted_approvals(5, &[]).await.expect("reviews");
    assert_eq!(
        anyone,
        vec!["alice", "carol", "erin"],
        "author, dismissed and overridden ignored"
    );

    let from = [
        Approver::Team {
            org: None,
            slug: "platform-admins".into(),
        },
        Approver::Team {
            org: Some("other-org".into()),
            slug: "sre".into(),
        },
    ];
    let teams = gh.counted_approvals(5, &from).await.expect("teams");
    assert_eq!(teams, vec!["carol", "erin"], "team membership checked");

    let user = gh
        .counted_approvals(5, &[Approver::User("Alice".into())])
        .await
        .expect("user");
    assert_eq!(user, vec!["alice"]);
    assert!(fake.count("teams/get-membership-for-user-in-org") >= 1);
    assert_eq!(fake.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn push_commit_resolves_to_its_merged_pr() {
    let fake = FakeGitHub::start_with_prefix("/api/v3").await;
    fake.set_prs_for_commit("deadbeef", &[(3, false), (12, true)]);
    let prs = fake
        .client()
        .pulls_for_commit("deadbeef")
        .await
        .expect("lookup");
    assert_eq!(introducing_pr(&prs), Some(12));
    assert_eq!(fake.violations(), Vec::<String>::new());
}
