/** Who is calling, as established from a validated Entra ID access token. */
export interface Principal {
  /** The `oid` claim: stable across apps for a user or service principal in its tenant. */
  objectId: string;
  tenantId: string;
  /** A display name for audit trails (`name`, else `preferred_username`, else the object id). */
  displayName: string;
  /** `user` for delegated tokens, `application` for app-only tokens (`idtyp: app`, or no `scp`). */
  kind: 'user' | 'application';
  /** App roles from the `roles` claim, e.g. `Argus.Admin`. */
  appRoles: string[];
}
