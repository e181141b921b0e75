-- How an organization's division code was found (issue 18.4): given in the record, or
-- derived from the township its address names (address) or from its credit code's
-- registering division (credit_code) when the ledger had none. Rows before this were given.
ALTER TABLE organizations ADD COLUMN division_source TEXT NOT NULL DEFAULT 'given'
    CHECK (division_source IN ('given', 'address', 'credit_code'));
