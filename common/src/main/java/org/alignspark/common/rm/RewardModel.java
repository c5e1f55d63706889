package org.alignspark.common.rm;

import java.util.LinkedHashMap;
import java.util.Map;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.train.TrainableModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A scalar reward head on a causal LM: r(x, y) = w · h_last, with h_last the final hidden state (after the final
 * norm) at the sequence's last real token, the layout of Hugging Face's *ForSequenceClassification with one label
 * (weight {@code score.weight} [1, d], no bias).
 */
public final class RewardModel implements TrainableModel {
    public static final String HEAD = "score.weight";

    private final CausalLM lm;
    private final INDArray head;                 // [1, d]
    private final INDArray headGradient;         // [1, d]
    private final Map<String, INDArray> parameters = new LinkedHashMap<>();
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();
    private INDArray lastHidden;                 // [B, d] of the last forward
    private int[] lastIndex;                     // [B]
    private int batchLength;

    public RewardModel(CausalLM lm, INDArray head) {
        this.lm = lm;
        long d = lm.config().dModel();
        if (head.length() != d) {
            throw new IllegalArgumentException(HEAD + " has " + head.length() + " values, the model's hidden size is " + d);
        }
        this.head = head.reshape(1, d).castTo(lm.config().dataType());
        this.headGradient = Nd4j.zeros(lm.config().dataType(), 1, d);
        parameters.putAll(lm.parameters().values());
        parameters.put(HEAD, this.head);
        gradients.putAll(lm.parameters().gradients());
        gradients.put(HEAD, headGradient);
    }

    /** A fresh LM with GPT-2's initialisation and a head drawn from N(0, 1/d). */
    public static RewardModel initialize(ModelConfig config, long seed) {
        CausalLM lm = CausalLM.initialize(config, seed);
        INDArray head = Nd4j.randn(seed + 1, new long[]{1, config.dModel()}).castTo(config.dataType())
                .muli(1.0 / Math.sqrt(config.dModel()));
        return new RewardModel(lm, head);
    }

    public CausalLM lm() {
        return lm;
    }

    @Override
    public Map<String, INDArray> parameters() {
        return parameters;
    }

    @Override
    public Map<String, INDArray> gradients() {
        return gradients;
    }

    /** Rewards of every row of {@code batch} (either padding side), [B]. */
    public double[] rewards(Batch batch) {
        lm.forward(batch);
        INDArray hidden = lm.hiddenStates();                                   // [B, T, d]
        int b = batch.batchSize();
        lastIndex = new int[b];
        batchLength = batch.length();
        lastHidden = Nd4j.create(hidden.dataType(), b, hidden.size(2));
        for (int i = 0; i < b; i++) {
            int last = batch.length() - 1;
            while (last >= 0 && batch.mask()[i][last] == 0) {
                last--;
            }
            if (last < 0) {
                throw new IllegalArgumentException("row " + i + " has no real token");
            }
            lastIndex[i] = last;
            lastHidden.putRow(i, hidden.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(last), org.nd4j.linalg.indexing.NDArrayIndex.all()));
        }
        INDArray r = Nd4j.create(hidden.dataType(), b, 1);
        Nd4j.gemm(lastHidden, head, r, false, true, 1.0, 0.0);                 // [B, d]·[d, 1]
        return r.data().asDouble();
    }

    /** Accumulates gradients of a loss whose derivative by each row's reward is {@code dRewards} [B]. */
    public void backward(double[] dRewards) {
        int b = dRewards.length;
        INDArray dr = Nd4j.createFromArray(dRewards).castTo(head.dataType()).reshape(b, 1);
        Nd4j.gemm(dr, lastHidden, headGradient, true, false, 1.0, 1.0);         // dW += drᵀ·H: [1, B]·[B, d]
        INDArray dLast = Nd4j.create(head.dataType(), b, head.length());
        Nd4j.gemm(dr, head, dLast, false, false, 1.0, 0.0);                     // dH = dr·w: [B, 1]·[1, d]
        INDArray dHidden = Nd4j.zeros(head.dataType(), b, batchLength, head.length());
        for (int i = 0; i < b; i++) {
            dHidden.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.point(lastIndex[i]),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).assign(dLast.getRow(i));
        }
        lm.backward(null, dHidden);
    }
}
