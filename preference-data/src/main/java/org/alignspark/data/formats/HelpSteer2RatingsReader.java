package org.alignspark.data.formats;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.RatedResponse;
import org.alignspark.data.avro.Turn;

/**
 * HelpSteer2's rated responses (nvidia/HelpSteer2 train/validation files; docs/spec-data-side.md §5c): {@code prompt},
 * {@code response} and numeric attribute ratings. The five HelpSteer2 attributes are read when present; at least one
 * must be, and each must lie in 0..4.
 */
final class HelpSteer2RatingsReader {
    static final List<String> ATTRIBUTES = List.of("helpfulness", "correctness", "coherence", "complexity", "verbosity");

    private HelpSteer2RatingsReader() {}

    static RowOutcome read(Fields fields, ReaderOptions options) {
        List<Turn> prompt = Records.checkTurns(fields.turns("prompt"), options);
        String response = fields.text("response");
        Map<String, Double> ratings = new TreeMap<>();
        for (String attribute : ATTRIBUTES) {
            if (fields.has(attribute)) {
                double rating = fields.number(attribute);
                if (rating < 0 || rating > 4) {
                    throw new InvalidRowException("rating '" + attribute + "' is " + rating + ", outside 0..4");
                }
                ratings.put(attribute, rating);
            }
        }
        if (ratings.isEmpty()) {
            throw new InvalidRowException("no rating: expected at least one of " + ATTRIBUTES);
        }
        String promptId = PromptIds.promptId(prompt);
        return new RowOutcome.Accepted(RatedResponse.newBuilder()
                .setRatingId(PromptIds.contentId(promptId, response, ratings))
                .setPromptId(promptId)
                .setPrompt(prompt)
                .setResponse(response)
                .setRatings(new java.util.HashMap<>(ratings))
                .setSource(options.source())
                .setSplit(PromptIds.split(promptId, options.testFraction()))
                .build());
    }
}
