-- no-transaction
-- Coordinates become optional (issue 18.3): the ledgers offices keep give the address, not
-- the point. An organization without one is counted in its division and in no hexagon.
--
-- SQLite drops a NOT NULL only by rebuilding the table, as 0005 did (the procedure in
-- https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off outside a
-- transaction, the rebuild in one, the keys checked before it commits. The columns keep
-- their order (division_source last, where 0007 added it), so rows copy by position.
PRAGMA foreign_keys = OFF;

BEGIN IMMEDIATE;

CREATE TABLE organizations_rebuilt (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    credit_code TEXT,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    level TEXT NOT NULL,
    division_code TEXT NOT NULL CHECK (length(division_code) = 12),
    address TEXT,
    -- NULL when the record gives no location (a ledger keeping only the address); the
    -- point and its cell are there together or not at all.
    lon REAL,
    lat REAL,
    -- H3 resolution-9 cell as a 64-bit integer, so SQL can filter by cell.
    cell INTEGER,
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
    updated_at TEXT NOT NULL,
    division_source TEXT NOT NULL DEFAULT 'given'
        CHECK (division_source IN ('given', 'address', 'credit_code')),
    CHECK ((lon IS NULL) = (lat IS NULL) AND (lat IS NULL) = (cell IS NULL))
);

INSERT INTO organizations_rebuilt SELECT * FROM organizations ORDER BY id;
-- The next id continues where the old table's sequence was, not after its largest id.
DELETE FROM sqlite_sequence WHERE name = 'organizations_rebuilt';
INSERT INTO sqlite_sequence (name, seq)
    SELECT 'organizations_rebuilt', seq FROM sqlite_sequence WHERE name = 'organizations';

DROP TABLE organizations;
ALTER TABLE organizations_rebuilt RENAME TO organizations;

CREATE UNIQUE INDEX organizations_credit_code ON organizations (credit_code);
-- Community organizations without a credit code are identified by name + division.
CREATE UNIQUE INDEX organizations_name_division
    ON organizations (name, division_code) WHERE credit_code IS NULL;
CREATE INDEX organizations_cell ON organizations (cell);
CREATE INDEX organizations_division ON organizations (division_code);

CREATE TRIGGER organizations_are_never_deleted BEFORE DELETE ON organizations
BEGIN
    SELECT RAISE(ABORT, 'organizations are never deleted: deregister instead');
END;

-- Every audit row still names an organization that exists; if one did not, the CHECK fails
-- with this column's name and the rebuild stops before COMMIT (the connection closes with
-- the migration's error, which rolls it back).
CREATE TEMP TABLE rebuild_check (
    audit_rows_naming_no_organization INTEGER CHECK (audit_rows_naming_no_organization = 0)
);
INSERT INTO rebuild_check SELECT count(*) FROM pragma_foreign_key_check;
DROP TABLE rebuild_check;

COMMIT;

PRAGMA foreign_keys = ON;
