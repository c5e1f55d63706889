package org.alignspark.common.rewards;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class WordEditTest {
    @Test
    void countsTheLongerRunLeftBetweenTheSharedStartAndEnd() {
        assertEquals(1, WordEdit.span("It is Rome.", "It is blue."));
        assertEquals(2, WordEdit.span("The answer is a cow.", "The answer is blue."));
        assertEquals(1, WordEdit.span("Rome.", "Blue."));
        assertEquals(3, WordEdit.span("Rome.", "It is blue."));
        assertEquals(3, WordEdit.span("I think it is Rome.", "It is Rome."));   // "I think it" against "It"
        assertEquals(2, WordEdit.span("I think it is Rome.", "I think Rome."));   // "it is" inserted
    }

    @Test
    void sameWordsAndEmptyTexts() {
        assertEquals(0, WordEdit.span("It is  Rome. ", "It is Rome."));
        assertEquals(0, WordEdit.span("", "  "));
        assertEquals(2, WordEdit.span("", "Two words"));
        assertEquals(1, WordEdit.span("a a", "a a a"));   // shared start and end may not overlap
    }
}
