package io.longhaul.transport.util;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Plug-ins of one kind (congestion controllers, path schedulers) found by name through
 * {@link ServiceLoader}, and the specs that select them: {@code name} or
 * {@code name:key=value,key=value}, names case-insensitive.
 *
 * <p>Providers are looked up with the thread context class loader (falling back to the loader of
 * the provider interface) and cached per loader; when two providers claim the same name the first
 * one found wins.
 *
 * @param <P> the provider interface.
 */
public final class PluginRegistry<P> {
    /** A parsed spec: the lower-case name and the parameters in the order given. */
    public record Spec(String name, Map<String, String> parameters) {
    }

    private record Cache<P>(ClassLoader loader, Map<String, P> providers) {
    }

    private final Class<P> type;
    private final String kind;
    private final Function<P, String> name;
    private final Function<P, String> description;
    private volatile Cache<P> cache;

    /**
     * @param type        the provider interface, as registered under {@code META-INF/services}.
     * @param kind        what a plug-in is called in messages, e.g. {@code "congestion control"}.
     * @param name        a provider's name.
     * @param description a provider's one-line description.
     */
    public PluginRegistry(final Class<P> type, final String kind, final Function<P, String> name,
                          final Function<P, String> description) {
        this.type = type;
        this.kind = kind;
        this.name = name;
        this.description = description;
    }

    /**
     * @return the provider named {@code pluginName}.
     * @throws IllegalArgumentException if none is (the message lists the available ones).
     */
    public P require(final String pluginName) {
        final P provider = providers().get(pluginName);
        if (provider == null) {
            throw new IllegalArgumentException("unknown " + kind + " '" + pluginName + "'; available: " + String.join(", ", available()));
        }
        return provider;
    }

    /** @return the names of all providers found, sorted. */
    public List<String> available() {
        return List.copyOf(providers().keySet());
    }

    /** @return one line per provider, {@code "  name  description"}, sorted by name, for help texts. */
    public String describe() {
        final Map<String, P> providers = providers();
        int width = 0;
        for (final String key : providers.keySet()) {
            width = Math.max(width, key.length());
        }
        final StringBuilder sb = new StringBuilder();
        for (final Map.Entry<String, P> e : providers.entrySet()) {
            sb.append("  ").append(e.getKey());
            for (int i = e.getKey().length(); i < width + 2; i++) {
                sb.append(' ');
            }
            sb.append(description.apply(e.getValue())).append(System.lineSeparator());
        }
        return sb.toString();
    }

    private Map<String, P> providers() {
        final ClassLoader contextLoader = Thread.currentThread().getContextClassLoader();
        final ClassLoader loader = contextLoader != null ? contextLoader : type.getClassLoader();
        final Cache<P> current = cache;
        if (current != null && current.loader == loader) {
            return current.providers;
        }
        final Map<String, P> found = new TreeMap<>();
        load(loader, found);
        if (loader != type.getClassLoader()) {
            load(type.getClassLoader(), found);
        }
        final Map<String, P> providers = Collections.unmodifiableMap(found);
        cache = new Cache<>(loader, providers);
        return providers;
    }

    private void load(final ClassLoader loader, final Map<String, P> into) {
        try {
            for (final P provider : ServiceLoader.load(type, loader)) {
                into.putIfAbsent(name.apply(provider).toLowerCase(Locale.ROOT), provider);
            }
        } catch (final ServiceConfigurationError e) {
            throw new IllegalStateException("cannot load " + kind + " providers: " + e.getMessage(), e);
        }
    }

    /**
     * Parses {@code name} or {@code name:key=value,key=value}.
     *
     * @throws IllegalArgumentException naming what is wrong: empty, no name, a part that is not
     *                                  {@code key=value}, a key given twice.
     */
    public Spec parse(final String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException(kind + " spec is empty; expected name or name:key=value,...; available: "
                + String.join(", ", available()));
        }
        final String trimmed = spec.trim();
        final int colon = trimmed.indexOf(':');
        final String pluginName = (colon < 0 ? trimmed : trimmed.substring(0, colon)).trim().toLowerCase(Locale.ROOT);
        if (pluginName.isEmpty()) {
            throw new IllegalArgumentException(kind + " spec '" + spec + "' has no name; expected name or name:key=value,...");
        }
        final Map<String, String> parameters = new LinkedHashMap<>();
        if (colon >= 0) {
            final List<String> parts = new ArrayList<>();
            for (final String part : trimmed.substring(colon + 1).split(",", -1)) {
                parts.add(part.trim());
            }
            for (final String part : parts) {
                final int eq = part.indexOf('=');
                if (eq <= 0 || eq == part.length() - 1) {
                    throw new IllegalArgumentException(kind + " spec '" + spec + "': '" + part
                        + "' is not key=value; expected name:key=value,key=value");
                }
                final String key = part.substring(0, eq).trim().toLowerCase(Locale.ROOT);
                if (parameters.put(key, part.substring(eq + 1).trim()) != null) {
                    throw new IllegalArgumentException(kind + " spec '" + spec + "': parameter '" + key + "' given twice");
                }
            }
        }
        return new Spec(pluginName, parameters);
    }
}
