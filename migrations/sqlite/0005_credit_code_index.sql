-- no-transaction
-- The credit code's uniqueness becomes a named index instead of the column's UNIQUE
-- constraint. SQLite backs an inline UNIQUE with an automatic index that cannot be dropped,
-- so a bulk import into an empty registry had to insert a million credit codes into it at
-- random places (3-4 s of a 1M import); a named index is dropped and built once at the end
-- like the others (1.3 s). Same rule, same lookups.
--
-- SQLite changes a constraint only by rebuilding the table (the procedure in
-- https://www.sqlite.org/lang_altertable.html#otheralter): foreign keys off, which can only
-- be switched outside a transaction (hence no-transaction), the rebuild in one transaction,
-- the keys checked before it commits. Run twice (a crash before sqlx records it), it
-- rebuilds the same table again.
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
