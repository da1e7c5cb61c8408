import { type NodeRule } from '../../rule';
import { cloudMetadataAccess } from './cloud-metadata-access';
import { webShell } from './web-shell';
import { reverseShell } from './reverse-shell';
import { credentialFileAccess } from './credential-file-access';
import { cryptoMiningProcess } from './crypto-mining-process';
import { containerEscapeAttempt } from './container-escape-attempt';
import { downloadAndRun } from './download-and-run';
import { nodePersistence } from './node-persistence';
import { attackToolExecuted } from './attack-tool-executed';
import { kernelModuleLoaded } from './kernel-module-loaded';
import { ptraceAttach } from './ptrace-attach';
import { filelessExecution } from './fileless-execution';
import { privilegeEscalationCommitCreds } from './privilege-escalation-commit-creds';
import { sshServerInContainer } from './ssh-server-in-container';
import { interactiveShellInContainer } from './interactive-shell-in-container';
import { historyOrLogTampering } from './history-or-log-tampering';
import { binaryDrift } from './binary-drift';
import { threatIntelConnection } from './threat-intel-connection';
import { falcoAlert } from './falco-alert';
import { securityToolingDisabled } from './security-tooling-disabled';
import { nodeTestAlert } from './node-test-alert';
import { containerReconnaissanceBurst } from './container-reconnaissance-burst';
import { firstShellInContainer } from './first-shell-in-container';

/** Every node rule of the library. A catalogue test checks that each file in this folder is listed here. */
export const nodeRules: readonly NodeRule[] = [
  cloudMetadataAccess,
  webShell,
  reverseShell,
  credentialFileAccess,
  cryptoMiningProcess,
  containerEscapeAttempt,
  downloadAndRun,
  nodePersistence,
  attackToolExecuted,
  kernelModuleLoaded,
  ptraceAttach,
  filelessExecution,
  privilegeEscalationCommitCreds,
  sshServerInContainer,
  interactiveShellInContainer,
  historyOrLogTampering,
  binaryDrift,
  threatIntelConnection,
  falcoAlert,
  securityToolingDisabled,
  nodeTestAlert,
  containerReconnaissanceBurst,
  firstShellInContainer,
];
