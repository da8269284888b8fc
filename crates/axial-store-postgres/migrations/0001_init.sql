-- Axial PostgreSQL schema, version 1.
--
-- The same tables and columns as the SQLite backend's schema version 1, so
-- that both backends answer every query alike and `axial migrate` can copy
-- rows one to one. Ids are lowercase hyphenated GUIDs (TEXT), instants are
-- microseconds since 1970-01-01 UTC (BIGINT), spans are two code-point
-- offsets. Ids and names use the "C" collation: listings order them by
-- code point, exactly like SQLite's default (binary) collation, whatever the
-- server's locale. Values that are never filtered on (a source's structure,
-- a variable's kind, a set's members) are JSON text written from the
-- axial-core serde shapes; the change log's ops are JSONB. Every row carries
-- its optimistic-concurrency `version`.
--
-- Foreign keys are checked at the end of each statement and never cascade
-- (except a memo's own link rows): the application always deletes
-- dependants explicitly, so a delete that would orphan something fails
-- instead of silently removing data.

CREATE TABLE users (
    id           TEXT COLLATE "C" PRIMARY KEY,
    name         TEXT COLLATE "C" NOT NULL,
    display_name TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    version      BIGINT NOT NULL
);

CREATE TABLE projects (
    id          TEXT COLLATE "C" PRIMARY KEY,
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT NOT NULL,
    created_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE UNIQUE INDEX projects_name ON projects (name);

-- Source texts, kept by content hash (SHA-256, 64 hex digits). Deleting a
-- source keeps its text so that undo can restore the source.
CREATE TABLE source_texts (
    hash     TEXT COLLATE "C" PRIMARY KEY,
    text     TEXT NOT NULL,
    char_len BIGINT NOT NULL
);

CREATE TABLE cases (
    id          TEXT COLLATE "C" PRIMARY KEY,
    project     TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE UNIQUE INDEX cases_name ON cases (project, name);

CREATE TABLE sources (
    id           TEXT COLLATE "C" PRIMARY KEY,
    project      TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
    name         TEXT COLLATE "C" NOT NULL,
    kind         TEXT NOT NULL,
    content_hash TEXT COLLATE "C" NOT NULL REFERENCES source_texts (hash),
    char_len     BIGINT NOT NULL,
    imported_at  BIGINT NOT NULL,
    imported_by  TEXT COLLATE "C" NOT NULL,
    case_id      TEXT COLLATE "C",
    description  TEXT NOT NULL,
    structure    TEXT NOT NULL, -- JSON: axial_core::Structure
    revision_of  TEXT COLLATE "C",
    version      BIGINT NOT NULL
);
CREATE INDEX sources_project ON sources (project, imported_at, name);
CREATE INDEX sources_hash ON sources (content_hash);

CREATE TABLE variables (
    id          TEXT COLLATE "C" PRIMARY KEY,
    project     TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
    name        TEXT COLLATE "C" NOT NULL,
    kind        TEXT NOT NULL, -- JSON: axial_core::VariableKind
    description TEXT NOT NULL,
    version     BIGINT NOT NULL
);
CREATE UNIQUE INDEX variables_name ON variables (project, name);

CREATE TABLE variable_values (
    id           TEXT COLLATE "C" PRIMARY KEY,
    project      TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
    variable     TEXT COLLATE "C" NOT NULL,
    subject_kind TEXT COLLATE "C" NOT NULL, -- 'case' or 'source'
    subject      TEXT COLLATE "C" NOT NULL,
    value        TEXT NOT NULL, -- JSON: axial_core::Value
    version      BIGINT NOT NULL
);
CREATE UNIQUE INDEX variable_values_subject ON variable_values (variable, subject_kind, subject);
CREATE INDEX variable_values_project ON variable_values (project);

CREATE TABLE sets (
    id          TEXT COLLATE "C" PRIMARY KEY,
    project     TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
    name        TEXT COLLATE "C" NOT NULL,
    description TEXT NOT NULL,
    members     TEXT NOT NULL, -- JSON: [axial_core::SetMember]
    version     BIGINT NOT NULL
);
CREATE UNIQUE INDEX sets_name ON sets (project, name);

CREATE TABLE codes (
    id          TEXT COLLATE "C" PRIMARY KEY,
    project     TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
    parent      TEXT COLLATE "C" REFERENCES codes (id),
    name        TEXT COLLATE "C" NOT NULL,
    color       TEXT NOT NULL, -- #rrggbb
    description TEXT NOT NULL,
    inclusion   TEXT NOT NULL,
    exclusion   TEXT NOT NULL,
    example     TEXT NOT NULL,
    codable     BOOLEAN NOT NULL,
    created_by  TEXT COLLATE "C" NOT NULL,
    created_at  BIGINT NOT NULL,
    version     BIGINT NOT NULL
);
-- Names are unique among siblings; top-level codes (parent NULL) are siblings
-- too, hence the COALESCE (NULLs are never equal in a plain unique index).
CREATE UNIQUE INDEX codes_sibling_name ON codes (project, COALESCE(parent, ''), name);
CREATE INDEX codes_parent ON codes (parent);

CREATE TABLE codings (
    id         TEXT COLLATE "C" PRIMARY KEY,
    project    TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
    source     TEXT COLLATE "C" NOT NULL REFERENCES sources (id),
    code       TEXT COLLATE "C" NOT NULL REFERENCES codes (id),
    span_start BIGINT NOT NULL,
    span_end   BIGINT NOT NULL,
    coder      TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    version    BIGINT NOT NULL,
    CONSTRAINT codings_span CHECK (span_start < span_end)
);
CREATE INDEX codings_code ON codings (project, code);
-- Code first, so the foreign-key check when a code is deleted is a lookup,
-- not a scan of every coding.
CREATE INDEX codings_code_ref ON codings (code);
CREATE INDEX codings_source ON codings (source, span_start, span_end);

CREATE TABLE memos (
    id         TEXT COLLATE "C" PRIMARY KEY,
    project    TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    author     TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL
);
CREATE INDEX memos_project ON memos (project, created_at);

-- What each memo is linked to, in the memo's order, so that "memos about
-- this code" is one indexed query. `target` is NULL for the project itself.
CREATE TABLE memo_links (
    memo     TEXT COLLATE "C" NOT NULL REFERENCES memos (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    kind     TEXT NOT NULL, -- 'project', 'source', 'case', 'code' or 'coding'
    target   TEXT COLLATE "C",
    PRIMARY KEY (memo, position)
);
CREATE INDEX memo_links_target ON memo_links (kind, target);

CREATE TABLE relations (
    id         TEXT COLLATE "C" PRIMARY KEY,
    project    TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
    from_code  TEXT COLLATE "C" NOT NULL,
    to_code    TEXT COLLATE "C" NOT NULL,
    kind       TEXT NOT NULL,
    label      TEXT NOT NULL,
    created_by TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    version    BIGINT NOT NULL
);
CREATE INDEX relations_project ON relations (project, created_at);

-- The change log. `ops` is the JSON of the committed [axial_core::Op]s.
-- `seq` comes from a sequence, so it grows with every commit but may have
-- gaps (a rolled-back commit still used its number).
CREATE TABLE changes (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project     TEXT COLLATE "C",
    author      TEXT COLLATE "C" NOT NULL,
    at          BIGINT NOT NULL,
    action      TEXT NOT NULL,
    summary     TEXT NOT NULL,
    ops         JSONB NOT NULL,
    reverts     BIGINT,
    reverted_by BIGINT
);
CREATE INDEX changes_project ON changes (project, seq);
CREATE INDEX changes_project_author ON changes (project, author, seq);
CREATE INDEX changes_author ON changes (author, seq);
