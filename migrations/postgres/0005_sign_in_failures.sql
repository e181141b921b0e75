-- Failed sign-ins, shared by every instance that serves this database, so that the lockout
-- holds behind a load balancer and across restarts. A successful sign-in marks an
-- account's failures cleared; rows are never deleted.
CREATE TABLE sign_in_failures (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    at BIGINT NOT NULL,
    cleared BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX sign_in_failures_by_key ON sign_in_failures (key, at);
