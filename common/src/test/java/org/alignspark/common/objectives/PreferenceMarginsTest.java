package org.alignspark.common.objectives;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.alignspark.common.objectives.PreferenceMargins.LlamaTwoLevel;
import org.alignspark.common.objectives.PreferenceMargins.LlamaTwoScale;
import org.alignspark.common.objectives.PreferenceMargins.OrientedPair;
import org.junit.jupiter.api.Test;

class PreferenceMarginsTest {

    @Test
    void llamaTwoMarginTablesMatchThePaper() {
        assertEquals(2.0 / 3, LlamaTwoScale.SMALL.margin(LlamaTwoLevel.BETTER), 1e-15);
        assertEquals(1.0 / 3, LlamaTwoScale.SMALL.margin(LlamaTwoLevel.SLIGHTLY_BETTER), 1e-15);
        assertEquals(3.0, LlamaTwoScale.LARGE.margin(LlamaTwoLevel.SIGNIFICANTLY_BETTER));
        assertEquals(0.0, LlamaTwoScale.LARGE.margin(LlamaTwoLevel.NEGLIGIBLY_BETTER_OR_UNSURE));
    }

    @Test
    void helpSteerNegativeStrengthPrefersFirstResponse() {
        assertEquals(new OrientedPair(true, 2), PreferenceMargins.fromHelpSteerStrength(-2).orElseThrow());
        assertEquals(new OrientedPair(false, 3), PreferenceMargins.fromHelpSteerStrength(3).orElseThrow());
    }

    @Test
    void helpSteerNoPreferenceAndInvalidPairsAreNotBradleyTerryPairs() {
        assertTrue(PreferenceMargins.fromHelpSteerStrength(0).isEmpty());
        assertTrue(PreferenceMargins.fromHelpSteerStrength(-100).isEmpty());
        assertThrows(IllegalArgumentException.class, () -> PreferenceMargins.fromHelpSteerStrength(4));
    }
}
