//! Releases and their assets, as the action's installer reads them. On GitHub a private or
//! internal repository's releases answer 404 to anonymous requests, both the browser
//! download URL (`https://github.com/OWNER/REPO/releases/download/TAG/NAME`) and the API;
//! with a token, `GET /repos/{owner}/{repo}/releases/assets/{asset_id}` and `Accept:
//! application/octet-stream` serve the file (GitHub redirects to a signed URL; the
//! stand-in answers with the bytes).

use serde::Serialize;
use serde_json::json;

use super::{Call, Reply, user_json};
use crate::state::State;

#[derive(Debug, Clone, Serialize)]
pub struct Release {
    pub id: u64,
    pub tag: String,
    pub assets: Vec<Asset>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Asset {
    pub id: u64,
    pub name: String,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// Adds (or replaces) the release `tag` with these assets.
pub fn add(state: &mut State, tag: &str, assets: &[(&str, Vec<u8>)]) {
    state.releases.retain(|r| r.tag != tag);
    let id = state.next_id();
    let assets = assets
        .iter()
        .map(|(name, bytes)| Asset {
            id: state.next_id(),
            name: name.to_string(),
            bytes: bytes.clone(),
        })
        .collect();
    state.releases.push(Release {
        id,
        tag: tag.to_string(),
        assets,
    });
}

/// The documented operations. `anonymous`: the request carried no token.
pub fn perform(
    state: &mut State,
    call: &Call,
    id: &str,
    anonymous: bool,
    accept: Option<&str>,
) -> Option<Reply> {
    if !matches!(id, "repos/get-release-by-tag" | "repos/get-release-asset") {
        return None;
    }
    if anonymous && state.private {
        return Some(Reply::not_found());
    }
    let reply = match id {
        "repos/get-release-by-tag" => {
            let tag = call.param("tag");
            let Some(release) = state.releases.iter().find(|r| r.tag == tag).cloned() else {
                return Some(Reply::not_found());
            };
            let mut v = call.op.example.clone();
            let template = v["assets"][0].clone();
            let uploader = user_json(state, &template["uploader"], "github-actions[bot]");
            v["id"] = json!(release.id);
            v["tag_name"] = json!(release.tag);
            v["name"] = json!(release.tag);
            v["url"] = json!(format!("{}/releases/{}", call.repo_url(), release.id));
            v["assets"] = json!(
                release
                    .assets
                    .iter()
                    .map(|a| {
                        let mut asset = template.clone();
                        asset["id"] = json!(a.id);
                        asset["name"] = json!(a.name);
                        asset["size"] = json!(a.bytes.len());
                        asset["content_type"] = json!("application/gzip");
                        asset["url"] =
                            json!(format!("{}/releases/assets/{}", call.repo_url(), a.id));
                        asset["browser_download_url"] = json!(format!(
                            "{}/releases/download/{}/{}",
                            call.html_url(),
                            release.tag,
                            a.name
                        ));
                        asset["uploader"] = uploader.clone();
                        asset
                    })
                    .collect::<Vec<_>>()
            );
            Reply::json(200, v)
        }
        _ => {
            let wanted = call.number("asset_id");
            let Some(asset) = state
                .releases
                .iter()
                .flat_map(|r| r.assets.iter())
                .find(|a| Some(a.id) == wanted)
                .cloned()
            else {
                return Some(Reply::not_found());
            };
            if accept.is_some_and(|a| a.contains("application/octet-stream")) {
                Reply::bytes(200, asset.bytes)
            } else {
                let mut v = call.op.example.clone();
                v["id"] = json!(asset.id);
                v["name"] = json!(asset.name);
                v["size"] = json!(asset.bytes.len());
                v["url"] = json!(format!("{}/releases/assets/{}", call.repo_url(), asset.id));
                Reply::json(200, v)
            }
        }
    };
    Some(reply)
}

/// The browser download URL (`/OWNER/REPO/releases/download/TAG/NAME`, outside the API):
/// anonymous, so a private repository answers 404 as GitHub does. `None`: not such a path.
pub fn browser_download(state: &State, repo: &str, path: &str) -> Option<Reply> {
    let rest = path.strip_prefix('/')?;
    let (owner_repo, rest) = split_repo(rest)?;
    let rest = rest.strip_prefix("/releases/download/")?;
    let (tag, name) = rest.split_once('/')?;
    if !owner_repo.eq_ignore_ascii_case(repo) || state.private {
        return Some(Reply::not_found());
    }
    Some(
        state
            .releases
            .iter()
            .filter(|r| r.tag == tag)
            .flat_map(|r| r.assets.iter())
            .find(|a| a.name == name)
            .map(|a| Reply::bytes(200, a.bytes.clone()))
            .unwrap_or_else(Reply::not_found),
    )
}

/// `owner/name` and what follows, from `owner/name/...`.
fn split_repo(path: &str) -> Option<(&str, &str)> {
    let first = path.find('/')?;
    let second = path[first + 1..].find('/')? + first + 1;
    Some((&path[..second], &path[second..]))
}
