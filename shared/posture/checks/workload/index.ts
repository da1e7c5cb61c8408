import { type WorkloadControl } from '../../workloadControl';
import { pssApparmor } from './pss-apparmor';
import { pssHostProcess } from './pss-host-process';
import { pssHostNamespaces } from './pss-host-namespaces';
import { pssPrivileged } from './pss-privileged';
import { pssCapabilitiesBaseline } from './pss-capabilities-baseline';
import { pssHostPathVolumes } from './pss-host-path-volumes';
import { pssHostPorts } from './pss-host-ports';
import { pssSelinux } from './pss-selinux';
import { pssProcMount } from './pss-proc-mount';
import { pssSeccompBaseline } from './pss-seccomp-baseline';
import { pssSysctls } from './pss-sysctls';
import { pssProbeLifecycleHost } from './pss-probe-lifecycle-host';
import { allowedImages } from './allowed-images';
import { resourceLimits } from './resource-limits';
import { automountServiceAccountToken } from './automount-service-account-token';
import { defaultNamespace } from './default-namespace';
import { readOnlyRootFilesystem } from './read-only-root-filesystem';
import { httpsOnlyIngress } from './https-only-ingress';
import { internalLoadBalancer } from './internal-load-balancer';
import { allowedServicePorts } from './allowed-service-ports';
import { pssVolumeTypes } from './pss-volume-types';
import { pssPrivilegeEscalation } from './pss-privilege-escalation';
import { pssRunAsNonRoot } from './pss-run-as-non-root';
import { pssRunAsNonRootUser } from './pss-run-as-non-root-user';
import { pssSeccompRestricted } from './pss-seccomp-restricted';
import { pssCapabilitiesRestricted } from './pss-capabilities-restricted';

/** Every workload control. A catalogue test checks that each file in this folder is listed here. */
export const workloadControls: readonly WorkloadControl[] = [
  pssApparmor,
  pssHostProcess,
  pssHostNamespaces,
  pssPrivileged,
  pssCapabilitiesBaseline,
  pssHostPathVolumes,
  pssHostPorts,
  pssSelinux,
  pssProcMount,
  pssSeccompBaseline,
  pssSysctls,
  pssProbeLifecycleHost,
  allowedImages,
  resourceLimits,
  automountServiceAccountToken,
  defaultNamespace,
  readOnlyRootFilesystem,
  httpsOnlyIngress,
  internalLoadBalancer,
  allowedServicePorts,
  pssVolumeTypes,
  pssPrivilegeEscalation,
  pssRunAsNonRoot,
  pssRunAsNonRootUser,
  pssSeccompRestricted,
  pssCapabilitiesRestricted,
];
