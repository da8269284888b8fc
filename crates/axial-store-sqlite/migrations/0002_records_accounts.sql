-- Project records (participants, consent, sampling, members, quotes,
-- category properties and placements, pseudonyms, saved queries): typed JSON
-- documents, logged like every entity. A non-empty key is unique per kind.
CREATE TABLE records (
    id         TEXT PRIMARY KEY NOT NULL,
    project    TEXT NOT NULL REFERENCES projects (id),
    kind       TEXT NOT NULL,
    record_key TEXT NOT NULL,
    body       TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version    INTEGER NOT NULL
);
CREATE UNIQUE INDEX records_key ON records (project, kind, record_key) WHERE record_key <> '';
CREATE INDEX records_project ON records (project, kind, created_at);

-- Sign-in, kept out of the change log so no password hash is ever copied.
CREATE TABLE accounts (
    user_id       TEXT PRIMARY KEY NOT NULL REFERENCES users (id),
    password_hash TEXT NOT NULL,
    admin         INTEGER NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);

-- Browser sessions by the SHA-256 of their token.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    TEXT NOT NULL REFERENCES users (id),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
