package dev.hearth.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Keeps a document's Java examples honest: every code line of its {@code ```java} blocks must appear in a source file
 * that the build compiles (whitespace and trailing {@code //} comments aside). An example edited in the document
 * without the source, or one that no longer compiles in the source, fails the build.
 */
public final class DocExamples {
    private DocExamples() {
    }

    /** The repository root: the nearest directory at or above the working directory that holds {@code docs/}. */
    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null && !Files.isDirectory(p.resolve("docs"))) {
            p = p.getParent();
        }
        if (p == null) {
            throw new IllegalStateException("no docs/ directory above " + Path.of("").toAbsolutePath());
        }
        return p;
    }

    /** The {@code ```java} blocks of a Markdown file, each as its lines. */
    public static List<List<String>> javaBlocks(Path markdown) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> current = null;
        try {
            for (String line : Files.readAllLines(markdown)) {
                if (current == null && line.trim().equals("```java")) {
                    current = new ArrayList<>();
                } else if (current != null && line.trim().equals("```")) {
                    blocks.add(current);
                    current = null;
                } else if (current != null) {
                    current.add(line);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return blocks;
    }

    /**
     * The code lines of the blocks {@code which} selects (given a block's text) that {@code source} lacks; empty if it
     * has them all.
     *
     * @throws IllegalStateException if {@code which} selects no block
     */
    public static List<String> missing(Path markdown, Predicate<String> which, Path source) {
        String code;
        try {
            code = normalize(Files.readString(source));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> missing = new ArrayList<>();
        int selected = 0;
        for (List<String> block : javaBlocks(markdown)) {
            if (!which.test(String.join("\n", block))) {
                continue;
            }
            selected++;
            for (String line : block) {
                String n = normalize(line);
                if (!n.isEmpty() && !code.contains(n)) {
                    missing.add(line.trim());
                }
            }
        }
        if (selected == 0) {
            throw new IllegalStateException("no java block of " + markdown + " is selected: the filter is stale");
        }
        return missing;
    }

    /** One line of code without its trailing comment, whitespace collapsed; a whole text the same, line by line. */
    static String normalize(String text) {
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            // A comment starts a line or follows a space: "hearth://host" is code.
            String code = line.replaceAll("(^|\\s)//.*$", "").trim().replaceAll("\\s+", " ");
            if (!code.isEmpty()) {
                out.append(code).append('\n');
            }
        }
        String s = out.toString();
        return text.indexOf('\n') < 0 ? s.trim() : s;
    }
}
