package org.alignspark.data;

import java.util.List;

import org.alignspark.data.avro.Turn;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptIdsTest {

    @Test
    void promptIdIgnoresWhitespaceAndRoleCase() {
        String a = PromptIds.promptId(List.of(new Turn("user", "What is  the capital\nof France? ")));
        String b = PromptIds.promptId(List.of(new Turn("USER", "What is the capital of France?")));
        assertEquals(a, b);
        assertEquals(32, a.length());
    }

    @Test
    void promptIdSeparatesRolesAndTurns() {
        String oneTurn = PromptIds.promptId(List.of(new Turn("user", "a b")));
        String twoTurns = PromptIds.promptId(List.of(new Turn("user", "a"), new Turn("user", "b")));
        String system = PromptIds.promptId(List.of(new Turn("system", "a b")));
        assertNotEquals(oneTurn, twoTurns);
        assertNotEquals(oneTurn, system);
    }

    @Test
    void splitIsDeterministicAndHonoursTheTestFraction() {
        int test = 0;
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            String id = PromptIds.promptId(List.of(new Turn("user", "prompt " + i)));
            String split = PromptIds.split(id, 0.1);
            assertEquals(split, PromptIds.split(id, 0.1));
            test += split.equals("test") ? 1 : 0;
        }
        // Binomial(20000, 0.1): standard deviation 42; 5 sigma either side.
        assertTrue(Math.abs(test - 2000) < 215, "test rows: " + test);
        assertEquals("train", PromptIds.split("anything", 0.0));
        assertEquals("test", PromptIds.split("anything", 1.0));
    }

    @Test
    void contentIdDistinguishesNullFromTheWordNull() {
        assertNotEquals(PromptIds.contentId("a", null), PromptIds.contentId("a", "null"));
        assertEquals(PromptIds.contentId("a", 1.5), PromptIds.contentId("a", 1.5));
    }
}
