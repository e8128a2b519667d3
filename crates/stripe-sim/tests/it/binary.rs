use crate::common;

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
    let base = first_line_url(&mut child).await;
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

    // The demo's shop is trading: payments, a failure and a payout have
    // happened, and appear within Stripe's second or so.
    let mut seen = Vec::new();
    for _ in 0..30 {
        let events = common::raw_at(&base, "GET", "/v1/events?limit=100", &rk, "")
            .await
            .unwrap()
            .json();
        seen = events["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect::<Vec<_>>();
        if ["charge.succeeded", "charge.failed", "payout.created"]
            .iter()
            .all(|t| seen.iter().any(|s| s == t))
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the demo made no payments, failure and payout: {seen:?}");
}

/// Started by hand, with no flag, it still checks requests against the
/// OpenAPI description it carries.
#[tokio::test]
async fn binary_without_flags_refuses_unknown_parameters() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_stripe-sim"))
            .args(["--port", "0", "--demo"])
            .current_dir(std::env::temp_dir())
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn stripe-sim"),
    );
    let base = first_line_url(&mut child).await;
    let auth = [("Authorization", "Bearer sk_test_demo_4242424242424242")];
    let r = common::raw_at(
        &base,
        "POST",
        "/v1/customers",
        &auth,
        "name=A&favourite_colour=blue",
    )
    .await
    .unwrap();
    assert_eq!(r.status, 400, "{}", r.body);
    let err = r.json();
    assert_eq!(err["error"]["param"], "favourite_colour");
    assert_eq!(err["error"]["code"], "parameter_unknown");
}

/// `--spec` naming a file that is not there stops it with a plain reason.
#[test]
fn binary_with_a_missing_spec_file_says_so_and_exits() {
    let out = Command::new(env!("CARGO_BIN_EXE_stripe-sim"))
        .args(["--port", "0", "--spec", "/nonexistent/spec.json.gz"])
        .output()
        .expect("run stripe-sim");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot read the OpenAPI description /nonexistent/spec.json.gz"),
        "{err}"
    );
}

async fn first_line_url(child: &mut Child) -> String {
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    line.trim()
        .strip_prefix("stripe-sim listening on ")
        .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
        .to_string()
}
