/**
 * A local Entra ID (v2.0 endpoints) for one tenant and one app registration, refusing what Entra ID refuses. It
 * serves the authorization endpoint (the browser sign-in, which it approves at once), the device-code endpoint
 * and the token endpoint (authorization-code, device-code and refresh-token grants). It issues opaque tokens,
 * remembers which refresh tokens are valid and which kind of client each was issued to, and rotates: every grant
 * returns a new refresh token while the old one stays valid, as Entra ID does.
 *
 * Each rule below names its source. Where Entra ID reports one failure under several codes, the fake uses the one
 * its source shows.
 */
import { X509Certificate, constants, createHash, randomBytes, verify } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { sendJson, startHttpsServer } from './https-fake';
import type { TestCertificate } from './tls';

export type IssuedTo = 'confidential-client' | 'public-client';

export interface TokenCall {
  readonly grantType: string;
  readonly clientId: string;
  readonly scope: string;
  /** How the client authenticated: no credential, a client secret, or a signed client assertion (certificate). */
  readonly clientAuth: 'none' | 'secret' | 'assertion';
  /** The refresh token redeemed, for a refresh-token grant. */
  readonly refreshToken?: string;
}

export interface FakeEntra {
  /** Use as AZURE_AUTHORITY_HOST. */
  readonly url: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** The token endpoint, the audience of a client assertion. */
  readonly tokenEndpoint: string;
  readonly calls: TokenCall[];
  /** The query of every request to the authorization endpoint. */
  readonly authorizeRequests: URLSearchParams[];
  /** Every access and refresh token handed out, to prove none of them is ever logged. */
  readonly issued: string[];
  /** Access tokens to hand out next, in order; after them, `defaultAccessToken`. */
  readonly nextAccessTokens: string[];
  defaultAccessToken: string | undefined;
  accessTokenLifetimeSeconds: number;
  /** Redirect URIs registered under the app's Web platform. */
  readonly redirectUris: string[];
  /** The app registration's "Allow public client flows" (device code, and redemption with no credential). */
  allowPublicClientFlows: boolean;
  /** While set, the token endpoint answers 503. */
  down: boolean;
  /** While set, every request is read and never answered: the connection stays open, as with a hung service. */
  hung: boolean;
  /** Requests received while hung. */
  readonly hungRequests: () => number;
  /** Polls a device code must see before the user "signs in". */
  pendingPolls: number;
  /** The next browser sign-in: approved, or refused by the user. */
  nextSignIn: 'approve' | 'deny';
  /** Uploads a certificate (PEM) to the app registration, as its credential. */
  registerCertificate(certificatePem: string): void;
  /** A refresh token as a bootstrap would have obtained it. */
  mintRefreshToken(issuedTo?: IssuedTo): string;
  isValidRefreshToken(token: string): boolean;
  issuedToOf(token: string): IssuedTo | undefined;
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
const decodeJson = (part: string | undefined): Record<string, unknown> => {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(part ?? '', 'base64url').toString('utf8'));
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
};

interface AuthorizationCode {
  readonly redirectUri: string;
  readonly codeChallenge: string | undefined;
  used: boolean;
}

type ClientAuth =
  | { readonly kind: 'none' | 'secret' | 'assertion' }
  | { readonly kind: 'invalid'; readonly code: number; readonly description: string };

export async function startFakeEntra(options: FakeEntraOptions): Promise<FakeEntra> {
  const tenantId = '11111111-2222-4333-8444-555555555555';
  const userId = '66666666-7777-4888-9999-000000000000';
  const clientId = 'aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee';
  const clientSecret = opaque('client-secret');
  const refreshTokens = new Map<string, IssuedTo>();
  const deviceCodes = new Map<string, number>();
  const authorizationCodes = new Map<string, AuthorizationCode>();
  /** Registered certificates by their SHA-256 thumbprint, base64url, as a client assertion's x5t#S256 names it. */
  const certificates = new Map<string, X509Certificate>();
  const held = new Set<ServerResponse>();
  let url = '';

  const mintRefreshToken = (issuedTo: IssuedTo = 'confidential-client') => {
    const token = opaque('rt');
    refreshTokens.set(token, issuedTo);
    entra.issued.push(token);
    return token;
  };

  const grant = (scope: string, issuedTo: IssuedTo) => {
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
      refresh_token: mintRefreshToken(issuedTo),
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

  /**
   * A client assertion (RFC 7523) as msal-node signs it with a certificate: a JWT whose x5t#S256 names a
   * certificate registered on the app, signed with its key (PS256, or RS256 with a SHA-1 x5t), for the token
   * endpoint, issued by and about the client, not expired. Entra ID answers AADSTS700027 for an unregistered
   * certificate or a bad signature and AADSTS700024 for an assertion outside its validity (Entra ID error-code
   * reference, reference-error-codes.md).
   */
  const checkAssertion = (assertion: string): ClientAuth => {
    const [head, body, signature] = assertion.split('.');
    const header = decodeJson(head);
    const claims = decodeJson(body);
    const thumbprint = header['x5t#S256'];
    const certificate = typeof thumbprint === 'string' ? certificates.get(thumbprint) : undefined;
    const invalid = (code: number, description: string): ClientAuth => ({
      kind: 'invalid',
      code,
      description,
    });
    if (!certificate) return invalid(700027, 'The certificate used to sign the assertion is not registered.');
    const signed = Buffer.from(`${head ?? ''}.${body ?? ''}`);
    const signatureBytes = Buffer.from(signature ?? '', 'base64url');
    const valid =
      header['alg'] === 'PS256'
        ? verify(
            'sha256',
            signed,
            { key: certificate.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
            signatureBytes,
          )
        : header['alg'] === 'RS256' && verify('sha256', signed, certificate.publicKey, signatureBytes);
    if (!valid) return invalid(700027, 'Client assertion failed signature validation.');
    if (claims['aud'] !== entra.tokenEndpoint || claims['iss'] !== clientId || claims['sub'] !== clientId) {
      return invalid(700027, 'Client assertion contains an invalid audience, issuer or subject.');
    }
    const now = Date.now() / 1_000;
    if (typeof claims['exp'] !== 'number' || claims['exp'] < now) {
      return invalid(700024, 'Client assertion is not within its valid time range.');
    }
    return { kind: 'assertion' };
  };

  const clientAuthOf = (form: URLSearchParams): ClientAuth => {
    const secret = form.get('client_secret');
    const assertion = form.get('client_assertion');
    if (secret !== null) {
      return secret === clientSecret
        ? { kind: 'secret' }
        : { kind: 'invalid', code: 7000215, description: 'Invalid client secret provided.' };
    }
    if (assertion !== null) {
      if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
        return { kind: 'invalid', code: 700027, description: 'Unsupported client assertion type.' };
      }
      return checkAssertion(assertion);
    }
    return { kind: 'none' };
  };

  /**
   * The rules that bind a client credential to the kind of client. A confidential client (authorization code
   * through a Web-platform redirect, or its refresh tokens) must authenticate: without a credential Entra ID
   * answers invalid_client AADSTS7000218 (Azure-Samples/active-directory-dotnetcore-console-up-v2#10; the
   * reference notes §1). A public-client token (device code) must be redeemed with no credential: with one,
   * invalid_client AADSTS700025 (canonical/authd#1881, fixed by not sending the secret on refresh in PR #1882;
   * simonrob/email-oauth2-proxy#363). A request with no credential is taken as a public client only when the app
   * allows public client flows; otherwise it is AADSTS7000218 again (console-up-v2#10: the fix was
   * allowPublicClient). A wrong secret is AADSTS7000215.
   */
  const clientRefusal = (auth: ClientAuth, issuedTo: IssuedTo) => {
    if (auth.kind === 'invalid') return aadError('invalid_client', auth.code, auth.description);
    if (issuedTo === 'public-client' && auth.kind !== 'none') {
      return aadError(
        'invalid_client',
        700025,
        "Client is public so neither 'client_assertion' nor 'client_secret' should be presented.",
      );
    }
    if (auth.kind === 'none' && (issuedTo === 'confidential-client' || !entra.allowPublicClientFlows)) {
      return aadError(
        'invalid_client',
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }
    return undefined;
  };

  const pkceChallenge = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

  const server = await startHttpsServer(options.certificate, (request, body, response) => {
    if (entra.hung) {
      held.add(response);
      return;
    }
    const requestUrl = new URL(request.url ?? '/', url);
    const path = requestUrl.pathname;
    if (path === `/${tenantId}/oauth2/v2.0/authorize` && request.method === 'GET') {
      authorize(requestUrl.searchParams, response);
      return;
    }
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
    token(form, response);
  });
  url = server.url;

  /**
   * The browser sign-in. An unknown client or a redirect URI not registered on the app is shown as an error page
   * and never redirected to: AADSTS700016, AADSTS50011 (learn.microsoft.com, "Redirect URI (reply URL)
   * restrictions": Entra ID only redirects to URIs added to the registration, compared exactly). A PKCE
   * challenge must use S256, the method msal-node sends.
   */
  function authorize(query: URLSearchParams, response: ServerResponse): void {
    entra.authorizeRequests.push(query);
    const page = (code: number, description: string) => {
      response.writeHead(400, { 'content-type': 'text/html' });
      response.end(`<html><body>AADSTS${String(code)}: ${description}</body></html>`);
    };
    if (query.get('client_id') !== clientId) {
      page(700016, 'Application not found in the directory.');
      return;
    }
    const redirectUri = query.get('redirect_uri') ?? '';
    if (!entra.redirectUris.includes(redirectUri)) {
      page(
        50011,
        'The redirect URI specified in the request does not match the redirect URIs configured for the application.',
      );
      return;
    }
    const back = new URL(redirectUri);
    const state = query.get('state');
    if (state !== null) back.searchParams.set('state', state);
    const challenge = query.get('code_challenge') ?? undefined;
    const method = query.get('code_challenge_method');
    if (query.get('response_type') !== 'code') {
      back.searchParams.set('error', 'unsupported_response_type');
    } else if (challenge !== undefined && method !== 'S256') {
      back.searchParams.set('error', 'invalid_request');
      back.searchParams.set('error_description', 'AADSTS50149: Invalid code_challenge_method.');
    } else if (entra.nextSignIn === 'deny') {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'AADSTS65004: User declined to consent.');
    } else {
      const code = opaque('code');
      authorizationCodes.set(code, { redirectUri, codeChallenge: challenge, used: false });
      back.searchParams.set('code', code);
    }
    response.writeHead(302, { location: back.toString() });
    response.end();
  }

  function token(form: URLSearchParams, response: ServerResponse): void {
    const grantType = form.get('grant_type') ?? '';
    const scope = (form.get('scope') ?? '').split(' ').find((s) => s.startsWith('https://')) ?? '';
    const refreshToken = form.get('refresh_token') ?? undefined;
    const auth = clientAuthOf(form);
    entra.calls.push({
      grantType,
      clientId: form.get('client_id') ?? '',
      scope,
      clientAuth: auth.kind === 'invalid' ? (form.has('client_secret') ? 'secret' : 'assertion') : auth.kind,
      ...(refreshToken === undefined ? {} : { refreshToken }),
    });
    if (form.get('client_id') !== clientId) {
      sendJson(response, 400, aadError('unauthorized_client', 700016, 'Application not found.'));
      return;
    }
    const refuse = (status: number, error: ReturnType<typeof aadError>) => {
      sendJson(response, status, error);
    };

    if (grantType === 'authorization_code') {
      // A code from a Web-platform redirect belongs to a confidential client.
      const refusal = clientRefusal(auth, 'confidential-client');
      if (refusal) {
        refuse(401, refusal);
        return;
      }
      const code = authorizationCodes.get(form.get('code') ?? '');
      if (!code || code.used) {
        // AADSTS54005: a code is redeemed once (Entra ID error-code reference).
        refuse(
          400,
          aadError('invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed or is unknown.'),
        );
        return;
      }
      code.used = true;
      // The redirect URI must be the one the code was issued for (PartnerCenterSamples/Reseller-Web-Application#73:
      // "AADSTS50011: The reply address ... does not match the reply address provided when requesting
      // Authorization code").
      if (form.get('redirect_uri') !== code.redirectUri) {
        refuse(
          400,
          aadError(
            'invalid_grant',
            50011,
            'The reply address does not match the reply address provided when requesting the authorization code.',
          ),
        );
        return;
      }
      // PKCE (RFC 7636 S256): AADSTS501481 "The Code_Verifier does not match the code_challenge supplied in the
      // authorization request" (MicrosoftDocs/entra-docs#1538; AzureAD/microsoft-authentication-library-for-js#2694).
      if (
        code.codeChallenge !== undefined &&
        pkceChallenge(form.get('code_verifier') ?? '') !== code.codeChallenge
      ) {
        refuse(
          400,
          aadError(
            'invalid_grant',
            501481,
            'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
          ),
        );
        return;
      }
      sendJson(response, 200, grant(scope, 'confidential-client'));
      return;
    }

    // msal-node sends the short form; RFC 8628 names the URN. Entra ID takes both.
    if (grantType === 'device_code' || grantType === 'urn:ietf:params:oauth:grant-type:device_code') {
      const refusal = clientRefusal(auth, 'public-client');
      if (refusal) {
        refuse(401, refusal);
        return;
      }
      const code = form.get('device_code') ?? '';
      const pending = deviceCodes.get(code);
      if (pending === undefined) {
        refuse(400, aadError('expired_token', 70019, 'Verification code expired.'));
      } else if (pending > 0) {
        deviceCodes.set(code, pending - 1);
        refuse(400, aadError('authorization_pending', 70016, 'Pending end-user authorization.'));
      } else {
        deviceCodes.delete(code);
        sendJson(response, 200, grant(scope, 'public-client'));
      }
      return;
    }

    if (grantType !== 'refresh_token') {
      refuse(400, aadError('unsupported_grant_type', 70003, 'Unsupported grant type.'));
      return;
    }
    const issuedTo = refreshTokens.get(refreshToken ?? '');
    // An unknown token is refused as invalid_grant whoever asks; a known one is bound to its kind of client.
    const refusal = clientRefusal(
      auth,
      issuedTo ?? (auth.kind === 'none' ? 'public-client' : 'confidential-client'),
    );
    if (refusal) {
      refuse(401, refusal);
      return;
    }
    if (issuedTo === undefined) {
      refuse(400, aadError('invalid_grant', 700082, 'The refresh token has expired due to inactivity.'));
      return;
    }
    sendJson(response, 200, grant(scope, issuedTo));
  }

  const entra: FakeEntra = {
    url,
    tenantId,
    clientId,
    clientSecret,
    tokenEndpoint: `${url}/${tenantId}/oauth2/v2.0/token`,
    calls: [],
    authorizeRequests: [],
    issued: [clientSecret],
    nextAccessTokens: [],
    defaultAccessToken: undefined,
    accessTokenLifetimeSeconds: options.accessTokenLifetimeSeconds ?? 3_600,
    redirectUris: [],
    allowPublicClientFlows: false,
    down: false,
    hung: false,
    hungRequests: () => held.size,
    pendingPolls: 1,
    nextSignIn: 'approve',
    registerCertificate: (certificatePem) => {
      const certificate = new X509Certificate(certificatePem);
      certificates.set(
        Buffer.from(certificate.fingerprint256.replaceAll(':', ''), 'hex').toString('base64url'),
        certificate,
      );
    },
    mintRefreshToken,
    isValidRefreshToken: (token) => refreshTokens.has(token),
    issuedToOf: (token) => refreshTokens.get(token),
    revokeAll: () => {
      refreshTokens.clear();
    },
    exchanges: () => entra.calls.filter((call) => call.grantType === 'refresh_token').length,
    close: async () => {
      for (const response of held) response.destroy();
      held.clear();
      await server.close();
    },
  };
  return entra;
}
