-- The day of a deregistration (issue 21.2): the figures of a past date place a
-- deregistration by it; one without a date counts from when it was recorded.
ALTER TABLE organizations ADD COLUMN deregistered_on DATE;
