import { type WorkloadControl } from '../../workloadControl';

/** Every workload control. A catalogue test checks that each file in this folder is listed here. */
export const workloadControls: readonly WorkloadControl[] = [
];
