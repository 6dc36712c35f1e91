package dev.tandem.platform.cli;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/** {@code --verbose} turns on our own INFO logs; libraries stay at WARN (log4j2.xml). */
final class Logging {
    private Logging() {}

    static void verbose(boolean on) {
        Configurator.setLevel("dev.tandem", on ? Level.INFO : Level.WARN);
    }
}
