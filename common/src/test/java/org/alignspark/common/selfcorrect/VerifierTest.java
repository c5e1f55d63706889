package org.alignspark.common.selfcorrect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VerifierTest {

    @Test
    void finalAnswerFollowsTheLastAnswerMarker() {
        assertEquals("12", FinalAnswer.extract("The answer is 12."));
        assertEquals("12", FinalAnswer.extract("I said the answer is 11. No: the answer is 12."));
        assertEquals("\\frac{1}{2}",
                FinalAnswer.extract("Final Answer: The final answer is $\\frac{1}{2}$. I hope it is correct."));
        assertEquals("paris", FinalAnswer.extract("Let me think.\nParis!"));
        assertEquals("3.5", FinalAnswer.extract("answer: 3.5"));
        assertNull(FinalAnswer.extract("  \n "));
    }

    @Test
    void exactMatchComparesNormalizedFinalAnswers() {
        Verifier exact = Verifier.parse("exact");
        assertTrue(exact.judge("The answer is 12.", "12").correct());
        assertTrue(exact.judge("the answer is  Blue ", "blue").correct());
        Verifier.Judgement wrong = exact.judge("The answer is 13.", "12");
        assertFalse(wrong.correct());
        assertEquals("13", wrong.finalAnswer());
        assertEquals(0.0, wrong.reward());
        assertFalse(exact.judge("12.0", "12").correct());   // exact, not numeric
    }

    @Test
    void numericToleranceReadsTheLastNumberOfTheAnswer() {
        Verifier numeric = Verifier.parse("numeric:0.01");
        assertTrue(numeric.judge("The answer is 12.004.", "12").correct());
        assertFalse(numeric.judge("The answer is 12.02.", "12").correct());
        assertTrue(numeric.judge("The answer is 1,234.", "1234").correct());
        assertTrue(Verifier.parse("numeric").judge("The answer is 12.0", "12").correct());
        assertFalse(numeric.judge("The answer is twelve.", "12").correct());
        assertNotNull(numeric.rejectReference("twelve"));
        assertNull(numeric.rejectReference("12"));
        assertThrows(IllegalArgumentException.class, () -> numeric.judge("12", "twelve"));
    }

    @Test
    void regexVerifierReadsItsFirstGroupFromTheLastMatch() {
        Verifier regex = Verifier.parse("regex:\\\\boxed\\{([^}]*)\\}");
        assertInstanceOf(Verifier.RegexVerifier.class, regex);
        assertTrue(regex.judge("first \\boxed{3}, then \\boxed{4}", "4").correct());
        assertFalse(regex.judge("first \\boxed{4}, then \\boxed{3}", "4").correct());
        Verifier.Judgement none = regex.judge("4", "4");
        assertFalse(none.correct());
        assertNull(none.finalAnswer());
        assertTrue(Verifier.parse("regex:[0-9]+").judge("it is 7", "7").correct());   // no group: the whole match
    }

    @Test
    void rejectsUnknownOrBrokenSpecificationsAndMissingReferences() {
        assertThrows(IllegalArgumentException.class, () -> Verifier.parse("fuzzy"));
        assertThrows(IllegalArgumentException.class, () -> Verifier.parse("numeric:abc"));
        assertThrows(IllegalArgumentException.class, () -> Verifier.parse("regex:(unclosed"));
        assertNotNull(Verifier.parse("exact").rejectReference(null));
        assertNotNull(Verifier.parse("exact").rejectReference(" "));
    }
}
