//! Creates 1,000 customers through the actions against the simulator with
//! 20% of requests failing, and prints how many exist afterwards and how
//! many retries it took. Run by `scripts/bench-exactly-once.sh`.

use desk_testkit::exactly_once;

#[tokio::main]
async fn main() {
    let arg = |i: usize, default: f64| {
        std::env::args()
            .nth(i)
            .and_then(|a| a.parse().ok())
            .unwrap_or(default)
    };
    let wanted = arg(1, 1000.0) as usize;
    let rate = arg(2, 0.2);
    let r = exactly_once::run(wanted, rate, 16).await;
    println!("customers wanted:        {}", r.wanted);
    println!("customers in simulator:  {}", r.customers);
    println!("POST /v1/customers sent: {}", r.attempts);
    println!(
        "retries:                 {} ({} automatic by the client, {} \"Try again\")",
        r.retries,
        r.retries - r.manual_retries,
        r.manual_retries
    );
    println!("idempotency keys:        {}", r.distinct_keys);
    println!(
        "new keys after a 5xx:    {} (each try looked first; {} found what the submission had made, {} of them before sending their own key)",
        r.new_key_tries, r.found_after_5xx, r.last_key_unsent
    );
    println!(
        "failure rate:            {:.0}% (500, 500 after commit, dropped connection, committed then dropped)",
        rate * 100.0
    );
    println!("elapsed:                 {:.1} s", r.elapsed.as_secs_f64());
    if r.customers != r.wanted {
        eprintln!(
            "NOT exactly once: {} customers for {} submissions",
            r.customers, r.wanted
        );
        std::process::exit(1);
    }
}
