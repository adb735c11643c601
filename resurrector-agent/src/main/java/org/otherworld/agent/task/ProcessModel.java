package org.otherworld.agent.task;

import java.util.List;
import org.otherworld.agent.files.OpenFile;

/**
 * One user process of the dead kernel, as far as it could be read. Parts that could not be read are
 * null or empty and the reason is in {@link #errors()}; the process is still listed.
 *
 * @param task           address of the thread-group leader's task_struct
 * @param pid            tgid
 * @param ppid           real_parent->tgid
 * @param pgid           pid_nr(signal->pids[PIDTYPE_PGID])
 * @param sid            pid_nr(signal->pids[PIDTYPE_SID])
 * @param comm           the leader's comm
 * @param state          the leader's /proc state letter
 * @param flags          the leader's task->flags
 * @param startBoottimeNs task->start_boottime (ns since boot, suspend included)
 * @param startTimeNs    task->start_time (monotonic ns)
 * @param startTimeTicks /proc/PID/stat field 22: start_boottime / (NSEC_PER_SEC / USER_HZ)
 * @param cred           the leader's credentials
 * @param rlimits        signal->rlim
 * @param personality    task->personality
 * @param umask          fs->umask (-1 if no fs)
 * @param cwd            d_path(fs->pwd)
 * @param root           d_path(fs->root)
 * @param mm             the memory descriptor summary
 * @param threads        all threads, by tid
 * @param vmas           the VMAs in address order
 * @param pages          resident page runs with digests (empty if not requested)
 * @param actions        sighand->action for signals 1..64
 * @param sharedPending  signal->shared_pending.signal
 * @param sharedQueued   signal->shared_pending.list siginfos
 * @param files          the open files (from package files), or null if not read
 * @param errors         problems reading parts of the process ("part: reason")
 */
public record ProcessModel(long task, int pid, int ppid, int pgid, int sid, String comm, char state, long flags,
                           long startBoottimeNs, long startTimeNs, long startTimeTicks, Credentials cred,
                           List<Rlimit> rlimits, long personality, int umask, String cwd, String root, MmInfo mm,
                           List<ThreadModel> threads, List<Vma> vmas, List<PageRun> pages, List<SigAction> actions,
                           long sharedPending, List<QueuedSignal> sharedQueued, List<OpenFile> files,
                           List<String> errors) {
    /** The errors joined into one line, or null if there were none. */
    public String error() {
        return errors.isEmpty() ? null : String.join("; ", errors);
    }
}
