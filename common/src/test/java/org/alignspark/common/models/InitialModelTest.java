package org.alignspark.common.models;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.alignspark.common.lm.ModelConfig;
import org.alignspark.common.lm.checkpoint.HfConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;

/** The size init-model checks against the off-heap limit before it allocates. */
class InitialModelTest {
    @Test
    void qwen25HalfBillionCountsItsPublishedParametersLessNormsAndBiases() throws IOException {
        Path file = Path.of("..", "bench", "configs", "qwen2.5-0.5b-instruct.json");
        ModelConfig config = HfConfig.fromJson(new ObjectMapper().readTree(file.toFile()), file.toString(), DataType.FLOAT);
        // Qwen2.5-0.5B(-Instruct) has 494 032 768 parameters (transformers' num_parameters()); the estimate leaves out
        // the norms (24 layers · 2 · 896 + the final 896 = 43 904) and the q/k/v biases (24 · (896 + 128 + 128) = 27 648).
        assertEquals(494_032_768L - 43_904 - 27_648, InitialModel.approximateParameters(config));
    }
}
