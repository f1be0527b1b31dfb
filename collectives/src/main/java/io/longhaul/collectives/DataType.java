package io.longhaul.collectives;

import java.util.Locale;

/**
 * Element types of a collective, with their size in bytes and the names nccl-tests prints and
 * accepts ({@code -d float}). Buffers are little-endian.
 */
public enum DataType {
    FLOAT32("float", 4, true),
    FLOAT64("double", 8, true),
    INT32("int32", 4, false),
    INT64("int64", 8, false),
    /** bfloat16: the upper half of an IEEE binary32; reduced in float, rounded to nearest even. */
    BF16("bfloat16", 2, true),
    /** IEEE binary16; reduced in float, rounded to nearest even. */
    FP16("half", 2, true);

    private final String ncclName;
    private final int size;
    private final boolean floatingPoint;

    DataType(final String ncclName, final int size, final boolean floatingPoint) {
        this.ncclName = ncclName;
        this.size = size;
        this.floatingPoint = floatingPoint;
    }

    /** @return the element size in bytes. */
    public int size() {
        return size;
    }

    /** @return the name nccl-tests uses ({@code float}, {@code double}, {@code int32}, {@code int64}, {@code bfloat16}, {@code half}). */
    public String ncclName() {
        return ncclName;
    }

    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /**
     * Parses a type by its nccl-tests name or an alias ({@code float32}, {@code fp32}, {@code f32},
     * {@code float64}, {@code fp64}, {@code bf16}, {@code fp16}, {@code float16}, {@code int}, {@code long}).
     */
    public static DataType parse(final String name) {
        final String n = name.trim().toLowerCase(Locale.ROOT);
        switch (n) {
            case "float": case "float32": case "fp32": case "f32":
                return FLOAT32;
            case "double": case "float64": case "fp64": case "f64":
                return FLOAT64;
            case "int32": case "int": case "i32":
                return INT32;
            case "int64": case "long": case "i64":
                return INT64;
            case "bfloat16": case "bf16":
                return BF16;
            case "half": case "fp16": case "float16": case "f16":
                return FP16;
            default:
                throw new IllegalArgumentException("unknown data type '" + name
                    + "'; accepted: float, double, int32, int64, bfloat16, half");
        }
    }
}
