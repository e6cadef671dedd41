/**
 * The YAML structure of a playbook (reference §2, §5–§9) as zod schemas: which
 * keys exist, which are required, and the shape of their values. Rules,
 * times, durations and templates are strings here; their meaning is checked
 * by the rules parser and type checker. The same schemas produce the
 * draft-07 JSON Schema that `milepost schema` prints for YAML editors, where
 * every key carries a description (shown on hover and in completion).
 *
 * Actions are one flat map of every verb's fields here, so the compiler can
 * say "`due_in` belongs to `open_task`" instead of a union's "no branch
 * matched". The editor schema adds what the flat map cannot say (one verb
 * per action, the fields of each verb, a reminder's template or message),
 * derived from the verb table in ../ir/vocabulary.ts.
 */
import { z } from 'zod';
import { ACTION_COMMON_FIELDS, ACTION_VERB_NAMES, ACTION_VERBS } from '../ir/vocabulary.ts';

/** A rule written in the expression language (YAML may read `true` as a boolean). */
const RuleText = () => z.union([z.string(), z.boolean(), z.number()]);
const TimeText = () => z.string();
const DurationText = () => z.string();
const TemplateText = () => z.string();
const Role = () => z.string();
const IdText = () => z.string();

const TIME = 'a time expression: start, contract.end, month N, week N or day N (inside a milestone also opens and due), then any + or - durations, e.g. `due - 7 days`';
const DURATION = 'a duration: a whole number and a unit (hours, days, weeks, months, years), e.g. `7 days`';
const TEMPLATE = 'text with placeholders: {{customer.<attr>}}, {{milestone.title}}, {{milestone.due}}, {{health}}, {{event.<field>}} (in triggers), {{task.title}} and {{task.due}} (in overdue)';
const ROLE = 'a role: owner (the milestone\'s owner) or a customer attribute holding a person, such as csm or manager';

/** The fields an action may carry; which ones belong to which verb is checked by the compiler (and the editor schema). */
const actionFields = {
  remind: Role().optional().describe(`remind: ${ACTION_VERBS.remind.summary}; the value is ${ROLE}`),
  open_task: TemplateText().optional().describe(`open_task: ${ACTION_VERBS.open_task.summary}; the value is the task's title (${TEMPLATE})`),
  escalate: Role().optional().describe(`escalate: ${ACTION_VERBS.escalate.summary}; the value is ${ROLE}`),
  webhook: z.string().optional().describe(`webhook: ${ACTION_VERBS.webhook.summary}; the value is the configured webhook's name`),
  template: z.string().optional().describe('remind: the name of a template file, playbooks/templates/<name>.md (front matter `subject:`, then a Markdown body); instead of `message`'),
  message: TemplateText().optional().describe(`remind (instead of template) or escalate (optional): the text, ${TEMPLATE}`),
  channel: z.enum(['email', 'slack', 'webhook']).optional().describe('remind: how the reminder is sent (default email)'),
  assignee: Role().optional().describe(`open_task: who the task is for (default csm); ${ROLE}`),
  due_in: DurationText().optional().describe(`open_task: how long after it opens the task is due (default 7 days); ${DURATION}`),
  priority: z.enum(['low', 'normal', 'high', 'urgent']).optional().describe('open_task: the task\'s priority (default normal)'),
  auto_close: z.boolean().optional().describe('open_task (v2): false keeps the task open until a person closes it or the term closes (default true: it also closes when its milestone completes or is missed, or its risk clears)'),
  get overdue() {
    return z.array(ActionSchema).optional().describe('open_task (v2): actions fired at the task\'s due instant if it is still open; {{task.title}} and {{task.due}} work inside them');
  },
  payload: z.record(z.string(), TemplateText().describe(TEMPLATE)).optional().describe('webhook: a map of names to templates, sent as the JSON body'),
  when: RuleText().optional().describe('(v2) a condition: the action fires only if it holds at the instant it would fire (in a trigger, `event.<field>` reads the triggering event)'),
};

export const ActionSchema: z.ZodType = z.strictObject(actionFields).describe('an action: exactly one verb (remind, open_task, escalate or webhook) with its fields');
export const StepSchema = z.strictObject({ at: TimeText().describe(`when the step fires: ${TIME}`), ...actionFields }).describe('a step of the escalation ladder: `at` plus one action');

export const MilestoneSchema = z.strictObject({
  id: IdText().describe('the milestone id, [a-z][a-z0-9_]*, unique among milestones'),
  title: z.string().describe('what the milestone is, in words (shown in reports, emails and the dashboard)'),
  applies_when: RuleText().optional().describe('a condition judged at contract.start; false: the milestone is skipped for this customer'),
  opens: TimeText().optional().describe(`when the milestone opens (default start); ${TIME}`),
  due: TimeText().describe(`when the milestone is due; ${TIME}`),
  done_when: RuleText().describe('the condition that completes the milestone, e.g. happened(activated)'),
  closes: TimeText().optional().describe(`(v2) when a milestone not completed becomes missed (default contract.end; a repeating instance closes when the next one opens); at or after due; ${TIME}`),
  owner: Role().optional().describe('who owns the milestone (default csm): a customer attribute holding a person; `owner` in actions means this role'),
  renewal: z.boolean().optional().describe('true on the one milestone whose completion means the customer renewed'),
  repeat: z.string().optional().describe('every <duration>, e.g. every 3 months: the milestone becomes a series of instances'),
  steps: z.array(StepSchema).optional().describe('the escalation ladder: actions at instants while the milestone is open and not completed'),
  on_done: z.array(ActionSchema).optional().describe('actions fired when the milestone completes, on time or late'),
}).describe('a milestone: something the customer should reach by a due date');

export const HealthSchema = z.strictObject({
  components: z.array(
    z.strictObject({
      id: IdText().describe('the component id, [a-z][a-z0-9_]*; read it as health.<id>'),
      weight: z.number().nonnegative().describe('the component\'s weight in the weighted mean (not negative)'),
      score: RuleText().describe('a number rule, clamped to 0..100; null leaves the component out'),
    }).describe('a health component'),
  ).describe('the components whose weighted mean is `health`'),
}).describe('the customer\'s health score: a weighted mean of components, 0..100');

const signalFields = (what: 'risk' | 'opportunity') => ({
  id: IdText().describe(`the ${what} id, [a-z][a-z0-9_]*; risks and opportunities share one namespace`),
  title: z.string().describe(`what the ${what} is, in words`),
  when: RuleText().describe(`the condition: the ${what} is raised when it turns true and cleared when it turns false`),
  from: TimeText().optional().describe(`(v2) a grace period: before this instant \`when\` counts as false (default start), e.g. start + 30 days; ${TIME}`),
  level: z.enum(['low', 'medium', 'high']).describe(`how serious (or how strong) the ${what} is`),
  cooldown: DurationText().optional().describe(`a raise fires no actions if they last fired less than this before; ${DURATION}`),
  actions: z.array(ActionSchema).optional().describe('actions fired when it is raised'),
});

export const RiskSchema = z.strictObject(signalFields('risk')).describe('a risk: a warning sign, raised and cleared as its condition changes');
export const OpportunitySchema = z.strictObject(signalFields('opportunity')).describe('(v2) an opportunity: a positive signal (such as readiness for an upsell), with the shape and behaviour of a risk');

export const TriggerSchema = z.strictObject({
  id: IdText().describe('the trigger id, [a-z][a-z0-9_]*'),
  on: z.string().describe('an event query: <event> [where <condition over its fields>]'),
  actions: z.array(ActionSchema).optional().describe('actions fired once for each matching event; {{event.<field>}} and event.<field> read it'),
}).describe('a trigger: actions for each matching event');

export const RenewalTermSchema = z.strictObject({
  playbook: z.string().optional().describe('the next term\'s playbook id (default this playbook)'),
  length: DurationText().optional().describe(`the next term's length (default 12 months); ${DURATION}`),
}).describe('(v2) what a renewed term starts: the customer is enrolled in the next term when this one closes renewed');

const TypeText = () => z.string().describe('a type: string | number | boolean | date | enum(a, b, ...)');

export const PlaybookSchema = z.strictObject({
  playbook: z.string().describe('the playbook id, [a-z][a-z0-9-]*'),
  title: z.string().describe('the playbook\'s name, in words'),
  applies_to: RuleText().optional().describe('a condition on the customer, checked when a customer is enrolled'),
  customer: z.record(z.string(), TypeText()).describe('the customer attributes and their types; roles (csm, manager) are attributes holding a person'),
  events: z.record(z.string(), z.union([z.record(z.string(), TypeText()), z.null()]).describe('the event\'s data fields and their types ({} for none)')).describe('the event types and the fields of their data'),
  health: HealthSchema.optional(),
  milestones: z.array(MilestoneSchema).optional().describe('the milestones, in order'),
  risks: z.array(RiskSchema).optional().describe('the risks: warning signs'),
  opportunities: z.array(OpportunitySchema).optional().describe('(v2) the opportunities: positive signals, listed apart from risks'),
  triggers: z.array(TriggerSchema).optional().describe('the triggers: actions on events'),
  catch_up: z.enum(['latest', 'none']).optional().describe('(v2) a customer enrolled mid-term: latest (default) fires the latest missed step of each live milestone and the actions of risks still raised; none fires nothing from before enrolment'),
  renewal_term: RenewalTermSchema.optional(),
}).describe('a Milepost playbook (language version 2)');

/** Draft-07 constraints on one action map, from the verb table: exactly one verb, its fields only, a reminder's text. */
function actionConstraints(extra: readonly string[]): Record<string, unknown> {
  const perVerb = ACTION_VERB_NAMES.map((verb) => {
    const own = new Set<string>([verb, ...ACTION_VERBS[verb].fields, ...ACTION_COMMON_FIELDS, ...extra]);
    const foreign = Object.keys(actionFields).filter((k) => !own.has(k));
    const then: Record<string, unknown> = { properties: Object.fromEntries(foreign.map((k) => [k, false])) };
    if (verb === 'remind') then['oneOf'] = [{ required: ['template'] }, { required: ['message'] }];
    return { if: { required: [verb] }, then };
  });
  return { oneOf: ACTION_VERB_NAMES.map((verb) => ({ required: [verb] })), allOf: perVerb };
}

/** The draft-07 JSON Schema of a playbook file, for yaml-language-server and other editors. */
export function playbookJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PlaybookSchema, {
    target: 'draft-7',
    io: 'input',
    override: (ctx) => {
      const s: unknown = ctx.zodSchema;
      if (s === ActionSchema) Object.assign(ctx.jsonSchema, actionConstraints([]));
      else if (s === StepSchema) Object.assign(ctx.jsonSchema, actionConstraints(['at']));
    },
  }) as Record<string, unknown>;
  return { ...schema, title: 'Milepost playbook', $id: 'https://milepost.dev/schema/playbook.json' };
}
