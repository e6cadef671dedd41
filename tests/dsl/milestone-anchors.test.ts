/**
 * reference §3: inside a milestone a time expression may start from `opens` or
 * `due`, `opens:` and `due:` included. Only a cycle is refused: a field from
 * itself, or `opens` from `due` while `due` is from `opens`.
 */
import { describe, expect, it } from 'vitest';
import { compilePlaybook } from '../../dsl/index.ts';
import { runJourney } from '../engine/support.ts';
import { milestoneSource, pos, where } from './helpers.ts';

function compile(lines: string) {
  const source = milestoneSource(lines);
  return { ...compilePlaybook(source, 'm.yaml'), source };
}

function errors(lines: string) {
  const r = compile(lines);
  return r.diagnostics.filter((d) => d.severity === 'error').map((d) => ({ code: d.code, at: pos(d), message: d.message }));
}

describe('opens written from due', () => {
  it('compiles `opens: due - 30 days` with `due: month 3` to an opens anchored at due', () => {
    const r = compile('opens: due - 30 days\ndue: month 3\ndone_when: happened(activated since opens)\nsteps:\n  - at: opens\n    escalate: manager\n  - at: due\n    escalate: manager');
    expect(r.diagnostics).toEqual([]);
    const m = r.ir!.milestones[0]!;
    expect(m.opens).toEqual({ anchor: 'due', terms: [{ sign: -1, duration: { amount: 30, unit: 'day' } }], source: 'due - 30 days' });
    expect(m.due).toEqual({ anchor: 'start', terms: [{ sign: 1, duration: { amount: 3, unit: 'month' } }], source: 'month 3' });
    expect(m.steps.map((s) => s.at.anchor)).toEqual(['opens', 'due']);
  });

  it('runs on the engine: opens 30 days before a due of month 3 (2026-04-01 - 30 days = 2026-03-02)', () => {
    const r = compile('opens: due - 30 days\ndue: month 3\ndone_when: happened(activated since opens)\nsteps:\n  - at: opens\n    escalate: manager');
    const t = (d: string) => Date.parse(`${d}T00:00:00.000Z`);
    const { report } = runJourney(r.ir!, { start: '2026-01-01', end: '2027-01-01', attrs: { name: 'A', tier: 'vip', arr: 1, active: true, signed_at: '2026-01-01', csm: 'ada', manager: 'bo' } }, [
      { at: t('2026-02-20'), type: 'activated', data: {} }, // before opens: `since opens` does not count it
      { at: t('2026-03-10'), type: 'activated', data: {} },
    ]);
    expect(report.milestones[0]).toMatchObject({ id: 'probe', state: 'done', opens_at: '2026-03-02T00:00:00.000Z', due_at: '2026-04-01T00:00:00.000Z', completed_at: '2026-03-10T00:00:00.000Z' });
    expect(report.actions.map((a) => a.at)).toEqual(['2026-03-02T00:00:00.000Z']);
  });

  it('still lets due be written from opens', () => {
    expect(errors('opens: month 1\ndue: opens + 30 days\ndone_when: true')).toEqual([]);
  });
});

describe('cycles between a milestone\'s instants', () => {
  it('refuses `due: due + 1 day` at the inner `due`, naming the field', () => {
    const lines = 'due: due + 1 day\ndone_when: true';
    const source = milestoneSource(lines);
    expect(errors(lines)).toEqual([{ code: 'NOT_ALLOWED_HERE', at: where(source, 'due + 1 day'), message: expect.stringContaining("a milestone's `due` cannot be defined from itself (`due` → `due` is a cycle)") }]);
  });

  it('refuses `opens: opens` and `opens: opens + 1 day`', () => {
    for (const opens of ['opens', 'opens + 1 day']) {
      const lines = `opens: ${opens}\ndue: month 3\ndone_when: true`;
      const source = milestoneSource(lines);
      expect(errors(lines)).toEqual([{ code: 'NOT_ALLOWED_HERE', at: where(source, `opens: ${opens}`).replace(/:(\d+)$/, (_, c: string) => `:${Number(c) + 'opens: '.length}`), message: expect.stringContaining("a milestone's `opens` cannot be defined from itself") }]);
    }
  });

  it('refuses opens from due while due is from opens, at the `due` inside `opens`, whichever comes first in the file', () => {
    for (const lines of ['opens: due - 30 days\ndue: opens + 30 days\ndone_when: true', 'due: opens + 30 days\nopens: due - 30 days\ndone_when: true']) {
      const source = milestoneSource(lines);
      const d = errors(lines);
      expect(d).toEqual([{ code: 'NOT_ALLOWED_HERE', at: where(source, 'due - 30 days'), message: expect.any(String) }]);
      expect(d[0]!.message).toContain("a milestone's `opens` cannot be defined from `due` when `due` is defined from `opens` (`due: opens + 30 days`)");
      expect(d[0]!.message).toContain('`opens` → `due` → `opens` is a cycle');
    }
  });

  it('reports only the self-reference when due is itself broken (no second, derived error)', () => {
    const lines = 'opens: due - 7 days\ndue: due + 1 day\ndone_when: true';
    const source = milestoneSource(lines);
    expect(errors(lines).map((e) => [e.code, e.at])).toEqual([['NOT_ALLOWED_HERE', where(source, 'due + 1 day')]]);
  });

  it('names the place, not a cycle, for instants in applies_when', () => {
    const lines = 'applies_when: days_since(opens) > 3\ndue: month 3\ndone_when: true';
    const source = milestoneSource(lines);
    expect(errors(lines)).toEqual([{ code: 'NOT_ALLOWED_HERE', at: where(source, 'opens)'), message: expect.stringContaining('`opens` cannot be used in `applies_when`') }]);
  });

  it('keeps both anchors for steps when opens is written from due', () => {
    expect(errors('opens: due - 30 days\ndue: month 3\ndone_when: true\nsteps:\n  - at: opens + 1 day\n    escalate: manager\n  - at: due - 1 day\n    escalate: manager')).toEqual([]);
  });
});

describe('static order warnings with opens written from due', () => {
  const warnings = (lines: string) => compile(lines).diagnostics.map((d) => d.code);

  it('warns about a step before an opens written from due, and only that one', () => {
    const lines = 'opens: due - 30 days\ndue: month 3\ndone_when: true\nsteps:\n  - at: due - 40 days\n    escalate: manager\n  - at: due - 20 days\n    escalate: manager\n  - at: opens - 1 hour\n    escalate: manager';
    const source = milestoneSource(lines);
    const r = compile(lines);
    expect(r.diagnostics.map((d) => [d.code, d.severity, pos(d)])).toEqual([
      ['STEP_NEVER_FIRES', 'warning', where(source, 'due - 40 days')],
      ['STEP_NEVER_FIRES', 'warning', where(source, 'opens - 1 hour')],
    ]);
  });

  it('does not warn when the step is before opens only for some contracts', () => {
    // opens = month 3 - 30 days; month 2 is 28 to 31 days before month 3, so either side.
    expect(warnings('opens: due - 30 days\ndue: month 3\ndone_when: true\nsteps:\n  - at: month 2\n    escalate: manager')).toEqual([]);
  });

  it('warns that due is before an opens written after it', () => {
    const lines = 'opens: due + 1 day\ndue: month 3\ndone_when: true';
    expect(warnings(lines)).toEqual(['DUE_BEFORE_OPENS']);
    expect(warnings('opens: due - 1 day\ndue: month 3\ndone_when: true')).toEqual([]);
  });
});
