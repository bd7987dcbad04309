/**
 * Operator-facing events of the credential machinery, one JSON line each. Fields are names, codes, counts and
 * times: callers must never pass a secret or a token.
 */
export type LogFields = Readonly<Record<string, string | number | boolean | undefined>>;

export interface OperatorLog {
  error(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
}

/** Console output is what the Functions host ships to Application Insights for work outside an invocation. */
export const consoleOperatorLog: OperatorLog = {
  error: (event, fields) => {
    console.error(JSON.stringify({ level: 'error', event, ...fields }));
  },
  warn: (event, fields) => {
    console.warn(JSON.stringify({ level: 'warn', event, ...fields }));
  },
  info: (event, fields) => {
    console.info(JSON.stringify({ level: 'info', event, ...fields }));
  },
};
