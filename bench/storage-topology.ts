/**
 * What the storage benchmarks (the asynchronous mode, the events hub) stand on: Azurite as a child process and the
 * simulator holding 256 Active/Accepted referrals of their own, with the settings that point a facade at both.
 */
import type { Referral } from '../dev/simulator/seed';
import { startSimulator, type Simulator } from '../dev/simulator/server';
import { startAzurite, type Azurite } from '../dev/storage/azurite';
import { activeReferrals } from './fixtures';

export const STORAGE_BENCH_REFERRALS = 256;

export interface StorageTopology {
  readonly azurite: Azurite;
  readonly simulator: Simulator;
  readonly referrals: readonly Referral[];
  /** PARTNER_CENTER_BASE_URL, the token and DURABLE_STORAGE. */
  readonly env: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/** `idPrefix` keeps one benchmark's referral ids apart from another's. */
export async function startStorageTopology(idPrefix: string): Promise<StorageTopology> {
  const azurite = await startAzurite();
  const accessToken = 'bench-token';
  const referrals = activeReferrals(STORAGE_BENCH_REFERRALS, idPrefix);
  const simulator = await startSimulator({ accessToken, referrals, maxRecordedCalls: 1_000 });
  return {
    azurite,
    simulator,
    referrals,
    env: {
      PARTNER_CENTER_BASE_URL: simulator.url,
      PARTNER_CENTER_ACCESS_TOKEN: accessToken,
      DURABLE_STORAGE: azurite.connectionString,
    },
    close: async () => {
      await simulator.close();
      await azurite.close();
    },
  };
}
