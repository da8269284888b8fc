-- Axial SQLite schema, version 1.
--
-- One table per kind of stored thing. Ids are lowercase hyphenated GUIDs
-- (TEXT), instants are microseconds since 1970-01-01 UTC (INTEGER), spans are
-- two code-point offsets. Values that are never filtered on (a source's
-- structure, a variable's kind, a set's members) are JSON text written from
-- the axial-core serde shapes. Every row carries its optimistic-concurrency
-- `version`.
--
-- Foreign keys are immediate and never cascade (except a memo's own link
-- rows): the application always deletes dependants explicitly, so a delete
-- that would orphan something fails instead of silently removing data.

CREATE TABLE users (
    id           TEXT PRIMARY KEY NOT NULL,
    name         TEXT NOT NULL,
    display_name TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    version      INTEGER NOT NULL
);

CREATE TABLE projects (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL
);
CREATE UNIQUE INDEX projects_name ON projects (name);

-- Source texts, kept by content hash (SHA-256, 64 hex digits). Deleting a
-- source keeps its text so that undo can restore the source.
CREATE TABLE source_texts (
    hash     TEXT PRIMARY KEY NOT NULL,
    text     TEXT NOT NULL,
    char_len INTEGER NOT NULL
);

CREATE TABLE cases (
    id          TEXT PRIMARY KEY NOT NULL,
    project     TEXT NOT NULL REFERENCES projects (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    version     INTEGER NOT NULL
);
CREATE UNIQUE INDEX cases_name ON cases (project, name);

CREATE TABLE sources (
    id           TEXT PRIMARY KEY NOT NULL,
    project      TEXT NOT NULL REFERENCES projects (id),
    name         TEXT NOT NULL,
    kind         TEXT NOT NULL,
    content_hash TEXT NOT NULL REFERENCES source_texts (hash),
    char_len     INTEGER NOT NULL,
    imported_at  INTEGER NOT NULL,
    imported_by  TEXT NOT NULL,
    case_id      TEXT,
    description  TEXT NOT NULL,
    structure    TEXT NOT NULL, -- JSON: axial_core::Structure
    revision_of  TEXT,
    version      INTEGER NOT NULL
);
CREATE INDEX sources_project ON sources (project, imported_at, name);
CREATE INDEX sources_hash ON sources (content_hash);

CREATE TABLE variables (
    id          TEXT PRIMARY KEY NOT NULL,
    project     TEXT NOT NULL REFERENCES projects (id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL, -- JSON: axial_core::VariableKind
    description TEXT NOT NULL,
    version     INTEGER NOT NULL
);
CREATE UNIQUE INDEX variables_name ON variables (project, name);

CREATE TABLE variable_values (
    id           TEXT PRIMARY KEY NOT NULL,
    project      TEXT NOT NULL REFERENCES projects (id),
    variable     TEXT NOT NULL,
    subject_kind TEXT NOT NULL, -- 'case' or 'source'
    subject      TEXT NOT NULL,
    value        TEXT NOT NULL, -- JSON: axial_core::Value
    version      INTEGER NOT NULL
);
CREATE UNIQUE INDEX variable_values_subject ON variable_values (variable, subject_kind, subject);
CREATE INDEX variable_values_project ON variable_values (project);

CREATE TABLE sets (
    id          TEXT PRIMARY KEY NOT NULL,
    project     TEXT NOT NULL REFERENCES projects (id),
    name        TEXT NOT NULL,
    description TEXT NOT NULL,
    members     TEXT NOT NULL, -- JSON: [axial_core::SetMember]
    version     INTEGER NOT NULL
);
CREATE UNIQUE INDEX sets_name ON sets (project, name);

CREATE TABLE codes (
    id          TEXT PRIMARY KEY NOT NULL,
    project     TEXT NOT NULL REFERENCES projects (id),
    parent      TEXT REFERENCES codes (id),
    name        TEXT NOT NULL,
    color       TEXT NOT NULL, -- #rrggbb
    description TEXT NOT NULL,
    inclusion   TEXT NOT NULL,
    exclusion   TEXT NOT NULL,
    example     TEXT NOT NULL,
    codable     INTEGER NOT NULL,
    created_by  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    version     INTEGER NOT NULL
);
-- Names are unique among siblings; top-level codes (parent NULL) are siblings
-- too, hence the COALESCE (NULLs are never equal in a plain unique index).
CREATE UNIQUE INDEX codes_sibling_name ON codes (project, COALESCE(parent, ''), name);
CREATE INDEX codes_parent ON codes (parent);

CREATE TABLE codings (
    id         TEXT PRIMARY KEY NOT NULL,
    project    TEXT NOT NULL REFERENCES projects (id),
    source     TEXT NOT NULL REFERENCES sources (id),
    code       TEXT NOT NULL REFERENCES codes (id),
    span_start INTEGER NOT NULL,
    span_end   INTEGER NOT NULL,
    coder      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version    INTEGER NOT NULL,
    CHECK (span_start < span_end)
);
CREATE INDEX codings_code ON codings (project, code);
-- Code first, so the foreign-key check when a code is deleted is a lookup,
-- not a scan of every coding.
CREATE INDEX codings_code_ref ON codings (code);
CREATE INDEX codings_source ON codings (source, span_start, span_end);

CREATE TABLE memos (
    id         TEXT PRIMARY KEY NOT NULL,
    project    TEXT NOT NULL REFERENCES projects (id),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    author     TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL
);
CREATE INDEX memos_project ON memos (project, created_at);

-- What each memo is linked to, in the memo's order, so that "memos about
-- this code" is one indexed query. `target` is NULL for the project itself.
CREATE TABLE memo_links (
    memo     TEXT NOT NULL REFERENCES memos (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    kind     TEXT NOT NULL, -- 'project', 'source', 'case', 'code' or 'coding'
    target   TEXT,
    PRIMARY KEY (memo, position)
) WITHOUT ROWID;
CREATE INDEX memo_links_target ON memo_links (kind, target);

CREATE TABLE relations (
    id         TEXT PRIMARY KEY NOT NULL,
    project    TEXT NOT NULL REFERENCES projects (id),
    from_code  TEXT NOT NULL,
    to_code    TEXT NOT NULL,
    kind       TEXT NOT NULL,
    label      TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version    INTEGER NOT NULL
);
CREATE INDEX relations_project ON relations (project, created_at);

-- The change log. `ops` is the JSON of the committed [axial_core::Op]s.
CREATE TABLE changes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    project     TEXT,
    author      TEXT NOT NULL,
    at          INTEGER NOT NULL,
    action      TEXT NOT NULL,
    summary     TEXT NOT NULL,
    ops         TEXT NOT NULL,
    reverts     INTEGER,
    reverted_by INTEGER
);
CREATE INDEX changes_project ON changes (project, seq);
CREATE INDEX changes_project_author ON changes (project, author, seq);
CREATE INDEX changes_author ON changes (author, seq);
