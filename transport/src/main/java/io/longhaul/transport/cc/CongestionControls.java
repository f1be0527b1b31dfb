package io.longhaul.transport.cc;

import io.longhaul.transport.util.PluginRegistry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds congestion controllers by name through {@link ServiceLoader} and creates them from specs
 * such as {@code cubic}, {@code fixed:rate=900mbit} or {@code delay:target=2ms,ai=2}.
 *
 * <p>Providers are looked up with the thread context class loader (falling back to the loader of
 * {@link CongestionControlProvider}) and cached per loader; when two providers claim the same name
 * the first one found wins. Built-ins: {@code bbr}, {@code cubic}, {@code delay}, {@code fixed},
 * {@code newreno}.
 */
public final class CongestionControls {
    /** Datagram size of the configuration {@link #validate(String)} creates a controller with. */
    public static final int VALIDATION_DATAGRAM_BYTES = 1200;

    private static final PluginRegistry<CongestionControlProvider> REGISTRY = new PluginRegistry<>(
        CongestionControlProvider.class, "congestion control", CongestionControlProvider::name,
        CongestionControlProvider::description);

    private CongestionControls() {
    }

    /**
     * Creates a controller.
     *
     * @param spec {@code name} or {@code name:key=value,key=value}; names are case-insensitive.
     * @param base the path's datagram size and windows; spec parameters are added to (and override)
     *             {@code base.parameters()}.
     * @return a new controller.
     * @throws IllegalArgumentException if the spec is malformed, the name unknown (the message lists
     *                                  the available ones) or a parameter unknown or out of range.
     */
    public static CongestionControl create(final String spec, final CongestionControlConfig base) {
        final PluginRegistry.Spec parsed = REGISTRY.parse(spec);
        final CongestionControlProvider provider = REGISTRY.require(parsed.name());
        final Map<String, String> parameters = new LinkedHashMap<>(base.parameters());
        parameters.putAll(parsed.parameters());
        return provider.create(base.withParameters(parameters));
    }

    /**
     * Parses {@code spec} and creates one controller with a default configuration, so that a bad
     * {@code --cc} value fails at start-up rather than when the first path opens.
     *
     * @throws IllegalArgumentException as {@link #create(String, CongestionControlConfig)}.
     */
    public static void validate(final String spec) {
        create(spec, CongestionControlConfig.defaults(VALIDATION_DATAGRAM_BYTES));
    }

    /** @return the names of all providers found, sorted. */
    public static List<String> available() {
        return REGISTRY.available();
    }

    /**
     * @return one line per provider, {@code "  name  description"}, sorted by name, for help texts.
     */
    public static String describe() {
        return REGISTRY.describe();
    }
}
