package org.alignspark.common.metrics;

import static org.alignspark.common.metrics.AnswerCollapse.FINAL_NUMBER_OR_LINE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import org.junit.jupiter.api.Test;

class AnswerCollapseTest {
    @Test
    void defaultAnswerIsTheLastNumberOrElseTheNormalizedLastLine() {
        assertEquals("42", FINAL_NUMBER_OR_LINE.answer("40 + 2 is\n42."));
        assertEquals("1000", FINAL_NUMBER_OR_LINE.answer("It costs 1,000.00"));
        assertEquals("-3.5", FINAL_NUMBER_OR_LINE.answer("x = -3.5"));
        assertEquals("it is blue", FINAL_NUMBER_OR_LINE.answer("Let me think.\n  It is Blue!  \n"));
    }

    @Test
    void collapseRateIsTheShareOfMultiSamplePromptsWithOneAnswer() {
        List<List<String>> prompts = List.of(
                List.of("The answer is 42.", "42", "I think 40 + 2 = 42"),   // one answer
                List.of("It is blue.", "it is BLUE"),                          // one answer
                List.of("It is blue.", "It is green."),                        // two answers
                List.of("It is red."));                                        // one sample: not a trial
        assertTrue(AnswerCollapse.collapsed(prompts.get(0), FINAL_NUMBER_OR_LINE));
        assertFalse(AnswerCollapse.collapsed(prompts.get(2), FINAL_NUMBER_OR_LINE));
        assertFalse(AnswerCollapse.collapsed(prompts.get(3), FINAL_NUMBER_OR_LINE));
        assertEquals(new Proportion(2, 3), AnswerCollapse.rate(prompts, FINAL_NUMBER_OR_LINE));
    }

    @Test
    void anExtractorIsPluggable() {
        AnswerCollapse.AnswerExtractor firstWord = r -> TextDiversity.words(r).get(0);
        assertTrue(AnswerCollapse.collapsed(List.of("Blue sky", "blue sea"), firstWord));
        assertFalse(AnswerCollapse.collapsed(List.of("Blue sky", "blue sea"), FINAL_NUMBER_OR_LINE));
    }

    @Test
    void statesReferenceMatchesWholeWords() {
        assertTrue(AnswerCollapse.statesReference("It is a cow.", "a cow"));
        assertFalse(AnswerCollapse.statesReference("It is a cowboy.", "a cow"));
        assertFalse(AnswerCollapse.statesReference("Anything", ""));
    }
}
