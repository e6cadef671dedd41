/**
 * People who sign in (issue 13): users with a role and a personal token, and
 * the browser sessions a token is exchanged for. Tokens and session ids are
 * random 256-bit secrets, stored only as their SHA-256: the database never
 * holds anything that signs anyone in.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from './queryable.ts';

/** The roles (client/api/auth.ts says what each may do). */
export const ROLES = ['manager', 'csm', 'operator'] as const;
export type Role = (typeof ROLES)[number];

/** A person who may sign in. */
export interface User {
  email: string;
  role: Role;
}

/** `addUser` for an e-mail address that already has a user. */
export class UserExistsError extends Error {
  override name = 'UserExistsError';
}

/** A bad e-mail address or role given to `addUser` (nothing stored). */
export class InvalidUserError extends Error {
  override name = 'InvalidUserError';
}

/** How long a browser session lasts after sign-in: 12 hours (a working day), then sign in again. */
export const SESSION_LIFETIME_MS = 12 * 3600_000;

/** The stored form of a token or session id. */
export function secretHash(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** A new personal token: `mp_` and 43 base64url characters (256 bits). */
function newToken(): string {
  return `mp_${randomBytes(32).toString('base64url')}`;
}

const EMAIL = /^[^\s@]{1,100}@[^\s@]{1,150}$/;

/**
 * Adds a user and returns their personal token: the only time it exists in
 * the clear (print it once; it is stored hashed). The address is kept in
 * lower case, so sign-in and the `csm` of customers compare alike.
 * @throws UserExistsError when the address already has a user
 * @throws InvalidUserError for an address or role that is not one
 */
export async function addUser(db: Queryable, user: { email: string; role: string }): Promise<{ user: User; token: string }> {
  const email = user.email.trim().toLowerCase();
  if (!EMAIL.test(email)) throw new InvalidUserError(`'${user.email}' is not an e-mail address`);
  if (!(ROLES as readonly string[]).includes(user.role)) throw new InvalidUserError(`unknown role '${user.role}': expected one of ${ROLES.join(', ')}`);
  const token = newToken();
  const { rowCount } = await db.query(
    'INSERT INTO users (email, role, token_hash) VALUES ($1, $2, $3) ON CONFLICT (email) DO NOTHING', [email, user.role, secretHash(token)]);
  if (rowCount === 0) throw new UserExistsError(`a user ${email} already exists`);
  return { user: { email, role: user.role as Role }, token };
}

/** Gives `email` a new personal token (the old one stops working, and so do their sessions); null for no such user. */
export async function replaceUserToken(db: Queryable, email: string): Promise<string | null> {
  const token = newToken();
  const { rowCount } = await db.query('UPDATE users SET token_hash = $2 WHERE email = $1', [email.toLowerCase(), secretHash(token)]);
  if (rowCount === 0) return null;
  await db.query('DELETE FROM sessions WHERE email = $1', [email.toLowerCase()]);
  return token;
}

/** Every user, by address. */
export async function listUsers(db: Queryable): Promise<User[]> {
  const { rows } = await db.query<User>('SELECT email, role FROM users ORDER BY email');
  return rows;
}

/** The user with this address (compared in lower case), or null. */
export async function findUser(db: Queryable, email: string): Promise<User | null> {
  const { rows } = await db.query<User>('SELECT email, role FROM users WHERE email = $1', [email.trim().toLowerCase()]);
  return rows[0] ?? null;
}

/** The user whose personal token this is, or null. */
export async function findUserByToken(db: Queryable, token: string): Promise<User | null> {
  const { rows } = await db.query<User>('SELECT email, role FROM users WHERE token_hash = $1', [secretHash(token)]);
  return rows[0] ?? null;
}

/** A signed-in browser: the cookie's secret (only returned here), and the CSRF token its forms carry. */
export interface NewSession {
  id: string;
  csrf: string;
  expiresAt: number;
}

/** Opens a session for `email` at `now` (epoch ms); expired sessions are swept on the way. */
export async function createSession(db: Queryable, email: string, now: number): Promise<NewSession> {
  const id = randomBytes(32).toString('base64url');
  const csrf = randomBytes(24).toString('base64url');
  const expiresAt = now + SESSION_LIFETIME_MS;
  await db.query('DELETE FROM sessions WHERE expires_at <= $1', [new Date(now)]);
  await db.query('INSERT INTO sessions (id_hash, email, csrf, expires_at) VALUES ($1, $2, $3, $4)',
    [secretHash(id), email, csrf, new Date(expiresAt)]);
  return { id, csrf, expiresAt };
}

/**
 * The session behind a cookie's secret at `now`, with its user's role as it
 * is now (a changed role counts at once), or null: unknown, expired, or the
 * user is gone. `machine` names the address the machine token signs in as
 * (it has no users row).
 */
export async function findSession(db: Queryable, id: string, now: number, machine?: User): Promise<{ user: User; csrf: string } | null> {
  const { rows } = await db.query<{ email: string; role: Role | null; csrf: string }>(
    `SELECT s.email, u.role, s.csrf FROM sessions s LEFT JOIN users u ON u.email = s.email
      WHERE s.id_hash = $1 AND s.expires_at > $2`, [secretHash(id), new Date(now)]);
  const row = rows[0];
  if (row === undefined) return null;
  if (row.role !== null) return { user: { email: row.email, role: row.role }, csrf: row.csrf };
  if (machine !== undefined && row.email === machine.email) return { user: machine, csrf: row.csrf };
  return null;
}

/** Ends a session (sign-out); ending an unknown one does nothing. */
export async function endSession(db: Queryable, id: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE id_hash = $1', [secretHash(id)]);
}
