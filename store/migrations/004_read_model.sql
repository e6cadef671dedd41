-- The read model the journeys write (journey_progress, journey_health), tasks
-- with a life (reason, at, by; a person's close recorded before it reaches
-- the journey), event delivery in arrival order, and the indexes every list
-- the API and the dashboard run needs (tests/api/query-plans.test.ts runs
-- EXPLAIN on each).

-- Ledger and outbox kinds are the TypeScript unions (activities/types.ts,
-- the action verbs): a CHECK here was one more list to keep in step, and a
-- new kind failing it would retry its activity forever.
ALTER TABLE milestone_ledger DROP CONSTRAINT IF EXISTS milestone_ledger_kind_check;
ALTER TABLE outbox DROP CONSTRAINT IF EXISTS outbox_kind_check;

-- One row per journey: its report as of its last wake-up, written by the
-- journey's own recordInstant activity in the transaction of its ledger rows.
CREATE TABLE journey_progress (
  workflow_id        text             PRIMARY KEY,
  at                 timestamptz      NOT NULL,
  outcome            text             NOT NULL,
  report             jsonb            NOT NULL,
  health             double precision,
  health_components  jsonb,
  next_wake_at       timestamptz,
  updated_at         timestamptz      NOT NULL DEFAULT now()
);
-- Reports stored by the polling that came before (journeys.last_report).
INSERT INTO journey_progress (workflow_id, at, outcome, report, updated_at)
  SELECT workflow_id, (last_report ->> 'until')::timestamptz, last_report ->> 'outcome', last_report, updated_at
    FROM journeys WHERE last_report IS NOT NULL;

-- Each journey's health per domain day (its last wake-up of the day; days
-- between two wake-ups carry the earlier value), kept for 100 days: the
-- dashboard's 90-day trend.
CREATE TABLE journey_health (
  workflow_id  text             NOT NULL,
  day          date             NOT NULL,
  health       double precision NOT NULL,
  PRIMARY KEY (workflow_id, day)
);
CREATE INDEX journey_health_day_idx ON journey_health (day);

-- Tasks follow the journey: SPEC §5.2's id within the journey, and the close.
ALTER TABLE tasks ADD COLUMN task_id text;
UPDATE tasks SET task_id = substr(idem_key, length(journey_id) + 2);
ALTER TABLE tasks ALTER COLUMN task_id SET NOT NULL;
ALTER TABLE tasks ADD COLUMN closed_at timestamptz;
ALTER TABLE tasks ADD COLUMN closed_because text;
ALTER TABLE tasks ADD COLUMN closed_by text;
ALTER TABLE tasks ADD COLUMN close_note text;
-- A person's close, recorded before the journey is asked (POST /tasks/:task/close),
-- so a crash between the two loses nothing: the delivery loop asks again.
ALTER TABLE tasks ADD COLUMN close_requested_by text;
ALTER TABLE tasks ADD COLUMN close_requested_note text;
ALTER TABLE tasks ADD COLUMN close_requested_at timestamptz;
UPDATE tasks SET status = 'open' WHERE status <> 'closed';
CREATE UNIQUE INDEX tasks_journey_task_idx ON tasks (journey_id, task_id);
CREATE INDEX tasks_customer_idx ON tasks (customer_id, due_at);
CREATE INDEX tasks_playbook_idx ON tasks (playbook, status, due_at);
CREATE INDEX tasks_status_due_idx ON tasks (status, due_at);
DROP INDEX tasks_assignee_idx;
CREATE INDEX tasks_assignee_idx ON tasks (assignee, status, due_at);
CREATE INDEX tasks_close_requested_idx ON tasks (close_requested_at) WHERE close_requested_at IS NOT NULL AND status = 'open';

-- Lists by customer and newest first.
CREATE INDEX outbox_customer_idx ON outbox (customer_id, fired_at);
CREATE INDEX outbox_fired_idx ON outbox (fired_at, id);
CREATE INDEX outbox_playbook_idx ON outbox (playbook, fired_at);
CREATE INDEX milestone_ledger_customer_idx ON milestone_ledger (customer_id, at);
CREATE INDEX milestone_ledger_at_idx ON milestone_ledger (at, id);
CREATE INDEX customers_csm_idx ON customers (csm);

-- Arrival order for delivery (received_at is a transaction's start: a batch's
-- events share it), and a customer's events in time order for the customer page,
-- enrolment and migration (one query, store/customer-events.ts).
ALTER TABLE customer_events ADD COLUMN seq bigserial;
CREATE UNIQUE INDEX customer_events_seq_idx ON customer_events (seq);
DROP INDEX customer_events_unsignalled_idx;
CREATE INDEX customer_events_undelivered_idx ON customer_events (seq) WHERE signalled_at IS NULL;
DROP INDEX customer_events_customer_idx;
CREATE INDEX customer_events_customer_idx ON customer_events (customer_id, at, seq);

-- Deploy --migrate: the intent is recorded before Temporal is asked, the repin
-- and its completion in one transaction after (client/api/migrate-journeys.ts).
CREATE TABLE journey_migrations (
  id           bigserial   PRIMARY KEY,
  workflow_id  text        NOT NULL,
  from_hash    text        NOT NULL,
  to_hash      text        NOT NULL,
  by           text        NOT NULL,
  status       text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done', 'failed')),
  error        text,
  requested_at timestamptz NOT NULL DEFAULT now(),
  finished_at  timestamptz
);
CREATE INDEX journey_migrations_journey_idx ON journey_migrations (workflow_id, requested_at);
