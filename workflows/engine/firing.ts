/**
 * Actions firing at a run's instant (reference §8, and (v2) §5.2's tasks): one
 * action with its source key and (v2) its `when`; the tasks actions open and
 * close; a raised signal's actions; tasks' overdue actions (§10 step 8);
 * catch-up at the enrolment instant (§10 step 9); and the action a source names.
 */
import type { Action, PlaybookIR } from '../../dsl/ir/schema.ts';
import { buildAction } from './actions.ts';
import type { TemplateScope } from './actions.ts';
import { windowExit } from './calendar.ts';
import type { Evaluator } from './compiled-playbook.ts';
import { formatInstant, integerText } from './instant.ts';
import { instanceSources, transition } from './journey-run.ts';
import type { Run } from './journey-run.ts';
import type { ActionAbout, MilestoneInstanceState, TaskCloseReason, TaskOwner, TaskState, Transition, Value } from './types.ts';

/**
 * (v2) Where and how an action fires, besides its template scope: what its
 * `when` reads (the milestone instance, the triggering event), what a task it
 * opens belongs to, what it is about, and whether catch-up fires it.
 */
export interface Firing {
  inst: MilestoneInstanceState | null;
  event: { type: string; data: Record<string, Value> } | null;
  owner: TaskOwner | null;
  about: ActionAbout | null;
  catchUp: boolean;
  /** the milestone a task it opens renders its overdue actions with */
  milestone: { title: string; dueAt: number; id: string } | null;
}

/**
 * Fires one action at the run's instant, unless that is before enrolment or
 * (v2, with `firing`) its `when` does not hold, or catch-up would fire a
 * source that already fired before a migration. Returns whether it fired.
 */
export function fire(run: Run, source: string, action: Action, scope: TemplateScope, firing: Firing | null = null): boolean {
  const { s, t } = run;
  if (t < s.enrolledAt) return false;
  if (firing !== null) {
    if (firing.catchUp && s.firedBefore !== undefined && s.firedBefore.includes(source)) return false;
    const when = run.pb.actionWhen.get(action);
    if (when !== undefined && !holds(run, when, firing)) return false;
  }
  // The same source firing twice at one instant (a trigger, two events) gets `#2`, `#3`, ...
  const fired = (run.keys ??= []);
  let n = 1;
  for (let i = 0; i < fired.length; i++) if (fired[i] === source) n++;
  fired.push(source);
  // The instant's text and ISO form are made once per instant, not once per action.
  if (run.tText === null) {
    run.tText = integerText(t);
    run.tIso = formatInstant(t);
  }
  const base = source + '@' + run.tText;
  if (firing === null) {
    const built = buildAction(run.ir, s, t, source, n === 1 ? base : `${base}#${n}`, action, scope, run.tIso);
    run.out.fired.push(built.fired);
    s.actions.push(built.reported);
    return true;
  }
  // reference §5.2: `<source>@<ISO opened_at>`, `#2`, `#3`, ... for more of one source at one instant.
  const taskId = action.kind === 'open_task' ? (n === 1 ? source + '@' + run.tIso : `${source}@${run.tIso}#${n}`) : null;
  const built = buildAction(run.ir, s, t, source, n === 1 ? base : `${base}#${n}`, action, scope, run.tIso, { catchUp: firing.catchUp, about: firing.about, taskId });
  run.out.fired.push(built.fired);
  s.actions.push(built.reported);
  if (action.kind === 'open_task' && built.fired.kind === 'open_task') {
    const task: TaskState = {
      id: taskId!, source, title: built.fired.title, to: action.assignee, recipient: built.fired.recipient, priority: action.priority,
      openedAt: t, dueAt: built.fired.dueAt, closedAt: null, closedBecause: null,
      owner: action.autoClose === false ? null : firing.owner,
      overduePending: action.overdue !== undefined && action.overdue.length > 0,
    };
    // Its overdue actions render in the context it was opened in (reference §5.2).
    if (task.overduePending) {
      if (firing.milestone !== null) task.milestone = firing.milestone;
      if (firing.event !== null) task.event = firing.event;
    }
    s.openTasks!.push(s.tasks!.length);
    s.tasks!.push(task);
    transition(run.out, { at: t, kind: 'task', task: task.id, change: 'opened', reason: null });
  }
  return true;
}

/** (v2) Does an action's `when` hold at the run's instant, in the firing's context? */
function holds(run: Run, when: Evaluator, firing: Firing): boolean {
  const c = run.c;
  const inst = c.inst, event = c.event, wake = c.wake;
  c.inst = firing.inst;
  c.event = firing.event === null ? null : firing.event.data;
  const ok = when(c) === true;
  c.inst = inst;
  c.event = event;
  c.wake = wake;
  return ok;
}

/** (v2) Closes one open task (by its index in `s.tasks`) at the run's instant. */
export function closeTask(run: Run, index: number, reason: TaskCloseReason, by?: { by?: string | undefined; note?: string | undefined }): void {
  const s = run.s;
  const task = s.tasks![index]!;
  const closed: TaskState = { ...task, closedAt: run.t, closedBecause: reason, overduePending: false };
  if (by !== undefined) {
    if (by.by !== undefined) closed.by = by.by;
    if (by.note !== undefined) closed.note = by.note;
  }
  s.tasks![index] = closed;
  const open = s.openTasks!;
  const at = open.indexOf(index);
  if (at >= 0) open.splice(at, 1);
  const tr: Transition = { at: run.t, kind: 'task', task: task.id, change: 'closed', reason };
  if (by !== undefined && tr.kind === 'task') {
    if (by.by !== undefined) tr.by = by.by;
    if (by.note !== undefined) tr.note = by.note;
  }
  transition(run.out, tr);
}

/** (v2) Closes the open tasks a milestone instance, risk or opportunity owns. */
export function closeOwned(run: Run, kind: TaskOwner['kind'], id: string, reason: TaskCloseReason): void {
  const s = run.s;
  const open = s.openTasks;
  if (open === undefined || open.length === 0) return;
  for (const index of open.slice()) {
    const owner = s.tasks![index]!.owner;
    if (owner !== null && owner.kind === kind && owner.id === id) closeTask(run, index, reason);
  }
}

/** (v2) The firing context of a milestone instance's steps and on_done. */
export function milestoneFiring(run: Run, inst: MilestoneInstanceState, owns: boolean, catchUp = false): Firing {
  const m = run.ir.milestones[inst.m]!;
  return {
    inst, event: null, owner: owns ? { kind: 'milestone', id: inst.id } : null,
    about: { kind: 'milestone', id: inst.id, title: m.title, dueAt: inst.dueAt }, catchUp,
    milestone: { title: m.title, dueAt: inst.dueAt, id: inst.id },
  };
}

export function milestoneScope(run: Run, inst: MilestoneInstanceState): TemplateScope {
  return { milestone: { title: run.ir.milestones[inst.m]!.title, dueAt: inst.dueAt }, health: run.health, event: null };
}

/** (v2) Fires a raised risk's or opportunity's actions (at its raise, or by catch-up); did any fire. */
export function fireSignal(run: Run, ri: number, catchUp: boolean): boolean {
  const risk = run.signals[ri]!;
  const kind = ri >= run.ir.risks.length ? 'opportunity' : 'risk';
  const scope: TemplateScope = { milestone: null, health: run.health, event: null };
  const firing: Firing = { inst: null, event: null, owner: { kind, id: risk.id }, about: { kind, id: risk.id, title: risk.title }, catchUp, milestone: null };
  const sources = run.sources.risks[ri]!;
  let firedAny = false;
  for (let i = 0; i < risk.actions.length; i++) if (fire(run, sources[i]!, risk.actions[i]!, scope, firing)) firedAny = true;
  return firedAny;
}

/** (v2) reference §10 step 8: open tasks due at `t` fire their overdue actions (tasks they open too, when due at once). */
export function fireOverdue(run: Run, t: number): void {
  const s = run.s;
  const open = s.openTasks!;
  // `open` grows while it is walked: a task an overdue action opens, due at once, is overdue at once.
  for (let i = 0; i < open.length; i++) {
    const index = open[i]!;
    const task = s.tasks![index]!;
    if (!task.overduePending || task.dueAt > t) continue;
    s.tasks![index] = { ...task, overduePending: false };
    const action = actionAt(run.ir, task.source);
    if (action === null || action.kind !== 'open_task' || action.overdue === undefined) continue;
    const scope: TemplateScope = { milestone: task.milestone ?? null, health: run.health, event: task.event ?? null, task: { title: task.title, dueAt: task.dueAt } };
    const inst = task.milestone === undefined ? null : s.milestones.find((x) => x.id === task.milestone!.id) ?? null;
    const firing: Firing = {
      inst, event: task.event ?? null, owner: null, about: { kind: 'task', id: task.id, title: task.title, dueAt: task.dueAt }, catchUp: false,
      milestone: task.milestone ?? null,
    };
    for (let j = 0; j < action.overdue.length; j++) fire(run, `${task.source}/overdue/${j}`, action.overdue[j]!, scope, firing);
  }
}

/**
 * (v2) reference §10 step 9 at the enrolment instant: each open or overdue
 * milestone instance fires the latest of its steps before `t` and not before
 * its opens; each risk and opportunity raised before `t` and still raised
 * fires its actions (cooldown as usual). Every such action is marked catch-up.
 */
export function catchUp(run: Run, t: number): void {
  const { ir, s } = run;
  for (const inst of s.milestones) {
    if (inst.state !== 'open' && inst.state !== 'overdue') continue;
    let best = -1;
    for (let i = 0; i < inst.steps.length; i++) {
      const at = inst.steps[i]!;
      if (at < t && at >= inst.opensAt && (best < 0 || at >= inst.steps[best]!)) best = i;
    }
    if (best < 0) continue;
    const step = ir.milestones[inst.m]!.steps[best]!;
    fire(run, instanceSources(run, inst).steps[best]!, step.action, milestoneScope(run, inst), milestoneFiring(run, inst, true, true));
  }
  for (let ri = 0; ri < run.signals.length; ri++) {
    const risk = run.signals[ri]!;
    const rs = ri >= ir.risks.length ? s.opportunities![ri - ir.risks.length]! : s.risks[ri]!;
    const last = rs.raises[rs.raises.length - 1];
    if (!rs.on || last === undefined || last[0] >= t) continue;
    const cooled = risk.cooldown === null || rs.lastFired === null || t >= windowExit(rs.lastFired, risk.cooldown);
    if (cooled && fireSignal(run, ri, true)) rs.lastFired = t;
  }
}

/**
 * (v2) The action a source names: `milestone/<instance>/step|on_done/<i>`,
 * `risk/<id>/<i>`, `opportunity/<id>/<i>`, `trigger/<id>/<i>`, each followed
 * by any number of `/overdue/<j>`. Null when it names none.
 */
export function actionAt(ir: PlaybookIR, source: string): Action | null {
  const parts = source.split('/');
  let action: Action | undefined;
  let rest: string[];
  if (parts[0] === 'milestone') {
    const id = parts[1]!.replace(/#\d+$/, '');
    const m = ir.milestones.find((x) => x.id === id);
    const i = Number(parts[3]);
    action = m === undefined ? undefined : parts[2] === 'step' ? m.steps[i]?.action : parts[2] === 'on_done' ? m.onDone[i] : undefined;
    rest = parts.slice(4);
  } else {
    const list = parts[0] === 'risk' ? ir.risks : parts[0] === 'opportunity' ? ir.opportunities ?? [] : parts[0] === 'trigger' ? ir.triggers : [];
    action = (list as Array<{ id: string; actions: Action[] }>).find((x) => x.id === parts[1])?.actions[Number(parts[2])];
    rest = parts.slice(3);
  }
  for (let k = 0; action !== undefined && k < rest.length; k += 2) {
    if (rest[k] !== 'overdue' || action.kind !== 'open_task') return null;
    action = action.overdue?.[Number(rest[k + 1])];
  }
  return action ?? null;
}
