/**
 * The error the API answers with 503 when Temporal cannot start, signal or
 * query a journey right now. Whatever was stored stays stored; the message
 * says what to do (retry the same request: enrolment is idempotent).
 */
export class JourneysUnavailableError extends Error {
  override name = 'JourneysUnavailableError';
  /** Fastify's error handler reads the status from here. */
  readonly statusCode = 503;
}

/** Runs a gateway call, turning its failure into {@link JourneysUnavailableError} with `what` as context. */
export async function viaGateway<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw new JourneysUnavailableError(`${what}: Temporal did not answer (${(err as Error).message})`, { cause: err });
  }
}
