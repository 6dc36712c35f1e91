package dev.tandem.testkit;

import dev.tandem.schemas.registry.RegistryClientConfig;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * What a secured broker and its clients share: a TLS certificate for {@code localhost} and {@code 127.0.0.1}, a
 * trust store holding it, and one SCRAM-SHA-512 principal per component with its password. Clients talk
 * {@code SASL_SSL}; the controller listener, which SCRAM cannot protect (its credentials live in the metadata the
 * controller serves), uses SASL PLAIN with a principal of its own.
 *
 * <p>Everything is generated once into a directory and read back on later starts, so a dev cluster keeps its
 * credentials across restarts. The certificate is self-signed and trusted directly: enough for loopback, not a
 * substitute for an organisation's CA.
 */
public final class KafkaSecurity {
    /** The broker's own principal (inter-broker traffic), a super user. */
    public static final String BROKER = "broker";
    /** The controller listener's PLAIN principal, a super user. */
    public static final String CONTROLLER = "controller";

    public static final String MECHANISM = "SCRAM-SHA-512";
    public static final String BROKER_LISTENER = "SASL_SSL";

    private static final String KEYSTORE = "broker.p12";
    private static final String TRUSTSTORE = "truststore.p12";
    private static final String CREDENTIALS = "credentials.properties";
    private static final String STORE_PASSWORD_KEY = "store.password";
    private static final String REGISTRY_PASSWORD_KEY = "registry.http.password";
    /** The schema registry's HTTP basic-auth user: one for every client, the registry has no per-user rights. */
    public static final String REGISTRY_HTTP_USER = "tandem";

    private final Path dir;
    private final String storePassword;
    /** principal → password, the broker's and the controller's included. */
    private final Map<String, String> passwords;

    private final String registryPassword;

    private KafkaSecurity(Path dir, String storePassword, Map<String, String> passwords, String registryPassword) {
        this.dir = dir;
        this.storePassword = storePassword;
        this.passwords = Map.copyOf(passwords);
        this.registryPassword = registryPassword;
    }

    /**
     * The security material in {@code dir}, generated there for {@code principals} (plus {@link #BROKER} and
     * {@link #CONTROLLER}) if it does not exist yet. A directory generated earlier for other principals is refused:
     * its SCRAM users are already in a formatted broker's metadata.
     */
    public static KafkaSecurity inDirectory(Path dir, List<String> principals) throws IOException {
        dir = dir.toAbsolutePath().normalize();
        Path credentials = dir.resolve(CREDENTIALS);
        List<String> all = new ArrayList<>(List.of(BROKER, CONTROLLER));
        for (String p : principals) if (!all.contains(p)) all.add(p);
        if (Files.isRegularFile(credentials)) {
            Properties p = new Properties();
            try (Reader r = Files.newBufferedReader(credentials, StandardCharsets.UTF_8)) {
                p.load(r);
            }
            Map<String, String> passwords = new LinkedHashMap<>();
            for (String name : all) {
                String pw = p.getProperty("user." + name);
                if (pw == null)
                    throw new IllegalStateException(
                            dir + " holds credentials without principal '" + name + "'; delete it to start over");
                passwords.put(name, pw);
            }
            String registryPassword = p.getProperty(REGISTRY_PASSWORD_KEY);
            if (registryPassword == null) {
                // material generated before the registry required a password
                registryPassword = secret();
                p.setProperty(REGISTRY_PASSWORD_KEY, registryPassword);
                store(credentials, p);
            }
            return new KafkaSecurity(dir, p.getProperty(STORE_PASSWORD_KEY), passwords, registryPassword);
        }
        Files.createDirectories(dir);
        String storePassword = secret();
        Map<String, String> passwords = new LinkedHashMap<>();
        for (String name : all) passwords.put(name, secret());
        keytool(
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-validity",
                "3650",
                "-keystore",
                dir.resolve(KEYSTORE).toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                storePassword);
        Path cert = dir.resolve("broker.crt");
        keytool(
                "-exportcert",
                "-alias",
                "broker",
                "-keystore",
                dir.resolve(KEYSTORE).toString(),
                "-storepass",
                storePassword,
                "-rfc",
                "-file",
                cert.toString());
        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "broker",
                "-file",
                cert.toString(),
                "-keystore",
                dir.resolve(TRUSTSTORE).toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                storePassword);
        Properties p = new Properties();
        p.setProperty(STORE_PASSWORD_KEY, storePassword);
        passwords.forEach((name, pw) -> p.setProperty("user." + name, pw));
        String registryPassword = secret();
        p.setProperty(REGISTRY_PASSWORD_KEY, registryPassword);
        store(credentials, p);
        return new KafkaSecurity(dir, storePassword, passwords, registryPassword);
    }

    private static void store(Path credentials, Properties p) throws IOException {
        try (Writer w = Files.newBufferedWriter(credentials, StandardCharsets.UTF_8)) {
            p.store(w, "generated by tandem-testkit: the dev cluster's secrets, readable by its owner only");
        }
        credentials.toFile().setReadable(false, false);
        credentials.toFile().setReadable(true, true);
    }

    /** The schema registry server's TLS: the broker's certificate (SANs localhost and 127.0.0.1). */
    public javax.net.ssl.SSLContext registryServerTls() {
        return dev.tandem.schemas.registry.SslContexts.fromStores(
                null, null, null, dir.resolve(KEYSTORE), storePassword, "PKCS12", storePassword);
    }

    public String registryPassword() {
        return registryPassword;
    }

    /**
     * The registry client's settings (basic auth and the truststore), as every component's config takes them at its
     * top level ({@code schema.registry.*}, {@code basic.auth.*}).
     */
    public Map<String, String> registryClientProperties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put(RegistryClientConfig.BASIC_AUTH_CREDENTIALS_SOURCE, "USER_INFO");
        p.put(RegistryClientConfig.BASIC_AUTH_USER_INFO, REGISTRY_HTTP_USER + ":" + registryPassword);
        p.put(RegistryClientConfig.TRUSTSTORE_LOCATION, trustStore().toString());
        p.put(RegistryClientConfig.TRUSTSTORE_PASSWORD, storePassword);
        p.put(RegistryClientConfig.TRUSTSTORE_TYPE, "PKCS12");
        return p;
    }

    public Path directory() {
        return dir;
    }

    /** The broker's key and certificate (PKCS12, password {@link #trustStorePassword()}); HTTPS servers in tests use it too. */
    public Path keyStore() {
        return dir.resolve(KEYSTORE);
    }

    public Path trustStore() {
        return dir.resolve(TRUSTSTORE);
    }

    public String trustStorePassword() {
        return storePassword;
    }

    /** The component principals (not the broker's or the controller's). */
    public List<String> principals() {
        return passwords.keySet().stream()
                .filter(p -> !p.equals(BROKER) && !p.equals(CONTROLLER))
                .toList();
    }

    public String password(String principal) {
        String pw = passwords.get(principal);
        if (pw == null) throw new IllegalArgumentException("no principal '" + principal + "' in " + dir);
        return pw;
    }

    /**
     * Writes {@code <principal>.properties} with each component principal's client settings into the security
     * directory (owner-readable only): its Kafka settings, which a process of that component takes under its app's
     * pass-through prefix ({@code streams.}, {@code kafka.}, a Connect worker's own and {@code producer.}/{@code consumer.}
     * ones), and the registry client's, which it takes as they are; the CLI's {@code --client-config} reads the file
     * whole.
     *
     * @return the directory
     */
    public Path writeClientFiles() throws IOException {
        for (String principal : principals()) {
            Path file = dir.resolve(principal + ".properties");
            Properties p = new Properties();
            p.putAll(clientProperties(principal));
            p.putAll(registryClientProperties());
            try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
                p.store(w, "Kafka client settings of principal " + principal + " (generated by tandem-testkit)");
            }
            file.toFile().setReadable(false, false);
            file.toFile().setReadable(true, true);
        }
        return dir;
    }

    /** Kafka client settings for {@code principal} with its own password. */
    public Map<String, String> clientProperties(String principal) {
        return clientProperties(principal, password(principal));
    }

    /** Kafka client settings for {@code principal} with the given password (a wrong one, in negative tests). */
    public Map<String, String> clientProperties(String principal, String password) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("security.protocol", BROKER_LISTENER);
        p.put("sasl.mechanism", MECHANISM);
        p.put("sasl.jaas.config", scramJaas(principal, password));
        p.put("ssl.truststore.location", trustStore().toString());
        p.put("ssl.truststore.password", storePassword);
        p.put("ssl.truststore.type", "PKCS12");
        return p;
    }

    /**
     * The broker settings over {@link KraftBrokerConfig}'s defaults: a SASL_SSL client listener authenticated by
     * SCRAM, a SASL PLAIN controller listener, and {@code StandardAuthorizer} with only the broker and the
     * controller as super users, so every component gets exactly what its ACLs grant.
     */
    Map<String, String> brokerProperties(String host, int brokerPort, int controllerPort) {
        String listener = BROKER_LISTENER.toLowerCase(java.util.Locale.ROOT);
        String controller = KraftBrokerConfig.CONTROLLER_LISTENER.toLowerCase(java.util.Locale.ROOT);
        Map<String, String> p = new TreeMap<>();
        p.put(
                "listeners",
                BROKER_LISTENER + "://" + host + ":" + brokerPort + "," + KraftBrokerConfig.CONTROLLER_LISTENER + "://"
                        + host + ":" + controllerPort);
        p.put("advertised.listeners", BROKER_LISTENER + "://" + host + ":" + brokerPort);
        p.put(
                "listener.security.protocol.map",
                BROKER_LISTENER + ":SASL_SSL," + KraftBrokerConfig.CONTROLLER_LISTENER + ":SASL_PLAINTEXT");
        p.put("inter.broker.listener.name", BROKER_LISTENER);
        p.put("sasl.enabled.mechanisms", MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", MECHANISM);
        p.put(
                "listener.name." + listener + "." + MECHANISM.toLowerCase(java.util.Locale.ROOT) + ".sasl.jaas.config",
                scramJaas(BROKER, password(BROKER)));
        p.put("ssl.keystore.location", dir.resolve(KEYSTORE).toString());
        p.put("ssl.keystore.password", storePassword);
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.truststore.location", trustStore().toString());
        p.put("ssl.truststore.password", storePassword);
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.endpoint.identification.algorithm", "https");
        p.put("sasl.mechanism.controller.protocol", "PLAIN");
        p.put("listener.name." + controller + ".sasl.enabled.mechanisms", "PLAIN");
        p.put(
                "listener.name." + controller + ".plain.sasl.jaas.config",
                "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"" + CONTROLLER
                        + "\" password=\"" + password(CONTROLLER) + "\" user_" + CONTROLLER + "=\""
                        + password(CONTROLLER) + "\";");
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + BROKER + ";User:" + CONTROLLER);
        p.put("allow.everyone.if.no.acl.found", "false");
        return p;
    }

    /** The {@code Formatter} arguments that seed every SCRAM user into the metadata at format time. */
    List<String> scramArguments() {
        List<String> args = new ArrayList<>();
        passwords.forEach((name, pw) -> {
            if (!name.equals(CONTROLLER)) args.add(MECHANISM + "=[name=" + name + ",password=" + pw + "]");
        });
        return args;
    }

    private static String scramJaas(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user + "\" password=\""
                + password + "\";";
    }

    /** A random secret (144 bits) for a password or token of a run. */
    public static String newSecret() {
        return secret();
    }

    private static String secret() {
        byte[] b = new byte[18];
        new SecureRandom().nextBytes(b);
        // URL-safe without padding: no character a JAAS string or a properties file would need escaped.
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    private static void keytool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0)
                throw new IOException("keytool " + args[0] + " failed: " + out.strip());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running keytool", e);
        }
    }
}
