import { readFileSync } from 'node:fs';
import { findFileUpwards } from '../shared/findFileUpwards';

/** The parts of host.json the local runtime honours, with the Functions host's defaults. */
export interface HostSettings {
  routePrefix: string;
  maxEventBatchSize: number;
}

/** The app's host.json: the repository root, from the sources or from dist/. */
export function findHostJson(): string {
  const path = findFileUpwards('host.json', __dirname);
  if (!path) throw new Error('host.json not found above ' + __dirname);
  return path;
}

export function readHostSettings(path: string): HostSettings {
  const json = JSON.parse(readFileSync(path, 'utf8')) as {
    extensions?: { http?: { routePrefix?: unknown }; eventHubs?: { maxEventBatchSize?: unknown } };
  };
  const routePrefix = json.extensions?.http?.routePrefix;
  const batch = json.extensions?.eventHubs?.maxEventBatchSize;
  return {
    routePrefix: typeof routePrefix === 'string' ? routePrefix.replace(/^\/+|(?<!\/)\/+$/g, '') : 'api',
    maxEventBatchSize: typeof batch === 'number' && Number.isInteger(batch) && batch > 0 ? batch : 100,
  };
}
