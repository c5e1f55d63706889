package org.alignspark.report;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import org.knowm.xchart.internal.chartpart.Chart;

/**
 * One self-contained HTML page: inline CSS, no scripts, no external resources; charts are PNG files in the same
 * folder, referenced by relative name, so the folder can be copied, served or opened from disk as it is; the page
 * keeps their PNG bytes by file name until it is written ({@link ReportFolder}).
 * Every text that comes from data is escaped.
 */
public final class HtmlPage {
    private static final String CSS = """
            body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#1b1b1b;line-height:1.45}
            h1{margin-bottom:.2em} h2{border-bottom:2px solid #ccd;padding-bottom:.2em;margin-top:2em}
            table{border-collapse:collapse;margin:.6em 0;font-size:.9em} th,td{border:1px solid #ccd;padding:.25em .6em;text-align:left;vertical-align:top}
            th{background:#eef} td.num{text-align:right;font-variant-numeric:tabular-nums}
            td.bad{background:#fdd;color:#900;font-weight:bold} td.good{color:#060}
            .meta td:first-child{font-weight:bold}
            .note{background:#fff7e0;border-left:4px solid #e0a000;padding:.5em .8em}
            .absent{background:#f2f2f2;border-left:4px solid #999;padding:.5em .8em;color:#444}
            pre.sql{background:#f6f8fa;border:1px solid #dde;padding:.5em;white-space:pre-wrap;font-size:.85em}
            img{max-width:100%;border:1px solid #eee;margin:.4em 0}
            nav a{margin-right:1em}
            """;

    private final String title;
    private final List<String> header = new ArrayList<>();
    private final List<Section> sections = new ArrayList<>();
    private final Map<String, byte[]> charts = new TreeMap<>();

    public HtmlPage(String title) {
        this.title = title;
    }

    /** A line of the page's header table (run, dt, warehouse, …). */
    public HtmlPage meta(String name, String value) {
        header.add("<tr><td>" + escape(name) + "</td><td>" + escape(value) + "</td></tr>");
        return this;
    }

    public Section section(String id, String heading) {
        Section section = new Section(id, heading, charts);
        sections.add(section);
        return section;
    }

    public List<Section> sections() {
        return sections;
    }

    /** The PNG files of the page's charts, by file name. */
    public Map<String, byte[]> charts() {
        return Collections.unmodifiableMap(charts);
    }

    public String render() {
        StringBuilder html = new StringBuilder(16_384);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>").append(escape(title))
                .append("</title>\n<style>\n").append(CSS).append("</style>\n</head>\n<body>\n<h1>").append(escape(title)).append("</h1>\n")
                .append("<table class=\"meta\">\n").append(String.join("\n", header)).append("\n</table>\n<nav>");
        for (Section s : sections) {
            html.append("<a href=\"#").append(s.id).append("\">").append(escape(s.heading)).append("</a>");
        }
        html.append("</nav>\n");
        for (Section s : sections) {
            html.append("<section id=\"").append(s.id).append("\">\n<h2>").append(escape(s.heading)).append("</h2>\n")
                    .append(s.body).append("</section>\n");
        }
        return html.append("</body>\n</html>\n").toString();
    }

    /** One {@code <section>}: paragraphs, notes, tables, images and the SQL that shows its data. */
    public static final class Section {
        private final String id;
        private final String heading;
        private final StringBuilder body = new StringBuilder();
        private final Map<String, byte[]> charts;
        private boolean absent;

        Section(String id, String heading, Map<String, byte[]> charts) {
            this.id = id;
            this.heading = heading;
            this.charts = charts;
        }

        /** Whether the section says its data was not there for this date. */
        public boolean absent() {
            return absent;
        }

        public Section subheading(String text) {
            body.append("<h3>").append(escape(text)).append("</h3>\n");
            return this;
        }

        public Section paragraph(String text) {
            body.append("<p>").append(escape(text)).append("</p>\n");
            return this;
        }

        /** A highlighted remark, e.g. an unbalanced job run. */
        public Section note(String text) {
            body.append("<p class=\"note\">").append(escape(text)).append("</p>\n");
            return this;
        }

        /** The visible "not run for this date" note of a section whose table or partition is missing. */
        public Section notRun(String what) {
            absent = true;
            body.append("<p class=\"absent\">Not run for this date: ").append(escape(what)).append("</p>\n");
            return this;
        }

        /** SQL a reader can paste into {@code bin/alignspark sql} to see this section's data. */
        public Section sql(String query) {
            body.append("<pre class=\"sql\">").append(escape(query)).append("</pre>\n");
            return this;
        }

        public Section image(String file, String alt) {
            body.append("<img src=\"").append(escape(file)).append("\" alt=\"").append(escape(alt)).append("\" width=\"")
                    .append(Charts.WIDTH).append("\">\n");
            return this;
        }

        /** A chart, encoded as the PNG file {@code file} beside the page and shown with its title as the alt text. */
        public Section chart(String file, Chart<?, ?> chart) {
            charts.put(file, Charts.png(chart));
            return image(file, chart.getTitle());
        }

        /** A table; cells are {@link Cell}s or plain values (numbers right-aligned and formatted by {@link #format}). */
        public Section table(List<String> columns, List<List<Object>> rows) {
            body.append("<table>\n<tr>");
            columns.forEach(c -> body.append("<th>").append(escape(c)).append("</th>"));
            body.append("</tr>\n");
            for (List<Object> row : rows) {
                body.append("<tr>");
                for (Object value : row) {
                    Cell cell = value instanceof Cell c ? c : new Cell(format(value), value instanceof Number ? "num" : null);
                    body.append(cell.css == null ? "<td>" : "<td class=\"" + cell.css + "\">").append(escape(cell.text)).append("</td>");
                }
                body.append("</tr>\n");
            }
            body.append("</table>\n");
            return this;
        }
    }

    /** A table cell with a CSS class (num, good, bad). */
    public record Cell(String text, String css) {
    }

    /** Numbers as the page prints them: integers as they are, reals with 4 decimals, missing as an em dash. */
    public static String format(Object value) {
        if (value == null) {
            return "—";
        }
        if (value instanceof Double || value instanceof Float || value instanceof java.math.BigDecimal) {
            double d = ((Number) value).doubleValue();
            return Double.isNaN(d) ? "NaN" : String.format(Locale.ROOT, "%.4f", d);
        }
        return value.toString();
    }

    /** Escapes text for element content and double-quoted attributes. */
    public static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
