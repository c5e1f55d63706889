package org.alignspark.flr;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import org.alignspark.common.lm.checkpoint.ModelFolder;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.apache.hadoop.fs.Path;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.explode;

/**
 * The follow-up sentences FLR scores (the paper: 120 in 6 categories): a YAML or JSON file
 * {@code {category: {positive: [...], negative: [...]}}}, or a set bundled in the jar by name.
 */
public final class FollowUps {
    /** Follow-up sets bundled in the jar, by the name --follow-ups accepts instead of a file. */
    public static final java.util.Map<String, String> BUNDLED = java.util.Map.of(
            "default", "/org/alignspark/flr/follow-ups.yaml",
            "demo-world", "/org/alignspark/flr/follow-ups-demo-world.yaml");

    private FollowUps() {}

    /** One follow-up sentence. */
    public record FollowUp(String category, boolean positive, String text) implements Serializable {}

    public static List<FollowUp> read(String file) {
        String bundled = BUNDLED.get(file);
        try (InputStream in = bundled != null ? FollowUps.class.getResourceAsStream(bundled)
                : ModelFolder.of(new Path(file).getParent().toString()).open(new Path(file).getName())) {
            JsonNode root = new ObjectMapper(new YAMLFactory()).readTree(in);
            List<FollowUp> followUps = new ArrayList<>();
            root.fields().forEachRemaining(category -> {
                for (String side : new String[]{"positive", "negative"}) {
                    JsonNode list = category.getValue().get(side);
                    if (list == null || !list.isArray() || list.isEmpty()) {
                        throw new IllegalArgumentException(file + ": category '" + category.getKey() + "' needs a non-empty '"
                                + side + "' list");
                    }
                    list.forEach(f -> followUps.add(new FollowUp(category.getKey(), side.equals("positive"), f.asText())));
                }
            });
            return followUps;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read follow-ups " + file, e);
        }
    }

}
