//! Copying a whole database to another one, possibly on another backend
//! (`axial migrate --from DB --to DB`): users, accounts, every project with
//! its records, every stored text and the complete change log, keeping ids,
//! versions, timestamps and log sequence numbers, then proving the copy by
//! reading the target back and comparing counts and checksums.
//!
//! The copy is read into memory first (one consistent snapshot per project)
//! and loaded into the empty target in one transaction, so a failure leaves
//! the target empty. Sessions are not copied: people sign in again.

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::Arc;

use axial_core::{ChangeSeq, ContentHash};
use axial_store::{DatabaseDump, ProjectCounts, Store};
use sha2::{Digest, Sha256};

use crate::AppError;

/// Log entries read per round trip.
const LOG_PAGE: u32 = 5_000;

/// What one project looks like on both sides of a copy.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectCopy {
    pub name: String,
    pub counts: ProjectCounts,
    /// SHA-256 over the project's values, independent of listing order.
    pub checksum: String,
}

/// The verified result of a copy.
#[derive(Debug, Clone, PartialEq)]
pub struct CopyReport {
    pub users: usize,
    pub accounts: usize,
    pub texts: usize,
    pub changes: usize,
    pub projects: Vec<ProjectCopy>,
    /// SHA-256 over the users, accounts, texts and log.
    pub checksum: String,
}

/// Steps of a copy, for a progress display.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CopyStep {
    Reading,
    Writing,
    Verifying,
}

/// Reads everything a database holds.
pub async fn dump_database(
    store: &dyn Store,
    progress: &(dyn Fn(CopyStep, u64, u64) + Send + Sync),
) -> Result<DatabaseDump, AppError> {
    let projects = store.projects().await?;
    let total = projects.len() as u64 + 3;
    progress(CopyStep::Reading, 0, total);
    let users = store.users().await?;
    let accounts = store.accounts().await?;
    let mut snapshots = Vec::with_capacity(projects.len());
    for (i, p) in projects.iter().enumerate() {
        let mut snap = store.snapshot(p.id).await?;
        snap.users.clear();
        snapshots.push(snap);
        progress(CopyStep::Reading, i as u64 + 1, total);
    }
    let mut texts: Vec<(ContentHash, Arc<str>)> = Vec::new();
    for hash in store.text_hashes().await? {
        texts.push((hash, store.text(hash).await?));
    }
    progress(CopyStep::Reading, projects.len() as u64 + 1, total);
    let mut log = Vec::new();
    let mut after = ChangeSeq(0);
    loop {
        let page = store.log_after(after, LOG_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        let n = page.len();
        log.extend(page);
        if n < LOG_PAGE as usize {
            break;
        }
    }
    progress(CopyStep::Reading, total, total);
    Ok(DatabaseDump {
        users,
        accounts,
        projects: snapshots,
        texts,
        log,
    })
}

/// Copies `from` into the empty `to` and verifies the copy.
pub async fn copy_database(
    from: &dyn Store,
    to: &dyn Store,
    progress: &(dyn Fn(CopyStep, u64, u64) + Send + Sync),
) -> Result<CopyReport, AppError> {
    let dump = dump_database(from, progress).await?;
    let want = summarize(from, &dump).await?;
    progress(CopyStep::Writing, 0, 1);
    to.load_dump(&dump).await.map_err(|e| {
        AppError::Invalid(format!(
            "could not copy into the target database ({e}); nothing was written to it"
        ))
    })?;
    progress(CopyStep::Writing, 1, 1);
    progress(CopyStep::Verifying, 0, 1);
    let copied = dump_database(to, &|_, _, _| {}).await?;
    let got = summarize(to, &copied).await?;
    progress(CopyStep::Verifying, 1, 1);
    let mismatches = differences(&want, &got);
    if !mismatches.is_empty() {
        return Err(AppError::Invalid(format!(
            "the copy differs from the original ({}); delete the target database and report this",
            mismatches.join("; ")
        )));
    }
    Ok(got)
}

/// Counts and checksums of a dump.
pub async fn summarize(store: &dyn Store, dump: &DatabaseDump) -> Result<CopyReport, AppError> {
    let mut projects = Vec::new();
    for snap in &dump.projects {
        let Some(project) = &snap.project else {
            continue;
        };
        let mut h = Sha256::new();
        for part in [
            digest_all(std::slice::from_ref(project)),
            digest_all(&snap.sources),
            digest_all(&snap.cases),
            digest_all(&snap.variables),
            digest_all(&snap.values),
            digest_all(&snap.sets),
            digest_all(&snap.codes),
            digest_all(&snap.codings),
            digest_all(&snap.memos),
            digest_all(&snap.relations),
            digest_all(&snap.records),
        ] {
            h.update(part.as_bytes());
        }
        projects.push(ProjectCopy {
            name: project.name.clone(),
            counts: store.counts(project.id).await?,
            checksum: hex(&h.finalize()),
        });
    }
    projects.sort_by(|a, b| a.name.cmp(&b.name));
    let mut h = Sha256::new();
    h.update(digest_all(&dump.users).as_bytes());
    h.update(digest_all(&dump.accounts).as_bytes());
    h.update(digest_all(&dump.texts).as_bytes());
    h.update(digest_all(&dump.log).as_bytes());
    Ok(CopyReport {
        users: dump.users.len(),
        accounts: dump.accounts.len(),
        texts: dump.texts.len(),
        changes: dump.log.len(),
        projects,
        checksum: hex(&h.finalize()),
    })
}

/// An order-independent digest of values: each value's full debug text is
/// hashed, and the sorted hashes are hashed again.
fn digest_all<T: Debug>(values: &[T]) -> String {
    let mut each: Vec<[u8; 32]> = values
        .iter()
        .map(|v| Sha256::digest(format!("{v:?}").as_bytes()).into())
        .collect();
    each.sort_unstable();
    let mut h = Sha256::new();
    for e in each {
        h.update(e);
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn differences(want: &CopyReport, got: &CopyReport) -> Vec<String> {
    let mut out = Vec::new();
    for (what, a, b) in [
        ("users", want.users, got.users),
        ("accounts", want.accounts, got.accounts),
        ("texts", want.texts, got.texts),
        ("log entries", want.changes, got.changes),
    ] {
        if a != b {
            out.push(format!("{what}: {a} in the original, {b} in the copy"));
        }
    }
    if want.checksum != got.checksum {
        out.push("users, accounts, texts or log differ in content".into());
    }
    let by_name = |r: &CopyReport| -> BTreeMap<String, ProjectCopy> {
        r.projects
            .iter()
            .map(|p| (p.name.clone(), p.clone()))
            .collect()
    };
    let (a, b) = (by_name(want), by_name(got));
    for (name, p) in &a {
        match b.get(name) {
            None => out.push(format!("project '{name}' is missing from the copy")),
            Some(q) if q.counts != p.counts => out.push(format!(
                "project '{name}' has other counts in the copy ({:?} vs {:?})",
                p.counts, q.counts
            )),
            Some(q) if q.checksum != p.checksum => {
                out.push(format!("project '{name}' differs in content"))
            }
            Some(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_ignore_order_but_not_content() {
        assert_eq!(digest_all(&[1, 2, 3]), digest_all(&[3, 1, 2]));
        assert_ne!(digest_all(&[1, 2, 3]), digest_all(&[1, 2, 4]));
        assert_ne!(digest_all::<i32>(&[]), digest_all(&[0]));
    }
}
