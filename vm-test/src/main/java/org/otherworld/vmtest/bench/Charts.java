package org.otherworld.vmtest.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;

/** The bench's PNG charts, drawn with Java2D (as the campaign's outcome chart): bars and x-y lines. */
public final class Charts {
    static final int WIDTH = 900;
    static final int HEIGHT = 520;
    private static final Color[] SERIES = {new Color(0x1565C0), new Color(0xC62828), new Color(0x2E7D32), new Color(0xEF6C00)};

    private Charts() {
    }

    /** A point of a line chart. */
    public record Point(double x, double y) {
    }

    /** Horizontal bars, one per label (in order), values in {@code unit}; null values are drawn as "n/a". */
    public static void bars(Map<String, Double> values, String title, String unit, Path png) throws IOException {
        int left = 300;
        int right = 90;
        int top = 50;
        int rowH = 26;
        int height = Math.max(160, top + rowH * values.size() + 40);
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(img, title);
        try {
            double max = values.values().stream().filter(v -> v != null).mapToDouble(Double::doubleValue).max().orElse(1);
            max = max <= 0 ? 1 : max;
            int plotW = WIDTH - left - right;
            int i = 0;
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            for (Map.Entry<String, Double> e : values.entrySet()) {
                int y = top + i * rowH;
                g.setColor(Color.BLACK);
                g.drawString(e.getKey(), 10, y + 16);
                if (e.getValue() == null) {
                    g.setColor(Color.GRAY);
                    g.drawString("n/a", left + 4, y + 16);
                } else {
                    int w = (int) Math.max(1, Math.round(Math.max(0, e.getValue()) * plotW / max));
                    g.setColor(SERIES[0]);
                    g.fillRect(left, y + 4, w, rowH - 8);
                    g.setColor(Color.BLACK);
                    g.drawString(String.format("%.2f %s", e.getValue(), unit), left + w + 6, y + 16);
                }
                i++;
            }
        } finally {
            g.dispose();
        }
        write(img, png);
    }

    /** Lines through the points of each series (x ascending), with axis labels; empty series are skipped. */
    public static void lines(Map<String, List<Point>> series, String title, String xLabel, String yLabel, Path png)
            throws IOException {
        int left = 70;
        int right = 200;
        int top = 50;
        int bottom = 60;
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = start(img, title);
        try {
            double maxX = 1;
            double maxY = 1;
            for (List<Point> ps : series.values()) {
                for (Point p : ps) {
                    maxX = Math.max(maxX, p.x());
                    maxY = Math.max(maxY, p.y());
                }
            }
            maxY *= 1.1;
            int plotW = WIDTH - left - right;
            int plotH = HEIGHT - top - bottom;
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            g.setColor(Color.GRAY);
            for (int k = 0; k <= 5; k++) {
                int y = top + plotH - k * plotH / 5;
                g.drawLine(left - 4, y, left + plotW, y);
                g.drawString(String.format("%.1f", maxY * k / 5), 8, y + 4);
                int x = left + k * plotW / 5;
                g.drawLine(x, top + plotH, x, top + plotH + 4);
                g.drawString(String.format(maxX >= 10 ? "%.0f" : "%.1f", maxX * k / 5), x - 10, top + plotH + 18);
            }
            g.setColor(Color.BLACK);
            if (series.values().stream().allMatch(List::isEmpty)) {
                g.drawString("no point was measured", left + plotW / 2 - 60, top + plotH / 2);
            }
            g.drawString(xLabel, left + plotW / 2 - 40, HEIGHT - 20);
            g.drawString(yLabel, 8, top - 12);
            int s = 0;
            for (Map.Entry<String, List<Point>> e : series.entrySet()) {
                if (e.getValue().isEmpty()) {
                    continue;
                }
                Color c = SERIES[s % SERIES.length];
                g.setColor(c);
                g.setStroke(new BasicStroke(2));
                List<Point> ps = e.getValue().stream().sorted(java.util.Comparator.comparingDouble(Point::x)).toList();
                int px = -1;
                int py = -1;
                for (Point p : ps) {
                    int x = left + (int) Math.round(p.x() * plotW / maxX);
                    int y = top + plotH - (int) Math.round(p.y() * plotH / maxY);
                    g.fillOval(x - 4, y - 4, 8, 8);
                    if (px >= 0) {
                        g.drawLine(px, py, x, y);
                    }
                    px = x;
                    py = y;
                }
                g.fillRect(WIDTH - right + 20, top + 10 + s * 22, 14, 14);
                g.setColor(Color.BLACK);
                g.drawString(e.getKey(), WIDTH - right + 40, top + 22 + s * 22);
                s++;
            }
        } finally {
            g.dispose();
        }
        write(img, png);
    }

    private static Graphics2D start(BufferedImage img, String title) {
        System.setProperty("java.awt.headless", "true");
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, img.getWidth(), img.getHeight());
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 10, 28);
        return g;
    }

    private static void write(BufferedImage img, Path png) throws IOException {
        if (!ImageIO.write(img, "png", png.toFile())) {
            throw new IOException("no PNG writer in this Java runtime");
        }
    }
}
