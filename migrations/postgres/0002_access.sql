-- Accounts and their sessions (PostgreSQL). Accounts are disabled, never deleted; a session
-- that ends is marked expired, so the table keeps when each one was used.

CREATE TABLE users (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'org_dept', 'civil_affairs', 'planner')),
    -- A division-code prefix; empty for the whole country.
    jurisdiction TEXT NOT NULL,
    -- argon2id, PHC string.
    password_hash TEXT NOT NULL,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TRIGGER users_are_never_deleted BEFORE DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION refuse_delete();

-- tower-sessions records: the session id, its data as JSON, and when it expires.
CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    data TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
