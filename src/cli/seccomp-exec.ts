#!/usr/bin/env node
/**
 * `seccomp-exec [options] [--] CMD [ARGS…]`: run CMD confined by a seccomp profile
 * (containerd's `runtime/default` unless told otherwise). The filter is compiled and verified
 * first, then one native call sets no_new_privs, installs it on every thread and execs CMD,
 * which keeps this process's PID, stdio, environment, signals and exit status.
 *
 * Exit status: CMD's own; 127 CMD not found; 126 CMD not executable; 2 usage error;
 * 125 the filter could not be built or installed (CMD did not run).
 *
 * `SECCOMP_EXEC_TIMING=1` prints one line of phase timings to stderr just before the exec.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';
import {
  CliExit,
  EXIT_USAGE,
  collectAllow,
  collectCapability,
  collectDeny,
  configureCommand,
  parseArgWidth,
  parseDefaultAction,
  parseKernelVersion,
  printError,
  runCli,
  type DenySpec,
} from './common.js';

/** Milliseconds from process start (performance.timeOrigin) to this module's first statement. */
const STARTUP_MS = performance.now();

const PROG = 'seccomp-exec';

/** Output formats of `--print`. */
const PRINT_FORMATS = ['disasm', 'raw', 'json', 'c'] as const;
type PrintFormat = (typeof PRINT_FORMATS)[number];

interface ExecCliOptions {
  profile: string;
  capAdd?: string[];
  capDrop?: string[];
  allow?: string[];
  deny?: DenySpec[];
  defaultAction?: string;
  kernel?: string;
  argWidth?: 32 | 64;
  log?: boolean;
  allowNewPrivs?: boolean;
  print?: PrintFormat;
  verbose?: boolean;
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

function buildCommand(): Command {
  const program = new Command(PROG)
    .usage('[options] [--] CMD [ARGS...]')
    .description(
      'Run CMD confined by a seccomp profile, as a container with seccompProfile RuntimeDefault would be.',
    )
    .argument('[CMD]', 'command to run (looked up in PATH like execvp)')
    .argument('[ARGS...]', 'its arguments')
    .option(
      '--profile <ref>',
      'runtime/default, unconfined, localhost/<path> or a profile file',
      'runtime/default',
    )
    .option('--cap-add <cap>', 'capability the workload holds (decides conditional rules); repeatable', collectCapability)
    .option('--cap-drop <cap>', 'capability the workload lacks; repeatable', collectCapability)
    .option('--allow <syscall>', 'allow SYSCALL on top of the profile; repeatable', collectAllow)
    .option('--deny <syscall[:errno]>', 'fail SYSCALL with ERRNO (default EPERM); repeatable', collectDeny)
    .option(
      '--default-action <action>',
      "replace the profile's default action (e.g. errno, ERRNO(13), kill-process, log)",
      parseDefaultAction,
    )
    .option('--kernel <X.Y>', 'kernel version for minKernel conditions (default: the running kernel)', parseKernelVersion)
    .addOption(
      new Option('--arg-width <bits>', 'argument comparison width: 32 (kernel types) or 64 (as runc)')
        .argParser(parseArgWidth),
    )
    .option('--log', 'set SECCOMP_FILTER_FLAG_LOG')
    .option('--allow-new-privs', 'do not set no_new_privs (needs CAP_SYS_ADMIN)')
    .addOption(
      new Option('--print [format]', 'print the compiled program and exit without running CMD')
        .choices(PRINT_FORMATS)
        .preset('disasm'),
    )
    .option('-v, --verbose', 'describe what is installed, on stderr')
    .version(packageVersion(), '-V, --version')
    .passThroughOptions();
  return configureCommand(program);
}

async function printProgram(
  format: PrintFormat,
  filter: import('../compiler/types.js').CompiledFilter | null,
): Promise<void> {
  if (!filter) {
    if (format === 'raw') throw new Error('--print raw: the unconfined profile has no program');
    process.stdout.write(
      format === 'json' ? '{"unconfined": true}\n' : '/* unconfined: no filter is installed */\n',
    );
    return;
  }
  const bpf = await import('../bpf/index.js');
  switch (format) {
    case 'disasm': {
      const text = bpf.disassemble(filter.program);
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
      return;
    }
    case 'raw':
      process.stdout.write(bpf.toRaw(filter.program));
      return;
    case 'json':
      process.stdout.write(
        bpf.toJson(filter.program, {
          machine: filter.machine,
          arches: filter.arches,
          flags: filter.flags,
          warnings: filter.warnings,
        }),
      );
      return;
    case 'c':
      process.stdout.write(bpf.toC(filter.program));
      return;
  }
}

async function run(program: Command): Promise<number> {
  const opts = program.opts<ExecCliOptions>();
  const [command, args] = program.processedArgs as [string | undefined, string[]];
  if (command === undefined && opts.print === undefined) {
    throw new CliExit('missing command (usage: seccomp-exec [options] [--] CMD [ARGS...])', EXIT_USAGE);
  }
  const timing = process.env.SECCOMP_EXEC_TIMING === '1';
  const phases: [string, number][] = [['startup', STARTUP_MS]];
  const onPhase = (phase: string, ms: number): void => {
    phases.push([phase, ms]);
  };

  let t0 = performance.now();
  const [exec, caps] = await Promise.all([import('../exec.js'), import('../capabilities.js')]);
  onPhase('modules', performance.now() - t0);

  const capabilities = caps.capabilitySet({ add: opts.capAdd ?? [], drop: opts.capDrop ?? [] });
  const confinement = await exec.prepareConfinement({
    profile: opts.profile,
    allowNewPrivs: opts.allowNewPrivs === true,
    onPhase,
    compile: {
      capabilities,
      ...(opts.kernel !== undefined ? { kernel: opts.kernel } : {}),
      ...(opts.argWidth !== undefined ? { argWidth: opts.argWidth } : {}),
      ...(opts.allow !== undefined ? { allow: opts.allow } : {}),
      ...(opts.deny !== undefined ? { deny: opts.deny } : {}),
      ...(opts.defaultAction !== undefined ? { defaultAction: opts.defaultAction } : {}),
      ...(opts.log ? { log: true } : {}),
    },
  });

  if (opts.verbose) {
    const say = (line: string): void => {
      process.stderr.write(`${PROG}: ${line}\n`);
    };
    say(`profile ${confinement.source}`);
    const f = confinement.filter;
    if (f) {
      say(`capabilities ${[...capabilities].sort().join(',') || '(none)'}`);
      say(`machine ${f.machine}, arches ${f.arches.join(', ')}`);
      say(
        `${f.stats.instructions} instructions, flags ${exec.describeFlags(confinement.flags)}, no_new_privs ${confinement.noNewPrivs ? 'on' : 'off'}`,
      );
      for (const w of f.warnings) say(`warning: ${w}`);
    } else {
      say('no filter (unconfined), no_new_privs off');
    }
  }

  if (opts.print !== undefined) {
    await printProgram(opts.print, confinement.filter);
    return 0;
  }

  const cmd = command as string;
  t0 = performance.now();
  let file: string;
  try {
    file = exec.findCommand(cmd);
  } catch (err) {
    if (err instanceof exec.CommandError) throw new CliExit(err.message, err.exitCode);
    throw err;
  }
  onPhase('lookup', performance.now() - t0);
  if (opts.verbose) process.stderr.write(`${PROG}: exec ${file}\n`);

  t0 = performance.now();
  try {
    return exec.execConfined(confinement, file, [cmd, ...args], exec.environmentList(), {
      beforeExec: () => {
        onPhase('native', performance.now() - t0);
        if (timing) {
          const parts = phases.map(([name, ms]) => `${name}=${ms.toFixed(2)}ms`);
          parts.push(`exec-at=${(performance.timeOrigin + performance.now()).toFixed(3)}`);
          parts.push(`origin=${performance.timeOrigin.toFixed(3)}`);
          process.stderr.write(`${PROG}: timing ${parts.join(' ')}\n`);
        }
      },
    });
  } catch (err) {
    if (err instanceof exec.CommandError) throw new CliExit(err.message, err.exitCode);
    throw err;
  }
}

// Last line of defence: whatever escapes is still one line, never a stack trace.
process.on('uncaughtException', (err) => {
  printError(PROG, err);
  process.exit(125);
});

const program = buildCommand();
runCli(PROG, program, process.argv.slice(2), () => run(program)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    printError(PROG, err);
    process.exitCode = 125;
  },
);
