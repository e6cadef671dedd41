/**
 * The API server's Prometheus metrics (issue 14 item 5), on `GET /metrics`
 * in the text exposition format (prom-client):
 *
 * | metric | kind | what |
 * | --- | --- | --- |
 * | `milepost_journeys{status}` | gauge | journeys by status (running, renewed, churned, ended), from the store |
 * | `milepost_events_accepted_total` | counter | events stored by `POST /events` (the 202s), this process |
 * | `milepost_events_delivered_total` | counter | stored events signalled to their journeys, this process's delivery loop |
 * | `milepost_events_waiting` | gauge | stored events not yet delivered (all processes) |
 * | `milepost_event_delivery_lag_seconds` | gauge | age of the oldest undelivered event (0 when none) |
 * | `milepost_messages{channel,status}` | gauge | outbox messages by channel and status (pending, sent, failed): sends by channel and outcome, every worker's |
 * | `milepost_enrolments_total{outcome}` | counter | `POST /customers` answers: `enrolled`, `already_enrolled`, `refused` |
 * | `milepost_http_request_duration_seconds{method,route,status}` | histogram | HTTP latency per route |
 * | `milepost_process_*`, `milepost_nodejs_*` | | prom-client's default process metrics |
 *
 * Activity failures, task latencies and the SDK's own counters come from the
 * worker: Temporal's Runtime telemetry with a Prometheus exporter
 * (`MILEPOST_WORKER_METRICS_ADDRESS`, client/cli/commands/worker.ts), scraped
 * as a second target. A Grafana dashboard over both is docs/grafana-dashboard.json.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';
import type { Pool } from '../../store/pool.ts';
import { journeysByStatus, messagesByChannel } from '../../store/operational-counts.ts';

/** What the collectors read at scrape time. */
export interface MetricSources {
  pool: Pool;
  /** The delivery loop's backlog (client/api/event-delivery.ts). */
  backlog: () => Promise<{ waiting: number; lagMs: number }>;
}

/** One server's metrics: a registry of its own (so tests can run several servers in one process). */
export class ApiMetrics {
  readonly registry = new Registry();
  readonly eventsAccepted: Counter;
  readonly eventsDelivered: Counter;
  readonly enrolments: Counter<'outcome'>;
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'milepost_' });
    this.eventsAccepted = new Counter({ name: 'milepost_events_accepted_total', help: 'Events stored by POST /events (answered 202), this process', registers });
    this.eventsDelivered = new Counter({ name: 'milepost_events_delivered_total', help: 'Stored events signalled to their journeys by this process', registers });
    this.enrolments = new Counter({ name: 'milepost_enrolments_total', help: 'POST /customers answers by outcome', labelNames: ['outcome'], registers });
    this.httpDuration = new Histogram({
      name: 'milepost_http_request_duration_seconds', help: 'HTTP request latency by route',
      labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers,
    });
    // Read at scrape time: a failing read leaves the gauge out of that scrape instead of failing it.
    let backlog: Promise<{ waiting: number; lagMs: number }> | null = null;
    const readBacklog = () => (backlog ??= sources.backlog().finally(() => setTimeout(() => { backlog = null; }, 0)));
    new Gauge({
      name: 'milepost_events_waiting', help: 'Stored events not yet delivered to their journeys', registers,
      async collect() { this.set((await readBacklog()).waiting); },
    });
    new Gauge({
      name: 'milepost_event_delivery_lag_seconds', help: 'Age of the oldest stored event not yet delivered (0 when none)', registers,
      async collect() { this.set((await readBacklog()).lagMs / 1000); },
    });
    new Gauge({
      name: 'milepost_journeys', help: 'Journeys by status', labelNames: ['status'], registers,
      async collect() {
        this.reset();
        for (const row of await journeysByStatus(sources.pool)) this.set({ status: row.status }, row.n);
      },
    });
    new Gauge({
      name: 'milepost_messages', help: 'Outbox messages by channel and status (sends by channel and outcome)', labelNames: ['channel', 'status'], registers,
      async collect() {
        this.reset();
        for (const row of await messagesByChannel(sources.pool)) this.set({ channel: row.channel, status: row.status }, row.n);
      },
    });
  }

  /** The exposition text of every metric. */
  async text(): Promise<string> {
    return this.registry.metrics();
  }
}

/**
 * Wires `metrics` into `app`: the HTTP latency of every request (by its
 * route pattern, so ids do not explode the label set), the enrolment and
 * event counts, a structured log line per enrolment, and `GET /metrics`
 * (behind the API's token like every route but `/health`).
 */
export function installMetrics(app: FastifyInstance, metrics: ApiMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    if (request.method === 'POST' && route === '/customers') {
      const outcome = reply.statusCode === 201 ? 'enrolled' : reply.statusCode === 200 ? 'already_enrolled' : 'refused';
      metrics.enrolments.inc({ outcome });
      const body = request.body as { playbook?: unknown; customer?: { id?: unknown } } | undefined;
      request.log.info({ enrolment: outcome, playbook: body?.playbook, customer: body?.customer?.id, status: reply.statusCode }, `enrolment ${outcome}`);
    }
  });
  app.addHook('onSend', async (request, reply, payload) => {
    // The 202 of POST /events says how many events it stored.
    if (request.method === 'POST' && request.routeOptions.url === '/events' && reply.statusCode === 202 && typeof payload === 'string') {
      try {
        const accepted = (JSON.parse(payload) as { accepted?: unknown }).accepted;
        if (typeof accepted === 'number') metrics.eventsAccepted.inc(accepted);
      } catch {
        // not JSON: nothing to count
      }
    }
    return payload;
  });
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.text();
  });
}
