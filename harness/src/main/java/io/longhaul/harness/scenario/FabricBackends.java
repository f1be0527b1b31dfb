package io.longhaul.harness.scenario;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;

/** Finds {@link FabricBackend}s by name: the built-in {@code sim} plus any on the class path. */
public final class FabricBackends {
    private FabricBackends() {
    }

    /** @return every backend, by name ({@code sim} first, then plug-ins sorted by name). */
    public static Map<String, FabricBackend> all() {
        final Map<String, FabricBackend> out = new LinkedHashMap<>();
        final SimBackend sim = new SimBackend();
        out.put(sim.name(), sim);
        final List<FabricBackend> found = new ArrayList<>();
        for (final FabricBackend b : ServiceLoader.load(FabricBackend.class)) {
            found.add(b);
        }
        found.sort((a, b) -> a.name().compareTo(b.name()));
        for (final FabricBackend b : found) {
            out.putIfAbsent(b.name().toLowerCase(Locale.ROOT), b);
        }
        return out;
    }

    /** @throws IllegalArgumentException listing the available backends if there is none of that name. */
    public static FabricBackend byName(final String name) {
        final Map<String, FabricBackend> all = all();
        final FabricBackend b = all.get(name.trim().toLowerCase(Locale.ROOT));
        if (b == null) {
            throw new IllegalArgumentException("unknown backend '" + name + "'; available: " + String.join(", ", all.keySet()));
        }
        return b;
    }
}
