// Gloo ring all-reduce benchmark (one process per rank), printed in nccl-tests' columns.
// Usage: gloo_allreduce RANK SIZE STORE_DIR MIN_BYTES MAX_BYTES [ITERS] [WARMUP] [IFACE_ADDR]
// Ranks meet through a gloo::rendezvous::FileStore in STORE_DIR; traffic runs over Gloo's TCP
// transport. Times are averaged over ranks; #wrong counts elements off the exact sum after one
// extra operation on known data. gloo::AllreduceRing is in place, so only in-place columns exist.
#include <gloo/allreduce_ring.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/file_store.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s RANK SIZE STORE_DIR MIN_BYTES MAX_BYTES [ITERS] [WARMUP] [IFACE_ADDR]\n", argv[0]);
    return 2;
  }
  const int rank = std::atoi(argv[1]);
  const int size = std::atoi(argv[2]);
  const std::string dir = argv[3];
  const long minBytes = std::atol(argv[4]);
  const long maxBytes = std::atol(argv[5]);
  const int iters = argc > 6 ? std::atoi(argv[6]) : 20;
  const int warmup = argc > 7 ? std::atoi(argv[7]) : 5;
  gloo::transport::tcp::attr attr;
  attr.hostname = argc > 8 ? argv[8] : "127.0.0.1";
  auto device = gloo::transport::tcp::CreateDevice(attr);
  gloo::rendezvous::FileStore fileStore(dir);
  gloo::rendezvous::PrefixStore store("allreduce", fileStore);
  auto context = std::make_shared<gloo::rendezvous::Context>(rank, size);
  context->connectFullMesh(store, device);

  double totalBus = 0;
  int rows = 0;
  if (rank == 0) {
    std::printf("# gloo AllreduceRing<float>, %d ranks (processes), TCP on %s, in place\n", size, attr.hostname.c_str());
    std::printf("#                                                                in-place\n");
    std::printf("#       size         count      type   redop    root     time   algbw   busbw #wrong\n");
    std::printf("#        (B)    (elements)                               (us)  (GB/s)  (GB/s)\n");
  }
  for (long bytes = minBytes; bytes <= maxBytes; bytes *= 2) {
    const size_t count = bytes / sizeof(float);
    std::vector<float> data(count, 1.0f);
    std::vector<float*> ptrs{data.data()};
    gloo::AllreduceRing<float> op(context, ptrs, static_cast<int>(count));
    for (int i = 0; i < warmup; i++) {
      op.run();
    }
    std::vector<double> t(1);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < iters; i++) {
      op.run();
    }
    t[0] = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / iters;
    for (size_t i = 0; i < count; i++) {
      data[i] = static_cast<float>(1 + (7 * rank + 3 * (i % 5)) % 5);
    }
    op.run();
    std::vector<double> w(1, 0);
    for (size_t i = 0; i < count; i++) {
      double expect = 0;
      for (int r = 0; r < size; r++) {
        expect += 1 + (7 * r + 3 * (i % 5)) % 5;
      }
      if (data[i] != expect) {
        w[0]++;
      }
    }
    std::vector<double*> tp{t.data()};
    gloo::AllreduceRing<double>(context, tp, 1).run();
    std::vector<double*> wp{w.data()};
    gloo::AllreduceRing<double>(context, wp, 1).run();
    const double timeUs = t[0] / size;
    const double alg = bytes / 1e9 / (timeUs / 1e6);
    const double bus = alg * 2.0 * (size - 1) / size;
    totalBus += bus;
    rows++;
    if (rank == 0) {
      std::printf("%12ld  %12zu  %8s  %6s  %6d  %7.1f  %6.2f  %6.2f  %5.0f\n", bytes, count, "float", "sum", -1, timeUs, alg, bus, w[0]);
      std::fflush(stdout);
    }
  }
  if (rank == 0) {
    std::printf("# Avg bus bandwidth    : %g \n#\n", rows ? totalBus / rows : 0.0);
  }
  return 0;
}
