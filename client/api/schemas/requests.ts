/**
 * Request parts of the API that are not bodies (those are in bodies.ts):
 * path parameters and the import's query string, as zod schemas the routes
 * and the OpenAPI document share.
 */
import { z } from 'zod';
import { MAX_KEY_LENGTH, safeText } from '../bodies.ts';

const Segment = (description: string) => safeText(z.string().min(1).max(MAX_KEY_LENGTH)).describe(description);

/** `/customers/:id/journeys/:playbook`. */
export const JourneyPath = z.strictObject({
  id: Segment('the customer id, as enrolled (percent-encoded in the path)'),
  playbook: Segment('the playbook id'),
});

/** `/customers/:id/journeys/:playbook/milestones/:milestone/complete`. */
export const MilestonePath = JourneyPath.extend({ milestone: Segment('the milestone id (an instance of a repeating one as `<id>#<k>`)') });

/** `/tasks/:task/...`: the task's global id, the `id` field of `GET /tasks`. */
export const TaskPath = z.strictObject({ task: z.string().min(1).max(16).regex(/^[1-9]\d{0,15}$/).describe("the task's id (the `id` field of GET /tasks)") });

/** `POST /customers/import?playbook=<id>[&validate_only=true]`. */
export const ImportQuery = z.strictObject({
  playbook: safeText(z.string().min(1).max(MAX_KEY_LENGTH)),
  validate_only: z.enum(['true', 'false']).default('false'),
});
