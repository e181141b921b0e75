-- Coordinates become optional (issue 18.3): the ledgers offices keep give the address, not
-- the point. An organization without one is counted in its division and in no hexagon;
-- the point and its cell are there together or not at all.
ALTER TABLE organizations ALTER COLUMN lon DROP NOT NULL;
ALTER TABLE organizations ALTER COLUMN lat DROP NOT NULL;
ALTER TABLE organizations ALTER COLUMN cell DROP NOT NULL;
ALTER TABLE organizations ADD CONSTRAINT organizations_point_whole
    CHECK ((lon IS NULL) = (lat IS NULL) AND (lat IS NULL) = (cell IS NULL));
