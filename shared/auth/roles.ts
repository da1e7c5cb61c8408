/** Roles per subscription, strongest first: Owner > SecurityAdmin > SecurityReader. */
export const SubscriptionRole = {
  Owner: 'Owner',
  SecurityAdmin: 'SecurityAdmin',
  SecurityReader: 'SecurityReader',
} as const;
export type SubscriptionRole = (typeof SubscriptionRole)[keyof typeof SubscriptionRole];

export const subscriptionRoles: readonly SubscriptionRole[] = Object.values(SubscriptionRole);

/** The Entra app role of operators who may manage role assignments in any subscription (bootstrap). */
export const ADMIN_APP_ROLE = 'Argus.Admin';
