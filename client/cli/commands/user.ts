/**
 * `milepost user add <email> --role csm|manager|operator`, `user list`,
 * `user token <email>`: the people who sign in to the dashboard and the API
 * (dash's store/users.ts), in the running stack's database.
 *
 * `add` and `token` print the person's token once: it is stored hashed and
 * cannot be shown again (`token` replaces it, ending the old one and its
 * sessions). The token goes to stdout alone on its line, the rest to stderr,
 * so `milepost user add ada@example.com --role csm > ada.token` keeps it.
 */
import { UsageError, type Command } from '../command.ts';
import { parseCommandLine } from '../arguments.ts';

const USAGE = [
  'milepost user add <email> --role csm|manager|operator',
  '       milepost user list [--json]',
  '       milepost user token <email>   (a new personal token; the old one stops working)',
].join('\n');

const user: Command = {
  summary: 'add people who sign in (csm, manager, operator), list them, or give one a new token',
  usage: USAGE,
  uses: ['database'],
  async run(argv, io) {
    const { values, positionals } = parseCommandLine(argv, { role: { type: 'string' }, json: { type: 'boolean', default: false } });
    const [action, ...args] = positionals;
    const { ROLES, addUser, InvalidUserError, listUsers, replaceUserToken, UserExistsError } = await import('../../../store/users.ts');
    if (action === 'add') {
      if (args.length !== 1) throw new UsageError('name one e-mail address');
      if (values.role === undefined) throw new UsageError(`--role is required (${ROLES.join(', ')})`);
      if (!(ROLES as readonly string[]).includes(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}, got '${values.role}'`);
    } else if (action === 'token') {
      if (args.length !== 1) throw new UsageError('name one e-mail address');
    } else if (action === 'list') {
      if (args.length > 0) throw new UsageError(`user list takes no arguments (got '${args[0]}')`);
    } else {
      throw new UsageError(action === undefined ? 'say add, list or token' : `unknown user action '${action}' (add, list or token)`);
    }
    const { openDatabase } = await import('../../../store/database.ts');
    let db;
    try {
      db = await openDatabase(io.env, io.cwd);
    } catch (err) {
      io.stderr.write(`milepost user: cannot open the database: ${(err as Error).message}\n`);
      return 2;
    }
    try {
      if (action === 'list') {
        const users = await listUsers(db.pool);
        if (values.json) io.stdout.write(`${JSON.stringify(users, null, 2)}\n`);
        else if (users.length === 0) io.stdout.write('no users\n');
        else for (const u of users) io.stdout.write(`${u.role.padEnd(9)} ${u.email}\n`);
        return 0;
      }
      if (action === 'token') {
        const token = await replaceUserToken(db.pool, args[0]!);
        if (token === null) {
          io.stderr.write(`milepost user: no user ${args[0]!.toLowerCase()}\n`);
          return 1;
        }
        io.stderr.write(`milepost user: new personal token of ${args[0]!.toLowerCase()} (shown once; the old one no longer works):\n`);
        io.stdout.write(`${token}\n`);
        return 0;
      }
      try {
        const added = await addUser(db.pool, { email: args[0]!, role: values.role! });
        io.stderr.write(`milepost user: added ${added.user.email} (${added.user.role}); their personal token, shown once:\n`);
        io.stdout.write(`${added.token}\n`);
        return 0;
      } catch (err) {
        if (err instanceof UserExistsError || err instanceof InvalidUserError) {
          io.stderr.write(`milepost user: ${err.message}\n`);
          return 1;
        }
        throw err;
      }
    } finally {
      await db.close();
    }
  },
};

export default user;
