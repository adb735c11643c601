// SPDX-License-Identifier: GPL-2.0
/*
 * ow_fault: on-demand kernel failures for the Otherworld VM harness.
 *
 * Writing a command to /proc/ow_fault makes the kernel fail.
 *
 * Immediate failures, in the context of the writing process:
 *   null-deref   dereference a NULL pointer (an oops; a panic with panic_on_oops=1)
 *   bug          BUG()
 *   softlockup   spin with preemption disabled (a panic with kernel.softlockup_panic=1)
 *   hardlockup   spin with interrupts disabled for 60 s (a panic with kernel.hardlockup_panic=1,
 *                when an NMI watchdog exists; under QEMU TCG there is no PMU, so it usually does not)
 *   hung         sleep uninterruptibly (a panic with kernel.hung_task_panic=1)
 *
 * Software faults in a hot kernel path ("TYPE SEED [DELAY_HITS [TRIGGER_PID [REPEAT]]]"), after the classic fault types of
 * the Nooks/Otherworld injector and of the Linux error-propagation study. Arming registers a kprobe on
 * vfs_write() (fallback ksys_write()). The workloads all write regular files on the ext4 data disk in
 * their loops (counters, logs), so that path is hit every few hundred milliseconds in their
 * context; only such writes count, so the harness's own console shell (tty writes, procfs) is spared.
 * With TRIGGER_PID > 0 only writes of that process (thread group) count: the campaign starts a tiny
 * trigger process whose only job is to write a file on the data disk in a loop, so the kernel fails in
 * the trigger's context and the measured workloads are innocent bystanders (as in Otherworld's
 * experiments). Without it (or 0) every process's writes count. With REPEAT > 1 the handler perturbs
 * REPEAT consecutive counted hits from the DELAY_HITS-th on, each with fresh PRNG choices (Otherworld
 * injected 30 faults per experiment: a single fault often does not manifest).
 * On the DELAY_HITS-th counted hit (default 1 + SEED % 16) the handler perturbs the probed context
 * once, choosing every detail with a PRNG (splitmix64) seeded from SEED, and logs it with pr_emerg:
 *   stack        flip a bit of, or overwrite, a word on the kernel stack near regs->sp
 *   branch       wrong branch: take an early-return path (resume in a stub that returns a wrong value)
 *   insn         deleted/changed instruction: resume 1..24 bytes past the probed address
 *   regflip      wrong operand: flip one bit of one saved general register in pt_regs
 *   randwrite    write a random word at a random offset of an object reached from the arguments
 *                (struct file, its inode, its address_space or its dentry)
 *   null         NULL pointer: set the file argument to NULL (vfs_write dereferences it)
 *   deadlock     missing unlock: take the file's inode->i_lock and never release it
 *   offbyone     write one byte past the end of a kmalloc'd buffer, then free it
 *   overrun      write 2..N bytes past the end of a kmalloc'd buffer, then free it
 */
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kprobes.h>
#include <linux/magic.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Otherworld fault injector for VM trials");

struct ow_victim {
	int pad[16];
	int value;
};

/* Hidden from the optimizer so the NULL dereference really happens. */
static struct ow_victim *ow_victim_ptr(void)
{
	struct ow_victim *p = NULL;

	barrier_data(&p);
	return p;
}

/* ---- deterministic PRNG (splitmix64) ---- */

static u64 ow_rng;

static u64 ow_next(void)
{
	u64 z = (ow_rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static u64 ow_below(u64 n)
{
	return n ? ow_next() % n : 0;
}

/* ---- the probe ---- */

enum ow_type { OW_STACK, OW_BRANCH, OW_INSN, OW_REGFLIP, OW_RANDWRITE, OW_NULL, OW_DEADLOCK,
	       OW_OFFBYONE, OW_OVERRUN, OW_NTYPES };

static const char *const ow_type_names[OW_NTYPES] = {
	"stack", "branch", "insn", "regflip", "randwrite", "null", "deadlock", "offbyone", "overrun",
};

static DEFINE_SPINLOCK(ow_arm_lock);
static struct kprobe ow_kp;
static bool ow_kp_registered;
static int ow_armed_type = -1;
static u64 ow_seed;
static long ow_delay;
static pid_t ow_trigger; /* 0: any process; else only this thread group's writes count */
static atomic_long_t ow_hits;
static atomic_t ow_fired;
static int ow_repeat = 1;
static long ow_branch_ret;

/* The "wrong branch" target: returns to the probed function's caller with a wrong value. */
static noinline long ow_early_return(void)
{
	return READ_ONCE(ow_branch_ret);
}

/* Does this hit count? Only writes to regular files on an ext4 file system (the workloads' data). */
static bool ow_counted(struct pt_regs *regs)
{
	struct file *f = (struct file *)regs->di;
	struct inode *inode;

	if (ow_trigger && task_tgid_nr(current) != ow_trigger)
		return false;
	if (!f || (unsigned long)f < PAGE_OFFSET)
		return false;
	inode = READ_ONCE(f->f_inode);
	return inode && S_ISREG(inode->i_mode) && inode->i_sb && inode->i_sb->s_magic == EXT4_SUPER_MAGIC;
}

/* Saved general registers in pt_regs, by name, for "regflip". */
static unsigned long *ow_reg(struct pt_regs *regs, unsigned int i, const char **name)
{
	static const char *const names[] = { "ax", "bx", "cx", "dx", "si", "di", "bp",
					     "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	unsigned long *slots[] = { &regs->ax, &regs->bx, &regs->cx, &regs->dx, &regs->si, &regs->di,
				   &regs->bp, &regs->r8, &regs->r9, &regs->r10, &regs->r11, &regs->r12,
				   &regs->r13, &regs->r14, &regs->r15 };

	i %= ARRAY_SIZE(names);
	*name = names[i];
	return slots[i];
}

static void ow_overrun(unsigned int extra, const char *what)
{
	static const unsigned int sizes[] = { 32, 64, 96, 128, 192, 256, 512 };
	unsigned int size = sizes[ow_below(ARRAY_SIZE(sizes))];
	u8 *buf = kmalloc(size, GFP_ATOMIC);
	u8 fill = (u8)ow_next();
	unsigned int i;

	if (!buf) {
		pr_emerg("ow_fault: %s: kmalloc(%u) failed, nothing injected\n", what, size);
		return;
	}
	/* a loop the compiler cannot prove out of bounds: this is the bug we inject */
	barrier_data(buf);
	for (i = 0; i < size + extra; i++)
		buf[i] = fill;
	pr_emerg("ow_fault: %s: wrote %u bytes of 0x%02x into a %u-byte kmalloc buffer at %px (%u past its end), freeing it\n",
		 what, size + extra, fill, size, buf, extra);
	kfree(buf);
}

/* Returns 1 when it changed regs->ip (kprobes then resumes there), else 0. */
static int ow_perturb(struct pt_regs *regs, struct kprobe *p, long hit, int n)
{
	struct file *f = (struct file *)regs->di;
	const char *rn;
	unsigned long *slot, old;
	unsigned int k, bit;

	pr_emerg("ow_fault: firing '%s' seed=%llu at hit %ld of %pS in %s[%d] (fault %d of %d)\n",
		 ow_type_names[ow_armed_type], ow_seed, hit, p->addr, current->comm, task_pid_nr(current), n, ow_repeat);
	switch (ow_armed_type) {
	case OW_STACK: {
		unsigned long *sp = (unsigned long *)kernel_stack_pointer(regs);

		k = ow_below(16);
		old = sp[k];
		if (ow_below(2)) {
			bit = ow_below(64);
			sp[k] = old ^ (1UL << bit);
			pr_emerg("ow_fault: stack: flipped bit %u of the word at sp+%u (%px): 0x%lx -> 0x%lx\n",
				 bit, k * 8, &sp[k], old, sp[k]);
		} else {
			sp[k] = ow_next();
			pr_emerg("ow_fault: stack: overwrote the word at sp+%u (%px): 0x%lx -> 0x%lx\n",
				 k * 8, &sp[k], old, sp[k]);
		}
		return 0;
	}
	case OW_BRANCH: {
		static const long values[] = { 0, -EIO, -EFAULT, 1 };

		k = ow_below(ARRAY_SIZE(values) + 1);
		ow_branch_ret = k < ARRAY_SIZE(values) ? values[k] : (long)ow_next();
		pr_emerg("ow_fault: branch: early return from %pS with %ld (count was %lu)\n", p->addr,
			 ow_branch_ret, regs->dx);
		instruction_pointer_set(regs, (unsigned long)ow_early_return);
		return 1;
	}
	case OW_INSN:
		k = 1 + ow_below(24);
		pr_emerg("ow_fault: insn: resuming at %pS + %u bytes (instructions skipped or decoded from a wrong boundary)\n",
			 p->addr, k);
		instruction_pointer_set(regs, (unsigned long)p->addr + k);
		return 1;
	case OW_REGFLIP:
		slot = ow_reg(regs, ow_below(15), &rn);
		bit = ow_below(64);
		old = *slot;
		*slot ^= 1UL << bit;
		pr_emerg("ow_fault: regflip: flipped bit %u of %s: 0x%lx -> 0x%lx\n", bit, rn, old, *slot);
		return 0;
	case OW_RANDWRITE: {
		u8 *obj;
		size_t size;
		const char *what;

		switch (ow_below(4)) {
		case 0:
			obj = (u8 *)f; size = sizeof(*f); what = "struct file";
			break;
		case 1:
			obj = (u8 *)f->f_inode; size = sizeof(struct inode); what = "struct inode";
			break;
		case 2:
			obj = (u8 *)f->f_mapping; size = sizeof(struct address_space); what = "struct address_space";
			break;
		default:
			obj = (u8 *)f->f_path.dentry; size = sizeof(struct dentry); what = "struct dentry";
			break;
		}
		k = ow_below(size / 8) * 8;
		old = *(unsigned long *)(obj + k);
		*(unsigned long *)(obj + k) = ow_next();
		pr_emerg("ow_fault: randwrite: %s at %px, offset %u: 0x%lx -> 0x%lx\n", what, obj, k, old,
			 *(unsigned long *)(obj + k));
		return 0;
	}
	case OW_NULL:
		/* not pos: vfs_write accepts a NULL pos (stream files) and then writes at offset 0 */
		pr_emerg("ow_fault: null: file argument (di) 0x%lx -> NULL\n", regs->di);
		regs->di = 0;
		return 0;
	case OW_DEADLOCK:
		spin_lock(&f->f_inode->i_lock);
		pr_emerg("ow_fault: deadlock: took i_lock of inode %lu (%px) and will never release it\n",
			 f->f_inode->i_ino, &f->f_inode->i_lock);
		return 0;
	case OW_OFFBYONE:
		ow_overrun(1, "offbyone");
		return 0;
	case OW_OVERRUN:
		ow_overrun(2 + ow_below(63), "overrun");
		return 0;
	}
	return 0;
}

static int ow_pre(struct kprobe *p, struct pt_regs *regs)
{
	long hit;
	int n;

	if (ow_armed_type < 0 || atomic_read(&ow_fired) >= ow_repeat || !ow_counted(regs))
		return 0;
	hit = atomic_long_inc_return(&ow_hits);
	if (hit < ow_delay)
		return 0;
	n = atomic_inc_return(&ow_fired);
	if (n > ow_repeat)
		return 0;
	return ow_perturb(regs, p, hit, n);
}

static int ow_arm(int type, u64 seed, long delay, pid_t trigger, int repeat)
{
	static const char *const targets[] = { "vfs_write", "ksys_write" };
	unsigned long flags;
	int err = -EINVAL;
	unsigned int i;

	spin_lock_irqsave(&ow_arm_lock, flags);
	ow_armed_type = -1;
	ow_seed = seed;
	ow_rng = seed;
	ow_delay = delay > 0 ? delay : 1 + (long)(seed % 16);
	ow_trigger = trigger > 0 ? trigger : 0;
	ow_repeat = repeat > 0 ? min(repeat, 1000) : 1;
	atomic_long_set(&ow_hits, 0);
	atomic_set(&ow_fired, 0);
	spin_unlock_irqrestore(&ow_arm_lock, flags);
	if (!ow_kp_registered) {
		for (i = 0; i < ARRAY_SIZE(targets); i++) {
			memset(&ow_kp, 0, sizeof(ow_kp));
			ow_kp.symbol_name = targets[i];
			ow_kp.pre_handler = ow_pre;
			err = register_kprobe(&ow_kp);
			if (!err)
				break;
			pr_emerg("ow_fault: cannot probe %s: %d\n", targets[i], err);
		}
		if (err)
			return err;
		ow_kp_registered = true;
	}
	pr_emerg("ow_fault: armed '%s' seed=%llu delay_hits=%ld repeat=%d on %pS, counting writes of %s%d\n",
		 ow_type_names[type], seed, ow_delay, ow_repeat, ow_kp.addr, ow_trigger ? "trigger pid " : "any process ",
		 ow_trigger);
	WRITE_ONCE(ow_armed_type, type);
	return 0;
}

static ssize_t ow_fault_write(struct file *file, const char __user *buf, size_t len, loff_t *off)
{
	char cmd[64], name[32];
	size_t n = min(len, sizeof(cmd) - 1);
	unsigned long long seed = 0;
	long delay = 0;
	int trigger = 0, repeat = 1;
	int i, fields;

	if (copy_from_user(cmd, buf, n))
		return -EFAULT;
	cmd[n] = '\0';
	strim(cmd);
	fields = sscanf(cmd, "%31s %llu %ld %d %d", name, &seed, &delay, &trigger, &repeat);
	if (fields >= 2) {
		for (i = 0; i < OW_NTYPES; i++) {
			if (!strcmp(name, ow_type_names[i])) {
				int err = ow_arm(i, seed, fields >= 3 ? delay : 0, fields >= 4 ? trigger : 0,
						 fields >= 5 ? repeat : 1);

				return err ? err : len;
			}
		}
		return -EINVAL;
	}
	pr_emerg("ow_fault: injecting '%s' in %s[%d]\n", cmd, current->comm, task_pid_nr(current));
	if (!strcmp(cmd, "null-deref")) {
		WRITE_ONCE(ow_victim_ptr()->value, 1);
	} else if (!strcmp(cmd, "bug")) {
		BUG();
	} else if (!strcmp(cmd, "softlockup")) {
		unsigned long end = jiffies + 120 * HZ;

		preempt_disable();
		while (time_before(jiffies, end))
			cpu_relax();
		preempt_enable();
	} else if (!strcmp(cmd, "hardlockup")) {
		/* jiffies stop on this CPU with interrupts off; count with udelay instead */
		unsigned long flags;
		unsigned int ms;

		local_irq_save(flags);
		for (ms = 0; ms < 60000; ms++)
			udelay(1000);
		local_irq_restore(flags);
		pr_emerg("ow_fault: hardlockup: 60 s with interrupts off ended without a panic\n");
	} else if (!strcmp(cmd, "hung")) {
		set_current_state(TASK_UNINTERRUPTIBLE);
		schedule_timeout(600 * HZ);
	} else {
		return -EINVAL;
	}
	return len;
}

static const struct proc_ops ow_fault_ops = {
	.proc_write = ow_fault_write,
};

static int __init ow_fault_init(void)
{
	if (!proc_create("ow_fault", 0200, NULL, &ow_fault_ops))
		return -ENOMEM;
	return 0;
}

static void __exit ow_fault_exit(void)
{
	remove_proc_entry("ow_fault", NULL);
	if (ow_kp_registered)
		unregister_kprobe(&ow_kp);
}

module_init(ow_fault_init);
module_exit(ow_fault_exit);
