//! The records and reviews the gates read, against the fake GitHub: commit statuses written
//! and read back, approvals counted as docs/gates.md says, the PR of a push.

use crate::common;

use common::github_fake::FakeGitHub;
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

    // The edge only fetches: reviews in GitHub's order, and memberships as facts.
    let reviews = match gh.review_facts(5).await {
        tfpromote::gate::Fact::Known(r) => r,
        tfpromote::gate::Fact::Unknown(e) => panic!("reviews: {e}"),
    };
    let logins: Vec<&str> = reviews.iter().map(|r| r.login.as_str()).collect();
    assert_eq!(logins.len(), 10);
    assert_eq!(logins[0], "author");
    // The pure rule decides: latest decisive review, never the author's.
    let latest: Vec<String> = tfpromote::gate::approval::latest_approvals(&reviews, "author")
        .into_iter()
        .map(|(l, _)| l)
        .collect();
    assert_eq!(latest, vec!["alice", "carol", "erin"]);
    let teams = vec![
        ("octo".to_string(), "platform-admins".to_string()),
        ("other-org".to_string(), "sre".to_string()),
    ];
    let members = gh.memberships(&teams, &latest).await;
    let is = |org: &str, slug: &str, login: &str| {
        members
            .get(&(org.into(), slug.into(), login.into()))
            .cloned()
    };
    use tfpromote::gate::Fact::Known;
    assert_eq!(is("octo", "platform-admins", "carol"), Some(Known(true)));
    assert_eq!(is("octo", "platform-admins", "alice"), Some(Known(false)));
    assert_eq!(is("other-org", "sre", "erin"), Some(Known(true)));
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
