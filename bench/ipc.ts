/**
 * Request/answer over a forked child's IPC channel: the orchestrator asks, the child answers. Keeps each server
 * and the load generator in processes of their own without a control port.
 */
import { fork, type ChildProcess } from 'node:child_process';

interface Envelope {
  readonly id: number;
  readonly body: unknown;
  readonly error?: string;
}

/** In a child: answers each request with what `handle` returns, then tells the parent it is ready. */
export function serveParent(handle: (body: unknown) => Promise<unknown>, ready: unknown): void {
  const send = process.send?.bind(process);
  if (!send) throw new Error('this module runs as a forked child');
  process.on('message', (message: Envelope) => {
    handle(message.body).then(
      (body) => send({ id: message.id, body }),
      (error: unknown) => send({ id: message.id, body: null, error: String(error) }),
    );
  });
  send({ id: 0, body: ready });
  // The parent's exit closes the channel; a child must not outlive it.
  process.on('disconnect', () => process.exit(0));
}

export interface Child<Ready> {
  readonly process: ChildProcess;
  readonly ready: Ready;
  ask<T>(body: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function forkChild<Ready>(
  modulePath: string,
  env: Record<string, string>,
  execArgv: string[] = [],
): Promise<Child<Ready>> {
  const child = fork(modulePath, [], {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (body: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const ready = await new Promise<Ready>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => {
      reject(new Error(`${modulePath} exited with ${String(code)}`));
    });
    child.on('message', (message: Envelope) => {
      if (message.id === 0) {
        resolve(message.body as Ready);
        return;
      }
      const waiter = pending.get(message.id);
      pending.delete(message.id);
      if (message.error !== undefined) waiter?.reject(new Error(message.error));
      else waiter?.resolve(message.body);
    });
  });
  child.removeAllListeners('exit');
  return {
    process: child,
    ready,
    ask: <T>(body: unknown) =>
      new Promise<T>((resolve, reject) => {
        const id = nextId++;
        pending.set(id, {
          resolve: (value) => {
            resolve(value as T);
          },
          reject,
        });
        child.send({ id, body });
      }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => {
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
