package org.alignspark.data.formats;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.data.avro.Turn;

/**
 * HelpSteer2-Preference (Wang et al., arXiv 2410.01257, docs/spec-data-side.md §5c): {@code prompt}, {@code response_1},
 * {@code response_2} and {@code preference_strength} in −3..3. A negative strength prefers response_1, a positive one
 * response_2; |strength| is the pair's margin; 0 is a tie.
 */
final class HelpSteer2PreferenceReader {
    private HelpSteer2PreferenceReader() {}

    static RowOutcome read(Fields fields, ReaderOptions options) {
        List<Turn> prompt = fields.turns("prompt");
        String response1 = fields.text("response_1");
        String response2 = fields.text("response_2");
        int strength = strength(fields.node("preference_strength"));
        if (strength == 0) {
            return new RowOutcome.Tie("preference_strength is 0");
        }
        boolean firstPreferred = strength < 0;
        return new RowOutcome.Accepted(Records.pair(prompt,
                firstPreferred ? response1 : response2,
                firstPreferred ? response2 : response1,
                (double) Math.abs(strength), strength, null, null, options));
    }

    private static int strength(JsonNode value) {
        double strength = value.doubleValue();
        if (!value.isNumber() || strength != Math.rint(strength) || strength < -3 || strength > 3) {
            throw new InvalidRowException("invalid preference_strength " + value + ": expected an integer in -3..3");
        }
        return (int) strength;
    }
}
