package io.longhaul.harness.scenario;

import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.api.lowlevel.Parse;
import org.snakeyaml.engine.v2.events.Event;
import org.snakeyaml.engine.v2.events.MappingEndEvent;
import org.snakeyaml.engine.v2.events.MappingStartEvent;
import org.snakeyaml.engine.v2.events.SequenceEndEvent;
import org.snakeyaml.engine.v2.events.SequenceStartEvent;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A view of a composed YAML document that knows each node's YAML path and line, so every error
 * names the file, the field and the line. Mappings reject unknown and duplicate keys, suggesting
 * the nearest accepted key.
 */
final class YamlTree {
    private final String source;
    private final String path;
    private final Node node;

    private YamlTree(final String source, final String path, final Node node) {
        this.source = source;
        this.path = path;
        this.node = node;
    }

    /** Deepest nesting of mappings and lists a scenario may have (its own schema needs 4). */
    static final int MAX_DEPTH = 32;

    /** Parses {@code text}; an empty document is an empty mapping. */
    static YamlTree parse(final String source, final String text) {
        try {
            checkDepth(source, text);
            final Optional<Node> root = new Compose(LoadSettings.builder().setLabel(source).build()).composeString(text);
            return new YamlTree(source, "", root.orElse(null));
        } catch (final MarkedYamlEngineException e) {
            final int line = e.getProblemMark().map(m -> m.getLine() + 1).orElse(0);
            throw new ScenarioException(source, "", "not valid YAML: " + e.getProblem(), line);
        } catch (final YamlEngineException e) {
            throw new ScenarioException(source, "", "not valid YAML: " + e.getMessage(), 0);
        }
    }

    /**
     * Streams the parser's events (no recursion) and rejects nesting deeper than {@link #MAX_DEPTH}
     * before the recursive composer could overflow the stack.
     */
    private static void checkDepth(final String source, final String text) {
        int depth = 0;
        for (final Event e : new Parse(LoadSettings.builder().setLabel(source).build()).parseString(text)) {
            if (e instanceof MappingStartEvent || e instanceof SequenceStartEvent) {
                if (++depth > MAX_DEPTH) {
                    throw new ScenarioException(source, "", "nested more than " + MAX_DEPTH + " mappings or lists deep; a scenario needs at most 4",
                        e.getStartMark().map(m -> m.getLine() + 1).orElse(0));
                }
            } else if (e instanceof MappingEndEvent || e instanceof SequenceEndEvent) {
                depth--;
            }
        }
    }

    String source() {
        return source;
    }

    String path() {
        return path;
    }

    int line() {
        return node == null ? 0 : node.getStartMark().map(m -> m.getLine() + 1).orElse(0);
    }

    boolean isNull() {
        return node == null || node instanceof ScalarNode && ((ScalarNode) node).isPlain()
            && (((ScalarNode) node).getValue().isEmpty() || ((ScalarNode) node).getValue().equals("~")
            || ((ScalarNode) node).getValue().equalsIgnoreCase("null"));
    }

    boolean isScalar() {
        return node instanceof ScalarNode;
    }

    boolean isMapping() {
        return node instanceof MappingNode;
    }

    boolean isSequence() {
        return node instanceof SequenceNode;
    }

    ScenarioException error(final String detail) {
        return new ScenarioException(source, path, detail, line());
    }

    /** @return the scalar's text, or an error naming what was expected. */
    String text(final String expected) {
        if (!(node instanceof ScalarNode)) {
            throw error("expected " + expected + " but found " + kind());
        }
        return ((ScalarNode) node).getValue().trim();
    }

    private String kind() {
        if (node == null) {
            return "nothing";
        }
        return node instanceof MappingNode ? "a mapping" : node instanceof SequenceNode ? "a list" : "'" + ((ScalarNode) node).getValue() + "'";
    }

    /** Parses the scalar with {@code parser}, turning its {@link IllegalArgumentException} into a located error. */
    <T> T convert(final String expected, final Function<String, T> parser) {
        final String t = text(expected);
        try {
            return parser.apply(t);
        } catch (final ScenarioException e) {
            throw e;
        } catch (final IllegalArgumentException e) {
            throw error(stripField(e.getMessage()));
        }
    }

    /** Drops a leading {@code "field: "} that {@code Units} and {@code LinkSpec} put in their messages. */
    private static String stripField(final String message) {
        if (message == null) {
            return "invalid value";
        }
        final int colon = message.indexOf(": ");
        if (colon > 0 && colon < 40 && !message.substring(0, colon).contains("'")) {
            return message.substring(colon + 2);
        }
        return message;
    }

    /** A number within [min, max]. */
    double number(final double min, final double max) {
        final String t = text("a number");
        final double v;
        try {
            v = Double.parseDouble(t.replace("_", ""));
        } catch (final NumberFormatException e) {
            throw error("'" + t + "' is not a number; accepted: " + fmt(min) + " to " + fmt(max));
        }
        if (!(v >= min && v <= max)) {
            throw error("'" + t + "' is out of range; accepted: " + fmt(min) + " to " + fmt(max));
        }
        return v;
    }

    /** A whole number within [min, max]. */
    long integer(final long min, final long max) {
        final String t = text("a whole number");
        final long v;
        try {
            v = Long.parseLong(t.replace("_", ""));
        } catch (final NumberFormatException e) {
            throw error("'" + t + "' is not a whole number; accepted: " + min + " to " + max);
        }
        if (v < min || v > max) {
            throw error("'" + t + "' is out of range; accepted: " + min + " to " + max);
        }
        return v;
    }

    private static String fmt(final double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /** The children of a list. */
    List<YamlTree> items() {
        if (!(node instanceof SequenceNode)) {
            throw error("expected a list but found " + kind());
        }
        final List<YamlTree> out = new ArrayList<>();
        final List<Node> values = ((SequenceNode) node).getValue();
        for (int i = 0; i < values.size(); i++) {
            out.add(new YamlTree(source, path + "[" + i + "]", values.get(i)));
        }
        return out;
    }

    /**
     * The entries of a mapping whose keys must all be in {@code accepted}.
     *
     * @return key to child, in file order.
     */
    Map<String, YamlTree> fields(final List<String> accepted) {
        if (!(node instanceof MappingNode)) {
            throw error("expected a mapping with keys " + String.join(", ", accepted) + " but found " + kind());
        }
        final Map<String, YamlTree> out = new LinkedHashMap<>();
        for (final NodeTuple t : ((MappingNode) node).getValue()) {
            final YamlTree keyTree = new YamlTree(source, path, t.getKeyNode());
            final String key = keyTree.text("a key").toLowerCase(Locale.ROOT);
            final String childPath = path.isEmpty() ? key : path + "." + key;
            final YamlTree child = new YamlTree(source, childPath, t.getValueNode());
            if (!accepted.contains(key)) {
                final String near = nearest(key, accepted);
                throw new ScenarioException(source, childPath, "unknown key" + (near == null ? "" : "; did you mean '" + near + "'?")
                    + " accepted: " + String.join(", ", accepted), keyTree.line());
            }
            if (out.put(key, child) != null) {
                throw new ScenarioException(source, childPath, "duplicate key; each key may appear once", keyTree.line());
            }
        }
        return out;
    }

    /** The accepted key closest to {@code key} by edit distance, if close enough to be a typo. */
    static String nearest(final String key, final List<String> accepted) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        for (final String a : accepted) {
            final int d = editDistance(key, a);
            if (d < bestDistance) {
                bestDistance = d;
                best = a;
            }
        }
        return best != null && bestDistance <= Math.max(2, best.length() / 3) ? best : null;
    }

    private static int editDistance(final String a, final String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                final int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            final int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
