package dev.hearth.client.internal;

import org.apache.ignite.Ignition;

/**
 * The one JVM flag Ignite's thin client cannot do without, checked when a client is built rather than discovered as an
 * {@code ExceptionInInitializerError} deep inside the first connection. Measured (JvmFlagsIT): of the 24
 * {@code --add-opens} a node needs, a client needs only {@code java.base/java.nio}. Every thin client initialises
 * Ignite's {@code GridUnsafe}, whatever it marshals, and its static initialiser makes {@code java.nio.Buffer.address}
 * and {@code DirectByteBuffer}'s constructor accessible by reflection; there is no switch around it.
 */
public final class JvmAccess {
    /** The flag, as it goes on a command line. */
    public static final String FLAG = "--add-opens=java.base/java.nio=ALL-UNNAMED";

    private JvmAccess() {
    }

    /** @throws IllegalStateException naming the flag and where it may go, if this JVM lacks it */
    public static void check() {
        Module ignite = Ignition.class.getModule();
        if (!Object.class.getModule().isOpen("java.nio", ignite)) {
            throw new IllegalStateException("hearth-client needs one JVM flag, " + FLAG + ": Ignite's thin client "
                    + "reads java.nio.Buffer.address by reflection when it starts (GridUnsafe). Put it on the java "
                    + "command line, in JDK_JAVA_OPTIONS, or as the manifest line 'Add-Opens: java.base/java.nio' of "
                    + "the jar started with java -jar (a Spring Boot jar, say). No other flag is needed"
                    + (ignite.isNamed() ? "; Ignite is module " + ignite.getName() + " here, so open java.nio to it"
                    : ""));
        }
    }
}
