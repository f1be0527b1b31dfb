package io.longhaul.transport.path;

import io.longhaul.transport.util.PluginRegistry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds path schedulers by name through {@link java.util.ServiceLoader} and creates them from
 * specs such as {@code spray}, {@code weighted:by=rate} or {@code plb:rounds=3}. Built-ins:
 * {@code flowlet}, {@code minrtt}, {@code plb}, {@code single}, {@code spray}, {@code weighted}.
 */
public final class PathSchedulers {
    /** The scheduler a connection uses unless told otherwise. */
    public static final String DEFAULT = "spray";

    private static final PluginRegistry<PathSchedulerProvider> REGISTRY = new PluginRegistry<>(
        PathSchedulerProvider.class, "path scheduler", PathSchedulerProvider::name, PathSchedulerProvider::description);

    private PathSchedulers() {
    }

    /**
     * Creates a scheduler.
     *
     * @param spec {@code name} or {@code name:key=value,...}; names are case-insensitive.
     * @throws IllegalArgumentException if the spec is malformed, the name unknown (the message lists
     *                                  the available ones) or a parameter unknown or out of range.
     */
    public static PathScheduler create(final String spec, final PathSchedulerConfig base) {
        final PluginRegistry.Spec parsed = REGISTRY.parse(spec);
        final PathSchedulerProvider provider = REGISTRY.require(parsed.name());
        final Map<String, String> parameters = new LinkedHashMap<>(base.parameters());
        parameters.putAll(parsed.parameters());
        return provider.create(base.withParameters(parameters));
    }

    /** Creates one scheduler for four paths, so a bad {@code --scheduler} fails at start-up. */
    public static void validate(final String spec) {
        create(spec, new PathSchedulerConfig(4, 1200, 0, Map.of()));
    }

    /** @return the names of all providers found, sorted. */
    public static List<String> available() {
        return REGISTRY.available();
    }

    /** @return one line per provider, {@code "  name  description"}, for help texts. */
    public static String describe() {
        return REGISTRY.describe();
    }
}
