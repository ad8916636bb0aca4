// .github/kreview.yml to KreviewConfig and app settings; bad input becomes notes, never a crash.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { settingsFromYaml } from '../../src/app/app-config.js';
import { defaultConfig } from '../../src/core/config.js';

describe('settingsFromYaml', () => {
  it('gives the defaults for no file', () => {
    const s = settingsFromYaml(null);
    expect(s.config).toEqual(defaultConfig());
    expect(s.failOn).toBe('error');
    expect(s.mailReply).toBe(false);
    expect(s.warnings).toEqual([]);
  });

  it('maps checks, severities, the threshold, the subject mode, rules and mail', () => {
    const s = settingsFromYaml(
      parse(`
checks:
  enable: [fixes, lock]
  disable: [fixes/missing]
severity:
  lock/reserve-under-page-lock: error
failOn: warning
fixes:
  subjectMode: strict
rules:
  - .kreview/rules/fs.yml
mail:
  reply: true
`),
    );
    expect(s.config.enable).toEqual(['fixes', 'lock']);
    expect(s.config.disable).toEqual(['fixes/missing']);
    expect(s.config.severity).toEqual({ 'lock/reserve-under-page-lock': 'error' });
    expect(s.config.fixes.subjectMode).toBe('strict');
    expect(s.config.fixes.minShaLength).toBe(12);
    expect(s.failOn).toBe('warning');
    expect(s.ruleFiles).toEqual(['.kreview/rules/fs.yml']);
    expect(s.mailReply).toBe(true);
    expect(s.warnings).toEqual([]);
  });

  it('reports what it ignored, in one line each, naming the key', () => {
    const s = settingsFromYaml(
      parse(`
failOn: fatal
fixes: { subjectMode: fuzzy }
rules: [/etc/passwd, ../x.yml, ok.yml]
severity: { lock/x: loud }
colour: blue
`),
    );
    expect(s.failOn).toBe('error');
    expect(s.config.fixes.subjectMode).toBe('lenient');
    expect(s.ruleFiles).toEqual(['ok.yml']);
    expect(s.config.severity).toEqual({});
    expect(s.warnings).toHaveLength(6);
    for (const w of s.warnings) expect(w).toMatch(/^\.github\/kreview\.yml: [^\n]+$/);
    expect(s.warnings.join('\n')).toMatch(/unknown key colour/);
    expect(settingsFromYaml('just a string').warnings).toEqual(['.github/kreview.yml: expected a mapping at the top; using the defaults']);
  });
});
