import { assessCommand } from './assessCommand';
import { assessWorkloadsCommand } from './assessWorkloadsCommand';
import { type CliIo, processIo } from './cliIo';
import { rotateSecretsKeyCommand } from './rotateSecretsKeyCommand';
import { rulesCommand } from './rulesCommand';
import { scanCommand } from './scanCommand';
import { webhookReceiverCommand } from './webhookReceiver';

const USAGE = `Usage: argus <command> [options]

Commands:
  scan <file|directory|->...   scan Kubernetes audit logs and node events (Tetragon exports, Falco
                               alerts) and print the alerts (JSON lines or a table); --incidents
                               adds the incidents they form
  assess <file|directory|->... evaluate the cluster configuration checks over AKS clusters' JSON
                               (az aks show, ARM, Resource Graph) and print the assessments and the
                               secure score (JSON lines or a table)
  assess-workloads <file|directory|->...
                               evaluate the workload controls (Pod Security Standards, Azure Policy)
                               over Kubernetes manifests and print the failing controls per object and
                               the Pod Security level per namespace; --fail-on makes it a CI gate
  rules [--json] [--source audit|node]
                               list the detection rules and their equivalents in other products
  webhook-receiver --secret <whsec_...> [--port 8089] [--host 127.0.0.1]
                               receive webhook deliveries locally and check their signatures
  rotate-secrets-key [--local] [--new-key-version] [--json]
                               re-wrap every stored secret's data key with the newest version of
                               the key-encryption key (Key Vault, or the local key file)

\`argus <command> --help\` shows a command's options.`;

/** The `argus` CLI: dispatches to a subcommand and returns the exit code (0 done, 2 bad usage or unreadable input). */
export async function main(argv: string[], io: CliIo = processIo()): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'scan':
      return scanCommand(rest, io);
    case 'assess':
      return assessCommand(rest, io);
    case 'assess-workloads':
      return assessWorkloadsCommand(rest, io);
    case 'rules':
      return rulesCommand(rest, io);
    case 'webhook-receiver':
      return webhookReceiverCommand(rest, io);
    case 'rotate-secrets-key':
      return rotateSecretsKeyCommand(rest, io);
    case 'help':
    case '--help':
    case '-h':
      io.stdout.write(`${USAGE}\n`);
      return 0;
    case undefined:
      io.stderr.write(`${USAGE}\n`);
      return 2;
    default:
      io.stderr.write(`argus: unknown command '${command}'\n\n${USAGE}\n`);
      return 2;
  }
}

/** Runs the CLI in this process: `argus ... | head` ends quietly, and the exit code is set once the output is flushed. */
export function runCli(argv: string[]): void {
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  main(argv).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      process.stderr.write(`argus: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}

if (require.main === module) runCli(process.argv.slice(2));
