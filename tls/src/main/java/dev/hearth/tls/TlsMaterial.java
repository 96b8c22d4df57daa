package dev.hearth.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedKeyManager;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * One consistent set of TLS files, read and checked: a certificate chain with its private key (optional for a
 * client that only verifies the server), and the CA certificates peers must chain to (optional for a server that
 * asks for no client certificate). Immutable: a reload makes a new one.
 */
public final class TlsMaterial {
    private static final char[] NO_PASSWORD = new char[0];

    private final List<X509Certificate> chain;
    private final PrivateKey key;
    private final List<X509Certificate> cas;

    private TlsMaterial(List<X509Certificate> chain, PrivateKey key, List<X509Certificate> cas) {
        this.chain = chain;
        this.key = key;
        this.cas = cas;
    }

    /**
     * Reads and checks the files. {@code certFile} and {@code keyFile} go together (both or neither); any of the
     * three may be null.
     *
     * @throws PemException a file is missing or malformed, the key does not belong to the certificate, or the
     *         certificate is expired or not yet valid; the message names the file
     */
    public static TlsMaterial load(Path certFile, Path keyFile, Path caFile) {
        if ((certFile == null) != (keyFile == null)) {
            throw new PemException("a certificate file and its key file go together: got "
                    + (certFile == null ? "only the key file " + keyFile : "only the certificate file " + certFile));
        }
        List<X509Certificate> chain = List.of();
        PrivateKey key = null;
        if (certFile != null) {
            chain = List.copyOf(Pem.certificates(certFile));
            key = Pem.privateKey(keyFile);
            checkPair(chain.get(0), key, certFile, keyFile);
            checkValidity(chain.get(0), certFile);
        }
        List<X509Certificate> cas = caFile == null ? List.of() : List.copyOf(Pem.certificates(caFile));
        return new TlsMaterial(chain, key, cas);
    }

    private static void checkPair(X509Certificate cert, PrivateKey key, Path certFile, Path keyFile) {
        String certAlg = cert.getPublicKey().getAlgorithm();
        if (!certAlg.equals(key.getAlgorithm())) {
            throw new PemException(keyFile + ": a " + key.getAlgorithm() + " key, but the certificate of " + certFile
                    + " holds a " + certAlg + " key: they are not a pair");
        }
        try {
            String alg = certAlg.equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(cert.getPublicKey());
            v.update(probe);
            if (!v.verify(sig)) {
                throw new PemException(keyFile + " is not the private key of the certificate in " + certFile);
            }
        } catch (GeneralSecurityException e) {
            throw new PemException(keyFile + " cannot sign for the certificate in " + certFile + ": " + e, e);
        }
    }

    private static void checkValidity(X509Certificate cert, Path certFile) {
        try {
            cert.checkValidity();
        } catch (CertificateExpiredException e) {
            throw new PemException(certFile + ": the certificate expired on " + cert.getNotAfter().toInstant(), e);
        } catch (CertificateNotYetValidException e) {
            throw new PemException(certFile + ": the certificate is not valid before "
                    + cert.getNotBefore().toInstant(), e);
        }
    }

    /** The certificate chain, leaf first; empty when no certificate was given. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The CA certificates peers must chain to; empty when none was given. */
    public List<X509Certificate> cas() {
        return cas;
    }

    public boolean hasKey() {
        return key != null;
    }

    public boolean hasCa() {
        return !cas.isEmpty();
    }

    /**
     * A key manager that presents this chain and key.
     *
     * @throws IllegalStateException when there is no key ({@link #hasKey()})
     */
    public X509ExtendedKeyManager keyManager() {
        if (key == null) {
            throw new IllegalStateException("no certificate and key were loaded");
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("hearth", key, NO_PASSWORD, chain.toArray(new X509Certificate[0]));
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, NO_PASSWORD);
            for (KeyManager km : kmf.getKeyManagers()) {
                if (km instanceof X509ExtendedKeyManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("the JDK's key manager factory made no X509ExtendedKeyManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a key manager from a checked key pair", e);
        }
    }

    /**
     * A trust manager that accepts exactly the chains that end at one of the CA certificates (PKIX, no revocation
     * checks: rotate the CA, or shorten certificate lifetimes, to take a certificate back).
     *
     * @throws IllegalStateException when there is no CA ({@link #hasCa()})
     */
    public X509ExtendedTrustManager trustManager() {
        if (cas.isEmpty()) {
            throw new IllegalStateException("no CA certificates were loaded");
        }
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            for (int i = 0; i < cas.size(); i++) {
                ks.setCertificateEntry("ca-" + i, cas.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ks);
            for (TrustManager tm : tmf.getTrustManagers()) {
                if (tm instanceof X509ExtendedTrustManager x) {
                    return x;
                }
            }
            throw new IllegalStateException("the JDK's trust manager factory made no X509ExtendedTrustManager");
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot build a trust manager from the CA certificates", e);
        }
    }
}
