-- GET /tasks without filters lists soonest due first (found by tests/api/query-plans.test.ts).
CREATE INDEX tasks_due_idx ON tasks (due_at, id);
