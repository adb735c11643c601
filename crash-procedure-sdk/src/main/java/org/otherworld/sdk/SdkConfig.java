package org.otherworld.sdk;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Settings of the SDK, resolved from system properties, then environment, then defaults.
 *
 * @param stateDir         state directory holding {@code registrations/} and {@code reports/}
 * @param procedureTimeout time limit for each procedure and each save callback
 * @param useSignal        whether to try installing the SIGPWR handler (else poll only)
 * @param pollInterval     interval of the reports-directory poll
 * @param usePrctl         whether to try the kernel interface
 */
record SdkConfig(Path stateDir, Duration procedureTimeout, boolean useSignal, Duration pollInterval,
                 boolean usePrctl) {
    static final String PROP_STATE_DIR = "otherworld.state.dir";
    static final String ENV_STATE_DIR = "OTHERWORLD_STATE_DIR";
    static final String DEFAULT_STATE_DIR = "/var/lib/otherworld";
    static final String PROP_TIMEOUT_MS = "otherworld.procedure.timeout.ms";
    static final String PROP_DELIVERY = "otherworld.delivery";
    static final String PROP_PRCTL = "otherworld.prctl";
    /** Environment variable that marks a re-executed image; its value is the report file path. */
    static final String ENV_RESTARTED = "OTHERWORLD_RESTARTED";
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
    /** Safety re-scan interval while the signal handler is installed. */
    static final Duration SIGNAL_RESCAN_INTERVAL = Duration.ofSeconds(30);

    static SdkConfig fromEnvironment() {
        return resolve(System.getProperties()::getProperty, System.getenv());
    }

    interface Props {
        String get(String key);
    }

    static SdkConfig resolve(Props props, Map<String, String> env) {
        String dir = props.get(PROP_STATE_DIR);
        if (dir == null || dir.isBlank()) {
            dir = env.get(ENV_STATE_DIR);
        }
        if (dir == null || dir.isBlank()) {
            dir = DEFAULT_STATE_DIR;
        }
        Duration timeout = DEFAULT_TIMEOUT;
        String t = props.get(PROP_TIMEOUT_MS);
        if (t != null && !t.isBlank()) {
            timeout = Duration.ofMillis(Long.parseLong(t.trim()));
        }
        boolean signal = !"poll".equalsIgnoreCase(String.valueOf(props.get(PROP_DELIVERY)));
        boolean prctl = !"false".equalsIgnoreCase(String.valueOf(props.get(PROP_PRCTL)));
        return new SdkConfig(Path.of(dir), timeout, signal, POLL_INTERVAL, prctl);
    }

    Path registrationsDir() {
        return stateDir.resolve("registrations");
    }

    Path reportsDir() {
        return stateDir.resolve("reports");
    }
}
