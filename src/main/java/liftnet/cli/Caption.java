package liftnet.cli;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import liftnet.io.AtomicFiles;

/** A picture with lines of text below it, saying what its tiles are and how they are scaled; written as PNG. */
final class Caption {

    private static final int PAD = 6;
    private static final Font FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    private Caption() {
    }

    /** {@code image} on white, with {@code lines} below it; the result is as wide as the wider of the two. */
    static BufferedImage below(BufferedImage image, List<String> lines) {
        BufferedImage probe = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D pg = probe.createGraphics();
        FontMetrics fm = pg.getFontMetrics(FONT);
        pg.dispose();
        int textWidth = 0;
        for (String line : lines) {
            textWidth = Math.max(textWidth, fm.stringWidth(line));
        }
        int width = Math.max(image.getWidth(), textWidth + 2 * PAD);
        int height = image.getHeight() + PAD + lines.size() * fm.getHeight() + PAD;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        try {
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            g.drawImage(image, 0, 0, null);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setFont(FONT);
            g.setColor(Color.DARK_GRAY);
            int y = image.getHeight() + PAD + fm.getAscent();
            for (String line : lines) {
                g.drawString(line, PAD, y);
                y += fm.getHeight();
            }
        } finally {
            g.dispose();
        }
        return out;
    }

    /** Writes {@code image} to {@code png} atomically. */
    static void write(BufferedImage image, Path png) throws IOException {
        AtomicFiles.write(png, out -> {
            if (!ImageIO.write(image, "png", out)) {
                throw new IOException("no PNG writer available in this JVM");
            }
        });
    }
}
