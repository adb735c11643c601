package org.otherworld.agent.files;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class SocketDescriptionTest {

    @Test
    void formatsInetAndUnixSockets() {
        assertEquals("tcp 10.0.0.1:5432 -> 10.0.0.2:40000 ESTABLISHED",
                new SocketInfo(2, 1, 6, 1, "10.0.0.1", 5432, "10.0.0.2", 40000, null, 1).describe());
        assertEquals("tcp 0.0.0.0:80 LISTEN", new SocketInfo(2, 1, 6, 10, "0.0.0.0", 80, "0.0.0.0", 0, null, 1).describe());
        assertEquals("udp 0.0.0.0:53", new SocketInfo(2, 2, 17, 7, "0.0.0.0", 53, "0.0.0.0", 0, null, 1).describe());
        assertEquals("tcp6 [::1]:22 -> [::1]:5000 CLOSE_WAIT",
                new SocketInfo(10, 1, 6, 8, "::1", 22, "::1", 5000, null, 1).describe());
        assertEquals("unix stream /run/x.sock", new SocketInfo(1, 1, 0, 10, null, -1, null, -1, "/run/x.sock", 1).describe());
        assertEquals("unix dgram (unbound) -> /dev/log",
                new SocketInfo(1, 2, 0, 1, null, -1, "/dev/log", -1, null, 1).describe());
        assertEquals("netlink raw", new SocketInfo(16, 3, 0, 7, null, -1, null, -1, null, 1).describe());
    }

    /** A TCP socket and a bound unix socket laid out in (synthetic) kernel memory. */
    @Test
    void readsSocketsFromMemory() {
        MiniFs fs = new MiniFs();
        long sk = fs.alloc(56);
        fs.mem.write(sk, new byte[] {10, 0, 0, 2}).write(sk + 4, new byte[] {10, 0, 0, 1});
        fs.mem.u16(sk + 8, Short.reverseBytes((short) 40000) & 0xffff).u16(sk + 10, 5432).u16(sk + 12, 2).u8(sk + 14, 1);
        fs.mem.u16(sk + 48, 1).u16(sk + 50, 6);
        long socket = fs.alloc(16);
        fs.mem.u64(socket + 8, sk);
        FileInspector fi = new FileInspector(fs.ctx);
        assertEquals("tcp 10.0.0.1:5432 -> 10.0.0.2:40000 ESTABLISHED", fi.socketInfo(socket).describe());

        long usk = fs.alloc(72);
        fs.mem.u16(usk + 12, 1).u8(usk + 14, 10).u16(usk + 48, 1);
        long addr = fs.alloc(8 + 110);
        String path = "/run/x.sock";
        fs.mem.u32(addr + 4, 2 + path.length() + 1).u16(addr + 8, 1).str(addr + 10, path);
        fs.mem.u64(usk + 56, addr);
        long usocket = fs.alloc(16);
        fs.mem.u64(usocket + 8, usk);
        SocketInfo u = fi.socketInfo(usocket);
        assertEquals("/run/x.sock", u.unixPath());
        assertEquals("unix stream /run/x.sock", u.describe());

        // a connected unbound socket whose peer is bound; and an abstract name
        long client = fs.alloc(72);
        fs.mem.u16(client + 12, 1).u8(client + 14, 1).u16(client + 48, 1).u64(client + 64, usk);
        long csocket = fs.alloc(16);
        fs.mem.u64(csocket + 8, client);
        assertEquals("unix stream (unbound) -> /run/x.sock", fi.socketInfo(csocket).describe());
        fs.mem.u32(addr + 4, 2 + 4).write(addr + 10, new byte[] {0, 'a', 'b', 'c'});
        assertEquals("@abc", fi.socketInfo(usocket).unixPath());
    }
}
