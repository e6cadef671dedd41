/** The page's {@link Viewer} from the request's signed-in user (client/api/auth.ts). */
import type { FastifyRequest } from 'fastify';
import type { Viewer } from './html.ts';

/** Who is looking, or null (public pages). */
export function viewerOf(request: FastifyRequest): Viewer | null {
  const user = request.user;
  if (user === null) return null;
  return { email: user.email, role: user.role, csrf: request.csrfToken, machine: user.via === 'machine' };
}
