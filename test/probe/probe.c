/*
 * probe: perform ONE harmless system call and print what the kernel (or a seccomp
 * filter) answered, as an errno name, or OK on success.
 *
 *   probe NAME        -> prints e.g. "EPERM" or "OK" on stdout, exit 0
 *   probe NAME NAME.. -> one "NAME RESULT" line per probe
 *   probe --all       -> every probe, one "NAME RESULT" line each
 *   probe --list      -> the probe names, one per line
 *
 * Every probe is chosen so that, when the call reaches the kernel, it fails on
 * purpose or changes nothing that outlives the probe (namespaces are created only in
 * throwaway children that exit at once; personality is restored). When a seccomp
 * filter blocks the call with SECCOMP_RET_ERRNO, the filter's errno is printed
 * instead, which is what the tests compare.
 *
 * Written for the seccomp-exec test suite; built by the tests with the system C
 * compiler (see test/helpers/probe.ts).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_bpf
#define SYS_bpf 321
#endif
#ifndef ADDR_NO_RANDOMIZE
#define ADDR_NO_RANDOMIZE 0x0040000
#endif

/* Result of a probe: 0 for success, else an errno value. */
typedef int (*probe_fn)(void);

/* Run fn in a forked child and return the errno it reports (0 on success). The child
 * reports through its exit status, so nothing but the status crosses back. */
static int in_child(int (*fn)(void)) {
  pid_t pid = fork();
  if (pid < 0) return errno;
  if (pid == 0) {
    int err = fn();
    _exit(err & 0xff);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return errno;
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 1000 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int result(long rc) { return rc < 0 ? errno : 0; }

/* mount a tmpfs onto a path that does not exist: ENOENT when it reaches the kernel. */
static int p_mount(void) {
  const char *target = "/nonexistent-seccomp-exec-probe/mnt";
  struct stat st;
  if (stat(target, &st) == 0) return EEXIST; /* refuse to mount anything for real */
  return result(mount("none", target, "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=4k"));
}

/* MS_REMOUNT of a freshly made directory, which is not the root of a mount: EINVAL
 * when CAP_SYS_ADMIN is held (EPERM without), and nothing is ever mounted. */
static int p_mount_remount(void) {
  char dir[] = "/tmp/seccomp-exec-probe-XXXXXX";
  if (mkdtemp(dir) == NULL) return errno;
  int err = result(mount("none", dir, NULL, MS_REMOUNT | MS_RDONLY, NULL));
  rmdir(dir);
  return err;
}

/* umount2 a freshly made directory, which cannot be a mount point: EINVAL. */
static int p_umount2(void) {
  char dir[] = "/tmp/seccomp-exec-probe-XXXXXX";
  if (mkdtemp(dir) == NULL) return errno;
  int err = result(umount2(dir, UMOUNT_NOFOLLOW));
  rmdir(dir);
  return err;
}

/* reboot with INVALID magic numbers: EINVAL when CAP_SYS_BOOT is held, never a reboot. */
static int p_reboot(void) {
  return result(syscall(SYS_reboot, 0x12345678UL, 0x9abcdef0UL, 0UL, NULL));
}

static int child_unshare(void) { return result(unshare(CLONE_NEWUTS)); }
/* unshare(CLONE_NEWUTS) in a throwaway child. */
static int p_unshare(void) { return in_child(child_unshare); }

/* Raw clone(CLONE_NEWNS|SIGCHLD) with no new stack: fork-like; the child exits at once. */
static int p_clone_newns(void) {
  long pid = syscall(SYS_clone, (unsigned long)(CLONE_NEWNS | SIGCHLD), 0UL, 0UL, 0UL, 0UL);
  if (pid < 0) return errno;
  if (pid == 0) syscall(SYS_exit_group, 0);
  int status = 0;
  while (waitpid((pid_t)pid, &status, 0) < 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

/* Plain clone(SIGCHLD), i.e. fork through the raw syscall: allowed everywhere. */
static int p_clone_plain(void) {
  long pid = syscall(SYS_clone, (unsigned long)SIGCHLD, 0UL, 0UL, 0UL, 0UL);
  if (pid < 0) return errno;
  if (pid == 0) syscall(SYS_exit_group, 0);
  int status = 0;
  while (waitpid((pid_t)pid, &status, 0) < 0) {
    if (errno != EINTR) return errno;
  }
  return 0;
}

/* clone3 with size 0: EINVAL from the kernel, no child is ever created. */
static int p_clone3(void) { return result(syscall(SYS_clone3, NULL, 0UL)); }

/* bpf with a command number that does not exist: EINVAL from the kernel. */
static int p_bpf(void) { return result(syscall(SYS_bpf, 0x7fffUL, NULL, 0UL)); }

/* setns on fd -1: EBADF. */
static int p_setns(void) { return result(syscall(SYS_setns, -1L, 0L)); }

/* open_by_handle_at with mount fd -1 and a well-formed but empty handle: EBADF. */
static int p_open_by_handle_at(void) {
  union { struct file_handle fh; unsigned char raw[sizeof(struct file_handle) + 16]; } u;
  memset(&u, 0, sizeof u);
  u.fh.handle_bytes = 8;
  u.fh.handle_type = 1;
  return result(syscall(SYS_open_by_handle_at, -1L, &u.fh, (long)O_RDONLY));
}

/* name_to_handle_at with a zero-sized buffer: the kernel answers EOVERFLOW (size query)
 * or EOPNOTSUPP, both of which prove the call reached it. */
static int p_name_to_handle_at(void) {
  union { struct file_handle fh; unsigned char raw[sizeof(struct file_handle) + 128]; } u;
  int mount_id = 0;
  memset(&u, 0, sizeof u);
  u.fh.handle_bytes = 0;
  return result(syscall(SYS_name_to_handle_at, (long)AT_FDCWD, "/", &u.fh, &mount_id, 0L));
}

/* personality(0xffffffff): query only, changes nothing. */
static int p_personality_query(void) {
  return result(syscall(SYS_personality, 0xffffffffUL));
}

/* personality(ADDR_NO_RANDOMIZE), a value outside containerd's allowed list; on
 * success the previous persona is restored at once (it only affects later execs). */
static int p_personality_addr_no_randomize(void) {
  long old = syscall(SYS_personality, 0xffffffffUL);
  if (old < 0) return errno;
  long rc = syscall(SYS_personality, (unsigned long)(old | ADDR_NO_RANDOMIZE));
  if (rc < 0) return errno;
  syscall(SYS_personality, (unsigned long)old);
  return 0;
}

static int close_result(long fd) {
  if (fd < 0) return errno;
  close((int)fd);
  return 0;
}

/* socket(AF_INET, SOCK_STREAM): allowed everywhere. */
static int p_socket_inet(void) {
  return close_result(syscall(SYS_socket, (long)AF_INET, (long)SOCK_STREAM, 0L));
}

/* socket(AF_VSOCK = 40, SOCK_STREAM): the default profiles deny AF_VSOCK. */
static int p_socket_vsock(void) {
  return close_result(syscall(SYS_socket, 40L, (long)SOCK_STREAM, 0L));
}

/* socket(0x1_0000_0028, ...): the family passed as a full 64-bit register. The kernel
 * truncates it to int (AF_VSOCK); a 64-bit comparison in the filter sees a value > 40. */
static int p_socket_vsock_wide(void) {
  return close_result(syscall(SYS_socket, 0x100000028UL, (long)SOCK_STREAM, 0L));
}

/* getpid: a control that every filter allows. */
static int p_getpid(void) { return result(syscall(SYS_getpid)); }

struct probe {
  const char *name;
  probe_fn fn;
};

static const struct probe probes[] = {
    {"mount", p_mount},
    {"mount-remount", p_mount_remount},
    {"umount2", p_umount2},
    {"reboot", p_reboot},
    {"unshare", p_unshare},
    {"clone-newns", p_clone_newns},
    {"clone", p_clone_plain},
    {"clone3", p_clone3},
    {"bpf", p_bpf},
    {"setns", p_setns},
    {"open_by_handle_at", p_open_by_handle_at},
    {"name_to_handle_at", p_name_to_handle_at},
    {"personality", p_personality_query},
    {"personality-addr-no-randomize", p_personality_addr_no_randomize},
    {"socket-inet", p_socket_inet},
    {"socket-vsock", p_socket_vsock},
    {"socket-vsock-wide", p_socket_vsock_wide},
    {"getpid", p_getpid},
};

static void print_result(int err) {
  if (err == 0) {
    puts("OK");
  } else if (err >= 1000) {
    printf("SIGNAL%d\n", err - 1000);
  } else {
    const char *name = strerrorname_np(err);
    if (name != NULL) puts(name);
    else printf("E%d\n", err);
  }
}

static const struct probe *find_probe(const char *name) {
  for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
    if (strcmp(name, probes[i].name) == 0) return &probes[i];
  }
  return NULL;
}

int main(int argc, char **argv) {
  size_t n = sizeof probes / sizeof probes[0];
  if (argc < 2) {
    fprintf(stderr, "usage: probe NAME... | probe --all | probe --list\n");
    return 2;
  }
  if (argc == 2 && strcmp(argv[1], "--list") == 0) {
    for (size_t i = 0; i < n; i++) puts(probes[i].name);
    return 0;
  }
  if (argc == 2 && strcmp(argv[1], "--all") == 0) {
    /* Every probe, one "NAME RESULT" line each. */
    for (size_t i = 0; i < n; i++) {
      printf("%s ", probes[i].name);
      fflush(stdout);
      print_result(probes[i].fn());
    }
    return fflush(stdout) == 0 ? 0 : 1;
  }
  for (int a = 1; a < argc; a++) {
    if (find_probe(argv[a]) == NULL) {
      fprintf(stderr, "probe: unknown probe '%s'\n", argv[a]);
      return 2;
    }
  }
  /* One name: the bare result. Several: "NAME RESULT" lines. */
  for (int a = 1; a < argc; a++) {
    if (argc > 2) {
      printf("%s ", argv[a]);
      fflush(stdout);
    }
    print_result(find_probe(argv[a])->fn());
  }
  return fflush(stdout) == 0 ? 0 : 1;
}
