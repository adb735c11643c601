package org.otherworld.agent.images;

import java.util.List;

/**
 * One process to restore, in CRIU's terms.
 *
 * @param pid             process id (thread group id)
 * @param ppid            parent pid (0 for the tree's root)
 * @param pgid            process group
 * @param sid             session
 * @param comm            process name
 * @param taskFlags       task_struct flags (PF_*) as CRIU stores them (task_core_entry.flags)
 * @param personality     personality(2) value
 * @param threads         threads, the leader (tid == pid) first
 * @param mm              address space
 * @param pages           resident private pages, ascending
 * @param fds             open descriptors
 * @param fs              cwd, root, umask
 * @param sigactions      64 entries, index = signal - 1 (entries for SIGKILL/SIGSTOP are ignored)
 * @param creds           credentials
 * @param rlimits         resource limits, index = RLIMIT_* number (16 on Linux)
 * @param sharedPending   process-wide pending signals, raw 128-byte siginfos
 */
public record ProcessImage(int pid, int ppid, int pgid, int sid, String comm, int taskFlags, int personality,
        List<ThreadImage> threads, MmImage mm, PageSource pages, List<FdImage> fds, FsImage fs,
        List<SigActionImage> sigactions, CredsImage creds, List<RlimitImage> rlimits, List<byte[]> sharedPending) {

    /** Number of signals (_NSIG on x86-64). */
    public static final int NSIG = 64;

    public ProcessImage {
        threads = List.copyOf(threads);
        fds = fds == null ? List.of() : List.copyOf(fds);
        sigactions = List.copyOf(sigactions);
        rlimits = rlimits == null ? List.of() : List.copyOf(rlimits);
        sharedPending = sharedPending == null ? List.of() : List.copyOf(sharedPending);
        pages = pages == null ? PageSource.NONE : pages;
        if (sigactions.size() != NSIG) {
            throw new IllegalArgumentException("process " + pid + ": need " + NSIG + " sigactions, got " + sigactions.size());
        }
        if (threads.isEmpty() || threads.get(0).tid() != pid) {
            throw new IllegalArgumentException("process " + pid + ": first thread must be the leader");
        }
    }
}
