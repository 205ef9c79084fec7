#!/usr/bin/env node
/**
 * `seccomp`: the toolbox. Compile a profile, disassemble a program, check one syscall against a
 * profile, list syscalls, show a process's seccomp status, export the built-in profile.
 */
import { writeFileSync, readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  CliExit, EXIT_FAILURE, EXIT_USAGE, collect, collectAllow, collectCapability, collectDeny, configureCommand, errnoName,
  parseArgWidth, parseKernelVersion, runCli, type DenySpec,
} from './common.js';
import type { ArchName, MachineName } from '../arch/types.js';

interface CompileFlags {
  profile: string;
  arch?: string;
  capAdd?: string[];
  capDrop?: string[];
  kernel?: string;
  argWidth?: 32 | 64;
  allow?: string[];
  deny?: DenySpec[];
  defaultAction?: string;
  format: string;
  output?: string;
}

const ARCH_CHOICES = ['x86_64', 'x86', 'x32', 'aarch64', 'arm'] as const;

function machineFor(arch: string | undefined): { machine: MachineName; abi: ArchName } {
  switch (arch) {
    case undefined: {
      const host: MachineName = process.arch === 'arm64' ? 'aarch64' : 'x86_64';
      return { machine: host, abi: host };
    }
    case 'x86_64': case 'amd64': return { machine: 'x86_64', abi: 'x86_64' };
    case 'x86': case 'i386': return { machine: 'x86_64', abi: 'x86' };
    case 'x32': return { machine: 'x86_64', abi: 'x32' };
    case 'aarch64': case 'arm64': return { machine: 'aarch64', abi: 'aarch64' };
    case 'arm': return { machine: 'aarch64', abi: 'arm' };
    default: throw new CliExit(`--arch: unknown architecture "${arch}" (expected ${ARCH_CHOICES.join(', ')})`, EXIT_USAGE);
  }
}

function addCompileOptions(cmd: Command, withFormat: boolean): Command {
  cmd
    .option('-p, --profile <ref>', 'runtime/default, localhost/<path>, a path, or unconfined', 'runtime/default')
    .option('-a, --arch <arch>', `target: ${ARCH_CHOICES.join(', ')} (x86 and x32 compile for x86_64, arm for aarch64)`)
    .option('--cap-add <cap>', 'capability the workload holds (CAP_SYS_ADMIN or SYS_ADMIN), repeatable', collectCapability)
    .option('--cap-drop <cap>', 'capability removed from the default container set, repeatable', collectCapability)
    .option('--kernel <X.Y>', "kernel version for minKernel conditions (default: the running kernel's)", parseKernelVersion)
    .option('--arg-width <bits>', '32 (default): int arguments compare their low half as the kernel reads them; 64: as runc', parseArgWidth)
    .option('--allow <syscall>', 'allow this syscall on top of the profile, repeatable', collectAllow)
    .option('--deny <syscall[:errno]>', 'deny this syscall (EPERM or the errno given), repeatable', collectDeny)
    .option('--default-action <action>', "replace the profile's default action");
  if (withFormat) {
    cmd
      .addOption(new Option('-f, --format <format>', 'output format').choices(['raw', 'disasm', 'json', 'c']).default('disasm'))
      .option('-o, --output <file>', 'write to FILE instead of stdout');
  }
  return cmd;
}

async function compileFrom(flags: CompileFlags) {
  const { loadProfile } = await import('../profile/reference.js');
  const { compileResolved } = await import('../compiler/index.js');
  const { machine, abi } = machineFor(flags.arch);
  const loaded = loadProfile(flags.profile);
  if (loaded === 'unconfined') throw new CliExit(`--profile unconfined: there is no filter to compile`, EXIT_FAILURE);
  const options = {
    machine,
    ...(flags.capAdd ? { capAdd: flags.capAdd } : {}),
    ...(flags.capDrop ? { capDrop: flags.capDrop } : {}),
    ...(flags.kernel !== undefined ? { kernel: flags.kernel } : {}),
    ...(flags.argWidth !== undefined ? { argWidth: flags.argWidth } : {}),
    ...(flags.allow ? { allow: flags.allow } : {}),
    ...(flags.deny ? { deny: flags.deny.map((d) => ({ name: d.name, ...(d.errno !== undefined ? { errno: d.errno } : {}) })) } : {}),
    ...(flags.defaultAction !== undefined ? { defaultAction: flags.defaultAction } : {}),
  };
  const { filter, resolved } = compileResolved(loaded, options);
  return { profile: loaded, machine, abi, options, compiled: filter, resolved };
}

function parseArgValue(text: string, i: number): bigint {
  const t = text.trim().replace(/_/g, '');
  try {
    let v: bigint;
    if (/^-\d+$/.test(t)) v = (1n << 64n) + BigInt(t);
    else if (/^(0x[0-9a-f]+|0o[0-7]+|0b[01]+|\d+)$/i.test(t)) v = BigInt(t);
    else throw new Error('bad');
    if (v < 0n || v >= 1n << 64n) throw new Error('range');
    return v;
  } catch {
    throw new CliExit(`argument ${i}: "${text}" is not a 64-bit integer (decimal, 0x hex, or negative)`, EXIT_USAGE);
  }
}

async function main(argv: readonly string[]): Promise<number> {
  let action: () => Promise<number> = async () => {
    throw new CliExit('missing command (compile, check, syscalls, disasm, status, profile); see seccomp --help', EXIT_USAGE);
  };
  const program = configureCommand(new Command('seccomp'))
    .description('seccomp-exec toolbox: compile, inspect and check seccomp profiles')
    .showHelpAfterError(false);

  addCompileOptions(
    configureCommand(program.command('compile').description('compile a profile to classic BPF')),
    true,
  ).action((flags: CompileFlags) => {
    action = async () => {
      const { compiled } = await compileFrom(flags);
      const { toRaw, toJson, toC, disassemble } = await import('../bpf/index.js');
      const { syscallName } = await import('../arch/index.js');
      let out: string | Buffer;
      switch (flags.format) {
        case 'raw': out = toRaw(compiled.program); break;
        case 'json': out = toJson(compiled.program, { machine: compiled.machine, arches: compiled.arches, flags: compiled.flags, warnings: compiled.warnings }); break;
        case 'c': out = toC(compiled.program, 'seccomp_filter'); break;
        default: out = disassemble(compiled.program, { syscallNames: (nr: number, arch?: number) => syscallName(archOfAudit(arch) ?? compiled.machine, nr) });
      }
      if (flags.output !== undefined) writeFileSync(flags.output, out);
      else process.stdout.write(out);
      return 0;
    };
  });

  addCompileOptions(
    configureCommand(program.command('check').description('show what a profile decides for one syscall').argument('<syscall>', 'name or number').argument('[args...]', 'up to six argument values')),
    false,
  ).action((syscall: string, args: string[], flags: CompileFlags) => {
    action = async () => {
      const { compiled, resolved, abi } = await compileFrom(flags);
      const { syscallNumber, syscallName, ARCHES } = await import('../arch/index.js');
      const { evaluate, describeRet } = await import('../compiler/index.js');
      const { runProgram } = await import('../bpf/emulator.js');
      if (args.length > 6) throw new CliExit(`at most 6 arguments, got ${args.length}`, EXIT_USAGE);
      const values = args.map((a, i) => parseArgValue(a, i));
      let nr: number | undefined = /^\d+$/.test(syscall) ? Number(syscall) : syscallNumber(abi, syscall);
      if (nr === undefined) throw new CliExit(`unknown syscall "${syscall}" on ${abi}`, EXIT_USAGE);
      if (abi === 'x32' && nr < 0x40000000) nr += 0x40000000;
      const name = syscallName(abi, nr) ?? `#${nr}`;
      const data = { arch: ARCHES[abi].auditArch, nr, args: values };
      const want = evaluate(resolved, data);
      const got = runProgram(compiled.program, data);
      const ret = got.ret >>> 0;
      const action = describeRet(ret);
      const errno = (ret & 0xffff0000) >>> 0 === 0x00050000 ? ret & 0xffff : undefined;
      process.stdout.write(
        `${abi} ${name} (${nr}${values.length ? ', args ' + values.map((v) => `0x${v.toString(16)}`).join(' ') : ''}): ${action}` +
          (errno !== undefined ? ` errno ${errno}${errnoName(errno) ? ` (${errnoName(errno)})` : ''}` : '') +
          `\n  decided by: ${want.origin}\n  instructions executed: ${got.executed}\n`,
      );
      if (ret !== want.ret >>> 0) throw new CliExit('internal error: program and profile disagree', EXIT_FAILURE);
      return 0;
    };
  });

  configureCommand(program.command('syscalls').description('list syscall names and numbers, with their action under a profile'))
    .option('-a, --arch <arch>', `${ARCH_CHOICES.join(', ')}`)
    .option('-p, --profile <ref>', 'show the action each syscall gets under this profile')
    .option('--cap-add <cap>', 'capability the workload holds, repeatable', collectCapability)
    .option('--cap-drop <cap>', 'capability removed, repeatable', collectCapability)
    .option('--kernel <X.Y>', 'kernel version for minKernel conditions', parseKernelVersion)
    .option('--arg-width <bits>', '32 or 64', parseArgWidth)
    .action((flags: CompileFlags & { profile?: string }) => {
      action = async () => {
        const { ARCHES } = await import('../arch/index.js');
        const { abi } = machineFor(flags.arch);
        const entries = [...ARCHES[abi].syscalls.entries()].sort((a, b) => a[1] - b[1]);
        if (flags.profile === undefined) {
          for (const [name, nr] of entries) process.stdout.write(`${nr}\t${name}\n`);
          return 0;
        }
        const { resolved } = await compileFrom({ ...flags, profile: flags.profile, format: 'disasm' });
        const { evaluate, describeRet } = await import('../compiler/index.js');
        const r = resolved.arches.find((a) => a.arch === abi);
        if (!r) throw new CliExit(`the profile does not select ${abi}`, EXIT_FAILURE);
        for (const [name, nr] of entries) {
          const d = r.decisions.get(nr);
          const what = d?.kind === 'args' ? `depends on arguments (${d.rules.map((x) => describeRet(x.ret)).join(' / ')}, else ${describeRet(d.fallback)})` : describeRet(evaluate(resolved, { arch: r.auditArch, nr }).ret);
          process.stdout.write(`${nr}\t${name}\t${what}\n`);
        }
        return 0;
      };
    });

  configureCommand(program.command('disasm').description('disassemble a compiled program (raw sock_filter bytes or JSON)').argument('<file>', 'file, or - for stdin'))
    .option('-a, --arch <arch>', 'name syscalls for this machine in comments')
    .action((file: string, flags: { arch?: string }) => {
      action = async () => {
        const { fromRaw, fromJson, disassemble } = await import('../bpf/index.js');
        const { syscallName } = await import('../arch/index.js');
        let buf: Buffer;
        try {
          buf = readFileSync(file === '-' ? 0 : file);
        } catch (err) {
          throw new CliExit(`cannot read "${file}": ${(err as NodeJS.ErrnoException).code ?? String(err)}`, EXIT_FAILURE);
        }
        const text = buf.toString('utf8').trimStart();
        const prog = text.startsWith('{') ? fromJson(text, file) : fromRaw(buf, file);
        const { abi } = machineFor(flags.arch);
        process.stdout.write(disassemble(prog, { syscallNames: (nr: number, arch?: number) => syscallName(archOfAudit(arch) ?? abi, nr) }));
        return 0;
      };
    });

  configureCommand(program.command('status').description("show a process's seccomp mode, filter count and no_new_privs"))
    .option('--pid <pid>', 'process id (default: this process)', (v: string) => {
      if (!/^\d+$/.test(v)) throw new InvalidArgumentError(`"${v}" is not a process id`);
      return Number(v);
    })
    .action((flags: { pid?: number }) => {
      action = async () => {
        const { status } = await import('../status.js');
        const s = status(flags.pid ?? 'self');
        process.stdout.write(`${JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v), 2)}\n`);
        return 0;
      };
    });

  const profileCmd = configureCommand(program.command('profile').description('work with profiles'));
  configureCommand(profileCmd.command('export').description('print a profile as JSON (the built-in one by default)').argument('[ref]', 'profile reference', 'runtime/default'))
    .addOption(new Option('--format <format>', 'oci: plain runtime-spec JSON, conditions resolved (Kubernetes Localhost, docker --security-opt); docker: extended form with includes/excludes').choices(['oci', 'docker']).default('oci'))
    .option('-a, --arch <arch>', 'resolve arch-conditional rules for one machine (x86_64 or aarch64); default both')
    .option('--cap-add <cap>', 'capability the workload holds, repeatable', collectCapability)
    .option('--cap-drop <cap>', 'capability removed, repeatable', collectCapability)
    .option('--kernel <X.Y>', 'kernel version for minKernel conditions', parseKernelVersion)
    .option('-o, --output <file>', 'write to FILE instead of stdout')
    .action((ref: string, flags: { format: 'oci' | 'docker'; arch?: string; capAdd?: string[]; capDrop?: string[]; kernel?: string; output?: string }) => {
      action = async () => {
        const { loadProfile } = await import('../profile/reference.js');
        const { exportProfile } = await import('../profile/export.js');
        const { capabilitySet } = await import('../capabilities.js');
        const p = loadProfile(ref);
        if (p === 'unconfined') throw new CliExit('unconfined has no profile to export', EXIT_FAILURE);
        const machine = flags.arch !== undefined ? machineFor(flags.arch).machine : undefined;
        const text = exportProfile(p, {
          format: flags.format,
          ...(machine ? { machine } : {}),
          capabilities: capabilitySet({ ...(flags.capAdd ? { add: flags.capAdd } : {}), ...(flags.capDrop ? { drop: flags.capDrop } : {}) }),
          ...(flags.kernel !== undefined ? { kernel: flags.kernel } : {}),
        });
        if (flags.output !== undefined) writeFileSync(flags.output, text);
        else process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
        return 0;
      };
    });

  return runCli('seccomp', program, argv, () => action());
}

void collect;
process.exitCode = await main(process.argv.slice(2));

/** The ABI an AUDIT_ARCH value names (x86_64 for AUDIT_ARCH_X86_64; x32 numbers carry their own bit). */
function archOfAudit(audit: number | undefined): ArchName | undefined {
  switch (audit) {
    case 0xc000003e: return 'x86_64';
    case 0x40000003: return 'x86';
    case 0xc00000b7: return 'aarch64';
    case 0x40000028: return 'arm';
    default: return undefined;
  }
}
