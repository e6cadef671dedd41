/**
 * The Milepost playbook compiler (`dsl/`): a pure library, no Node APIs.
 *
 * ```ts
 * const { ir, diagnostics } = compilePlaybook(source, 'playbooks/clinic.yaml');
 * if (!ir) for (const d of diagnostics) console.error(formatDiagnostic(d));
 * ```
 *
 * Stages: `yaml/` (positions), `structure/` (zod), `rules/` (Chevrotain),
 * `check/` (types, templates), `compile/` (IR). The IR's shape is in
 * `ir/schema.ts`; docs/ir.md explains it.
 */
export { compilePlaybook } from './compile/compile-playbook.ts';
export type { CompileOptions, CompileResult } from './compile/compile-playbook.ts';
export { templatesFrom } from './check/template-file.ts';
export type { TemplateFileText, TemplateSource } from './check/template-file.ts';
export { formatDiagnostic, LineIndex } from './diagnostics.ts';
export type { Diagnostic, DiagnosticCode, LinePos, Severity } from './diagnostics.ts';
export { playbookJsonSchema } from './structure/playbook-schema.ts';
export { sourceHash } from './sha256.ts';
export { IR_VERSION, PlaybookIR } from './ir/schema.ts';
