//! Who labelled a pull request, as the stand-in of GitHub records it (a stand-in: GitHub's
//! API cannot run here): label changes through the API or the control interface become
//! `labeled`/`unlabeled` issue events under the token's owner, a workflow's `GITHUB_TOKEN`
//! being `github-actions[bot]` (type `Bot`, through the GitHub Actions app); a force push
//! of the head is a `head_ref_force_pushed` event; the collaborator permission API answers
//! each user's permission.
mod common;

use common::Api;
use github_standin::{BOT, Pull, Standin};
use serde_json::{Value, json};

const LABEL: &str = "tfpromote:allow-stateful-change";

fn open_pull(standin: &Standin, number: u64) {
    standin.add_pull(Pull {
        number,
        author: "alice".into(),
        head_sha: "h1".into(),
        base_ref: "main".into(),
        merged: false,
        merge_commit_sha: None,
    });
}

/// (event, actor login, actor type, label name, app slug) of each listed event.
fn summary(events: &Value) -> Vec<(String, String, String, String, String)> {
    let text = |v: &Value| v.as_str().unwrap_or("").to_string();
    events
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| {
            (
                text(&e["event"]),
                text(&e["actor"]["login"]),
                text(&e["actor"]["type"]),
                text(&e["label"]["name"]),
                text(&e["performed_via_github_app"]["slug"]),
            )
        })
        .collect()
}

fn row(
    event: &str,
    login: &str,
    kind: &str,
    label: &str,
    app: &str,
) -> (String, String, String, String, String) {
    (
        event.into(),
        login.into(),
        kind.into(),
        label.into(),
        app.into(),
    )
}

#[tokio::test]
async fn label_changes_are_events_under_the_tokens_owner() {
    let standin = Standin::start().await;
    open_pull(&standin, 7);
    standin.add_token("ghp_alice", "alice", false);
    let workflow = Api::new(&standin.api_url());
    let alice = Api::with_token(&standin.api_url(), "ghp_alice");

    // The pull request's own workflow adds the label with its GITHUB_TOKEN.
    let (status, labels) = workflow
        .post(
            "/repos/octo/repo/issues/7/labels",
            json!({"labels": [LABEL]}),
        )
        .await;
    assert_eq!(status, 200, "{labels}");
    assert_eq!(labels[0]["name"], LABEL);
    // Adding a label already there changes nothing and records nothing, as on GitHub.
    workflow
        .post(
            "/repos/octo/repo/issues/7/labels",
            json!({"labels": [LABEL]}),
        )
        .await;
    // The author removes it (the name is a path segment: `:` percent-encoded) and adds it.
    let (status, left) = alice
        .delete("/repos/octo/repo/issues/7/labels/tfpromote%3Aallow-stateful-change")
        .await;
    assert_eq!((status, left), (200, json!([])));
    alice
        .post(
            "/repos/octo/repo/issues/7/labels",
            json!({"labels": [{"name": LABEL}]}),
        )
        .await;
    // A reviewer adds it in the web interface; the author force-pushes.
    standin
        .add_label(7, "documentation", "bob")
        .expect("labelled");
    standin.force_push(7, "h2", "alice").expect("pushed");

    let (status, events) = workflow.get("/repos/octo/repo/issues/7/events").await;
    assert_eq!(status, 200, "{events}");
    assert_eq!(
        summary(&events),
        vec![
            row("labeled", BOT, "Bot", LABEL, "github-actions"),
            row("unlabeled", "alice", "User", LABEL, ""),
            row("labeled", "alice", "User", LABEL, ""),
            row("labeled", "bob", "User", "documentation", ""),
            row("head_ref_force_pushed", "alice", "User", "", ""),
        ]
    );
    assert!(
        events[4].get("label").is_none(),
        "a force push has no label: {events}"
    );
    let (_, pull) = workflow.get("/repos/octo/repo/pulls/7").await;
    let names: Vec<&str> = pull["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert_eq!(names, [LABEL, "documentation"]);
    assert_eq!(pull["head"]["sha"], "h2");

    // Paginated like every list: one per page, with GitHub's link header.
    let (_, first) = workflow
        .get("/repos/octo/repo/issues/7/events?per_page=1")
        .await;
    assert_eq!(first.as_array().map(Vec::len), Some(1));
    // Missing things answer as GitHub does.
    let (status, _) = workflow
        .delete("/repos/octo/repo/issues/7/labels/never-added")
        .await;
    assert_eq!(status, 404);
    let (status, _) = workflow.get("/repos/octo/repo/issues/99/events").await;
    assert_eq!(status, 404);
    assert_eq!(standin.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn issue_labels_given_at_creation_or_update_are_events_too() {
    let standin = Standin::start().await;
    let api = Api::new(&standin.api_url());
    let (_, issue) = api
        .post(
            "/repos/octo/repo/issues",
            json!({"title": "Drift in prod", "labels": ["tfpromote-drift"]}),
        )
        .await;
    let number = issue["number"].as_u64().expect("number");
    api.patch(
        &format!("/repos/octo/repo/issues/{number}"),
        json!({"labels": ["env:prod"]}),
    )
    .await;
    let (_, events) = api
        .get(&format!("/repos/octo/repo/issues/{number}/events"))
        .await;
    assert_eq!(
        summary(&events),
        vec![
            row("labeled", BOT, "Bot", "tfpromote-drift", "github-actions"),
            row("unlabeled", BOT, "Bot", "tfpromote-drift", "github-actions"),
            row("labeled", BOT, "Bot", "env:prod", "github-actions"),
        ]
    );
    assert_eq!(standin.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn collaborator_permission_is_each_users_own() {
    let standin = Standin::start().await;
    standin.set_permission("bob", "write");
    standin.set_permission("erin", "maintain");
    standin.add_user("carol");
    let api = Api::new(&standin.api_url());
    let permission = |v: &Value| {
        (
            v["permission"].as_str().unwrap_or("").to_string(),
            v["role_name"].as_str().unwrap_or("").to_string(),
            v["user"]["login"].as_str().unwrap_or("").to_string(),
        )
    };
    let (status, bob) = api
        .get("/repos/octo/repo/collaborators/bob/permission")
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        permission(&bob),
        ("write".into(), "write".into(), "bob".into())
    );
    // GitHub's four-level `permission` folds maintain into write; `role_name` keeps it.
    let (_, erin) = api
        .get("/repos/octo/repo/collaborators/erin/permission")
        .await;
    assert_eq!(
        permission(&erin),
        ("write".into(), "maintain".into(), "erin".into())
    );
    // Anyone else can read a public repository, nothing of a private one.
    let (_, carol) = api
        .get("/repos/octo/repo/collaborators/carol/permission")
        .await;
    assert_eq!(permission(&carol).0, "read");
    standin.set_private(true);
    let (_, carol) = api
        .get("/repos/octo/repo/collaborators/carol/permission")
        .await;
    assert_eq!(permission(&carol).0, "none");
    let (status, _) = api
        .get("/repos/octo/repo/collaborators/nobody-known/permission")
        .await;
    assert_eq!(status, 404, "not a user");
    assert_eq!(standin.violations(), Vec::<String>::new());
}

#[tokio::test]
async fn the_control_interface_records_label_changes_permissions_and_force_pushes() {
    let standin = Standin::start().await;
    open_pull(&standin, 3);
    let control = Api::new(&standin.url());
    let (status, _) = control
        .post(
            "/_standin/labels",
            json!({"pr": 3, "name": LABEL, "actor": "bob"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = control
        .post(
            "/_standin/labels",
            json!({"pr": 3, "name": LABEL, "actor": "bob", "remove": true}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = control
        .post(
            "/_standin/permissions",
            json!({"login": "bob", "permission": "admin"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, _) = control
        .post(
            "/_standin/force-push",
            json!({"pr": 3, "head_sha": "h9", "actor": "alice"}),
        )
        .await;
    assert_eq!(status, 201);
    let (status, refused) = control
        .post(
            "/_standin/labels",
            json!({"pr": 404, "name": LABEL, "actor": "bob"}),
        )
        .await;
    assert_eq!(status, 422, "{refused}");
    let kinds: Vec<(String, String)> = standin
        .issue_events()
        .into_iter()
        .map(|e| (e.event, e.actor))
        .collect();
    assert_eq!(
        kinds,
        [
            ("labeled".to_string(), "bob".to_string()),
            ("unlabeled".into(), "bob".into()),
            ("head_ref_force_pushed".into(), "alice".into()),
        ]
    );
    assert!(standin.labels(3).is_empty());
    let api = Api::new(&standin.api_url());
    let (_, bob) = api
        .get("/repos/octo/repo/collaborators/bob/permission")
        .await;
    assert_eq!(bob["permission"], "admin");
}
