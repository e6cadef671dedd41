/**
 * The compiled playbook: Milepost's intermediate representation (IR).
 *
 * The IR is the contract between the compiler (`dsl/`) and the journey engine
 * (`workflows/engine/`). It is plain JSON, so a durable journey can be started
 * with it, pinned to it for its whole life, stored in Postgres and replayed.
 * Everything the engine needs is resolved here at compile time: `owner` roles,
 * `month N` / `week N` / `day N` sugar, template placeholders, and per event
 * type the retention that keeps journey state bounded.
 *
 * Every schema is a zod schema so the IR can be validated when it is read back
 * (from a file, Postgres or a workflow input) and so a JSON Schema can be
 * generated from it. Change the shape only together with {@link IR_VERSION}.
 */
import { z } from 'zod';
import { ACTION_VERB_NAMES, QUERY_FUNCTION_NAMES, SCALAR_FUNCTION_NAMES } from './vocabulary.ts';

/** Bumped on every incompatible change of the IR's shape or meaning. */
export const IR_VERSION = 1;

/**
 * The playbook language versions (the reference's introduction). An IR records
 * the version it was compiled under in {@link PlaybookIR.language}; a journey
 * keeps the behaviour of the version its IR was compiled under. IRs compiled
 * before version 2 existed carry no `language` key and read as version 1.
 * Version 2 adds `count_distinct`, `closes`, tasks with a life, `when` on
 * actions, `from` on risks, opportunities, template files, catch-up and the
 * next term; every v2 key below defaults to what version 1 did.
 */
export const LANGUAGE_VERSIONS = [1, 2] as const;
export const LANGUAGE_VERSION = 2;
export const LanguageVersion = z.union([z.literal(1), z.literal(2)]);
export type LanguageVersion = z.infer<typeof LanguageVersion>;

// ---------------------------------------------------------------------------
// Types of declared customer attributes and event fields (reference §2)

export const FieldType = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('string') }),
  z.object({ kind: z.literal('number') }),
  z.object({ kind: z.literal('boolean') }),
  z.object({ kind: z.literal('date') }),
  z.object({ kind: z.literal('enum'), members: z.array(z.string()).min(1) }),
]);
export type FieldType = z.infer<typeof FieldType>;

// ---------------------------------------------------------------------------
// Time (reference §3)

export const DurationUnit = z.enum(['hour', 'day', 'week', 'month', 'year']);
export type DurationUnit = z.infer<typeof DurationUnit>;

/** `N hours | days | weeks | months | years`; months and years are calendar arithmetic. */
export const Duration = z.object({
  amount: z.number().int().nonnegative(),
  unit: DurationUnit,
});
export type Duration = z.infer<typeof Duration>;

/**
 * A time expression in normal form: an anchor, then signed duration terms
 * applied left to right. `month 3 - 7 days` compiles to
 * `{ anchor: 'start', terms: [{ sign: 1, 3 months }, { sign: -1, 7 days }] }`;
 * `week N` becomes `+7N days` and `day N` becomes `+N days`.
 * `opens` and `due` are only valid inside a milestone (its own instants,
 * per repeat instance).
 */
export const TimeAnchor = z.enum(['start', 'contract_end', 'opens', 'due']);
export type TimeAnchor = z.infer<typeof TimeAnchor>;

export const TimeTerm = z.object({
  sign: z.union([z.literal(1), z.literal(-1)]),
  duration: Duration,
});
export type TimeTerm = z.infer<typeof TimeTerm>;

export const TimeExpr = z.object({
  anchor: TimeAnchor,
  terms: z.array(TimeTerm),
  /** The source text, for explanations and Gantt labels. */
  source: z.string(),
});
export type TimeExpr = z.infer<typeof TimeExpr>;

// ---------------------------------------------------------------------------
// Expressions (reference §4)

/**
 * The static type the checker inferred for an expression node. `null` is the
 * type of the literal `null`; every other type is nullable at run time.
 */
export const ValueType = z.enum(['number', 'string', 'boolean', 'date', 'null', 'list']);
export type ValueType = z.infer<typeof ValueType>;

/** What a reference names. `field` is an event's data field inside `where`. */
export const Ref = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('customer'), attr: z.string() }),
  z.object({ kind: z.literal('contract_start') }),
  z.object({ kind: z.literal('contract_end') }),
  z.object({ kind: z.literal('health') }),
  z.object({ kind: z.literal('health_component'), component: z.string() }),
  z.object({ kind: z.literal('field'), field: z.string() }),
]);
export type Ref = z.infer<typeof Ref>;

export const EventWindow = z.discriminatedUnion('kind', [
  /** events with `now - duration < at <= now` */
  z.object({ kind: z.literal('within'), duration: Duration }),
  /** events with `time <= at <= now` */
  z.object({ kind: z.literal('since'), time: TimeExpr }),
]);
export type EventWindow = z.infer<typeof EventWindow>;

/** The event functions and the plain functions: both from the one table in ./vocabulary.ts. */
export const QueryFn = z.enum(QUERY_FUNCTION_NAMES);
export type QueryFn = z.infer<typeof QueryFn>;

export const ScalarFn = z.enum(SCALAR_FUNCTION_NAMES);
export type ScalarFn = z.infer<typeof ScalarFn>;

export const BinaryOp = z.enum(['or', 'and', '==', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/']);
export type BinaryOp = z.infer<typeof BinaryOp>;

/**
 * An expression node. Each node has an `id` unique within its playbook; source
 * positions live in the compiler's side table keyed by that id, not here.
 */
export type Expr =
  | { id: number; k: 'literal'; value: number | string | boolean | null }
  | { id: number; k: 'list'; items: Expr[] }
  | { id: number; k: 'ref'; ref: Ref }
  /** A time expression used as a value: an instant (type `date`). */
  | { id: number; k: 'time'; time: TimeExpr }
  | { id: number; k: 'not'; operand: Expr }
  | { id: number; k: 'neg'; operand: Expr }
  | { id: number; k: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { id: number; k: 'in'; operand: Expr; list: Expr }
  | { id: number; k: 'is_null'; operand: Expr; negated: boolean }
  | { id: number; k: 'call'; fn: ScalarFn; args: Expr[] }
  /** `days_since(<time expression>)`: whole days since that instant, negative before it. */
  | { id: number; k: 'days_since_time'; time: TimeExpr }
  /** An event function over a query; `query` indexes {@link PlaybookIR.queries}. */
  | { id: number; k: 'query'; fn: QueryFn; query: number };

export const Expr: z.ZodType<Expr> = z.lazy(() =>
  z.discriminatedUnion('k', [
    z.object({ id: z.number().int(), k: z.literal('literal'), value: z.union([z.number(), z.string(), z.boolean(), z.null()]) }),
    z.object({ id: z.number().int(), k: z.literal('list'), items: z.array(Expr) }),
    z.object({ id: z.number().int(), k: z.literal('ref'), ref: Ref }),
    z.object({ id: z.number().int(), k: z.literal('time'), time: TimeExpr }),
    z.object({ id: z.number().int(), k: z.literal('not'), operand: Expr }),
    z.object({ id: z.number().int(), k: z.literal('neg'), operand: Expr }),
    z.object({ id: z.number().int(), k: z.literal('binary'), op: BinaryOp, left: Expr, right: Expr }),
    z.object({ id: z.number().int(), k: z.literal('in'), operand: Expr, list: Expr }),
    z.object({ id: z.number().int(), k: z.literal('is_null'), operand: Expr, negated: z.boolean() }),
    z.object({ id: z.number().int(), k: z.literal('call'), fn: ScalarFn, args: z.array(Expr) }),
    z.object({ id: z.number().int(), k: z.literal('days_since_time'), time: TimeExpr }),
    z.object({ id: z.number().int(), k: z.literal('query'), fn: QueryFn, query: z.number().int().nonnegative() }),
  ]),
);

/** A compiled condition or score: the tree plus the text it came from. */
export const Rule = z.object({
  source: z.string(),
  expr: Expr,
  type: ValueType,
});
export type Rule = z.infer<typeof Rule>;

/**
 * An event query (reference §4): `<event>[.<field>] [where <cond>] [within d | since t]`.
 * Queries are interned in {@link PlaybookIR.queries} so the engine can keep one
 * running aggregate per query instead of every event.
 */
export const Query = z.object({
  event: z.string(),
  field: z.string().nullable(),
  /** Over the event's data fields (`ref.kind === 'field'`) and `customer.*` only. */
  where: Expr.nullable(),
  window: EventWindow.nullable(),
  /**
   * Where the query may appear: a query whose `since` uses `opens` or `due`
   * belongs to one milestone and is evaluated per repeat instance.
   */
  milestone: z.string().nullable(),
  source: z.string(),
});
export type Query = z.infer<typeof Query>;

// ---------------------------------------------------------------------------
// Templates and actions (reference §8)

export const Placeholder = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('customer'), attr: z.string() }),
  z.object({ kind: z.literal('milestone_title') }),
  z.object({ kind: z.literal('milestone_due') }),
  z.object({ kind: z.literal('health') }),
  z.object({ kind: z.literal('event'), field: z.string() }),
  /** (v2) inside an `overdue:` action: the task's rendered title and its due date */
  z.object({ kind: z.literal('task_title') }),
  z.object({ kind: z.literal('task_due') }),
]);
export type Placeholder = z.infer<typeof Placeholder>;

/** A `{{...}}` template split into literal text and placeholders, in order. */
export const Template = z.object({
  source: z.string(),
  parts: z.array(z.union([z.string(), Placeholder])),
});
export type Template = z.infer<typeof Template>;

/**
 * (v2) A template file `playbooks/templates/<name>.md`, carried in the IR so a
 * journey keeps the wording of the version it is pinned to (the source hash
 * covers it): the front matter's `subject:` and the Markdown body, both split
 * into text and placeholders.
 */
export const TemplateFile = z.object({
  /** the file's path relative to the playbook's folder, e.g. `templates/activation-due-soon.md` */
  file: z.string(),
  subject: Template.nullable(),
  body: Template,
});
export type TemplateFile = z.infer<typeof TemplateFile>;

/**
 * An action with its defaults filled in. `to` / `assignee` are role names as
 * written, except that `owner` is already resolved to the milestone's owner.
 * `when` (v2) is the action's own condition: it fires only if it holds at the
 * instant it would fire; `null` (and absent, in version-1 IRs) means always.
 */
export type Action =
  | { kind: 'remind'; to: string; template: string | null; message: Template | null; channel: 'email' | 'slack' | 'webhook'; when?: Rule | null }
  | {
    kind: 'open_task'; title: Template; assignee: string; dueIn: Duration; priority: 'low' | 'normal' | 'high' | 'urgent'; when?: Rule | null;
    /** (v2) `auto_close: false` keeps only the closes `done` and `term_closed`; absent: true */
    autoClose?: boolean;
    /** (v2) actions fired at the task's due instant if it is still open; absent: none */
    overdue?: Action[];
  }
  | { kind: 'escalate'; to: string; message: Template | null; when?: Rule | null }
  | { kind: 'webhook'; name: string; payload: Record<string, Template> | null; when?: Rule | null };

/** The action verbs, from the one table in ./vocabulary.ts (the IR's `Action['kind']`). */
export const ActionKind = z.enum(ACTION_VERB_NAMES);
export type ActionKind = z.infer<typeof ActionKind>;

/** Compile-time check: the IR's action union has exactly the table's verbs. */
const actionKindsMatch: [Action['kind']] extends [ActionKind] ? ([ActionKind] extends [Action['kind']] ? true : false) : false = true;
void actionKindsMatch;

export const Channel = z.enum(['email', 'slack', 'webhook']);
export const Priority = z.enum(['low', 'normal', 'high', 'urgent']);

export const Action: z.ZodType<Action> = z.lazy(() =>
  z.discriminatedUnion('kind', [
    z.object({
      kind: z.literal('remind'),
      to: z.string(),
      /** The name of a template file; its text is in {@link PlaybookIR.templates} (v2). */
      template: z.string().nullable(),
      message: Template.nullable(),
      channel: Channel,
      when: Rule.nullable().optional(),
    }),
    z.object({
      kind: z.literal('open_task'),
      title: Template,
      assignee: z.string(),
      dueIn: Duration,
      priority: Priority,
      when: Rule.nullable().optional(),
      autoClose: z.boolean().optional(),
      overdue: z.array(Action).optional(),
    }),
    z.object({
      kind: z.literal('escalate'),
      to: z.string(),
      message: Template.nullable(),
      when: Rule.nullable().optional(),
    }),
    z.object({
      kind: z.literal('webhook'),
      name: z.string(),
      payload: z.record(z.string(), Template).nullable(),
      when: Rule.nullable().optional(),
    }),
  ]),
);

// ---------------------------------------------------------------------------
// Milestones, health, risks, triggers (reference §5–7)

export const Step = z.object({
  at: TimeExpr,
  action: Action,
});
export type Step = z.infer<typeof Step>;

export const Milestone = z.object({
  id: z.string(),
  title: z.string(),
  appliesWhen: Rule.nullable(),
  opens: TimeExpr,
  due: TimeExpr,
  doneWhen: Rule,
  /**
   * (v2) `closes:`: not completed by then, the instance is missed. `null`
   * (and absent): version 2 closes a repeating instance at the next
   * instance's `opens` and anything else at `contract.end`; version 1 closes
   * everything at `contract.end`.
   */
  closes: TimeExpr.nullable().optional(),
  owner: z.string(),
  renewal: z.boolean(),
  /** `repeat: every <duration>`; instances `<id>#1`, `<id>#2`, ... */
  repeat: Duration.nullable(),
  steps: z.array(Step),
  onDone: z.array(Action),
});
export type Milestone = z.infer<typeof Milestone>;

export const HealthComponent = z.object({
  id: z.string(),
  weight: z.number().nonnegative(),
  score: Rule,
});
export type HealthComponent = z.infer<typeof HealthComponent>;

export const Risk = z.object({
  id: z.string(),
  title: z.string(),
  when: Rule,
  level: z.enum(['low', 'medium', 'high']),
  /** (v2) the grace period: before this instant `when` counts as false; `null` (and absent): `start` */
  from: TimeExpr.nullable().optional(),
  cooldown: Duration.nullable(),
  actions: z.array(Action),
});
export type Risk = z.infer<typeof Risk>;

export const Trigger = z.object({
  id: z.string(),
  /** Index into {@link PlaybookIR.queries}; a query with no field and no window. */
  on: z.number().int().nonnegative(),
  actions: z.array(Action),
});
export type Trigger = z.infer<typeof Trigger>;

/**
 * What the engine must remember of one event type so that every query over it
 * can still be answered (ARCHITECTURE: bounded state).
 * - `window`: the longest `within` duration of any query over this type; events
 *   older than that may be dropped from the buffer. `null` when no query uses
 *   `within`, so no buffer is needed at all.
 * - `fields`: the data fields any query or trigger template reads.
 * Queries without `within` are answered from running aggregates the engine
 * keeps per query (count, sum, min, max, latest value and instant).
 */
export const Retention = z.object({
  window: Duration.nullable(),
  fields: z.array(z.string()),
});
export type Retention = z.infer<typeof Retention>;

/** (v2) `renewal_term:`: what a renewed term starts. */
export const RenewalTerm = z.object({
  /** the next term's playbook id; `null`: this playbook */
  playbook: z.string().nullable(),
  /** the next term's length (default 12 months) */
  length: Duration,
});
export type RenewalTerm = z.infer<typeof RenewalTerm>;

export const PlaybookIR = z.object({
  irVersion: z.literal(IR_VERSION),
  /** The language version it was compiled under; absent in IRs from before version 2: 1. */
  language: LanguageVersion.optional(),
  playbook: z.string(),
  title: z.string(),
  /** `sha256:<hex>` of the playbook source bytes. */
  sourceHash: z.string(),
  appliesTo: Rule.nullable(),
  customer: z.record(z.string(), FieldType),
  events: z.record(z.string(), z.record(z.string(), FieldType)),
  health: z.object({ components: z.array(HealthComponent) }).nullable(),
  milestones: z.array(Milestone),
  risks: z.array(Risk),
  /** (v2) the positive signals: the shape and semantics of risks; absent: none */
  opportunities: z.array(Risk).optional(),
  triggers: z.array(Trigger),
  queries: z.array(Query),
  retention: z.record(z.string(), Retention),
  /** (v2) `catch_up:` at mid-term enrolment and migration; absent: `none` in version 1, `latest` in 2 */
  catchUp: z.enum(['latest', 'none']).optional(),
  /** (v2) `renewal_term:`; absent: none */
  renewalTerm: RenewalTerm.nullable().optional(),
  /** (v2) the template files the playbook's actions name, by name; absent: none */
  templates: z.record(z.string(), TemplateFile).optional(),
});
export type PlaybookIR = z.infer<typeof PlaybookIR>;
