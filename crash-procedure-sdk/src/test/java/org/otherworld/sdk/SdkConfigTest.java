package org.otherworld.sdk;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SdkConfigTest {
    @Test
    void propertyBeatsEnvironmentBeatsDefault() {
        Map<String, String> props = Map.of("otherworld.state.dir", "/p", "otherworld.procedure.timeout.ms", "1500",
                "otherworld.delivery", "poll", "otherworld.prctl", "false");
        SdkConfig c = SdkConfig.resolve(props::get, Map.of("OTHERWORLD_STATE_DIR", "/e"));
        assertEquals(Path.of("/p"), c.stateDir());
        assertEquals(Duration.ofMillis(1500), c.procedureTimeout());
        assertFalse(c.useSignal());
        assertFalse(c.usePrctl());
        c = SdkConfig.resolve(k -> null, Map.of("OTHERWORLD_STATE_DIR", "/e"));
        assertEquals(Path.of("/e"), c.stateDir());
        assertTrue(c.useSignal());
        c = SdkConfig.resolve(k -> null, Map.of());
        assertEquals(Path.of("/var/lib/otherworld"), c.stateDir());
        assertEquals(Duration.ofSeconds(30), c.procedureTimeout());
        assertEquals(Path.of("/var/lib/otherworld/reports"), c.reportsDir());
    }
}
