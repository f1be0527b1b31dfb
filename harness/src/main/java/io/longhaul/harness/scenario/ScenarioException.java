package io.longhaul.harness.scenario;

/**
 * A scenario file that cannot be used. The message names the file, the field as a YAML path
 * ({@code links.inter.distance_km}), the offending value and what is accepted, for example
 * {@code dci.yaml: links.inter.distance_km: 'far' is not a number; accepted: 0 to 20000 (line 9)}.
 */
public final class ScenarioException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String source;
    private final String field;
    private final int line;

    /**
     * @param source the file name (or preset name) the scenario came from.
     * @param field  the YAML path of the field, empty for the whole file.
     * @param detail what is wrong and what is accepted.
     * @param line   1-based line, or 0 when unknown.
     */
    public ScenarioException(final String source, final String field, final String detail, final int line) {
        super(source + ": " + (field.isEmpty() ? "" : field + ": ") + detail + (line > 0 ? " (line " + line + ")" : ""));
        this.source = source;
        this.field = field;
        this.line = line;
    }

    /** @return the file name (or preset name) the scenario came from. */
    public String source() {
        return source;
    }

    /** @return the YAML path of the bad field, empty when the problem is the whole file. */
    public String field() {
        return field;
    }

    /** @return the 1-based line of the bad field, 0 when unknown. */
    public int line() {
        return line;
    }
}
