package org.alignspark.data.formats;

import java.util.List;

import org.alignspark.data.PromptIds;
import org.alignspark.data.avro.RankedResponse;
import org.alignspark.data.avro.RankedResponses;
import org.alignspark.data.avro.Turn;

/**
 * A prompt with K candidate responses (input to FLR mining and list objectives): {@code prompt}, {@code responses}
 * as strings or {@code {"text": …, "score": …}} objects, optional {@code reference_answer}. Where every response has a
 * score, ranks follow the scores (1 is best, equal scores share a rank); scores on only some responses are an error.
 */
final class CandidatesReader {
    private CandidatesReader() {}

    static RowOutcome read(Fields fields, ReaderOptions options) {
        List<Turn> prompt = Records.checkTurns(fields.turns("prompt"), options);
        String promptId = PromptIds.promptId(prompt);
        List<RankedResponse> responses = fields.textItems("responses",
                (i, text) -> response(promptId, text, null),
                (i, response) -> response(promptId, response.text("text"), response.optionalNumber("score")));
        long scored = responses.stream().filter(response -> response.getScore() != null).count();
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

    private static RankedResponse response(String promptId, String text, Double score) {
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
