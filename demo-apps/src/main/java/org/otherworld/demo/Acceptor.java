package org.otherworld.demo;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.function.Consumer;

/**
 * Thread-per-connection serving for the blocking demo servers: a daemon thread accepts connections on a
 * bound server socket until it is closed and serves each on a daemon thread of its own. After a
 * resurrection the accept and the per-connection reads simply go on (the sockets are restored).
 */
final class Acceptor {
    private Acceptor() {
    }

    /** Starts accepting on {@code server}; threads are named {@code name-accept} and {@code name-conn}. */
    static Thread start(ServerSocket server, String name, Consumer<Socket> serve) {
        Thread t = new Thread(() -> loop(server, name, serve), name + "-accept");
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void loop(ServerSocket server, String name, Consumer<Socket> serve) {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                Thread t = new Thread(() -> serve.accept(s), name + "-conn");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            }
        }
    }
}
