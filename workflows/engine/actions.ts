/**
 * Firing actions (SPEC §8): templates rendered, roles resolved, the report
 * entry built in SPEC §12's key order, and a replay-stable key.
 */
import type { Action, PlaybookIR, Template } from '../../dsl/ir/schema.ts';
import { addDuration, assertNever } from './calendar.ts';
import { roundHalfAway } from './evaluator.ts';
import { formatDate, formatInstant } from './instant.ts';
import type { FiredAction, JourneyState, ReportedAction, Value } from './types.ts';

/** What a template may read besides the customer (SPEC §8). */
export interface TemplateScope {
  /** the milestone (instance) an action belongs to */
  milestone: { title: string; dueAt: number } | null;
  /** `{{health}}`, computed only when a template asks for it */
  health: () => Value;
  /** the triggering event, inside triggers */
  event: { type: string; data: Record<string, Value> } | null;
}

/** A number with at most two decimals and no trailing zeros (SPEC §8); halves round away from zero, as `round()` does. */
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
  for (const part of template.parts) {
    if (typeof part === 'string') {
      out += part;
      continue;
    }
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
      // (v2) rendered once the engine has tasks; the compiler does not emit them yet
      case 'task_title':
      case 'task_due':
        throw new Error(`{{${part.kind === 'task_title' ? 'task.title' : 'task.due'}}} outside an overdue action`);
      default: assertNever(part);
    }
  }
  return out;
}

/**
 * Builds the fired action and its report entry (SPEC §12 key order: at, kind,
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
