package org.otherworld.vmtest.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.otherworld.vmtest.Workspace;
import org.otherworld.vmtest.trial.Fault;
import org.otherworld.vmtest.trial.TcpEchoClient;
import org.otherworld.vmtest.trial.Trial;
import org.otherworld.vmtest.trial.Workload;
import org.otherworld.vmtest.vm.QemuVm;

/**
 * A TCP connection from the host to a guest server survives the guest's kernel panic: the server
 * ({@code tcpecho}) is resurrected with its established socket rebuilt by TCP repair from the dead
 * kernel's memory, and the host client, connected through QEMU's port forwarding, gets every line
 * answered once and in order, before, during and after the outage, over the same connection.
 */
class TcpSurvivalIT {
    static final int GUEST_PORT = 7777;

    @Test
    void hostConnectionSurvivesTheGuestsPanic() throws Exception {
        // kept after the test (console.log, report.json): the evidence when the restore fails
        Path tmp = Path.of("target", "tcp-survival-" + System.currentTimeMillis()).toAbsolutePath();
        Workspace ws = VmAvailability.workspace();
        java.nio.file.Files.createDirectories(tmp);
        int hostPort;
        try (ServerSocket free = new ServerSocket(0)) {
            hostPort = free.getLocalPort();
        }
        Workload server = Workload.tcpEcho(GUEST_PORT);
        TcpEchoClient client = new TcpEchoClient(hostPort, 30, Duration.ofMinutes(15).toMillis());
        Thread t = new Thread(client, "tcp-echo-client");
        t.setDaemon(true);
        t.start();
        Trial.Injection sysrq = new Trial.Injection(Fault.SYSRQ.label(), Fault.SYSRQ.command(),
                QemuVm.userNetwork(hostPort, GUEST_PORT, tmp.resolve("guest-net.pcap")), null, null);
        Map<String, Object> report = new Trial(ws, System.out::println).run(new Trial.Options(tmp.resolve("trial"), 1024,
                System.getenv().getOrDefault("OTHERWORLD_ACCEL", "auto"), null, List.of(server), false, sysrq));
        t.join(Duration.ofMinutes(2).toMillis());
        System.out.println("tcp client: " + client.summary());
        Path console = tmp.resolve("trial/console.log");
        if (java.nio.file.Files.exists(console)) {
            for (String l : java.nio.file.Files.readAllLines(console, java.nio.charset.StandardCharsets.ISO_8859_1)) {
                if (l.contains("restore:") || l.contains("criu|") || l.contains("OW-MAIN net")) {
                    System.out.println("  console| " + l);
                }
            }
        }
        System.out.println("trial: " + report.get("verdict") + " " + report.get("processes") + " " + report.get("notes"));
        assertTrue(client.passed(), client.summary());
        assertEquals("pass", report.get("verdict"), String.valueOf(report));
    }
}
