import { readdirSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import type * as AzureFunctions from '@azure/functions';
import type * as DefineFunction from '../../shared/functions/defineFunction';

const functionsDirectory = join(__dirname, '..', '..', 'functions');
const functionFiles = readdirSync(functionsDirectory).filter((f) => f.endsWith('.ts'));

type Registrations = { method: string; name: string; options: Record<string, unknown> }[];

/** The app hooks a file registers with the host (`app.hook.*`), by hook. */
const hooksByFile = new Map<string, string[]>();

/** Loads one function file in a fresh module registry, as the host loads it, and records what it registers. */
function registrationsOf(file: string): Registrations {
  const registrations: Registrations = [];
  jest.isolateModules(() => {
    // The Functions worker provides this virtual module; its presence is how the app knows it runs in the host.
    jest.doMock('@azure/functions-core', () => ({}), { virtual: true });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { app } = require('@azure/functions') as typeof AzureFunctions;
    for (const method of ['http', 'eventHub', 'timer', 'get', 'post', 'put', 'deleteRequest', 'generic'] as const) {
      jest.spyOn(app, method).mockImplementation(((name: string, options: Record<string, unknown>) => {
        registrations.push({ method, name, options });
      }) as never);
    }
    const hooks: string[] = [];
    hooksByFile.set(file, hooks);
    for (const hook of ['appStart', 'appTerminate', 'preInvocation', 'postInvocation'] as const) {
      jest.spyOn(app.hook, hook).mockImplementation(() => {
        hooks.push(hook);
        return { dispose: () => undefined };
      });
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(join(functionsDirectory, file));
  });
  return registrations;
}

describe('functions/', () => {
  const savedEnvironment = process.env['ARGUS_ENVIRONMENT'];
  beforeAll(() => (process.env['ARGUS_ENVIRONMENT'] = 'local'));
  afterAll(() => {
    if (savedEnvironment === undefined) delete process.env['ARGUS_ENVIRONMENT'];
    else process.env['ARGUS_ENVIRONMENT'] = savedEnvironment;
  });

  it('when listed, then the folder holds at least the health function', () => {
    expect(functionFiles).toContain('health.ts');
  });

  it.each(functionFiles)('when %s is loaded by the host, then it registers exactly one function named after the file', (file) => {
    const registrations = registrationsOf(file);
    expect(registrations).toHaveLength(1);
    expect(registrations[0]?.name).toBe(basename(file, extname(file)));
    expect(typeof registrations[0]?.options['handler']).toBe('function');
  });

  it.each(functionFiles)('when %s is an HTTP function, then the host sees it as anonymous (auth is in-app, by bearer token)', (file) => {
    const [registration] = registrationsOf(file);
    if (registration?.method === 'http') expect(registration.options['authLevel']).toBe('anonymous');
  });

  it.each(['ingestAuditEvents.ts', 'ingestNodeEvents.ts'])('when %s is loaded by the host, then it asks to be told of the app stopping (to write the instance\'s unwritten usage and observations)', (file) => {
    registrationsOf(file);
    expect(hooksByFile.get(file)).toEqual(['appTerminate']);
  });

  it('when an HTTP function is loaded by the host, then it registers no app hook', () => {
    registrationsOf('health.ts');
    expect(hooksByFile.get('health.ts')).toEqual([]);
  });

  it('when event hub and timer definitions are made in the host, then they register through app.eventHub and app.timer', () => {
    jest.isolateModules(() => {
      jest.doMock('@azure/functions-core', () => ({}), { virtual: true });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { app } = require('@azure/functions') as typeof AzureFunctions;
      const eventHub = jest.spyOn(app, 'eventHub').mockImplementation(() => undefined);
      const timer = jest.spyOn(app, 'timer').mockImplementation(() => undefined);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const define = require('../../shared/functions/defineFunction') as typeof DefineFunction;
      const handler = (): Promise<void> => Promise.resolve();
      define.defineEventHubFunction('ingestAuditLogs', { eventHubName: '%AUDIT_HUB%', connection: 'EVENTHUB', cardinality: 'many', handler });
      define.defineTimerFunction('runSimulation', { schedule: '0 0 * * * *', handler });
      expect(eventHub).toHaveBeenCalledWith('ingestAuditLogs', expect.objectContaining({ eventHubName: '%AUDIT_HUB%', cardinality: 'many' }));
      expect(timer).toHaveBeenCalledWith('runSimulation', expect.objectContaining({ schedule: '0 0 * * * *' }));
    });
  });

  it('when a function file is loaded outside the Functions host, then nothing is registered with app', () => {
    jest.isolateModules(() => {
      jest.doMock('@azure/functions-core', () => {
        throw new Error('Cannot find module @azure/functions-core');
      }, { virtual: true });
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const { app } = require('@azure/functions') as typeof AzureFunctions;
      const http = jest.spyOn(app, 'http');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      require(join(functionsDirectory, 'health.ts'));
      expect(http).not.toHaveBeenCalled();
    });
  });

  it('when the host loads the app with a broken production setting, then loading fails naming the setting', () => {
    const saved = { ...process.env };
    process.env['ARGUS_ENVIRONMENT'] = 'production';
    delete process.env['COSMOS__accountEndpoint'];
    try {
      expect(() => registrationsOf('health.ts')).toThrow(/COSMOS__accountEndpoint is required/);
    } finally {
      process.env = saved;
    }
  });
});
