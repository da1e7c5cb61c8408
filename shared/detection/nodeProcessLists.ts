import { type DetectionLists } from './allowLists';

/** The built-in process lists of the node rules (see {@link DetectionLists} for what each means). */
export const nodeProcessListDefaults: Pick<
  DetectionLists,
  'webServers' | 'shells' | 'reconCommands' | 'minerBinaries' | 'attackToolBinaries' | 'securityAgents' | 'downloadTools'
> = {
  webServers: [],
  shells: [],
  reconCommands: [],
  minerBinaries: [],
  attackToolBinaries: [],
  securityAgents: [],
  downloadTools: [],
};
