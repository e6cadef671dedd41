-- What journeys do: tasks they open, messages they send (the outbox) and the
-- milestone ledger managers audit. Written by the journey activities; every
-- row carries an idempotency key `${journey}/${source}@${instant}` under a
-- unique constraint, so a retried or replayed activity lands once.

-- Tasks in the CS team's task list.
CREATE TABLE tasks (
  id             bigserial   PRIMARY KEY,
  idem_key       text        UNIQUE NOT NULL,
  journey_id     text        NOT NULL,
  customer_id    text        NOT NULL,
  playbook       text        NOT NULL,
  source         text        NOT NULL,
  title          text        NOT NULL,
  assignee_role  text        NOT NULL,
  assignee       text,
  priority       text        NOT NULL,
  due_at         timestamptz,
  status         text        NOT NULL DEFAULT 'open',
  fired_at       timestamptz NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tasks_journey_idx ON tasks (journey_id);
CREATE INDEX tasks_assignee_idx ON tasks (assignee, status);

-- Reminders, escalations and webhook calls. A row is written before the first
-- attempt; its status says whether it went out, so a retry never sends twice.
CREATE TABLE outbox (
  id              bigserial   PRIMARY KEY,
  idem_key        text        UNIQUE NOT NULL,
  journey_id      text,
  customer_id     text,
  playbook        text,
  source          text        NOT NULL,
  kind            text        NOT NULL CHECK (kind IN ('remind', 'escalate', 'webhook')),
  channel         text        NOT NULL CHECK (channel IN ('email', 'slack', 'webhook')),
  recipient_role  text,
  recipient       text,
  subject         text,
  body            text,
  payload         jsonb,
  status          text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts        int         NOT NULL DEFAULT 0,
  last_error      text,
  fired_at        timestamptz NOT NULL,
  sent_at         timestamptz,
  created_at      timestamptz DEFAULT now()
);
CREATE INDEX outbox_journey_idx ON outbox (journey_id);
CREATE INDEX outbox_status_idx ON outbox (status);

-- Every milestone transition, risk change, action, term close, manual
-- completion and migration of every journey.
CREATE TABLE milestone_ledger (
  id             bigserial   PRIMARY KEY,
  idem_key       text        UNIQUE NOT NULL,
  journey_id     text        NOT NULL,
  customer_id    text        NOT NULL,
  playbook       text        NOT NULL,
  playbook_hash  text        NOT NULL,
  at             timestamptz NOT NULL,
  kind           text        NOT NULL CHECK (kind IN ('milestone', 'risk', 'action', 'term', 'manual', 'migration')),
  subject        text        NOT NULL,
  from_state     text,
  to_state       text,
  detail         jsonb,
  recorded_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX milestone_ledger_journey_idx ON milestone_ledger (journey_id, at);
CREATE INDEX milestone_ledger_playbook_idx ON milestone_ledger (playbook, at);
