/**
 * A local Entra ID token endpoint (v2.0) for one tenant and one app: the refresh-token grant, and the device-code
 * flow the bootstrap uses. It issues opaque tokens, remembers which refresh tokens are valid, and rotates: every
 * grant returns a new refresh token while the old one stays valid, as Entra ID does.
 */
import { randomBytes } from 'node:crypto';
import { sendJson, startHttpsServer } from './https-fake';
import type { TestCertificate } from './tls';

export interface TokenCall {
  readonly grantType: string;
  readonly clientId: string;
  readonly scope: string;
  /** The refresh token redeemed, for a refresh-token grant. */
  readonly refreshToken?: string;
}

export interface FakeEntra {
  /** Use as AZURE_AUTHORITY_HOST. */
  readonly url: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly calls: TokenCall[];
  /** Every access and refresh token handed out, to prove none of them is ever logged. */
  readonly issued: string[];
  /** Access tokens to hand out next, in order; after them, `defaultAccessToken`. */
  readonly nextAccessTokens: string[];
  defaultAccessToken: string | undefined;
  accessTokenLifetimeSeconds: number;
  /** While set, the token endpoint answers 503. */
  down: boolean;
  /** Polls a device code must see before the user "signs in". */
  pendingPolls: number;
  /** A refresh token as a bootstrap would have obtained it. */
  mintRefreshToken(): string;
  isValidRefreshToken(token: string): boolean;
  revokeAll(): void;
  exchanges(): number;
  close(): Promise<void>;
}

export interface FakeEntraOptions {
  readonly certificate: TestCertificate;
  readonly accessTokenLifetimeSeconds?: number;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const opaque = (prefix: string) => `${prefix}-${randomBytes(24).toString('base64url')}`;

export async function startFakeEntra(options: FakeEntraOptions): Promise<FakeEntra> {
  const tenantId = '11111111-2222-4333-8444-555555555555';
  const userId = '66666666-7777-4888-9999-000000000000';
  const clientId = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  const clientSecret = opaque('client-secret');
  const valid = new Set<string>();
  const deviceCodes = new Map<string, number>();
  let url = '';

  const mintRefreshToken = () => {
    const token = opaque('rt');
    valid.add(token);
    entra.issued.push(token);
    return token;
  };

  const grant = (scope: string) => {
    const accessToken = entra.nextAccessTokens.shift() ?? entra.defaultAccessToken ?? opaque('at');
    entra.issued.push(accessToken);
    const now = Math.floor(Date.now() / 1_000);
    const idToken = [
      base64url({ typ: 'JWT', alg: 'none' }),
      base64url({
        aud: clientId,
        iss: `${url}/${tenantId}/v2.0`,
        iat: now,
        nbf: now,
        exp: now + 3_600,
        oid: userId,
        sub: userId,
        tid: tenantId,
        preferred_username: 'referrals-integration@contoso.example',
        name: 'Referrals integration',
        ver: '2.0',
      }),
      '',
    ].join('.');
    return {
      token_type: 'Bearer',
      scope: `${scope} openid profile offline_access`,
      expires_in: entra.accessTokenLifetimeSeconds,
      ext_expires_in: entra.accessTokenLifetimeSeconds,
      access_token: accessToken,
      refresh_token: mintRefreshToken(),
      id_token: idToken,
      client_info: base64url({ uid: userId, utid: tenantId }),
    };
  };

  const aadError = (error: string, code: number, description: string) => ({
    error,
    error_description: `AADSTS${String(code)}: ${description}`,
    error_codes: [code],
    timestamp: new Date().toISOString(),
    trace_id: randomBytes(16).toString('hex'),
    correlation_id: randomBytes(16).toString('hex'),
  });

  const server = await startHttpsServer(options.certificate, (request, body, response) => {
    const path = new URL(request.url ?? '/', url).pathname;
    const form = new URLSearchParams(body);
    if (entra.down) {
      sendJson(response, 503, aadError('temporarily_unavailable', 90033, 'Service unavailable.'));
      return;
    }
    if (path === `/${tenantId}/oauth2/v2.0/devicecode`) {
      const deviceCode = opaque('device');
      deviceCodes.set(deviceCode, entra.pendingPolls);
      sendJson(response, 200, {
        user_code: 'FAKE-CODE',
        device_code: deviceCode,
        verification_uri: 'https://microsoft.com/devicelogin',
        expires_in: 900,
        interval: 1,
        message:
          'To sign in, open https://microsoft.com/devicelogin and enter the code FAKE-CODE to authenticate.',
      });
      return;
    }
    if (path !== `/${tenantId}/oauth2/v2.0/token`) {
      sendJson(response, 404, aadError('invalid_request', 90002, 'No such endpoint.'));
      return;
    }
    const grantType = form.get('grant_type') ?? '';
    const scope = (form.get('scope') ?? '').split(' ').find((s) => s.startsWith('https://')) ?? '';
    const refreshToken = form.get('refresh_token') ?? undefined;
    entra.calls.push({
      grantType,
      clientId: form.get('client_id') ?? '',
      scope,
      ...(refreshToken === undefined ? {} : { refreshToken }),
    });
    if (form.get('client_id') !== clientId) {
      sendJson(response, 400, aadError('unauthorized_client', 700016, 'Application not found.'));
      return;
    }
    // msal-node sends the short form; RFC 8628 names the URN. Entra ID takes both.
    if (grantType === 'device_code' || grantType === 'urn:ietf:params:oauth:grant-type:device_code') {
      const code = form.get('device_code') ?? '';
      const pending = deviceCodes.get(code);
      if (pending === undefined) {
        sendJson(response, 400, aadError('expired_token', 70019, 'Verification code expired.'));
      } else if (pending > 0) {
        deviceCodes.set(code, pending - 1);
        sendJson(response, 400, aadError('authorization_pending', 70016, 'Pending end-user authorization.'));
      } else {
        deviceCodes.delete(code);
        sendJson(response, 200, grant(scope));
      }
      return;
    }
    if (grantType !== 'refresh_token') {
      sendJson(response, 400, aadError('unsupported_grant_type', 70003, 'Unsupported grant type.'));
      return;
    }
    if (form.get('client_secret') !== clientSecret) {
      sendJson(response, 401, aadError('invalid_client', 7000215, 'Invalid client secret provided.'));
      return;
    }
    if (!valid.has(refreshToken ?? '')) {
      sendJson(
        response,
        400,
        aadError('invalid_grant', 700082, 'The refresh token has expired due to inactivity.'),
      );
      return;
    }
    sendJson(response, 200, grant(scope));
  });
  url = server.url;

  const entra: FakeEntra = {
    url,
    tenantId,
    clientId,
    clientSecret,
    calls: [],
    issued: [clientSecret],
    nextAccessTokens: [],
    defaultAccessToken: undefined,
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3_600,
    down: false,
    pendingPolls: 1,
    mintRefreshToken,
    isValidRefreshToken: (token) => valid.has(token),
    revokeAll: () => {
      valid.clear();
    },
    exchanges: () => entra.calls.filter((call) => call.grantType === 'refresh_token').length,
    close: () => server.close(),
  };
  return entra;
}
