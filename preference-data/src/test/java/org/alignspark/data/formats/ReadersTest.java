package org.alignspark.data.formats;

import java.util.ArrayList;
import java.util.List;

import org.alignspark.data.DatasetKind;
import org.alignspark.data.Samples;
import org.alignspark.data.avro.BinaryFeedback;
import org.alignspark.data.avro.PreferencePair;
import org.alignspark.data.avro.RankedResponse;
import org.alignspark.data.avro.RankedResponses;
import org.alignspark.data.avro.SelfCorrectionTrace;
import org.alignspark.data.avro.Turn;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadersTest {
    private static final ReaderOptions OPTIONS = new ReaderOptions(0.0, 1000, "test");

    private static RowParser parser(InputFormat format, String firstLine) {
        return new RowParser(format.reader(OPTIONS, RowParser.firstObject(firstLine)));
    }

    private static List<RowOutcome> readSample(InputFormat format, String file) {
        List<String> lines = Samples.lines(file);
        RowParser parser = parser(format, lines.get(0));
        List<RowOutcome> outcomes = new ArrayList<>();
        for (String line : lines) {
            outcomes.add(parser.parse(line));
        }
        return outcomes;
    }

    private static <T> T accepted(RowOutcome outcome, Class<T> type) {
        RowOutcome.Accepted accepted = assertInstanceOf(RowOutcome.Accepted.class, outcome, outcome.toString());
        return type.cast(accepted.record());
    }

    private static String rejection(RowOutcome outcome) {
        return assertInstanceOf(RowOutcome.Rejected.class, outcome, outcome.toString()).reason();
    }

    @Test
    void trlSampleReadsStandardConversationalAndImplicitPromptPairs() {
        List<RowOutcome> outcomes = readSample(InputFormat.TRL, "trl-pairs.jsonl");
        assertEquals(8, outcomes.size());
        PreferencePair standard = accepted(outcomes.get(0), PreferencePair.class);
        assertEquals(List.of(new Turn("user", "What is the capital of France?")), standard.getPrompt());
        assertEquals("The capital of France is Paris.", standard.getChosen());
        assertEquals(2.0, accepted(outcomes.get(1), PreferencePair.class).getMargin());
        PreferencePair conversational = accepted(outcomes.get(2), PreferencePair.class);
        assertEquals(2, conversational.getPrompt().size());
        assertEquals("system", conversational.getPrompt().get(0).getRole());
        assertEquals("11", conversational.getChosen());
        PreferencePair implicit = accepted(outcomes.get(3), PreferencePair.class);
        assertEquals(List.of(new Turn("user", "Is water wet?")), implicit.getPrompt());
        assertEquals("No.", implicit.getRejected());
        // Row 6 repeats row 1 exactly: same pair id, so ingest drops it as a duplicate.
        assertEquals(standard.getPairId(), accepted(outcomes.get(5), PreferencePair.class).getPairId());
    }

    @Test
    void trlUnpairedSampleIsBinaryFeedback() {
        List<String> lines = Samples.lines("trl-unpaired.jsonl");
        RowParser parser = parser(InputFormat.TRL, lines.get(0));
        assertEquals(DatasetKind.BINARY_FEEDBACK, parser.reader().kind());
        BinaryFeedback bad = accepted(parser.parse(lines.get(1)), BinaryFeedback.class);
        assertEquals("5", bad.getCompletion());
        assertFalse(bad.getLabel());
        BinaryFeedback conversational = accepted(parser.parse(lines.get(2)), BinaryFeedback.class);
        assertEquals("Bonjour.", conversational.getCompletion());
        assertTrue(conversational.getLabel());
        String reason = rejection(parser.parse("{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"}"));
        assertTrue(reason.contains("paired row"), reason);
    }

    @Test
    void hhRlhfTranscriptsSplitIntoSharedPromptAndFinalResponses() {
        List<RowOutcome> outcomes = readSample(InputFormat.HH_RLHF, "hh-rlhf.jsonl.gz");
        PreferencePair multiTurn = accepted(outcomes.get(1), PreferencePair.class);
        assertEquals(List.of(
                new Turn("user", "What's a good name for a cat?"),
                new Turn("assistant", "Do you want something classic or funny?"),
                new Turn("user", "Funny.")), multiTurn.getPrompt());
        assertEquals("How about Sir Purrs-a-Lot?", multiTurn.getChosen());
        assertEquals("Cat.", multiTurn.getRejected());
        assertEquals(4, outcomes.stream().filter(RowOutcome.Accepted.class::isInstance).count());
    }

    @Test
    void hhRlhfRejectsTranscriptsThatDivergeEarly() {
        RowParser parser = parser(InputFormat.HH_RLHF, "{}");
        String reason = rejection(parser.parse("{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\\n\\nHuman: c\\n\\nAssistant: d\","
                + " \"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: X\\n\\nHuman: c\\n\\nAssistant: e\"}"));
        assertTrue(reason.contains("diverge at turn 1"), reason);
        String empty = rejection(parser.parse("{\"chosen\": \"\\n\\nHuman: a\\n\\nAssistant: b\", \"rejected\": \"\\n\\nHuman: a\\n\\nAssistant: \"}"));
        assertTrue(empty.contains("empty"), empty);
        String noHuman = rejection(parser.parse("{\"chosen\": \"hello\", \"rejected\": \"hi\"}"));
        assertTrue(noHuman.contains("Human"), noHuman);
    }

    @Test
    void ultraFeedbackKeepsScoresAndCountsEqualScoresAsTies() {
        List<RowOutcome> outcomes = readSample(InputFormat.ULTRAFEEDBACK_BINARIZED, "ultrafeedback-binarized.jsonl");
        PreferencePair pair = accepted(outcomes.get(1), PreferencePair.class);
        assertEquals("144", pair.getChosen());
        assertEquals(10.0, pair.getScoreChosen());
        assertEquals(2.0, pair.getScoreRejected());
        assertInstanceOf(RowOutcome.Tie.class, outcomes.get(2));
    }

    @Test
    void helpSteer2StrengthSignPicksChosenAndMagnitudeIsMargin() {
        List<RowOutcome> outcomes = readSample(InputFormat.HELPSTEER2_PREFERENCE, "helpsteer2-preference.jsonl");
        PreferencePair firstBetter = accepted(outcomes.get(0), PreferencePair.class);
        assertEquals("Plants turn light, water and carbon dioxide into sugar and oxygen.", firstBetter.getChosen());
        assertEquals(3.0, firstBetter.getMargin());
        assertEquals(-3, firstBetter.getPreferenceStrength());
        PreferencePair secondBetter = accepted(outcomes.get(1), PreferencePair.class);
        assertEquals("Joyful.", secondBetter.getChosen());
        assertEquals(2.0, secondBetter.getMargin());
        assertInstanceOf(RowOutcome.Tie.class, outcomes.get(3));
    }

    @Test
    void helpSteer2RejectsStrengthOutsideMinusThreeToThree() {
        RowParser parser = parser(InputFormat.HELPSTEER2_PREFERENCE, "{}");
        for (String strength : List.of("-100", "4", "1.5", "\"2\"")) {
            String reason = rejection(parser.parse("{\"prompt\": \"p\", \"response_1\": \"a\", \"response_2\": \"b\", \"preference_strength\": "
                    + strength + "}"));
            assertTrue(reason.startsWith("invalid preference_strength"), reason);
        }
    }

    @Test
    void helpSteer2RatingsKeepEveryAttributeInRange() {
        List<RowOutcome> outcomes = readSample(InputFormat.HELPSTEER2_RATINGS, "helpsteer2-ratings.jsonl");
        org.alignspark.data.avro.RatedResponse rated = accepted(outcomes.get(1), org.alignspark.data.avro.RatedResponse.class);
        assertEquals("Photosynthesis is when plants eat.", rated.getResponse());
        assertEquals(java.util.Map.of("helpfulness", 1.0, "correctness", 1.0, "coherence", 3.0, "complexity", 0.0, "verbosity", 0.0),
                rated.getRatings());
        RowParser parser = parser(InputFormat.HELPSTEER2_RATINGS, "{}");
        assertEquals("rating 'helpfulness' is 5.0, outside 0..4",
                rejection(parser.parse("{\"prompt\": \"p\", \"response\": \"r\", \"helpfulness\": 5}")));
        assertTrue(rejection(parser.parse("{\"prompt\": \"p\", \"response\": \"r\"}")).startsWith("no rating"));
    }

    @Test
    void selfCorrectionTracesKeepAttemptsInOrder() {
        List<RowOutcome> outcomes = readSample(InputFormat.SELF_CORRECTION, "self-correction.jsonl");
        SelfCorrectionTrace trace = accepted(outcomes.get(0), SelfCorrectionTrace.class);
        assertEquals("15", trace.getReferenceAnswer());
        assertEquals(2, trace.getAttempts().size());
        assertEquals(1, trace.getAttempts().get(0).getIndex());
        assertFalse(trace.getAttempts().get(0).getCorrect());
        assertTrue(trace.getAttempts().get(1).getCorrect());
        SelfCorrectionTrace plain = accepted(outcomes.get(3), SelfCorrectionTrace.class);
        assertNull(plain.getAttempts().get(0).getCorrect());
        String reason = rejection(parser(InputFormat.SELF_CORRECTION, "{}").parse("{\"prompt\": \"p\", \"attempts\": [{\"text\": \"a\", \"correct\": \"yes\"}]}"));
        assertTrue(reason.contains("attempts[0]") && reason.contains("boolean"), reason);
    }

    @Test
    void candidatesAreRankedByScoreWithSharedRanksForTies() {
        List<RowOutcome> outcomes = readSample(InputFormat.CANDIDATES, "candidates.jsonl");
        RankedResponses unscored = accepted(outcomes.get(0), RankedResponses.class);
        assertEquals(4, unscored.getResponses().size());
        assertNull(unscored.getResponses().get(0).getRank());
        assertEquals("7", unscored.getReferenceAnswer());
        RankedResponses scored = accepted(outcomes.get(1), RankedResponses.class);
        List<Integer> ranks = scored.getResponses().stream().map(RankedResponse::getRank).toList();
        assertEquals(List.of(1, 3, 4, 1), ranks);
        String reason = rejection(parser(InputFormat.CANDIDATES, "{}").parse("{\"prompt\": \"p\", \"responses\": [{\"text\": \"a\", \"score\": 1}, \"b\"]}"));
        assertTrue(reason.contains("scores given for 1 of 2"), reason);
    }

    @Test
    void rejectsPairWithIdenticalResponses() {
        String reason = rejection(parser(InputFormat.TRL, "{}").parse("{\"prompt\": \"p\", \"chosen\": \"same\", \"rejected\": \"same\"}"));
        assertEquals("chosen and rejected are the same text", reason);
    }

    @Test
    void rejectsBrokenRowsWithTheirReasons() {
        RowParser trl = parser(InputFormat.TRL, "{}");
        assertTrue(rejection(trl.parse("{\"prompt\": \"p\", \"chosen\": \"a\"")).startsWith("malformed JSON"));
        assertTrue(rejection(trl.parse("{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\"} trailing")).startsWith("malformed JSON"));
        assertEquals("not a JSON object", rejection(trl.parse("[1, 2]")));
        assertEquals("blank line", rejection(trl.parse("   ")));
        assertEquals("missing field 'rejected'", rejection(trl.parse("{\"prompt\": \"p\", \"chosen\": \"a\"}")));
        assertEquals("field 'chosen' must be a string or a list of messages, got number",
                rejection(trl.parse("{\"prompt\": \"p\", \"chosen\": 5, \"rejected\": \"b\"}")));
        assertEquals("field 'margin' must be a number, got string",
                rejection(trl.parse("{\"prompt\": \"p\", \"chosen\": \"a\", \"rejected\": \"b\", \"margin\": \"big\"}")));
        assertEquals("field 'chosen' contains a NUL character",
                rejection(trl.parse("{\"prompt\": \"p\", \"chosen\": \"a\\u0000b\", \"rejected\": \"b\"}")));
        assertEquals("field 'prompt' is empty", rejection(trl.parse("{\"prompt\": \" \", \"chosen\": \"a\", \"rejected\": \"b\"}")));
        String tooLong = rejection(trl.parse("{\"prompt\": \"p\", \"chosen\": \"" + "x".repeat(1001) + "\", \"rejected\": \"b\"}"));
        assertEquals("field 'chosen' has 1001 characters, over the limit of 1000", tooLong);
        String badRole = rejection(trl.parse("{\"prompt\": [{\"role\": \"wizard\", \"content\": \"p\"}], \"chosen\": [{\"role\": \"assistant\", \"content\": \"a\"}],"
                + " \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]}"));
        assertTrue(badRole.contains("'prompt[0].role' is 'wizard'"), badRole);
        String endsWithAssistant = rejection(trl.parse("{\"prompt\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}],"
                + " \"chosen\": [{\"role\": \"assistant\", \"content\": \"a\"}], \"rejected\": [{\"role\": \"assistant\", \"content\": \"b\"}]}"));
        assertEquals("the prompt ends with an assistant turn", endsWithAssistant);
    }

    @Test
    void rejectsListItemsThatAreNeitherTextNorObjectsAndNamesTheBrokenItem() {
        RowParser candidates = parser(InputFormat.CANDIDATES, "{}");
        assertEquals("field 'responses' has no responses", rejection(candidates.parse("{\"prompt\": \"p\", \"responses\": []}")));
        assertEquals("'responses[1]' must be a string or an object with 'text', got number",
                rejection(candidates.parse("{\"prompt\": \"p\", \"responses\": [\"a\", 5]}")));
        assertEquals("responses[0]: field 'score' must be a number, got string",
                rejection(candidates.parse("{\"prompt\": \"p\", \"responses\": [{\"text\": \"a\", \"score\": \"high\"}]}")));
        RowParser traces = parser(InputFormat.SELF_CORRECTION, "{}");
        assertEquals("field 'attempts' must be a list, got string", rejection(traces.parse("{\"prompt\": \"p\", \"attempts\": \"a\"}")));
        assertEquals("field 'attempts[0]' is empty", rejection(traces.parse("{\"prompt\": \"p\", \"attempts\": [\" \"]}")));
        assertEquals("attempts[1]: missing field 'text'",
                rejection(traces.parse("{\"prompt\": \"p\", \"attempts\": [\"a\", {\"correct\": true}]}")));
    }

    @Test
    void rejectsMessageListsThatAreMissingOrEmpty() {
        assertEquals("field 'messages' has no messages", rejection(parser(InputFormat.DIALOGUES, "{}").parse("{\"messages\": []}")));
        assertEquals("field 'chosen' must be a list, got string", rejection(parser(InputFormat.ULTRAFEEDBACK_BINARIZED, "{}")
                .parse("{\"chosen\": \"a\", \"rejected\": [], \"score_chosen\": 1, \"score_rejected\": 0}")));
        assertEquals("field 'label' must be a boolean, got number", rejection(parser(InputFormat.TRL, "{\"completion\": \"c\", \"label\": true}")
                .parse("{\"prompt\": \"p\", \"completion\": \"c\", \"label\": 1}")));
    }
}
