import { type Rule } from '../rule';
import { alertTestTrigger } from './alert-test-trigger';
import { privilegedContainer } from './privileged-container';

/** Every rule of the library. A catalogue test checks that each file in this folder is listed here. */
export const allRules: readonly Rule[] = [
  privilegedContainer,
  alertTestTrigger,
];
