import { type AuditEvent } from '../../kubernetes/auditEvent';
import { type AlertEntity, EntityType } from '../entities';
import { redactText } from '../redaction';
import { requestEntities } from '../requestEntities';
import { queryValues } from './requests';

/**
 * Command lines run through the API server (`kubectl exec`), and what they look like: a reverse shell,
 * a download-and-run, a call to the cloud metadata endpoint, a read of credentials. Pure and total.
 */

/** The arguments of an exec request: one `command` query parameter per argument, decoded. */
export function execCommandArgs(event: AuditEvent): string[] {
  return queryValues(event, 'command');
}

/** Arguments joined for display: an argument with white space (the script of `sh -c`) is quoted. Not redacted. */
export function displayCommandLine(args: readonly string[]): string {
  return args.map((arg) => (/[\s"]/.test(arg) || arg === '' ? JSON.stringify(arg) : arg)).join(' ');
}

/** The container an exec, attach or port-forward request names (`container` query parameter). */
export function streamContainerName(event: AuditEvent): string | undefined {
  return queryValues(event, 'container')[0];
}

/** The redacted command line of an exec request, for alerts; undefined when there is no command (attach). */
export function redactedExecCommand(event: AuditEvent): string | undefined {
  const args = execCommandArgs(event);
  return args.length === 0 ? undefined : redactText(displayCommandLine(args));
}

/** The entities of an exec or attach alert: the request's, the named container and the command as a process. */
export function execEntities(event: AuditEvent): AlertEntity[] {
  const entities = requestEntities(event);
  const containerName = streamContainerName(event);
  if (containerName !== undefined) entities.push({ type: EntityType.container, name: containerName });
  const commandLine = redactedExecCommand(event);
  if (commandLine !== undefined) entities.push({ type: EntityType.process, commandLine });
  return entities;
}

export const CommandCategory = {
  reverseShell: 'reverseShell',
  downloadAndRun: 'downloadAndRun',
  cloudMetadata: 'cloudMetadata',
  credentialAccess: 'credentialAccess',
} as const;
export type CommandCategory = (typeof CommandCategory)[keyof typeof CommandCategory];

/** How a category reads in an alert. */
export const commandCategoryLabels: Readonly<Record<CommandCategory, string>> = {
  reverseShell: 'reverse shell',
  downloadAndRun: 'download and run',
  cloudMetadata: 'cloud metadata endpoint',
  credentialAccess: 'credential access',
};

/** One indicator that matched: its category and a short name for the analyst. */
export interface CommandMatch {
  category: CommandCategory;
  indicator: string;
}

interface CommandIndicator {
  category: CommandCategory;
  indicator: string;
  /** All must match the normalized line (case-insensitive). */
  patterns: readonly RegExp[];
}

// Every pattern below runs in time linear in the line (test/shared/redos.test.ts checks them with recheck). Hence: a
// word before a program name is `[^\s|;&]*`, not `\S*` (which would run on past pipes); the rest of a pipeline stage
// after a program name stops at the next occurrence of the name (`*_STAGE`: `name[^|;&]*` would rescan the stage from
// every occurrence, quadratic; the last occurrence sees the same text); option words are `-[\w-]*`, so that no
// program name hides inside one.
const SHELL_NAME = String.raw`\b(?:ba|da|z|k|c|tc|a)?sh\b`;
const INTERPRETER_NAME = String.raw`\b(?:python[\d.]*|perl|ruby|php[\d.]*|node|lua)\b`;
/** A shell as the program of a pipeline stage: `sh`, `/bin/bash`, `/usr/bin/env bash`. */
const SHELL = String.raw`(?:[^\s|;&]*\benv\s+)?(?:[^\s|;&]*/|\b)(?:ba|da|z|k|c|tc|a)?sh\b`;
const INTERPRETER = String.raw`(?:[^\s|;&]*\benv\s+)?(?:[^\s|;&]*/|\b)(?:python[\d.]*|perl|ruby|php[\d.]*|node|lua)\b`;
const DOWNLOADER = String.raw`\b(?:curl|wget)\b`;
const NETCAT = String.raw`\b(?:nc|ncat|netcat|nc\.traditional|nc\.openbsd)\b`;
const NETWORK_CLIENT = String.raw`\b(?:nc|ncat|netcat|telnet|openssl\s+s_client)\b`;
const SOCAT = String.raw`\bsocat\b`;
const NETCAT_STAGE = String.raw`${NETCAT}(?:(?!${NETCAT})[^|;&])*`;
const NETWORK_CLIENT_STAGE = String.raw`${NETWORK_CLIENT}(?:(?!${NETWORK_CLIENT})[^|;&])*`;
const SOCAT_STAGE = String.raw`${SOCAT}(?:(?!${SOCAT})[^|;&])*`;
const DOWNLOADER_STAGE = String.raw`${DOWNLOADER}(?:(?!${DOWNLOADER})[^|;&])*`;

const indicators: readonly CommandIndicator[] = [
  // Reverse shells.
  { category: CommandCategory.reverseShell, indicator: 'shell redirected to /dev/tcp or /dev/udp', patterns: [/\/dev\/(?:tcp|udp)\/[^\s/]+\/\d+/i] },
  {
    category: CommandCategory.reverseShell,
    indicator: 'netcat running a program (-e/-c/--exec)',
    patterns: [new RegExp(String.raw`${NETCAT_STAGE}\s(?:-[a-z]*[ec]\b|--(?:sh-|lua-)?exec\b)`, 'i')],
  },
  { category: CommandCategory.reverseShell, indicator: 'socat exec/system address', patterns: [new RegExp(String.raw`${SOCAT_STAGE}\b(?:exec|system):`, 'i')] },
  {
    category: CommandCategory.reverseShell,
    indicator: 'network client piped into a shell',
    patterns: [new RegExp(String.raw`${NETWORK_CLIENT_STAGE}\|\s*(?:sudo\s+)?${SHELL}`, 'i')],
  },
  {
    category: CommandCategory.reverseShell,
    indicator: 'named pipe wired to a shell or network client',
    patterns: [/\bmk(?:fifo|nod)\b/i, /\b(?:nc|ncat|netcat|telnet|openssl|socat)\b|\b(?:ba)?sh\s+-i\b/i],
  },
  {
    category: CommandCategory.reverseShell,
    indicator: 'scripting-language socket wired to a shell',
    patterns: [
      new RegExp(INTERPRETER_NAME, 'i'),
      /\bsocket\b|TCPSocket|fsockopen|net\.Socket|net\.connect/i,
      /dup2|pty\.spawn|subprocess|\bexec\b|popen|\bspawn\b|\/bin\/(?:ba)?sh|\bsh\s+-i\b/i,
    ],
  },
  // Download and run.
  {
    category: CommandCategory.downloadAndRun,
    indicator: 'download piped into a shell or interpreter',
    patterns: [new RegExp(String.raw`${DOWNLOADER_STAGE}\|\s*(?:sudo\s+)?(?:${SHELL}|${INTERPRETER})`, 'i')],
  },
  {
    category: CommandCategory.downloadAndRun,
    indicator: 'download run through command substitution',
    patterns: [new RegExp(String.raw`(?:\beval|\bsource|\.|${SHELL_NAME}(?:\s+-c)?)\s+(?:\$\(|<\(|\x60)\s*${DOWNLOADER}`, 'i')],
  },
  {
    category: CommandCategory.downloadAndRun,
    indicator: 'download made executable',
    patterns: [new RegExp(String.raw`${DOWNLOADER}(?:(?!${DOWNLOADER}).)*(?<![\w-])chmod\s+(?:-[\w-]*\s+)*(?:[ugoa]*\+[rw]*x|[0-7]?[1357][0-7]{2})\b`, 'i')],
  },
  // Cloud metadata endpoints (instance identity tokens).
  {
    category: CommandCategory.cloudMetadata,
    indicator: 'instance metadata service address',
    patterns: [/169\.254\.169\.254|\bfd00:ec2::254\b|\b2852039166\b|0xa9fea9fe|169\.254\.170\.2\b|100\.100\.100\.200/i],
  },
  { category: CommandCategory.cloudMetadata, indicator: 'GCP metadata server', patterns: [/metadata\.google\.internal/i] },
  { category: CommandCategory.cloudMetadata, indicator: 'Azure WireServer', patterns: [/168\.63\.129\.16\b/] },
  { category: CommandCategory.cloudMetadata, indicator: 'managed identity token endpoint', patterns: [/\/metadata\/identity\/oauth2\/token/i] },
  // Credentials.
  {
    category: CommandCategory.credentialAccess,
    indicator: 'service-account token',
    patterns: [/\/run\/secrets\/kubernetes\.io\/serviceaccount(?!\/(?:ca\.crt|namespace)\b)|\/run\/secrets\/eks\.amazonaws\.com\/serviceaccount/i],
  },
  { category: CommandCategory.credentialAccess, indicator: 'Azure workload identity token', patterns: [/\/run\/secrets\/azure\/tokens\b/i] },
  { category: CommandCategory.credentialAccess, indicator: 'kubeconfig', patterns: [/\.kube\/config\b/i] },
  {
    category: CommandCategory.credentialAccess,
    indicator: 'node Kubernetes credentials',
    patterns: [
      /\/etc\/kubernetes\/(?:azure\.json|admin\.conf|kubelet\.conf|bootstrap-kubelet\.conf|controller-manager\.conf|scheduler\.conf|pki\b)|\/var\/lib\/kubelet\/(?:kubeconfig|pki\b)/i,
    ],
  },
  { category: CommandCategory.credentialAccess, indicator: 'password hashes', patterns: [/\/etc\/g?shadow\b/i] },
  {
    category: CommandCategory.credentialAccess,
    indicator: 'cloud CLI credentials',
    patterns: [/\.aws\/credentials\b|\.azure\/(?:accessTokens\.json|msal_token_cache)|\.config\/gcloud\b|application_default_credentials\.json|\.docker\/config\.json/i],
  },
  { category: CommandCategory.credentialAccess, indicator: 'SSH keys', patterns: [/\/root\/\.ssh\b|~\/\.ssh\b|\.ssh\/(?:id_[a-z0-9_]+|authorized_keys)\b/i] },
];

/** Longest command line classified; longer ones are cut (the patterns look for short fragments). */
const MAX_CLASSIFIED_LENGTH = 16_384;

/**
 * Undoes cheap shell obfuscation before matching: quotes and backslashes inside words (`c''url`, `c\url`)
 * and `$IFS` used as a space.
 */
export function normalizeCommandLine(commandLine: string): string {
  return commandLine
    .slice(0, MAX_CLASSIFIED_LENGTH)
    .replace(/\$\{IFS\}|\$IFS\b/g, ' ')
    .replace(/["'\\]/g, '');
}

/** Every indicator the command line shows, in a stable order; empty for an ordinary command. */
export function classifyCommandLine(commandLine: string): CommandMatch[] {
  const line = normalizeCommandLine(commandLine);
  return indicators
    .filter((candidate) => candidate.patterns.every((pattern) => pattern.test(line)))
    .map(({ category, indicator }) => ({ category, indicator }));
}

/** The distinct categories of some matches, in the order they were found. */
export function categoriesOf(matches: readonly CommandMatch[]): CommandCategory[] {
  return [...new Set(matches.map((match) => match.category))];
}
