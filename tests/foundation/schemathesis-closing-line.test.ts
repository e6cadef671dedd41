import { describe, expect, it } from 'vitest';
import { plainReportLine } from '../../scripts/schemathesis/closing-line.ts';

describe('Schemathesis report lines as CI reads them', () => {
  it('rewords the closing tally so that it reads as no test runner\'s', () => {
    expect(plainReportLine('============================= 1 warning in 60.22s ==============================')).toBe('Schemathesis found: 1 warning (60.22 s)');
    expect(plainReportLine('==== No issues found in 12.5s ====')).toBe('Schemathesis found: No issues found (12.5 s)');
    expect(plainReportLine('=== 2 failures, 1 warning in 300.01s ===')).toBe('Schemathesis found: 2 failures, 1 warning (300.01 s)');
  });

  it('keeps section titles, between dashes, and every other line as printed', () => {
    expect(plainReportLine('=================================== SUMMARY ====================================')).toBe('-- SUMMARY --');
    expect(plainReportLine('  3656 generated, 3656 passed, 24 skipped')).toBe('  3656 generated, 3656 passed, 24 skipped');
    expect(plainReportLine('a = b')).toBe('a = b');
  });
});
