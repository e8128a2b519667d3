//! Exactly once under failures: 20% of requests fail (500, dropped
//! connections, and answers lost after the customer was stored), and still
//! every submission makes exactly one customer.

mod support;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_submission_creates_exactly_one_customer_despite_failures() {
    let r = support::exactly_once::run(150, 0.2, 8).await;
    eprintln!(
        "{} customers for {} submissions; {} attempts, {} retries ({} manual), {:?}",
        r.customers, r.wanted, r.attempts, r.retries, r.manual_retries, r.elapsed
    );
    assert_eq!(r.customers, 150);
    assert_eq!(r.distinct_keys, 150);
    // With 20% failing, retries must have happened, or the test proved nothing.
    assert!(r.retries >= 10, "only {} retries", r.retries);
}
