//! The loopback redirect: for one "Connect with Stripe", a listener on
//! 127.0.0.1 (a port the system picks) that takes Stripe's answer from the
//! browser, thanks the user, and closes. Test mode accepts such redirects,
//! and native apps may use any loopback port (RFC 8252, 7.3).

use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Where on the listener Stripe sends the browser.
pub const CALLBACK_PATH: &str = "/oauth/callback";
/// Requests larger than this are not an answer from Stripe.
const MAX_REQUEST: usize = 8 * 1024;

const THANKS: &str = "<!doctype html><meta charset=utf-8><title>Stripe Desk</title>\
<body style=\"font:16px system-ui;margin:15vh auto;max-width:32em;color:#1a1f36\">\
<h1 style=\"font-size:22px\">Back to Stripe Desk</h1>\
<p>Stripe's answer reached Stripe Desk. You can close this tab.</p>";

pub struct LoopbackListener {
    listener: TcpListener,
    port: u16,
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

    /// Serves the browser until it asks for the callback path, then returns
    /// the full address it asked for. Anything else (a favicon, a stray
    /// request) gets a 404 and the listener keeps waiting. Dropping the
    /// returned future closes the port.
    pub async fn next_answer(self) -> String {
        // Each browser connection is served on its own, so one that never
        // finishes its request holds nothing up.
        let mut serving = tokio::task::JoinSet::new();
        loop {
            tokio::select! {
                accepted = self.listener.accept() => {
                    if let Ok((stream, _)) = accepted {
                        serving.spawn(tokio::time::timeout(Duration::from_secs(10), answer_one(stream)));
                    }
                }
                Some(served) = serving.join_next(), if !serving.is_empty() => {
                    if let Ok(Ok(Some(target))) = served {
                        return format!("http://127.0.0.1:{}{target}", self.port);
                    }
                }
            }
        }
    }
}

/// Reads one request; answers it; returns its target if it was the callback.
async fn answer_one(mut stream: TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 || buf.len() + n > MAX_REQUEST {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf);
    let mut parts = head.lines().next()?.split(' ');
    let (method, target) = (parts.next()?, parts.next()?);
    let is_callback = method == "GET"
        && (target == CALLBACK_PATH || target.starts_with(&format!("{CALLBACK_PATH}?")));
    let (status, body) = if is_callback {
        ("200 OK", THANKS)
    } else {
        ("404 Not Found", "Not found")
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes()).await;
    let _ = stream.shutdown().await;
    is_callback.then(|| target.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

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
    async fn takes_the_callback_ignores_the_rest_and_closes() {
        let l = LoopbackListener::bind().await.unwrap();
        let port = l.port;
        assert_eq!(
            l.redirect_uri(),
            format!("http://127.0.0.1:{port}/oauth/callback")
        );
        let answer = tokio::spawn(l.next_answer());
        assert!(get(port, "/favicon.ico").await.starts_with("HTTP/1.1 404"));
        assert!(get(port, "/oauth/callbackX?code=1")
            .await
            .starts_with("HTTP/1.1 404"));
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
}
