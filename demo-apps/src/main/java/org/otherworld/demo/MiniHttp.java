package org.otherworld.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The little of HTTP/1.1 the {@code sessions} demo's blocking front end and hold client need, over
 * plain blocking socket streams (no NIO selector: a process using it holds no epoll or eventfd):
 * request and status lines, headers, bodies by {@code Content-Length}, persistent connections.
 */
final class MiniHttp {
    static final int MAX_LINE = 8192;
    static final int MAX_BODY = 1 << 20;
    static final int MAX_HEADERS = 64;

    /** A request: method, target split into path and raw query (or null), whether the client closes after it. */
    record Request(String method, String path, String rawQuery, boolean close) {
    }

    /** A response: status and body text. */
    record Response(int status, String body) {
    }

    private MiniHttp() {
    }

    /** The next request on {@code in}, or null at end of stream before a request line. */
    static Request readRequest(InputStream in) throws IOException {
        String line = readLine(in);
        if (line == null) {
            return null;
        }
        String[] parts = line.split(" ");
        if (parts.length != 3 || !parts[2].startsWith("HTTP/1.")) {
            throw new IOException("bad request line: " + line);
        }
        Headers h = readHeaders(in);
        readBody(in, h.length);
        String target = parts[1];
        int q = target.indexOf('?');
        boolean close = h.close || parts[2].equals("HTTP/1.0");
        return new Request(parts[0], q < 0 ? target : target.substring(0, q), q < 0 ? null : target.substring(q + 1),
                close);
    }

    static void writeResponse(OutputStream out, int status, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + " " + reason(status) + "\r\nContent-Type: text/plain; charset=utf-8\r\n"
                + "Content-Length: " + b.length + "\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.write(b);
        out.flush();
    }

    static void writeRequest(OutputStream out, String method, String target) throws IOException {
        String head = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n\r\n";
        out.write(head.getBytes(StandardCharsets.US_ASCII));
        out.flush();
    }

    /** The response on {@code in}; end of stream is an error (the connection was closed). */
    static Response readResponse(InputStream in) throws IOException {
        String line = readLine(in);
        if (line == null) {
            throw new IOException("connection closed by the server");
        }
        String[] parts = line.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("bad status line: " + line);
        }
        int status;
        try {
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw new IOException("bad status line: " + line, e);
        }
        Headers h = readHeaders(in);
        if (h.length < 0) {
            throw new IOException("response without Content-Length");
        }
        return new Response(status, new String(readBody(in, h.length), StandardCharsets.UTF_8));
    }

    private record Headers(int length, boolean close) {
    }

    private static Headers readHeaders(InputStream in) throws IOException {
        int length = -1;
        boolean close = false;
        for (int n = 0; ; n++) {
            String line = readLine(in);
            if (line == null) {
                throw new IOException("end of stream in the headers");
            }
            if (line.isEmpty()) {
                return new Headers(length, close);
            }
            if (n >= MAX_HEADERS) {
                throw new IOException("more than " + MAX_HEADERS + " header lines");
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw new IOException("bad header line: " + line);
            }
            String name = line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = line.substring(colon + 1).trim();
            if (name.equals("content-length")) {
                try {
                    length = Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new IOException("bad Content-Length: " + value, e);
                }
                if (length < 0 || length > MAX_BODY) {
                    throw new IOException("Content-Length out of range: " + value);
                }
            } else if (name.equals("connection") && value.equalsIgnoreCase("close")) {
                close = true;
            } else if (name.equals("transfer-encoding")) {
                throw new IOException("Transfer-Encoding is not supported");
            }
        }
    }

    private static byte[] readBody(InputStream in, int length) throws IOException {
        if (length <= 0) {
            return new byte[0];
        }
        byte[] b = in.readNBytes(length);
        if (b.length != length) {
            throw new IOException("end of stream after " + b.length + " of " + length + " body bytes");
        }
        return b;
    }

    /** A CRLF- (or LF-) terminated ASCII line without its terminator; null at end of stream before any byte. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        for (;;) {
            int c = in.read();
            if (c < 0) {
                if (b.size() == 0) {
                    return null;
                }
                throw new IOException("end of stream inside a line");
            }
            if (c == '\n') {
                byte[] a = b.toByteArray();
                int len = a.length > 0 && a[a.length - 1] == '\r' ? a.length - 1 : a.length;
                return new String(a, 0, len, StandardCharsets.US_ASCII);
            }
            if (b.size() >= MAX_LINE) {
                throw new IOException("line longer than " + MAX_LINE + " bytes");
            }
            b.write(c);
        }
    }

    private static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 201 -> "Created";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            default -> "Status";
        };
    }
}
