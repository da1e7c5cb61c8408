import { loadFunctionDefinitions } from '../../local/loadFunctionDefinitions';
import { createMemoryLogger } from '../../local/localLogger';
import { startLocalRuntime, type LocalRuntime, type LocalRuntimeOptions } from '../../local/localRuntime';
import { closedPort } from './localTokens';
import { createTemporaryDirectory } from './temporaryDirectory';

/**
 * The runtime behind `npm start` for end-to-end tests: its own data folder and free ports, and
 * `npm run token` pointed at it (the token command finds the runtime through `PORT` and the data folder).
 * Call `prepare()` first (grants recorded after it are picked up at start), then `start()`, and `stop()`
 * in `afterAll`.
 */
export class LocalRuntimeHarness {
  readonly dataDir = createTemporaryDirectory();
  private readonly savedEnvironment = { ...process.env };
  private started: LocalRuntime | undefined;

  /** Points the token command at this runtime's data folder, with a port where nothing answers yet. */
  async prepare(): Promise<void> {
    process.env['ARGUS_LOCAL_DATA_DIR'] = this.dataDir.path;
    process.env['PORT'] = String(await closedPort());
  }

  /** Starts every function of functions/ (or `definitions`) on free ports; `settings` are added to the test's. */
  async start(options: { settings?: Record<string, string>; definitions?: LocalRuntimeOptions['definitions'] } = {}): Promise<LocalRuntime> {
    this.started = await startLocalRuntime({
      settings: { PORT: '0', ARGUS_LOCAL_COSMOS_PORT: '0', ARGUS_LOCAL_DATA_DIR: this.dataDir.path, ...options.settings },
      logger: createMemoryLogger(),
      definitions: options.definitions ?? loadFunctionDefinitions(),
    });
    return this.started;
  }

  get runtime(): LocalRuntime {
    if (this.started === undefined) throw new Error('start() the runtime first');
    return this.started;
  }

  /** A request to `/api<path>` (or to a full URL such as a nextLink) with the caller's bearer token. */
  call(method: string, pathOrUrl: string, token: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
    return fetch(pathOrUrl.startsWith('http') ? pathOrUrl : `${this.runtime.url}/api${pathOrUrl}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  }

  async stop(): Promise<void> {
    await this.started?.stop();
    process.env = this.savedEnvironment;
    this.dataDir.remove();
  }
}
