-- Project records (participants, consent, sampling, members, quotes,
-- category properties and placements, pseudonyms, saved queries): typed JSON
-- documents, logged like every entity. A non-empty key is unique per kind.
CREATE TABLE records (
    id         TEXT COLLATE "C" PRIMARY KEY,
    project    TEXT COLLATE "C" NOT NULL REFERENCES projects (id),
    kind       TEXT COLLATE "C" NOT NULL,
    record_key TEXT COLLATE "C" NOT NULL,
    body       TEXT NOT NULL,
    created_by TEXT COLLATE "C" NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version    BIGINT NOT NULL
);
CREATE UNIQUE INDEX records_key ON records (project, kind, record_key) WHERE record_key <> '';
CREATE INDEX records_project ON records (project, kind, created_at);

-- Sign-in, kept out of the change log so no password hash is ever copied.
CREATE TABLE accounts (
    user_id       TEXT COLLATE "C" PRIMARY KEY REFERENCES users (id),
    password_hash TEXT NOT NULL,
    admin         BOOLEAN NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);

-- Browser sessions by the SHA-256 of their token; every server process of a
-- team reads them here, so any process serves any signed-in browser.
CREATE TABLE sessions (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    user_id    TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
