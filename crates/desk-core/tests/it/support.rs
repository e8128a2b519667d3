//! What several modules of this binary do alike.

use desk_core::connections::ExpectedConnection;
use desk_core::desk::Desk;

/// Saves `key` as a connection, makes it the one on screen, and answers
/// what a window that shows it would send with a write.
pub async fn connect(d: &Desk, key: &str) -> ExpectedConnection {
    let c = d.save_key_connection(key, false).await.unwrap();
    d.set_active(&c.id).unwrap();
    ExpectedConnection {
        connection_id: c.id,
        mode: c.mode,
    }
}
