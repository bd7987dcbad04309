/**
 * Collects every log line a test file produces (console output, the functions' logs, the operator log) and the
 * bodies callers received, so the file can prove at the end that no secret or token value ever appeared.
 */
import type { LogFields, OperatorLog } from '../../shared/credentials/operator-log';

export interface LeakGuard {
  readonly lines: string[];
  /** Records operator events as the JSON lines the console log would write. */
  readonly operatorLog: OperatorLog;
  readonly events: { readonly level: string; readonly event: string; readonly fields: LogFields }[];
  record(line: string): void;
  /** The values found in any line, among `secrets`. */
  leaked(secrets: Iterable<string>): string[];
  restore(): void;
}

const consoleMethods = ['log', 'info', 'warn', 'error', 'debug'] as const;

export function installLeakGuard(): LeakGuard {
  const lines: string[] = [];
  const events: LeakGuard['events'][number][] = [];
  const originals = consoleMethods.map((method) => [method, console[method].bind(console)] as const);
  for (const [method, original] of originals) {
    console[method] = (...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === 'string' ? arg : JSON.stringify(arg))).join(' '));
      original(...args);
    };
  }
  const operatorEvent =
    (level: string) =>
    (event: string, fields: LogFields = {}) => {
      events.push({ level, event, fields });
      lines.push(JSON.stringify({ level, event, ...fields }));
    };
  const guard: LeakGuard = {
    lines,
    events,
    operatorLog: { error: operatorEvent('error'), warn: operatorEvent('warn'), info: operatorEvent('info') },
    record: (line) => {
      lines.push(line);
    },
    leaked: (secrets) => [...secrets].filter((secret) => lines.some((line) => line.includes(secret))),
    restore: () => {
      for (const [method, original] of originals) console[method] = original;
    },
  };
  return guard;
}
