import { type DetectionLists } from '../detection/allowLists';

/** The threat lists bundled with Argus (data under shared/intel/data, each with its source, license and date). */
export const bundledThreatLists: Pick<DetectionLists, 'miningPoolDomains' | 'miningPoolPorts' | 'threatIntelAddresses' | 'threatIntelDomains'> = {
  miningPoolDomains: [],
  miningPoolPorts: [],
  threatIntelAddresses: [],
  threatIntelDomains: [],
};
