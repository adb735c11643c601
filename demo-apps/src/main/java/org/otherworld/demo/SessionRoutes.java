package org.otherworld.demo;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The requests of the {@code sessions} demo, independent of the HTTP front end that carries them:
 * {@code POST /sessions?user=NAME} (201, body: the new id), {@code GET /sessions/ID} (200
 * {@code user=NAME} or 404), {@code GET /stats} ({@code sessions=N acked=M checksum=HEX}).
 */
final class SessionRoutes {
    /** A reply: HTTP status and plain-text body. */
    record Reply(int status, String body) {
    }

    private final KvStore sessions;
    private final AtomicLong nextId;

    SessionRoutes(KvStore sessions) {
        this.sessions = sessions;
        this.nextId = new AtomicLong(sessions.size() + 1L);
    }

    Reply handle(String method, String path, String rawQuery) {
        if (path.equals("/stats")) {
            return new Reply(200, "sessions=" + sessions.size() + " acked=" + sessions.acked() + " checksum="
                    + sessions.checksum() + "\n");
        }
        if (method.equals("POST") && path.equals("/sessions")) {
            String user = query(rawQuery, "user");
            if (user == null || user.isEmpty()) {
                return new Reply(400, "missing user\n");
            }
            String id = "s" + nextId.getAndIncrement() + "-" + Long.toHexString(System.nanoTime() & 0xffffff);
            sessions.put(id, user);
            return new Reply(201, id + "\n");
        }
        if (method.equals("GET") && path.startsWith("/sessions/")) {
            String user = sessions.get(path.substring("/sessions/".length()));
            return user == null ? new Reply(404, "no such session\n") : new Reply(200, "user=" + user + "\n");
        }
        return new Reply(405, "unsupported\n");
    }

    private static String query(String raw, String key) {
        if (raw == null) {
            return null;
        }
        for (String kv : raw.split("&")) {
            int eq = kv.indexOf('=');
            if (eq > 0 && kv.substring(0, eq).equals(key)) {
                return URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }
}
