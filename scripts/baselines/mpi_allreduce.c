/* MPI_Allreduce benchmark (float sum, out of place), printed in nccl-tests' columns.
 * Usage: mpirun -np N mpi_allreduce MIN_BYTES MAX_BYTES [ITERS] [WARMUP]
 * Sizes double from MIN to MAX. Times are averaged over ranks; #wrong counts elements off the
 * exact sum after one extra operation on known data. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    if (argc < 3) {
        if (rank == 0) fprintf(stderr, "usage: %s MIN_BYTES MAX_BYTES [ITERS] [WARMUP]\n", argv[0]);
        MPI_Finalize();
        return 2;
    }
    const long minBytes = atol(argv[1]);
    const long maxBytes = atol(argv[2]);
    const int iters = argc > 3 ? atoi(argv[3]) : 20;
    const int warmup = argc > 4 ? atoi(argv[4]) : 5;
    double totalBus = 0;
    int rows = 0;
    if (rank == 0) {
        printf("# MPI_Allreduce (Open MPI), %d ranks, float sum, out of place\n", size);
        printf("#                                                             out-of-place\n");
        printf("#       size         count      type   redop    root     time   algbw   busbw #wrong\n");
        printf("#        (B)    (elements)                               (us)  (GB/s)  (GB/s)\n");
    }
    for (long bytes = minBytes; bytes <= maxBytes; bytes *= 2) {
        const long count = bytes / (long) sizeof(float);
        float* in = malloc(bytes);
        float* out = malloc(bytes);
        for (long i = 0; i < count; i++) in[i] = 1.0f;
        for (int i = 0; i < warmup; i++) MPI_Allreduce(in, out, (int) count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (int i = 0; i < iters; i++) MPI_Allreduce(in, out, (int) count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double t = (MPI_Wtime() - t0) * 1e6 / iters;
        for (long i = 0; i < count; i++) in[i] = (float) (1 + (7 * rank + 3 * (i % 5)) % 5);
        MPI_Allreduce(in, out, (int) count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        double wrong = 0;
        for (long i = 0; i < count; i++) {
            double expect = 0;
            for (int r = 0; r < size; r++) expect += 1 + (7 * r + 3 * (i % 5)) % 5;
            if (out[i] != expect) wrong++;
        }
        double tsum = 0, wsum = 0;
        MPI_Reduce(&t, &tsum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        MPI_Reduce(&wrong, &wsum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
        if (rank == 0) {
            const double timeUs = tsum / size;
            const double alg = bytes / 1e9 / (timeUs / 1e6);
            const double bus = alg * 2.0 * (size - 1) / size;
            totalBus += bus;
            rows++;
            printf("%12ld  %12ld  %8s  %6s  %6d  %7.1f  %6.2f  %6.2f  %5.0f\n", bytes, count, "float", "sum", -1, timeUs, alg, bus, wsum);
            fflush(stdout);
        }
        free(in);
        free(out);
    }
    if (rank == 0) printf("# Avg bus bandwidth    : %g \n#\n", rows ? totalBus / rows : 0.0);
    MPI_Finalize();
    return 0;
}
