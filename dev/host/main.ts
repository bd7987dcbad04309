/**
 * `npm start`: the facade on http://localhost:7071/api. Without PARTNER_CENTER_BASE_URL (and without
 * KEY_VAULT_URL, which means real credentials for the real Partner Center) it also starts the embedded Partner
 * Center simulator and points the facade at it, so no Azure or Partner Center account is needed.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createEventQueueHandler } from '../../functions/event-queue-handler';
import { createQueueHandler } from '../../functions/queue-handler';
import { createSweepHandler } from '../../functions/sweep-handler';
import { DURABLE_CONNECTION, loadEventSweepSettings, loadLocalPort } from '../../shared/config';
import { lazyServices } from '../../shared/app/services';
import { startAzurite, type Azurite } from '../storage/azurite';
import { startQueueConsumer } from './queue-consumer';
import { seededIds } from '../simulator/seed';
import { startSimulator, type Simulator } from '../simulator/server';
import { startLocalHost } from './server';
import { startLocalTimer } from './timer';

async function main(): Promise<void> {
  const port = loadLocalPort(process.env);
  const env: Record<string, string | undefined> = { ...process.env };
  let simulator: Simulator | undefined;
  let simulatorSigns = false;
  let eventsLine: string | undefined;
  // Any Partner Center setting means "the real one"; with none, the simulator stands in and its token is used.
  const wantsRealPartnerCenter = [
    'PARTNER_CENTER_BASE_URL',
    'PARTNER_CENTER_ACCESS_TOKEN',
    'KEY_VAULT_URL',
  ].some((name) => Boolean(env[name]));
  if (!wantsRealPartnerCenter) {
    const accessToken = randomBytes(24).toString('base64url');
    simulator = await startSimulator({ accessToken, maxRecordedCalls: 1_000 });
    env['PARTNER_CENTER_BASE_URL'] = simulator.url;
    env['PARTNER_CENTER_ACCESS_TOKEN'] = accessToken;
    // The simulator signs its events with its own test CA and serves the certificate over http on the loopback:
    // the event receiver must trust exactly that, and only for this local run (docs/events-partner-center.md).
    try {
      env['EVENTS_TRUSTED_ROOTS'] ??= simulator.events.testCaPem;
      env['EVENTS_CERTIFICATE_HOSTS'] ??= new URL(simulator.url).hostname;
      env['EVENTS_ALLOW_HTTP_CERTIFICATE_URLS'] ??= 'true';
      simulatorSigns = true;
    } catch {
      // The test CA is made with the openssl command; without it everything but the simulator's events works.
      eventsLine = 'Events: the simulator cannot sign events here (no openssl command), so it sends none';
    }
  }
  // The local host never runs in Azure: subscribers on http://localhost (a demo flow, a test receiver) are allowed.
  env['EVENTS_ALLOW_PRIVATE_DESTINATIONS'] ??= 'true';
  // Durable storage: Azurite unless a storage connection is configured, whatever Partner Center is used. Data is
  // kept in .azurite/, so accepted operations survive a restart of `npm start`.
  let azurite: Azurite | undefined;
  let storageLine: string;
  const wantsRealStorage = [DURABLE_CONNECTION, `${DURABLE_CONNECTION}__queueServiceUri`].some((name) =>
    Boolean(env[name]),
  );
  if (wantsRealStorage) storageLine = `Storage: ${DURABLE_CONNECTION} as configured`;
  else if (env['LOCAL_STORAGE'] === 'none') {
    // For runs that measure the synchronous path alone (the benchmark): no emulator, no queue polling beside it.
    storageLine = 'Storage: none (LOCAL_STORAGE=none); asynchronous calls will answer 503';
  } else {
    try {
      azurite = await startAzurite({ location: join(process.cwd(), '.azurite') });
      env[DURABLE_CONNECTION] = azurite.connectionString;
      storageLine = `Storage: embedded Azurite (queue ${azurite.queueUrl}, table ${azurite.tableUrl}, data in .azurite/; set ${DURABLE_CONNECTION} to use another)`;
    } catch (error) {
      storageLine = `Storage: Azurite did not start (${error instanceof Error ? error.message : String(error)}); asynchronous calls will answer 503`;
    }
  }
  const services = lazyServices(
    env,
    simulator
      ? {
          staticTokenDescription:
            "The embedded simulator's token, made up at start-up: no Partner Center credentials are configured.",
        }
      : {},
  );
  const host = await startLocalHost({ services, port, host: process.env['HOST'] ?? '127.0.0.1' });
  const base = `http://localhost:${new URL(host.url).port}/api`;

  const lines = [
    `referrals-facade listening on ${base}`,
    simulator
      ? `Partner Center: embedded simulator at ${simulator.url} (set PARTNER_CENTER_ACCESS_TOKEN or KEY_VAULT_URL to use the real one)`
      : `Partner Center: ${env['PARTNER_CENTER_BASE_URL'] ?? ''}`,
    storageLine,
  ];
  if (simulator) {
    lines.push(
      'Seeded referrals:',
      `  ${seededIds.incoming}  New/Pending (incoming)`,
      `  ${seededIds.received}  New/Received (incoming)`,
      `  ${seededIds.active}  Active/Accepted`,
      `  ${seededIds.closedWon}  Closed/Won`,
      // Changes nothing the README's examples depend on: they close this referral later, in their own order.
      'Try:',
      `  curl -i -X POST ${base}/referrals/${seededIds.active}/update-details -H 'Content-Type: application/json' -H 'Prefer: return=representation' -d '{"notes":"Tried from the start-up banner"}'`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n`);

  const workerLog = {
    info: (message: string) => process.stdout.write(`${message}\n`),
    error: (message: string) => process.stderr.write(`${message}\n`),
  };
  const storageConfigured = Boolean(env[DURABLE_CONNECTION] || env[`${DURABLE_CONNECTION}__queueServiceUri`]);
  // The two queue triggers the Functions host runs: the asynchronous mode's worker and the events' worker.
  const consumers = storageConfigured
    ? [
        startQueueConsumer({
          queues: async () => (await services().operations().backend()).clients,
          handler: createQueueHandler(services),
          log: workerLog,
        }),
        startQueueConsumer({
          queues: async () => (await services().events().backend()).clients,
          handler: createEventQueueHandler(services),
          log: workerLog,
        }),
      ]
    : [];
  if (simulator && storageConfigured && simulatorSigns) {
    // As `npm run events:register` does against Partner Center: the simulator now signs and sends every change.
    await registerWithSimulator(simulator, `${base}/events/partner-center`);
    process.stdout.write(
      `Events: the simulator is registered with ${base}/events/partner-center; subscribe with POST ${base}/events/subscriptions (docs/event-subscribers.md)\n`,
    );
  }
  if (eventsLine !== undefined) process.stdout.write(`${eventsLine}\n`);

  // The events' reconciliation sweep, on the Functions timer's schedule (every five minutes).
  const runSweep = createSweepHandler(services, () => loadEventSweepSettings(env));
  const sweepTimer = storageConfigured ? startLocalTimer(() => runSweep(workerLog), 5 * 60_000) : undefined;

  const stop = () => {
    void Promise.all([host.close(), ...consumers.map((consumer) => consumer.stop()), sweepTimer?.stop()])
      .then(() => Promise.all([simulator?.close(), azurite?.close()]))
      .then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** Registers the local receiver with the embedded simulator's registration API, with that API's own token. */
async function registerWithSimulator(simulator: Simulator, receiver: string): Promise<void> {
  const response = await fetch(`${simulator.url}/webhooks/v1/registration`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${simulator.registrationAccessToken}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({ WebhookUrl: receiver, WebhookEvents: ['referral-created', 'referral-updated'] }),
  });
  if (!response.ok)
    throw new Error(`the simulator refused the event registration (${String(response.status)})`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `referrals-facade failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
