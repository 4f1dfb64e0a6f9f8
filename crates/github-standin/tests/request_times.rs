//! Every recorded request carries the wall-clock time it arrived, readable by another
//! process through `/_standin/state`: a benchmark lines the stand-in's requests up with its
//! own clock (a run's start to its first comment).
mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::Api;
use github_standin::Standin;
use serde_json::json;

fn now_us() -> u64 {
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970");
    u64::try_from(since.as_micros()).expect("fits")
}

#[tokio::test]
async fn recorded_requests_carry_their_arrival_time_in_the_state() {
    let standin = Standin::start().await;
    let control = Api::new(&standin.url());
    let api = Api::new(&standin.api_url());
    let (status, _) = control
        .post(
            "/_standin/pulls",
            json!({"number": 3, "author": "alice", "head_sha": "aaaaaaa1"}),
        )
        .await;
    assert_eq!(status, 201);

    let before = now_us();
    let (status, comment) = api
        .post(
            "/repos/octo/repo/issues/3/comments",
            json!({"body": "planning"}),
        )
        .await;
    assert_eq!(status, 201);
    let between = now_us();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let id = comment["id"].as_u64().expect("a comment id");
    let (status, _) = api
        .patch(
            &format!("/repos/octo/repo/issues/comments/{id}"),
            json!({"body": "planned"}),
        )
        .await;
    assert_eq!(status, 200);
    let after = now_us();

    let (status, state) = control.get("/_standin/state").await;
    assert_eq!(status, 200);
    let requests = state["requests"].as_array().expect("the recorded requests");
    let times: Vec<(&str, u64)> = requests
        .iter()
        .map(|r| {
            let at = r["received_unix_us"]
                .as_u64()
                .unwrap_or_else(|| panic!("no arrival time in {r}"));
            (r["operation"].as_str().unwrap_or_default(), at)
        })
        .collect();
    assert_eq!(
        times.iter().map(|(op, _)| *op).collect::<Vec<_>>(),
        ["issues/create-comment", "issues/update-comment"]
    );
    let (created, updated) = (times[0].1, times[1].1);
    assert!(
        (before..=between).contains(&created),
        "the create arrived between {before} and {between}, recorded {created}"
    );
    assert!(
        (between..=after).contains(&updated),
        "the update arrived between {between} and {after}, recorded {updated}"
    );
    assert!(
        updated - created >= 20_000,
        "the update was sent 20 ms after the create: {created} -> {updated}"
    );
    assert_eq!(standin.violations(), Vec::<String>::new());
}
