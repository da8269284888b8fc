//! Warnings about where a database file lives.
//!
//! SQLite's locking and its write-ahead log assume a local disk. A sync
//! client (OneDrive, Dropbox, iCloud Drive, Google Drive, Box …) copies the
//! file and its `-wal` side file independently and can hand back a damaged
//! or forked database; network filesystems often implement file locks
//! badly. This module only recognises such places (by folder names, and on
//! Linux by the filesystem type in `/proc/mounts`); it never refuses to open
//! anything — the caller shows the warning.

use std::path::{Path, PathBuf};

/// Folder names (lowercase) that sync clients create, with the service's name.
fn sync_service(component: &str) -> Option<&'static str> {
    let c = component.trim().to_lowercase();
    let c = c.as_str();
    if c.starts_with("onedrive") {
        Some("OneDrive")
    } else if c == "dropbox" || c.starts_with("dropbox (") {
        Some("Dropbox")
    } else if c == "mobile documents" || c.starts_with("icloud drive") || c == "iclouddrive" {
        Some("iCloud Drive")
    } else if c == "google drive"
        || c == "googledrive"
        || c == "my drive"
        || c.starts_with("googledrive-")
    {
        Some("Google Drive")
    } else if c == "box" || c == "box sync" || c.starts_with("box-box") {
        Some("Box")
    } else if c == "cloudstorage" {
        Some("a cloud storage provider")
    } else if c == "nextcloud" || c == "owncloud" || c == "pcloud drive" || c == "sync.com" {
        Some("a cloud sync client")
    } else {
        None
    }
}

/// Filesystem types that are network or remote filesystems.
fn is_network_fs(fs_type: &str) -> bool {
    matches!(
        fs_type,
        "nfs"
            | "nfs4"
            | "cifs"
            | "smb3"
            | "smbfs"
            | "fuse.sshfs"
            | "9p"
            | "afs"
            | "ncpfs"
            | "davfs"
    ) || fs_type.starts_with("fuse.rclone")
}

/// Warning text if `path` is in a cloud-sync folder or on a network
/// filesystem, else `None`. Paths are judged by their text (both `/` and `\`
/// separate folders, so Windows paths are recognised anywhere).
pub fn location_warning(path: &Path) -> Option<String> {
    let text = path.to_string_lossy();
    if let Some(service) = text.split(['/', '\\']).find_map(sync_service) {
        return Some(format!(
            "the database {text} is inside a folder synced by {service}; syncing an open SQLite database can damage it \
             or split it into conflicting copies. Move it to a local folder that is not synced, \
             or use a PostgreSQL server to share a project"
        ));
    }
    if text.starts_with(r"\\") || text.starts_with("//") {
        return Some(network_warning(&text, "a network share"));
    }
    if let Ok(mounts) = std::fs::read_to_string("/proc/mounts") {
        if let Some(fs) = mount_type(&mounts, &existing_ancestor(path)) {
            if is_network_fs(&fs) {
                return Some(network_warning(
                    &text,
                    &format!("a network filesystem ({fs})"),
                ));
            }
        }
    }
    None
}

fn network_warning(path: &str, what: &str) -> String {
    format!(
        "the database {path} is on {what}; SQLite's file locking is unreliable there and the database can be damaged. \
         Keep it on a local disk, or use a PostgreSQL server to share a project"
    )
}

/// The path made absolute and resolved as far as it exists (the database
/// file itself may not exist yet).
fn existing_ancestor(path: &Path) -> PathBuf {
    let abs = if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    };
    let mut probe = abs.as_path();
    loop {
        if let Ok(real) = probe.canonicalize() {
            return real.join(abs.strip_prefix(probe).unwrap_or(Path::new("")));
        }
        match probe.parent() {
            Some(p) => probe = p,
            None => return abs,
        }
    }
}

/// Undoes the octal escapes (`\040` for a space) of `/proc/mounts` fields.
fn unescape_mount(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\\' {
            let digits: String = chars.clone().take(3).collect();
            if digits.len() == 3 && digits.chars().all(|d| ('0'..='7').contains(&d)) {
                if let Ok(v) = u8::from_str_radix(&digits, 8) {
                    out.push(char::from(v));
                    for _ in 0..3 {
                        chars.next();
                    }
                    continue;
                }
            }
        }
        out.push(c);
    }
    out
}

/// The filesystem type of the longest mount point containing `path`, from
/// the text of `/proc/mounts`.
fn mount_type(mounts: &str, path: &Path) -> Option<String> {
    mounts
        .lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            let (_device, point, fs) = (f.next()?, f.next()?, f.next()?);
            let point = unescape_mount(point);
            path.starts_with(&point)
                .then(|| (point.len(), fs.to_string()))
        })
        .max_by_key(|(len, _)| *len)
        .map(|(_, fs)| fs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(path: &str, want: Option<&str>) {
        let got = location_warning(Path::new(path));
        match (want, &got) {
            (None, None) => {}
            (Some(w), Some(g)) => assert!(
                g.contains(w),
                "{path}: warning '{g}' does not mention '{w}'"
            ),
            _ => panic!("{path}: expected {want:?}, got {got:?}"),
        }
    }

    #[test]
    fn recognises_sync_folders() {
        check("/home/a/Dropbox/x.db", Some("Dropbox"));
        check(
            "/Users/a/Library/Mobile Documents/com~apple~CloudDocs/x.db",
            Some("iCloud Drive"),
        );
        check(r"C:\Users\a\OneDrive\x.db", Some("OneDrive"));
        check(
            r"C:\Users\a\OneDrive - Example University\study\x.db",
            Some("OneDrive"),
        );
        check("/Users/a/Google Drive/My Drive/x.db", Some("Google Drive"));
        check(
            "/Users/a/Library/CloudStorage/Box-Box/x.db",
            Some("cloud storage"),
        );
        check(r"\\fileserver\research\x.db", Some("network share"));
        check("/tmp/x.db", None);
        check("/home/a/dropboxes-are-not-here/x.db", None);
    }

    #[test]
    fn finds_the_filesystem_of_the_longest_mount_point() {
        let mounts = "/dev/sda1 / ext4 rw 0 0\n\
                      server:/export /mnt/lab nfs4 rw 0 0\n\
                      //nas/share /mnt/lab/smb\\040share cifs rw 0 0\n";
        assert_eq!(
            mount_type(mounts, Path::new("/home/a/x.db")).as_deref(),
            Some("ext4")
        );
        assert_eq!(
            mount_type(mounts, Path::new("/mnt/lab/x.db")).as_deref(),
            Some("nfs4")
        );
        assert_eq!(
            mount_type(mounts, Path::new("/mnt/lab/smb share/x.db")).as_deref(),
            Some("cifs")
        );
        assert_eq!(
            mount_type(mounts, Path::new("/mnt/labs/x.db")).as_deref(),
            Some("ext4")
        );
        assert!(is_network_fs("nfs4") && is_network_fs("fuse.sshfs") && !is_network_fs("ext4"));
    }
}
