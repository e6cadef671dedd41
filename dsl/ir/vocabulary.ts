/**
 * The language's two vocabularies, each as one table (issue 10 item 4): the
 * rule functions (reference §4) and the action verbs (reference §8). Everything that
 * lists functions or verbs derives from here: the type checker's lists and
 * its scalar/query split (dsl/check/check-rule.ts), the IR enums
 * (dsl/ir/schema.ts), the editor schema and the compiler's per-verb field
 * check (dsl/structure/playbook-schema.ts, dsl/compile/compile-playbook.ts).
 *
 * Plain data, no Node APIs and no imports: the journey engine imports it
 * inside Temporal's workflow sandbox (its evaluator's dispatch, `ActionKind`).
 * Adding a function or a verb starts here; docs/diagnostics.md and the
 * language guide follow.
 */

/** What an event function's query carries after the event: no field, any field, or a number field. */
export type QueryField = 'none' | 'any' | 'number';

/** The result of a query function: a fixed type, or the type of the field it reads (`latest`). */
export type QueryResult = 'boolean' | 'number' | 'field';

/** One rule function: as an event function over a query, as a plain function over numbers, or both (`min`, `max`). */
export interface RuleFunction {
  /** `fn(q)` / `fn(q.field)`: an event function over an event query. */
  query?: { field: QueryField; result: QueryResult; example: string; summary: string };
  /** `fn(x, ...)` over plain numbers, returning a number. */
  scalar?: { arity: number };
  /** `days_since(<time expression>)`: also takes a time (the instant's whole days since). */
  time?: true;
  /** The language version that introduced it. */
  since: 1 | 2;
}

/** Every rule function, in the order the reference lists them. */
export const RULE_FUNCTIONS = {
  happened: { query: { field: 'none', result: 'boolean', example: 'activated', summary: 'at least one matching event' }, since: 1 },
  count: { query: { field: 'none', result: 'number', example: 'ticket_opened within 30 days', summary: 'the number of matching events' }, since: 1 },
  sum: { query: { field: 'number', result: 'number', example: 'usage.minutes within 30 days', summary: 'the sum of a number field' }, since: 1 },
  avg: { query: { field: 'number', result: 'number', example: 'usage.minutes within 30 days', summary: 'the mean of a number field' }, since: 1 },
  min: { query: { field: 'number', result: 'number', example: 'usage.minutes within 30 days', summary: 'the least value of a number field' }, scalar: { arity: 2 }, since: 1 },
  max: { query: { field: 'number', result: 'number', example: 'usage.minutes within 30 days', summary: 'the greatest value of a number field' }, scalar: { arity: 2 }, since: 1 },
  latest: { query: { field: 'any', result: 'field', example: 'usage.active_users', summary: 'the field of the most recent matching event' }, since: 1 },
  days_since: { query: { field: 'none', result: 'number', example: 'usage', summary: 'whole days since the most recent matching event' }, time: true, since: 1 },
  count_distinct: { query: { field: 'any', result: 'number', example: 'usage.user', summary: 'the number of distinct non-null values of a field' }, since: 2 },
  clamp: { scalar: { arity: 3 }, since: 1 },
  abs: { scalar: { arity: 1 }, since: 1 },
  round: { scalar: { arity: 1 }, since: 1 },
} as const satisfies Record<string, RuleFunction>;

export type RuleFunctionName = keyof typeof RULE_FUNCTIONS;

type Names<P extends 'query' | 'scalar'> = {
  [K in RuleFunctionName]: (typeof RULE_FUNCTIONS)[K] extends Record<P, unknown> ? K : never;
}[RuleFunctionName];

/** The event functions (`fn(q)`), the IR's `QueryFn`. */
export type QueryFnName = Names<'query'>;
/** The plain functions (`fn(x, ...)`), the IR's `ScalarFn`. */
export type ScalarFnName = Names<'scalar'>;

const names = Object.keys(RULE_FUNCTIONS) as RuleFunctionName[];
const entry = (n: RuleFunctionName): RuleFunction => RULE_FUNCTIONS[n];

export const RULE_FUNCTION_NAMES: readonly RuleFunctionName[] = names;
export const QUERY_FUNCTION_NAMES = names.filter((n) => entry(n).query) as [QueryFnName, ...QueryFnName[]];
export const SCALAR_FUNCTION_NAMES = names.filter((n) => entry(n).scalar) as [ScalarFnName, ...ScalarFnName[]];

/** One action verb (reference §8): the fields it takes beside the verb key, and their defaults. */
export interface ActionVerb {
  /** What the verb's own value is: a role, a task title (a template) or a webhook name. */
  value: 'role' | 'template' | 'name';
  /** The fields it takes, besides the verb and the fields every action takes ({@link ACTION_COMMON_FIELDS}). */
  fields: readonly string[];
  /** The default of each optional field, as the author would write it. */
  defaults: Readonly<Record<string, string | boolean>>;
  summary: string;
  /** The language version that introduced each field that is not from version 1. */
  fieldsSince?: Readonly<Record<string, 2>>;
}

/** Every action verb, in the order the reference lists them. */
export const ACTION_VERBS = {
  remind: { value: 'role', fields: ['template', 'message', 'channel'], defaults: { channel: 'email' }, summary: 'a reminder to a person' },
  open_task: {
    value: 'template',
    fields: ['assignee', 'due_in', 'priority', 'auto_close', 'overdue'],
    defaults: { assignee: 'csm', due_in: '7 days', priority: 'normal', auto_close: true },
    summary: 'a task in the task list',
    fieldsSince: { auto_close: 2, overdue: 2 },
  },
  escalate: { value: 'role', fields: ['message'], defaults: {}, summary: 'an urgent notice to a person above the owner' },
  webhook: { value: 'name', fields: ['payload'], defaults: {}, summary: 'a signed HTTP POST to a configured endpoint' },
} as const satisfies Record<string, ActionVerb>;

export type ActionVerbName = keyof typeof ACTION_VERBS;
export const ACTION_VERB_NAMES = Object.keys(ACTION_VERBS) as [ActionVerbName, ...ActionVerbName[]];

/** The fields any action takes, whatever its verb (v2: `when`). */
export const ACTION_COMMON_FIELDS = ['when'] as const;

/** The fields `verb` takes besides its own key (its own and the common ones). */
export function verbFields(verb: ActionVerbName): readonly string[] {
  return [...ACTION_VERBS[verb].fields, ...ACTION_COMMON_FIELDS];
}

/** The verb a field belongs to, when only one verb takes it (`due_in` → `open_task`). */
export function verbOfField(field: string): ActionVerbName | undefined {
  return ACTION_VERB_NAMES.find((v) => (ACTION_VERBS[v].fields as readonly string[]).includes(field));
}
