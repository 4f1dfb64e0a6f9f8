//! The Rego evaluation: every policy file is added to a regorus engine; each package is
//! then evaluated over its own input, the gathered plan changes cut down to what that
//! policy file declares it reads ([`super::reads`]), and its `deny` set read back as
//! findings. Policies are spread over the machine's cores, each worker with an engine of
//! its own (regorus values are not shared between threads).
//!
//! A policy declaring `tfpromote:group` is handed each distinct change once: one entry per
//! group of resources it would see identically but for their address, with a stand-in
//! `address` and `count` (how many resources the entry stands for). Every `deny` entry that
//! carries a stand-in (in `address` or `message`) is reported once per resource of that
//! group, the stand-in replaced by the resource's address. That is exact for a policy that
//! judges each resource on its own and only copies the address into what it reports, and
//! that multiplies by `count` where it adds resources up (docs/policy.md).

use std::collections::{BTreeSet, HashMap};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use super::changes::{Change, Gathered, Members, SideView};
use super::reads::Reads;
use super::{Finding, PolicySet};

/// Packages must live under this prefix; the rest of the package path is the rule's name.
const PACKAGE_PREFIX: &str = "data.tfpromote.";

/// Marks a grouped entry's stand-in address: `\u{1}tfpromote:17\u{1}`. Nothing Terraform
/// writes contains the control character, so a stand-in is never mistaken for text.
const STAND_IN_OPEN: &str = "\u{1}tfpromote:";
const STAND_IN_CLOSE: char = '\u{1}';

/// One policy file's findings, or why it could not be evaluated.
type Outcome = Result<Vec<Finding>, String>;

/// One policy file, ready to evaluate.
struct Package {
    file: String,
    /// `data.tfpromote.<rule>`.
    path: String,
    rule: String,
    reads: Reads,
}

/// An engine with every policy file and `data.json` added, and the packages to evaluate.
fn prepare(set: &PolicySet) -> Result<(regorus::Engine, Vec<Package>), String> {
    let mut engine = regorus::Engine::new();
    let mut packages = Vec::new();
    for (name, text) in &set.files {
        let package = engine
            .add_policy(name.clone(), text.clone())
            .map_err(|e| format!("{}/{name}: {e}", set.source))?;
        let Some(rule) = package.strip_prefix(PACKAGE_PREFIX) else {
            return Err(format!(
                "{}/{name}: package `{}` is not under `tfpromote.`: name it `package tfpromote.<rule>`",
                set.source,
                package.trim_start_matches("data.")
            ));
        };
        packages.push((name.clone(), package.clone(), rule.to_string(), text));
    }
    let data = match &set.data {
        Some(data) => {
            engine
                .add_data_json(data)
                .map_err(|e| format!("{}/data.json: {e}", set.source))?;
            Some(
                serde_json::from_str::<serde_json::Value>(data)
                    .map_err(|e| format!("{}/data.json: {e}", set.source))?,
            )
        }
        None => None,
    };
    let mut ready = Vec::new();
    for (file, path, rule, text) in packages {
        let reads =
            Reads::parse(&file, text, data.as_ref()).map_err(|e| format!("{}/{e}", set.source))?;
        ready.push(Package {
            file,
            path,
            rule,
            reads,
        });
    }
    Ok((engine, ready))
}

/// The declared reads of every policy file of `set` (what to gather from the plan), or
/// why the set cannot be evaluated.
pub fn reads(set: &PolicySet) -> Result<Vec<Reads>, String> {
    prepare(set).map(|(_, packages)| packages.into_iter().map(|p| p.reads).collect())
}

pub fn evaluate(
    set: &PolicySet,
    environment: &str,
    labels: &[String],
    gathered: &Gathered,
) -> Result<Vec<Finding>, String> {
    let (engine, packages) = prepare(set)?;
    let groups = gathered.groups();
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(packages.len());
    let results: Vec<Mutex<Option<Outcome>>> = packages.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let run = |engine: &regorus::Engine| loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(package) = packages.get(index) else {
            return;
        };
        // Each package gets an engine of its own (a clone: the policies are parsed once
        // per worker), so no evaluation state of one input can carry over to the next.
        let outcome = evaluate_package(engine.clone(), package, environment, labels, &groups)
            .map_err(|e| format!("{}/{}: {e}", set.source, package.file));
        if let Ok(mut slot) = results[index].lock() {
            *slot = Some(outcome);
        }
    };
    if workers <= 1 {
        run(&engine);
    } else {
        std::thread::scope(|scope| {
            for _ in 1..workers {
                // Parsed again on this thread: an engine cannot move between threads.
                scope.spawn(|| {
                    if let Ok((engine, _)) = prepare(set) {
                        run(&engine);
                    }
                });
            }
            run(&engine);
        });
    }
    let mut findings = Vec::new();
    // In file order: the first failing file is the one reported, as one by one.
    for (slot, package) in results.into_iter().zip(&packages) {
        match slot.into_inner().ok().flatten() {
            Some(Ok(found)) => findings.extend(found),
            Some(Err(e)) => return Err(e),
            None => {
                return Err(format!(
                    "{}/{}: internal error: the policy was not evaluated",
                    set.source, package.file
                ));
            }
        }
    }
    findings.sort();
    findings.dedup();
    Ok(findings)
}

fn evaluate_package(
    mut engine: regorus::Engine,
    package: &Package,
    environment: &str,
    labels: &[String],
    groups: &[(&Change, &Members)],
) -> Result<Vec<Finding>, String> {
    let (changes, stand_ins) = if package.reads.group {
        grouped_changes(groups, &package.reads)
    } else {
        (each_change(groups, &package.reads), Vec::new())
    };
    engine.set_input(input(environment, labels, changes));
    let denied = engine
        .eval_rule(format!("{}.deny", package.path))
        .map_err(|e| e.to_string())?;
    if denied == regorus::Value::Undefined {
        return Ok(Vec::new());
    }
    let items = denied
        .as_set()
        .map_err(|_| "`deny` must be a set (`deny contains {...} if ...`)".to_string())?;
    let mut findings = Vec::new();
    for item in items {
        let field = |key: &str| -> Result<String, String> {
            item[key]
                .as_string()
                .map(|s| s.to_string())
                .map_err(|_| format!("each `deny` entry needs a string `{key}` (got {item})"))
        };
        let (address, message) = (field("address")?, field("message")?);
        for (address, message) in expand(address, message, &stand_ins)? {
            findings.push(Finding {
                rule: package.rule.clone(),
                address,
                message,
            });
        }
    }
    Ok(findings)
}

/// Whether `package` looks at this change at all.
fn wanted(reads: &Reads, change: &Change, members: &Members) -> bool {
    !members.resources.is_empty()
        && reads.wants(&change.kind)
        && reads.wants_actions(&change.actions)
}

/// One input entry per resource, in plan order (a policy without `group` may depend on
/// order or on every resource, so it sees exactly the plan, cut as it declares).
fn each_change(groups: &[(&Change, &Members)], reads: &Reads) -> Vec<regorus::Value> {
    use regorus::Value;
    let mut entries: Vec<(usize, Value)> = Vec::new();
    for (change, members) in groups.iter().filter(|(c, m)| wanted(reads, c, m)) {
        let shared = Shared::new(
            change,
            change.before.view_for(&reads.before, &reads.keys_only),
            change.after.view_for(&reads.after, &reads.keys_only),
        );
        for (place, address) in &members.resources {
            entries.push((*place, shared.entry(Value::from(&**address), None)));
        }
    }
    entries.sort_by_key(|(place, _)| *place);
    entries.into_iter().map(|(_, entry)| entry).collect()
}

/// One input entry per distinct change as this policy sees it, with a stand-in address,
/// and the resources each entry stands for.
fn grouped_changes<'a>(
    groups: &[(&'a Change, &'a Members)],
    reads: &Reads,
) -> (Vec<regorus::Value>, Vec<Vec<&'a Members>>) {
    type Key<'a> = (
        &'a str,
        &'a str,
        &'a [std::borrow::Cow<'static, str>],
        SideView<'a>,
        SideView<'a>,
    );
    let mut index: HashMap<Key<'a>, usize> = HashMap::new();
    let mut distinct: Vec<(&'a Change, SideView<'a>, SideView<'a>, Vec<&'a Members>)> = Vec::new();
    // Groups come in plan order, so entries are in the order their first resource is.
    for (change, members) in groups.iter().filter(|(c, m)| wanted(reads, c, m)) {
        let before = change.before.view_for(&reads.before, &reads.keys_only);
        let after = change.after.view_for(&reads.after, &reads.keys_only);
        let key: Key<'a> = (
            &change.mode,
            &change.kind,
            &change.actions,
            before.clone(),
            after.clone(),
        );
        match index.get(&key) {
            Some(&at) => distinct[at].3.push(members),
            None => {
                index.insert(key, distinct.len());
                distinct.push((change, before, after, vec![members]));
            }
        }
    }
    let mut entries = Vec::with_capacity(distinct.len());
    let mut stand_ins = Vec::with_capacity(distinct.len());
    for (at, (change, before, after, members)) in distinct.into_iter().enumerate() {
        let count: usize = members.iter().map(|m| m.resources.len()).sum();
        let shared = Shared::new(change, before, after);
        entries.push(shared.entry(regorus::Value::from(stand_in(at)), Some(count)));
        stand_ins.push(members);
    }
    (entries, stand_ins)
}

/// The parts of an input entry shared by every resource of a group, built once.
struct Shared {
    mode: regorus::Value,
    kind: regorus::Value,
    actions: regorus::Value,
    before: regorus::Value,
    after: regorus::Value,
}

impl Shared {
    fn new(change: &Change, before: SideView<'_>, after: SideView<'_>) -> Shared {
        use regorus::Value;
        Shared {
            mode: Value::from(&*change.mode),
            kind: Value::from(&*change.kind),
            actions: Value::from(
                change
                    .actions
                    .iter()
                    .map(|a| Value::from(&**a))
                    .collect::<Vec<_>>(),
            ),
            before: Value::from(before.to_json()),
            after: Value::from(after.to_json()),
        }
    }

    fn entry(&self, address: regorus::Value, count: Option<usize>) -> regorus::Value {
        use regorus::Value;
        let mut object = Value::new_object();
        if let Ok(map) = object.as_object_mut() {
            map.insert(Value::from("address"), address);
            map.insert(Value::from("mode"), self.mode.clone());
            map.insert(Value::from("type"), self.kind.clone());
            map.insert(Value::from("actions"), self.actions.clone());
            map.insert(Value::from("before"), self.before.clone());
            map.insert(Value::from("after"), self.after.clone());
            if let Some(count) = count {
                map.insert(Value::from("count"), Value::from(count as u64));
            }
        }
        object
    }
}

/// The input document of one policy.
fn input(environment: &str, labels: &[String], changes: Vec<regorus::Value>) -> regorus::Value {
    use regorus::Value;
    let mut input = Value::new_object();
    if let Ok(map) = input.as_object_mut() {
        map.insert(Value::from("environment"), Value::from(environment));
        map.insert(
            Value::from("labels"),
            Value::from(
                labels
                    .iter()
                    .map(|l| Value::from(l.as_str()))
                    .collect::<Vec<_>>(),
            ),
        );
        map.insert(Value::from("resource_changes"), Value::from(changes));
    }
    input
}

fn stand_in(at: usize) -> String {
    format!("{STAND_IN_OPEN}{at}{STAND_IN_CLOSE}")
}

/// The groups whose stand-ins `text` carries.
fn stand_ins_in(text: &str, into: &mut BTreeSet<usize>) {
    let mut rest = text;
    while let Some(at) = rest.find(STAND_IN_OPEN) {
        rest = &rest[at + STAND_IN_OPEN.len()..];
        if let Some(end) = rest.find(STAND_IN_CLOSE)
            && let Ok(group) = rest[..end].parse::<usize>()
        {
            into.insert(group);
        }
    }
}

/// A finding of a grouped policy, once per resource its stand-in stands for; a finding
/// without a stand-in as it is.
fn expand(
    address: String,
    message: String,
    stand_ins: &[Vec<&Members>],
) -> Result<Vec<(String, String)>, String> {
    let mut groups = BTreeSet::new();
    stand_ins_in(&address, &mut groups);
    stand_ins_in(&message, &mut groups);
    let group = match groups.len() {
        0 => return Ok(vec![(address, message)]),
        1 => groups.into_iter().next().unwrap_or_default(),
        _ => {
            return Err(
                "declares `tfpromote:group`, but a `deny` entry names two resources; a grouped policy judges one resource at a time (remove the declaration)".into(),
            );
        }
    };
    let Some(members) = stand_ins.get(group) else {
        return Ok(vec![(address, message)]);
    };
    let token = stand_in(group);
    Ok(members
        .iter()
        .flat_map(|m| &m.resources)
        .map(|(_, real)| (address.replace(&token, real), message.replace(&token, real)))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_are_found_and_replaced_by_every_member() {
        let members = Members {
            count: 2,
            resources: vec![(3, "aws_a.x".into()), (9, "aws_a.y".into())],
        };
        let stand_ins = vec![vec![], vec![&members]];
        let expanded =
            expand(stand_in(1), format!("{} is bad", stand_in(1)), &stand_ins).expect("one group");
        assert_eq!(
            expanded,
            [
                ("aws_a.x".to_string(), "aws_a.x is bad".to_string()),
                ("aws_a.y".to_string(), "aws_a.y is bad".to_string())
            ]
        );
        let plain = expand("global".into(), "no stand-in".into(), &stand_ins).expect("as is");
        assert_eq!(plain, [("global".to_string(), "no stand-in".to_string())]);
        let err = expand(stand_in(0), stand_in(1), &stand_ins).expect_err("two groups");
        assert!(err.contains("two resources"), "{err}");
    }
}
