-- Tasks given to accounts (issue 21.4): a to-do list's entry (the list and the
-- organization) assigned to an account of the body responsible for it, with the day it is
-- due and a note. Nothing is deleted or changed: assigning again adds a row, and the
-- latest row of a list and organization is the assignment. Each row has its audit row
-- (action 'assign_task', written in the same transaction), which says who assigned and when.
CREATE TABLE task_assignments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_list TEXT NOT NULL,
    org_id INTEGER NOT NULL REFERENCES organizations (id),
    assignee_id INTEGER NOT NULL REFERENCES users (id),
    due_on TEXT NOT NULL,
    note TEXT NOT NULL,
    audit_id INTEGER NOT NULL REFERENCES audit_log (id)
);
CREATE INDEX task_assignments_task ON task_assignments (task_list, org_id, id);
CREATE INDEX task_assignments_assignee ON task_assignments (assignee_id, id);

CREATE TRIGGER task_assignments_are_never_deleted BEFORE DELETE ON task_assignments
BEGIN
    SELECT RAISE(ABORT, 'task assignments are never deleted');
END;

CREATE TRIGGER task_assignments_are_never_changed BEFORE UPDATE ON task_assignments
BEGIN
    SELECT RAISE(ABORT, 'task assignments are never changed');
END;
