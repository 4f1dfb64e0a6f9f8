//! The tracker comment as text: render within GitHub's limit, parse back defensively.

use super::model::{Status, Tracker, TrackerData};

/// GitHub rejects comment bodies over 65,536 characters (422).
pub const COMMENT_LIMIT: usize = 65_536;

const MARKER: &str = "<!-- tfpromote:tracker";
const MARKER_V1: &str = "<!-- tfpromote:tracker v1 ";
/// Room for the marker (with up to `MAX_RECORDED_CHANGES` digests per environment),
/// title, table and footer; sections share the rest.
const FRAME_RESERVE: usize = 6_000;
/// The marker's share per environment: the recorded changes, the row facts and the signed
/// plan (an OIDC token of about 1.5 KB and a section digest).
const MARKER_RESERVE_PER_ENV: usize = 22 * super::model::MAX_RECORDED_CHANGES + 400 + 2_400;

/// The byte budget of one environment's section when `envs` environments share a comment.
/// Bytes are never fewer than characters, so sections within it keep the body legal.
pub fn section_budget(envs: usize) -> usize {
    let envs = envs.max(1);
    crate::render::COMMENT_BUDGET.saturating_sub(FRAME_RESERVE + MARKER_RESERVE_PER_ENV * envs)
        / envs
}

/// A comment body is a tracker when it starts with the marker (any version).
pub fn is_tracker(body: &str) -> bool {
    body.trim_start().starts_with(MARKER)
}

/// The tracker comments among `comments` (id, author, body), oldest first. Only comments by
/// `trusted_author` count: anyone can post a comment with our marker, and the gates trust
/// the fingerprints it records.
pub fn find<'a, C>(
    comments: &'a [C],
    view: impl Fn(&C) -> (u64, Option<&str>, Option<&str>),
    trusted_author: &str,
) -> Vec<&'a C> {
    let mut found: Vec<&C> = comments
        .iter()
        .filter(|c| {
            let (_, author, body) = view(c);
            body.is_some_and(is_tracker)
                && author.is_some_and(|a| a.eq_ignore_ascii_case(trusted_author))
        })
        .collect();
    found.sort_by_key(|c| view(c).0);
    found
}

/// Reads a tracker body. Marker data that does not parse (a hand edit, a foreign tool)
/// reads as empty rather than failing: the comment is still ours to rewrite.
pub fn parse(body: &str) -> Tracker {
    let body = body.trim_start();
    let data = body
        .strip_prefix(MARKER_V1)
        .and_then(|rest| rest.split_once("-->"))
        .and_then(|(json, _)| serde_json::from_str::<TrackerData>(json.trim()).ok())
        .unwrap_or_default();
    let mut tracker = Tracker {
        data,
        sections: Default::default(),
    };
    let mut rest = body;
    while let Some(start) = rest.find("<!-- tfpromote:section ") {
        let after = &rest[start + "<!-- tfpromote:section ".len()..];
        let Some((env, after)) = after.split_once(" -->") else {
            break;
        };
        let end_tag = format!("<!-- tfpromote:end {env} -->");
        let Some(end) = after.find(&end_tag) else {
            break;
        };
        let section = after[..end].trim_matches('\n');
        tracker
            .sections
            .insert(env.to_string(), section.to_string());
        rest = &after[end + end_tag.len()..];
    }
    tracker
}

/// The marker line. `>` is escaped inside the JSON so no value can close the HTML comment.
fn marker(data: &TrackerData) -> String {
    let json = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
    format!("{MARKER_V1}{} -->\n", json.replace('>', "\\u003e"))
}

/// The environments in promotion order: `order` (the config) first, then any the comment
/// knows that the config no longer lists.
fn ordered<'a>(tracker: &'a Tracker, order: &'a [String]) -> Vec<&'a str> {
    let mut envs: Vec<&str> = order
        .iter()
        .map(String::as_str)
        .filter(|e| tracker.data.envs.contains_key(*e))
        .collect();
    for env in tracker.data.envs.keys() {
        if !envs.contains(&env.as_str()) {
            envs.push(env);
        }
    }
    envs
}

fn row(env: &str, tracker: &Tracker) -> String {
    let Some(r) = tracker.data.envs.get(env) else {
        return String::new();
    };
    let plan = match &r.counts {
        None => "—".to_string(),
        Some(c) if c.total() == 0 => "no changes".into(),
        Some(c) => {
            let mut text = format!("`+{} ~{} -{} ±{}`", c.add, c.change, c.destroy, c.replace);
            if c.forget > 0 {
                text.push_str(&format!(" ⊘{}", c.forget));
            }
            if c.destroy + c.replace + c.forget > 0 {
                text.push_str(" ⚠️");
            }
            text
        }
    };
    let fingerprint = r
        .fingerprint
        .as_deref()
        .map(|f| format!("`{}`", crate::summary::fingerprint::short(f)))
        .unwrap_or_default();
    let commit = r
        .commit
        .as_deref()
        .map(|c| format!("`{}`", c.get(..7).unwrap_or(c)))
        .unwrap_or_default();
    let run = r
        .run_url
        .as_deref()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"))
        .map(|u| format!("[run]({u})"))
        .unwrap_or_default();
    let note = r
        .note
        .as_deref()
        .map(|n| format!("<br>{}", crate::render::inline_code(n)))
        .unwrap_or_default();
    format!(
        "| `{env}` | {plan} | {}{note} | {fingerprint} | {commit} | {run} |\n",
        r.status.label()
    )
}

/// Whether `section` is the stand-in [`render`] puts for a section too large for the comment.
pub fn is_stub(env: &str, section: &str) -> bool {
    section == stub(env)
}

fn stub(env: &str) -> String {
    format!(
        "### {env}\n\n_Details omitted to fit GitHub's comment limit; the run's job summary and plan artifact have them._"
    )
}

/// The whole comment, never over [`COMMENT_LIMIT`] characters: when the sections do not fit
/// (more environments than budgeted, a hand edit), the largest are replaced by a pointer to
/// the job summary until the body fits. The marker, table and every other section stay.
pub fn render(tracker: &Tracker, order: &[String]) -> String {
    let envs = ordered(tracker, order);
    let mut sections: Vec<(String, String)> = envs
        .iter()
        .map(|e| {
            let text = tracker.sections.get(*e).cloned().unwrap_or_else(|| {
                let status = tracker
                    .data
                    .envs
                    .get(*e)
                    .map_or(Status::Unknown, |r| r.status);
                format!("### {e}: {}", status.label())
            });
            (e.to_string(), text)
        })
        .collect();
    loop {
        let body = assemble(tracker, &envs, &sections);
        if body.chars().count() <= COMMENT_LIMIT {
            return body;
        }
        let largest = sections
            .iter_mut()
            .filter(|(e, s)| *s != stub(e))
            .max_by_key(|(_, s)| s.len());
        match largest {
            Some((env, section)) => *section = stub(env),
            // Only the frame is left and it is still too long (thousands of environments):
            // cut at a character boundary rather than be refused.
            None => return body.chars().take(COMMENT_LIMIT).collect(),
        }
    }
}

fn assemble(tracker: &Tracker, envs: &[&str], sections: &[(String, String)]) -> String {
    let mut out = marker(&tracker.data);
    out.push_str("## Terraform promotion\n\n");
    out.push_str(
        "| Environment | Plan | Status | Fingerprint | Commit | Run |\n|---|---|---|---|---|---|\n",
    );
    for env in envs {
        out.push_str(&row(env, tracker));
    }
    out.push('\n');
    for (env, section) in sections {
        out.push_str(&format!(
            "<!-- tfpromote:section {env} -->\n\n{section}\n\n<!-- tfpromote:end {env} -->\n\n"
        ));
    }
    out.push_str("<sub>Kept up to date by tfpromote: each plan and apply edits this comment. The full, uncut plans are in each run's job summary.</sub>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::super::model::{Counts, EnvRecord};
    use super::*;

    fn record(fp: &str, destroy: usize) -> EnvRecord {
        EnvRecord {
            status: Status::Planned,
            fingerprint: Some(fp.into()),
            commit: Some("0123456789abcdef".into()),
            counts: Some(Counts {
                add: 1,
                destroy,
                ..Counts::default()
            }),
            run_url: Some("https://github.com/o/r/actions/runs/1".into()),
            changes: None,
            note: None,
            signed: None,
        }
    }

    fn order() -> Vec<String> {
        vec!["dev".into(), "stage".into(), "prod".into()]
    }

    #[test]
    fn render_then_parse_round_trips() {
        let mut t = Tracker::default();
        t.record_plan(
            "prod",
            record("sha256:p", 1),
            "### prod: 1 to add\n\nbody -->",
        );
        t.record_plan("dev", record("sha256:d", 0), "### dev: 1 to add");
        let body = render(&t, &order());
        assert!(is_tracker(&body));
        assert!(body.find("`dev`") < body.find("`prod`"), "config order");
        let back = parse(&body);
        assert_eq!(back, t);
    }

    #[test]
    fn a_parsed_tracker_renders_back_identically() {
        let mut t = Tracker::default();
        t.record_plan("dev", record("sha256:d", 1), "### dev\n\nlist\n\n");
        let body = render(&t, &order());
        assert_eq!(
            render(&parse(&body), &order()),
            body,
            "no edit without a change"
        );
    }

    #[test]
    fn hostile_values_cannot_close_the_marker() {
        let mut t = Tracker::default();
        let mut r = record("sha256:x", 0);
        r.commit = Some("--> <script>".into());
        t.record_plan("dev", r, "x");
        let body = render(&t, &order());
        assert_eq!(parse(&body), t);
        assert!(
            body.lines()
                .next()
                .is_some_and(|l| l.matches("-->").count() == 1)
        );
    }

    #[test]
    fn broken_marker_data_reads_as_empty_but_is_still_a_tracker() {
        let body = "<!-- tfpromote:tracker v1 {not json -->\n## hand edited";
        assert!(is_tracker(body));
        assert_eq!(parse(body), Tracker::default());
        assert!(!is_tracker("Looks good <!-- tfpromote:tracker v1 {} -->"));
        assert_eq!(parse(""), Tracker::default());
    }

    #[test]
    fn oversized_sections_are_replaced_largest_first() {
        let mut t = Tracker::default();
        t.record_plan("dev", record("a", 0), &"d".repeat(50_000));
        t.record_plan("prod", record("b", 3), &"p".repeat(40_000));
        t.record_plan("stage", record("c", 0), "small stage");
        let body = render(&t, &order());
        assert!(body.chars().count() <= COMMENT_LIMIT);
        assert!(body.contains("small stage"));
        assert!(body.contains(&"p".repeat(40_000)), "second largest kept");
        assert!(!body.contains(&"d".repeat(50_000)));
        assert_eq!(parse(&body).data, t.data, "every row survives");
    }

    #[test]
    fn only_trusted_authors_count() {
        let comments = [
            (5, "mallory", "<!-- tfpromote:tracker v1 {} -->"),
            (9, "github-actions[bot]", "<!-- tfpromote:tracker v1 {} -->"),
            (7, "github-actions[bot]", "<!-- tfpromote:tracker v1 {} -->"),
            (3, "github-actions[bot]", "hello"),
        ];
        fn view<'a>(
            c: &'a (u64, &'static str, &'static str),
        ) -> (u64, Option<&'a str>, Option<&'a str>) {
            (c.0, Some(c.1), Some(c.2))
        }
        let ids: Vec<u64> = find(&comments, view, "github-actions[bot]")
            .iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(ids, vec![7, 9]);
        assert_eq!(find(&comments, view, "*").len(), 0, "no wildcard author");
    }

    #[test]
    fn budgets_leave_room_for_the_frame() {
        assert!(
            section_budget(3) * 3 + FRAME_RESERVE + 3 * MARKER_RESERVE_PER_ENV <= COMMENT_LIMIT
        );
        assert_eq!(section_budget(0), section_budget(1));
    }
}
