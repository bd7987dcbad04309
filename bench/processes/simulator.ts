/** The Partner Center simulator in a process of its own, with the benchmark's referrals. */
import { startSimulator } from '../../dev/simulator/server';
import { benchReferrals } from '../fixtures';
import { serveParent } from '../ipc';

export type SimulatorCommand = 'drain' | 'reset';
/** Calls received since the last drain, by method. */
export type CallCounts = Record<string, number>;

async function main(): Promise<void> {
  const accessToken = process.env['BENCH_ACCESS_TOKEN'];
  if (!accessToken) throw new Error('BENCH_ACCESS_TOKEN is not set');
  const simulator = await startSimulator({ accessToken, referrals: benchReferrals() });
  serveParent((command) => {
    const counts: CallCounts = {};
    for (const call of simulator.calls) counts[call.method] = (counts[call.method] ?? 0) + 1;
    // The call log would otherwise grow by a record per request over a long run.
    if (command === 'reset') simulator.reset();
    else simulator.calls.length = 0;
    return Promise.resolve(counts);
  }, simulator.url);
}

void main();
