//! Online backups through SQLite's backup API: a consistent copy of the
//! whole database taken from an open connection while other connections keep
//! working, written to a temporary file beside the target and renamed into
//! place only when complete.
//!
//! This is the one place the backend calls SQLite's C interface directly
//! (sqlx does not wrap the backup API); every pointer it uses lives only
//! for the duration of [`backup`].

use std::ffi::{CStr, CString};
use std::path::Path;
use std::ptr;

use axial_store::StoreError;
use libsqlite3_sys as ffi;
use sqlx::sqlite::SqliteConnection;

use crate::error::Fault;

fn failed(dest: &Path, detail: impl std::fmt::Display) -> Fault {
    StoreError::Backend {
        detail: format!("could not write the backup {}: {detail}", dest.display()),
    }
    .into()
}

/// Copies the database behind `conn` to `dest` (replacing it atomically).
pub(crate) async fn backup(conn: &mut SqliteConnection, dest: &Path) -> Result<(), Fault> {
    let tmp = dest.with_extension("partial");
    let _ = std::fs::remove_file(&tmp);
    let c_path = CString::new(tmp.to_string_lossy().as_bytes())
        .map_err(|_| failed(dest, "the path contains a NUL byte"))?;
    let mut handle = conn.lock_handle().await?;
    let src = handle.as_raw_handle().as_ptr();
    // SAFETY: `src` is the live connection handle locked above for the whole
    // call; `dst` is opened, used and closed here; `backup` is finished
    // before `dst` is closed; all strings are NUL-terminated and outlive the
    // calls that read them.
    let outcome = unsafe {
        let mut dst: *mut ffi::sqlite3 = ptr::null_mut();
        let rc = ffi::sqlite3_open_v2(
            c_path.as_ptr(),
            &mut dst,
            ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE,
            ptr::null(),
        );
        if rc != ffi::SQLITE_OK {
            let msg = message(dst);
            ffi::sqlite3_close(dst);
            Err(msg)
        } else {
            let main = c"main";
            let b = ffi::sqlite3_backup_init(dst, main.as_ptr(), src, main.as_ptr());
            if b.is_null() {
                let msg = message(dst);
                ffi::sqlite3_close(dst);
                Err(msg)
            } else {
                let step = ffi::sqlite3_backup_step(b, -1);
                let finish = ffi::sqlite3_backup_finish(b);
                let msg = message(dst);
                let close = ffi::sqlite3_close(dst);
                if step != ffi::SQLITE_DONE || finish != ffi::SQLITE_OK {
                    Err(msg)
                } else if close != ffi::SQLITE_OK {
                    Err("the backup file could not be closed".to_string())
                } else {
                    Ok(())
                }
            }
        }
    };
    drop(handle);
    if let Err(msg) = outcome {
        let _ = std::fs::remove_file(&tmp);
        return Err(failed(dest, msg));
    }
    std::fs::rename(&tmp, dest).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        failed(dest, e)
    })
}

/// The error message of a connection (or a generic one without it).
///
/// # Safety
/// `db` is null or a connection handle that is still open.
unsafe fn message(db: *mut ffi::sqlite3) -> String {
    if db.is_null() {
        return "out of memory".into();
    }
    let m = ffi::sqlite3_errmsg(db);
    if m.is_null() {
        "unknown error".into()
    } else {
        CStr::from_ptr(m).to_string_lossy().into_owned()
    }
}
