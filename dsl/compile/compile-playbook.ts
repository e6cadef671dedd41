/**
 * The playbook compiler: YAML source in, IR plus diagnostics out.
 *
 * Stages, in order (STYLE: validate once, at compile time): YAML syntax,
 * zod structure, declarations, then every rule, time, duration, role and
 * template, parsed with Chevrotain and type-checked. The semantic stages walk
 * the raw data defensively, so a structural mistake in one milestone does not
 * hide a type error in the next: one run reports every problem.
 */
import type { Document } from 'yaml';
import { DiagnosticSink } from '../diagnostics.ts';
import type { Diagnostic } from '../diagnostics.ts';
import type { Action, Duration, FieldType, HealthComponent, Milestone, PlaybookIR, RenewalTerm, Risk, Rule, Step, Template, TemplateFile, TimeExpr, Trigger } from '../ir/schema.ts';
import { IR_VERSION, LANGUAGE_VERSION } from '../ir/schema.ts';
import { ACTION_VERB_NAMES, ACTION_VERBS, verbFields, verbOfField } from '../ir/vocabulary.ts';
import { parseFieldType, TYPE_NAMES } from '../check/declarations.ts';
import type { Declarations } from '../check/declarations.ts';
import { RuleChecker } from '../check/check-rule.ts';
import { RuleContext } from '../check/rule-context.ts';
import type { RuleScope } from '../check/rule-context.ts';
import { checkTemplate } from '../check/template.ts';
import { toValueType } from '../check/types.ts';
import { parseEventQuery, parseExpression } from '../rules/parse-rule.ts';
import { RESERVED_WORDS } from '../rules/tokens.ts';
import { sourceHash } from '../sha256.ts';
import { checkStructure } from '../structure/check-structure.ts';
import { didYouMean } from '../suggest.ts';
import { loadYaml, rangeAt, sourceTextAt } from '../yaml/load-document.ts';
import type { Path } from '../yaml/load-document.ts';
import { computeRetention } from './retention.ts';
import { checkTemplateFile, TEMPLATE_NAME } from '../check/template-file.ts';
import type { TemplateSource } from '../check/template-file.ts';
import { fieldsRead } from '../check/query-table.ts';
import { alwaysBefore, differenceHours, linear } from '../check/time-order.ts';
import { definingScope } from '../check/milestone-anchors.ts';

/** The result of compiling one playbook. */
export interface CompileResult {
  /** Present only when there is no error-severity diagnostic. */
  ir?: PlaybookIR;
  /** Every problem found, in source order. */
  diagnostics: Diagnostic[];
  /** Side table: expression node id -> `[start, end)` offsets in the source. */
  positions: Map<number, [number, number]>;
}

/** Options of {@link compilePlaybook}. */
export interface CompileOptions {
  /**
   * Computes `sourceHash` from the source; defaults to the pure-TS SHA-256
   * (`sha256:<hex>` of the UTF-8 bytes). Callers with `node:crypto` may pass
   * a faster one producing the same string.
   */
  hash?: (source: string) => string;
  /**
   * (v2) Finds the template files the playbook names (`templates/<name>.md`
   * beside the playbook; client/files/template-files.ts reads them with Node).
   * Without it, template names are not checked and the IR carries no template
   * text (for programs that compile a string on their own; every path that
   * compiles a playbook file passes one).
   */
  templates?: TemplateSource;
}

const ID = /^[a-z][a-z0-9_]*$/;
const PLAYBOOK_ID = /^[a-z][a-z0-9-]*$/;
const VERBS = ACTION_VERB_NAMES;

type Raw = Record<string, unknown>;

function isRecord(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function valueAtPath(data: unknown, path: Path): unknown {
  let v = data;
  for (const k of path) v = isRecord(v) || Array.isArray(v) ? (v as Record<string | number, unknown>)[k] : undefined;
  return v;
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

const UNIT_WORDS = /^(?:a|an|one)\s+(hour|day|week|month|year)s?$/i;

/** What a duration looks like, for a value that does not parse as one. */
function durationHelp(key: string, text: string): string {
  const shown = text.trim();
  const unit = UNIT_WORDS.exec(shown)?.[1]?.toLowerCase();
  const point = /^(month|week|day)\s+(\d+)$/.exec(shown);
  const fix = unit ? `; write \`1 ${unit}\``
    : point ? `; \`${shown}\` is an instant, a length is \`${point[2]} ${point[1]}s\``
      : /^\d+(\.\d+)?$/.test(shown) ? `; add a unit, as in \`${shown} days\`` : '';
  return `\`${key}\` is a duration: a whole number and a unit (hours, days, weeks, months or years), such as \`30 days\`, \`2 weeks\` or \`1 month\`; found \`${shown}\`${fix}`;
}

/**
 * Compiles a playbook. Pure: no I/O; `file` is only used in diagnostics.
 * Never throws for bad input.
 */
export function compilePlaybook(source: string, file: string, options: CompileOptions = {}): CompileResult {
  const sink = new DiagnosticSink(file, source);
  const loaded = loadYaml(source, sink);
  if (!loaded.ok) return { diagnostics: sink.sorted(), positions: new Map() };
  const structureOk = checkStructure(loaded.data, loaded.doc, sink);
  if (!isRecord(loaded.data)) return { diagnostics: sink.sorted(), positions: new Map() };
  const { positions, ...ir } = new PlaybookCompiler(source, loaded.doc, loaded.data, sink, options.templates ?? null).compile(options.hash ?? sourceHash);
  const ok = structureOk && !sink.hasErrors;
  return { ...(ok ? { ir } : {}), diagnostics: sink.sorted(), positions };
}

class PlaybookCompiler {
  private readonly source: string;
  private readonly doc: Document.Parsed;
  private readonly data: Raw;
  private readonly sink: DiagnosticSink;
  private readonly decls: Declarations = { customer: new Map(), events: new Map(), health: null };
  private checker!: RuleChecker;
  /** Per event type, the fields trigger templates read. */
  private readonly templateFields = new Map<string, Set<string>>();
  private readonly templateSource: TemplateSource | null;
  /** (v2) The template files named so far, by name, and their texts (for the source hash). */
  private readonly templateFiles = new Map<string, { ir: TemplateFile; text: string }>();
  /** Names already found missing, so a template named twice is looked up once. */
  private readonly missingTemplates = new Set<string>();

  constructor(source: string, doc: Document.Parsed, data: Raw, sink: DiagnosticSink, templates: TemplateSource | null) {
    this.source = source;
    this.doc = doc;
    this.data = data;
    this.sink = sink;
    this.templateSource = templates;
  }

  compile(hash: (s: string) => string): PlaybookIR & { positions: Map<number, [number, number]> } {
    const d = this.data;
    const id = str(d['playbook']) ?? '';
    if (typeof d['playbook'] === 'string' && !PLAYBOOK_ID.test(id)) {
      this.sink.error('INVALID_ID', `the playbook id \`${id}\` must be lowercase letters, digits and dashes, starting with a letter`, rangeAt(this.doc, ['playbook']));
    }
    this.declareCustomer();
    this.declareEvents();
    const healthIds = this.declareHealth();
    this.checker = new RuleChecker(this.decls);

    const base: RuleScope = { milestone: null, anchors: new Set(), health: true, triggerEvent: null, place: 'this rule' };
    const appliesTo = d['applies_to'] === undefined ? null : this.rule(['applies_to'], { ...base, place: '`applies_to`' }, 'boolean') ?? null;
    const health = d['health'] === undefined ? null : { components: this.healthComponents(healthIds, base) };
    const milestones = this.milestones(base);
    const signalIds: string[] = [];
    const risks = this.risks(base, 'risks', signalIds);
    const opportunities = this.risks(base, 'opportunities', signalIds);
    const triggers = this.triggers(base);
    const renewalTerm = this.renewalTerm();
    const queries = this.checker.queries.queries;
    return {
      irVersion: IR_VERSION,
      language: LANGUAGE_VERSION,
      playbook: id,
      title: str(d['title']) ?? '',
      sourceHash: hash(this.hashedText()),
      appliesTo,
      customer: Object.fromEntries(this.decls.customer),
      events: Object.fromEntries([...this.decls.events].map(([k, v]) => [k, Object.fromEntries(v)])),
      health,
      milestones,
      risks,
      triggers,
      queries,
      retention: computeRetention([...this.decls.events.keys()], queries, this.templateFields),
      opportunities,
      catchUp: d['catch_up'] === 'none' ? 'none' : 'latest',
      renewalTerm,
      templates: Object.fromEntries([...this.templateFiles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, v.ir])),
      positions: this.checker.positions,
    };
  }

  /**
   * What the source hash covers: the playbook's text and (v2) the text of
   * every template file it uses, so a changed template is a new version. A
   * playbook using no template hashes exactly its source, as before.
   */
  private hashedText(): string {
    if (this.templateFiles.size === 0) return this.source;
    const names = [...this.templateFiles.keys()].sort();
    return [this.source, ...names.map((n) => `\u0000template ${n}\u0000${this.templateFiles.get(n)!.text}`)].join('');
  }

  /** (v2) Checks the template file `name` names for a reminder at `path` (the `template:` value). */
  private templateFile(name: string, path: Path, scope: RuleScope): void {
    const at = rangeAt(this.doc, path);
    if (!TEMPLATE_NAME.test(name)) {
      this.sink.error('INVALID_ID', `a template name is lowercase letters, digits, dashes and underscores (the file templates/<name>.md), found \`${name}\``, at);
      return;
    }
    // Without a source (a program compiling a string on its own) names are not
    // checked and the IR carries no text for them; every file-based path passes one.
    if (!this.templateSource) return;
    if (this.missingTemplates.has(name)) return this.reportMissingTemplate(name, at);
    const file = this.templateSource?.read(name) ?? null;
    if (!file) {
      this.missingTemplates.add(name);
      return this.reportMissingTemplate(name, at);
    }
    const checked = checkTemplateFile(file, `templates/${name}.md`, scope, this.decls, this.sink, at);
    if (!checked) return;
    if (scope.triggerEvent) {
      const set = this.templateFields.get(scope.triggerEvent.name) ?? new Set<string>();
      for (const t of [checked.body, checked.subject]) for (const p of t?.parts ?? []) if (typeof p !== 'string' && p.kind === 'event') set.add(p.field);
      this.templateFields.set(scope.triggerEvent.name, set);
    }
    this.templateFiles.set(name, { ir: checked, text: file.text });
  }

  private reportMissingTemplate(name: string, at: [number, number]): void {
    const source = this.templateSource!;
    const names = source.names?.() ?? [];
    const hint = didYouMean(name, names);
    const listed = hint || names.length === 0 ? '' : ` (there: ${names.join(', ')})`;
    this.sink.error('TEMPLATE_NOT_FOUND', `unknown template \`${name}\`: there is no file ${source.folder}/${name}.md${hint}${listed}`, at);
  }

  /** (v2) `renewal_term: { playbook?, length? }`: default this playbook, 12 months. */
  private renewalTerm(): RenewalTerm | null {
    const t = this.data['renewal_term'];
    if (!isRecord(t)) return null;
    const playbook = str(t['playbook']) ?? null;
    if (playbook !== null && !PLAYBOOK_ID.test(playbook)) {
      this.sink.error('INVALID_ID', `\`renewal_term.playbook\` names a playbook id (lowercase letters, digits and dashes, starting with a letter), found \`${playbook}\``, rangeAt(this.doc, ['renewal_term', 'playbook']));
    }
    const base: RuleScope = { milestone: null, anchors: new Set(), health: false, triggerEvent: null, place: '`renewal_term.length`' };
    let length: Duration = { amount: 12, unit: 'month' };
    if (t['length'] !== undefined) {
      const d = this.duration(['renewal_term', 'length'], base);
      if (d && d.amount === 0) this.sink.error('NOT_A_DURATION', 'a term cannot last 0 units of time; write its length, as in `12 months`', rangeAt(this.doc, ['renewal_term', 'length']));
      if (d) length = d;
    }
    return { playbook, length };
  }

  // -------------------------------------------------------------------------
  // Declarations

  private checkName(name: string, what: string, path: Path): boolean {
    if (RESERVED_WORDS.has(name)) {
      this.sink.error('RESERVED_WORD', `\`${name}\` is a reserved word and cannot be ${what}`, rangeAt(this.doc, path, { key: true }));
      return false;
    }
    if (!ID.test(name)) {
      this.sink.error('INVALID_ID', `${what} \`${name}\` must be lowercase letters, digits and underscores, starting with a letter`, rangeAt(this.doc, path, { key: true }));
      return false;
    }
    return true;
  }

  private fieldType(v: unknown, path: Path): FieldType | undefined {
    if (typeof v !== 'string') return undefined;
    const r = parseFieldType(v);
    if ('type' in r) return r.type;
    const hint = r.word ? didYouMean(r.word, TYPE_NAMES) : '';
    this.sink.error('UNKNOWN_TYPE', `${r.problem}${hint}`, rangeAt(this.doc, path));
    return undefined;
  }

  private declareCustomer(): void {
    const c = this.data['customer'];
    if (!isRecord(c)) return;
    for (const [name, v] of Object.entries(c)) {
      const ok = this.checkName(name, 'a customer attribute name', ['customer', name]);
      // An attribute whose type is wrong is still declared (as a string), so
      // its uses do not each report a second, misleading "unknown attribute".
      const t = this.fieldType(v, ['customer', name]);
      if (ok) this.decls.customer.set(name, t ?? { kind: 'string' });
    }
  }

  private declareEvents(): void {
    const e = this.data['events'];
    if (!isRecord(e)) return;
    for (const [name, fields] of Object.entries(e)) {
      if (!this.checkName(name, 'an event type name', ['events', name])) continue;
      const map = new Map<string, FieldType>();
      if (isRecord(fields)) {
        for (const [f, v] of Object.entries(fields)) {
          const ok = this.checkName(f, 'an event field name', ['events', name, f]);
          const t = this.fieldType(v, ['events', name, f]);
          if (ok) map.set(f, t ?? { kind: 'string' });
        }
      }
      this.decls.events.set(name, map);
    }
  }

  private declareHealth(): string[] {
    const h = this.data['health'];
    if (!isRecord(h)) return [];
    this.decls.health = new Set();
    const ids: string[] = [];
    list(h['components']).forEach((c, i) => {
      const id = isRecord(c) ? this.id(c['id'], ['health', 'components', i, 'id'], 'health component', ids) : undefined;
      if (id) this.decls.health?.add(id);
      ids.push(id ?? '');
    });
    return ids;
  }

  /** Checks an id's form and uniqueness among `seen`. */
  private id(v: unknown, path: Path, what: string, seen: readonly string[]): string | undefined {
    if (typeof v !== 'string') return undefined;
    if (RESERVED_WORDS.has(v)) {
      this.sink.error('RESERVED_WORD', `\`${v}\` is a reserved word and cannot be a ${what} id`, rangeAt(this.doc, path));
      return undefined;
    }
    if (!ID.test(v)) {
      this.sink.error('INVALID_ID', `the ${what} id \`${v}\` must be lowercase letters, digits and underscores, starting with a letter`, rangeAt(this.doc, path));
      return undefined;
    }
    if (seen.includes(v)) {
      this.sink.error('DUPLICATE_ID', `another ${what} already has the id \`${v}\``, rangeAt(this.doc, path));
      return undefined;
    }
    return v;
  }

  // -------------------------------------------------------------------------
  // Rules, times, durations, roles, templates

  /**
   * The rule context of the scalar at `path`. Rules accept YAML booleans and
   * numbers as text (`done_when: true`); times, durations and templates must
   * be strings (the structure check has reported anything else).
   */
  private context(path: Path, scope: RuleScope, slice = 0, scalars = false): RuleContext | undefined {
    if (!scalars && typeof valueAtPath(this.data, path) !== 'string') return undefined;
    const st = sourceTextAt(this.doc, this.source, path);
    if (!st) return undefined;
    return new RuleContext(st.text.slice(slice), st.offsets.slice(slice), scope, this.sink);
  }

  private parsed(ctx: RuleContext) {
    const { ast, problems } = parseExpression(ctx.text);
    for (const p of problems) ctx.error('RULE_SYNTAX', p.message, [p.start, p.end]);
    return ast;
  }

  private rule(path: Path, scope: RuleScope, want: 'boolean' | 'number'): Rule | undefined {
    const ctx = this.context(path, scope, 0, true);
    if (!ctx) return undefined;
    const ast = this.parsed(ctx);
    if (!ast) return undefined;
    const c = this.checker.rule(ast, ctx, want);
    return { source: ctx.text, expr: c.expr, type: c.ty.t === 'error' ? want : toValueType(c.ty) };
  }

  private time(path: Path, scope: RuleScope): TimeExpr | undefined {
    const ctx = this.context(path, scope);
    if (!ctx) return undefined;
    const ast = this.parsed(ctx);
    return ast ? this.checker.time(ast, ctx) : undefined;
  }

  private duration(path: Path, scope: RuleScope, slice = 0): Duration | undefined {
    const ctx = this.context(path, scope, slice);
    if (!ctx) return undefined;
    const { ast, problems } = parseExpression(ctx.text);
    if (problems.length > 0 || !ast || (ast.kind !== 'duration' && ast.kind !== 'error')) {
      // Not a rule: a parser's "the rule should end here" says nothing to
      // someone who wrote `cooldown: a month`. Say what a duration looks like.
      const key = [...path].reverse().find((k): k is string => typeof k === 'string') ?? 'this';
      ctx.error('NOT_A_DURATION', `${durationHelp(key, ctx.text)}`, [0, Math.max(1, ctx.text.length)]);
      return undefined;
    }
    return this.checker.duration(ast, ctx);
  }

  private role(v: unknown, path: Path, scope: RuleScope): string {
    if (typeof v !== 'string') return 'csm';
    if (v === 'owner') {
      if (scope.milestone) return scope.milestone.owner;
      this.sink.error('NOT_ALLOWED_HERE', '`owner` means the milestone\'s owner and can only be used inside a milestone; name a role such as `csm`', rangeAt(this.doc, path));
      return v;
    }
    const type = this.decls.customer.get(v);
    if (!type) {
      const roles = [...this.decls.customer].filter(([, t]) => t.kind === 'string').map(([k]) => k);
      if (scope.milestone) roles.push('owner');
      const declared = roles.length > 0 ? ` (the roles here: ${roles.join(', ')})` : ' (this playbook declares no text attribute under `customer:` to be a role)';
      this.sink.error('UNKNOWN_ROLE', `unknown role \`${v}\`: a role is ${scope.milestone ? '`owner` or ' : ''}a customer attribute holding a person${didYouMean(v, roles)}${declared}`, rangeAt(this.doc, path));
    } else if (type.kind !== 'string') {
      this.sink.error('UNKNOWN_ROLE', `\`${v}\` is a ${type.kind} attribute; a role is a string attribute holding a person (an email address or user id)`, rangeAt(this.doc, path));
    }
    return v;
  }

  private template(path: Path, scope: RuleScope): Template | undefined {
    const ctx = this.context(path, { ...scope, place: 'this template' });
    if (!ctx) return undefined;
    const t = checkTemplate(ctx, this.decls);
    if (scope.triggerEvent) {
      const set = this.templateFields.get(scope.triggerEvent.name) ?? new Set<string>();
      for (const p of t.parts) if (typeof p !== 'string' && p.kind === 'event') set.add(p.field);
      this.templateFields.set(scope.triggerEvent.name, set);
    }
    return t;
  }

  /** Records the trigger event's fields an action's `when` reads (`event.<field>`), for retention. */
  private readsEventFields(event: string, expr: Rule['expr']): void {
    const set = this.templateFields.get(event) ?? new Set<string>();
    fieldsRead(expr, set);
    this.templateFields.set(event, set);
  }

  // -------------------------------------------------------------------------
  // Actions

  private actions(v: unknown, path: Path, scope: RuleScope): Action[] {
    const out: Action[] = [];
    list(v).forEach((a, i) => {
      const action = this.action(a, [...path, i], scope, []);
      if (action) out.push(action);
    });
    return out;
  }

  private action(a: unknown, path: Path, scope: RuleScope, extraKeys: readonly string[]): Action | undefined {
    if (!isRecord(a)) return undefined;
    const verbs = VERBS.filter((verb) => verb in a);
    if (verbs.length === 0) {
      const keys = Object.keys(a).filter((k) => !extraKeys.includes(k));
      const guess = keys.map((k) => didYouMean(k, VERBS)).find((s) => s) ?? '';
      this.sink.error('UNKNOWN_ACTION', `this action has no verb: use one of remind, open_task, escalate, webhook${guess}`, rangeAt(this.doc, path));
      return undefined;
    }
    const verb = verbs[0]!;
    for (const other of verbs.slice(1)) {
      this.sink.error('UNKNOWN_ACTION', `an action has one verb; \`${other}\` and \`${verb}\` are both here (make them two actions)`, rangeAt(this.doc, [...path, other], { key: true }));
    }
    const allowed = new Set<string>([verb, ...verbFields(verb), ...extraKeys]);
    for (const k of Object.keys(a)) {
      if (allowed.has(k) || (VERBS as readonly string[]).includes(k)) continue;
      const owner = verbOfField(k);
      if (owner) {
        const takes = ACTION_VERBS[verb].fields.join(', ');
        this.sink.error('ACTION_FIELD_NOT_ALLOWED', `\`${k}\` belongs to \`${owner}\`, not to \`${verb}\` (which takes ${takes || 'no other fields'}${takes ? ' and `when`' : ' but `when`'})`, rangeAt(this.doc, [...path, k], { key: true }));
      }
      // Keys unknown to every verb were already reported by the structure check.
    }
    const here = (k: string): Path => [...path, k];
    const when = a['when'] === undefined ? null : this.rule(here('when'), { ...scope, place: 'an action\'s `when`' }, 'boolean') ?? null;
    if (scope.triggerEvent && when) this.readsEventFields(scope.triggerEvent.name, when.expr);
    // `when` is written into the IR only when the author wrote one: absent means always.
    const withWhen = <A extends Action>(action: A): A => (when ? { ...action, when } : action);
    switch (verb) {
      case 'remind': {
        const hasTemplate = typeof a['template'] === 'string';
        const hasMessage = a['message'] !== undefined;
        if (!hasTemplate && !hasMessage) {
          this.sink.error('MISSING_KEY', 'a reminder needs a `template` (a delivery template name) or a `message`', rangeAt(this.doc, here('remind'), { key: true }));
        } else if (hasTemplate && hasMessage) {
          this.sink.error('ACTION_FIELD_NOT_ALLOWED', 'a reminder has either a `template` or a `message`, not both', rangeAt(this.doc, here('message'), { key: true }));
        }
        if (hasTemplate && !hasMessage) this.templateFile(str(a['template'])!, here('template'), scope);
        return withWhen({
          kind: 'remind',
          to: this.role(a['remind'], here('remind'), scope),
          template: str(a['template']) ?? null,
          message: hasMessage ? this.template(here('message'), scope) ?? null : null,
          channel: (str(a['channel']) as 'email' | undefined) ?? ACTION_VERBS.remind.defaults.channel,
        });
      }
      case 'open_task': {
        const task: Action = withWhen({
          kind: 'open_task',
          title: this.template(here('open_task'), scope) ?? { source: '', parts: [] },
          assignee: a['assignee'] === undefined ? ACTION_VERBS.open_task.defaults.assignee : this.role(a['assignee'], here('assignee'), scope),
          dueIn: a['due_in'] === undefined ? { amount: 7, unit: 'day' } : this.duration(here('due_in'), scope) ?? { amount: 7, unit: 'day' },
          priority: (str(a['priority']) as 'normal' | undefined) ?? ACTION_VERBS.open_task.defaults.priority,
        });
        if (typeof a['auto_close'] === 'boolean') task.autoClose = a['auto_close'];
        if (a['overdue'] !== undefined) task.overdue = this.actions(a['overdue'], here('overdue'), { ...scope, task: true });
        return task;
      }
      case 'escalate':
        return withWhen({
          kind: 'escalate',
          to: this.role(a['escalate'], here('escalate'), scope),
          message: a['message'] === undefined ? null : this.template(here('message'), scope) ?? null,
        });
      case 'webhook': {
        const payload = a['payload'];
        let compiled: Record<string, Template> | null = null;
        if (isRecord(payload)) {
          compiled = {};
          for (const k of Object.keys(payload)) {
            const t = this.template([...here('payload'), k], scope);
            if (t) compiled[k] = t;
          }
        }
        return withWhen({ kind: 'webhook', name: str(a['webhook']) ?? '', payload: compiled });
      }
    }
  }

  // -------------------------------------------------------------------------
  // Milestones, health, risks, triggers

  private milestones(base: RuleScope): Milestone[] {
    const out: Milestone[] = [];
    const ids: string[] = [];
    let renewal: string | undefined;
    list(this.data['milestones']).forEach((m, i) => {
      const path: Path = ['milestones', i];
      if (!isRecord(m)) {
        ids.push('');
        return;
      }
      const id = this.id(m['id'], [...path, 'id'], 'milestone', ids) ?? '';
      ids.push(id);
      const title = str(m['title']) ?? id;
      const owner = m['owner'] === undefined ? 'csm' : str(m['owner']) ?? 'csm';
      if (owner === 'owner') this.sink.error('UNKNOWN_ROLE', 'a milestone\'s `owner` must name a role such as `csm`, not `owner`', rangeAt(this.doc, [...path, 'owner']));
      else if (m['owner'] !== undefined) this.role(owner, [...path, 'owner'], base);
      else if (!this.decls.customer.has('csm')) this.sink.error('UNKNOWN_ROLE', 'this milestone has no `owner` and the default owner `csm` is not a declared customer attribute', rangeAt(this.doc, [...path, 'id']));
      const ms: RuleScope = { ...base, milestone: { id, owner, title }, place: 'this rule' };
      if (m['renewal'] === true) {
        if (renewal !== undefined) this.sink.error('MULTIPLE_RENEWAL', `only one milestone can be the renewal; \`${renewal}\` already is`, rangeAt(this.doc, [...path, 'renewal']));
        else renewal = id;
      }
      const repeat = this.repeat(m['repeat'], [...path, 'repeat'], ms);
      // Either instant may be written from the other (reference §3), not both: `due: opens + N`
      // is the usual way, so in a cycle it is `opens` that is refused.
      const due = this.time([...path, 'due'], definingScope(ms, 'due', null));
      const opens = m['opens'] === undefined ? { anchor: 'start' as const, terms: [], source: 'start' } : this.time([...path, 'opens'], definingScope(ms, 'opens', due ?? null));
      const appliesWhen = m['applies_when'] === undefined ? null : this.rule([...path, 'applies_when'], { ...ms, anchors: new Set(), place: '`applies_when`' }, 'boolean');
      const inside: RuleScope = { ...ms, anchors: new Set(['opens', 'due']) };
      const doneWhen = this.rule([...path, 'done_when'], { ...inside, place: '`done_when`' }, 'boolean');
      const steps: Step[] = [];
      /** Each step's `at` with its index in the YAML list, for the order check. */
      const stepTimes: Array<{ at: TimeExpr; index: number }> = [];
      list(m['steps']).forEach((s, j) => {
        if (!isRecord(s)) return;
        const at = this.time([...path, 'steps', j, 'at'], inside);
        const action = this.action(s, [...path, 'steps', j], inside, ['at']);
        if (at) stepTimes.push({ at, index: j });
        if (at && action) steps.push({ at, action });
      });
      const onDone = this.actions(m['on_done'], [...path, 'on_done'], inside);
      const closes = m['closes'] === undefined ? null : this.time([...path, 'closes'], { ...inside, place: '`closes`' });
      if (opens && due) this.checkOrder(path, opens, due, stepTimes);
      if (opens && due && closes) this.checkCloses(path, opens, due, closes);
      if (!opens || !due || !doneWhen || appliesWhen === undefined || closes === undefined) return;
      out.push({ id, title, appliesWhen, opens, due, doneWhen, closes, owner, renewal: m['renewal'] === true, repeat, steps, onDone });
    });
    return out;
  }

  /** Warns about a `due` before `opens` and steps before `opens` (they can never fire), when that holds for every contract. */
  private checkOrder(path: Path, opens: TimeExpr, due: TimeExpr, steps: Array<{ at: TimeExpr; index: number }>): void {
    // Resolve in the order the engine does: the one not written from the other first.
    const fromDue = opens.anchor === 'due';
    const d0 = fromDue ? linear(due, null, null) : null;
    const o = linear(opens, null, d0);
    const d = fromDue ? d0 : linear(due, o, null);
    const end = { base: 'contract_end' as const, terms: [] };
    const afterEnd = d ? differenceHours(d, end) : null;
    if (afterEnd && afterEnd[0] > 0) {
      this.sink.warning('DUE_AFTER_CONTRACT_END', `\`due\` (${due.source.trim()}) is after \`contract.end\`: the term closes first, so the milestone can only end up missed; write it before the end, as in \`contract.end - 2 weeks\``, rangeAt(this.doc, [...path, 'due']));
    }
    if (alwaysBefore(d, o)) {
      this.sink.warning('DUE_BEFORE_OPENS', `\`due\` (${due.source}) is before \`opens\` (${opens.source}): the milestone is overdue the moment it opens`, rangeAt(this.doc, [...path, 'due']));
    }
    for (const { at, index } of steps) {
      if (alwaysBefore(linear(at, o, d), o)) {
        this.sink.warning('STEP_NEVER_FIRES', `this step (${at.source}) is before the milestone opens (${opens.source}), so it can never fire`, rangeAt(this.doc, [...path, 'steps', index, 'at']));
      }
    }
  }

  /** (v2) A `closes` before `due` is an error (reference §5) when it holds for every contract, a warning when it may hold for some. */
  private checkCloses(path: Path, opens: TimeExpr, due: TimeExpr, closes: TimeExpr): void {
    const fromDue = opens.anchor === 'due';
    const d0 = fromDue ? linear(due, null, null) : null;
    const o = linear(opens, null, d0);
    const d = fromDue ? d0 : linear(due, o, null);
    const c = linear(closes, o, d);
    if (alwaysBefore(c, d)) {
      this.sink.error('CLOSES_BEFORE_DUE', `\`closes\` (${closes.source.trim()}) is before \`due\` (${due.source.trim()}): a milestone closes at or after it is due; write \`closes: due + <duration>\``, rangeAt(this.doc, [...path, 'closes']));
      return;
    }
    const diff = c && d ? differenceHours(c, d) : null;
    if (diff && diff[0] < 0) {
      this.sink.warning('CLOSES_MAY_PRECEDE_DUE', `\`closes\` (${closes.source.trim()}) falls before \`due\` (${due.source.trim()}) for some contracts (months are 28 to 31 days); write it from \`due\`, as in \`closes: due + 2 weeks\``, rangeAt(this.doc, [...path, 'closes']));
    }
  }

  private repeat(v: unknown, path: Path, scope: RuleScope): Duration | null {
    if (typeof v !== 'string') return null;
    const m = /^\s*every\s+/.exec(v);
    if (!m) {
      this.sink.error('NOT_A_DURATION', '`repeat` is written `every <duration>`, as in `every 3 months`', rangeAt(this.doc, path));
      return null;
    }
    const d = this.duration(path, scope, m[0].length);
    if (d && d.amount === 0) {
      this.sink.error('NOT_A_DURATION', 'a milestone cannot repeat every 0 units of time', rangeAt(this.doc, path));
      return null;
    }
    return d ?? null;
  }

  private healthComponents(ids: string[], base: RuleScope): HealthComponent[] {
    const h = this.data['health'];
    const out: HealthComponent[] = [];
    list(isRecord(h) ? h['components'] : undefined).forEach((c, i) => {
      if (!isRecord(c)) return;
      const score = this.rule(['health', 'components', i, 'score'], { ...base, health: false, place: 'a health score' }, 'number');
      const id = ids[i];
      if (score && id && typeof c['weight'] === 'number') out.push({ id, weight: c['weight'], score });
    });
    return out;
  }

  /**
   * The risks, or (v2) the opportunities: the same shape and semantics.
   * `ids` is shared by both lists: risk and opportunity ids are one namespace.
   */
  private risks(base: RuleScope, key: 'risks' | 'opportunities', ids: string[]): Risk[] {
    const out: Risk[] = [];
    const what = key === 'risks' ? 'risk' : 'opportunity';
    list(this.data[key]).forEach((r, i) => {
      const path: Path = [key, i];
      if (!isRecord(r)) return;
      const id = this.id(r['id'], [...path, 'id'], 'risk or opportunity', ids) ?? '';
      ids.push(id);
      const when = this.rule([...path, 'when'], { ...base, place: `${what === 'risk' ? 'a risk' : 'an opportunity'}'s \`when\`` }, 'boolean');
      const from = r['from'] === undefined ? null : this.time([...path, 'from'], { ...base, place: '`from`' });
      const cooldown = r['cooldown'] === undefined ? null : this.duration([...path, 'cooldown'], base) ?? null;
      const actions = this.actions(r['actions'], [...path, 'actions'], base);
      const level = str(r['level']);
      if (!when || from === undefined || (level !== 'low' && level !== 'medium' && level !== 'high')) return;
      out.push({ id, title: str(r['title']) ?? id, when, level, from, cooldown, actions });
    });
    return out;
  }

  private triggers(base: RuleScope): Trigger[] {
    const out: Trigger[] = [];
    const ids: string[] = [];
    list(this.data['triggers']).forEach((t, i) => {
      const path: Path = ['triggers', i];
      if (!isRecord(t)) return;
      const id = this.id(t['id'], [...path, 'id'], 'trigger', ids) ?? '';
      ids.push(id);
      const ctx = this.context([...path, 'on'], { ...base, place: 'a trigger\'s `on`' });
      if (!ctx) return;
      const { ast, problems } = parseEventQuery(ctx.text);
      for (const p of problems) ctx.error('RULE_SYNTAX', p.message, [p.start, p.end]);
      const q = ast ? this.checker.query(ast, ctx, null) : undefined;
      // The event is known from the query's head even when the rest of the
      // query is wrong, so the actions' `{{event.*}}` are still checked.
      const event = q?.event ?? (ast?.value.kind === 'path' ? ast.value.head.name : undefined);
      const fields = event === undefined ? undefined : this.decls.events.get(event);
      const scope: RuleScope = { ...base, triggerEvent: event !== undefined && fields ? { name: event, fields } : null };
      const actions = this.actions(t['actions'], [...path, 'actions'], scope);
      if (q) out.push({ id, on: q.index, actions });
    });
    return out;
  }
}
