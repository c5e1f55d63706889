package org.alignspark.cli;

import java.util.List;

import org.alignspark.common.objectives.DpoLoss;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every train-dpo loss option reaches the loss configuration, and the reference columns follow from the losses. */
class PairwiseLossOptionsTest {
    private static DpoLoss.Config parse(String... args) {
        PairwiseLossOptions options = new PairwiseLossOptions();
        new CommandLine(options).parseArgs(args);
        return options.config(0.25);
    }

    @Test
    void everyOptionReachesTheConfig() {
        DpoLoss.Config c = parse("--loss", "sigmoid,bco_pair,sft", "--loss-weights", "0.8,0.2,1.0", "--label-smoothing", "0.1",
                "--rpo-alpha", "0.3", "--f-divergence", "alpha_divergence", "--f-alpha-divergence-coef", "0.7", "--ld-alpha", "0.4",
                "--use-weighting", "--simpo-gamma", "0.9", "--discopop-tau", "0.2", "--exo-epsilon", "0.01");
        assertEquals(List.of(new DpoLoss.Term(DpoLoss.Type.SIGMOID, 0.8), new DpoLoss.Term(DpoLoss.Type.BCO_PAIR, 0.2),
                new DpoLoss.Term(DpoLoss.Type.SFT, 1.0)), c.terms());
        assertEquals(0.25, c.beta());
        assertEquals(0.1, c.labelSmoothing());
        assertEquals(0.3, c.rpoAlpha());
        assertEquals(DpoLoss.FDivergence.ALPHA_DIVERGENCE, c.fDivergence());
        assertEquals(0.7, c.fAlphaCoef());
        assertEquals(0.4, c.ldAlpha());
        assertTrue(c.useWeighting());
        assertEquals(0.9, c.simpoGamma());
        assertEquals(0.2, c.discopopTau());
        assertEquals(0.01, c.exoEpsilon());
        assertFalse(c.referenceFree());
        assertEquals(List.of("ref_token_logps_chosen", "ref_token_logps_rejected"), PairwiseLossOptions.referenceColumns(c));
    }

    @Test
    void defaultsAreTrlsAndReferenceColumnsFollowTheLosses() {
        DpoLoss.Config c = parse();
        assertEquals(List.of(new DpoLoss.Term(DpoLoss.Type.SIGMOID, 1.0)), c.terms());
        assertEquals(DpoLoss.FDivergence.REVERSE_KL, c.fDivergence());
        assertEquals(0.5, c.fAlphaCoef());
        assertEquals(0.5, c.simpoGamma());
        assertEquals(0.05, c.discopopTau());
        assertTrue(Double.isNaN(c.ldAlpha()));
        assertEquals(List.of("ref_logp_chosen", "ref_logp_rejected"), PairwiseLossOptions.referenceColumns(c));
        assertEquals(List.of(), PairwiseLossOptions.referenceColumns(parse("--loss", "simpo,orpo,sft")));
        assertEquals(List.of(), PairwiseLossOptions.referenceColumns(parse("--loss", "apo_zero", "--reference-free")));
        assertTrue(parse("--reference-free").referenceFree());
        PairwiseLossOptions delta = new PairwiseLossOptions();
        new CommandLine(delta).parseArgs("--loss", "bco_pair", "--bco-pair-delta");
        assertTrue(delta.bcoPairDelta());
    }

    @Test
    void badNamesAndWeightCountsFailInOneLine() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> parse("--loss", "dpo"));
        assertTrue(unknown.getMessage().contains("unknown loss 'dpo'") && unknown.getMessage().contains("sigmoid_norm"), unknown.getMessage());
        IllegalArgumentException weights = assertThrows(IllegalArgumentException.class,
                () -> parse("--loss", "sigmoid,sft", "--loss-weights", "1.0"));
        assertTrue(weights.getMessage().contains("1 loss weights for 2 losses"), weights.getMessage());
        assertThrows(IllegalArgumentException.class, () -> parse("--f-divergence", "kl"));
        assertThrows(IllegalArgumentException.class, () -> parse("--loss", "aot", "--use-weighting"));
    }
}
