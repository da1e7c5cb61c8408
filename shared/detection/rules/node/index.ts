import { type NodeRule } from '../../rule';

/** Every node rule of the library. A catalogue test checks that each file in this folder is listed here. */
export const nodeRules: readonly NodeRule[] = [
];
