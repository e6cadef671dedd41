-- Metric feeds (workflows/metric-feed.ts): the event types a journey pulls
-- from customer_events instead of receiving them as signals, fixed when it
-- is enrolled so the API never withholds a signal from a journey that does
-- not pull.
ALTER TABLE journeys ADD COLUMN metric_events text[] NOT NULL DEFAULT '{}';

-- A pull reads one customer's rows of a few types in arrival order.
CREATE INDEX customer_events_pull_idx ON customer_events (customer_id, received_at, event_id);
