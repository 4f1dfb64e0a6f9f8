//! Terraform's plugin cache, made safe for parallel environments.
//!
//! Terraform documents the cache as unsafe under concurrent `init` (hashicorp/terraform#31964):
//! two inits filling an empty cache fail with "provider binary not found" or "still not
//! detected in .terraform/providers". Worse, a root without a lock file makes `init`
//! re-install its providers into the cache, so an `init` can delete the very directory a
//! running `plan` executes its provider from ("could not read package directory").
//!
//! So the cache is guarded like a readers-writer lock, with an OS advisory lock (flock) on a
//! file in the cache: `init` holds it exclusively (it may write the cache), every other
//! Terraform command holds it shared (it only reads), so plans still run in parallel with
//! each other but never beside an `init`. The kernel drops an advisory lock when its process
//! dies, so a killed run never leaves a stale lock behind, and the lock holds across
//! processes (two jobs on one runner). Within one process, callers run every environment's
//! `init` before any plan, so the exclusive and shared phases do not starve each other.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::signals;

/// The lock file inside the cache directory. A dot file: Terraform's cache scan only looks
/// at `HOST/NAMESPACE/TYPE/...` directories. The name is kept from when only `init` took it,
/// so an older tfpromote on the same runner still excludes a newer one's commands.
pub const LOCK_FILE: &str = ".tfpromote-init.lock";

/// How a Terraform command uses the cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheAccess {
    /// `init`: may install into (or re-install over) the cache.
    Write,
    /// Any command that runs providers from the cache (`plan`, `show`, `apply`, ...).
    Read,
}

/// How often a waiting init re-tries the lock (and notices a stop signal).
const POLL: Duration = Duration::from_millis(100);

/// Where the cache in use was configured; decides whether Terraform must be told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CacheSource {
    /// `terraform.plugin_cache` in tfpromote.yaml: passed to Terraform as `TF_PLUGIN_CACHE_DIR`.
    Config,
    /// `TF_PLUGIN_CACHE_DIR` in the environment: Terraform already reads it.
    Environment,
    /// `plugin_cache_dir` in the CLI config file: Terraform already reads it.
    CliConfig(PathBuf),
    /// None configured: tfpromote's own default, passed as `TF_PLUGIN_CACHE_DIR`.
    Default,
}

/// The plugin cache every `init` of this run shares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginCache {
    pub dir: PathBuf,
    pub source: CacheSource,
}

/// What the process environment says about caches; read by the caller, so resolution is pure.
#[derive(Debug, Clone, Default)]
pub struct CacheFacts {
    /// `terraform.plugin_cache` from the config, already absolute.
    pub configured: Option<PathBuf>,
    /// `TF_PLUGIN_CACHE_DIR`.
    pub env_dir: Option<String>,
    /// The CLI config file Terraform reads and its text (`TF_CLI_CONFIG_FILE` or
    /// `~/.terraformrc`), when it exists.
    pub cli_config: Option<(PathBuf, String)>,
    /// `RUNNER_TOOL_CACHE` (GitHub Actions keeps it between steps, and `actions/cache` can
    /// keep it between runs).
    pub runner_tool_cache: Option<String>,
    /// `XDG_CACHE_HOME`, else `HOME` (for `~/.cache`).
    pub xdg_cache_home: Option<String>,
    pub home: Option<String>,
}

impl CacheFacts {
    /// Reads the facts through `lookup` (the run's environment) and the CLI config file.
    pub fn from_lookup(
        configured: Option<PathBuf>,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> CacheFacts {
        let var = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let home = var("HOME");
        let cli_path = var("TF_CLI_CONFIG_FILE")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| Path::new(h).join(".terraformrc")));
        let cli_config = cli_path.and_then(|p| std::fs::read_to_string(&p).ok().map(|t| (p, t)));
        CacheFacts {
            configured,
            env_dir: var("TF_PLUGIN_CACHE_DIR"),
            cli_config,
            runner_tool_cache: var("RUNNER_TOOL_CACHE"),
            xdg_cache_home: var("XDG_CACHE_HOME"),
            home,
        }
    }
}

/// Which cache this run uses, in order: tfpromote.yaml, `TF_PLUGIN_CACHE_DIR`, the CLI
/// config file, then tfpromote's own default (the runner's tool cache in Actions, the user's
/// cache directory elsewhere). `None` only when no default location can be found at all.
pub fn resolve(facts: &CacheFacts) -> Option<PluginCache> {
    if let Some(dir) = &facts.configured {
        return Some(PluginCache {
            dir: dir.clone(),
            source: CacheSource::Config,
        });
    }
    if let Some(dir) = &facts.env_dir {
        return Some(PluginCache {
            dir: PathBuf::from(dir),
            source: CacheSource::Environment,
        });
    }
    if let Some((file, text)) = &facts.cli_config
        && let Some(dir) = cli_config_cache_dir(text)
    {
        return Some(PluginCache {
            dir: PathBuf::from(dir),
            source: CacheSource::CliConfig(file.clone()),
        });
    }
    let base = facts
        .runner_tool_cache
        .as_ref()
        .map(PathBuf::from)
        .or_else(|| facts.xdg_cache_home.as_ref().map(PathBuf::from))
        .or_else(|| facts.home.as_ref().map(|h| Path::new(h).join(".cache")))?;
    Some(PluginCache {
        dir: base.join("tfpromote").join("plugin-cache"),
        source: CacheSource::Default,
    })
}

/// `plugin_cache_dir` from a CLI config file (HCL). A file that does not parse has no
/// cache as far as we can tell; Terraform itself will report the file.
fn cli_config_cache_dir(text: &str) -> Option<String> {
    let body: hcl::Body = hcl::from_str(text).ok()?;
    body.attributes()
        .find(|a| a.key() == "plugin_cache_dir")
        .and_then(|a| match a.expr() {
            hcl::Expression::String(s) => Some(s.clone()),
            _ => None,
        })
        .filter(|s| !s.trim().is_empty())
}

impl PluginCache {
    /// The variable Terraform must be given, when it would not find the cache by itself.
    pub fn child_env(&self) -> Option<(&'static str, String)> {
        match self.source {
            CacheSource::Config | CacheSource::Default => {
                Some(("TF_PLUGIN_CACHE_DIR", self.dir.display().to_string()))
            }
            CacheSource::Environment | CacheSource::CliConfig(_) => None,
        }
    }

    /// Waits for the cache's lock in the mode `access` needs. Returns the held lock
    /// (released on drop, or by the kernel if the process dies) and how long the wait took.
    /// Gives up when a stop signal arrives, so an interrupted run never sits behind
    /// another's init.
    pub async fn lock(&self, access: CacheAccess) -> std::io::Result<(CacheLock, Duration)> {
        std::fs::create_dir_all(&self.dir)?;
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.dir.join(LOCK_FILE))?;
        let started = Instant::now();
        loop {
            let attempt = match access {
                CacheAccess::Write => file.try_lock(),
                CacheAccess::Read => file.try_lock_shared(),
            };
            match attempt {
                Ok(()) => return Ok((CacheLock { _file: file }, started.elapsed())),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => return Err(e),
            }
            if signals::cancelled() {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Interrupted,
                    "stopped while waiting for the plugin cache lock",
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }
}

/// A held lock on a plugin cache, exclusive or shared.
#[derive(Debug)]
pub struct CacheLock {
    _file: File,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> CacheFacts {
        CacheFacts {
            home: Some("/home/u".into()),
            ..CacheFacts::default()
        }
    }

    #[test]
    fn config_wins_then_env_then_cli_config_then_default() {
        let mut f = facts();
        f.cli_config = Some((
            "/rc".into(),
            "plugin_cache_dir = \"/from-rc\"\nprovider_installation {\n  direct {}\n}\n".into(),
        ));
        assert_eq!(
            resolve(&f),
            Some(PluginCache {
                dir: "/from-rc".into(),
                source: CacheSource::CliConfig("/rc".into())
            })
        );
        f.env_dir = Some("/from-env".into());
        assert_eq!(
            resolve(&f).map(|c| c.source),
            Some(CacheSource::Environment)
        );
        f.configured = Some("/from-yaml".into());
        let c = resolve(&f).expect("cache");
        assert_eq!(c.dir, PathBuf::from("/from-yaml"));
        assert_eq!(
            c.child_env(),
            Some(("TF_PLUGIN_CACHE_DIR", "/from-yaml".into()))
        );
    }

    #[test]
    fn default_is_the_runner_tool_cache_in_actions_else_the_user_cache() {
        let mut f = facts();
        assert_eq!(
            resolve(&f).map(|c| c.dir),
            Some(PathBuf::from("/home/u/.cache/tfpromote/plugin-cache"))
        );
        f.xdg_cache_home = Some("/xdg".into());
        assert_eq!(
            resolve(&f).map(|c| c.dir),
            Some(PathBuf::from("/xdg/tfpromote/plugin-cache"))
        );
        f.runner_tool_cache = Some("/opt/hostedtoolcache".into());
        let c = resolve(&f).expect("cache");
        assert_eq!(
            c.dir,
            PathBuf::from("/opt/hostedtoolcache/tfpromote/plugin-cache")
        );
        assert_eq!(c.source, CacheSource::Default);
        assert!(resolve(&CacheFacts::default()).is_none());
    }

    #[test]
    fn a_cli_config_without_a_cache_or_unparsable_falls_through() {
        let mut f = facts();
        f.cli_config = Some(("/rc".into(), "disable_checkpoint = true\n".into()));
        assert_eq!(resolve(&f).map(|c| c.source), Some(CacheSource::Default));
        f.cli_config = Some(("/rc".into(), "plugin_cache_dir = {{{".into()));
        assert_eq!(resolve(&f).map(|c| c.source), Some(CacheSource::Default));
    }

    #[tokio::test]
    async fn the_lock_excludes_a_second_holder_until_dropped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = PluginCache {
            dir: dir.path().join("cache"),
            source: CacheSource::Config,
        };
        let (held, waited) = cache.lock(CacheAccess::Write).await.expect("first lock");
        assert!(waited < Duration::from_secs(1));
        // A second open file description is a second holder, as another process would be.
        let other = File::open(cache.dir.join(LOCK_FILE)).expect("open");
        assert!(matches!(
            other.try_lock_shared(),
            Err(TryLockError::WouldBlock)
        ));
        drop(held);
        assert!(other.try_lock().is_ok());
    }

    #[tokio::test]
    async fn readers_share_the_lock_and_exclude_a_writer() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = PluginCache {
            dir: dir.path().join("cache"),
            source: CacheSource::Config,
        };
        let (first, _) = cache.lock(CacheAccess::Read).await.expect("first reader");
        let (second, waited) = cache.lock(CacheAccess::Read).await.expect("second reader");
        assert!(
            waited < Duration::from_secs(1),
            "readers do not wait for each other"
        );
        let writer = File::open(cache.dir.join(LOCK_FILE)).expect("open");
        assert!(matches!(writer.try_lock(), Err(TryLockError::WouldBlock)));
        drop(first);
        assert!(matches!(writer.try_lock(), Err(TryLockError::WouldBlock)));
        drop(second);
        assert!(
            writer.try_lock().is_ok(),
            "the writer gets it once every reader left"
        );
    }
}
