/**
 * `npm start`: the facade on http://localhost:7071/api. Without PARTNER_CENTER_BASE_URL (and without
 * KEY_VAULT_URL, which means real credentials for the real Partner Center) it also starts the embedded Partner
 * Center simulator and points the facade at it, so no Azure or Partner Center account is needed.
 */
import { randomBytes } from 'node:crypto';
import { loadLocalPort } from '../../shared/config';
import { lazyServices } from '../../shared/app/services';
import { seededIds } from '../simulator/seed';
import { startSimulator, type Simulator } from '../simulator/server';
import { startLocalHost } from './server';

async function main(): Promise<void> {
  const port = loadLocalPort(process.env);
  const env: Record<string, string | undefined> = { ...process.env };
  let simulator: Simulator | undefined;
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

  const stop = () => {
    void Promise.all([host.close(), simulator?.close()]).then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `referrals-facade failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exit(1);
});
