package io.longhaul.transport;

import io.longhaul.transport.core.SendStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

class TransportTestScratch {
    @Test
    void scratch() throws Exception {
        final String opts = System.getenv("SCRATCH_OPTS");
        if (opts != null) {
            for (final String kv : opts.trim().split("\\s+")) {
                final String[] p = kv.split("=", 2);
                System.setProperty(p[0], p[1]);
            }
        }
        final String link = System.getProperty("scratch.link", "");
        final TransportTest.Receiver receiver = new TransportTest.Receiver();
        try (Transport server = Transport.open(TransportTest.context().link(link).linkSeed(11L).messageHandler(receiver));
             Transport client = Transport.open(TransportTest.context().link(link).linkSeed(12L))) {
            final Session session = client.connect(server.localAddress());
            final List<CompletableFuture<SendStatus>> sends = new ArrayList<>();
            for (int tag = 0; tag < 16; tag++) {
                sends.add(session.send(tag, TransportTest.pattern(tag, 4 << 20)));
            }
            final CompletableFuture<Void> all = CompletableFuture.allOf(sends.toArray(new CompletableFuture<?>[0]));
            for (int i = 0; i < 8 && !all.isDone(); i++) {
                try { all.get(1, java.util.concurrent.TimeUnit.SECONDS); } catch (java.util.concurrent.TimeoutException e) { }
                System.out.println("client " + session.stats());
                System.out.println("server drops " + server.drops() + " client drops " + client.drops() + " rx " + receiver.messages + " " + receiver.bytes);
                System.out.println("emu c " + client.emulatorCounters() + " s " + server.emulatorCounters());
            }
        }
    }
}
