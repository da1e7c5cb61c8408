import { z } from 'zod';
import { ExportFormat } from '../alerts/export/exportFormat';
import { type BodyValidation } from '../http/parseJsonBody';
import { type SealedSecret } from '../secrets/envelope';
import { checkWebhookUrl } from './webhookUrl';

/**
 * A subscription's push-export targets (continuous export): where every alert creation and change is
 * delivered, in which format. Two kinds: an Event Hub reached with the app's managed identity (what
 * Sentinel, Splunk and QRadar read), and an HTTPS webhook signed with a per-target secret (SOAR).
 */

export const ExportTargetKind = { eventHub: 'eventHub', webhook: 'webhook' } as const;
export type ExportTargetKind = (typeof ExportTargetKind)[keyof typeof ExportTargetKind];

export const MAX_EXPORT_TARGETS = 10;

interface TargetBase {
  /** Unique within the subscription; names the target in dead letters. */
  name: string;
  enabled: boolean;
  format: ExportFormat;
}

export interface EventHubTarget extends TargetBase {
  kind: typeof ExportTargetKind.eventHub;
  fullyQualifiedNamespace: string;
  eventHubName: string;
}

export interface WebhookTarget extends TargetBase {
  kind: typeof ExportTargetKind.webhook;
  url: string;
  /**
   * The HMAC key of `x-argus-signature`: shown once when made, never returned again. Stored sealed (envelope encryption
   * bound to the subscription and target name, see webhookSecrets.ts); a string only between its making and its
   * sealing, or in a document written before secrets were encrypted (sealed on its next write or by the rotation command).
   */
  secret: string | SealedSecret;
  secretCreatedAtUtc: string;
}

export type ExportTarget = EventHubTarget | WebhookTarget;

export interface ExportSettings {
  /** = subscriptionId (one document per subscription). */
  id: string;
  subscriptionId: string;
  targets: ExportTarget[];
  updatedAtUtc: string;
  updatedBy: { principalId: string; principalName: string };
}

/** A target as the API shows it: never the secret. */
export type ExportTargetView = EventHubTarget | (Omit<WebhookTarget, 'secret'> & { hasSecret: true; secret?: string });

/**
 * The Event Hubs service domains of the Azure clouds. The app connects with its managed identity, whose
 * token must never be handed to a host outside Event Hubs, so only these are accepted in production.
 */
const EVENT_HUBS_DOMAINS = ['.servicebus.windows.net', '.servicebus.usgovcloudapi.net', '.servicebus.chinacloudapi.cn'];

const targetName = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/, 'must be 1-63 letters, digits, - and _, starting with a letter or digit');
const format = z.enum(ExportFormat, { error: `must be one of ${Object.values(ExportFormat).join(', ')}` }).default(ExportFormat.json);
const enabled = z.boolean({ error: 'must be true or false' }).default(true);

const eventHubTargetInput = z.strictObject({
  name: targetName,
  kind: z.literal(ExportTargetKind.eventHub),
  enabled,
  format,
  fullyQualifiedNamespace: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .toLowerCase()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?(?:\.[a-z0-9-]+)+$/, 'must be an Event Hubs namespace host name such as contoso-siem.servicebus.windows.net'),
  eventHubName: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .regex(/^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,254}[A-Za-z0-9])?$/, 'must be an Event Hub name (letters, digits, . - and _)'),
});

const webhookTargetInput = z.strictObject({
  name: targetName,
  kind: z.literal(ExportTargetKind.webhook),
  enabled,
  format,
  url: z.string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') }),
  /** A new secret even though the target exists (the old one stops working at once). */
  rotateSecret: z.boolean({ error: 'must be true or false' }).optional(),
});

const targetInput = z.discriminatedUnion('kind', [eventHubTargetInput, webhookTargetInput], {
  error: (issue) => (issue.input === undefined ? 'is required' : `must be one of ${Object.values(ExportTargetKind).join(', ')}`),
});

const settingsInput = z.strictObject({
  targets: z
    .array(targetInput, { error: (issue) => (issue.input === undefined ? 'is required' : 'must be an array of targets') })
    .max(MAX_EXPORT_TARGETS, `must have at most ${MAX_EXPORT_TARGETS} targets`),
});

export type ExportTargetInput = z.infer<typeof targetInput>;

/** Validates a PUT body; the URL and namespace checks depend on the mode (local allows loopback and http). */
export function parseExportSettingsBody(json: object, options: { local: boolean }): BodyValidation<ExportTargetInput[]> {
  const parsed = settingsInput.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.map((part) => (typeof part === 'number' ? `[${part}]` : `.${String(part)}`)).join('').replace(/^\./, '') ?? '';
    return { ok: false, message: `${path || 'body'} ${issue?.message ?? 'is invalid'}.` };
  }
  const { targets } = parsed.data;
  const seen = new Set<string>();
  for (const [index, target] of targets.entries()) {
    const key = target.name.toLowerCase();
    if (seen.has(key)) return { ok: false, message: `targets[${index}].name must be unique; ${target.name} is given twice.` };
    seen.add(key);
    if (target.kind === ExportTargetKind.webhook) {
      const check = checkWebhookUrl(target.url, options);
      if (!check.ok) return { ok: false, message: `targets[${index}].url ${check.problem}` };
    } else if (!options.local && !EVENT_HUBS_DOMAINS.some((domain) => target.fullyQualifiedNamespace.endsWith(domain))) {
      return { ok: false, message: `targets[${index}].fullyQualifiedNamespace must be an Event Hubs namespace (${EVENT_HUBS_DOMAINS.map((d) => `<name>${d}`).join(', ')}).` };
    }
  }
  return { ok: true, value: targets };
}

export interface AppliedExportSettings {
  settings: ExportSettings;
  /** Secrets made by this change, by target name: shown once in the response. */
  newSecrets: Map<string, string>;
}

/**
 * The settings after a PUT (pure but for the secrets it is given a generator for). A webhook target keeps
 * its secret while its name stays, unless `rotateSecret`; a new webhook target gets a new one.
 */
export function applyExportSettings(
  subscriptionId: string,
  current: ExportSettings | undefined,
  targets: readonly ExportTargetInput[],
  change: { by: { principalId: string; principalName: string }; now: Date; generateSecret: () => string },
): AppliedExportSettings {
  const newSecrets = new Map<string, string>();
  const existing = new Map((current?.targets ?? []).map((target) => [target.name.toLowerCase(), target]));
  const next = targets.map((input): ExportTarget => {
    if (input.kind === ExportTargetKind.eventHub) return input;
    const previous = existing.get(input.name.toLowerCase());
    const { rotateSecret, ...target } = input;
    if (previous?.kind === ExportTargetKind.webhook && rotateSecret !== true) {
      return { ...target, secret: previous.secret, secretCreatedAtUtc: previous.secretCreatedAtUtc };
    }
    const secret = change.generateSecret();
    newSecrets.set(input.name, secret);
    return { ...target, secret, secretCreatedAtUtc: change.now.toISOString() };
  });
  return {
    settings: { id: subscriptionId, subscriptionId, targets: next, updatedAtUtc: change.now.toISOString(), updatedBy: change.by },
    newSecrets,
  };
}

/** The settings as the API shows them: secrets left out, except those in `shownOnce` (just made). */
export function toExportSettingsView(subscriptionId: string, settings: ExportSettings | undefined, shownOnce: ReadonlyMap<string, string> = new Map()) {
  return {
    subscriptionId,
    targets: (settings?.targets ?? []).map((target): ExportTargetView => {
      if (target.kind === ExportTargetKind.eventHub) return target;
      const { secret: _secret, ...rest } = target;
      const secret = shownOnce.get(target.name);
      return { ...rest, hasSecret: true, ...(secret === undefined ? {} : { secret }) };
    }),
    ...(settings === undefined ? {} : { updatedAtUtc: settings.updatedAtUtc, updatedBy: settings.updatedBy }),
  };
}
