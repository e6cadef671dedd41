/**
 * The expression compiler (reference §4): each IR expression is compiled once
 * into a closure, so an instant's re-evaluation is a few function calls rather
 * than a tree walk with a `switch` per node.
 *
 * Besides its value, an evaluation reports the next instant at which the value
 * can change without a new event (`ctx.wake`): an event leaving a `within`
 * window (at `at + d`), or a `days_since` value crossing the threshold it is
 * compared with (or, when it is not compared with a constant, its next whole
 * day). Short-circuiting is sound for this: a part that was not evaluated
 * cannot change the value before the evaluated parts do.
 *
 * Null semantics (operators.ts): arithmetic with `null` is `null`; division by
 * zero is `null`; a comparison with a `null` operand is `false` (`is null` /
 * `is not null` aside); `not null` is `true`; `and` / `or` count `null` as
 * `false`.
 */
import type { Expr } from '../../dsl/ir/schema.ts';
import { aggregateValue, queryAggregate } from './aggregates.ts';
import { assertNever, DAY_MS, evalTime } from './calendar.ts';
import type { CompiledQuery, EvalContext, Evaluator, HealthFigures } from './compiled-playbook.ts';
import { internalize } from './interned-names.ts';
import { COMPARE, compare, FLIPPED, nextCrossing, num, roundHalfAway, specialArithmetic, specialComparison } from './operators.ts';
import type { Value } from './types.ts';
import { windowCount, windowDistinct, windowHappened, windowSumValue } from './window.ts';

/** What the expressions of one playbook are compiled against. */
export interface ExpressionScope {
  /** the playbook's compiled queries, by index (query nodes refer to them so) */
  queries: CompiledQuery[];
  /** health and its components at `c.now` (see health.ts) */
  health: (c: EvalContext) => HealthFigures;
  /** each health component's position by id */
  healthIndex: Map<string, number>;
  /** explain mode: every node records its value in `c.trace`, and no literal is read at compile time */
  trace: boolean;
}

/** One playbook's expression compiler. */
export interface ExpressionCompiler {
  /** the closure for an expression (and for each of its nodes) */
  compile: (e: Expr) => Evaluator;
  /** how many closures it has built (for the benchmark's figures) */
  readonly nodes: number;
}

/** The anchors for time expressions in context: the contract, and the instance's opens/due. */
function anchorsOf(c: EvalContext) {
  return {
    start: c.state.contract.start,
    end: c.state.contract.end,
    opens: c.inst?.opensAt ?? null,
    due: c.inst?.dueAt ?? null,
  };
}

/** The expression compiler for one playbook (its queries and its health), hot or traced. */
export function expressionCompiler(scope: ExpressionScope): ExpressionCompiler {
  const { queries, health: healthOf, healthIndex, trace } = scope;
  let nodes = 0;

  const compileExpr = (e: Expr): Evaluator => {
    nodes++;
    const inner = compileNode(e);
    if (!trace) return inner;
    return (c) => {
      const v = inner(c);
      c.trace?.set(e.id, v);
      return v;
    };
  };

  /** For `days_since` nodes: the reference instant (or null), without the day-step wake. */
  const compileDaysSinceRef = (e: Expr): ((c: EvalContext) => number | null) | null => {
    if (e.k === 'days_since_time') {
      const time = e.time;
      return (c) => evalTime(time, anchorsOf(c));
    }
    if (e.k === 'query' && e.fn === 'days_since') {
      const cq = queries[e.query]!;
      return (c) => queryAggregate(cq, c, 'days_since').latestAt;
    }
    return null;
  };

  const compileNode = (e: Expr): Evaluator => {
    switch (e.k) {
      case 'literal': {
        const value = e.value;
        return () => value;
      }
      case 'list': {
        // A list of literals (the usual `in [..]`) is built once.
        if (e.items.every((i) => i.k === 'literal')) {
          const constant = e.items.map((i) => (i as { value: Value }).value);
          return () => constant;
        }
        const items = e.items.map(compileExpr);
        return (c) => items.map((item) => item(c) as Value);
      }
      case 'ref': {
        const ref = e.ref;
        switch (ref.kind) {
          case 'customer': {
            const attr = internalize(ref.attr);
            return (c) => c.state.customer.attrs[attr] ?? null;
          }
          case 'contract_start': return (c) => c.state.contract.start;
          case 'contract_end': return (c) => c.state.contract.end;
          case 'health': return (c) => {
            const h = healthOf(c);
            if (h.wake < c.wake) c.wake = h.wake;
            return h.value;
          };
          case 'health_component': {
            const i = healthIndex.get(ref.component);
            if (i === undefined) return () => null;
            return (c) => {
              const comp = healthOf(c).components[i]!;
              if (comp.wake < c.wake) c.wake = comp.wake;
              return comp.value;
            };
          }
          case 'field': {
            const field = internalize(ref.field);
            return (c) => c.event?.[field] ?? null;
          }
          default: {
            // (v2) `event.<field>` in a trigger action's `when`, should the compiler name it apart from `where`'s fields.
            const other = ref as unknown as { kind: string; field?: string };
            if (other.kind === 'event' && typeof other.field === 'string') {
              const field = internalize(other.field);
              return (c) => c.event?.[field] ?? null;
            }
            return assertNever(ref);
          }
        }
      }
      case 'time': {
        const time = e.time;
        return (c) => evalTime(time, anchorsOf(c));
      }
      case 'not': {
        const operand = compileExpr(e.operand);
        return (c) => operand(c) !== true;
      }
      case 'neg': {
        const operand = compileExpr(e.operand);
        return (c) => {
          const v = operand(c);
          return typeof v === 'number' ? -v : null;
        };
      }
      case 'binary': return compileBinary(e);
      case 'in': {
        const operand = compileExpr(e.operand);
        const list = compileExpr(e.list);
        return (c) => {
          const v = operand(c);
          if (v === null || Array.isArray(v)) return false;
          const items = list(c);
          return Array.isArray(items) ? items.includes(v) : false;
        };
      }
      case 'is_null': {
        const operand = compileExpr(e.operand);
        const negated = e.negated;
        return (c) => (operand(c) === null) !== negated;
      }
      case 'call': {
        const args = e.args.map(compileExpr);
        const fn = e.fn;
        // Specialised by function: no argument arrays on the hot path.
        const a0 = args[0]!, a1 = args[1], a2 = args[2];
        if (fn === 'clamp') {
          // Constant bounds (the usual `clamp(x, 0, 100)`): only x is evaluated at run time.
          const lo = constantOf(e.args[1]!), hi = constantOf(e.args[2]!);
          if (typeof lo === 'number' && typeof hi === 'number') {
            return (c) => {
              const x = a0(c);
              return typeof x === 'number' ? Math.min(Math.max(x, lo), hi) : null;
            };
          }
        }
        switch (fn) {
          case 'abs': return (c) => { const x = num(a0(c)); return x === null ? null : Math.abs(x); };
          case 'round': return (c) => { const x = num(a0(c)); return x === null ? null : roundHalfAway(x); };
          case 'min': return (c) => {
            const x = num(a0(c)); if (x === null) return null;
            const y = num(a1!(c)); return y === null ? null : Math.min(x, y);
          };
          case 'max': return (c) => {
            const x = num(a0(c)); if (x === null) return null;
            const y = num(a1!(c)); return y === null ? null : Math.max(x, y);
          };
          case 'clamp': return (c) => {
            const x = num(a0(c)); if (x === null) return null;
            const lo = num(a1!(c)); if (lo === null) return null;
            const hi = num(a2!(c)); if (hi === null) return null;
            return Math.min(Math.max(x, lo), hi);
          };
          default: return assertNever(fn);
        }
      }
      case 'days_since_time':
      case 'query': {
        if (e.k === 'query' && e.fn !== 'days_since') {
          const cq = queries[e.query]!;
          const fn = e.fn;
          if (cq.within !== null) {
            switch (fn) {
              case 'count': return (c) => windowCount(c.state, c, cq);
              case 'happened': return (c) => windowHappened(c.state, c, cq);
              case 'sum': return (c) => windowSumValue(c.state, c, cq);
              case 'count_distinct': return (c) => windowDistinct(c.state, c, cq);
              default: break;
            }
          }
          switch (fn) {
            case 'count': return (c) => queryAggregate(cq, c, fn).n;
            case 'happened': return (c) => queryAggregate(cq, c, fn).n > 0;
            default: return (c) => aggregateValue(fn, queryAggregate(cq, c, fn), c.now);
          }
        }
        // A days_since value not compared with a constant: wake at its next whole day.
        const ref = compileDaysSinceRef(e)!;
        return (c) => {
          const from = ref(c);
          if (from === null) return null;
          const n = Math.floor((c.now - from) / DAY_MS);
          const next = from + (n + 1) * DAY_MS;
          if (next < c.wake) c.wake = next;
          return n;
        };
      }
      default: return assertNever(e);
    }
  };

  const compileBinary = (e: Extract<Expr, { k: 'binary' }>): Evaluator => {
    const op = e.op;
    if (op === 'and' || op === 'or') {
      const left = compileExpr(e.left);
      const right = compileExpr(e.right);
      return op === 'and'
        ? (c) => left(c) === true && right(c) === true
        : (c) => left(c) === true || right(c) === true;
    }
    if (op in COMPARE) {
      // `days_since(...) <op> k`: wake exactly when the comparison flips, not every day.
      const leftRef = compileDaysSinceRef(e.left);
      const rightRef = leftRef === null ? compileDaysSinceRef(e.right) : null;
      if (leftRef !== null || rightRef !== null) {
        const refSide = leftRef ?? rightRef!;
        const other = compileExpr(leftRef !== null ? e.right : e.left);
        const cmpOp = leftRef !== null ? op : FLIPPED[op]!;
        const cmp = COMPARE[cmpOp]!;
        const dsNode = leftRef !== null ? e.left : e.right;
        return (c) => {
          const from = refSide(c);
          const n = from === null ? null : Math.floor((c.now - from) / DAY_MS);
          c.trace?.set(dsNode.id, n);
          if (n === null || from === null) return false;
          const k = other(c);
          if (typeof k !== 'number') return false;
          const crossing = nextCrossing(n, k, cmp);
          if (crossing !== null) {
            const at = from + crossing * DAY_MS;
            if (at < c.wake) c.wake = at;
          }
          return cmp(n, k);
        };
      }
      const left = compileExpr(e.left);
      const right = compileExpr(e.right);
      // specialComparison compiles every ordering comparison; what it leaves is
      // `==` / `!=` without a constant operand.
      return specialComparison(op, left, right, constantOf(e.left), constantOf(e.right)) ?? ((c) => compare(op, left(c), right(c)));
    }
    const left = compileExpr(e.left);
    const right = compileExpr(e.right);
    const special = specialArithmetic(op, left, right, constantOf(e.left), constantOf(e.right));
    if (special !== null) return special;
    switch (op) {
      case '+': return (c) => {
        const a = left(c);
        if (a === null) return null;
        const b = right(c);
        if (typeof a === 'string' && typeof b === 'string') return a + b;
        return typeof a === 'number' && typeof b === 'number' ? a + b : null;
      };
      case '-': return (c) => {
        const a = num(left(c));
        if (a === null) return null;
        const b = num(right(c));
        return b === null ? null : a - b;
      };
      case '*': return (c) => {
        const a = num(left(c));
        if (a === null) return null;
        const b = num(right(c));
        return b === null ? null : a * b;
      };
      case '/': return (c) => {
        const a = num(left(c));
        if (a === null) return null;
        const b = num(right(c));
        return b === null || b === 0 ? null : a / b;
      };
      default: throw new Error(`unknown operator ${op}`);
    }
  };

  /**
   * A literal operand's value, read at compile time instead of called for
   * (a literal has no wake); undefined for anything else, and always when
   * tracing (explain records every node's value, literals included).
   */
  const constantOf = (x: Expr): Value | undefined => (!trace && x.k === 'literal' ? x.value : undefined);

  return {
    compile: compileExpr,
    get nodes() {
      return nodes;
    },
  };
}
