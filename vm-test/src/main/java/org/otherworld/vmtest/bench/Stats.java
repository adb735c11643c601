package org.otherworld.vmtest.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/** Median and range of repeated measurements (nulls, i.e. not measured, are left out). */
public record Stats(int n, Double median, Double min, Double max) {
    public static Stats of(Collection<? extends Number> values) {
        List<Double> v = new ArrayList<>();
        for (Number x : values) {
            if (x != null) {
                v.add(x.doubleValue());
            }
        }
        if (v.isEmpty()) {
            return new Stats(0, null, null, null);
        }
        v.sort(null);
        int n = v.size();
        double med = n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
        return new Stats(n, med, v.get(0), v.get(n - 1));
    }

    /** "median (min-max, n=N)" with the given number formatter, or "not measured". */
    public String format(java.util.function.DoubleFunction<String> f) {
        if (n == 0) {
            return "not measured";
        }
        if (n == 1) {
            return f.apply(median) + " (n=1)";
        }
        return f.apply(median) + " (" + f.apply(min) + "-" + f.apply(max) + ", n=" + n + ")";
    }

    static List<Number> nonNull(List<? extends Number> l) {
        return l.stream().filter(Objects::nonNull).map(x -> (Number) x).toList();
    }
}
