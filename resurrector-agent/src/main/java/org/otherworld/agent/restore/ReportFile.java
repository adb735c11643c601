package org.otherworld.agent.restore;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.List;
import org.otherworld.agent.plan.Registration;
import org.otherworld.agent.plan.UnrestoredResource;

/**
 * The crash-procedure report the restorer hands to a resurrected process (docs/sdk.md, "Report file and
 * delivery"): {@code STATE_DIR/reports/<pid>.report}, written to a temporary file, fsync'd, renamed, and
 * the directory fsync'd.
 */
public final class ReportFile {
    /** Sub-directory of the state directory. */
    public static final String DIR = "reports";

    private ReportFile() {
    }

    /** The report text. */
    public static String text(int pid, String crashTime, long downtimeMs, String panic, boolean faulty,
                              List<UnrestoredResource> unrestored) {
        StringBuilder b = new StringBuilder();
        b.append("# otherworld resurrection report\n");
        b.append("format=1\n");
        b.append("pid=").append(pid).append('\n');
        b.append("crashtime=").append(crashTime).append('\n');
        b.append("downtime_ms=").append(Math.max(0, downtimeMs)).append('\n');
        b.append("panic=").append(Registration.escape(panic == null ? "" : panic)).append('\n');
        b.append("faulty=").append(faulty).append('\n');
        for (UnrestoredResource u : unrestored) {
            b.append("resource=").append(u.fd()).append('\t').append(Registration.escape(u.kind())).append('\t')
                    .append(Registration.escape(u.description())).append('\t')
                    .append(Registration.escape(u.reason())).append('\n');
        }
        return b.toString();
    }

    /**
     * Writes {@code reports/<pid>.report} atomically.
     *
     * @return the report's path
     * @throws IOException if it cannot be written, or a report for the pid is still pending
     */
    public static Path write(Path stateDir, int pid, String text) throws IOException {
        Path dir = stateDir.resolve(DIR);
        Files.createDirectories(dir);
        Path target = dir.resolve(pid + ".report");
        if (Files.exists(target)) {
            throw new IOException(target + " is still pending (the process has not handled the previous report)");
        }
        Path tmp = dir.resolve("." + pid + ".report.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            ch.force(true);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException e) {
            // some filesystems cannot fsync a directory; the rename itself is atomic
        }
        return target;
    }
}
