package org.alignspark.jobs;

import java.util.concurrent.Callable;

import org.alignspark.cli.AdapterBaseOption;
import org.alignspark.common.lm.CausalLM;
import org.alignspark.common.lm.checkpoint.AdapterCheckpoint;
import org.alignspark.common.lm.checkpoint.HfCheckpoint;
import org.alignspark.common.lm.checkpoint.ModelFolder;
import org.alignspark.common.rm.RewardModel;
import org.alignspark.common.rm.RewardModelFolder;
import org.alignspark.common.tokenizer.Tokenizers;
import org.nd4j.linalg.api.buffer.DataType;

import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code merge-adapter}: folds a LoRA adapter (a PEFT folder) into its base, W + (α/r)·B A on every adapted projection
 * (Hu et al. 2021 §4.1), and writes the merged Hugging Face model folder with the tokenizer files of the adapter folder,
 * or of the base where the adapter has none. The merged model computes what base + adapter computes, with no adapter.
 * A reward model's SEQ_CLS adapter (train-rm {@code --lora-r}) becomes a reward model folder: the merged LM, its head
 * in score.safetensors and its reward_layout.json.
 */
@Command(name = "merge-adapter", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Fold a LoRA adapter (PEFT folder) into its base model and write the merged HF model folder "
                + "(a reward model folder for a SEQ_CLS adapter of train-rm).")
public final class MergeAdapterJob implements Callable<Integer> {
    @Option(names = "--adapter", required = true, paramLabel = "FOLDER",
            description = "PEFT adapter folder (adapter_config.json, adapter_model.safetensors).")
    String adapter;

    @Mixin
    AdapterBaseOption base;

    @Option(names = "--output", required = true, paramLabel = "FOLDER",
            description = "Merged model folder to write (any Hadoop path); must not exist.")
    String output;

    @Override
    public Integer call() throws Exception {
        ModelFolder adapterFolder = ModelFolder.of(adapter);
        if (!AdapterCheckpoint.isAdapter(adapterFolder)) {
            throw new IllegalArgumentException(adapter + " has no " + AdapterCheckpoint.CONFIG + ": not a PEFT adapter folder");
        }
        AdapterCheckpoint.AdapterConfig config = AdapterCheckpoint.readConfig(adapterFolder);
        String baseLocation = AdapterCheckpoint.baseLocation(adapter, config, base.baseModel());
        ModelFolder tokenizerSource = adapterFolder.exists(Tokenizers.TOKENIZER) || adapterFolder.exists(Tokenizers.TOKENIZER_CONFIG)
                ? adapterFolder : ModelFolder.of(baseLocation);
        CausalLM adapted;
        if (RewardModelFolder.SEQ_CLS.equals(config.taskType())) {
            // a reward model's adapter (train-rm --lora-r): the merged LM with the head beside it, a reward model folder
            RewardModel rewardModel = RewardModelFolder.load(adapter, baseLocation, DataType.FLOAT);
            adapted = rewardModel.lm();
            RewardModelFolder.saveAtomically(new RewardModel(adapted.merged(), rewardModel.head()),
                    RewardModelFolder.layout(adapter), tokenizerSource, ModelFolder.of(output));
        } else {
            adapted = AdapterCheckpoint.load(adapter, baseLocation, DataType.FLOAT);
            HfCheckpoint.saveAtomically(adapted.merged(), ModelFolder.of(output),
                    target -> RewardModelFolder.copyTokenizer(tokenizerSource, target));
        }
        System.out.printf("%s: %s merged with %d adapted modules (r %d, alpha %s) of %s%n", output, baseLocation,
                adapted.adaptedModules().size(), adapted.lora().r(), adapted.lora().alpha(), adapter);
        return 0;
    }
}
