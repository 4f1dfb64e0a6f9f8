//! Compare over a small commit graph, as the no-regression gate asks it.
mod common;

use common::Api;
use github_standin::Standin;

#[tokio::test]
async fn compare_reports_identical_ahead_behind_and_diverged() {
    let standin = Standin::start().await;
    // a - b - c      (main)
    //      \
    //       d        (another line off b)
    standin.add_commit("a1", &[]);
    standin.add_commit("b2", &["a1"]);
    standin.add_commit("c3", &["b2"]);
    standin.add_commit("d4", &["b2"]);
    let api = Api::new(&standin.api_url());
    let compare = |basehead: &'static str| {
        let api = &api;
        async move {
            api.get(&format!("/repos/octo/repo/compare/{basehead}"))
                .await
        }
    };

    let (status, same) = compare("c3...c3").await;
    assert_eq!(status, 200);
    assert_eq!(same["status"], "identical");
    assert_eq!(
        (same["ahead_by"].as_u64(), same["behind_by"].as_u64()),
        (Some(0), Some(0))
    );

    let (_, ahead) = compare("a1...c3").await;
    assert_eq!(ahead["status"], "ahead");
    assert_eq!(
        (ahead["ahead_by"].as_u64(), ahead["behind_by"].as_u64()),
        (Some(2), Some(0))
    );
    let shas: Vec<&str> = ahead["commits"]
        .as_array()
        .expect("commits")
        .iter()
        .filter_map(|c| c["sha"].as_str())
        .collect();
    assert_eq!(shas, ["b2", "c3"], "oldest first");
    assert_eq!(ahead["base_commit"]["sha"], "a1");

    let (_, behind) = compare("c3...a1").await;
    assert_eq!(behind["status"], "behind");
    assert_eq!(
        (behind["ahead_by"].as_u64(), behind["behind_by"].as_u64()),
        (Some(0), Some(2))
    );

    let (_, diverged) = compare("c3...d4").await;
    assert_eq!(diverged["status"], "diverged");
    assert_eq!(
        (
            diverged["ahead_by"].as_u64(),
            diverged["behind_by"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(diverged["merge_base_commit"]["sha"], "b2");

    let (status, _) = compare("c3...ffff").await;
    assert_eq!(status, 404, "an unknown commit is GitHub's 404");
    assert_eq!(standin.violations(), Vec::<String>::new());
    assert_eq!(standin.count("repos/compare-commits-with-basehead"), 5);
}
