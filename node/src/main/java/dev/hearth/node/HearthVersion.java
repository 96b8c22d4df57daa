package dev.hearth.node;

/** The version stamped into the jar's manifest by Maven, or "dev" when run from classes. */
public final class HearthVersion {
    private HearthVersion() {
    }

    public static String get() {
        String v = HearthVersion.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}
