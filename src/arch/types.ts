/** Architecture descriptions for the arches seccomp-exec compiles for. */

/** Target ABIs (libseccomp's arch names, lower-case). */
export type ArchName = 'x86_64' | 'x86' | 'x32' | 'aarch64' | 'arm';

/** Native machines a program is built for; each has sub-arches. */
export type MachineName = 'x86_64' | 'aarch64';

/** One syscall ABI. */
export interface ArchInfo {
  readonly name: ArchName;
  /** Profile spelling, e.g. `SCMP_ARCH_X86_64`. */
  readonly profileName: string;
  /** AUDIT_ARCH_* the kernel reports in seccomp_data.arch. */
  readonly auditArch: number;
  /** Name → syscall number exactly as seen in seccomp_data.nr (x32 numbers include the x32 bit). */
  readonly syscalls: ReadonlyMap<string, number>;
  /** Source line of the generated table (package and version). */
  readonly tableSource: string;
}
