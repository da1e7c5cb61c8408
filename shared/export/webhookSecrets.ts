import { type SecretProtector } from '../secrets/secretProtector';
import { type ExportSettings, ExportTargetKind, type WebhookTarget } from './exportTargets';

/**
 * Webhook signing secrets at rest: sealed (shared/secrets/envelope.ts) and bound to their subscription and target
 * name (lower case, as names compare), so a sealed secret copied into another subscription's settings or onto another
 * target does not open. Sealed when the settings are written; opened when a delivery signs.
 */

/** The associated data of a webhook target's secret. */
export function webhookSecretAssociatedData(subscriptionId: string, targetName: string): string {
  return `argus/exportSettings/${subscriptionId.toLowerCase()}/webhook/${targetName.toLowerCase()}/secret`;
}

/** How a target's secret is named in errors and logs (never the secret). */
export function webhookSecretDocument(subscriptionId: string, targetName: string): string {
  return `exportSettings/${subscriptionId} target ${targetName}`;
}

/**
 * The settings with every webhook secret sealed: the ones just made and any a document from before secrets were
 * encrypted still holds in plaintext. Sealed secrets are kept as they are.
 */
export async function sealWebhookSecrets(settings: ExportSettings, protector: SecretProtector): Promise<ExportSettings> {
  const targets = await Promise.all(
    settings.targets.map(async (target) => {
      if (target.kind !== ExportTargetKind.webhook || typeof target.secret !== 'string') return target;
      return { ...target, secret: await protector.seal(target.secret, webhookSecretAssociatedData(settings.subscriptionId, target.name)) };
    }),
  );
  return { ...settings, targets };
}

/** The secret a delivery signs with; a `SecretAccessError` naming the target when it cannot be read. */
export async function openWebhookSecret(protector: SecretProtector, subscriptionId: string, target: WebhookTarget): Promise<string> {
  if (typeof target.secret === 'string') return target.secret;
  return protector.openText(target.secret, webhookSecretAssociatedData(subscriptionId, target.name), webhookSecretDocument(subscriptionId, target.name));
}
