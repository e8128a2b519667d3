//! A minimal HTTP/1.1 client over a raw TcpStream, so the tests see exactly
//! what the simulator puts on the wire (including dropped connections).

use serde_json::Value;
use stripe_sim::{KeyAccess, SimConfig, Simulator};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const ACCOUNT: &str = "acct_1Desk";
pub const KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";

/// A simulator with one account and one full key, checked against the
/// bundled OpenAPI description.
pub async fn sim() -> Simulator {
    let sim = Simulator::start(SimConfig::bundled())
        .await
        .expect("simulator starts");
    sim.add_account(ACCOUNT, "Acme Test Shop");
    sim.add_key(KEY, ACCOUNT, KeyAccess::Full);
    sim
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends one request; `None` when the server closed without answering.
pub async fn raw(
    sim: &Simulator,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<Resp> {
    raw_at(&sim.base_url(), method, path, headers, body).await
}

/// Like `raw`, against a base URL such as `http://127.0.0.1:1234`.
pub async fn raw_at(
    base_url: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> Option<Resp> {
    let addr = base_url.trim_start_matches("http://").to_string();
    let mut stream = TcpStream::connect(&addr).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || method == "POST" {
        req.push_str("Content-Type: application/x-www-form-urlencoded\r\n");
        req.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    req.push_str("\r\n");
    req.push_str(body);
    stream.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    // A reset counts as a dropped connection too.
    let _ = stream.read_to_end(&mut buf).await;
    if buf.is_empty() {
        return None;
    }
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("complete response");
    let mut lines = head.lines();
    let status: u16 = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .expect("status line");
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    Some(Resp {
        status,
        headers,
        body: body.to_string(),
    })
}

/// Authenticated calls with a given key (and optional Stripe-Account).
pub struct Client<'a> {
    pub sim: &'a Simulator,
    pub key: String,
    pub account: Option<String>,
}

impl<'a> Client<'a> {
    pub fn new(sim: &'a Simulator, key: &str) -> Self {
        Client {
            sim,
            key: key.to_string(),
            account: None,
        }
    }
    pub fn on_behalf_of(mut self, account: &str) -> Self {
        self.account = Some(account.to_string());
        self
    }
    async fn call(
        &self,
        method: &str,
        path: &str,
        extra: &[(&str, &str)],
        body: &str,
    ) -> Option<Resp> {
        let auth = format!("Bearer {}", self.key);
        let mut headers = vec![("Authorization", auth.as_str())];
        if let Some(a) = &self.account {
            headers.push(("Stripe-Account", a.as_str()));
        }
        headers.extend_from_slice(extra);
        raw(self.sim, method, path, &headers, body).await
    }
    pub async fn get(&self, path: &str) -> Resp {
        self.call("GET", path, &[], "").await.expect("response")
    }
    pub async fn post(&self, path: &str, body: &str) -> Resp {
        self.call("POST", path, &[], body).await.expect("response")
    }
    pub async fn post_idem(&self, path: &str, body: &str, key: &str) -> Option<Resp> {
        self.call("POST", path, &[("Idempotency-Key", key)], body)
            .await
    }
    pub async fn delete(&self, path: &str) -> Resp {
        self.call("DELETE", path, &[], "").await.expect("response")
    }
}
