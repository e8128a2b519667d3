mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

/// Kills the child even when an assertion fails.
struct Child(std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn demo_binary_prints_url_and_serves_seeded_data() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_stripe-sim"))
            .args(["--port", "0", "--demo"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn stripe-sim"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    let base = line
        .trim()
        .strip_prefix("stripe-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string();
    assert!(base.starts_with("http://127.0.0.1:"));

    let auth = [("Authorization", "Bearer sk_test_demo_4242424242424242")];
    let acct = common::raw_at(&base, "GET", "/v1/account", &auth, "")
        .await
        .unwrap()
        .json();
    assert_eq!(
        acct["settings"]["dashboard"]["display_name"],
        "Demo Coffee Roasters"
    );
    let list = common::raw_at(&base, "GET", "/v1/customers?limit=100", &auth, "")
        .await
        .unwrap()
        .json();
    assert_eq!(list["data"].as_array().unwrap().len(), 100);
    assert_eq!(list["has_more"], true);

    let rk = [("Authorization", "Bearer rk_test_demo_0000000000001111")];
    let r = common::raw_at(&base, "GET", "/v1/balance_transactions", &rk, "")
        .await
        .unwrap();
    assert_eq!(r.status, 200);
    let r = common::raw_at(&base, "POST", "/v1/customers", &rk, "name=X")
        .await
        .unwrap();
    assert_eq!(r.status, 403);
    assert!(r.body.contains("rak_customer_write"));
}
