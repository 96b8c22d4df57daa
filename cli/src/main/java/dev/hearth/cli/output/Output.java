package dev.hearth.cli.output;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.hearth.cli.http.AdminClient;
import java.io.PrintWriter;

/** Prints a result as JSON or as text tables. */
public final class Output {
    private Output() {
    }

    public static void json(PrintWriter out, Object value) {
        try {
            out.println(AdminClient.JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        out.flush();
    }

    public static void text(PrintWriter out, String text) {
        out.print(text);
        out.flush();
    }
}
