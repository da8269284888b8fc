//! Live updates: every change committed to the database, by this process or
//! any other, delivered to subscribers within about a second.
//!
//! One feed task per [`App`] follows the change log with
//! [`Store::log_after`]. It wakes when the store pushes a notification
//! (PostgreSQL LISTEN/NOTIFY, so across server processes) and otherwise
//! polls: every 250 ms on stores that cannot push (SQLite, whose other
//! writers are other processes on the same file), every 2 s as a safety net
//! on those that can. A database that cannot be reached pauses the feed,
//! which resumes where it stopped when the database is back, so no change
//! is skipped. The feed carries whole logged changes; front ends decide
//! what to show (and must apply their own read filters, e.g. blind coding).

use std::sync::Arc;
use std::time::Duration;

use axial_core::{Change, ChangeSeq};
use axial_store::{HistoryQuery, Store};
use tokio::sync::{broadcast, Notify, OnceCell};

use crate::App;

/// Changes buffered per subscriber before a slow one starts missing some
/// (it is then told how many it missed and should reload).
const BUFFER: usize = 1024;
/// Log entries read per round trip.
const PAGE: u32 = 500;

/// The shared sender of the feed, started on first use.
#[derive(Clone, Default)]
pub(crate) struct LiveFeed(Arc<OnceCell<broadcast::Sender<Arc<Change>>>>);

impl App {
    /// Subscribes to every change committed after this call returns.
    pub async fn live_changes(&self) -> broadcast::Receiver<Arc<Change>> {
        self.live
            .0
            .get_or_init(|| async {
                let (tx, _) = broadcast::channel(BUFFER);
                let last = newest(self.store().as_ref()).await;
                tokio::spawn(follow(self.store().clone(), tx.clone(), last));
                tx
            })
            .await
            .subscribe()
    }
}

async fn newest(store: &dyn Store) -> ChangeSeq {
    let q = HistoryQuery {
        project: None,
        author: None,
        before: None,
        limit: 1,
    };
    loop {
        match store.history(&q).await {
            Ok(h) => return h.first().map(|c| c.seq).unwrap_or(ChangeSeq(0)),
            Err(_) => tokio::time::sleep(Duration::from_secs(1)).await,
        }
    }
}

async fn follow(store: Arc<dyn Store>, tx: broadcast::Sender<Arc<Change>>, mut last: ChangeSeq) {
    let notify = Arc::new(Notify::new());
    let pushed = {
        let notify = notify.clone();
        store.subscribe(Arc::new(move || notify.notify_one()))
    };
    let idle = if pushed {
        Duration::from_secs(2)
    } else {
        Duration::from_millis(250)
    };
    loop {
        tokio::select! {
            _ = notify.notified() => {}
            _ = tokio::time::sleep(idle) => {}
        }
        loop {
            match store.log_after(last, PAGE).await {
                Ok(page) => {
                    let n = page.len();
                    for c in page {
                        last = c.seq;
                        // No subscriber right now is fine: nobody to tell.
                        let _ = tx.send(Arc::new(c));
                    }
                    if n < PAGE as usize {
                        break;
                    }
                }
                Err(_) => {
                    // Unreachable for now: try again after a pause, from
                    // where the feed stopped.
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axial_core::Action;
    use axial_store_sqlite::SqliteStore;

    #[tokio::test]
    async fn changes_from_another_process_arrive() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("live.db");
        let path = path.to_string_lossy().to_string();
        let a = App::new(Arc::new(SqliteStore::open(&path).await.expect("open")));
        // A second store on the same file stands for another process.
        let b = App::new(Arc::new(SqliteStore::open(&path).await.expect("open")));
        let mut rx = a.live_changes().await;
        let actor = b.local_user("kim").await.expect("user");
        let project = b.create_project(&actor, "Live", "").await.expect("project");
        let got = tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                let c = rx.recv().await.expect("feed open");
                if c.action == Action::ProjectCreate {
                    return c;
                }
            }
        })
        .await
        .expect("the change arrives within 5 s");
        assert_eq!(got.project, Some(project.id));
    }
}
