//! The `axial` command-line program: parses arguments, opens the database
//! named by `--db` (or `AXIAL_DB`), and calls the app façade. It holds no
//! domain logic; printing and progress bars live here.

use std::process::ExitCode;

use clap::Parser;

mod analysis;
mod args;
mod audit;
mod backup;
mod bench;
mod codings;
mod commands;
mod db;
mod exchange;
mod import;
mod migrate;
mod output;
mod participants;
mod properties;
mod pseudonymise;
mod relations;
mod show;
mod users;

fn main() -> ExitCode {
    restore_sigpipe();
    let cli = args::Cli::parse();
    if matches!(
        &cli.command,
        args::Command::Serve(_) | args::Command::Demo(args::DemoArgs { serve: true, .. })
    ) {
        return_freed_memory();
    }
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(commands::run(cli)) {
        Ok(code) => code,
        Err(e) => {
            let mut msg = format!("error: {e}");
            for cause in e.chain().skip(1) {
                msg.push_str(&format!("\n  caused by: {cause}"));
            }
            eprintln!("{msg}");
            ExitCode::from(1)
        }
    }
}

/// A server runs for days with many threads: glibc's defaults give each
/// busy thread its own arena and raise the size above which a block is
/// mapped on its own each time a large block is freed, so memory freed after
/// an upload or an export stays with the process. Two arenas and fixed
/// thresholds give large blocks (64 KiB and up) back when they are freed and
/// trim the heap above 128 KiB free. Commands that end soon keep the
/// defaults (faster for a bulk import).
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called in main before the runtime starts any thread; mallopt
    // only sets glibc's tuning parameters.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 64 << 10);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 128 << 10);
    }
}

/// Lets `axial … | head` end quietly: a closed pipe stops the program as it
/// does other command-line tools, instead of a write error.
fn restore_sigpipe() {
    #[cfg(unix)]
    // SAFETY: called first thing in main, before any thread exists; SIG_DFL is
    // a valid disposition for SIGPIPE.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
