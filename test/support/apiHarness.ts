import { type ClusterSource } from '../../shared/azure/clusterSource';
import { type PolicyStateSource } from '../../shared/azure/policyStateSource';
import { setClusterSourceForTests, setPolicyStateSourceForTests } from '../../shared/services';
import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { SignJWT } from 'jose';
import { LOCAL_AUDIENCE, LOCAL_TENANT_ID, localIssuer } from '../../shared/config';
import { type SubscriptionRole } from '../../shared/auth/roles';
import { upsertRoleAssignment } from '../../shared/store/roleAssignmentStore';
import { applyAppSettings } from './appSettings';
import { httpRequest, invocationContext } from './httpRequests';
import { createTestSigningKey, startJwksServer, type JwksServer, type TestSigningKey } from './testKeys';
import { startTestCosmos, type TestCosmos } from './testCosmos';

export type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

export interface TestCaller {
  objectId: string;
  name: string;
  appRoles?: string[];
  /** `application`: an app-only token of a service principal (client credentials: `idtyp: app`, no `scp`). */
  kind?: 'user' | 'application';
}

/** A reader, an admin and an owner of one subscription, and a stranger who holds a role only in another. */
export interface RoleCast {
  reader: TestCaller;
  admin: TestCaller;
  owner: TestCaller;
  stranger: TestCaller;
}

/** The usual cast, with object ids distinct per `prefix` (one hex digit) so test files never share callers. */
export function roleCast(prefix: string): RoleCast {
  const caller = (n: number, name: string): TestCaller => ({ objectId: `${prefix}0000000-0000-4000-8000-00000000000${n}`, name });
  return { reader: caller(1, 'Riley Reader'), admin: caller(2, 'Ada Admin'), owner: caller(3, 'Olu Owner'), stranger: caller(4, 'Sam Stranger') };
}

export interface CallOptions {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
  headers?: Record<string, string>;
  /** Who calls; `null` sends no token. */
  as: TestCaller | null;
}

const NO_POLICY_STATES: PolicyStateSource = {
  listComponentPolicyStates: (clusterResourceId) => Promise.resolve({ ok: true, clusterResourceId, states: [] }),
};

const NO_CLUSTERS: ClusterSource = {
  listClusters: () => Promise.resolve({ clusters: [], problems: [] }),
  factsOf: (_cluster, now) => Promise.resolve({ now }),
};

/**
 * The real parts behind the HTTP functions for component tests: the in-process Cosmos server through the
 * real SDK, a JWKS server with a test key, real RS256 tokens, and the app settings pointing at them.
 * Call `start()` in `beforeAll` and `stop()` in `afterAll`.
 */
export class ApiHarness {
  cosmos!: TestCosmos;
  private key!: TestSigningKey;
  private jwks!: JwksServer;
  private restore: (() => void) | undefined;

  async start(): Promise<this> {
    this.cosmos = await startTestCosmos();
    this.key = await createTestSigningKey('api-test-key');
    this.jwks = await startJwksServer([this.key.publicJwk]);
    this.restore = applyAppSettings({
      ARGUS_ENVIRONMENT: 'local',
      COSMOS__accountEndpoint: this.cosmos.server.endpoint,
      AUTH_JWKS_URI: this.jwks.url,
    });
    // Enabling a plan refreshes its assessments: without a source of its own, a test sees a subscription without
    // clusters (the default source would reach for ARM). Tests that need clusters set theirs after start().
    setClusterSourceForTests(NO_CLUSTERS);
    setPolicyStateSourceForTests(NO_POLICY_STATES);
    return this;
  }

  async stop(): Promise<void> {
    setClusterSourceForTests(undefined);
    setPolicyStateSourceForTests(undefined);
    this.restore?.();
    await this.jwks.close();
    await this.cosmos.close();
  }

  get database() {
    return this.cosmos.database;
  }

  /** A real RS256 access token for the caller, as Entra ID would issue it to the Argus API. */
  async tokenFor(caller: TestCaller, expiresInSeconds = 600): Promise<string> {
    const delegation = caller.kind === 'application' ? { idtyp: 'app', azp: caller.objectId } : { scp: 'user_impersonation', name: caller.name };
    return new SignJWT({ oid: caller.objectId, tid: LOCAL_TENANT_ID, ...delegation, roles: caller.appRoles ?? [] })
      .setProtectedHeader({ alg: 'RS256', kid: this.key.kid })
      .setIssuer(localIssuer(LOCAL_TENANT_ID))
      .setAudience(LOCAL_AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresInSeconds)
      .sign(this.key.privateKey);
  }

  /** Records a role assignment directly in the store (test setup). */
  async grant(subscriptionId: string, caller: TestCaller, role: SubscriptionRole): Promise<void> {
    const now = new Date().toISOString();
    await upsertRoleAssignment(this.database, {
      id: caller.objectId,
      subscriptionId,
      principalId: caller.objectId,
      role,
      principalName: caller.name,
      createdAtUtc: now,
      createdBy: { principalId: 'test-setup', principalName: 'test setup' },
      updatedAtUtc: now,
    });
  }

  /** Grants the cast its roles: reader, admin and owner in `subscriptionId`, the stranger `strangerRole` in `otherSubscriptionId`. */
  async grantCast(cast: RoleCast, subscriptionId: string, otherSubscriptionId: string, strangerRole: SubscriptionRole = 'Owner'): Promise<void> {
    await Promise.all([
      this.grant(subscriptionId, cast.reader, 'SecurityReader'),
      this.grant(subscriptionId, cast.admin, 'SecurityAdmin'),
      this.grant(subscriptionId, cast.owner, 'Owner'),
      this.grant(otherSubscriptionId, cast.stranger, strangerRole),
    ]);
  }

  /** Calls a handler as the Functions host would, with route params, query, JSON body and the caller's token. */
  async call(handler: Handler, method: string, path: string, options: CallOptions): Promise<HttpResponseInit & { context: ReturnType<typeof invocationContext> }> {
    const query = options.query === undefined ? '' : `?${new URLSearchParams(options.query).toString()}`;
    const headers: Record<string, string> = { ...options.headers };
    if (options.as !== null) headers.authorization = `Bearer ${await this.tokenFor(options.as)}`;
    if (options.body !== undefined) headers['content-type'] ??= 'application/json';
    const context = invocationContext(handler.name || 'handler');
    const response = await handler(
      httpRequest(method, `${path}${query}`, {
        headers,
        params: options.params ?? {},
        ...(options.body === undefined ? {} : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
      }),
      context,
    );
    return { ...response, context };
  }
}

/** Asserts the API's answer to a bad parameter: 400 `InvalidParameter` whose message starts with the parameter's name. */
export function expectInvalidParameter(response: HttpResponseInit, name: string): void {
  expect(response.status).toBe(400);
  expect(response.jsonBody).toMatchObject({ error: { code: 'InvalidParameter', message: expect.stringMatching(new RegExp(`^${name} `)) as string } });
}
