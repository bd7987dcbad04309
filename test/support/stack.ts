/**
 * A running stack for tests: the Partner Center simulator and the local host, on ephemeral loopback ports,
 * wired exactly as `npm start` wires them.
 */
import { randomBytes } from 'node:crypto';
import { startLocalHost, type LocalHost } from '../../dev/host/server';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../dev/simulator/server';
import { createServices, type FacadeServices, type ServiceOptions } from '../../shared/app/services';
import { loadConfig } from '../../shared/config';

export interface Stack {
  readonly simulator: Simulator;
  readonly host: LocalHost;
  readonly services: FacadeServices;
  /** `http://127.0.0.1:port/api` */
  readonly api: string;
  /** Every line the functions logged. */
  readonly logs: string[];
  close(): Promise<void>;
}

export async function startStack(
  env: Record<string, string> = {},
  overrides: ServiceOptions = {},
  simulatorOptions: Omit<SimulatorOptions, 'accessToken'> = {},
): Promise<Stack> {
  const accessToken = randomBytes(24).toString('base64url');
  const simulator = await startSimulator({ ...simulatorOptions, accessToken });
  const services = createServices(
    loadConfig({ PARTNER_CENTER_BASE_URL: simulator.url, PARTNER_CENTER_ACCESS_TOKEN: accessToken, ...env }),
    overrides,
  );
  const logs: string[] = [];
  const host = await startLocalHost({
    services: () => services,
    log: (_level, message) => logs.push(message),
  });
  return {
    simulator,
    host,
    services,
    api: `${host.url}/api`,
    logs,
    close: async () => {
      await host.close();
      await services.close();
      await simulator.close();
    },
  };
}

/** The JSON Patch documents the simulator received, in order. */
export function patchesSent(simulator: Simulator): unknown[] {
  return simulator.calls
    .filter((call) => call.method === 'PATCH')
    .map((call) => JSON.parse(call.body) as unknown);
}
