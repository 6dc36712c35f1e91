package dev.tandem.testkit;

/**
 * A port the caller asked for explicitly is taken. The message is one line meant to be printed
 * as-is by a CLI, instead of the bind error buried in Kafka's or the HTTP server's start-up.
 */
public final class PortInUseException extends IllegalStateException {
    private final int port;

    public PortInUseException(String what, int port) {
        super(what + " port " + port + " on " + LoopbackPorts.HOST
                + " is already in use; stop the process holding it or choose another port");
        this.port = port;
    }

    public int port() {
        return port;
    }
}
