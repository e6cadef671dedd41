/**
 * The workflow bundle's entry: every workflow type the worker registers.
 * Bundled ahead of time by worker/bundle.ts.
 */
export { journeyWorkflow } from './journey-workflow.ts';
