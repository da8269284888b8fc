//! `axial user …` (accounts: add, list, password) and `axial member …`
//! (who is in a project with which role). Parsing and printing only; the
//! rules live in axial-app. The command line works on the database file
//! directly, so it needs no sign-in: whoever can open the database can
//! already change it.

use std::io::BufRead;

use anyhow::{anyhow, bail, Context};
use axial_app::{Actor, App, MemberRole};
use axial_core::Project;
use clap::Subcommand;

use crate::output::{self, table};

#[derive(Debug, Subcommand)]
pub enum UserCmd {
    /// Create a user account (the first one, made here, should be --admin)
    Add {
        name: String,
        /// The name shown to others (default: NAME)
        #[arg(long)]
        display_name: Option<String>,
        /// May create other accounts from the browser
        #[arg(long)]
        admin: bool,
        /// Read the password from the first line of standard input
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// List the user accounts
    List,
    /// Set a new password for a user (ends their sessions)
    Password {
        name: String,
        /// Read the password from the first line of standard input
        #[arg(long, required = true)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MemberCmd {
    /// Add a user to the project, or change their role
    Add {
        /// The user's name (named `member`: `--user` is the acting user)
        #[arg(value_name = "USER")]
        member: String,
        /// owner, coder or viewer
        #[arg(long, default_value = "coder")]
        role: String,
    },
    /// Remove a user from the project (not its last owner)
    Remove {
        #[arg(value_name = "USER")]
        member: String,
    },
    /// List the project's members with their roles
    List,
}

/// The first line of standard input, without its line ending.
fn password_from_stdin() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("cannot read the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        bail!("no password on standard input; pipe it in, e.g. `printf '%s\\n' \"$PASSWORD\" | axial user add NAME --password-stdin`");
    }
    Ok(password)
}

pub async fn user(app: &App, actor: &Actor, cmd: &UserCmd, json: bool) -> anyhow::Result<()> {
    match cmd {
        UserCmd::Add {
            name,
            display_name,
            admin,
            password_stdin: _,
        } => {
            let password = password_from_stdin()?;
            let first = !app.accounts_on().await?;
            let a = app
                .create_account(actor, name, display_name.as_deref(), &password, *admin)
                .await?;
            if json {
                output::json(&a)?;
            } else {
                let what = if a.admin { "administrator" } else { "user" };
                println!("created the {what} account '{}'", a.name);
                if first {
                    println!("accounts are now on: `axial serve` asks everyone to sign in, and may listen on other addresses than loopback");
                    if !a.admin {
                        eprintln!("warning: '{}' is no administrator; make one with `axial user add NAME --admin --password-stdin` to add users from the browser", a.name);
                    }
                }
            }
        }
        UserCmd::List => {
            let accounts = app.accounts().await?;
            if json {
                output::json(&accounts)?;
            } else if accounts.is_empty() {
                println!("no user accounts yet; create an administrator with `axial user add NAME --admin --password-stdin`");
            } else {
                let rows: Vec<Vec<String>> = accounts
                    .iter()
                    .map(|a| {
                        vec![
                            a.name.clone(),
                            a.display_name.clone(),
                            if a.admin { "yes" } else { "" }.to_string(),
                        ]
                    })
                    .collect();
                table(&["USER", "DISPLAY NAME", "ADMIN"], &rows);
            }
        }
        UserCmd::Password {
            name,
            password_stdin: _,
        } => {
            let password = password_from_stdin()?;
            let ended = app.set_password(actor, name, &password).await?;
            if json {
                output::json(&serde_json::json!({ "user": name, "sessions_ended": ended }))?;
            } else {
                println!(
                    "set a new password for '{name}' ({ended} session{} ended)",
                    if ended == 1 { "" } else { "s" }
                );
            }
        }
    }
    Ok(())
}

pub async fn member(
    app: &App,
    actor: &Actor,
    p: &Project,
    cmd: &MemberCmd,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        MemberCmd::Add { member, role } => {
            let role: MemberRole = role.parse().map_err(|e| anyhow!("--role: {e}"))?;
            let u = app.find_user(member).await?;
            let m = app.set_member(actor, p, &u, role).await?;
            if json {
                output::json(&m)?;
            } else {
                println!("'{}' is {} of '{}'", m.name, article(m.role), p.name);
            }
        }
        MemberCmd::Remove { member } => {
            let u = app.find_user(member).await?;
            app.remove_member(actor, p, &u).await?;
            if !json {
                println!("removed '{}' from '{}'", u.name, p.name);
            }
        }
        MemberCmd::List => {
            let members = app.members(p).await?;
            if json {
                output::json(&members)?;
            } else if members.is_empty() {
                println!(
                    "'{}' has no members yet; add one with `axial member add USER --role owner`",
                    p.name
                );
            } else {
                let rows: Vec<Vec<String>> = members
                    .iter()
                    .map(|m| vec![m.name.clone(), m.display_name.clone(), m.role.to_string()])
                    .collect();
                table(&["USER", "DISPLAY NAME", "ROLE"], &rows);
            }
        }
    }
    Ok(())
}

fn article(role: MemberRole) -> String {
    match role {
        MemberRole::Owner => "an owner".into(),
        r => format!("a {r}"),
    }
}
