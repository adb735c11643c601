package org.otherworld.vmtest.trial;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The host side of the TCP survival trial: one connection to the guest's {@code tcpecho} through QEMU's
 * forwarded port, numbered lines sent before, during and after the guest's kernel panic, every answer
 * checked: after the opening line "msg 0", the answer to "msg k" must be {@code "k+1 msg k"} (the server's own line count, which lives in its memory,
 * and the line), so a lost, duplicated or reordered line, or a server that lost its state, is seen.
 * Sending pauses while {@value #WINDOW} lines are unanswered; it finishes {@code after} answers after
 * the longest pause and says {@code bye}.
 */
public final class TcpEchoClient implements Runnable {
    /** Most lines in flight. */
    static final int WINDOW = 25;
    /** A pause at least this long counts as the outage (default). */
    static final long OUTAGE_MS = 10_000;

    private final int port;
    private final int after;
    private final long deadlineMs;
    private final long outageMs;
    private volatile String error;
    private volatile boolean done;
    private volatile long sent, answered, longestPauseMs, sentDuringPause, answeredAfterPause;
    private final List<String> events = Collections.synchronizedList(new ArrayList<>());

    /**
     * @param port       the forwarded host port on 127.0.0.1
     * @param after      answers to get after the outage
     * @param deadlineMs give up after this long in total
     */
    public TcpEchoClient(int port, int after, long deadlineMs) {
        this(port, after, deadlineMs, OUTAGE_MS);
    }

    /** As above; a pause of at least {@code outageMs} counts as the outage. */
    public TcpEchoClient(int port, int after, long deadlineMs, long outageMs) {
        this.port = port;
        this.after = after;
        this.deadlineMs = deadlineMs;
        this.outageMs = outageMs;
    }

    @Override
    public void run() {
        long t0 = System.currentTimeMillis();
        Socket s = null;
        try {
            s = connect(t0);
            s.setTcpNoDelay(true);
            s.setSoTimeout(200);
            OutputStream out = s.getOutputStream();
            Lines in = new Lines(s.getInputStream());
            long lastAnswer = System.currentTimeMillis();
            long outageEnd = -1;
            long next = 1;
            long lastSend = 0;
            while (true) {
                long now = System.currentTimeMillis();
                if (now - t0 > deadlineMs) {
                    throw new IOException("deadline: " + answered + " of " + sent + " answered");
                }
                boolean finishing = outageEnd > 0 && answeredAfterPause >= after;
                if (!finishing && sent - answered < WINDOW && now - lastSend >= 200) {
                    if (sent == answered) {
                        lastAnswer = now; // nothing was in flight: a pause is counted from this line on
                    }
                    out.write(("msg " + next + "\n").getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    if (now - lastAnswer > 3000) {
                        sentDuringPause++;
                    }
                    sent = next++;
                    lastSend = now;
                }
                if (finishing && sent == answered) {
                    out.write("bye\n".getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                    String l = in.nextWaiting(t0 + deadlineMs);
                    if (!((sent + 2) + " bye").equals(l)) {
                        throw new IOException("answer to bye: " + l);
                    }
                    done = true;
                    events.add("bye answered after " + sent + " lines");
                    return;
                }
                if (sent == answered && !finishing) {
                    Thread.sleep(Math.max(1, 200 - (now - lastSend)));
                    continue;
                }
                String line;
                try {
                    line = in.next();
                } catch (SocketTimeoutException e) {
                    continue; // what arrived of a line is kept for the next call
                }
                if (line == null) {
                    throw new IOException("connection closed by the peer after " + answered + " answers");
                }
                now = System.currentTimeMillis();
                long k = answered + 1;
                if (!line.equals((k + 1) + " msg " + k)) {
                    throw new IOException("answer " + k + " was \"" + line + "\"");
                }
                long pause = now - lastAnswer;
                if (pause > longestPauseMs) {
                    longestPauseMs = pause;
                }
                if (pause >= outageMs && outageEnd < 0) {
                    outageEnd = now;
                    events.add(String.format("outage: no answer for %.1f s, resumed at answer %d", pause / 1000.0, k));
                }
                if (outageEnd > 0) {
                    answeredAfterPause++;
                }
                answered = k;
                lastAnswer = now;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            error = "interrupted";
        } catch (IOException | RuntimeException e) {
            error = e.toString();
            events.add("failed: " + e);
        } finally {
            if (s != null) {
                try {
                    s.close();
                } catch (IOException e) {
                    // closing is all that is left to do
                }
            }
        }
    }

    /**
     * Connects and says "msg 0" until the answer "1 msg 0" comes. An attempt is given up only when the
     * peer closes or resets it: QEMU's user network accepts on the host at once and keeps trying the
     * guest (SYN retransmitted with back-off, before the guest's network is up too), so an attempt given
     * up on a timeout may still reach tcpecho later, which then serves that dead connection and closes
     * its listening socket (a trial of 2026-11-24 lost its server that way, after a 3 s answer timeout).
     */
    private Socket connect(long t0) throws IOException {
        IOException last = null;
        int attempts = 0;
        while (System.currentTimeMillis() - t0 < deadlineMs) {
            Socket s = new Socket();
            attempts++;
            String first;
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(500);
                s.getOutputStream().write("msg 0\n".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException e) {
                last = e; // refused: QEMU not listening yet
                s.close();
                pause(500);
                continue;
            }
            try {
                first = new Lines(s.getInputStream()).nextWaiting(t0 + deadlineMs);
            } catch (SocketTimeoutException e) {
                s.close();
                throw new IOException("no answer to msg 0 until the deadline (attempt " + attempts + ")");
            } catch (IOException e) {
                first = null; // reset: the guest refused (tcpecho not listening yet)
                last = e;
            }
            if ("1 msg 0".equals(first)) {
                events.add("connected (attempt " + attempts + ")");
                return s; // from now on line "msg k" is answered "k+1 msg k"
            }
            s.close();
            if (first != null) {
                throw new IOException("first answer was \"" + first + "\", not \"1 msg 0\"");
            }
            pause(500);
        }
        throw new IOException("could not connect to 127.0.0.1:" + port + " in " + attempts + " attempts"
                + (last == null ? "" : ": " + last));
    }

    private static void pause(long ms) throws IOException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted");
        }
    }

    /**
     * Lines of ASCII from a socket with a read timeout: unlike BufferedReader.readLine, a timeout in the
     * middle of a line keeps the part already read (an answer split over two segments is not lost).
     */
    static final class Lines {
        private final InputStream in;
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private final byte[] buf = new byte[4096];
        private int pos, len;

        Lines(InputStream in) {
            this.in = in;
        }

        /** The next line without its newline; null at the end of the stream; SocketTimeoutException when none is complete yet. */
        String next() throws IOException {
            while (true) {
                while (pos < len) {
                    byte b = buf[pos++];
                    if (b == '\n') {
                        String l = partial.toString(StandardCharsets.US_ASCII);
                        partial.reset();
                        return l;
                    }
                    partial.write(b);
                }
                int n = in.read(buf);
                if (n < 0) {
                    return null;
                }
                pos = 0;
                len = n;
            }
        }

        /** As {@link #next()}, read timeouts waited out until {@code deadlineMs} (wall clock). */
        String nextWaiting(long deadlineMs) throws IOException {
            while (true) {
                try {
                    return next();
                } catch (SocketTimeoutException e) {
                    if (System.currentTimeMillis() > deadlineMs) {
                        throw e;
                    }
                }
            }
        }
    }

    public boolean passed() {
        return done && error == null;
    }

    public String summary() {
        return String.format("sent %d, answered %d in order, longest pause %.1f s, %d sent during the pause, %d "
                + "answered after it%s; %s", sent, answered, longestPauseMs / 1000.0, sentDuringPause,
                answeredAfterPause, error == null ? "" : ", error " + error, events);
    }
}
