-- Milepost core schema: deployed playbooks, customers, journeys and the
-- customer events the API receives. Tasks, outbox and the milestone ledger
-- (written by the journey activities) are in 002_journey_actions.sql.

-- Every deployed version of a playbook. A journey pins one of them by hash.
CREATE TABLE playbook_versions (
  playbook     text        NOT NULL,
  version      integer     NOT NULL,
  source       text        NOT NULL,
  ir           jsonb       NOT NULL,
  source_hash  text        NOT NULL,
  deployed_by  text        NOT NULL,
  deployed_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (playbook, version),
  UNIQUE (playbook, source_hash)
);

-- Customers, with their declared attributes as given at enrolment or import.
CREATE TABLE customers (
  id          text        PRIMARY KEY,
  attrs       jsonb       NOT NULL DEFAULT '{}'::jsonb,
  csm         text,
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- One journey per (customer, playbook): a Temporal workflow pinned to one IR.
-- last_report is the journey report (SPEC §12) as last read from the
-- workflow: the dashboard's read model.
CREATE TABLE journeys (
  workflow_id     text        PRIMARY KEY,
  customer_id     text        NOT NULL REFERENCES customers (id),
  playbook        text        NOT NULL,
  playbook_hash   text        NOT NULL,
  contract_start  timestamptz NOT NULL,
  contract_end    timestamptz NOT NULL,
  enrolled_at     timestamptz NOT NULL,
  status          text        NOT NULL DEFAULT 'running',
  last_report     jsonb,
  updated_at      timestamptz NOT NULL DEFAULT now(),
  UNIQUE (customer_id, playbook),
  CHECK (contract_end > contract_start)
);
CREATE INDEX journeys_playbook_idx ON journeys (playbook);

-- Customer events, stored before they are signalled to the journeys. The
-- primary key is the client's idempotency key, so a retried delivery is a
-- no-op. signalled_at stays null until every journey of the customer has it.
CREATE TABLE customer_events (
  event_id      text        PRIMARY KEY,
  customer_id   text        NOT NULL REFERENCES customers (id),
  type          text        NOT NULL,
  at            timestamptz NOT NULL,
  data          jsonb       NOT NULL DEFAULT '{}'::jsonb,
  received_at   timestamptz NOT NULL DEFAULT now(),
  signalled_at  timestamptz
);
CREATE INDEX customer_events_customer_idx ON customer_events (customer_id, at);
CREATE INDEX customer_events_unsignalled_idx ON customer_events (received_at) WHERE signalled_at IS NULL;

-- Events the API refused, with the reason: bad input is never dropped silently.
CREATE TABLE rejected_events (
  id           bigserial   PRIMARY KEY,
  event_id     text,
  customer_id  text,
  payload      jsonb       NOT NULL,
  reason       text        NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now()
);
