import { type NodeEvent, NodeEventType, type NodeProcess } from '../../node/nodeEvent';
import { type DetectionContext } from '../detectionContext';
import { type PatternList } from '../patternList';

/**
 * Small, well-named facts about the processes of a node event: names, arguments, lineage, where the process
 * runs (container or host) and whether its workload belongs to the platform. Pure and total: every function
 * accepts the odd events sensors send (no binary, no arguments, no parent).
 */

/** The last component of a path (`/usr/bin/bash` -> `bash`); the path itself when it has no `/`. */
export function baseName(path: string): string {
  const trimmed = path.endsWith('/') ? path.replace(/(?<!\/)\/+$/, '') : path;
  const slash = trimmed.lastIndexOf('/');
  return slash === -1 ? trimmed : trimmed.slice(slash + 1);
}

/** The file name of the process's binary (`bash`); `''` when the sensor did not say. */
export function processName(process: NodeProcess | undefined): string {
  return process === undefined ? '' : processView(process).name;
}

/**
 * True when a process list names the process: node lists match a binary by its full path or its file name,
 * so an entry can be `bash` (anywhere) or `/tmp/*` (a location).
 */
export function processInList(process: NodeProcess | undefined, list: PatternList): boolean {
  if (process === undefined || process.binary === '') return false;
  return list.matches(process.binary) || list.matches(processView(process).name);
}

/** The list entry that names the process, for explaining an alert. */
export function findProcessInList(process: NodeProcess | undefined, list: PatternList): string | undefined {
  if (process === undefined || process.binary === '') return undefined;
  return list.find(process.binary) ?? list.find(processView(process).name);
}

/** Interpreters whose script, not the interpreter, says what the process is (WALinuxAgent and cloud-init are Python). */
const IDENTITY_INTERPRETER = /^(python[0-9.]*|perl[0-9.]*)$/;

/**
 * The names a node allow-list may know a process by: its binary's path and file name, and for an interpreter
 * its script's path and file name (`python3 -u /usr/sbin/waagent -run-exthandlers` is `/usr/sbin/waagent`) or
 * the module it runs (`python3 -m azure.cli` is `azure.cli`). A script named without a directory is not
 * counted: it could be any file in the working directory.
 */
export function processIdentities(process: NodeProcess | undefined): readonly string[] {
  if (process === undefined || process.binary === '') return [];
  return processView(process).identities;
}

function computeIdentities(process: NodeProcess): string[] {
  const names = [process.binary, baseName(process.binary)];
  if (IDENTITY_INTERPRETER.test(baseName(process.binary))) {
    const args = argumentList(process);
    const moduleFlag = args.indexOf('-m');
    const module = moduleFlag === -1 ? undefined : args[moduleFlag + 1];
    const script = args.find((word) => !word.startsWith('-'));
    if (module !== undefined) names.push(module);
    else if (script !== undefined && script.includes('/')) names.push(script, baseName(script));
  }
  return names;
}

/**
 * True when a node allow-list names the process by one of its {@link processIdentities}: like {@link processInList},
 * and also an interpreted agent by its script or module (`python3 /usr/sbin/waagent`, `python3 -m azure.cli`).
 */
export function isListedProcess(process: NodeProcess | undefined, list: PatternList): boolean {
  const names = processIdentities(process);
  for (const name of names) if (list.matches(name)) return true;
  return false;
}

/** Where a distribution installs its programs and setuid helpers (`/bin`, `/sbin`, `/usr/bin`, `/usr/sbin`, `/usr/lib*`, `/usr/libexec`). */
const SYSTEM_BINARY_DIRECTORY = /^\/(usr\/)?(s?bin|lib|lib64|libexec)\//;

/**
 * True for a listed setuid helper (`setuidHelpers`: sudo, su, passwd, ...), whose becoming root is expected: a listed
 * file name counts only in a system binary directory (a copy of `su` in /tmp is not trusted), a listed full path anywhere.
 */
export function isTrustedSetuidHelper(process: NodeProcess | undefined, context: DetectionContext): boolean {
  if (process === undefined || process.binary === '') return false;
  const helpers = context.lists.setuidHelpers;
  return helpers.matches(process.binary) || (SYSTEM_BINARY_DIRECTORY.test(process.binary) && helpers.matches(baseName(process.binary)));
}

/** The options of BusyBox's ash (`-c`, `-i`, `-l`, `-s`, `-e`, `-x`), as opposed to another applet's (`wget -qO-`). */
const BUSYBOX_SHELL_OPTIONS = /^-[cilsexv]+$/;

/**
 * True when the process is a command interpreter (`context.lists.shells`). BusyBox counts only when it runs one of
 * its shells (`busybox sh -c ...`), not its other applets (`busybox wget ...`).
 */
export function isShell(process: NodeProcess | undefined, context: DetectionContext): boolean {
  return process !== undefined && processView(process).isShell(context);
}

function computeIsShell(process: NodeProcess, context: DetectionContext): boolean {
  if (!processInList(process, context.lists.shells)) return false;
  if (processName(process).toLowerCase() !== 'busybox') return true;
  // Reported as BusyBox itself (a resolved symlink, or `busybox sh`): a shell when the applet is one, or when the
  // arguments are a shell's (`-c ...`, none); `busybox wget ...` is not.
  const applet = argumentList(process)[0];
  if (applet === undefined || BUSYBOX_SHELL_OPTIONS.test(applet)) return true;
  return applet.toLowerCase() !== 'busybox' && context.lists.shells.matches(baseName(applet));
}

/** Script interpreters whose first argument names the program they run. */
const SCRIPT_INTERPRETER = /^(?:python[\d.]*|perl[\d.]*|ruby[\d.]*|node|nodejs|php[\d.]*|bash|sh|dash|ash|zsh|ksh)$/i;

/**
 * The name of the program a process runs: the file name of its binary, or of the script an interpreter runs
 * (`python3 /usr/bin/unattended-upgrade` -> `unattended-upgrade`, `sh /usr/lib/apt/apt.systemd.daily` -> `apt.systemd.daily`).
 */
export function programName(process: NodeProcess | undefined): string {
  return process === undefined ? '' : processView(process).programName;
}

function computeProgramName(process: NodeProcess): string {
  const name = processName(process);
  if (process === undefined || !SCRIPT_INTERPRETER.test(name)) return name;
  const script = argumentList(process).find((arg) => !arg.startsWith('-'));
  return script === undefined || argumentList(process).includes('-c') ? name : baseName(script);
}

/** The process's arguments as one string (without the binary); `''` when none. */
export function argumentsOf(process: NodeProcess | undefined): string {
  return process?.arguments ?? '';
}

/**
 * The arguments split as a shell would split simple words: white space separates them, single or double
 * quotes group them (Tetragon writes an argument that holds spaces in double quotes), a backslash escapes the
 * next character outside single quotes. No expansion, no operators: enough to find `-c` and its script.
 */
export function argumentList(process: NodeProcess | undefined): readonly string[] {
  return process === undefined ? [] : processView(process).argumentList;
}

/** {@link argumentList} over a string. */
export function splitArguments(text: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: '"' | "'" | undefined;
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charAt(index);
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      else if (char === '\\' && quote === '"' && (text.charAt(index + 1) === '"' || text.charAt(index + 1) === '\\')) {
        word += text.charAt(index + 1);
        index += 1;
      } else word += char;
    } else if (char === '"' || char === "'") {
      quote = char;
      inWord = true;
    } else if (char === '\\' && index + 1 < text.length) {
      word += text.charAt(index + 1);
      index += 1;
      inWord = true;
    } else if (isWhiteSpace(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      word += char;
      inWord = true;
    }
  }
  // An unclosed quote keeps what it holds: sensors truncate long arguments.
  if (inWord) words.push(word);
  return words;
}

/** `/\s/` for one character, without running an expression for the usual ASCII ones. */
function isWhiteSpace(char: string): boolean {
  const code = char.charCodeAt(0);
  if (code < 128) return code === 32 || (code >= 9 && code <= 13);
  return /\s/.test(char);
}

/** The binary and its arguments as one string, unredacted, for matching (alerts use `commandLineOf`). */
export function commandLineText(process: NodeProcess | undefined): string {
  return process === undefined ? '' : processView(process).commandLine;
}

function computeCommandLine(process: NodeProcess): string {
  const args = argumentsOf(process);
  return args === '' ? process.binary : `${process.binary} ${args}`;
}

/** `[options] -c <script...>` of a shell: the options before the one holding `c`, then the rest of the line. */
const SHELL_COMMAND_OPTION = /^\s*(?:[-+]o\s+\S+\s+|-(?!o\s)[abd-zA-Z]+\s+|--[\w-]+\s+|[+](?!o\s)[a-zA-Z]+\s+)*-[abd-zA-Z]*c[a-zA-Z]*(?:\s+|$)([\s\S]*)$/;

/**
 * The script a shell runs with `-c` (`sh -c "curl ... | sh"` -> `curl ... | sh`), or undefined when the process
 * is not `<shell> [-opts] -c <script>`. Combined flags count (`bash -lc`, `sh -ec`). The script is taken from the raw
 * argument string, not re-split: Tetragon wraps an argument holding spaces in double quotes without escaping the
 * quotes inside it, and Falco's `proc.cmdline` does not quote at all; one pair of surrounding quotes is removed.
 */
export function shellScript(process: NodeProcess | undefined, context: DetectionContext): string | undefined {
  return process === undefined ? undefined : processView(process).shellScript(context);
}

function computeShellScript(process: NodeProcess, context: DetectionContext): string | undefined {
  if (!isShell(process, context)) return undefined;
  // `busybox sh -c ...`: the applet name comes first.
  const busyboxApplet = processName(process).toLowerCase() === 'busybox' && !BUSYBOX_SHELL_OPTIONS.test(argumentList(process)[0] ?? '-');
  const args = busyboxApplet ? argumentsOf(process).replace(/^\s*\S+/, '') : argumentsOf(process);
  const rest = SHELL_COMMAND_OPTION.exec(args)?.[1]?.trim();
  if (rest === undefined || rest === '') return undefined;
  const first = rest.charAt(0);
  return (first === '"' || first === "'") && rest.length >= 2 && rest.endsWith(first) ? rest.slice(1, -1) : rest;
}

/**
 * The texts the command-line rules read, each parsed on its own: the command line, then the `-c` script when the
 * process is a shell (so `sh -c "curl x | sh"` is also read as `curl x | sh`, whatever the quoting).
 */
export function commandTexts(process: NodeProcess | undefined, context: DetectionContext): readonly string[] {
  return process === undefined ? [''] : processView(process).commandTexts(context);
}

/** {@link commandTexts} joined by a new line, for patterns that look at the whole. */
export function commandSearchText(process: NodeProcess | undefined, context: DetectionContext): string {
  return process === undefined ? '' : processView(process).searchText(context);
}

/** {@link commandSearchText} in lower case, for cheap `includes` checks before a case-insensitive pattern. */
export function lowerCommandSearchText(process: NodeProcess, context: DetectionContext): string {
  return processView(process).lowerSearchText(context);
}

/** The commands of the command line and of its `-c` script, split into pipelines (see {@link shellPipelines}). */
export function commandPipelines(process: NodeProcess | undefined, context: DetectionContext): readonly (readonly string[])[] {
  return process === undefined ? [] : processView(process).pipelines(context).map((pipeline) => pipeline.map((command) => command.text));
}

/** {@link commandPipelines} with every command parsed once (its words and program name), shared by the rules. */
export function parsedPipelines(process: NodeProcess, context: DetectionContext): readonly (readonly ShellCommand[])[] {
  return processView(process).pipelines(context);
}

/** Every command of {@link parsedPipelines}, pipelines flattened. */
export function parsedCommands(process: NodeProcess, context: DetectionContext): readonly ShellCommand[] {
  return processView(process).commands(context);
}

/** The pipelines of the `-c` script alone (none when the process runs no script), parsed. */
export function parsedScriptPipelines(process: NodeProcess, context: DetectionContext): readonly (readonly ShellCommand[])[] {
  return processView(process).scriptPipelines(context);
}

/** One command of a pipeline, parsed once: its text, its {@link commandWords} and the file name of the program it runs. */
export interface ShellCommand {
  readonly text: string;
  readonly words: readonly string[];
  /** {@link commandNameOf}: as written (`Curl` stays `Curl`). */
  readonly name: string;
  /** {@link ShellCommand.name} in lower case. */
  readonly lowerName: string;
}

function parseCommand(text: string): ShellCommand {
  const words = commandWords(text);
  const name = baseName(words[0] ?? '');
  return { text, words, name, lowerName: name.toLowerCase() };
}

function parsePipelines(text: string): ShellCommand[][] {
  return shellPipelines(text).map((pipeline) => pipeline.map(parseCommand));
}

/**
 * Everything the rules derive from one process, each computed on first use and then shared: every rule reads the
 * same command line, so it is split, parsed into pipelines and its program named once per event, not once per rule.
 * The views that depend on the lists (is it a shell, its `-c` script, ...) are kept for one context at a time.
 */
class ProcessView {
  private cachedName?: string;
  private cachedArguments?: readonly string[];
  private cachedCommandLine?: string;
  private cachedIdentities?: readonly string[];
  private cachedProgramName?: string;
  private cachedLinePipelines?: readonly (readonly ShellCommand[])[];
  private context?: DetectionContext;
  private cachedIsShell?: boolean;
  private scriptKnown = false;
  private cachedScript?: string;
  private cachedTexts?: readonly string[];
  private cachedSearchText?: string;
  private cachedLowerSearchText?: string;
  private cachedScriptPipelines?: readonly (readonly ShellCommand[])[];
  private cachedPipelines?: readonly (readonly ShellCommand[])[];
  private cachedCommands?: readonly ShellCommand[];

  constructor(readonly process: NodeProcess) {}

  get name(): string {
    return (this.cachedName ??= baseName(this.process.binary));
  }

  get argumentList(): readonly string[] {
    return (this.cachedArguments ??= splitArguments(argumentsOf(this.process)));
  }

  get commandLine(): string {
    return (this.cachedCommandLine ??= computeCommandLine(this.process));
  }

  get identities(): readonly string[] {
    return (this.cachedIdentities ??= computeIdentities(this.process));
  }

  get programName(): string {
    return (this.cachedProgramName ??= computeProgramName(this.process));
  }

  get linePipelines(): readonly (readonly ShellCommand[])[] {
    return (this.cachedLinePipelines ??= parsePipelines(this.commandLine));
  }

  isShell(context: DetectionContext): boolean {
    this.useContext(context);
    return (this.cachedIsShell ??= computeIsShell(this.process, context));
  }

  shellScript(context: DetectionContext): string | undefined {
    this.useContext(context);
    if (!this.scriptKnown) {
      this.cachedScript = computeShellScript(this.process, context);
      this.scriptKnown = true;
    }
    return this.cachedScript;
  }

  commandTexts(context: DetectionContext): readonly string[] {
    this.useContext(context);
    if (this.cachedTexts === undefined) {
      const script = this.shellScript(context);
      this.cachedTexts = script === undefined ? [this.commandLine] : [this.commandLine, script];
    }
    return this.cachedTexts;
  }

  searchText(context: DetectionContext): string {
    this.useContext(context);
    return (this.cachedSearchText ??= this.commandTexts(context).join('\n'));
  }

  lowerSearchText(context: DetectionContext): string {
    this.useContext(context);
    return (this.cachedLowerSearchText ??= this.searchText(context).toLowerCase());
  }

  scriptPipelines(context: DetectionContext): readonly (readonly ShellCommand[])[] {
    this.useContext(context);
    if (this.cachedScriptPipelines === undefined) {
      const script = this.shellScript(context);
      this.cachedScriptPipelines = script === undefined ? [] : parsePipelines(script);
    }
    return this.cachedScriptPipelines;
  }

  pipelines(context: DetectionContext): readonly (readonly ShellCommand[])[] {
    this.useContext(context);
    if (this.cachedPipelines === undefined) {
      const script = this.scriptPipelines(context);
      this.cachedPipelines = script.length === 0 ? this.linePipelines : [...this.linePipelines, ...script];
    }
    return this.cachedPipelines;
  }

  commands(context: DetectionContext): readonly ShellCommand[] {
    this.useContext(context);
    return (this.cachedCommands ??= this.pipelines(context).flat());
  }

  /** Forgets the list-dependent views when asked with other lists (tests, a tenant's overrides). */
  private useContext(context: DetectionContext): void {
    if (context === this.context) return;
    this.context = context;
    this.cachedIsShell = undefined;
    this.scriptKnown = false;
    this.cachedScript = undefined;
    this.cachedTexts = undefined;
    this.cachedSearchText = undefined;
    this.cachedLowerSearchText = undefined;
    this.cachedScriptPipelines = undefined;
    this.cachedPipelines = undefined;
    this.cachedCommands = undefined;
  }
}

/**
 * How many process views are kept. The engine evaluates every rule over one event before the next, like
 * `memoizeLast`, but rules read the event's process and its parent and ancestors in turn, so a single slot would
 * thrash: a few slots, reused in turn, hold one event's lineage without the garbage-collection cost of a WeakMap.
 */
const VIEW_SLOTS = 8;
const viewSlots: (ProcessView | undefined)[] = new Array<ProcessView | undefined>(VIEW_SLOTS).fill(undefined);
let nextViewSlot = 0;
let lastView: ProcessView | undefined;

/** The shared, lazily computed views of a process (see {@link ProcessView}). */
function processView(process: NodeProcess): ProcessView {
  if (lastView?.process === process) return lastView;
  for (let slot = 0; slot < VIEW_SLOTS; slot += 1) {
    const view = viewSlots[slot];
    if (view !== undefined && view.process === process) {
      lastView = view;
      return view;
    }
  }
  const view = new ProcessView(process);
  lastView = view;
  viewSlots[nextViewSlot] = view;
  nextViewSlot = (nextViewSlot + 1) % VIEW_SLOTS;
  return view;
}

/** True when the event's process runs in a pod's container. */
export function isInContainer(event: NodeEvent): boolean {
  return event.process.pod !== undefined;
}

/** True when the event's process runs on the node itself, outside any pod. */
export function isHostProcess(event: NodeEvent): boolean {
  return event.process.pod === undefined;
}

/** The process and the processes that started it, nearest first: `[process, parent, ...ancestors]`. */
export function lineage(event: NodeEvent): NodeProcess[] {
  return [event.process, ...(event.parent === undefined ? [] : [event.parent]), ...event.ancestors];
}

/** True when the parent or an older ancestor (not the process itself) satisfies the predicate. */
export function hasAncestor(event: NodeEvent, predicate: (process: NodeProcess) => boolean): boolean {
  return lineage(event).slice(1).some(predicate);
}

/** The parent, then the older ancestors, up to `depth` of them (1 = the parent only). */
export function ancestorsUpTo(event: NodeEvent, depth: number): NodeProcess[] {
  return lineage(event).slice(1, 1 + depth);
}

/** True for a process start (`process_exec`). */
export function isExec(event: NodeEvent): boolean {
  return event.type === NodeEventType.processExec;
}

/**
 * True when the event's pod belongs to the platform: its `<namespace>/<workload>` (or `<namespace>/<pod>` when
 * the sensor names no workload) is in `systemWorkloads`, or its image is an infrastructure image running in an
 * infrastructure namespace. Host processes are not workloads: false.
 */
export function isSystemWorkload(event: NodeEvent, context: DetectionContext): boolean {
  // Most rules ask first: answered once per event (the engine evaluates every rule over one event before the next).
  if (event !== systemWorkloadEvent || context !== systemWorkloadContext) {
    systemWorkloadAnswer = computeIsSystemWorkload(event, context);
    systemWorkloadEvent = event;
    systemWorkloadContext = context;
  }
  return systemWorkloadAnswer;
}

let systemWorkloadEvent: NodeEvent | undefined;
let systemWorkloadContext: DetectionContext | undefined;
let systemWorkloadAnswer = false;

function computeIsSystemWorkload(event: NodeEvent, context: DetectionContext): boolean {
  const pod = event.process.pod;
  if (pod === undefined) return false;
  const workload = pod.workload !== undefined && pod.workload !== '' ? pod.workload : pod.name;
  if (context.lists.systemWorkloads.matches(`${pod.namespace}/${workload}`)) return true;
  const image = pod.container?.image?.name ?? pod.container?.image?.id;
  return (
    image !== undefined &&
    image !== '' &&
    context.lists.infrastructureNamespaces.matches(pod.namespace) &&
    context.lists.infrastructureImages.matches(image)
  );
}

/** True when Tetragon flags the exec as possibly a kubelet exec probe (liveness, readiness, startup). */
export function isExecProbe(event: NodeEvent): boolean {
  return event.process.pod?.container?.maybeExecProbe === true;
}

/** Container runtime processes that start a container's processes: the parents of `kubectl exec` sessions. */
const CONTAINER_RUNTIME_NAMES: ReadonlySet<string> = new Set([
  'runc',
  'crun',
  'containerd-shim',
  'containerd-shim-runc-v1',
  'containerd-shim-runc-v2',
  'conmon',
  'runsc',
  'kata-runtime',
  'containerd-shim-kata-v2',
]);

/** True when the process is a container runtime or shim (`runc`, `containerd-shim-runc-v2`, `conmon`, ...). */
export function isContainerRuntime(process: NodeProcess | undefined): boolean {
  const name = processName(process).toLowerCase();
  return CONTAINER_RUNTIME_NAMES.has(name) || name.startsWith('containerd-shim');
}

/** Options that leave a shell reading commands from its terminal: `bash`, `sh -i`, `bash -il`, `bash --login`. */
const INTERACTIVE_OPTION = /^-(?:[il]+|-login|-norc|-noprofile|-noediting)$/;

/**
 * A shell with no script (only interactive options) started directly by the container runtime (`runc`,
 * `containerd-shim`, `conmon`): the shape of `kubectl exec -it <pod> -- sh`. Tetragon reports no terminal, so the
 * missing script stands for Falco's `proc.tty != 0`; the container's own entrypoint (init tree) and exec probes are
 * left out. What interactive-shell-in-container reports (first-shell-in-container leaves these to it).
 */
export function isInteractiveExecShell(event: NodeEvent, context: DetectionContext): boolean {
  const process = event.process;
  // The container's own entrypoint (pid 1 in the container, or in its init tree) is not an exec session.
  if (!isShell(process, context) || process.inInitTree === true || process.pod?.container?.pid === 1 || isExecProbe(event)) return false;
  const all = argumentList(process);
  const args = processName(process).toLowerCase() === 'busybox' && all[0] !== undefined && !all[0].startsWith('-') ? all.slice(1) : all;
  return args.every((arg) => INTERACTIVE_OPTION.test(arg)) && isContainerRuntime(event.parent);
}

/** How long after a container starts its entrypoint's own commands count as start-up (scripts that run `id`, `hostname`, `sh -c`). */
export const CONTAINER_STARTUP_IN_MS = 2 * 60_000;

/**
 * True for a process of the container's init tree (its entrypoint and what that starts, Tetragon's `in_init_tree`)
 * within {@link CONTAINER_STARTUP_IN_MS} of the container's start: entrypoint scripts (`docker-entrypoint.sh`, Bitnami's
 * `libos.sh`) run shells and `id`, `whoami`, `hostname`, `uname` as they set up. Judged on the event's own times; false
 * when the sensor does not say (older Tetragon: no `in_init_tree`) or a time is not a time.
 */
export function isContainerStartup(event: NodeEvent): boolean {
  if (event.process.inInitTree !== true) return false;
  const startTime = event.process.pod?.container?.startTime;
  if (startTime === undefined) return false;
  const elapsed = Date.parse(event.time) - Date.parse(startTime);
  return elapsed >= 0 && elapsed < CONTAINER_STARTUP_IN_MS;
}

/**
 * Shell text split into pipelines, outside quotes: pipelines end at `;`, `&&`, `||`, a lone `&` and new lines; the
 * commands of a pipeline are separated by `|` (or `|&`). Redirections such as `2>&1` or `>& /dev/tcp/...` stay whole.
 * `curl -s x | sh; id` -> `[['curl -s x', 'sh'], ['id']]`.
 */
export function shellPipelines(text: string): string[][] {
  const pipelines: string[][] = [];
  let pipeline: string[] = [];
  let command = '';
  let quote: '"' | "'" | undefined;
  const endCommand = (): void => {
    const trimmed = command.trim();
    if (trimmed !== '') pipeline.push(trimmed);
    command = '';
  };
  const endPipeline = (): void => {
    endCommand();
    if (pipeline.length > 0) pipelines.push(pipeline);
    pipeline = [];
  };
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charAt(index);
    const next = text.charAt(index + 1);
    if (quote !== undefined) {
      if (char === quote) quote = undefined;
      command += char;
      // A backslash escapes the next character inside double quotes, not inside single ones.
      if (char === '\\' && quote === '"' && index + 1 < text.length) {
        command += next;
        index += 1;
      }
    } else if (char === '"' || char === "'") {
      quote = char;
      command += char;
    } else if (char === '\\' && index + 1 < text.length) {
      command += char + next;
      index += 1;
    } else if ((char === '&' && next === '&') || (char === '|' && next === '|')) {
      endPipeline();
      index += 1;
    } else if (char === '|') {
      endCommand();
      if (next === '&') index += 1;
    } else if (char === ';' || char === '\n') {
      endPipeline();
    } else if (char === '&' && next !== '>' && !/[<>]/.test(text.charAt(index - 1))) {
      endPipeline();
    } else {
      command += char;
    }
  }
  endPipeline();
  return pipelines;
}

/** Words that run the command after them: `sudo curl`, `env A=1 curl`, `nohup ./x`, `timeout 5 sh`, `busybox wget`. */
const COMMAND_WRAPPERS: ReadonlySet<string> = new Set(['sudo', 'doas', 'env', 'nohup', 'exec', 'command', 'builtin', 'nice', 'ionice', 'setsid', 'stdbuf', 'timeout', 'busybox', 'chroot', 'time', 'xargs']);

/**
 * The words of one shell command from the command it runs on: wrappers (`sudo`, `env`, `nohup`, `exec`,
 * `timeout 5`, `busybox`), their options, variable assignments (`A=1`) and grouping (`(`, `{`, `$(`) are skipped.
 * `sudo -E env A=1 /usr/bin/curl -s x` -> `['/usr/bin/curl', '-s', 'x']`.
 */
export function commandWords(command: string): string[] {
  const words = splitArguments(command.replace(/^[\s({$`]+/, ''));
  let index = 0;
  while (index < words.length) {
    const word = words[index] ?? '';
    const name = baseName(word).toLowerCase();
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(word)) {
      index += 1;
    } else if (COMMAND_WRAPPERS.has(name)) {
      index += 1;
      // The wrapper's own options, and the duration of `timeout`.
      while (index < words.length && ((words[index] ?? '').startsWith('-') || (name === 'timeout' && /^\d/.test(words[index] ?? '')))) index += 1;
    } else {
      break;
    }
  }
  return words.slice(index);
}

/** The file name of the program a shell command runs (see {@link commandWords}); `''` when none. */
export function commandNameOf(command: string): string {
  return baseName(commandWords(command)[0] ?? '');
}

/** The IPv4 or IPv6 loopback and "this host" addresses, and `localhost`. */
export function isLoopbackHost(host: string): boolean {
  const lower = host.toLowerCase().replace(/^\[|\]$/g, '');
  return lower === 'localhost' || lower.endsWith('.localhost') || lower.startsWith('127.') || lower === '::1' || lower === '0.0.0.0' || lower === '::';
}

/** Private, shared, link-local and unique-local addresses (RFC 1918, RFC 6598, RFC 3927, RFC 4193): not the internet. */
export function isPrivateAddress(address: string): boolean {
  const lower = address.toLowerCase();
  if (isLoopbackHost(lower)) return true;
  const octets = lower.split('.').map((part) => Number(part));
  if (octets.length === 4 && octets.every((octet) => Number.isInteger(octet) && octet >= 0 && octet <= 255)) {
    const [a = 0, b = 0] = octets;
    return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
  }
  return lower.includes(':') && (lower.startsWith('fc') || lower.startsWith('fd') || lower.startsWith('fe80:'));
}
