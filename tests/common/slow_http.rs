//! A tiny HTTP server that holds every request for a fixed delay before answering with an empty
//! v4 Terraform state, recording when each request started and ended. Serves as a slow
//! `terraform_remote_state` (backend "http") so a plan takes a known, observable time.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// `terraform_version` is the oldest supported release: Terraform refuses state written by a
/// newer version than itself.
pub const EMPTY_STATE: &str = r#"{"version":4,"terraform_version":"1.11.0","serial":1,"lineage":"test","outputs":{},"resources":[]}"#;

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub start: Instant,
    pub end: Instant,
}

impl Request {
    pub fn overlaps(&self, other: &Request) -> bool {
        self.start < other.end && other.start < self.end
    }
}

pub struct SlowHttp {
    pub port: u16,
    requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl SlowHttp {
    pub fn start(delay: Duration) -> SlowHttp {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the slow HTTP server");
        let port = listener.local_addr().expect("local addr").port();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (requests, stop) = (requests.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let requests = requests.clone();
                    std::thread::spawn(move || serve(stream, delay, &requests));
                }
            })
        };
        SlowHttp {
            port,
            requests,
            stop,
            thread: Some(thread),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!(
            "http://127.0.0.1:{}/{}",
            self.port,
            path.trim_start_matches('/')
        )
    }

    /// Completed requests so far, in completion order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().expect("requests lock").clone()
    }
}

impl Drop for SlowHttp {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve(stream: TcpStream, delay: Duration, requests: &Mutex<Vec<Request>>) {
    let start = Instant::now();
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
        return; // the wake-up connection from Drop, or a client that gave up
    }
    loop {
        let mut header = String::new();
        match reader.read_line(&mut header) {
            Ok(0) | Err(_) => break,
            Ok(_) if header == "\r\n" || header == "\n" => break,
            Ok(_) => {}
        }
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    std::thread::sleep(delay);
    let (status, body) = if method == "GET" {
        ("200 OK", EMPTY_STATE)
    } else {
        ("405 Method Not Allowed", "")
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = stream;
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.flush();
    let end = Instant::now();
    if let Ok(mut list) = requests.lock() {
        list.push(Request {
            method,
            path,
            start,
            end,
        });
    }
}
