//! Pull requests and reviews as the approval gate reads them: open, merged and closed PRs
//! found by head or merge commit, reviews in order with the commit they were given on.
mod common;

use common::Api;
use github_standin::{Pull, Standin};

#[tokio::test]
async fn pulls_and_reviews_follow_the_state() {
    let standin = Standin::start().await;
    standin.add_pull(Pull {
        number: 5,
        author: "alice".into(),
        head_sha: "head5b".into(),
        base_ref: "main".into(),
        merged: true,
        merge_commit_sha: Some("merge5".into()),
    });
    standin.add_pull(Pull {
        number: 6,
        author: "bob".into(),
        head_sha: "head6".into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
    standin.close_pull(6);
    standin.set_prs_for_commit("merge5", &[(9, false)]);
    standin.add_review(5, "carol", "APPROVED", "head5a");
    standin.add_review(5, "carol", "APPROVED", "head5b");
    standin.add_review(5, "dave", "DISMISSED", "head5b");
    let api = Api::new(&standin.api_url());

    let (_, by_merge) = api.get("/repos/octo/repo/commits/merge5/pulls").await;
    let listed: Vec<(u64, bool)> = by_merge
        .as_array()
        .expect("list")
        .iter()
        .map(|p| {
            (
                p["number"].as_u64().unwrap_or(0),
                p["merged_at"].is_string(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [(5, true), (9, false)],
        "graph first, then the explicit ones"
    );
    let (_, by_head) = api.get("/repos/octo/repo/commits/head6/pulls").await;
    assert_eq!(by_head[0]["number"], 6);
    assert_eq!(by_head[0]["state"], "closed");
    assert!(by_head[0]["merged_at"].is_null(), "closed without merging");
    let (_, pr6) = api.get("/repos/octo/repo/pulls/6").await;
    assert_eq!(
        (pr6["merged"].as_bool(), pr6["state"].as_str()),
        (Some(false), Some("closed"))
    );
    assert_eq!(api.get("/repos/octo/repo/pulls/77").await.0, 404);

    let (_, reviews) = api.get("/repos/octo/repo/pulls/5/reviews").await;
    let seen: Vec<(String, String, String)> = reviews
        .as_array()
        .expect("list")
        .iter()
        .map(|r| {
            let text = |k: &str| r[k].as_str().unwrap_or_default().to_string();
            (
                r["user"]["login"].as_str().unwrap_or_default().to_string(),
                text("state"),
                text("commit_id"),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            ("carol".into(), "APPROVED".into(), "head5a".into()),
            ("carol".into(), "APPROVED".into(), "head5b".into()),
            ("dave".into(), "DISMISSED".into(), "head5b".into()),
        ]
    );
    let ids: Vec<u64> = reviews
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|r| r["id"].as_u64())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[0] < w[1]),
        "chronological ids: {ids:?}"
    );
    assert_eq!(standin.violations(), Vec::<String>::new());
}
