package org.otherworld.demo;

/**
 * The {@code kvstore} line protocol. Requests: {@code PUT key value...}, {@code GET key},
 * {@code COUNT}, {@code CHECKSUM}, {@code ACKED}, {@code QUIT}. Replies: {@code OK},
 * {@code VALUE v}, {@code NOTFOUND}, {@code COUNT n}, {@code CHECKSUM hex}, {@code ACKED n},
 * {@code BYE}, {@code ERR message}. Keys contain no spaces; a value is the rest of the line.
 */
final class KvProtocol {
    static final String BYE = "BYE";
    private final KvStore store;

    KvProtocol(KvStore store) {
        this.store = store;
    }

    /** Handles one request line and returns the one-line reply. */
    String handle(String line) {
        String l = line.strip();
        int sp = l.indexOf(' ');
        String cmd = (sp < 0 ? l : l.substring(0, sp)).toUpperCase(java.util.Locale.ROOT);
        String rest = sp < 0 ? "" : l.substring(sp + 1).strip();
        switch (cmd) {
            case "PUT": {
                int s2 = rest.indexOf(' ');
                if (rest.isEmpty() || s2 == 0) {
                    return "ERR usage: PUT key value";
                }
                String key = s2 < 0 ? rest : rest.substring(0, s2);
                String value = s2 < 0 ? "" : rest.substring(s2 + 1);
                store.put(key, value);
                return "OK";
            }
            case "GET": {
                if (rest.isEmpty() || rest.contains(" ")) {
                    return "ERR usage: GET key";
                }
                String v = store.get(rest);
                return v == null ? "NOTFOUND" : "VALUE " + v;
            }
            case "COUNT":
                return "COUNT " + store.size();
            case "CHECKSUM":
                return "CHECKSUM " + store.checksum();
            case "ACKED":
                return "ACKED " + store.acked();
            case "QUIT":
                return BYE;
            default:
                return "ERR unknown command: " + cmd;
        }
    }
}
