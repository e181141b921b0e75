//! Tasks given to accounts (issue 21.4): each assignment added with its audit row in one
//! transaction, never changed or deleted; an entry's assignment is its latest row.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::Value;
use sqlx::types::Json;

use super::{AUDIT, Store, StoreError};
use crate::domain::tasks::{Assignment, TaskList};

/// The action of an assignment's audit row. Its `before` and `after` are assignments, not
/// versions of the organization: the history of the registry leaves them out.
pub const ASSIGN_TASK: &str = "assign_task";

const CURRENT: &str = "SELECT t.task_list, t.org_id, u.name, t.due_on, t.note, a.actor, a.at \
    FROM task_assignments t JOIN users u ON u.id = t.assignee_id \
    JOIN audit_log a ON a.id = t.audit_id";

type Row = (
    String,
    i64,
    String,
    NaiveDate,
    String,
    String,
    DateTime<Utc>,
);

fn assignment((list, org_id, assignee, due_on, note, assigned_by, at): Row) -> Option<Assignment> {
    Some(Assignment {
        list: TaskList::parse(&list)?,
        org_id,
        assignee,
        due_on,
        note,
        assigned_by,
        at,
    })
}

/// What an assignment's audit row records of it.
pub fn audit_json(a: &Assignment) -> Value {
    serde_json::json!({
        "task_list": a.list.key(),
        "assignee": a.assignee,
        "due_on": a.due_on.to_string(),
        "note": a.note,
    })
}

impl Store {
    /// Adds `assignment` (to the account `assignee_id`) and its audit row, whose `before`
    /// is the assignment it replaces: both or neither.
    pub async fn assign_task(
        &self,
        assignment: &Assignment,
        assignee_id: i64,
        replaced: Option<&Assignment>,
    ) -> Result<(), StoreError> {
        let audit = format!("{AUDIT} RETURNING id");
        dispatch!(self, |pool, begin| {
            let mut tx = pool.begin_with(begin).await?;
            let audit_id: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(audit))
                .bind(assignment.at)
                .bind(&assignment.assigned_by)
                .bind(ASSIGN_TASK)
                .bind(Some(assignment.org_id))
                .bind(replaced.map(|r| Json(audit_json(r))))
                .bind(Some(Json(audit_json(assignment))))
                .fetch_one(&mut *tx)
                .await?;
            sqlx::query(
                "INSERT INTO task_assignments (task_list, org_id, assignee_id, due_on, note, audit_id) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(assignment.list.key())
            .bind(assignment.org_id)
            .bind(assignee_id)
            .bind(assignment.due_on)
            .bind(&assignment.note)
            .bind(audit_id)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Ok(())
        })
    }

    /// The current assignment of each of `org_ids`' entries on `list` that has one.
    pub async fn assignments_on(
        &self,
        list: TaskList,
        org_ids: &[i64],
    ) -> Result<Vec<Assignment>, StoreError> {
        if org_ids.is_empty() {
            return Ok(Vec::new());
        }
        let placeholders = self.placeholders();
        let sql = format!(
            "{CURRENT} WHERE t.id IN (SELECT MAX(id) FROM task_assignments WHERE task_list = {} \
             AND org_id IN ({}) GROUP BY org_id)",
            placeholders.list(1, 1),
            placeholders.list(2, org_ids.len())
        );
        let rows: Vec<Row> = dispatch!(self, |pool, _begin| {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(list.key());
            for id in org_ids {
                query = query.bind(*id);
            }
            query.fetch_all(pool).await?
        });
        Ok(rows.into_iter().filter_map(assignment).collect())
    }

    /// The entries currently assigned to the account `assignee_id`, soonest due first.
    pub async fn assignments_of(&self, assignee_id: i64) -> Result<Vec<Assignment>, StoreError> {
        let sql = format!(
            "{CURRENT} WHERE t.id IN (SELECT MAX(id) FROM task_assignments GROUP BY task_list, org_id) \
             AND t.assignee_id = $1 ORDER BY t.due_on, t.id"
        );
        let rows: Vec<Row> = dispatch!(self, |pool, _begin| {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(assignee_id)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().filter_map(assignment).collect())
    }
}
