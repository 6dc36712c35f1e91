package dev.tandem.schemas.registry;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/** Builds an {@link SSLContext} from key/trust store files, as Kafka's {@code ssl.*} settings describe them. */
public final class SslContexts {
    private SslContexts() {}

    /**
     * @param truststore trusted certificates, or {@code null} for the JDK's default trust
     * @param keystore   our own key and certificate (mutual TLS, or a server), or {@code null}
     * @param keyPassword the key's password; {@code null} means the keystore's password
     */
    public static SSLContext fromStores(
            Path truststore,
            String truststorePassword,
            String truststoreType,
            Path keystore,
            String keystorePassword,
            String keystoreType,
            String keyPassword) {
        try {
            TrustManager[] trust = null;
            if (truststore != null) {
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(load(truststore, truststorePassword, truststoreType));
                trust = tmf.getTrustManagers();
            }
            KeyManager[] keys = null;
            if (keystore != null) {
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                String kp = keyPassword != null ? keyPassword : keystorePassword;
                kmf.init(load(keystore, keystorePassword, keystoreType), kp == null ? null : kp.toCharArray());
                keys = kmf.getKeyManagers();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, trust, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException(
                    "Cannot build an SSL context from truststore " + truststore + " and keystore " + keystore + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /** A server's context: its keystore, and the JDK's default trust. */
    public static SSLContext forServer(Path keystore, String password, String type) {
        return fromStores(null, null, null, keystore, password, type, null);
    }

    /** A client's context trusting the certificates in {@code truststore}. */
    public static SSLContext trusting(Path truststore, String password, String type) {
        return fromStores(truststore, password, type, null, null, null, null);
    }

    private static KeyStore load(Path file, String password, String type) throws GeneralSecurityException, IOException {
        KeyStore ks = KeyStore.getInstance(type == null || type.isBlank() ? "PKCS12" : type);
        try (InputStream in = Files.newInputStream(file)) {
            ks.load(in, password == null ? null : password.toCharArray());
        }
        return ks;
    }
}
