package io.longhaul.transport.cc;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;

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

    private static volatile Cache cache;

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
        final Spec parsed = parse(spec);
        final CongestionControlProvider provider = providers().get(parsed.name);
        if (provider == null) {
            throw new IllegalArgumentException("unknown congestion control '" + parsed.name + "'; available: " + String.join(", ", available()));
        }
        final Map<String, String> parameters = new LinkedHashMap<>(base.parameters());
        parameters.putAll(parsed.parameters);
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
        return List.copyOf(providers().keySet());
    }

    /**
     * @return one line per provider, {@code "  name  description"}, sorted by name, for help texts.
     */
    public static String describe() {
        final Map<String, CongestionControlProvider> providers = providers();
        int width = 0;
        for (final String name : providers.keySet()) {
            width = Math.max(width, name.length());
        }
        final StringBuilder sb = new StringBuilder();
        for (final Map.Entry<String, CongestionControlProvider> e : providers.entrySet()) {
            sb.append("  ").append(e.getKey());
            for (int i = e.getKey().length(); i < width + 2; i++) {
                sb.append(' ');
            }
            sb.append(e.getValue().description()).append(System.lineSeparator());
        }
        return sb.toString();
    }

    private static Map<String, CongestionControlProvider> providers() {
        final ClassLoader contextLoader = Thread.currentThread().getContextClassLoader();
        final ClassLoader loader = contextLoader != null ? contextLoader : CongestionControlProvider.class.getClassLoader();
        final Cache current = cache;
        if (current != null && current.loader == loader) {
            return current.providers;
        }
        final Map<String, CongestionControlProvider> found = new TreeMap<>();
        load(loader, found);
        if (loader != CongestionControlProvider.class.getClassLoader()) {
            load(CongestionControlProvider.class.getClassLoader(), found);
        }
        final Map<String, CongestionControlProvider> providers = Collections.unmodifiableMap(found);
        cache = new Cache(loader, providers);
        return providers;
    }

    private static void load(final ClassLoader loader, final Map<String, CongestionControlProvider> into) {
        final ServiceLoader<CongestionControlProvider> serviceLoader = ServiceLoader.load(CongestionControlProvider.class, loader);
        try {
            for (final CongestionControlProvider provider : serviceLoader) {
                into.putIfAbsent(provider.name().toLowerCase(Locale.ROOT), provider);
            }
        } catch (final ServiceConfigurationError e) {
            throw new IllegalStateException("cannot load congestion control providers: " + e.getMessage(), e);
        }
    }

    static Spec parse(final String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("congestion control spec is empty; expected name or name:key=value,...; available: "
                + String.join(", ", available()));
        }
        final String trimmed = spec.trim();
        final int colon = trimmed.indexOf(':');
        final String name = (colon < 0 ? trimmed : trimmed.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
        if (name.isEmpty()) {
            throw new IllegalArgumentException("congestion control spec '" + spec + "' has no name; expected name or name:key=value,...");
        }
        final Map<String, String> parameters = new LinkedHashMap<>();
        if (colon >= 0) {
            final String rest = trimmed.substring(colon + 1);
            final List<String> parts = new ArrayList<>();
            for (final String part : rest.split(",", -1)) {
                parts.add(part.trim());
            }
            for (final String part : parts) {
                final int eq = part.indexOf('=');
                if (eq <= 0 || eq == part.length() - 1) {
                    throw new IllegalArgumentException("congestion control spec '" + spec + "': '" + part
                        + "' is not key=value; expected name:key=value,key=value");
                }
                final String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                final String value = part.substring(eq + 1).trim();
                if (parameters.put(key, value) != null) {
                    throw new IllegalArgumentException("congestion control spec '" + spec + "': parameter '" + key + "' given twice");
                }
            }
        }
        return new Spec(name, parameters);
    }

    record Spec(String name, Map<String, String> parameters) {
    }

    private record Cache(ClassLoader loader, Map<String, CongestionControlProvider> providers) {
    }
}
