/**
 * Alert entities in the shape of Defender's alert schema, so SIEM content written for it reads them.
 * Values are redacted by the rules before they get here: never secret values, tokens or env values.
 */
export const EntityType = {
  cluster: 'K8s-cluster',
  namespace: 'K8s-namespace',
  pod: 'K8s-pod',
  workload: 'K8s-workload',
  service: 'K8s-service',
  serviceAccount: 'K8s-serviceaccount',
  role: 'K8s-role',
  roleBinding: 'K8s-rolebinding',
  resource: 'K8s-resource',
  container: 'container',
  image: 'container-image',
  account: 'account',
  ip: 'ip',
  process: 'process',
  file: 'file',
  /** A node (virtual machine) of the cluster, as Defender names hosts. */
  host: 'host',
} as const;
export type EntityType = (typeof EntityType)[keyof typeof EntityType];

export interface AlertEntity {
  type: EntityType;
  /** Name of the object, account, container or file. */
  name?: string;
  namespace?: string;
  /** Kubernetes kind (resource) of a workload or other object: `deployments`, `configmaps`, ... */
  kind?: string;
  /** IP address of an `ip` entity. */
  address?: string;
  /** Image reference of a `container-image` entity. */
  imageId?: string;
  /** Redacted command line of a `process` entity. */
  commandLine?: string;
  /** Port of an `ip` entity (the remote port of a connection). */
  port?: number;
  /** Process id of a `process` entity, as the node saw it. */
  processId?: number;
  /**
   * Where a `process` entity sits in the process tree: `process` (the acting one), `parent`, or `ancestor`;
   * the image's executable path is `name`.
   */
  role?: 'process' | 'parent' | 'ancestor';
  /** Name of the host a `process`, `file` or `container` entity was seen on. */
  hostName?: string;
}
