package dev.hearth.cli.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import dev.hearth.cli.http.AdminClient;
import java.io.PrintWriter;

/** Prints a result as JSON, YAML (the same tree) or text tables. */
public final class Output {
    private static final ObjectMapper JSON = AdminClient.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper YAML = AdminClient.JSON.copyWith(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES));

    private Output() {
    }

    public static void json(PrintWriter out, Object value) {
        write(out, JSON, value);
        out.println();
        out.flush();
    }

    public static void yaml(PrintWriter out, Object value) {
        write(out, YAML, value);
        out.flush();
    }

    private static void write(PrintWriter out, ObjectMapper mapper, Object value) {
        try {
            out.print(mapper.writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    public static void text(PrintWriter out, String text) {
        out.print(text);
        out.flush();
    }
}
