/*
 * build_filter: builds seccomp filters with libseccomp the way runc does
 * (libcontainer/seccomp/seccomp_linux.go, InitSeccomp + matchCall), and prints
 * the BPF that seccomp_export_bpf produces. Used by test/libseccomp.test.ts.
 *
 * Linked statically against Debian's libseccomp.a (2.6.0) so that the hidden
 * `arch_def_native` can be pointed at aarch64: that reproduces runc running on an
 * aarch64 host (names resolved on the native arch, native arch always in the
 * filter) on this x86_64 machine. Everything else is plain public API.
 *
 * Input on stdin, one profile after another (tokens separated by blanks):
 *   profile <id> <machine: x86_64|aarch64> <default action, hex u32>
 *   arch <libseccomp arch name>                      (zero or more)
 *   optimize <1|2>                                   (optional: force SCMP_FLTATR_CTL_OPTIMIZE;
 *                                                     without it, runc's choice: 2 when > 32 rules)
 *   rule <name> <action hex u32> <ncond> { <index> <op 1..7> <value> <valueTwo> }
 *   end
 * One `rule` line per syscall name (runc's configs.Syscall). Values are unsigned
 * decimal. Output on stdout, per profile:
 *   profile <id>
 *   skip <name> default|unknown    rule not added (action == default / name not native)
 *   rejected <name> <errno>        runc would fail here (libseccomp error); no bpf follows
 *   max <arch> <nr>                runc's ENOSYS-stub bound for the arch (largest named nr)
 *   bpf <hex>                      8 bytes per instruction: code(le16) jt jf k(le32)
 *   end
 *
 * `build_filter tables` instead prints libseccomp's syscall tables: `<arch> <nr> <name>` for
 * x86_64, x86, x32 (numbers include the x32 bit), aarch64 and arm.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <seccomp.h>

/* Hidden libseccomp internals (src/arch.h); only the addresses are used. */
struct arch_def;
extern const struct arch_def *arch_def_native;
extern const struct arch_def arch_def_x86_64;
extern const struct arch_def arch_def_aarch64;

#define MAX_RULES 4096
#define MAX_ARCHES 8

struct rule {
	char name[64];
	uint32_t action;
	unsigned int ncond;
	struct scmp_arg_cmp cond[6];
};

static struct rule rules[MAX_RULES];

static void die(const char *msg)
{
	fprintf(stderr, "build_filter: %s\n", msg);
	exit(2);
}

static int read_token(char *buf, size_t len)
{
	return scanf("%63s", buf) == 1 && strlen(buf) < len;
}

/* Mirrors runc's matchCall for one configs.Syscall; returns 0 or a negative errno. */
static int add_rule(scmp_filter_ctx ctx, const struct rule *r, uint32_t def)
{
	int nr, rc;
	unsigned int i, count[6] = {0};
	int split = 0;

	if (r->action == def) {
		printf("skip %s default\n", r->name);
		return 0;
	}
	nr = seccomp_syscall_resolve_name(r->name);
	if (nr == __NR_SCMP_ERROR) {
		printf("skip %s unknown\n", r->name);
		return 0;
	}
	if (r->ncond == 0)
		return seccomp_rule_add(ctx, r->action, nr, 0);
	for (i = 0; i < r->ncond; i++)
		if (++count[r->cond[i].arg] > 1)
			split = 1;
	if (!split)
		return seccomp_rule_add_array(ctx, r->action, nr, r->ncond, r->cond);
	for (i = 0; i < r->ncond; i++) {
		rc = seccomp_rule_add_array(ctx, r->action, nr, 1, &r->cond[i]);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void dump_tables(void)
{
	static const char *const names[] = { "x86_64", "x86", "x32", "aarch64", "arm" };
	unsigned int a;
	int nr;

	for (a = 0; a < sizeof(names) / sizeof(names[0]); a++) {
		uint32_t token = seccomp_arch_resolve_name(names[a]);
		int base = strcmp(names[a], "x32") == 0 ? 0x40000000 : 0;
		for (nr = base; nr < base + 0x100000; nr++) {
			char *name = seccomp_syscall_resolve_num_arch(token, nr);
			if (name != NULL) {
				printf("%s %d %s\n", names[a], nr, name);
				free(name);
			}
		}
	}
}

int main(int argc, char **argv)
{
	char tok[64], id[64], machine[64], arches[MAX_ARCHES][64];
	unsigned int narch, nrule, optimize, i, j;
	uint32_t def;

	/* libseccomp probes the running kernel (API level, available actions) through the native
	 * arch's seccomp(2) number and caches the answers. Probe now, while native is really
	 * x86_64, so that later aarch64-as-native filters do not call syscall 277 on this host.
	 * The probes never install a filter (invalid arguments / GET_ACTION_AVAIL only). */
	seccomp_api_get();
	{
		scmp_filter_ctx warm = seccomp_init(SCMP_ACT_ALLOW);
		if (warm == NULL)
			die("seccomp_init failed");
		seccomp_rule_add(warm, SCMP_ACT_LOG, SCMP_SYS(read), 0);
		seccomp_rule_add(warm, SCMP_ACT_KILL_PROCESS, SCMP_SYS(write), 0);
		seccomp_rule_add(warm, SCMP_ACT_NOTIFY, SCMP_SYS(close), 0);
		seccomp_release(warm);
	}

	if (argc > 1 && strcmp(argv[1], "tables") == 0) {
		dump_tables();
		return 0;
	}
	while (read_token(tok, sizeof(tok))) {
		scmp_filter_ctx ctx;
		int rc = 0, rejected = 0;

		if (strcmp(tok, "profile") != 0)
			die("expected 'profile'");
		if (!read_token(id, sizeof(id)) || !read_token(machine, sizeof(machine)) ||
		    scanf("%x", &def) != 1)
			die("bad profile line");
		narch = 0;
		nrule = 0;
		optimize = 0;
		for (;;) {
			if (!read_token(tok, sizeof(tok)))
				die("unexpected end of input");
			if (strcmp(tok, "end") == 0)
				break;
			if (strcmp(tok, "arch") == 0) {
				if (narch == MAX_ARCHES || !read_token(arches[narch], 64))
					die("bad arch line");
				narch++;
			} else if (strcmp(tok, "optimize") == 0) {
				if (scanf("%u", &optimize) != 1 || optimize < 1 || optimize > 2)
					die("bad optimize line");
			} else if (strcmp(tok, "rule") == 0) {
				struct rule *r = &rules[nrule];
				if (nrule == MAX_RULES)
					die("too many rules");
				if (!read_token(r->name, sizeof(r->name)) ||
				    scanf("%x %u", &r->action, &r->ncond) != 2 || r->ncond > 6)
					die("bad rule line");
				for (i = 0; i < r->ncond; i++) {
					unsigned int idx, op;
					unsigned long long a, b;
					if (scanf("%u %u %llu %llu", &idx, &op, &a, &b) != 4 || idx > 5)
						die("bad condition");
					r->cond[i].arg = idx;
					r->cond[i].op = (enum scmp_compare)op;
					r->cond[i].datum_a = a;
					r->cond[i].datum_b = b;
				}
				nrule++;
			} else {
				die("unknown line");
			}
		}

		if (strcmp(machine, "x86_64") == 0)
			arch_def_native = &arch_def_x86_64;
		else if (strcmp(machine, "aarch64") == 0)
			arch_def_native = &arch_def_aarch64;
		else
			die("unknown machine");

		printf("profile %s\n", id);
		/* libseccomp.NewFilter(defaultAction) */
		ctx = seccomp_init(def);
		if (ctx == NULL)
			die("seccomp_init failed");
		/* filter.AddArch(...) for config.Architectures; the native arch is already there */
		for (i = 0; i < narch; i++) {
			uint32_t token = seccomp_arch_resolve_name(arches[i]);
			if (token == 0)
				die("unknown arch name");
			rc = seccomp_arch_add(ctx, token);
			if (rc < 0 && rc != -EEXIST)
				die("seccomp_arch_add failed");
		}
		/* runc: binary tree optimisation when len(config.Syscalls) > 32, unless forced */
		if (optimize == 0 && nrule > 32)
			optimize = 2;
		if (optimize != 0 && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, optimize) < 0)
			die("cannot set optimize level");
		if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0) < 0)
			die("cannot clear NNP");

		for (i = 0; i < nrule; i++) {
			rc = add_rule(ctx, &rules[i], def);
			if (rc < 0) {
				printf("rejected %s %d\n", rules[i].name, -rc);
				rejected = 1;
				break;
			}
		}

		/* patchbpf.findLastSyscalls: largest number named in the config, per arch */
		{
			const char *natname = strcmp(machine, "x86_64") == 0 ? "x86_64" : "aarch64";
			const char *all[MAX_ARCHES + 1];
			unsigned int nall = 0;
			all[nall++] = natname;
			for (i = 0; i < narch; i++) {
				for (j = 0; j < nall; j++)
					if (strcmp(all[j], arches[i]) == 0)
						break;
				if (j == nall)
					all[nall++] = arches[i];
			}
			for (j = 0; j < nall; j++) {
				uint32_t token = seccomp_arch_resolve_name(all[j]);
				int largest = 0;
				for (i = 0; i < nrule; i++) {
					int n = seccomp_syscall_resolve_name_arch(token, rules[i].name);
					if (n > largest)
						largest = n;
				}
				printf("max %s %d\n", all[j], largest);
			}
		}

		if (!rejected) {
			size_t len = 0;
			unsigned char *buf;
			if (seccomp_export_bpf_mem(ctx, NULL, &len) < 0)
				die("cannot size bpf");
			buf = malloc(len ? len : 1);
			if (buf == NULL || seccomp_export_bpf_mem(ctx, buf, &len) < 0)
				die("cannot export bpf");
			printf("bpf ");
			for (i = 0; i < len; i++)
				printf("%02x", buf[i]);
			printf("\n");
			free(buf);
		}
		seccomp_release(ctx);
		printf("end\n");
		fflush(stdout);
	}
	return 0;
}
