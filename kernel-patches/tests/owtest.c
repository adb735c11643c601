// SPDX-License-Identifier: GPL-2.0-only
/*
 * In-guest test of the Otherworld kernel patches (run by boot-test.sh).
 *
 *   owtest prctl                 PR_SET/GET_OTHERWORLD semantics (fork inherits, exec clears)
 *   owtest crash                 starts "owspin" (CPU 0, pattern in xmm14, spins in user mode),
 *                                then on CPU 1 sets policy 3 / 7 procedures, loads xmm15 with a
 *                                pattern and writes 'c' to /proc/sysrq-trigger from inline asm
 *   owtest vmcore OFFSETS        in the kdump kernel: reads otherworld_crash_info from
 *                                /proc/vmcore and follows it to the dead task (needs nokaslr
 *                                and 4-level paging for the direct-map rule)
 *
 * Prints "OWTEST PASS ..." or "OWTEST FAIL ..." lines.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define PR_SET_OTHERWORLD 0x4f570001
#define PR_GET_OTHERWORLD 0x4f570002
#define DIRECT_MAP 0xffff888000000000ULL	/* 4-level paging, nokaslr */
#define KERNEL_MAP 0xffffffff80000000ULL	/* __START_KERNEL_map */
#define PATTERN 0x5a5a5a5a12345678ULL

static int fails;

static void check(int ok, const char *what)
{
	printf("OWTEST %s %s\n", ok ? "PASS" : "FAIL", what);
	fails += !ok;
}

static int get(unsigned int *nr)
{
	return prctl(PR_GET_OTHERWORLD, nr, 0, 0, 0);
}

static int test_prctl(char *self)
{
	unsigned int nr = 99;
	int st;
	pid_t p;

	check(get(&nr) == 0 && nr == 0, "fresh process has policy 0");
	check(prctl(PR_SET_OTHERWORLD, 1, 5, 0, 0) == 0, "set policy 1 count 5");
	check(get(&nr) == 1 && nr == 5, "get returns 1/5");
	check(prctl(PR_SET_OTHERWORLD, 4, 0, 0, 0) == -1, "policy 4 rejected");
	check(prctl(PR_SET_OTHERWORLD, 0, 3, 0, 0) == -1, "policy 0 with a count rejected");
	check(prctl(PR_SET_OTHERWORLD, 2, 1, 1, 0) == -1, "nonzero arg4 rejected");
	check(get(&nr) == 1 && nr == 5, "failed calls changed nothing");
	p = fork();
	if (p == 0)
		_exit(get(&nr) == 1 && nr == 5 ? 0 : 1);
	waitpid(p, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "fork child inherits 1/5");
	p = fork();
	if (p == 0) {
		execl(self, self, "expect-zero", (char *)NULL);
		_exit(2);
	}
	waitpid(p, &st, 0);
	check(WIFEXITED(st) && WEXITSTATUS(st) == 0, "exec clears the policy");
	check(prctl(PR_SET_OTHERWORLD, 0, 0, 0, 0) == 0 && get(NULL) == 0, "unregister");
	printf("OWTEST DONE prctl fails=%d\n", fails);
	return fails != 0;
}

static void pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

#define SPIN_PATTERN 0x0123456789abcdefULL

static void spin(void)
{
	static const uint64_t pat[2] = { SPIN_PATTERN, ~SPIN_PATTERN };

	pin(0);
	prctl(PR_SET_NAME, "owspin", 0, 0, 0);
	asm volatile("movdqu (%[p]), %%xmm14\n\t"
		     "1: jmp 1b"
		     : : [p] "r"(pat) : "memory", "xmm14");
}

static int do_crash(void)
{
	static const uint64_t pat[2] = { PATTERN, ~PATTERN };
	int fd = open("/proc/sysrq-trigger", O_WRONLY);
	long ret;

	if (fork() == 0)
		spin();
	pin(1);
	sleep(1);

	if (fd < 0 || prctl(PR_SET_OTHERWORLD, 3, 7, 0, 0) != 0) {
		perror("owtest crash");
		return 1;
	}
	printf("OWTEST crashing pid=%d\n", getpid());
	fflush(stdout);
	asm volatile("movdqu (%[p]), %%xmm15\n\t"
		     "syscall"
		     : "=a"(ret)
		     : [p] "r"(pat), "0"(1L), "D"((long)fd), "S"("c"), "d"(1L)
		     : "rcx", "r11", "memory", "xmm15");
	return 1;
}

/* ---- vmcore reading ---- */
static int vfd;
static Elf64_Phdr *ph;
static int nph;

static int rd_phys(uint64_t pa, void *buf, size_t len)
{
	for (int i = 0; i < nph; i++) {
		if (ph[i].p_type == PT_LOAD && pa >= ph[i].p_paddr &&
		    pa + len <= ph[i].p_paddr + ph[i].p_filesz)
			return pread(vfd, buf, len, ph[i].p_offset + pa - ph[i].p_paddr) == (ssize_t)len ? 0 : -1;
	}
	return -1;
}

static uint64_t phys_base;

static int rd(uint64_t va, void *buf, size_t len)
{
	if (va >= KERNEL_MAP)
		return rd_phys(va - KERNEL_MAP + phys_base, buf, len);
	if (va >= DIRECT_MAP)
		return rd_phys(va - DIRECT_MAP, buf, len);
	return -1;
}

static uint64_t u64at(uint64_t va)
{
	uint64_t v = 0;

	rd(va, &v, sizeof(v));
	return v;
}

static uint32_t u32at(uint64_t va)
{
	uint32_t v = 0;

	rd(va, &v, sizeof(v));
	return v;
}

static char *vmcoreinfo(void)
{
	for (int i = 0; i < nph; i++) {
		char *n, *p, *end;

		if (ph[i].p_type != PT_NOTE)
			continue;
		n = malloc(ph[i].p_filesz + 1);
		pread(vfd, n, ph[i].p_filesz, ph[i].p_offset);
		n[ph[i].p_filesz] = 0;
		for (p = n, end = n + ph[i].p_filesz; p + 12 <= end;) {
			Elf64_Nhdr *h = (Elf64_Nhdr *)p;
			char *name = p + 12, *desc = name + ((h->n_namesz + 3) & ~3);

			if (!strncmp(name, "VMCOREINFO", 10)) {
				desc[h->n_descsz] = 0;
				return desc;
			}
			p = desc + ((h->n_descsz + 3) & ~3);
		}
	}
	return NULL;
}

static uint64_t key(const char *info, const char *k, int base)
{
	const char *p = strstr(info, k);

	return p ? strtoull(p + strlen(k), NULL, base) : 0;
}

/* the task whose comm is @comm, from init_task's list */
static uint64_t find_task(uint64_t init_task, unsigned long o_tasks, unsigned long o_comm, const char *comm)
{
	uint64_t head = init_task + o_tasks, n = u64at(head);

	for (int i = 0; i < 10000 && n && n != head; i++, n = u64at(n)) {
		char c[17] = { 0 };

		rd(n - o_tasks + o_comm, c, 16);
		if (!strcmp(c, comm))
			return n - o_tasks;
	}
	return 0;
}

/*
 * OFFSETS: task.thread.fpu,fpu.crash_saved,fpu.fpstate,fpstate.regs,task.mm,mm.otherworld_policy,
 * task.tasks,task.comm,&init_task (hex)
 */
static int test_vmcore(const char *offs)
{
	unsigned long o_fpu, o_saved, o_fpstate, o_regs, o_mm, o_pol, o_tasks, o_comm;
	unsigned long long init_task, spinner;
	Elf64_Ehdr eh;
	char *info, comm[17] = { 0 }, msg[257] = { 0 };
	uint64_t ci, task, mm, fps, x[2];
	uint8_t f[8];

	if (sscanf(offs, "%lu,%lu,%lu,%lu,%lu,%lu,%lu,%lu,%llx", &o_fpu, &o_saved, &o_fpstate, &o_regs,
		   &o_mm, &o_pol, &o_tasks, &o_comm, &init_task) != 9)
		return 2;
	vfd = open("/proc/vmcore", O_RDONLY);
	if (vfd < 0 || pread(vfd, &eh, sizeof(eh), 0) != sizeof(eh))
		return 2;
	nph = eh.e_phnum;
	ph = calloc(nph, sizeof(*ph));
	pread(vfd, ph, nph * sizeof(*ph), eh.e_phoff);
	info = vmcoreinfo();
	check(info != NULL, "VMCOREINFO note found");
	if (!info)
		return 1;
	phys_base = key(info, "NUMBER(phys_base)=", 10);
	ci = key(info, "SYMBOL(otherworld_crash_info)=", 16);
	check(ci != 0, "VMCOREINFO has SYMBOL(otherworld_crash_info)");
	check(key(info, "SIZE(otherworld_crash_info)=", 10) == 320, "SIZE(otherworld_crash_info)=320");
	check(u32at(ci) == 0x4f574349 && u32at(ci + 4) == 1, "magic and version");
	rd(ci + 20, f, 8);
	rd(ci + 48, comm, 16);
	rd(ci + 64, msg, 256);
	task = u64at(ci + 40);
	printf("OWTEST info cpu=%d pid=%u tgid=%u has_regs=%u in_user=%u nmi=%u hardirq=%u softirq=%u kthread=%u has_msg=%u comm=%s msg='%s' task=%#llx\n",
	       (int)u32at(ci + 8), u32at(ci + 12), u32at(ci + 16), f[0], f[1], f[2], f[3], f[4], f[5], f[6],
	       comm, msg, (unsigned long long)task);
	check(!strcmp(comm, "owtest") && f[5] == 0, "faulty task is owtest, a user task");
	check(f[6] == 1 && !strcmp(msg, "sysrq triggered crash"), "panic message recorded");
	check(f[0] == 0 && f[1] == 0, "panic() from kernel code: no regs, not user mode");
	mm = u64at(task + o_mm);
	printf("OWTEST mm=%#llx policy=%u nr=%u\n", (unsigned long long)mm, u32at(mm + o_pol), u32at(mm + o_pol + 4));
	check(u32at(mm + o_pol) == 3 && u32at(mm + o_pol + 4) == 7, "mm policy 3, 7 procedures");
	printf("OWTEST ti_flags=%#llx crash_saved=%u\n", (unsigned long long)u64at(task),
	       u32at(task + o_fpu + o_saved));
	/*
	 * The panicking task may have been switched out and back in during its write(): then
	 * TIF_NEED_FPU_LOAD was already set, the switch saved the registers and the patch rightly
	 * leaves them alone (crash_saved 0). Either way the fpstate must be authoritative.
	 */
	printf("OWTEST panicking task: %s\n", u32at(task + o_fpu + o_saved) ?
	       "registers saved by the crash path" : "fpstate already authoritative (switched)");
	check(u64at(task) & (1ULL << 14), "TIF_NEED_FPU_LOAD set (fpstate authoritative)");
	fps = u64at(task + o_fpu + o_fpstate);
	rd(fps + o_regs + 160 + 15 * 16, x, 16);
	printf("OWTEST xmm15=%016llx%016llx\n", (unsigned long long)x[1], (unsigned long long)x[0]);
	check(x[0] == PATTERN && x[1] == ~PATTERN, "xmm15 in fpstate holds the pattern");
	spinner = find_task(init_task, o_tasks, o_comm, "owspin");
	check(spinner != 0, "owspin found in the task list");
	if (spinner) {
		printf("OWTEST owspin ti_flags=%#llx crash_saved=%u\n", (unsigned long long)u64at(spinner),
		       u32at(spinner + o_fpu + o_saved));
		check(u32at(spinner + o_fpu + o_saved) == 1, "fpu.crash_saved set on owspin (NMI path)");
		fps = u64at(spinner + o_fpu + o_fpstate);
		rd(fps + o_regs + 160 + 14 * 16, x, 16);
		printf("OWTEST owspin xmm14=%016llx%016llx\n", (unsigned long long)x[1], (unsigned long long)x[0]);
		check(x[0] == SPIN_PATTERN && x[1] == ~SPIN_PATTERN, "xmm14 of owspin holds its pattern");
	}
	printf("OWTEST DONE vmcore fails=%d\n", fails);
	return fails != 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "prctl"))
		return test_prctl(argv[0]);
	if (argc == 2 && !strcmp(argv[1], "expect-zero")) {
		unsigned int nr = 9;

		return get(&nr) == 0 && nr == 0 ? 0 : 1;
	}
	if (argc == 2 && !strcmp(argv[1], "crash"))
		return do_crash();
	if (argc == 3 && !strcmp(argv[1], "vmcore"))
		return test_vmcore(argv[2]);
	fprintf(stderr, "usage: owtest prctl | crash | vmcore OFFSETS\n");
	return 2;
}
