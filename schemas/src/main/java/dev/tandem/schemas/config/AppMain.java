package dev.tandem.schemas.config;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * What every app's {@code main} does around its own start: {@code --help} listing the settings with their
 * variables and defaults, the optional properties file argument, and running until SIGTERM or Ctrl-C, when the
 * app is closed by a shutdown hook (a container's stop, a terminal's interrupt).
 */
public final class AppMain {
    private AppMain() {}

    /** Whether the arguments ask for help. */
    public static boolean helpAsked(String[] args) {
        return args.length > 0 && (args[0].equals("--help") || args[0].equals("-h"));
    }

    /** The properties file named by the first argument, or null. */
    public static Path configFile(String[] args) {
        return args.length > 0 ? Path.of(args[0]) : null;
    }

    /** {@code Usage: <app> [config.properties]}, a line on what it is, then every setting with its variable. */
    public static String usage(String app, String what, Map<String, String> defaults) {
        StringBuilder sb = new StringBuilder("Usage: " + app + " [config.properties]\n")
                .append(what.isEmpty() ? "" : what + " ")
                .append("Settings (file keys; TANDEM_* variables override them):\n");
        defaults.forEach((k, v) -> sb.append("  ")
                .append(k)
                .append(" (")
                .append(Settings.envName(k))
                .append(") default '")
                .append(v)
                .append("'\n"));
        return sb.toString();
    }

    /** Blocks until the JVM is asked to stop; the hook closes {@code app} first. */
    public static void runUntilStopped(AutoCloseable app, String name) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            try {
                                app.close();
                            } catch (Exception e) {
                                System.err.println(name + ": closing failed: " + e.getMessage());
                            } finally {
                                stopped.countDown();
                            }
                        },
                        name + "-shutdown"));
        stopped.await();
    }
}
