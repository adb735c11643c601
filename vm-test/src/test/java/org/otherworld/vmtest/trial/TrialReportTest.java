package org.otherworld.vmtest.trial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.otherworld.agent.json.Json;

class TrialReportTest {
    @Test
    @SuppressWarnings("unchecked")
    void takesTheAgentsDecisionForTheWorkloadsMainProcess() {
        Map<String, Object> agent = (Map<String, Object>) Json.parse("{\"processes\":[{\"pid\":12,\"resurrect\":false},"
                + "{\"pid\":180,\"resurrect\":true,\"reason\":\"crash procedure registered\",\"crash_procedure\":true,"
                + "\"unrestored\":[{\"fd\":5,\"kind\":\"socket\",\"description\":\"tcp 0.0.0.0:8080 LISTEN\",\"reason\":\"sockets are not restored\"}]}]}");
        Map<String, Object> r = new LinkedHashMap<>(Map.of("pid", 180L));
        Trial.fromAgent(agent, r);
        assertEquals(true, r.get("crash_procedure"));
        assertEquals("resurrect: crash procedure registered", r.get("agent_decision"));
        assertEquals(5L, ((Map<String, Object>) ((List<Object>) r.get("unrestored")).get(0)).get("fd"));

        Map<String, Object> none = new LinkedHashMap<>(Map.of("pid", 999L));
        Trial.fromAgent(agent, none);
        assertNull(none.get("crash_procedure"));
        Trial.fromAgent(null, none);
        assertNull(none.get("agent_decision"));
    }
}
