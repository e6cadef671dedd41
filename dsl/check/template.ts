/**
 * Templates (reference §8): text with `{{...}}` placeholders, split into literal
 * parts and checked placeholders. `{{event.<field>}}` exists only in
 * triggers, `{{milestone.*}}` only in milestones, `{{task.*}}` only in an
 * open_task's `overdue:` actions (v2).
 */
import type { Placeholder, Template } from '../ir/schema.ts';
import { didYouMean } from '../suggest.ts';
import type { Declarations } from './declarations.ts';
import type { RuleContext } from './rule-context.ts';

/** Checks `ctx.text` as a template and returns it split into parts. */
export function checkTemplate(ctx: RuleContext, decls: Declarations): Template {
  const text = ctx.text;
  const parts: Template['parts'] = [];
  let literal = '';
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{{', i);
    if (open < 0) {
      literal += text.slice(i);
      break;
    }
    literal += text.slice(i, open);
    const close = text.indexOf('}}', open + 2);
    if (close < 0) {
      ctx.error('TEMPLATE_SYNTAX', 'this `{{` is never closed with `}}`', [open, open + 2]);
      literal += text.slice(open);
      break;
    }
    const inner = text.slice(open + 2, close);
    const lead = inner.length - inner.trimStart().length;
    const name = inner.trim();
    const span = [open + 2 + lead, open + 2 + lead + Math.max(1, name.length)] as const;
    const p = placeholder(name, span, ctx, decls);
    if (p) {
      if (literal) parts.push(literal);
      literal = '';
      parts.push(p);
    }
    i = close + 2;
  }
  if (literal) parts.push(literal);
  return { source: text, parts };
}

function placeholder(name: string, span: readonly [number, number], ctx: RuleContext, decls: Declarations): Placeholder | undefined {
  const scope = ctx.scope;
  const [head, member, ...rest] = name.split('.');
  const known = [
    ...[...decls.customer.keys()].map((a) => `customer.${a}`),
    ...(scope.milestone ? ['milestone.title', 'milestone.due'] : []),
    ...(decls.health ? ['health'] : []),
    ...(scope.triggerEvent ? [...scope.triggerEvent.fields.keys()].map((f) => `event.${f}`) : []),
    ...(scope.task ? ['task.title', 'task.due'] : []),
  ];
  const unknown = (why = ''): undefined => {
    ctx.error('UNKNOWN_PLACEHOLDER', `unknown placeholder \`{{${name}}}\`${why}${didYouMean(name, known)}`, span);
    return undefined;
  };
  if (rest.length > 0) return unknown();
  switch (head) {
    case 'customer':
      if (member && decls.customer.has(member)) return { kind: 'customer', attr: member };
      return unknown(member ? `: the customer has no attribute \`${member}\`` : '');
    case 'milestone':
      if (!scope.milestone) {
        ctx.error('UNKNOWN_PLACEHOLDER', `\`{{${name}}}\` can only be used in a milestone's steps and on_done`, span);
        return undefined;
      }
      if (member === 'title') return { kind: 'milestone_title' };
      if (member === 'due') return { kind: 'milestone_due' };
      return unknown();
    case 'health':
      if (member !== undefined) return unknown('; templates show the overall `{{health}}` only');
      if (!decls.health) return unknown(': this playbook declares no `health`');
      return { kind: 'health' };
    case 'event': {
      if (!scope.triggerEvent) {
        ctx.error('UNKNOWN_PLACEHOLDER', `\`{{${name}}}\` can only be used in a trigger's actions, where there is an event`, span);
        return undefined;
      }
      if (member && scope.triggerEvent.fields.has(member)) return { kind: 'event', field: member };
      return unknown(member ? `: the event \`${scope.triggerEvent.name}\` has no field \`${member}\`` : '');
    }
    case 'task':
      if (!scope.task) {
        ctx.error('UNKNOWN_PLACEHOLDER', `\`{{${name}}}\` can only be used in the \`overdue:\` actions of an \`open_task\`, where there is a task`, span);
        return undefined;
      }
      if (member === 'title') return { kind: 'task_title' };
      if (member === 'due') return { kind: 'task_due' };
      return unknown();
    default:
      return unknown();
  }
}
