import { type Rule } from '../rule';
import { auditRules } from './audit';
import { nodeRules } from './node';

export { auditRules } from './audit';
export { nodeRules } from './node';

/** Every rule of the library, audit rules first: the engine, the catalogue tests, the CLI, the docs and the simulation read this list. */
export const allRules: readonly Rule[] = [...auditRules, ...nodeRules];
