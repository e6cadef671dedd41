/**
 * Firing actions (reference §8): templates rendered, roles resolved, the report
 * entry built in reference §12's key order, and a replay-stable key.
 */
import type { Action, PlaybookIR, Template } from '../../dsl/ir/schema.ts';
import { addDuration, assertNever } from './calendar.ts';
import { roundHalfAway } from './operators.ts';
import { formatDate, formatInstant } from './instant.ts';
import type { ActionAbout, FiredAction, FiredReminder, JourneyState, RenderedPart, ReportedAction, Value } from './types.ts';

/** What a template may read besides the customer (reference §8). */
export interface TemplateScope {
  /** the milestone (instance) an action belongs to */
  milestone: { title: string; dueAt: number } | null;
  /** `{{health}}`, computed only when a template asks for it */
  health: () => Value;
  /** the triggering event, inside triggers */
  event: { type: string; data: Record<string, Value> } | null;
  /** (v2) the task, inside its `overdue:` actions */
  task?: { title: string; dueAt: number } | null;
}

/** (v2) What a firing adds to the fired action and its report entry. */
export interface FiringExtra {
  catchUp: boolean;
  about: ActionAbout | null;
  /** the task an `open_task` opens */
  taskId: string | null;
}

/** A number with at most two decimals and no trailing zeros (reference §8); halves round away from zero, as `round()` does. */
export function formatNumber(x: number): string {
  const r = roundHalfAway(x * 100) / 100;
  return String(Object.is(r, -0) ? 0 : r);
}

function renderValue(value: Value, isDate: boolean): string {
  if (value === null) return '';
  if (typeof value === 'number') return isDate ? formatDate(value) : formatNumber(value);
  return String(value);
}

/** Renders a `{{...}}` template. */
export function renderTemplate(ir: PlaybookIR, state: JourneyState, template: Template, scope: TemplateScope): string {
  let out = '';
  for (const part of template.parts) out += typeof part === 'string' ? part : placeholderValue(ir, state, part, scope);
  return out;
}

/** (v2) A template rendered as parts: its own text, and each placeholder's value (for escaping in HTML). */
export function renderTemplateParts(ir: PlaybookIR, state: JourneyState, template: Template, scope: TemplateScope): RenderedPart[] {
  return template.parts.map((part) => (typeof part === 'string' ? { text: part } : { value: placeholderValue(ir, state, part, scope) }));
}

function joinParts(parts: RenderedPart[]): string {
  let out = '';
  for (const p of parts) out += 'text' in p ? p.text : p.value;
  return out;
}

/** One placeholder's rendered value (reference §8). */
function placeholderValue(ir: PlaybookIR, state: JourneyState, part: Exclude<Template['parts'][number], string>, scope: TemplateScope): string {
  let out = '';
  {
    switch (part.kind) {
      case 'customer':
        out += renderValue(state.customer.attrs[part.attr] ?? null, ir.customer[part.attr]?.kind === 'date');
        break;
      case 'milestone_title': out += scope.milestone?.title ?? ''; break;
      case 'milestone_due': out += scope.milestone === null ? '' : formatDate(scope.milestone.dueAt); break;
      case 'health': out += renderValue(scope.health(), false); break;
      case 'event': {
        const ev = scope.event;
        out += ev === null ? '' : renderValue(ev.data[part.field] ?? null, ir.events[ev.type]?.[part.field]?.kind === 'date');
        break;
      }
      case 'task_title': out += scope.task?.title ?? ''; break;
      case 'task_due': out += scope.task === undefined || scope.task === null ? '' : formatDate(scope.task.dueAt); break;
      default: assertNever(part);
    }
  }
  return out;
}

/**
 * Builds the fired action and its report entry (reference §12 key order: at, kind,
 * source, to, then the verb's own keys).
 */
export function buildAction(
  ir: PlaybookIR,
  state: JourneyState,
  at: number,
  source: string,
  key: string,
  action: Action,
  scope: TemplateScope,
  /** `formatInstant(at)`, when the caller has it already */
  iso: string = formatInstant(at),
  /** (v2) catch-up, what it is about, the task id; absent for version-1 IRs */
  extra: FiringExtra | null = null,
): { fired: FiredAction; reported: ReportedAction } {
  const built = buildPlain(ir, state, at, source, key, action, scope, iso);
  if (extra === null) return built;
  const { fired, reported } = built;
  if (fired.kind === 'remind' && action.kind === 'remind' && action.template !== null) {
    const file = ir.templates?.[action.template];
    if (file !== undefined) addTemplateText(ir, state, fired, reported, file, scope);
  }
  if (fired.kind === 'open_task' && extra.taskId !== null) fired.taskId = extra.taskId;
  if (extra.about !== null) fired.about = extra.about;
  if (extra.catchUp) {
    fired.catchUp = true;
    reported.catch_up = true;
  }
  return built;
}

/** (v2) A reminder's template file rendered: the subject (also in the report, after `template`) and the body. */
function addTemplateText(
  ir: PlaybookIR, state: JourneyState, fired: FiredReminder, reported: ReportedAction,
  file: NonNullable<PlaybookIR['templates']>[string], scope: TemplateScope,
): void {
  if (file.subject !== null) {
    fired.subjectParts = renderTemplateParts(ir, state, file.subject, scope);
    fired.subject = joinParts(fired.subjectParts);
    // Key order: at, kind, source, to, template, subject (a reminder names a template or a message, not both).
    reported.subject = fired.subject;
  }
  fired.bodyParts = renderTemplateParts(ir, state, file.body, scope);
  fired.body = joinParts(fired.bodyParts);
}

function buildPlain(
  ir: PlaybookIR,
  state: JourneyState,
  at: number,
  source: string,
  key: string,
  action: Action,
  scope: TemplateScope,
  iso: string,
): { fired: FiredAction; reported: ReportedAction } {
  const recipient = (role: string): Value => state.customer.attrs[role] ?? null;
  switch (action.kind) {
    case 'remind': {
      const message = action.message === null ? null : renderTemplate(ir, state, action.message, scope);
      const fired: FiredAction = { at, kind: 'remind', source, to: action.to, recipient: recipient(action.to), channel: action.channel, key };
      const reported: ReportedAction = { at: iso, kind: 'remind', source, to: action.to };
      if (action.template !== null) fired.template = reported.template = action.template;
      if (message !== null) fired.message = reported.message = message;
      return { fired, reported };
    }
    case 'open_task': {
      const title = renderTemplate(ir, state, action.title, scope);
      const dueAt = addDuration(at, action.dueIn);
      return {
        fired: { at, kind: 'open_task', source, to: action.assignee, recipient: recipient(action.assignee), title, priority: action.priority, dueAt, key },
        reported: { at: iso, kind: 'open_task', source, to: action.assignee, title, priority: action.priority, due_at: formatInstant(dueAt) },
      };
    }
    case 'escalate': {
      const fired: FiredAction = { at, kind: 'escalate', source, to: action.to, recipient: recipient(action.to), key };
      const reported: ReportedAction = { at: iso, kind: 'escalate', source, to: action.to };
      if (action.message !== null) fired.message = reported.message = renderTemplate(ir, state, action.message, scope);
      return { fired, reported };
    }
    case 'webhook': {
      const fired: FiredAction = { at, kind: 'webhook', source, to: action.name, recipient: null, key };
      if (action.payload !== null) {
        const payload: Record<string, string> = {};
        for (const [name, template] of Object.entries(action.payload)) payload[name] = renderTemplate(ir, state, template, scope);
        fired.payload = payload;
      }
      return { fired, reported: { at: iso, kind: 'webhook', source, to: action.name } };
    }
    default: return assertNever(action);
  }
}
