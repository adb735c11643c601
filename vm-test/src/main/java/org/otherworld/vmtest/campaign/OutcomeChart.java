package org.otherworld.vmtest.campaign;

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

/** A stacked bar chart of outcomes per fault type, drawn with Java2D and written as PNG. */
public final class OutcomeChart {
    static final int WIDTH = 1060;
    static final int HEIGHT = 560;
    private static final int LEFT = 60;
    private static final int RIGHT = 310;
    private static final int TOP = 50;
    private static final int BOTTOM = 110;

    private OutcomeChart() {
    }

    static Color color(Outcome o) {
        return switch (o) {
            case SUCCESS -> new Color(0x2E7D32);
            case FAULTY_LOST -> new Color(0x9CCC65);
            case DATA_CORRUPTION -> new Color(0xF9A825);
            case RESURRECTION_FAILED -> new Color(0xC62828);
            case CRASH_KERNEL_NO_BOOT -> new Color(0x6A1B9A);
            case SILENT_FAILURE -> new Color(0xEF6C00);
            case NOT_MANIFESTED -> new Color(0x90A4AE);
            case INVALID -> new Color(0xE0E0E0);
        };
    }

    /** Writes the chart: one bar per fault type (in the given order), one segment per outcome. */
    public static void write(Map<String, Map<Outcome, Integer>> counts, String title, Path png) throws IOException {
        System.setProperty("java.awt.headless", "true");
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(title, LEFT, 28);
            int max = 1;
            for (Map<Outcome, Integer> c : counts.values()) {
                max = Math.max(max, c.values().stream().mapToInt(Integer::intValue).sum());
            }
            int plotW = WIDTH - LEFT - RIGHT;
            int plotH = HEIGHT - TOP - BOTTOM;
            int n = Math.max(1, counts.size());
            int slot = plotW / n;
            int bar = Math.max(8, slot * 3 / 5);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            // y axis with integer ticks
            g.setColor(Color.GRAY);
            int step = Math.max(1, (int) Math.ceil(max / 8.0));
            for (int v = 0; v <= max; v += step) {
                int y = TOP + plotH - v * plotH / max;
                g.drawLine(LEFT - 4, y, LEFT + plotW, y);
                g.drawString(Integer.toString(v), LEFT - 30, y + 4);
            }
            g.drawString("runs", 8, TOP - 8);
            int i = 0;
            for (Map.Entry<String, Map<Outcome, Integer>> e : counts.entrySet()) {
                int x = LEFT + i * slot + (slot - bar) / 2;
                int y = TOP + plotH;
                for (Outcome o : Outcome.values()) {
                    int k = e.getValue().getOrDefault(o, 0);
                    if (k == 0) {
                        continue;
                    }
                    int h = k * plotH / max;
                    g.setColor(color(o));
                    g.fillRect(x, y - h, bar, h);
                    g.setColor(Color.WHITE);
                    g.setStroke(new BasicStroke(1));
                    g.drawRect(x, y - h, bar, h);
                    if (h >= 14) {
                        g.drawString(Integer.toString(k), x + bar / 2 - 4, y - h / 2 + 5);
                    }
                    y -= h;
                }
                // rotated label
                g.setColor(Color.BLACK);
                Graphics2D r = (Graphics2D) g.create();
                r.translate(x + bar / 2 + 4, TOP + plotH + 8);
                r.rotate(Math.toRadians(45));
                r.drawString(e.getKey(), 0, 0);
                r.dispose();
                i++;
            }
            // legend
            int ly = TOP + 10;
            for (Outcome o : List.of(Outcome.values())) {
                g.setColor(color(o));
                g.fillRect(WIDTH - RIGHT + 20, ly, 14, 14);
                g.setColor(Color.BLACK);
                g.drawString(o.label(), WIDTH - RIGHT + 40, ly + 12);
                ly += 22;
            }
        } finally {
            g.dispose();
        }
        if (!ImageIO.write(img, "png", png.toFile())) {
            throw new IOException("no PNG writer in this Java runtime");
        }
    }
}
