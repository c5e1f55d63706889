package org.alignspark.common.objectives;

import java.util.Optional;

/**
 * Where the margin m of a margin or scaled Bradley–Terry loss comes from.
 * <ul>
 *   <li>Llama-2 (Touvron et al. arXiv 2307.09288 §3.2.2 via a third-party walk-through, docs/spec-objectives.md §7a):
 *       a discrete margin per annotated preference level, "small" (1, 2/3, 1/3, 0) or "large" (3, 2, 1, 0).</li>
 *   <li>HelpSteer2-Preference (arXiv 2410.01257, docs/spec-data-side.md §5b): strength s ∈ {−3..3}; s &lt; 0 means response 1
 *       is preferred, m = |s|; s = 0 (no preference) and −100 (neither valid) are not BT pairs.</li>
 * </ul>
 */
public final class PreferenceMargins {
    private PreferenceMargins() {
    }

    public enum LlamaTwoLevel { SIGNIFICANTLY_BETTER, BETTER, SLIGHTLY_BETTER, NEGLIGIBLY_BETTER_OR_UNSURE }

    public enum LlamaTwoScale {
        SMALL(1.0, 2.0 / 3, 1.0 / 3, 0.0),
        LARGE(3.0, 2.0, 1.0, 0.0);

        private final double[] byLevel;

        LlamaTwoScale(double... byLevel) {
            this.byLevel = byLevel;
        }

        public double margin(LlamaTwoLevel level) {
            return byLevel[level.ordinal()];
        }
    }

    /** @param firstPreferred response_1 is the chosen one; @param margin m = |strength| */
    public record OrientedPair(boolean firstPreferred, double margin) {
    }

    /** A HelpSteer2 {@code preference_strength} as a BT pair, or empty when it is not one (0, −100). */
    public static Optional<OrientedPair> fromHelpSteerStrength(int strength) {
        if (strength == 0 || strength == -100) {
            return Optional.empty();
        }
        if (strength < -3 || strength > 3) {
            throw new IllegalArgumentException("preference_strength outside -3..3: " + strength);
        }
        return Optional.of(new OrientedPair(strength < 0, Math.abs(strength)));
    }
}
