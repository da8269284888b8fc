//! Command-line arguments (clap). These structs stay in the CLI.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Axial: a qualitative research workbench (code interviews, write memos,
/// compare cases, exchange projects through REFI-QDA).
#[derive(Debug, Parser)]
#[command(name = "axial", version, about, propagate_version = true)]
pub struct Cli {
    /// Database: a file path or sqlite: URL (default ./axial.db), or a postgres:// URL
    #[arg(long, global = true, env = "AXIAL_DB")]
    pub db: Option<String>,
    /// Project name (default: the only project)
    #[arg(long, short = 'p', global = true, env = "AXIAL_PROJECT")]
    pub project: Option<String>,
    /// Print machine-readable JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// Who is acting (default: $AXIAL_USER, else the login name)
    #[arg(long, global = true, env = "AXIAL_USER")]
    pub user: Option<String>,
    /// Never colour the output
    #[arg(long, global = true)]
    pub no_color: bool,
    /// How many daily automatic backups of a SQLite database to keep (default 7)
    #[arg(long, global = true, env = "AXIAL_KEEP_BACKUPS", value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub keep_backups: Option<u32>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create, list, rename or delete projects
    #[command(subcommand)]
    Project(ProjectCmd),
    /// Import files and folders (text, Markdown, HTML, DOCX, ODT, RTF, PDF, VTT, SRT, CSV/XLSX surveys)
    Import(ImportArgs),
    /// Export the project as REFI-QDA: `export qdpx FILE` (whole project) or `export qdc FILE` (codebook)
    #[command(subcommand)]
    Export(crate::exchange::ExportCmd),
    /// Import a REFI-QDA project (.qdpx or .qde) from another QDA program as a new project
    ImportProject(crate::exchange::ImportProjectArgs),
    /// Merge a codebook (.qdc, or CSV: name, parent, description, colour) into the project
    ImportCodebook(crate::exchange::ImportCodebookArgs),
    /// List the sources of the project
    Sources,
    /// Print a source with line numbers and its codings marked
    Show(ShowArgs),
    /// Cases (participants and other units)
    #[command(subcommand)]
    Case(CaseCmd),
    /// Variables (attributes) of cases and sources
    #[command(subcommand)]
    Attr(AttrCmd),
    /// Sets of sources, cases, codes or memos
    #[command(subcommand)]
    Set(SetCmd),
    /// The code tree and applying codes
    #[command(subcommand)]
    Code(CodeCmd),
    /// Remove codings of a code from a source
    Uncode(UncodeArgs),
    /// Every coded segment of a code, with attribution
    Segments(SegmentsArgs),
    /// Every coding of the project with its coder (ids and code-point spans)
    Codings(crate::codings::CodingsArgs),
    /// Memos
    #[command(subcommand)]
    Memo(MemoCmd),
    /// Typed relations between codes and the relation network
    #[command(subcommand)]
    Relation(crate::relations::RelationCmd),
    /// Properties of categories, their dimensions, and segments placed on them
    #[command(subcommand)]
    Property(crate::properties::PropertyCmd),
    /// Pseudonymise sources: propose identifiers, replace them, keep the encrypted key file
    #[command(subcommand)]
    Pseudonymise(crate::pseudonymise::PseudonymiseCmd),
    /// Search all sources
    Search(SearchArgs),
    /// The change log of the project
    History(HistoryArgs),
    /// The audit trail: every change with its author, time and changed fields (text, --json or --csv FILE)
    Audit(crate::audit::AuditArgs),
    /// Back up the SQLite database (`backup list` lists the backups)
    Backup(crate::backup::BackupArgs),
    /// Replace the SQLite database with a backup, after checking it (the current one is saved first)
    Restore(crate::backup::RestoreArgs),
    /// Revert your last change
    Undo,
    /// Re-apply the change your last undo reverted
    Redo,
    /// Counts of sources, cases, codes, codings and memos
    Stats,
    /// Build the built-in demo study (idempotent)
    Demo(DemoArgs),
    /// Serve the browser workspace and the HTTP API
    ///
    /// Without user accounts the server acts as the local user and listens on
    /// loopback addresses only. Once an account exists (`axial user add`),
    /// everyone signs in and the server may listen on other addresses; TLS
    /// then belongs to a reverse proxy in front of it (Caddy, nginx), which
    /// should send `X-Forwarded-Proto: https` so the session cookie is marked
    /// Secure.
    Serve(ServeArgs),
    /// User accounts: add, list, set a password (turns sign-in on)
    #[command(subcommand)]
    User(crate::users::UserCmd),
    /// Project members and their roles (owner, coder, viewer)
    #[command(subcommand)]
    Member(crate::users::MemberCmd),
    /// Analyses and reports: matrix, cooccurrence, query, negative, saturation, agreement, words, kwic, report
    #[command(flatten)]
    Analysis(crate::analysis::AnalysisCmd),
    /// The participant register, study details, sampling, quotes and member checking
    #[command(flatten)]
    Register(crate::participants::RegisterCmd),
    /// Time import, search, retrieval and coding on a synthetic corpus (in a temporary database)
    Bench(BenchArgs),
    /// Copy a whole database (SQLite or PostgreSQL) into an empty one and verify the copy
    Migrate(crate::migrate::MigrateArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BenchCorpus {
    /// The built-in demo study: 21 interviews, two coders
    Demo,
    /// 40 transcripts of 2,000 words (a quick check)
    Small,
    /// 1,000 transcripts of 8,000 words, 200 codes, 100,000 codings
    W2,
    /// A survey: 200,000 responses of 60 words (CSV with an open-text column)
    W3,
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    #[arg(long, value_enum, default_value = "w2")]
    pub corpus: BenchCorpus,
    /// Repetitions of each quick operation
    #[arg(long, default_value_t = 15)]
    pub runs: usize,
    /// Repetitions of each operation on the whole corpus (import, bulk
    /// coding, QDPX export and import); repeats use scratch databases
    #[arg(long, default_value_t = 3)]
    pub heavy_runs: usize,
    /// Keep the benchmark database at this path instead of a temporary one
    #[arg(long)]
    pub keep: Option<std::path::PathBuf>,
    /// Run on PostgreSQL instead of SQLite: a postgres:// URL of any
    /// database on the server, as a role allowed to create databases; the
    /// run creates its own databases there and drops them at the end
    #[arg(long, value_name = "URL")]
    pub postgres: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum ProjectCmd {
    /// Create a project
    New {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List projects
    List,
    /// Rename a project
    Rename { old: String, new: String },
    /// Delete a project with everything in it (cannot be undone)
    Delete {
        name: String,
        /// Confirm the deletion
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Args)]
#[command(
    after_help = "REFI-QDA exchange files: `axial import qdpx FILE` brings in a whole \
project (.qdpx or .qde) as a new project, `axial import qdc FILE` merges a codebook (.qdc or \
CSV) into the project; both take --dry-run, and qdpx takes --name."
)]
pub struct ImportArgs {
    /// Files or folders (folders are read recursively); or `qdpx FILE` /
    /// `qdc FILE` for a REFI-QDA project or codebook
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// With `qdpx` or `qdc`: read and check everything and print the loss
    /// report, but write nothing
    #[arg(long)]
    pub dry_run: bool,
    /// With `qdpx`: the new project's name (default: the name in the file;
    /// made unique)
    #[arg(long)]
    pub name: Option<String>,
    /// Put every imported source in this case
    #[arg(long, conflicts_with = "case_from")]
    pub case: Option<String>,
    /// Regular expression over the file name whose first group names the case, e.g. 'interview-(\d+)'
    #[arg(long)]
    pub case_from: Option<String>,
    /// A CSV sheet of case attributes: first column the case name, one column per variable
    #[arg(long)]
    pub attributes: Option<PathBuf>,
    /// Treat CSV/XLSX files as surveys: each row a case
    #[arg(long)]
    pub survey: bool,
    /// Survey column naming each row's case
    #[arg(long)]
    pub case_column: Option<String>,
    /// Survey columns that become case attributes
    #[arg(long = "attribute-column")]
    pub attribute_columns: Vec<String>,
    /// Survey open-text columns that become sources
    #[arg(long = "text-column")]
    pub text_columns: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub source: String,
    /// Number the lines
    #[arg(long)]
    pub lines: bool,
}

#[derive(Debug, Subcommand)]
pub enum CaseCmd {
    /// Create a case
    New {
        name: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List cases with their sources and attributes
    List,
    /// Rename a case
    Rename { old: String, new: String },
    /// Delete a case (its sources stay)
    Delete { name: String },
    /// Put a source in a case (created if missing)
    Assign { source: String, case: String },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VarType {
    Text,
    Integer,
    Decimal,
    Date,
    Boolean,
    Category,
}

#[derive(Debug, Subcommand)]
pub enum AttrCmd {
    /// Define a variable
    Define {
        name: String,
        #[arg(long = "type", value_enum, default_value = "text")]
        kind: VarType,
        /// Allowed values of a category, comma-separated
        #[arg(long)]
        values: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// List variables
    List,
    /// Set a value for a case or a source (an empty value clears it)
    Set {
        variable: String,
        value: String,
        #[arg(long, conflicts_with = "source", required_unless_present = "source")]
        case: Option<String>,
        #[arg(long)]
        source: Option<String>,
    },
    /// Import a CSV sheet keyed by case name
    Import { file: PathBuf },
    /// Delete a variable and its values
    Delete { name: String },
}

#[derive(Debug, Subcommand)]
pub enum SetCmd {
    /// Create a set of sources
    New {
        name: String,
        #[arg(long = "source")]
        sources: Vec<String>,
    },
    /// List sets
    List,
    /// Add sources to a set
    Add {
        set: String,
        #[arg(long = "source", required = true)]
        sources: Vec<String>,
    },
    /// Remove sources from a set
    Remove {
        set: String,
        #[arg(long = "source", required = true)]
        sources: Vec<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum CodeCmd {
    /// Create a code (or a category with --category)
    New {
        name: String,
        #[arg(long)]
        parent: Option<String>,
        #[arg(long)]
        color: Option<String>,
        #[arg(long, default_value = "")]
        description: String,
        /// A category groups codes and is not applied to text
        #[arg(long)]
        category: bool,
    },
    /// List codes with counts
    List,
    /// Print the code tree with counts
    Tree,
    /// Rename a code
    Rename { code: String, new_name: String },
    /// Move a code under another (or to the top with --top)
    Move {
        code: String,
        #[arg(long, conflicts_with = "top", required_unless_present = "top")]
        to: Option<String>,
        #[arg(long)]
        top: bool,
    },
    /// Merge a code into another (codings, children and memo links move)
    Merge {
        from: String,
        into: String,
        /// Only say what would happen
        #[arg(long)]
        dry_run: bool,
    },
    /// Change a code's colour (#rrggbb)
    Recolor { code: String, color: String },
    /// Edit a code's definition, criteria and example
    Describe {
        code: String,
        #[arg(long)]
        definition: Option<String>,
        #[arg(long)]
        inclusion: Option<String>,
        #[arg(long)]
        exclusion: Option<String>,
        #[arg(long)]
        example: Option<String>,
    },
    /// Delete a code with the codes under it (--force when it has codings)
    Delete {
        code: String,
        #[arg(long)]
        force: bool,
    },
    /// Apply a code to a span, lines, or regex matches
    Apply(ApplyArgs),
    /// The story of a code from the change log: created, renamed, moved, merged, split, deleted, undone
    #[command(alias = "genealogy")]
    History {
        /// The code (name, path or id; a deleted code by its last name)
        code: String,
    },
    /// Move some codings of a code to a new code beside it
    Split(crate::audit::SplitArgs),
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    pub code: String,
    #[arg(long, required_unless_present = "all_sources")]
    pub source: Option<String>,
    /// Code points A..B (end exclusive)
    #[arg(long, group = "target")]
    pub span: Option<String>,
    /// Lines A-B, counted from 1
    #[arg(long, group = "target")]
    pub lines: Option<String>,
    /// Every match of this regular expression
    #[arg(long = "match", group = "target")]
    pub pattern: Option<String>,
    /// With --match: in every source
    #[arg(long, requires = "pattern")]
    pub all_sources: bool,
    #[arg(long, short = 'i', requires = "pattern")]
    pub ignore_case: bool,
}

#[derive(Debug, Args)]
pub struct UncodeArgs {
    pub code: String,
    #[arg(long)]
    pub source: String,
    /// Only codings overlapping code points A..B
    #[arg(long)]
    pub span: Option<String>,
}

#[derive(Debug, Args)]
pub struct SegmentsArgs {
    pub code: String,
    /// Keep segments whose case has VAR=VALUE (repeatable)
    #[arg(long = "where")]
    pub filters: Vec<String>,
    /// Include the codes under this one
    #[arg(long)]
    pub children: bool,
    /// Variable used in the attribution label
    #[arg(long)]
    pub label_by: Option<String>,
    /// Characters of context on each side
    #[arg(long, default_value_t = 0)]
    pub context: u32,
}

#[derive(Debug, Subcommand)]
pub enum MemoCmd {
    /// Write a memo
    New {
        title: String,
        #[arg(long = "type", default_value = "theoretical")]
        kind: String,
        #[arg(long, conflicts_with = "file")]
        body: Option<String>,
        /// Read the body from a Markdown file
        #[arg(long)]
        file: Option<PathBuf>,
        /// Link to a code (repeatable)
        #[arg(long = "code")]
        codes: Vec<String>,
        /// Link to a source (repeatable)
        #[arg(long = "source")]
        sources: Vec<String>,
        /// Link to a case (repeatable)
        #[arg(long = "case")]
        cases: Vec<String>,
    },
    /// List memos
    List {
        #[arg(long = "type")]
        kind: Option<String>,
    },
    /// Print a memo
    Show { title: String },
    /// Replace a memo's body or title
    Edit {
        title: String,
        #[arg(long, conflicts_with = "file")]
        body: Option<String>,
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long)]
        new_title: Option<String>,
        #[arg(long = "type")]
        kind: Option<String>,
    },
    /// Delete a memo
    Delete { title: String },
}

#[derive(Debug, Args)]
pub struct SearchArgs {
    pub pattern: String,
    #[arg(long)]
    pub regex: bool,
    #[arg(long, short = 'i')]
    pub ignore_case: bool,
    #[arg(long, default_value_t = 40)]
    pub context: u32,
    /// At most this many hits (0: all)
    #[arg(long, default_value_t = 0)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[arg(long, default_value_t = 30)]
    pub limit: u32,
    /// Only your own changes
    #[arg(long)]
    pub mine: bool,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Serve the demo in the browser afterwards
    #[arg(long)]
    pub serve: bool,
    #[command(flatten)]
    pub server: ServeArgs,
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (loopback only until accounts exist; put a TLS reverse proxy in front for other machines)
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub addr: std::net::SocketAddr,
    /// Open the workspace in the default browser
    #[arg(long)]
    pub open: bool,
}
