/** The dashboard's routes (placeholder until the pages land). */
import type { FastifyInstance } from 'fastify';
import type { ApiDeps } from '../api/deps.ts';

/** Registers the dashboard. */
export function registerDashboardRoutes(_app: FastifyInstance, _deps: ApiDeps): void {}
