/**
 * The local host's stand-in for a Functions timer trigger: runs a handler every `everyMs`, never two runs at once
 * (the Functions host holds a singleton lock per timer function), and lets a running one finish on stop.
 */
export interface LocalTimer {
  stop(): Promise<void>;
}

export function startLocalTimer(run: () => Promise<unknown>, everyMs: number): LocalTimer {
  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = run()
      .catch(() => undefined)
      .finally(() => {
        running = undefined;
      });
  }, everyMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
