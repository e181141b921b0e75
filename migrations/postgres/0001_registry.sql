-- The registry of social organizations and its audit log (PostgreSQL).
-- Nothing is ever deleted: deregistration is a status, and triggers refuse DELETE.

CREATE TABLE organizations (
    id BIGSERIAL PRIMARY KEY,
    credit_code TEXT UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    division_code TEXT NOT NULL CHECK (length(division_code) = 12),
    address TEXT,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    -- H3 resolution-9 cell as a 64-bit integer, so SQL can filter by cell.
    cell BIGINT NOT NULL,
    industry TEXT,
    supervisor TEXT,
    is_industry_association BOOLEAN NOT NULL DEFAULT FALSE,
    association TEXT,
    member_units BIGINT CHECK (member_units >= 0),
    staff BIGINT CHECK (staff >= 0),
    formal_members BIGINT NOT NULL CHECK (formal_members >= 0),
    probationary_members BIGINT NOT NULL CHECK (probationary_members >= 0),
    members_elsewhere BIGINT NOT NULL CHECK (members_elsewhere >= 0),
    registered_on DATE,
    status TEXT NOT NULL,
    party_org TEXT NOT NULL,
    party_org_established_on DATE,
    last_election_on DATE,
    last_report_on DATE,
    instructor TEXT,
    version BIGINT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

-- Community organizations without a credit code are identified by name + division.
CREATE UNIQUE INDEX organizations_name_division
    ON organizations (name, division_code) WHERE credit_code IS NULL;
-- Exact-name lookups (imports match community organizations by name + division).
CREATE INDEX organizations_name ON organizations (name);
CREATE INDEX organizations_cell ON organizations (cell);
CREATE INDEX organizations_division ON organizations (division_code);

CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TIMESTAMPTZ NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    org_id BIGINT REFERENCES organizations (id),
    before JSONB,
    after JSONB
);
CREATE INDEX audit_log_org ON audit_log (org_id, id);

CREATE FUNCTION refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never deleted', TG_TABLE_NAME;
END;
$$;

CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% rows are never changed', TG_TABLE_NAME;
END;
$$;

CREATE TRIGGER organizations_are_never_deleted BEFORE DELETE ON organizations
    FOR EACH ROW EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER audit_rows_are_never_deleted BEFORE DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_delete();
CREATE TRIGGER audit_rows_are_never_changed BEFORE UPDATE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION refuse_update();
