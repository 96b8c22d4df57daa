package dev.hearth.node.config;

/** A configuration that cannot run. The message names the key and what it accepts, and is meant for operators. */
public final class ConfigException extends RuntimeException {
    private final String key;

    public ConfigException(String key, String message) {
        super(key == null ? message : "config key '" + key + "': " + message);
        this.key = key;
    }

    /** The dotted key path at fault, or null when the problem is the file itself. */
    public String key() {
        return key;
    }
}
