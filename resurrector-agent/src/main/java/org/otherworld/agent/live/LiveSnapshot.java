package org.otherworld.agent.live;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Records the state of live processes from /proc in the ground-truth format the vmcore readers are
 * checked against: ids, threads, VMAs, file descriptors with positions, and a SHA-256 of every run of
 * resident pages (read through /proc/PID/mem, residency from /proc/PID/pagemap). Run it while the
 * processes are stopped, just before the crash.
 */
public final class LiveSnapshot {
    static final int PAGE = 4096;
    /** VMAs whose pages are not ordinary memory: not readable through /proc/PID/mem. */
    static final Set<String> SKIP_PAGES = Set.of("[vvar]", "[vsyscall]");

    private final Path proc;

    public LiveSnapshot(Path proc) {
        this.proc = proc;
    }

    /** Pids of every process whose process group is one of {@code groups}. */
    public List<Integer> pidsInGroups(Set<Integer> groups) throws IOException {
        List<Integer> out = new ArrayList<>();
        try (var s = Files.list(proc)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (!n.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    Stat st = Stat.parse(Files.readString(p.resolve("stat")));
                    if (groups.contains(st.pgrp())) {
                        out.add(Integer.parseInt(n));
                    }
                } catch (NoSuchFileException gone) {
                    // exited meanwhile
                }
            }
        }
        out.sort(null);
        return out;
    }

    /** The /proc/PID/stat fields we use (comm may contain spaces and parentheses). */
    public record Stat(int pid, String comm, char state, int ppid, int pgrp, int session, long startTime) {
        public static Stat parse(String line) {
            int open = line.indexOf('(');
            int close = line.lastIndexOf(')');
            String[] f = line.substring(close + 2).trim().split(" ");
            return new Stat(Integer.parseInt(line.substring(0, open).trim()), line.substring(open + 1, close),
                    f[0].charAt(0), Integer.parseInt(f[1]), Integer.parseInt(f[2]), Integer.parseInt(f[3]),
                    Long.parseLong(f[19]));
        }
    }

    public Map<String, Object> process(int pid) throws IOException {
        Path dir = proc.resolve(Integer.toString(pid));
        Stat st = Stat.parse(Files.readString(dir.resolve("stat")));
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("pid", (long) pid);
        p.put("ppid", (long) st.ppid());
        p.put("pgid", (long) st.pgrp());
        p.put("sid", (long) st.session());
        p.put("comm", st.comm());
        p.put("state", String.valueOf(st.state()));
        p.put("start_time", st.startTime());
        p.put("threads", threads(dir));
        List<Map<String, Object>> vmas = vmas(dir);
        p.put("vmas", vmas);
        p.put("fds", fds(dir));
        p.put("pages", pages(dir, vmas));
        return p;
    }

    private List<Map<String, Object>> threads(Path dir) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (var s = Files.list(dir.resolve("task"))) {
            for (Path t : s.sorted((a, b) -> Integer.compare(Integer.parseInt(a.getFileName().toString()),
                    Integer.parseInt(b.getFileName().toString()))).toList()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("tid", Long.parseLong(t.getFileName().toString()));
                m.put("comm", Files.readString(t.resolve("comm")).strip());
                m.put("syscall", readOr(t.resolve("syscall"), "?").strip());
                out.add(m);
            }
        }
        return out;
    }

    static List<Map<String, Object>> parseMaps(String maps) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (String line : maps.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.trim().split("\\s+", 6);
            String[] range = f[0].split("-");
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("start", hex(range[0]));
            m.put("end", hex(range[1]));
            m.put("perms", f[1]);
            m.put("offset", hex(f[2]));
            m.put("dev", f[3]);
            m.put("inode", Long.parseLong(f[4]));
            m.put("path", f.length > 5 ? f[5] : "");
            out.add(m);
        }
        return out;
    }

    /** A hex field of /proc (zero-padded, no prefix) as "0x" + minimal hex, the form all our JSON uses. */
    static String hex(String procHex) {
        return "0x" + Long.toHexString(Long.parseUnsignedLong(procHex, 16));
    }

    private List<Map<String, Object>> vmas(Path dir) throws IOException {
        return parseMaps(Files.readString(dir.resolve("maps")));
    }

    private List<Map<String, Object>> fds(Path dir) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        try (var s = Files.list(dir.resolve("fd"))) {
            for (Path f : s.sorted((a, b) -> Integer.compare(Integer.parseInt(a.getFileName().toString()),
                    Integer.parseInt(b.getFileName().toString()))).toList()) {
                Map<String, Object> m = new LinkedHashMap<>();
                String n = f.getFileName().toString();
                m.put("fd", Long.parseLong(n));
                try {
                    m.put("path", Files.readSymbolicLink(f).toString());
                } catch (IOException e) {
                    m.put("path", "?");
                }
                String info = readOr(dir.resolve("fdinfo").resolve(n), "");
                for (String line : info.split("\n")) {
                    String[] kv = line.split(":\\s*", 2);
                    if (kv.length == 2 && kv[0].equals("pos")) {
                        m.put("pos", Long.parseLong(kv[1].trim()));
                    } else if (kv.length == 2 && kv[0].equals("flags")) {
                        m.put("flags", kv[1].trim());
                    }
                }
                out.add(m);
            }
        }
        return out;
    }

    private List<Map<String, Object>> pages(Path dir, List<Map<String, Object>> vmas) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (FileChannel pagemap = FileChannel.open(dir.resolve("pagemap"), StandardOpenOption.READ);
             RandomAccessFile mem = new RandomAccessFile(dir.resolve("mem").toFile(), "r")) {
            for (Map<String, Object> v : vmas) {
                if (SKIP_PAGES.contains((String) v.get("path"))) {
                    continue;
                }
                long start = Long.parseUnsignedLong(((String) v.get("start")).substring(2), 16);
                long end = Long.parseUnsignedLong(((String) v.get("end")).substring(2), 16);
                long runStart = -1;
                for (long va = start; va < end; ) {
                    int n = (int) Math.min((end - va) / PAGE, 4096);
                    ByteBuffer b = ByteBuffer.allocate(n * 8).order(ByteOrder.LITTLE_ENDIAN);
                    pagemap.read(b, (va / PAGE) * 8);
                    b.flip();
                    for (int i = 0; i < n; i++, va += PAGE) {
                        boolean present = b.remaining() >= 8 && (b.getLong() & (1L << 63)) != 0;
                        if (present && runStart < 0) {
                            runStart = va;
                        } else if (!present && runStart >= 0) {
                            out.add(hashRun(mem, sha, runStart, va));
                            runStart = -1;
                        }
                    }
                }
                if (runStart >= 0) {
                    out.add(hashRun(mem, sha, runStart, end));
                }
            }
        }
        return out;
    }

    private static Map<String, Object> hashRun(RandomAccessFile mem, MessageDigest sha, long start, long end)
            throws IOException {
        sha.reset();
        byte[] buf = new byte[1 << 16];
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("start", "0x" + Long.toHexString(start));
        m.put("end", "0x" + Long.toHexString(end));
        try {
            for (long a = start; a < end; ) {
                int n = (int) Math.min(buf.length, end - a);
                mem.seek(a);
                mem.readFully(buf, 0, n);
                sha.update(buf, 0, n);
                a += n;
            }
            m.put("sha256", HexFormat.of().formatHex(sha.digest()));
        } catch (IOException e) {
            m.put("sha256", null);
            m.put("error", e.getMessage());
        }
        return m;
    }

    private static String readOr(Path p, String dflt) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return dflt;
        }
    }

    /** Snapshot of the given processes plus the kernel identity. */
    public Map<String, Object> snapshot(List<Integer> pids) throws IOException {
        Map<String, Object> root = new LinkedHashMap<>();
        root.put("source", "live");
        root.put("kernel", readOr(proc.resolve("sys/kernel/osrelease"), "?").strip());
        root.put("uptime", readOr(proc.resolve("uptime"), "?").split(" ")[0]);
        List<Object> ps = new ArrayList<>();
        for (int pid : pids) {
            try {
                ps.add(process(pid));
            } catch (NoSuchFileException gone) {
                // exited between listing and reading
            }
        }
        root.put("processes", ps);
        return root;
    }
}
