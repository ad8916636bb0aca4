// Turns `.github/kreview.yml` (read from the default branch only) into a KreviewConfig and the
// app's own settings; anything unknown or malformed becomes a one-line note, never a crash.
import { defaultConfig, mergeConfig, type KreviewConfig } from '../core/config.js';
import { SEVERITIES, type Severity } from '../core/types.js';

export interface AppSettings {
  config: KreviewConfig;
  /** The check run fails at this severity and above. */
  failOn: Severity;
  /** Send the review as a mail reply when the PR carries a list series' Message-ID. */
  mailReply: boolean;
  /** Rule files named by the repository (paths in its default branch). */
  ruleFiles: string[];
  /** One line each, shown in the check-run summary. */
  warnings: string[];
}

const KNOWN = new Set(['checks', 'enable', 'disable', 'severity', 'failOn', 'fail_on', 'fixes', 'lock', 'rules', 'mail']);

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function stringList(v: unknown, name: string, warnings: string[]): string[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  const ok = list.filter((x): x is string => typeof x === 'string' && x.length > 0);
  if (ok.length !== list.length) warnings.push(`.github/kreview.yml: ${name} must be a list of strings; ignored the rest`);
  return ok;
}

function severity(v: unknown, name: string, warnings: string[]): Severity | null {
  if (typeof v === 'string' && (SEVERITIES as readonly string[]).includes(v)) return v as Severity;
  warnings.push(`.github/kreview.yml: ${name} must be one of ${SEVERITIES.join(', ')}, not ${JSON.stringify(v)}`);
  return null;
}

export function settingsFromYaml(raw: unknown): AppSettings {
  const warnings: string[] = [];
  const settings: AppSettings = { config: defaultConfig(), failOn: 'error', mailReply: false, ruleFiles: [], warnings };
  if (raw === null || raw === undefined) return settings;
  if (!isRecord(raw)) {
    warnings.push('.github/kreview.yml: expected a mapping at the top; using the defaults');
    return settings;
  }
  for (const k of Object.keys(raw)) if (!KNOWN.has(k)) warnings.push(`.github/kreview.yml: unknown key ${k}`);

  const checks = isRecord(raw.checks) ? raw.checks : {};
  const over: Partial<KreviewConfig> & Record<string, unknown> = {
    enable: [...stringList(checks.enable, 'checks.enable', warnings), ...stringList(raw.enable, 'enable', warnings)],
    disable: [...stringList(checks.disable, 'checks.disable', warnings), ...stringList(raw.disable, 'disable', warnings)],
  };
  if (isRecord(raw.severity)) {
    const sev: Record<string, Severity> = {};
    for (const [id, v] of Object.entries(raw.severity)) {
      const s = severity(v, `severity.${id}`, warnings);
      if (s) sev[id] = s;
    }
    over.severity = sev;
  }
  const failOn = raw.failOn ?? raw.fail_on;
  if (failOn !== undefined) settings.failOn = severity(failOn, 'failOn', warnings) ?? 'error';

  if (isRecord(raw.fixes)) {
    const fixes: Partial<KreviewConfig['fixes']> = {};
    const mode = raw.fixes.subjectMode;
    if (mode === 'lenient' || mode === 'strict') fixes.subjectMode = mode;
    else if (mode !== undefined) warnings.push(`.github/kreview.yml: fixes.subjectMode must be lenient or strict`);
    const min = raw.fixes.minShaLength;
    if (typeof min === 'number' && Number.isInteger(min) && min >= 4 && min <= 40) fixes.minShaLength = min;
    else if (min !== undefined) warnings.push(`.github/kreview.yml: fixes.minShaLength must be a whole number from 4 to 40`);
    if (typeof raw.fixes.releaseTagPattern === 'string') fixes.releaseTagPattern = raw.fixes.releaseTagPattern;
    if (typeof raw.fixes.suggestFromBlame === 'boolean') fixes.suggestFromBlame = raw.fixes.suggestFromBlame;
    over.fixes = fixes as KreviewConfig['fixes'];
  }
  const ruleList = raw.rules ?? (isRecord(raw.lock) ? raw.lock.ruleFiles : undefined);
  settings.ruleFiles = stringList(ruleList, 'rules', warnings).filter((p) => {
    // A repository names files inside itself, never a path on the app's machine.
    const ok = !p.startsWith('/') && !p.split('/').includes('..') && !p.includes('\0');
    if (!ok) warnings.push(`.github/kreview.yml: rule file ${JSON.stringify(p)} must be a relative path in the repository`);
    return ok;
  });
  if (isRecord(raw.lock) && typeof raw.lock.summaryDepth === 'number' && raw.lock.summaryDepth >= 0) {
    over.lock = { summaryDepth: Math.min(raw.lock.summaryDepth, 10) } as KreviewConfig['lock'];
  }
  if (isRecord(raw.mail) && typeof raw.mail.reply === 'boolean') settings.mailReply = raw.mail.reply;
  settings.config = mergeConfig(settings.config, over);
  return settings;
}
