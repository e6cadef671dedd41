/**
 * The YAML structure of a playbook (SPEC §2, §5–§8) as zod schemas: which
 * keys exist, which are required, and the shape of their values. Rules,
 * times, durations and templates are strings here; their meaning is checked
 * by the rules parser and type checker. The same schemas produce the
 * draft-07 JSON Schema that `milepost schema` prints for YAML editors.
 */
import { z } from 'zod';

/** A rule written in the expression language (YAML may read `true` as a boolean). */
const RuleText = z.union([z.string(), z.boolean(), z.number()]).describe('a rule in the Milepost expression language');
const TimeText = z.string().describe('a time expression: start, contract.end, month N, week N, day N (or opens/due in a milestone), then + or - durations');
const DurationText = z.string().describe('a duration: N hours | days | weeks | months | years');
const TemplateText = z.string().describe('text with {{customer.<attr>}}, {{milestone.title}}, {{milestone.due}}, {{health}} or {{event.<field>}} placeholders');
const Role = z.string().describe('a role: owner (inside a milestone) or a customer attribute such as csm or manager');
const IdText = z.string().describe('an identifier [a-z][a-z0-9_]*');

/** The fields an action may carry; which ones belong to which verb is checked by the compiler. */
const actionFields = {
  remind: Role.optional().describe('remind a person: a role'),
  open_task: TemplateText.optional().describe('open a task with this title'),
  escalate: Role.optional().describe('an urgent notice to this role'),
  webhook: z.string().optional().describe('POST to the configured webhook of this name'),
  template: z.string().optional().describe('remind: the name of a delivery template'),
  message: TemplateText.optional(),
  channel: z.enum(['email', 'slack', 'webhook']).optional(),
  assignee: Role.optional(),
  due_in: DurationText.optional(),
  priority: z.enum(['low', 'normal', 'high', 'urgent']).optional(),
  payload: z.record(z.string(), TemplateText).optional(),
};

export const ActionSchema = z.strictObject(actionFields).describe('an action: exactly one of remind, open_task, escalate, webhook');
export const StepSchema = z.strictObject({ at: TimeText, ...actionFields }).describe('a step of the escalation ladder');

export const MilestoneSchema = z.strictObject({
  id: IdText,
  title: z.string(),
  applies_when: RuleText.optional(),
  opens: TimeText.optional(),
  due: TimeText,
  done_when: RuleText,
  owner: Role.optional(),
  renewal: z.boolean().optional(),
  repeat: z.string().optional().describe('every <duration>, e.g. every 3 months'),
  steps: z.array(StepSchema).optional(),
  on_done: z.array(ActionSchema).optional(),
});

export const HealthSchema = z.strictObject({
  components: z.array(
    z.strictObject({
      id: IdText,
      weight: z.number().nonnegative(),
      score: RuleText,
    }),
  ),
});

export const RiskSchema = z.strictObject({
  id: IdText,
  title: z.string(),
  when: RuleText,
  level: z.enum(['low', 'medium', 'high']),
  cooldown: DurationText.optional(),
  actions: z.array(ActionSchema).optional(),
});

export const TriggerSchema = z.strictObject({
  id: IdText,
  on: z.string().describe('an event query: <event> [where <condition>]'),
  actions: z.array(ActionSchema).optional(),
});

const TypeText = z.string().describe('string | number | boolean | date | enum(a, b, ...)');

export const PlaybookSchema = z.strictObject({
  playbook: z.string().describe('the playbook id, [a-z][a-z0-9-]*'),
  title: z.string(),
  applies_to: RuleText.optional(),
  customer: z.record(z.string(), TypeText),
  events: z.record(z.string(), z.union([z.record(z.string(), TypeText), z.null()])),
  health: HealthSchema.optional(),
  milestones: z.array(MilestoneSchema).optional(),
  risks: z.array(RiskSchema).optional(),
  triggers: z.array(TriggerSchema).optional(),
});

/** The draft-07 JSON Schema of a playbook file, for yaml-language-server and other editors. */
export function playbookJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(PlaybookSchema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  return { ...schema, title: 'Milepost playbook', $id: 'https://milepost.dev/schema/playbook.json' };
}
