-- Division boundaries (issue 19.2), loaded from the user's own file by
-- `orgcover boundaries import`. Nothing is deleted or changed: importing a division again
-- adds a row, and the latest row of a code is its outline. Each import writes one audit row
-- (action 'boundaries_import') in the same transaction; `audit_id` ties a row to it.
CREATE TABLE boundaries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    division_code TEXT NOT NULL CHECK (length(division_code) = 12),
    level TEXT NOT NULL CHECK (level IN ('province', 'city', 'county', 'township')),
    name TEXT NOT NULL,
    -- A GeoJSON MultiPolygon, lon/lat (WGS84 or CGCS2000), rings repaired on import.
    geometry TEXT NOT NULL,
    audit_id INTEGER NOT NULL REFERENCES audit_log (id)
);
CREATE INDEX boundaries_code ON boundaries (level, division_code, id);

CREATE TRIGGER boundaries_are_never_deleted BEFORE DELETE ON boundaries
BEGIN
    SELECT RAISE(ABORT, 'boundaries rows are never deleted');
END;

CREATE TRIGGER boundaries_are_never_changed BEFORE UPDATE ON boundaries
BEGIN
    SELECT RAISE(ABORT, 'boundaries rows are never changed');
END;
