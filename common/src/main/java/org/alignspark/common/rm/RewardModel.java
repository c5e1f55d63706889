package org.alignspark.common.rm;

import java.util.LinkedHashMap;
import java.util.Map;

import org.alignspark.common.lm.Batch;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.lm.checkpoint.AdapterCheckpoint;
import org.alignspark.common.train.TrainableModel;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A reward head on a causal LM: scores s(x, y) = W · h_last, with h_last the final hidden state (after the final
 * norm) at the sequence's last real token — the layout of Hugging Face's *ForSequenceClassification (weight
 * {@code score.weight} [K, d], no bias). K = 1 is a Bradley–Terry reward model; K > 1 regresses K attributes
 * (SteerLM / HelpSteer2 regression).
 * <p>
 * Built head-only ({@link #RewardModel(CausalLM, INDArray, boolean)}), it trains W alone on the LM's frozen features: the linear probe of LP-FT (Kumar et al., "Fine-Tuning
 * can Distort Pretrained Features and Underperform Out-of-Distribution", ICLR 2022), which keeps features that full
 * fine-tuning on a few prompts would bend to those prompts.
 * <p>
 * On an LM with LoRA adapters (Hu et al. 2021) over a frozen base, it trains the adapters and the whole head, as PEFT
 * trains a SEQ_CLS model: the head is one of its {@code modules_to_save}. The parameters are then the adapters' A and B
 * and the head, all under the names PEFT saves them by ({@link #PEFT_HEAD}).
 */
public final class RewardModel implements TrainableModel {
    public static final String HEAD = "score.weight";
    /**
     * The head's name among the parameters of a model whose LM carries LoRA adapters: PEFT's name of a SEQ_CLS model's
     * head in its adapter file, where {@code modules_to_save} keeps it whole (as the adapters' own names are PEFT's).
     */
    public static final String PEFT_HEAD = AdapterCheckpoint.PEFT_PREFIX + HEAD;

    private final CausalLM lm;
    private final INDArray head;                 // [K, d]
    private final INDArray headGradient;         // [K, d]
    private final Map<String, INDArray> parameters = new LinkedHashMap<>();
    private final Map<String, INDArray> gradients = new LinkedHashMap<>();
    private INDArray lastHidden;                 // [B, d] of the last forward
    private int[] lastIndex;                     // [B]
    private int batchLength;
    private final boolean headOnly;

    public RewardModel(CausalLM lm, INDArray head) {
        this(lm, head, false);
    }

    /** @param headOnly whether only the head is trained: then parameters() and gradients() hold the head alone */
    public RewardModel(CausalLM lm, INDArray head, boolean headOnly) {
        this.lm = lm;
        long d = lm.config().dModel();
        if (head.length() % d != 0 || head.length() == 0) {
            throw new IllegalArgumentException(HEAD + " has " + head.length() + " values, not a multiple of the model's hidden size " + d);
        }
        this.head = head.reshape(head.length() / d, d).castTo(lm.config().dataType());
        this.headGradient = Nd4j.zeros(lm.config().dataType(), head.length() / d, d);
        this.headOnly = headOnly;
        if (!headOnly) {
            parameters.putAll(lm.parameters().values());
            gradients.putAll(lm.parameters().gradients());
        }
        String headName = lm.hasAdapters() ? PEFT_HEAD : HEAD;
        parameters.put(headName, this.head);
        gradients.put(headName, headGradient);
    }

    /** The head W, [K, d]. */
    public INDArray head() {
        return head;
    }

    /** A fresh LM with GPT-2's initialisation and a one-output head drawn from N(0, 1/d). */
    public static RewardModel initialize(ModelConfig config, long seed) {
        return new RewardModel(CausalLM.initialize(config, seed), initialHead(1, config.dModel(), config.dataType(), seed + 1));
    }

    /** A [outputs, d] head drawn from N(0, 1/d). */
    public static INDArray initialHead(int outputs, long d, org.nd4j.linalg.api.buffer.DataType dataType, long seed) {
        return Nd4j.randn(seed, new long[]{outputs, d}).castTo(dataType).muli(1.0 / Math.sqrt(d));
    }

    /** K, the number of scores per sequence. */
    public int outputs() {
        return (int) head.size(0);
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

    /** Rewards of every row of {@code batch} (either padding side), [B]; for a one-output head. */
    public double[] rewards(Batch batch) {
        requireOneOutput();
        return scores(batch).data().asDouble();
    }

    /** Scores of every row of {@code batch}, [B, K]. */
    public INDArray scores(Batch batch) {
        INDArray hidden = lm.forwardHidden(batch);                             // no logits                                   // [B, T, d]
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
        INDArray scores = Nd4j.create(hidden.dataType(), b, head.size(0));
        Nd4j.gemm(lastHidden, head, scores, false, true, 1.0, 0.0);            // [B, d]·[d, K]
        return scores;
    }

    /** Accumulates gradients of a loss whose derivative by each row's reward is {@code dRewards} [B]. */
    public void backward(double[] dRewards) {
        requireOneOutput();
        backward(Nd4j.createFromArray(dRewards).reshape(dRewards.length, 1));
    }

    /**
     * Accumulates gradients of a loss whose derivative by the scores of the last forward is {@code dScores} [B, K]; into
     * the head alone when the model was built head-only.
     */
    public void backward(INDArray dScores) {
        int b = (int) dScores.size(0);
        long d = head.size(1);
        INDArray dr = dScores.castTo(head.dataType());
        Nd4j.gemm(dr, lastHidden, headGradient, true, false, 1.0, 1.0);         // dW += dSᵀ·H: [K, B]·[B, d]
        if (headOnly) {
            return;
        }
        INDArray dLast = Nd4j.create(head.dataType(), b, d);
        Nd4j.gemm(dr, head, dLast, false, false, 1.0, 0.0);                     // dH = dS·W: [B, K]·[K, d]
        INDArray dHidden = Nd4j.zeros(head.dataType(), b, batchLength, d);
        for (int i = 0; i < b; i++) {
            dHidden.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i), org.nd4j.linalg.indexing.NDArrayIndex.point(lastIndex[i]),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).assign(dLast.getRow(i));
        }
        lm.backward(null, dHidden);
    }

    private void requireOneOutput() {
        if (head.size(0) != 1) {
            throw new IllegalStateException("this reward model has " + head.size(0) + " outputs; use scores()");
        }
    }
}
