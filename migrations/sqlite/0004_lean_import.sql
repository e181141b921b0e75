-- Imports find community organizations (no credit code) by name through the partial
-- unique index on (name, division_code); a second index on the name alone cost every
-- insert its upkeep and served no other query.
DROP INDEX organizations_name;
