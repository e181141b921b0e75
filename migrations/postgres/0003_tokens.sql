-- API tokens for scripts and QGIS: stored as BLAKE2b hashes (a token is 256 random bits,
-- so a fast hash is enough), scoped like their owner, revoked rather than removed.
CREATE TABLE api_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    label TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL,
    last_used_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
