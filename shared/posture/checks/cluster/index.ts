import { type ClusterCheck } from '../../clusterCheck';

/** Every cluster configuration check. A catalogue test checks that each file in this folder is listed here. */
export const clusterChecks: readonly ClusterCheck[] = [
];
