//! A real moto S3 server on a free 127.0.0.1 port, killed on drop, plus boto3 helpers
//! (run with `$MOTO_PYTHON`) to create buckets and look at objects.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::tool;

/// Dummy credentials moto accepts; also what Terraform's S3 backend is given.
pub const AWS_ENV: [(&str, &str); 4] = [
    ("AWS_ACCESS_KEY_ID", "testing"),
    ("AWS_SECRET_ACCESS_KEY", "testing"),
    ("AWS_REGION", "us-east-1"),
    ("AWS_DEFAULT_REGION", "us-east-1"),
];

pub struct Moto {
    child: Child,
    pub port: u16,
    pub endpoint: String,
    log: tempfile::NamedTempFile,
}

impl Moto {
    /// Starts `moto_server -H 127.0.0.1 -p PORT` on a free port and waits until it answers
    /// HTTP; a port taken in between makes it try another.
    pub fn start() -> Moto {
        let mut last_error = String::new();
        for _ in 0..3 {
            match Moto::start_on(free_port()) {
                Ok(moto) => return moto,
                Err(e) => last_error = e, // e.g. the port was taken in between; try another
            }
        }
        panic!("moto_server did not come up: {last_error}");
    }

    /// Starts moto on `port`; an error when it does not come up there as its own server.
    pub fn start_on(port: u16) -> Result<Moto, String> {
        let log = tempfile::NamedTempFile::new().expect("moto log file");
        let child = Command::new(tool("MOTO_SERVER", "moto/bin/moto_server"))
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.reopen().expect("moto log"))
            .stderr(log.reopen().expect("moto log"))
            .spawn()
            .expect("start moto_server ($MOTO_SERVER)");
        let mut moto = Moto {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
            log,
        };
        moto.wait_ready(Duration::from_secs(30))?;
        Ok(moto)
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "moto_server exited early ({status}): {}",
                    self.log_text()
                ));
            }
            // Another test's server may have taken the port between `free_port` and our
            // bind; it would answer while ours is still starting, so the test would share
            // (and its cleanup kill) someone else's moto. Ready means *our* process listens.
            if http_answers(self.port) && listens(self.child.id(), self.port) {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "no HTTP answer on port {} after {timeout:?}: {}",
                    self.port,
                    self.log_text()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// Runs a boto3 snippet with `s3` bound to a client for this server; returns stdout.
    pub fn boto3(&self, body: &str) -> String {
        let script = format!(
            "import boto3, json, sys, time\n\
             s3 = boto3.client('s3', endpoint_url='{}', aws_access_key_id='testing', \
             aws_secret_access_key='testing', region_name='us-east-1')\n{body}\n",
            self.endpoint
        );
        let out: Output = Command::new(tool("MOTO_PYTHON", "moto/bin/python"))
            .args(["-c", &script])
            .stdin(Stdio::null())
            .output()
            .expect("run $MOTO_PYTHON");
        assert!(
            out.status.success(),
            "boto3 script failed ({}):\n{script}\nstderr:\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn create_bucket(&self, bucket: &str) {
        self.boto3(&format!("s3.create_bucket(Bucket='{bucket}')"));
    }

    pub fn keys(&self, bucket: &str) -> Vec<String> {
        let out = self.boto3(&format!(
            "print(json.dumps([o['Key'] for o in s3.list_objects_v2(Bucket='{bucket}').get('Contents', [])]))"
        ));
        serde_json::from_str(out.trim()).expect("key list JSON")
    }

    /// Polls (inside one Python process) until `key` exists (`present`) or is gone; returns
    /// whether that happened within `timeout`.
    pub fn wait_for_key(&self, bucket: &str, key: &str, present: bool, timeout: Duration) -> bool {
        let out = self.boto3(&format!(
            "deadline = time.time() + {secs}\n\
             while True:\n\
             \x20   keys = [o['Key'] for o in s3.list_objects_v2(Bucket='{bucket}').get('Contents', [])]\n\
             \x20   if ('{key}' in keys) == {want}:\n\
             \x20       print('yes'); break\n\
             \x20   if time.time() > deadline:\n\
             \x20       print('no'); break\n\
             \x20   time.sleep(0.1)",
            secs = timeout.as_secs_f64(),
            want = if present { "True" } else { "False" },
        ));
        out.trim() == "yes"
    }

    /// The object's body as text.
    pub fn get(&self, bucket: &str, key: &str) -> String {
        self.boto3(&format!(
            "sys.stdout.write(s3.get_object(Bucket='{bucket}', Key='{key}')['Body'].read().decode())"
        ))
    }

    /// Writes `backend.tf` into `dir`: S3 state `key` in `bucket` on this server, S3 lockfile.
    pub fn write_backend(&self, dir: &Path, bucket: &str, key: &str) {
        let text = format!(
            r#"terraform {{
  backend "s3" {{
    bucket                      = "{bucket}"
    key                         = "{key}"
    region                      = "us-east-1"
    use_lockfile                = true
    endpoints                   = {{ s3 = "{endpoint}" }}
    use_path_style              = true
    skip_credentials_validation = true
    skip_requesting_account_id  = true
    skip_metadata_api_check     = true
    skip_region_validation      = true
  }}
}}
"#,
            endpoint = self.endpoint
        );
        std::fs::write(dir.join("backend.tf"), text).expect("write backend.tf");
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("find a free port")
}

/// Whether process `pid` itself holds the listening socket on 127.0.0.1:`port`, from
/// `/proc/net/tcp` (the socket's inode) and `/proc/PID/fd` (which sockets the process holds).
/// Where there is no `/proc` (not Linux) this cannot be told, and the answer is yes.
fn listens(pid: u32, port: u16) -> bool {
    let Ok(table) = std::fs::read_to_string("/proc/net/tcp") else {
        return true;
    };
    const LISTEN: &str = "0A";
    let sockets: Vec<String> = table
        .lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let (_, local_port) = fields.get(1)?.split_once(':')?;
            let listening =
                u16::from_str_radix(local_port, 16).ok()? == port && *fields.get(3)? == LISTEN;
            let inode = fields.get(9)?;
            listening.then(|| format!("socket:[{inode}]"))
        })
        .collect();
    let Ok(fds) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    fds.flatten().any(|fd| {
        std::fs::read_link(fd.path())
            .is_ok_and(|target| sockets.iter().any(|s| target.as_os_str() == s.as_str()))
    })
}

fn http_answers(port: u16) -> bool {
    let Ok(mut stream) =
        TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(500))
    else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    if stream
        .write_all(b"GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/")
}
