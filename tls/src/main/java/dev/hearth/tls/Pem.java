package dev.hearth.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads PEM files: certificates ({@code BEGIN CERTIFICATE}, one or more) and unencrypted PKCS#8 private keys
 * ({@code BEGIN PRIVATE KEY}, RSA or EC). Every failure is a {@link PemException} that names the file and, for the
 * usual wrong formats (PKCS#1, SEC1, encrypted keys), the command that converts it.
 */
public final class Pem {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \\1-----", Pattern.DOTALL);
    static final String CONVERT = "convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pkcs8.pem";

    private Pem() {
    }

    /**
     * Every {@code CERTIFICATE} block of {@code file}, in file order (a chain: the leaf first).
     *
     * @throws PemException when the file is unreadable, holds no certificate, or a block is not an X.509 certificate
     */
    public static List<X509Certificate> certificates(Path file) {
        return certificates(read(file), file);
    }

    static List<X509Certificate> certificates(byte[] content, Path file) {
        List<X509Certificate> out = new ArrayList<>();
        CertificateFactory cf;
        try {
            cf = CertificateFactory.getInstance("X.509");
        } catch (CertificateException e) {
            throw new IllegalStateException("this JVM has no X.509 certificate factory", e);
        }
        for (Block b : blocks(content, file)) {
            if (!b.type.equals("CERTIFICATE")) {
                continue;
            }
            try {
                out.add((X509Certificate) cf.generateCertificate(new ByteArrayInputStream(b.der)));
            } catch (CertificateException e) {
                throw new PemException(file + ": certificate " + (out.size() + 1) + " is not a valid X.509 "
                        + "certificate: " + e.getMessage(), e);
            }
        }
        if (out.isEmpty()) {
            throw new PemException(file + ": no certificate found (expected a PEM block "
                    + "'-----BEGIN CERTIFICATE-----')");
        }
        return out;
    }

    /**
     * The private key of {@code file}: exactly one unencrypted PKCS#8 block, RSA or EC.
     *
     * @throws PemException when the file is unreadable, holds another kind of key, or the key cannot be decoded
     */
    public static PrivateKey privateKey(Path file) {
        return privateKey(read(file), file);
    }

    static PrivateKey privateKey(byte[] content, Path file) {
        List<Block> keys = new ArrayList<>();
        for (Block b : blocks(content, file)) {
            switch (b.type) {
                case "PRIVATE KEY" -> keys.add(b);
                case "RSA PRIVATE KEY", "EC PRIVATE KEY" -> throw new PemException(file + ": '" + b.type
                        + "' is a PKCS#1/SEC1 key; Hearth reads unencrypted PKCS#8 ('BEGIN PRIVATE KEY'): " + CONVERT);
                case "ENCRYPTED PRIVATE KEY" -> throw new PemException(file + ": the key is encrypted; Hearth "
                        + "reads unencrypted PKCS#8 ('BEGIN PRIVATE KEY'), protected by file permissions: " + CONVERT);
                default -> {
                    // certificates and parameters may share a file with the key
                }
            }
        }
        if (keys.size() != 1) {
            throw new PemException(file + ": expected exactly one '-----BEGIN PRIVATE KEY-----' block (unencrypted "
                    + "PKCS#8), found " + keys.size());
        }
        byte[] der = keys.get(0).der;
        GeneralSecurityException last = null;
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        throw new PemException(file + ": the PKCS#8 key is neither RSA nor EC, or is damaged", last);
    }

    static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new PemException(file + ": no such file", e);
        } catch (IOException e) {
            throw new PemException(file + ": cannot read: " + e, e);
        }
    }

    private record Block(String type, byte[] der) {
    }

    private static List<Block> blocks(byte[] content, Path file) {
        String text = new String(content, StandardCharsets.US_ASCII);
        List<Block> out = new ArrayList<>();
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            if (!type.equals("CERTIFICATE") && !type.equals("PRIVATE KEY")) {
                out.add(new Block(type, null)); // never decoded: only its type matters (and legacy headers would fail)
                continue;
            }
            try {
                out.add(new Block(type, Base64.getDecoder().decode(m.group(2).replaceAll("\\s", ""))));
            } catch (IllegalArgumentException e) {
                throw new PemException(file + ": the '" + m.group(1) + "' block is not valid base64", e);
            }
        }
        if (out.isEmpty()) {
            throw new PemException(file + ": not a PEM file (no '-----BEGIN ...-----' block)");
        }
        return out;
    }
}
