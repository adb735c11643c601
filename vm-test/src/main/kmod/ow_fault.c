// SPDX-License-Identifier: GPL-2.0
/*
 * ow_fault: on-demand kernel failures for the Otherworld VM harness.
 *
 * Writing a fault name to /proc/ow_fault makes the kernel fail in the context of the writing process:
 *   null-deref   dereference a NULL pointer (an oops; a panic with panic_on_oops=1)
 *   bug          BUG()
 *   softlockup   spin with preemption disabled (a panic with kernel.softlockup_panic=1)
 *   hung         sleep uninterruptibly (a panic with kernel.hung_task_panic=1)
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/proc_fs.h>
#include <linux/sched.h>
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

static ssize_t ow_fault_write(struct file *file, const char __user *buf, size_t len, loff_t *off)
{
	char cmd[32];
	size_t n = min(len, sizeof(cmd) - 1);

	if (copy_from_user(cmd, buf, n))
		return -EFAULT;
	cmd[n] = '\0';
	strim(cmd);
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
}

module_init(ow_fault_init);
module_exit(ow_fault_exit);
