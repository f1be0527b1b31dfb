package io.longhaul.harness.sweep;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A sweep's results directory: {@code sweep.jsonl} (one {@link SweepRow} per line, appended cell
 * by cell in a single write, so a killed sweep leaves whole cells), and {@code sweep.csv} plus
 * {@code sweep.json} written from it at the end. A truncated last line (a sweep killed mid-write)
 * is dropped when the file is opened.
 */
public final class SweepResults {
    /** The append-only results file. */
    public static final String JSONL = "sweep.jsonl";
    /** The CSV written at the end. */
    public static final String CSV = "sweep.csv";
    /** The JSON array written at the end. */
    public static final String JSON = "sweep.json";

    private static final ObjectMapper MAPPER = new ObjectMapper().setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final Path dir;
    private final List<SweepRow> rows = new ArrayList<>();
    private final Set<String> doneCells = new LinkedHashSet<>();

    private SweepResults(final Path dir) {
        this.dir = dir;
    }

    /** Opens (creating it if needed) a results directory and reads what earlier runs appended. */
    public static SweepResults open(final Path dir) {
        final SweepResults r = new SweepResults(dir);
        try {
            Files.createDirectories(dir);
            final Path file = dir.resolve(JSONL);
            if (Files.exists(file)) {
                final List<String> good = new ArrayList<>();
                boolean dropped = false;
                for (final String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    if (line.isBlank()) {
                        continue;
                    }
                    try {
                        r.add(MAPPER.readValue(line, SweepRow.class));
                        good.add(line);
                    } catch (final JsonProcessingException e) {
                        dropped = true;
                    }
                }
                if (dropped) {
                    Files.write(file, good, StandardCharsets.UTF_8);
                }
            }
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot open sweep results in " + dir + ": " + e.getMessage(), e);
        }
        return r;
    }

    /** Reads the rows of a {@code sweep.jsonl} file (lines that do not parse are skipped). */
    public static List<SweepRow> read(final Path jsonl) throws IOException {
        final List<SweepRow> out = new ArrayList<>();
        for (final String line : Files.readAllLines(jsonl, StandardCharsets.UTF_8)) {
            try {
                if (!line.isBlank()) {
                    out.add(MAPPER.readValue(line, SweepRow.class));
                }
            } catch (final JsonProcessingException e) {
                // a truncated line of an interrupted sweep
            }
        }
        return out;
    }

    private void add(final SweepRow row) {
        rows.add(row);
        if (row.cell() != null) {
            doneCells.add(row.cell());
        }
    }

    public Path directory() {
        return dir;
    }

    /** @return whether rows of the cell with this key are already stored. */
    public boolean isDone(final String cellKey) {
        return doneCells.contains(cellKey);
    }

    /** @return every stored row, in file order. */
    public List<SweepRow> rows() {
        return List.copyOf(rows);
    }

    /** Appends one cell's rows in a single write and forces them to disk. */
    public void append(final List<SweepRow> cellRows) {
        final StringBuilder sb = new StringBuilder();
        for (final SweepRow row : cellRows) {
            sb.append(toJson(row)).append('\n');
        }
        try {
            Files.writeString(dir.resolve(JSONL), sb.toString(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                StandardOpenOption.WRITE, StandardOpenOption.SYNC);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot append to " + dir.resolve(JSONL) + ": " + e.getMessage(), e);
        }
        for (final SweepRow row : cellRows) {
            add(row);
        }
    }

    /** Writes {@code sweep.csv} and {@code sweep.json} from every stored row. */
    public void writeSummaries() {
        try {
            final StringBuilder csv = new StringBuilder(String.join(",", SweepRow.COLUMNS)).append('\n');
            for (final SweepRow row : rows) {
                csv.append(row.csv()).append('\n');
            }
            Files.writeString(dir.resolve(CSV), csv.toString(), StandardCharsets.UTF_8);
            MAPPER.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve(JSON).toFile(), rows);
        } catch (final IOException e) {
            throw new UncheckedIOException("cannot write sweep summaries in " + dir + ": " + e.getMessage(), e);
        }
    }

    /** @return one row as a single JSON line (snake_case names, nulls left out). */
    public static String toJson(final SweepRow row) {
        try {
            return MAPPER.writeValueAsString(row);
        } catch (final JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** @return the mapper used for rows (snake_case, unknown properties ignored). */
    public static ObjectMapper mapper() {
        return MAPPER.copy();
    }
}
