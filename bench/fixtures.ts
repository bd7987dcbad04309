/**
 * What the benchmark sends: the referrals the simulator holds, and for each scenario the facade request and the
 * Partner Center request it stands for, so the three paths put the same work on the simulator.
 */
import { seedReferrals, seededIds, type Referral } from '../dev/simulator/seed';

/**
 * Enough referrals that add-member's team lists stay short between resets, as real co-sell teams are: a 5 s run
 * at about 6,000 calls a second adds one or two members to each. (With 2,000 they grew to 15 or more, and the
 * facade's reads of those bodies, which the relay does not parse, cost more with every member.)
 */
export const REFERRAL_COUNT = 20_000;
export const UPSTREAM_PATH = '/v1.0/engagements/referrals/';
/** Asks the minimal relay to GET the same URL (and read the reply) before it forwards the request. */
export const RELAY_READ_FIRST_HEADER = 'x-relay-read-first';

export function benchReferralId(index: number): string {
  return `00000000-0000-4000-8000-${String(index % REFERRAL_COUNT).padStart(12, '0')}`;
}

/**
 * `count` Active/Accepted referrals cloned from the seeded one, so every operation is a valid transition; ids
 * are GUIDs whose first group is `prefix`, so two benchmarks' referrals never meet.
 */
export function activeReferrals(count: number, prefix = '00000000'): Referral[] {
  const template = seedReferrals().find((referral) => referral.id === seededIds.active);
  if (!template) throw new Error('the simulator seed has no active referral');
  return Array.from({ length: count }, (_, index) => ({
    ...structuredClone(template),
    id: `${prefix}-0000-4000-8000-${String(index % count).padStart(12, '0')}`,
  }));
}

export function benchReferrals(): Referral[] {
  return activeReferrals(REFERRAL_COUNT);
}

export interface BenchRequest {
  readonly method: 'GET' | 'POST' | 'PATCH';
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export type ScenarioName =
  | 'close-won'
  | 'update-details'
  | 'add-member'
  | 'validation-failure'
  | 'sync-unchanged'
  | 'local-host-floor';

export interface Scenario {
  readonly name: ScenarioName;
  readonly title: string;
  /** The status every path must answer with; anything else is counted as an error. */
  readonly facadeStatus: number;
  readonly upstreamStatus: number;
  /**
   * The facade reads the referral before it writes (add-member, to stay idempotent). The minimal relay is then
   * asked to make the same read first, so both put the same calls on the simulator; see RELAY_READ_FIRST_HEADER.
   */
  readonly readsFirst?: boolean;
  facade(sequence: number): BenchRequest;
  /** The request the facade sends upstream for the same call: what the direct and relay paths send. */
  upstream(sequence: number, accessToken: string): BenchRequest;
}

const correlationId = '6b1f4e52-3c1d-4a8e-9f0a-2d5c7b9e1a34';
const requestId = 'c2a1d0e9-8b7a-4c6d-9e5f-4a3b2c1d0e9f';

function upstreamPatch(sequence: number, accessToken: string, patch: unknown, prefer: boolean): BenchRequest {
  return {
    method: 'PATCH',
    path: UPSTREAM_PATH + benchReferralId(sequence),
    headers: {
      authorization: `Bearer ${accessToken}`,
      accept: 'application/json',
      'content-type': 'application/json',
      'ms-correlationid': correlationId,
      'ms-requestid': requestId,
      ...(prefer ? { prefer: 'return=representation' } : {}),
    },
    body: JSON.stringify(patch),
  };
}

function facadePost(sequence: number, operation: string, body: unknown, prefer: boolean): BenchRequest {
  return {
    method: 'POST',
    path: `/api/referrals/${benchReferralId(sequence)}/${operation}`,
    headers: {
      'content-type': 'application/json',
      ...(prefer ? { prefer: 'return=representation' } : {}),
    },
    body: JSON.stringify(body),
  };
}

/** A distinct member per call, so an idempotent add-member never finds the member already there. */
function member(sequence: number) {
  return {
    email: `seller${String(sequence)}@contoso.com`,
    firstName: 'Jane',
    lastName: 'Doe',
    phoneNumber: '0000000001',
  };
}

export const scenarios: readonly Scenario[] = [
  {
    name: 'close-won',
    title: 'close-won (dealValue, currency)',
    facadeStatus: 204,
    upstreamStatus: 204,
    facade: (sequence) => facadePost(sequence, 'close-won', { dealValue: 10000, currency: 'USD' }, false),
    upstream: (sequence, token) =>
      upstreamPatch(
        sequence,
        token,
        [
          { op: 'replace', path: '/status', value: 'Closed' },
          { op: 'replace', path: '/substatus', value: 'Won' },
          { op: 'replace', path: '/details/dealValue', value: '10000' },
          { op: 'replace', path: '/details/currency', value: 'USD' },
        ],
        false,
      ),
  },
  {
    name: 'update-details',
    title: 'update-details (documented sample 1)',
    facadeStatus: 204,
    upstreamStatus: 204,
    facade: (sequence) =>
      facadePost(
        sequence,
        'update-details',
        { dealValue: '10000', notes: 'Lorem ipsum dolor sit amet.' },
        false,
      ),
    upstream: (sequence, token) =>
      upstreamPatch(
        sequence,
        token,
        [
          { op: 'replace', path: '/details/dealValue', value: '10000' },
          { op: 'replace', path: '/details/notes', value: 'Lorem ipsum dolor sit amet.' },
        ],
        false,
      ),
  },
  {
    name: 'add-member',
    title: 'add-member with Prefer: return=representation (relay: GET, then PATCH)',
    facadeStatus: 200,
    upstreamStatus: 200,
    readsFirst: true,
    facade: (sequence) => facadePost(sequence, 'add-member', member(sequence), true),
    upstream: (sequence, token) =>
      upstreamPatch(sequence, token, [{ op: 'add', path: '/team/-', value: member(sequence) }], true),
  },
  {
    // Every other scenario leaves the currency USD, so this sync finds nothing to change: one read, no write.
    // The comparison is the minimal relay forwarding the same GET.
    name: 'sync-unchanged',
    title: 'sync with nothing to change (facade: GET only; others: the same GET)',
    facadeStatus: 204,
    upstreamStatus: 200,
    facade: (sequence) => facadePost(sequence, 'sync', { currency: 'USD' }, false),
    upstream: (sequence, token) => ({
      method: 'GET',
      path: UPSTREAM_PATH + benchReferralId(sequence),
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        'ms-correlationid': correlationId,
        'ms-requestid': requestId,
      },
      body: '',
    }),
  },
  {
    name: 'validation-failure',
    title: 'validation failure (facade: 400 without upstream; others: upstream 400)',
    facadeStatus: 400,
    upstreamStatus: 400,
    facade: (sequence) => facadePost(sequence, 'close-won', { dealValue: 'ten thousand' }, false),
    upstream: (sequence, token) =>
      upstreamPatch(sequence, token, [{ op: 'remove', path: '/details/dealValue' }], false),
  },
];

/**
 * Not a facade operation: `GET /api/health` through the local host measures what the host and the handler
 * wrapper cost per request on their own (routing, correlation id, the log line), with no body, no validation and
 * no upstream call. Facade path only.
 */
export const localHostFloor: Scenario = {
  name: 'local-host-floor',
  title: 'local host floor: GET /api/health',
  facadeStatus: 200,
  upstreamStatus: 200,
  facade: () => ({ method: 'GET', path: '/api/health', headers: {}, body: '' }),
  upstream: () => {
    throw new Error('the local host floor has no upstream request');
  },
};
