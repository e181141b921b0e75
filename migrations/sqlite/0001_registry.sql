-- The registry of social organizations and its audit log (SQLite).
-- Nothing is ever deleted: deregistration is a status, and triggers refuse DELETE.

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_code TEXT UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    division_code TEXT NOT NULL CHECK (length(division_code) = 12),
    address TEXT,
    lon REAL NOT NULL,
    lat REAL NOT NULL,
    -- H3 resolution-9 cell as a 64-bit integer, so SQL can filter by cell.
    cell INTEGER NOT NULL,
    industry TEXT,
    supervisor TEXT,
    is_industry_association BOOLEAN NOT NULL DEFAULT 0,
    association TEXT,
    member_units INTEGER CHECK (member_units >= 0),
    staff INTEGER CHECK (staff >= 0),
    formal_members INTEGER NOT NULL CHECK (formal_members >= 0),
    probationary_members INTEGER NOT NULL CHECK (probationary_members >= 0),
    members_elsewhere INTEGER NOT NULL CHECK (members_elsewhere >= 0),
    registered_on TEXT,
    status TEXT NOT NULL,
    party_org TEXT NOT NULL,
    party_org_established_on TEXT,
    last_election_on TEXT,
    last_report_on TEXT,
    instructor TEXT,
    version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Community organizations without a credit code are identified by name + division.
CREATE UNIQUE INDEX organizations_name_division
    ON organizations (name, division_code) WHERE credit_code IS NULL;
-- Exact-name lookups (imports match community organizations by name + division).
CREATE INDEX organizations_name ON organizations (name);
CREATE INDEX organizations_cell ON organizations (cell);
CREATE INDEX organizations_division ON organizations (division_code);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    org_id INTEGER REFERENCES organizations (id),
    before TEXT,
    after TEXT
);
CREATE INDEX audit_log_org ON audit_log (org_id, id);

CREATE TRIGGER organizations_are_never_deleted BEFORE DELETE ON organizations
BEGIN
    SELECT RAISE(ABORT, 'organizations are never deleted: deregister instead');
END;

CREATE TRIGGER audit_rows_are_never_deleted BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit rows are never deleted');
END;

CREATE TRIGGER audit_rows_are_never_changed BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit rows are never changed');
END;
