// ESLint (flat config): determinism in workflow code, no dropped promises anywhere.
//
// Workflow code (workflows/**, the engine included) runs inside Temporal's
// deterministic sandbox and is replayed from history, so it may import no
// Node built-in and nothing that does I/O or reads the world (the Temporal
// samples' rule, extended to Milepost's own I/O modules). Type-only imports
// are fine: they vanish at bundling. `no-floating-promises` runs on every
// TypeScript file with type information: a promise nobody awaits hides its
// failure (in a workflow it can also hide a command the code meant to wait for).
import { builtinModules } from 'node:module';
import tseslint from 'typescript-eslint';

/** Every Node built-in, with and without the `node:` prefix (`node:test` and friends exist only prefixed). */
const nodeBuiltins = [...new Set(builtinModules.flatMap((m) => (m.startsWith('node:') ? [m] : [m, `node:${m}`])))];

/** Modules that reach the world or are not deterministic, banned from workflow code (value imports). */
const nonDeterministic = [
  '@temporalio/activity', '@temporalio/client', '@temporalio/worker', '@temporalio/testing',
  'pg', 'nodemailer', 'fastify', 'smtp-server', 'uuid', 'pino', 'yaml', 'chevrotain',
];

export default tseslint.config(
  { ignores: ['node_modules/**', '.cache/**', '.milepost/**', 'coverage/**', 'tests/artifacts/**', 'scratch/**', '**/*.d.ts'] },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': ['error', {
        paths: [...nodeBuiltins, ...nonDeterministic].map((name) => ({
          name,
          message: 'workflow code is replayed in a deterministic sandbox: no Node built-ins, no I/O (move it into an activity)',
          allowTypeImports: true,
        })),
        patterns: [{
          group: ['**/store/**', '**/client/**', '**/worker/**', '**/scripts/**', '**/activities/**'],
          message: 'workflow code reaches the world only through activities (proxyActivities); import their types only',
          allowTypeImports: true,
        }],
      }],
    },
  },
);
