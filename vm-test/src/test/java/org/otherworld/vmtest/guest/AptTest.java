package org.otherworld.vmtest.guest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class AptTest {
    @Test
    void resolvesTheKernelPackageFromTheMetapackage() {
        String out = "linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-56-cloud-amd64\n";
        assertEquals("linux-image-6.1.0-56-cloud-amd64", Apt.kernelPackageFromDepends("linux-image-cloud-amd64", out));
        assertEquals("6.1.0-56-cloud-amd64", Apt.kernelRelease("linux-image-6.1.0-56-cloud-amd64"));
    }

    @Test
    void skipsOtherDependenciesAndNamesTheMetapackageWhenNoneMatches() {
        String out = "linux-image-cloud-amd64\n  Depends: initramfs-tools\n  Depends: linux-image-6.1.0-57-cloud-amd64\n";
        assertEquals("linux-image-6.1.0-57-cloud-amd64", Apt.kernelPackageFromDepends("m", out));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Apt.kernelPackageFromDepends("linux-image-cloud-amd64", "linux-image-cloud-amd64\n"));
        assertTrue(e.getMessage().contains("linux-image-cloud-amd64"));
        assertThrows(IllegalArgumentException.class, () -> Apt.kernelRelease("busybox-static"));
    }

    @Test
    void readsTheCandidateVersion() {
        String policy = "criu:\n  Installed: 3.17.1-2\n  Candidate: 3.17.1-2+deb12u1\n  Version table:\n";
        assertEquals("3.17.1-2+deb12u1", Apt.candidateFromPolicy(policy).orElseThrow());
        assertTrue(Apt.candidateFromPolicy("x:\n  Installed: (none)\n  Candidate: (none)\n").isEmpty());
    }
}
