/*
 * seccomp-launcher: install a seccomp filter on itself, then execvp a command.
 *
 *   seccomp-launcher FD PROGRAM FLAGS NNP FILE ARGV0 [ARG...]
 *
 * FD       an inherited descriptor for the status report (Node's extra stdio 'pipe'). It is
 *          made close-on-exec, so it closes without data when FILE starts running.
 * PROGRAM  the filter: raw `struct sock_filter` array (host byte order) in hexadecimal, 16
 *          digits per instruction, 1 to 4096 instructions. It travels in argv rather than
 *          through a pipe so that the launcher never waits for the parent: the parent cannot
 *          write before spawn() returns, and that hand-over cost a scheduling round trip per
 *          spawn (measurable on a loaded machine). argv is replaced at exec.
 * FLAGS    SECCOMP_FILTER_FLAG_* bits for seccomp(2) (decimal).
 * NNP      1: set no_new_privs first; 0: do not (the caller must then hold CAP_SYS_ADMIN).
 * FILE     what is executed, searched in $PATH like execvp(3) when it has no '/' (default
 *          path /bin:/usr/bin; a file the kernel cannot execute (ENOEXEC) is run by /bin/sh);
 *          ARGV0 and the ARGs are its argument vector.
 *
 * On failure one line `STAGE ERRNO\n` is written to FD (the classic close-on-exec pipe: an
 * exec that succeeds closes FD without data), and the process exits with
 *   125  the filter could not be installed (also: a one-line message on stderr),
 *   126  FILE could not be executed, 127  FILE was not found (ENOENT / ENOTDIR).
 * STAGE is one of: usage, nnp, seccomp, exec.
 *
 * No policy here: the caller chose the program and the flags. The process is single-threaded,
 * so TSYNC is not needed.
 *
 * Freestanding on purpose (no libc, raw system calls, own _start): a static glibc program spends
 * about 0.4 ms in start-up code per exec on the reference machine, more than the rest of the
 * launcher together, and the launcher runs once per confined spawn. Supported: x86_64, aarch64.
 */
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/filter.h>
#include <linux/prctl.h>
#include <linux/seccomp.h>
#include <asm/unistd.h>

#ifndef SECCOMP_SET_MODE_FILTER
#define SECCOMP_SET_MODE_FILTER 1
#endif
#ifndef SECCOMP_MODE_FILTER
#define SECCOMP_MODE_FILTER 2
#endif
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif

typedef unsigned long size_t;
typedef long ssize_t;

enum { EXIT_CONFINE = 125, EXIT_NOEXEC = 126, EXIT_NOTFOUND = 127 };

/* The kernel caps a filter at BPF_MAXINSNS (4096) instructions. */
#define MAX_INSNS 4096
#define PATH_BUF 4096

/* ---- system calls ----------------------------------------------------------------------- */

#if defined(__x86_64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f) {
  register long r10 __asm__("r10") = d;
  register long r8 __asm__("r8") = e;
  register long r9 __asm__("r9") = f;
  long ret;
  __asm__ volatile("syscall"
                   : "=a"(ret)
                   : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
                   : "rcx", "r11", "memory");
  return ret;
}
__asm__(".text\n"
        ".global _start\n"
        ".type _start,@function\n"
        "_start:\n"
        "  xor %rbp, %rbp\n"
        "  mov %rsp, %rdi\n"
        "  and $-16, %rsp\n"
        "  call launcher_start\n"
        "  hlt\n");
#elif defined(__aarch64__)
static long sys6(long n, long a, long b, long c, long d, long e, long f) {
  register long x8 __asm__("x8") = n;
  register long x0 __asm__("x0") = a;
  register long x1 __asm__("x1") = b;
  register long x2 __asm__("x2") = c;
  register long x3 __asm__("x3") = d;
  register long x4 __asm__("x4") = e;
  register long x5 __asm__("x5") = f;
  __asm__ volatile("svc 0"
                   : "+r"(x0)
                   : "r"(x8), "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5)
                   : "memory");
  return x0;
}
__asm__(".text\n"
        ".global _start\n"
        ".type _start,%function\n"
        "_start:\n"
        "  mov x29, #0\n"
        "  mov x30, #0\n"
        "  mov x0, sp\n"
        "  and sp, x0, #-16\n"
        "  bl launcher_start\n"
        "  brk #0\n");
#else
#error "seccomp-launcher supports x86_64 and aarch64"
#endif

#define SYS(n, a, b, c) sys6((n), (long)(a), (long)(b), (long)(c), 0, 0, 0)

/* The compiler may emit calls to these for copies and clears even when freestanding. */
void *memset(void *dst, int c, size_t n);
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n) {
  volatile unsigned char *d = dst;
  while (n--) *d++ = (unsigned char)c;
  return dst;
}
void *memcpy(void *dst, const void *src, size_t n) {
  volatile unsigned char *d = dst;
  const unsigned char *s = src;
  while (n--) *d++ = *s++;
  return dst;
}

static __attribute__((noreturn)) void sys_exit(int status) {
  for (;;) SYS(__NR_exit_group, status, 0, 0);
}

/* ---- small helpers ---------------------------------------------------------------------- */

static size_t str_len(const char *s) {
  size_t n = 0;
  while (s[n] != '\0') n++;
  return n;
}

static void put(int fd, const char *s, size_t len) {
  while (len > 0) {
    long n = SYS(__NR_write, fd, s, len);
    if (n == -EINTR) continue;
    if (n <= 0) return;
    s += n;
    len -= (size_t)n;
  }
}

/* Appends `s` to buf[*at..cap), truncating. */
static void append(char *buf, size_t *at, size_t cap, const char *s) {
  while (*s != '\0' && *at + 1 < cap) buf[(*at)++] = *s++;
  buf[*at] = '\0';
}

static void append_uint(char *buf, size_t *at, size_t cap, unsigned long v) {
  char digits[24];
  int n = 0;
  do {
    digits[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v != 0);
  char one[2] = {0, 0};
  while (n > 0) {
    one[0] = digits[--n];
    append(buf, at, cap, one);
  }
}

/* Decimal without sign; -1 on anything else or a value above max. */
static int parse_uint(const char *s, unsigned long max, unsigned long *out) {
  unsigned long v = 0;
  if (*s == '\0') return -1;
  for (; *s != '\0'; s++) {
    if (*s < '0' || *s > '9') return -1;
    unsigned long d = (unsigned long)(*s - '0');
    if (d > max || v > (max - d) / 10) return -1;
    v = v * 10 + d;
  }
  *out = v;
  return 0;
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

static const char *errno_name(long err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case EBADF: return "EBADF";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EINVAL: return "EINVAL";
    case EPIPE: return "EPIPE";
    case ENOSYS: return "ENOSYS";
    case ENOTDIR: return "ENOTDIR";
    case ENOEXEC: return "ENOEXEC";
    case ESRCH: return "ESRCH";
    case EBUSY: return "EBUSY";
    default: return 0;
  }
}

static int status_fd = -1;

/* Report STAGE/err on the status fd; for confinement failures also one line on stderr. */
static __attribute__((noreturn)) void fail(const char *stage, long err, const char *what, int status) {
  char line[64];
  size_t at = 0;
  if (status_fd >= 0) {
    append(line, &at, sizeof line, stage);
    append(line, &at, sizeof line, " ");
    append_uint(line, &at, sizeof line, (unsigned long)err);
    append(line, &at, sizeof line, "\n");
    put(status_fd, line, at);
  }
  if (status == EXIT_CONFINE) {
    char msg[256];
    const char *name = errno_name(err);
    at = 0;
    append(msg, &at, sizeof msg, "seccomp-launcher: ");
    append(msg, &at, sizeof msg, what);
    append(msg, &at, sizeof msg, " failed: ");
    if (name) {
      append(msg, &at, sizeof msg, name);
    } else {
      append(msg, &at, sizeof msg, "errno ");
      append_uint(msg, &at, sizeof msg, (unsigned long)err);
    }
    append(msg, &at, sizeof msg, "; command not run\n");
    put(2, msg, at);
  }
  sys_exit(status);
}

/* ---- execvp ----------------------------------------------------------------------------- */

static const char *env_get(char **envp, const char *name) {
  size_t n = str_len(name);
  for (; *envp != 0; envp++) {
    const char *e = *envp;
    size_t i = 0;
    while (i < n && e[i] == name[i]) i++;
    if (i == n && e[n] == '=') return e + n + 1;
  }
  return 0;
}

/* execve, running a file the kernel cannot execute with /bin/sh as execvp does. `argv` is
 * argv + 6 of main (ARGV0 ...); argv[-1] is free (FILE's slot) for the shell fallback. */
static long exec_one(const char *path, char **argv, char **envp) {
  long err = SYS(__NR_execve, path, argv, envp);
  if (err == -ENOEXEC) {
    char *saved = argv[0];
    argv[-1] = (char *)"/bin/sh";
    argv[0] = (char *)path;
    err = SYS(__NR_execve, "/bin/sh", argv - 1, envp);
    argv[0] = saved;
  }
  return -err;
}

static long exec_search(const char *file, char **argv, char **envp) {
  if (file[0] == '\0') return ENOENT;
  for (const char *p = file; *p != '\0'; p++) {
    if (*p == '/') return exec_one(file, argv, envp);
  }
  const char *path = env_get(envp, "PATH");
  if (path == 0) path = "/bin:/usr/bin";
  size_t flen = str_len(file);
  int denied = 0;
  long last = ENOENT;
  for (;;) {
    const char *end = path;
    while (*end != '\0' && *end != ':') end++;
    size_t dlen = (size_t)(end - path);
    static char buf[PATH_BUF];
    if (dlen + 1 + flen + 1 <= sizeof buf) {
      size_t at = 0;
      for (size_t i = 0; i < dlen; i++) buf[at++] = path[i];
      if (dlen > 0) buf[at++] = '/';
      for (size_t i = 0; i < flen; i++) buf[at++] = file[i];
      buf[at] = '\0';
      long err = exec_one(buf, argv, envp);
      switch (err) {
        case EACCES:
          denied = 1;
          /* fall through */
        case ENOENT:
        case ENOTDIR:
        case ENODEV:
        case ESTALE:
        case ETIMEDOUT:
          last = err;
          break;
        default:
          return err;
      }
    } else {
      last = ENAMETOOLONG;
    }
    if (*end == '\0') break;
    path = end + 1;
  }
  return denied ? EACCES : last;
}

/* ---- main ------------------------------------------------------------------------------- */

static struct sock_filter filter[MAX_INSNS];

__attribute__((used, noreturn)) void launcher_start(long *sp);
__attribute__((used, noreturn)) void launcher_start(long *sp) {
  int argc = (int)sp[0];
  char **argv = (char **)(sp + 1);
  char **envp = argv + argc + 1;
  unsigned long fd, flags, nnp;

  if (argc < 7 || parse_uint(argv[1], 1023, &fd) != 0) {
    static const char usage[] = "usage: seccomp-launcher FD PROGRAM FLAGS NNP FILE ARGV0 [ARG...]\n";
    put(2, usage, sizeof usage - 1);
    sys_exit(EXIT_CONFINE);
  }
  long r = SYS(__NR_fcntl, fd, F_SETFD, FD_CLOEXEC);
  if (r != 0) fail("usage", -r, "fcntl(status fd)", EXIT_CONFINE);
  status_fd = (int)fd;
  size_t digits = str_len(argv[2]);
  size_t nbytes = digits / 2;
  if (digits % 2 != 0 || nbytes == 0 || nbytes % sizeof(struct sock_filter) != 0 || nbytes > sizeof filter ||
      parse_uint(argv[3], 0xffffffffUL, &flags) != 0 || parse_uint(argv[4], 1, &nnp) != 0) {
    fail("usage", EINVAL, "parsing the arguments", EXIT_CONFINE);
  }
  unsigned char *out = (unsigned char *)filter;
  for (size_t i = 0; i < nbytes; i++) {
    int hi = hex_digit(argv[2][2 * i]);
    int lo = hex_digit(argv[2][2 * i + 1]);
    if (hi < 0 || lo < 0) fail("usage", EINVAL, "parsing the program", EXIT_CONFINE);
    out[i] = (unsigned char)(hi * 16 + lo);
  }
  struct sock_fprog prog = {.len = (unsigned short)(nbytes / sizeof(struct sock_filter)), .filter = filter};

  if (nnp) {
    r = sys6(__NR_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0, 0);
    if (r != 0) fail("nnp", -r, "prctl(PR_SET_NO_NEW_PRIVS)", EXIT_CONFINE);
  }
  r = SYS(__NR_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r == -ENOSYS && flags == 0) {
    r = sys6(__NR_prctl, PR_SET_SECCOMP, SECCOMP_MODE_FILTER, (long)&prog, 0, 0, 0);
  }
  if (r != 0) fail("seccomp", -r, "seccomp(SECCOMP_SET_MODE_FILTER)", EXIT_CONFINE);

  long err = exec_search(argv[5], argv + 6, envp);
  fail("exec", err, "execve", (err == ENOENT || err == ENOTDIR) ? EXIT_NOTFOUND : EXIT_NOEXEC);
}
