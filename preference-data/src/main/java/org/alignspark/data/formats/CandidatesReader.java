package org.alignspark.data.formats;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.alignspark.data.DatasetKind;
import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.RankedResponse;
import org.alignspark.data.avro.RankedResponses;
import org.alignspark.data.avro.Turn;

/**
 * A prompt with K candidate responses (input to FLR mining and list objectives): {@code prompt}, {@code responses}
 * as strings or {@code {"text": …, "score": …}} objects, optional {@code reference_answer}. Where every response has a
 * score, ranks follow the scores (1 is best, equal scores share a rank); scores on only some responses are an error.
 */
public final class CandidatesReader implements FormatReader {
    private final ReaderOptions options;

    public CandidatesReader(ReaderOptions options) {
        this.options = options;
    }

    @Override
    public DatasetKind kind() {
        return DatasetKind.RANKED_RESPONSES;
    }

    @Override
    public RowOutcome read(JsonNode row) {
        Fields fields = new Fields(row, options.maxChars());
        List<Turn> prompt = Records.checkTurns(fields.turns("prompt"), options);
        String promptId = PromptIds.promptId(prompt);
        JsonNode list = fields.array("responses");
        if (list.isEmpty()) {
            throw new InvalidRowException("field 'responses' has no responses");
        }
        List<RankedResponse> responses = new ArrayList<>(list.size());
        int scored = 0;
        for (int i = 0; i < list.size(); i++) {
            RankedResponse response = response(list.get(i), i, promptId);
            scored += response.getScore() == null ? 0 : 1;
            responses.add(response);
        }
        if (scored != 0 && scored != responses.size()) {
            throw new InvalidRowException("scores given for " + scored + " of " + responses.size() + " responses; give all or none");
        }
        if (scored > 0) {
            assignRanks(responses);
        }
        return new RowOutcome.Accepted(RankedResponses.newBuilder()
                .setListId(PromptIds.contentId(promptId, responses))
                .setPromptId(promptId)
                .setPrompt(prompt)
                .setResponses(responses)
                .setReferenceAnswer(fields.optionalText("reference_answer"))
                .setSource(options.source())
                .setSplit(PromptIds.split(promptId, options.testFraction()))
                .build());
    }

    private RankedResponse response(JsonNode node, int i, String promptId) {
        String where = "responses[" + i + "]";
        String text;
        Double score = null;
        if (node.isTextual()) {
            text = Fields.checkedText(where, node.textValue(), options.maxChars());
        } else if (node.isObject()) {
            Fields response = new Fields(node, options.maxChars());
            try {
                text = response.text("text");
                score = response.optionalNumber("score");
            } catch (InvalidRowException e) {
                throw new InvalidRowException(where + ": " + e.getMessage());
            }
        } else {
            throw new InvalidRowException("'" + where + "' must be a string or an object with 'text', got " + Fields.typeOf(node));
        }
        return RankedResponse.newBuilder()
                .setResponseId(PromptIds.contentId(promptId, text))
                .setText(text)
                .setScore(score)
                .setRank(null)
                .setSampleIndex(null)
                .build();
    }

    /** Standard competition ranking ("1224") by descending score. */
    static void assignRanks(List<RankedResponse> responses) {
        for (RankedResponse response : responses) {
            int better = 0;
            for (RankedResponse other : responses) {
                if (other.getScore() > response.getScore()) {
                    better++;
                }
            }
            response.setRank(better + 1);
        }
    }
}
