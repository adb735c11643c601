package org.otherworld.vmtest.trial;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
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
        try (Socket s = connect(t0)) {
            s.setTcpNoDelay(true);
            s.setSoTimeout(200);
            OutputStream out = s.getOutputStream();
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
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
                    String l = in.readLine();
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
                    line = in.readLine();
                } catch (java.net.SocketTimeoutException e) {
                    continue;
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
        }
    }

    private Socket connect(long t0) throws IOException {
        IOException last = null;
        while (System.currentTimeMillis() - t0 < deadlineMs) {
            Socket s = new Socket();
            try {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                // slirp accepts on the host at once; the guest end exists only once tcpecho listens:
                // a line answered proves it
                s.setSoTimeout(3000);
                s.getOutputStream().write("msg 0\n".getBytes(StandardCharsets.US_ASCII));
                String l = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))
                        .readLine();
                if ("1 msg 0".equals(l)) {
                    events.add("connected");
                    return s; // from now on line "msg k" is answered "k+1 msg k"
                }
                s.close();
            } catch (IOException e) {
                last = e;
                s.close();
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted");
            }
        }
        throw new IOException("could not connect to 127.0.0.1:" + port + (last == null ? "" : ": " + last));
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
