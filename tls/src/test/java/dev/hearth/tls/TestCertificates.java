package dev.hearth.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Real certificates for tests, made with BouncyCastle: a CA and the leaf certificates it signs (for 127.0.0.1 and
 * localhost, usable as server and client certificates), written as the PEM files Hearth reads.
 */
public final class TestCertificates {
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

    /** A certificate authority: its certificate and the key that signs. */
    public record Ca(X509Certificate cert, KeyPair keys, String name) {
        /** Writes the CA certificate as PEM to {@code file}. */
        public Path write(Path file) {
            return writeString(file, pem("CERTIFICATE", encoded(cert)));
        }

        /**
         * A node certificate signed by this CA (extended key usage serverAuth and clientAuth) with an EC P-256 key,
         * valid from an hour ago for a day.
         */
        public Leaf issue(String commonName) {
            return issue(commonName, "EC", Instant.now().minus(Duration.ofHours(1)), Duration.ofDays(1));
        }

        /** An application's certificate signed by this CA: extended key usage clientAuth only. */
        public Leaf issueClient(String commonName) {
            return issue(commonName, "EC", Instant.now().minus(Duration.ofHours(1)), Duration.ofDays(1),
                    new KeyPurposeId[] {KeyPurposeId.id_kp_clientAuth});
        }

        /** A node certificate signed by this CA; {@code algorithm} is "EC" (P-256) or "RSA" (2048 bits). */
        public Leaf issue(String commonName, String algorithm, Instant notBefore, Duration validity) {
            return issue(commonName, algorithm, notBefore, validity,
                    new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth});
        }

        private Leaf issue(String commonName, String algorithm, Instant notBefore, Duration validity,
                KeyPurposeId[] purposes) {
            KeyPair kp = keyPair(algorithm);
            try {
                X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name),
                        BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(notBefore),
                        Date.from(notBefore.plus(validity)), new X500Name("CN=" + commonName), kp.getPublic());
                b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
                b.addExtension(Extension.keyUsage, true,
                        new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement));
                b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purposes));
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress,
                                InetAddress.getLoopbackAddress().getHostAddress())}));
                return new Leaf(sign(b, keys.getPrivate()), kp.getPrivate());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A certificate and its private key. */
    public record Leaf(X509Certificate cert, PrivateKey key) {
        public Path writeCert(Path file) {
            return writeString(file, pem("CERTIFICATE", encoded(cert)));
        }

        /** The key as unencrypted PKCS#8 PEM ("BEGIN PRIVATE KEY"), the format Hearth reads. */
        public Path writeKey(Path file) {
            return writeString(file, pem("PRIVATE KEY", key.getEncoded()));
        }
    }

    private TestCertificates() {
    }

    /** A new self-signed CA with an EC P-256 key. */
    public static Ca ca(String name) {
        KeyPair kp = keyPair("EC");
        Instant now = Instant.now();
        try {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(new X500Name("CN=" + name),
                    BigInteger.valueOf(SERIAL.incrementAndGet()), Date.from(now.minus(Duration.ofHours(1))),
                    Date.from(now.plus(Duration.ofDays(30))), new X500Name("CN=" + name), kp.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new Ca(sign(b, kp.getPrivate()), kp, name);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Text of one PEM block. */
    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    static KeyPair keyPair(String algorithm) {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
            if (algorithm.equals("EC")) {
                g.initialize(new ECGenParameterSpec("secp256r1"));
            } else {
                g.initialize(2048);
            }
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static X509Certificate sign(X509v3CertificateBuilder b, PrivateKey signer) {
        try {
            String alg = signer.getAlgorithm().equals("EC") ? "SHA256withECDSA" : "SHA256withRSA";
            ContentSigner s = new JcaContentSignerBuilder(alg).build(signer);
            return new JcaX509CertificateConverter().getCertificate(b.build(s));
        } catch (OperatorCreationException | GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Path writeString(Path file, String text) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, text, StandardCharsets.US_ASCII);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
