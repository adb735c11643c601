package org.otherworld.agent.plan;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.otherworld.agent.files.EventObjects;
import org.otherworld.agent.images.EpollImage;
import org.otherworld.agent.images.FileKind;

/**
 * Resolves the registrations of a process's epoll descriptors against its other descriptors, after all of
 * them are decided. criu re-adds each registration with {@code epoll_ctl(EPOLL_CTL_ADD, fd)} in the
 * restored process, so:
 *
 * <ul>
 *   <li>a registration whose descriptor number no longer holds the registered file (the fd was closed or
 *       replaced after epoll_ctl while another reference kept the file alive) cannot be re-added by number:
 *       the epoll is not restored;</li>
 *   <li>a registration of a descriptor that is not restored is dropped, as closing that descriptor would
 *       have dropped it in the kernel (the process is told about the descriptor itself);</li>
 *   <li>the others are restored with their events and data cookie.</li>
 * </ul>
 */
final class EpollTargets {
    private EpollTargets() {
    }

    /**
     * The decisions of one process with every epoll resolved.
     *
     * @param facts the epoll facts by descriptor number (only epoll descriptors)
     */
    static List<ResourceClassifier.FdDecision> resolve(List<ResourceClassifier.FdDecision> fds,
                                                        Map<Integer, EventFileFacts> facts) {
        if (facts.isEmpty()) {
            return fds;
        }
        Map<Integer, ResourceClassifier.FdDecision> byFd = new HashMap<>();
        for (ResourceClassifier.FdDecision d : fds) {
            byFd.put(d.file().fd(), d);
        }
        List<ResourceClassifier.FdDecision> pass1 = new ArrayList<>();
        for (ResourceClassifier.FdDecision d : fds) {
            EventFileFacts ef = facts.get(d.file().fd());
            if (d.restoreAs() == FileKind.EPOLL && ef != null && ef.epoll() != null) {
                String why = null;
                for (EventObjects.EpollItem it : ef.epoll()) {
                    ResourceClassifier.FdDecision t = byFd.get(it.fd());
                    if (t == null || t.file().file() != it.file()) {
                        why = "its registration of fd " + it.fd() + " refers to a file that fd " + it.fd()
                                + " no longer holds (closed or replaced after epoll_ctl)";
                        break;
                    }
                }
                if (why != null) {
                    d = ResourceClassifier.unrestoredDecision(d.file(), "epoll", why);
                    byFd.put(d.file().fd(), d);
                }
            }
            pass1.add(d);
        }
        List<ResourceClassifier.FdDecision> out = new ArrayList<>();
        for (ResourceClassifier.FdDecision d : pass1) {
            EventFileFacts ef = facts.get(d.file().fd());
            if (d.restoreAs() == FileKind.EPOLL && ef != null && ef.epoll() != null) {
                List<EpollImage.Target> keep = new ArrayList<>();
                for (EventObjects.EpollItem it : ef.epoll()) {
                    if (byFd.get(it.fd()).restored()) {
                        keep.add(new EpollImage.Target(it.fd(), it.events(), it.data()));
                    }
                }
                d = new ResourceClassifier.FdDecision(d.file(), FileKind.EPOLL, null, new EpollImage(keep));
            }
            out.add(d);
        }
        return out;
    }
}
