//! The loopback redirect: for one "Connect with Stripe", a listener on
//! 127.0.0.1 (a port the system picks) that takes Stripe's answer from the
//! browser, thanks the user, and closes. Test mode accepts such redirects,
//! and native apps may use any loopback port (RFC 8252, 7.3).
//!
//! Any local user can reach the port, so the listener holds out against
//! them: it takes only the answer that carries the flow's `state` (others
//! are refused and counted, and it keeps listening), keeps at most
//! [`MAX_CONNECTIONS`] connections open (closing the oldest idle one for a
//! newcomer), gives each little time, and backs off when accepting fails
//! (out of descriptors) instead of spinning. HTTP is served by hyper.

use super::oauth::same_state;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::{AbortHandle, JoinSet};

/// Where on the listener Stripe sends the browser.
pub const CALLBACK_PATH: &str = "/oauth/callback";
/// A browser opens a few connections at once; more than this are not it.
pub const MAX_CONNECTIONS: usize = 16;
/// A browser sends its request head at once.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(2);
/// Longest a connection may stay open, whatever it does.
const CONNECTION_TIMEOUT: Duration = Duration::from_secs(5);
/// Waits after a failed accept (no descriptors left, say): from the first
/// to the last, doubling.
const ACCEPT_BACKOFF: (Duration, Duration) = (Duration::from_millis(10), Duration::from_secs(1));

const THANKS: &str = "<!doctype html><meta charset=utf-8><title>Stripe Desk</title>\
<body style=\"font:16px system-ui;margin:15vh auto;max-width:32em;color:#1a1f36\">\
<h1 style=\"font-size:22px\">Back to Stripe Desk</h1>\
<p>Stripe's answer reached Stripe Desk. You can close this tab.</p>";

const NOT_OURS: &str = "<!doctype html><meta charset=utf-8><title>Stripe Desk</title>\
<p>This answer does not belong to the connection Stripe Desk is waiting for.";

pub struct LoopbackListener {
    listener: TcpListener,
    port: u16,
}

/// One open connection: whether it has sent a request yet (an idle one is
/// the first to go when the listener is full).
struct Open {
    handle: AbortHandle,
    requested: Arc<AtomicBool>,
}

impl LoopbackListener {
    pub async fn bind() -> std::io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let port = listener.local_addr()?.port();
        Ok(LoopbackListener { listener, port })
    }

    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// Serves until a request for the callback path carries `state`, then
    /// returns the full address it asked for. A callback with another state
    /// gets a 400 and is counted in `refused`; anything else a 404; the
    /// listener keeps waiting. Dropping the returned future closes the port.
    pub async fn next_answer(self, state: String, refused: Arc<AtomicU64>) -> String {
        let state = Arc::new(state);
        let mut serving = JoinSet::new();
        let mut open: VecDeque<Open> = VecDeque::new();
        let mut backoff = ACCEPT_BACKOFF.0;
        loop {
            open.retain(|c| !c.handle.is_finished());
            let idle = open
                .iter()
                .position(|c| !c.requested.load(Ordering::SeqCst));
            let room = open.len() < MAX_CONNECTIONS || idle.is_some();
            tokio::select! {
                accepted = self.listener.accept(), if room => match accepted {
                    Ok((stream, _)) => {
                        backoff = ACCEPT_BACKOFF.0;
                        if open.len() >= MAX_CONNECTIONS {
                            if let Some(oldest_idle) = idle.and_then(|i| open.remove(i)) {
                                oldest_idle.handle.abort();
                            }
                        }
                        let requested = Arc::new(AtomicBool::new(false));
                        let handle = serving.spawn(serve_one(
                            stream,
                            state.clone(),
                            refused.clone(),
                            requested.clone(),
                        ));
                        open.push_back(Open { handle, requested });
                    }
                    Err(e) => {
                        tracing::debug!(error = %e, wait_ms = backoff.as_millis() as u64, "loopback accept failed; backing off");
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(ACCEPT_BACKOFF.1);
                    }
                },
                Some(served) = serving.join_next(), if !serving.is_empty() => {
                    if let Ok(Some(target)) = served {
                        return format!("http://127.0.0.1:{}{target}", self.port);
                    }
                }
            }
        }
    }
}

/// Serves one connection (one request: no keep-alive); returns the target
/// of the callback that carried the right state, once its page is sent.
async fn serve_one(
    stream: tokio::net::TcpStream,
    state: Arc<String>,
    refused: Arc<AtomicU64>,
    requested: Arc<AtomicBool>,
) -> Option<String> {
    let taken: Arc<Mutex<Option<String>>> = Arc::default();
    let slot = taken.clone();
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        requested.store(true, Ordering::SeqCst);
        let answer = answer(&req, &state);
        let response = match answer {
            Answer::Ours(target) => {
                *slot.lock().unwrap() = Some(target);
                page(StatusCode::OK, THANKS)
            }
            Answer::NotOurs => {
                let n = refused.fetch_add(1, Ordering::SeqCst) + 1;
                tracing::warn!(
                    refused = n,
                    "refused an answer on the loopback port whose state does not match"
                );
                page(StatusCode::BAD_REQUEST, NOT_OURS)
            }
            Answer::Elsewhere => page(StatusCode::NOT_FOUND, "Not found"),
        };
        async move { Ok::<_, Infallible>(response) }
    });
    let connection = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .keep_alive(false)
        .max_buf_size(8 * 1024)
        .serve_connection(TokioIo::new(stream), service);
    let _ = tokio::time::timeout(CONNECTION_TIMEOUT, connection).await;
    let target = taken.lock().unwrap().take();
    target
}

enum Answer {
    Ours(String),
    NotOurs,
    Elsewhere,
}

fn answer(req: &Request<Incoming>, state: &str) -> Answer {
    if req.method() != Method::GET || req.uri().path() != CALLBACK_PATH {
        return Answer::Elsewhere;
    }
    let query = req.uri().query().unwrap_or("");
    let given: Vec<_> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .collect();
    match given.as_slice() {
        [one] if same_state(state, one) => Answer::Ours(format!("{CALLBACK_PATH}?{query}")),
        _ => Answer::NotOurs,
    }
}

fn page(status: StatusCode, body: &'static str) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header("content-type", "text/html; charset=utf-8")
        .header("cache-control", "no-store")
        .header("referrer-policy", "no-referrer")
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .expect("a valid response")
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    async fn get(port: u16, target: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        s.write_all(format!("GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").as_bytes())
            .await
            .unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).await.unwrap();
        out
    }

    #[tokio::test]
    async fn takes_the_callback_with_its_state_ignores_the_rest_and_closes() {
        let l = LoopbackListener::bind().await.unwrap();
        let port = l.port;
        assert_eq!(
            l.redirect_uri(),
            format!("http://127.0.0.1:{port}/oauth/callback")
        );
        let refused = Arc::new(AtomicU64::new(0));
        let answer = tokio::spawn(l.next_answer("st_1".into(), refused.clone()));
        assert!(get(port, "/favicon.ico").await.starts_with("HTTP/1.1 404"));
        assert!(get(port, "/oauth/callbackX?code=1&state=st_1")
            .await
            .starts_with("HTTP/1.1 404"));
        for forged in [
            "/oauth/callback?code=ac_1&state=st_2",
            "/oauth/callback?code=ac_1",
            "/oauth/callback?code=ac_1&state=st_1&state=st_2",
        ] {
            assert!(
                get(port, forged).await.starts_with("HTTP/1.1 400"),
                "{forged}"
            );
        }
        assert_eq!(refused.load(Ordering::SeqCst), 3);
        // A client that connects and says nothing does not block the others.
        let _idle = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
        let page = get(port, "/oauth/callback?code=ac_1&state=st_1").await;
        assert!(page.starts_with("HTTP/1.1 200") && page.contains("You can close this tab"));
        assert_eq!(
            answer.await.unwrap(),
            format!("http://127.0.0.1:{port}/oauth/callback?code=ac_1&state=st_1")
        );
        assert!(
            TcpStream::connect(("127.0.0.1", port)).await.is_err(),
            "closed after use"
        );
    }

    #[tokio::test]
    async fn never_holds_more_than_the_cap_and_drops_silent_clients_quickly() {
        let l = LoopbackListener::bind().await.unwrap();
        let port = l.port;
        let _wait = tokio::spawn(l.next_answer("st_1".into(), Arc::default()));
        let mut idle = Vec::new();
        for _ in 0..3 * MAX_CONNECTIONS {
            idle.push(TcpStream::connect(("127.0.0.1", port)).await.unwrap());
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        // Closed by the listener: a read sees the end at once.
        let mut closed = 0;
        for s in &mut idle {
            let mut b = [0u8; 1];
            if let Ok(Ok(0) | Err(_)) =
                tokio::time::timeout(Duration::from_millis(20), s.read(&mut b)).await
            {
                closed += 1;
            }
        }
        assert_eq!(
            closed,
            2 * MAX_CONNECTIONS,
            "all but the newest {MAX_CONNECTIONS} closed"
        );
        // The rest go after the header timeout.
        tokio::time::sleep(HEADER_READ_TIMEOUT + Duration::from_millis(500)).await;
        for s in &mut idle[2 * MAX_CONNECTIONS..] {
            let mut b = [0u8; 1];
            assert!(matches!(
                tokio::time::timeout(Duration::from_millis(200), s.read(&mut b)).await,
                Ok(Ok(0)) | Ok(Err(_))
            ));
        }
    }
}
