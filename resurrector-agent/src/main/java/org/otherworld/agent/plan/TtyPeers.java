package org.otherworld.agent.plan;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.otherworld.agent.images.TtyImage;

/**
 * The cross-process rule for pty pairs, like {@link UnixPeers} for sockets: criu 3.17 recreates a pair
 * from its master (it opens /dev/ptmx until it gets the old number, then the slave) and makes the slave a
 * controlling terminal only from its session leader (criu/tty.c), so a restored end needs, in the same
 * image set, the other end, the session leader of the session whose controlling terminal the slave is, and
 * a process of its foreground process group (TIOCSPGRP needs one). An end that lacks one of them becomes an
 * unrestored resource; its peer then loses it in the next planning round. Never half a pair.
 */
final class TtyPeers {
    private TtyPeers() {
    }

    /** Restored pty ends (tty_info ids) whose pair, session leader or foreground group is not in their tree, with why. */
    static Map<Integer, String> unmatched(java.util.List<ResurrectionPlan> trees) {
        Map<Integer, String> out = new HashMap<>();
        for (ResurrectionPlan t : trees) {
            Map<Integer, TtyImage> restored = new HashMap<>();
            Set<Integer> pids = new HashSet<>();
            Set<Integer> pgids = new HashSet<>();
            for (ProcessPlan p : t.processes()) {
                pids.add(p.pid());
                pgids.add(p.model().pgid());
                for (ResourceClassifier.FdDecision d : p.fds()) {
                    if (d.restored() && d.tty() != null) {
                        restored.put(d.tty().infoId(), d.tty());
                    }
                }
            }
            for (TtyImage e : restored.values()) {
                String other = e.master() ? "slave /dev/pts/" + e.index() : "master (/dev/ptmx) of /dev/pts/" + e.index();
                if (!restored.containsKey(e.peerInfoId())) {
                    out.put(e.infoId(), "its " + other + " is not held by a process resurrected in the same image set");
                } else if (e.sid() != 0 && !pids.contains(e.sid())) {
                    out.put(e.infoId(), "the leader " + e.sid() + " of the session it is the controlling terminal of"
                            + " is not resurrected in the same image set");
                } else if (e.sid() != 0 && !pgids.contains(e.pgrp())) {
                    out.put(e.infoId(), "no process of its foreground process group " + e.pgrp()
                            + " is resurrected in the same image set");
                }
            }
        }
        return out;
    }

    /** {@code d}, or an unrestored resource if its pty end was orphaned in an earlier round. */
    static ResourceClassifier.FdDecision apply(ResourceClassifier.FdDecision d, Map<Integer, String> orphaned) {
        if (d.tty() == null) {
            return d;
        }
        String why = orphaned.get(d.tty().infoId());
        if (why == null) {
            return d;
        }
        var f = d.file();
        String desc = f.description() != null ? f.description() : f.path();
        return new ResourceClassifier.FdDecision(f, null, new UnrestoredResource(f.fd(), "terminal", desc, why));
    }
}
