import { type DetectionLists } from './allowLists';

/** The built-in file, socket and agent lists of the node rules (see {@link DetectionLists} for what each means). */
export const nodeHostListDefaults: Pick<
  DetectionLists,
  'sensitiveNodeFiles' | 'credentialReaders' | 'containerRuntimeSockets' | 'runtimeSocketClients' | 'metadataCallers' | 'systemWorkloads'
> = {
  sensitiveNodeFiles: [],
  credentialReaders: [],
  containerRuntimeSockets: [],
  runtimeSocketClients: [],
  metadataCallers: [],
  systemWorkloads: [],
};
